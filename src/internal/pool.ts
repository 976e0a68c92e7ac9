// The walker service's worker threads: a piscina pool of `size` threads
// running src/internal/walkWorker.ts. The main thread keeps HTTP, routing,
// health and metrics; every decode and walk runs here.
//
// - A task that is still running when its time is up is aborted: piscina
//   terminates its worker and starts a new one (restart reason "timeout").
//   One still queued is only taken out of the queue.
// - A worker that dies under a task (exits, or throws outside a task) fails
//   that task alone; piscina starts a new one (restart reason "crash").
// - Bodies go to a worker transferred when they own their whole buffer,
//   otherwise copied once (a pooled Buffer's slab, or a batch line, must not
//   be detached); answers come back transferred (see walkWorker.ts).
import * as Result from "effect/Result"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Piscina } from "piscina"
import type { WorkerSetup } from "./walkWorker.js"
import type { Outcome, PoolAnswer, PoolStats, Task, TaskLimits, WalkPool } from "./walkTask.js"

/** What a pool is made with. */
export interface PoolOptions {
  readonly size: number
  readonly limits: TaskLimits
  /** How much the workers lower their scheduling priority (see walkWorker.ts). */
  readonly nice?: number | undefined
  /** Test-only fault injection in the workers (see walkWorker.ts). */
  readonly faults?: boolean | undefined
}

// Compiled, this module is dist/internal/pool.js beside dist/internal/walkWorker.js;
// bundled (dist/bundle/*.js), the worker is dist/bundle/walkWorker.js if the
// build made it an entry, else the unbundled dist/internal/walkWorker.js. Run
// from its TypeScript source (a test importing src/), the worker is the built one.
const workerFile = (): string => {
  const here = import.meta.url
  if (here.endsWith(".ts")) return fileURLToPath(new URL("../../dist/internal/walkWorker.js", here))
  const beside = fileURLToPath(new URL("./walkWorker.js", here))
  return existsSync(beside) ? beside : fileURLToPath(new URL("../internal/walkWorker.js", here))
}

const ownsBuffer = (bytes: Uint8Array): boolean =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer

// The smallest body the decoder refuses at once: a warm-up that loads the
// walker's modules in each worker before `/readyz` says ready. A fresh one
// each time: a task's buffer is transferred (detached here) when it is sent.
const warmUp = (): Task => ({ kind: "json", bytes: new TextEncoder().encode("{}") })

/** Starts `options.size` worker threads, or says why it cannot. */
export const makePool = (options: PoolOptions): Result.Result<WalkPool, string> => {
  const filename = workerFile()
  if (!existsSync(filename)) return Result.fail(`the worker ${filename} is missing (npm run build makes it)`)
  const made = Result.try(() => start(filename, options))
  return Result.isSuccess(made)
    ? Result.succeed(made.success)
    : Result.fail(`cannot start the worker threads: ${String(made.failure)}`)
}

const start = (filename: string, options: PoolOptions): WalkPool => {
  const setup: WorkerSetup = { limits: options.limits, faults: options.faults === true, nice: options.nice ?? 0 }
  const piscina = new Piscina({
    filename,
    minThreads: options.size,
    maxThreads: options.size,
    idleTimeout: Infinity,
    maxQueue: Infinity,
    concurrentTasksPerWorker: 1,
    recordTiming: false,
    workerData: setup
  })
  let inFlight = 0
  let warm = 0
  let closing = false
  let aborting = false
  let destroyedInAbort = 0
  const restarts = { crash: 0, timeout: 0 }
  piscina.on("workerDestroy", () => {
    if (closing) return
    if (aborting) destroyedInAbort++
    else restarts.crash++
  })
  // An error outside any task (a worker that fails while idle): counted by
  // workerDestroy above; without a listener it would be thrown.
  piscina.on("error", () => {})

  const run = (task: Task, timeout: number): Promise<PoolAnswer> => {
    inFlight++
    const controller = new AbortController()
    let timedOut: PoolAnswer | undefined
    const timer = setTimeout(() => {
      aborting = true
      const before = destroyedInAbort
      controller.abort()
      aborting = false
      const running = destroyedInAbort > before
      if (running) restarts.timeout++
      timedOut = { _tag: "TimedOut", running }
    }, timeout)
    const transfer = ownsBuffer(task.bytes) ? task.bytes : new Uint8Array(task.bytes)
    const message: Task = { kind: task.kind, bytes: transfer }
    return piscina.run(message, { signal: controller.signal, transferList: [transfer.buffer as ArrayBuffer] }).then(
      (outcome: Outcome): PoolAnswer => ({ _tag: "Done", outcome }),
      (): PoolAnswer => timedOut ?? { _tag: "Crashed" }
    ).finally(() => {
      clearTimeout(timer)
      inFlight--
    })
  }

  for (let i = 0; i < options.size; i++) {
    void run(warmUp(), 60_000).then((answer) => {
      if (answer._tag === "Done") warm++
    })
  }

  const stats = (): PoolStats => ({
    workers: piscina.threads.length,
    size: options.size,
    queued: piscina.queueSize,
    inFlight,
    restarts: { ...restarts },
    ready: warm > 0
  })

  // Called once the server has closed every connection, so every task a
  // request waited for has settled: the workers can go at once.
  // First one warm-up task per thread: a replacement worker still loading
  // its modules must not be terminated then (Node 20 aborts the whole
  // process, "IsGraphAsync must be used on an instantiated module").
  const close = async (): Promise<void> => {
    closing = true
    await Promise.all(Array.from({ length: piscina.threads.length }, () => run(warmUp(), 5_000)))
    await piscina.destroy()
  }

  return { run, stats, close }
}
