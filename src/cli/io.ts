/**
 * What the CLI needs from the outside world, so commands can run against
 * real files and streams or against a test's buffers.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { readFileSync, writeFileSync } from "node:fs"
import type { FileSource } from "../core/nodeFile.js"
import { openFile } from "../core/nodeFile.js"

/**
 * The CLI's view of the process.
 *
 * @category models
 * @since 0.1.0
 */
export interface Io {
  /**
   * Reads a whole file (`-` is standard input) as UTF-8 text, without a
   * leading byte-order mark; a failure is the reason in words.
   */
  readonly readText: (file: string) => Promise<Result.Result<string, string>>
  /** Writes to standard output; `false` asks the writer to wait for {@link Io.drained}. */
  readonly stdout: (text: string) => boolean | void
  readonly stderr: (text: string) => void
  /** Resolves when standard output has room again (after `stdout` answered `false`). Default: at once. */
  readonly drained?: (() => Promise<void>) | undefined
  /** Writes a whole file (`--svg`); a failure is the reason in words. Default: the file system. */
  readonly writeText?: ((file: string, text: string) => Result.Result<void, string>) | undefined
  /** Colour the readable output (standard output is a terminal and `NO_COLOR` is unset). Default: no. */
  readonly color?: boolean | undefined
  /**
   * Opens a file for random access (a core file of gigabytes is read a
   * window at a time, never whole); a failure is the reason in words.
   * Absent: every input is read as text.
   */
  readonly openSource?: ((file: string) => Result.Result<FileSource, string>) | undefined
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
  ERR_STRING_TOO_LONG: "too large to read as text",
  ERR_FS_FILE_TOO_LARGE: "too large to read"
}

/**
 * Why a file could not be read, written or listed, in words
 * (`no such file`, `permission denied`, …; an unforeseen system code as
 * it is).
 *
 * @category models
 * @since 0.1.0
 */
export const fileErrorReason = (cause: unknown): string => {
  const code = cause instanceof Error && "code" in cause ? String(cause.code) : undefined
  if (code !== undefined) return REASONS[code] ?? code
  return (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, " ")
}

/**
 * A message made safe for one line of a terminal: line breaks and other
 * control or invisible characters (from a file's bytes, say) written as
 * escapes (`\n`, `\u0001`), so every complaint stays one visible line.
 *
 * @category models
 * @since 0.2.0
 */
export const oneLine = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * The text without a UTF-8 byte-order mark at its start (editors on
 * Windows write one; JSON does not allow it, users expect it to be read).
 *
 * @category models
 * @since 0.1.0
 */
export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

const readStdin = (): Promise<Result.Result<string, string>> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
    process.stdin.on("end", () =>
      resolve(
        Result.mapError(
          Result.try(() => stripBom(Buffer.concat(chunks).toString("utf8"))),
          fileErrorReason
        )
      )
    )
    process.stdin.on("error", (error) => resolve(Result.fail(fileErrorReason(error))))
  })

/**
 * Whether the readable output gets colour: standard output is a terminal
 * and `NO_COLOR` is unset or empty (https://no-color.org).
 *
 * @category constructors
 * @since 0.1.0
 */
export const wantsColor = (isTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean =>
  isTty && (env["NO_COLOR"] ?? "") === ""

/**
 * Prints a sequence of chunks, waiting whenever standard output is full (a
 * slow reader on a pipe), so a huge table is never queued in memory.
 *
 * @category constructors
 * @since 0.2.0
 */
export const printChunks = async (chunks: Iterable<string>, io: Io): Promise<void> => {
  for (const chunk of chunks) {
    if (io.stdout(chunk) === false && io.drained !== undefined) await io.drained()
  }
}

/**
 * The real process: files from disk, `-` from standard input.
 *
 * @category constructors
 * @since 0.1.0
 */
export const processIo: Io = {
  readText: (file) =>
    file === "-"
      ? readStdin()
      : Promise.resolve(
        Result.try({
          try: () => stripBom(readFileSync(file, "utf8")),
          catch: fileErrorReason
        })
      ),
  openSource: (file) => Result.mapError(openFile(file), (error) => error.reason),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  drained: () =>
    new Promise((resolve) => {
      const done = () => {
        process.stdout.off("drain", done).off("close", done).off("error", done)
        resolve()
      }
      process.stdout.once("drain", done).once("close", done).once("error", done)
    }),
  writeText: (file, text) =>
    Result.try({
      try: () => writeFileSync(file, text),
      catch: fileErrorReason
    }),
  color: wantsColor(process.stdout.isTTY === true, process.env)
}
