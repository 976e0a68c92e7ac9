/**
 * The oracle every fuzz target runs, and the CI replay runs again.
 *
 * For one decoded snapshot (and the JSON it came from) it walks with src/
 * and checks, throwing a {@link OracleViolation} on the first difference:
 * - the walk returns (an exception from src propagates as is: a crash);
 * - the result is frames, or frames and one of the walk's tags, with
 *   `frame` equal to the number of frames emitted before the error and no
 *   more frames than `maxFrames`;
 * - it equals the REFERENCE WALKER's (test/reference/walker.ts) in the
 *   spec's result JSON: frames with their activations, tag and every field,
 *   under the snapshot's generation;
 * - the invariants of the frames walked hold: within an activation FPs
 *   strictly increase and stay at or below the entry SP (`entry-sp`) or
 *   strictly below the entry FP (later generations), every FP is aligned,
 *   each activation starts at its PC and first FP (under `exit-trampoline`
 *   the word at its exit trampoline's FP), every PC/FP the walk read lies in
 *   mapped memory and is the next frame's PC/FP;
 * - the callback APIs agree: `traceSync` delivers the same frames with
 *   non-decreasing activation indexes and the same ending, and stops after
 *   exactly the frame at which its callback answers "break"; `visitSync`
 *   shows the same frames (their exact 32-bit halves too), activations and
 *   ending, and stops at the same frame; the frame table's columns hold the
 *   same halves.
 *
 * Nothing here catches an exception.
 */
import { errorToJson, resultToJson } from "../src/Snapshot.js"
import type { Snapshot } from "../src/Snapshot.js"
import { traceSync, visitSync, walkSync } from "../src/Walker.js"
import { tags } from "../src/WalkError.js"
import type { RefResult, RefSnapshot } from "../test/reference/walker.js"
import { refActivations, refHalves, refRead, refStripPac, referenceWalk } from "../test/reference/walker.js"
import type { ResultJson } from "../src/Snapshot.js"

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

/** Whether two results in the spec's JSON shape are equal: frames, tag and every field (in any key order). */
export const sameResult = (a: ResultJson | RefResult, b: ResultJson | RefResult): boolean => {
  if (a.ok !== b.ok || a.frames.length !== b.frames.length) return false
  for (let i = 0; i < a.frames.length; i++) {
    const x = a.frames[i]!
    const y = b.frames[i]!
    if (x.pc !== y.pc || x.fp !== y.fp || x.activation !== y.activation) return false
  }
  if (a.ok || b.ok) return true
  const ea = a.error as Readonly<Record<string, unknown>>
  const eb = b.error as Readonly<Record<string, unknown>>
  const keys = Object.keys(ea)
  if (keys.length !== Object.keys(eb).length) return false
  for (const key of keys) if (!Object.prototype.hasOwnProperty.call(eb, key) || ea[key] !== eb[key]) return false
  return true
}

/**
 * Walks `snapshot` with src/ and `reference` (the same stack, as the
 * reference walker's model: read from the snapshot JSON `snapshot` was
 * decoded from, or made from the same values) with the reference walker,
 * and checks everything above. `breakAt` picks the frame at which a second
 * trace stops early.
 */
export const checkWalk = (ref: RefSnapshot, snapshot: Snapshot, breakAt: number): void => {
  const result = walkSync(snapshot)
  const actual = resultToJson(result)
  const maxFrames = snapshot.options.maxFrames
  const frames = result.frames

  // Shape.
  if (!result.ok) {
    const error = result.error
    if (!(tags as ReadonlyArray<string>).includes(error._tag)) violation(`unknown error tag ${String(error._tag)}`)
    if (error._tag === "InputError" || error.frame !== frames.length) {
      violation(`error.frame is ${"frame" in error ? error.frame : "absent"} but ${frames.length} frames were emitted`, actual)
    }
  }
  if (BigInt(frames.length) > maxFrames) violation(`${frames.length} frames exceed maxFrames ${maxFrames}`)

  // The reference walker.
  const expected = referenceWalk(ref)
  if (!sameResult(actual, expected)) {
    violation("src/ and the reference walker disagree", { expected, actual })
  }

  // The callback API, with the activation of every frame, and the table's columns.
  const traced: Array<{ readonly pc: bigint; readonly fp: bigint; readonly activation: number }> = []
  const summary = traceSync(snapshot, (frame) => {
    traced.push({ pc: frame.pc, fp: frame.fp, activation: frame.activation })
  })
  if (traced.length !== frames.length) violation("traceSync and walkSync deliver different numbers of frames")
  for (let i = 0; i < traced.length; i++) {
    const t = traced[i]!
    const [pcHigh, pcLow] = refHalves(t.pc)
    const [fpHigh, fpLow] = refHalves(t.fp)
    if (
      frames.pcHigh(i) !== pcHigh || frames.pcLow(i) !== pcLow || frames.fpHigh(i) !== fpHigh || frames.fpLow(i) !== fpLow ||
      frames.activation(i) !== t.activation
    ) violation(`traceSync and walkSync differ at frame ${i}`)
  }
  if (summary.ok !== result.ok) violation("traceSync and walkSync end differently")
  if (summary.ok && (summary.count !== traced.length || summary.stopped)) violation("traceSync summary is wrong", summary)
  if (!summary.ok && !result.ok && (summary.count !== traced.length || !sameResult({ ok: false, frames: [], error: errorToJson(summary.error) }, { ok: false, frames: [], error: errorToJson(result.error) }))) {
    violation("traceSync and walkSync errors differ")
  }

  // The allocation-free callback API shows the same frames through its view.
  let seen = 0
  const visit = visitSync(snapshot, (view) => {
    const t = traced[seen]
    if (
      t === undefined || view.index !== seen || view.activation !== t.activation || view.pc !== t.pc || view.fp !== t.fp ||
      view.pcHigh !== frames.pcHigh(seen) || view.pcLow !== frames.pcLow(seen) || view.fpHigh !== frames.fpHigh(seen) ||
      view.fpLow !== frames.fpLow(seen)
    ) violation(`visitSync and traceSync differ at frame ${seen}`)
    seen++
  })
  if (seen !== traced.length) violation("visitSync and traceSync deliver different numbers of frames")
  if (!sameSummary(visit, summary)) violation("visitSync and traceSync end differently", { visit, summary })

  // Invariants of the frames walked.
  const arch = ref.arch
  const later = ref.generation !== "entry-sp"
  const activations = refActivations(ref)
  for (let i = 0; i < traced.length; i++) {
    const frame = traced[i]!
    const activation = frame.activation
    const act = activations[activation]
    if (act === undefined) return violation(`frame ${i} names activation ${activation}, which does not exist`)
    const previous = traced[i - 1]
    if (previous !== undefined && activation < previous.activation) violation(`frame ${i}: activation index goes back`)
    if (!later && previous !== undefined && activation > previous.activation + 1) violation(`frame ${i}: an activation without frames under entry-sp`)
    const first = previous === undefined || previous.activation !== activation
    const startFp = ref.generation === "exit-trampoline" && !act.trap ? refRead(ref, act.fp) : act.fp
    if (first && (frame.pc !== act.pc || frame.fp !== startFp)) violation(`frame ${i} does not start activation ${activation}`)
    if (!first && frame.fp <= previous.fp) violation(`frame ${i}: FP does not increase within activation ${activation}`)
    if (later ? frame.fp >= act.sp : frame.fp > act.sp) violation(`frame ${i}: FP not below the entry value of activation ${activation}`)
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
      if (next.pc !== pc || next.fp !== savedFp) violation(`frame ${i + 1} is not the frame saved by frame ${i}`)
    }
  }

  // Stopping early delivers exactly the frames up to the break.
  if (traced.length > 0) {
    const stopAt = breakAt % traced.length
    let delivered = 0
    const stopped = traceSync(snapshot, () => (++delivered > stopAt ? "break" : "continue"))
    if (!stopped.ok || !stopped.stopped || stopped.count !== stopAt + 1 || delivered !== stopAt + 1) {
      violation(`a trace that breaks at frame ${stopAt} did not stop there`, { delivered, stopped })
    }
    let visited = 0
    const visitStopped = visitSync(snapshot, () => (++visited > stopAt ? "break" : "continue"))
    if (!sameSummary(visitStopped, stopped) || visited !== stopAt + 1) {
      violation(`a visit that breaks at frame ${stopAt} did not stop there`, { visited, visitStopped })
    }
  }
}

// Two trace results: the same ending, count and (a failure's) error, the very object or an equal one.
const sameSummary = (a: ReturnType<typeof traceSync>, b: ReturnType<typeof traceSync>): boolean =>
  a.ok
    ? b.ok && a.count === b.count && a.stopped === b.stopped
    : !b.ok && a.count === b.count &&
      sameResult({ ok: false, frames: [], error: errorToJson(a.error) }, { ok: false, frames: [], error: errorToJson(b.error) })
