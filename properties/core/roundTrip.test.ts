/**
 * write → readCore → the same core: threads in order (the first crashed),
 * every register the note holds, frame 0's pc/fp/sp per layout, every
 * segment's captured words (at both ends, across 64 KiB windows, and at
 * random offsets) and nothing in its absent part, the NT_FILE mappings and
 * the auxiliary vector.
 */
import { test } from "@fast-check/vitest"
import * as fc from "fast-check"
import * as Result from "effect/Result"
import { expect } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import { readCore } from "../../src/core/Core.js"
import { numRuns } from "../runs.js"
import { anyCore } from "./anyCore.js"
import { gregs, writeCore } from "./writer.js"

const offsets = (size: number, picks: ReadonlyArray<number>): Array<number> =>
  size < 8 ? [] : [0, size - 8, ...[0x10000 - 8, 0x10000 - 4, 0x10000, 0x1fffc].filter((o) => o + 8 <= size), ...picks.map((p) => p % (size - 7))]

test.prop([anyCore(), fc.array(fc.nat(), { maxLength: 8 })], { numRuns: numRuns(150) })("a written core reads back as written", (spec, picks) => {
  const read = readCore(fromBytes(writeCore(spec)))
  if (Result.isFailure(read)) throw new Error(read.failure.message)
  const core = read.success
  const layout = gregs[spec.arch]
  const littleEndian = !(spec.bigEndian ?? layout.bigEndian)
  expect(core.arch).toBe(spec.arch)
  expect(core.littleEndian).toBe(littleEndian)

  expect(core.threads.map((t) => [t.id, t.crashed, t.signal])).toEqual(spec.threads.map((t, i) => [t.tid, i === 0, t.signal]))
  spec.threads.forEach((t, i) => {
    const got = core.threads[i]!
    const kept = t.prstatusSize === 336 ? layout.names.slice(0, 28) : layout.names
    expect(got.registers).toEqual(Object.fromEntries(kept.map((name) => [name, t.registers[name]])))
    expect([got.pc, got.fp, got.sp]).toEqual([t.registers[layout.pc], t.registers[layout.fp], t.registers[layout.sp]])
  })

  for (const segment of spec.segments) {
    const bytes = segment.bytes!
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (const offset of offsets(bytes.length, picks)) {
      const address = segment.vaddr + BigInt(offset)
      const span = core.image.memory.spanOf(address)
      expect(span, `word at segment offset ${offset}`).toBeDefined()
      expect(span!.view.getBigUint64(Number(address - span!.start), littleEndian)).toBe(view.getBigUint64(offset, littleEndian))
    }
    // The absent part (and a word reaching into it) is not mapped.
    if (segment.memsz >= BigInt(bytes.length) + 8n) expect(core.image.memory.spanOf(segment.vaddr + BigInt(bytes.length))).toBeUndefined()
    if (bytes.length >= 4) expect(core.image.memory.spanOf(segment.vaddr + BigInt(bytes.length) - 4n)).toBeUndefined()
  }
  expect(core.segments.map((s) => [s.vaddr, s.memsz, s.captured])).toEqual(spec.segments.map((s) => [s.vaddr, s.memsz, BigInt(s.bytes!.length)]))

  expect(core.mappings).toEqual((spec.files ?? []).map((f) => ({ start: f.start, end: f.end, fileOffset: f.pageOffset * 4096n, name: f.name })))
  if (spec.auxv === undefined) expect(core.auxv).toBeUndefined()
  else expect(core.auxv?.entries).toEqual(spec.auxv.map(([type, value]) => ({ type, value })))
})
