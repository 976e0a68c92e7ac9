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
