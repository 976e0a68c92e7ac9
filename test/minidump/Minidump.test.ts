/**
 * The minidump reader on hand-written dumps (properties/minidump's writer)
 * and on two real ones: what it reads, each check with the path and values
 * it reports, and the choices docs/minidump.md describes (duplicates,
 * overlaps, unknown context sizes, CPUs it does not walk).
 */
import * as Result from "effect/Result"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/InputError.js"
import type { Minidump } from "../../src/minidump/Minidump.js"
import { readImage, readMinidump, toImage } from "../../src/minidump/Minidump.js"
import type { ContextModel, DumpModel, RegionModel } from "../../properties/minidump/_internals/writer.js"
import { writeMinidump } from "../../properties/minidump/_internals/writer.js"
import { readWord } from "./walk.js"

const SHARED = new URL("../../../shared/minidumps/", import.meta.url)
const shared = (name: string) => new Uint8Array(readFileSync(new URL(`${name}.dmp`, SHARED)))

const ctx = (size: number, pc: bigint, fp: bigint, sp: bigint): ContextModel => ({ size, flags: 0x10000b, pc, fp, sp, fill: 0xa5 })
const stack: RegionModel = { start: 0x7fff_0000n, bytes: new Uint8Array(64).map((_, i) => i) }

const model = (over: Partial<DumpModel> = {}): DumpModel => ({
  processorArchitecture: 9,
  padded: false,
  threads: [
    { id: 100, context: ctx(1232, 0x401000n, 0x7fff_0010n, 0x7fff_0000n), stack },
    { id: 101, context: ctx(1232, 0x402000n, 0x7fff_0020n, 0x7fff_0008n), stack: undefined }
  ],
  exceptions: [{ threadId: 100, code: 11, address: 0x10n, context: ctx(1232, 0x403000n, 0x7fff_0030n, 0x7fff_0018n) }],
  memoryList: [stack],
  memory64List: undefined,
  modules: [{ base: 0x400000n, size: 0x1000, name: "/bin/app", buildId: undefined }],
  others: [],
  order: ["SystemInfo", "ThreadList", "Exception", "MemoryList", "ModuleList"],
  ...over
})

/** The directory entry (index, size, RVA) of the first stream of `type` in written bytes. */
const entry = (bytes: Uint8Array, type: number) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < view.getUint32(8, true); i++) {
    const at = view.getUint32(12, true) + 12 * i
    if (view.getUint32(at, true) === type) return { index: i, at, size: view.getUint32(at + 4, true), rva: view.getUint32(at + 8, true) }
  }
  throw new Error(`no stream of type ${type}`)
}

const patch32 = (bytes: Uint8Array, at: number, value: number): Uint8Array => {
  const copy = bytes.slice()
  new DataView(copy.buffer).setUint32(at, value, true)
  return copy
}

const failure = (bytes: Uint8Array): InputError => {
  const read = readMinidump(bytes)
  if (Result.isSuccess(read)) throw new Error("expected an InputError")
  expect(read.failure).toBeInstanceOf(InputError)
  return read.failure
}

const success = (bytes: Uint8Array): Minidump => {
  const read = readMinidump(bytes)
  if (Result.isFailure(read)) throw new Error(read.failure.message)
  return read.success
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`

describe("readMinidump: the header and directory", () => {
  it("rejects a file shorter than the header", () => {
    expect(failure(new Uint8Array(31)).message).toBe("header at 0x0: the 32-byte header at 0x0 + size 0x20 past end of file (0x1f)")
  })

  it("rejects a signature other than MDMP", () => {
    const bytes = patch32(writeMinidump(model()), 0, 0x504d444e)
    expect(failure(bytes).message).toBe('header at 0x0: signature 0x504d444e is not "MDMP" (0x504d444d)')
  })

  it("rejects a version whose low 16 bits are not 0xa793", () => {
    const bytes = patch32(writeMinidump(model()), 4, 0x0001a794)
    expect(failure(bytes).message).toBe("header at 0x0: version 0x1a794: the low 16 bits are not 0xa793")
  })

  it("keeps the writer's high version bits", () => {
    expect(success(patch32(writeMinidump(model()), 4, 0x1234a793)).version).toBe(0x1234a793)
  })

  it("rejects a stream count whose directory passes the end of the file", () => {
    const bytes = patch32(writeMinidump(model()), 8, 0x1555_5555)
    expect(failure(bytes).message).toBe(`stream directory at 0x20: 357913941 directory entries of 12 bytes at 0x20 + size 0xfffffffc past end of file (${hex(bytes.length)})`)
  })

  it("rejects a stream that passes the end of the file, naming its directory entry", () => {
    const bytes = writeMinidump(model())
    const threads = entry(bytes, 3)
    const bad = patch32(bytes, threads.at + 4, bytes.length)
    expect(failure(bad).message).toBe(
      `ThreadList stream (directory entry ${threads.index}) at ${hex(threads.rva)}: the stream at ${hex(threads.rva)} + size ${hex(bytes.length)} past end of file (${hex(bytes.length)})`
    )
  })

  it("does not read (or check) streams of other types", () => {
    const bytes = writeMinidump(model({ others: [{ type: 0x4767_0003, bytes: new Uint8Array(4) }], order: ["Other", "SystemInfo", "ThreadList", "Exception", "MemoryList", "ModuleList"] }))
    const other = entry(bytes, 0x4767_0003)
    const dump = success(patch32(bytes, other.at + 8, 0xffff_fff0))
    expect(dump.streams[0]).toEqual({ index: 0, type: 0x4767_0003, location: { size: 4, rva: 0xffff_fff0 } })
    expect(dump.warnings).toEqual([])
  })

  it("reads only the first of two ThreadList streams, with a warning", () => {
    const bytes = writeMinidump(model({ order: ["SystemInfo", "ThreadList", "Exception", "MemoryList", "ModuleList", "ThreadList"] }))
    const dump = success(bytes)
    expect(dump.threads.map((t) => t.id)).toEqual([100, 101])
    expect(dump.warnings).toEqual([`ThreadList stream (directory entry 5) at ${hex(dump.streams[5]!.location.rva)} is a second ThreadList stream; only the first is read`])
  })
})

describe("readMinidump: lists and contexts", () => {
  it("rejects a thread count the ThreadList stream cannot hold, before reading any entry", () => {
    const bytes = writeMinidump(model())
    const threads = entry(bytes, 3)
    const dump = patch32(bytes, threads.rva, 0xffff_ffff)
    expect(failure(dump).message).toBe(
      `ThreadList stream (directory entry ${threads.index}) at ${hex(threads.rva)}: 4294967295 threads of 48 bytes need 0x2fffffffd4 bytes; the stream has 0x64`
    )
  })

  it("reads Breakpad's macOS padding after the counts (stream size 8 + n × entry)", () => {
    const dump = success(writeMinidump(model({ padded: true })))
    expect(dump.threads.map((t) => [t.id, t.context?.pc])).toEqual([[100, 0x401000n], [101, 0x402000n]])
    expect(dump.modules.map((m) => m.name)).toEqual(["/bin/app"])
    // Thread 101's empty stack descriptor is listed too.
    expect(dump.ranges.map((r) => [r.source, r.bytes.length])).toEqual([["thread 100's stack", 64], ["thread 101's stack", 0], ["MemoryList range 0", 64]])
  })

  it("rejects a thread context that passes the end of the file", () => {
    const bytes = writeMinidump(model())
    const threads = entry(bytes, 3)
    const bad = patch32(bytes, threads.rva + 4 + 48 + 44, 0x9000_0000) // thread 1's context RVA
    expect(failure(bad).message).toBe(
      `ThreadList stream (directory entry ${threads.index}) at ${hex(threads.rva)}: thread 1 (id 101)'s context at 0x90000000 + size 0x4d0 past end of file (${hex(bytes.length)})`
    )
  })

  it("rejects a stack whose bytes pass the end of the file", () => {
    const bytes = writeMinidump(model())
    const threads = entry(bytes, 3)
    const bad = patch32(bytes, threads.rva + 4 + 32, bytes.length) // thread 0's stack size
    expect(failure(bad).reason).toMatch(/^thread 0 \(id 100\)'s stack at 0x[0-9a-f]+ \+ size 0x[0-9a-f]+ past end of file/)
  })

  it("rejects a memory range that passes 2^64", () => {
    const high: RegionModel = { start: 0xffff_ffff_ffff_ffc0n, bytes: new Uint8Array(64) }
    const bytes = writeMinidump(model({ memoryList: [high] }))
    const list = entry(bytes, 5)
    const view = new DataView(bytes.buffer)
    view.setBigUint64(list.rva + 4, 0xffff_ffff_ffff_ffc8n, true)
    expect(failure(bytes).reason).toBe("range 0 0xffffffffffffffc8 + size 0x40 passes 2^64")
  })

  it("rejects an AMD64 context too small to hold rip", () => {
    const bytes = writeMinidump(model())
    const threads = entry(bytes, 3)
    const bad = patch32(bytes, threads.rva + 4 + 40, 0xf8) // thread 0's context size
    expect(failure(bad).reason).toBe(`thread 0 (id 100)'s context at ${hex(new DataView(bad.buffer).getUint32(threads.rva + 48, true))} is 248 bytes, too small for an AMD64 context (at least 256)`)
  })

  it("reads lldb's 720-byte AMD64 and 800-byte ARM64 contexts without a warning", () => {
    const amd64 = success(writeMinidump(model({ threads: [{ id: 1, context: ctx(720, 0x1n, 0x2n, 0x3n), stack: undefined }], exceptions: [], order: ["SystemInfo", "ThreadList"] })))
    expect(amd64.threads[0]!.context).toMatchObject({ pc: 0x1n, fp: 0x2n, sp: 0x3n, flags: 0x10000b })
    const arm64 = success(writeMinidump(model({ processorArchitecture: 12, threads: [{ id: 1, context: ctx(800, 0x4n, 0x5n, 0x6n), stack: undefined }], exceptions: [], order: ["SystemInfo", "ThreadList"] })))
    expect(arm64.threads[0]!.context).toMatchObject({ pc: 0x4n, fp: 0x5n, sp: 0x6n })
    expect([...amd64.warnings, ...arm64.warnings]).toEqual([])
  })

  it("reads a context of an unknown size at the usual offsets, with a warning", () => {
    const dump = success(writeMinidump(model({ threads: [{ id: 7, context: ctx(0x100, 0x11n, 0x22n, 0x33n), stack: undefined }], exceptions: [], order: ["SystemInfo", "ThreadList"] })))
    expect(dump.threads[0]!.context).toMatchObject({ pc: 0x11n, fp: 0x22n, sp: 0x33n })
    expect(dump.warnings).toHaveLength(1)
    expect(dump.warnings[0]).toMatch(/thread 0 \(id 7\)'s context is 256 bytes \(known AMD64 sizes: 1232, 720\)/)
  })

  it("rejects an Exception stream shorter than 168 bytes", () => {
    const bytes = writeMinidump(model())
    const exception = entry(bytes, 6)
    expect(failure(patch32(bytes, exception.at + 4, 164)).reason).toBe("the stream is 164 bytes, too short for an exception (168)")
  })

  it("rejects a SystemInfo stream too short for its platform id", () => {
    const bytes = writeMinidump(model())
    const system = entry(bytes, 7)
    expect(failure(patch32(bytes, system.at + 4, 20)).reason).toBe("the stream is 20 bytes, too short for its processor and platform (24)")
  })

  it("rejects a module name of an odd number of bytes", () => {
    const bytes = writeMinidump(model())
    const modules = entry(bytes, 4)
    const nameRva = new DataView(bytes.buffer).getUint32(modules.rva + 4 + 20, true)
    expect(failure(patch32(bytes, nameRva, 15)).reason).toBe(`module 0's name at ${hex(nameRva)} is 15 bytes, not whole UTF-16 code units`)
  })

  it("rejects a Memory64List count its stream cannot hold, without allocating for it", () => {
    const bytes = writeMinidump(model({ memory64List: [], order: ["SystemInfo", "ThreadList", "Exception", "Memory64List"] }))
    const list = entry(bytes, 9)
    const copy = bytes.slice()
    new DataView(copy.buffer).setBigUint64(list.rva, 0xffff_ffff_ffff_ffffn, true)
    expect(failure(copy).reason).toBe("18446744073709551615 ranges of 16 bytes need 0x100000000000000000 bytes; the stream has 0x10")
  })

  it("reads Memory64List ranges one after the other from its base RVA", () => {
    const a: RegionModel = { start: 0x1000n, bytes: new Uint8Array(16).fill(1) }
    const b: RegionModel = { start: 0x1010n, bytes: new Uint8Array(8).fill(2) }
    const dump = success(writeMinidump(model({ memoryList: [], memory64List: [a, b], order: ["SystemInfo", "ThreadList", "Memory64List"], exceptions: [] })))
    expect(dump.ranges.filter((r) => r.source.startsWith("Memory64List")).map((r) => [r.start, [...r.bytes]])).toEqual([
      [0x1000n, [...a.bytes]],
      [0x1010n, [...b.bytes]]
    ])
    // Adjacent regions stay separate: the word straddling them is unmapped.
    expect(readWord(dump.memory, 0x1008n)).toBe(0x0101_0101_0101_0101n)
    expect(readWord(dump.memory, 0x100cn)).toBeUndefined()
    expect(readWord(dump.memory, 0x1010n)).toBe(0x0202_0202_0202_0202n)
  })
})

describe("readMinidump: memory", () => {
  it("reads a stack listed twice (ThreadList and MemoryList) once, silently", () => {
    const dump = success(writeMinidump(model()))
    expect(dump.ranges.map((r) => [r.source, r.start])).toEqual([["thread 100's stack", stack.start], ["thread 101's stack", 0n], ["MemoryList range 0", stack.start]])
    expect(dump.memory.regions.map((r) => [r.address, r.bytes.length])).toEqual([[stack.start, 64]])
    expect(dump.warnings).toEqual([])
  })

  it("keeps the first listing of a range listed twice with other bytes, with a warning", () => {
    const other: RegionModel = { start: stack.start, bytes: new Uint8Array(64).fill(0xee) }
    const dump = success(writeMinidump(model({ memoryList: [other] })))
    expect(readWord(dump.memory, stack.start)).toBe(0x0706_0504_0302_0100n)
    expect(dump.warnings).toEqual(["MemoryList range 0 (0x7fff0000, 0x40 bytes) lists the range of thread 100's stack with other bytes; the first listing is kept"])
  })

  it("resolves a partial overlap in favour of the range that starts lower, keeping the other's tail", () => {
    const later: RegionModel = { start: stack.start + 0x30n, bytes: new Uint8Array(0x20).fill(0xcc) }
    const dump = success(writeMinidump(model({ memoryList: [later] })))
    expect(dump.memory.regions.map((r) => [r.address, r.bytes.length])).toEqual([[stack.start, 64], [stack.start + 0x40n, 0x10]])
    expect(readWord(dump.memory, stack.start + 0x38n)).toBe(0x3f3e_3d3c_3b3a_3938n)
    expect(readWord(dump.memory, stack.start + 0x40n)).toBe(0xcccc_cccc_cccc_ccccn)
    expect(dump.warnings).toEqual(["MemoryList range 0 (0x7fff0030 .. 0x7fff0050) overlaps the memory below 0x7fff0040; only 0x7fff0040 .. 0x7fff0050 is kept"])
  })

  it("drops a range inside another, with a warning", () => {
    const inside: RegionModel = { start: stack.start + 8n, bytes: new Uint8Array(16) }
    const dump = success(writeMinidump(model({ memoryList: [inside] })))
    expect(dump.memory.regions.map((r) => [r.address, r.bytes.length])).toEqual([[stack.start, 64]])
    expect(dump.warnings).toEqual(["MemoryList range 0 (0x7fff0008 .. 0x7fff0018) overlaps the memory below 0x7fff0040; it is dropped"])
  })

  it("answers spanOf for negative, past-2^64 and straddling addresses with undefined, never throwing", () => {
    const top: RegionModel = { start: 0xffff_ffff_ffff_fff0n, bytes: new Uint8Array(16).fill(9) }
    const { memory } = success(writeMinidump(model({ memoryList: [top] })))
    for (const address of [-1n, -8n, -(1n << 70n), 1n << 64n, (1n << 64n) - 7n, (1n << 70n), stack.start - 1n, stack.start + 57n]) {
      expect(memory.spanOf(address), `0x${address.toString(16)}`).toBeUndefined()
    }
    expect(readWord(memory, 0xffff_ffff_ffff_fff8n)).toBe(0x0909_0909_0909_0909n)
  })
})

describe("toImage", () => {
  it("gives the crashed thread the Exception context, the others their ThreadList context", () => {
    const image = Result.getOrThrow(toImage(success(writeMinidump(model()))))
    expect(image.kind).toBe("minidump")
    expect(image.arch).toBe("x86_64")
    expect(image.threads).toEqual([
      { id: 100, crashed: true, signal: 11, pc: 0x403000n, fp: 0x7fff_0030n, sp: 0x7fff_0018n },
      { id: 101, crashed: false, signal: undefined, pc: 0x402000n, fp: 0x7fff_0020n, sp: 0x7fff_0008n }
    ])
    expect(image.modules).toEqual([{ base: 0x400000n, size: 0x1000n, name: "/bin/app" }])
  })

  it("marks only the thread of the first Exception stream crashed (lldb writes one per signalled thread)", () => {
    const exceptions = [
      { threadId: 101, code: 6, address: 0n, context: ctx(1232, 0x500000n, 0x7fff_0040n, 0n) },
      { threadId: 100, code: 19, address: 0n, context: ctx(1232, 0x600000n, 0x7fff_0050n, 0n) }
    ]
    const image = Result.getOrThrow(toImage(success(writeMinidump(model({ exceptions, order: ["SystemInfo", "ThreadList", "Exception", "Exception", "MemoryList"] })))))
    expect(image.threads.map((t) => [t.id, t.crashed, t.signal, t.pc])).toEqual([
      [100, false, 19, 0x401000n],
      [101, true, 6, 0x500000n]
    ])
  })

  it("keeps the crashed thread's ThreadList context when the Exception stream has none (size 0), with a warning", () => {
    const bytes = writeMinidump(model())
    const exception = entry(bytes, 6)
    const image = Result.getOrThrow(toImage(success(patch32(bytes, exception.rva + 160, 0))))
    expect(image.threads.map((t) => [t.id, t.crashed, t.pc, t.fp])).toEqual([
      [100, true, 0x401000n, 0x7fff_0010n],
      [101, false, 0x402000n, 0x7fff_0020n]
    ])
    expect(image.warnings).toEqual([`Exception stream (directory entry ${exception.index}) at ${hex(exception.rva)}: the exception of thread 100 has no context; the thread's ThreadList context is used`])
  })

  it("warns when the Exception stream names a thread the ThreadList lacks", () => {
    const exceptions = [{ threadId: 555, code: 11, address: 0n, context: ctx(1232, 1n, 2n, 3n) }]
    const image = Result.getOrThrow(toImage(success(writeMinidump(model({ exceptions })))))
    expect(image.threads.map((t) => t.crashed)).toEqual([false, false])
    expect(image.warnings).toEqual(["the Exception stream names thread 555, which the ThreadList does not hold: no thread is marked crashed"])
  })

  it("marks only the first of two ThreadList entries with the crashed thread's id, with a warning", () => {
    const twice = { id: 100, context: ctx(1232, 0x7000n, 0x7001n, 0x7002n), stack: undefined }
    const image = Result.getOrThrow(toImage(success(writeMinidump(model({ threads: [...model().threads, twice] })))))
    expect(image.threads.map((t) => [t.id, t.crashed, t.pc])).toEqual([
      [100, true, 0x403000n],
      [101, false, 0x402000n],
      [100, false, 0x7000n]
    ])
    expect(image.warnings).toEqual(["the ThreadList holds thread 100 more than once"])
  })

  it("fails on a CPU it does not walk, naming it", () => {
    const bytes = writeMinidump(model({ processorArchitecture: 0 }))
    const system = entry(bytes, 7)
    const dump = success(bytes)
    expect(dump.systemInfo).toMatchObject({ processorArchitecture: 0, cpu: "x86", arch: undefined })
    expect(dump.threads.map((t) => t.context)).toEqual([undefined, undefined])
    const image = toImage(dump)
    expect(Result.isFailure(image) && image.failure.message).toBe(
      `SystemInfo stream (directory entry ${system.index}) at ${hex(system.rva)}: processor architecture 0x0 (x86) is not walkable: fpwalk walks AMD64 (9) and ARM64 (12, 0x8003) minidumps`
    )
  })

  it("fails without a SystemInfo stream", () => {
    const image = readImage(writeMinidump(model({ order: ["ThreadList", "Exception", "MemoryList"] })))
    expect(Result.isFailure(image) && image.failure.message).toBe("the minidump has no SystemInfo stream: its architecture is unknown, so it cannot be walked")
  })
})

describe("real dumps", () => {
  it("reads a Crashpad module's name, base, size and ELF build id (LEpB CodeView record)", () => {
    const dump = success(shared("breakpad-linux_inline"))
    expect(dump.modules).toHaveLength(8)
    expect(dump.modules[0]).toEqual({
      base: 0x200000n,
      size: 0x442d0n,
      name: "/usr/local/google/home/zequanwu/src/crashpad/crashpad/out/Default/linux_inline",
      buildId: Uint8Array.from(Buffer.from("10faa6bbaab83db3", "hex"))
    })
  })

  it("reads a padded Breakpad macOS ModuleList and an RSDS record's GUID", () => {
    const dump = success(shared("symbolic-crash_macos"))
    expect(dump.modules).toHaveLength(43)
    expect(dump.modules[0]).toEqual({
      base: 0x10215c000n,
      size: 0x2a000n,
      name: "/Users/jauer/Coding/breakpad/examples/target/crash_macos",
      buildId: Uint8Array.from(Buffer.from("3dbc583fbeea6133b5fb52a676298598", "hex"))
    })
  })
})
