/**
 * riscv64 (LP64), little-endian.
 *
 * ```text
 *        | caller's frame     |
 *        | ra (return addr)   | <- fp + 8
 *   fp ->| caller's s0        | <- fp + 0
 *        | locals, spills …   |
 * ```
 *
 * Cranelift's prologue is `addi sp,sp,-16; sd ra,8(sp); sd s0,0(sp);
 * mv s0,sp`, so `s0` points at the saved pair (GCC's `s0` points above it:
 * that is not this layout). The psABI keeps `sp` 16-byte aligned.
 * wasmtime: `backtrace/riscv64.rs`.
 *
 * @since 0.1.0
 */
import type { Arch } from "../Arch.js"
import { highVerbatim, pcVerbatim } from "../Arch.js"

/**
 * @category architectures
 * @since 0.1.0
 */
export const riscv64: Arch = {
  id: "riscv64",
  littleEndian: true,
  pcOffset: 8n,
  nextFpOffset: 0n,
  entrySpAlignment: 16n,
  fpAlignment: 16n,
  stopWhenNextFp: ">=",
  pcFromStack: pcVerbatim,
  pcHighMasks: highVerbatim
}
