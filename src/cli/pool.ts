/**
 * `fpwalk walk --jobs N`: walks many snapshots on N threads (this one and
 * `N - 1` workers) and prints their results in input order, exactly as one
 * thread would.
 *
 * The walk itself is passed in ({@link WalkInput}), so this module does not
 * import the walk; a worker thread runs `jobs.ts`, which imports both and
 * answers batches with {@link serveBatches}.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parentPort, Worker, workerData } from "node:worker_threads"
import type { Input, Outcome, WalkCommand } from "./command.js"
import type { Content } from "./inputs.js"
import { contentOf } from "./inputs.js"
import type { Io } from "./io.js"
import { printChunks, processIo } from "./io.js"

/**
 * Walks one input: its text (or why it could not be read), its position
 * among the inputs, the command.
 *
 * @category models
 * @since 0.2.0
 */
export type WalkInput = (
  input: Input,
  content: Result.Result<Content, string>,
  index: number,
  command: WalkCommand,
  io: Io
) => Outcome

const BATCH = 64

interface Batch {
  readonly id: number
  readonly start: number
  readonly inputs: ReadonlyArray<Input>
}

/** An outcome as posted between threads: its text as an array of chunks. */
interface Posted {
  readonly stdout: ReadonlyArray<string>
  readonly stderr: string
  readonly status: number
}

interface Done {
  readonly id: number
  readonly outcomes: ReadonlyArray<Posted>
}

// The worker's entry, beside this module: dist/cli/jobs.js compiled,
// dist/bundle/jobs.js bundled (the build names it as an entry, and the
// bundle's shared chunks sit beside its entries).
const workerUrl = new URL("./jobs.js", import.meta.url)

const walkBatch = async (batch: Batch, io: Io, command: WalkCommand, walk: WalkInput): Promise<Array<Posted>> => {
  const outcomes: Array<Posted> = []
  for (const [offset, input] of batch.inputs.entries()) {
    const outcome = walk(input, await contentOf(input, io), batch.start + offset, command, io)
    outcomes.push({ stdout: Array.from(outcome.stdout), stderr: outcome.stderr, status: outcome.status })
  }
  return outcomes
}

/**
 * Walks `inputs` on `command.jobs` threads (this one and `jobs - 1`
 * workers, which pay for loading the walker while this thread already
 * walks) and prints each result, in input order, as soon as it and all
 * before it are done. Resolves with the highest exit status; rejects only if
 * a worker dies (a defect). Without a built worker (run from the
 * TypeScript sources) every input is walked on this thread.
 *
 * @category commands
 * @since 0.1.0
 */
export const runJobs = async (
  inputs: ReadonlyArray<Input>,
  command: WalkCommand,
  io: Io,
  walk: WalkInput
): Promise<number> => {
  const batches: Array<Batch> = []
  for (let start = 0; start < inputs.length; start += BATCH) {
    batches.push({ id: batches.length, start, inputs: inputs.slice(start, start + BATCH) })
  }
  const done: Array<ReadonlyArray<Posted> | undefined> = []
  let printed = 0
  let sent = 0
  let status = 0
  let allPrinted: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    allPrinted = resolve
  })
  const flush = () => {
    for (let outcomes = done[printed]; outcomes !== undefined; outcomes = done[printed]) {
      for (const outcome of outcomes) {
        if (outcome.stderr !== "") io.stderr(outcome.stderr)
        for (const chunk of outcome.stdout) io.stdout(chunk)
        status = Math.max(status, outcome.status)
      }
      done[printed++] = undefined
    }
    if (printed === batches.length) allPrinted()
  }
  const take = (): Batch | undefined => (sent < batches.length ? batches[sent++] : undefined)
  const workers: Array<Worker> = []
  let defect: (error: unknown) => void = () => {}
  const died = new Promise<never>((_, reject) => {
    defect = reject
  })
  // Observed by the race below; this keeps an early death from being an
  // unhandled rejection while this thread is still walking.
  died.catch(() => undefined)
  const feed = (worker: Worker) => {
    const batch = take()
    if (batch !== undefined) worker.postMessage(batch)
  }
  const built = existsSync(fileURLToPath(workerUrl))
  const count = built ? Math.min((command.jobs ?? 1) - 1, batches.length - 1) : 0
  const setup: WalkCommand = { ...command, files: [] }
  for (let i = 0; i < count; i++) {
    const worker = new Worker(workerUrl, { workerData: setup })
    workers.push(worker)
    worker.on("message", (message: Done) => {
      done[message.id] = message.outcomes
      feed(worker)
      flush()
    })
    worker.on("error", defect)
    // Two batches in flight, so a worker never waits for the next one.
    feed(worker)
    feed(worker)
  }
  try {
    for (let batch = take(); batch !== undefined; batch = take()) {
      if (batch.id === printed) {
        // Its turn already: print as it renders (a huge table is never held whole).
        for (const [offset, input] of batch.inputs.entries()) {
          const outcome = walk(input, await contentOf(input, io), batch.start + offset, command, io)
          if (outcome.stderr !== "") io.stderr(outcome.stderr)
          await printChunks(outcome.stdout, io)
          status = Math.max(status, outcome.status)
        }
        done[batch.id] = []
      } else {
        done[batch.id] = await walkBatch(batch, io, command, walk)
      }
      flush()
      // Let the workers' answers in (and send them more) between batches.
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.race([finished, died])
  } finally {
    for (const worker of workers) void worker.terminate()
  }
  return status
}

/**
 * A worker's side: answers each batch posted to it with the outcomes of
 * `walk`, under the command the main thread started it with.
 *
 * @category commands
 * @since 0.2.0
 */
export const serveBatches = (walk: WalkInput): void => {
  const port = parentPort
  if (port === null) return
  const command = workerData as WalkCommand
  port.on("message", (batch: Batch) => {
    void walkBatch(batch, processIo, command, walk).then((outcomes) => port.postMessage({ id: batch.id, outcomes } satisfies Done))
  })
}
