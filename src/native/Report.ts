/**
 * A native input (an ELF core file or a minidump) from its bytes to the
 * walk of every thread with symbols, and its JSON: detection by content,
 * the reader, the symbolizer, the one engine's native rules.
 *
 * No Node-only imports: the caller hands in the input as a `ByteSource`,
 * and opens symbol files (`--symbols`, the files named by `NT_FILE`) itself.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { ByteSource } from "../ByteSource.js"
import type { Core } from "../core/Core.js"
import { looksLikeCore, readCore } from "../core/Core.js"
import { InputError } from "../InputError.js"
import { readImage } from "../minidump/Minidump.js"
import { errorToJson } from "../Snapshot.js"
import type { ErrorJson } from "../Snapshot.js"
import { fromHalves, hexOfHalves, toHex } from "../U64.js"
import type { WalkResult } from "../Walker.js"
import type { Image, Thread } from "./Image.js"
import type { Location, SymbolFile, Symbolizer } from "./Symbolize.js"
import { makeSymbolizer, symbolFilePaths } from "./Symbolize.js"
import type { NativeOptions } from "./Walk.js"
import { walkImage } from "./Walk.js"

/**
 * The native formats, told apart by their first bytes.
 *
 * @category models
 * @since 0.2.0
 */
export type NativeKind = "core" | "minidump"

/**
 * Which native format the input is, if any: `MDMP` opens a minidump; an
 * ELF64 header whose `e_type` is `ET_CORE` (in the header's byte order)
 * opens a core file.
 *
 * @category detection
 * @since 0.2.0
 */
export const kindOf = (source: ByteSource): NativeKind | undefined => {
  const head = source.read(0, Math.min(source.size, 18)) ?? new Uint8Array()
  if (head[0] === 0x4d && head[1] === 0x44 && head[2] === 0x4d && head[3] === 0x50) return "minidump"
  return looksLikeCore(head) ? "core" : undefined
}

/**
 * Whether the input starts as an ELF file does (a core or not): such an
 * input is never read as JSON.
 *
 * @category detection
 * @since 0.2.0
 */
export const isElf = (source: ByteSource): boolean => {
  const head = source.read(0, Math.min(source.size, 4))
  return head !== undefined && head.length === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46
}

/**
 * One thread's walk with a location per frame.
 *
 * @category models
 * @since 0.2.0
 */
export interface ThreadReport {
  readonly thread: Thread
  readonly result: WalkResult
  readonly locations: ReadonlyArray<Location>
}

/**
 * A walked native input.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeReport {
  readonly kind: NativeKind
  readonly image: Image
  readonly core?: Core | undefined
  readonly threads: ReadonlyArray<ThreadReport>
  /** The reader's and the symbolizer's warnings, one line each. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Settings of {@link walkNative}.
 *
 * @category models
 * @since 0.2.0
 */
export interface WalkNativeOptions extends NativeOptions {
  /** Symbol files given by the user (`--symbols`). */
  readonly symbols?: ReadonlyArray<SymbolFile> | undefined
  /**
   * Opens a file by path, or answers `undefined` when it cannot: the files
   * a core's `NT_FILE` names are opened with it, under `sysroot`. Absent:
   * only `symbols` are used.
   */
  readonly openFile?: ((path: string) => ByteSource | undefined) | undefined
  /** Where the files `NT_FILE` names are found (default: `/`). */
  readonly sysroot?: string | undefined
}

const readNativeImage = (kind: NativeKind, source: ByteSource): Result.Result<{ image: Image; core?: Core }, InputError> => {
  if (kind === "core") return Result.map(readCore(source, { truncated: "warn" }), (core) => ({ image: core.image, core }))
  const bytes = source.read(0, source.size)
  if (bytes === undefined) return Result.fail(new InputError({ path: "", reason: "cannot read the minidump's bytes" }))
  return Result.map(readImage(bytes), (image) => ({ image }))
}

/**
 * The plain result of {@link walkNativeSync}.
 *
 * @category models
 * @since 0.2.0
 */
export type NativeResult =
  | { readonly ok: true; readonly report: NativeReport }
  | { readonly ok: false; readonly error: InputError }

/**
 * Reads a core file or a minidump, walks every thread and names each frame.
 * The plain API: never throws; an input that is neither, or is malformed, is
 * an `InputError` naming the structure and offset. A thread whose walk
 * failed is a thread report with `ok: false`, not a failure of the call.
 *
 * @example
 * ```ts
 * const walked = walkNativeSync(fromBytes(bytes))
 * if (walked.ok) console.log(JSON.stringify(nativeToJson(walked.report, "crash.dmp")))
 * ```
 *
 * @category walking
 * @since 0.2.0
 */
export const walkNativeSync = (source: ByteSource, options: WalkNativeOptions = {}): NativeResult => {
  const walked = walkNativeResult(source, options)
  return Result.isSuccess(walked) ? { ok: true, report: walked.success } : { ok: false, error: walked.failure }
}

const walkNativeResult = (source: ByteSource, options: WalkNativeOptions): Result.Result<NativeReport, InputError> => {
  const kind = kindOf(source)
  if (kind === undefined) {
    const reason = isElf(source)
      ? "an ELF file, but not a core file (give executables and libraries with --symbols)"
      : "neither an ELF core file nor a minidump"
    return Result.fail(new InputError({ path: "", reason }))
  }
  return Result.map(readNativeImage(kind, source), ({ core, image }) => {
    const mapped: Array<SymbolFile> = []
    const { openFile } = options
    if (openFile !== undefined) {
      for (const { module, path } of symbolFilePaths(image, options.sysroot)) {
        const opened = openFile(path)
        if (opened !== undefined) mapped.push({ name: module, source: opened })
      }
    }
    const layout = core === undefined ? {} : { segments: core.segments, ...(core.auxv === undefined ? {} : { auxv: core.auxv }) }
    const symbolizer: Symbolizer = makeSymbolizer(image, [...(options.symbols ?? []), ...mapped], layout)
    const threads = walkImage(image, options).map(({ result, thread }) => ({
      thread,
      result,
      locations: Array.from({ length: result.frames.length }, (_, i) =>
        symbolizer.lookup(fromHalves(result.frames.pcHigh(i), result.frames.pcLow(i)), i))
    }))
    return { kind, image, core, threads, warnings: [...image.warnings, ...symbolizer.warnings] }
  })
}

/**
 * A frame of a native walk in JSON.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeFrameJson {
  readonly pc: string
  readonly fp: string
  readonly module?: string
  readonly symbol?: string
  readonly offset?: string
}

/**
 * A thread of a native walk in JSON.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeThreadJson {
  readonly thread: number
  readonly crashed: boolean
  readonly ok: boolean
  readonly error?: ErrorJson
  readonly frames: ReadonlyArray<NativeFrameJson>
}

/**
 * A walked native input in JSON: `fpwalk walk --json`'s line for it.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeJson {
  readonly file?: string
  readonly kind: NativeKind
  readonly arch: Image["arch"]
  readonly threads: ReadonlyArray<NativeThreadJson>
}

/**
 * Encodes a report as JSON (`file`: the path as given, when there is one).
 *
 * @category encoding
 * @since 0.2.0
 */
export const nativeToJson = (report: NativeReport, file?: string): NativeJson => ({
  ...(file === undefined ? {} : { file }),
  kind: report.kind,
  arch: report.image.arch,
  threads: report.threads.map(({ locations, result, thread }) => {
    const frames: Array<NativeFrameJson> = []
    for (let i = 0; i < result.frames.length; i++) {
      const where = locations[i] ?? {}
      frames.push({
        pc: hexOfHalves(result.frames.pcHigh(i), result.frames.pcLow(i)),
        fp: hexOfHalves(result.frames.fpHigh(i), result.frames.fpLow(i)),
        ...(where.module === undefined ? {} : { module: where.module }),
        ...(where.symbol === undefined ? {} : { symbol: where.symbol }),
        ...(where.offset === undefined ? {} : { offset: toHex(where.offset) })
      })
    }
    return {
      thread: thread.id,
      crashed: thread.crashed,
      ok: result.ok,
      ...(result.ok ? {} : { error: errorToJson(result.error) }),
      frames
    }
  })
})
