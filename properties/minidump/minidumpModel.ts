/**
 * A minidump model (properties/minidump/_internals/writer.ts writes it):
 * SystemInfo, a ThreadList with AMD64 or ARM64 contexts of the real sizes,
 * a MemoryList, maybe a Memory64List, a ModuleList, Exception streams (none,
 * one, or lldb's one per thread), streams the reader ignores, with
 * Breakpad's macOS padding or not, the directory in any order.
 *
 * Memory: disjoint regions (adjacent ones too) placed from a random base up
 * to the top of the address space; each is listed in the MemoryList, the
 * Memory64List, or only as a thread's stack; a thread's stack may also be
 * listed in the MemoryList (a second listing of the same range, as
 * Breakpad writes it).
 */
import * as fc from "fast-check"
import { u64 } from "../arbitraries/u64.js"
import type { ContextModel, DumpModel, ExceptionModel, RegionModel, StreamKind, ThreadModel } from "./_internals/writer.js"

const TOP = 1n << 64n

/**
 * Context sizes by processor architecture (README "Contexts"): AMD64 1232
 * and lldb's 720; ARM64 912 and lldb's 800; Breakpad's old ARM64 layout
 * (0x8003, packed: 64-bit flags, 32 x-registers, pc, cpsr, fpsr, fpcr,
 * 32 × 16-byte v-registers) 796.
 */
const contextSizes = (processorArchitecture: number): ReadonlyArray<number> =>
  processorArchitecture === 9 ? [1232, 720] : processorArchitecture === 0x8003 ? [796] : [912, 800]

const context = (processorArchitecture: number): fc.Arbitrary<ContextModel> =>
  fc.record({
    size: fc.constantFrom(...contextSizes(processorArchitecture)),
    flags: fc.constantFrom(0x10001f, 0x100000, 0x100007, 0x400007, 0x80000006),
    pc: u64(),
    fp: u64(),
    sp: u64(),
    fill: fc.nat({ max: 255 })
  })

type Role = "memoryList" | "memory64List" | "stackOnly"

interface Plan {
  readonly processorArchitecture: number
  readonly padded: boolean
  readonly base: bigint
  readonly regions: ReadonlyArray<{ readonly gap: bigint; readonly bytes: Uint8Array; readonly role: Role }>
  readonly threads: ReadonlyArray<{ readonly id: number; readonly context: ContextModel; readonly stack: number | undefined; readonly listedToo: boolean }>
  readonly crash: { readonly thread: number; readonly code: number; readonly address: bigint; readonly context: ContextModel } | undefined
  readonly perThreadExceptions: boolean
  readonly memory64: boolean
  readonly modules: ReadonlyArray<{ readonly base: bigint; readonly size: number; readonly name: string; readonly buildId: Uint8Array | undefined }>
  readonly others: ReadonlyArray<{ readonly type: number; readonly bytes: Uint8Array }>
  readonly shuffle: ReadonlyArray<number>
}

const plan = (processorArchitecture: number): fc.Arbitrary<Plan> =>
  fc.record({
    processorArchitecture: fc.constant(processorArchitecture),
    padded: fc.boolean(),
    base: u64(),
    regions: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 0x1_0000n })),
        bytes: fc.uint8Array({ maxLength: 96 }),
        role: fc.constantFrom<Role>("memoryList", "memory64List", "stackOnly")
      }),
      { maxLength: 6 }
    ),
    threads: fc.uniqueArray(
      fc.record({
        id: fc.nat({ max: 0xffff_ffff }),
        context: context(processorArchitecture),
        stack: fc.option(fc.nat(), { nil: undefined }),
        listedToo: fc.boolean()
      }),
      { maxLength: 4, selector: (t) => t.id }
    ),
    crash: fc.option(
      fc.record({ thread: fc.nat(), code: fc.nat({ max: 0xffff_ffff }), address: u64(), context: context(processorArchitecture) }),
      { nil: undefined }
    ),
    perThreadExceptions: fc.boolean(),
    memory64: fc.boolean(),
    modules: fc.array(
      fc.record({
        base: u64(),
        size: fc.nat({ max: 0xffff_ffff }),
        name: fc.string({ unit: "binary", maxLength: 24 }),
        buildId: fc.option(fc.uint8Array({ minLength: 1, maxLength: 20 }), { nil: undefined })
      }),
      { maxLength: 3 }
    ),
    others: fc.array(
      fc.record({ type: fc.constantFrom(0, 15, 0x4767_0003, 0x4350_0001), bytes: fc.uint8Array({ maxLength: 16 }) }),
      { maxLength: 2 }
    ),
    shuffle: fc.array(fc.nat(), { minLength: 16, maxLength: 16 })
  })

/** Lays the plan's regions out from its base: each starts `gap` bytes after the previous one ends. */
const layOut = (p: Plan): ReadonlyArray<RegionModel & { readonly role: Role }> => {
  const span = p.regions.reduce((n, r) => n + r.gap + BigInt(r.bytes.length), 0n)
  let at = p.base % (TOP - span + 1n)
  return p.regions.map((r) => {
    const start = at + r.gap
    at = start + BigInt(r.bytes.length)
    return { start, bytes: r.bytes, role: r.role }
  })
}

const toModel = (p: Plan): DumpModel => {
  const regions = layOut(p)
  const threads: Array<ThreadModel> = p.threads.map((t) => ({
    id: t.id,
    context: t.context,
    stack: t.stack === undefined || regions.length === 0 ? undefined : regions[t.stack % regions.length]
  }))
  const memoryList: Array<RegionModel> = regions.filter((r) => r.role === "memoryList")
  // A stack listed in the MemoryList as well (Breakpad lists every stack twice).
  for (const [i, t] of p.threads.entries()) {
    const stack = threads[i]!.stack
    if (t.listedToo && stack !== undefined && !memoryList.includes(stack)) memoryList.push(stack)
  }
  const memory64List = p.memory64 ? regions.filter((r) => r.role === "memory64List") : undefined
  const exceptions: Array<ExceptionModel> = []
  if (p.crash !== undefined) {
    const crashed = threads.length === 0 ? undefined : threads[p.crash.thread % threads.length]
    exceptions.push({ threadId: crashed?.id ?? p.crash.thread, code: p.crash.code, address: p.crash.address, context: p.crash.context })
    // lldb: one more Exception stream per other thread, repeating its ThreadList context.
    if (p.perThreadExceptions) {
      for (const t of threads) if (t !== crashed) exceptions.push({ threadId: t.id, code: 19, address: 0n, context: t.context })
    }
  }
  const modules = p.modules.map((m) => ({ ...m, base: m.base % (TOP - BigInt(m.size) + 1n) }))
  const kinds: Array<StreamKind> = [
    "SystemInfo",
    "ThreadList",
    "MemoryList",
    "ModuleList",
    ...(memory64List === undefined ? [] : ["Memory64List" as const]),
    ...exceptions.map(() => "Exception" as const),
    ...p.others.map(() => "Other" as const)
  ]
  // Fisher–Yates driven by the plan. The writer takes exceptions (and others) in the
  // order their kind appears, so the first Exception stream is always exceptions[0].
  const slots = kinds.map((_, i) => i)
  for (let i = slots.length - 1; i > 0; i--) {
    const j = p.shuffle[i % p.shuffle.length]! % (i + 1)
    ;[slots[i], slots[j]] = [slots[j]!, slots[i]!]
  }
  const order = slots.map((i) => kinds[i]!)
  return {
    processorArchitecture: p.processorArchitecture,
    padded: p.padded,
    threads,
    exceptions,
    memoryList,
    memory64List,
    modules,
    others: p.others,
    order
  }
}

/** A minidump model of one processor architecture (9, 12, 0x8003, or any other). */
export const minidumpModel = (processorArchitecture: number): fc.Arbitrary<DumpModel> => plan(processorArchitecture).map(toModel)
