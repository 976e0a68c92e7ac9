/**
 * Minidumps (Breakpad, Crashpad, lldb, Windows `MINIDUMP_*`) of AMD64 and
 * ARM64 processes, read into the native `Image` the frame-pointer walk
 * takes.
 *
 * Reading never throws and runs anywhere (no Node-only imports): a
 * malformed file is an {@link InputError} whose `path` names the structure
 * and its file offset (`ThreadList stream (directory entry 2) at 0x1a0`)
 * and whose `reason` says what is wrong there, with the values. See
 * docs/minidump.md for what is read and checked.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { InputError } from "../InputError.js"
import type { Image } from "../native/Image.js"
import * as image from "./internal/image.js"
import type { Minidump } from "./internal/model.js"
import * as read from "./internal/read.js"

export type {
  Context,
  Location,
  MemoryRange,
  Minidump,
  MinidumpArch,
  MinidumpException,
  MinidumpMemory,
  MinidumpThread,
  Stream,
  SystemInfo
} from "./internal/model.js"

/**
 * Reads a minidump: its header, stream directory, SystemInfo, ThreadList,
 * Exception streams, MemoryList, Memory64List and ModuleList. Every RVA,
 * size and count is checked against the file and its stream.
 *
 * A dump of a CPU fpwalk does not walk (x86, 32-bit ARM, …) still reads:
 * its `systemInfo.arch` is `undefined` and its contexts are not decoded;
 * {@link toImage} then fails.
 *
 * **When to use**: to inspect a dump (streams, exceptions, ranges as
 * listed); to walk one, {@link readImage}.
 *
 * @example
 * ```ts
 * import * as Result from "effect/Result"
 * import { readMinidump } from "fpwalk/minidump/Minidump"
 *
 * const read = readMinidump(new Uint8Array(16))
 * if (Result.isFailure(read)) console.log(read.failure.message)
 * // header at 0x0: the 32-byte header at 0x0 + size 0x20 past end of file (0x10)
 * ```
 *
 * @category decoding
 * @since 0.2.0
 */
export const readMinidump: (bytes: Uint8Array) => Result.Result<Minidump, InputError> = read.readMinidump

/**
 * The native image of a read minidump: `kind` `"minidump"`, its
 * architecture, memory, modules, and its threads in ThreadList order, each
 * with frame 0's PC and FP (AMD64 `rip`/`rbp`, ARM64 `pc`/`x29`) and its SP.
 * The crashed thread (the one the first Exception stream names) takes the
 * Exception stream's context; every other thread its ThreadList context.
 *
 * Fails with an `InputError` on the SystemInfo stream when the
 * architecture is not walkable (the reason names it), or when the dump has
 * no SystemInfo stream.
 *
 * @category conversions
 * @since 0.2.0
 */
export const toImage: (minidump: Minidump) => Result.Result<Image, InputError> = image.toImage

/**
 * Reads a minidump straight into its native image: {@link readMinidump}
 * then {@link toImage}.
 *
 * @example
 * ```ts
 * import * as Result from "effect/Result"
 * import { readImage } from "fpwalk/minidump/Minidump"
 *
 * const image = readImage(bytes)
 * if (Result.isSuccess(image)) for (const t of image.success.threads) console.log(t.id, t.crashed, t.pc, t.fp)
 * ```
 *
 * @category decoding
 * @since 0.2.0
 */
export const readImage = (bytes: Uint8Array): Result.Result<Image, InputError> =>
  Result.flatMap(read.readMinidump(bytes), image.toImage)
