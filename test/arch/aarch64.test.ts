import { describe, expect, it } from "vitest"
import { aarch64, stripPac } from "../../src/arch/aarch64.js"

describe("aarch64 stripPac", () => {
  it("replaces bits [63:vaBits] with bit 55", () => {
    expect(stripPac(0x002b_0000_0040_1000n, 48)).toBe(0x0000_0000_0040_1000n)
    expect(stripPac(0x00ab_0000_0040_1000n, 48)).toBe(0xffff_0000_0040_1000n)
    expect(stripPac(0x122b_8000_0040_1000n, 48)).toBe(0x0000_8000_0040_1000n)
    expect(stripPac(0x12ab_8000_0040_1000n, 48)).toBe(0xffff_8000_0040_1000n)
    expect(stripPac(0x0080_0000_0040_1000n, 48)).toBe(0xffff_0000_0040_1000n)
    expect(stripPac(0x7f80_ff7f_0040_1000n, 39)).toBe(0xffff_ffff_0040_1000n)
    expect(stripPac(0x7f00_ff7f_0040_1000n, 39)).toBe(0x0000_007f_0040_1000n)
  })

  it("strips nothing at 64 bits and everything at 0", () => {
    expect(stripPac(0x12ab_0000_0040_1000n, 64)).toBe(0x12ab_0000_0040_1000n)
    expect(stripPac(0x0000_0000_0040_1000n, 0)).toBe(0n)
    expect(stripPac(0x0080_0000_0000_0000n, 0)).toBe(0xffff_ffff_ffff_ffffn)
  })

  it("leaves the PC alone for a width no decoder accepts, instead of throwing", () => {
    for (const bits of [65, -1, 1.5, NaN]) expect(stripPac(0x12ab_0000_0040_1000n, bits)).toBe(0x12ab_0000_0040_1000n)
  })

  it("tells the walker's fast path the PCs it leaves alone: below 2^vaBits and 2^55", () => {
    for (const [bits, bound] of [[0, 1], [16, 2 ** 16], [39, 2 ** 39], [48, 2 ** 48], [55, 2 ** 55], [56, 2 ** 55], [63, 2 ** 55]] as const) {
      expect(aarch64.pcVerbatimBelow({ aarch64VaBits: bits })).toBe(bound)
      const below = BigInt(bound) - 1n
      expect(stripPac(below, bits)).toBe(below)
      expect(stripPac(BigInt(bound), bits)).not.toBe(BigInt(bound))
    }
    for (const bits of [64, 65, -1, 1.5, NaN]) expect(aarch64.pcVerbatimBelow({ aarch64VaBits: bits })).toBe(Infinity)
  })
})
