/**
 * riscv64 (LP64), little-endian.
 *
 * ```text
 *   Cranelift (the Wasm walk)          GCC, the psABI (the native walk)
 *        | caller's frame   |               | caller's frame   |
 *        | ra               | <- fp + 8  s0->|------------------|
 *   fp ->| caller's s0      | <- fp + 0      | ra               | <- s0 - 8
 *        | locals …         |                | caller's s0      | <- s0 - 16
 * ```
 *
 * Cranelift's prologue is `addi sp,sp,-16; sd ra,8(sp); sd s0,0(sp);
 * mv s0,sp`, so `s0` points at the saved pair; GCC's `s0` points just above
 * it (the psABI's frame record). The psABI keeps `sp` 16-byte aligned.
 * wasmtime: `backtrace/riscv64.rs`.
 *
 * @since 0.1.0
 */
import type { Arch } from "../Arch.js"

/**
 * @category architectures
 * @since 0.1.0
 */
export const riscv64: Arch = {
  id: "riscv64",
  littleEndian: true,
  record: { pcOffset: 8, nextFpOffset: 0 },
  nativeRecord: { pcOffset: -8, nextFpOffset: -16 },
  entrySpAlignment: 16,
  fpAlignment: 16,
  stopWhenNextFp: ">=",
  pointerAuthentication: false
}
