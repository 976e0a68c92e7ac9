/**
 * A bounds-checked ELF64 reader, for core files and for the executables and
 * shared objects that symbolize them: the file header (either byte order),
 * program headers, notes, section headers, the symbol table (`.symtab`, else
 * `.dynsym`) and the GNU build ID.
 *
 * Every offset, size and count is read as a 64-bit value and checked against
 * the file's size before anything is read at it; a value past the end fails
 * with an {@link InputError} naming the structure (`program header 3`,
 * `section 12`, `note 4 at 0x3a8`) and the values. Nothing is read that is
 * not asked for: a reader of a core touches its header, program headers and
 * notes only.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { ArchId } from "../Arch.js"
import type { ByteSource } from "../ByteSource.js"
import { InputError } from "../InputError.js"
import { cString, Fields, hex, rangeEnd } from "./bytes.js"

/**
 * `e_machine` of each supported architecture.
 *
 * @category constants
 * @since 0.2.0
 */
export const machines: Readonly<Record<ArchId, number>> = { x86_64: 62, aarch64: 183, s390x: 22, riscv64: 243 }

/**
 * `e_type` values.
 *
 * @category constants
 * @since 0.2.0
 */
export const ET_EXEC = 2
/** @category constants @since 0.2.0 */
export const ET_DYN = 3
/** @category constants @since 0.2.0 */
export const ET_CORE = 4
/** `p_type` of a loadable segment. @category constants @since 0.2.0 */
export const PT_LOAD = 1
/** `p_type` of a note segment. @category constants @since 0.2.0 */
export const PT_NOTE = 4
/** `p_type` of the program header table's own segment. @category constants @since 0.2.0 */
export const PT_PHDR = 6

const SHT_SYMTAB = 2
const SHT_STRTAB = 3
const SHT_NOTE = 7
const SHT_NOBITS = 8
const SHT_DYNSYM = 11
const PN_XNUM = 0xffff
const SHN_XINDEX = 0xffff
const EHDR_SIZE = 64
const PHDR_SIZE = 56
const SHDR_SIZE = 64
const SYM_SIZE = 24
const NT_GNU_BUILD_ID = 3

/**
 * The largest table or note segment read whole (64 MiB): program and section
 * header tables, a `PT_NOTE` segment, a symbol table and its strings.
 *
 * @category constants
 * @since 0.2.0
 */
export const MAX_TABLE = 64 * 1024 * 1024

/**
 * One program header, as the file gives it.
 *
 * @category models
 * @since 0.2.0
 */
export interface ProgramHeader {
  readonly index: number
  readonly type: number
  readonly flags: number
  readonly offset: bigint
  readonly vaddr: bigint
  readonly filesz: bigint
  readonly memsz: bigint
  readonly align: bigint
}

/**
 * One section header, with its name from the section name table.
 *
 * @category models
 * @since 0.2.0
 */
export interface Section {
  readonly index: number
  readonly name: string
  readonly type: number
  readonly flags: bigint
  readonly addr: bigint
  readonly offset: bigint
  readonly size: bigint
  readonly link: number
  readonly entsize: bigint
}

/**
 * One note: its owner's name (`"CORE"`, `"LINUX"`, `"GNU"`), type and
 * descriptor. `offset` is the file offset of the note's header.
 *
 * @category models
 * @since 0.2.0
 */
export interface Note {
  readonly index: number
  readonly offset: number
  readonly name: string
  readonly type: number
  readonly desc: Uint8Array
}

/**
 * A parsed ELF64 file header and its program headers.
 *
 * @category models
 * @since 0.2.0
 */
export interface ElfFile {
  readonly source: ByteSource
  readonly littleEndian: boolean
  readonly arch: ArchId
  /** `e_type`: {@link ET_EXEC}, {@link ET_DYN}, {@link ET_CORE}, … */
  readonly type: number
  readonly entry: bigint
  readonly programHeaders: ReadonlyArray<ProgramHeader>
  /** Section header table offset and count (0 when there is none), name table index. */
  readonly shoff: bigint
  readonly shnum: number
  readonly shstrndx: number
}

/**
 * A defined code symbol (`STT_FUNC`, `STT_GNU_IFUNC`, or an `STT_NOTYPE`
 * label in an executable section), by its link-time address.
 *
 * @category models
 * @since 0.2.0
 */
export interface ElfSymbol {
  readonly name: string
  readonly value: bigint
  readonly size: bigint
  /** The section it is defined in. */
  readonly section: number
  /** `STB_LOCAL` 0, `STB_GLOBAL` 1, `STB_WEAK` 2. */
  readonly binding: number
  /**
   * One past the last address it covers: `value + size`, or for a size-0
   * label the next symbol's value or its section's end, whichever is lower.
   */
  readonly end: bigint
}

/**
 * The symbols of one file, sorted by `value`, and which table they came from.
 *
 * @category models
 * @since 0.2.0
 */
export interface SymbolTable {
  readonly table: ".symtab" | ".dynsym" | undefined
  readonly symbols: ReadonlyArray<ElfSymbol>
}

const fail = (path: string, reason: string) => Result.fail(new InputError({ path, reason }))

/** Reads `length` bytes at a 64-bit `offset`, or fails naming `path` and the end. */
const readRange = (
  source: ByteSource,
  offset: bigint,
  length: bigint,
  path: string,
  what: string
): Result.Result<Uint8Array, InputError> => {
  if (length === 0n) return Result.succeed(new Uint8Array(0))
  const end = rangeEnd(offset, length, source.size)
  if (end === undefined) return fail(path, `${what} past end of file (${hex(offset + length)} > ${hex(source.size)})`)
  if (length > BigInt(MAX_TABLE)) return fail(path, `${what}: ${hex(length)} bytes, more than the ${hex(MAX_TABLE)} read at once`)
  const bytes = source.read(Number(offset), Number(length))
  return bytes === undefined ? fail(path, `cannot read ${hex(length)} bytes at ${hex(offset)}`) : Result.succeed(bytes)
}

const archOf = (machine: number): ArchId | undefined =>
  (Object.keys(machines) as Array<ArchId>).find((id) => machines[id] === machine)

/**
 * Reads the ELF64 header and program headers.
 *
 * @example
 * ```ts
 * const elf = readElf(fromBytes(bytes))
 * if (Result.isSuccess(elf)) console.log(elf.success.arch, elf.success.programHeaders.length)
 * ```
 *
 * @category reading
 * @since 0.2.0
 */
export const readElf = (source: ByteSource): Result.Result<ElfFile, InputError> => {
  if (source.size < EHDR_SIZE) return fail("ELF header", `file is ${hex(source.size)} bytes, shorter than the 64-byte ELF64 header`)
  const head = source.read(0, EHDR_SIZE)
  if (head === undefined) return fail("ELF header", "cannot read the first 64 bytes")
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return fail("ELF header", "not an ELF file (no \\x7fELF magic)")
  }
  if (head[4] !== 2) return fail("ELF header", `EI_CLASS ${head[4]} is not ELFCLASS64 (2); only 64-bit files are read`)
  if (head[5] !== 1 && head[5] !== 2) return fail("ELF header", `EI_DATA ${head[5]} is neither little-endian (1) nor big-endian (2)`)
  const f = new Fields(head, head[5] === 1)
  const machine = f.u16(18)
  const arch = archOf(machine)
  if (arch === undefined) {
    return fail("ELF header", `e_machine ${machine} is not x86_64 (62), aarch64 (183), s390x (22) or riscv64 (243)`)
  }
  const phoff = f.u64(32)
  const shoff = f.u64(40)
  const phentsize = f.u16(54)
  let phnum = f.u16(56)
  const shentsize = f.u16(58)
  let shnum = f.u16(60)
  let shstrndx = f.u16(62)
  if (shoff !== 0n && shentsize !== SHDR_SIZE) return fail("ELF header", `e_shentsize ${shentsize} is not 64`)
  // Extended numbering: counts that do not fit 16 bits live in section 0.
  if (shoff !== 0n && (phnum === PN_XNUM || shnum === 0 || shstrndx === SHN_XINDEX)) {
    const zero = readRange(source, shoff, BigInt(SHDR_SIZE), "section 0", "e_shoff + 64")
    if (Result.isFailure(zero)) return Result.fail(zero.failure)
    const z = new Fields(zero.success, f.littleEndian)
    if (phnum === PN_XNUM) phnum = z.u32(44)
    if (shnum === 0) {
      const size = z.u64(32)
      if (size > BigInt(Math.floor(source.size / SHDR_SIZE))) return fail("section 0", `sh_size ${hex(size)} (the section count) exceeds what the file can hold`)
      shnum = Number(size)
    }
    if (shstrndx === SHN_XINDEX) shstrndx = z.u32(40)
  } else if (shoff === 0n) {
    shnum = 0
  }
  if (phnum > 0 && phentsize !== PHDR_SIZE) return fail("ELF header", `e_phentsize ${phentsize} is not 56`)
  const table = readRange(source, phoff, BigInt(phnum) * BigInt(PHDR_SIZE), "program header table", `e_phoff + e_phnum × 56 (${phnum} headers)`)
  if (Result.isFailure(table)) return Result.fail(table.failure)
  const t = new Fields(table.success, f.littleEndian)
  const programHeaders: Array<ProgramHeader> = []
  for (let index = 0; index < phnum; index++) {
    const o = index * PHDR_SIZE
    programHeaders.push({
      index,
      type: t.u32(o),
      flags: t.u32(o + 4),
      offset: t.u64(o + 8),
      vaddr: t.u64(o + 16),
      filesz: t.u64(o + 32),
      memsz: t.u64(o + 40),
      align: t.u64(o + 48)
    })
  }
  return Result.succeed({
    source,
    littleEndian: f.littleEndian,
    arch,
    type: f.u16(16),
    entry: f.u64(24),
    programHeaders,
    shoff,
    shnum,
    shstrndx
  })
}

/**
 * Splits note bytes read from file offset `base` into notes. Each note is a
 * 12-byte header (`n_namesz`, `n_descsz`, `n_type`), the name and the
 * descriptor, each padded to `align` (4, or 8 for a segment aligned so:
 * `.note.gnu.property`).
 *
 * @category reading
 * @since 0.2.0
 */
export const parseNotes = (
  bytes: Uint8Array,
  littleEndian: boolean,
  base: number,
  align: 4 | 8
): Result.Result<ReadonlyArray<Note>, InputError> => {
  const f = new Fields(bytes, littleEndian)
  // Padding is to `align` from the note's start (which is itself aligned).
  // Arithmetic, not `&`: sizes reach 2^32 - 1, past the 32-bit bitwise operators.
  const pad = (n: number) => Math.ceil(n / align) * align
  const notes: Array<Note> = []
  let at = 0
  while (at < bytes.length) {
    const path = `note ${notes.length} at ${hex(base + at)}`
    if (bytes.length - at < 12) return fail(path, `${bytes.length - at} bytes left, less than a 12-byte note header`)
    const namesz = f.u32(at)
    const descsz = f.u32(at + 4)
    const type = f.u32(at + 8)
    const nameAt = at + 12
    const descAt = at + pad(12 + namesz)
    const descEnd = descAt + descsz
    if (descEnd > bytes.length) {
      return fail(path, `n_namesz ${hex(namesz)} + n_descsz ${hex(descsz)} past the end of the notes (${hex(base + descEnd)} > ${hex(base + bytes.length)})`)
    }
    const rawName = bytes.subarray(nameAt, nameAt + namesz)
    const nul = rawName.indexOf(0)
    const name = cString(nul < 0 ? rawName : rawName.subarray(0, nul), 0) ?? ""
    notes.push({ index: notes.length, offset: base + at, name, type, desc: bytes.subarray(descAt, descEnd) })
    // The last note's padding may be cut off by the segment's end.
    at = Math.min(bytes.length, descAt + pad(descsz))
  }
  return Result.succeed(notes)
}

/**
 * The notes of every `PT_NOTE` segment, in file order.
 *
 * @category reading
 * @since 0.2.0
 */
export const segmentNotes = (elf: ElfFile): Result.Result<ReadonlyArray<Note>, InputError> => {
  const all: Array<Note> = []
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_NOTE) continue
    const path = `program header ${ph.index}`
    const bytes = readRange(elf.source, ph.offset, ph.filesz, path, "p_offset + p_filesz")
    if (Result.isFailure(bytes)) return Result.fail(bytes.failure)
    const notes = parseNotes(bytes.success, elf.littleEndian, Number(ph.offset), ph.align === 8n ? 8 : 4)
    if (Result.isFailure(notes)) return Result.fail(notes.failure)
    for (const note of notes.success) all.push({ ...note, index: all.length })
  }
  return Result.succeed(all)
}

/**
 * The section headers with their names (empty when the file has none).
 *
 * @category reading
 * @since 0.2.0
 */
export const readSections = (elf: ElfFile): Result.Result<ReadonlyArray<Section>, InputError> => {
  if (elf.shnum === 0) return Result.succeed([])
  const table = readRange(elf.source, elf.shoff, BigInt(elf.shnum) * BigInt(SHDR_SIZE), "section header table", `e_shoff + e_shnum × 64 (${elf.shnum} headers)`)
  if (Result.isFailure(table)) return Result.fail(table.failure)
  const t = new Fields(table.success, elf.littleEndian)
  const raw = Array.from({ length: elf.shnum }, (_, index) => {
    const o = index * SHDR_SIZE
    return {
      index,
      nameIndex: t.u32(o),
      type: t.u32(o + 4),
      flags: t.u64(o + 8),
      addr: t.u64(o + 16),
      offset: t.u64(o + 24),
      size: t.u64(o + 32),
      link: t.u32(o + 40),
      entsize: t.u64(o + 56)
    }
  })
  let names: Uint8Array = new Uint8Array(0)
  if (elf.shstrndx !== 0) {
    const strings = raw[elf.shstrndx]
    if (strings === undefined) return fail("ELF header", `e_shstrndx ${elf.shstrndx} is not below e_shnum ${elf.shnum}`)
    const bytes = sectionBytes(elf, strings)
    if (Result.isFailure(bytes)) return Result.fail(bytes.failure)
    names = bytes.success
  }
  const sections: Array<Section> = []
  for (const { nameIndex, ...section } of raw) {
    const name = cString(names, nameIndex)
    if (name === undefined) return fail(`section ${section.index}`, `sh_name ${hex(nameIndex)} past the section name table (${hex(names.length)} bytes)`)
    sections.push({ ...section, name })
  }
  return Result.succeed(sections)
}

const sectionBytes = (
  elf: ElfFile,
  section: { readonly index: number; readonly type: number; readonly offset: bigint; readonly size: bigint }
): Result.Result<Uint8Array, InputError> =>
  section.type === SHT_NOBITS
    ? Result.succeed(new Uint8Array(0))
    : readRange(elf.source, section.offset, section.size, `section ${section.index}`, "sh_offset + sh_size")

const STT_NOTYPE = 0
const SHF_EXECINSTR = 4n
const STT_FUNC = 2
const STT_GNU_IFUNC = 10

/**
 * The file's code symbols: from `.symtab` when there is one, else from
 * `.dynsym`, else none. Undefined and absolute symbols are left out.
 *
 * @category reading
 * @since 0.2.0
 */
export const readSymbols = (elf: ElfFile): Result.Result<SymbolTable, InputError> => {
  const sections = readSections(elf)
  if (Result.isFailure(sections)) return Result.fail(sections.failure)
  const all = sections.success
  const table = all.find((s) => s.type === SHT_SYMTAB) ?? all.find((s) => s.type === SHT_DYNSYM)
  if (table === undefined) return Result.succeed({ table: undefined, symbols: [] })
  const path = `section ${table.index}`
  if (table.entsize !== BigInt(SYM_SIZE)) return fail(path, `sh_entsize ${hex(table.entsize)} is not 24`)
  const strings = all[table.link]
  if (strings === undefined || strings.type !== SHT_STRTAB) return fail(path, `sh_link ${table.link} is not a string table`)
  const bytes = sectionBytes(elf, table)
  if (Result.isFailure(bytes)) return Result.fail(bytes.failure)
  const names = sectionBytes(elf, strings)
  if (Result.isFailure(names)) return Result.fail(names.failure)
  const f = new Fields(bytes.success, elf.littleEndian)
  const count = Math.floor(bytes.success.length / SYM_SIZE)
  const found: Array<Omit<ElfSymbol, "end">> = []
  for (let i = 0; i < count; i++) {
    const o = i * SYM_SIZE
    const kind = f.u8(o + 4) & 0xf
    const section = f.u16(o + 6)
    if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC && kind !== STT_NOTYPE) || section === 0 || section >= 0xff00) continue
    // Labels count only in code: `__GNU_EH_FRAME_HDR` and the like are data.
    if (kind === STT_NOTYPE && ((all[section]?.flags ?? 0n) & SHF_EXECINSTR) === 0n) continue
    const name = cString(names.success, f.u32(o))
    if (name === undefined) return fail(`${path} symbol ${i}`, `st_name ${hex(f.u32(o))} past the string table (${hex(names.success.length)} bytes)`)
    if (name === "" || name.startsWith("$")) continue // unnamed and mapping symbols ($x, $d)
    found.push({ name, value: f.u64(o + 8), size: f.u64(o + 16), section, binding: f.u8(o + 4) >> 4 })
  }
  found.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
  const symbols = found.map((symbol, i): ElfSymbol => {
    if (symbol.size > 0n) return { ...symbol, end: symbol.value + symbol.size }
    const section = all[symbol.section]
    let end = section === undefined ? symbol.value : section.addr + section.size
    for (let j = i + 1; j < found.length; j++) {
      if (found[j]!.value > symbol.value) {
        if (found[j]!.value < end) end = found[j]!.value
        break
      }
    }
    return { ...symbol, end: end > symbol.value ? end : symbol.value }
  })
  return Result.succeed({ table: table.type === SHT_SYMTAB ? ".symtab" : ".dynsym", symbols })
}

/**
 * The `NT_GNU_BUILD_ID` of a note list, if one is there.
 *
 * @category reading
 * @since 0.2.0
 */
export const buildIdOf = (notes: ReadonlyArray<Note>): Uint8Array | undefined => {
  const note = notes.find((n) => n.name === "GNU" && n.type === NT_GNU_BUILD_ID && n.desc.length > 0)
  return note === undefined ? undefined : note.desc.slice()
}

/**
 * The file's GNU build ID, from its `PT_NOTE` segments, else its `SHT_NOTE`
 * sections; `undefined` when it has none.
 *
 * @category reading
 * @since 0.2.0
 */
export const buildId = (elf: ElfFile): Result.Result<Uint8Array | undefined, InputError> => {
  const notes = segmentNotes(elf)
  if (Result.isFailure(notes)) return Result.fail(notes.failure)
  const found = buildIdOf(notes.success)
  if (found !== undefined || elf.type === ET_CORE) return Result.succeed(found)
  const sections = readSections(elf)
  if (Result.isFailure(sections)) return Result.fail(sections.failure)
  for (const section of sections.success) {
    if (section.type !== SHT_NOTE) continue
    const bytes = sectionBytes(elf, section)
    if (Result.isFailure(bytes)) return Result.fail(bytes.failure)
    const parsed = parseNotes(bytes.success, elf.littleEndian, Number(section.offset), 4)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    const id = buildIdOf(parsed.success)
    if (id !== undefined) return Result.succeed(id)
  }
  return Result.succeed(undefined)
}
