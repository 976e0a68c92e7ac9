/**
 * What must hold of any walk, checked against the snapshot JSON itself
 * (read by the reference walker's plain reader, not by `StackMemory` or
 * `Activation`): the frames come activation by activation, each frame
 * carrying its activation's index; each activation starts at its own PC
 * and first FP (under `exit-trampoline` the word at the exit trampoline's
 * FP); within it every FP is aligned, below the entry value (at or below
 * the entry SP; strictly below the entry FP) and strictly above the
 * previous one, and every later frame's PC and FP are the words saved by
 * the frame before it; a successful walk ends each activation exactly where
 * its generation says (the saved FP reaches the entry SP; the FP equals the
 * entry FP, so an activation skipped without frames starts at its entry FP),
 * and ends the chain at its end or at a PC-0 activation.
 */
import { expect } from "vitest"
import type { Snapshot } from "../src/Snapshot.js"
import { traceSync } from "../src/Walker.js"
import type { WalkResult } from "../src/Walker.js"
import { tags } from "../src/WalkError.js"
import type { RefActivation } from "../test/reference/walker.js"
import { fromJson, refActivations, refRead } from "../test/reference/walker.js"
import { abi, canonicalPc } from "./abi.js"
import type { Frame } from "./stack.js"
import { frameOf, framesOf } from "./support.js"

/** The frames as `traceSync` delivers them, one object each. */
export const traced = (snapshot: Snapshot): Array<Frame> => {
  const out: Array<Frame> = []
  traceSync(snapshot, (frame) => {
    out.push({ pc: frame.pc, fp: frame.fp, activation: frame.activation })
  })
  return out
}

/** Checks every invariant of a walk's result (its frames, and for a success how it ended). */
export const checkWalk = (json: Record<string, unknown>, snapshot: Snapshot, result: WalkResult): void => {
  const ref = fromJson(json)
  const arch = abi[snapshot.arch]
  const v2 = ref.generation !== "entry-sp"
  const read = (address: bigint) => (address > (1n << 64n) - 8n ? undefined : refRead(ref, address))
  const strip = (pc: bigint) => (arch.pac ? canonicalPc(pc, Number(ref.vaBits)) : pc)
  const reached = (nextFp: bigint, entry: bigint) => (v2 ? nextFp === entry : arch.stopsAtEntrySp ? nextFp >= entry : nextFp > entry)
  // The FP an activation's walk starts at.
  const startFp = (a: RefActivation) => (ref.generation === "exit-trampoline" && !a.trap ? read(a.fp) : a.fp)
  // A later-generation activation the walk passes without a frame.
  const empty = (a: RefActivation) => v2 && a.pc !== 0n && a.fp !== 0n && a.sp !== 0n && startFp(a) === a.sp
  const activations = refActivations(ref)
  if (snapshot.states.length === 0) activations.length = 0
  const frames = framesOf(result.frames)

  expect(traced(snapshot)).toEqual(frames)
  expect(BigInt(frames.length)).toBeLessThanOrEqual(snapshot.options.maxFrames)
  if (!result.ok) {
    expect(tags).toContain(result.error._tag)
    expect(frameOf(result.error)).toBe(frames.length)
  }

  // Activations `from` up to (not including) `to` were passed without frames.
  const skipped = (from: number, to: number) => {
    for (let j = from; j < to; j++) expect(empty(activations[j]!), `activation ${j} has no frame`).toBe(true)
  }

  frames.forEach((frame, i) => {
    const a = activations[frame.activation]
    expect(a, "a frame belongs to an activation").toBeDefined()
    if (a === undefined) return
    expect(frame.fp % arch.fpAlignment).toBe(0n)
    if (v2) expect(frame.fp).toBeLessThan(a.sp)
    else expect(frame.fp).toBeLessThanOrEqual(a.sp)
    const previous = frames[i - 1]
    if (previous === undefined || previous.activation !== frame.activation) {
      // The first frame of an activation: its own PC and first FP, after every earlier activation.
      const from = previous === undefined ? 0 : previous.activation + 1
      expect(frame.activation).toBeGreaterThanOrEqual(from)
      if (!v2) expect(frame.activation).toBe(from)
      skipped(from, frame.activation)
      expect(frame.pc).toBe(a.pc)
      expect(frame.fp).toBe(startFp(a))
      expect(a.pc).not.toBe(0n)
      if (!v2) expect(a.sp % arch.entrySpAlignment).toBe(0n)
      if (previous !== undefined) expectEnded(previous, activations[previous.activation]!)
    } else {
      // A later frame: the words saved by the frame before it, read from mapped memory.
      expect(frame.fp).toBeGreaterThan(previous.fp)
      expect(read(previous.fp)).toBe(frame.fp)
      const savedPc = read(previous.fp + arch.pcOffset)
      expect(savedPc).toBeDefined()
      expect(frame.pc).toBe(strip(savedPc!))
      expect(reached(frame.fp, a.sp)).toBe(false)
    }
  })

  function expectEnded(last: Frame, a: RefActivation): void {
    expect(read(last.fp + arch.pcOffset)).toBeDefined()
    const nextFp = read(last.fp)
    expect(nextFp).toBeDefined()
    expect(reached(nextFp!, a.sp)).toBe(true)
  }

  if (result.ok) {
    const last = frames[frames.length - 1]
    if (last !== undefined) expectEnded(last, activations[last.activation]!)
    // The chain ends: no activation left, or (after any passed without frames) one of PC 0, FP 0, entry 0.
    let next = last === undefined ? 0 : last.activation + 1
    while (next < activations.length && empty(activations[next]!)) next++
    const end = activations[next]
    if (end !== undefined) expect({ pc: end.pc, fp: end.fp, sp: end.sp }).toEqual({ pc: 0n, fp: 0n, sp: 0n })
    if (snapshot.trap !== undefined) expect(snapshot.states[0]?.limits).toBe(snapshot.limits.address)
  }
}
