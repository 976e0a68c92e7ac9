/**
 * Linux ELF core files (the kernel's, gdb's `gcore`, qemu-user's) as a native
 * {@link Image}: threads from `NT_PRSTATUS`, memory from `PT_LOAD`, modules
 * from `NT_FILE`, plus what a person triaging the crash wants to see: the
 * process (`NT_PRPSINFO`), the signal (`NT_SIGINFO`), the auxiliary vector
 * (`NT_AUXV`) and every file mapping.
 *
 * Choices (docs/core-files.md):
 * - Threads are in note order; the first `NT_PRSTATUS` is the thread that
 *   took the fatal signal (`crashed`), as the kernel, gdb and qemu write it.
 * - A segment's bytes past `p_filesz` (up to `p_memsz`) were not dumped
 *   (a file's text the kernel left out, a guard page): they are unmapped for
 *   the walk, not zero.
 * - Overlapping segments (gdb's riscv64 cores) are read from the one that
 *   starts first, with a warning.
 * - A `PT_LOAD` whose file-backed part runs past the end of the file (a
 *   truncated core) fails the read, unless `truncated: "warn"`: then the part
 *   inside the file is kept and a warning says what was cut.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { ArchId } from "../Arch.js"
import type { ByteSource } from "../ByteSource.js"
import { fromBytes } from "../ByteSource.js"
import { InputError } from "../InputError.js"
import type { Image, Module, Thread } from "../native/Image.js"
import type { Note } from "../elf/Elf.js"
import { buildIdOf, ET_CORE, PT_LOAD, readElf, segmentNotes } from "../elf/Elf.js"
import { cString, Fields, hex } from "../elf/bytes.js"
import type { Captured } from "./CoreMemory.js"
import { CoreMemory } from "./CoreMemory.js"
import { layouts, PR_REG } from "./registers.js"

/**
 * Note types read from `CORE` notes.
 *
 * @category constants
 * @since 0.2.0
 */
export const NT_PRSTATUS = 1
/** @category constants @since 0.2.0 */
export const NT_PRPSINFO = 3
/** @category constants @since 0.2.0 */
export const NT_AUXV = 6
/** @category constants @since 0.2.0 */
export const NT_SIGINFO = 0x53494749
/** @category constants @since 0.2.0 */
export const NT_FILE = 0x46494c45

/**
 * One `PT_LOAD` segment: `memsz` bytes at `vaddr`, of which the first
 * `captured` are in the file at `offset` (`p_filesz`, clipped to the file
 * when a truncated core is read with a warning).
 *
 * @category models
 * @since 0.2.0
 */
export interface Segment {
  readonly index: number
  readonly vaddr: bigint
  readonly memsz: bigint
  readonly offset: bigint
  readonly captured: bigint
  /** `p_flags`: 4 read, 2 write, 1 execute. */
  readonly flags: number
}

/**
 * One `NT_FILE` entry: `[start, end)` maps `name` from byte `fileOffset`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Mapping {
  readonly start: bigint
  readonly end: bigint
  readonly fileOffset: bigint
  readonly name: string
}

/**
 * `NT_SIGINFO` (`siginfo_t`): the signal, its code and, for SIGILL, SIGTRAP,
 * SIGBUS, SIGFPE and SIGSEGV, the faulting address.
 *
 * @category models
 * @since 0.2.0
 */
export interface SignalInfo {
  readonly signo: number
  readonly errno: number
  readonly code: number
  readonly address?: bigint | undefined
}

/**
 * `NT_PRPSINFO`: the process.
 *
 * @category models
 * @since 0.2.0
 */
export interface ProcessInfo {
  readonly pid: number
  readonly ppid: number
  readonly uid: number
  readonly gid: number
  /** `pr_sname`: `R`, `S`, `D`, `T`, `Z`, … */
  readonly state: string
  /** `pr_fname`: the executable's name, at most 15 characters. */
  readonly program: string
  /** `pr_psargs`: the command line, at most 79 characters. */
  readonly args: string
}

/**
 * `NT_AUXV`: every entry, and the ones a symbolizer uses.
 *
 * @category models
 * @since 0.2.0
 */
export interface Auxv {
  readonly entries: ReadonlyArray<{ readonly type: bigint; readonly value: bigint }>
  /** `AT_PHDR` (3): where the executable's program headers are mapped. */
  readonly phdr?: bigint | undefined
  /** `AT_ENTRY` (9): the executable's entry point, load bias included. */
  readonly entry?: bigint | undefined
  /** `AT_BASE` (7): the dynamic loader's base. */
  readonly base?: bigint | undefined
  /** `AT_PAGESZ` (6). */
  readonly pageSize?: bigint | undefined
}

/**
 * A thread of a core: the {@link Thread} the walk starts from, with every
 * register of its `NT_PRSTATUS` by name and its `NT_SIGINFO`, if any.
 *
 * @category models
 * @since 0.2.0
 */
export interface CoreThread extends Thread {
  readonly registers: Readonly<Record<string, bigint>>
  readonly ppid: number
  readonly siginfo?: SignalInfo | undefined
}

/**
 * A core file read.
 *
 * @category models
 * @since 0.2.0
 */
export interface Core {
  readonly image: Image
  readonly arch: ArchId
  readonly littleEndian: boolean
  readonly threads: ReadonlyArray<CoreThread>
  readonly process?: ProcessInfo | undefined
  /** The crashed thread's `NT_SIGINFO` (else the first one). */
  readonly signal?: SignalInfo | undefined
  readonly auxv?: Auxv | undefined
  readonly mappings: ReadonlyArray<Mapping>
  /** NT_FILE's page size (4096 when the core has no NT_FILE). */
  readonly pageSize: bigint
  readonly segments: ReadonlyArray<Segment>
  readonly warnings: ReadonlyArray<string>
}

/**
 * Options of {@link readCore}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ReadOptions {
  /**
   * A segment whose file-backed part runs past the end of the file: `"fail"`
   * (the default) fails with an InputError; `"warn"` keeps what is there.
   */
  readonly truncated?: "fail" | "warn"
}

/**
 * Whether the first bytes of an input are an ELF64 core's header (magic,
 * `ELFCLASS64`, `e_type` `ET_CORE` in the file's byte order): how a CLI tells
 * a core from a snapshot or a minidump without a flag. Needs 18 bytes.
 *
 * @example
 * ```ts
 * looksLikeCore(source.read(0, 18) ?? new Uint8Array()) // true for a core
 * ```
 *
 * @category guards
 * @since 0.2.0
 */
export const looksLikeCore = (head: Uint8Array): boolean =>
  head.length >= 18 &&
  head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46 && head[4] === 2 &&
  ((head[5] === 1 && head[16] === 4 && head[17] === 0) || (head[5] === 2 && head[16] === 0 && head[17] === 4))

const LIMIT = 1n << 64n
const fail = (path: string, reason: string) => Result.fail(new InputError({ path, reason }))
const at = (note: Note) => `note ${note.index} at ${hex(note.offset)}`
const FAULTS = new Set([4, 5, 7, 8, 11])

/**
 * Reads a core file: its header, program headers and notes are read and
 * checked now; its memory is read lazily by the image's `memory`.
 *
 * @example
 * ```ts
 * const core = readCore(fromBytes(bytes))
 * if (Result.isSuccess(core)) {
 *   for (const t of core.success.threads) console.log(t.id, t.crashed, t.pc.toString(16))
 * }
 * ```
 *
 * @category reading
 * @since 0.2.0
 */
export const readCore = (source: ByteSource, options: ReadOptions = {}): Result.Result<Core, InputError> => {
  const parsed = readElf(source)
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  const elf = parsed.success
  if (elf.type !== ET_CORE) return fail("ELF header", `e_type ${elf.type} is not ET_CORE (4)`)
  const warnings: Array<string> = []

  // Segments.
  const segments: Array<Segment> = []
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD) continue
    const path = `program header ${ph.index}`
    if (ph.vaddr + ph.memsz > LIMIT) return fail(path, `p_vaddr + p_memsz past 2^64 (${hex(ph.vaddr + ph.memsz)})`)
    if (ph.filesz > ph.memsz) return fail(path, `p_filesz ${hex(ph.filesz)} above p_memsz ${hex(ph.memsz)}`)
    let captured = ph.filesz
    const end = ph.offset + ph.filesz
    if (ph.filesz > 0n && end > BigInt(source.size)) {
      if (options.truncated !== "warn") return fail(path, `p_offset + p_filesz past end of file (${hex(end)} > ${hex(source.size)})`)
      captured = ph.offset >= BigInt(source.size) ? 0n : BigInt(source.size) - ph.offset
      warnings.push(`${path}: p_offset + p_filesz past end of file (${hex(end)} > ${hex(source.size)}); ${hex(ph.filesz - captured)} bytes at ${hex(ph.vaddr + captured)} not captured`)
    }
    segments.push({ index: ph.index, vaddr: ph.vaddr, memsz: ph.memsz, offset: ph.offset, captured, flags: ph.flags })
  }
  const memory = new CoreMemory(source, capturedParts(segments, warnings))

  // Notes.
  const notes = segmentNotes(elf)
  if (Result.isFailure(notes)) return Result.fail(notes.failure)
  const layout = layouts[elf.arch]
  const threads: Array<CoreThread> = []
  let process: ProcessInfo | undefined
  let auxv: Auxv | undefined
  let mappings: ReadonlyArray<Mapping> | undefined
  let pageSize = 4096n
  let firstSignal: SignalInfo | undefined
  const siginfos = new Map<number, SignalInfo>()
  for (const note of notes.success) {
    if (note.name !== "CORE") continue
    const f = new Fields(note.desc, elf.littleEndian)
    const size = note.desc.length
    switch (note.type) {
      case NT_PRSTATUS: {
        if (size !== layout.size) {
          if (layout.short === undefined || size !== layout.short.size) {
            return fail(at(note), `NT_PRSTATUS is ${size} bytes, not the ${layout.size} of ${elf.arch}'s struct elf_prstatus`)
          }
          if (!warnings.some((w) => w.startsWith("NT_PRSTATUS"))) {
            warnings.push(`NT_PRSTATUS is ${size} bytes, not ${elf.arch}'s ${layout.size} (gdb on a host of another size writes its own): registers ${layout.short.lacks} absent`)
          }
        }
        const count = Math.min(layout.names.length, Math.floor((size - PR_REG) / 8))
        const words = f.words(PR_REG, count)
        const registers: Record<string, bigint> = {}
        for (let i = 0; i < count; i++) registers[layout.names[i]!] = words[i]!
        threads.push({
          id: f.i32(32),
          ppid: f.i32(36),
          crashed: threads.length === 0,
          signal: f.u16(12),
          pc: words[layout.pc]!,
          fp: words[layout.fp]!,
          sp: words[layout.sp]!,
          registers
        })
        break
      }
      case NT_PRPSINFO: {
        if (size < 136) return fail(at(note), `NT_PRPSINFO is ${size} bytes, less than the 136 of struct elf_prpsinfo`)
        if (process !== undefined) break
        process = {
          state: String.fromCharCode(f.u8(1)),
          uid: f.u32(16),
          gid: f.u32(20),
          pid: f.i32(24),
          ppid: f.i32(28),
          program: cString(note.desc.subarray(40, 56), 0) ?? "",
          args: (cString(note.desc.subarray(56, 136), 0) ?? "").trimEnd()
        }
        break
      }
      case NT_SIGINFO: {
        if (size < 16) return fail(at(note), `NT_SIGINFO is ${size} bytes, less than siginfo_t's 16-byte head`)
        const signo = f.i32(0)
        const info: SignalInfo = {
          signo,
          errno: f.i32(4),
          code: f.i32(8),
          address: FAULTS.has(signo) && size >= 24 ? f.u64(16) : undefined
        }
        firstSignal ??= info
        // gdb writes one per thread after its NT_PRSTATUS; the kernel one, after the crashed thread's.
        const owner = threads.length - 1
        if (owner >= 0 && !siginfos.has(owner)) siginfos.set(owner, info)
        break
      }
      case NT_AUXV: {
        if (auxv !== undefined) break
        const entries: Array<{ type: bigint; value: bigint }> = []
        for (let o = 0; o + 16 <= size; o += 16) {
          const type = f.u64(o)
          if (type === 0n) break
          entries.push({ type, value: f.u64(o + 8) })
        }
        const value = (type: bigint) => entries.find((e) => e.type === type)?.value
        auxv = { entries, phdr: value(3n), entry: value(9n), base: value(7n), pageSize: value(6n) }
        break
      }
      case NT_FILE: {
        if (mappings !== undefined) {
          warnings.push(`${at(note)}: a second NT_FILE note, ignored`)
          break
        }
        const read = readFileNote(note, f)
        if (Result.isFailure(read)) return Result.fail(read.failure)
        mappings = read.success.mappings
        pageSize = read.success.pageSize
        break
      }
    }
  }
  if (threads.length === 0) warnings.push("no NT_PRSTATUS note: the core holds no thread to walk")
  const withSignals = threads.map((t, i) => (siginfos.has(i) ? { ...t, siginfo: siginfos.get(i) } : t))
  const crashedSignal = siginfos.get(0) ?? firstSignal
  const modules = modulesOf(mappings ?? [], memory, warnings)
  const image: Image = { kind: "core", arch: elf.arch, memory, threads: withSignals, modules, warnings }
  return Result.succeed({
    image,
    arch: elf.arch,
    littleEndian: elf.littleEndian,
    threads: withSignals,
    process,
    signal: crashedSignal,
    auxv,
    mappings: mappings ?? [],
    pageSize,
    segments,
    warnings
  })
}

/**
 * The captured parts of the segments as disjoint pieces, in address order.
 * Segments may overlap (gdb's riscv64 cores list `.tdata`, `.init_array`, …
 * inside a larger segment, with the same bytes): where they do, the segment
 * that starts first (the longer one at the same start) is read, and a later
 * one only past its end. One warning names the first overlap and counts the
 * others. A word across two pieces is unmapped, as across two segments.
 */
const capturedParts = (segments: ReadonlyArray<Segment>, warnings: Array<string>): Array<Captured> => {
  const sorted = segments
    .filter((s) => s.captured > 0n)
    .sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : a.captured > b.captured ? -1 : a.captured < b.captured ? 1 : 0))
  const parts: Array<Captured> = []
  let coveredEnd = 0n
  let owner: Segment | undefined
  let first: string | undefined
  let overlaps = 0
  for (const s of sorted) {
    const end = s.vaddr + s.captured
    if (owner !== undefined && s.vaddr < coveredEnd) {
      overlaps++
      first ??= `program header ${s.index}: [${hex(s.vaddr)}, ${hex(end)}) overlaps program header ${owner.index} (captured to ${hex(coveredEnd)}); read from the one that starts first`
    }
    const from = s.vaddr > coveredEnd || owner === undefined ? s.vaddr : coveredEnd
    if (from < end) parts.push({ vaddr: from, size: end - from, offset: s.offset + (from - s.vaddr) })
    if (owner === undefined || end > coveredEnd) {
      coveredEnd = end
      owner = s
    }
  }
  if (first !== undefined) warnings.push(overlaps === 1 ? first : `${first}, and ${overlaps - 1} more overlaps`)
  return parts
}

/**
 * `NT_FILE`: `count`, `page_size`, then `count` × (start, end, page offset),
 * then `count` NUL-terminated file names.
 */
const readFileNote = (note: Note, f: Fields): Result.Result<{ mappings: ReadonlyArray<Mapping>; pageSize: bigint }, InputError> => {
  const size = note.desc.length
  if (size < 16) return fail(at(note), `NT_FILE is ${size} bytes, less than its 16-byte head`)
  const count = f.u64(0)
  const pageSize = f.u64(8)
  const table = 16n + count * 24n
  if (table > BigInt(size)) return fail(at(note), `NT_FILE count ${count} needs ${hex(table)} bytes, the note has ${hex(size)}`)
  const n = Number(count)
  const mappings: Array<Mapping> = []
  let name = 16 + n * 24
  for (let i = 0; i < n; i++) {
    const start = f.u64(16 + i * 24)
    const end = f.u64(24 + i * 24)
    const fileOffset = f.u64(32 + i * 24) * pageSize
    if (start > end) return fail(at(note), `NT_FILE mapping ${i}: start ${hex(start)} above end ${hex(end)}`)
    if (fileOffset >= LIMIT) return fail(at(note), `NT_FILE mapping ${i}: page offset × page size past 2^64`)
    if (name >= size) return fail(at(note), `NT_FILE has ${i} names for ${n} mappings`)
    const text = cString(note.desc, name)!
    const nul = note.desc.indexOf(0, name)
    name = nul < 0 ? size : nul + 1
    mappings.push({ start, end, fileOffset, name: text })
  }
  return Result.succeed({ mappings, pageSize })
}

/**
 * One module per mapped file: consecutive mappings of one name, a new module
 * at each mapping of offset 0. The build ID is read from the module's first
 * page when the core captured it (the kernel and gdb dump it).
 */
const modulesOf = (mappings: ReadonlyArray<Mapping>, memory: CoreMemory, warnings: Array<string>): ReadonlyArray<Module> => {
  const groups: Array<{ first: Mapping; end: bigint }> = []
  for (const m of mappings) {
    const last = groups[groups.length - 1]
    if (last !== undefined && last.first.name === m.name && m.fileOffset !== 0n) last.end = m.end > last.end ? m.end : last.end
    else groups.push({ first: m, end: m.end })
  }
  if (groups.length > MAX_BUILD_IDS) warnings.push(`NT_FILE names ${groups.length} files; build IDs are read for the first ${MAX_BUILD_IDS} only`)
  return groups.map(({ first, end }, i) => {
    const buildId = first.fileOffset === 0n && i < MAX_BUILD_IDS ? buildIdInMemory(memory, first.start) : undefined
    return { base: first.start, size: end - first.start, name: first.name, fileOffset: first.fileOffset, buildId }
  })
}

/** Modules whose first page is searched for a build ID (each costs a read of up to 64 KiB). */
const MAX_BUILD_IDS = 1024

/** The build ID of the ELF image whose first bytes are captured at `base`, if it is one. */
export const buildIdInMemory = (memory: CoreMemory, base: bigint): Uint8Array | undefined => {
  const captured = memory.capturedFrom(base)
  const length = Number(captured < 0x10000n ? captured : 0x10000n)
  if (length < 64) return undefined
  const bytes = memory.bytes(base, length)
  if (bytes === undefined) return undefined
  const elf = readElf(fromBytes(bytes))
  if (Result.isFailure(elf)) return undefined
  const notes = segmentNotes(elf.success)
  return Result.isSuccess(notes) ? buildIdOf(notes.success) : undefined
}
