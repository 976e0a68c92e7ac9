/**
 * The ELF64 reader on real files (a PIE executable, a static s390x one, a
 * shared object with and without .symtab) and on headers broken one field
 * at a time: each failure names the structure and the values.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import type { ElfFile } from "../../src/elf/Elf.js"
import { buildId, parseNotes, readElf, readSections, readSymbols } from "../../src/elf/Elf.js"
import { fixture } from "./fixtures.js"

const elf = (bytes: Uint8Array): ElfFile => {
  const read = readElf(fromBytes(bytes))
  if (Result.isFailure(read)) throw new Error(read.failure.message)
  return read.success
}
const failure = <A>(result: Result.Result<A, { message: string }>) => (Result.isFailure(result) ? result.failure.message : "succeeded")
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("hex"))
const patch = (bytes: Uint8Array, offset: number, value: number | bigint, width: 1 | 2 | 4 | 8, littleEndian = true) => {
  const copy = bytes.slice()
  const view = new DataView(copy.buffer)
  if (width === 1) view.setUint8(offset, Number(value))
  else if (width === 2) view.setUint16(offset, Number(value), littleEndian)
  else if (width === 4) view.setUint32(offset, Number(value), littleEndian)
  else view.setBigUint64(offset, BigInt(value), littleEndian)
  return copy
}

describe("real files", () => {
  it("reads a PIE executable's header, segments, build ID and .symtab", () => {
    const file = elf(fixture("prog-x86_64"))
    expect([file.arch, file.type, file.littleEndian, file.entry]).toEqual(["x86_64", 3, true, 0x1060n])
    expect(file.programHeaders.length).toBe(13)
    expect(hex(Result.getOrThrow(buildId(file)))).toBe("bb373524480e8149b3199fb14befb16f5ab0b24f")
    const symbols = Result.getOrThrow(readSymbols(file))
    expect(symbols.table).toBe(".symtab")
    expect(symbols.symbols.find((s) => s.name === "crash_here")).toMatchObject({ value: 0x117dn })
  })

  it("reads a big-endian static s390x executable", () => {
    const file = elf(fixture("prog-s390x"))
    expect([file.arch, file.type, file.littleEndian, file.entry]).toEqual(["s390x", 2, false, 0x10008b0n])
    expect(hex(Result.getOrThrow(buildId(file)))).toBe("b7d845781f46ba9ea4f109cde980c795f59f925c")
  })

  it("takes .symtab when there is one, with local functions, else .dynsym", () => {
    const full = Result.getOrThrow(readSymbols(elf(fixture("libt.so"))))
    expect(full.table).toBe(".symtab")
    expect(full.symbols.filter((s) => s.value >= 0x10f9n && s.value <= 0x1106n).map((s) => [s.name, s.value, s.size])).toEqual([
      ["hidden_helper", 0x10f9n, 4n],
      ["exported_fn", 0x10fdn, 9n],
      ["other_fn", 0x1106n, 4n]
    ])
    const stripped = Result.getOrThrow(readSymbols(elf(fixture("libt-stripped.so"))))
    expect(stripped.table).toBe(".dynsym")
    expect(stripped.symbols.map((s) => s.name)).toEqual(["exported_fn", "other_fn"])
    expect(hex(Result.getOrThrow(buildId(elf(fixture("libt-stripped.so")))))).toBe("06c467882623167ef3ab83644a083da5ca69121c")
    expect(Result.getOrThrow(readSections(elf(fixture("libt.so")))).map((s) => s.name)).toContain(".symtab")
  })
})

describe("broken headers", () => {
  const good = fixture("prog-x86_64")

  it("names what is wrong with the file header", () => {
    expect(failure(readElf(fromBytes(good.subarray(0, 63))))).toBe("ELF header: file is 0x3f bytes, shorter than the 64-byte ELF64 header")
    expect(failure(readElf(fromBytes(patch(good, 0, 0x7e, 1))))).toBe("ELF header: not an ELF file (no \\x7fELF magic)")
    expect(failure(readElf(fromBytes(patch(good, 4, 1, 1))))).toBe("ELF header: EI_CLASS 1 is not ELFCLASS64 (2); only 64-bit files are read")
    expect(failure(readElf(fromBytes(patch(good, 5, 3, 1))))).toBe("ELF header: EI_DATA 3 is neither little-endian (1) nor big-endian (2)")
    expect(failure(readElf(fromBytes(patch(good, 18, 40, 2))))).toBe("ELF header: e_machine 40 is not x86_64 (62), aarch64 (183), s390x (22) or riscv64 (243)")
    expect(failure(readElf(fromBytes(patch(good, 54, 32, 2))))).toBe("ELF header: e_phentsize 32 is not 56")
  })

  it("checks the program header table against the file's size, in 64-bit arithmetic", () => {
    expect(failure(readElf(fromBytes(patch(good, 56, 0xfff0, 2))))).toBe(
      `program header table: e_phoff + e_phnum × 56 (65520 headers) past end of file (0x${(64 + 0xfff0 * 56).toString(16)} > 0x${good.length.toString(16)})`
    )
    const wrapped = patch(good, 32, 0xffff_ffff_ffff_ffc0n, 8)
    expect(failure(readElf(fromBytes(wrapped)))).toBe(
      `program header table: e_phoff + e_phnum × 56 (13 headers) past end of file (0x${(0xffff_ffff_ffff_ffc0n + 13n * 56n).toString(16)} > 0x${good.length.toString(16)})`
    )
  })

  it("checks the section header table and the symbol table's sizes", () => {
    const file = elf(fixture("libt.so"))
    const shoff = Number(file.shoff)
    // e_shnum up to the last byte: the table runs past the end.
    expect(failure(readSections(elf(patch(fixture("libt.so"), 60, 0x4000, 2))))).toMatch(/^section header table: e_shoff \+ e_shnum × 64 \(16384 headers\) past end of file/)
    const sections = Result.getOrThrow(readSections(file))
    const symtab = sections.find((s) => s.name === ".symtab")!
    const entsize = shoff + symtab.index * 64 + 56
    expect(failure(readSymbols(elf(patch(fixture("libt.so"), entsize, 16, 8))))).toBe(`section ${symtab.index}: sh_entsize 0x10 is not 24`)
    const size = shoff + symtab.index * 64 + 32
    expect(failure(readSymbols(elf(patch(fixture("libt.so"), size, 1n << 62n, 8))))).toMatch(new RegExp(`^section ${symtab.index}: sh_offset \\+ sh_size past end of file`))
  })
})

describe("notes", () => {
  const note = (namesz: number, descsz: number, type: number, body: Array<number>) => {
    const bytes = new Uint8Array(12 + body.length)
    const view = new DataView(bytes.buffer)
    view.setUint32(0, namesz, true)
    view.setUint32(4, descsz, true)
    view.setUint32(8, type, true)
    bytes.set(body, 12)
    return bytes
  }

  it("reads name and descriptor with 4-byte padding, and 8-byte padding in an 8-aligned segment", () => {
    const four = Result.getOrThrow(parseNotes(note(5, 2, 7, [0x41, 0x42, 0x43, 0x44, 0, 0, 0, 0, 9, 8, 0, 0]), true, 0x100, 4))
    expect(four.map((n) => [n.name, n.type, [...n.desc], n.offset])).toEqual([["ABCD", 7, [9, 8], 0x100]])
    // 12 + 4 (name) is already 8-aligned; a 6-byte name pads to 24.
    const eight = Result.getOrThrow(parseNotes(note(6, 1, 5, [0x47, 0x4e, 0x55, 0x58, 0x59, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0]), true, 0, 8))
    expect(eight.map((n) => [n.name, [...n.desc]])).toEqual([["GNUXY", [7]]])
  })

  it("rejects a descriptor past the segment, also when the sizes are near 2^32", () => {
    expect(failure(parseNotes(note(4, 0x10, 1, [0x43, 0x4f, 0x52, 0x45, 1, 2]), true, 0x338, 4))).toBe(
      "note 0 at 0x338: n_namesz 0x4 + n_descsz 0x10 past the end of the notes (0x358 > 0x34a)"
    )
    expect(failure(parseNotes(note(0xffff_fffd, 4, 1, [0, 0, 0, 0]), true, 0, 4))).toMatch(/^note 0 at 0x0: n_namesz 0xfffffffd \+ n_descsz 0x4 past the end/)
    expect(failure(parseNotes(note(0, 0, 1, [1, 2, 3]), true, 0, 4))).toBe("note 1 at 0xc: 3 bytes left, less than a 12-byte note header")
  })
})
