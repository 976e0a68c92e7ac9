/**
 * The walk: wasmtime's frame-pointer traversal, one typed step at a time.
 *
 * Each step of the original is a function here that returns a `Result`: it
 * succeeds with what the walk needs next or fails with the spec's error. One
 * resumable cursor strings the steps together in the spec's order, and every
 * API is a thin view of that cursor:
 *
 * - {@link walk}: `Effect<Backtrace, WalkFailure>` (the failure keeps the
 *   frames walked before the error);
 * - {@link trace}: a callback per frame that may stop early, like the
 *   original's `ControlFlow::Break`;
 * - {@link visit}: the same, allocation-free: the callback gets one reused
 *   {@link FrameView};
 * - {@link stream}: a `Stream` of frames that fails with the `WalkError`;
 * - {@link Walker} and {@link layer}: the same as an Effect service;
 * - {@link walkSync}, {@link traceSync} and {@link visitSync}: plain
 *   functions for callers who do not use Effect.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { Activation } from "./Activation.js"
import { activations } from "./Activation.js"
import type { Arch, ArchId } from "./Arch.js"
import { reachedEntrySp } from "./Arch.js"
import { architectures, archIds } from "./arch/index.js"
import type { Snapshot, WalkOptions } from "./Snapshot.js"
import type { Span, StackMemory } from "./StackMemory.js"
import { isAligned, MAX } from "./U64.js"
import {
  FpAboveEntrySp,
  FrameLimitExceeded,
  InconsistentActivation,
  MisalignedEntrySp,
  MisalignedFp,
  MismatchedLimits,
  NonMonotonicFp,
  NullEntrySp,
  NullFramePointer,
  UnmappedRead
} from "./WalkError.js"
import type { WalkError } from "./WalkError.js"

/**
 * One Wasm frame: its program counter and frame pointer.
 *
 * @category models
 * @since 0.1.0
 */
export interface Frame {
  readonly pc: bigint
  readonly fp: bigint
}

/**
 * A complete walk: every frame, newest first.
 *
 * @category models
 * @since 0.1.0
 */
export interface Backtrace {
  readonly frames: ReadonlyArray<Frame>
}

/**
 * A failed walk: the error and the frames walked before it.
 *
 * @category errors
 * @since 0.1.0
 */
export class WalkFailure extends Data.TaggedError("WalkFailure")<{
  readonly error: WalkError
  readonly frames: ReadonlyArray<Frame>
}> {
  override get message(): string {
    return this.error.message
  }
}

/**
 * The plain API's result: a discriminated union on `ok`. On error, `frames`
 * holds every frame emitted before it.
 *
 * @category models
 * @since 0.1.0
 */
export type WalkResult =
  | { readonly ok: true; readonly frames: ReadonlyArray<Frame> }
  | { readonly ok: false; readonly error: WalkError; readonly frames: ReadonlyArray<Frame> }

/**
 * What a trace callback answers: go on to the next frame, or stop here.
 *
 * @category models
 * @since 0.1.0
 */
export type ControlFlow = "continue" | "break"

/**
 * How a trace that did not fail ended: the number of frames it delivered and
 * whether the callback stopped it.
 *
 * @category models
 * @since 0.1.0
 */
export interface TraceSummary {
  readonly frames: number
  readonly stopped: boolean
}

// ---------------------------------------------------------------------------
// The steps, in the spec's order. `frame` is the number of frames emitted so
// far: the index the next frame would get.
// ---------------------------------------------------------------------------

/**
 * Check 0: a trap requires the innermost state to belong to the walked
 * limits (the original's `assert!(ptr::eq(limits, state.limits))`).
 *
 * @category steps
 * @since 0.1.0
 */
export const checkLimits = (snapshot: Snapshot): Result.Result<void, MismatchedLimits> => {
  if (snapshot.trap === undefined) return Result.void
  const innermost = snapshot.states[0]
  if (innermost !== undefined && innermost.limits === snapshot.limits.address) return Result.void
  return Result.fail(
    new MismatchedLimits({ frame: 0, limits: snapshot.limits.address, stateLimits: innermost?.limits })
  )
}

/**
 * Checks 1–3 for one activation. Succeeds with `true` when its frames are to
 * be walked, `false` when it is the end of the chain (PC 0, FP 0, SP 0).
 *
 * @category steps
 * @since 0.1.0
 */
export const checkActivation = (
  arch: Arch,
  activation: Activation,
  frame: number
): Result.Result<boolean, InconsistentActivation | NullFramePointer | NullEntrySp | MisalignedEntrySp> => {
  const { fp, index, pc, sp } = activation
  if (pc === 0n) {
    return fp === 0n && sp === 0n
      ? Result.succeed(false)
      : Result.fail(new InconsistentActivation({ frame, activation: index, pc, fp, sp }))
  }
  if (fp === 0n) return Result.fail(new NullFramePointer({ frame, activation: index }))
  if (sp === 0n) return Result.fail(new NullEntrySp({ frame, activation: index }))
  if (!isAligned(sp, arch.entrySpAlignment)) {
    return Result.fail(
      new MisalignedEntrySp({ frame, activation: index, entrySp: sp, alignment: Number(arch.entrySpAlignment) })
    )
  }
  return Result.succeed(true)
}

/**
 * Checks 4a–4c for the frame at `fp`: at or below the entry SP, aligned, and
 * within `maxFrames`.
 *
 * @category steps
 * @since 0.1.0
 */
export const checkFrame = (
  arch: Arch,
  activation: Activation,
  fp: bigint,
  frame: number,
  maxFrames: bigint
): Result.Result<void, FpAboveEntrySp | MisalignedFp | FrameLimitExceeded> => {
  if (fp > activation.sp) {
    return Result.fail(new FpAboveEntrySp({ frame, activation: activation.index, fp, entrySp: activation.sp }))
  }
  if (!isAligned(fp, arch.fpAlignment)) {
    return Result.fail(
      new MisalignedFp({ frame, activation: activation.index, fp, alignment: Number(arch.fpAlignment) })
    )
  }
  if (BigInt(frame) >= maxFrames) return Result.fail(new FrameLimitExceeded({ frame, maxFrames: Number(maxFrames) }))
  return Result.void
}

const readAt = (
  arch: Arch,
  memory: StackMemory,
  activation: Activation,
  fp: bigint,
  offset: bigint,
  frame: number
): Result.Result<bigint, UnmappedRead> => {
  const address = fp + offset
  const word = address > MAX ? undefined : memory.readWord(address, arch.littleEndian)
  return word === undefined
    ? Result.fail(new UnmappedRead({ frame, activation: activation.index, fp, address }))
    : Result.succeed(word)
}

/**
 * Check 4e: reads the next older PC from the frame at `fp` (aarch64 strips
 * pointer-authentication bits).
 *
 * @category steps
 * @since 0.1.0
 */
export const readNextPc = (
  arch: Arch,
  memory: StackMemory,
  activation: Activation,
  fp: bigint,
  frame: number,
  options: WalkOptions
): Result.Result<bigint, UnmappedRead> =>
  Result.map(readAt(arch, memory, activation, fp, arch.pcOffset, frame), (pc) => arch.pcFromStack(pc, options))

/**
 * Check 4f: reads the next older FP saved by the frame at `fp`.
 *
 * @category steps
 * @since 0.1.0
 */
export const readNextFp = (
  arch: Arch,
  memory: StackMemory,
  activation: Activation,
  fp: bigint,
  frame: number
): Result.Result<bigint, UnmappedRead> => readAt(arch, memory, activation, fp, arch.nextFpOffset, frame)

/**
 * Checks 4g–4h: decides what follows the frame at `fp`. Succeeds with the
 * next FP to walk, or `undefined` when `nextFp` has reached the entry SP and
 * the activation is done.
 *
 * @category steps
 * @since 0.1.0
 */
export const nextFrame = (
  arch: Arch,
  activation: Activation,
  fp: bigint,
  nextFp: bigint,
  frame: number
): Result.Result<bigint | undefined, NonMonotonicFp> => {
  if (reachedEntrySp(arch, nextFp, activation.sp)) return Result.succeed(undefined)
  if (nextFp <= fp) return Result.fail(new NonMonotonicFp({ frame, activation: activation.index, fp, nextFp }))
  return Result.succeed(nextFp)
}

// ---------------------------------------------------------------------------
// The cursor: the steps in order, resumable one frame at a time.
// ---------------------------------------------------------------------------

/**
 * The frame a {@link visitSync} callback is looking at. It is one object,
 * reused for every frame and valid only during the call: read what you need,
 * or copy `pc` and `fp` out. The 32-bit halves never allocate; `pc` and `fp`
 * make bigints (except at the first frame of an activation, which already
 * has them).
 *
 * @category models
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

/**
 * A walk in progress. `run(f)` walks on, showing `f` each frame through the
 * cursor itself (a {@link FrameView}), until the walk ends or `f` says
 * `"break"`; `next()` returns the next frame as an object of its own, or
 * `undefined` once the walk has ended. Then `error` says whether it failed.
 * Nothing is read ahead: after a frame, its saved PC and FP are read only
 * when the walk goes on, so stopping early reads no further (as the
 * original's `ControlFlow::Break`).
 *
 * @category models
 * @since 0.1.0
 */
export class Cursor implements FrameView {
  /** The error that ended the walk, once the walk has ended. */
  error: WalkError | undefined = undefined
  /** Frames returned so far. */
  count = 0
  /** Index of the activation the current frame belongs to. */
  activation = 0
  /** The current frame's PC and FP, as 32-bit halves. */
  pcHigh = 0
  pcLow = 0
  fpHigh = 0
  fpLow = 0
  private readonly arch: Arch
  private readonly activations: ReadonlyArray<Activation>
  private phase: "start" | "activation" | "frame" | "advance" | "done" = "start"
  private activationIndex = -1
  // The current frame and the current activation's entry SP as bigints, set
  // by `step` only (`runFast` keeps the halves).
  private exactFrame: Frame | undefined = undefined
  private sp = 0n
  // The fast path (see `runFast`) walks inside one region, on 32-bit
  // numbers: the region's DataView; the high half of the current FP (its
  // 4 GiB window) and the offset in the region of that window's low half 0;
  // the offset of the current FP (-1: the fast path cannot go on from this
  // frame); the largest offset whose frame record fits; and the offset from
  // which a next FP has reached the entry SP.
  private view: DataView | undefined = undefined
  private windowHigh = 0
  private windowOffset = 0
  private offset = -1
  private lastOffset = -1
  private stopOffset = 0
  // Per walk: where the halves of the saved PC and FP sit, and the limits
  // the fast path checks against.
  private readonly layout: Layout
  private readonly maxFrames: number
  // `pcFromStack` on a PC's high half (see `HighMasks`); `fast` is false
  // when it needs the low half too, and then every step is exact.
  private readonly pcSign: number
  private readonly pcKeep: number
  private readonly pcFill: number
  private readonly fast: boolean

  constructor(readonly snapshot: Snapshot) {
    const arch = architectures[snapshot.arch]
    this.arch = arch
    this.activations = activations(snapshot.limits, snapshot.states, snapshot.trap)
    this.layout = layouts[snapshot.arch]
    // Rounded only from 2^53 up, where no count reaches it.
    this.maxFrames = Number(snapshot.options.maxFrames)
    const masks = arch.pcHighMasks(snapshot.options)
    this.fast = masks !== undefined
    this.pcSign = masks?.sign ?? 0
    this.pcKeep = masks?.keep ?? 0
    this.pcFill = masks?.fill ?? 0
  }

  /** The current frame's index. */
  get index(): number {
    return this.count - 1
  }

  /** The current frame's PC. */
  get pc(): bigint {
    return this.exactFrame?.pc ?? fromHalves(this.pcHigh, this.pcLow)
  }

  /** The current frame's FP. */
  get fp(): bigint {
    return this.exactFrame?.fp ?? fromHalves(this.fpHigh, this.fpLow)
  }

  /** The current frame, as an object of its own. */
  frame(): Frame {
    return this.exactFrame ?? { pc: this.pc, fp: this.fp }
  }

  /** Moves to the next frame and returns it, or `undefined` at the end. */
  next(): Frame | undefined {
    return this.run(stopHere) ? this.frame() : undefined
  }

  /**
   * Walks on, calling `f` with the cursor itself at each frame, until the
   * walk ends (`false`) or `f` answers `"break"` (`true`; the walk can be
   * resumed from there).
   */
  run(f: (cursor: Cursor) => ControlFlow | void): boolean {
    for (;;) {
      if (this.phase === "advance" && this.offset >= 0 && this.runFast(f)) return true
      if (!this.step()) return false
      if (f(this) === "break") return true
    }
  }

  // Steps 4e–4h from the current frame, then 4b–4d for the next one, frame
  // after frame, on 32-bit numbers, allocating nothing: the common case,
  // where the next frame's record lies in the same region and the same 4 GiB
  // window as the current FP (its PC is cleaned on its high half: aarch64's
  // PAC), and every check passes. It also ends an activation whose next FP
  // reached the entry SP. Where it cannot go on, it leaves the current frame as it is and
  // answers `false`, and `step` takes the same step exactly, on bigints,
  // making any error; it answers `true` when `f` says "break". The reads
  // need no check: the current record fits in the region. 4a needs no test:
  // a next FP that has not reached the entry SP is at or below it.
  private runFast(f: (cursor: Cursor) => ControlFlow | void): boolean {
    const { fpAlignmentMask, fpHighAt, fpLowAt, littleEndian, pcHighAt, pcLowAt } = this.layout
    const { lastOffset, maxFrames, pcFill, pcKeep, pcSign, stopOffset, windowHigh, windowOffset } = this
    const view = this.view!
    let offset = this.offset
    for (;;) {
      const fpHigh = view.getUint32(offset + fpHighAt, littleEndian)
      if (fpHigh !== windowHigh) return false
      const fpLow = view.getUint32(offset + fpLowAt, littleEndian)
      // Exact: both are below 2^33 in size.
      const next = windowOffset + fpLow
      if (next >= stopOffset) {
        this.phase = "activation"
        return false
      }
      if (next <= offset || next > lastOffset || (fpLow & fpAlignmentMask) !== 0 || this.count >= maxFrames) return false
      this.exactFrame = undefined
      const pcHigh = view.getUint32(offset + pcHighAt, littleEndian)
      this.pcHigh = ((pcHigh & pcSign) === 0 ? pcHigh & pcKeep : pcHigh | pcFill) >>> 0
      this.pcLow = view.getUint32(offset + pcLowAt, littleEndian)
      this.fpHigh = fpHigh
      this.fpLow = fpLow
      this.offset = offset = next
      this.count++
      if (f(this) === "break") return true
    }
  }

  // The steps in the spec's order, on bigints.
  private step(): boolean {
    for (;;) {
      switch (this.phase) {
        case "done":
          return false
        case "start": {
          const checked = checkLimits(this.snapshot)
          if (Result.isFailure(checked)) return this.fail(checked.failure)
          this.phase = "activation"
          break
        }
        case "activation": {
          const activation = this.activations[++this.activationIndex]
          if (activation === undefined) return this.finish()
          const checked = checkActivation(this.arch, activation, this.count)
          if (Result.isFailure(checked)) return this.fail(checked.failure)
          if (!checked.success) return this.finish()
          this.activation = activation.index
          this.sp = activation.sp
          this.setFrame(activation.pc, activation.fp)
          this.phase = "frame"
          break
        }
        case "frame": {
          const activation = this.activations[this.activationIndex]!
          const checked = checkFrame(this.arch, activation, this.fp, this.count, this.snapshot.options.maxFrames)
          if (Result.isFailure(checked)) return this.fail(checked.failure)
          this.count++
          this.phase = "advance"
          return true
        }
        case "advance": {
          const { arch, count } = this
          const fp = this.fp
          const { memory, options } = this.snapshot
          const activation = this.activations[this.activationIndex]!
          const pc = readNextPc(arch, memory, activation, fp, count, options)
          if (Result.isFailure(pc)) return this.fail(pc.failure)
          const nextFp = readNextFp(arch, memory, activation, fp, count)
          if (Result.isFailure(nextFp)) return this.fail(nextFp.failure)
          const next = nextFrame(arch, activation, fp, nextFp.success, count)
          if (Result.isFailure(next)) return this.fail(next.failure)
          if (next.success === undefined) {
            this.phase = "activation"
          } else {
            this.setFrame(pc.success, next.success)
            this.phase = "frame"
          }
          break
        }
      }
    }
  }

  // Makes (pc, fp) the current frame, and sets the fast path up to go on
  // from it when its record lies in one region.
  private setFrame(pc: bigint, fp: bigint): void {
    this.exactFrame = { pc, fp }
    const pcApprox = Number(pc)
    this.pcHigh = high(pc, pcApprox)
    this.pcLow = low(pc, pcApprox)
    const fpApprox = Number(fp)
    this.fpHigh = high(fp, fpApprox)
    this.fpLow = low(fp, fpApprox)
    this.offset = -1
    const span = this.fast ? this.snapshot.memory.spanOf(fp) : undefined
    if (span === undefined) return
    const offset = difference(fp, fpApprox, span)
    const lastOffset = span.view.byteLength - this.layout.recordBytes
    if (offset > lastOffset) return
    this.view = span.view
    this.windowHigh = this.fpHigh
    this.windowOffset = offset - this.fpLow
    this.offset = offset
    this.lastOffset = lastOffset
    // Rounded when far from the region, where it compares the same.
    this.stopOffset = difference(this.sp, Number(this.sp), span) + (this.arch.stopWhenNextFp === ">=" ? 0 : 1)
  }

  private fail(error: WalkError): false {
    this.error = error
    this.phase = "done"
    return false
  }

  private finish(): false {
    this.phase = "done"
    return false
  }
}

// The callback of `Cursor.next`: one frame at a time. The APIs that make
// frames pull them with `next`, so that `run`'s calls of its callback see
// only this and a `visit` caller's callback, and V8 can inline both.
const stopHere = (): ControlFlow => "break"

// 2^53: every integer below it is exact as a float64.
const SAFE = 2 ** 53

// The halves of a 64-bit value, given also as `approx = Number(value)`, and
// the value from its halves. Below 2^53 they go through the float64, which
// makes no bigint (`approx` of a value at or above 2^53 is at or above 2^53
// too: rounding keeps the order).
const high = (value: bigint, approx: number): number =>
  approx < SAFE ? Math.floor(approx / 0x1_0000_0000) : Number(value >> 32n)
const low = (value: bigint, approx: number): number =>
  approx < SAFE ? approx >>> 0 : Number(BigInt.asUintN(32, value))
const fromHalves = (high: number, low: number): bigint =>
  high < 0x20_0000 ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low)

// `value - span.start` as a number (exact when it is below 2^53 in size),
// given also `approx = Number(value)`; `value` is at or above the start, so
// when it is below 2^53 so is the start.
const difference = (value: bigint, approx: number, span: Span): number =>
  approx < SAFE ? approx - span.startNumber : Number(value - span.start)

// Where the fast path finds the halves of the saved PC and FP in a frame
// record, how many bytes the record spans from the FP, and the FP alignment
// as a mask: per architecture, made once.
interface Layout {
  readonly littleEndian: boolean
  readonly pcHighAt: number
  readonly pcLowAt: number
  readonly fpHighAt: number
  readonly fpLowAt: number
  readonly recordBytes: number
  readonly fpAlignmentMask: number
}

const layoutOf = (arch: Arch): Layout => {
  const [high, low] = arch.littleEndian ? [4, 0] : [0, 4]
  const pcOffset = Number(arch.pcOffset)
  const nextFpOffset = Number(arch.nextFpOffset)
  return {
    littleEndian: arch.littleEndian,
    pcHighAt: pcOffset + high,
    pcLowAt: pcOffset + low,
    fpHighAt: nextFpOffset + high,
    fpLowAt: nextFpOffset + low,
    recordBytes: Math.max(pcOffset, nextFpOffset) + 8,
    fpAlignmentMask: Number(arch.fpAlignment) - 1
  }
}

const layouts = Object.fromEntries(archIds.map((id) => [id, layoutOf(architectures[id])])) as Record<ArchId, Layout>

// ---------------------------------------------------------------------------
// The APIs.
// ---------------------------------------------------------------------------

/**
 * Walks the whole stack. The plain API: never throws, and on error returns
 * the frames emitted before it.
 *
 * @example
 * ```ts
 * const result = walkSync(snapshot)
 * if (!result.ok) console.log(result.error._tag, result.frames.length)
 * ```
 *
 * @category plain
 * @since 0.1.0
 */
export const walkSync = (snapshot: Snapshot): WalkResult => {
  const cursor = new Cursor(snapshot)
  const frames: Array<Frame> = []
  for (let frame = cursor.next(); frame !== undefined; frame = cursor.next()) frames.push(frame)
  return cursor.error === undefined ? { ok: true, frames } : { ok: false, error: cursor.error, frames }
}

/**
 * Calls `f` for each frame, newest first, with the index of the activation
 * it belongs to, until the walk ends or `f` answers `"break"`. Succeeds with
 * a summary, fails with the walk's error (every frame before it has been
 * delivered).
 *
 * @category plain
 * @since 0.1.0
 */
export const traceSync = (
  snapshot: Snapshot,
  f: (frame: Frame, activation: number) => ControlFlow | void
): Result.Result<TraceSummary, WalkError> => {
  const cursor = new Cursor(snapshot)
  for (let frame = cursor.next(); frame !== undefined; frame = cursor.next()) {
    if (f(frame, cursor.activation) === "break") return ended(cursor, true)
  }
  return ended(cursor, false)
}

/**
 * The allocation-free callback API: calls `f` for each frame, newest first,
 * with a {@link FrameView} (one object, reused for every frame), until the
 * walk ends or `f` answers `"break"`. Succeeds with a summary, fails with the
 * walk's error (every frame before it has been visited). Nothing is
 * allocated per frame, except where the walk goes on exactly, on bigints:
 * the first frame of each activation, a saved FP in the next 4 GiB, a frame
 * record that does not fit in its region, and every frame under an aarch64
 * address space of fewer than 32 bits.
 *
 * @example
 * ```ts
 * // A PC as a number: exact while pcHigh < 2^21 (below 2^53).
 * const pcs = new Set<number>()
 * visitSync(snapshot, (frame) => void pcs.add(frame.pcHigh * 2 ** 32 + frame.pcLow))
 * ```
 *
 * @category plain
 * @since 0.1.0
 */
export const visitSync = (
  snapshot: Snapshot,
  f: (frame: FrameView) => ControlFlow | void
): Result.Result<TraceSummary, WalkError> => {
  const cursor = new Cursor(snapshot)
  return ended(cursor, cursor.run(f))
}

// How a trace or visit ended: stopped by its callback (the walk has no error
// then), or by its cursor.
const ended = (cursor: Cursor, stopped: boolean): Result.Result<TraceSummary, WalkError> =>
  cursor.error === undefined
    ? Result.succeed({ frames: cursor.count, stopped })
    : Result.fail(cursor.error)

/**
 * Walks the whole stack as an Effect. Fails with a {@link WalkFailure} that
 * holds the error and the frames walked before it.
 *
 * @category effects
 * @since 0.1.0
 */
export const walk = (snapshot: Snapshot): Effect.Effect<Backtrace, WalkFailure> =>
  Effect.suspend(() => {
    const result = walkSync(snapshot)
    return result.ok
      ? Effect.succeed({ frames: result.frames })
      : Effect.fail(new WalkFailure({ error: result.error, frames: result.frames }))
  })

/**
 * The Effect form of {@link traceSync}: the callback sees each frame and may
 * stop the walk early.
 *
 * @category effects
 * @since 0.1.0
 */
export const trace = (
  snapshot: Snapshot,
  f: (frame: Frame, activation: number) => ControlFlow | void
): Effect.Effect<TraceSummary, WalkError> => Effect.suspend(() => Effect.fromResult(traceSync(snapshot, f)))

/**
 * The Effect form of {@link visitSync}.
 *
 * @category effects
 * @since 0.1.0
 */
export const visit = (
  snapshot: Snapshot,
  f: (frame: FrameView) => ControlFlow | void
): Effect.Effect<TraceSummary, WalkError> => Effect.suspend(() => Effect.fromResult(visitSync(snapshot, f)))

const STREAM_CHUNK = 4096

/**
 * The frames as a `Stream`, pulled lazily in chunks; it fails with the walk's
 * error after the frames that came before it.
 *
 * @category effects
 * @since 0.1.0
 */
export const stream = (snapshot: Snapshot): Stream.Stream<Frame, WalkError> =>
  Stream.fromPull(
    Effect.sync(() => {
      const cursor = new Cursor(snapshot)
      return Effect.suspend((): Effect.Effect<readonly [Frame, ...Array<Frame>], WalkError | Cause.Done> => {
        const chunk: Array<Frame> = []
        for (let frame = cursor.next(); frame !== undefined; frame = cursor.next()) {
          if (chunk.push(frame) === STREAM_CHUNK) break
        }
        if (chunk.length > 0) return Effect.succeed(chunk as unknown as readonly [Frame, ...Array<Frame>])
        return cursor.error === undefined ? Cause.done() : Effect.fail(cursor.error)
      })
    })
  )

/**
 * The walker as an Effect service.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const walker = yield* Walker
 *   return yield* walker.walk(snapshot)
 * }).pipe(Effect.provide(layer))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Walker extends Context.Service<Walker, {
  readonly walk: (snapshot: Snapshot) => Effect.Effect<Backtrace, WalkFailure>
  readonly trace: (
    snapshot: Snapshot,
    f: (frame: Frame, activation: number) => ControlFlow | void
  ) => Effect.Effect<TraceSummary, WalkError>
  readonly visit: (snapshot: Snapshot, f: (frame: FrameView) => ControlFlow | void) => Effect.Effect<TraceSummary, WalkError>
  readonly stream: (snapshot: Snapshot) => Stream.Stream<Frame, WalkError>
}>()("fpwalk/Walker") {}

/**
 * The default {@link Walker}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Walker> = Layer.succeed(Walker, { walk, trace, visit, stream })
