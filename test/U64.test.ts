import { describe, expect, it } from "vitest"
import { compare, difference, fromHalves, high32, isAligned, LIMIT, low32, MAX, parse, toHex } from "../src/U64.js"

describe("U64", () => {
  it("parses both forms over the whole range", () => {
    expect(parse("0xffffffffffffffff")).toBe(MAX)
    expect(parse("0x00")).toBe(0n)
    expect(parse(4096)).toBe(4096n)
    expect(parse(-0)).toBe(0n)
  })

  it("rejects everything else", () => {
    for (const bad of ["0x1_0000", "0X1", "0x", "", "1", "0x10000000000000000", -1, 0.5, 2 ** 53, NaN, Infinity, 10n, undefined]) {
      expect(parse(bad)).toBeUndefined()
    }
  })

  it("formats lowercase without leading zeros, also past 2^64-1 and below 0", () => {
    expect(toHex(0n)).toBe("0x0")
    expect(toHex(-0x1fn)).toBe("-0x1f")
    expect(toHex(0xabcn)).toBe("0xabc")
    expect(toHex(LIMIT + 0x60n)).toBe("0x10000000000000060")
  })

  it("checks alignment exactly above 2^53", () => {
    expect(isAligned(0xffff_ffff_ffff_fff0n, 16n)).toBe(true)
    expect(isAligned(0xffff_ffff_ffff_fff8n, 16n)).toBe(false)
    expect(isAligned(0xffff_ffff_ffff_fff8n, 8n)).toBe(true)
  })

  it("orders values across the whole range", () => {
    expect(compare(0n, MAX)).toBe(-1)
    expect(compare(MAX, MAX - 1n)).toBe(1)
    expect(compare(1n << 53n, 1n << 53n)).toBe(0)
    expect([MAX, 0n, 1n << 60n, 5n].sort(compare)).toEqual([0n, 5n, 1n << 60n, MAX])
  })

  // Where the number shortcuts meet the exact bigint way: around 2^32, 2^53
  // (where a Number() rounds) and 2^64.
  const edges = [0n, 1n, 5n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 3n, 2n ** 54n + 1n, 2n ** 60n + 1n, 2n ** 63n + 0x401n, MAX]

  it("splits every value into its exact halves, with or without its Number() given", () => {
    for (const v of edges) {
      expect([high32(v), low32(v)]).toEqual([Number(v >> 32n), Number(v & 0xffff_ffffn)])
      expect([high32(v, Number(v)), low32(v, Number(v))]).toEqual([Number(v >> 32n), Number(v & 0xffff_ffffn)])
      expect(fromHalves(high32(v), low32(v))).toBe(v)
    }
  })

  it("takes differences as Number(a - b) does, rounding only where that does", () => {
    for (const a of edges) {
      for (const b of edges) {
        expect(difference(a, b)).toBe(Number(a - b))
        expect(difference(a, b, Number(a), Number(b))).toBe(Number(a - b))
      }
    }
  })
})
