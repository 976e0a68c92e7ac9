/**
 * What the walk needs to know about an architecture.
 *
 * An architecture is data: how words are ordered, where a frame record keeps
 * the saved PC and the saved FP relative to the frame pointer (either may be
 * negative), the alignments a valid Wasm stack keeps, and how a PC read from
 * the stack is cleaned, as masks ({@link PcMask}, derived in one place,
 * {@link pcMask}). The walker never names an architecture; each one lives in
 * `src/arch/<id>.ts`.
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
 * Per-walk settings that an architecture's PC transform reads.
 *
 * @category models
 * @since 0.1.0
 */
export interface PcOptions {
  /** aarch64: the number of virtual-address bits; higher bits carry PAC. */
  readonly aarch64VaBits: number
}

/**
 * Where a frame record keeps the next older frame's PC and FP, as byte
 * offsets from the frame pointer:
 * `(pc', fp') = (*(fp + pcOffset), *(fp + nextFpOffset))`, or, with
 * `pcFromNextFp`, `fp' = *(fp + nextFpOffset)` then `pc' = *(fp' + pcOffset)`
 * (the return address kept in the caller's frame, as s390x's C ABI does).
 *
 * @category models
 * @since 0.2.0
 */
export interface FrameRecord {
  readonly pcOffset: number
  readonly nextFpOffset: number
  readonly pcFromNextFp?: boolean | undefined
}

/**
 * An architecture: one row of the spec's table, plus the native ABI's frame
 * record where it differs from Cranelift's.
 *
 * @category models
 * @since 0.1.0
 */
export interface Arch {
  readonly id: ArchId
  /** Byte order of the words on the stack. */
  readonly littleEndian: boolean
  /** The frame record Cranelift lays out (the Wasm walk). */
  readonly record: FrameRecord
  /** The frame record of the platform's C ABI (the native walk of cores and minidumps). */
  readonly nativeRecord: FrameRecord
  /** Alignment the entry SP recorded by the trampoline must have (v1's check 3). */
  readonly entrySpAlignment: number
  /** Alignment every Wasm frame pointer must have. */
  readonly fpAlignment: number
  /**
   * The `entry-sp` generation's stop rule: a saved FP at or above the entry
   * SP (`">="`), or only above it (`">"`), is the trampoline's frame.
   */
  readonly stopWhenNextFp: ">=" | ">"
  /** Whether return addresses on the stack carry pointer-authentication bits. */
  readonly pointerAuthentication: boolean
}

/**
 * A PC transform as masks on the two 32-bit halves of the PC: with `s` the
 * sign bit `high & sign`, the clean PC is
 * `high' = s ? high | highFill : high & highKeep` and
 * `low'  = s ? low  | lowFill  : low  & lowKeep` (unsigned). A verbatim PC has
 * `sign` 0 and every keep mask full.
 *
 * @category models
 * @since 0.2.0
 */
export interface PcMask {
  readonly sign: number
  readonly highKeep: number
  readonly highFill: number
  readonly lowKeep: number
  readonly lowFill: number
}

const VERBATIM: PcMask = { sign: 0, highKeep: 0xffff_ffff, highFill: 0, lowKeep: 0xffff_ffff, lowFill: 0 }

/**
 * The PC transform of a walk, as masks: verbatim, or, under pointer
 * authentication, `xpaclri`: bits [63:vaBits] become copies of bit 55 (Linux
 * enables no top-byte-ignore for instruction addresses). A `vaBits` that is
 * not an integer from 0 to 64 (only a snapshot built by hand can carry one),
 * and 64, leave PCs as they are. The one place PAC stripping is defined.
 *
 * @category transforms
 * @since 0.2.0
 */
export const pcMask = (arch: Arch, options: PcOptions): PcMask => {
  const bits = options.aarch64VaBits
  if (!arch.pointerAuthentication || !Number.isInteger(bits) || bits < 0 || bits >= 64) return VERBATIM
  // Bit 55 is bit 23 of the high half; bits [63:bits] are the mask's complement.
  const highKeep = Math.max(2 ** (bits - 32) - 1, 0)
  const lowKeep = Math.min(2 ** bits, 0x1_0000_0000) - 1
  return { sign: 0x0080_0000, highKeep, highFill: 0xffff_ffff - highKeep, lowKeep, lowFill: 0xffff_ffff - lowKeep }
}

/**
 * Applies a {@link PcMask} to a 64-bit PC.
 *
 * @category transforms
 * @since 0.2.0
 */
export const applyPcMask = (mask: PcMask, pc: U64): U64 => {
  const high = Number(pc >> 32n)
  const low = Number(pc & 0xffff_ffffn)
  const signed = (high & mask.sign) !== 0
  const h = (signed ? high | mask.highFill : high & mask.highKeep) >>> 0
  const l = (signed ? low | mask.lowFill : low & mask.lowKeep) >>> 0
  return (BigInt(h) << 32n) | BigInt(l)
}

/**
 * Cleans a PC read from the stack: {@link applyPcMask} with the walk's mask.
 *
 * @category transforms
 * @since 0.1.0
 */
export const pcFromStack = (arch: Arch, pc: U64, options: PcOptions): U64 => applyPcMask(pcMask(arch, options), pc)
