/**
 * The `fpwalk` command line: argument parsing and dispatch, nothing else.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { parseArgs } from "node:util"
import type { Io } from "./io.js"
import { ExitCode, parseMaxFrames, parseVaBits, runWalk } from "./walk.js"

const USAGE = `usage: fpwalk walk [--json] [--max-frames N] [--aarch64-va-bits N] FILE...
  Walks each snapshot (FILE - reads standard input) and prints its frames.
  --json               print the spec's result shape (one JSON line per file)
  --max-frames N       override the snapshot's maxFrames (decimal or 0x hex)
  --aarch64-va-bits N  override the snapshot's aarch64VaBits (0 to 64)
exit status: 0 valid, 1 walk error, 2 input error (several files: the highest)
`

const usageError = (io: Io, message: string): number => {
  io.stderr(`fpwalk: ${message}\n${USAGE}`)
  return ExitCode.InputError
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit
 * status.
 *
 * @category commands
 * @since 0.1.0
 */
export const main = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  const [command, ...rest] = argv
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(USAGE)
    return ExitCode.Valid
  }
  if (command !== "walk") return usageError(io, command === undefined ? "missing command" : `unknown command '${command}'`)
  const parsed = Result.try({
    try: () =>
      parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: {
          json: { type: "boolean", default: false },
          "max-frames": { type: "string" },
          "aarch64-va-bits": { type: "string" },
          help: { type: "boolean", short: "h", default: false }
        }
      }),
    // parseArgs explains itself over several lines; the CLI says one.
    catch: (cause) => (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, " ")
  })
  if (Result.isFailure(parsed)) return usageError(io, parsed.failure)
  const { positionals, values } = parsed.success
  if (values.help) {
    io.stdout(USAGE)
    return ExitCode.Valid
  }
  if (positionals.length === 0) return usageError(io, "walk needs at least one FILE (- for standard input)")
  const maxFrames = values["max-frames"] === undefined ? undefined : parseMaxFrames(values["max-frames"])
  if (values["max-frames"] !== undefined && maxFrames === undefined) {
    return usageError(io, `--max-frames: not a 64-bit value: '${values["max-frames"]}'`)
  }
  const vaBits = values["aarch64-va-bits"] === undefined ? undefined : parseVaBits(values["aarch64-va-bits"])
  if (values["aarch64-va-bits"] !== undefined && vaBits === undefined) {
    return usageError(io, `--aarch64-va-bits: must be 0 to 64: '${values["aarch64-va-bits"]}'`)
  }
  return runWalk({ files: positionals, json: values.json, maxFrames, aarch64VaBits: vaBits }, io)
}
