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
 * - {@link stream}: a `Stream` of frames that fails with the `WalkError`;
 * - {@link Walker} and {@link layer}: the same as an Effect service;
 * - {@link walkSync} and {@link traceSync}: plain functions for callers who
 *   do not use Effect.
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
import type { Arch } from "./Arch.js"
import { architectures } from "./arch/index.js"
import type { Snapshot, WalkOptions } from "./Snapshot.js"
import type { FastReader, StackMemory } from "./StackMemory.js"
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
  if (arch.reachedEntrySp(nextFp, activation.sp)) return Result.succeed(undefined)
  if (nextFp <= fp) return Result.fail(new NonMonotonicFp({ frame, activation: activation.index, fp, nextFp }))
  return Result.succeed(nextFp)
}

// ---------------------------------------------------------------------------
// The cursor: the steps in order, resumable one frame at a time.
// ---------------------------------------------------------------------------

/**
 * A walk in progress. `next()` returns the next frame, or `undefined` once
 * the walk has ended; then `error` says whether it failed. Nothing is read
 * ahead: after a frame is returned, its saved PC and FP are read only when
 * the next one is asked for, so stopping early reads no further (as the
 * original's `ControlFlow::Break`).
 *
 * @category models
 * @since 0.1.0
 */
export class Cursor {
  /** The error that ended the walk, once `next()` has returned `undefined`. */
  error: WalkError | undefined = undefined
  /** Frames returned so far. */
  count = 0
  /** Index of the activation the last returned frame belongs to. */
  activation = 0
  private readonly arch: Arch
  private readonly activations: ReadonlyArray<Activation>
  private phase: "start" | "activation" | "frame" | "advance" | "done" = "start"
  private activationIndex = -1
  private pc = 0n
  private fp = 0n
  // The fast path (see `advance`): the same walk on float64 numbers while
  // every address and value is below 2^53.
  private readonly reader: FastReader
  private readonly options: WalkOptions
  private readonly pcOffset: number
  private readonly nextFpOffset: number
  private readonly fpAlignment: number
  private readonly maxFrames: number
  /** `fp` as a number, or -1 when it is 2^53 or more. */
  private fpNumber = -1
  /** The current activation's entry SP, or `Infinity` when it is 2^53 or more. */
  private spNumber = 0
  private sp = 0n

  constructor(readonly snapshot: Snapshot) {
    this.arch = architectures[snapshot.arch]
    this.activations = activations(snapshot.limits, snapshot.states, snapshot.trap)
    this.reader = snapshot.memory.fastReader(this.arch.littleEndian)
    this.options = snapshot.options
    this.pcOffset = Number(this.arch.pcOffset)
    this.nextFpOffset = Number(this.arch.nextFpOffset)
    this.fpAlignment = Number(this.arch.fpAlignment)
    this.maxFrames = snapshot.options.maxFrames < SAFE_END ? Number(snapshot.options.maxFrames) : Infinity
  }

  next(): Frame | undefined {
    if (this.phase === "advance" && this.fpNumber >= 0) {
      const frame = this.advance(this.fpNumber)
      if (frame !== undefined) return frame
    }
    return this.step()
  }

  // Steps 4e–4h from the frame at `fp`, then 4a–4d for the next one, on
  // float64 numbers: the common case, where every read lies below 2^53 and
  // every check passes. It also ends an activation whose next FP reached the
  // entry SP. Otherwise (a read it cannot serve, a value of 2^53 or more, a
  // failing check) it changes nothing and answers `undefined`, and `step`
  // takes the same step exactly, on bigints, making any error.
  private advance(fp: number): Frame | undefined {
    const reader = this.reader
    // Bigints come from the reads themselves: converting a number costs more.
    const savedPc = reader.word(fp + this.pcOffset)
    const nextFp = reader.safeWord(fp + this.nextFpOffset)
    if (savedPc === undefined || nextFp < 0) return undefined
    const next = reader.word(fp + this.nextFpOffset)!
    if (this.arch.reachedEntrySp(next, this.sp)) {
      this.phase = "activation"
      return undefined
    }
    // `nextFp / alignment` is exact (a power of two); `%` on a float64 is slow.
    const alignment = this.fpAlignment
    if (
      nextFp <= fp || nextFp > this.spNumber || Math.floor(nextFp / alignment) * alignment !== nextFp ||
      this.count >= this.maxFrames
    ) return undefined
    const pc = this.arch.pcFromStack(savedPc, this.options)
    this.pc = pc
    this.fp = next
    this.fpNumber = nextFp
    this.count++
    return { pc, fp: next }
  }

  // The steps in the spec's order, on bigints.
  private step(): Frame | undefined {
    for (;;) {
      switch (this.phase) {
        case "done":
          return undefined
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
          this.pc = activation.pc
          this.fp = activation.fp
          this.sp = activation.sp
          this.spNumber = activation.sp < SAFE_END ? Number(activation.sp) : Infinity
          this.phase = "frame"
          break
        }
        case "frame": {
          const activation = this.activations[this.activationIndex]!
          const checked = checkFrame(this.arch, activation, this.fp, this.count, this.snapshot.options.maxFrames)
          if (Result.isFailure(checked)) return this.fail(checked.failure)
          this.count++
          this.fpNumber = this.fp < SAFE_END ? Number(this.fp) : -1
          this.phase = "advance"
          return { pc: this.pc, fp: this.fp }
        }
        case "advance": {
          const { arch, fp, count } = this
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
            this.pc = pc.success
            this.fp = next.success
            this.phase = "frame"
          }
          break
        }
      }
    }
  }

  private fail(error: WalkError): undefined {
    this.error = error
    this.phase = "done"
    return undefined
  }

  private finish(): undefined {
    this.phase = "done"
    return undefined
  }
}

// 2^53: every integer below it is exact as a float64.
const SAFE_END = 0x20_0000_0000_0000n

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
    if (f(frame, cursor.activation) === "break") return Result.succeed({ frames: cursor.count, stopped: true })
  }
  return cursor.error === undefined
    ? Result.succeed({ frames: cursor.count, stopped: false })
    : Result.fail(cursor.error)
}

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
          chunk.push(frame)
          if (chunk.length === STREAM_CHUNK) break
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
  readonly stream: (snapshot: Snapshot) => Stream.Stream<Frame, WalkError>
}>()("fpwalk/Walker") {}

/**
 * The default {@link Walker}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Walker> = Layer.succeed(Walker, { walk, trace, stream })
