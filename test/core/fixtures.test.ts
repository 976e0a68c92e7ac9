/**
 * Every real core of test/fixtures/cores/ (kernel, gdb gcore and qemu-user
 * cores on the four architectures) against its expectation, written from
 * gdb and an independent frame-pointer walk by that folder's generate.sh:
 * thread ids, order, crashed flag and signal; frame 0's pc and fp; the
 * frame chain's saved words in memory; the function gdb names for every
 * frame, from the fixture's binary.
 */
import * as Result from "effect/Result"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import type { Core } from "../../src/core/Core.js"
import { readCore } from "../../src/core/Core.js"
import { makeSymbolizer } from "../../src/native/Symbolize.js"

const dir = new URL("../fixtures/cores/", import.meta.url)
const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".expected.json")).map((f) => f.slice(0, -".expected.json".length)).sort() : []
const gz = (file: string) => new Uint8Array(gunzipSync(readFileSync(new URL(file, dir))))

interface Expected {
  readonly arch: string
  readonly binary: string
  readonly buildId: string
  readonly prstatusSize: ReadonlyArray<number>
  readonly threads: ReadonlyArray<{
    readonly thread: number
    readonly crashed: boolean
    readonly signal: number
    readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp?: string; readonly function: string | null; readonly signalFrame?: boolean }>
    readonly fpWalk: { readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string }> }
  }>
}

// Where a frame record keeps the caller's FP and return address, from the frame pointer.
const record: Record<string, { fp: bigint; pc: bigint | undefined }> = {
  x86_64: { fp: 0n, pc: 8n },
  aarch64: { fp: 0n, pc: 8n },
  s390x: { fp: 0n, pc: undefined },
  riscv64: { fp: -16n, pc: -8n }
}

it("the fixture folder has cores", () => {
  expect(names.length).toBeGreaterThanOrEqual(29)
})

describe.each(names)("%s", (name) => {
  const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), "utf8")) as Expected
  const read = readCore(fromBytes(gz(`${name}.core.gz`)))
  const core = (): Core => {
    if (Result.isFailure(read)) throw new Error(read.failure.message)
    return read.success
  }

  it("reads the threads in order with gdb's frame 0", () => {
    const c = core()
    expect(c.arch).toBe(expected.arch)
    expect(c.threads.map((t) => [t.id, t.crashed, t.signal])).toEqual(expected.threads.map((t) => [t.thread, t.crashed, t.signal]))
    expect(c.threads.map((t) => [t.pc, t.fp])).toEqual(expected.threads.map((t) => [BigInt(t.fpWalk.frames[0]!.pc), BigInt(t.fpWalk.frames[0]!.fp)]))
    expect(c.warnings.some((w) => w.startsWith("NT_PRSTATUS"))).toBe(expected.prstatusSize.includes(336) && expected.arch === "riscv64")
  })

  it("holds the frame chain's saved words in memory", () => {
    const c = core()
    const word = (address: bigint) => {
      const span = c.image.memory.spanOf(address)
      return span?.view.getBigUint64(Number(address - span.start), c.littleEndian)
    }
    const slots = record[expected.arch]!
    for (const t of expected.threads) {
      const frames = t.fpWalk.frames
      for (let i = 0; i + 1 < frames.length; i++) {
        const fp = BigInt(frames[i]!.fp)
        expect(word(fp + slots.fp), `thread ${t.thread} frame ${i}: saved fp`).toBe(BigInt(frames[i + 1]!.fp))
        if (slots.pc !== undefined) {
          const saved = word(fp + slots.pc)!
          expect(expected.arch === "aarch64" ? saved & 0xffff_ffff_ffffn : saved, `thread ${t.thread} frame ${i}: saved pc`).toBe(BigInt(frames[i + 1]!.pc))
        }
      }
    }
  })

  it("names every frame as gdb does, from the binary", () => {
    const c = core()
    const s = makeSymbolizer(c.image, [{ name: expected.binary, source: fromBytes(gz(`${expected.binary}.gz`)) }], c)
    expect(s.matches.map((m) => m.file)).toEqual([expected.binary])
    // Frames in other modules (a PIE's libc, qemu's trampoline on the
    // stack) have no symbol file here. gdb takes the frame after a signal
    // frame from the signal context: its pc is not a return address.
    const module = s.matches[0]!.module
    for (const t of expected.threads) {
      const index = (i: number) => (i > 0 && t.frames[i - 1]!.signalFrame === true ? 0 : i)
      const where = t.frames.map((f, i) => s.lookup(BigInt(f.pc), index(i)))
      const got = where.map((l) => (l.module === module ? l.symbol : undefined))
      const want = t.frames.map((f, i) => (where[i]!.module === module ? f.function : undefined))
      expect(got, `thread ${t.thread}`).toEqual(want)
      expect(got[got.length - 1], `thread ${t.thread}`).toBe(t.frames[t.frames.length - 1]!.function)
      // A static binary holds every frame but a trampoline qemu put on the stack.
      if (expected.binary.includes("static")) expect(want).toEqual(t.frames.map((f) => (f.function === null ? undefined : f.function)))
    }
  })
})
