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
 * `paciasp` carry a pointer-authentication code in their top bits, stripped
 * as `pcMask` in `Arch` says. Only PCs read from the stack are stripped. The
 * C ABI's frame record is the same. wasmtime: `backtrace/aarch64.rs`.
 *
 * @since 0.1.0
 */
import type { Arch } from "../Arch.js"
import { applyPcMask, pcMask } from "../Arch.js"

/**
 * @category architectures
 * @since 0.1.0
 */
export const aarch64: Arch = {
  id: "aarch64",
  littleEndian: true,
  record: { pcOffset: 8, nextFpOffset: 0 },
  nativeRecord: { pcOffset: 8, nextFpOffset: 0 },
  entrySpAlignment: 16,
  fpAlignment: 8,
  stopWhenNextFp: ">=",
  pointerAuthentication: true
}

/**
 * Strips pointer-authentication bits: bits [63:vaBits] become copies of
 * bit 55. `vaBits` 64 leaves the value unchanged, and so does a width that
 * is not an integer from 0 to 64.
 *
 * @category transforms
 * @since 0.1.0
 */
export const stripPac = (pc: bigint, vaBits: number): bigint => applyPcMask(pcMask(aarch64, { aarch64VaBits: vaBits }), pc)
