/**
 * x86_64 (System V), little-endian.
 *
 * ```text
 *        | caller's frame     |
 *        | return address     | <- fp + 8   (pushed by `call`)
 *   fp ->| caller's fp        | <- fp + 0   (`push rbp; mov rbp, rsp`)
 *        | locals, spills …   |
 * ```
 *
 * Cranelift keeps `rbp` as a frame pointer (`preserve_frame_pointers`). The
 * System V ABI keeps `rsp` 16-byte aligned at calls, so after `push rbp` the
 * frame pointer is 16-byte aligned too; C code built with frame pointers
 * keeps the same record. wasmtime: `backtrace/x86_64.rs`.
 *
 * @since 0.1.0
 */
import type { Arch } from "../Arch.js"

/**
 * @category architectures
 * @since 0.1.0
 */
export const x86_64: Arch = {
  id: "x86_64",
  littleEndian: true,
  record: { pcOffset: 8, nextFpOffset: 0 },
  nativeRecord: { pcOffset: 8, nextFpOffset: 0 },
  entrySpAlignment: 16,
  fpAlignment: 16,
  stopWhenNextFp: ">=",
  pointerAuthentication: false
}
