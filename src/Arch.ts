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
   * `pcFromStack` on the high half of a PC, for the walker's fast path (see
   * {@link HighMasks}), or `undefined` when cleaning a PC needs its low half
   * too: the fast path then leaves every PC to `pcFromStack`.
   */
  readonly pcHighMasks: (options: PcOptions) => HighMasks | undefined
}

/**
 * A PC transform that touches only bits 63–32, as masks on that half: the
 * clean high half is `(high & sign) === 0 ? high & keep : high | fill` (as an
 * unsigned 32-bit number), and the low half stays as it is.
 *
 * @category models
 * @since 0.1.0
 */
export interface HighMasks {
  readonly sign: number
  readonly keep: number
  readonly fill: number
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
 * The `pcHighMasks` of architectures that store return addresses verbatim:
 * every high half is kept.
 *
 * @category constructors
 * @since 0.1.0
 */
export const highVerbatim = (): HighMasks => KEEP_ALL

const KEEP_ALL: HighMasks = { sign: 0, keep: 0xffff_ffff, fill: 0 }
