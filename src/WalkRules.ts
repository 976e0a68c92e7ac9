/**
 * A walk as data: the frame record and number rules of an architecture,
 * combined with the rules of how an activation starts and ends. The engine
 * (`internal/Cursor`) follows these and names no architecture and no
 * generation; `Generation` (wasmtime's three) and `native/Walk` (core files
 * and minidumps) make them.
 *
 * ```text
 *   for each activation (from an ActivationSource):
 *     loop:
 *       fp == boundary and stopAtBoundary     → the activation ends (no frame)
 *       fp >  boundary and above              → above(…)
 *       fp not a multiple of alignment        → MisalignedFp
 *       frames == maxFrames                   → FrameLimitExceeded
 *       emit { pc, fp }
 *       pc' = mask(*(fp + record.pcOffset))   → UnmappedRead
 *       fp' = *(fp + record.nextFpOffset)     → UnmappedRead
 *       fp' stopAfter boundary                → the activation ends
 *       fp' <= fp                             → NonMonotonicFp
 *       (pc, fp) = (pc', fp')
 * ```
 *
 * @since 0.2.0
 */
import type { FrameRecord, PcMask } from "./Arch.js"
import type { Memory } from "./Memory.js"
import type { WalkError } from "./WalkError.js"

/**
 * Where an activation's frames start, and the value its ends are judged
 * against (`boundary`: an entry SP, an entry FP, or 0 for a native chain).
 *
 * @category models
 * @since 0.2.0
 */
export interface ActivationStart {
  readonly _tag: "ActivationStart"
  readonly index: number
  readonly pc: bigint
  readonly fp: bigint
  readonly boundary: bigint
}

/**
 * Hands the engine its activations one at a time: the next start, a walk
 * error (the activation's own checks failed), or `undefined` when the walk
 * is over, successfully. `frame` is the number of frames emitted so far.
 *
 * @category models
 * @since 0.2.0
 */
export interface ActivationSource {
  readonly next: (frame: number) => ActivationStart | WalkError | undefined
}

/**
 * How a next FP ends an activation: at or above the boundary, above it, or
 * equal to it.
 *
 * @category models
 * @since 0.2.0
 */
export type StopRelation = ">=" | ">" | "=="

/**
 * The rules of one walk.
 *
 * @category models
 * @since 0.2.0
 */
export interface WalkRules {
  readonly littleEndian: boolean
  readonly record: FrameRecord
  /** FP alignment in bytes (a power of two; 1: none). */
  readonly alignment: number
  /** The PC transform of PCs read from the stack. */
  readonly pcMask: PcMask
  /** Frames allowed across all activations. */
  readonly maxFrames: bigint
  /** Before each frame: an FP equal to the boundary ends the activation. */
  readonly stopAtBoundary: boolean
  /** Before each frame: an FP above the boundary is this error. */
  readonly above:
    | ((fields: { readonly frame: number; readonly activation: number; readonly fp: bigint; readonly boundary: bigint }) => WalkError)
    | undefined
  /** After reading a frame's record: a next FP in this relation to the boundary ends the activation. */
  readonly stopAfter: StopRelation | undefined
}

/**
 * A walk: its rules, its memory and its activations.
 *
 * @category models
 * @since 0.2.0
 */
export interface WalkPlan {
  readonly rules: WalkRules
  readonly memory: Memory
  readonly activations: ActivationSource
}
