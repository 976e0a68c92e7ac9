/**
 * A {@link ByteSource} over a file on disk, for Node: each `read` is one
 * bounded `fs.readSync` at an offset, so a core of gigabytes is never held in
 * memory. The only module of fpwalk's readers that imports `node:fs`.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import * as fs from "node:fs"
import type { ByteSource } from "../ByteSource.js"
import { inRange } from "../ByteSource.js"
import { InputError } from "../InputError.js"

/**
 * The largest single read (64 MiB): a longer request answers `undefined`.
 *
 * @category constants
 * @since 0.2.0
 */
export const MAX_READ = 64 * 1024 * 1024

/**
 * An open file: a byte source plus `close` (idempotent).
 *
 * @category models
 * @since 0.2.0
 */
export interface FileSource extends ByteSource {
  readonly close: () => void
}

// The one place a system call's exception becomes a value.
const attempt = <A>(call: () => A): Result.Result<A, string> => {
  try {
    return Result.succeed(call())
  } catch (error) {
    return Result.fail(error instanceof Error ? error.message.split("\n")[0]! : String(error))
  }
}

/**
 * Opens `path` for random reads. Fails with an `InputError` (path: the file
 * name) when it cannot be opened or is not a regular file.
 *
 * @example
 * ```ts
 * const opened = openFile("core.1234")
 * if (Result.isSuccess(opened)) {
 *   const core = readCore(opened.success)
 *   opened.success.close()
 * }
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const openFile = (path: string): Result.Result<FileSource, InputError> => {
  const opened = attempt(() => {
    const fd = fs.openSync(path, "r")
    return { fd, stat: fs.fstatSync(fd) }
  })
  if (Result.isFailure(opened)) return Result.fail(new InputError({ path, reason: `cannot open: ${opened.failure}` }))
  const { fd, stat } = opened.success
  if (!stat.isFile() || !Number.isSafeInteger(stat.size)) {
    attempt(() => fs.closeSync(fd))
    return Result.fail(new InputError({ path, reason: "not a regular file" }))
  }
  let open = true
  const size = stat.size
  return Result.succeed({
    size,
    read: (offset, length) => {
      if (!open || !inRange(size, offset, length) || length > MAX_READ) return undefined
      const buffer = new Uint8Array(length)
      const done = attempt(() => {
        let filled = 0
        while (filled < length) {
          const n = fs.readSync(fd, buffer, filled, length - filled, offset + filled)
          if (n === 0) break
          filled += n
        }
        return filled
      })
      return Result.isSuccess(done) && done.success === length ? buffer : undefined
    },
    close: () => {
      if (open) attempt(() => fs.closeSync(fd))
      open = false
    }
  })
}
