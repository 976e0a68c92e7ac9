/**
 * The named corruptions of a valid stack, each with the error a correct
 * walk must stop at: its tag, the frame index it carries (`error.frame`,
 * the number of frames emitted before it), the fields that name the
 * offending values, and the frames walked before it. Everything is derived
 * from how the stack was built.
 */
import type { Frame } from "../src/Walker.js"
import type { WalkErrorTag } from "../src/WalkError.js"
import { abi, alignDown } from "./abi.js"
import type { BuiltStack, Triple } from "./stack.js"
import { allFrames, expectedFrames, framesBefore, LIMIT, MAX, removeRange, splitAt, toJson, tripleOf, withTriple, writeWord } from "./stack.js"

export const corruptionNames = [
  "savedFpBelow",
  "savedFpMisaligned",
  "fpAboveEntrySp",
  "entrySpMisaligned",
  "memoryCutShort",
  "regionGap",
  "trapWithOtherLimits",
  "pcZeroWithFp",
  "nullFp",
  "nullSp",
  "cycle",
  "tooManyFrames"
] as const

export type CorruptionName = (typeof corruptionNames)[number]

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

export const corrupt = (stack: BuiltStack, c: Corruption): CorruptedStack => {
  const arch = abi[stack.arch]
  const frames = allFrames(stack)
  const walked = expectedFrames(stack)
  const k = stack.activations.length
  const { pick, value, variant } = c
  const anyFrame = frames[pick % frames.length]!
  // Activations whose triple can be corrupted: the walked ones, and the PC-0 one that ends the chain.
  const anyActivation = pick % (k + (stack.terminal === undefined ? 0 : 1))

  const result = (
    corrupted: BuiltStack,
    tag: WalkErrorTag,
    frame: number,
    fields: Record<string, bigint | number | undefined>
  ): CorruptedStack => ({ name: c.name, json: toJson(corrupted), tag, frame, frames: walked.slice(0, frame), fields })

  // A saved FP replaced: the walk emits that frame, then fails at the next one.
  const savedFp = (target: typeof anyFrame, nextFp: bigint, tag: "NonMonotonicFp" | "MisalignedFp") =>
    result(
      { ...stack, memory: writeWord(stack.arch, stack.memory, target.frame.fpSlot, nextFp) },
      tag,
      target.global + 1,
      tag === "NonMonotonicFp"
        ? { activation: target.activation, fp: target.frame.fp, nextFp }
        : { activation: target.activation, fp: nextFp, alignment: Number(arch.fpAlignment) }
    )

  const activationFails = (index: number, triple: Triple, tag: WalkErrorTag, fields: Record<string, bigint | number | undefined>) =>
    result(withTriple(stack, index, triple), tag, framesBefore(stack, index), { activation: index, ...fields })

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
        const sp = stack.activations[t.activation]!.triple.sp
        return next !== undefined ? next.fp : arch.stopsAtEntrySp ? sp : sp + 1n
      }
      const roomy = frames.filter((t) => bound(t) - t.frame.fp >= 2n)
      if (roomy.length > 0 && variant % 3 !== 0) {
        const target = roomy[pick % roomy.length]!
        let nextFp = target.frame.fp + 1n + (value % (bound(target) - target.frame.fp - 1n))
        if (nextFp % arch.fpAlignment === 0n) nextFp -= 1n
        return savedFp(target, nextFp, "MisalignedFp")
      }
      // The activation's own FP misaligned instead.
      const index = pick % k
      const triple = tripleOf(stack, index)
      const fp = triple.fp - 1n - (value % (arch.fpAlignment - 1n))
      return activationFails(index, { ...triple, fp }, "MisalignedFp", { fp, alignment: Number(arch.fpAlignment) })
    }
    case "fpAboveEntrySp": {
      const index = pick % k
      const triple = tripleOf(stack, index)
      if (variant % 2 === 0) {
        const room = MAX - triple.sp < 4096n ? MAX - triple.sp : 4096n
        const fp = triple.sp + 1n + (value % room)
        return activationFails(index, { ...triple, fp }, "FpAboveEntrySp", { fp, entrySp: triple.sp })
      }
      const sp = alignDown(triple.fp - 1n, arch.entrySpAlignment) - arch.entrySpAlignment * (value % 4n)
      return activationFails(index, { ...triple, sp }, "FpAboveEntrySp", { fp: triple.fp, entrySp: sp })
    }
    case "entrySpMisaligned": {
      const index = pick % k
      const triple = tripleOf(stack, index)
      const by = 1n + (value % (arch.entrySpAlignment - 1n))
      const sp = variant % 2 === 0 ? triple.sp + by : triple.sp - by
      return activationFails(index, { ...triple, sp }, "MisalignedEntrySp", {
        entrySp: sp,
        alignment: Number(arch.entrySpAlignment)
      })
    }
    case "memoryCutShort":
    case "regionGap": {
      const target = anyFrame
      const { fp, fpSlot, pcSlot } = target.frame
      // Words read before the failing read lie below `low` (older frames are higher).
      const low = target.global > 0 ? frames[target.global - 1]!.frame.pcSlot + 8n : fp - 64n
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
      const triple = tripleOf(stack, anyActivation)
      const fp = nonZero(triple.fp, value)
      const sp = nonZero(triple.sp, value)
      const broken = [{ pc: 0n, fp, sp: triple.sp }, { pc: 0n, fp, sp: 0n }, { pc: 0n, fp: 0n, sp }][variant % 3]!
      return activationFails(anyActivation, broken, "InconsistentActivation", { pc: 0n, fp: broken.fp, sp: broken.sp })
    }
    case "nullFp": {
      const triple = tripleOf(stack, anyActivation)
      const pc = nonZero(triple.pc, value)
      return activationFails(anyActivation, { pc, fp: 0n, sp: variant % 2 === 0 ? triple.sp : value }, "NullFramePointer", {})
    }
    case "nullSp": {
      const triple = tripleOf(stack, anyActivation)
      return activationFails(
        anyActivation,
        { pc: nonZero(triple.pc, value), fp: nonZero(triple.fp, value >> 1n), sp: 0n },
        "NullEntrySp",
        {}
      )
    }
    case "tooManyFrames": {
      const maxFrames = pick % walked.length
      return result({ ...stack, options: { ...stack.options, maxFrames: BigInt(maxFrames) } }, "FrameLimitExceeded", maxFrames, {
        maxFrames
      })
    }
  }
}
