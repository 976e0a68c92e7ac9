/**
 * Totality on real files: every shared minidump cut at many points and
 * bit-flipped many times. `readMinidump` (then `toImage` and a bounded
 * walk over what it returns) never throws and answers a Result; a failure
 * is an InputError of one non-empty line. The cut points: every offset up
 * to the end of the directory, every stream's start and end (±1), and 256
 * spread over the file. The flips: 400 single bits at seeded positions,
 * 100 of them inside the directory and the stream headers, and 200
 * 32-bit fields overwritten with edge values.
 */
import * as Result from "effect/Result"
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/InputError.js"
import { readMinidump, toImage } from "../../src/minidump/Minidump.js"
import { walkThread } from "./walk.js"

const SHARED = new URL("../../../shared/minidumps/", import.meta.url)
const names = readdirSync(SHARED).filter((f) => f.endsWith(".dmp")).sort()

/** Reads, converts and walks; returns "ok", or the failure's message. */
const total = (bytes: Uint8Array): string => {
  const read = readMinidump(bytes)
  expect(Result.isResult(read)).toBe(true)
  if (Result.isFailure(read)) {
    expect(read.failure).toBeInstanceOf(InputError)
    expect(read.failure.message).toMatch(/^[^\n\r]+$/)
    return read.failure.message
  }
  const image = toImage(read.success)
  if (Result.isFailure(image)) {
    expect(image.failure).toBeInstanceOf(InputError)
    expect(image.failure.message).toMatch(/^[^\n\r]+$/)
    return image.failure.message
  }
  for (const thread of image.success.threads) walkThread(image.success, thread, 4000)
  for (const warning of image.success.warnings) expect(warning).toMatch(/^[^\n\r]+$/)
  return "ok"
}

/** Offsets of the header, the directory and each stream's bounds. */
const structure = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(8, true)
  const rva = view.getUint32(12, true)
  const streams = Array.from({ length: count }, (_, i) => ({ size: view.getUint32(rva + 12 * i + 4, true), rva: view.getUint32(rva + 12 * i + 8, true) }))
  return { directoryEnd: rva + 12 * count, streams }
}

// xorshift32, seeded per file.
const prng = (seed: number) => {
  let state = seed || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

const EDGES = [0, 1, 4, 8, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_ffff]

describe.each(names)("%s", (name) => {
  const original = new Uint8Array(readFileSync(new URL(name, SHARED)))
  const { directoryEnd, streams } = structure(original)

  it("cut at every structural offset and 256 more: a Result every time, and the whole file reads", () => {
    const cuts = new Set<number>()
    for (let i = 0; i <= directoryEnd + 1; i++) cuts.add(i)
    for (const s of streams) for (const at of [s.rva - 1, s.rva, s.rva + 1, s.rva + s.size - 1, s.rva + s.size, s.rva + s.size + 1]) cuts.add(at)
    for (let i = 0; i < 256; i++) cuts.add(Math.floor((original.length * i) / 256))
    let failed = 0
    for (const cut of cuts) {
      if (cut < 0 || cut > original.length) continue
      if (total(original.subarray(0, cut)) !== "ok") failed++
    }
    expect(total(original)).toBe("ok")
    // Cutting inside the header or the directory always fails.
    expect(failed).toBeGreaterThan(directoryEnd)
  })

  it("bit-flipped and field-overwritten: a Result every time", () => {
    const next = prng(name.length * 2654435761 + original.length)
    const headers = [{ rva: 0, size: directoryEnd }, ...streams.map((s) => ({ rva: s.rva, size: Math.min(s.size, 64) }))]
    for (let i = 0; i < 400; i++) {
      const copy = original.slice()
      const region = i < 100 ? headers[next() % headers.length]! : { rva: 0, size: copy.length }
      const at = Math.min(copy.length - 1, region.rva + (next() % Math.max(1, region.size)))
      copy[at] = copy[at]! ^ (1 << (next() % 8))
      total(copy)
    }
    for (let i = 0; i < 200; i++) {
      const copy = original.slice()
      const region = headers[next() % headers.length]!
      const at = Math.min(copy.length - 4, (region.rva + (next() % Math.max(1, region.size))) & ~3)
      new DataView(copy.buffer).setUint32(at, EDGES[next() % EDGES.length]!, true)
      total(copy)
    }
  })
})
