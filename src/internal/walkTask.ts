// One walk request's CPU work, as plain data in and out, so that it can run
// on a worker thread (src/internal/walkWorker.ts) or, without a pool, on the
// caller's thread: decode (nesting scan, UTF-8, JSON.parse, region and state
// counts, the schema), cap `maxFrames`, walk with `walkSync`, and encode the
// answer body with `resultToJson`. The answer is bytes (a fresh ArrayBuffer,
// transferable without a copy) of exactly the text the service sends.
//
// Nothing here throws: every input gets an answer.
import * as Result from "effect/Result"
import { fromBytes } from "../ByteSource.js"
import { nativeToJson, walkNativeSync } from "../native/Report.js"
import * as Snapshot from "../Snapshot.js"
import * as Walker from "../Walker.js"
import * as Body from "./httpBody.js"

/** The limits a walk needs (a subset of `Http.Limits`; plain data, so a worker can be given them). */
export interface TaskLimits {
  readonly maxFrames: bigint
  readonly maxDepth: number
  readonly maxRegions: number
  readonly maxStates: number
}

/**
 * What to walk. `kind` says how to read `bytes`:
 * - `"json"`: a snapshot's JSON text (`/v1/walk` as application/json, and
 *   each line of `/v1/walk/batch`);
 * - `"native"`: a binary input (application/octet-stream: ELF cores,
 *   minidumps), walked by {@link walkNative}.
 */
export interface Task {
  readonly kind: "json" | "native"
  readonly bytes: Uint8Array
}

/**
 * The answer to one task: the body bytes (`…\n`), their status (200 for a
 * walk, ok or not; 400 for an input error), the result's tag for
 * `fpwalk_walks_total` (`ok`, a walk error's `_tag`, or `InputError`), and
 * how long the work took in seconds.
 */
export interface Outcome {
  readonly status: 200 | 400
  readonly tag: string
  readonly body: Uint8Array
  readonly seconds: number
}

/** An input error's JSON body (`Http.errorJson` answers the same for one). */
export const inputErrorJson = (error: Snapshot.InputError) => ({
  error: { kind: "input", message: error.message, path: error.path }
})

// ---------------------------------------------------------------------------
// THE DISPATCH POINT FOR BINARY BODIES.
//
// `application/octet-stream` bodies (ELF cores, minidumps) are walked by
// `walkNative`: the library's `walkNativeSync` (every thread, the server's
// frame cap applied; no symbol files: a request names no file on this
// machine), answered with `nativeToJson`, the line `fpwalk walk --json`
// prints for the same file (without `file`). Setting `walkNative` to
// `undefined` turns binary bodies off: the service then answers them 415
// "binary inputs are not supported yet" before reading them (Http.ts checks
// `nativeSupported`). The worker protocol carries `kind: "native"`; nothing
// else changes.
// ---------------------------------------------------------------------------

/** A binary reader-and-walker: the answer's JSON and its tag for metrics, or the input error. */
export type NativeWalk = (
  bytes: Uint8Array,
  limits: TaskLimits
) => { readonly json: unknown; readonly tag: string } | Snapshot.InputError

const walkNativeBody: NativeWalk = (bytes, limits) => {
  const walked = walkNativeSync(fromBytes(bytes), { maxFrames: limits.maxFrames })
  if (!walked.ok) return walked.error
  const json = nativeToJson(walked.report)
  // The tag: ok if every thread's walk is, else the first failed thread's error.
  const failed = json.threads.find((thread) => !thread.ok)
  return { json, tag: failed?.error?._tag ?? "ok" }
}

/** The binary walker (see the comment above). */
export const walkNative = walkNativeBody as NativeWalk | undefined

/** Whether `application/octet-stream` bodies can be walked. */
export const nativeSupported: boolean = walkNative !== undefined

const encoder = new TextEncoder()

const now = (): number => performance.now() / 1000

const decodeSnapshot = (bytes: Uint8Array, limits: TaskLimits): Result.Result<Snapshot.Snapshot, Snapshot.InputError> => {
  if (Body.nestingDepth(bytes, limits.maxDepth) > limits.maxDepth) {
    return Result.fail(
      new Snapshot.InputError({ path: "", reason: `JSON nested deeper than ${limits.maxDepth} levels` })
    )
  }
  const text = Body.decodeUtf8(bytes)
  if (Result.isFailure(text)) return Result.fail(new Snapshot.InputError({ path: "", reason: "not valid UTF-8" }))
  const parsed = Body.parseJson(text.success)
  // Malformed JSON: the library's own decoder says what is wrong with it.
  if (parsed === undefined) return fromDecoded(Snapshot.decodeJsonSync(text.success))
  const counted = Body.countOver(parsed, "memory", limits.maxRegions, "regions") ??
    Body.countOver(parsed, "states", limits.maxStates, "states")
  return counted === undefined ? fromDecoded(Snapshot.decodeSync(parsed.value)) : Result.fail(new Snapshot.InputError(counted))
}

const fromDecoded = (decoded: Snapshot.DecodeResult): Result.Result<Snapshot.Snapshot, Snapshot.InputError> =>
  decoded.ok ? Result.succeed(decoded.snapshot) : Result.fail(decoded.error)

const capped = (snapshot: Snapshot.Snapshot, maxFrames: bigint): Snapshot.Snapshot =>
  snapshot.options.maxFrames <= maxFrames
    ? snapshot
    : { ...snapshot, options: { ...snapshot.options, maxFrames } }

const walked = (json: unknown, tag: string, started: number): Outcome => ({
  status: 200,
  tag,
  body: encoder.encode(JSON.stringify(json) + "\n"),
  seconds: now() - started
})

const refused = (error: Snapshot.InputError, started: number): Outcome => ({
  status: 400,
  tag: "InputError",
  body: encoder.encode(JSON.stringify(inputErrorJson(error)) + "\n"),
  seconds: now() - started
})

const isInputError = (value: unknown): value is Snapshot.InputError =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "InputError"

/** Decodes, walks and encodes one task. Never throws. */
export const runTask = (task: Task, limits: TaskLimits): Outcome => {
  const started = now()
  switch (task.kind) {
    case "json": {
      const snapshot = decodeSnapshot(task.bytes, limits)
      if (Result.isFailure(snapshot)) return refused(snapshot.failure, started)
      const result = Walker.walkSync(capped(snapshot.success, limits.maxFrames))
      return walked(Snapshot.resultToJson(result), result.ok ? "ok" : result.error._tag, started)
    }
    case "native": {
      if (walkNative === undefined) {
        return refused(new Snapshot.InputError({ path: "", reason: "binary inputs are not supported yet" }), started)
      }
      const result = walkNative(task.bytes, limits)
      return isInputError(result) ? refused(result, started) : walked(result.json, result.tag, started)
    }
  }
}

// ---------------------------------------------------------------------------
// Where tasks run
// ---------------------------------------------------------------------------

/**
 * How a task ended: its outcome; or it was still queued (`running: false`)
 * or still running (its worker was then stopped and replaced) when its time
 * was up; or its worker died under it.
 */
export type PoolAnswer =
  | { readonly _tag: "Done"; readonly outcome: Outcome }
  | { readonly _tag: "TimedOut"; readonly running: boolean }
  | { readonly _tag: "Crashed" }

/** A pool's counts, for `/metrics` and `/readyz`. */
export interface PoolStats {
  /** Worker threads alive now (0 for the caller's thread). */
  readonly workers: number
  /** Worker threads the pool keeps (0: tasks run on the caller's thread). */
  readonly size: number
  /** Tasks waiting for a worker. */
  readonly queued: number
  /** Tasks submitted and not yet settled (queued ones included). */
  readonly inFlight: number
  /** Workers replaced since the start, by reason. */
  readonly restarts: { readonly crash: number; readonly timeout: number }
  /** Whether at least one worker has loaded the walker and is taking tasks. */
  readonly ready: boolean
}

/**
 * Runs tasks. `run` never rejects; `timeout` is the task's own budget in
 * milliseconds, from its submission.
 */
export interface WalkPool {
  readonly run: (task: Task, timeout: number) => Promise<PoolAnswer>
  readonly stats: () => PoolStats
  /** Stops every worker (a task still running fails as crashed). */
  readonly close: () => Promise<void>
}

/** Tasks on the caller's thread, one at a time (no time limit can stop a synchronous walk). */
export const inlinePool = (limits: TaskLimits): WalkPool => {
  let inFlight = 0
  return {
    run: (task) => {
      inFlight++
      const outcome = runTask(task, limits)
      inFlight--
      return Promise.resolve({ _tag: "Done", outcome })
    },
    stats: () => ({ workers: 0, size: 0, queued: 0, inFlight, restarts: { crash: 0, timeout: 0 }, ready: true }),
    close: () => Promise.resolve()
  }
}
