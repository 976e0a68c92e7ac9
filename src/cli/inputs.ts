/**
 * What the FILE arguments of `fpwalk walk` stand for: one snapshot, every
 * `*.json` of a folder, or one snapshot per line of NDJSON.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import type { FileSource } from "../core/nodeFile.js"
import { isElf, kindOf } from "../native/Report.js"
import type { Input } from "./command.js"
import type { Io } from "./io.js"
import { fileErrorReason } from "./io.js"

/**
 * An input's content: a snapshot's text, or a native file open for random
 * access (closed by whoever walks it).
 *
 * @category models
 * @since 0.2.0
 */
export type Content = { readonly text: string } | { readonly source: FileSource }

const nameOf = (file: string): string => (file === "-" ? "<stdin>" : file)

const isDirectory = (file: string): boolean =>
  file !== "-" && Result.getOrElse(Result.try(() => statSync(file).isDirectory()), () => false)

const ndjsonLines = (name: string, text: string, inputs: Array<Input>): void => {
  let start = 0
  for (let line = 1; start <= text.length; line++) {
    const newline = text.indexOf("\n", start)
    const end = newline === -1 ? text.length : newline
    const snapshot = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end)
    if (snapshot.trim() !== "") inputs.push({ name: `${name}:${line}`, text: snapshot })
    if (newline === -1) break
    start = newline + 1
  }
}

/**
 * The snapshots the FILE arguments stand for, in order: a folder is every
 * `*.json` file in it, sorted by name; a `.ndjson` file (any file with
 * `--ndjson`, `-` included) is one snapshot per non-blank line, named
 * `FILE:LINE`; anything else is one snapshot.
 *
 * @category constructors
 * @since 0.1.0
 */
export const expandInputs = async (
  files: ReadonlyArray<string>,
  ndjson: boolean,
  io: Io
): Promise<Array<Input>> => {
  const inputs: Array<Input> = []
  for (const file of files) {
    const name = nameOf(file)
    if (isDirectory(file)) {
      const listed = Result.try({
        try: () => readdirSync(file).filter((entry) => entry.endsWith(".json")).sort(),
        catch: fileErrorReason
      })
      if (Result.isFailure(listed)) inputs.push({ name, unreadable: `cannot read ${name}: ${listed.failure}` })
      else if (listed.success.length === 0) inputs.push({ name, unreadable: `${name}: no *.json files in this folder` })
      else for (const entry of listed.success) inputs.push({ name: join(file, entry), path: join(file, entry) })
    } else if (ndjson || file.endsWith(".ndjson")) {
      const text = await io.readText(file)
      if (Result.isFailure(text)) inputs.push({ name, unreadable: `cannot read ${name}: ${text.failure}` })
      else ndjsonLines(name, text.success, inputs)
    } else {
      inputs.push({ name, path: file })
    }
  }
  return inputs
}

/**
 * What an input holds, read now if it is a file: a core file or a minidump
 * (recognised by its first bytes) stays a random-access source, anything
 * else is text. A failure is the whole message (`cannot read FILE: no such
 * file`).
 *
 * @category constructors
 * @since 0.2.0
 */
export const contentOf = async (input: Input, io: Io): Promise<Result.Result<Content, string>> => {
  if ("text" in input) return Result.succeed({ text: input.text })
  if ("unreadable" in input) return Result.fail(input.unreadable)
  if (input.path !== "-" && io.openSource !== undefined) {
    const opened = io.openSource(input.path)
    if (Result.isSuccess(opened)) {
      const source = opened.success
      if (kindOf(source) !== undefined || isElf(source)) return Result.succeed({ source })
      source.close()
    }
  }
  return Result.map(
    Result.mapError(await io.readText(input.path), (reason) => `cannot read ${input.name}: ${reason}`),
    (text) => ({ text })
  )
}
