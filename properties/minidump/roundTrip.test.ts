/**
 * Write → read: a minidump written from a model (minidumpModel +
 * writeMinidump) reads back to the same threads and registers, the same
 * crashed thread and frame-0 registers in its image, the same modules, and
 * memory that answers every probed word exactly as the model's regions do.
 */
import { test } from "@fast-check/vitest"
import * as fc from "fast-check"
import * as Result from "effect/Result"
import { describe, expect } from "vitest"
import { readMinidump, toImage } from "../../src/minidump/Minidump.js"
import { readWord } from "../../test/minidump/walk.js"
import { numRuns } from "../runs.js"
import type { ContextModel, DumpModel, RegionModel } from "./_internals/writer.js"
import { writeMinidump } from "./_internals/writer.js"
import { minidumpModel } from "./minidumpModel.js"

const TOP = 1n << 64n

const registers = (c: Pick<ContextModel, "flags" | "pc" | "fp" | "sp">) => ({ flags: c.flags, pc: c.pc, fp: c.fp, sp: c.sp })

/** Every region the dump lists (stacks, MemoryList, Memory64List), once each, sorted. */
const captured = (model: DumpModel): Array<RegionModel> => {
  const all = new Set<RegionModel>()
  for (const t of model.threads) if (t.stack !== undefined) all.add(t.stack)
  for (const r of model.memoryList) all.add(r)
  for (const r of model.memory64List ?? []) all.add(r)
  return [...all].filter((r) => r.bytes.length > 0).sort((a, b) => (a.start < b.start ? -1 : 1))
}

/** The word at `address` by the model: the region holding all 8 bytes, little-endian. */
const modelWord = (regions: ReadonlyArray<RegionModel>, address: bigint): bigint | undefined => {
  for (const r of regions) {
    if (address >= r.start && address + 8n <= r.start + BigInt(r.bytes.length)) {
      let word = 0n
      for (let i = 7; i >= 0; i--) word = (word << 8n) | BigInt(r.bytes[Number(address - r.start) + i]!)
      return word
    }
  }
  return undefined
}

const probes = (regions: ReadonlyArray<RegionModel>): Array<bigint> => {
  const at = new Set<bigint>([-8n, -1n, 0n, TOP - 8n, TOP - 7n, TOP - 1n, TOP])
  for (const r of regions) {
    const end = r.start + BigInt(r.bytes.length)
    for (let a = r.start - 9n; a <= end + 1n; a++) at.add(a)
  }
  return [...at]
}

describe.each([
  ["AMD64", 9],
  ["ARM64", 12],
  ["ARM64 (Breakpad's old value)", 0x8003]
])("%s", (_, processorArchitecture) => {
  test.prop([minidumpModel(processorArchitecture)], { numRuns: numRuns(200) })(
    "write → readMinidump → toImage keeps threads, registers, the crash, memory and modules",
    (model) => {
      const read = readMinidump(writeMinidump(model))
      if (Result.isFailure(read)) throw new Error(read.failure.message)
      const dump = read.success
      expect(dump.systemInfo?.processorArchitecture).toBe(processorArchitecture)
      expect(dump.threads.map((t) => ({ id: t.id, ...registers(t.context!) }))).toEqual(
        model.threads.map((t) => ({ id: t.id, ...registers(t.context) }))
      )
      expect(dump.exceptions.map((e) => ({ threadId: e.threadId, code: e.code, address: e.address, ...registers(e.context!) }))).toEqual(
        model.exceptions.map((e) => ({ threadId: e.threadId, code: e.code, address: e.address, ...registers(e.context) }))
      )
      expect(dump.modules).toEqual(
        model.modules.map((m) => (m.buildId === undefined ? { base: m.base, size: BigInt(m.size), name: m.name } : { base: m.base, size: BigInt(m.size), name: m.name, buildId: m.buildId }))
      )
      const regions = captured(model)
      expect(dump.memory.regions.map((r) => ({ start: r.address, bytes: [...r.bytes] }))).toEqual(regions.map((r) => ({ start: r.start, bytes: [...r.bytes] })))
      for (const address of probes(regions)) expect(readWord(dump.memory, address), `word at ${address}`).toBe(modelWord(regions, address))

      const image = toImage(dump)
      if (Result.isFailure(image)) throw new Error(image.failure.message)
      expect(image.success.arch).toBe(processorArchitecture === 9 ? "x86_64" : "aarch64")
      const crash = model.exceptions[0]
      expect(image.success.threads).toEqual(
        model.threads.map((t) => {
          const crashed = crash?.threadId === t.id
          const c = crashed ? crash!.context : t.context
          return { id: t.id, crashed, signal: model.exceptions.find((e) => e.threadId === t.id)?.code, pc: c.pc, fp: c.fp, sp: c.sp }
        })
      )
      const crashUnlisted = crash !== undefined && !model.threads.some((t) => t.id === crash.threadId)
      expect(image.success.warnings).toHaveLength(crashUnlisted ? 1 : 0)
    }
  )
})

test.prop([fc.integer({ min: 0, max: 0xffff }).filter((n) => n !== 9 && n !== 12 && n !== 0x8003).chain(minidumpModel)], { numRuns: numRuns(100) })(
  "a dump of any other CPU reads with no arch, and toImage names the CPU in an InputError",
  (model) => {
    const read = readMinidump(writeMinidump(model))
    if (Result.isFailure(read)) throw new Error(read.failure.message)
    expect(read.success.systemInfo?.arch).toBeUndefined()
    expect(read.success.threads.map((t) => t.context)).toEqual(model.threads.map(() => undefined))
    const image = toImage(read.success)
    expect(Result.isFailure(image)).toBe(true)
    if (Result.isFailure(image)) {
      expect(image.failure.path).toMatch(/^SystemInfo stream \(directory entry \d+\) at 0x[0-9a-f]+$/)
      expect(image.failure.reason).toContain(`processor architecture 0x${model.processorArchitecture.toString(16)} `)
    }
  }
)
