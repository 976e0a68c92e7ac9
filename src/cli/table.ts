/**
 * The readable output of `fpwalk walk`: a summary line, then the frames
 * grouped by activation, gdb-style, then the error's sentence.
 *
 * ```text
 * examples/x86_64-valid.json: x86_64, valid stack, 5 frames in 2 activations
 * activation 0 (entry SP 0x7ffce3f0)
 *   #0  pc 0x400ff4  fp 0x7ffce100  <- trap
 *   #1  pc 0x401024  fp 0x7ffce200
 * ```
 *
 * It is produced in chunks of a few thousand lines, so a walk of millions
 * of frames prints with bounded memory.
 *
 * @since 0.1.0
 */
import type { StackView } from "./stack.js"
import { count, hex, paint, summary } from "./stack.js"

const LINES_PER_CHUNK = 2048

/**
 * How the table is printed: only the first `limit` frames (gdb's `bt N`),
 * in colour or not.
 *
 * @category models
 * @since 0.1.0
 */
export interface TableOptions {
  readonly limit?: number | undefined
  readonly color?: boolean | undefined
}

/**
 * The table, as chunks of text that end in a newline.
 *
 * @category rendering
 * @since 0.1.0
 */
export function* renderTable(view: StackView, options: TableOptions = {}): Generator<string> {
  const p = paint(options.color === true)
  const { frames } = view
  const shown = Math.min(frames.length, options.limit ?? frames.length)
  // Column widths from one pass over the printed frames (no array of rows).
  let pcWidth = 0
  let fpWidth = 0
  for (let i = 0; i < shown; i++) {
    const frame = frames.at(i)
    if (frame === undefined) break
    pcWidth = Math.max(pcWidth, hex(frame.pc).length)
    fpWidth = Math.max(fpWidth, hex(frame.fp).length)
  }
  const indexWidth = String(Math.max(0, shown - 1)).length + 1
  let chunk = p.bold(summary(view)) + "\n"
  let lines = 1
  let activation = -1
  for (let i = 0; i < shown; i++) {
    const frame = frames.at(i)
    if (frame === undefined) break
    if (frame.activation !== activation) {
      activation = frame.activation
      const entry = view.activations[activation]
      chunk += p.dim(`activation ${activation}${entry === undefined ? "" : ` (${entry.entryLabel} ${hex(entry.entry)})`}`) + "\n"
      lines++
    }
    const mark = i === 0 && view.trap ? `  ${p.yellow("<- trap")}` : ""
    chunk += `  ${`#${i}`.padEnd(indexWidth)}  pc ${hex(frame.pc).padEnd(pcWidth)}  fp ${hex(frame.fp).padEnd(fpWidth)}`.trimEnd() + mark + "\n"
    if (++lines >= LINES_PER_CHUNK) {
      yield chunk
      chunk = ""
      lines = 0
    }
  }
  if (shown < frames.length) {
    const rest = frames.length - shown
    chunk += p.dim(`  (${count(rest)} more frame${rest === 1 ? "" : "s"}; -n ${count(frames.length).replace(/,/g, "")} shows all)`) + "\n"
  }
  if (view.error !== undefined) chunk += p.red(`error: ${view.error.message}.`) + "\n"
  yield chunk
}
