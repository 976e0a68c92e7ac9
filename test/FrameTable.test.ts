/**
 * The frame table keeps every frame exactly across its layouts: the plain
 * array of small walks, the doubling array, and the fixed chunks.
 */
import { describe, expect, it } from "vitest"
import { FrameTable, FrameTableBuilder } from "../src/FrameTable.js"

const built = (n: number) => {
  const builder = new FrameTableBuilder()
  for (let i = 0; i < n; i++) builder.push((i ^ 0xffff_ffff) >>> 0, i * 7, 0x7fff + (i >>> 20), 0xffff_fff0 - i * 16, i >>> 3)
  return builder.done()
}

describe("FrameTable", () => {
  it.each([0, 1, 255, 256, 257, 1023, 1024, 1025, 16_383, 16_384, 16_385, 50_000])("keeps %i frames exactly", (n) => {
    const table = built(n)
    expect(table.length).toBe(n)
    for (const i of [0, 1, 254, 255, 256, 257, 16_383, 16_384, 16_385, n - 1].filter((i) => i >= 0 && i < n)) {
      expect([table.pcHigh(i), table.pcLow(i), table.fpHigh(i), table.fpLow(i), table.activation(i)])
        .toEqual([(i ^ 0xffff_ffff) >>> 0, i * 7, 0x7fff + (i >>> 20), 0xffff_fff0 - i * 16, i >>> 3])
      expect(table.at(i)).toEqual({
        pc: (BigInt((i ^ 0xffff_ffff) >>> 0) << 32n) | BigInt(i * 7),
        fp: (BigInt(0x7fff + (i >>> 20)) << 32n) | BigInt(0xffff_fff0 - i * 16),
        activation: i >>> 3
      })
    }
    expect(table.at(n)).toBeUndefined()
    expect(table.at(-1)).toEqual(n === 0 ? undefined : table.at(n - 1))
    expect([...table].length).toBe(n)
  })

  it.each([0, 1, 3, 257])("lists %i frames as objects in order", (n) => {
    const table = built(n)
    const frames = table.toArray()
    expect(frames.length).toBe(n)
    frames.forEach((frame, i) => expect(frame).toEqual(table.at(i)))
  })

  it("slices keep the first frames, across layouts", () => {
    const table = built(20_000)
    for (const n of [0, 10, 256, 300, 16_384, 20_000, 30_000]) {
      const slice = table.slice(n)
      expect(slice.length).toBe(Math.min(n, 20_000))
      if (slice.length > 0) expect(slice.at(slice.length - 1)).toEqual(table.at(slice.length - 1))
    }
    expect(FrameTable.empty.length).toBe(0)
  })
})
