/**
 * The walk's APIs: every one is a thin view of the one engine
 * (`internal/Cursor`) following a snapshot's plan (`Generation.wasmPlan`).
 *
 * - {@link walkSync}, {@link traceSync} and {@link visitSync}: plain
 *   functions that need no Effect; they never throw, and answer
 *   `{ ok: true, … } | { ok: false, error, … }`;
 * - {@link walk}: `Effect<Backtrace, WalkFailure>` (the failure keeps the
 *   frames walked before the error);
 * - {@link trace} and {@link visit}: a callback per frame that may stop
 *   early, like the original's `ControlFlow::Break` ({@link visit}'s
 *   callback gets one reused {@link FrameView}: allocation-free);
 * - {@link stream}: a `Stream` of frames that fails with the `WalkError`;
 * - {@link Walker} and {@link layer}: the same as an Effect service.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { Snapshot } from "./Activation.js"
import { snapshotProblem } from "./Activation.js"
import type { Frame } from "./FrameTable.js"
import { FrameTable, FrameTableBuilder } from "./FrameTable.js"
import { wasmPlan } from "./Generation.js"
import { InputError } from "./InputError.js"
import type { ControlFlow, FrameView } from "./internal/Cursor.js"
import { Cursor } from "./internal/Cursor.js"
import type { WalkError } from "./WalkError.js"
import type { WalkPlan } from "./WalkRules.js"

export type {
  /** @since 0.1.0 */
  ControlFlow,
  /** @since 0.1.0 */
  Frame,
  /** @since 0.1.0 */
  FrameView
}
export {
  /** @since 0.2.0 */
  FrameTable
}

/**
 * A complete walk: every frame, newest first.
 *
 * @category models
 * @since 0.1.0
 */
export interface Backtrace {
  readonly frames: FrameTable
}

/**
 * A failed walk: the error and the frames walked before it.
 *
 * @category errors
 * @since 0.1.0
 */
export class WalkFailure extends Data.TaggedError("WalkFailure")<{
  readonly error: WalkError
  readonly frames: FrameTable
}> {
  override get message(): string {
    return this.error.message
  }
}

/**
 * The plain API's result: on error, `frames` holds every frame emitted
 * before it. An `InputError` says the argument was not a snapshot.
 *
 * @category models
 * @since 0.1.0
 */
export type WalkResult =
  | { readonly ok: true; readonly frames: FrameTable }
  | { readonly ok: false; readonly error: WalkError | InputError; readonly frames: FrameTable }

/**
 * How a trace or visit that did not fail ended: the number of frames it
 * delivered and whether the callback stopped it.
 *
 * @category models
 * @since 0.1.0
 */
export interface TraceSummary {
  readonly count: number
  readonly stopped: boolean
}

/**
 * The plain result of {@link traceSync} and {@link visitSync}: on error,
 * `count` frames were delivered before it.
 *
 * @category models
 * @since 0.2.0
 */
export type TraceResult =
  | { readonly ok: true; readonly count: number; readonly stopped: boolean }
  | { readonly ok: false; readonly error: WalkError | InputError; readonly count: number }

// The boundary of every API: what a JavaScript caller passed.
const inputProblem = (snapshot: unknown): InputError | undefined => {
  const problem = snapshotProblem(snapshot)
  return problem === undefined ? undefined : new InputError(problem)
}

const callbackProblem = (snapshot: unknown, f: unknown): InputError | undefined =>
  inputProblem(snapshot) ??
    (typeof f === "function" ? undefined : new InputError({ path: "callback", reason: `not a function (got ${f === null ? "null" : typeof f})` }))

/**
 * Runs a plan to its end, collecting the frames into a table.
 *
 * @internal
 * @since 0.2.0
 */
export const collect = (plan: WalkPlan): WalkResult => {
  const cursor = new Cursor(plan)
  const table = new FrameTableBuilder()
  cursor.collect(table)
  const frames = table.done()
  return cursor.error === undefined ? { ok: true, frames } : { ok: false, error: cursor.error, frames }
}

/**
 * Walks the whole stack. Never throws; on error returns the frames emitted
 * before it.
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
  const problem = inputProblem(snapshot)
  return problem === undefined ? collect(wasmPlan(snapshot)) : { ok: false, error: problem, frames: FrameTable.empty }
}

/**
 * Calls `f` for each frame, newest first (each frame an object of its own,
 * with its activation), until the walk ends or `f` answers `"break"`.
 *
 * @category plain
 * @since 0.1.0
 */
export const traceSync = (snapshot: Snapshot, f: (frame: Frame) => ControlFlow | void): TraceResult => {
  const problem = callbackProblem(snapshot, f)
  if (problem !== undefined) return { ok: false, error: problem, count: 0 }
  const cursor = new Cursor(wasmPlan(snapshot))
  for (let frame = next(cursor); frame !== undefined; frame = next(cursor)) {
    if (f(frame) === "break") return ended(cursor, true)
  }
  return ended(cursor, false)
}

/**
 * The allocation-free callback API: calls `f` for each frame, newest first,
 * with a {@link FrameView} (one object, reused for every frame), until the
 * walk ends or `f` answers `"break"`.
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
export const visitSync = (snapshot: Snapshot, f: (frame: FrameView) => ControlFlow | void): TraceResult => {
  const problem = callbackProblem(snapshot, f)
  if (problem !== undefined) return { ok: false, error: problem, count: 0 }
  const cursor = new Cursor(wasmPlan(snapshot))
  return ended(cursor, cursor.run(f))
}

const next = (cursor: Cursor): Frame | undefined =>
  cursor.step() ? { pc: cursor.pc, fp: cursor.fp, activation: cursor.activation } : undefined

const ended = (cursor: Cursor, stopped: boolean): TraceResult =>
  cursor.error === undefined
    ? { ok: true, count: cursor.count, stopped }
    : { ok: false, error: cursor.error, count: cursor.count }

const fromTrace = (result: TraceResult): Effect.Effect<TraceSummary, WalkError | InputError> =>
  result.ok ? Effect.succeed({ count: result.count, stopped: result.stopped }) : Effect.fail(result.error)

/**
 * Walks the whole stack as an Effect. Fails with a {@link WalkFailure} that
 * holds the error and the frames walked before it.
 *
 * @category effects
 * @since 0.1.0
 */
export const walk = (snapshot: Snapshot): Effect.Effect<Backtrace, WalkFailure | InputError> =>
  Effect.suspend((): Effect.Effect<Backtrace, WalkFailure | InputError> => {
    const result = walkSync(snapshot)
    if (result.ok) return Effect.succeed({ frames: result.frames })
    return result.error._tag === "InputError"
      ? Effect.fail(result.error)
      : Effect.fail(new WalkFailure({ error: result.error, frames: result.frames }))
  })

/**
 * The Effect form of {@link traceSync}.
 *
 * @category effects
 * @since 0.1.0
 */
export const trace = (
  snapshot: Snapshot,
  f: (frame: Frame) => ControlFlow | void
): Effect.Effect<TraceSummary, WalkError | InputError> => Effect.suspend(() => fromTrace(traceSync(snapshot, f)))

/**
 * The Effect form of {@link visitSync}.
 *
 * @category effects
 * @since 0.1.0
 */
export const visit = (
  snapshot: Snapshot,
  f: (frame: FrameView) => ControlFlow | void
): Effect.Effect<TraceSummary, WalkError | InputError> => Effect.suspend(() => fromTrace(visitSync(snapshot, f)))

const STREAM_CHUNK = 4096

/**
 * The frames as a `Stream`, pulled lazily in chunks; it fails with the walk's
 * error after the frames that came before it.
 *
 * @category effects
 * @since 0.1.0
 */
export const stream = (snapshot: Snapshot): Stream.Stream<Frame, WalkError | InputError> =>
  Stream.fromPull(
    Effect.sync(() => {
      const problem = inputProblem(snapshot)
      const cursor = problem === undefined ? new Cursor(wasmPlan(snapshot)) : undefined
      return Effect.suspend((): Effect.Effect<readonly [Frame, ...Array<Frame>], WalkError | InputError | Cause.Done> => {
        if (cursor === undefined) return Effect.fail(problem!)
        const chunk: Array<Frame> = []
        for (let frame = next(cursor); frame !== undefined; frame = next(cursor)) {
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
  readonly walk: (snapshot: Snapshot) => Effect.Effect<Backtrace, WalkFailure | InputError>
  readonly trace: (
    snapshot: Snapshot,
    f: (frame: Frame) => ControlFlow | void
  ) => Effect.Effect<TraceSummary, WalkError | InputError>
  readonly visit: (
    snapshot: Snapshot,
    f: (frame: FrameView) => ControlFlow | void
  ) => Effect.Effect<TraceSummary, WalkError | InputError>
  readonly stream: (snapshot: Snapshot) => Stream.Stream<Frame, WalkError | InputError>
}>()("fpwalk/Walker") {}

/**
 * The default {@link Walker}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Walker> = Layer.succeed(Walker, { walk, trace, visit, stream })
