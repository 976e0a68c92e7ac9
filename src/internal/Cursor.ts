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
import { difference, fromHalves, high32, low32 } from "../U64.js"
import type { FrameTableBuilder } from "../FrameTable.js"
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
  private readonly rules: WalkPlan["rules"]
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
  private readonly recordLowBig: bigint
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
  private boundaryApprox = 0
  private stopOffset = Number.NaN
  private aboveOffset = Number.POSITIVE_INFINITY
  private afterLow = Number.NaN
  private afterHigh = Number.NaN
  // The stop-after rule as the range [boundary + afterFrom, boundary +
  // afterTo] of next FPs that end the activation (NaN: no rule).
  private readonly afterFrom: number
  private readonly afterTo: number

  constructor(plan: WalkPlan) {
    const rules = plan.rules
    const { pcMask, record } = rules
    this.rules = rules
    this.memory = plan.memory
    this.source = plan.activations
    this.littleEndian = rules.littleEndian
    this.pcOffset = record.pcOffset
    this.pcFromNextFp = record.pcFromNextFp === true
    this.nextFpOffset = record.nextFpOffset
    const high = rules.littleEndian ? 4 : 0
    const low = 4 - high
    this.pcHighAt = record.pcOffset + high
    this.pcLowAt = record.pcOffset + low
    this.fpHighAt = record.nextFpOffset + high
    this.fpLowAt = record.nextFpOffset + low
    this.recordLow = Math.min(record.pcOffset, record.nextFpOffset)
    this.recordLowBig = BigInt(this.recordLow)
    this.recordHigh = Math.max(record.pcOffset, record.nextFpOffset) + 8
    this.alignMask = rules.alignment - 1
    // Rounded only from 2^53 up, where no count reaches it.
    this.maxFrames = Number(rules.maxFrames)
    this.sign = pcMask.sign
    this.highKeep = pcMask.highKeep
    this.highFill = pcMask.highFill
    this.lowKeep = pcMask.lowKeep
    this.lowFill = pcMask.lowFill
    const after = rules.stopAfter
    this.afterFrom = after === undefined ? Number.NaN : after === ">" ? 1 : 0
    this.afterTo = after === "==" ? 0 : Number.POSITIVE_INFINITY
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
    return this.drive(f, undefined)
  }

  /** Walks to the end, pushing every frame into `table`. */
  collect(table: FrameTableBuilder): void {
    this.drive(undefined, table)
  }

  /** Moves to the next frame: `true` when there is one (the cursor shows it). */
  step(): boolean {
    return this.drive(undefined, undefined)
  }

  // Each API has its own entry: `f` is then called from here for
  // visitSync's callbacks only (one shared call site made every callback
  // megamorphic: walkSync's push, trace's and stream's "break").
  private drive(f: ((cursor: Cursor) => ControlFlow | void) | undefined, table: FrameTableBuilder | undefined): boolean {
    for (;;) {
      if (this.phase === ACTIVATION) this.begin()
      else if (this.phase === DONE) return false
      else if (this.walk(f, table)) return true
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
      const pc = Number(start.pc)
      this.activation = start.index
      this.boundary = start.boundary
      this.boundaryApprox = Number(start.boundary)
      this.pcHigh = high32(start.pc, pc)
      this.pcLow = low32(start.pc, pc)
      this.anchor(start.fp, Number(start.fp))
      this.phase = FRAME
    }
  }

  // The frames of the current activation, from the current phase, until
  // the activation ends (false, phase ACTIVATION), the walk fails (false,
  // phase DONE) or `f` says "break" (true). Every check of the walk is
  // here, once, in the spec's order; the anchor's values are held in locals
  // and reloaded whenever `anchor` moves it (the two destructurings below).
  private walk(f: ((cursor: Cursor) => ControlFlow | void) | undefined, table: FrameTableBuilder | undefined): boolean {
    const { alignMask, highFill, highKeep, littleEndian, lowFill, lowKeep, maxFrames, pcFromNextFp, sign } = this
    const { fpHighAt, fpLowAt, pcHighAt, pcLowAt } = this
    let { baseHigh, baseLow, baseMod, fastHigh, fastLow, offset, view } = this
    let { aboveOffset, afterHigh, afterLow, stopOffset } = this
    let advancing = this.phase === ADVANCE
    for (;;) {
      if (!advancing) {
        // Before emitting the frame at the current FP.
        const frame = this.count
        if (offset === stopOffset) {
          this.phase = ACTIVATION
          return false
        }
        if (offset > aboveOffset) {
          this.offset = offset
          const error = this.rules.above!({ frame, activation: this.activation, fp: this.exact(offset), boundary: this.boundary })
          return this.fail(error)
        }
        if (((baseMod + offset) & alignMask) !== 0) {
          return this.fail(new MisalignedFp({ frame, activation: this.activation, fp: this.exact(offset), alignment: alignMask + 1 }))
        }
        if (frame >= maxFrames) return this.fail(new FrameLimitExceeded({ frame, maxFrames }))
        // Exact: the sum is below 2^53, and `>>> 0` keeps its low 32 bits.
        const sum = baseLow + offset
        const low = sum >>> 0
        this.fpLow = low
        this.fpHigh = baseHigh + (sum - low) / TWO_32
        this.count = frame + 1
        this.offset = offset
        this.phase = ADVANCE
        if (table !== undefined) table.push(this.pcHigh, this.pcLow, this.fpHigh, low, this.activation)
        else if (f === undefined || f(this) === "break") return true
      }
      advancing = false
      // After the frame at the current FP: its saved PC and the next FP.
      let pcHigh = 0
      let pcLow = 0
      let nextHigh: number
      let nextLow: number
      if (offset >= fastLow && offset <= fastHigh) {
        // (With pcFromNextFp this PC is replaced by the caller's below.)
        const v = view!
        pcHigh = v.getUint32(offset + pcHighAt, littleEndian)
        pcLow = v.getUint32(offset + pcLowAt, littleEndian)
        nextHigh = v.getUint32(offset + fpHighAt, littleEndian)
        nextLow = v.getUint32(offset + fpLowAt, littleEndian)
      } else {
        const fp = this.exact(offset)
        if (!pcFromNextFp) {
          const pc = this.read(fp, this.pcOffset, "saved PC")
          if (pc === undefined) return false
          pcHigh = Number(pc >> 32n)
          pcLow = Number(pc & 0xffff_ffffn)
        }
        const next = this.read(fp, this.nextFpOffset, "saved FP")
        if (next === undefined) return false
        nextHigh = Number(next >> 32n)
        nextLow = Number(next & 0xffff_ffffn)
      }
      // The next FP as an offset from the anchor: exact when its size is
      // below 2^53 (rounding keeps 2^53 and above at or above it).
      let next = (nextHigh - baseHigh) * TWO_32 + (nextLow - baseLow)
      let current = offset
      let fp: bigint | undefined = undefined
      // Stryker disable next-line EqualityOperator: `>` for `>=` is equivalent (a next FP at fastLow is at or below the current one, which is anchored at or above it: the same NonMonotonicFp either way)
      let anchored = next >= fastLow && next <= fastHigh
      if (!anchored && !(next > -SAFE && next < SAFE)) {
        // Too far to judge from here: anchor on the next FP first, exactly.
        // The current FP's offset from there may be rounded, keeping its
        // order against the next FP's.
        fp = this.exact(offset)
        this.anchor(fromHalves(nextHigh, nextLow), nextHigh * TWO_32 + nextLow)
        ;({ baseHigh, baseLow, baseMod, fastHigh, fastLow, offset, view } = this)
        ;({ aboveOffset, afterHigh, afterLow, stopOffset } = this)
        next = offset
        current = Number(fp - this.base)
        anchored = true
      }
      if (next >= afterLow && next <= afterHigh) {
        this.phase = ACTIVATION
        return false
      }
      if (next <= current) {
        return this.fail(new NonMonotonicFp({
          frame: this.count,
          activation: this.activation,
          fp: fp ?? this.exact(offset),
          nextFp: this.base + BigInt(next)
        }))
      }
      // The walk goes on at the next FP: in this span, or anchored anew.
      // (An offset in a span is below 2^32: `>>> 0` keeps it a small
      // integer for the reads, which makes the loop twice as fast.)
      if (anchored) {
        offset = next >>> 0
      } else {
        this.anchor(fromHalves(nextHigh, nextLow), nextHigh * TWO_32 + nextLow)
        ;({ baseHigh, baseLow, baseMod, fastHigh, fastLow, offset, view } = this)
        ;({ aboveOffset, afterHigh, afterLow, stopOffset } = this)
      }
      if (pcFromNextFp) {
        // s390x's C frames: the return address is in the caller's frame,
        // read from its span like any record, or exactly.
        if (offset >= fastLow && offset <= fastHigh) {
          pcHigh = view!.getUint32(offset + pcHighAt, littleEndian)
          pcLow = view!.getUint32(offset + pcLowAt, littleEndian)
        } else {
          const pc = this.read(this.exact(offset), this.pcOffset, "saved PC")
          if (pc === undefined) return false
          pcHigh = Number(pc >> 32n)
          pcLow = Number(pc & 0xffff_ffffn)
        }
      }
      const signed = (pcHigh & sign) !== 0
      this.pcHigh = (signed ? pcHigh | highFill : pcHigh & highKeep) >>> 0
      this.pcLow = (signed ? pcLow | lowFill : pcLow & lowKeep) >>> 0
      this.phase = FRAME
    }
  }

  // Makes `fp` the current FP: anchored on the span holding its frame
  // record's first word, or on itself; the boundary as offsets from there.
  // `approx` is `Number(fp)`: each bigint is converted once (a conversion
  // is a builtin call, most of a short walk's fixed cost).
  private anchor(fp: bigint, approx: number): void {
    const span = this.memory.spanOf(fp + this.recordLowBig)
    let base = approx
    if (span === undefined) {
      this.base = fp
      this.view = undefined
      this.fastLow = 1
      this.fastHigh = 0
    } else {
      this.base = span.start
      base = Number(span.start)
      this.view = span.view
      // Stryker disable next-line UnaryOperator: equivalent (the anchor's own offset is at least -recordLow, and a next FP below it fails as NonMonotonicFp whether or not it is judged in the span)
      this.fastLow = -this.recordLow
      this.fastHigh = span.view.byteLength - this.recordHigh
    }
    this.baseHigh = high32(this.base, base)
    this.baseLow = low32(this.base, base)
    // The alignment divides 2^32: the low half decides it.
    this.baseMod = this.baseLow & this.alignMask
    this.offset = difference(fp, this.base, approx, base)
    const boundary = difference(this.boundary, this.base, this.boundaryApprox, base)
    const { above, stopAtBoundary } = this.rules
    this.stopOffset = stopAtBoundary ? boundary : Number.NaN
    this.aboveOffset = above === undefined ? Number.POSITIVE_INFINITY : boundary
    this.afterLow = boundary + this.afterFrom
    this.afterHigh = boundary + this.afterTo
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
