/**
 * A stack built from a plan, together with everything the builder knows
 * about it: where each frame record is, which activation each triple
 * belongs to, and the frames a correct walk must produce. The arbitraries
 * build these (valid, then possibly corrupted) and write the spec's JSON
 * with `properties/layout.ts`.
 */
import type { ArchId } from "../src/Arch.js"
import type { Frame } from "../src/Walker.js"
import { abi, alignDown, alignUp, canonicalPc, signPc } from "./abi.js"
import { RegionImage, snapshotJson, StackImage } from "./layout.js"

export const LIMIT = 1n << 64n
export const MAX = LIMIT - 1n

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
}

export interface BuiltStack {
  readonly arch: ArchId
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
  readonly frames: ReadonlyArray<FramePlan>
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
  readonly activations: ReadonlyArray<ActivationPlan>
  readonly limitsAddress: bigint
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
  stack.activations.flatMap((a) => a.frames.map(({ fp, pc }) => ({ pc, fp })))

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
 * the architecture's calls would: frames at least `minFrame` apart, the
 * outermost frame `entrySlack` or more below the entry SP, the trampoline's
 * FP `trampolineAbove` or more above it, host frames between activations.
 */
export const buildStack = (plan: StackPlan): BuiltStack => {
  const arch = abi[plan.arch]
  const unit = arch.fpAlignment
  const vaBits = plan.vaBits ?? 48
  const record = arch.pcOffset + 8n

  // Relative layout: the newest FP at 0 (absolute addresses differ by a multiple of 16).
  interface Laid {
    readonly fps: Array<bigint>
    readonly entrySp: bigint
    readonly trampolineFp: bigint
  }
  const laid: Array<Laid> = []
  let cursor = 0n
  for (const a of plan.activations) {
    const fps: Array<bigint> = []
    a.frames.forEach((f, j) => {
      fps.push(j === 0 ? cursor : fps[j - 1]! + arch.minFrame + unit * BigInt(f.gap))
    })
    const last = fps[fps.length - 1]!
    const entrySp = alignUp(last + arch.entrySlack + unit * BigInt(a.slack), arch.entrySpAlignment)
    const trampolineFp = entrySp + arch.trampolineAbove + unit * BigInt(a.trampolineDelta)
    laid.push({ fps, entrySp, trampolineFp })
    cursor = trampolineFp + arch.minFrame + unit * BigInt(a.hostGap)
  }
  const top = laid[laid.length - 1]!.trampolineFp + record

  // Placement: the newest FP at `base` (16-aligned), the region [base - padLow, base + top + padHigh).
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

  const activations: Array<{ frames: Array<FrameSlots>; triple: Triple }> = []
  const readWords: Array<bigint> = []
  plan.activations.forEach((a, index) => {
    const { entrySp, fps, trampolineFp } = laid[index]!
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
      frames.push({ pc, fp, fpSlot: fp, pcSlot: fp + arch.pcOffset })
    })
    activations.push({ frames, triple: { pc: a.exitPc, fp: abs(fps[0]!), sp: abs(entrySp) } })
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
    const at = plan.trap ? 1 + (other.position % states.length) : other.position % (states.length + 1)
    states.splice(at, 0, { entry, activation: "other" })
  }

  const first = activations[0]!.triple
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
    memory,
    limits: plan.trap
      ? { address: plan.limitsAddress, pc: plan.stale.pc, fp: plan.stale.fp, sp: first.sp }
      : { address: plan.limitsAddress, ...first },
    states: states.map((s) => s.entry),
    trap: plan.trap ? { pc: first.pc, fp: first.fp } : undefined,
    options,
    activations: activations.map((a, i) => ({
      ...a,
      state: i === 0 ? -1 : states.findIndex((s) => s.activation === i)
    })),
    terminal: terminalIndex < 0 ? undefined : terminalIndex
  }
}
