/**
 * A read minidump as the native `Image` the walk takes.
 *
 * @internal
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { InputError } from "../../InputError.js"
import type { Image, Thread } from "../../native/Image.js"
import { fail, hex } from "./bytes.js"
import type { Minidump } from "./model.js"

/**
 * The image of a minidump: its architecture, memory, modules and threads
 * in ThreadList order. Frame 0 of the crashed thread (the one the first
 * Exception stream names) comes from the Exception stream's context, every
 * other thread's from its ThreadList context. Fails when the architecture
 * is not walkable or not known.
 *
 * @internal
 */
export const toImage = (dump: Minidump): Result.Result<Image, InputError> =>
  Result.gen(function*() {
    const system = dump.systemInfo
    if (system === undefined) return yield* fail("", "the minidump has no SystemInfo stream: its architecture is unknown, so it cannot be walked")
    const path = `SystemInfo stream (directory entry ${system.stream.index}) at ${hex(system.stream.location.rva)}`
    const arch = system.arch
    if (arch === undefined) {
      return yield* fail(path, `processor architecture ${hex(system.processorArchitecture)} (${system.cpu}) is not walkable: fpwalk walks AMD64 (9) and ARM64 (12, 0x8003) minidumps`)
    }
    const warnings = [...dump.warnings]
    const crash = dump.exceptions[0]
    // The first ThreadList entry with the crashed thread's id (ids should be unique; a writer's bug should not make two crashed threads).
    const crashedIndex = crash === undefined ? -1 : dump.threads.findIndex((t) => t.id === crash.threadId)
    if (crash !== undefined && crashedIndex < 0) {
      warnings.push(`the Exception stream names thread ${crash.threadId}, which the ThreadList does not hold: no thread is marked crashed`)
    }
    const ids = new Set<number>()
    for (const thread of dump.threads) {
      if (ids.has(thread.id)) warnings.push(`the ThreadList holds thread ${thread.id} more than once`)
      ids.add(thread.id)
    }
    const threads: Array<Thread> = []
    for (const [index, thread] of dump.threads.entries()) {
      const crashed = crash !== undefined && index === crashedIndex
      const context = crashed ? crash.context ?? thread.context : thread.context
      // The reader reads every context of a walkable architecture.
      if (context === undefined) return yield* fail(path, `thread ${thread.id} has no ${arch} registers`)
      const signal = dump.exceptions.find((e) => e.threadId === thread.id)?.code
      threads.push({ id: thread.id, crashed, signal, pc: context.pc, fp: context.fp, sp: context.sp })
    }
    return { kind: "minidump" as const, arch, memory: dump.memory, threads, modules: dump.modules, warnings }
  })
