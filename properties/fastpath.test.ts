/**
 * The walker's number system must not show: it holds an FP as a region
 * anchor plus a float64 offset and re-anchors exactly, in bigints, when the
 * walk leaves the region. Stacks and regions laid across 2^32 (where the
 * high half changes), 2^53 (where a float64 stops holding every integer)
 * and 2^64 (where an address computation wraps), with saved words from a
 * set of awkward values, in every generation (the entry SP's stop rule; the
 * exact entry-FP stop, with the exit trampoline's FP below the newest frame
 * under exit-trampoline), walk exactly as the plain reference walker
 * (test/reference/walker.ts, all bigint) says, through every API: same
 * frames with the same activations, same error with the same fields at the
 * same frame.
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
import { readWord } from "../src/Memory.js"
import { resultToJson } from "../src/Snapshot.js"
import { StackMemory } from "../src/StackMemory.js"
import * as Walker from "../src/Walker.js"
import { fromJson, referenceWalk, refHalves } from "../test/reference/walker.js"
import { versionsOf } from "./generations.js"
import { snapshotJson, StackImage } from "./layout.js"
import { numRuns } from "./runs.js"
import type { Frame } from "./stack.js"
import { decodeOrFail, frameOf, framesOf, readRaw } from "./support.js"

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
  /** The version a v2 snapshot names (the generation), or `undefined` for v1. */
  readonly wasmtime: string | undefined
  /** exit-trampoline: the exit trampoline's FP this many words below the newest frame. */
  readonly tWords: number
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
      wasmtime: fc.constantFrom(undefined, versionsOf["entry-sp"][0], versionsOf["entry-fp"][0], versionsOf["exit-trampoline"][0]),
      tWords: fc.integer({ min: 1, max: 6 }),
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
  const { record } = architectures[l.arch]
  const later = l.wasmtime !== undefined && l.wasmtime !== versionsOf["entry-sp"][0]
  const trampoline = l.wasmtime === versionsOf["exit-trampoline"][0]
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
  // The outermost frame saves the entry FP itself (later generations) or a word above the entry SP.
  fps.forEach((frame, i) => {
    const savedFp = fps[i + 1] ?? (later ? sp : sp + 8n)
    put(frame + BigInt(record.nextFpOffset), savedFp)
    put(frame + BigInt(record.pcOffset), l.pcs[(i + 1) % l.pcs.length]!)
  })
  // The exit trampoline's FP t, whose word is the newest FP (unmapped when below the region).
  const t = fps[0]! - BigInt(l.tWords) * 8n
  if (trampoline) put(t, fps[0]!)
  for (const [word, value] of l.corruptions) put(start + BigInt(word) * 8n, value)
  const pc = l.pcs[0]! === 0n ? 1n : l.pcs[0]!
  const activation = { pc, fp: trampoline ? t : fps[0]!, sp }
  return snapshotJson(image, {
    wasmtime: l.wasmtime,
    limits: { address: LIMITS, ...activation },
    states: [
      { limits: LIMITS, ...(l.again ? activation : { pc: 0n, fp: 0n, sp: 0n }) }
    ],
    trap: l.trap ? { pc, fp: fps[0]! } : undefined,
    options: l.maxFrames === undefined && l.vaBits === undefined
      ? undefined
      : {
        ...(l.maxFrames === undefined ? {} : { maxFrames: l.maxFrames }),
        ...(l.vaBits === undefined ? {} : { aarch64VaBits: l.vaBits })
      }
  })
}


describe.each(archIds)("%s", (arch) => {
  test.prop([layout(arch)], { numRuns: numRuns(400) })(
    "walks stacks across 2^32, 2^53 and 2^64 exactly as the bigint reference walker, in every generation",
    (l) => {
      const json = build(l)
      fc.pre(json !== undefined)
      const snapshot = decodeOrFail(json)
      const ours = Walker.walkSync(snapshot)
      expect(resultToJson(ours)).toEqual(referenceWalk(fromJson(json)))
      const frames = framesOf(ours.frames)
      // The failing frame's index is the number of frames before it.
      if (!ours.ok) expect(frameOf(ours.error)).toBe(frames.length)

      // The callback, view, Effect and Stream APIs walk the same way.
      const traced: Array<Frame> = []
      const summary = Walker.traceSync(snapshot, (f) => void traced.push({ pc: f.pc, fp: f.fp, activation: f.activation }))
      expect(traced).toEqual(frames)
      expect(summary).toEqual(ours.ok ? { ok: true, count: frames.length, stopped: false } : { ok: false, error: ours.error, count: frames.length })
      const visited: Array<Frame> = []
      const halves: Array<ReadonlyArray<number>> = []
      const visit = Walker.visitSync(snapshot, (f) => {
        visited.push({ pc: f.pc, fp: f.fp, activation: f.activation })
        halves.push([f.pcHigh, f.pcLow, f.fpHigh, f.fpLow])
      })
      expect(visit).toEqual(summary)
      expect(visited).toEqual(frames)
      expect(halves).toEqual(frames.map((f) => [...refHalves(f.pc), ...refHalves(f.fp)]))
      // The table's columns hold the same halves.
      expect(frames.map((_, i) => [ours.frames.pcHigh(i), ours.frames.pcLow(i), ours.frames.fpHigh(i), ours.frames.fpLow(i)])).toEqual(halves)
      const effect = Effect.runSync(Effect.result(Walker.walk(snapshot)))
      expect(
        framesOf(Result.isSuccess(effect) ? effect.success.frames : effect.failure._tag === "WalkFailure" ? effect.failure.frames : Walker.FrameTable.empty)
      ).toEqual(frames)
      const streamed = Effect.runSync(Effect.result(Stream.runCollect(Walker.stream(snapshot))))
      if (ours.ok) {
        expect(Result.isSuccess(streamed) ? streamed.success.map((f) => ({ pc: f.pc, fp: f.fp, activation: f.activation })) : undefined)
          .toEqual(frames)
      } else expect(Result.isFailure(streamed) ? streamed.failure : undefined).toEqual(ours.error)
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
        expect(readWord(memory, address, input.littleEndian)).toBe(expected)
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
