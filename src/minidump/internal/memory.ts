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
import type { Memory, Span } from "../../Memory.js"
import { hex } from "./bytes.js"

/** One captured range: `bytes.length` bytes from `start`, and where the file lists it. */
export interface Range {
  readonly start: bigint
  readonly bytes: Uint8Array
  /** E.g. `"MemoryList range 3"`, `"thread 1204's stack"`. */
  readonly source: string
}

interface Kept {
  readonly start: bigint
  /** The address of the last word that fits (below `start` for fewer than 8 bytes). */
  readonly lastWord: bigint
  readonly span: Span
  readonly bytes: Uint8Array
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The address space of a minidump, with the regions it kept. */
export class CapturedMemory implements Memory {
  /** The regions kept, sorted by start, none overlapping another. */
  readonly regions: ReadonlyArray<{ readonly start: bigint; readonly bytes: Uint8Array }>
  private readonly kept: ReadonlyArray<Kept>
  private readonly starts: ReadonlyArray<bigint>

  private constructor(kept: ReadonlyArray<Kept>) {
    this.kept = kept
    this.starts = kept.map((k) => k.start)
    this.regions = kept.map((k) => ({ start: k.start, bytes: k.bytes }))
  }

  /**
   * Builds the address space from ranges in listing order (each inside
   * `0 .. 2^64`, which the reader has checked), and the warnings for
   * differing duplicates and overlaps.
   */
  static make(ranges: ReadonlyArray<Range>): { readonly memory: CapturedMemory; readonly warnings: ReadonlyArray<string> } {
    const warnings: Array<string> = []
    const sorted = ranges
      .filter((r) => r.bytes.length > 0)
      .map((r, index) => ({ r, index }))
      .sort((a, b) => (a.r.start < b.r.start ? -1 : a.r.start > b.r.start ? 1 : a.index - b.index))
      .map((e) => e.r)
    const kept: Array<Kept> = []
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
      kept.push({
        start,
        lastWord: start + BigInt(bytes.length) - 8n,
        span: { start, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
        bytes
      })
      end = start + BigInt(bytes.length)
    }
    return { memory: new CapturedMemory(kept), warnings }
  }

  readonly spanOf = (address: bigint): Span | undefined => {
    // The number of regions starting at or below `address`: the last of them is the only one that can hold it.
    let low = 0
    let high = this.starts.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.starts[middle]! <= address) low = middle + 1
      else high = middle
    }
    const kept = this.kept[low - 1]
    return kept === undefined || address > kept.lastWord ? undefined : kept.span
  }
}
