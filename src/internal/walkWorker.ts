// The walker service's worker thread, run by piscina (src/internal/pool.ts):
// each task is one body (or batch line) to decode, walk and encode with
// `runTask`; the answer's bytes go back transferred, not copied.
//
// Fault injection, for tests only: with `faults: true` in the pool's
// workerData (which only `startServer`'s `testFaults` option sets, never a
// flag or a variable), a body starting with `FPWALK-TEST-STALL` spins
// forever and one starting with `FPWALK-TEST-CRASH` ends the thread.
import { move, transferableSymbol, valueSymbol } from "piscina"
import { workerData } from "node:worker_threads"
import type { Outcome, Task, TaskLimits } from "./walkTask.js"
import { runTask } from "./walkTask.js"

/** What the pool gives every worker. */
export interface WorkerSetup {
  readonly limits: TaskLimits
  readonly faults: boolean
}

const setup = workerData as WorkerSetup

const STALL = new TextEncoder().encode("FPWALK-TEST-STALL")
const CRASH = new TextEncoder().encode("FPWALK-TEST-CRASH")

const startsWith = (bytes: Uint8Array, prefix: Uint8Array): boolean =>
  bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte)

const injectFault = (bytes: Uint8Array): void => {
  if (startsWith(bytes, STALL)) for (;;);
  if (startsWith(bytes, CRASH)) process.exit(70)
}

/**
 * Runs one task. The answer's body buffer (a fresh one, from TextEncoder) is
 * moved to the main thread rather than copied: piscina transfers the
 * `transferableSymbol` list and delivers the `valueSymbol` value.
 */
export default (task: Task): Outcome => {
  if (setup.faults) injectFault(task.bytes)
  const outcome = runTask(task, setup.limits)
  return move({ [transferableSymbol]: [outcome.body.buffer], [valueSymbol]: outcome }) as unknown as Outcome
}
