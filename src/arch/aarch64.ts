/**
 * aarch64 (AAPCS64), little-endian, with pointer authentication.
 *
 * ```text
 *        | caller's frame     |
 *        | x30 (lr)           | <- fp + 8   (`stp x29, x30, [sp, #-16]!`)
 *   fp ->| caller's x29       | <- fp + 0   (`mov x29, sp`)
 *        | locals, spills …   |
 * ```
 *
 * AAPCS64 keeps `sp` 16-byte aligned, so the entry SP is checked to 16. The
 * original checks nothing of the FP on aarch64 but dereferences it as a
 * word, so a safe walker requires 8. Return addresses saved under
 * `paciasp` carry a pointer-authentication code in their top bits; `xpaclri`
 * strips it by replacing bits [63:vaBits] with copies of bit 55 (Linux
 * enables no top-byte-ignore for instruction addresses). Only PCs read from
 * the stack are stripped. wasmtime: `backtrace/aarch64.rs`.
 *
 * @since 0.1.0
 */
import type { Arch, HighMasks } from "../Arch.js"
import { highVerbatim } from "../Arch.js"
import { MAX } from "../U64.js"

const BIT_55 = 1n << 55n

// For each vaBits 0..64, the bits [63:vaBits]: made once.
const HIGH = Array.from({ length: 65 }, (_, bits) => MAX ^ ((1n << BigInt(bits)) - 1n))

/**
 * Strips pointer-authentication bits: bits [63:vaBits] become copies of
 * bit 55. `vaBits` 64 leaves the value unchanged, and so does a width that
 * is not an integer from 0 to 64 (the decoder never lets one through; only a
 * snapshot built by hand can carry it).
 *
 * @category transforms
 * @since 0.1.0
 */
export const stripPac = (pc: bigint, vaBits: number): bigint => {
  const high = HIGH[vaBits]
  if (high === undefined) return pc
  return (pc & BIT_55) === 0n ? pc & ~high : pc | high
}

/**
 * `stripPac` on a PC's high half, as masks (see `HighMasks` in `Arch`): bit
 * 55 is bit 23 of the high half, and bits [63:vaBits] are bits
 * [31:vaBits-32] of it. A width below 32 strips low bits too: `undefined`.
 * A width `stripPac` does not strip at keeps every bit.
 *
 * @category transforms
 * @since 0.1.0
 */
export const pacHighMasks = (vaBits: number): HighMasks | undefined => {
  if (HIGH[vaBits] === undefined) return highVerbatim()
  if (vaBits < 32) return undefined
  const keep = 2 ** (vaBits - 32) - 1
  return { sign: 0x0080_0000, keep, fill: 0xffff_ffff - keep }
}

/**
 * @category architectures
 * @since 0.1.0
 */
export const aarch64: Arch = {
  id: "aarch64",
  littleEndian: true,
  pcOffset: 8n,
  nextFpOffset: 0n,
  entrySpAlignment: 16n,
  fpAlignment: 8n,
  stopWhenNextFp: ">=",
  pcFromStack: (pc, options) => stripPac(pc, options.aarch64VaBits),
  pcHighMasks: (options) => pacHighMasks(options.aarch64VaBits)
}
