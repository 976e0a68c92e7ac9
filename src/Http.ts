/**
 * The walker as an HTTP service, independent of any server: routes, limits,
 * typed errors and Prometheus metrics. A transport (the CLI's `node:http`
 * server in `fpwalk serve`) turns each request into a {@link Request}, and
 * the service answers through the `reply` function the transport gives it.
 *
 * | route                 | method    | answer                                         |
 * |-----------------------|-----------|------------------------------------------------|
 * | `/v1/walk`            | POST      | a snapshot's result (200), a core's or a minidump's threads (200, `application/octet-stream` in), or an error |
 * | `/v1/walk/batch`      | POST      | NDJSON: one result or input-error line a line  |
 * | `/healthz`            | GET, HEAD | liveness: `{"status":"ok"}`                    |
 * | `/readyz`             | GET, HEAD | readiness: `{"status":"ready"}`, or 503        |
 * | `/metrics`            | GET, HEAD | Prometheus text                                |
 * | `/openapi.json`       | GET, HEAD | the OpenAPI 3.1 description of these routes    |
 *
 * Decoding and walking run wherever the {@link Options.pool} runs tasks: in
 * `fpwalk serve`, a pool of worker threads (src/internal/pool.ts), so this
 * thread only routes, reads bodies and writes answers; without a pool, on
 * the caller's thread.
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
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as Body from "./internal/httpBody.js"
import { openApi } from "./internal/openapi.js"
import type { Outcome, PoolAnswer, Task, WalkPool } from "./internal/walkTask.js"
import { inlinePool, inputErrorJson, nativeSupported } from "./internal/walkTask.js"
import * as Snapshot from "./Snapshot.js"

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
  /** The `Content-Encoding` header, if any (the service accepts `gzip` and `identity`). */
  readonly contentEncoding?: string | undefined
  /** The declared `Content-Length`, if any. */
  readonly contentLength: number | undefined
  /**
   * Reads the whole body, decoded from its `Content-Encoding`, failing as
   * soon as either the bytes received or the bytes decoded exceed `limit`
   * (an input error if the encoding is malformed).
   */
  readonly readBody: (limit: number) => Effect.Effect<Uint8Array, PayloadTooLarge | ClientClosed | Snapshot.InputError>
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
  readonly body: string | Uint8Array | Stream.Stream<string | Uint8Array, ClientClosed>
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
 * The body's `Content-Encoding` is not one the service decodes (415, with
 * `Accept-Encoding`).
 *
 * @category errors
 * @since 0.2.0
 */
export class UnsupportedEncoding extends Data.TaggedError("UnsupportedEncoding")<{ readonly encoding: string }> {
  readonly status = 415
  readonly kind = "unsupported_encoding"
  override get message(): string {
    return `Content-Encoding '${this.encoding}': expected gzip or identity`
  }
}

/**
 * An `application/octet-stream` body (an ELF core or a minidump) while this
 * build has no binary reader (415).
 *
 * @category errors
 * @since 0.2.0
 */
export class BinaryUnsupported extends Data.TaggedError("BinaryUnsupported")<{}> {
  readonly status = 415
  readonly kind = "unsupported_media_type"
  override get message(): string {
    return "binary inputs are not supported yet"
  }
}

/**
 * A walk that did not finish within the request time (503): still waiting
 * for a worker (`running: false`, with `Retry-After`), or still running, when
 * its worker was stopped and replaced.
 *
 * @category errors
 * @since 0.2.0
 */
export class WalkTimeout extends Data.TaggedError("WalkTimeout")<{ readonly timeout: number; readonly running: boolean }> {
  readonly status = 503
  get kind(): string {
    return this.running ? "walk_timeout" : "overloaded"
  }
  override get message(): string {
    return this.running
      ? `the walk did not finish within ${this.timeout} ms; its worker was stopped and replaced`
      : `no worker was free within ${this.timeout} ms`
  }
}

/**
 * The worker walking this body died (500); it was replaced, and no other
 * request was affected.
 *
 * @category errors
 * @since 0.2.0
 */
export class WorkerCrashed extends Data.TaggedError("WorkerCrashed")<{}> {
  readonly status = 500
  readonly kind = "worker_crashed"
  override get message(): string {
    return "the worker walking this body died; it was replaced"
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
  | UnsupportedEncoding
  | BinaryUnsupported
  | PayloadTooLarge
  | TooManyLines
  | RequestTimeout
  | Overloaded
  | WalkTimeout
  | WorkerCrashed
  | Snapshot.InputError

/**
 * An error's JSON body: `{ "error": { "kind", "message" } }`, plus `path`
 * for an input error (the snapshot field at fault, `""` for the document).
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorJson = (error: HttpError): { readonly error: Record<string, string> } =>
  error._tag === "InputError" ? inputErrorJson(error) : { error: { kind: error.kind, message: error.message } }

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
const requestSeconds = Metric.histogram("fpwalk_http_request_duration_seconds", {
  description: "Time from a request's arrival to the end of its answer, by route",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
})
const walksTotal = Metric.counter("fpwalk_walks_total", {
  description:
    "Snapshots walked (batch lines included) by result: ok, a WalkError tag, InputError, WalkTimeout or WorkerCrashed",
  incremental: true
})
const walkSeconds = Metric.histogram("fpwalk_walk_duration_seconds", {
  description: "Time to decode, walk and encode one snapshot (on its worker)",
  boundaries: Metric.exponentialBoundaries({ start: 0.0001, factor: 4, count: 10 })
})
const restartsTotal = Metric.counter("fpwalk_worker_restarts_total", {
  description: "Worker threads replaced, by reason: crash (it died) or timeout (stopped past the request time)",
  incremental: true
})
// One attributed metric per label set, made once: attributing on every
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
const requestSecondsBy = labelled(requestSeconds)
const walksBy = labelled(walksTotal)
const restartsBy = labelled(restartsTotal)
const slotsActive = Metric.gauge("fpwalk_walk_slots_active", { description: "Walk requests holding a slot" })
const slotsWaiting = Metric.gauge("fpwalk_walk_slots_waiting", { description: "Walk requests waiting for a slot" })
const poolWorkers = Metric.gauge("fpwalk_pool_workers", { description: "Worker threads alive (0: walks run on the main thread)" })
const poolSize = Metric.gauge("fpwalk_pool_size", { description: "Worker threads the pool keeps" })
const poolQueued = Metric.gauge("fpwalk_pool_queue_depth", { description: "Walk tasks waiting for a worker" })
const poolInFlight = Metric.gauge("fpwalk_pool_tasks_in_flight", { description: "Walk tasks submitted and not settled" })
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
  /** True once the server is shutting down: `/healthz` and `/readyz` answer 503. */
  readonly isDraining?: (() => boolean) | undefined
  /** The process's resident memory in bytes, for `/metrics` (omitted if absent). */
  readonly residentMemory?: (() => number) | undefined
  /** Where decoding and walking run (default: the caller's thread, one task at a time). */
  readonly pool?: WalkPool | undefined
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
const OCTET_STREAM = "application/octet-stream"

interface Route {
  readonly methods: ReadonlyArray<string>
  readonly accepts: ReadonlyArray<string>
}

// A Map, not an object: a request target such as `__proto__` must find nothing.
const routes: ReadonlyMap<string, Route> = new Map([
  ["/v1/walk", { methods: ["POST"], accepts: nativeSupported ? ["application/json", OCTET_STREAM] : ["application/json"] }],
  ["/v1/walk/batch", { methods: ["POST"], accepts: ["application/x-ndjson", "application/json"] }],
  ["/healthz", { methods: ["GET", "HEAD"], accepts: [] }],
  ["/readyz", { methods: ["GET", "HEAD"], accepts: [] }],
  ["/metrics", { methods: ["GET", "HEAD"], accepts: [] }],
  ["/openapi.json", { methods: ["GET", "HEAD"], accepts: [] }]
])

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response => ({
  status,
  headers: { "content-type": JSON_TYPE, ...headers },
  body: JSON.stringify(body) + "\n"
})

const errorResponse = (error: HttpError): Response =>
  json(errorStatus(error), errorJson(error), {
    ...(error._tag === "MethodNotAllowed" ? { allow: error.allow.join(", ") } : {}),
    ...(error._tag === "Overloaded" || (error._tag === "WalkTimeout" && !error.running) ? { "retry-after": "1" } : {}),
    ...(error._tag === "UnsupportedEncoding" ? { "accept-encoding": "gzip" } : {})
  })

const OPENAPI_TEXT = JSON.stringify(openApi) + "\n"

/** The codings `readBody` decodes: none, or gzip. */
const encodingOf = (header: string | undefined): "identity" | "gzip" | undefined => {
  const coding = header?.trim().toLowerCase()
  if (coding === undefined || coding === "" || coding === "identity") return "identity"
  return coding === "gzip" || coding === "x-gzip" ? "gzip" : undefined
}

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
    const pool = options.pool ?? inlinePool(limits)
    const slots = yield* Semaphore.make(limits.maxWalks)
    const registry: Metric.MetricRegistry = new Map()
    let active = 0
    let waiting = 0
    const reported = { crash: 0, timeout: 0 }
    const gauges = Effect.suspend(() => {
      const stats = pool.stats()
      const crashes = stats.restarts.crash - reported.crash
      const timeouts = stats.restarts.timeout - reported.timeout
      reported.crash = stats.restarts.crash
      reported.timeout = stats.restarts.timeout
      return Effect.all([
        Metric.update(slotsActive, active),
        Metric.update(slotsWaiting, waiting),
        Metric.update(poolWorkers, stats.workers),
        Metric.update(poolSize, stats.size),
        Metric.update(poolQueued, stats.queued),
        Metric.update(poolInFlight, stats.inFlight),
        Metric.update(restartsBy({ reason: "crash" }), crashes),
        Metric.update(restartsBy({ reason: "timeout" }), timeouts)
      ])
    })
    const count = (delta: { readonly active?: number; readonly waiting?: number }) =>
      Effect.sync(() => {
        active += delta.active ?? 0
        waiting += delta.waiting ?? 0
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

    // One task on the pool. If the request is interrupted (its client left)
    // the task is not abandoned: the interruption waits until it settles, so
    // a slot is only freed once its worker is, and slots bound the work queued.
    const runTask = (task: Task): Effect.Effect<PoolAnswer> =>
      Effect.callback<PoolAnswer>((resume) => {
        const settled = pool.run(task, limits.requestTimeout)
        void settled.then((answer) => resume(Effect.succeed(answer)))
        return Effect.promise(() => settled).pipe(Effect.asVoid)
      })

    const recordOutcome = (outcome: Outcome) =>
      Effect.all([
        Metric.update(walksBy({ result: outcome.tag }), 1),
        Metric.update(walkSeconds, outcome.seconds)
      ])

    // A task's answer: the outcome, or the error for a worker that stalled or died.
    const walkOne = (task: Task): Effect.Effect<Outcome, WalkTimeout | WorkerCrashed> =>
      Effect.flatMap(runTask(task), (answer): Effect.Effect<Outcome, WalkTimeout | WorkerCrashed> => {
        switch (answer._tag) {
          case "Done":
            return Effect.as(recordOutcome(answer.outcome), answer.outcome)
          case "TimedOut":
            return Effect.andThen(
              Metric.update(walksBy({ result: "WalkTimeout" }), 1),
              Effect.fail(new WalkTimeout({ timeout: limits.requestTimeout, running: answer.running }))
            )
          case "Crashed":
            return Effect.andThen(Metric.update(walksBy({ result: "WorkerCrashed" }), 1), Effect.fail(new WorkerCrashed()))
        }
      })

    const batchLines = (lines: ReadonlyArray<Uint8Array>): Stream.Stream<string | Uint8Array, ClientClosed> =>
      Stream.fromIterable(lines).pipe(
        // Lines walk on several workers at once; their answers keep the input order.
        Stream.mapEffect((line) =>
          walkOne({ kind: "json", bytes: line }).pipe(
            Effect.map((outcome): string | Uint8Array => outcome.body),
            Effect.catchTag(["WalkTimeout", "WorkerCrashed"], (error) => Effect.succeed(JSON.stringify(errorJson(error)) + "\n"))
          ), { concurrency: Math.max(1, pool.stats().size) })
      )

    const checkMediaType = (request: Request, route: Route): Effect.Effect<"json" | "native", UnsupportedMediaType | BinaryUnsupported> => {
      const media = request.contentType === undefined ? undefined : Body.mediaType(request.contentType)
      if (media?.type === OCTET_STREAM && route.accepts.length === 1 && route.accepts[0] === "application/json") {
        return Effect.fail(new BinaryUnsupported())
      }
      const ok = media !== undefined && route.accepts.includes(media.type) &&
        (media.charset === undefined || media.charset === "utf-8")
      if (!ok) return Effect.fail(new UnsupportedMediaType({ contentType: request.contentType, accepted: route.accepts }))
      return Effect.succeed(media.type === OCTET_STREAM ? "native" : "json")
    }

    const walkRoute = (request: Request, route: Route, batch: boolean): Effect.Effect<Response, HttpError | ClientClosed, Scope.Scope> =>
      Effect.gen(function*() {
        const kind = yield* checkMediaType(request, route)
        if (encodingOf(request.contentEncoding) === undefined) {
          return yield* new UnsupportedEncoding({ encoding: request.contentEncoding ?? "" })
        }
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
        const outcome = yield* walkOne({ kind, bytes: body })
        return { status: outcome.status, headers: { "content-type": JSON_TYPE }, body: outcome.body }
      })

    const metrics: Effect.Effect<string> = Effect.gen(function*() {
      if (options.residentMemory !== undefined) yield* Metric.update(residentMemory, options.residentMemory())
      yield* gauges
      return yield* PrometheusMetrics.format()
    }).pipe(Effect.provideService(Metric.MetricRegistry, registry))

    const readiness = (): Response => {
      if (options.isDraining?.() === true) return json(503, { status: "draining" })
      return pool.stats().ready ? json(200, { status: "ready" }) : json(503, { status: "starting" })
    }

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
        case "/readyz":
          return Effect.sync(readiness)
        case "/metrics":
          return Effect.map(metrics, (text) => ({ status: 200, headers: { "content-type": PROMETHEUS_TYPE }, body: text }))
        case "/openapi.json":
          return Effect.succeed({ status: 200, headers: { "content-type": JSON_TYPE }, body: OPENAPI_TEXT })
        default:
          return walkRoute(request, route, path === "/v1/walk/batch")
      }
    }

    const handle = (request: Request, reply: Reply): Effect.Effect<void> => {
      const path = request.url.split("?", 1)[0] ?? ""
      const label = routes.has(path) ? path : "unmatched"
      const started = performance.now()
      const send = (response: Response) =>
        Metric.update(requestsBy({ route: label, status: String(response.status) }), 1).pipe(
          Effect.andThen(reply(response)),
          Effect.andThen(Effect.suspend(() =>
            Metric.update(requestSecondsBy({ route: label }), (performance.now() - started) / 1000)
          ))
        )
      return respond(request, path).pipe(
        Effect.catchTag(
          [
            "NotFound",
            "MethodNotAllowed",
            "UnsupportedMediaType",
            "UnsupportedEncoding",
            "BinaryUnsupported",
            "PayloadTooLarge",
            "TooManyLines",
            "RequestTimeout",
            "Overloaded",
            "WalkTimeout",
            "WorkerCrashed",
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
