/**
 * `npm run load`: the walker service under load, on loopback only.
 *
 * Starts the built CLI (`node dist/cli/bin.js serve --port 0`) as its own
 * process, then runs two phases of LOAD_SECONDS (default 20) with
 * LOAD_CONNECTIONS (default 64) keep-alive connections, each sending its
 * next request as soon as the last one is answered, after
 * LOAD_WARMUP_SECONDS (default 3) of unmeasured warm-up:
 *
 * 1. valid snapshots of 100 frames (two activations, the four
 *    architectures in turn, from bench/stacks.ts);
 * 2. the same with 20% bad input: truncated JSON, invalid base64, a 2^70
 *    number, nesting 1,000 deep, and a wrong content type.
 *
 * Every answer is checked against what the library itself says for that
 * body (the result JSON, or the input error the service must report). It
 * prints requests/s, p50/p99 latency, counts by status, wrong answers and
 * the server's peak resident memory, then stops the server with SIGTERM.
 * Exits 1 on any 5xx, wrong answer, connection error, or an unclean
 * server exit. LOAD_NODE_FLAGS passes flags to the server's node (for
 * example `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import * as Result from "effect/Result"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { cpus, loadavg } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Http from "../src/Http.js"
import * as Snapshot from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { ARCHES, stackJson } from "./stacks.js"

// bench/build/bench/load.js → the repository
const rootDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const SECONDS = Number(process.env["LOAD_SECONDS"] ?? 20)
const WARMUP_SECONDS = Number(process.env["LOAD_WARMUP_SECONDS"] ?? 3)
const CONNECTIONS = Number(process.env["LOAD_CONNECTIONS"] ?? 64)
const FRAMES = 100
const BAD_SHARE = 0.2

interface Case {
  readonly name: string
  readonly contentType: string
  readonly body: Buffer
  readonly status: number
  readonly answer: string
}

const inputErrorAnswer = (error: Snapshot.InputError): string => JSON.stringify(Http.errorJson(error)) + "\n"

const validCase = (text: string, index: number): Case => {
  const decoded = Snapshot.decodeJson(text)
  if (Result.isFailure(decoded)) throw new Error(`bench stack ${index} is not valid: ${decoded.failure.message}`)
  const result = walkSync(decoded.success)
  if (!result.ok || result.frames.length !== FRAMES) throw new Error(`bench stack ${index} does not walk ${FRAMES} frames`)
  return {
    name: "valid",
    contentType: "application/json",
    body: Buffer.from(text),
    status: 200,
    answer: JSON.stringify(Snapshot.resultToJson(result)) + "\n"
  }
}

// A bad body whose answer comes from the library's own decoder.
const badCase = (name: string, text: string): Case => {
  const decoded = Snapshot.decodeJson(text)
  if (Result.isSuccess(decoded)) throw new Error(`bad case ${name} decodes`)
  return { name, contentType: "application/json", body: Buffer.from(text), status: 400, answer: inputErrorAnswer(decoded.failure) }
}

const valid = Array.from({ length: 64 }, (_, i) => validCase(stackJson(ARCHES[i % ARCHES.length]!, FRAMES, i * 128), i))
const sample = stackJson("x86_64", FRAMES, 7)
const deep = `{"format":"fpwalk.snapshot.v1","x":${"[".repeat(1000)}${"]".repeat(1000)}}`
const bad: ReadonlyArray<Case> = [
  badCase("truncated", sample.slice(0, Math.floor(sample.length * 0.6))),
  badCase("base64", sample.replace(/"base64":"(....)/, "\"base64\":\"*$1")),
  badCase("2^70", sample.replace("{", "{\"options\":{\"maxFrames\":1180591620717411303424},")),
  {
    name: "deep",
    contentType: "application/json",
    body: Buffer.from(deep),
    status: 400,
    answer: inputErrorAnswer(new Snapshot.InputError({ path: "", reason: "JSON nested deeper than 64 levels" }))
  },
  {
    name: "media",
    contentType: "text/plain",
    body: Buffer.from(sample),
    status: 415,
    answer: JSON.stringify(
      Http.errorJson(new Http.UnsupportedMediaType({ contentType: "text/plain", accepted: ["application/json"] }))
    ) + "\n"
  }
]

// ---------------------------------------------------------------------------

interface Tally {
  requests: number
  latencies: Array<number>
  byCase: Map<string, Array<number>>
  statuses: Map<number, number>
  wrong: number
  connectionErrors: number
  firstWrong: string | undefined
}

const newTally = (): Tally => ({
  requests: 0,
  latencies: [],
  byCase: new Map(),
  statuses: new Map(),
  wrong: 0,
  connectionErrors: 0,
  firstWrong: undefined
})

const post = (agent: Agent, port: number, testCase: Case): Promise<{ status: number; body: string }> =>
  new Promise((resolve) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/v1/walk",
      method: "POST",
      agent,
      headers: { "content-type": testCase.contentType, "content-length": testCase.body.length }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", (error) => resolve({ status: 0, body: error.message }))
    })
    req.on("error", (error) => resolve({ status: 0, body: error.message }))
    req.end(testCase.body)
  })

const runPhase = async (port: number, badShare: number, seconds: number): Promise<Tally & { seconds: number }> => {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const tally = newTally()
  const started = performance.now()
  const deadline = started + seconds * 1000
  let seed = 0x9e3779b9
  const next = (): Case => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    const pick = seed / 2 ** 32
    return pick < badShare
      ? bad[Math.floor((pick / badShare) * bad.length)]!
      : valid[(seed >>> 7) % valid.length]!
  }
  const connection = async () => {
    while (performance.now() < deadline) {
      const testCase = next()
      const sent = performance.now()
      const { status, body } = await post(agent, port, testCase)
      const latency = performance.now() - sent
      tally.latencies.push(latency)
      const ofCase = tally.byCase.get(testCase.name) ?? []
      ofCase.push(latency)
      tally.byCase.set(testCase.name, ofCase)
      tally.requests++
      if (status === 0) tally.connectionErrors++
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1)
      if (status !== testCase.status || body !== testCase.answer) {
        tally.wrong++
        tally.firstWrong ??= `${testCase.name}: expected ${testCase.status} ${testCase.answer.slice(0, 120)}, got ${status} ${body.slice(0, 120)}`
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, connection))
  agent.destroy()
  return { ...tally, seconds: (performance.now() - started) / 1000 }
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** Peak and current resident memory of a process, from /proc (Linux). */
const memoryOf = (pid: number): { peak: number; now: number } => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024
  return { peak: kib("VmHWM"), now: kib("VmRSS") }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux, 100 ticks a second). */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`

const main = async (): Promise<number> => {
  const nodeFlags = (process.env["LOAD_NODE_FLAGS"] ?? "").split(" ").filter((flag) => flag !== "")
  const server = spawn(process.execPath, [...nodeFlags, join(rootDir, "dist/cli/bin.js"), "serve", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  server.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  server.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)))
  const kill = setTimeout(() => server.kill("SIGKILL"), (SECONDS * 2 + 120) * 1000)
  for (let i = 0; i < 200 && !/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(stdout); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? NaN)
  if (!Number.isInteger(port)) {
    console.error(`the server did not start: ${stderr}`)
    server.kill("SIGKILL")
    return 1
  }
  const pid = server.pid!
  // A cold server answers its first requests slowly (JIT): they are not measured.
  const warmup = await runPhase(port, BAD_SHARE, WARMUP_SECONDS)
  const phases: Array<{ name: string; tally: Tally & { seconds: number }; peakRss: number; cpu: number }> = []
  for (const [name, share] of [["valid", 0], ["20% bad", BAD_SHARE]] as const) {
    let peakRss = memoryOf(pid).now
    const cpuBefore = cpuOf(pid)
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(pid).now)), 100)
    const tally = await runPhase(port, share, SECONDS)
    clearInterval(sampler)
    phases.push({ name, tally, peakRss: Math.max(peakRss, memoryOf(pid).now), cpu: cpuOf(pid) - cpuBefore })
  }
  const lifetimePeak = memoryOf(pid).peak
  server.kill("SIGTERM")
  const code = await exited
  clearTimeout(kill)

  console.log(
    `fpwalk serve under load: ${CONNECTIONS} connections, ${SECONDS} s a phase after ${WARMUP_SECONDS} s of warm-up ` +
      `(${warmup.requests} requests, ${warmup.wrong} wrong), ${FRAMES}-frame snapshots, node ${process.version}, ` +
      `load average ${loadavg().map((n) => n.toFixed(1)).join(" ")} on ${cpus().length} cores`
  )
  console.log("")
  console.log(
    "| phase | requests | req/s | p50 ms | p99 ms | 2xx | 4xx | 5xx | conn. errors | wrong answers | server peak RSS | server CPU ms/req |"
  )
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
  let failed = code !== 0 || warmup.wrong > 0 || warmup.connectionErrors > 0 ||
    [...warmup.statuses.keys()].some((status) => status >= 500)
  for (const { name, tally, peakRss, cpu } of phases) {
    const sorted = Float64Array.from(tally.latencies).sort()
    const byClass = (c: number) =>
      [...tally.statuses].filter(([status]) => Math.floor(status / 100) === c).reduce((sum, [, n]) => sum + n, 0)
    console.log(
      `| ${name} | ${tally.requests} | ${(tally.requests / tally.seconds).toFixed(0)} | ` +
        `${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} | ${byClass(2)} | ${byClass(4)} | ` +
        `${byClass(5)} | ${tally.connectionErrors} | ${tally.wrong} | ${mib(peakRss)} | ` +
        `${((cpu * 1000) / tally.requests).toFixed(2)} |`
    )
    if (byClass(5) > 0 || tally.wrong > 0 || tally.connectionErrors > 0) failed = true
    if (tally.firstWrong !== undefined) console.log(`first wrong answer (${name}): ${tally.firstWrong}`)
  }
  console.log("")
  const statuses = phases.map(({ name, tally }) =>
    `${name}: ${[...tally.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(", ")}`
  )
  console.log(`statuses: ${statuses.join("; ")}`)
  for (const { name, tally } of phases) {
    const cases = [...tally.byCase].map(([kind, latencies]) => {
      const sorted = Float64Array.from(latencies).sort()
      return `${kind} ${percentile(sorted, 50).toFixed(1)}/${percentile(sorted, 99).toFixed(1)}`
    })
    console.log(`p50/p99 ms by body (${name}): ${cases.join(", ")}`)
  }
  console.log(`server: lifetime peak RSS ${mib(lifetimePeak)}, exit code ${code} after SIGTERM`)
  return failed ? 1 : 0
}

main().then((status) => {
  process.exitCode = status
})
