/**
 * The oracle every fuzz target runs, and the CI replay runs again.
 *
 * For one decoded snapshot (and the JSON it came from) it walks with src/
 * and checks, throwing a {@link OracleViolation} on the first difference:
 * - the walk returns (an exception from src propagates as is: a crash);
 * - the result is frames, or frames and one of the ten tags, with `frame`
 *   equal to the number of frames emitted before the error and no more
 *   frames than `maxFrames`;
 * - it equals the REFERENCE WALKER's (test/reference/walker.ts) in the
 *   spec's result JSON: frames, tag and every field;
 * - the invariants of the frames walked hold: within an activation FPs
 *   strictly increase and stay at or below the entry SP, every FP is
 *   aligned, every PC/FP the walk read lies in mapped memory and is the
 *   next frame's PC/FP;
 * - the callback APIs agree: `traceSync` delivers the same frames with
 *   non-decreasing activation indexes and the same ending, and stops after
 *   exactly the frame at which its callback answers "break"; `visitSync`
 *   shows the same frames (their exact 32-bit halves too), activations and
 *   ending, and stops at the same frame.
 *
 * Nothing here catches an exception.
 */
import * as Result from "effect/Result"
import { errorToJson, resultToJson } from "../src/Snapshot.js"
import type { Snapshot } from "../src/Snapshot.js"
import { traceSync, visitSync, walkSync } from "../src/Walker.js"
import type { Frame } from "../src/Walker.js"
import { tags } from "../src/WalkError.js"
import { fromJson, refActivations, refHalves, refRead, refStripPac, referenceWalk } from "../test/reference/walker.js"

/** A broken promise of the walker: the fuzzer reports it as a crash. */
export class OracleViolation extends Error {
  override readonly name = "OracleViolation"
}

const violation = (what: string, details?: unknown): never => {
  throw new OracleViolation(details === undefined ? what : `${what}\n${canonical(details)}`)
}

/** JSON with sorted keys and bigints as hex, so equal results print equal. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `0x${v.toString(16)}`
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })

/**
 * Walks `snapshot` with src/ and with the reference walker (from `json`, the
 * snapshot JSON `snapshot` was decoded from) and checks everything above.
 * `breakAt` picks the frame at which a second trace stops early.
 */
export const checkWalk = (json: unknown, snapshot: Snapshot, breakAt: number): void => {
  const result = walkSync(snapshot)
  const actual = resultToJson(result)
  const maxFrames = snapshot.options.maxFrames

  // Shape.
  if (!result.ok) {
    if (!(tags as ReadonlyArray<string>).includes(result.error._tag)) violation(`unknown error tag ${String(result.error._tag)}`)
    if (result.error.frame !== result.frames.length) {
      violation(`error.frame is ${result.error.frame} but ${result.frames.length} frames were emitted`, actual)
    }
  }
  if (BigInt(result.frames.length) > maxFrames) violation(`${result.frames.length} frames exceed maxFrames ${maxFrames}`)

  // The reference walker.
  const ref = fromJson(json)
  const expected = referenceWalk(ref)
  if (canonical(actual) !== canonical(expected)) {
    violation("src/ and the reference walker disagree", { expected, actual })
  }

  // The callback API, with the activation of every frame.
  const traced: Array<{ readonly frame: Frame; readonly activation: number }> = []
  const summary = traceSync(snapshot, (frame, activation) => {
    traced.push({ frame, activation })
  })
  if (canonical(traced.map((t) => t.frame)) !== canonical(result.frames)) violation("traceSync and walkSync frames differ")
  if (Result.isSuccess(summary) !== result.ok) violation("traceSync and walkSync end differently")
  if (Result.isSuccess(summary) && (summary.success.frames !== traced.length || summary.success.stopped)) {
    violation("traceSync summary is wrong", summary.success)
  }
  if (Result.isFailure(summary) && !result.ok && canonical(errorToJson(summary.failure)) !== canonical(actual.ok ? {} : actual.error)) {
    violation("traceSync and walkSync errors differ")
  }

  // The allocation-free callback API shows the same frames through its view.
  const visited: Array<unknown> = []
  const visit = visitSync(snapshot, (view) => {
    visited.push([view.index, view.activation, view.pc, view.fp, view.pcHigh, view.pcLow, view.fpHigh, view.fpLow])
  })
  const wanted = traced.map(({ activation, frame }, index) => [index, activation, frame.pc, frame.fp, ...refHalves(frame.pc), ...refHalves(frame.fp)])
  if (canonical(visited) !== canonical(wanted)) violation("visitSync and traceSync frames differ", { visited, wanted })
  if (canonical(visit) !== canonical(summary)) violation("visitSync and traceSync end differently", { visit, summary })

  // Invariants of the frames walked.
  const arch = ref.arch
  const activations = refActivations(ref)
  for (let i = 0; i < traced.length; i++) {
    const { activation, frame } = traced[i]!
    const act = activations[activation]
    if (act === undefined) return violation(`frame ${i} names activation ${activation}, which does not exist`)
    const previous = traced[i - 1]
    if (previous !== undefined && activation < previous.activation) violation(`frame ${i}: activation index goes back`)
    const first = previous === undefined || previous.activation !== activation
    if (first && (frame.pc !== act.pc || frame.fp !== act.fp)) violation(`frame ${i} does not start activation ${activation}`)
    if (!first && frame.fp <= previous.frame.fp) violation(`frame ${i}: FP does not increase within activation ${activation}`)
    if (frame.fp > act.sp) violation(`frame ${i}: FP above the entry SP of activation ${activation}`)
    if (frame.fp % arch.fpAlign !== 0n) violation(`frame ${i}: FP not aligned`)
    // Every frame's saved PC and FP were read, except perhaps the last one of a failed walk.
    const read = result.ok || i < traced.length - 1
    if (!read) continue
    const savedPc = refRead(ref, frame.fp + arch.pcOffset)
    const savedFp = refRead(ref, frame.fp + arch.nextFpOffset)
    if (savedPc === undefined || savedFp === undefined) violation(`frame ${i}: the walk read unmapped memory and went on`)
    const next = traced[i + 1]
    if (next !== undefined && next.activation === activation) {
      const pc = arch.stripPac ? refStripPac(savedPc!, ref.vaBits) : savedPc
      if (next.frame.pc !== pc || next.frame.fp !== savedFp) violation(`frame ${i + 1} is not the frame saved by frame ${i}`)
    }
  }

  // Stopping early delivers exactly the frames up to the break.
  if (traced.length > 0) {
    const stopAt = breakAt % traced.length
    let delivered = 0
    const stopped = traceSync(snapshot, () => (++delivered > stopAt ? "break" : "continue"))
    if (!Result.isSuccess(stopped) || !stopped.success.stopped || stopped.success.frames !== stopAt + 1 || delivered !== stopAt + 1) {
      violation(`a trace that breaks at frame ${stopAt} did not stop there`, { delivered, stopped })
    }
    let seen = 0
    const visitStopped = visitSync(snapshot, () => (++seen > stopAt ? "break" : "continue"))
    if (canonical(visitStopped) !== canonical(stopped) || seen !== stopAt + 1) {
      violation(`a visit that breaks at frame ${stopAt} did not stop there`, { seen, visitStopped })
    }
  }
}
