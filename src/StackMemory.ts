/**
 * The captured address space: non-overlapping regions of bytes, read a word
 * at a time with bounds checks.
 *
 * A read succeeds only when all eight bytes of the word lie inside one
 * region; a word straddling two adjacent regions is unmapped, as is any word
 * whose address computation passes `2^64 - 1`.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { LIMIT, MAX } from "./U64.js"

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
 * A validated, sorted, read-only address space. Byte order is the reader's:
 * it belongs to the architecture, not to the bytes.
 *
 * @category models
 * @since 0.1.0
 */
export class StackMemory {
  /** Regions as given (for encoding back to JSON). */
  readonly regions: ReadonlyArray<Region>
  // Sorted by start address, empty regions dropped.
  private readonly starts: ReadonlyArray<bigint>
  // The address of the last word that fits in each region (its end - 8;
  // below its start for a region under 8 bytes).
  private readonly lastWords: ReadonlyArray<bigint>
  private readonly views: ReadonlyArray<DataView>
  // The same bounds as float64 numbers for the walker's fast path: exact
  // below 2^53. A region (or the part of one) at or above 2^53 has none: its
  // start is +Infinity, its last word -Infinity.
  private readonly fastStarts: Float64Array
  private readonly fastLastWords: Float64Array
  private littleEndianReader: FastReader | undefined = undefined
  private bigEndianReader: FastReader | undefined = undefined
  // The region of the last successful read: walks read neighbouring words.
  private cached = 0

  private constructor(regions: ReadonlyArray<Region>, sorted: ReadonlyArray<Region>) {
    this.regions = regions
    this.starts = sorted.map((r) => r.address)
    this.lastWords = sorted.map((r) => r.address + BigInt(r.bytes.length) - 8n)
    this.views = sorted.map((r) => new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength))
    this.fastStarts = Float64Array.from(this.starts, (start) => (start < SAFE_END ? Number(start) : Infinity))
    this.fastLastWords = Float64Array.from(this.lastWords, (last, i) =>
      this.starts[i]! >= SAFE_END ? -Infinity : last < SAFE_END - 8n ? Number(last) : Number(SAFE_END - 8n))
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
    indexed.sort((a, b) => (a.region.address < b.region.address ? -1 : a.region.address > b.region.address ? 1 : a.index - b.index))
    for (let i = 1; i < indexed.length; i++) {
      const previous = indexed[i - 1]!
      const current = indexed[i]!
      if (current.region.address < previous.end) {
        const [first, second] = previous.index < current.index ? [previous, current] : [current, previous]
        return Result.fail({ _tag: "Overlap", index: second.index, other: first.index })
      }
    }
    return Result.succeed(new StackMemory(regions, indexed.map((entry) => entry.region)))
  }

  /**
   * Reads the 64-bit word at `address` in the given byte order, or
   * `undefined` when its eight bytes are not all inside one region. `address` may be past `2^64 - 1` (an
   * unwrapped sum); such a word is never mapped.
   *
   * @category reading
   * @since 0.1.0
   */
  readWord(address: bigint, littleEndian: boolean): bigint | undefined {
    let index = this.cached
    const start = this.starts[index]
    if (start === undefined || address < start || address > this.lastWords[index]!) {
      index = this.regionAt(address)
      if (index < 0 || address > this.lastWords[index]!) return undefined
      this.cached = index
    }
    return this.views[index]!.getBigUint64(Number(address - this.starts[index]!), littleEndian)
  }

  /**
   * The walker's fast reads in one byte order: see {@link FastReader}.
   *
   * @internal
   * @since 0.1.0
   */
  fastReader(littleEndian: boolean): FastReader {
    return littleEndian
      ? (this.littleEndianReader ??= new LittleEndianReader(this.fastStarts, this.fastLastWords, this.views, true))
      : (this.bigEndianReader ??= new BigEndianReader(this.fastStarts, this.fastLastWords, this.views, false))
  }

  // The last region starting at or below `address`, or -1.
  private regionAt(address: bigint): number {
    return lastAtOrBelow(this.starts, address)
  }
}

// The index of the last of the sorted `starts` at or below `address`, or -1:
// one binary search for both the exact (bigint) and the fast (number) reads.
const lastAtOrBelow = <T extends bigint | number>(starts: ArrayLike<T>, address: T): number => {
  let low = 0
  let high = starts.length - 1
  let found = -1
  while (low <= high) {
    const middle = (low + high) >>> 1
    if (starts[middle]! <= address) {
      found = middle
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return found
}

// 2^53: every integer below it is exact as a float64.
const SAFE_END = 0x20_0000_0000_0000n

/**
 * The walker's fast reads of a {@link StackMemory}, in one byte order, at
 * addresses that are float64 numbers holding integers. They answer only for
 * words wholly below 2^53; for anything else (unmapped, at or above 2^53,
 * or, for {@link FastReader.safeWord}, a value of 2^53 or more) they say they
 * cannot, and `readWord` has the exact answer.
 *
 * @internal
 * @since 0.1.0
 */
export interface FastReader {
  /** The word at `address` as a number, or -1 when this path cannot answer. */
  safeWord(address: number): number
  /** The word at `address`, or `undefined` when this path cannot answer. */
  word(address: number): bigint | undefined
}

// The host's byte order: a BigUint64Array reads words in it.
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

// One class per byte order, so that the DataView calls see a constant.
abstract class Reader {
  // The region of the last read: walks read neighbouring words.
  protected cached = 0
  // Each region as 64-bit words, when the reader's byte order is the host's
  // and the region's bytes are 8-aligned in their buffer: an element load
  // makes a bigint in about half the time of DataView.getBigUint64.
  protected readonly words: ReadonlyArray<BigUint64Array | undefined>

  constructor(
    protected readonly starts: Float64Array,
    protected readonly lastWords: Float64Array,
    protected readonly views: ReadonlyArray<DataView>,
    littleEndian: boolean
  ) {
    this.words = views.map((view) =>
      littleEndian === HOST_LITTLE_ENDIAN && view.byteOffset % 8 === 0
        ? new BigUint64Array(view.buffer, view.byteOffset, Math.floor(view.byteLength / 8))
        : undefined
    )
  }

  // The region holding the 8 bytes at `address` below 2^53, or -1.
  protected region(address: number): number {
    const cached = this.cached
    if (address >= this.starts[cached]! && address <= this.lastWords[cached]!) return cached
    const index = lastAtOrBelow(this.starts, address)
    if (index < 0 || address > this.lastWords[index]!) return -1
    this.cached = index
    return index
  }

  // The word at `offset` in region `index` as a bigint, from the words when
  // the offset is 8-aligned (regions are far below 2^31 bytes: JSON strings
  // are), else from the DataView.
  protected bigint(index: number, offset: number, littleEndian: boolean): bigint {
    const words = this.words[index]
    return words !== undefined && (offset & 7) === 0 && offset < 0x8000_0000
      ? words[offset / 8]!
      : this.views[index]!.getBigUint64(offset, littleEndian)
  }
}

class LittleEndianReader extends Reader implements FastReader {
  safeWord(address: number): number {
    const index = this.region(address)
    if (index < 0) return -1
    const view = this.views[index]!
    const offset = address - this.starts[index]!
    const high = view.getUint32(offset + 4, true)
    return high < 0x20_0000 ? high * 0x1_0000_0000 + view.getUint32(offset, true) : -1
  }

  word(address: number): bigint | undefined {
    const index = this.region(address)
    return index < 0 ? undefined : this.bigint(index, address - this.starts[index]!, true)
  }
}

class BigEndianReader extends Reader implements FastReader {
  safeWord(address: number): number {
    const index = this.region(address)
    if (index < 0) return -1
    const view = this.views[index]!
    const offset = address - this.starts[index]!
    const high = view.getUint32(offset, false)
    return high < 0x20_0000 ? high * 0x1_0000_0000 + view.getUint32(offset + 4, false) : -1
  }

  word(address: number): bigint | undefined {
    const index = this.region(address)
    return index < 0 ? undefined : this.bigint(index, address - this.starts[index]!, false)
  }
}
