/**
 * The file as the minidump reader sees it: little-endian reads at offsets
 * the caller has checked, and the checks themselves, which answer with an
 * `InputError` naming the structure, its file offset and the values.
 *
 * @internal
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import { InputError } from "../../InputError.js"

/** `0x…`, lowercase, no leading zeros. */
export const hex = (value: number | bigint): string => `0x${value.toString(16)}`

/**
 * A minidump's bytes. `u16`/`u32`/`u64` read at offsets already checked
 * with {@link Bytes.check}; an unchecked read past the end throws a
 * `RangeError`, which the fuzz target reports as a crash.
 */
export class Bytes {
  readonly bytes: Uint8Array
  readonly size: number
  private readonly view: DataView

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.size = bytes.length
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  u8(offset: number): number {
    return this.view.getUint8(offset)
  }

  u16(offset: number): number {
    return this.view.getUint16(offset, true)
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, true)
  }

  u64(offset: number): bigint {
    return this.view.getBigUint64(offset, true)
  }

  /** Whether `offset .. offset + length` lies in the file (`bigint` for 64-bit sizes). */
  fits(offset: number | bigint, length: number | bigint): boolean {
    const start = BigInt(offset)
    return start >= 0n && BigInt(length) >= 0n && start + BigInt(length) <= BigInt(this.size)
  }

  /**
   * Succeeds when `what` (`offset .. offset + length`) lies in the file;
   * otherwise fails at `path` with "WHAT at RVA + size past end of file".
   */
  check(path: string, what: string, offset: number | bigint, length: number | bigint): Result.Result<void, InputError> {
    return this.fits(offset, length)
      ? Result.succeed(undefined)
      : fail(path, `${what} at ${hex(offset)} + size ${hex(length)} past end of file (${hex(this.size)})`)
  }

  /** A copy of `length` bytes at a checked `offset`. */
  copy(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length)
  }

  /** A view (no copy) of `length` bytes at a checked `offset`. */
  window(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length)
  }
}

/** A failed read: `new InputError({ path, reason })` as a `Result`. */
export const fail = (path: string, reason: string): Result.Result<never, InputError> =>
  Result.fail(new InputError({ path, reason }))
