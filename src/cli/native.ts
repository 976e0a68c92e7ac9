/**
 * The readable output of a native input (a core file or a minidump), for a
 * person triaging a crash: a line for the file, then per thread a header
 * (id, crashed or not, signal) and its frames, gdb-style, then how the walk
 * ended.
 *
 * ```text
 * x86_64-threads.core: core file, x86_64, 5 threads, crashprog (pid 20235), signal 11 (SIGSEGV)
 * thread 20235 (crashed, SIGSEGV)
 *   #0  0x4016fd  crash_here+0x1d  (crashprog)
 *   #1  0x40176c  step_c+0x2c  (crashprog)
 *   chain ends at a saved FP of 0 (2 frames)
 * ```
 *
 * Produced in chunks, so a thread of a million frames prints with bounded
 * memory.
 *
 * @since 0.2.0
 */
import type { NativeReport, ThreadReport } from "../native/Report.js"
import type { Location } from "../native/Symbolize.js"
import { hexOfHalves, toHex } from "../U64.js"
import type { Paint } from "./stack.js"
import { count, paint } from "./stack.js"

const LINES_PER_CHUNK = 2048

const SIGNALS: Readonly<Record<number, string>> = {
  1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
  9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"
}

/** A core's signal by number and name; a minidump's exception code in hex. */
const signalText = (report: NativeReport, signal: number | undefined): string | undefined => {
  if (signal === undefined || signal === 0) return undefined
  if (report.kind === "minidump") return `exception 0x${(signal >>> 0).toString(16)}`
  const name = SIGNALS[signal]
  return name === undefined ? `signal ${signal}` : `signal ${signal} (${name})`
}

const where = (location: Location | undefined): string => {
  if (location === undefined) return ""
  const symbol = location.symbol === undefined
    ? location.offset === undefined ? "" : location.module === undefined ? "" : `${baseName(location.module)}+${toHex(location.offset)}`
    : `${location.symbol}${location.offset === undefined || location.offset === 0n ? "" : `+${toHex(location.offset)}`}`
  const module = location.symbol !== undefined && location.module !== undefined ? `  (${baseName(location.module)})` : ""
  return symbol === "" ? "" : `  ${symbol}${module}`
}

const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1) || path

const header = (report: NativeReport, name: string): string => {
  const kind = report.kind === "core" ? "core file" : "minidump"
  const threads = `${count(report.threads.length)} thread${report.threads.length === 1 ? "" : "s"}`
  const process = report.core?.process
  const program = process === undefined ? "" : `, ${process.program} (pid ${process.pid})`
  const crashed = report.threads.find((t) => t.thread.crashed)
  const signal = signalText(report, crashed?.thread.signal)
  return `${name}: ${kind}, ${report.image.arch}, ${threads}${program}${signal === undefined ? "" : `, ${signal}`}`
}

// A thread's own signal, short: `SIGSEGV`, `signal 40`, `exception 0xc0000005`.
const shortSignal = (report: NativeReport, signal: number | undefined): string | undefined => {
  if (signal === undefined || signal === 0) return undefined
  return report.kind === "core" && SIGNALS[signal] !== undefined ? SIGNALS[signal] : signalText(report, signal)
}

const threadHeader = (report: NativeReport, t: ThreadReport, p: Paint): string => {
  const signal = t.thread.crashed ? shortSignal(report, t.thread.signal) : undefined
  const notes = [t.thread.crashed ? "crashed" : undefined, signal].filter((s) => s !== undefined).join(", ")
  const text = `thread ${t.thread.id}${notes === "" ? "" : ` (${notes})`}`
  return t.thread.crashed ? p.bold(p.red(text)) : p.bold(text)
}

const ending = (t: ThreadReport, p: Paint): string => {
  const n = `${count(t.result.frames.length)} frame${t.result.frames.length === 1 ? "" : "s"}`
  return t.result.ok
    ? p.dim(`  chain ends at a saved FP of 0 (${n})`)
    : p.red(`  error after ${n}: ${t.result.error.message}.`)
}

/**
 * Options of the native table: only the first `limit` frames of each thread
 * (gdb's `bt N`), in colour or not.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeTableOptions {
  readonly limit?: number | undefined
  readonly color?: boolean | undefined
}

/**
 * The readable output, as chunks of text that end in a newline.
 *
 * @category rendering
 * @since 0.2.0
 */
export function* renderNative(name: string, report: NativeReport, options: NativeTableOptions = {}): Generator<string> {
  const p = paint(options.color === true)
  let chunk = p.bold(header(report, name)) + "\n"
  for (const warning of report.warnings) chunk += p.yellow(`warning: ${warning}`) + "\n"
  let lines = 0
  for (const t of report.threads) {
    chunk += threadHeader(report, t, p) + "\n"
    const { frames } = t.result
    const shown = Math.min(frames.length, options.limit ?? frames.length)
    const width = String(Math.max(0, shown - 1)).length + 1
    for (let i = 0; i < shown; i++) {
      const pc = hexOfHalves(frames.pcHigh(i), frames.pcLow(i))
      chunk += `  ${`#${i}`.padEnd(width)}  ${pc}${where(t.locations[i])}\n`
      if (++lines >= LINES_PER_CHUNK) {
        yield chunk
        chunk = ""
        lines = 0
      }
    }
    if (shown < frames.length) chunk += p.dim(`  (${count(frames.length - shown)} more; -n ${frames.length} shows all)`) + "\n"
    chunk += ending(t, p) + "\n"
  }
  yield chunk
}
