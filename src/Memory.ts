/**
 * What the walker reads: an address space that answers, for an address, the
 * captured span of bytes holding the 8-byte word there.
 *
 * `StackMemory` (a snapshot's regions, held in memory) is one; a core file
 * read lazily through random access is another. The walker keeps the span
 * it is in and reads neighbouring words from its `DataView` without asking
 * again, so a lazy implementation may return a window of a larger segment.
 *
 * @since 0.2.0
 */

/**
 * A run of captured bytes starting at `start`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Span {
  readonly start: bigint
  readonly view: DataView
}

/**
 * A captured address space.
 *
 * @category models
 * @since 0.2.0
 */
export interface Memory {
  /**
   * The span holding all eight bytes of the word at `address`, or
   * `undefined` when no captured span holds them all. `address` may be
   * negative or past `2^64 - 1` (an unwrapped sum): such a word is never
   * mapped. Never throws.
   */
  readonly spanOf: (address: bigint) => Span | undefined
}

/**
 * Reads the 64-bit word at `address` in the given byte order, or `undefined`
 * when its eight bytes are not all in one captured span (an address below 0
 * or whose word passes `2^64 - 1` never is). The walk's one exact read.
 *
 * @category reading
 * @since 0.2.0
 */
export const readWord = (memory: Memory, address: bigint, littleEndian: boolean): bigint | undefined => {
  if (address < 0n || address > LAST_WORD) return undefined
  const span = memory.spanOf(address)
  if (span === undefined) return undefined
  const at = Number(address - span.start)
  // A span from outside (not StackMemory) is checked, not trusted.
  if (!(at >= 0 && at + 8 <= span.view.byteLength)) return undefined
  return span.view.getBigUint64(at, littleEndian)
}

// The last address at which a whole word fits below 2^64.
const LAST_WORD = 0xffff_ffff_ffff_fff8n
