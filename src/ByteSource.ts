/**
 * Random access to an input of bytes: a buffer in memory, or a file read a
 * window at a time (`fpwalk/core/nodeFile` on Node). The ELF readers take a
 * `ByteSource`, never a whole file, so a core of gigabytes is read only
 * where the walk looks.
 *
 * @since 0.2.0
 */

/**
 * Bytes that can be read at any offset.
 *
 * @category models
 * @since 0.2.0
 */
export interface ByteSource {
  /** Bytes in the input; a safe integer. */
  readonly size: number
  /**
   * The `length` bytes at `offset`, or `undefined` when any of them lies
   * outside `0 .. size` (or `offset`/`length` is not a non-negative safe
   * integer, or the underlying read fails). Never throws. The result may
   * share memory with the source: do not write to it.
   */
  readonly read: (offset: number, length: number) => Uint8Array | undefined
}

/**
 * Whether `offset .. offset + length` is a range inside `0 .. size`.
 *
 * @category guards
 * @since 0.2.0
 */
export const inRange = (size: number, offset: number, length: number): boolean =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size

/**
 * A source over bytes already in memory (reads are views, not copies).
 *
 * @example
 * ```ts
 * const source = fromBytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))
 * source.read(1, 3) // Uint8Array [0x45, 0x4c, 0x46]
 * source.read(2, 3) // undefined: past the end
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fromBytes = (bytes: Uint8Array): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => (inRange(bytes.length, offset, length) ? bytes.subarray(offset, offset + length) : undefined)
})
