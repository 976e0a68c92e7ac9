/**
 * Many snapshots for `fpwalk walk`: what a FILE argument stands for (one
 * snapshot, every `*.json` of a folder, or one snapshot per line of NDJSON),
 * and `--jobs N`, which walks them on N worker threads and prints their
 * results in input order, exactly as one thread would.
 *
 * The worker is this module itself, started with a marker in `workerData`:
 * it decodes, walks and renders with the same `walkOne` as the main thread
 * and posts the text back.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import type { Io } from "./io.js"
import { fileErrorReason, processIo } from "./io.js"
import type { Outcome, WalkCommand } from "./walk.js"

/**
 * One snapshot to walk: a file still to be read, text already read (a line
 * of NDJSON), or the reason its text could not be read. Plain data, so it
 * can be posted to a worker.
 *
 * @category models
 * @since 0.1.0
 */
export type Input =
  | { readonly name: string; readonly path: string }
  | { readonly name: string; readonly text: string }
  | { readonly name: string; readonly unreadable: string }

const nameOf = (file: string): string => (file === "-" ? "<stdin>" : file)

const isDirectory = (file: string): boolean =>
  file !== "-" && Result.getOrElse(Result.try(() => statSync(file).isDirectory()), () => false)

const ndjsonLines = (name: string, text: string): Array<Input> => {
  const inputs: Array<Input> = []
  const lines = text.split("\n")
  for (const [index, line] of lines.entries()) {
    const snapshot = line.endsWith("\r") ? line.slice(0, -1) : line
    if (snapshot.trim() !== "") inputs.push({ name: `${name}:${index + 1}`, text: snapshot })
  }
  return inputs
}

/**
 * The snapshots the FILE arguments stand for, in order: a folder is every
 * `*.json` file in it, sorted by name; a `.ndjson` file (any file with
 * `--ndjson`, `-` included) is one snapshot per non-blank line, named
 * `FILE:LINE`; anything else is one snapshot.
 *
 * @category constructors
 * @since 0.1.0
 */
export const expandInputs = async (command: WalkCommand, io: Io): Promise<Array<Input>> => {
  const inputs: Array<Input> = []
  for (const file of command.files) {
    const name = nameOf(file)
    if (isDirectory(file)) {
      const listed = Result.try({
        try: () => readdirSync(file).filter((entry) => entry.endsWith(".json")).sort(),
        catch: fileErrorReason
      })
      if (Result.isFailure(listed)) inputs.push({ name, unreadable: listed.failure })
      else if (listed.success.length === 0) inputs.push({ name, unreadable: "no *.json files in this folder" })
      else for (const entry of listed.success) inputs.push({ name: join(file, entry), path: join(file, entry) })
    } else if (command.ndjson === true || file.endsWith(".ndjson")) {
      const text = await io.readText(file)
      if (Result.isFailure(text)) inputs.push({ name, unreadable: text.failure })
      else inputs.push(...ndjsonLines(name, text.success))
    } else {
      inputs.push({ name, path: file })
    }
  }
  return inputs
}

/**
 * The text of an input: read now if it is a file.
 *
 * @category constructors
 * @since 0.1.0
 */
export const textOf = (input: Input, io: Io): Promise<Result.Result<string, string>> =>
  "path" in input
    ? io.readText(input.path)
    : Promise.resolve("text" in input ? Result.succeed(input.text) : Result.fail(input.unreadable))

// ---------------------------------------------------------------------------
// The pool.
// ---------------------------------------------------------------------------

const WORKER_MARK = "fpwalk/cli/jobs"
const BATCH = 64

interface WorkerSetup {
  readonly mark: typeof WORKER_MARK
  readonly command: WalkCommand
  readonly several: boolean
}

interface Batch {
  readonly id: number
  readonly start: number
  readonly inputs: ReadonlyArray<Input>
}

interface Done {
  readonly id: number
  readonly outcomes: ReadonlyArray<Outcome>
}

// Compiled, this module is dist/cli/jobs.js and is its own worker (named,
// not taken from import.meta.url, so a bundle that keeps jobs.js as an entry
// beside its chunks still finds it). Run from its TypeScript source (a test
// importing src/), the worker is the built one.
const workerUrl = (): URL =>
  import.meta.url.endsWith(".ts") ? new URL("../../dist/cli/jobs.js", import.meta.url) : new URL("./jobs.js", import.meta.url)

const walkBatch = async (batch: Batch, io: Io, several: boolean, command: WalkCommand): Promise<Array<Outcome>> => {
  const { walkOne } = await import("./walk.js")
  const outcomes: Array<Outcome> = []
  for (const [offset, input] of batch.inputs.entries()) {
    outcomes.push(walkOne(input.name, await textOf(input, io), batch.start + offset, several, command))
  }
  return outcomes
}

/**
 * Walks `inputs` on `command.jobs` threads (this one and `jobs - 1`
 * workers, which pay for loading the walker while this thread already
 * walks) and prints each result, in input order, as soon as it and all
 * before it are done. Resolves with the highest exit status; rejects only if
 * a worker dies (a defect).
 *
 * @category commands
 * @since 0.1.0
 */
export const runJobs = async (
  inputs: ReadonlyArray<Input>,
  command: WalkCommand,
  several: boolean,
  io: Io
): Promise<number> => {
  const batches: Array<Batch> = []
  for (let start = 0; start < inputs.length; start += BATCH) {
    batches.push({ id: batches.length, start, inputs: inputs.slice(start, start + BATCH) })
  }
  const done: Array<ReadonlyArray<Outcome> | undefined> = []
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
        if (outcome.stdout !== "") io.stdout(outcome.stdout)
        status = Math.max(status, outcome.status)
      }
      done[printed++] = undefined
    }
    if (printed === batches.length) allPrinted()
  }
  const take = (): Batch | undefined => (sent < batches.length ? batches[sent++] : undefined)
  const setup: WorkerSetup = { mark: WORKER_MARK, command: { ...command, files: [] }, several }
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
  const count = Math.min((command.jobs ?? 1) - 1, batches.length - 1)
  for (let i = 0; i < count; i++) {
    const worker = new Worker(workerUrl(), { workerData: setup })
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
      done[batch.id] = await walkBatch(batch, io, several, command)
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

const serveBatches = (setup: WorkerSetup): void => {
  const port = parentPort
  if (port === null) return
  port.on("message", (batch: Batch) => {
    void walkBatch(batch, processIo, setup.several, setup.command).then((outcomes) =>
      port.postMessage({ id: batch.id, outcomes } satisfies Done)
    )
  })
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | null)?.mark === WORKER_MARK) {
  serveBatches(workerData as WorkerSetup)
}
