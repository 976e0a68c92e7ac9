/**
 * The fast path's contract: on a plain stack it serves every frame after
 * the first of each activation, with no exact read (no `readWord`, which the
 * bigint steps use) and one region lookup per activation. Results are the
 * properties' business (properties/fastpath.test.ts); these tests pin where
 * the fast path gives up, so that a guard made stricter (which only slows
 * the walk) is seen too.
 */
import * as Result from "effect/Result"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { ArchId } from "../src/Arch.js"
import { architectures, archIds } from "../src/arch/index.js"
import type { Snapshot } from "../src/Snapshot.js"
import { visitSync, walkSync } from "../src/Walker.js"
import type { Build } from "./support/build.js"
import { build, chain, hostEntry, state } from "./support/build.js"

const L = 0xaaaa_0000n

/** The bytes a frame record spans from its FP: up to the end of the saved PC. */
const recordBytes = (arch: ArchId) => Number(architectures[arch].pcOffset) + 8

/** How many exact reads and region lookups a whole walk makes. */
const exactWork = (snapshot: Snapshot) => {
  const readWord = vi.spyOn(snapshot.memory, "readWord")
  const spanOf = vi.spyOn(snapshot.memory, "spanOf")
  const visited = visitSync(snapshot, () => undefined)
  return { visited, readWord: readWord.mock.calls.length, spanOf: spanOf.mock.calls.length }
}

const oneActivation = (arch: ArchId, c: ReturnType<typeof chain>, extra: Partial<Build> = {}): Build => ({
  arch,
  records: c.records,
  limits: { address: L, pc: 0x1000n, fp: c.fps[0]!, sp: c.sp },
  states: [hostEntry(L)],
  ...extra
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each(archIds)("the fast path on %s", (arch) => {
  it("walks two activations with one region lookup each and no exact read", () => {
    const newer = chain(0x10100n, 40)
    const older = chain(0x14100n, 30)
    const snapshot = build({
      arch,
      records: [...newer.records, ...older.records],
      limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
      states: [state(L, 0x2000n, older.fps[0]!, older.sp), hostEntry(L)]
    })
    expect(exactWork(snapshot)).toEqual({ visited: Result.succeed({ frames: 70, stopped: false }), readWord: 0, spanOf: 2 })
  })

  it("serves a frame whose record ends exactly where its region does", () => {
    const c = chain(0x10100n, 5)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch)]] }))
    const work = exactWork(snapshot)
    expect(work.visited).toEqual(Result.succeed({ frames: 5, stopped: false }))
    expect(work.readWord).toBe(0)
  })

  it("serves a frame at the very start of its region", () => {
    const c = chain(0x10000n, 5)
    const snapshot = build(oneActivation(arch, c))
    expect(exactWork(snapshot)).toMatchObject({ readWord: 0, spanOf: 1 })
  })

  it("serves a one-frame activation whose record ends exactly where its region does", () => {
    const c = chain(0x10100n, 1)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch)]] }))
    expect(exactWork(snapshot).readWord).toBe(0)
  })

  it("gives a frame whose record runs past its region to the exact steps, which fail it", () => {
    const c = chain(0x10100n, 5)
    const snapshot = build(oneActivation(arch, c, {
      regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch) - 1]],
      records: c.records.slice(0, -1)
    }))
    const work = exactWork(snapshot)
    expect(Result.isFailure(work.visited) && work.visited.failure).toMatchObject({ _tag: "UnmappedRead", frame: 5 })
    // The frame before it, read exactly since its successor's record does not fit, then the failing read.
    expect(work.readWord).toBe(3)
  })

  it("walks above 2^53 and near 2^64 on halves too", () => {
    for (const first of [0x8000_0000_0000_0100n, 0xffff_ffff_ffff_0100n]) {
      // Below 2^48 on aarch64, where higher bits are PAC.
      const top = arch === "aarch64" ? 0x0000_ffff_ffff_ff00n : 0xffff_ffff_ffff_ff00n
      const c = chain(first, 6, (i) => top + BigInt(i))
      const snapshot = build(oneActivation(arch, c, { regions: [[first - 0x100n, 0x800]] }))
      expect(exactWork(snapshot)).toMatchObject({ readWord: 0, spanOf: 1 })
      expect(walkSync(snapshot).frames.map((f) => f.pc).slice(1)).toEqual(c.records.slice(0, 5).map((r) => r[2]))
    }
  })

  it("takes one exact step where a saved FP crosses into the next 4 GiB, then goes on fast", () => {
    const c = chain(0x1_0000_0000n - 0x300n, 6)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x1_0000_0000n - 0x400n, 0x1000]] }))
    const work = exactWork(snapshot)
    expect(work.visited).toEqual(Result.succeed({ frames: 6, stopped: false }))
    // The frame at 0xffff_ff00 saved 0x1_0000_0000: read exactly (PC and FP).
    expect(work.readWord).toBe(2)
    expect(work.spanOf).toBe(2)
  })
})

describe("the fast path and aarch64's PAC", () => {
  const pcs = (high: bigint) => (i: number) => (high << 32n) | (0x1000n + BigInt(i))

  it("strips PAC bits on the high half of the PC", () => {
    const c = chain(0x10100n, 4, pcs(0x002a_ffffn))
    const snapshot = build(oneActivation("aarch64", c))
    expect(exactWork(snapshot).readWord).toBe(0)
    expect(walkSync(snapshot).frames.map((f) => f.pc)).toEqual([0x1000n, 0x0000_ffff_0000_1001n, 0x0000_ffff_0000_1002n, 0x0000_ffff_0000_1003n])
    const kernel = build(oneActivation("aarch64", chain(0x10100n, 2, pcs(0x0080_1234n))))
    expect(walkSync(kernel).frames[1]!.pc).toBe(0xffff_1234_0000_1001n)
  })

  it("leaves every PC to the exact steps when the address space is under 32 bits", () => {
    const c = chain(0x10100n, 4, pcs(0x1n))
    const snapshot = build(oneActivation("aarch64", c, { options: { aarch64VaBits: 16 } }))
    // Every record is read exactly: four frames, a PC and an FP each.
    expect(exactWork(snapshot).readWord).toBe(8)
    expect(walkSync(snapshot).frames.map((f) => f.pc)).toEqual([0x1000n, 0x1001n, 0x1002n, 0x1003n])
  })
})
