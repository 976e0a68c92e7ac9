/**
 * The plain data every part of `fpwalk walk` shares: the command as parsed,
 * one snapshot to walk, what walking it printed, and the exit statuses.
 * No logic, so that the walk, the thread pool and the worker can all import
 * it without importing each other.
 *
 * @since 0.1.0
 */

/**
 * Exit statuses: 0 every stack valid, 1 a walk error (the stack is
 * invalid), 2 an input error (unreadable file, malformed JSON, schema
 * violation, bad usage). With several snapshots, the highest wins. (70, an
 * internal error, is a bug: nothing in fpwalk throws.)
 *
 * @category constants
 * @since 0.1.0
 */
export const ExitCode = { Valid: 0, WalkError: 1, InputError: 2, Internal: 70 } as const

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
  /** Print only the first N frames of each table (`-n N`, gdb's `bt N`); the walk itself is whole. */
  readonly frames?: number | undefined
  /** Draw the stack (`--diagram`) instead of the table. */
  readonly diagram?: boolean | undefined
  /** Also write the picture of the stack as SVG to this file (`--svg FILE`). */
  readonly svg?: string | undefined
  /** Colour the readable output. */
  readonly color?: boolean | undefined
  /** Symbol files for core files and minidumps (`--symbols FILE`, repeatable). */
  readonly symbols?: ReadonlyArray<string> | undefined
  /** Where the files a core's NT_FILE names are found (`--sysroot DIR`; default `/`). */
  readonly sysroot?: string | undefined
}

/**
 * One snapshot to walk: a file still to be read, text already read (a line
 * of NDJSON), or the reason its text could not be read. Plain data, so it
 * can be posted to a worker.
 *
 * @category models
 * @since 0.1.0
 */
export type Input =
  | { readonly name: string; readonly path: string }
  | { readonly name: string; readonly text: string }
  | { readonly name: string; readonly unreadable: string }

/**
 * What walking one snapshot prints, and its exit status. `stdout` is a
 * sequence of chunks (a table of a million frames is printed piece by
 * piece, never built as one string).
 *
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly stdout: Iterable<string>
  readonly stderr: string
  readonly status: number
  /** The picture as SVG, when the command asked for `--svg`. */
  readonly svg?: string | undefined
}
