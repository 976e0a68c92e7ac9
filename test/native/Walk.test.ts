/**
 * The native rules on the one engine (src/native/Walk.ts), on hand-made
 * images: each architecture's C frame record, the chain's end at a saved FP
 * of 0, and the reads at the edges of captured memory (where the engine
 * leaves its span and reads exactly). The real cores and minidumps are in
 * cores.test.ts and minidumps.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest"
import type { ArchId } from "../../src/Arch.js"
import { architectures, archIds } from "../../src/arch/index.js"
import type { Image } from "../../src/native/Image.js"
import { Cursor } from "../../src/internal/Cursor.js"
import { threadPlan, walkImage } from "../../src/native/Walk.js"
import type { Region } from "../../src/StackMemory.js"
import { StackMemory } from "../../src/StackMemory.js"
import * as Result from "effect/Result"

const STACK = 0x7fff_0000n
const SIZE = 0x1000

interface Record_ {
  readonly fp: bigint
  readonly nextFp: bigint
  readonly pc: bigint
}

/** Memory of `regions` (address, size), with each record's words written where its architecture keeps them. */
const imageOf = (arch: ArchId, records: ReadonlyArray<Record_>, regions: ReadonlyArray<readonly [bigint, number]>, pc = 0x40_1000n): Image => {
  const { littleEndian, nativeRecord } = architectures[arch]
  const bytes = regions.map(([, size]) => new Uint8Array(size))
  const put = (address: bigint, value: bigint) => {
    const i = regions.findIndex(([start, size]) => address >= start && address + 8n <= start + BigInt(size))
    if (i === -1) return
    new DataView(bytes[i]!.buffer).setBigUint64(Number(address - regions[i]![0]), value, littleEndian)
  }
  for (const r of records) {
    put(r.fp + BigInt(nativeRecord.nextFpOffset), r.nextFp)
    // s390x's C frames: a frame's return address is in its caller's save area.
    put((nativeRecord.pcFromNextFp === true ? r.nextFp : r.fp) + BigInt(nativeRecord.pcOffset), r.pc)
  }
  const made: Array<Region> = regions.map(([address], i) => ({ address, bytes: bytes[i]! }))
  const memory = Result.getOrThrow(StackMemory.make(made))
  return {
    kind: "core",
    arch,
    memory,
    threads: [{ id: 1, crashed: true, pc, fp: records[0]!.fp }],
    modules: [],
    warnings: []
  }
}

/** `count` frames 0x100 apart from `first`, the oldest saving FP 0 (the chain's end). */
const chainOf = (first: bigint, count: number): Array<Record_> =>
  Array.from({ length: count }, (_, i) => {
    const fp = first + BigInt(i) * 0x100n
    return { fp, nextFp: i === count - 1 ? 0n : fp + 0x100n, pc: 0x40_2000n + BigInt(i) * 0x10n }
  })

const walkOf = (image: Image) => {
  const spanOf = vi.spyOn(image.memory, "spanOf")
  const { result } = walkImage(image)[0]!
  return { result, pcs: [...result.frames].map((f) => f.pc), spanOf: spanOf.mock.calls.length }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each(archIds)("the native walk on %s", (arch) => {
  it("walks every frame to the saved FP of 0, with one span lookup", () => {
    const records = chainOf(STACK + 0x200n, 5)
    const { pcs, result, spanOf } = walkOf(imageOf(arch, records, [[STACK, SIZE]]))
    expect(result.ok).toBe(true)
    expect(pcs).toEqual([0x40_1000n, ...records.slice(0, 4).map((r) => r.pc)])
    expect([...result.frames].map((f) => f.fp)).toEqual(records.map((r) => r.fp))
    // The end (FP 0, in no span) is judged from the anchor: no lookup for it.
    expect(spanOf).toBe(1)
  })

  it("ends only at 0: a saved FP below the current one is an error, not an end", () => {
    const records = chainOf(STACK + 0x200n, 3)
    const bent = [records[0]!, { ...records[1]!, nextFp: records[0]!.fp }, records[2]!]
    const { result } = walkOf(imageOf(arch, bent, [[STACK, SIZE]]))
    expect(result.ok ? undefined : result.error).toMatchObject({ _tag: "NonMonotonicFp", frame: 2, nextFp: records[0]!.fp })
  })
})

describe("native walk options", () => {
  it("stops at maxFrames, 1,000,000 unless given", () => {
    const image = imageOf("x86_64", chainOf(STACK + 0x200n, 5), [[STACK, SIZE]])
    const limited = walkImage(image, { maxFrames: 2n })[0]!.result
    expect(limited.ok ? undefined : limited.error).toMatchObject({ _tag: "FrameLimitExceeded", frame: 2, maxFrames: 2 })
    expect(limited.frames.length).toBe(2)
    expect(walkImage(image, { maxFrames: 5n })[0]!.result.ok).toBe(true)
    expect(walkImage(image, {})[0]!.result.frames.length).toBe(5)
  })
})

// s390x reads a frame's return address from its caller's save area: below.
describe.each(["x86_64", "aarch64", "riscv64"] as const)("a record past its region on %s", (arch) => {
  it("is read exactly, and the error names the word it cannot read", () => {
    const records = chainOf(STACK + 0x200n, 3)
    const { nativeRecord } = architectures[arch]
    const last = records[2]!.fp
    // The region ends right after the last frame's saved FP.
    const end = last + BigInt(nativeRecord.nextFpOffset) + 8n
    const { result } = walkOf(imageOf(arch, records, [[STACK, Number(end - STACK)]]))
    expect(result.ok ? undefined : result.error).toMatchObject({
      _tag: "UnmappedRead",
      frame: 3,
      fp: last,
      slot: "saved PC",
      address: last + BigInt(nativeRecord.pcOffset)
    })
  })
})

describe("s390x: the return address in the caller's save area", () => {
  // fp0 in one region; fp1 at the start of the next, fp2 where its save
  // area ends exactly at that region's end.
  const fp0 = STACK + 0x100n
  const records = [
    { fp: fp0, nextFp: STACK + 0x200n, pc: 0x40_2000n },
    { fp: STACK + 0x200n, nextFp: STACK + 0x300n, pc: 0x40_2010n },
    { fp: STACK + 0x300n, nextFp: 0n, pc: 0x40_2020n }
  ]

  it("is read from the caller's span, at a span's first byte and at its last record", () => {
    const image = imageOf("s390x", records, [[STACK, 0x200], [STACK + 0x200n, 0x100 + 120]])
    const { pcs, result, spanOf } = walkOf(image)
    expect(result.ok).toBe(true)
    expect(pcs).toEqual([0x40_1000n, 0x40_2000n, 0x40_2010n])
    // The start and the move to the second region; no exact read.
    expect(spanOf).toBe(2)
  })

  it("is read exactly where the caller's record straddles two regions, and the walk goes on", () => {
    // fp1's backchain ends the first region; its save area is in the next.
    const cut = STACK + 0x208n
    const image = imageOf("s390x", records, [[STACK, Number(cut - STACK)], [cut, 0x200]])
    const { pcs, result } = walkOf(image)
    expect(result.ok).toBe(true)
    expect(pcs).toEqual([0x40_1000n, 0x40_2000n, 0x40_2010n])
  })

  it("ends a one-frame chain at its backchain alone: frame 0's PC is the register's", () => {
    const records = chainOf(STACK + 0x200n, 1)
    const { result, pcs } = walkOf(imageOf("s390x", records, [[records[0]!.fp, 8]]))
    expect(result.ok).toBe(true)
    expect(pcs).toEqual([0x40_1000n])
  })

  it("fails where the caller's save area is not captured, naming the saved PC there", () => {
    const records = chainOf(STACK + 0x200n, 3)
    // The caller's (frame 2's) backchain is captured, its save area is not.
    const caller = records[1]!.nextFp
    const image = imageOf("s390x", records, [[STACK, Number(caller - STACK) + 8]])
    const { result } = walkOf(image)
    expect(result.ok ? undefined : result.error).toMatchObject({
      _tag: "UnmappedRead",
      frame: 2,
      fp: caller,
      slot: "saved PC",
      address: caller + 112n
    })
    expect(result.frames.length).toBe(2)
  })
})

describe("s390x: a caller FP in no captured span", () => {
  // Frame 0's backchain points where nothing is captured: frame 1's PC is
  // read from that caller's save area, exactly, and fails there.
  const far = 0x9000_0000n
  const image = imageOf("s390x", [{ fp: STACK + 0x200n, nextFp: far, pc: 0x40_2000n }], [[STACK, SIZE]])

  it("fails naming the saved PC in the caller's save area", () => {
    const { result } = walkOf(image)
    expect(result.ok ? undefined : result.error).toMatchObject({ _tag: "UnmappedRead", frame: 1, fp: far, slot: "saved PC", address: far + 112n })
    expect(result.frames.length).toBe(1)
  })

  it("ends a stepped walk there: one frame, then no more", () => {
    const cursor = new Cursor(threadPlan(image, image.threads[0]!))
    expect(cursor.step()).toBe(true)
    expect(cursor.step()).toBe(false)
    expect(cursor.step()).toBe(false)
    expect(cursor.error?._tag).toBe("UnmappedRead")
  })
})

describe("riscv64: the psABI record below s0", () => {
  it("serves a record that ends exactly where its region does from the span", () => {
    // The record is [s0 - 16, s0); the region ends at s0, so the span is
    // the one holding s0 - 16 (none holds s0 itself).
    for (const count of [1, 4]) {
      const records = chainOf(STACK + 0x200n, count)
      const image = imageOf("riscv64", records, [[STACK, Number(records[count - 1]!.fp - STACK)]])
      const { result, spanOf } = walkOf(image)
      expect(result.ok).toBe(true)
      expect(result.frames.length).toBe(count)
      expect(spanOf).toBe(1)
    }
  })

  it("names the saved FP it cannot read below a region", () => {
    const records = chainOf(STACK + 0x200n, 2)
    // The region starts at the saved PC (s0 - 8): the saved FP (s0 - 16) is outside it.
    const start = records[1]!.fp - 8n
    const image = imageOf("riscv64", records, [[STACK, Number(records[0]!.fp - STACK)], [start, 0x100]])
    const { result } = walkOf(image)
    expect(result.ok ? undefined : result.error).toMatchObject({
      _tag: "UnmappedRead",
      frame: 2,
      fp: records[1]!.fp,
      slot: "saved FP",
      address: records[1]!.fp - 16n
    })
  })
})
