/**
 * A 64-bit value, biased towards the edges: 0, 1, 2^63, 2^64-1 and their
 * neighbours, small values, and the whole range.
 */
import * as fc from "fast-check"

const MAX = (1n << 64n) - 1n

export const u64 = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { arbitrary: fc.bigInt({ min: 0n, max: MAX }), weight: 4 },
    { arbitrary: fc.constantFrom(0n, 1n, 8n, 16n, 1n << 63n, MAX - 15n, MAX - 8n, MAX - 7n, MAX - 1n, MAX), weight: 2 },
    { arbitrary: fc.bigInt({ min: 0n, max: 0xffff_ffffn }), weight: 1 }
  )
