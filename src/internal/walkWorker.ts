// The walker service's worker thread, run by piscina (src/internal/pool.ts):
// each task is one body (or batch line) to decode, walk and encode with
// `runTask`; the answer's bytes go back transferred, not copied.
//
// The thread lowers its own scheduling priority by `nice` (Linux nice values
// are per thread): when the machine is short of CPU, the main thread, which
// answers /healthz, /readyz and /metrics and moves bodies, runs first.
//
// Fault injection, for tests only: with `faults: true` in the pool's
// workerData (which only `startServer`'s `testFaults` option sets, never a
// flag or a variable), a body starting with `FPWALK-TEST-STALL` spins
// forever and one starting with `FPWALK-TEST-CRASH` ends the thread.
import * as Result from "effect/Result"
import { getPriority, setPriority } from "node:os"
import { workerData } from "node:worker_threads"
import { move, transferableSymbol, valueSymbol } from "piscina"
import type { Outcome, Task, TaskLimits } from "./walkTask.js"
import { runTask } from "./walkTask.js"

/** What the pool gives every worker. */
export interface WorkerSetup {
  readonly limits: TaskLimits
  readonly faults: boolean
  /** How much to lower this thread's priority (0 to 19). */
  readonly nice: number
}

const setup = workerData as WorkerSetup

// Lowering one's priority is always allowed; on a system without nice values it is skipped.
if (setup.nice > 0) Result.try(() => setPriority(0, Math.min(19, getPriority(0) + setup.nice)))

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
