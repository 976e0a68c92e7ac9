/**
 * What must hold of any walk, checked against the snapshot JSON itself
 * (not against `StackMemory` or `Activation`): the frames come activation
 * by activation; each activation starts at its own PC and FP; within it
 * every FP is aligned, at or below the entry SP and strictly above the
 * previous one, and every later frame's PC and FP are the words saved by
 * the frame before it; a successful walk stops each activation exactly
 * where the saved FP reaches the entry SP, and stops the chain at its end
 * or at a PC-0 activation.
 */
import { expect } from "vitest"
import type { Snapshot } from "../src/Snapshot.js"
import { traceSync } from "../src/Walker.js"
import type { Frame, WalkResult } from "../src/Walker.js"
import { tags } from "../src/WalkError.js"
import { abi, canonicalPc } from "./abi.js"
import { rawRegions, readRaw } from "./support.js"

interface Triple {
  readonly pc: bigint
  readonly fp: bigint
  readonly sp: bigint
}

/** The activation list, straight from the spec's words. */
export const activationList = (snapshot: Snapshot): Array<Triple> => {
  if (snapshot.states.length === 0) return []
  const { limits, trap } = snapshot
  const first = { pc: trap?.pc ?? limits.lastWasmExitPc, fp: trap?.fp ?? limits.lastWasmExitFp, sp: limits.lastWasmEntrySp }
  return [
    first,
    ...snapshot.states
      .filter((s) => s.limits === limits.address)
      .map((s) => ({ pc: s.oldLastWasmExitPc, fp: s.oldLastWasmExitFp, sp: s.oldLastWasmEntrySp }))
  ]
}

/** The frames with the activation each belongs to, as `traceSync` reports it. */
export const framesWithActivation = (snapshot: Snapshot): Array<{ readonly frame: Frame; readonly activation: number }> => {
  const out: Array<{ frame: Frame; activation: number }> = []
  traceSync(snapshot, (frame, activation) => {
    out.push({ frame, activation })
  })
  return out
}

/** Checks every invariant of a walk's result (its frames, and for a success how it ended). */
export const checkWalk = (json: Record<string, unknown>, snapshot: Snapshot, result: WalkResult): void => {
  const arch = abi[snapshot.arch]
  const regions = rawRegions(json)
  const read = (address: bigint) => (address > (1n << 64n) - 8n ? undefined : readRaw(snapshot.arch, regions, address))
  const strip = (pc: bigint) => (arch.pac ? canonicalPc(pc, snapshot.options.aarch64VaBits) : pc)
  const reached = (nextFp: bigint, sp: bigint) => (arch.stopsAtEntrySp ? nextFp >= sp : nextFp > sp)
  const activations = activationList(snapshot)
  const traced = framesWithActivation(snapshot)

  expect(traced.map((t) => t.frame)).toEqual(result.frames)
  expect(BigInt(result.frames.length)).toBeLessThanOrEqual(snapshot.options.maxFrames)
  if (!result.ok) {
    expect(tags).toContain(result.error._tag)
    expect(result.error.frame).toBe(result.frames.length)
  }

  traced.forEach(({ activation, frame }, i) => {
    const triple = activations[activation]
    expect(triple, "a frame belongs to an activation").toBeDefined()
    if (triple === undefined) return
    expect(frame.fp % arch.fpAlignment).toBe(0n)
    expect(frame.fp).toBeLessThanOrEqual(triple.sp)
    const previous = traced[i - 1]
    if (previous === undefined || previous.activation !== activation) {
      // The first frame of an activation: its own PC and FP, after every earlier activation.
      expect(activation).toBe(previous === undefined ? 0 : previous.activation + 1)
      expect(frame).toEqual({ pc: triple.pc, fp: triple.fp })
      expect(triple.pc).not.toBe(0n)
      expect(triple.sp % arch.entrySpAlignment).toBe(0n)
      if (previous !== undefined) expectEnded(previous.frame, activations[previous.activation]!)
    } else {
      // A later frame: the words saved by the frame before it, read from mapped memory.
      expect(frame.fp).toBeGreaterThan(previous.frame.fp)
      expect(read(previous.frame.fp)).toBe(frame.fp)
      const savedPc = read(previous.frame.fp + arch.pcOffset)
      expect(savedPc).toBeDefined()
      expect(frame.pc).toBe(strip(savedPc!))
      expect(reached(frame.fp, triple.sp)).toBe(false)
    }
  })

  function expectEnded(last: Frame, triple: Triple): void {
    expect(read(last.fp + arch.pcOffset)).toBeDefined()
    const nextFp = read(last.fp)
    expect(nextFp).toBeDefined()
    expect(reached(nextFp!, triple.sp)).toBe(true)
  }

  if (result.ok) {
    const last = traced[traced.length - 1]
    if (last !== undefined) expectEnded(last.frame, activations[last.activation]!)
    // The chain ends: no activation left, or the next one is PC 0, FP 0, SP 0.
    const next = activations[last === undefined ? 0 : last.activation + 1]
    if (next !== undefined) expect(next).toEqual({ pc: 0n, fp: 0n, sp: 0n })
    if (snapshot.trap !== undefined) expect(snapshot.states[0]?.limits).toBe(snapshot.limits.address)
  }
}
