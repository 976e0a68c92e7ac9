/**
 * The walker as an HTTP service, independent of any server: routes, limits,
 * typed errors and Prometheus metrics. A transport (the CLI's `node:http`
 * server in `fpwalk serve`) turns each request into a {@link Request}, and
 * the service answers through the `reply` function the transport gives it.
 *
 * | route                 | method    | answer                                         |
 * |-----------------------|-----------|------------------------------------------------|
 * | `/v1/walk`            | POST      | the spec's result shape (200), or an error     |
 * | `/v1/walk/batch`      | POST      | NDJSON: one result or input-error line a line  |
 * | `/healthz`            | GET, HEAD | `{"status":"ok"}`                              |
 * | `/metrics`            | GET, HEAD | Prometheus text                                |
 *
 * Walks are synchronous CPU work on the caller's thread: the frame cap
 * ({@link Limits.maxFrames}) and the body limit bound how long one walk can
 * hold it, and a batch yields between lines.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as Body from "./internal/httpBody.js"
import * as Snapshot from "./Snapshot.js"
import * as Walker from "./Walker.js"

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/**
 * What one request may cost. Every limit that a request breaks gets its own
 * status code; the service goes on serving the others.
 *
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  /** Largest request body in bytes (413 above it). */
  readonly bodyLimit: number
  /** Frame cap: a walk uses the smaller of this and the snapshot's `maxFrames`. */
  readonly maxFrames: bigint
  /** Walk requests handled at once; more wait for a slot (503 if none frees in time). */
  readonly maxWalks: number
  /** Milliseconds from a walk request's arrival until its body must have arrived (408), waiting for a slot included (503). */
  readonly requestTimeout: number
  /** Deepest nesting of JSON arrays and objects (400 above it, checked before parsing). */
  readonly maxDepth: number
  /** Most lines in one batch (413 above it). */
  readonly maxBatchLines: number
  /** Most memory regions in one snapshot (400 above it, checked before the schema). */
  readonly maxRegions: number
  /** Most call-thread states in one snapshot (400 above it, checked before the schema). */
  readonly maxStates: number
}

/**
 * The defaults: 16 MiB bodies, 100,000 frames (wasmtime's default 512 KiB
 * Wasm stack holds at most 32,768 frames), 16 walk requests at once, 30 s to
 * receive a request, nesting 64 deep (a snapshot needs 3), 10,000 lines a
 * batch, 10,000 regions and 10,000 states a snapshot (the schema decodes
 * about 100,000 of either a second: 16 MiB of tiny regions would hold the
 * thread for seconds).
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultLimits: Limits = {
  bodyLimit: 16 * 1024 * 1024,
  maxFrames: 100_000n,
  maxWalks: 16,
  requestTimeout: 30_000,
  maxDepth: 64,
  maxBatchLines: 10_000,
  maxRegions: 10_000,
  maxStates: 10_000
}

// ---------------------------------------------------------------------------
// Requests and responses
// ---------------------------------------------------------------------------

/**
 * A request as the transport hands it over. The body is read only when the
 * service asks for it, after the route, media type and a walk slot are
 * settled.
 *
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly method: string
  /** The request target: path and optional query. */
  readonly url: string
  readonly contentType: string | undefined
  /** The declared `Content-Length`, if any. */
  readonly contentLength: number | undefined
  /** Reads the whole body, failing as soon as it exceeds `limit` bytes. */
  readonly readBody: (limit: number) => Effect.Effect<Uint8Array, PayloadTooLarge | ClientClosed>
}

/**
 * A response: a whole body, or a stream of NDJSON lines.
 *
 * @category models
 * @since 0.1.0
 */
export interface Response {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Stream.Stream<string, ClientClosed>
}

/**
 * How the service answers: the transport writes the response (a streamed
 * body as it comes) and fails with {@link ClientClosed} if the client has
 * gone.
 *
 * @category models
 * @since 0.1.0
 */
export type Reply = (response: Response) => Effect.Effect<void, ClientClosed>

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * No route for this path (404).
 *
 * @category errors
 * @since 0.1.0
 */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly path: string }> {
  readonly status = 404
  readonly kind = "not_found"
  override get message(): string {
    return `no route ${this.path}`
  }
}

/**
 * The route exists but not for this method (405, with `Allow`).
 *
 * @category errors
 * @since 0.1.0
 */
export class MethodNotAllowed extends Data.TaggedError("MethodNotAllowed")<{
  readonly method: string
  readonly path: string
  readonly allow: ReadonlyArray<string>
}> {
  readonly status = 405
  readonly kind = "method_not_allowed"
  override get message(): string {
    return `${this.path} takes ${this.allow.join(", ")}, not ${this.method}`
  }
}

/**
 * The body's media type is not one the route reads (415).
 *
 * @category errors
 * @since 0.1.0
 */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{
  readonly contentType: string | undefined
  readonly accepted: ReadonlyArray<string>
}> {
  readonly status = 415
  readonly kind = "unsupported_media_type"
  override get message(): string {
    const given = this.contentType === undefined ? "no Content-Type" : `Content-Type '${this.contentType}'`
    return `${given}: expected ${this.accepted.join(" or ")} (charset utf-8 if any)`
  }
}

/**
 * The body is larger than the limit (413).
 *
 * @category errors
 * @since 0.1.0
 */
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly limit: number }> {
  readonly status = 413
  readonly kind = "too_large"
  override get message(): string {
    return `the body is larger than ${this.limit} bytes`
  }
}

/**
 * A batch has more lines than the limit (413).
 *
 * @category errors
 * @since 0.1.0
 */
export class TooManyLines extends Data.TaggedError("TooManyLines")<{ readonly limit: number }> {
  readonly status = 413
  readonly kind = "too_large"
  override get message(): string {
    return `the batch has more than ${this.limit} lines`
  }
}

/**
 * The body did not arrive within the request time (408).
 *
 * @category errors
 * @since 0.1.0
 */
export class RequestTimeout extends Data.TaggedError("RequestTimeout")<{ readonly timeout: number }> {
  readonly status = 408
  readonly kind = "timeout"
  override get message(): string {
    return `the request was not received within ${this.timeout} ms`
  }
}

/**
 * No walk slot freed within the request time (503, with `Retry-After`).
 *
 * @category errors
 * @since 0.1.0
 */
export class Overloaded extends Data.TaggedError("Overloaded")<{ readonly maxWalks: number }> {
  readonly status = 503
  readonly kind = "overloaded"
  override get message(): string {
    return `all ${this.maxWalks} walk slots stayed busy for the whole request time`
  }
}

/**
 * The client went away: there is no one to answer.
 *
 * @category errors
 * @since 0.1.0
 */
export class ClientClosed extends Data.TaggedError("ClientClosed")<{}> {}

/**
 * Every error the service answers with a status code.
 *
 * @category errors
 * @since 0.1.0
 */
export type HttpError =
  | NotFound
  | MethodNotAllowed
  | UnsupportedMediaType
  | PayloadTooLarge
  | TooManyLines
  | RequestTimeout
  | Overloaded
  | Snapshot.InputError

/**
 * An error's JSON body: `{ "error": { "kind", "message" } }`, plus `path`
 * for an input error (the snapshot field at fault, `""` for the document).
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorJson = (error: HttpError): { readonly error: Record<string, string> } =>
  error._tag === "InputError"
    ? { error: { kind: "input", message: error.message, path: error.path } }
    : { error: { kind: error.kind, message: error.message } }

/**
 * The status code of an error.
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorStatus = (error: HttpError): number => (error._tag === "InputError" ? 400 : error.status)

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

const requestsTotal = Metric.counter("fpwalk_http_requests_total", {
  description: "HTTP responses by route and status code",
  incremental: true
})
const walksTotal = Metric.counter("fpwalk_walks_total", {
  description: "Snapshots walked (batch lines included) by result: ok, a WalkError tag, or InputError",
  incremental: true
})
const walkSeconds = Metric.histogram("fpwalk_walk_duration_seconds", {
  description: "Time to decode, walk and encode one snapshot",
  boundaries: Metric.exponentialBoundaries({ start: 0.0001, factor: 4, count: 10 })
})
// One attributed counter per label set, made once: attributing on every
// update costs a key computation per request.
const labelled = <Input, State>(metric: Metric.Metric<Input, State>) => {
  const made = new Map<string, Metric.Metric<Input, State>>()
  return (attributes: Readonly<Record<string, string>>): Metric.Metric<Input, State> => {
    const key = JSON.stringify(attributes)
    const found = made.get(key)
    if (found !== undefined) return found
    const attributed = Metric.withAttributes(metric, attributes)
    made.set(key, attributed)
    return attributed
  }
}
const requestsBy = labelled(requestsTotal)
const walksBy = labelled(walksTotal)
const slotsActive = Metric.gauge("fpwalk_walk_slots_active", { description: "Walk requests holding a slot" })
const slotsWaiting = Metric.gauge("fpwalk_walk_slots_waiting", { description: "Walk requests waiting for a slot" })
const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident set size" })

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/**
 * What {@link make} needs besides the limits.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly limits: Limits
  /** True once the server is shutting down: `/healthz` answers 503. */
  readonly isDraining?: (() => boolean) | undefined
  /** The process's resident memory in bytes, for `/metrics` (omitted if absent). */
  readonly residentMemory?: (() => number) | undefined
}

/**
 * The walker service as an Effect service.
 *
 * @category services
 * @since 0.1.0
 */
export class HttpService extends Context.Service<HttpService, {
  readonly limits: Limits
  /** Answers one request through `reply`. Never fails: every error is an answer. */
  readonly handle: (request: Request, reply: Reply) => Effect.Effect<void>
  /** The metrics in Prometheus text format. */
  readonly metrics: Effect.Effect<string>
}>()("fpwalk/HttpService") {}

const JSON_TYPE = "application/json; charset=utf-8"
const NDJSON_TYPE = "application/x-ndjson; charset=utf-8"
const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"

interface Route {
  readonly methods: ReadonlyArray<string>
  readonly accepts: ReadonlyArray<string>
}

// A Map, not an object: a request target such as `__proto__` must find nothing.
const routes: ReadonlyMap<string, Route> = new Map([
  ["/v1/walk", { methods: ["POST"], accepts: ["application/json"] }],
  ["/v1/walk/batch", { methods: ["POST"], accepts: ["application/x-ndjson", "application/json"] }],
  ["/healthz", { methods: ["GET", "HEAD"], accepts: [] }],
  ["/metrics", { methods: ["GET", "HEAD"], accepts: [] }]
])

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response => ({
  status,
  headers: { "content-type": JSON_TYPE, ...headers },
  body: JSON.stringify(body) + "\n"
})

const errorResponse = (error: HttpError): Response =>
  json(errorStatus(error), errorJson(error), {
    ...(error._tag === "MethodNotAllowed" ? { allow: error.allow.join(", ") } : {}),
    ...(error._tag === "Overloaded" ? { "retry-after": "1" } : {})
  })

const resultTag = (result: Walker.WalkResult): string => (result.ok ? "ok" : result.error._tag)

/**
 * Builds the service: one walk-slot semaphore and one metric registry per
 * instance, so two servers in a process count separately.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<HttpService["Service"]> =>
  Effect.gen(function*() {
    const { limits } = options
    const slots = yield* Semaphore.make(limits.maxWalks)
    const registry: Metric.MetricRegistry = new Map()
    let active = 0
    let waiting = 0
    const gauges = Effect.suspend(() =>
      Effect.all([Metric.update(slotsActive, active), Metric.update(slotsWaiting, waiting)])
    )
    const count = (delta: { readonly active?: number; readonly waiting?: number }) =>
      Effect.suspend(() => {
        active += delta.active ?? 0
        waiting += delta.waiting ?? 0
        return gauges
      })

    // A walk slot, held until the scope closes (once the response has been written).
    const acquireSlot = (timeout: number): Effect.Effect<void, Overloaded, Scope.Scope> =>
      Effect.gen(function*() {
        yield* count({ waiting: 1 })
        const taken = yield* Semaphore.takeScoped(slots, 1).pipe(
          Effect.timeoutOption(Duration.millis(timeout)),
          Effect.ensuring(count({ waiting: -1 }))
        )
        if (Option.isNone(taken)) return yield* new Overloaded({ maxWalks: limits.maxWalks })
        yield* count({ active: 1 })
        yield* Effect.addFinalizer(() => count({ active: -1 }))
      })

    const decode = (bytes: Uint8Array): Result.Result<Snapshot.Snapshot, Snapshot.InputError> => {
      if (Body.nestingDepth(bytes, limits.maxDepth) > limits.maxDepth) {
        return Result.fail(
          new Snapshot.InputError({ path: "", reason: `JSON nested deeper than ${limits.maxDepth} levels` })
        )
      }
      const text = Body.decodeUtf8(bytes)
      if (Result.isFailure(text)) return Result.fail(new Snapshot.InputError({ path: "", reason: "not valid UTF-8" }))
      const parsed = Body.parseJson(text.success)
      // Malformed JSON: the library's own decoder says what is wrong with it.
      if (parsed === undefined) return Snapshot.decodeJson(text.success)
      const counted = Body.countOver(parsed, "memory", limits.maxRegions, "regions") ??
        Body.countOver(parsed, "states", limits.maxStates, "states")
      return counted === undefined
        ? Snapshot.decode(parsed.value)
        : Result.fail(new Snapshot.InputError(counted))
    }

    const capped = (snapshot: Snapshot.Snapshot): Snapshot.Snapshot =>
      snapshot.options.maxFrames <= limits.maxFrames
        ? snapshot
        : { ...snapshot, options: { ...snapshot.options, maxFrames: limits.maxFrames } }

    // Decode, walk and encode one snapshot: the result JSON, or the input error.
    const walkOne = (bytes: Uint8Array): Effect.Effect<string, Snapshot.InputError> =>
      Effect.gen(function*() {
        const snapshot = yield* Effect.fromResult(decode(bytes))
        const result = yield* Walker.walk(capped(snapshot)).pipe(
          Effect.map((backtrace): Walker.WalkResult => ({ ok: true, frames: backtrace.frames })),
          Effect.catchTag("WalkFailure", (failure) =>
            Effect.succeed<Walker.WalkResult>({ ok: false, error: failure.error, frames: failure.frames }))
        )
        yield* Metric.update(walksBy({ result: resultTag(result) }), 1)
        return JSON.stringify(Snapshot.resultToJson(result))
      }).pipe(Effect.tapError(() => Metric.update(walksBy({ result: "InputError" }), 1)))

    const timedWalk = (bytes: Uint8Array): Effect.Effect<string, Snapshot.InputError> =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeNanos
        const outcome = yield* Effect.result(walkOne(bytes))
        const end = yield* Clock.currentTimeNanos
        yield* Metric.update(walkSeconds, Number(end - start) / 1e9)
        return yield* Effect.fromResult(outcome)
      })

    const batchLines = (lines: ReadonlyArray<Uint8Array>): Stream.Stream<string, ClientClosed> =>
      Stream.fromIterable(lines).pipe(
        Stream.mapEffect((line) =>
          // Each line is synchronous work: let other requests in between lines.
          Effect.yieldNow.pipe(
            Effect.andThen(timedWalk(line)),
            Effect.catchTag("InputError", (error) => Effect.succeed(JSON.stringify(errorJson(error)))),
            Effect.map((text) => text + "\n")
          )
        )
      )

    const checkMediaType = (request: Request, route: Route): Effect.Effect<void, UnsupportedMediaType> => {
      const media = request.contentType === undefined ? undefined : Body.mediaType(request.contentType)
      const ok = media !== undefined && route.accepts.includes(media.type) &&
        (media.charset === undefined || media.charset === "utf-8")
      return ok ? Effect.void : Effect.fail(new UnsupportedMediaType({ contentType: request.contentType, accepted: route.accepts }))
    }

    const walkRoute = (request: Request, route: Route, batch: boolean): Effect.Effect<Response, HttpError | ClientClosed, Scope.Scope> =>
      Effect.gen(function*() {
        yield* checkMediaType(request, route)
        if (request.contentLength !== undefined && request.contentLength > limits.bodyLimit) {
          return yield* new PayloadTooLarge({ limit: limits.bodyLimit })
        }
        const arrived = yield* Clock.currentTimeMillis
        yield* acquireSlot(limits.requestTimeout)
        const remaining = Math.max(0, limits.requestTimeout - ((yield* Clock.currentTimeMillis) - arrived))
        const body = yield* request.readBody(limits.bodyLimit).pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(remaining),
            orElse: () => Effect.fail(new RequestTimeout({ timeout: limits.requestTimeout }))
          })
        )
        if (batch) {
          const lines = Body.lines(body, limits.maxBatchLines)
          if (lines === undefined) return yield* new TooManyLines({ limit: limits.maxBatchLines })
          return { status: 200, headers: { "content-type": NDJSON_TYPE }, body: batchLines(lines) }
        }
        return { status: 200, headers: { "content-type": JSON_TYPE }, body: (yield* timedWalk(body)) + "\n" }
      })

    const metrics: Effect.Effect<string> = Effect.gen(function*() {
      if (options.residentMemory !== undefined) yield* Metric.update(residentMemory, options.residentMemory())
      yield* gauges
      return yield* PrometheusMetrics.format()
    }).pipe(Effect.provideService(Metric.MetricRegistry, registry))

    const respond = (request: Request, path: string): Effect.Effect<Response, HttpError | ClientClosed, Scope.Scope> => {
      const route = routes.get(path)
      if (route === undefined) return Effect.fail(new NotFound({ path }))
      if (!route.methods.includes(request.method)) {
        return Effect.fail(new MethodNotAllowed({ method: request.method, path, allow: route.methods }))
      }
      switch (path) {
        case "/healthz":
          return Effect.succeed(
            options.isDraining?.() === true ? json(503, { status: "draining" }) : json(200, { status: "ok" })
          )
        case "/metrics":
          return Effect.map(metrics, (text) => ({ status: 200, headers: { "content-type": PROMETHEUS_TYPE }, body: text }))
        default:
          return walkRoute(request, route, path === "/v1/walk/batch")
      }
    }

    const handle = (request: Request, reply: Reply): Effect.Effect<void> => {
      const path = request.url.split("?", 1)[0] ?? ""
      const label = routes.has(path) ? path : "unmatched"
      const send = (response: Response) =>
        Metric.update(requestsBy({ route: label, status: String(response.status) }), 1).pipe(
          Effect.andThen(reply(response))
        )
      return respond(request, path).pipe(
        Effect.catchTag(
          [
            "NotFound",
            "MethodNotAllowed",
            "UnsupportedMediaType",
            "PayloadTooLarge",
            "TooManyLines",
            "RequestTimeout",
            "Overloaded",
            "InputError"
          ],
          (error) => Effect.succeed(errorResponse(error))
        ),
        Effect.flatMap(send),
        Effect.catchTag("ClientClosed", () => Effect.void),
        Effect.scoped,
        Effect.provideService(Metric.MetricRegistry, registry)
      )
    }

    return { limits, handle, metrics }
  })

/**
 * The {@link HttpService} built by {@link make}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<HttpService> => Layer.effect(HttpService, make(options))
