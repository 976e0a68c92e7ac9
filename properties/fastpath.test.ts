/**
 * The walker's fast path must not show: it walks inside one region on
 * 32-bit halves (while a next FP's high half is the current FP's) and hands
 * anything else to the exact bigint steps. Stacks and regions laid
 * across 2^32 (where the high half changes), 2^53 (where a float64 stops
 * holding every integer) and 2^64 (where an address computation wraps), with
 * saved words from a set of awkward values, walk exactly as the plain
 * reference walker (test/reference/walker.ts, all bigint) says, through
 * every API: same frames, same error with the same fields at the same frame.
 * Word reads are checked one by one against an independent reader, in
 * random order, so a cached region can not serve a read it does not hold.
 */
import { fc, test } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { describe, expect } from "vitest"
import type { ArchId } from "../src/Arch.js"
import { architectures, archIds } from "../src/arch/index.js"
import { resultToJson } from "../src/Snapshot.js"
import { StackMemory } from "../src/StackMemory.js"
import * as Walker from "../src/Walker.js"
import type { Frame } from "../src/Walker.js"
import { fromJson, referenceWalk, refHalves } from "../test/reference/walker.js"
import { snapshotJson, StackImage } from "./layout.js"
import { numRuns } from "./runs.js"
import { decodeOrFail, readRaw } from "./support.js"

const TOP = 1n << 64n
const MAX = TOP - 1n

/** Where a stack is placed: across one of these boundaries. */
const ANCHORS = [1n << 32n, 1n << 53n, (1n << 53n) + (1n << 32n), 1n << 63n, TOP] as const

/** Saved words that sit on or next to a boundary, or carry PAC-like high bits. */
const awkward = (anchor: bigint): fc.Arbitrary<bigint> =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: MAX }),
    fc.integer({ min: -64, max: 64 }).map((d) => BigInt.asUintN(64, anchor + BigInt(d) * 8n)),
    fc.integer({ min: -3, max: 3 }).map((d) => BigInt.asUintN(64, (1n << 53n) + BigInt(d))),
    fc.integer({ min: 0, max: 15 }).map((d) => MAX - BigInt(d)),
    fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }).map((low) => low | (1n << 55n) | (0x7fn << 48n)),
    fc.constant(0n)
  )

/** 2n for n in [min, max], or now and then an odd number near it. */
const mostlyEven = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max }).map((n) => 2 * n) },
    { weight: 1, arbitrary: fc.integer({ min, max }).map((n) => 2 * n + 1) }
  )

interface Layout {
  readonly arch: ArchId
  readonly anchor: bigint
  /** First frame: this many 8-byte words from the anchor (negative: below it). */
  readonly firstWord: number
  /** Words between consecutive frames. */
  readonly gaps: ReadonlyArray<number>
  /** Words from the last frame to the entry SP. */
  readonly spWords: number
  /** Round the entry SP up to 16 (most real entry SPs are aligned). */
  readonly spAligned: boolean
  /** Region slack below the first frame and above the entry SP, in bytes. */
  readonly before: number
  readonly after: number
  /** Splits the region in two at this byte (a word across the cut is unmapped). */
  readonly cut: number | undefined
  /** Overwrites: word index in the region, value. */
  readonly corruptions: ReadonlyArray<readonly [number, bigint]>
  readonly maxFrames: bigint | undefined
  readonly vaBits: number | undefined
  readonly trap: boolean
  /** A second activation that re-walks the same chain. */
  readonly again: boolean
  readonly pcs: ReadonlyArray<bigint>
}

const layout = (arch: ArchId): fc.Arbitrary<Layout> =>
  fc.constantFrom(...ANCHORS).chain((anchor) =>
    fc.record({
      arch: fc.constant(arch),
      anchor: fc.constant(anchor),
      // Mostly even word counts: 16-byte alignment, so most walks get past the checks.
      firstWord: mostlyEven(-40, 4),
      gaps: fc.array(mostlyEven(1, 12), { minLength: 1, maxLength: 8 }),
      // Negative: the last frame lies above the entry SP.
      spWords: mostlyEven(-1, 3),
      spAligned: fc.boolean(),
      before: fc.integer({ min: 0, max: 24 }),
      after: fc.integer({ min: 0, max: 160 }),
      cut: fc.option(fc.nat({ max: 2000 }), { nil: undefined }),
      corruptions: fc.array(fc.tuple(fc.nat({ max: 300 }), awkward(anchor)), { maxLength: 3 }),
      maxFrames: fc.option(fc.bigInt({ min: 0n, max: 12n }), { nil: undefined, freq: 4 }),
      vaBits: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }),
      trap: fc.boolean(),
      again: fc.boolean(),
      pcs: fc.array(awkward(anchor), { minLength: 10, maxLength: 10 })
    })
  )

const LIMITS = 0x5555_6000_1000n

/** The snapshot JSON of a layout, or `undefined` if it does not fit below 2^64. */
const build = (l: Layout): Record<string, unknown> | undefined => {
  const arch = architectures[l.arch]
  const fps: Array<bigint> = []
  let fp = l.anchor + BigInt(l.firstWord) * 8n
  for (const gap of l.gaps) {
    fps.push(fp)
    fp += BigInt(gap) * 8n
  }
  const last = fps[fps.length - 1]!
  const unaligned = last + BigInt(l.spWords) * 8n
  const sp = l.spAligned ? (unaligned + 15n) & ~15n : unaligned
  const start = fps[0]! - BigInt(l.before)
  const end = sp + 16n + BigInt(l.after)
  const clippedEnd = end > TOP ? TOP : end
  if (start < 0n || start >= clippedEnd || sp > MAX || sp < 0n || fps.some((f) => f > MAX)) return undefined
  const size = Number(clippedEnd - start)
  const image = new StackImage(l.arch)
  const cut = l.cut === undefined || l.cut === 0 || l.cut >= size ? undefined : l.cut
  const pieces = cut === undefined ? [image.region(start, size)] : [image.region(start, cut), image.region(start + BigInt(cut), size - cut)]
  const put = (address: bigint, value: bigint) => {
    if (pieces.some((r) => r.contains(address))) image.writeWord(address, value)
  }
  fps.forEach((frame, i) => {
    const savedFp = fps[i + 1] ?? sp + 8n
    put(frame + arch.nextFpOffset, savedFp)
    put(frame + arch.pcOffset, l.pcs[(i + 1) % l.pcs.length]!)
  })
  for (const [word, value] of l.corruptions) put(start + BigInt(word) * 8n, value)
  const activation = { pc: l.pcs[0]! === 0n ? 1n : l.pcs[0]!, fp: fps[0]!, sp }
  return snapshotJson(image, {
    limits: { address: LIMITS, ...activation },
    states: [
      { limits: LIMITS, ...(l.again ? activation : { pc: 0n, fp: 0n, sp: 0n }) }
    ],
    trap: l.trap ? { pc: activation.pc, fp: activation.fp } : undefined,
    options: l.maxFrames === undefined && l.vaBits === undefined
      ? undefined
      : {
        ...(l.maxFrames === undefined ? {} : { maxFrames: l.maxFrames }),
        ...(l.vaBits === undefined ? {} : { aarch64VaBits: l.vaBits })
      }
  })
}

const frameJson = (f: Frame) => ({ pc: `0x${f.pc.toString(16)}`, fp: `0x${f.fp.toString(16)}` })

describe.each(archIds)("%s", (arch) => {
  test.prop([layout(arch)], { numRuns: numRuns(400) })(
    "walks stacks across 2^32, 2^53 and 2^64 exactly as the bigint reference walker",
    (l) => {
      const json = build(l)
      fc.pre(json !== undefined)
      const snapshot = decodeOrFail(json)
      const ours = Walker.walkSync(snapshot)
      expect(resultToJson(ours)).toEqual(referenceWalk(fromJson(json)))
      // The failing frame's index is the number of frames before it.
      if (!ours.ok) expect(ours.error.frame).toBe(ours.frames.length)

      // The callback, view, Effect and Stream APIs ride the same fast path.
      const traced: Array<Frame> = []
      const summary = Walker.traceSync(snapshot, (f) => void traced.push(f))
      expect(traced.map(frameJson)).toEqual(ours.frames.map(frameJson))
      expect(Result.isFailure(summary) ? summary.failure : undefined).toEqual(ours.ok ? undefined : ours.error)
      const visited: Array<Frame> = []
      const halves: Array<ReadonlyArray<number>> = []
      const visit = Walker.visitSync(snapshot, (f) => {
        visited.push({ pc: f.pc, fp: f.fp })
        halves.push([f.pcHigh, f.pcLow, f.fpHigh, f.fpLow])
      })
      expect(visit).toEqual(summary)
      expect(visited).toEqual(ours.frames)
      expect(halves).toEqual(ours.frames.map((f) => [...refHalves(f.pc), ...refHalves(f.fp)]))
      const effect = Effect.runSync(Effect.result(Walker.walk(snapshot)))
      expect(Result.isSuccess(effect) ? effect.success.frames : effect.failure.frames).toEqual(ours.frames)
      const streamed = Effect.runSync(Effect.result(Stream.runCollect(Walker.stream(snapshot))))
      if (ours.ok) expect(Result.isSuccess(streamed) ? streamed.success : undefined).toEqual(ours.frames)
      else expect(Result.isFailure(streamed) ? streamed.failure : undefined).toEqual(ours.error)
    }
  )
})

describe("StackMemory reads", () => {
  const regionsNear = fc.constantFrom(...ANCHORS).chain((anchor) =>
    fc.record({
      anchor: fc.constant(anchor),
      // Up to three regions, each placed by its start (bytes from the anchor) and size.
      regions: fc.array(fc.tuple(fc.integer({ min: -96, max: 96 }), fc.integer({ min: 0, max: 64 })), { minLength: 1, maxLength: 3 }),
      // Addresses to read, as byte offsets from the anchor, in this order.
      reads: fc.array(fc.integer({ min: -120, max: 120 }), { minLength: 1, maxLength: 40 }),
      littleEndian: fc.boolean(),
      seed: fc.nat(),
      // Words whose high bytes are zero (values below 2^53, as saved FPs are).
      small: fc.boolean()
    })
  )

  const build = (
    { anchor, littleEndian, regions, seed, small }: { anchor: bigint; littleEndian: boolean; regions: ReadonlyArray<readonly [number, number]>; seed: number; small: boolean }
  ) => {
    const high = (b: number) => (littleEndian ? b % 8 >= 6 : b % 8 < 2)
    const candidates = regions
      .map(([offset, size], i) => {
        const address = anchor + BigInt(offset)
        const bytes = Uint8Array.from({ length: size }, (_, b) => (small && high(b) ? 0 : (seed + 31 * b + 7 * i) & 0xff))
        return { address, bytes }
      })
      .filter((r) => r.address >= 0n && r.address + BigInt(r.bytes.length) <= TOP)
    const made = StackMemory.make(candidates)
    const raw = candidates.map((r) => ({ address: r.address, bytes: Buffer.from(r.bytes) }))
    return { made, raw, arch: (littleEndian ? "x86_64" : "s390x") as ArchId }
  }

  test.prop([regionsNear], { numRuns: numRuns(600) })(
    "reads exactly what an independent reader reads, at every address and in any order",
    (input) => {
      const { made, raw, arch } = build(input)
      fc.pre(Result.isSuccess(made))
      const memory = made.success
      for (const offset of input.reads) {
        // Unwrapped sums past 2^64 - 1 are allowed and never mapped.
        const address = input.anchor + BigInt(offset)
        if (address < 0n) continue
        const expected = address > MAX ? undefined : readRaw(arch, raw, address)
        expect(memory.readWord(address, input.littleEndian)).toBe(expected)
      }
    }
  )

  test.prop([regionsNear], { numRuns: numRuns(600) })(
    "the region the walker's fast path reads a frame from holds exactly the words readWord reads",
    (input) => {
      const { made, raw, arch } = build(input)
      fc.pre(Result.isSuccess(made))
      for (const offset of input.reads) {
        const address = input.anchor + BigInt(offset)
        if (address < 0n) continue
        const span = made.success.spanOf(address)
        const expected = address > MAX ? undefined : readRaw(arch, raw, address)
        expect(span === undefined ? undefined : span.view.getBigUint64(Number(address - span.start), input.littleEndian))
          .toBe(expected)
        if (span !== undefined) expect(span.lastWord).toBe(span.start + BigInt(span.view.byteLength) - 8n)
      }
    }
  )
})
