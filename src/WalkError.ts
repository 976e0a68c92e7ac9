/**
 * The ways a walk can fail, as the specs (v1 and v2) name them.
 *
 * Where wasmtime asserts and panics, fpwalk fails with one of these. Every
 * error carries the values that broke the check, the index of the activation
 * being walked, and `frame`: how many frames had been emitted when it
 * happened, which is the length of the prefix kept with the error. For the
 * checks before a frame is emitted (4a–4c) that is also the index the frame
 * would have had; for the reads and the monotonicity check (4e–4h), which
 * look at the last emitted frame's saved words, that frame is `frame - 1`.
 * Messages are computed from the fields, one sentence each.
 *
 * @since 0.1.0
 */
import { TracelessError } from "./internal/TracelessError.js"
import { toHex } from "./U64.js"

/**
 * Check 0: a trap was caught, but the innermost call-thread state belongs to
 * other limits (or there is no state at all).
 *
 * @category errors
 * @since 0.1.0
 */
export class MismatchedLimits extends TracelessError("MismatchedLimits")<{
  readonly frame: number
  readonly limits: bigint
  /** The innermost state's limits; absent when there are no states. */
  readonly stateLimits?: bigint | undefined
}> {
  override get message(): string {
    return this.stateLimits === undefined
      ? `a trap was recorded for limits ${toHex(this.limits)}, but the thread has no call-thread state`
      : `a trap was recorded for limits ${toHex(this.limits)}, but the innermost call-thread state belongs to limits ${toHex(this.stateLimits)}`
  }
}

/**
 * Check 1: an activation with PC 0 (the end of the chain) has a non-zero FP
 * or entry value. Under `entry-sp` the entry value is the entry SP (`sp`);
 * under `entry-fp` and `exit-trampoline` it is the entry FP (`entryFp`), and
 * `fp` is the recorded exit FP (or the exit trampoline's FP).
 *
 * @category errors
 * @since 0.1.0
 */
export class InconsistentActivation extends TracelessError("InconsistentActivation")<{
  readonly frame: number
  readonly activation: number
  readonly pc: bigint
  readonly fp: bigint
  readonly sp?: bigint | undefined
  readonly entryFp?: bigint | undefined
}> {
  override get message(): string {
    const entry = this.entryFp === undefined ? `its entry SP is ${toHex(this.sp ?? 0n)}` : `its entry FP is ${toHex(this.entryFp)}`
    return `activation ${this.activation} has PC 0, which ends the chain, but its FP is ${toHex(this.fp)} and ${entry} (both must be 0)`
  }
}

/**
 * Check 2: an activation with a PC has FP 0.
 *
 * @category errors
 * @since 0.1.0
 */
export class NullFramePointer extends TracelessError("NullFramePointer")<{
  readonly frame: number
  readonly activation: number
}> {
  override get message(): string {
    return `activation ${this.activation} has a PC but its frame pointer is 0`
  }
}

/**
 * Check 2: an activation with a PC and an FP has entry SP 0.
 *
 * @category errors
 * @since 0.1.0
 */
export class NullEntrySp extends TracelessError("NullEntrySp")<{
  readonly frame: number
  readonly activation: number
}> {
  override get message(): string {
    return `activation ${this.activation} has a PC and a frame pointer but its entry SP is 0`
  }
}

/**
 * Check 2 (`entry-fp`, `exit-trampoline`): an activation with a PC and an FP
 * has entry FP 0.
 *
 * @category errors
 * @since 0.2.0
 */
export class NullEntryFp extends TracelessError("NullEntryFp")<{
  readonly frame: number
  readonly activation: number
}> {
  override get message(): string {
    return `activation ${this.activation} has a PC and a frame pointer but its entry FP is 0`
  }
}

/**
 * Check 3: the entry SP recorded by the trampoline is not aligned.
 *
 * @category errors
 * @since 0.1.0
 */
export class MisalignedEntrySp extends TracelessError("MisalignedEntrySp")<{
  readonly frame: number
  readonly activation: number
  readonly entrySp: bigint
  readonly alignment: number
}> {
  override get message(): string {
    return `activation ${this.activation} has entry SP ${toHex(this.entrySp)}, which is not ${this.alignment}-byte aligned`
  }
}

/**
 * Check 4a: a frame pointer lies above the activation's entry SP.
 *
 * @category errors
 * @since 0.1.0
 */
export class FpAboveEntrySp extends TracelessError("FpAboveEntrySp")<{
  readonly frame: number
  readonly activation: number
  readonly fp: bigint
  readonly entrySp: bigint
}> {
  override get message(): string {
    return `frame ${this.frame} in activation ${this.activation} has FP ${toHex(this.fp)}, above the entry SP ${toHex(this.entrySp)}`
  }
}

/**
 * Check 4a (`entry-fp`, `exit-trampoline`): a frame pointer lies above the
 * activation's entry FP.
 *
 * @category errors
 * @since 0.2.0
 */
export class FpAboveEntryFp extends TracelessError("FpAboveEntryFp")<{
  readonly frame: number
  readonly activation: number
  readonly fp: bigint
  readonly entryFp: bigint
}> {
  override get message(): string {
    return `frame ${this.frame} in activation ${this.activation} has FP ${toHex(this.fp)}, above the entry FP ${toHex(this.entryFp)}`
  }
}

/**
 * Check 4b: a frame pointer is not aligned.
 *
 * @category errors
 * @since 0.1.0
 */
export class MisalignedFp extends TracelessError("MisalignedFp")<{
  readonly frame: number
  readonly activation: number
  readonly fp: bigint
  readonly alignment: number
}> {
  override get message(): string {
    return `frame ${this.frame} in activation ${this.activation} has FP ${toHex(this.fp)}, which is not ${this.alignment}-byte aligned`
  }
}

/**
 * Check 4c: emitting one more frame would exceed `maxFrames`.
 *
 * @category errors
 * @since 0.1.0
 */
export class FrameLimitExceeded extends TracelessError("FrameLimitExceeded")<{
  readonly frame: number
  readonly maxFrames: number
}> {
  override get message(): string {
    return `the stack has more than ${this.maxFrames} frame${this.maxFrames === 1 ? "" : "s"} (maxFrames)`
  }
}

/**
 * Checks 4e and 4f (and the `exit-trampoline` read of the exit FP, check 3):
 * a word the walk needs is not in the captured memory (or its address is
 * outside `0 .. 2^64 - 1`). `fp` is the frame pointer the word was read
 * through (the exit trampoline's FP for check 3); `slot` says which word.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnmappedRead extends TracelessError("UnmappedRead")<{
  readonly frame: number
  readonly activation: number
  readonly fp: bigint
  /** First byte of the word that could not be read: the unwrapped sum. */
  readonly address: bigint
  readonly slot: "saved PC" | "saved FP" | "exit FP"
}> {
  override get message(): string {
    const where = this.slot === "exit FP"
      ? `activation ${this.activation}'s exit trampoline (FP ${toHex(this.fp)}) keeps the Wasm exit FP at ${toHex(this.address)}`
      : `frame ${this.frame - 1} in activation ${this.activation} (FP ${toHex(this.fp)}) keeps its ${this.slot} at ${toHex(this.address)}`
    return `${where}, but those 8 bytes are not in the captured memory`
  }
}

/**
 * Check 4h: a saved frame pointer does not lie above the current one (the
 * stack grows down, so older frames are at higher addresses).
 *
 * @category errors
 * @since 0.1.0
 */
export class NonMonotonicFp extends TracelessError("NonMonotonicFp")<{
  readonly frame: number
  readonly activation: number
  readonly fp: bigint
  readonly nextFp: bigint
}> {
  override get message(): string {
    return `frame ${this.frame - 1} in activation ${this.activation} at FP ${toHex(this.fp)} saved the older FP ${toHex(this.nextFp)}, which is not above it (the stack grows down)`
  }
}

/**
 * Any of the walk errors.
 *
 * @category errors
 * @since 0.1.0
 */
export type WalkError =
  | MismatchedLimits
  | InconsistentActivation
  | NullFramePointer
  | NullEntrySp
  | NullEntryFp
  | MisalignedEntrySp
  | FpAboveEntrySp
  | FpAboveEntryFp
  | MisalignedFp
  | FrameLimitExceeded
  | UnmappedRead
  | NonMonotonicFp

/**
 * The tags, in the spec's check order (v2's beside their v1 twins).
 *
 * @category errors
 * @since 0.1.0
 */
export const tags = [
  "MismatchedLimits",
  "InconsistentActivation",
  "NullFramePointer",
  "NullEntrySp",
  "NullEntryFp",
  "MisalignedEntrySp",
  "FpAboveEntrySp",
  "FpAboveEntryFp",
  "MisalignedFp",
  "FrameLimitExceeded",
  "UnmappedRead",
  "NonMonotonicFp"
] as const satisfies ReadonlyArray<WalkError["_tag"]>

/**
 * A walk error's tag.
 *
 * @category errors
 * @since 0.1.0
 */
export type WalkErrorTag = WalkError["_tag"]
