/**
 * The frames of a walk as a compact table: five 32-bit numbers a frame (the
 * halves of its PC and FP, and its activation) in one typed array, read as
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
    private readonly data: Uint32Array
  ) {}

  /** The empty table. */
  static readonly empty: FrameTable = new FrameTable(0, new Uint32Array(0))

  /** Frame `index` as an object of its own, or `undefined` outside the table (negative counts from the end). */
  at(index: number): Frame | undefined {
    const i = Number.isInteger(index) && index < 0 ? index + this.length : index
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) return undefined
    const d = this.data
    const k = i * STRIDE
    return { pc: fromHalves(d[k]!, d[k + 1]!), fp: fromHalves(d[k + 2]!, d[k + 3]!), activation: d[k + 4]! }
  }

  /** Bits 63–32 of frame `i`'s PC (no bounds check: `0 <= i < length`). */
  pcHigh(i: number): number {
    return this.data[i * STRIDE]!
  }

  /** Bits 31–0 of frame `i`'s PC. */
  pcLow(i: number): number {
    return this.data[i * STRIDE + 1]!
  }

  /** Bits 63–32 of frame `i`'s FP. */
  fpHigh(i: number): number {
    return this.data[i * STRIDE + 2]!
  }

  /** Bits 31–0 of frame `i`'s FP. */
  fpLow(i: number): number {
    return this.data[i * STRIDE + 3]!
  }

  /** The activation of frame `i`. */
  activation(i: number): number {
    return this.data[i * STRIDE + 4]!
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
    return new FrameTable(n, this.data.subarray(0, n * STRIDE))
  }

  *[Symbol.iterator](): Iterator<Frame> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!
  }
}

/**
 * Builds a {@link FrameTable}, doubling its one typed array as it fills (so
 * the peak is 1.5 times the final array's bytes).
 *
 * @internal
 * @since 0.2.0
 */
export class FrameTableBuilder {
  length = 0
  private data = new Uint32Array(16 * STRIDE)

  push(pcHigh: number, pcLow: number, fpHigh: number, fpLow: number, activation: number): void {
    let data = this.data
    const k = this.length * STRIDE
    if (k === data.length) {
      const grown = new Uint32Array(data.length * 2)
      grown.set(data)
      this.data = data = grown
    }
    data[k] = pcHigh
    data[k + 1] = pcLow
    data[k + 2] = fpHigh
    data[k + 3] = fpLow
    data[k + 4] = activation
    this.length++
  }

  done(): FrameTable {
    return this.length === 0 ? FrameTable.empty : new FrameTable(this.length, this.data)
  }
}
