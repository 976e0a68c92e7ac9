import { describe, expect, it } from "vitest"
import { highVerbatim } from "../../src/Arch.js"
import { aarch64, pacHighMasks, stripPac } from "../../src/arch/aarch64.js"

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

  it("strips on the high half alone from 32 bits up, as the walker's fast path does it", () => {
    const pcs = [0x0000_0000_0040_1000n, 0x002b_0000_0040_1000n, 0x00ab_8000_0040_1000n, 0x7f80_ff7f_0040_1000n,
      0xffff_ffff_ffff_ffffn, 0x0080_0000_0000_0000n, 0x007f_ffff_ffff_ffffn, 0x8000_0000_0000_0001n]
    for (let bits = 32; bits <= 64; bits++) {
      const masks = pacHighMasks(bits)!
      for (const pc of pcs) {
        const high = Number(pc >> 32n)
        const stripped = ((high & masks.sign) === 0 ? high & masks.keep : high | masks.fill) >>> 0
        expect((BigInt(stripped) << 32n) | (pc & 0xffff_ffffn)).toBe(stripPac(pc, bits))
      }
    }
    expect(aarch64.pcHighMasks({ aarch64VaBits: 48 })).toEqual(pacHighMasks(48))
  })

  it("leaves widths below 32 to the exact strip, and keeps everything for one it does not strip at", () => {
    for (const bits of [0, 16, 31]) expect(pacHighMasks(bits)).toBeUndefined()
    for (const bits of [65, -1, 1.5, NaN]) expect(pacHighMasks(bits)).toEqual(highVerbatim())
  })
})
