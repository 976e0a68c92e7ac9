/**
 * A native process image as the native formats (ELF core files, minidumps)
 * describe it: an architecture, captured memory, threads with the registers
 * the walk starts from, and the mapped modules that name frames.
 *
 * @since 0.2.0
 */
import type { ArchId } from "../Arch.js"
import type { Memory } from "../Memory.js"

/**
 * A mapped file: an executable or shared object, or any mapping a format
 * names.
 *
 * @category models
 * @since 0.2.0
 */
export interface Module {
  /** First mapped address. */
  readonly base: bigint
  /** Bytes mapped from `base`. */
  readonly size: bigint
  /** The path as the format records it. */
  readonly name: string
  /** The GNU build ID (`NT_GNU_BUILD_ID` / CodeView record), when known. */
  readonly buildId?: Uint8Array | undefined
  /** Offset in the file of `base` (ELF `NT_FILE`'s page offset × page size). */
  readonly fileOffset?: bigint | undefined
}

/**
 * One thread, with the registers the frame-pointer walk starts from.
 *
 * @category models
 * @since 0.2.0
 */
export interface Thread {
  /** Thread id (Linux tid, minidump thread id). */
  readonly id: number
  /** Whether this is the thread that took the fatal signal or exception. */
  readonly crashed: boolean
  /** The signal (or exception code) the thread's record carries, if any. */
  readonly signal?: number | undefined
  /** Frame 0's PC. */
  readonly pc: bigint
  /** Frame 0's frame pointer: x86_64 rbp, aarch64 x29, s390x r15, riscv64 s0. */
  readonly fp: bigint
  /** The stack pointer, for renderers. */
  readonly sp?: bigint | undefined
}

/**
 * A native process image: what a native walk needs.
 *
 * @category models
 * @since 0.2.0
 */
export interface Image {
  readonly kind: "core" | "minidump"
  readonly arch: ArchId
  readonly memory: Memory
  readonly threads: ReadonlyArray<Thread>
  readonly modules: ReadonlyArray<Module>
  /** Things the reader accepted but a person should know (one line each). */
  readonly warnings: ReadonlyArray<string>
}
