/**
 * The frames of a walk as a compact table: five 32-bit numbers a frame (the
 * halves of its PC and FP, and its activation), in a plain array for small
 * walks and typed-array chunks for large ones, read as
 * `{ pc, fp, activation }` objects only on demand. Walking a million frames
 * allocates a few typed arrays, not a million objects.
 *
 * @since 0.2.0
 */
import { fromHalves } from "./U64.js"

/**
 * One frame: its program counter, frame pointer, and the index of the
 * activation it belongs to (0 is the newest).
 *
 * @category models
 * @since 0.1.0
 */
export interface Frame {
  readonly pc: bigint
  readonly fp: bigint
  readonly activation: number
}

const STRIDE = 5
const SMALL = 256
const CHUNK_BITS = 14
const CHUNK = 1 << CHUNK_BITS
const EMPTY = new Uint32Array(0)

/**
 * Frames, newest first. Iterable, indexable with {@link FrameTable.at}, and
 * readable column by column without making bigints
 * ({@link FrameTable.pcHigh} and friends).
 *
 * @example
 * ```ts
 * for (const frame of result.frames) console.log(frame.pc, frame.activation)
 * const first = result.frames.at(0)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export class FrameTable implements Iterable<Frame> {
  /** @internal */
  constructor(
    /** The number of frames. */
    readonly length: number,
    private readonly small: Array<number>,
    private readonly chunks: ReadonlyArray<Uint32Array>
  ) {}

  /** The empty table. */
  // Stryker disable next-line ArrayDeclaration: equivalent (a table of no frames reads no words)
  static readonly empty: FrameTable = new FrameTable(0, [], [])

  // Frame i's words: up to SMALL frames in a plain array, more in chunks of
  // CHUNK frames.
  private word(i: number, field: number): number {
    if (this.length <= SMALL) return this.small[i * STRIDE + field]!
    return this.chunks[i >>> CHUNK_BITS]![(i & (CHUNK - 1)) * STRIDE + field]!
  }

  /** Frame `index` as an object of its own, or `undefined` outside the table (negative counts from the end). */
  at(index: number): Frame | undefined {
    const i = Number.isInteger(index) && index < 0 ? index + this.length : index
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) return undefined
    return { pc: fromHalves(this.word(i, 0), this.word(i, 1)), fp: fromHalves(this.word(i, 2), this.word(i, 3)), activation: this.word(i, 4) }
  }

  /** Bits 63–32 of frame `i`'s PC (no bounds check: `0 <= i < length`). */
  pcHigh(i: number): number {
    return this.word(i, 0)
  }

  /** Bits 31–0 of frame `i`'s PC. */
  pcLow(i: number): number {
    return this.word(i, 1)
  }

  /** Bits 63–32 of frame `i`'s FP. */
  fpHigh(i: number): number {
    return this.word(i, 2)
  }

  /** Bits 31–0 of frame `i`'s FP. */
  fpLow(i: number): number {
    return this.word(i, 3)
  }

  /** The activation of frame `i`. */
  activation(i: number): number {
    return this.word(i, 4)
  }

  /** Every frame as an object (allocates one a frame). */
  toArray(): Array<Frame> {
    const frames: Array<Frame> = []
    for (let i = 0; i < this.length; i++) frames.push(this.at(i)!)
    return frames
  }

  /** The first `count` frames. */
  slice(count: number): FrameTable {
    const n = Math.max(0, Math.min(this.length, Math.floor(count) || 0))
    return new FrameTable(n, this.small, this.chunks)
  }

  *[Symbol.iterator](): Iterator<Frame> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!
  }
}

/**
 * Builds a {@link FrameTable}: a plain array for the first SMALL frames (a
 * typed array lives outside the heap and costs about 0.3 µs to make), then
 * a typed array doubling up to CHUNK frames, then chunks of CHUNK frames,
 * never copied: the peak is the table's own bytes plus one chunk (320 KB).
 *
 * @internal
 * @since 0.2.0
 */
export class FrameTableBuilder {
  length = 0
  private readonly small: Array<number> = []
  private readonly chunks: Array<Uint32Array> = []
  private chunk: Uint32Array = EMPTY
  private at = 0

  push(pcHigh: number, pcLow: number, fpHigh: number, fpLow: number, activation: number): void {
    const n = this.length
    if (n < SMALL) {
      this.small.push(pcHigh, pcLow, fpHigh, fpLow, activation)
    } else {
      let chunk = this.chunk
      let k = this.at
      if (k === chunk.length) {
        if (n === SMALL) {
          chunk = new Uint32Array(4 * SMALL * STRIDE)
          chunk.set(this.small)
          k = SMALL * STRIDE
          this.chunks.push(chunk)
        } else if (n < CHUNK) {
          // From 4 * SMALL frames, doubling reaches CHUNK exactly (both are powers of two).
          chunk = new Uint32Array(2 * chunk.length)
          chunk.set(this.chunk)
          this.chunks[0] = chunk
        } else {
          chunk = new Uint32Array(CHUNK * STRIDE)
          this.chunks.push(chunk)
          k = 0
        }
        this.chunk = chunk
      }
      chunk[k] = pcHigh
      chunk[k + 1] = pcLow
      chunk[k + 2] = fpHigh
      chunk[k + 3] = fpLow
      chunk[k + 4] = activation
      this.at = k + STRIDE
    }
    this.length = n + 1
  }

  done(): FrameTable {
    // Up to SMALL frames, `chunks` is still empty.
    return new FrameTable(this.length, this.small, this.chunks)
  }
}
