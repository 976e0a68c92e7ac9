/**
 * Exact unsigned 64-bit values.
 *
 * Every address, PC and FP in fpwalk is a `bigint` in `0 .. 2^64-1`. This
 * module parses them from the snapshot's two forms (`"0x…"` strings and safe
 * JSON integers), formats them the one way the spec allows (lowercase, `0x`,
 * no leading zeros) and does the few pieces of arithmetic the walk needs,
 * reporting overflow instead of wrapping.
 *
 * @since 0.1.0
 */

/**
 * An unsigned 64-bit value. A plain `bigint` kept in `0 .. 2^64-1` by every
 * constructor of this module.
 *
 * @category models
 * @since 0.1.0
 */
export type U64 = bigint

/**
 * `2^64 - 1`, the largest 64-bit value.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX: U64 = 0xffff_ffff_ffff_ffffn

/**
 * `2^64`: one past the address space. A region may end here, not past it.
 *
 * @category constants
 * @since 0.1.0
 */
export const LIMIT: bigint = 0x1_0000_0000_0000_0000n

const HEX = /^0x[0-9a-fA-F]+$/

/**
 * Parses a 64-bit value in either of the snapshot's forms: a string `0x`
 * followed by hex digits (either case, leading zeros allowed), or a safe,
 * non-negative JSON integer. Returns `undefined` for anything else, including
 * values above `2^64 - 1`.
 *
 * @example
 * ```ts
 * parse("0xFFFF_0000") // undefined: no underscores
 * parse("0x00ff")      // 255n
 * parse(1e3)           // 1000n
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const parse = (input: unknown): U64 | undefined => {
  if (typeof input === "string") {
    if (!HEX.test(input)) return undefined
    const value = BigInt(input)
    return value <= MAX ? value : undefined
  }
  // `isSafeInteger` is false for anything but a number. `-0` is a safe
  // integer that is `>= 0`; `BigInt(-0)` is `0n`.
  if (Number.isSafeInteger(input) && (input as number) >= 0) {
    return BigInt(input as number)
  }
  return undefined
}

/**
 * Formats a value as the spec's hex: lowercase, `0x` prefix, no leading zeros
 * (`0x0` for zero). Values past `2^64 - 1` (an unwrapped address sum) format
 * the same way.
 *
 * @category formatting
 * @since 0.1.0
 */
export const toHex = (value: bigint): string => (value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`)

/**
 * Whether `value` is a multiple of `alignment` (a power of two).
 *
 * @category predicates
 * @since 0.1.0
 */
export const isAligned = (value: U64, alignment: bigint): boolean => (value & (alignment - 1n)) === 0n

/**
 * Orders two values: -1, 0 or 1 as `a` is below, equal to or above `b` (a
 * comparator for `Array.prototype.sort`).
 *
 * @category ordering
 * @since 0.1.0
 */
export const compare = (a: bigint, b: bigint): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The value whose bits 63–32 are `high` and 31–0 are `low` (both unsigned
 * 32-bit numbers).
 *
 * @category constructors
 * @since 0.2.0
 */
export const fromHalves = (high: number, low: number): U64 =>
  // Stryker disable next-line ConditionalExpression: equivalent (the bigint way gives the same value; the guard only picks the faster)
  high < 0x20_0000 ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low)

/**
 * {@link toHex} of the value with these halves, without making a bigint.
 *
 * @category formatting
 * @since 0.2.0
 */
export const hexOfHalves = (high: number, low: number): string =>
  high === 0 ? `0x${low.toString(16)}` : `0x${high.toString(16)}${low.toString(16).padStart(8, "0")}`

const SAFE = 2 ** 53
const TWO_32 = 0x1_0000_0000

/**
 * Bits 63–32 of a value, as a number; below 2^53 without making a bigint.
 * `approx` is `Number(value)`, for a caller that has it already (the
 * conversion is a builtin call).
 *
 * @category conversions
 * @since 0.2.0
 */
export const high32 = (value: U64, approx: number = Number(value)): number =>
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (the bigint way gives the same value; at approx = 2^53 the value is 2^53 or 2^53 + 1, whose high half is 2^21 either way)
  approx < SAFE ? Math.floor(approx / TWO_32) : Number(value >> 32n)

/**
 * Bits 31–0 of a value, as a number; below 2^53 without making a bigint.
 * `approx` is `Number(value)`, as for {@link high32}.
 *
 * @category conversions
 * @since 0.2.0
 */
export const low32 = (value: U64, approx: number = Number(value)): number =>
  // Stryker disable next-line ConditionalExpression: equivalent (the bigint way gives the same value; the guard only picks the faster)
  approx < SAFE ? approx >>> 0 : Number(value & 0xffff_ffffn)

/**
 * `a - b` as a number, for two values of 0 to 2^64 - 1: exact when both are
 * below 2^53 (then without making a bigint) or when the difference is,
 * rounded otherwise. `x` and `y` are `Number(a)` and `Number(b)`, as for
 * {@link high32}.
 *
 * @category conversions
 * @since 0.2.0
 */
export const difference = (a: U64, b: U64, x: number = Number(a), y: number = Number(b)): number =>
  // Stryker disable next-line ConditionalExpression: equivalent (the bigint way gives the same value; the guard only picks the faster)
  x < SAFE && y < SAFE ? x - y : Number(a - b)
