/**
 * Names a native frame's PC: the module it is in, the function symbol that
 * covers it and the offset into that symbol, from ELF symbol files
 * (executables and shared objects) matched to the image's modules.
 *
 * - Frames after the first are looked up at `pc - 1`: their PC is a return
 *   address, one past the call, which may already be the next function.
 *   The offset is still `pc - symbol start` (the return address's). The
 *   exception is a PC at the first byte of a signal trampoline
 *   ({@link SIGNAL_TRAMPOLINES}): the kernel put it there, no call did.
 * - A file is matched to a module by GNU build ID; else by file name (the
 *   module's path and the file's name agree on the last component), unless
 *   both have build IDs and they differ: then it is not used, with a
 *   warning; else, for a core without `NT_FILE` (as qemu writes), by its
 *   load addresses: an executable at the load bias `AT_ENTRY - e_entry`
 *   when the core's auxiliary vector gives it (0 for `ET_EXEC`, `AT_PHDR`
 *   agreeing too) whose first `PT_LOAD` meets a core segment; without an
 *   auxiliary vector, an `ET_EXEC` whose `PT_LOAD`s all do.
 * - The load bias of a matched module is where its file offset
 *   `fileOffset` is mapped minus where the file's `PT_LOAD` holding that
 *   offset wants it: `base + (p_offset - fileOffset) - p_vaddr`.
 * - Symbols are `.symtab`'s, else `.dynsym`'s. With no symbol covering the
 *   PC, the offset is from the module's base.
 *
 * Works for any {@link Image}: a minidump's modules (base, size, name, build
 * ID from the CodeView record) match the same way.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { ByteSource } from "../ByteSource.js"
import type { ElfFile, ElfSymbol } from "../elf/Elf.js"
import { buildId, ET_DYN, ET_EXEC, PT_LOAD, PT_PHDR, readElf, readSymbols } from "../elf/Elf.js"
import type { Image, Module } from "./Image.js"

/**
 * A symbol file given by name (for matching and messages) and contents.
 *
 * @category models
 * @since 0.2.0
 */
export interface SymbolFile {
  readonly name: string
  readonly source: ByteSource
}

/**
 * Where a PC is: every field is absent when no module covers it.
 *
 * @category models
 * @since 0.2.0
 */
export interface Location {
  readonly module?: string
  readonly symbol?: string
  /** From the symbol's start, or from the module's base when no symbol covers the PC. */
  readonly offset?: bigint
}

/**
 * What a core adds to its image for matching by load address: its segments
 * and its auxiliary vector's `AT_ENTRY` / `AT_PHDR`.
 *
 * @category models
 * @since 0.2.0
 */
export interface LoadLayout {
  readonly segments?: ReadonlyArray<{ readonly vaddr: bigint; readonly memsz: bigint }>
  readonly auxv?: { readonly entry?: bigint | undefined; readonly phdr?: bigint | undefined } | undefined
}

/**
 * How a file was matched to a module.
 *
 * @category models
 * @since 0.2.0
 */
export interface Match {
  readonly file: string
  readonly module: string
  readonly by: "build-id" | "name" | "load-address"
  readonly bias: bigint
}

/**
 * A PC-to-name lookup over one image.
 *
 * @category models
 * @since 0.2.0
 */
export interface Symbolizer {
  /** `frameIndex` 0 looks up `pc` itself, later frames `pc - 1`. Never throws. */
  readonly lookup: (pc: bigint, frameIndex: number) => Location
  readonly matches: ReadonlyArray<Match>
  /** Files not used and why (one line each). */
  readonly warnings: ReadonlyArray<string>
}

const MASK = (1n << 64n) - 1n

/**
 * The signal-return trampolines of glibc and the Linux vDSOs, whose first
 * byte is the return address the kernel puts in a signal frame.
 *
 * @category constants
 * @since 0.2.0
 */
export const SIGNAL_TRAMPOLINES: ReadonlySet<string> = new Set(["__restore_rt", "__restore", "__kernel_rt_sigreturn", "__kernel_sigreturn", "__vdso_rt_sigreturn"])
const PAGE = 0xfffn

interface Parsed {
  readonly name: string
  readonly elf: ElfFile
  readonly buildId: Uint8Array | undefined
}

interface Range {
  readonly name: string
  readonly base: bigint
  readonly end: bigint
  readonly file?: { readonly parsed: Parsed; readonly bias: bigint } | undefined
}

const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1)
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])
const hexBytes = (a: Uint8Array) => Array.from(a, (x) => x.toString(16).padStart(2, "0")).join("")
const loads = (elf: ElfFile) => elf.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.memsz > 0n)

/** The load bias of `elf` mapped at `module.base` from `module.fileOffset`. */
const biasOf = (elf: ElfFile, module: Module): bigint => {
  const fileOffset = module.fileOffset ?? 0n
  const segments = loads(elf)
  const ph = segments.find((p) => (p.offset & ~PAGE) <= fileOffset && fileOffset < p.offset + p.filesz) ?? segments[0]
  return ph === undefined ? 0n : (module.base + (ph.offset - fileOffset) - ph.vaddr) & MASK
}

/** The bias at which an executable's segments all lie in the core's, or `undefined`. */
const loadAddressBias = (parsed: Parsed, layout: LoadLayout): bigint | undefined => {
  const { elf } = parsed
  if (elf.type !== ET_EXEC && elf.type !== ET_DYN) return undefined
  const entry = layout.auxv?.entry
  const bias = entry === undefined ? 0n : (entry - elf.entry) & MASK
  if (elf.type === ET_EXEC && bias !== 0n) return undefined
  if ((bias & PAGE) !== 0n) return undefined
  const phdr = elf.programHeaders.find((ph) => ph.type === PT_PHDR)
  const atPhdr = layout.auxv?.phdr
  if (phdr !== undefined && atPhdr !== undefined && ((phdr.vaddr + bias) & MASK) !== atPhdr) return undefined
  const segments = layout.segments ?? []
  const mine = loads(elf)
  if (mine.length === 0 || segments.length === 0) return undefined
  const inCore = (from: bigint, to: bigint) => segments.some((s) => s.vaddr < to && from < s.vaddr + s.memsz)
  // With AT_ENTRY (and AT_PHDR) agreeing, the first segment must meet the
  // core's (gcore leaves unwritten read-only mappings out); without, all of
  // them must (qemu lists every mapping; gdb over qemu's gdbstub, every
  // section).
  const checked = entry === undefined ? mine : mine.slice(0, 1)
  return checked.every((ph) => inCore(ph.vaddr + bias, ph.vaddr + ph.memsz + bias)) ? bias : undefined
}

/**
 * The paths where the files an image's modules name would be: each
 * absolute module path (`NT_FILE`'s, a minidump's), under `sysroot` when
 * given, once each, in module order. Pseudo-files (`[vdso]`, `/dev/zero`,
 * `/memfd:…`, `… (deleted)`) are left out. The caller opens those that
 * exist and passes them to {@link makeSymbolizer} with their module path as
 * the name.
 *
 * @example
 * ```ts
 * symbolFilePaths(core.image, "/srv/sysroot") // ["/srv/sysroot/usr/bin/prog", "/srv/sysroot/usr/lib/libc.so.6"]
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const symbolFilePaths = (image: Pick<Image, "modules">, sysroot?: string): ReadonlyArray<{ readonly module: string; readonly path: string }> => {
  const seen = new Set<string>()
  const out: Array<{ module: string; path: string }> = []
  const root = sysroot === undefined || sysroot === "" ? "" : sysroot.replace(/\/+$/, "")
  for (const { name } of image.modules) {
    if (!name.startsWith("/") || name.startsWith("/dev/") || name.startsWith("/memfd:") || name.endsWith(" (deleted)") || seen.has(name)) continue
    seen.add(name)
    out.push({ module: name, path: `${root}${name}` })
  }
  return out
}

/**
 * Matches `files` to `image`'s modules and returns the lookup.
 *
 * @example
 * ```ts
 * const symbolizer = makeSymbolizer(core.image, [{ name: "prog", source: fromBytes(elfBytes) }], core)
 * symbolizer.lookup(0x55555555518cn, 1) // { module: "/tmp/prog", symbol: "level2", offset: 15n }
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const makeSymbolizer = (
  image: Pick<Image, "modules">,
  files: ReadonlyArray<SymbolFile>,
  layout: LoadLayout = {}
): Symbolizer => {
  const warnings: Array<string> = []
  const parsed: Array<Parsed> = []
  for (const file of files) {
    const elf = readElf(file.source)
    if (Result.isFailure(elf)) {
      warnings.push(`${file.name}: not used: ${elf.failure.message}`)
      continue
    }
    const id = buildId(elf.success)
    if (Result.isFailure(id)) {
      warnings.push(`${file.name}: not used: ${id.failure.message}`)
      continue
    }
    parsed.push({ name: file.name, elf: elf.success, buildId: id.success })
  }

  const matches: Array<Match> = []
  const used = new Set<Parsed>()
  const ranges: Array<Range> = image.modules.map((module) => {
    const byId = module.buildId === undefined ? undefined : parsed.find((p) => p.buildId !== undefined && sameBytes(p.buildId, module.buildId!))
    let chosen: { parsed: Parsed; by: Match["by"] } | undefined = byId === undefined ? undefined : { parsed: byId, by: "build-id" }
    if (chosen === undefined) {
      for (const p of parsed) {
        if (baseName(p.name) !== baseName(module.name)) continue
        if (p.buildId !== undefined && module.buildId !== undefined) {
          warnings.push(`${p.name}: not used for ${module.name}: build ID ${hexBytes(p.buildId)} differs from the mapping's ${hexBytes(module.buildId)}`)
          continue
        }
        chosen = { parsed: p, by: "name" }
        break
      }
    }
    const range = { name: module.name, base: module.base, end: module.base + module.size }
    if (chosen === undefined) return range
    used.add(chosen.parsed)
    const bias = biasOf(chosen.parsed.elf, module)
    matches.push({ file: chosen.parsed.name, module: module.name, by: chosen.by, bias })
    return { ...range, file: { parsed: chosen.parsed, bias } }
  })
  const covered = (address: bigint) => ranges.some((r) => r.base <= address && address < r.end)
  for (const p of parsed) {
    if (used.has(p)) continue
    const bias = loadAddressBias(p, layout)
    if (bias === undefined) continue
    const segments = loads(p.elf)
    const base = segments.reduce((low, ph) => (ph.vaddr < low ? ph.vaddr : low), MASK) & ~PAGE
    const end = segments.reduce((high, ph) => (ph.vaddr + ph.memsz > high ? ph.vaddr + ph.memsz : high), 0n)
    if (covered(base + bias)) continue
    used.add(p)
    matches.push({ file: p.name, module: p.name, by: "load-address", bias })
    ranges.push({ name: p.name, base: base + bias, end: end + bias, file: { parsed: p, bias } })
  }
  for (const p of parsed) if (!used.has(p)) warnings.push(`${p.name}: matches no module of the image`)

  // Symbols are read on the first lookup that needs a file's.
  const tables = new Map<Parsed, ReadonlyArray<ElfSymbol>>()
  const symbolsOf = (p: Parsed): ReadonlyArray<ElfSymbol> => {
    let table = tables.get(p)
    if (table === undefined) {
      const read = readSymbols(p.elf)
      if (Result.isFailure(read)) warnings.push(`${p.name}: no symbols: ${read.failure.message}`)
      table = Result.isSuccess(read) ? read.success.symbols : []
      tables.set(p, table)
    }
    return table
  }

  const at = (address: bigint) => {
    const range = ranges.find((r) => r.base <= address && address < r.end)
    const symbol = range?.file === undefined ? undefined : covering(symbolsOf(range.file.parsed), (address - range.file.bias) & MASK)
    return { range, symbol }
  }
  const lookup = (pc: bigint, frameIndex: number): Location => {
    let { range, symbol } = at(frameIndex > 0 ? pc - 1n : pc)
    if (frameIndex > 0) {
      // A return address at a signal trampoline's first byte was pushed by
      // the kernel, not by a call: the frame is the trampoline (as gdb shows).
      const exact = at(pc)
      if (exact.symbol !== undefined && SIGNAL_TRAMPOLINES.has(exact.symbol.name) && exact.symbol.value === ((pc - exact.range!.file!.bias) & MASK)) ({ range, symbol } = exact)
    }
    if (range === undefined) return {}
    if (symbol !== undefined) return { module: range.name, symbol: symbol.name, offset: ((pc - range.file!.bias) & MASK) - symbol.value }
    return { module: range.name, offset: pc - range.base }
  }
  return { lookup, matches, warnings }
}

// Of aliases, prefer a sized symbol over a label, then the name with fewer
// leading underscores (`nanosleep` over `__nanosleep`, as gdb prints it), then
// global over weak over local.
const underscores = (name: string) => name.length - name.replace(/^_+/, "").length
const rank = (s: ElfSymbol) => (s.size > 0n ? 0 : 1000) + underscores(s.name) * 4 + (s.binding === 1 ? 0 : s.binding === 2 ? 1 : 2)

/**
 * The symbol covering `address` in `symbols` (sorted by value): of those at
 * or below it (the nearest 64), the nearest whose `end` is above it, and of
 * its aliases the best ranked.
 */
const covering = (symbols: ReadonlyArray<ElfSymbol>, address: bigint): ElfSymbol | undefined => {
  let lo = 0
  let hi = symbols.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (symbols[mid]!.value <= address) lo = mid + 1
    else hi = mid
  }
  let best: ElfSymbol | undefined
  for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) {
    const s = symbols[i]!
    if (best !== undefined && s.value !== best.value) break // only aliases of the best one's address
    if (address < s.end && (best === undefined || rank(s) < rank(best))) best = s
  }
  return best
}
