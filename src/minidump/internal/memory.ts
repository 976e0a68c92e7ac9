/**
 * A minidump's captured memory as one address space: every thread's stack
 * descriptor, every MemoryList range and every Memory64List range.
 *
 * Ranges are sorted by start (stable: listing order breaks ties, and thread
 * stacks are listed first). A range identical (start and size) to the one
 * before it is a second listing of the same bytes and is dropped; if its
 * bytes differ, a warning says so. A range that overlaps the ones before it
 * otherwise keeps only its bytes past their end (the range that starts
 * lower wins), with a warning. Adjacent ranges stay separate spans: a word
 * straddling two of them is unmapped, as in `StackMemory`.
 *
 * @internal
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { Region } from "../../StackMemory.js"
import { StackMemory } from "../../StackMemory.js"
import { hex } from "./bytes.js"

/** One captured range: `bytes.length` bytes from `start`, and where the file lists it. */
export interface Range {
  readonly start: bigint
  readonly bytes: Uint8Array
  /** E.g. `"MemoryList range 3"`, `"thread 1204's stack"`. */
  readonly source: string
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The address space of a minidump from its ranges in listing order (each
 * inside `0 .. 2^64`, which the reader has checked): the ranges kept, as a
 * `StackMemory` (sorted, none overlapping another), and the warnings for
 * differing duplicates and overlaps. `undefined` only if a range passes
 * 2^64 after all.
 */
export const capturedMemory = (
  ranges: ReadonlyArray<Range>
): { readonly memory: StackMemory; readonly warnings: ReadonlyArray<string> } | undefined => {
    const warnings: Array<string> = []
    const sorted = ranges
      .filter((r) => r.bytes.length > 0)
      .map((r, index) => ({ r, index }))
      .sort((a, b) => (a.r.start < b.r.start ? -1 : a.r.start > b.r.start ? 1 : a.index - b.index))
      .map((e) => e.r)
    const kept: Array<Region> = []
    let end = 0n
    for (let i = 0; i < sorted.length; i++) {
      const range = sorted[i]!
      const rangeEnd = range.start + BigInt(range.bytes.length)
      const previous = sorted[i - 1]
      if (previous !== undefined && previous.start === range.start && previous.bytes.length === range.bytes.length) {
        if (!equalBytes(previous.bytes, range.bytes)) {
          warnings.push(`${range.source} (${hex(range.start)}, ${hex(range.bytes.length)} bytes) lists the range of ${previous.source} with other bytes; the first listing is kept`)
        }
        continue
      }
      let bytes = range.bytes
      let start = range.start
      if (range.start < end) {
        // Keep only the bytes past the ranges before it: (start, bytes) = (end, bytes[end - start ..]).
        warnings.push(`${range.source} (${hex(range.start)} .. ${hex(rangeEnd)}) overlaps the memory below ${hex(end)}; ${rangeEnd > end ? `only ${hex(end)} .. ${hex(rangeEnd)} is kept` : "it is dropped"}`)
        if (rangeEnd <= end) continue
        bytes = range.bytes.subarray(Number(end - range.start))
        start = end
      }
      kept.push({ address: start, bytes })
      end = start + BigInt(bytes.length)
    }
    // None overlaps another and none passes 2^64 (the reader checked each range).
    const memory = StackMemory.make(kept)
    return Result.isSuccess(memory) ? { memory: memory.success, warnings } : undefined
}
