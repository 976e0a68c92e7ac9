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
import type { Arch } from "../Arch.js"
import { MAX } from "../U64.js"

const BIT_55 = 1n << 55n

/**
 * Strips pointer-authentication bits: bits [63:vaBits] become copies of
 * bit 55. `vaBits` 64 leaves the value unchanged.
 *
 * @category transforms
 * @since 0.1.0
 */
export const stripPac = (pc: bigint, vaBits: number): bigint => {
  const high = MAX ^ ((1n << BigInt(vaBits)) - 1n)
  return (pc & BIT_55) === 0n ? pc & ~high : pc | high
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
  reachedEntrySp: (nextFp, entrySp) => nextFp >= entrySp,
  pcFromStack: (pc, options) => stripPac(pc, options.aarch64VaBits)
}
