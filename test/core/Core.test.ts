/**
 * readCore on cores written by properties/core/writer.ts: each register
 * layout, the short riscv64 prstatus, the captured and absent parts of a
 * segment, reads across the lazy memory's windows, and each check of the
 * program headers and notes.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import type { Core } from "../../src/core/Core.js"
import { looksLikeCore, readCore } from "../../src/core/Core.js"
import type { CoreSpec } from "../../properties/core/writer.js"
import { layoutCore, writeCore } from "../../properties/core/writer.js"

const read = (spec: CoreSpec | Uint8Array): Core => {
  const r = readCore(fromBytes(spec instanceof Uint8Array ? spec : writeCore(spec)))
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const failure = (bytes: Uint8Array) => {
  const r = readCore(fromBytes(bytes))
  return Result.isFailure(r) ? r.failure.message : "succeeded"
}
const word = (c: Core, address: bigint) => {
  const span = c.image.memory.spanOf(address)
  return span?.view.getBigUint64(Number(address - span.start), c.littleEndian)
}
const stack = (n: number, fill: (i: number) => bigint, littleEndian = true) => {
  const bytes = new Uint8Array(n * 8)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < n; i++) view.setBigUint64(i * 8, fill(i), littleEndian)
  return bytes
}

describe("register layouts", () => {
  const segments = [{ vaddr: 0x10000n, memsz: 0x1000n, bytes: new Uint8Array(0x1000) }]
  it("x86_64: pc = rip, fp = rbp, sp = rsp", () => {
    const c = read({ arch: "x86_64", segments, threads: [{ tid: 1, signal: 11, registers: { rip: 0x401000n, rbp: 0x10100n, rsp: 0x10080n, r15: 5n, gs: 9n } }] })
    expect(c.threads[0]).toMatchObject({ id: 1, crashed: true, signal: 11, pc: 0x401000n, fp: 0x10100n, sp: 0x10080n })
    expect([c.threads[0]!.registers["r15"], c.threads[0]!.registers["gs"]]).toEqual([5n, 9n])
  })
  it("aarch64: pc, fp = x29, sp", () => {
    const c = read({ arch: "aarch64", segments, threads: [{ tid: 2, signal: 6, registers: { pc: 0x401000n, x29: 0x10100n, x30: 0x400500n, sp: 0x10080n } }] })
    expect(c.threads[0]).toMatchObject({ pc: 0x401000n, fp: 0x10100n, sp: 0x10080n })
    expect(c.threads[0]!.registers["x30"]).toBe(0x400500n)
  })
  it("s390x (big-endian): pc = psw addr, fp = sp = r15", () => {
    const c = read({ arch: "s390x", segments, threads: [{ tid: 3, signal: 11, registers: { psw_mask: 0x0705000180000000n, psw_addr: 0x1000a68n, r15: 0x10100n, r14: 0x1000aa0n } }] })
    expect(c.littleEndian).toBe(false)
    expect(c.threads[0]).toMatchObject({ pc: 0x1000a68n, fp: 0x10100n, sp: 0x10100n })
    expect(c.threads[0]!.registers["r14"]).toBe(0x1000aa0n)
  })
  it("riscv64: pc, fp = s0, sp, from the kernel's 376-byte prstatus", () => {
    const c = read({ arch: "riscv64", segments, threads: [{ tid: 4, signal: 11, registers: { pc: 0x10400n, s0: 0x10100n, sp: 0x100f0n, t6: 66n } }] })
    expect(c.threads[0]).toMatchObject({ pc: 0x10400n, fp: 0x10100n, sp: 0x100f0n })
    expect(c.threads[0]!.registers["t6"]).toBe(66n)
    expect(c.warnings).toEqual([])
  })
  it("riscv64: reads gdb's 336-byte prstatus with a warning, without t3..t6", () => {
    const c = read({ arch: "riscv64", segments, threads: [{ tid: 4, signal: 11, prstatusSize: 336, registers: { pc: 0x10400n, s0: 0x10100n, sp: 0x100f0n, s11: 27n, t3: 1n } }] })
    expect(c.threads[0]).toMatchObject({ pc: 0x10400n, fp: 0x10100n, sp: 0x100f0n })
    expect(c.threads[0]!.registers["s11"]).toBe(27n)
    expect(c.threads[0]!.registers["t3"]).toBeUndefined()
    expect(c.warnings).toEqual(["NT_PRSTATUS is 336 bytes, not riscv64's 376 (gdb on a host of another size writes its own): registers t3..t6 absent"])
  })
  it("rejects a prstatus of another size", () => {
    const bytes = writeCore({ arch: "aarch64", segments, threads: [{ tid: 4, signal: 11, prstatusSize: 336, registers: {} }] })
    expect(failure(bytes)).toBe("note 0 at 0xb0: NT_PRSTATUS is 336 bytes, not the 392 of aarch64's struct elf_prstatus")
  })
  it("keeps note order: the first thread crashed, the others not", () => {
    const c = read({ arch: "x86_64", segments, threads: [30, 10, 20].map((tid) => ({ tid, signal: 11, registers: { rip: BigInt(tid) } })) })
    expect(c.threads.map((t) => [t.id, t.crashed, t.pc])).toEqual([[30, true, 30n], [10, false, 10n], [20, false, 20n]])
  })
})

describe("memory", () => {
  it("maps a segment's captured part only: the bytes past p_filesz are absent", () => {
    const c = read({ arch: "x86_64", threads: [], segments: [{ vaddr: 0x10000n, memsz: 0x3000n, bytes: stack(0x200, (i) => BigInt(i) + 1n) }] })
    expect(word(c, 0x10000n)).toBe(1n)
    expect(word(c, 0x10ff8n)).toBe(0x200n)
    expect(word(c, 0x10ffcn)).toBeUndefined()
    expect(word(c, 0x11000n)).toBeUndefined()
    expect(word(c, 0xfff8n)).toBeUndefined()
    expect(c.segments[0]).toMatchObject({ vaddr: 0x10000n, memsz: 0x3000n, captured: 0x1000n })
    expect(c.warnings).toEqual(["no NT_PRSTATUS note: the core holds no thread to walk"])
  })

  it("reads every word across the 64 KiB windows of a large segment, including those straddling a window edge", () => {
    const n = 0x30000 / 8
    const bytes = new Uint8Array(0x30000)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff
    const c = read({ arch: "s390x", threads: [], segments: [{ vaddr: 0x7f0000n, memsz: 0x30000n, bytes }] })
    const view = new DataView(bytes.buffer)
    for (const offset of [0, 8, 0xfff8, 0xfffc, 0xffff, 0x10000, 0x1fff9, 0x2fff8, 1234, 0x20004]) {
      expect(word(c, 0x7f0000n + BigInt(offset)), `offset ${offset}`).toBe(view.getBigUint64(offset, false))
    }
    expect(word(c, 0x7f0000n + 0x2fff9n)).toBeUndefined()
    expect(n).toBe(0x6000)
  })

  it("keeps two adjacent segments apart: a word across their boundary is unmapped", () => {
    const c = read({
      arch: "x86_64",
      threads: [],
      segments: [
        { vaddr: 0x10000n, memsz: 0x1000n, bytes: new Uint8Array(0x1000) },
        { vaddr: 0x11000n, memsz: 0x1000n, bytes: new Uint8Array(0x1000) }
      ]
    })
    expect([word(c, 0x10ff8n), word(c, 0x10ffcn), word(c, 0x11000n)]).toEqual([0n, undefined, 0n])
  })
})

describe("checks", () => {
  const base: CoreSpec = { arch: "x86_64", threads: [{ tid: 1, signal: 11, registers: {} }], segments: [{ vaddr: 0x10000n, memsz: 0x1000n, bytes: new Uint8Array(0x100) }] }
  const { head } = layoutCore(base)
  const phdr = (i: number, field: number) => 64 + 56 * i + field
  const patch = (bytes: Uint8Array, offset: number, value: bigint, width: 4 | 8 = 8) => {
    const copy = bytes.slice()
    const view = new DataView(copy.buffer)
    if (width === 8) view.setBigUint64(offset, value, true)
    else view.setUint32(offset, Number(value), true)
    return copy
  }
  const bytes = writeCore(base)

  it("rejects an ELF file that is not a core", () => {
    expect(failure(bytes.map((b, i) => (i === 16 ? 2 : b)))).toBe("ELF header: e_type 2 is not ET_CORE (4)")
  })
  it("rejects a segment past the end of the file, naming it", () => {
    expect(failure(patch(bytes, phdr(1, 32), 0x1000n))).toBe(`program header 1: p_offset + p_filesz past end of file (0x${(Number(new DataView(bytes.buffer).getBigUint64(phdr(1, 8), true)) + 0x1000).toString(16)} > 0x${bytes.length.toString(16)})`)
  })
  it("rejects p_filesz above p_memsz and a segment past 2^64", () => {
    expect(failure(patch(bytes, phdr(1, 40), 0x10n))).toBe("program header 1: p_filesz 0x100 above p_memsz 0x10")
    expect(failure(patch(bytes, phdr(1, 16), 0xffff_ffff_ffff_f800n))).toBe("program header 1: p_vaddr + p_memsz past 2^64 (0x10000000000000800)")
  })
  it("reads overlapping segments (gdb's riscv64 cores) from the one that starts first, with one warning", () => {
    const big = stack(0x200, (i) => BigInt(i))
    const inner = stack(0x10, (i) => 0x1000n + BigInt(i))
    const tail = stack(0x200, (i) => 0x2000n + BigInt(i))
    const c = read({
      ...base,
      segments: [
        { vaddr: 0x10000n, memsz: 0x1000n, bytes: big },
        { vaddr: 0x10100n, memsz: 0x80n, bytes: inner },
        { vaddr: 0x10100n, memsz: 0x80n, bytes: inner },
        { vaddr: 0x10800n, memsz: 0x1000n, bytes: tail }
      ]
    })
    expect(c.warnings).toEqual(["program header 2: [0x10100, 0x10180) overlaps program header 1 (captured to 0x11000); read from the one that starts first, and 2 more overlaps"])
    expect([word(c, 0x10100n), word(c, 0x10ff8n), word(c, 0x11000n), word(c, 0x117f8n)]).toEqual([0x20n, 0x1ffn, 0x2100n, 0x21ffn])
    // Across the two pieces: unmapped, as across two segments.
    expect(word(c, 0x10ffcn)).toBeUndefined()
    expect(word(c, 0x11800n)).toBeUndefined()
  })
  it("rejects a note segment past the end of the file", () => {
    expect(failure(patch(bytes, phdr(0, 32), 0x10000n))).toMatch(/^program header 0: p_offset \+ p_filesz past end of file/)
    expect(head.length).toBeLessThan(bytes.length)
  })
  it("reads NT_FILE, NT_AUXV, NT_PRPSINFO and NT_SIGINFO, and rejects an NT_FILE count past its note", () => {
    const spec: CoreSpec = {
      ...base,
      files: [
        { start: 0x400000n, end: 0x401000n, pageOffset: 0n, name: "/bin/prog" },
        { start: 0x401000n, end: 0x403000n, pageOffset: 1n, name: "/bin/prog" },
        { start: 0x7f0000n, end: 0x7f1000n, pageOffset: 0n, name: "/lib/libc.so.6" }
      ],
      auxv: [[6n, 4096n], [3n, 0x400040n], [9n, 0x401020n]],
      process: { pid: 77, program: "prog", args: "prog --crash" },
      siginfo: { signo: 11, code: 2, address: 0xdeadn }
    }
    const c = read(spec)
    expect(c.mappings.map((m) => [m.start, m.end, m.fileOffset, m.name])).toEqual([
      [0x400000n, 0x401000n, 0n, "/bin/prog"],
      [0x401000n, 0x403000n, 0x1000n, "/bin/prog"],
      [0x7f0000n, 0x7f1000n, 0n, "/lib/libc.so.6"]
    ])
    expect(c.image.modules.map((m) => [m.name, m.base, m.size])).toEqual([["/bin/prog", 0x400000n, 0x3000n], ["/lib/libc.so.6", 0x7f0000n, 0x1000n]])
    expect([c.auxv?.pageSize, c.auxv?.phdr, c.auxv?.entry]).toEqual([4096n, 0x400040n, 0x401020n])
    expect(c.process).toMatchObject({ pid: 77, program: "prog", args: "prog --crash", uid: 1000, state: "R" })
    expect(c.signal).toEqual({ signo: 11, errno: 0, code: 2, address: 0xdeadn })
    expect(c.threads[0]!.siginfo).toEqual(c.signal)
    const written = writeCore(spec)
    // NT_FILE's n_type (0x46494c45) is 8 bytes before its name "CORE"; count follows the name.
    const type = Buffer.from(written).indexOf(Buffer.from([0x45, 0x4c, 0x49, 0x46]))
    expect(type).toBeGreaterThan(0)
    expect(failure(patch(written, type + 12, 1000n))).toMatch(/^note 4 at 0x[0-9a-f]+: NT_FILE count 1000 needs 0x5dd0 bytes, the note has 0x[0-9a-f]+$/)
  })
})

describe("looksLikeCore", () => {
  it("tells a core's header, in either byte order, from an executable's, a short input and other formats", () => {
    const le = writeCore({ arch: "x86_64", threads: [], segments: [] })
    const be = writeCore({ arch: "s390x", threads: [], segments: [] })
    expect([looksLikeCore(le), looksLikeCore(be), looksLikeCore(le.subarray(0, 18))]).toEqual([true, true, true])
    expect(looksLikeCore(le.subarray(0, 17))).toBe(false)
    expect(looksLikeCore(le.map((b, i) => (i === 16 ? 3 : b)))).toBe(false)
    expect(looksLikeCore(be.map((b, i) => (i === 5 ? 1 : b)))).toBe(false)
    expect(looksLikeCore(le.map((b, i) => (i === 4 ? 1 : b)))).toBe(false)
    expect(looksLikeCore(new TextEncoder().encode('{"version": 1, "arch": "x86_64"}'))).toBe(false)
  })
})

describe("bounds on work", () => {
  it("reads build IDs for the first 1024 modules only, and says so", () => {
    const files = Array.from({ length: 1100 }, (_, i) => ({ start: 0x10000n, end: 0x11000n, pageOffset: 0n, name: `/lib/l${i}.so` }))
    const c = read({ arch: "x86_64", threads: [{ tid: 1, signal: 11, registers: {} }], segments: [{ vaddr: 0x10000n, memsz: 0x1000n, bytes: new Uint8Array(0x1000) }], files })
    expect(c.image.modules.length).toBe(1100)
    expect(c.warnings).toEqual(["NT_FILE names 1100 files; build IDs are read for the first 1024 only"])
  })
})
