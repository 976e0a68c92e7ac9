/**
 * The minidump model: what `readMinidump` returns. Re-exported (and
 * documented for users) by `fpwalk/minidump/Minidump`.
 *
 * @internal
 * @since 0.2.0
 */
import type { StackMemory } from "../../StackMemory.js"
import type { Module } from "../../native/Image.js"

/**
 * The architectures whose minidumps fpwalk walks.
 *
 * @category models
 * @since 0.2.0
 */
export type MinidumpArch = "x86_64" | "aarch64"

/**
 * A `MINIDUMP_LOCATION_DESCRIPTOR`: `size` bytes at file offset `rva`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Location {
  readonly rva: number
  readonly size: number
}

/**
 * One entry of the stream directory.
 *
 * @category models
 * @since 0.2.0
 */
export interface Stream {
  /** Position in the directory. */
  readonly index: number
  /** `StreamType`: 3 ThreadList, 4 ModuleList, 5 MemoryList, 6 Exception, 7 SystemInfo, 9 Memory64List, … */
  readonly type: number
  readonly location: Location
}

/**
 * The SystemInfo stream's CPU and platform.
 *
 * @category models
 * @since 0.2.0
 */
export interface SystemInfo {
  readonly stream: Stream
  /** `ProcessorArchitecture` as written: 9 AMD64, 12 ARM64, 0x8003 Breakpad's old ARM64, … */
  readonly processorArchitecture: number
  /** Its name (`"AMD64"`, `"x86"`, `"unknown (0x1234)"`). */
  readonly cpu: string
  /** The walkable architecture, or `undefined` when fpwalk does not walk this CPU. */
  readonly arch: MinidumpArch | undefined
  /** `PlatformId`: 0x8201 Linux, 0x8101 macOS, 2 Windows, … */
  readonly platformId: number
}

/**
 * The registers of a thread context that the walk starts from.
 *
 * @category models
 * @since 0.2.0
 */
export interface Context {
  readonly location: Location
  /** `context_flags` (low 32 bits), not interpreted. */
  readonly flags: number
  /** AMD64 `rip`, ARM64 `pc`. */
  readonly pc: bigint
  /** AMD64 `rbp`, ARM64 `x29`. */
  readonly fp: bigint
  /** AMD64 `rsp`, ARM64 `sp`. */
  readonly sp: bigint
}

/**
 * A `MINIDUMP_THREAD`.
 *
 * @category models
 * @since 0.2.0
 */
export interface MinidumpThread {
  readonly id: number
  /** The stack descriptor: its start address and where its bytes are. */
  readonly stack: { readonly start: bigint; readonly location: Location }
  readonly contextLocation: Location
  /** The context's registers; `undefined` when the architecture is not walkable. */
  readonly context: Context | undefined
}

/**
 * One Exception stream.
 *
 * @category models
 * @since 0.2.0
 */
export interface MinidumpException {
  readonly stream: Stream
  readonly threadId: number
  /** `ExceptionCode`: a signal number on Linux and macOS, an NTSTATUS on Windows. */
  readonly code: number
  readonly address: bigint
  readonly contextLocation: Location
  /** The context's registers; `undefined` when the architecture is not walkable or the location is empty (size 0). */
  readonly context: Context | undefined
}

/**
 * One captured range as the file lists it.
 *
 * @category models
 * @since 0.2.0
 */
export interface MemoryRange {
  readonly start: bigint
  /** A view into the file's bytes. */
  readonly bytes: Uint8Array
  /** Where it is listed: `"thread 1204's stack"`, `"MemoryList range 3"`, `"Memory64List range 0"`. */
  readonly source: string
}

/**
 * The captured address space: the regions it holds after duplicates and
 * overlaps are resolved (disjoint), as a `StackMemory`.
 *
 * @category models
 * @since 0.2.0
 */
export type MinidumpMemory = StackMemory

/**
 * A read minidump.
 *
 * @category models
 * @since 0.2.0
 */
export interface Minidump {
  /** The header's `Version` (low 16 bits `0xa793`; the high 16 are the writer's). */
  readonly version: number
  /** The header's `Flags` (`MINIDUMP_TYPE`). */
  readonly flags: bigint
  readonly streams: ReadonlyArray<Stream>
  /** `undefined` when the dump has no SystemInfo stream. */
  readonly systemInfo: SystemInfo | undefined
  /** The ThreadList's threads, in order (empty without a ThreadList). */
  readonly threads: ReadonlyArray<MinidumpThread>
  /** Every Exception stream, in directory order: the first names the crashed thread. */
  readonly exceptions: ReadonlyArray<MinidumpException>
  readonly modules: ReadonlyArray<Module>
  /** Every captured range as listed: thread stacks, then MemoryList, then Memory64List. */
  readonly ranges: ReadonlyArray<MemoryRange>
  readonly memory: MinidumpMemory
  /** Things the reader accepted but a person should know (one line each). */
  readonly warnings: ReadonlyArray<string>
}
