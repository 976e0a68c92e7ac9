/**
 * Fixed-offset field reads on a buffer already known to hold them, in the
 * file's byte order, and the bounds arithmetic of the ELF readers.
 *
 * @internal
 * @since 0.2.0
 */

/** Reads fields of a buffer whose length the caller has checked. */
export class Fields {
  private readonly view: DataView
  constructor(readonly bytes: Uint8Array, readonly littleEndian: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  u8(offset: number): number {
    return this.view.getUint8(offset)
  }
  u16(offset: number): number {
    return this.view.getUint16(offset, this.littleEndian)
  }
  u32(offset: number): number {
    return this.view.getUint32(offset, this.littleEndian)
  }
  i32(offset: number): number {
    return this.view.getInt32(offset, this.littleEndian)
  }
  u64(offset: number): bigint {
    return this.view.getBigUint64(offset, this.littleEndian)
  }
  /** `count` 64-bit words from `offset`. */
  words(offset: number, count: number): Array<bigint> {
    return Array.from({ length: count }, (_, i) => this.u64(offset + 8 * i))
  }
}

/** `0x…` lowercase. */
export const hex = (value: bigint | number): string => `0x${value.toString(16)}`

/**
 * `offset + length` as a number when the range lies inside `0 .. size`,
 * else `undefined`. Exact for any 64-bit inputs (the sum is taken in bigint).
 */
export const rangeEnd = (offset: bigint, length: bigint, size: number): number | undefined =>
  offset + length <= BigInt(size) ? Number(offset + length) : undefined

/** The NUL-terminated string at `index` in `table` (to the end if unterminated); `undefined` past the table. */
export const cString = (table: Uint8Array, index: number): string | undefined => {
  if (index < 0 || index >= table.length) return index === 0 ? "" : undefined
  let end = index
  while (end < table.length && table[end] !== 0) end++
  return decoder.decode(table.subarray(index, end))
}

const decoder = new TextDecoder("utf-8", { fatal: false })
