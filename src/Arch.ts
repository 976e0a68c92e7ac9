/**
 * What the generic walker needs to know about an architecture.
 *
 * An architecture is data plus pure functions: where the saved PC and the
 * saved FP sit relative to a frame pointer, how words are ordered, which
 * alignments a valid stack keeps, when a saved FP means the walk has reached
 * the host trampoline, and how a PC read from the stack is cleaned. The walker
 * never names an architecture; each one lives in `src/arch/<id>.ts`.
 *
 * @since 0.1.0
 */
import type { U64 } from "./U64.js"

/**
 * The four architectures of the spec's table.
 *
 * @category models
 * @since 0.1.0
 */
export type ArchId = "x86_64" | "aarch64" | "s390x" | "riscv64"

/**
 * Per-walk settings that an architecture's PC transform may read.
 *
 * @category models
 * @since 0.1.0
 */
export interface PcOptions {
  /** aarch64: the number of virtual-address bits; higher bits carry PAC. */
  readonly aarch64VaBits: number
}

/**
 * An architecture: one row of the spec's table.
 *
 * @category models
 * @since 0.1.0
 */
export interface Arch {
  readonly id: ArchId
  /** Byte order of the words on the stack. */
  readonly littleEndian: boolean
  /** Offset from FP of the saved return address (the next older PC). */
  readonly pcOffset: bigint
  /** Offset from FP of the saved FP (the next older FP). Zero on all four. */
  readonly nextFpOffset: bigint
  /** Alignment the entry SP recorded by the trampoline must have. */
  readonly entrySpAlignment: bigint
  /** Alignment every Wasm frame pointer must have. */
  readonly fpAlignment: bigint
  /**
   * When a saved FP is the trampoline's frame, ending the activation: at or
   * above the entry SP (`">="`), or only above it (`">"`). See
   * {@link reachedEntrySp}.
   */
  readonly stopWhenNextFp: ">=" | ">"
  /** Cleans a PC read from the stack (aarch64 strips PAC bits). */
  readonly pcFromStack: (pc: U64, options: PcOptions) => U64
  /**
   * A bound below which `pcFromStack` returns every PC unchanged, so that the
   * walker's fast path can use PCs below it (and below 2^53) as they are.
   */
  readonly pcVerbatimBelow: (options: PcOptions) => number
}

/**
 * Whether `nextFp` is the trampoline's frame, by the architecture's
 * `stopWhenNextFp`: the activation is done.
 *
 * @category predicates
 * @since 0.1.0
 */
export const reachedEntrySp = (arch: Arch, nextFp: U64, entrySp: U64): boolean =>
  arch.stopWhenNextFp === ">=" ? nextFp >= entrySp : nextFp > entrySp

/**
 * The PC transform of architectures that store return addresses verbatim.
 *
 * @category constructors
 * @since 0.1.0
 */
export const pcVerbatim = (pc: U64): U64 => pc

/**
 * The `pcVerbatimBelow` of architectures that store return addresses
 * verbatim: no PC is changed.
 *
 * @category constructors
 * @since 0.1.0
 */
export const allVerbatim = (): number => Infinity
