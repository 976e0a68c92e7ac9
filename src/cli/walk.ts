/**
 * `fpwalk walk FILE...`: decode each snapshot, walk it, render the result.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Io } from "./io.js"
import type { Snapshot } from "../Snapshot.js"
import { decodeJson, frameToJson, errorToJson } from "../Snapshot.js"
import { parse as parseU64, toHex } from "../U64.js"
import type { Frame } from "../Walker.js"
import { traceSync } from "../Walker.js"
import type { WalkError } from "../WalkError.js"

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
  readonly frames: ReadonlyArray<{ readonly frame: Frame; readonly activation: number }>
  readonly error: WalkError | undefined
}

const walkWithActivations = (snapshot: Snapshot): Walked => {
  const frames: Array<{ readonly frame: Frame; readonly activation: number }> = []
  const traced = traceSync(snapshot, (frame, activation) => {
    frames.push({ frame, activation })
  })
  return { frames, error: Result.isFailure(traced) ? traced.failure : undefined }
}

const renderTable = (file: string, walked: Walked): string => {
  const rows = walked.frames.map(({ activation, frame }, index) => [
    String(index),
    String(activation),
    toHex(frame.pc),
    toHex(frame.fp)
  ])
  const header = ["frame", "activation", "pc", "fp"]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => (column < 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join("  ").trimEnd()
  const count = `${walked.frames.length} frame${walked.frames.length === 1 ? "" : "s"}`
  const status = walked.error === undefined
    ? `${file}: valid stack, ${count}`
    : `${file}: invalid stack (${walked.error._tag}) after ${count}`
  const table = rows.length === 0 ? [] : [line(header), ...rows.map(line)]
  const error = walked.error === undefined ? [] : [`error: ${walked.error.message}.`]
  return [status, ...table, ...error].join("\n") + "\n"
}

const renderJson = (file: string | undefined, walked: Walked): string => {
  const frames = walked.frames.map(({ frame }) => frameToJson(frame))
  const result = walked.error === undefined
    ? { ok: true, frames }
    : { ok: false, error: errorToJson(walked.error), frames }
  return JSON.stringify(file === undefined ? result : { file, ...result }) + "\n"
}

/**
 * Runs `fpwalk walk` and returns the exit status.
 *
 * @category commands
 * @since 0.1.0
 */
export const runWalk = async (command: WalkCommand, io: Io): Promise<number> => {
  let status: number = ExitCode.Valid
  const several = command.files.length > 1
  for (const [index, file] of command.files.entries()) {
    const name = file === "-" ? "<stdin>" : file
    const text = await io.readText(file)
    const snapshot = Result.flatMap(
      Result.mapError(text, (reason) => `cannot read ${name}: ${reason}`),
      (text) => Result.mapError(decodeJson(text), (error) => `${name}: ${error.message}`)
    )
    if (Result.isFailure(snapshot)) {
      io.stderr(`fpwalk: ${snapshot.failure}\n`)
      status = Math.max(status, ExitCode.InputError)
      continue
    }
    const walked = walkWithActivations(withOverrides(snapshot.success, command))
    if (walked.error !== undefined) status = Math.max(status, ExitCode.WalkError)
    if (command.json) {
      io.stdout(renderJson(several ? name : undefined, walked))
    } else {
      io.stdout((index > 0 ? "\n" : "") + renderTable(name, walked))
    }
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
