/**
 * Truncated and corrupted copies of the real cores: every read answers a
 * Result (an InputError naming the structure, or a partial core), never an
 * exception. The checks are the fuzz target's (fuzz/core.fuzz.ts).
 */
import * as Result from "effect/Result"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import { readCore } from "../../src/core/Core.js"
import { exercise, fields, mutateInPlace } from "../../fuzz/core.fuzz.js"
import { fixture } from "../elf/fixtures.js"

const cuts = (size: number): Array<number> => {
  const points = new Set<number>([0, 1, 4, 5, 63, 64, 65, 119, 120, size - 1])
  for (let i = 1; points.size < 100; i++) points.add(Math.floor((size * i) / 91) + (i % 7))
  return [...points].filter((p) => p >= 0 && p < size).slice(0, 100)
}

describe.each(["x86_64.core", "s390x.core"])("%s", (name) => {
  const bytes = fixture(name)

  it("gives an InputError or a partial core at 100 cut points, never an exception", () => {
    const points = cuts(bytes.length)
    expect(points.length).toBe(100)
    let failed = 0
    for (const cut of points) {
      const part = bytes.subarray(0, cut)
      expect(() => exercise(part), `cut at ${cut}`).not.toThrow()
      const read = readCore(fromBytes(part))
      if (Result.isFailure(read)) {
        failed++
        expect(read.failure.message).toMatch(/^(ELF header|program header( table| \d+)|note \d+ at 0x[0-9a-f]+): /)
      }
    }
    // Read strictly, a cut file fails (a segment or the notes past its end),
    // except past the last structure read (gcore's section headers).
    expect(failed).toBeGreaterThan(95)
  })

  it("survives 300 structure-aware mutations and 300 random bit flips", () => {
    expect(fields(bytes).length).toBeGreaterThan(50)
    const copy = bytes.slice()
    let state = 0x9e3779b9
    const next = () => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return state >>> 0
    }
    for (let i = 0; i < 300; i++) {
      for (let k = 0; k < 5; k++) copy[bytes.length - 1 - k] = next() & 0xff
      const undo = mutateInPlace(copy)
      expect(() => exercise(copy), `mutation ${i}`).not.toThrow()
      undo()
    }
    copy.set(bytes.subarray(bytes.length - 8), bytes.length - 8)
    expect(Buffer.compare(copy, bytes)).toBe(0)
    const head = fields(bytes).map((f) => f.offset)
    for (let i = 0; i < 300; i++) {
      const at = i % 2 === 0 ? next() % 0x800 : head[next() % head.length]! + (next() % 8)
      const bit = 1 << (next() % 8)
      copy[at] = copy[at]! ^ bit
      expect(() => exercise(copy), `flip at ${at}`).not.toThrow()
      copy[at] = copy[at]! ^ bit
    }
  })
})

describe("a truncated core", () => {
  const bytes = fixture("s390x.core")
  const cut = bytes.subarray(0, 0x900000)

  it("fails by default, naming the first segment past the end", () => {
    const read = readCore(fromBytes(cut))
    expect(Result.isFailure(read) && read.failure.message).toBe("program header 9: p_offset + p_filesz past end of file (0x1030000 > 0x900000)")
  })

  it("with truncated: \"warn\", keeps the threads and what was captured, and says what was cut", () => {
    const read = readCore(fromBytes(cut), { truncated: "warn" })
    if (Result.isFailure(read)) throw new Error(read.failure.message)
    const core = read.success
    expect(core.threads.map((t) => t.id)).toEqual([5808, 5823, 5826])
    expect(core.warnings).toEqual([
      "program header 9: p_offset + p_filesz past end of file (0x1030000 > 0x900000); 0x730000 bytes at 0x40008d3000 not captured",
      "program header 11: p_offset + p_filesz past end of file (0x1830000 > 0x900000); 0x800000 bytes at 0x4001004000 not captured"
    ])
    // The crashed thread's stack (in program header 6) is whole; what was cut is unmapped.
    expect(core.image.memory.spanOf(0x40008002e0n)).toBeDefined()
    expect(core.image.memory.spanOf(0x40008d3000n)).toBeUndefined()
    expect(core.image.memory.spanOf(0x40008d2ff8n)).toBeDefined()
  })
})

const cores = new URL("../fixtures/cores/", import.meta.url)
const realCores = existsSync(cores) ? readdirSync(cores).filter((f) => f.endsWith(".core.gz")).sort() : []

describe.each(realCores)("test/fixtures/cores/%s", (file) => {
  const bytes = new Uint8Array(gunzipSync(readFileSync(new URL(file, cores))))

  it("truncated at 100 cut points: an InputError naming a structure, or a partial core; never an exception", () => {
    for (const cut of cuts(bytes.length)) {
      const part = bytes.subarray(0, cut)
      expect(() => exercise(part), `cut at ${cut}`).not.toThrow()
      const read = readCore(fromBytes(part))
      if (Result.isFailure(read)) expect(read.failure.message).toMatch(/^(ELF header|program header( table| \d+)|note \d+ at 0x[0-9a-f]+|section( header table| \d+)): /)
      const lenient = readCore(fromBytes(part), { truncated: "warn" })
      if (Result.isSuccess(lenient)) expect(lenient.success.threads.length).toBeGreaterThan(0)
    }
  })

  it("survives 100 structure-aware mutations", () => {
    const copy = bytes.slice()
    for (let i = 0; i < 100; i++) {
      copy[bytes.length - 1] = i
      copy[bytes.length - 2] = i * 37
      copy[bytes.length - 5] = i
      const undo = mutateInPlace(copy)
      expect(() => exercise(copy), `mutation ${i}`).not.toThrow()
      undo()
    }
  })
})
