/**
 * The walk engine: the one place each check of the walk is written.
 *
 * It follows a {@link WalkPlan} (rules as data, see `WalkRules`) one frame
 * at a time, resumably. Numbers: the current FP is held as an anchor (the
 * start of the captured span its frame record lies in, or the FP itself when
 * no span holds it) plus a number offset from it, and every value the checks
 * compare (the boundary, the next FP) is an offset from the same anchor.
 * Offsets inside a span are exact; an offset far outside it may be rounded
 * but keeps its order against every in-span offset, which is all the checks
 * ask of it. When the next FP leaves the span, the cursor re-anchors on it
 * exactly, in bigints, before judging it: bigints are made only there, at
 * the start of an activation, and for the errors and frames handed out.
 *
 * @internal
 * @since 0.2.0
 */
import { readWord } from "../Memory.js"
import type { Memory } from "../Memory.js"
import { fromHalves } from "../U64.js"
import type { ActivationSource, WalkPlan } from "../WalkRules.js"
import { FrameLimitExceeded, MisalignedFp, NonMonotonicFp, UnmappedRead } from "../WalkError.js"
import type { WalkError } from "../WalkError.js"

/**
 * What a callback answers: go on to the next frame, or stop here.
 *
 * @since 0.1.0
 */
export type ControlFlow = "continue" | "break"

/**
 * The frame a visiting callback is looking at: one object, reused for every
 * frame and valid only during the call. The 32-bit halves never allocate;
 * `pc` and `fp` make bigints.
 *
 * @since 0.1.0
 */
export interface FrameView {
  /** The frame's index: 0 is the newest. */
  readonly index: number
  /** The index of the activation the frame belongs to. */
  readonly activation: number
  readonly pc: bigint
  readonly fp: bigint
  /** Bits 63–32 of the PC. */
  readonly pcHigh: number
  /** Bits 31–0 of the PC. */
  readonly pcLow: number
  /** Bits 63–32 of the FP. */
  readonly fpHigh: number
  /** Bits 31–0 of the FP. */
  readonly fpLow: number
}

const TWO_32 = 0x1_0000_0000
const SAFE = 2 ** 53

const ACTIVATION = 0
const FRAME = 1
const ADVANCE = 2
const DONE = 3

/**
 * A walk in progress. `run(f)` walks on, showing `f` each frame through the
 * cursor itself, until the walk ends (`false`) or `f` answers `"break"`
 * (`true`; the walk can be resumed). Then `error` says whether it failed.
 * Nothing is read ahead: a frame's saved PC and FP are read only when the
 * walk goes on past it.
 */
export class Cursor implements FrameView {
  /** The error that ended the walk, once it has ended. */
  error: WalkError | undefined = undefined
  /** Frames emitted so far. */
  count = 0
  activation = 0
  pcHigh = 0
  pcLow = 0
  fpHigh = 0
  fpLow = 0

  private phase = ACTIVATION
  private readonly memory: Memory
  private readonly source: ActivationSource
  private readonly plan: WalkPlan
  // The rules, unpacked into numbers once.
  private readonly littleEndian: boolean
  private readonly pcOffset: number
  private readonly pcFromNextFp: boolean
  private readonly nextFpOffset: number
  private readonly pcHighAt: number
  private readonly pcLowAt: number
  private readonly fpHighAt: number
  private readonly fpLowAt: number
  private readonly recordLow: number
  private readonly recordHigh: number
  private readonly alignMask: number
  private readonly maxFrames: number
  private readonly sign: number
  private readonly highKeep: number
  private readonly highFill: number
  private readonly lowKeep: number
  private readonly lowFill: number
  // The anchor: `base` (exact) and its halves; the FP alignment of `base`;
  // the span's view, and the offsets at which a whole frame record fits in
  // it (fastLow > fastHigh: no span).
  private base = 0n
  private baseHigh = 0
  private baseLow = 0
  private baseMod = 0
  private view: DataView | undefined = undefined
  private fastLow = 1
  private fastHigh = 0
  // The current FP as an offset from `base`.
  private offset = 0
  // The activation's boundary, exact and as offsets from `base` for each
  // rule (NaN never compares true; ±Infinity always one way).
  private boundary = 0n
  private stopOffset = Number.NaN
  private aboveOffset = Number.POSITIVE_INFINITY
  private afterLow = Number.NaN
  private afterHigh = Number.NaN

  constructor(plan: WalkPlan) {
    const rules = plan.rules
    const { pcMask, record } = rules
    this.plan = plan
    this.memory = plan.memory
    this.source = plan.activations
    this.littleEndian = rules.littleEndian
    this.pcOffset = record.pcOffset
    this.pcFromNextFp = record.pcFromNextFp === true
    this.nextFpOffset = record.nextFpOffset
    const [high, low] = rules.littleEndian ? [4, 0] : [0, 4]
    this.pcHighAt = record.pcOffset + high
    this.pcLowAt = record.pcOffset + low
    this.fpHighAt = record.nextFpOffset + high
    this.fpLowAt = record.nextFpOffset + low
    this.recordLow = Math.min(record.pcOffset, record.nextFpOffset)
    this.recordHigh = Math.max(record.pcOffset, record.nextFpOffset) + 8
    this.alignMask = rules.alignment - 1
    // Rounded only from 2^53 up, where no count reaches it.
    this.maxFrames = Number(rules.maxFrames)
    this.sign = pcMask.sign
    this.highKeep = pcMask.highKeep
    this.highFill = pcMask.highFill
    this.lowKeep = pcMask.lowKeep
    this.lowFill = pcMask.lowFill
  }

  /** The current frame's index. */
  get index(): number {
    return this.count - 1
  }

  /** The current frame's PC. */
  get pc(): bigint {
    return fromHalves(this.pcHigh, this.pcLow)
  }

  /** The current frame's FP. */
  get fp(): bigint {
    return fromHalves(this.fpHigh, this.fpLow)
  }

  run(f: (cursor: Cursor) => ControlFlow | void): boolean {
    for (;;) {
      switch (this.phase) {
        case FRAME:
          while (this.check()) {
            if (f(this) === "break") return true
            if (!this.advance()) break
          }
          break
        case ADVANCE:
          this.advance()
          break
        case ACTIVATION:
          this.begin()
          break
        default:
          return false
      }
    }
  }

  // The next activation: its own checks are the source's; its first frame
  // is anchored here.
  private begin(): void {
    const start = this.source.next(this.count)
    if (start === undefined) {
      this.phase = DONE
    } else if (start._tag !== "ActivationStart") {
      this.fail(start)
    } else {
      this.activation = start.index
      this.boundary = start.boundary
      this.pcHigh = Number(start.pc >> 32n)
      this.pcLow = Number(start.pc & 0xffff_ffffn)
      this.anchor(start.fp)
      this.phase = FRAME
    }
  }

  // Before emitting the frame at the current FP: the boundary rules, the
  // alignment, the frame limit; then the frame is the cursor's.
  private check(): boolean {
    const offset = this.offset
    if (offset === this.stopOffset) {
      this.phase = ACTIVATION
      return false
    }
    const { activation, count: frame } = this
    if (offset > this.aboveOffset) {
      return this.fail(this.plan.rules.above!({ frame, activation, fp: this.exact(offset), boundary: this.boundary }))
    }
    if (((this.baseMod + offset) & this.alignMask) !== 0) {
      return this.fail(new MisalignedFp({ frame, activation, fp: this.exact(offset), alignment: this.alignMask + 1 }))
    }
    if (frame >= this.maxFrames) return this.fail(new FrameLimitExceeded({ frame, maxFrames: this.maxFrames }))
    // Exact: the sum is below 2^53, and `>>> 0` keeps its low 32 bits.
    const sum = this.baseLow + offset
    const low = sum >>> 0
    this.fpLow = low
    this.fpHigh = this.baseHigh + (sum - low) / TWO_32
    this.count = frame + 1
    this.phase = ADVANCE
    return true
  }

  // After the current frame: read its saved PC and FP, judge the next FP.
  private advance(): boolean {
    if (this.pcFromNextFp) return this.advanceThroughNextFp()
    const offset = this.offset
    let pcHigh: number
    let pcLow: number
    let nextHigh: number
    let nextLow: number
    if (offset >= this.fastLow && offset <= this.fastHigh) {
      const view = this.view!
      const le = this.littleEndian
      pcHigh = view.getUint32(offset + this.pcHighAt, le)
      pcLow = view.getUint32(offset + this.pcLowAt, le)
      nextHigh = view.getUint32(offset + this.fpHighAt, le)
      nextLow = view.getUint32(offset + this.fpLowAt, le)
    } else {
      const fp = this.exact(offset)
      const pc = this.read(fp, this.pcOffset, "saved PC")
      if (pc === undefined) return false
      const next = this.read(fp, this.nextFpOffset, "saved FP")
      if (next === undefined) return false
      pcHigh = Number(pc >> 32n)
      pcLow = Number(pc & 0xffff_ffffn)
      nextHigh = Number(next >> 32n)
      nextLow = Number(next & 0xffff_ffffn)
    }
    this.setPc(pcHigh, pcLow)
    return this.follow(offset, nextHigh, nextLow)
  }

  // The record whose saved PC sits at the next FP (s390x's C ABI: the
  // caller's register save area): the next FP, judged, then the PC there.
  private advanceThroughNextFp(): boolean {
    const next = this.read(this.exact(this.offset), this.nextFpOffset, "saved FP")
    if (next === undefined || !this.follow(this.offset, Number(next >> 32n), Number(next & 0xffff_ffffn))) return false
    const pc = this.read(next, this.pcOffset, "saved PC")
    if (pc === undefined) return false
    this.setPc(Number(pc >> 32n), Number(pc & 0xffff_ffffn))
    return true
  }

  // The PC read from the stack, cleaned by the walk's mask.
  private setPc(high: number, low: number): void {
    const signed = (high & this.sign) !== 0
    this.pcHigh = (signed ? high | this.highFill : high & this.highKeep) >>> 0
    this.pcLow = (signed ? low | this.lowFill : low & this.lowKeep) >>> 0
  }

  // Judges the next FP (the end rule, then monotonicity) and moves to it.
  private follow(offset: number, nextHigh: number, nextLow: number): boolean {
    // The next FP as an offset from the anchor: exact when its size is
    // below 2^53 (rounding keeps 2^53 and above at or above it).
    let next = (nextHigh - this.baseHigh) * TWO_32 + (nextLow - this.baseLow)
    let current = offset
    let fp: bigint | undefined = undefined
    let anchored = next >= this.fastLow && next <= this.fastHigh
    if (!anchored && !(next > -SAFE && next < SAFE)) {
      // Too far to judge from here: anchor on the next FP first, exactly.
      // The current FP's offset from there may be rounded, keeping its
      // order against the next FP's.
      fp = this.exact(offset)
      this.anchor(fromHalves(nextHigh, nextLow))
      next = this.offset
      current = Number(fp - this.base)
      anchored = true
    }
    if (next >= this.afterLow && next <= this.afterHigh) {
      this.phase = ACTIVATION
      return false
    }
    if (next <= current) {
      return this.fail(new NonMonotonicFp({
        frame: this.count,
        activation: this.activation,
        fp: fp ?? this.exact(offset),
        nextFp: this.exact(next)
      }))
    }
    // The walk goes on at the next FP: in this span, or anchored anew.
    if (anchored) this.offset = next
    else this.anchor(fromHalves(nextHigh, nextLow))
    this.phase = FRAME
    return true
  }

  // Makes `fp` the current FP: anchored on the span holding its frame
  // record's first word, or on itself; the boundary as offsets from there.
  private anchor(fp: bigint): void {
    const span = this.memory.spanOf(fp + BigInt(this.recordLow))
    if (span === undefined) {
      this.base = fp
      this.view = undefined
      this.fastLow = 1
      this.fastHigh = 0
    } else {
      this.base = span.start
      this.view = span.view
      this.fastLow = -this.recordLow
      this.fastHigh = span.view.byteLength - this.recordHigh
    }
    const base = this.base
    this.baseHigh = Number(base >> 32n)
    this.baseLow = Number(base & 0xffff_ffffn)
    this.baseMod = Number(base & BigInt(this.alignMask))
    this.offset = Number(fp - base)
    const boundary = Number(this.boundary - base)
    const { above, stopAfter, stopAtBoundary } = this.plan.rules
    this.stopOffset = stopAtBoundary ? boundary : Number.NaN
    this.aboveOffset = above === undefined ? Number.POSITIVE_INFINITY : boundary
    this.afterLow = stopAfter === undefined ? Number.NaN : stopAfter === ">" ? boundary + 1 : boundary
    this.afterHigh = stopAfter === undefined ? Number.NaN : stopAfter === "==" ? boundary : Number.POSITIVE_INFINITY
  }

  private exact(offset: number): bigint {
    return this.base + BigInt(offset)
  }

  private read(fp: bigint, at: number, slot: "saved PC" | "saved FP"): bigint | undefined {
    const address = fp + BigInt(at)
    const word = readWord(this.memory, address, this.littleEndian)
    if (word === undefined) {
      this.fail(new UnmappedRead({ frame: this.count, activation: this.activation, fp, address, slot }))
    }
    return word
  }

  private fail(error: WalkError): false {
    this.error = error
    this.phase = DONE
    return false
  }
}
