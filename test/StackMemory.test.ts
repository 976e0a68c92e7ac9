import { describe, expect, it } from "vitest"
import * as Result from "effect/Result"
import type { Region } from "../src/StackMemory.js"
import { StackMemory } from "../src/StackMemory.js"
import { readWord } from "../src/Memory.js"
import { LIMIT, MAX } from "../src/U64.js"

const region = (address: bigint, bytes: ReadonlyArray<number>): Region => ({ address, bytes: Uint8Array.from(bytes) })
const memory = (...regions: ReadonlyArray<Region>) => Result.getOrThrow(StackMemory.make(regions))
const word = [1, 2, 3, 4, 5, 6, 7, 8]

describe("StackMemory", () => {
  it("reads words in either byte order", () => {
    const m = memory(region(0x100n, word))
    expect(readWord(m, 0x100n, true)).toBe(0x0807060504030201n)
    expect(readWord(m, 0x100n, false)).toBe(0x0102030405060708n)
  })

  it("reads only words wholly inside one region", () => {
    const m = memory(region(0x100n, [...word, ...word]), region(0x110n, word))
    expect(readWord(m, 0x108n, true)).toBe(0x0807060504030201n)
    expect(readWord(m, 0x109n, true)).toBeUndefined() // straddles adjacent regions
    expect(readWord(m, 0x110n, true)).toBe(0x0807060504030201n)
    expect(readWord(m, 0xf8n, true)).toBeUndefined()
    expect(readWord(m, 0x111n, true)).toBeUndefined()
  })

  it("reads the last word of the address space and nothing past it", () => {
    const m = memory(region(0xffff_ffff_ffff_fff8n, word))
    expect(readWord(m, 0xffff_ffff_ffff_fff8n, false)).toBe(0x0102030405060708n)
    expect(readWord(m, 0xffff_ffff_ffff_fffcn, false)).toBeUndefined()
    expect(readWord(m, 0x1_0000_0000_0000_0000n, false)).toBeUndefined()
  })

  it("rejects overlaps (naming the later region) and regions past 2^64", () => {
    expect(StackMemory.make([region(0x100n, word), region(0x104n, word)])).toEqual(Result.fail({ _tag: "Overlap", index: 1, other: 0 }))
    expect(StackMemory.make([region(0x104n, word), region(0x0n, word), region(0x100n, [1, 2, 3, 4, 5])])).toEqual(
      Result.fail({ _tag: "Overlap", index: 2, other: 0 })
    )
    expect(StackMemory.make([region(0xffff_ffff_ffff_fffcn, word)])).toEqual(Result.fail({ _tag: "PastEnd", index: 0 }))
  })

  it("lets empty regions sit anywhere up to 2^64 - 1, and none past it", () => {
    const m = memory(region(0x100n, word), region(0x104n, []), region(0x104n, []), region(MAX, []))
    expect(readWord(m, 0x100n, true)).toBe(0x0807060504030201n)
    expect(StackMemory.make([region(0x100n, word), region(LIMIT, [])])).toEqual(Result.fail({ _tag: "PastEnd", index: 1 }))
  })

  it("names overlapping regions the same way whatever their order", () => {
    const a = region(0x100n, word)
    const b = region(0x100n, [1, 2])
    expect(StackMemory.make([a, b])).toEqual(Result.fail({ _tag: "Overlap", index: 1, other: 0 }))
    expect(StackMemory.make([b, a])).toEqual(Result.fail({ _tag: "Overlap", index: 1, other: 0 }))
    expect(StackMemory.make([region(0x200n, word), a, region(0x104n, word)])).toEqual(Result.fail({ _tag: "Overlap", index: 2, other: 1 }))
  })
})

describe("readWord on a Memory from outside", () => {
  // A Memory that is not a StackMemory may answer any span for any address;
  // readWord checks what it is given instead of trusting it.
  const anywhere = (start: bigint, size: number) => ({
    spanOf: () => ({ start, view: new DataView(Uint8Array.from({ length: size }, (_, i) => i + 1).buffer) })
  })

  it("reads a word at address 0", () => {
    expect(readWord(anywhere(0n, 8), 0n, true)).toBe(0x0807060504030201n)
  })

  it("never reads below address 0, whatever span it is given", () => {
    expect(readWord(anywhere(-16n, 32), -8n, true)).toBeUndefined()
    expect(readWord(anywhere(-16n, 32), -1n, true)).toBeUndefined()
  })

  it("never reads a word that passes 2^64 - 1, whatever span it is given", () => {
    const past = anywhere(MAX - 7n, 16)
    expect(readWord(past, MAX - 7n, true)).toBe(0x0807060504030201n)
    expect(readWord(past, MAX - 6n, true)).toBeUndefined()
    expect(readWord(past, MAX, true)).toBeUndefined()
  })

  it("treats a word outside the view it is given as unmapped", () => {
    const view = new DataView(new ArrayBuffer(8))
    const liar = { spanOf: () => ({ start: 0x100n, view }) }
    expect(readWord(liar, 0x100n, true)).toBe(0n)
    expect(readWord(liar, 0x101n, true)).toBeUndefined()
    expect(readWord(liar, 0xf8n, true)).toBeUndefined()
    expect(readWord(liar, -8n, true)).toBeUndefined()
  })
})
