/**
 * Shared by the test/serve/ tests: a server on 127.0.0.1 with an ephemeral
 * port, a small HTTP client (fresh connection per request, bodies as
 * given), and valid x86_64 stacks with what the library answers for them.
 */
import * as Result from "effect/Result"
import type { IncomingHttpHeaders } from "node:http"
import { request } from "node:http"
import { expect } from "vitest"
import { snapshotJson, StackImage } from "../../properties/layout.js"
import type { RunningServer, ServeConfig } from "../../src/cli/serve.js"
import { defaultServeConfig, startServer } from "../../src/cli/serve.js"
import * as Snapshot from "../../src/Snapshot.js"
import { walkSync } from "../../src/Walker.js"

const LIMITS = 0x5555_0000n
const BASE = 0x7ffc_0000n

/** A valid x86_64 stack of `frames` frames in one activation, entered from the host. */
export const stack = (frames: number): Record<string, unknown> => {
  const image = new StackImage("x86_64")
  image.region(BASE, frames * 16 + 16)
  for (let i = 0; i < frames; i++) {
    const fp = BASE + BigInt(i * 16)
    image.frame(fp, fp + 16n, 0x40_0000n + BigInt(i * 4))
  }
  return snapshotJson(image, {
    limits: { address: LIMITS, pc: 0x40_1000n, fp: BASE, sp: BASE + BigInt(frames * 16) },
    states: [{ limits: LIMITS, pc: 0n, fp: 0n, sp: 0n }]
  })
}

/** The body `/v1/walk` must send for a snapshot: the library's result JSON text. */
export const expectedText = (json: unknown): string => {
  const decoded = Snapshot.decodeSync(json)
  if (!decoded.ok) throw new Error(`not a valid snapshot: ${decoded.error.message}`)
  return JSON.stringify(Snapshot.resultToJson(walkSync(decoded.snapshot))) + "\n"
}

export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

export interface Send {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string | number>>
  readonly body?: string | Uint8Array
}

export const send = (server: RunningServer, path: string, options: Send = {}): Promise<Answer> =>
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

export const JSON_HEADERS = { "content-type": "application/json" }
export const NDJSON_HEADERS = { "content-type": "application/x-ndjson" }

export const walk = (server: RunningServer, body: string | Uint8Array, headers: Record<string, string> = JSON_HEADERS) =>
  send(server, "/v1/walk", { headers, body })

export const errorOf = (answer: Answer): { kind: string; message: string; path?: string } =>
  (JSON.parse(answer.text) as { error: { kind: string; message: string; path?: string } }).error

export const until = async (condition: () => boolean | Promise<boolean>, tries = 2000): Promise<void> => {
  for (let i = 0; i < tries && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(await condition()).toBe(true)
}

/** Starts a server and waits until `/readyz` says a worker is ready. */
export const start = async (overrides: Partial<ServeConfig> = {}): Promise<RunningServer> => {
  const started = await startServer({ ...defaultServeConfig, port: 0, ...overrides })
  if (Result.isFailure(started)) throw new Error(started.failure)
  const server = started.success
  await until(() => server.pool().ready, 4000)
  return server
}

/** A metric's value in `/metrics` text (NaN if absent). */
export const metric = (text: string, series: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? NaN : Number(line.slice(series.length + 1))
}
