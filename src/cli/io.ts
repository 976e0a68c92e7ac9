/**
 * What the CLI needs from the outside world, so commands can run against
 * real files and streams or against a test's buffers.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { readFileSync } from "node:fs"

/**
 * The CLI's view of the process.
 *
 * @category models
 * @since 0.1.0
 */
export interface Io {
  /** Reads a whole file (`-` is standard input) as UTF-8 text. */
  readonly readText: (file: string) => Promise<Result.Result<string, string>>
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

/**
 * Why a file could not be read or listed, in one word where the system has
 * one (`ENOENT`, `EISDIR`, …).
 *
 * @category models
 * @since 0.1.0
 */
export const fileErrorReason = (cause: unknown): string =>
  cause instanceof Error && "code" in cause ? String(cause.code) : String(cause)

const readStdin = (): Promise<Result.Result<string, string>> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
    process.stdin.on("end", () => resolve(Result.succeed(Buffer.concat(chunks).toString("utf8"))))
    process.stdin.on("error", (error) => resolve(Result.fail(error.message)))
  })

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
          try: () => readFileSync(file, "utf8"),
          catch: fileErrorReason
        })
      ),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text)
}
