/**
 * `fpwalk walk FILE...`: decode each snapshot, walk it, render the result.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Io } from "./io.js"
import { expandInputs, runJobs, textOf } from "./jobs.js"
import type { Snapshot } from "../Snapshot.js"
import { decodeJson, resultToJson } from "../Snapshot.js"
import { parse as parseU64, toHex } from "../U64.js"
import type { Frame, WalkResult } from "../Walker.js"
import { traceSync } from "../Walker.js"

/**
 * Exit statuses of the spec: 0 a valid stack, 1 a walk error, 2 an input
 * error. With several files, the highest wins.
 *
 * @category constants
 * @since 0.1.0
 */
export const ExitCode = { Valid: 0, WalkError: 1, InputError: 2 } as const

/**
 * Options of `fpwalk walk`. Walk settings given here override the
 * snapshot's own `options`.
 *
 * @category models
 * @since 0.1.0
 */
export interface WalkCommand {
  readonly files: ReadonlyArray<string>
  readonly json: boolean
  readonly maxFrames: bigint | undefined
  readonly aarch64VaBits: number | undefined
  /** Worker threads to walk many snapshots on (default 1: this thread). */
  readonly jobs?: number | undefined
  /** Every FILE is NDJSON, one snapshot a line (`.ndjson` files always are). */
  readonly ndjson?: boolean | undefined
}

/**
 * Parses a `--max-frames` value: a decimal integer or `0x` hex, up to
 * `2^64 - 1`.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseMaxFrames = (text: string): bigint | undefined =>
  parseU64(/^[0-9]+$/.test(text) ? `0x${BigInt(text).toString(16)}` : text)

/**
 * Parses an `--aarch64-va-bits` value: a decimal integer from 0 to 64.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseVaBits = (text: string): number | undefined =>
  /^[0-9]{1,2}$/.test(text) && Number(text) <= 64 ? Number(text) : undefined

interface Walked {
  readonly result: WalkResult
  /** The activation of each frame, by frame index. */
  readonly activations: ReadonlyArray<number>
}

const walkWithActivations = (snapshot: Snapshot): Walked => {
  const frames: Array<Frame> = []
  const activations: Array<number> = []
  const traced = traceSync(snapshot, (frame, activation) => {
    frames.push(frame)
    activations.push(activation)
  })
  const result: WalkResult = Result.isFailure(traced)
    ? { ok: false, error: traced.failure, frames }
    : { ok: true, frames }
  return { result, activations }
}

const renderTable = (file: string, { activations, result }: Walked): string => {
  const rows = result.frames.map((frame, index) => [
    String(index),
    String(activations[index]),
    toHex(frame.pc),
    toHex(frame.fp)
  ])
  const header = ["frame", "activation", "pc", "fp"]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => (column < 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join("  ").trimEnd()
  const count = `${result.frames.length} frame${result.frames.length === 1 ? "" : "s"}`
  const status = result.ok
    ? `${file}: valid stack, ${count}`
    : `${file}: invalid stack (${result.error._tag}) after ${count}`
  const table = rows.length === 0 ? [] : [line(header), ...rows.map(line)]
  const error = result.ok ? [] : [`error: ${result.error.message}.`]
  return [status, ...table, ...error].join("\n") + "\n"
}

const renderJson = (file: string | undefined, { result }: Walked): string => {
  const json = resultToJson(result)
  return JSON.stringify(file === undefined ? json : { file, ...json }) + "\n"
}

/**
 * What walking one snapshot prints, and its exit status.
 *
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly stdout: string
  readonly stderr: string
  readonly status: number
}

/**
 * Decodes, walks and renders one snapshot: the `index`-th of the command's
 * snapshots, named `name` (`several`: there is more than one).
 *
 * @category commands
 * @since 0.1.0
 */
export const walkOne = (
  name: string,
  text: Result.Result<string, string>,
  index: number,
  several: boolean,
  command: WalkCommand
): Outcome => {
  const snapshot = Result.flatMap(
    Result.mapError(text, (reason) => `cannot read ${name}: ${reason}`),
    (text) => Result.mapError(decodeJson(text), (error) => `${name}: ${error.message}`)
  )
  if (Result.isFailure(snapshot)) return { stdout: "", stderr: `fpwalk: ${snapshot.failure}\n`, status: ExitCode.InputError }
  const walked = walkWithActivations(withOverrides(snapshot.success, command))
  return {
    stdout: command.json
      ? renderJson(several ? name : undefined, walked)
      : (index > 0 ? "\n" : "") + renderTable(name, walked),
    stderr: "",
    status: walked.result.ok ? ExitCode.Valid : ExitCode.WalkError
  }
}

/**
 * Runs `fpwalk walk` and returns the exit status.
 *
 * @category commands
 * @since 0.1.0
 */
export const runWalk = async (command: WalkCommand, io: Io): Promise<number> => {
  const inputs = await expandInputs(command, io)
  const several = inputs.length > 1
  if ((command.jobs ?? 1) > 1 && several) return runJobs(inputs, command, several, io)
  let status: number = ExitCode.Valid
  for (const [index, input] of inputs.entries()) {
    const outcome = walkOne(input.name, await textOf(input, io), index, several, command)
    if (outcome.stderr !== "") io.stderr(outcome.stderr)
    if (outcome.stdout !== "") io.stdout(outcome.stdout)
    status = Math.max(status, outcome.status)
  }
  return status
}

const withOverrides = (snapshot: Snapshot, command: WalkCommand): Snapshot => ({
  ...snapshot,
  options: {
    maxFrames: command.maxFrames ?? snapshot.options.maxFrames,
    aarch64VaBits: command.aarch64VaBits ?? snapshot.options.aarch64VaBits
  }
})
