/**
 * `npm run load`: the walker service under load with autocannon, on
 * loopback only (127.0.0.1), bounded in time (LOAD_SECONDS a phase,
 * default 10).
 *
 * Starts the shipped bundle (`node dist/bundle/bin.js serve --port 0`) as
 * its own process, three times:
 *
 * A. `--workers 2` (or LOAD_WORKERS): after LOAD_WARMUP_SECONDS (default 3)
 *    of unmeasured warm-up, four phases:
 *    1. `small`: valid 100-frame snapshots (two activations, the four
 *       architectures in turn, from bench/stacks.ts), 64 connections;
 *    2. `100k`: valid 100,000-frame snapshots (4.3 MB bodies, 6 MB
 *       answers), 8 connections;
 *    3. `20% bad`: the small ones with 20% malformed bodies (truncated JSON,
 *       invalid base64, a 2^70 number, nesting 1,000 deep, a wrong content
 *       type), 64 connections;
 *    4. `slow clients`: `small` at 64 connections while 8 more clients send
 *       their bodies 256 bytes every 50 ms, and check their answers too.
 * B. `--workers 1`: `small` and `100k` again, for the 1 vs 2 worker ratio.
 * C. `--max-frames 1000000 --body-limit 64MiB`: 2 × workers connections
 *    post 1,000,000-frame snapshots (every worker walks all the time) while
 *    one connection asks for `/healthz` 20 times a second; its latency is
 *    the liveness probe's under the heaviest load.
 *
 * Every answer is checked against what the library itself says for that
 * body (the result JSON with the server's frame cap applied, or the input
 * error the service must report), in autocannon's `onResponse` hook. For
 * each phase it reports req/s, p50/p99/max latency, status counts, wrong
 * answers, connection errors and the server's peak RSS (sampled from /proc
 * every 100 ms); it prints a Markdown table and writes everything, with the
 * load average, to bench/results/load-latest.json. Exits 1 on any 5xx,
 * wrong answer, connection error, or an unclean server exit.
 * LOAD_NODE_FLAGS passes flags to the server's node (for example
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { createRequire } from "node:module"
import { availableParallelism, cpus, getPriority, loadavg, setPriority } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Result from "effect/Result"
import * as Http from "../src/Http.js"
import * as Snapshot from "../src/Snapshot.js"
import { nativeSupported } from "../src/internal/walkTask.js"
import { walkSync } from "../src/Walker.js"
import { ARCHES, stackJson } from "./stacks.js"

// bench/build/bench/load.js → the repository
const rootDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const SECONDS = Number(process.env["LOAD_SECONDS"] ?? 10)
const WARMUP_SECONDS = Number(process.env["LOAD_WARMUP_SECONDS"] ?? 3)
const WORKERS = Number(process.env["LOAD_WORKERS"] ?? 2)
const CONNECTIONS = 64
const SMALL_FRAMES = 100
const BIG_FRAMES = 100_000
const HUGE_FRAMES = 1_000_000
const BAD_SHARE = 0.2
const SERVER_MAX_FRAMES = 100_000n

// ---------------------------------------------------------------------------
// autocannon, typed as far as this file uses it
// ---------------------------------------------------------------------------

interface Histogram {
  readonly average: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}
interface CannonResult {
  readonly requests: Histogram & { readonly total: number }
  readonly latency: Histogram
  readonly duration: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>
}
interface CannonRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: Buffer | string
}
interface CannonOptions {
  readonly url: string
  readonly connections: number
  readonly duration: number
  readonly timeout?: number
  readonly overallRate?: number
  readonly requests: ReadonlyArray<{
    readonly method?: string
    readonly path?: string
    readonly setupRequest?: (request: CannonRequest, context: Record<string, unknown>) => CannonRequest
    readonly onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }>
}
type Autocannon = (
  options: CannonOptions,
  done: (error: Error | null, result: CannonResult) => void
) => { readonly stop: () => void }
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon

/** Runs autocannon; `stop` ends it early (its result then covers the time run). */
const start = (options: CannonOptions): { readonly done: Promise<CannonResult>; readonly stop: () => void } => {
  let stop: () => void = () => {}
  const done = new Promise<CannonResult>((resolve, reject) => {
    stop = autocannon(options, (error, result) => (error === null ? resolve(result) : reject(error))).stop
  })
  return { done, stop }
}

const cannon = (options: CannonOptions): Promise<CannonResult> => start(options).done

const metricOf = async (server: Server, name: string): Promise<number> =>
  Number(new RegExp(`^${name} (\\d+)$`, "m").exec((await get(`${server.url}/metrics`)).text)?.[1] ?? NaN)

// Requests still being answered after a phase (autocannon stops sending, the
// server still walks what it has) would slow the next one: wait for them.
const drain = async (server: Server): Promise<void> => {
  for (let i = 0; i < 1200; i++) {
    if ((await metricOf(server, "fpwalk_pool_tasks_in_flight")) === 0 && (await metricOf(server, "fpwalk_walk_slots_active")) === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// ---------------------------------------------------------------------------
// Bodies and their expected answers
// ---------------------------------------------------------------------------

interface Case {
  readonly name: string
  readonly contentType: string
  readonly body: Buffer
  readonly status: number
  readonly answer: string
}

const inputErrorAnswer = (error: Snapshot.InputError): string => JSON.stringify(Http.errorJson(error)) + "\n"

// The server caps every snapshot's maxFrames at its --max-frames.
const validCase = (name: string, text: string, frames: number, cap: bigint): Case => {
  const decoded = Snapshot.decodeJsonSync(text)
  if (!decoded.ok) throw new Error(`bench stack ${name} is not valid: ${decoded.error.message}`)
  const { snapshot } = decoded
  const capped = snapshot.options.maxFrames <= cap ? snapshot : { ...snapshot, options: { ...snapshot.options, maxFrames: cap } }
  const result = walkSync(capped)
  if (!result.ok || result.frames.length !== frames) throw new Error(`bench stack ${name} does not walk ${frames} frames`)
  return {
    name,
    contentType: "application/json",
    body: Buffer.from(text),
    status: 200,
    answer: JSON.stringify(Snapshot.resultToJson(result)) + "\n"
  }
}

// A bad body whose answer comes from the library's own decoder.
const badCase = (name: string, text: string): Case => {
  const decoded = Snapshot.decodeJsonSync(text)
  if (decoded.ok) throw new Error(`bad case ${name} decodes`)
  return { name, contentType: "application/json", body: Buffer.from(text), status: 400, answer: inputErrorAnswer(decoded.error) }
}

const small = Array.from(
  { length: 64 },
  (_, i) => validCase("small", stackJson(ARCHES[i % ARCHES.length]!, SMALL_FRAMES, i * 128), SMALL_FRAMES, SERVER_MAX_FRAMES)
)
const sample = stackJson("x86_64", SMALL_FRAMES, 7)
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
      Http.errorJson(
        new Http.UnsupportedMediaType({
          contentType: "text/plain",
          accepted: nativeSupported ? ["application/json", "application/octet-stream"] : ["application/json"]
        })
      )
    ) + "\n"
  }
]

// ---------------------------------------------------------------------------
// A phase: autocannon with every answer checked
// ---------------------------------------------------------------------------

interface Phase {
  readonly name: string
  readonly workers: number
  readonly connections: number
  readonly seconds: number
  readonly requests: number
  readonly reqPerSecond: number
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly statuses: Readonly<Record<string, number>>
  readonly wrong: number
  readonly connectionErrors: number
  readonly peakRssBytes: number
  /** Server CPU (all threads) per answered request, in ms. */
  readonly serverCpuMsPerRequest: number
  /** The server's main thread's share of that. */
  readonly mainThreadCpuMsPerRequest: number
  readonly firstWrong?: string | undefined
  readonly note?: string | undefined
}

interface Server {
  readonly url: string
  readonly pid: number
  readonly stop: () => Promise<number | null>
}

const startServer = async (args: ReadonlyArray<string>): Promise<Server> => {
  const nodeFlags = (process.env["LOAD_NODE_FLAGS"] ?? "").split(" ").filter((flag) => flag !== "")
  const child = spawn(process.execPath, [...nodeFlags, join(rootDir, "dist/bundle/bin.js"), "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const kill = setTimeout(() => child.kill("SIGKILL"), 600_000)
  for (let i = 0; i < 400 && !/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(stdout); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? NaN)
  if (!Number.isInteger(port)) {
    child.kill("SIGKILL")
    throw new Error(`the server did not start: ${stderr}`)
  }
  const url = `http://127.0.0.1:${port}`
  // Ready once a worker has loaded the walker.
  for (let i = 0; i < 400 && (await get(`${url}/readyz`)).status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill("SIGTERM")
      const code = await exited
      clearTimeout(kill)
      return code
    }
  }
}

const get = (url: string): Promise<{ status: number; text: string }> =>
  new Promise((resolve) => {
    request(url, { agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
    }).on("error", () => resolve({ status: 0, text: "" })).end()
  })

/** Current resident memory of a process, from /proc (Linux). */
const rssOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024
}

/** CPU seconds (user + system, every thread) a process has used, from /proc (Linux, 100 ticks a second). */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const peakRss = (pid: number) => {
  let peak = rssOf(pid)
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100)
  return () => {
    clearInterval(timer)
    return Math.max(peak, rssOf(pid))
  }
}

interface Check {
  wrong: number
  firstWrong: string | undefined
}

// A request that picks its next case (the context keeps it for onResponse) and checks the answer.
const checkedRequests = (pick: () => Case, check: Check, path = "/v1/walk") => [{
  method: "POST",
  path,
  setupRequest: (req: CannonRequest, context: Record<string, unknown>): CannonRequest => {
    const testCase = pick()
    context["case"] = testCase
    return { ...req, method: "POST", path, headers: { "content-type": testCase.contentType }, body: testCase.body }
  },
  onResponse: (status: number, body: string, context: Record<string, unknown>) => {
    const testCase = context["case"] as Case | undefined
    if (testCase === undefined) return
    if (status !== testCase.status || body !== testCase.answer) {
      check.wrong++
      check.firstWrong ??= `${testCase.name}: expected ${testCase.status} ${testCase.answer.slice(0, 100)}, got ${status} ${body.slice(0, 100)}`
    }
  }
}]

const picker = (badShare: number, valid: ReadonlyArray<Case>) => {
  let seed = 0x9e3779b9
  return (): Case => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    const pick = seed / 2 ** 32
    return pick < badShare ? bad[Math.floor((pick / badShare) * bad.length)]! : valid[(seed >>> 7) % valid.length]!
  }
}

const statusCounts = (result: CannonResult): Record<string, number> =>
  Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, Number(count)]))

const runPhase = async (
  server: Server,
  spec: { name: string; workers: number; connections: number; seconds: number; badShare: number; valid: ReadonlyArray<Case> },
  during?: () => Promise<{ wrong: number; requests: number; note: string }>
): Promise<Phase> => {
  const check: Check = { wrong: 0, firstWrong: undefined }
  const stopRss = peakRss(server.pid)
  const cpuBefore = cpuOf(server.pid)
  const mainBefore = threadCpuOf(server.pid, server.pid)
  const [result, extra] = await Promise.all([
    cannon({
      url: server.url,
      connections: spec.connections,
      duration: spec.seconds,
      timeout: 60,
      requests: checkedRequests(picker(spec.badShare, spec.valid), check)
    }),
    during?.()
  ])
  const peakRssBytes = stopRss()
  await drain(server)
  const cpu = cpuOf(server.pid) - cpuBefore
  const mainCpu = threadCpuOf(server.pid, server.pid) - mainBefore
  const answered = Math.max(1, result.requests.total + (extra?.requests ?? 0))
  return {
    name: spec.name,
    workers: spec.workers,
    connections: spec.connections,
    seconds: result.duration,
    requests: result.requests.total,
    reqPerSecond: result.requests.total / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    statuses: statusCounts(result),
    wrong: check.wrong + (extra?.wrong ?? 0),
    connectionErrors: result.errors,
    peakRssBytes,
    serverCpuMsPerRequest: (cpu * 1000) / answered,
    mainThreadCpuMsPerRequest: (mainCpu * 1000) / answered,
    firstWrong: check.firstWrong,
    note: extra?.note
  }
}

// ---------------------------------------------------------------------------
// Slow clients: bodies trickled in, answers checked
// ---------------------------------------------------------------------------

const slowClients = (server: Server, count: number, seconds: number) => async () => {
  const deadline = performance.now() + seconds * 1000
  let wrong = 0
  let requests = 0
  const latencies: Array<number> = []
  const one = async (index: number) => {
    while (performance.now() < deadline) {
      const testCase = small[index % small.length]!
      const sent = performance.now()
      const answer = await new Promise<{ status: number; text: string }>((resolve) => {
        const req = request(`${server.url}/v1/walk`, {
          method: "POST",
          agent: false,
          headers: { "content-type": testCase.contentType, "content-length": testCase.body.length }
        }, (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
        })
        req.on("error", () => resolve({ status: 0, text: "" }))
        let offset = 0
        const pump = () => {
          req.write(testCase.body.subarray(offset, offset + 256))
          offset += 256
          if (offset < testCase.body.length) setTimeout(pump, 50)
          else req.end()
        }
        pump()
      })
      latencies.push(performance.now() - sent)
      requests++
      if (answer.status !== testCase.status || answer.text !== testCase.answer) wrong++
      index += count
    }
  }
  await Promise.all(Array.from({ length: count }, (_, i) => one(i)))
  const sorted = latencies.sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN
  return { wrong, requests, note: `${count} slow clients: ${requests} requests, ${wrong} wrong, median ${median.toFixed(0)} ms each` }
}

// ---------------------------------------------------------------------------
// /healthz while every worker walks 1,000,000 frames
// ---------------------------------------------------------------------------

/** CPU seconds one thread of a process has used, from /proc (Linux). */
const threadCpuOf = (pid: number, tid: number): number => {
  const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

// autocannon on /healthz, 1 connection, 20 requests a second, in a child
// process started now (at this process's priority) that probes once `go`
// is called.
const probeHealth = (url: string, seconds: number): { readonly go: () => Promise<CannonResult> } => {
  const script = `
    const autocannon = require(${JSON.stringify(createRequire(import.meta.url).resolve("autocannon"))})
    process.stdin.once("data", () => {
      process.stdin.destroy()
      autocannon({ url: ${JSON.stringify(url + "/healthz")}, connections: 1, duration: ${seconds}, overallRate: 20 }, (error, result) => {
        if (error) { console.error(error); process.exit(1) }
        process.stdout.write(JSON.stringify(result))
      })
    })`
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] })
  let out = ""
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
  const done = new Promise<CannonResult>((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as CannonResult) : reject(new Error(`the probe exited ${code}`))))
  )
  return {
    go: () => {
      child.stdin.end("go\n")
      return done
    }
  }
}

const healthUnderHugeWalks = async (seconds: number) => {
  const workers = availableParallelism()
  const server = await startServer(["--max-frames", String(HUGE_FRAMES), "--body-limit", "64MiB", "--request-timeout", "120000"])
  const huge = [validCase("1M", stackJson("x86_64", HUGE_FRAMES, 3), HUGE_FRAMES, BigInt(HUGE_FRAMES))]
  const check: Check = { wrong: 0, firstWrong: undefined }
  const stopRss = peakRss(server.pid)
  const prober = probeHealth(server.url, seconds)
  // The clients that keep the workers busy stand for callers on other
  // machines: from here on this process runs at nice 10, below the server's
  // HTTP thread and the probe started just before (and, like the workers,
  // it never gets back up: an unprivileged process cannot raise its
  // priority again). Phase C is the last.
  Result.try(() => setPriority(0, Math.min(19, getPriority(0) + 10)))
  // The walks first; the probe starts once every worker has a walk in hand,
  // and the walks stop when it ends.
  const walks = start({
    url: server.url,
    connections: workers * 2,
    duration: seconds + 600,
    timeout: 120,
    requests: checkedRequests(() => huge[0]!, check)
  })
  let busy = 0
  for (let i = 0; i < 2400 && !(busy >= workers); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    busy = await metricOf(server, "fpwalk_pool_tasks_in_flight")
  }
  let busyAfter = Infinity
  const sampler = setInterval(() => void metricOf(server, "fpwalk_pool_tasks_in_flight").then((n) => (busyAfter = Math.min(busyAfter, n))), 500)
  // The probe runs in a process of its own: this one is busy building 43 MB
  // requests and checking 60 MB answers, and its event loop's delays would
  // show as /healthz latency.
  const mainCpuBefore = threadCpuOf(server.pid, server.pid)
  const probeStarted = performance.now()
  const probe = await prober.go()
  const mainThreadShare = (threadCpuOf(server.pid, server.pid) - mainCpuBefore) / ((performance.now() - probeStarted) / 1000)
  clearInterval(sampler)
  walks.stop()
  const walked = await walks.done
  const peakRssBytes = stopRss()
  const code = await server.stop()
  return {
    workers,
    walkers: workers * 2,
    busyBeforeProbe: busy,
    mainThreadCpuShareDuringProbe: mainThreadShare,
    fewestBusyDuringProbe: busyAfter,
    walks: { requests: walked.requests.total, statuses: statusCounts(walked), wrong: check.wrong, p50Ms: walked.latency.p50, maxMs: walked.latency.max },
    healthz: {
      requests: probe.requests.total,
      statuses: statusCounts(probe),
      latencyMs: { p50: probe.latency.p50, p99: probe.latency.p99, max: probe.latency.max },
      errors: probe.errors
    },
    peakRssBytes,
    exitCode: code
  }
}

// ---------------------------------------------------------------------------

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`

/**
 * How many cores the machine gives this run right now: two child processes
 * spin for two seconds, and their CPU time over the wall time is the answer
 * (2.0 on an idle 2-core machine). The load average says how busy the
 * machine is; this says what that leaves for the server and the client.
 */
const freeCores = async (): Promise<number> => {
  const spin = "const end = Date.now() + 2000; while (Date.now() < end);"
  const started = performance.now()
  const children = Array.from({ length: 2 }, () => spawn(process.execPath, ["-e", spin], { stdio: "ignore" }))
  const used = await Promise.all(children.map((child) =>
    new Promise<number>((resolve) => {
      let cpu = 0
      const sample = setInterval(() => {
        const read = cpuOfMaybe(child.pid!)
        if (read !== undefined) cpu = read
      }, 50)
      child.on("exit", () => {
        clearInterval(sample)
        resolve(cpu)
      })
    })
  ))
  return used.reduce((sum, cpu) => sum + cpu, 0) / ((performance.now() - started) / 1000)
}

const cpuOfMaybe = (pid: number): number | undefined => {
  const read = (() => {
    try {
      return cpuOf(pid)
    } catch {
      return undefined
    }
  })()
  return read
}

const main = async (): Promise<number> => {
  const big = [validCase("100k", stackJson("x86_64", BIG_FRAMES, 1), BIG_FRAMES, SERVER_MAX_FRAMES)]
  const loadBefore = loadavg()
  const coresBefore = await freeCores()
  const phases: Array<Phase> = []
  const exits: Array<number | null> = []

  const two = await startServer(["--workers", String(WORKERS)])
  // A cold server answers its first requests slowly (JIT): they are not measured.
  const warmup = await runPhase(two, { name: "warm-up", workers: WORKERS, connections: CONNECTIONS, seconds: WARMUP_SECONDS, badShare: BAD_SHARE, valid: small })
  const common = { workers: WORKERS, seconds: SECONDS }
  phases.push(await runPhase(two, { ...common, name: "small", connections: CONNECTIONS, badShare: 0, valid: small }))
  phases.push(await runPhase(two, { ...common, name: "100k", connections: 8, badShare: 0, valid: big }))
  phases.push(await runPhase(two, { ...common, name: "20% bad", connections: CONNECTIONS, badShare: BAD_SHARE, valid: small }))
  phases.push(
    await runPhase(two, { ...common, name: "slow clients", connections: CONNECTIONS, badShare: 0, valid: small }, slowClients(two, 8, SECONDS))
  )
  exits.push(await two.stop())

  const one = await startServer(["--workers", "1"])
  await runPhase(one, { name: "warm-up", workers: 1, connections: CONNECTIONS, seconds: WARMUP_SECONDS, badShare: 0, valid: small })
  phases.push(await runPhase(one, { ...common, workers: 1, name: "small", connections: CONNECTIONS, badShare: 0, valid: small }))
  phases.push(await runPhase(one, { ...common, workers: 1, name: "100k", connections: 8, badShare: 0, valid: big }))
  exits.push(await one.stop())

  const health = await healthUnderHugeWalks(SECONDS)
  exits.push(health.exitCode)
  const loadAfter = loadavg()
  const coresAfter = await freeCores()

  const ratio = (name: string) => {
    const of = (workers: number) => phases.find((phase) => phase.name === name && phase.workers === workers)?.reqPerSecond ?? NaN
    return of(WORKERS) / of(1)
  }
  console.log(
    `fpwalk serve under autocannon: ${SECONDS} s a phase after ${WARMUP_SECONDS} s of warm-up ` +
      `(${warmup.requests} requests, ${warmup.wrong} wrong), node ${process.version}, ${cpus().length} cores, ` +
      `load average before ${loadBefore.map((n) => n.toFixed(2)).join(" ")}, after ${loadAfter.map((n) => n.toFixed(2)).join(" ")}; ` +
      `two spinning processes got ${coresBefore.toFixed(2)} cores before the run, ${coresAfter.toFixed(2)} after`
  )
  console.log("")
  console.log(
    "| phase | workers | connections | requests | req/s | p50 ms | p99 ms | max ms | statuses | wrong | conn. errors | server peak RSS | server CPU ms/req (main thread) |"
  )
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
  let failed = exits.some((code) => code !== 0) || warmup.wrong > 0
  for (const phase of phases) {
    const statuses = Object.entries(phase.statuses).map(([s, n]) => `${s}×${n}`).join(", ")
    console.log(
      `| ${phase.name} | ${phase.workers} | ${phase.connections} | ${phase.requests} | ${phase.reqPerSecond.toFixed(0)} | ` +
        `${phase.latencyMs.p50} | ${phase.latencyMs.p99} | ${phase.latencyMs.max} | ${statuses} | ${phase.wrong} | ` +
        `${phase.connectionErrors} | ${mib(phase.peakRssBytes)} | ${phase.serverCpuMsPerRequest.toFixed(2)} (${phase.mainThreadCpuMsPerRequest.toFixed(2)}) |`
    )
    if (Object.keys(phase.statuses).some((status) => Number(status) >= 500) || phase.wrong > 0 || phase.connectionErrors > 0) failed = true
    if (phase.firstWrong !== undefined) console.log(`first wrong answer (${phase.name}): ${phase.firstWrong}`)
  }
  for (const phase of phases) if (phase.note !== undefined) console.log(`${phase.name}: ${phase.note}`)
  console.log("")
  console.log(`throughput, ${WORKERS} workers / 1 worker: small ${ratio("small").toFixed(2)}x, 100k ${ratio("100k").toFixed(2)}x`)
  console.log(
    `/healthz while ${health.walkers} connections keep all ${health.workers} workers walking ${HUGE_FRAMES.toLocaleString("en")} frames: ` +
      `${health.healthz.requests} probes, p50 ${health.healthz.latencyMs.p50} ms, p99 ${health.healthz.latencyMs.p99} ms, ` +
      `max ${health.healthz.latencyMs.max} ms; the server's main thread used ${(health.mainThreadCpuShareDuringProbe * 100).toFixed(0)}% of a core meanwhile ` +
      `(tasks in flight: ${health.busyBeforeProbe} at its start, never fewer than ` +
      `${health.fewestBusyDuringProbe}); the walks: ${health.walks.requests} answered, ${health.walks.wrong} wrong, ` +
      `p50 ${health.walks.p50Ms} ms; server peak RSS ${mib(health.peakRssBytes)}`
  )
  if (health.walks.wrong > 0 || health.healthz.errors > 0 || Object.keys(health.walks.statuses).some((s) => s !== "200")) failed = true
  console.log(`server exit codes after SIGTERM: ${exits.join(", ")}`)

  writeFileSync(
    join(rootDir, "bench/results/load-latest.json"),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverage: { before: loadBefore, after: loadAfter },
        freeCores: { before: coresBefore, after: coresAfter },
        seconds: SECONDS,
        warmup: { requests: warmup.requests, wrong: warmup.wrong },
        phases,
        ratio: { workers: WORKERS, small: ratio("small"), "100k": ratio("100k") },
        healthzUnderHugeWalks: health,
        exitCodes: exits,
        failed
      },
      null,
      2
    ) + "\n"
  )
  return failed ? 1 : 0
}

main().then((status) => {
  process.exitCode = status
}, (error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
