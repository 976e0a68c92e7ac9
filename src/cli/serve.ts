/**
 * `fpwalk serve`: the walker service ({@link Http}) on a `node:http`
 * server, with limits from flags and environment variables, and a graceful
 * shutdown on SIGTERM or SIGINT.
 *
 * The transport is `node:http` driven by Effect (docs/service.md says why
 * not `@effect/platform-node`): every request runs as a fiber of
 * {@link Http.HttpService.handle}, reading the body (gunzipped as it streams,
 * if it is gzip) and writing the answer through the Effect wrappers below.
 * Decoding and walking run on a pool of worker threads (`--workers`), so
 * this thread only serves HTTP, health and metrics.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { availableParallelism } from "node:os"
import { createGunzip } from "node:zlib"
import * as Http from "../Http.js"
import { makePool } from "../internal/pool.js"
import type { PoolStats } from "../internal/walkTask.js"
import * as Snapshot from "../Snapshot.js"
import { parseArguments } from "./args.js"
import type { Io } from "./io.js"
import { parseMaxFrames } from "./walk.js"

/**
 * Everything `fpwalk serve` can be told: the service's limits plus where to
 * listen and how long to wait for idle sockets and for shutdown.
 *
 * @category models
 * @since 0.1.0
 */
export interface ServeConfig extends Http.Limits {
  readonly host: string
  readonly port: number
  /** Milliseconds a socket may stay silent (no byte in or out) before it is closed. */
  readonly idleTimeout: number
  /** Milliseconds in-flight requests get to finish after SIGTERM/SIGINT. */
  readonly shutdownTimeout: number
  /** Worker threads that decode and walk. */
  readonly workers: number
  /** How much the workers lower their scheduling priority (0 to 19; Linux nice). */
  readonly workerNice: number
  /**
   * Test-only: a body starting with `FPWALK-TEST-STALL` makes its worker
   * spin, one starting with `FPWALK-TEST-CRASH` makes it exit. No flag or
   * variable sets it.
   */
  readonly testFaults?: boolean | undefined
}

/**
 * The defaults: 127.0.0.1:8080, the service's {@link Http.defaultLimits},
 * 60 s idle sockets, 10 s to drain on shutdown, one worker per core this
 * process may use (`os.availableParallelism()`).
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultServeConfig: ServeConfig = {
  ...Http.defaultLimits,
  host: "127.0.0.1",
  port: 8080,
  idleTimeout: 60_000,
  shutdownTimeout: 10_000,
  workers: availableParallelism(),
  workerNice: 10
}

// ---------------------------------------------------------------------------
// Flags and environment
// ---------------------------------------------------------------------------

type Setting = "number" | "size" | "millis" | "frames" | "port" | "host" | "workers" | "nice"

interface Knob {
  readonly key: keyof ServeConfig
  readonly flag: string
  readonly env: string
  readonly kind: Setting
}

/**
 * Every setting with its flag and environment variable (the flag wins over
 * the variable, the variable over the default).
 *
 * @category constants
 * @since 0.1.0
 */
export const knobs: ReadonlyArray<Knob> = [
  { key: "host", flag: "host", env: "FPWALK_HOST", kind: "host" },
  { key: "port", flag: "port", env: "FPWALK_PORT", kind: "port" },
  { key: "bodyLimit", flag: "body-limit", env: "FPWALK_BODY_LIMIT", kind: "size" },
  { key: "maxFrames", flag: "max-frames", env: "FPWALK_MAX_FRAMES", kind: "frames" },
  { key: "maxWalks", flag: "max-walks", env: "FPWALK_MAX_WALKS", kind: "number" },
  { key: "requestTimeout", flag: "request-timeout", env: "FPWALK_REQUEST_TIMEOUT", kind: "millis" },
  { key: "maxDepth", flag: "max-depth", env: "FPWALK_MAX_DEPTH", kind: "number" },
  { key: "maxBatchLines", flag: "max-batch-lines", env: "FPWALK_MAX_BATCH_LINES", kind: "number" },
  { key: "maxRegions", flag: "max-regions", env: "FPWALK_MAX_REGIONS", kind: "number" },
  { key: "maxStates", flag: "max-states", env: "FPWALK_MAX_STATES", kind: "number" },
  { key: "idleTimeout", flag: "idle-timeout", env: "FPWALK_IDLE_TIMEOUT", kind: "millis" },
  { key: "shutdownTimeout", flag: "shutdown-timeout", env: "FPWALK_SHUTDOWN_TIMEOUT", kind: "millis" },
  { key: "workers", flag: "workers", env: "FPWALK_WORKERS", kind: "workers" },
  { key: "workerNice", flag: "worker-nice", env: "FPWALK_WORKER_NICE", kind: "nice" }
]

const MAX_BODY = 1024 * 1024 * 1024
const MAX_MILLIS = 2 ** 31 - 1
const MAX_WORKERS = 256
const UNITS: Readonly<Record<string, number>> = { "": 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }

const parseSetting = (kind: Setting, text: string): Result.Result<string | number | bigint, string> => {
  switch (kind) {
    case "host":
      return text === "" ? Result.fail("must not be empty") : Result.succeed(text)
    case "port": {
      const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN
      return port <= 65535 ? Result.succeed(port) : Result.fail("must be a port number, 0 to 65535")
    }
    case "number": {
      const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : 0
      return value >= 1 ? Result.succeed(value) : Result.fail("must be a whole number, 1 to 999999999")
    }
    case "size": {
      const match = /^([0-9]{1,10})(B|KiB|MiB|GiB)?$/.exec(text)
      const value = match === null ? 0 : Number(match[1]) * UNITS[match[2] ?? ""]!
      return value >= 1 && value <= MAX_BODY
        ? Result.succeed(value)
        : Result.fail("must be a size from 1 byte to 1GiB (bytes, or with KiB, MiB, GiB)")
    }
    case "millis": {
      const match = /^([0-9]{1,10})(ms|s)?$/.exec(text)
      const value = match === null ? 0 : Number(match[1]) * (match[2] === "s" ? 1000 : 1)
      return value >= 1 && value <= MAX_MILLIS
        ? Result.succeed(value)
        : Result.fail("must be a duration from 1 ms to 24 days (milliseconds, or with ms or s)")
    }
    case "workers": {
      const value = /^[0-9]{1,3}$/.test(text) ? Number(text) : 0
      return value >= 1 && value <= MAX_WORKERS
        ? Result.succeed(value)
        : Result.fail(`must be a whole number, 1 to ${MAX_WORKERS}`)
    }
    case "nice": {
      const value = /^[0-9]{1,2}$/.test(text) ? Number(text) : NaN
      return value <= 19 ? Result.succeed(value) : Result.fail("must be a whole number, 0 to 19")
    }
    case "frames": {
      const value = parseMaxFrames(text)
      return value === undefined ? Result.fail("not a 64-bit value (decimal or 0x hex)") : Result.succeed(value)
    }
  }
}

/**
 * Reads `fpwalk serve`'s flags and the `FPWALK_*` environment variables over
 * the defaults. Fails with a one-line message naming the bad setting.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseServeConfig = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Result.Result<ServeConfig | "help", string> => {
  const parsed = parseArguments({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(knobs.map((knob) => [knob.flag, { type: "string" as const }])),
      help: { type: "boolean", short: "h", default: false }
    }
  })
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  const values = parsed.success.values as Readonly<Record<string, string | boolean | undefined>>
  if (values["help"] === true) return Result.succeed("help")
  const config: Record<string, unknown> = { ...defaultServeConfig }
  for (const knob of knobs) {
    const flag = values[knob.flag]
    const fromEnv = env[knob.env]
    const [source, text] = typeof flag === "string"
      ? [`--${knob.flag}`, flag]
      : fromEnv !== undefined && fromEnv !== ""
      ? [knob.env, fromEnv]
      : [undefined, undefined]
    if (source === undefined || text === undefined) continue
    const value = parseSetting(knob.kind, text)
    if (Result.isFailure(value)) return Result.fail(`${source}: ${value.failure}: '${text}'`)
    config[knob.key] = value.success
  }
  return Result.succeed(config as unknown as ServeConfig)
}

// ---------------------------------------------------------------------------
// node:http as Effects
// ---------------------------------------------------------------------------

const parseLength = (header: string | undefined): number | undefined =>
  header !== undefined && /^[0-9]{1,15}$/.test(header) ? Number(header) : undefined

type BodyError = Http.PayloadTooLarge | Http.ClientClosed | Snapshot.InputError

// Reads the body up to `limit` bytes. With `gzip` the bytes received go
// through an inflater, and the limit applies to both: to the bytes received
// and to the bytes inflated, counted as the inflater emits them (16 KiB at a
// time), so a decompression bomb is refused after `limit` bytes of output,
// not after inflating it. On interruption (the request time ran out), when
// the limit is passed or on bad gzip, the listeners go, the inflater is
// destroyed and the request stream pauses.
const readBody = (
  exchange: Exchange,
  declared: number | undefined,
  limit: number,
  gzip: boolean
): Effect.Effect<Uint8Array, BodyError> =>
  Effect.callback((resume) => {
    const { req } = exchange
    if (req.destroyed) return resume(Effect.fail(new Http.ClientClosed()))
    const gunzip = gzip ? createGunzip() : undefined
    // A plain body with a declared length within the limit is copied once
    // into a buffer of that size: the HTTP parser never delivers more than
    // Content-Length bytes.
    const whole = gunzip === undefined && declared !== undefined && declared <= limit && declared <= MAX_BODY
      ? Buffer.allocUnsafe(declared)
      : undefined
    const chunks: Array<Buffer> = []
    let received = 0
    let size = 0
    let settled = false
    const tooLarge = () => settle(Effect.fail(new Http.PayloadTooLarge({ limit })))
    // The body's bytes (inflated, with gzip).
    const keep = (chunk: Buffer) => {
      if (size + chunk.length > limit) return tooLarge()
      if (whole === undefined) chunks.push(chunk)
      else chunk.copy(whole, size)
      size += chunk.length
    }
    const done = () => {
      exchange.bodyRead = true
      exchange.idle(false)
      settle(Effect.succeed(whole === undefined ? Buffer.concat(chunks, size) : whole.subarray(0, size)))
    }
    const onData = gunzip === undefined ? keep : (chunk: Buffer) => {
      received += chunk.length
      if (received > limit) return tooLarge()
      if (!gunzip.write(chunk)) {
        req.pause()
        gunzip.once("drain", () => settled || req.resume())
      }
    }
    // With gzip the request emits "close" right after "end", while the
    // inflater may still be working: from then on only the inflater settles
    // the read.
    const onEnd = gunzip === undefined ? done : () => {
      req.off("close", onGone)
      gunzip.end()
    }
    const onBadGzip = (error: Error) =>
      settle(Effect.fail(new Snapshot.InputError({ path: "", reason: `not valid gzip (${error.message})` })))
    const onGone = () => settle(Effect.fail(new Http.ClientClosed()))
    const cleanup = () => {
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("close", onGone)
      req.off("error", onGone)
      if (gunzip !== undefined) {
        gunzip.off("data", keep)
        gunzip.off("end", done)
        gunzip.off("error", onBadGzip)
        gunzip.on("error", () => {})
        gunzip.destroy()
      }
      req.pause()
    }
    const settle = (effect: Effect.Effect<Uint8Array, BodyError>) => {
      if (settled) return
      settled = true
      cleanup()
      resume(effect)
    }
    if (gunzip !== undefined) {
      gunzip.on("data", keep)
      gunzip.on("end", done)
      gunzip.on("error", onBadGzip)
    }
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("close", onGone)
    req.on("error", onGone)
    req.resume()
    return Effect.sync(() => {
      settled = true
      cleanup()
    })
  })

// Writes one chunk, waiting for `drain` when the socket's buffer is full;
// the idle timer runs while it waits (a client that stops reading is dropped).
const write = (exchange: Exchange, chunk: string | Uint8Array): Effect.Effect<void, Http.ClientClosed> =>
  Effect.callback((resume) => {
    const { res } = exchange
    if (res.destroyed || res.writableEnded) return resume(Effect.fail(new Http.ClientClosed()))
    if (res.write(chunk, () => {})) return resume(Effect.void)
    exchange.idle(true)
    const onDrain = () => {
      cleanup()
      exchange.idle(false)
      resume(Effect.void)
    }
    const onClose = () => {
      cleanup()
      resume(Effect.fail(new Http.ClientClosed()))
    }
    const cleanup = () => {
      res.off("drain", onDrain)
      res.off("close", onClose)
    }
    res.on("drain", onDrain)
    res.on("close", onClose)
    return Effect.sync(cleanup)
  })

// After a 413, discards the rest of the body until it ends or `ms` pass.
const linger = (req: IncomingMessage, ms: number): Effect.Effect<void> =>
  Effect.callback((resume) => {
    if (req.complete || req.destroyed || ms <= 0) return resume(Effect.void)
    const done = () => {
      cleanup()
      resume(Effect.void)
    }
    const timer = setTimeout(done, ms)
    const cleanup = () => {
      clearTimeout(timer)
      req.off("end", done)
      req.off("close", done)
    }
    req.on("end", done)
    req.on("close", done)
    req.resume()
    return Effect.sync(cleanup)
  })

const end = (exchange: Exchange, body?: string | Uint8Array): Effect.Effect<void> =>
  Effect.sync(() => {
    const { res } = exchange
    exchange.idle(true)
    if (!res.writableEnded && !res.destroyed) res.end(body ?? "")
  })

interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly arrived: number
  /** Whether the request has a body (Content-Length above 0, or Transfer-Encoding). */
  readonly hasBody: boolean
  /** Set once the service has read the body to its end. */
  bodyRead: boolean
  /**
   * Starts or stops the socket's idle timer. It runs while the server waits
   * on the client (for the request, its body, or to read the answer), and
   * stops from the end of the body until the answer is written: a walk that
   * takes longer than the idle time (it is bounded by the request time) does
   * not lose its connection.
   */
  readonly idle: (on: boolean) => void
}

const replyWith = (exchange: Exchange, config: ServeConfig, draining: () => boolean): Http.Reply =>
(response) =>
  Effect.gen(function*() {
    const { req, res } = exchange
    if (res.headersSent || res.destroyed) return yield* new Http.ClientClosed()
    // Answered before the body was read to its end (404, 405, 415, 503, 413,
    // 408): the rest of the body is discarded. After a 413 or a 408 the
    // connection closes; after the others Node reuses it once the body ends.
    const early = exchange.hasBody && !exchange.bodyRead && !req.complete
    const closing = early && (response.status === 413 || response.status === 408)
    const headers: Record<string, string> = { ...response.headers }
    if (closing || draining()) headers["connection"] = "close"
    if (typeof response.body !== "string" && !(response.body instanceof Uint8Array)) {
      res.writeHead(response.status, headers)
      yield* Stream.runForEach(response.body, (chunk) => write(exchange, chunk))
      return yield* end(exchange)
    }
    headers["content-length"] = String(
      typeof response.body === "string" ? Buffer.byteLength(response.body) : response.body.byteLength
    )
    res.writeHead(response.status, headers)
    if (!closing) {
      if (early) req.resume()
      return yield* end(exchange, response.body)
    }
    // A stalled client (408) is not sending: close at once.
    if (response.status === 408) return yield* end(exchange, response.body)
    // A 413 goes out at once, but the socket closes only when the client has
    // stopped sending (or the request time is up): closing on unread data
    // would reset the connection and could lose the answer.
    yield* write(exchange, response.body)
    yield* linger(req, exchange.arrived + config.requestTimeout - Date.now())
    yield* end(exchange)
  })

const internalError = (res: ServerResponse) =>
  Effect.sync(() => {
    // A defect is a bug: answer 500 if nothing was sent yet, else cut the connection.
    const written = Result.try(() => {
      if (res.headersSent) return res.destroy()
      res.writeHead(500, { "content-type": "application/json; charset=utf-8", connection: "close" })
      res.end(JSON.stringify({ error: { kind: "internal", message: "internal error" } }) + "\n")
    })
    if (Result.isFailure(written)) res.destroy()
  })

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/**
 * How a shutdown went: requests still in flight at the deadline were cut.
 *
 * @category models
 * @since 0.1.0
 */
export interface ShutdownReport {
  readonly cut: number
}

/**
 * A listening server.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Requests being answered right now. */
  readonly inFlight: () => number
  /** The worker pool's counts (threads alive, queue, restarts). */
  readonly pool: () => PoolStats
  /**
   * Stops accepting, lets in-flight requests finish (their connections then
   * close) and resolves once all are done, or cuts the rest at the deadline.
   */
  readonly shutdown: () => Promise<ShutdownReport>
}

/**
 * Starts the service on `config.host:config.port`. Resolves with the running
 * server, or with a message if it cannot listen.
 *
 * @category constructors
 * @since 0.1.0
 */
export const startServer = (config: ServeConfig): Promise<Result.Result<RunningServer, string>> => {
  let draining = false
  let inFlight = 0
  const made = makePool({ size: config.workers, limits: config, nice: config.workerNice, faults: config.testFaults })
  if (Result.isFailure(made)) return Promise.resolve(Result.fail(made.failure))
  const pool = made.success
  const service = Effect.runSync(Http.make({
    limits: config,
    isDraining: () => draining,
    residentMemory: () => process.memoryUsage.rss(),
    pool
  }))
  const server = createServer({
    // Node's own timers back ours up: headers that never finish, and bodies
    // still incomplete a second after the service has given up on them.
    headersTimeout: config.requestTimeout,
    requestTimeout: config.requestTimeout + 1000,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.requestTimeout / 4))),
    keepAliveTimeout: 5000
  })
  server.timeout = config.idleTimeout
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    inFlight++
    res.on("close", () => inFlight--)
    req.on("error", () => {})
    res.on("error", () => {})
    const contentLength = parseLength(req.headers["content-length"])
    const exchange: Exchange = {
      req,
      res,
      arrived: Date.now(),
      hasBody: (contentLength ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined,
      bodyRead: false,
      idle: (on) => void req.socket.setTimeout(on ? config.idleTimeout : 0)
    }
    const request: Http.Request = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      contentType: req.headers["content-type"],
      contentEncoding: req.headers["content-encoding"],
      contentLength,
      readBody: (limit) =>
        readBody(exchange, contentLength, limit, /^\s*(x-)?gzip\s*$/i.test(req.headers["content-encoding"] ?? ""))
    }
    const fiber = Effect.runFork(
      service.handle(request, replyWith(exchange, config, () => draining)).pipe(
        Effect.catchCause(() => internalError(res))
      )
    )
    // Answered, or the connection is gone: whatever the request still waits
    // for (a slot, its body, the socket) is given up, and its slot released.
    res.on("close", () => fiber.interruptUnsafe())
  })
  const shutdown = (): Promise<ShutdownReport> =>
    new Promise((resolve) => {
      draining = true
      let cut = 0
      const timer = setTimeout(() => {
        cut = inFlight
        server.closeAllConnections()
      }, config.shutdownTimeout)
      // Once every connection is done, the workers stop (any walk still
      // running after a cut is stopped with them).
      server.close(() => {
        clearTimeout(timer)
        void pool.close().then(() => resolve({ cut }))
      })
      server.closeIdleConnections()
    })

  return new Promise((resolve) => {
    const onError = (error: Error) =>
      void pool.close().then(() => resolve(Result.fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`)))
    server.once("error", onError)
    const listening = Result.try(() => server.listen(config.port, config.host, () => {
      server.off("error", onError)
      server.on("error", () => {})
      const address = server.address() as AddressInfo
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address
      resolve(Result.succeed({
        url: `http://${host}:${address.port}`,
        port: address.port,
        server,
        inFlight: () => inFlight,
        pool: pool.stats,
        shutdown
      }))
    }))
    // A port or host Node refuses outright (the CLI's own checks rule these out).
    if (Result.isFailure(listening)) onError(listening.failure instanceof Error ? listening.failure : new Error(String(listening.failure)))
  })
}

/**
 * The usage text of `fpwalk serve`.
 *
 * @category constants
 * @since 0.1.0
 */
export const SERVE_USAGE = `usage: fpwalk serve [--host H] [--port N] [limits...]
  Serves POST /v1/walk (one snapshot, JSON), POST /v1/walk/batch (NDJSON in
  and out), GET /healthz (liveness), GET /readyz (readiness), GET /metrics
  (Prometheus) and GET /openapi.json. Bodies may be gzip (Content-Encoding).
  Each setting also reads an environment variable; a flag wins over it.
  --host H              FPWALK_HOST              default 127.0.0.1
  --port N              FPWALK_PORT              default 8080 (0: any free port)
  --body-limit SIZE     FPWALK_BODY_LIMIT        default 16MiB (bytes, KiB, MiB, GiB)
  --max-frames N        FPWALK_MAX_FRAMES        default 100000 (caps each snapshot's maxFrames)
  --max-walks N         FPWALK_MAX_WALKS         default 16 (more wait; 503 if none frees in time)
  --request-timeout MS  FPWALK_REQUEST_TIMEOUT   default 30000 (body must arrive within it: 408)
  --max-depth N         FPWALK_MAX_DEPTH         default 64 (JSON nesting)
  --max-batch-lines N   FPWALK_MAX_BATCH_LINES   default 10000 (lines in one batch)
  --max-regions N       FPWALK_MAX_REGIONS       default 10000 (memory regions in one snapshot)
  --max-states N        FPWALK_MAX_STATES        default 10000 (call-thread states in one snapshot)
  --idle-timeout MS     FPWALK_IDLE_TIMEOUT      default 60000 (silent sockets are closed)
  --shutdown-timeout MS FPWALK_SHUTDOWN_TIMEOUT  default 10000 (SIGTERM/SIGINT: drain deadline)
  --workers N           FPWALK_WORKERS           default: the cores this process may use (1 to 256)
  --worker-nice N       FPWALK_WORKER_NICE       default 10 (workers' priority below the HTTP thread, 0 to 19)
exit status: 0 after a shutdown, 1 cannot listen (or start the workers), 2 bad usage
`

/**
 * Runs `fpwalk serve` until SIGTERM or SIGINT, then shuts down gracefully
 * and returns 0 (1 if it cannot listen, 2 on bad usage).
 *
 * @category commands
 * @since 0.1.0
 */
export const runServe = async (
  args: ReadonlyArray<string>,
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env
): Promise<number> => {
  const config = parseServeConfig(args, env)
  if (Result.isFailure(config)) {
    io.stderr(`fpwalk: ${config.failure.replace(/\s*\n\s*/g, " ")}; try 'fpwalk serve --help'\n`)
    return 2
  }
  if (config.success === "help") {
    io.stdout(SERVE_USAGE)
    return 0
  }
  const started = await startServer(config.success)
  if (Result.isFailure(started)) {
    io.stderr(`fpwalk: ${started.failure}\n`)
    return 1
  }
  const running = started.success
  io.stdout(`fpwalk: listening on ${running.url}\n`)
  const signal = await new Promise<string>((resolve) => {
    const onSignal = (name: string) => {
      process.off("SIGTERM", onSignal)
      process.off("SIGINT", onSignal)
      resolve(name)
    }
    process.on("SIGTERM", onSignal)
    process.on("SIGINT", onSignal)
  })
  // The listening socket closes (synchronously, in shutdown) before the
  // message goes out: whoever reads it finds new connections refused.
  const inFlight = running.inFlight()
  const stopping = running.shutdown()
  io.stderr(`fpwalk: ${signal}: shutting down, ${inFlight} request(s) in flight\n`)
  const report = await stopping
  io.stderr(`fpwalk: stopped${report.cut > 0 ? `, ${report.cut} request(s) cut at the deadline` : ""}\n`)
  return 0
}
