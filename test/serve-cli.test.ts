/**
 * `fpwalk serve` as a command: its flags and environment variables, and the
 * built binary (`npm test` builds first) shut down by SIGTERM with a request
 * in flight.
 */
import * as Result from "effect/Result"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { availableParallelism } from "node:os"
import { request } from "node:http"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { snapshotJson, StackImage } from "../properties/layout.js"
import type { Io } from "../src/cli/io.js"
import { main } from "../src/cli/main.js"
import { defaultServeConfig, parseServeConfig, runServe, SERVE_USAGE, startServer } from "../src/cli/serve.js"
import * as Snapshot from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"

const BIN = fileURLToPath(new URL("../dist/bundle/bin.js", import.meta.url))

const captureIo = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const io: Io = {
    readText: () => Promise.resolve(Result.fail("no files here")),
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text)
  }
  return { io, out, err }
}

describe("fpwalk serve: settings", () => {
  it("uses the defaults with no flag and no variable", () => {
    expect(parseServeConfig([], {})).toEqual(Result.succeed(defaultServeConfig))
    expect(defaultServeConfig).toEqual({
      host: "127.0.0.1",
      port: 8080,
      bodyLimit: 16 * 1024 * 1024,
      maxFrames: 100_000n,
      maxWalks: 16,
      requestTimeout: 30_000,
      maxDepth: 64,
      maxBatchLines: 10_000,
      maxRegions: 10_000,
      maxStates: 10_000,
      idleTimeout: 60_000,
      shutdownTimeout: 10_000,
      workers: availableParallelism(),
      workerNice: 10
    })
  })

  it("reads every FPWALK_* variable, and a flag wins over its variable", () => {
    const env = {
      FPWALK_HOST: "::1",
      FPWALK_PORT: "9000",
      FPWALK_BODY_LIMIT: "2MiB",
      FPWALK_MAX_FRAMES: "0x100",
      FPWALK_MAX_WALKS: "3",
      FPWALK_REQUEST_TIMEOUT: "2s",
      FPWALK_MAX_DEPTH: "8",
      FPWALK_MAX_BATCH_LINES: "5",
      FPWALK_MAX_REGIONS: "6",
      FPWALK_MAX_STATES: "7",
      FPWALK_IDLE_TIMEOUT: "1500ms",
      FPWALK_SHUTDOWN_TIMEOUT: "250",
      FPWALK_WORKERS: "3",
      FPWALK_WORKER_NICE: "0"
    }
    expect(parseServeConfig([], env)).toEqual(Result.succeed({
      host: "::1",
      port: 9000,
      bodyLimit: 2 * 1024 * 1024,
      maxFrames: 256n,
      maxWalks: 3,
      requestTimeout: 2000,
      maxDepth: 8,
      maxBatchLines: 5,
      maxRegions: 6,
      maxStates: 7,
      idleTimeout: 1500,
      shutdownTimeout: 250,
      workers: 3,
      workerNice: 0
    }))
    const flags = ["--port", "0", "--body-limit", "100", "--max-frames", "1000", "--request-timeout", "700"]
    const config = parseServeConfig(flags, env)
    expect(Result.isSuccess(config) && config.success !== "help" && config.success).toMatchObject({
      host: "::1",
      port: 0,
      bodyLimit: 100,
      maxFrames: 1000n,
      requestTimeout: 700
    })
    // An empty variable counts as unset.
    expect(parseServeConfig([], { FPWALK_PORT: "" })).toEqual(Result.succeed(defaultServeConfig))
  })

  it("names the bad setting and its source", () => {
    expect(parseServeConfig(["--port", "65536"], {})).toEqual(
      Result.fail("--port: must be a port number, 0 to 65535: '65536'")
    )
    expect(parseServeConfig([], { FPWALK_BODY_LIMIT: "2GiB" })).toEqual(
      Result.fail("FPWALK_BODY_LIMIT: must be a size from 1 byte to 1GiB (bytes, or with KiB, MiB, GiB): '2GiB'")
    )
    expect(Result.isFailure(parseServeConfig(["--max-walks", "0"], {}))).toBe(true)
    expect(Result.isFailure(parseServeConfig(["--request-timeout", "1m"], {}))).toBe(true)
    expect(Result.isFailure(parseServeConfig(["--max-frames", "-1"], {}))).toBe(true)
    expect(parseServeConfig(["--workers", "0"], {})).toEqual(Result.fail("--workers: must be a whole number, 1 to 256: '0'"))
    expect(Result.isFailure(parseServeConfig([], { FPWALK_WORKERS: "257" }))).toBe(true)
    expect(parseServeConfig(["--worker-nice", "20"], {})).toEqual(Result.fail("--worker-nice: must be a whole number, 0 to 19: '20'"))
    expect(Result.isFailure(parseServeConfig(["--bogus"], {}))).toBe(true)
    expect(Result.isFailure(parseServeConfig(["positional"], {}))).toBe(true)
  })

  it("prints its usage for --help, and exits 2 with one line on bad usage", async () => {
    const help = captureIo()
    expect(await main(["serve", "--help"], help.io)).toBe(0)
    expect(help.out.join("")).toBe(SERVE_USAGE)
    const bad = captureIo()
    expect(await main(["serve", "--max-depth", "deep"], bad.io)).toBe(2)
    expect(bad.err.join("")).toBe("fpwalk: --max-depth: must be a whole number, 1 to 999999999: 'deep'; try 'fpwalk serve --help'\n")
    expect(bad.out).toEqual([])
    const bogus = captureIo()
    expect(await main(["serve", "--bogus"], bogus.io)).toBe(2)
    expect(bogus.err.join("")).toMatch(/^fpwalk: [^\n]*--bogus[^\n]*; try 'fpwalk serve --help'\n$/)
  })

  it("exits 1 when it cannot listen", async () => {
    const taken = await startServer({ ...defaultServeConfig, port: 0 })
    if (Result.isFailure(taken)) throw new Error(taken.failure)
    const { io, err } = captureIo()
    expect(await runServe(["--port", String(taken.success.port)], io, {})).toBe(1)
    expect(err.join("")).toMatch(/^fpwalk: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)
    await taken.success.shutdown()
  })
})

/** A valid x86_64 stack of `frames` frames. */
const stack = (frames: number): Record<string, unknown> => {
  const base = 0x7ffc_0000n
  const image = new StackImage("x86_64")
  image.region(base, frames * 16 + 16)
  for (let i = 0; i < frames; i++) image.frame(base + BigInt(i * 16), base + BigInt(i * 16 + 16), 0x40_0000n + BigInt(i))
  return snapshotJson(image, {
    limits: { address: 0x5555n, pc: 0x40_1000n, fp: base, sp: base + BigInt(frames * 16) },
    states: [{ limits: 0x5555n, pc: 0n, fp: 0n, sp: 0n }]
  })
}

const get = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    }).on("error", reject).end()
  })

describe("fpwalk serve: the built binary", () => {
  it("serves until SIGTERM, answers the request in flight, refuses new ones and exits 0", async () => {
    expect(existsSync(BIN), "dist/bundle/bin.js: run `npm run build` first (npm test does)").toBe(true)
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (code, signal) => resolve([code, signal]))
    )
    const waitFor = async (condition: () => boolean) => {
      for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(condition()).toBe(true)
    }
    try {
      await waitFor(() => /listening on (http:\S+)\n/.test(stdout))
      const url = /listening on (http:\S+)\n/.exec(stdout)![1]!
      expect(JSON.parse(await get(`${url}/healthz`))).toEqual({ status: "ok" })

      const json = stack(25)
      const text = JSON.stringify(json)
      const inFlight = request(`${url}/v1/walk`, {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) }
      })
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        inFlight.on("response", (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
        })
        inFlight.on("error", reject)
      })
      inFlight.write(text.slice(0, 100))
      // The request holds a walk slot: it is in flight.
      let metrics = ""
      for (let i = 0; i < 500 && !/^fpwalk_walk_slots_active 1$/m.test(metrics); i++) {
        metrics = await get(`${url}/metrics`)
      }
      expect(metrics).toMatch(/^fpwalk_walk_slots_active 1$/m)

      child.kill("SIGTERM")
      await waitFor(() => stderr.includes("fpwalk: SIGTERM: shutting down, 1 request(s) in flight\n"))
      const refused = await get(`${url}/healthz`).then(() => "answered", (error: NodeJS.ErrnoException) => error.code)
      expect(refused).toBe("ECONNREFUSED")
      inFlight.end(text.slice(100))
      const { status, body } = await answer
      expect(status).toBe(200)
      const decoded = Snapshot.decodeSync(json)
      expect(decoded.ok).toBe(true)
      if (decoded.ok) expect(JSON.parse(body)).toEqual(Snapshot.resultToJson(walkSync(decoded.snapshot)))
      expect(await exited).toEqual([0, null])
      expect(stderr).toMatch(/fpwalk: stopped\n$/)
    } finally {
      child.kill("SIGKILL")
    }
  })
})
