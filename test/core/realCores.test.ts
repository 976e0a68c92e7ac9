/**
 * The real cores of test/elf/fixtures/: threads, registers, memory words,
 * mappings, build IDs and symbols against what gdb printed for them
 * (test/elf/fixtures/gdb.txt).
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import type { Core } from "../../src/core/Core.js"
import { readCore } from "../../src/core/Core.js"
import { makeSymbolizer } from "../../src/native/Symbolize.js"
import { fixture } from "../elf/fixtures.js"

const core = (name: string): Core => {
  const read = readCore(fromBytes(fixture(name)))
  if (Result.isFailure(read)) throw new Error(read.failure.message)
  return read.success
}

const word = (c: Core, address: bigint): bigint | undefined => {
  const span = c.image.memory.spanOf(address)
  return span?.view.getBigUint64(Number(address - span.start), c.littleEndian)
}

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("hex"))

describe("x86_64 gcore of a three-thread process stopped at SIGSEGV", () => {
  const c = core("x86_64.core")

  it("reads the three threads in note order, the first one crashed, with gdb's rip, rbp and rsp", () => {
    expect(c.arch).toBe("x86_64")
    expect(c.image.kind).toBe("core")
    expect(c.threads.map((t) => [t.id, t.crashed, t.pc, t.fp, t.sp])).toEqual([
      [5703, true, 0x55555555517dn, 0x7fffffffe5b0n, 0x7fffffffe5a8n],
      [5706, false, 0x7ffff7ea4545n, 0x7ffff7dd0ec0n, 0x7ffff7dd0e50n],
      [5707, false, 0x7ffff7ea4545n, 0x7ffff75cfec0n, 0x7ffff75cfe50n]
    ])
    expect(c.threads[0]!.registers["rip"]).toBe(0x55555555517dn)
    expect(c.threads[0]!.signal).toBe(11)
  })

  it("reads the stack words gdb shows at rsp and rbp", () => {
    expect([word(c, 0x7fffffffe5a8n), word(c, 0x7fffffffe5b0n)]).toEqual([0x55555555518cn, 0x7fffffffe5c0n])
    expect(word(c, 0x7fffffffe5b8n)).toBe(0x555555555199n)
  })

  it("reads the signal, the process and the auxiliary vector", () => {
    expect(c.signal).toEqual({ signo: 11, errno: 0, code: 1, address: 0x10n })
    expect(c.process).toMatchObject({ pid: 5703, program: "prog-x86_64", args: "/tmp/cf/prog-x86_64" })
    expect([c.auxv?.entry, c.auxv?.phdr, c.auxv?.base, c.auxv?.pageSize]).toEqual([0x555555555060n, 0x555555554040n, 0x7ffff7fca000n, 4096n])
  })

  it("reads NT_FILE into mappings and one module per file, with build IDs from the captured first pages", () => {
    expect(c.mappings[0]).toEqual({ start: 0x555555554000n, end: 0x555555555000n, fileOffset: 0n, name: "/tmp/cf/prog-x86_64" })
    expect(c.mappings.find((m) => m.name.endsWith("libc.so.6") && m.fileOffset === 0x26000n)?.start).toBe(0x7ffff7dfb000n)
    const prog = c.image.modules.find((m) => m.name === "/tmp/cf/prog-x86_64")
    expect([prog?.base, prog?.size, hex(prog?.buildId)]).toEqual([0x555555554000n, 0x5000n, "bb373524480e8149b3199fb14befb16f5ab0b24f"])
    const libc = c.image.modules.find((m) => m.name.endsWith("libc.so.6"))
    expect([libc?.base, hex(libc?.buildId)]).toEqual([0x7ffff7dd5000n, "93ac61ec5a8eb1396f9fbd350e3169a558528a40"])
  })

  it("names the crashed thread's frames with the executable's symbols, matched by build ID", () => {
    const s = makeSymbolizer(c.image, [{ name: "prog-x86_64", source: fromBytes(fixture("prog-x86_64")) }], c)
    expect(s.matches).toEqual([{ file: "prog-x86_64", module: "/tmp/cf/prog-x86_64", by: "build-id", bias: 0x555555554000n }])
    expect(s.lookup(0x55555555517dn, 0)).toEqual({ module: "/tmp/cf/prog-x86_64", symbol: "crash_here", offset: 0n })
    expect(s.lookup(0x55555555518cn, 1)).toMatchObject({ symbol: "level2" })
    expect(s.lookup(0x555555555199n, 2)).toMatchObject({ symbol: "level1" })
    expect(s.lookup(0x5555555551een, 3)).toMatchObject({ symbol: "main" })
    // No file for libc: the module and the offset from its base.
    expect(s.lookup(0x7ffff7ea4545n, 0)).toEqual({ module: "/usr/lib/x86_64-linux-gnu/libc.so.6", offset: 0x7ffff7ea4545n - 0x7ffff7dd5000n })
    expect(s.warnings).toEqual([])
  })

  it("does not use a file of the mapping's name whose build ID differs, and says so", () => {
    const other = fixture("prog-x86_64").slice()
    const id = Buffer.from(other).indexOf(Buffer.from("bb373524480e8149b3199fb14befb16f5ab0b24f", "hex"))
    expect(id).toBeGreaterThan(0)
    other[id] = 0xcc
    const s = makeSymbolizer(c.image, [{ name: "/elsewhere/prog-x86_64", source: fromBytes(other) }], c)
    expect(s.matches).toEqual([])
    expect(s.warnings[0]).toBe("/elsewhere/prog-x86_64: not used for /tmp/cf/prog-x86_64: build ID cc373524480e8149b3199fb14befb16f5ab0b24f differs from the mapping's bb373524480e8149b3199fb14befb16f5ab0b24f")
    expect(s.lookup(0x55555555517dn, 0)).toEqual({ module: "/tmp/cf/prog-x86_64", offset: 0x117dn })
  })
})

describe("s390x core written by qemu-user (big-endian, static, no NT_FILE)", () => {
  const c = core("s390x.core")

  it("reads the three threads, the first one crashed, with gdb's psw addr and r15", () => {
    expect(c.arch).toBe("s390x")
    expect(c.littleEndian).toBe(false)
    expect(c.threads.map((t) => [t.id, t.crashed, t.pc, t.fp])).toEqual([
      [5808, true, 0x1000a68n, 0x40008002e0n],
      [5823, false, 0x105634en, 0x4001001fe0n],
      [5826, false, 0x105634en, 0x4001802fe0n]
    ])
    expect(c.threads[0]!.registers["r14"]).toBe(0x1000aa0n)
    expect(c.threads[0]!.signal).toBe(11)
  })

  it("reads the backchain gdb shows at r15, big-endian", () => {
    expect(word(c, 0x40008002e0n)).toBe(0x4000800380n)
  })

  it("treats a segment's bytes past p_filesz as unmapped: qemu left the text out", () => {
    expect(c.segments.find((s) => s.vaddr === 0x1000000n)).toMatchObject({ memsz: 0x95000n, captured: 0n })
    expect(c.image.memory.spanOf(0x1000a68n)).toBeUndefined()
  })

  it("has no modules, the auxiliary vector's AT_ENTRY and AT_PHDR, and no signal note", () => {
    expect(c.mappings).toEqual([])
    expect(c.image.modules).toEqual([])
    expect([c.auxv?.entry, c.auxv?.phdr]).toEqual([0x10008b0n, 0x1000040n])
    expect(c.signal).toBeUndefined()
  })

  it("matches the static executable by its load addresses and names gdb's functions", () => {
    const s = makeSymbolizer(c.image, [{ name: "prog-s390x", source: fromBytes(fixture("prog-s390x")) }], c)
    expect(s.matches).toEqual([{ file: "prog-s390x", module: "prog-s390x", by: "load-address", bias: 0n }])
    expect(s.lookup(0x1000a68n, 0)).toMatchObject({ module: "prog-s390x", symbol: "crash_here" })
    expect(s.lookup(0x1000aa0n, 1)).toMatchObject({ symbol: "level2" })
    expect(s.lookup(0x105634en, 0)).toMatchObject({ symbol: "clock_nanosleep" })
    expect(s.lookup(0x1047810n, 1)).toMatchObject({ symbol: "nanosleep" })
    expect(s.lookup(0x101e05an, 2)).toMatchObject({ symbol: "usleep" })
    expect(s.lookup(0x1000a1cn, 3)).toMatchObject({ symbol: "waiter_leaf" })
    expect(s.lookup(0x1010a68n, 5)).toMatchObject({ symbol: "start_thread" })
    expect(s.lookup(0x1047ccen, 6)).toMatchObject({ symbol: "thread_start" })
  })

  it("does not match an executable whose segments are not in the core", () => {
    const s = makeSymbolizer(c.image, [{ name: "prog-x86_64", source: fromBytes(fixture("prog-x86_64")) }], c)
    expect(s.matches).toEqual([])
    expect(s.warnings).toEqual(["prog-x86_64: matches no module of the image"])
  })
})
