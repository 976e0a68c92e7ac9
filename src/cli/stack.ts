/**
 * The plain data the readable renderers draw (the table, the terminal
 * diagram, the SVG): one walked snapshot, without Effect values or the
 * snapshot's own types, so each renderer is a pure function of it.
 *
 * @since 0.1.0
 */

/**
 * One frame of the walk.
 *
 * @category models
 * @since 0.1.0
 */
export interface FrameRow {
  readonly pc: bigint
  readonly fp: bigint
  /** Index of the activation it belongs to (0 = the innermost, or the trap's). */
  readonly activation: number
}

/**
 * The frames of a walk, read by index (a walk can hold millions; nothing
 * here copies them).
 *
 * @category models
 * @since 0.1.0
 */
export interface FrameList {
  readonly length: number
  readonly at: (index: number) => FrameRow | undefined
}

/**
 * Where an activation starts (its first PC and FP) and the entry value it
 * ends at: the entry SP the host-to-Wasm trampoline recorded (the entry FP
 * in wasmtime versions that record that instead).
 *
 * @category models
 * @since 0.1.0
 */
export interface ActivationRow {
  readonly index: number
  readonly pc: bigint
  readonly fp: bigint
  readonly entry: bigint
  /** `entry SP` or `entry FP`. */
  readonly entryLabel: string
}

/**
 * Why a walk stopped early: the error's tag and sentence, how many frames
 * came before it, and the FP it is about (if any).
 *
 * @category models
 * @since 0.1.0
 */
export interface ErrorRow {
  readonly tag: string
  readonly message: string
  readonly frame: number
  readonly fp?: bigint | undefined
  /** The activation it is about, if any. */
  readonly activation?: number | undefined
}

/**
 * One walked snapshot, as the renderers see it.
 *
 * @category models
 * @since 0.1.0
 */
export interface StackView {
  /** The snapshot's name (file, `FILE:LINE`, `<stdin>`). */
  readonly name: string
  readonly arch: string
  /** Captured memory, in any order. */
  readonly regions: ReadonlyArray<{ readonly address: bigint; readonly length: number }>
  readonly activations: ReadonlyArray<ActivationRow>
  /** The snapshot has a trap: frame 0 is the trapping frame. */
  readonly trap: boolean
  readonly frames: FrameList
  readonly error: ErrorRow | undefined
  /** The saved FP and saved PC of the frame record at `fp`, as captured (`undefined` where not captured). */
  readonly record: (fp: bigint) => { readonly savedFp: bigint | undefined; readonly savedPc: bigint | undefined }
}

/**
 * `0x` and lowercase hex, no padding.
 *
 * @category formatting
 * @since 0.1.0
 */
export const hex = (value: bigint): string => `0x${value.toString(16)}`

/**
 * A count with thousands separators (`1,000,000`).
 *
 * @category formatting
 * @since 0.1.0
 */
export const count = (n: number): string => n.toLocaleString("en-US")

/**
 * `1 frame`, `2 frames`.
 *
 * @category formatting
 * @since 0.1.0
 */
export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? "" : "s"}`

/**
 * Activations the walk reached: one more than the last frame's activation
 * (0 with no frames).
 *
 * @category formatting
 * @since 0.1.0
 */
export const activationsWalked = (frames: FrameList): number => {
  const last = frames.at(frames.length - 1)
  return last === undefined ? 0 : last.activation + 1
}

/**
 * The first line of every readable output:
 * `FILE: x86_64, valid stack, 5 frames in 2 activations` or
 * `FILE: s390x, invalid stack (NonMonotonicFp) after 2 frames in 1 activation`.
 *
 * @category formatting
 * @since 0.1.0
 */
export const summary = (view: StackView): string => {
  const n = view.frames.length
  const frames = n === 0 ? "no frames" : `${plural(n, "frame")} in ${plural(activationsWalked(view.frames), "activation")}`
  return view.error === undefined
    ? `${view.name}: ${view.arch}, valid stack, ${frames}`
    : `${view.name}: ${view.arch}, invalid stack (${view.error.tag}) after ${frames}`
}

/**
 * ANSI colours for a terminal, or none.
 *
 * @category formatting
 * @since 0.1.0
 */
export interface Paint {
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
}

const plain = (text: string): string => text

const sgr = (on: string, off: string) => (text: string) => `\u001b[${on}m${text}\u001b[${off}m`

/**
 * The palette: ANSI escapes when `color`, the text as it is otherwise.
 *
 * @category formatting
 * @since 0.1.0
 */
export const paint = (color: boolean): Paint =>
  color
    ? { bold: sgr("1", "22"), dim: sgr("2", "22"), red: sgr("31", "39"), yellow: sgr("33", "39"), cyan: sgr("36", "39") }
    : { bold: plain, dim: plain, red: plain, yellow: plain, cyan: plain }
