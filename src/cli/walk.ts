/**
 * `fpwalk walk FILE...`: read each snapshot, decode it, walk it, render the
 * result (the table, `--diagram`, `--json`, `--svg`).
 *
 * Data flows one way: {@link walkOne} takes one input's text to an
 * {@link Outcome} (what to print, the exit status) through
 * {@link decodeInput} (one branch per kind of input) and
 * {@link walkDecoded}; {@link runWalk} prints outcomes in input order, on
 * this thread or on worker threads (`--jobs`, see `jobs.ts`).
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Snapshot } from "../Activation.js"
import { activations } from "../Activation.js"
import { architectures } from "../arch/index.js"
import { readWord } from "../Memory.js"
import type { FileSource } from "../core/nodeFile.js"
import type { NativeReport } from "../native/Report.js"
import { nativeToJson, walkNativeSync } from "../native/Report.js"
import type { SymbolFile } from "../native/Symbolize.js"
import { decodeJsonSync, resultToJson } from "../Snapshot.js"
import { StackMemory } from "../StackMemory.js"
import { parse as parseU64 } from "../U64.js"
import type { WalkResult } from "../Walker.js"
import { walkSync } from "../Walker.js"
import type { Input, Outcome, WalkCommand } from "./command.js"
import { ExitCode } from "./command.js"
import { renderDiagram } from "./diagram.js"
import type { Content } from "./inputs.js"
import { contentOf, expandInputs } from "./inputs.js"
import { renderNative } from "./native.js"
import type { Io } from "./io.js"
import { oneLine, printChunks } from "./io.js"
import { runJobs } from "./pool.js"
import type { StackView } from "./stack.js"
import { renderSvg } from "./svg.js"
import { renderTable } from "./table.js"

export { ExitCode }
export type { Outcome, WalkCommand }

/**
 * Parses a `--max-frames` value: a decimal integer or `0x` hex, up to
 * `2^64 - 1`.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseMaxFrames = (text: string): bigint | undefined =>
  parseU64(/^[0-9]{1,20}$/.test(text) ? `0x${BigInt(text).toString(16)}` : text)

/**
 * Parses an `--aarch64-va-bits` value: a decimal integer from 0 to 64.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseVaBits = (text: string): number | undefined =>
  /^[0-9]{1,2}$/.test(text) && Number(text) <= 64 ? Number(text) : undefined

/**
 * A decoded input, by kind: what {@link walkDecoded} knows how to walk. A
 * native input (a core file or a minidump) is walked as it is read.
 *
 * @category models
 * @since 0.2.0
 */
export type Decoded =
  | { readonly kind: "snapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "native"; readonly report: NativeReport; readonly warnings: ReadonlyArray<string> }

/**
 * Decodes one input's content; a failure is the one-line message (without
 * the `fpwalk: ` prefix).
 *
 * @category decoding
 * @since 0.2.0
 */
export const decodeInput = (name: string, content: Content, command: WalkCommand, io: Io): Result.Result<Decoded, string> => {
  if ("text" in content) {
    const decoded = decodeJsonSync(content.text)
    return decoded.ok
      ? Result.succeed({ kind: "snapshot", snapshot: decoded.snapshot })
      : Result.fail(`${name}: ${decoded.error.message}`)
  }
  const opened: Array<FileSource> = [content.source]
  const warnings: Array<string> = []
  const symbols: Array<SymbolFile> = []
  for (const file of command.symbols ?? []) {
    const source = io.openSource?.(file)
    if (source === undefined || Result.isFailure(source)) {
      warnings.push(`--symbols ${file}: not used: ${source === undefined ? "no file system" : source.failure}`)
    } else {
      opened.push(source.success)
      symbols.push({ name: file, source: source.success })
    }
  }
  const walked = walkNativeSync(content.source, {
    symbols,
    sysroot: command.sysroot,
    maxFrames: command.maxFrames,
    aarch64VaBits: command.aarch64VaBits,
    openFile: (path) => {
      const source = io.openSource?.(path)
      if (source === undefined || Result.isFailure(source)) return undefined
      opened.push(source.success)
      return source.success
    }
  })
  // Everything is read: the walk and the symbols are done.
  for (const source of opened) source.close()
  return walked.ok
    ? Result.succeed({ kind: "native", report: walked.report, warnings })
    : Result.fail(`${name}: ${walked.error.message}`)
}

const walkNative = (name: string, decoded: Extract<Decoded, { kind: "native" }>, index: number, command: WalkCommand): Outcome => {
  const { report } = decoded
  const status = report.threads.every((t) => t.result.ok) ? ExitCode.Valid : ExitCode.WalkError
  if (command.diagram === true || command.svg !== undefined) {
    return { stdout: [], stderr: `fpwalk: ${oneLine(`${name}: --diagram and --svg draw snapshots, not core files or minidumps`)}\n`, status: ExitCode.InputError }
  }
  const warnings = [...decoded.warnings, ...(command.json ? report.warnings : [])]
  const stderr = warnings.map((w) => `fpwalk: ${oneLine(`${name}: warning: ${w}`)}\n`).join("")
  if (command.json) return { stdout: [JSON.stringify(nativeToJson(report, name)) + "\n"], stderr, status }
  const readable = renderNative(name, report, { limit: command.frames, color: command.color })
  return { stdout: index > 0 ? prepend("\n", readable) : readable, stderr, status }
}

const withOverrides = (snapshot: Snapshot, command: WalkCommand): Snapshot =>
  command.maxFrames === undefined && command.aarch64VaBits === undefined ? snapshot : {
    ...snapshot,
    options: {
      maxFrames: command.maxFrames ?? snapshot.options.maxFrames,
      aarch64VaBits: command.aarch64VaBits ?? snapshot.options.aarch64VaBits
    }
  }

/**
 * The renderers' view of a walked snapshot.
 *
 * @category constructors
 * @since 0.2.0
 */
export const viewOf = (name: string, snapshot: Snapshot, result: WalkResult): StackView => {
  const arch = architectures[snapshot.arch]
  const memory = snapshot.memory
  const entryLabel = snapshot.generation === "entry-fp" ? "entry FP" : "entry SP"
  const error = result.ok ? undefined : result.error
  return {
    name,
    arch: snapshot.arch,
    regions: memory instanceof StackMemory ? memory.regions.map((r) => ({ address: r.address, length: r.bytes.length })) : [],
    activations: activations(snapshot).map((a) => ({ index: a.index, pc: a.pc, fp: a.fp, entry: a.entry, entryLabel })),
    trap: snapshot.trap !== undefined,
    frames: result.frames,
    error: error === undefined ? undefined : {
      tag: error._tag,
      message: error.message,
      frame: "frame" in error && typeof error.frame === "number" ? error.frame : result.frames.length,
      fp: "fp" in error && typeof error.fp === "bigint" ? error.fp : undefined,
      activation: "activation" in error && typeof error.activation === "number" ? error.activation : undefined
    },
    record: (fp) => ({
      savedFp: readWord(memory, fp + BigInt(arch.record.nextFpOffset), arch.littleEndian),
      savedPc: readWord(memory, fp + BigInt(arch.record.pcOffset), arch.littleEndian)
    })
  }
}

/**
 * Walks a decoded input and renders it as the command asks.
 *
 * @category commands
 * @since 0.2.0
 */
export const walkDecoded = (name: string, decoded: Decoded, index: number, command: WalkCommand): Outcome => {
  if (decoded.kind === "native") return walkNative(name, decoded, index, command)
  const snapshot = withOverrides(decoded.snapshot, command)
  const result = walkSync(snapshot)
  const status = result.ok ? ExitCode.Valid : result.error._tag === "InputError" ? ExitCode.InputError : ExitCode.WalkError
  if (command.json) {
    return { stdout: [JSON.stringify({ file: name, ...resultToJson(result) }) + "\n"], stderr: "", status }
  }
  const view = viewOf(name, snapshot, result)
  const readable = command.diagram === true
    ? renderDiagram(view, { color: command.color })
    : renderTable(view, { limit: command.frames, color: command.color })
  return {
    stdout: index > 0 ? prepend("\n", readable) : readable,
    stderr: "",
    status,
    ...(command.svg === undefined ? {} : { svg: renderSvg(view) })
  }
}

function* prepend(first: string, rest: Iterable<string>): Generator<string> {
  yield first
  yield* rest
}

/**
 * Decodes, walks and renders one input: the `index`-th of the command's
 * inputs, whose content is `content` (or why it could not be read).
 *
 * @category commands
 * @since 0.1.0
 */
export const walkOne = (
  input: Input,
  content: Result.Result<Content, string>,
  index: number,
  command: WalkCommand,
  io: Io
): Outcome => {
  const decoded = Result.flatMap(content, (content) => decodeInput(input.name, content, command, io))
  return Result.isFailure(decoded)
    ? { stdout: [], stderr: `fpwalk: ${oneLine(decoded.failure)}\n`, status: ExitCode.InputError }
    : walkDecoded(input.name, decoded.success, index, command)
}

/**
 * Runs `fpwalk walk` and returns the exit status: the highest of every
 * input's (an input that fails never stops the ones after it).
 *
 * @category commands
 * @since 0.1.0
 */
export const runWalk = async (command: WalkCommand, io: Io): Promise<number> => {
  const inputs = await expandInputs(command.files, command.ndjson === true, io)
  if (command.svg !== undefined && inputs.length !== 1) {
    io.stderr(`fpwalk: --svg draws one snapshot, and ${inputs.length} were given\n`)
    return ExitCode.InputError
  }
  if ((command.jobs ?? 1) > 1 && inputs.length > 1) return runJobs(inputs, command, io, walkOne)
  let status: number = ExitCode.Valid
  for (const [index, input] of inputs.entries()) {
    const outcome = walkOne(input, await contentOf(input, io), index, command, io)
    if (outcome.stderr !== "") io.stderr(outcome.stderr)
    await printChunks(outcome.stdout, io)
    status = Math.max(status, outcome.status)
    if (command.svg !== undefined && outcome.svg !== undefined) {
      const written = (io.writeText ?? (() => Result.fail("no file system")))(command.svg, outcome.svg)
      if (Result.isFailure(written)) {
        io.stderr(`fpwalk: ${oneLine(`cannot write ${command.svg}: ${written.failure}`)}\n`)
        status = Math.max(status, ExitCode.InputError)
      }
    }
  }
  return status
}
