/**
 * `fpwalk serve` in-process: a real server on 127.0.0.1 with an ephemeral
 * port, real sockets, every status code, the limits under a flood of bad
 * input, and the graceful shutdown.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { IncomingHttpHeaders, IncomingMessage } from "node:http"
import { Agent, request } from "node:http"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { snapshotJson, StackImage } from "../properties/layout.js"
import type { RunningServer, ServeConfig } from "../src/cli/serve.js"
import { defaultServeConfig, startServer } from "../src/cli/serve.js"
import * as Http from "../src/Http.js"
import * as Snapshot from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"

// ---------------------------------------------------------------------------
// Stacks
// ---------------------------------------------------------------------------

const LIMITS = 0x5555_0000n
const BASE = 0x7ffc_0000n

/**
 * A valid x86_64 stack of `frames` frames in one activation (16 bytes a
 * frame), entered from the host; `options` go into the snapshot as given.
 */
const stack = (frames: number, options?: { readonly maxFrames?: bigint }): Record<string, unknown> => {
  const image = new StackImage("x86_64")
  image.region(BASE, frames * 16 + 16)
  for (let i = 0; i < frames; i++) {
    const fp = BASE + BigInt(i * 16)
    image.frame(fp, fp + 16n, 0x40_0000n + BigInt(i * 4))
  }
  return snapshotJson(image, {
    limits: { address: LIMITS, pc: 0x40_1000n, fp: BASE, sp: BASE + BigInt(frames * 16) },
    states: [{ limits: LIMITS, pc: 0n, fp: 0n, sp: 0n }],
    options
  })
}

/** A stack whose second frame saved an FP below its own: `NonMonotonicFp` after 2 frames. */
const brokenStack = (): Record<string, unknown> => {
  const image = new StackImage("x86_64")
  image.region(BASE, 0x100)
  image.frame(BASE + 0x20n, BASE + 0x40n, 0x40_0010n)
  image.frame(BASE + 0x40n, BASE + 0x10n, 0x40_0020n)
  return snapshotJson(image, {
    limits: { address: LIMITS, pc: 0x40_1000n, fp: BASE + 0x20n, sp: BASE + 0xf0n },
    states: [{ limits: LIMITS, pc: 0n, fp: 0n, sp: 0n }]
  })
}

/** What the library answers for a snapshot: the body `/v1/walk` must send. */
const expected = (json: unknown): Snapshot.ResultJson => {
  const decoded = Snapshot.decodeSync(json)
  if (!decoded.ok) throw new Error(`not a valid snapshot: ${decoded.error.message}`)
  return Snapshot.resultToJson(walkSync(decoded.snapshot))
}

// ---------------------------------------------------------------------------
// A small HTTP client: fresh connection per request, bodies as given
// ---------------------------------------------------------------------------

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

interface Send {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string | number>>
  readonly body?: string | Uint8Array
}

const send = (server: RunningServer, path: string, options: Send = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers: { ...options.headers },
      agent: false
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(options.body)
  })

const JSON_HEADERS = { "content-type": "application/json" }
const NDJSON_HEADERS = { "content-type": "application/x-ndjson" }

const walk = (server: RunningServer, body: string | Uint8Array, headers: Record<string, string> = JSON_HEADERS) =>
  send(server, "/v1/walk", { headers, body })

const parsed = (answer: Answer): unknown => JSON.parse(answer.text)

const inputError = (answer: Answer) => {
  expect(answer.status).toBe(400)
  const body = parsed(answer) as { error: { kind: string; message: string; path: string } }
  expect(body.error.kind).toBe("input")
  expect(typeof body.error.message).toBe("string")
  return body.error
}

/**
 * A request whose body is sent in pieces under the test's control. `answer`
 * settles with the response, or with "closed" if the connection goes first.
 */
const partial = (server: RunningServer, path: string, headers: Record<string, string | number>) => {
  const req = request(`${server.url}${path}`, { method: "POST", headers, agent: false })
  const answer = new Promise<Answer | "closed">((resolve) => {
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", () => resolve("closed"))
    })
    req.on("error", () => resolve("closed"))
    req.on("close", () => setImmediate(() => resolve("closed")))
  })
  req.flushHeaders()
  return { req, answer }
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}

const start = async (overrides: Partial<ServeConfig> = {}): Promise<RunningServer> => {
  const started = await startServer({ ...defaultServeConfig, port: 0, ...overrides })
  if (Result.isFailure(started)) throw new Error(started.failure)
  return started.success
}

// ---------------------------------------------------------------------------

describe("fpwalk serve: endpoints", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await start({ maxFrames: 50n, bodyLimit: 64 * 1024, maxDepth: 16, maxBatchLines: 5, maxRegions: 3, maxStates: 2 })
  })
  afterAll(async () => {
    await server.shutdown()
  })

  it("answers a valid stack with 200 and the library's result", async () => {
    const json = stack(12)
    const answer = await walk(server, JSON.stringify(json))
    expect(answer.status).toBe(200)
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8")
    const body = parsed(answer) as Snapshot.ResultJson
    expect(body.ok).toBe(true)
    expect(body.frames).toHaveLength(12)
    expect(body).toEqual(expected(json))
  })

  it("answers an invalid stack with 200 and ok: false, the error and the frames before it", async () => {
    const answer = await walk(server, JSON.stringify(brokenStack()))
    expect(answer.status).toBe(200)
    const body = parsed(answer) as Snapshot.ResultJson
    expect(body).toEqual(expected(brokenStack()))
    expect(body.ok ? undefined : body.error).toEqual({ _tag: "NonMonotonicFp", activation: 0, fp: "0x7ffc0040", nextFp: "0x7ffc0010" })
    expect(body.frames.map(({ pc, fp }) => ({ pc, fp }))).toEqual([
      { pc: "0x401000", fp: "0x7ffc0020" },
      { pc: "0x400010", fp: "0x7ffc0040" }
    ])
  })

  it("accepts application/json with a utf-8 charset, in any case", async () => {
    const answer = await walk(server, JSON.stringify(stack(3)), { "content-type": "Application/JSON; Charset=\"UTF-8\"" })
    expect(answer.status).toBe(200)
  })

  it("caps maxFrames at the server's limit, and keeps a snapshot's smaller one", async () => {
    const capped = parsed(await walk(server, JSON.stringify(stack(60)))) as Snapshot.ResultJson
    expect(capped.ok).toBe(false)
    expect(capped.ok ? undefined : capped.error).toEqual({ _tag: "FrameLimitExceeded", maxFrames: 50 })
    expect(capped.frames).toHaveLength(50)
    const own = parsed(await walk(server, JSON.stringify(stack(60, { maxFrames: 7n })))) as Snapshot.ResultJson
    expect(own.ok ? undefined : own.error).toEqual({ _tag: "FrameLimitExceeded", maxFrames: 7 })
    expect(own.frames).toHaveLength(7)
  })

  it("answers a bad snapshot with 400 and the input error's path and message", async () => {
    const json = stack(2) as { memory: Array<{ address: string; base64: string }> }
    json.memory[0]!.base64 = "AAA*"
    const error = inputError(await walk(server, JSON.stringify(json)))
    expect(error.path).toBe("memory[0].base64")
    expect(error.message).toMatch(/^memory\[0\]\.base64: not strict base64/)
  })

  it("answers truncated JSON with 400 at the document", async () => {
    const text = JSON.stringify(stack(4))
    const error = inputError(await walk(server, text.slice(0, text.length / 2)))
    expect(error.path).toBe("")
    expect(error.message).toMatch(/^malformed JSON/)
  })

  it("answers a 2^70 number with 400 at its field", async () => {
    const text = JSON.stringify(stack(2)).replace("{", `{"options":{"maxFrames":1180591620717411303424},`)
    const error = inputError(await walk(server, text))
    expect(error.path).toBe("options.maxFrames")
  })

  it("answers nesting deeper than the limit with 400 before parsing", async () => {
    const deep = `{"format":"fpwalk.snapshot.v1","x":${"[".repeat(17)}${"]".repeat(17)}}`
    const error = inputError(await walk(server, deep))
    expect(error).toEqual({ kind: "input", path: "", message: "JSON nested deeper than 16 levels" })
    // Brackets inside strings do not count.
    const json = { ...stack(2), note: "[".repeat(100) }
    expect((await walk(server, JSON.stringify(json))).status).toBe(200)
  })

  it("answers more regions or states than the server's limits with 400 before decoding them", async () => {
    const json = stack(3) as { memory: Array<unknown>; states: Array<unknown> }
    const region = (address: string) => ({ address, base64: "AAAAAAAAAAA=" })
    const threeRegions = { ...json, memory: [...json.memory, region("0x1000"), region("0x2000")] }
    expect(parsed(await walk(server, JSON.stringify(threeRegions)))).toEqual(expected(threeRegions))
    const fourRegions = { ...json, memory: [...threeRegions.memory, region("0x3000")] }
    expect(inputError(await walk(server, JSON.stringify(fourRegions)))).toEqual({
      kind: "input",
      path: "memory",
      message: "memory: more than 3 regions (the server's limit)"
    })
    const state = { limits: "0x1", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }
    const twoStates = { ...json, states: [...json.states, state] }
    expect((await walk(server, JSON.stringify(twoStates))).status).toBe(200)
    const threeStates = { ...json, states: [...twoStates.states, state] }
    expect(inputError(await walk(server, JSON.stringify(threeStates))).path).toBe("states")
  })

  it("answers a body that is not UTF-8 with 400", async () => {
    const bytes = Buffer.concat([Buffer.from(JSON.stringify(stack(2)).slice(0, -1)), Buffer.from(`,"x":"\xff"}`, "latin1")])
    const error = inputError(await walk(server, bytes))
    expect(error.message).toBe("not valid UTF-8")
  })

  it("answers a body over the limit with 413, declared or streamed", async () => {
    const big = JSON.stringify({ ...stack(2), pad: "x".repeat(64 * 1024) })
    const declared = await walk(server, big)
    expect(declared.status).toBe(413)
    expect((parsed(declared) as { error: { kind: string } }).error.kind).toBe("too_large")
    const { req, answer } = partial(server, "/v1/walk", JSON_HEADERS)
    for (let i = 0; i < 8; i++) req.write("x".repeat(16 * 1024))
    req.end()
    const streamed = await answer
    expect(streamed !== "closed" && streamed.status).toBe(413)
  })

  it("answers other content types with 415", async () => {
    const body = JSON.stringify(stack(2))
    for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/json; charset=latin1" }, {}]) {
      const answer = await walk(server, body, headers)
      expect(answer.status).toBe(415)
      expect((parsed(answer) as { error: { kind: string } }).error.kind).toBe("unsupported_media_type")
    }
    expect((await walk(server, body, NDJSON_HEADERS)).status).toBe(415)
    expect((await send(server, "/v1/walk/batch", { headers: { "content-type": "text/csv" }, body })).status).toBe(415)
  })

  it("answers unknown routes with 404 and other methods with 405 and Allow", async () => {
    const missing = await send(server, "/v2/walk")
    expect(missing.status).toBe(404)
    expect((parsed(missing) as { error: { kind: string } }).error.kind).toBe("not_found")
    expect((await send(server, "/v1/walk/")).status).toBe(404)
    const get = await send(server, "/v1/walk")
    expect(get.status).toBe(405)
    expect(get.headers["allow"]).toBe("POST")
    const post = await send(server, "/healthz", { body: "{}", headers: JSON_HEADERS })
    expect(post.status).toBe(405)
    expect(post.headers["allow"]).toBe("GET, HEAD")
  })

  it("keeps the connection after an early 415, and closes it after a 413", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    let connections = 0
    const count = () => void connections++
    server.server.on("connection", count)
    const post = (headers: Record<string, string>, body: string) =>
      new Promise<Answer>((resolve, reject) => {
        const req = request(`${server.url}/v1/walk`, { method: "POST", headers, agent }, (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
        })
        req.on("error", reject)
        req.end(body)
      })
    const text = JSON.stringify(stack(3))
    expect((await post({ "content-type": "text/plain" }, text)).status).toBe(415)
    expect((await post(JSON_HEADERS, text)).status).toBe(200)
    expect(connections).toBe(1)
    const tooLarge = await post(JSON_HEADERS, "x".repeat(64 * 1024 + 1))
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers["connection"]).toBe("close")
    expect((await post(JSON_HEADERS, text)).status).toBe(200)
    expect(connections).toBe(2)
    server.server.off("connection", count)
    agent.destroy()
  })

  it("answers the asterisk target and property-like paths with 404", async () => {
    for (const target of ["*", "/__proto__", "/constructor"]) {
      const socket = connect(server.port, "127.0.0.1")
      const received: Array<Buffer> = []
      socket.on("data", (chunk: Buffer) => received.push(chunk))
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      await new Promise((resolve) => socket.on("close", resolve))
      expect(Buffer.concat(received).toString("latin1")).toMatch(/^HTTP\/1\.1 404 /)
    }
  })

  it("answers /healthz, with or without a query", async () => {
    const answer = await send(server, "/healthz?probe=1")
    expect(answer.status).toBe(200)
    expect(parsed(answer)).toEqual({ status: "ok" })
    const head = await send(server, "/healthz", { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(head.text).toBe("")
  })

  it("streams a batch: one line per input line, in order, a bad line as an input-error line", async () => {
    const good = [stack(3), brokenStack(), stack(5)]
    const body = [JSON.stringify(good[0]), "{\"format\":", JSON.stringify(good[1]), "[[1]]", JSON.stringify(good[2])]
      .join("\r\n") + "\n"
    const answer = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body })
    expect(answer.status).toBe(200)
    expect(answer.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8")
    const lines = answer.text.split("\n")
    expect(lines.pop()).toBe("")
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expected(good[0]),
      { error: { kind: "input", path: "", message: expect.stringMatching(/^malformed JSON/) } },
      expected(good[1]),
      { error: { kind: "input", path: "", message: "expected an object, got an array" } },
      expected(good[2])
    ])
  })

  it("answers a batch of more lines than the limit with 413, and takes one at the limit", async () => {
    const line = JSON.stringify(stack(1))
    const over = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body: `${line}\n`.repeat(5) + "x" })
    expect(over.status).toBe(413)
    expect(parsed(over)).toEqual({ error: { kind: "too_large", message: "the batch has more than 5 lines" } })
    const many = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body: `${line}\n`.repeat(1000) })
    expect(many.status).toBe(413)
    // Blank lines are not lines (the CLI skips them too): they count for nothing.
    const blanks = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body: "\n \t\r\n".repeat(1000) + line })
    expect([blanks.status, blanks.text]).toEqual([200, `${JSON.stringify(expected(stack(1)))}\n`])
    const at = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body: `${line}\n`.repeat(5) })
    expect(at.status).toBe(200)
    expect(at.text).toBe(`${JSON.stringify(expected(stack(1)))}\n`.repeat(5))
  })

  it("takes a batch as application/json too, skips a blank line as the CLI does, and answers a bad line with an input error", async () => {
    const body = `${JSON.stringify(stack(2))}\n\n  \nnull\n${JSON.stringify(stack(1))}`
    const answer = await send(server, "/v1/walk/batch", { headers: JSON_HEADERS, body })
    expect(answer.status).toBe(200)
    const lines = answer.text.trimEnd().split("\n").map((line) => JSON.parse(line))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toEqual(expected(stack(2)))
    expect(lines[1].error.kind).toBe("input")
    expect(lines[2]).toEqual(expected(stack(1)))
  })
})

describe("fpwalk serve: metrics", () => {
  it("counts requests by route and status, walks by result, and walk times", async () => {
    const server = await start({ maxFrames: 1000n })
    await walk(server, JSON.stringify(stack(3)))
    await walk(server, JSON.stringify(stack(3)))
    await walk(server, JSON.stringify(brokenStack()))
    await walk(server, "{")
    await walk(server, "{}", { "content-type": "text/plain" })
    await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body: `${JSON.stringify(stack(1))}\nnull\n` })
    await send(server, "/nowhere")
    const answer = await send(server, "/metrics")
    await server.shutdown()
    expect(answer.status).toBe(200)
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
    const lines = answer.text.split("\n")
    for (
      const line of [
        "# TYPE fpwalk_http_requests_total counter",
        "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"200\"} 3",
        "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"400\"} 1",
        "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"415\"} 1",
        "fpwalk_http_requests_total{route=\"/v1/walk/batch\",status=\"200\"} 1",
        "fpwalk_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "# TYPE fpwalk_walks_total counter",
        "fpwalk_walks_total{result=\"ok\"} 3",
        "fpwalk_walks_total{result=\"NonMonotonicFp\"} 1",
        "fpwalk_walks_total{result=\"InputError\"} 2",
        "# TYPE fpwalk_walk_duration_seconds histogram",
        "fpwalk_walk_duration_seconds_count 6",
        "fpwalk_walk_duration_seconds_bucket{le=\"+Inf\"} 6",
        "fpwalk_walk_slots_active 0",
        "fpwalk_walk_slots_waiting 0"
      ]
    ) expect(lines).toContain(line)
    expect(answer.text).toMatch(/^process_resident_memory_bytes [1-9][0-9]*$/m)
  })

  it("keeps each server's counts apart", async () => {
    const server = await start()
    const answer = await send(server, "/metrics")
    await server.shutdown()
    expect(answer.text).not.toContain("fpwalk_walks_total")
  })
})

describe("fpwalk serve: limits", () => {
  it("drops a client that stalls mid-body at the request time limit (408 or closed)", async () => {
    const server = await start({ requestTimeout: 1000 })
    const { req, answer } = partial(server, "/v1/walk", { ...JSON_HEADERS, "content-length": 10_000 })
    req.write("{\"format\":")
    const result = await answer
    expect(result === "closed" || result.status === 408).toBe(true)
    if (result !== "closed") expect((parsed(result) as { error: { kind: string } }).error.kind).toBe("timeout")
    // The server goes on serving.
    expect((await walk(server, JSON.stringify(stack(2)))).status).toBe(200)
    req.destroy()
    await server.shutdown()
  })

  it("drops a client that stalls mid-headers (408 or closed)", async () => {
    const server = await start({ requestTimeout: 1000 })
    const socket = connect(server.port, "127.0.0.1")
    const received: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => received.push(chunk))
    socket.on("error", () => {})
    socket.write("POST /v1/walk HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
    await new Promise((resolve) => socket.on("close", resolve))
    const text = Buffer.concat(received).toString("latin1")
    expect(text === "" || text.startsWith("HTTP/1.1 408")).toBe(true)
    await server.shutdown()
  })

  it("makes a walk request wait for a slot, and answers 503 if none frees within the request time", async () => {
    const server = await start({ maxWalks: 1, requestTimeout: 1000 })
    // A batch whose answer is far larger than the socket buffers holds the
    // only slot for as long as its client does not read.
    const lines = Array.from({ length: 24 }, () => JSON.stringify(stack(20_000, { maxFrames: 20_000n })))
    const holder = request(`${server.url}/v1/walk/batch`, { method: "POST", headers: NDJSON_HEADERS, agent: false })
    const held = new Promise<IncomingMessage>((resolve) => holder.on("response", resolve))
    holder.end(lines.join("\n"))
    // The answer is not read (not even its first chunk) until the other client is refused.
    const response = await held
    const refused = await walk(server, JSON.stringify(stack(2)))
    expect(refused.status).toBe(503)
    expect(refused.headers["retry-after"]).toBe("1")
    expect((parsed(refused) as { error: { kind: string } }).error.kind).toBe("overloaded")
    const chunks: Array<Buffer> = []
    response.on("data", (chunk: Buffer) => chunks.push(chunk))
    await new Promise((resolve) => response.on("end", resolve))
    expect(response.statusCode).toBe(200)
    const results = Buffer.concat(chunks).toString("utf8").trimEnd().split("\n")
    expect(results).toHaveLength(24)
    expect(JSON.parse(results[23]!)).toEqual(expected(JSON.parse(lines[23]!)))
    // The slot is free again.
    expect((await walk(server, JSON.stringify(stack(2)))).status).toBe(200)
    await server.shutdown()
  })

  it("gives up a request whose client leaves while it waits for a slot", async () => {
    const server = await start({ maxWalks: 1, requestTimeout: 60_000 })
    const gauge = async (name: string) => {
      const text = (await send(server, "/metrics")).text
      return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1])
    }
    const text = JSON.stringify(stack(5))
    const holder = partial(server, "/v1/walk", { ...JSON_HEADERS, "content-length": text.length })
    holder.req.write(text.slice(0, 10))
    for (let i = 0; i < 500 && (await gauge("fpwalk_walk_slots_active")) !== 1; i++);
    const leaver = partial(server, "/v1/walk", JSON_HEADERS)
    leaver.req.end(text)
    for (let i = 0; i < 500 && (await gauge("fpwalk_walk_slots_waiting")) !== 1; i++);
    expect(await gauge("fpwalk_walk_slots_waiting")).toBe(1)
    leaver.req.destroy()
    for (let i = 0; i < 500 && (await gauge("fpwalk_walk_slots_waiting")) !== 0; i++);
    expect(await gauge("fpwalk_walk_slots_waiting")).toBe(0)
    holder.req.end(text.slice(10))
    const answer = await holder.answer
    expect(answer !== "closed" && parsed(answer)).toEqual(expected(stack(5)))
    expect(await server.shutdown()).toEqual({ cut: 0 })
  })

  it("drops a client that stops reading its answer at the idle time, and frees its slot", async () => {
    const server = await start({ maxWalks: 1, idleTimeout: 500 })
    const lines = Array.from({ length: 24 }, () => JSON.stringify(stack(20_000, { maxFrames: 20_000n })))
    const holder = request(`${server.url}/v1/walk/batch`, { method: "POST", headers: NDJSON_HEADERS, agent: false })
    const held = new Promise<IncomingMessage>((resolve) => holder.on("response", resolve))
    holder.on("error", () => {})
    holder.end(lines.join("\n"))
    const response = await held
    response.on("error", () => {})
    // Not read: the server's writes stall, the socket goes silent, and the
    // server closes it (and so ends the request) at the idle time.
    await until(() => server.inFlight() === 0)
    const closed = new Promise((resolve) => response.on("close", resolve))
    response.resume()
    await closed
    expect(response.complete).toBe(false)
    const next = await walk(server, JSON.stringify(stack(2)))
    expect(next.status).toBe(200)
    await server.shutdown()
  })

  it("answers a flood of malformed bodies with 4xx while a good client keeps getting correct 200s", async () => {
    const server = await start({ requestTimeout: 20_000 })
    const valid = Array.from({ length: 8 }, (_, i) => stack(20 + i * 10))
    const good = (async () => {
      const statuses: Array<number> = []
      for (let i = 0; i < 40; i++) {
        const json = valid[i % valid.length]!
        const answer = await walk(server, JSON.stringify(json))
        statuses.push(answer.status)
        expect(parsed(answer)).toEqual(expected(json))
      }
      return statuses
    })()
    const text = JSON.stringify(stack(30))
    const badBase64 = JSON.stringify(stack(30)).replace(/"base64":"(.)/, "\"base64\":\"=")
    const huge = JSON.stringify(stack(3)).replace("{", `{"options":{"maxFrames":1180591620717411303424},`)
    const bad: ReadonlyArray<() => Promise<Answer | "closed">> = [
      () => walk(server, text.slice(0, text.length - 7)),
      () => walk(server, "[".repeat(10_000) + "]".repeat(10_000)),
      () => walk(server, `{"memory":${"{\"a\":".repeat(10_000)}1${"}".repeat(10_000)}}`),
      () => walk(server, huge),
      () => walk(server, badBase64),
      () => walk(server, "{\"format\":\"fpwalk.snapshot.v1\",\"arch\":\"x86_64\",\"memory\":[],\"limits\":7,\"states\":[]}"),
      () => streamed(server, 100 * 1024 * 1024)
    ]
    const floods = Array.from({ length: 4 }, async (_, worker) => {
      const statuses: Array<number | "closed"> = []
      for (let i = 0; i < 14; i++) {
        const answer = await bad[(i + worker) % bad.length]!()
        statuses.push(answer === "closed" ? "closed" : answer.status)
      }
      return statuses
    })
    const [goodStatuses, ...floodStatuses] = await Promise.all([good, ...floods])
    expect(goodStatuses).toEqual(Array(40).fill(200))
    const all = floodStatuses.flat()
    expect(all).toHaveLength(56)
    for (const status of all) expect(status === "closed" ? status : Math.floor(status / 100)).toBe(4)
    expect(all.filter((status) => status === 413)).toHaveLength(8)
    expect(all.filter((status) => status === 400)).toHaveLength(48)
    await server.shutdown()
  })
})

/**
 * Streams `size` bytes of a JSON-looking body without a Content-Length,
 * reusing one 1 MiB buffer, and stops sending once the answer arrives.
 */
const streamed = (server: RunningServer, size: number): Promise<Answer | "closed"> => {
  const { req, answer } = partial(server, "/v1/walk", JSON_HEADERS)
  const chunk = Buffer.alloc(1024 * 1024, 0x20)
  chunk[0] = 0x5b
  let sent = 0
  let answered = false
  void answer.then(() => {
    answered = true
    req.destroy()
  })
  const pump = () => {
    while (!answered && sent < size) {
      sent += chunk.length
      if (!req.write(chunk)) return void req.once("drain", pump)
    }
    if (!answered) req.end()
  }
  pump()
  return answer
}

describe("fpwalk serve: shutdown", () => {
  it("stops accepting, finishes every request in flight, then resolves", async () => {
    const server = await start()
    const jsons = [stack(10), stack(20), brokenStack()]
    const texts = jsons.map((json) => JSON.stringify(json))
    const singles = texts.map((text) => {
      const exchange = partial(server, "/v1/walk", { ...JSON_HEADERS, "content-length": Buffer.byteLength(text) })
      exchange.req.write(text.slice(0, 20))
      return exchange
    })
    const batchBody = `${texts[0]}\n${texts[2]}\n`
    const batch = partial(server, "/v1/walk/batch", { ...NDJSON_HEADERS, "content-length": batchBody.length })
    batch.req.write(batchBody.slice(0, 10))
    await until(() => server.inFlight() === 4)

    const stopped = server.shutdown()
    // No new connection is accepted.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(server.port, "127.0.0.1")
      socket.on("connect", () => resolve("connected"))
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"))
    })
    expect(refused).toBe("ECONNREFUSED")

    singles.forEach((exchange, i) => exchange.req.end(texts[i]!.slice(20)))
    batch.req.end(batchBody.slice(10))
    const answers = await Promise.all([...singles.map((exchange) => exchange.answer), batch.answer])
    answers.slice(0, 3).forEach((answer, i) => {
      expect(answer !== "closed" && answer.status).toBe(200)
      expect(answer !== "closed" && answer.headers["connection"]).toBe("close")
      expect(answer === "closed" ? undefined : parsed(answer)).toEqual(expected(jsons[i]))
    })
    const batchAnswer = answers[3]!
    expect(batchAnswer === "closed" ? undefined : batchAnswer.text).toBe(
      `${JSON.stringify(expected(jsons[0]))}\n${JSON.stringify(expected(jsons[2]))}\n`
    )
    expect(await stopped).toEqual({ cut: 0 })
  })

  it("cuts requests still in flight at the shutdown deadline", async () => {
    const server = await start({ shutdownTimeout: 300 })
    const { req, answer } = partial(server, "/v1/walk", { ...JSON_HEADERS, "content-length": 1000 })
    req.write("{")
    await until(() => server.inFlight() === 1)
    expect(await server.shutdown()).toEqual({ cut: 1 })
    expect(await answer).toBe("closed")
  })
})

describe("Http without a transport", () => {
  const answer = (options: Http.Options, request: Partial<Http.Request>) =>
    Effect.runPromise(Effect.gen(function*() {
      const service = yield* Http.make(options)
      const replies: Array<Http.Response> = []
      yield* service.handle({
        method: "GET",
        url: "/healthz",
        contentType: undefined,
        contentLength: undefined,
        readBody: () => Effect.succeed(new Uint8Array()),
        ...request
      }, (response) => Effect.sync(() => void replies.push(response)))
      return replies
    }))

  it("answers /healthz with 503 while the server drains", async () => {
    const replies = await answer({ limits: Http.defaultLimits, isDraining: () => true }, {})
    expect(replies).toEqual([{
      status: 503,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: "{\"status\":\"draining\"}\n"
    }])
  })

  it("walks a body the transport hands over, and says nothing to a client that has gone", async () => {
    const json = stack(4)
    const body = new TextEncoder().encode(JSON.stringify(json))
    const walked = await answer({ limits: Http.defaultLimits }, {
      method: "POST",
      url: "/v1/walk",
      contentType: "application/json",
      readBody: () => Effect.succeed(body)
    })
    expect(walked.map((reply) => reply.status)).toEqual([200])
    expect(JSON.parse(new TextDecoder().decode(walked[0]!.body as Uint8Array))).toEqual(expected(json))
    const gone = await answer({ limits: Http.defaultLimits }, {
      method: "POST",
      url: "/v1/walk",
      contentType: "application/json",
      readBody: () => Effect.fail(new Http.ClientClosed())
    })
    expect(gone).toEqual([])
  })
})
