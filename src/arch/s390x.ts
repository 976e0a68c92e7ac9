/**
 * s390x (z/Architecture ELF ABI with a backchain), big-endian.
 *
 * ```text
 *        | caller's frame       |
 *        | … register save area |
 *        | saved r14 (return)   | <- fp + 112  (14 * 8 into the save area)
 *        | …                    |
 *   fp ->| backchain            | <- fp + 0    (caller's frame's address)
 * ```
 *
 * The frame pointer is the stack pointer at which the 160-byte register save
 * area begins; its first word is the backchain to the caller, and r14, the
 * return address, is saved at offset 112. The entry SP is where the
 * trampoline's own save area begins, so a Wasm frame's backchain may equal
 * it: the walk stops only when the next FP is strictly above the entry SP.
 * The ABI keeps `r15` 8-byte aligned. wasmtime: `backtrace/s390x.rs`.
 *
 * C code built with GCC's `-mbackchain` (the native walk, from r15): a
 * function stores its r14 in its *caller's* register save area, so the
 * return address of the frame at r15 is at `backchain + 112`:
 * `fp' = *(fp + 0)`, `pc' = *(fp' + 112)` (seen in every real s390x core of
 * test/fixtures/cores).
 *
 * @since 0.1.0
 */
import type { Arch } from "../Arch.js"

/**
 * @category architectures
 * @since 0.1.0
 */
export const s390x: Arch = {
  id: "s390x",
  littleEndian: false,
  record: { pcOffset: 112, nextFpOffset: 0 },
  nativeRecord: { pcOffset: 112, nextFpOffset: 0, pcFromNextFp: true },
  entrySpAlignment: 8,
  fpAlignment: 8,
  stopWhenNextFp: ">",
  pointerAuthentication: false
}
