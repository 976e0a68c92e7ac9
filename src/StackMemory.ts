/**
 * A snapshot's captured address space: non-overlapping regions of bytes, a
 * `Memory` the walk reads a word at a time with bounds checks.
 *
 * A read succeeds only when all eight bytes of the word lie inside one
 * region; a word straddling two adjacent regions is unmapped, as is any word
 * whose address computation passes `2^64 - 1`.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Memory, Span } from "./Memory.js"
import { compare, LIMIT, MAX } from "./U64.js"

/**
 * One captured region: `bytes.length` bytes starting at `address`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Region {
  readonly address: bigint
  readonly bytes: Uint8Array
}

/**
 * Why a set of regions is not a valid address space. `index` is the
 * position of the offending region in the list as given.
 *
 * @category models
 * @since 0.1.0
 */
export type RegionIssue =
  | { readonly _tag: "PastEnd"; readonly index: number }
  | { readonly _tag: "Overlap"; readonly index: number; readonly other: number }

/**
 * One region as the walker reads it: where it starts, the address of the
 * last word that fits in it (below `start` for a region under 8 bytes), and
 * its bytes.
 *
 * @internal
 * @since 0.1.0
 */
export interface RegionSpan extends Span {
  readonly lastWord: bigint
}

/**
 * A validated, sorted, read-only address space. Byte order is the reader's:
 * it belongs to the architecture, not to the bytes.
 *
 * @category models
 * @since 0.1.0
 */
export class StackMemory implements Memory {
  /** Regions as given (for encoding back to JSON). */
  readonly regions: ReadonlyArray<Region>
  // Sorted by start address, empty regions dropped; `starts` holds their
  // starts for the binary search.
  private readonly spans: ReadonlyArray<RegionSpan>
  private readonly starts: ReadonlyArray<bigint>

  private constructor(regions: ReadonlyArray<Region>, sorted: ReadonlyArray<Region>) {
    this.regions = regions
    this.spans = sorted.map((r) => ({
      start: r.address,
      lastWord: r.address + BigInt(r.bytes.length) - 8n,
      view: new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)
    }))
    this.starts = this.spans.map((span) => span.start)
  }

  /**
   * Validates regions (none past `2^64`, none overlapping another; empty
   * regions overlap nothing) and builds the address space.
   *
   * @category constructors
   * @since 0.1.0
   */
  static make(regions: ReadonlyArray<Region>): Result.Result<StackMemory, RegionIssue> {
    const indexed: Array<{ readonly region: Region; readonly index: number; readonly end: bigint }> = []
    for (let index = 0; index < regions.length; index++) {
      const region = regions[index]!
      const end = region.address + BigInt(region.bytes.length)
      if (region.address > MAX || end > LIMIT) return Result.fail({ _tag: "PastEnd", index })
      if (region.bytes.length > 0) indexed.push({ region, index, end })
    }
    // Stable: regions at one address (which overlap) stay in input order.
    indexed.sort((a, b) => compare(a.region.address, b.region.address))
    for (let i = 1; i < indexed.length; i++) {
      const previous = indexed[i - 1]!
      const current = indexed[i]!
      if (current.region.address < previous.end) {
        return Result.fail({
          _tag: "Overlap",
          index: Math.max(previous.index, current.index),
          other: Math.min(previous.index, current.index)
        })
      }
    }
    return Result.succeed(new StackMemory(regions, indexed.map((entry) => entry.region)))
  }

  /**
   * The region holding the word at `address`, or `undefined` when no region
   * holds all eight of its bytes (read it with `Memory.readWord`).
   *
   * @category reading
   * @since 0.1.0
   */
  spanOf(address: bigint): RegionSpan | undefined {
    // The number of regions starting at or below `address`: the last of
    // them is the only one that can hold it.
    let low = 0
    let high = this.starts.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.starts[middle]! <= address) low = middle + 1
      else high = middle
    }
    const span = this.spans[low - 1]
    return span === undefined || address > span.lastWord ? undefined : span
  }
}
