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

// For each vaBits 0..64, the bits [63:vaBits] (HIGH) and the bits below (LOW):
// made once, so stripping a PC costs two bigint operations, not six.
const HIGH = Array.from({ length: 65 }, (_, bits) => MAX ^ ((1n << BigInt(bits)) - 1n))
const LOW = HIGH.map((high) => MAX ^ high)

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
  return (pc & BIT_55) === 0n ? pc & LOW[vaBits]! : pc | high
}

/**
 * The PCs `stripPac` leaves alone, as a bound: those below `2^vaBits` and
 * `2^55` have no bit set from vaBits up, nor bit 55. With 64 bits (or a
 * width it does not strip at) it changes none.
 *
 * @category transforms
 * @since 0.1.0
 */
export const verbatimBelow = (vaBits: number): number =>
  vaBits === 64 || HIGH[vaBits] === undefined ? Infinity : 2 ** Math.min(vaBits, 55)

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
  pcVerbatimBelow: (options) => verbatimBelow(options.aarch64VaBits)
}
