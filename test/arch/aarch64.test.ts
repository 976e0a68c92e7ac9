import { describe, expect, it } from "vitest"
import { applyPcMask, pcMask } from "../../src/Arch.js"
import { aarch64, stripPac } from "../../src/arch/aarch64.js"
import { architectures } from "../../src/arch/index.js"

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

  it("derives one mask per width that strips exactly as the bit formula, on both halves", () => {
    const MAX = 2n ** 64n - 1n
    // bits [63:va] become copies of bit 55; 64 and invalid widths keep every bit.
    const formula = (pc: bigint, va: number) => {
      if (va >= 64) return pc
      const low = (1n << BigInt(va)) - 1n
      return (pc >> 55n) & 1n ? pc | (MAX ^ low) : pc & low
    }
    const pcs = [0x0000_0000_0040_1000n, 0x002b_0000_0040_1000n, 0x00ab_8000_0040_1000n, 0x7f80_ff7f_0040_1000n,
      0xffff_ffff_ffff_ffffn, 0x0080_0000_0000_0000n, 0x007f_ffff_ffff_ffffn, 0x8000_0000_0000_0001n, 0x0080_0000_8000_0001n]
    for (let bits = 0; bits <= 64; bits++) {
      for (const pc of pcs) expect(applyPcMask(pcMask(aarch64, { aarch64VaBits: bits }), pc)).toBe(formula(pc, bits))
    }
  })

  it("keeps every bit for a width it does not strip at", () => {
    // 64 as well: the mask that changes nothing, the one every other architecture has.
    const verbatim = pcMask(architectures.x86_64, { aarch64VaBits: 48 })
    for (const bits of [64, 65, -1, 1.5, NaN]) expect(pcMask(aarch64, { aarch64VaBits: bits })).toEqual(verbatim)
  })
})
