/**
 * The `fpwalk` command line: argument parsing and dispatch, nothing else.
 * Every complaint is one line on standard error, starting `fpwalk: `.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { parseArguments, parseCount } from "./args.js"
import { ExitCode } from "./command.js"
import type { Io } from "./io.js"
import { oneLine } from "./io.js"
import { version } from "./version.js"
import { parseMaxFrames, parseVaBits, runWalk } from "./walk.js"

/**
 * `fpwalk --help`.
 *
 * @category constants
 * @since 0.2.0
 */
export const USAGE = `usage: fpwalk walk [options] FILE...    walk stack snapshots and print their frames
       fpwalk serve [options]            serve the walker over HTTP
       fpwalk --version
fpwalk walk --help and fpwalk serve --help list the options.
`

/**
 * `fpwalk walk --help`.
 *
 * @category constants
 * @since 0.2.0
 */
export const WALK_USAGE = `usage: fpwalk walk [options] FILE...
Walks each snapshot, ELF core file or minidump (told apart by their content)
and prints its frames. FILE - reads standard input (a snapshot); a folder is
every *.json file in it (sorted); a .ndjson file is one snapshot a line
(named FILE:LINE).
  -n, --frames N         print only the first N frames of each table (the walk is whole)
      --diagram          draw the stack: memory, frame records, saved-FP arrows, entry SP
      --svg FILE         also write that picture as SVG (one snapshot only)
      --json             print the result as JSON, one line per snapshot, with "file"
      --max-frames N     override the snapshot's maxFrames (decimal or 0x hex)
      --aarch64-va-bits N  override the snapshot's aarch64VaBits (0 to 64)
      --jobs N           walk on N threads (1 to 64; output order is kept)
      --ndjson           read every FILE (- too) as NDJSON
      --symbols FILE     an executable or library to name native frames by (repeatable)
      --sysroot DIR      where the files a core's NT_FILE names are (default /)
  -h, --help             this text
      --version          the version
Colour when standard output is a terminal and NO_COLOR is unset.
Exit status: 0 every stack valid (every thread's chain walked to its end),
1 a walk error, 2 an input error (unreadable file, malformed JSON, schema
violation, malformed core or minidump, bad usage); the highest wins.
`

const usageError = (io: Io, message: string, help = "fpwalk walk --help"): number => {
  io.stderr(`fpwalk: ${oneLine(message)}; try '${help}'\n`)
  return ExitCode.InputError
}

const isTerminalColor = (io: Io): boolean => io.color === true

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
  if (command === "--version" || command === "-V" || command === "version") {
    io.stdout(`fpwalk ${version()}\n`)
    return ExitCode.Valid
  }
  // Loaded on demand: the walk command's start-up does not pay for the server.
  if (command === "serve") return (await import("./serve.js")).runServe(rest, io)
  if (command !== "walk") {
    return command === undefined
      ? usageError(io, "missing command (walk or serve)", "fpwalk --help")
      : usageError(io, `unknown command '${command}' (walk or serve)`, "fpwalk --help")
  }
  const parsed = parseArguments({
    args: [...rest],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      diagram: { type: "boolean", default: false },
      svg: { type: "string" },
      frames: { type: "string", short: "n" },
      "max-frames": { type: "string" },
      "aarch64-va-bits": { type: "string" },
      jobs: { type: "string" },
      ndjson: { type: "boolean", default: false },
      symbols: { type: "string", multiple: true },
      sysroot: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false }
    }
  })
  if (Result.isFailure(parsed)) return usageError(io, parsed.failure)
  const { positionals, values } = parsed.success
  if (values.help) {
    io.stdout(WALK_USAGE)
    return ExitCode.Valid
  }
  if (values.version) {
    io.stdout(`fpwalk ${version()}\n`)
    return ExitCode.Valid
  }
  if (positionals.length === 0) return usageError(io, "walk needs at least one FILE (- for standard input)")
  const maxFrames = values["max-frames"] === undefined ? undefined : parseMaxFrames(values["max-frames"])
  if (values["max-frames"] !== undefined && maxFrames === undefined) {
    return usageError(io, `--max-frames must be 0 to 2^64-1 (decimal or 0x hex), not '${values["max-frames"]}'`)
  }
  const vaBits = values["aarch64-va-bits"] === undefined ? undefined : parseVaBits(values["aarch64-va-bits"])
  if (values["aarch64-va-bits"] !== undefined && vaBits === undefined) {
    return usageError(io, `--aarch64-va-bits must be 0 to 64, not '${values["aarch64-va-bits"]}'`)
  }
  const jobs = values.jobs === undefined ? 1 : parseCount(values.jobs, 1, 64)
  if (jobs === undefined) return usageError(io, `--jobs must be 1 to 64, not '${values.jobs}'`)
  const frames = values.frames === undefined ? undefined : parseCount(values.frames, 0, 2 ** 32)
  if (values.frames !== undefined && frames === undefined) {
    return usageError(io, `-n/--frames must be a whole number of frames, not '${values.frames}'`)
  }
  if (values.json && (values.diagram || frames !== undefined)) {
    return usageError(io, `--json prints every frame; ${values.diagram ? "--diagram" : "-n/--frames"} is for the readable output`)
  }
  if (values.diagram && frames !== undefined) {
    return usageError(io, "-n/--frames is for the table; --diagram keeps the first and last frames by itself")
  }
  if (values.svg === "") return usageError(io, "--svg needs a file name")
  return runWalk({
    files: positionals,
    json: values.json,
    maxFrames,
    aarch64VaBits: vaBits,
    jobs,
    ndjson: values.ndjson,
    frames,
    diagram: values.diagram,
    svg: values.svg,
    symbols: values.symbols,
    sysroot: values.sysroot,
    color: isTerminalColor(io)
  }, io)
}
