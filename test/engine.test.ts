/**
 * The engine's anchoring contract (src/internal/Cursor.ts): on a plain stack
 * it reads every frame record from the span it is anchored in, with one
 * span lookup per activation and none per frame; it looks a span up again
 * only where a record leaves its span (an exact read, or a re-anchoring).
 * Results are the properties' business; these tests pin where the engine
 * asks the memory again, so that a guard made stricter (which only slows
 * the walk) is seen too.
 */
import { afterEach, describe, expect, it, vi } from "vitest"
import type { ArchId } from "../src/Arch.js"
import { architectures, archIds } from "../src/arch/index.js"
import type { Snapshot } from "../src/Snapshot.js"
import { visitSync, walkSync } from "../src/Walker.js"
import type { Build } from "./support/build.js"
import { build, chain, hostEntry, state } from "./support/build.js"

const L = 0xaaaa_0000n

/** The bytes a frame record spans from its FP: up to the end of the saved PC. */
const recordBytes = (arch: ArchId) => architectures[arch].record.pcOffset + 8

/** How many span lookups a whole walk makes. */
const work = (snapshot: Snapshot) => {
  const spanOf = vi.spyOn(snapshot.memory, "spanOf")
  const visited = visitSync(snapshot, () => undefined)
  return { visited, spanOf: spanOf.mock.calls.length }
}

const pcsOf = (snapshot: Snapshot) => [...walkSync(snapshot).frames].map((f) => f.pc)

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

describe.each(archIds)("anchoring on %s", (arch) => {
  it("walks two activations with one span lookup each", () => {
    const newer = chain(0x10100n, 40)
    const older = chain(0x14100n, 30)
    const snapshot = build({
      arch,
      records: [...newer.records, ...older.records],
      limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
      states: [state(L, 0x2000n, older.fps[0]!, older.sp), hostEntry(L)]
    })
    expect(work(snapshot)).toEqual({ visited: { ok: true, count: 70, stopped: false }, spanOf: 2 })
  })

  it("serves a frame whose record ends exactly where its region does", () => {
    const c = chain(0x10100n, 5)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch)]] }))
    expect(work(snapshot)).toEqual({ visited: { ok: true, count: 5, stopped: false }, spanOf: 1 })
  })

  it("serves a frame at the very start of its region", () => {
    const c = chain(0x10000n, 5)
    const snapshot = build(oneActivation(arch, c))
    expect(work(snapshot)).toMatchObject({ spanOf: 1 })
  })

  it("serves a one-frame activation whose record ends exactly where its region does", () => {
    const c = chain(0x10100n, 1)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch)]] }))
    expect(work(snapshot).spanOf).toBe(1)
  })

  it("re-anchors on a frame whose record runs past its span, and fails its exact read", () => {
    const c = chain(0x10100n, 5)
    const snapshot = build(oneActivation(arch, c, {
      regions: [[0x10000n, Number(c.last - 0x10000n) + recordBytes(arch) - 1]],
      records: c.records.slice(0, -1)
    }))
    const done = work(snapshot)
    expect(done.visited.ok || done.visited.error).toMatchObject({ _tag: "UnmappedRead", frame: 5 })
    // The start, the re-anchoring on the last frame (its record does not fit), the failing read of its PC.
    expect(done.spanOf).toBe(3)
  })

  it("walks above 2^53 and near 2^64 on halves too", () => {
    for (const first of [0x8000_0000_0000_0100n, 0xffff_ffff_ffff_0100n]) {
      // Below 2^48 on aarch64, where higher bits are PAC.
      const top = arch === "aarch64" ? 0x0000_ffff_ffff_ff00n : 0xffff_ffff_ffff_ff00n
      const c = chain(first, 6, (i) => top + BigInt(i))
      const snapshot = build(oneActivation(arch, c, { regions: [[first - 0x100n, 0x800]] }))
      expect(work(snapshot)).toMatchObject({ spanOf: 1 })
      expect(pcsOf(snapshot).slice(1)).toEqual(c.records.slice(0, 5).map((r) => r[2]))
    }
  })

  it("walks across 4 GiB boundaries inside one span with no further lookup", () => {
    const c = chain(0x1_0000_0000n - 0x300n, 6)
    const snapshot = build(oneActivation(arch, c, { regions: [[0x1_0000_0000n - 0x400n, 0x1000]] }))
    expect(work(snapshot)).toEqual({ visited: { ok: true, count: 6, stopped: false }, spanOf: 1 })
  })

  it.each([0x30000n, 0x0020_0000_0001_0000n, 0x8000_0000_0000_0000n])(
    "re-anchors once where a saved FP moves to another region (at %s, near or at least 2^53 away)",
    (far) => {
      const newer = chain(0x10100n, 3)
      const older = chain(far + 0x100n, 3)
      const records = [...newer.records.slice(0, -1), [newer.last, older.fps[0]!, 0x1003n] as const, ...older.records]
      const snapshot = build(oneActivation(arch, older, { records, regions: [[0x10000n, 0x1000], [far, 0x1000]], limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: older.sp } }))
      expect(work(snapshot)).toEqual({ visited: { ok: true, count: 6, stopped: false }, spanOf: 2 })
      expect([...walkSync(snapshot).frames].map((f) => f.fp)).toEqual([...newer.fps, ...older.fps])
    }
  )
})

describe("aarch64's PAC on the two halves", () => {
  const pcs = (high: bigint) => (i: number) => (high << 32n) | (0x1000n + BigInt(i))

  it("strips PAC bits on the high half of the PC", () => {
    const c = chain(0x10100n, 4, pcs(0x002a_ffffn))
    const snapshot = build(oneActivation("aarch64", c))
    expect(work(snapshot).spanOf).toBe(1)
    expect(pcsOf(snapshot)).toEqual([0x1000n, 0x0000_ffff_0000_1001n, 0x0000_ffff_0000_1002n, 0x0000_ffff_0000_1003n])
    const kernel = build(oneActivation("aarch64", chain(0x10100n, 2, pcs(0x0080_1234n))))
    expect(pcsOf(kernel)[1]).toBe(0xffff_1234_0000_1001n)
  })

  it("strips on the low half too when the address space is under 32 bits, with no further lookup", () => {
    const c = chain(0x10100n, 4, pcs(0x1n))
    const snapshot = build(oneActivation("aarch64", c, { options: { aarch64VaBits: 16 } }))
    expect(work(snapshot).spanOf).toBe(1)
    expect(pcsOf(snapshot)).toEqual([0x1000n, 0x1001n, 0x1002n, 0x1003n])
  })
})

describe("a saved FP exactly 2^53 past the anchor", () => {
  // The region starts at 15 mod 16, so the offsets from it of the next FP
  // (2^53) and of the entry SP (2^53 + 1) differ by one, which a number
  // offset cannot hold: the engine must judge the next FP exactly (it is
  // below the entry SP, so the walk goes on, to a misaligned frame), not on
  // rounded offsets (which would call it the entry SP and end the walk).
  it("judges the stop rule exactly", () => {
    const base = 0x100fn
    const fp = 0x1010n
    const next = base + 2n ** 53n
    const sp = next + 1n
    const snapshot = build({
      arch: "x86_64",
      regions: [[base, 0x100]],
      records: [[fp, next, 0x2000n]],
      limits: { address: L, pc: 0x1000n, fp, sp },
      states: [hostEntry(L)]
    })
    const result = walkSync(snapshot)
    expect(result.ok ? undefined : result.error).toMatchObject({ _tag: "MisalignedFp", frame: 1, fp: next })
    expect([...result.frames].map((f) => f.fp)).toEqual([fp])
  })
})

describe("a jump of 2^53 or more from the anchor, judged exactly", () => {
  it("walks on into a region that straddles 2^53 (the next FP's offset from its span is exact)", () => {
    // From 0x10100 to 2^53 + 0x20000 is more than 2^53: the engine anchors
    // on the next FP from its halves, in a span that starts below 2^53.
    const fp = 0x10100n
    const next = 2n ** 53n + 0x2_0000n
    const sp = next + 0x1000n
    const snapshot = build({
      arch: "x86_64",
      regions: [[0x10000n, 0x1000], [2n ** 53n - 0x1000n, 0x2_2000]],
      records: [[fp, next, 0x2000n], [next, sp, 0x2010n]],
      limits: { address: L, pc: 0x1000n, fp, sp },
      states: [hostEntry(L)]
    })
    const result = walkSync(snapshot)
    expect(result.ok).toBe(true)
    expect([...result.frames].map((f) => [f.fp, f.pc])).toEqual([[fp, 0x1000n], [next, 0x2000n]])
  })

  it("names the exact next FP 2^53 + 1 below the anchor, which a number offset rounds to 2^53", () => {
    const base = 2n ** 54n
    const fp = base + 0x100n
    const next = base - 2n ** 53n - 1n
    const snapshot = build({
      arch: "x86_64",
      regions: [[base, 0x1000]],
      records: [[fp, next, 0x2000n]],
      limits: { address: L, pc: 0x1000n, fp, sp: base + 0x800n },
      states: [hostEntry(L)]
    })
    const result = walkSync(snapshot)
    expect(result.ok ? undefined : result.error).toMatchObject({ _tag: "NonMonotonicFp", frame: 1, fp, nextFp: next })
  })
})
