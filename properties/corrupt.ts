/**
 * The named corruptions of a valid stack, each with the error a correct
 * walk must stop at: its tag, the frame index it carries (`error.frame`,
 * the number of frames emitted before it), the fields that name the
 * offending values, and the frames walked before it. Everything is derived
 * from how the stack was built. Each corruption applies to the generations
 * whose walk has its check (`appliesTo`); a tag that differs by generation
 * (`NullEntrySp` / `NullEntryFp`, `FpAboveEntrySp` / `FpAboveEntryFp`, the
 * entry field of `InconsistentActivation`) follows the stack's generation.
 */
import type { WalkErrorTag } from "../src/WalkError.js"
import { abi, alignDown } from "./abi.js"
import type { GenerationId } from "./generations.js"
import { generationIds } from "./generations.js"
import type { BuiltStack, Frame, Triple } from "./stack.js"
import { allFrames, expectedFrames, framesBefore, LIMIT, MAX, removeRange, splitAt, toJson, tripleOf, withTriple, writeWord } from "./stack.js"

export const corruptionNames = [
  "savedFpBelow",
  "savedFpMisaligned",
  "fpAboveEntry",
  "entrySpMisaligned",
  "memoryCutShort",
  "regionGap",
  "trapWithOtherLimits",
  "pcZeroWithFp",
  "nullFp",
  "nullEntry",
  "cycle",
  "tooManyFrames",
  "savedFpPastEntryFp",
  "exitFpUnmapped",
  "exitFpNull"
] as const

export type CorruptionName = (typeof corruptionNames)[number]

const laterGenerations: ReadonlyArray<GenerationId> = ["entry-fp", "exit-trampoline"]

/** The generations whose walk has the check a corruption breaks. */
export const appliesTo: Readonly<Record<CorruptionName, ReadonlyArray<GenerationId>>> = {
  savedFpBelow: generationIds,
  savedFpMisaligned: generationIds,
  fpAboveEntry: generationIds,
  // wasmtime checks the entry SP's alignment; since 27 it checks nothing of the entry FP.
  entrySpMisaligned: ["entry-sp"],
  memoryCutShort: generationIds,
  regionGap: generationIds,
  trapWithOtherLimits: generationIds,
  pcZeroWithFp: generationIds,
  nullFp: generationIds,
  nullEntry: generationIds,
  cycle: generationIds,
  tooManyFrames: generationIds,
  // Under entry-sp a saved FP past the entry SP ends the activation; later, it is an error.
  savedFpPastEntryFp: laterGenerations,
  exitFpUnmapped: ["exit-trampoline"],
  exitFpNull: ["exit-trampoline"]
}

/** Which corruption, and numbers that choose its target and values. */
export interface Corruption {
  readonly name: CorruptionName
  readonly pick: number
  readonly variant: number
  readonly value: bigint
}

export interface CorruptedStack {
  readonly name: CorruptionName
  readonly json: Record<string, unknown>
  readonly tag: WalkErrorTag
  /** `error.frame`: the frames emitted before the error. */
  readonly frame: number
  /** The frames a correct walk emits before failing. */
  readonly frames: ReadonlyArray<Frame>
  /** The error's fields that must hold these values (`undefined`: absent). */
  readonly fields: Readonly<Record<string, bigint | number | undefined>>
}

const nonZero = (value: bigint, fallback: bigint): bigint => (value !== 0n ? value : fallback === 0n ? 1n : fallback)

// The corruptions that need a frame to corrupt; on a stack without frames they become `nullFp`.
const needsFrame: ReadonlySet<CorruptionName> = new Set<CorruptionName>([
  "savedFpBelow",
  "cycle",
  "memoryCutShort",
  "regionGap",
  "tooManyFrames",
  "savedFpPastEntryFp"
])

const mapped = (stack: BuiltStack, address: bigint): boolean => stack.memory.some((r) => r.contains(address))

export const corrupt = (stack: BuiltStack, requested: Corruption): CorruptedStack => {
  const arch = abi[stack.arch]
  const frames = allFrames(stack)
  const walked = expectedFrames(stack)
  const c: Corruption = frames.length === 0 && needsFrame.has(requested.name) ? { ...requested, name: "nullFp" } : requested
  const k = stack.activations.length
  const v2 = stack.generation !== "entry-sp"
  // The error fields that name an entry value, by generation.
  const entryField = v2 ? "entryFp" : "entrySp"
  const { pick, value, variant } = c
  const anyFrame = frames[pick % Math.max(1, frames.length)]!
  // Activations whose triple can be corrupted: the walked ones, and the PC-0 one that ends the chain.
  const anyActivation = pick % (k + (stack.terminal === undefined ? 0 : 1))

  const result = (
    corrupted: BuiltStack,
    tag: WalkErrorTag,
    frame: number,
    fields: Record<string, bigint | number | undefined>
  ): CorruptedStack => ({ name: c.name, json: toJson(corrupted), tag, frame, frames: walked.slice(0, frame), fields })

  // A saved FP replaced: the walk emits that frame, then fails at the next one.
  const savedFp = (target: typeof anyFrame, nextFp: bigint, tag: "NonMonotonicFp" | "MisalignedFp" | "FpAboveEntryFp") =>
    result(
      { ...stack, memory: writeWord(stack.arch, stack.memory, target.frame.fpSlot, nextFp) },
      tag,
      target.global + 1,
      tag === "NonMonotonicFp"
        ? { activation: target.activation, fp: target.frame.fp, nextFp }
        : tag === "MisalignedFp"
        ? { activation: target.activation, fp: nextFp, alignment: Number(arch.fpAlignment) }
        : { activation: target.activation, fp: nextFp, entryFp: stack.activations[target.activation]!.triple.sp }
    )

  const activationFails = (corrupted: BuiltStack, index: number, tag: WalkErrorTag, fields: Record<string, bigint | number | undefined>) =>
    result(corrupted, tag, framesBefore(stack, index), { activation: index, ...fields })

  const withTripleFails = (index: number, triple: Triple, tag: WalkErrorTag, fields: Record<string, bigint | number | undefined>) =>
    activationFails(withTriple(stack, index, triple), index, tag, fields)

  // The stack with activation `index` starting at another FP: where the walk reads it from (the word at t, or the triple).
  const withStartFp = (index: number, fp: bigint): BuiltStack => {
    const t = stack.activations[index]!.t
    return t === undefined
      ? withTriple(stack, index, { ...tripleOf(stack, index), fp })
      : { ...stack, memory: writeWord(stack.arch, stack.memory, t, fp) }
  }

  // The activations whose walk begins with a read at the exit trampoline's FP.
  const exits = stack.activations.flatMap((a, index) => (a.t === undefined ? [] : [{ index, t: a.t }]))

  switch (c.name) {
    case "savedFpBelow": {
      const fp = anyFrame.frame.fp
      const options = [fp, fp - arch.fpAlignment * (1n + (value % 4n)), 0n, value % (fp + 1n)]
      return savedFp(anyFrame, options[variant % options.length]!, "NonMonotonicFp")
    }
    case "cycle": {
      const older = stack.activations[anyFrame.activation]!.frames[variant % (anyFrame.index + 1)]!
      return savedFp(anyFrame, older.fp, "NonMonotonicFp")
    }
    case "savedFpMisaligned": {
      // The highest saved FP that does not end the activation, plus one.
      const bound = (t: typeof anyFrame) => {
        const next = stack.activations[t.activation]!.frames[t.index + 1]
        const entry = stack.activations[t.activation]!.triple.sp
        return next !== undefined ? next.fp : v2 || arch.stopsAtEntrySp ? entry : entry + 1n
      }
      const roomy = frames.filter((t) => bound(t) - t.frame.fp >= 2n)
      if (roomy.length > 0 && variant % 3 !== 0) {
        const target = roomy[pick % roomy.length]!
        let nextFp = target.frame.fp + 1n + (value % (bound(target) - target.frame.fp - 1n))
        if (nextFp % arch.fpAlignment === 0n) nextFp -= 1n
        return savedFp(target, nextFp, "MisalignedFp")
      }
      // The activation's own first FP misaligned instead.
      const index = pick % k
      const fp = stack.activations[index]!.startFp - 1n - (value % (arch.fpAlignment - 1n))
      return activationFails(withStartFp(index, fp), index, "MisalignedFp", { fp, alignment: Number(arch.fpAlignment) })
    }
    case "fpAboveEntry": {
      const index = pick % k
      const triple = tripleOf(stack, index)
      const tag = v2 ? "FpAboveEntryFp" : "FpAboveEntrySp"
      if (variant % 2 === 0) {
        const room = MAX - triple.sp < 4096n ? MAX - triple.sp : 4096n
        const fp = triple.sp + 1n + (value % room)
        return activationFails(withStartFp(index, fp), index, tag, { fp, [entryField]: triple.sp })
      }
      // The entry value below the first FP (under entry-sp still aligned, so that check 3 passes).
      const start = stack.activations[index]!.startFp
      const entry = v2 ? start - 1n - (value % 2048n) : alignDown(start - 1n, arch.entrySpAlignment) - arch.entrySpAlignment * (value % 4n)
      return withTripleFails(index, { ...triple, sp: entry }, tag, { fp: start, [entryField]: entry })
    }
    case "entrySpMisaligned": {
      const index = pick % k
      const triple = tripleOf(stack, index)
      const by = 1n + (value % (arch.entrySpAlignment - 1n))
      const sp = variant % 2 === 0 ? triple.sp + by : triple.sp - by
      return withTripleFails(index, { ...triple, sp }, "MisalignedEntrySp", {
        entrySp: sp,
        alignment: Number(arch.entrySpAlignment)
      })
    }
    case "memoryCutShort":
    case "regionGap": {
      const target = anyFrame
      const { fp, fpSlot, pcSlot } = target.frame
      // Words read before the failing read lie below `low` (older frames are higher): the frames
      // before it, and for the first frame of an activation the word at its exit trampoline's FP.
      const t = target.index === 0 ? stack.activations[target.activation]!.t : undefined
      const below = target.global > 0 ? frames[target.global - 1]!.frame.pcSlot + 8n : fp - 64n
      const low = t !== undefined && t + 8n > below ? t + 8n : below
      const fail = (memory: BuiltStack["memory"], address: bigint) =>
        result({ ...stack, memory }, "UnmappedRead", target.global + 1, { activation: target.activation, fp, address })
      if (c.name === "memoryCutShort") {
        const cut = low + (value % (pcSlot + 8n - low))
        return fail(removeRange(stack.memory, cut, LIMIT), pcSlot)
      }
      // The PC is read first: a gap at the FP slot must leave the PC slot whole.
      const slot = variant % 4 === 2 ? fpSlot : pcSlot
      if (variant % 4 === 3) {
        // No byte missing: the word straddles two adjacent regions.
        const word = value % 2n === 0n ? pcSlot : fpSlot
        return fail(splitAt(stack.memory, word + 1n + ((value >> 1n) % 7n)), word)
      }
      const high = slot === fpSlot ? pcSlot : pcSlot + 72n
      const from = low + (value % (slot + 8n - low))
      const start = from > slot ? from : slot
      const to = start + 1n + ((value >> 32n) % (high - start))
      return fail(removeRange(stack.memory, from, to), slot)
    }
    case "trapWithOtherLimits": {
      const address = stack.limits.address
      const trapped: BuiltStack = stack.trap !== undefined ? stack : {
        ...stack,
        trap: { pc: stack.limits.pc, fp: stack.limits.fp },
        limits: { ...stack.limits, pc: value, fp: value >> 3n }
      }
      if (variant % 2 === 0) {
        return result({ ...trapped, states: [] }, "MismatchedLimits", 0, { limits: address, stateLimits: undefined })
      }
      const other = value === address ? address ^ 1n : value
      return result(
        { ...trapped, states: [{ limits: other, pc: value, fp: value, sp: value }, ...trapped.states] },
        "MismatchedLimits",
        0,
        { limits: address, stateLimits: other }
      )
    }
    case "pcZeroWithFp": {
      // Nothing is read for a PC-0 activation: not even the word at an exit trampoline's FP.
      const triple = tripleOf(stack, anyActivation)
      const fp = nonZero(triple.fp, value)
      const sp = nonZero(triple.sp, value)
      const broken = [{ pc: 0n, fp, sp: triple.sp }, { pc: 0n, fp, sp: 0n }, { pc: 0n, fp: 0n, sp }][variant % 3]!
      return withTripleFails(anyActivation, broken, "InconsistentActivation", {
        pc: 0n,
        fp: broken.fp,
        sp: v2 ? undefined : broken.sp,
        entryFp: v2 ? broken.sp : undefined
      })
    }
    case "nullFp": {
      const triple = tripleOf(stack, anyActivation)
      const pc = nonZero(triple.pc, value)
      return withTripleFails(anyActivation, { pc, fp: 0n, sp: variant % 2 === 0 ? triple.sp : value }, "NullFramePointer", {})
    }
    case "nullEntry": {
      const triple = tripleOf(stack, anyActivation)
      return withTripleFails(
        anyActivation,
        { pc: nonZero(triple.pc, value), fp: nonZero(triple.fp, value >> 1n), sp: 0n },
        v2 ? "NullEntryFp" : "NullEntrySp",
        {}
      )
    }
    case "tooManyFrames": {
      const maxFrames = pick % walked.length
      return result({ ...stack, options: { ...stack.options, maxFrames: BigInt(maxFrames) } }, "FrameLimitExceeded", maxFrames, {
        maxFrames
      })
    }
    case "savedFpPastEntryFp": {
      // Monotonic, but past the entry FP: under the later generations the next check fails.
      const entry = stack.activations[anyFrame.activation]!.triple.sp
      const room = MAX - entry < 4096n ? MAX - entry : 4096n
      const nextFp = variant % 2 === 0 || room < arch.fpAlignment ? entry + 1n + (value % room) : entry + arch.fpAlignment
      return savedFp(anyFrame, nextFp, "FpAboveEntryFp")
    }
    case "exitFpUnmapped":
    case "exitFpNull": {
      const exit = exits[pick % Math.max(1, exits.length)]
      // Only a trapped newest activation, alone: no exit trampoline is read.
      if (exit === undefined) return corrupt(stack, { ...c, name: "nullFp" })
      const { index, t } = exit
      if (c.name === "exitFpNull") {
        return activationFails({ ...stack, memory: writeWord(stack.arch, stack.memory, t, 0n) }, index, "NullFramePointer", {})
      }
      const unmapped = (memory: BuiltStack["memory"], at: bigint) =>
        activationFails({ ...stack, memory }, index, "UnmappedRead", { fp: at, address: at })
      const moved = (at: bigint) =>
        activationFails(withTriple(stack, index, { ...tripleOf(stack, index), fp: at }), index, "UnmappedRead", { fp: at, address: at })
      switch (variant % 4) {
        case 0: { // one byte of the word at t missing
          const at = t + (value % 8n)
          return unmapped(removeRange(stack.memory, at, at + 1n), t)
        }
        case 1: // the word at t straddles two adjacent regions
          return unmapped(splitAt(stack.memory, t + 1n + (value % 7n)), t)
        case 2: // t so high that its word passes 2^64 - 1 (no alignment check on t)
          return moved(MAX - (value % 7n))
        default: { // t anywhere unmapped
          const at = nonZero(value, 8n)
          return mapped(stack, at) ? moved(MAX - (value % 7n)) : moved(at)
        }
      }
    }
  }
}
