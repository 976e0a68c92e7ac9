/**
 * A stack built from a plan, together with everything the builder knows
 * about it: where each frame record is, which activation each triple
 * belongs to, and the frames a correct walk must produce. The arbitraries
 * build these (valid, then possibly corrupted) and write the spec's JSON
 * with `properties/layout.ts`.
 *
 * Every generation of snapshot-v2.md is laid out as its wasmtime lays it
 * out: `entry-sp` records the entry SP below the entry trampoline's frame;
 * `entry-fp` and `exit-trampoline` record the entry trampoline's FP (which
 * the outermost Wasm frame saved), and allow an activation with no Wasm
 * frame (the trampoline called the host directly, so the exit FP is the
 * trampoline's); `exit-trampoline` records, for each exit to the host, the
 * exit trampoline's FP `t`, whose saved word is the newest Wasm FP.
 */
import type { ArchId } from "../src/Arch.js"
import { abi, alignDown, alignUp, canonicalPc, signPc } from "./abi.js"
import type { GenerationId } from "./generations.js"
import { generationOfVersion } from "./generations.js"
import { RegionImage, snapshotJson, StackImage } from "./layout.js"

/** A frame as the walk reports it: its PC, FP and the index of its activation. */
export interface Frame {
  readonly pc: bigint
  readonly fp: bigint
  readonly activation: number
}

export const LIMIT = 1n << 64n
export const MAX = LIMIT - 1n

/**
 * An activation as recorded: its PC, its recorded exit FP `fp` (under
 * `exit-trampoline` the exit trampoline's FP `t`, unless it is a trap's) and
 * its entry value `sp` (the entry SP under `entry-sp`, else the entry FP).
 */
export interface Triple {
  readonly pc: bigint
  readonly fp: bigint
  readonly sp: bigint
}

export interface StateEntry extends Triple {
  readonly limits: bigint
}

/** A frame the walk must emit, and the addresses of the two words it reads from it. */
export interface FrameSlots extends Frame {
  readonly fpSlot: bigint
  readonly pcSlot: bigint
}

export interface BuiltActivation {
  readonly frames: ReadonlyArray<FrameSlots>
  readonly triple: Triple
  /** Index in `states` of the state holding this triple; -1 for the limits (or the trap). */
  readonly state: number
  /** `exit-trampoline`, not a trap: the exit trampoline's FP, whose word the walk reads first. */
  readonly t: bigint | undefined
  /** The FP the walk starts the activation at (equal to the entry FP when it has no frames). */
  readonly startFp: bigint
}

export interface BuiltStack {
  readonly arch: ArchId
  readonly generation: GenerationId
  /** The version a v2 snapshot names; `undefined`: a v1 snapshot. */
  readonly wasmtime: string | undefined
  readonly memory: ReadonlyArray<RegionImage>
  readonly limits: { readonly address: bigint } & Triple
  readonly states: ReadonlyArray<StateEntry>
  readonly trap: { readonly pc: bigint; readonly fp: bigint } | undefined
  readonly options: { readonly maxFrames?: bigint; readonly aarch64VaBits?: number } | undefined
  /** The walked limits' activations, in walk order. */
  readonly activations: ReadonlyArray<BuiltActivation>
  /** Index in `states` of the PC-0 state that ends the chain, if any. */
  readonly terminal: number | undefined
}

// ---------------------------------------------------------------------------
// Plans: what the arbitraries generate.
// ---------------------------------------------------------------------------

export interface FramePlan {
  /** Extra distance from the previous (newer) frame, in FP-alignment units. */
  readonly gap: number
  /** The return address this frame's record holds (the next older frame's PC), before signing. */
  readonly savedPc: bigint
  /** aarch64: the authentication code put into the saved PC's high bits. */
  readonly pac: bigint
}

export interface ActivationPlan {
  /** The Wasm frames, newest first (none: the entry trampoline called the host directly; not under `entry-sp`). */
  readonly frames: ReadonlyArray<FramePlan>
  /** `exit-trampoline`: the distance from the exit trampoline's frame up to the newest Wasm frame, in FP-alignment units. */
  readonly exitGap: number
  /** The newest frame's PC: the exit PC (or the trap PC), reported as given. */
  readonly exitPc: bigint
  readonly slack: number
  readonly trampolineDelta: number
  readonly hostGap: number
  readonly hostPc: bigint
}

export interface OtherStatePlan extends StateEntry {
  readonly position: number
}

export interface StackPlan {
  readonly arch: ArchId
  /** The wasmtime version of a v2 snapshot (it decides the generation); `undefined`: v1 (`entry-sp`). */
  readonly wasmtime: string | undefined
  readonly activations: ReadonlyArray<ActivationPlan>
  readonly limitsAddress: bigint
  /** A trap in the newest activation (ignored when it has no frames: a trap is caught in Wasm). */
  readonly trap: boolean
  /** The limits' exit PC/FP when a trap replaces them: whatever an earlier exit left. */
  readonly stale: { readonly pc: bigint; readonly fp: bigint }
  /** Whether the oldest activation's state (saving PC 0, FP 0, SP 0) is present. */
  readonly terminal: boolean
  /** States of the walked limits after the terminal one: never looked at. */
  readonly tail: ReadonlyArray<Triple>
  readonly others: ReadonlyArray<OtherStatePlan>
  readonly vaBits: number | undefined
  /** maxFrames = frames + this, when set. */
  readonly spareFrames: bigint | undefined
  readonly placement: { readonly kind: "low" | "high" | "any"; readonly offset: bigint }
  readonly padLow: number
  readonly padHigh: number
  readonly fill: number
  readonly splits: ReadonlyArray<number>
  readonly holes: ReadonlyArray<{ readonly at: number; readonly length: number }>
  readonly extras: ReadonlyArray<{ readonly where: "below" | "above" | "inside"; readonly distance: bigint; readonly length: number }>
}

// ---------------------------------------------------------------------------
// Memory helpers
// ---------------------------------------------------------------------------

const copyRegion = (address: bigint, bytes: Uint8Array): RegionImage => {
  const region = new RegionImage(address, bytes.length)
  region.bytes.set(bytes)
  return region
}

/** The memory without the bytes in `[from, to)`. */
export const removeRange = (memory: ReadonlyArray<RegionImage>, from: bigint, to: bigint): Array<RegionImage> =>
  memory.flatMap((r) => {
    if (r.bytes.length === 0 || to <= r.address || from >= r.end) return [r]
    const parts: Array<RegionImage> = []
    if (from > r.address) parts.push(copyRegion(r.address, r.bytes.subarray(0, Number(from - r.address))))
    if (to < r.end) parts.push(copyRegion(to, r.bytes.subarray(Number(to - r.address))))
    return parts
  })

/** The memory with the region holding `at` split into two adjacent regions there. */
export const splitAt = (memory: ReadonlyArray<RegionImage>, at: bigint): Array<RegionImage> =>
  memory.flatMap((r) =>
    at > r.address && at < r.end
      ? [
        copyRegion(r.address, r.bytes.subarray(0, Number(at - r.address))),
        copyRegion(at, r.bytes.subarray(Number(at - r.address)))
      ]
      : [r]
  )

/** The memory with one word overwritten (the word must lie inside one region). */
export const writeWord = (arch: ArchId, memory: ReadonlyArray<RegionImage>, address: bigint, value: bigint): Array<RegionImage> =>
  memory.map((r) => {
    if (!r.contains(address)) return r
    const copy = copyRegion(r.address, r.bytes)
    copy.writeWord(address, value, abi[arch].littleEndian)
    return copy
  })

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

/** The frames a correct walk produces. */
export const expectedFrames = (stack: BuiltStack): Array<Frame> =>
  stack.activations.flatMap((a) => a.frames.map(({ activation, fp, pc }) => ({ pc, fp, activation })))

/** The number of frames walked before activation `index` starts. */
export const framesBefore = (stack: BuiltStack, index: number): number =>
  stack.activations.slice(0, index).reduce((n, a) => n + a.frames.length, 0)

/** Every frame with its activation index and its global index. */
export const allFrames = (stack: BuiltStack): Array<{ readonly activation: number; readonly index: number; readonly global: number; readonly frame: FrameSlots }> => {
  const out: Array<{ activation: number; index: number; global: number; frame: FrameSlots }> = []
  stack.activations.forEach((a, activation) =>
    a.frames.forEach((frame, index) => out.push({ activation, index, global: out.length, frame }))
  )
  return out
}

/** The triple of activation `index` (`activations.length` is the terminal state). */
export const tripleOf = (stack: BuiltStack, index: number): Triple => {
  if (index === 0) {
    return stack.trap === undefined
      ? stack.limits
      : { pc: stack.trap.pc, fp: stack.trap.fp, sp: stack.limits.sp }
  }
  const state = index < stack.activations.length ? stack.activations[index]!.state : stack.terminal
  if (state === undefined) throw new Error(`activation ${index} does not exist`)
  return stack.states[state]!
}

/** The stack with activation `index`'s triple replaced (where it is stored: limits, trap or state). */
export const withTriple = (stack: BuiltStack, index: number, triple: Triple): BuiltStack => {
  if (index === 0) {
    return stack.trap === undefined
      ? { ...stack, limits: { ...stack.limits, ...triple } }
      : { ...stack, trap: { pc: triple.pc, fp: triple.fp }, limits: { ...stack.limits, sp: triple.sp } }
  }
  const state = index < stack.activations.length ? stack.activations[index]!.state : stack.terminal
  if (state === undefined) throw new Error(`activation ${index} does not exist`)
  return {
    ...stack,
    states: stack.states.map((s, i) => (i === state ? { limits: s.limits, ...triple } : s))
  }
}

/** The spec's snapshot JSON of a built stack. */
export const toJson = (stack: BuiltStack): Record<string, unknown> => {
  const image = new StackImage(stack.arch)
  for (const r of stack.memory) image.region(r.address, r.bytes.length).bytes.set(r.bytes)
  return snapshotJson(image, {
    wasmtime: stack.wasmtime,
    limits: { address: stack.limits.address, pc: stack.limits.pc, fp: stack.limits.fp, sp: stack.limits.sp },
    states: stack.states,
    trap: stack.trap,
    options: stack.options
  })
}

// ---------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------

const fillBytes = (bytes: Uint8Array, seed: number): void => {
  let x = (seed | 0) || 0x9e3779b9
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
}

/**
 * Lays out a plan's activations in memory, newest (lowest) first, the way
 * the architecture's calls would: frames at least `minFrame` apart; under
 * `entry-sp` the outermost frame `entrySlack` or more below the entry SP and
 * the trampoline's FP `trampolineAbove` or more above it; under the later
 * generations the trampoline's FP (the entry FP) a frame or more above the
 * outermost frame; under `exit-trampoline` the exit trampoline's frame below
 * the newest Wasm frame; host frames between activations.
 */
export const buildStack = (plan: StackPlan): BuiltStack => {
  const arch = abi[plan.arch]
  const generation: GenerationId = plan.wasmtime === undefined ? "entry-sp" : generationOfVersion(plan.wasmtime)
  const unit = arch.fpAlignment
  const vaBits = plan.vaBits ?? 48
  const record = arch.pcOffset + 8n
  // A trap is caught in a Wasm frame; an activation without frames (never under entry-sp) cannot trap.
  const planned = generation === "entry-sp"
    ? plan.activations.map((a) => (a.frames.length > 0 ? a : { ...a, frames: [{ gap: 0, savedPc: a.hostPc, pac: 0n }] }))
    : plan.activations
  const trapped = plan.trap && planned[0]!.frames.length > 0

  // Relative layout: the lowest record at 0 (absolute addresses differ by a multiple of 16).
  interface Laid {
    readonly t: bigint | undefined
    readonly fps: Array<bigint>
    readonly entry: bigint
    readonly trampolineFp: bigint
  }
  const laid: Array<Laid> = []
  let cursor = 0n
  planned.forEach((a, index) => {
    const exits = generation === "exit-trampoline" && !(index === 0 && trapped)
    const t = exits ? cursor : undefined
    const first = t === undefined ? cursor : t + arch.minFrame + unit * BigInt(a.exitGap)
    const fps: Array<bigint> = []
    a.frames.forEach((f, j) => {
      fps.push(j === 0 ? first : fps[j - 1]! + arch.minFrame + unit * BigInt(f.gap))
    })
    const last = fps[fps.length - 1]
    let entry: bigint
    let trampolineFp: bigint
    if (generation === "entry-sp") {
      entry = alignUp(last! + arch.entrySlack + unit * BigInt(a.slack), arch.entrySpAlignment)
      trampolineFp = entry + arch.trampolineAbove + unit * BigInt(a.trampolineDelta)
    } else {
      trampolineFp = alignUp((last === undefined ? first : last + arch.minFrame) + unit * BigInt(a.slack + a.trampolineDelta), 16n)
      entry = trampolineFp
    }
    laid.push({ t, fps, entry, trampolineFp })
    cursor = trampolineFp + arch.minFrame + unit * BigInt(a.hostGap)
  })
  const top = laid[laid.length - 1]!.trampolineFp + record

  // Placement: the lowest record at `base` (16-aligned), the region [base - padLow, base + top + padHigh).
  const padLow = BigInt(plan.padLow)
  let padHigh = BigInt(plan.padHigh)
  const lowest = alignUp(padLow > 4096n ? padLow : 4096n, 16n)
  const highest = alignDown(LIMIT - top - padHigh, 16n)
  let base: bigint
  switch (plan.placement.kind) {
    case "low":
      base = lowest + 16n * (plan.placement.offset % 256n)
      break
    case "high": {
      const end = LIMIT - (plan.placement.offset % 256n)
      base = alignDown(end - top - padHigh, 16n)
      padHigh = end - base - top
      break
    }
    case "any":
      base = lowest + alignDown(plan.placement.offset % (highest - lowest + 1n), 16n)
      break
  }
  const stack = new RegionImage(base - padLow, Number(padLow + top + padHigh))
  fillBytes(stack.bytes, plan.fill)
  const le = arch.littleEndian

  const activations: Array<{ frames: Array<FrameSlots>; triple: Triple; t: bigint | undefined; startFp: bigint }> = []
  const readWords: Array<bigint> = []
  planned.forEach((a, index) => {
    const { entry, fps, t, trampolineFp } = laid[index]!
    const abs = (rel: bigint) => base + rel
    // The trampoline's own record: a host FP and PC (never read by the walk).
    stack.writeWord(abs(trampolineFp), abs(trampolineFp) + arch.minFrame, le)
    stack.writeWord(abs(trampolineFp) + arch.pcOffset, a.hostPc, le)
    const frames: Array<FrameSlots> = []
    a.frames.forEach((f, j) => {
      const fp = abs(fps[j]!)
      const savedFp = j + 1 < fps.length ? abs(fps[j + 1]!) : abs(trampolineFp)
      const stored = arch.pac ? signPc(canonicalPc(f.savedPc, vaBits), f.pac, vaBits) : f.savedPc
      stack.writeWord(fp, savedFp, le)
      stack.writeWord(fp + arch.pcOffset, stored, le)
      readWords.push(fp, fp + arch.pcOffset)
      const previous = a.frames[j - 1]
      const pc = previous === undefined
        ? a.exitPc
        : arch.pac
        ? canonicalPc(previous.savedPc, vaBits)
        : previous.savedPc
      frames.push({ pc, fp, activation: index, fpSlot: fp, pcSlot: fp + arch.pcOffset })
    })
    // The newest Wasm FP, or with no Wasm frame the trampoline's own (it called the host).
    const startFp = fps.length > 0 ? abs(fps[0]!) : abs(trampolineFp)
    if (t !== undefined) {
      // The exit trampoline's record: the Wasm exit FP, and its return address into Wasm.
      stack.writeWord(abs(t), startFp, le)
      stack.writeWord(abs(t) + arch.pcOffset, a.exitPc, le)
      readWords.push(abs(t))
    }
    activations.push({
      frames,
      triple: { pc: a.exitPc, fp: t === undefined ? startFp : abs(t), sp: abs(entry) },
      t: t === undefined ? undefined : abs(t),
      startFp
    })
  })
  // Regions: split and punch holes where no frame word is, add unrelated regions.
  const insideWord = (address: bigint) => readWords.some((w) => address > w && address < w + 8n)
  const touchesWord = (from: bigint, to: bigint) => readWords.some((w) => from < w + 8n && to > w)
  let memory: Array<RegionImage> = [stack]
  const size = BigInt(stack.bytes.length)
  for (const split of plan.splits) {
    let at = stack.address + (BigInt(split) % (size + 1n))
    if (insideWord(at)) at = alignDown(at, 8n)
    memory = splitAt(memory, at)
  }
  for (const hole of plan.holes) {
    const from = stack.address + (BigInt(hole.at) % (size + 1n))
    const to = from + BigInt(hole.length)
    if (!touchesWord(from, to)) memory = removeRange(memory, from, to)
  }
  let below = stack.address
  let above = stack.end
  for (const extra of plan.extras) {
    const length = BigInt(extra.length)
    if (extra.where === "inside") {
      // Empty regions overlap nothing, even inside another region.
      memory.push(new RegionImage(stack.address + (extra.distance % size), 0))
    } else if (extra.where === "below") {
      const end = below - extra.distance
      if (end - length < 0n) continue
      const region = new RegionImage(end - length, extra.length)
      fillBytes(region.bytes, plan.fill + memory.length)
      memory.unshift(region)
      below = end - length
    } else {
      const start = above + extra.distance
      // A region's address is a 64-bit value even when it is empty.
      if (start > MAX || start + length > LIMIT) continue
      const region = new RegionImage(start, extra.length)
      fillBytes(region.bytes, plan.fill + memory.length)
      memory.push(region)
      above = start + length
    }
  }

  // The runtime state: limits, the walked limits' states, others interleaved.
  const k = activations.length
  const terminal = plan.terminal || k === 1
  const zero: Triple = { pc: 0n, fp: 0n, sp: 0n }
  type Tagged = { readonly entry: StateEntry; readonly activation: number | "terminal" | "other" }
  const states: Array<Tagged> = []
  for (let i = 1; i < k; i++) states.push({ entry: { limits: plan.limitsAddress, ...activations[i]!.triple }, activation: i })
  if (terminal) {
    states.push({ entry: { limits: plan.limitsAddress, ...zero }, activation: "terminal" })
    for (const t of plan.tail) states.push({ entry: { limits: plan.limitsAddress, ...t }, activation: "other" })
  }
  for (const other of plan.others) {
    const limits = other.limits === plan.limitsAddress ? other.limits ^ 1n : other.limits
    const entry: StateEntry = { limits, pc: other.pc, fp: other.fp, sp: other.sp }
    // A trap needs the innermost state to be the walked limits'.
    const at = trapped ? 1 + (other.position % states.length) : other.position % (states.length + 1)
    states.splice(at, 0, { entry, activation: "other" })
  }

  const first = activations[0]!.triple
  const trap = trapped ? { pc: first.pc, fp: first.fp } : undefined
  const total = activations.reduce((n, a) => n + a.frames.length, 0)
  const options = plan.vaBits === undefined && plan.spareFrames === undefined
    ? undefined
    : {
      ...(plan.spareFrames === undefined ? {} : { maxFrames: BigInt(total) + plan.spareFrames }),
      ...(plan.vaBits === undefined ? {} : { aarch64VaBits: plan.vaBits })
    }
  const terminalIndex = states.findIndex((s) => s.activation === "terminal")
  return {
    arch: plan.arch,
    generation,
    wasmtime: plan.wasmtime,
    memory,
    limits: trap !== undefined
      ? { address: plan.limitsAddress, pc: plan.stale.pc, fp: plan.stale.fp, sp: first.sp }
      : { address: plan.limitsAddress, ...first },
    states: states.map((s) => s.entry),
    trap,
    options,
    activations: activations.map((a, i) => ({
      ...a,
      state: i === 0 ? -1 : states.findIndex((s) => s.activation === i)
    })),
    terminal: terminalIndex < 0 ? undefined : terminalIndex
  }
}
