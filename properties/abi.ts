/**
 * The spec's architecture table, written out again as the test oracle (so
 * that a wrong constant in `src/arch/*.ts` makes the properties fail rather
 * than move the expectations with it), and what real stacks look like on
 * each architecture beyond that table: the sizes the arbitraries and the simulated machine lay frames out
 * with. The walker never sees this; it only constrains what a *valid* stack
 * is allowed to look like, so that a valid stack is one a real program
 * could have produced.
 *
 * - `minFrame`: the least distance between two frame records. A record is
 *   the saved FP and the saved PC (16 bytes on x86_64, aarch64 and riscv64).
 *   On s390x the PC slot is at fp + 112, and every frame begins with the
 *   160-byte register save area the ABI requires, so frames are at least
 *   160 bytes apart (120 would be enough for the slots not to collide, but
 *   no s390x code lays frames out that tightly).
 * - `entrySlack`: the least distance from the outermost Wasm FP up to the
 *   entry SP. On x86_64, aarch64 and riscv64 the callee pushes the return
 *   address and the old FP below the caller's SP, so the record lies below
 *   the entry SP. On s390x the "FP" the walker follows is the SP at entry,
 *   so the outermost Wasm FP may equal the entry SP.
 * - `trampolineAbove`: the least distance from the entry SP up to the
 *   trampoline's own FP (the outermost Wasm frame's saved FP). The
 *   trampoline's FP is at or above its SP; on s390x its save area lies
 *   between them.
 * - `pac`: return addresses on the stack may carry pointer-authentication
 *   bits.
 * - `stopsAtEntrySp`: whether a saved FP equal to the entry SP is the
 *   trampoline's (the walk's stop rule is `>=`), or still a Wasm frame's
 *   (`>`, s390x).
 */
import type { ArchId } from "../src/Arch.js"

export interface Abi {
  readonly littleEndian: boolean
  readonly pcOffset: bigint
  readonly entrySpAlignment: bigint
  readonly fpAlignment: bigint
  readonly minFrame: bigint
  readonly entrySlack: bigint
  readonly trampolineAbove: bigint
  readonly pac: boolean
  readonly stopsAtEntrySp: boolean
}

export const abi: Readonly<Record<ArchId, Abi>> = {
  // Saved FP at fp + 0 on all four.
  x86_64: { littleEndian: true, pcOffset: 8n, entrySpAlignment: 16n, fpAlignment: 16n, minFrame: 16n, entrySlack: 16n, trampolineAbove: 0n, pac: false, stopsAtEntrySp: true },
  aarch64: { littleEndian: true, pcOffset: 8n, entrySpAlignment: 16n, fpAlignment: 8n, minFrame: 16n, entrySlack: 16n, trampolineAbove: 0n, pac: true, stopsAtEntrySp: true },
  s390x: { littleEndian: false, pcOffset: 112n, entrySpAlignment: 8n, fpAlignment: 8n, minFrame: 160n, entrySlack: 0n, trampolineAbove: 160n, pac: false, stopsAtEntrySp: false },
  riscv64: { littleEndian: true, pcOffset: 8n, entrySpAlignment: 16n, fpAlignment: 16n, minFrame: 16n, entrySlack: 16n, trampolineAbove: 0n, pac: false, stopsAtEntrySp: true }
}

const MAX = 0xffff_ffff_ffff_ffffn
const BIT_55 = 1n << 55n

/**
 * A canonical instruction address for `vaBits`: bits [63:vaBits] all equal
 * to bit 55 (user addresses have it clear, kernel addresses set).
 */
export const canonicalPc = (raw: bigint, vaBits: number): bigint => {
  const low = (1n << BigInt(vaBits)) - 1n
  return (raw & BIT_55) === 0n ? raw & low : (raw & low) | (MAX ^ low)
}

/**
 * What `paciasp` does to a canonical return address: the bits above the
 * virtual address, except bit 55, receive an authentication code.
 */
export const signPc = (pc: bigint, pac: bigint, vaBits: number): bigint => {
  const mask = (MAX ^ ((1n << BigInt(vaBits)) - 1n)) & ~BIT_55
  return (pc & ~mask) | (pac & mask)
}

export const alignUp = (value: bigint, alignment: bigint): bigint => ((value + alignment - 1n) / alignment) * alignment
export const alignDown = (value: bigint, alignment: bigint): bigint => (value / alignment) * alignment
