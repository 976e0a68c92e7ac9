/**
 * The `fpwalk` command line: argument parsing and dispatch, nothing else.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { parseArguments } from "./args.js"
import type { Io } from "./io.js"
import { ExitCode, parseMaxFrames, parseVaBits, runWalk } from "./walk.js"

const USAGE = `usage: fpwalk walk [--json] [--max-frames N] [--aarch64-va-bits N] [--jobs N] [--ndjson] FILE...
  Walks each snapshot (FILE - reads standard input) and prints its frames.
  A FOLDER is every *.json file in it (sorted); a .ndjson FILE is one snapshot a line.
  --json               print the spec's result shape (one JSON line per file)
  --max-frames N       override the snapshot's maxFrames (decimal or 0x hex)
  --aarch64-va-bits N  override the snapshot's aarch64VaBits (0 to 64)
  --jobs N             walk on N worker threads (1 to 64; output order is kept)
  --ndjson             read every FILE (- too) as NDJSON
exit status: 0 valid, 1 walk error, 2 input error (several files: the highest)
usage: fpwalk serve [--host H] [--port N] [--body-limit SIZE] [--max-frames N] [--max-walks N]
                    [--request-timeout MS] [--max-depth N] [--max-batch-lines N] [--max-regions N]
                    [--max-states N] [--idle-timeout MS] [--shutdown-timeout MS]
  Serves the walker over HTTP until SIGTERM/SIGINT (fpwalk serve --help: endpoints,
  limits, their defaults and FPWALK_* environment variables).
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
  // Loaded on demand: the walk command's start-up does not pay for the server.
  if (command === "serve") return (await import("./serve.js")).runServe(rest, io)
  if (command !== "walk") return usageError(io, command === undefined ? "missing command" : `unknown command '${command}'`)
  const parsed = parseArguments({
    args: [...rest],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      "max-frames": { type: "string" },
      "aarch64-va-bits": { type: "string" },
      jobs: { type: "string" },
      ndjson: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }
    }
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
  const jobs = values.jobs === undefined ? 1 : /^[1-9][0-9]?$/.test(values.jobs) ? Number(values.jobs) : 0
  if (jobs < 1 || jobs > 64) return usageError(io, `--jobs: must be 1 to 64: '${values.jobs}'`)
  return runWalk({ files: positionals, json: values.json, maxFrames, aarch64VaBits: vaBits, jobs, ndjson: values.ndjson }, io)
}
