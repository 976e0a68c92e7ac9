/**
 * The minidump reader: header, stream directory, and the streams a walk
 * needs. Every RVA, size and count is checked against the file and its
 * stream before a byte is read, so a count never drives an allocation
 * larger than the file.
 *
 * @internal
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import type { InputError } from "../../InputError.js"
import type { Module } from "../../native/Image.js"
import { Bytes, fail, hex } from "./bytes.js"
import { capturedMemory } from "./memory.js"
import type {
  Context,
  Location,
  MemoryRange,
  Minidump,
  MinidumpArch,
  MinidumpException,
  MinidumpThread,
  Stream,
  SystemInfo
} from "./model.js"

const SIGNATURE = 0x504d444d // "MDMP"
const VERSION = 0xa793
const HEADER_SIZE = 32
const DIRECTORY_ENTRY = 12
const THREAD_ENTRY = 48
const MEMORY_ENTRY = 16
const MODULE_ENTRY = 108
const EXCEPTION_SIZE = 168 // ThreadId, alignment, MINIDUMP_EXCEPTION (152), ThreadContext (8)
const SYSTEM_INFO_READ = 24 // ProcessorArchitecture .. PlatformId

const THREAD_LIST = 3
const MODULE_LIST = 4
const MEMORY_LIST = 5
const EXCEPTION = 6
const SYSTEM_INFO = 7
const MEMORY64_LIST = 9

const streamNames: Readonly<Record<number, string>> = {
  [THREAD_LIST]: "ThreadList",
  [MODULE_LIST]: "ModuleList",
  [MEMORY_LIST]: "MemoryList",
  [EXCEPTION]: "Exception",
  [SYSTEM_INFO]: "SystemInfo",
  [MEMORY64_LIST]: "Memory64List"
}

/** `MINIDUMP_PROCESSOR_ARCHITECTURE` values, for messages; the walkable ones carry their arch. */
const cpus: Readonly<Record<number, { readonly name: string; readonly arch?: MinidumpArch }>> = {
  0: { name: "x86" },
  1: { name: "MIPS" },
  2: { name: "Alpha" },
  3: { name: "PowerPC" },
  4: { name: "SHx" },
  5: { name: "ARM" },
  6: { name: "IA-64" },
  7: { name: "Alpha64" },
  8: { name: "MSIL" },
  9: { name: "AMD64", arch: "x86_64" },
  10: { name: "x86 on Win64" },
  12: { name: "ARM64", arch: "aarch64" },
  0x8001: { name: "SPARC" },
  0x8002: { name: "PowerPC64" },
  0x8003: { name: "ARM64 (Breakpad's old value)", arch: "aarch64" },
  0x8004: { name: "MIPS64" },
  0x8005: { name: "RISC-V" },
  0x8006: { name: "RISC-V 64" }
}

/**
 * Where a context's registers are. AMD64 `CONTEXT` (1232 bytes, Breakpad,
 * Crashpad, Windows) and lldb's 720-byte AMD64 context put rsp/rbp/rip at
 * 0x98/0xa0/0xf8; every ARM64 layout (912-byte `MDRawContextARM64`,
 * lldb's 800 bytes, Breakpad's old one with a 64-bit flags word) puts
 * x29/sp/pc at 0xf0/0x100/0x108. A context of another size is read at the
 * same offsets with a warning; one too small to hold them is an error.
 */
interface ContextLayout {
  readonly cpu: string
  readonly knownSizes: ReadonlyArray<number>
  readonly flags: number
  readonly sp: number
  readonly fp: number
  readonly pc: number
  /** One past the last register read. */
  readonly minSize: number
}

const layouts: Readonly<Record<MinidumpArch, ContextLayout>> = {
  x86_64: { cpu: "AMD64", knownSizes: [1232, 720], flags: 0x30, sp: 0x98, fp: 0xa0, pc: 0xf8, minSize: 0x100 },
  aarch64: { cpu: "ARM64", knownSizes: [912, 800, 796], flags: 0, sp: 0x100, fp: 0xf0, pc: 0x108, minSize: 0x110 }
}

/** The reader's state while it reads one file. */
interface Reading {
  readonly bytes: Bytes
  readonly warnings: Array<string>
}

const streamPath = (stream: Stream): string =>
  `${streamNames[stream.type] ?? `stream type ${hex(stream.type)}`} stream (directory entry ${stream.index}) at ${hex(stream.location.rva)}`

const location = (bytes: Bytes, offset: number): Location => ({ size: bytes.u32(offset), rva: bytes.u32(offset + 4) })

/**
 * Reads a minidump.
 *
 * @internal
 */
export const readMinidump = (input: Uint8Array): Result.Result<Minidump, InputError> =>
  Result.gen(function*() {
    const bytes = new Bytes(input)
    const reading: Reading = { bytes, warnings: [] }
    yield* bytes.check("header at 0x0", "the 32-byte header", 0, HEADER_SIZE)
    const signature = bytes.u32(0)
    if (signature !== SIGNATURE) yield* fail("header at 0x0", `signature ${hex(signature)} is not "MDMP" (0x504d444d)`)
    const version = bytes.u32(4)
    if ((version & 0xffff) !== VERSION) yield* fail("header at 0x0", `version ${hex(version)}: the low 16 bits are not 0xa793`)
    const streams = yield* readDirectory(bytes)
    const chosen = yield* chooseStreams(reading, streams)
    const systemInfo = chosen.systemInfo === undefined ? undefined : yield* readSystemInfo(bytes, chosen.systemInfo)
    if (systemInfo === undefined) reading.warnings.push("no SystemInfo stream: the architecture is unknown")
    else if (systemInfo.arch === undefined) reading.warnings.push(`processor architecture ${hex(systemInfo.processorArchitecture)} (${systemInfo.cpu}) is not walkable: registers are not read`)
    const arch = systemInfo?.arch
    const threads = chosen.threadList === undefined ? [] : yield* readThreads(reading, chosen.threadList, arch)
    const exceptions: Array<MinidumpException> = []
    for (const stream of chosen.exceptions) exceptions.push(yield* readException(reading, stream, arch))
    const ranges: Array<MemoryRange> = []
    for (const thread of threads) {
      ranges.push({ start: thread.stack.start, bytes: bytes.window(thread.stack.location.rva, thread.stack.location.size), source: `thread ${thread.id}'s stack` })
    }
    if (chosen.memoryList !== undefined) ranges.push(...yield* readMemoryList(reading, chosen.memoryList))
    if (chosen.memory64List !== undefined) ranges.push(...yield* readMemory64List(bytes, chosen.memory64List))
    const modules = chosen.moduleList === undefined ? [] : yield* readModules(reading, chosen.moduleList)
    const memory = capturedMemory(ranges)
    if (memory === undefined) yield* fail("memory", "a captured range passes 2^64")
    reading.warnings.push(...memory!.warnings)
    return {
      version,
      flags: bytes.u64(24),
      streams,
      systemInfo,
      threads,
      exceptions,
      modules,
      ranges,
      memory: memory!.memory,
      warnings: reading.warnings
    }
  })

/** The directory: `NumberOfStreams` 12-byte entries at `StreamDirectoryRva`. */
const readDirectory = (bytes: Bytes): Result.Result<ReadonlyArray<Stream>, InputError> =>
  Result.gen(function*() {
    const count = bytes.u32(8)
    const rva = bytes.u32(12)
    yield* bytes.check(`stream directory at ${hex(rva)}`, `${count} directory entries of 12 bytes`, rva, count * DIRECTORY_ENTRY)
    const streams: Array<Stream> = []
    for (let index = 0; index < count; index++) {
      const entry = rva + index * DIRECTORY_ENTRY
      streams.push({ index, type: bytes.u32(entry), location: { size: bytes.u32(entry + 4), rva: bytes.u32(entry + 8) } })
    }
    return streams
  })

interface Chosen {
  readonly systemInfo: Stream | undefined
  readonly threadList: Stream | undefined
  readonly memoryList: Stream | undefined
  readonly memory64List: Stream | undefined
  readonly moduleList: Stream | undefined
  readonly exceptions: ReadonlyArray<Stream>
}

/**
 * The streams read: the first of each kind (a later one is ignored with a
 * warning) and every Exception stream; each must lie in the file. Streams
 * of other types are not read, so not checked.
 */
const chooseStreams = (reading: Reading, streams: ReadonlyArray<Stream>): Result.Result<Chosen, InputError> =>
  Result.gen(function*() {
    const first = new Map<number, Stream>()
    const exceptions: Array<Stream> = []
    for (const stream of streams) {
      if (streamNames[stream.type] === undefined) continue
      yield* reading.bytes.check(streamPath(stream), "the stream", stream.location.rva, stream.location.size)
      if (stream.type === EXCEPTION) exceptions.push(stream)
      else if (first.has(stream.type)) reading.warnings.push(`${streamPath(stream)} is a second ${streamNames[stream.type]} stream; only the first is read`)
      else first.set(stream.type, stream)
    }
    return {
      systemInfo: first.get(SYSTEM_INFO),
      threadList: first.get(THREAD_LIST),
      memoryList: first.get(MEMORY_LIST),
      memory64List: first.get(MEMORY64_LIST),
      moduleList: first.get(MODULE_LIST),
      exceptions
    }
  })

/** SystemInfo: `ProcessorArchitecture` (16 bits) at 0, `PlatformId` at 20. */
const readSystemInfo = (bytes: Bytes, stream: Stream): Result.Result<SystemInfo, InputError> =>
  Result.gen(function*() {
    if (stream.location.size < SYSTEM_INFO_READ) {
      yield* fail(streamPath(stream), `the stream is ${stream.location.size} bytes, too short for its processor and platform (${SYSTEM_INFO_READ})`)
    }
    const processorArchitecture = bytes.u16(stream.location.rva)
    const cpu = cpus[processorArchitecture]
    return {
      stream,
      processorArchitecture,
      cpu: cpu?.name ?? `unknown (${hex(processorArchitecture)})`,
      arch: cpu?.arch,
      platformId: bytes.u32(stream.location.rva + 20)
    }
  })

/**
 * A list stream's entries: a 32-bit count, then `count` entries, either
 * right after the count or (Breakpad's macOS writer) after 4 bytes of
 * padding, when the stream is exactly `8 + count × entry` bytes.
 */
const listEntries = (
  reading: Reading,
  stream: Stream,
  what: string,
  entrySize: number
): Result.Result<{ readonly count: number; readonly first: number }, InputError> =>
  Result.gen(function*() {
    const { rva, size } = stream.location
    if (size < 4) yield* fail(streamPath(stream), `the stream is ${size} bytes, too short for its count`)
    const count = reading.bytes.u32(rva)
    const needed = 4 + count * entrySize
    if (size === needed + 4) return { count, first: rva + 8 }
    if (size < needed) {
      yield* fail(streamPath(stream), `${count} ${what}s of ${entrySize} bytes need ${hex(needed)} bytes; the stream has ${hex(size)}`)
    }
    if (size > needed) reading.warnings.push(`${streamPath(stream)}: ${size - needed} bytes after its ${count} ${what}s are ignored`)
    return { count, first: rva + 4 }
  })

/** A memory descriptor's bytes: `size` bytes at `rva`, for `start .. start + size` (inside 2^64). */
const descriptor = (
  bytes: Bytes,
  path: string,
  what: string,
  start: bigint,
  at: Location
): Result.Result<void, InputError> =>
  Result.gen(function*() {
    yield* bytes.check(path, what, at.rva, at.size)
    if (start + BigInt(at.size) > 1n << 64n) yield* fail(path, `${what} ${hex(start)} + size ${hex(at.size)} passes 2^64`)
  })

const readContext = (
  reading: Reading,
  path: string,
  what: string,
  at: Location,
  arch: MinidumpArch | undefined
): Result.Result<Context | undefined, InputError> =>
  Result.gen(function*() {
    const { bytes } = reading
    yield* bytes.check(path, `${what}'s context`, at.rva, at.size)
    if (arch === undefined) return undefined
    const layout = layouts[arch]
    if (at.size < layout.minSize) {
      yield* fail(path, `${what}'s context at ${hex(at.rva)} is ${at.size} bytes, too small for an ${layout.cpu} context (at least ${layout.minSize})`)
    }
    if (!layout.knownSizes.includes(at.size)) {
      reading.warnings.push(`${path}: ${what}'s context is ${at.size} bytes (known ${layout.cpu} sizes: ${layout.knownSizes.join(", ")}); its registers are read at the usual offsets`)
    }
    return {
      location: at,
      flags: bytes.u32(at.rva + layout.flags),
      pc: bytes.u64(at.rva + layout.pc),
      fp: bytes.u64(at.rva + layout.fp),
      sp: bytes.u64(at.rva + layout.sp)
    }
  })

/** ThreadList: `MINIDUMP_THREAD`s of 48 bytes (id 0, stack 24, context 40). */
const readThreads = (
  reading: Reading,
  stream: Stream,
  arch: MinidumpArch | undefined
): Result.Result<ReadonlyArray<MinidumpThread>, InputError> =>
  Result.gen(function*() {
    const { bytes } = reading
    const path = streamPath(stream)
    const { count, first } = yield* listEntries(reading, stream, "thread", THREAD_ENTRY)
    const threads: Array<MinidumpThread> = []
    for (let i = 0; i < count; i++) {
      const entry = first + i * THREAD_ENTRY
      const id = bytes.u32(entry)
      const start = bytes.u64(entry + 24)
      const stack = location(bytes, entry + 32)
      yield* descriptor(bytes, path, `thread ${i} (id ${id})'s stack`, start, stack)
      const contextLocation = location(bytes, entry + 40)
      const context = yield* readContext(reading, path, `thread ${i} (id ${id})`, contextLocation, arch)
      threads.push({ id, stack: { start, location: stack }, contextLocation, context })
    }
    return threads
  })

/**
 * Exception: the thread id at 0, code at 8, address at 24, the context's
 * location at 160. An empty context location (size 0) is no context: the
 * thread keeps its ThreadList context, with a warning.
 */
const readException = (
  reading: Reading,
  stream: Stream,
  arch: MinidumpArch | undefined
): Result.Result<MinidumpException, InputError> =>
  Result.gen(function*() {
    const { bytes } = reading
    const { rva, size } = stream.location
    const path = streamPath(stream)
    if (size < EXCEPTION_SIZE) yield* fail(path, `the stream is ${size} bytes, too short for an exception (${EXCEPTION_SIZE})`)
    const threadId = bytes.u32(rva)
    const contextLocation = location(bytes, rva + 160)
    if (contextLocation.size === 0 && arch !== undefined) {
      reading.warnings.push(`${path}: the exception of thread ${threadId} has no context; the thread's ThreadList context is used`)
    }
    const context = contextLocation.size === 0
      ? undefined
      : yield* readContext(reading, path, `the exception of thread ${threadId}`, contextLocation, arch)
    return { stream, threadId, code: bytes.u32(rva + 8), address: bytes.u64(rva + 24), contextLocation, context }
  })

/** MemoryList: 16-byte `MINIDUMP_MEMORY_DESCRIPTOR`s (start, size, RVA). */
const readMemoryList = (reading: Reading, stream: Stream): Result.Result<ReadonlyArray<MemoryRange>, InputError> =>
  Result.gen(function*() {
    const { bytes } = reading
    const path = streamPath(stream)
    const { count, first } = yield* listEntries(reading, stream, "range", MEMORY_ENTRY)
    const ranges: Array<MemoryRange> = []
    for (let i = 0; i < count; i++) {
      const entry = first + i * MEMORY_ENTRY
      const start = bytes.u64(entry)
      const at = location(bytes, entry + 8)
      yield* descriptor(bytes, path, `range ${i}`, start, at)
      ranges.push({ start, bytes: bytes.window(at.rva, at.size), source: `MemoryList range ${i}` })
    }
    return ranges
  })

/**
 * Memory64List: a 64-bit count and `BaseRva`, then (start, 64-bit size)
 * pairs whose bytes follow each other from `BaseRva`.
 */
const readMemory64List = (bytes: Bytes, stream: Stream): Result.Result<ReadonlyArray<MemoryRange>, InputError> =>
  Result.gen(function*() {
    const { rva, size } = stream.location
    const path = streamPath(stream)
    if (size < 16) yield* fail(path, `the stream is ${size} bytes, too short for its count and base RVA`)
    const count = bytes.u64(rva)
    if (16n + count * 16n > BigInt(size)) {
      yield* fail(path, `${count} ranges of 16 bytes need ${hex(16n + count * 16n)} bytes; the stream has ${hex(size)}`)
    }
    let offset = bytes.u64(rva + 8)
    const ranges: Array<MemoryRange> = []
    for (let i = 0; i < Number(count); i++) {
      const entry = rva + 16 + i * 16
      const start = bytes.u64(entry)
      const length = bytes.u64(entry + 8)
      yield* bytes.check(path, `range ${i}'s bytes`, offset, length)
      if (start + length > 1n << 64n) yield* fail(path, `range ${i} ${hex(start)} + size ${hex(length)} passes 2^64`)
      ranges.push({ start, bytes: bytes.window(Number(offset), Number(length)), source: `Memory64List range ${i}` })
      offset += length
    }
    return ranges
  })

/** ModuleList: 108-byte `MINIDUMP_MODULE`s (base 0, size 8, name RVA 20, CodeView record 76). */
const readModules = (reading: Reading, stream: Stream): Result.Result<ReadonlyArray<Module>, InputError> =>
  Result.gen(function*() {
    const { bytes } = reading
    const path = streamPath(stream)
    const { count, first } = yield* listEntries(reading, stream, "module", MODULE_ENTRY)
    const modules: Array<Module> = []
    for (let i = 0; i < count; i++) {
      const entry = first + i * MODULE_ENTRY
      const base = bytes.u64(entry)
      const size = BigInt(bytes.u32(entry + 8))
      if (base + size > 1n << 64n) yield* fail(path, `module ${i} at ${hex(base)} + size ${hex(size)} passes 2^64`)
      const name = yield* readString(bytes, path, `module ${i}'s name`, bytes.u32(entry + 20))
      const buildId = yield* readCodeView(bytes, path, `module ${i}'s CodeView record`, location(bytes, entry + 76))
      modules.push(buildId === undefined ? { base, size, name } : { base, size, name, buildId })
    }
    return modules
  })

const utf16 = new TextDecoder("utf-16le")

/** A `MINIDUMP_STRING`: a 32-bit length in bytes, then that many bytes of UTF-16LE. */
const readString = (bytes: Bytes, path: string, what: string, rva: number): Result.Result<string, InputError> =>
  Result.gen(function*() {
    yield* bytes.check(path, `${what}'s length`, rva, 4)
    const length = bytes.u32(rva)
    yield* bytes.check(path, what, rva + 4, length)
    if (length % 2 !== 0) yield* fail(path, `${what} at ${hex(rva)} is ${length} bytes, not whole UTF-16 code units`)
    return utf16.decode(bytes.window(rva + 4, length))
  })

const RSDS = 0x53445352 // "RSDS": PDB 7.0, GUID at 4, age at 20
const BPEL = 0x4270454c // "LEpB" in the file (Breakpad's MD_CVINFOELF_SIGNATURE): the ELF build id, its bytes from 4

/**
 * The build id a CodeView record carries: all of Breakpad's `BpEL` build
 * id, or the 16-byte GUID of an `RSDS` record (Breakpad and Crashpad put
 * the first 16 bytes of an ELF build id there). Other records: none.
 */
const readCodeView = (bytes: Bytes, path: string, what: string, at: Location): Result.Result<Uint8Array | undefined, InputError> =>
  Result.gen(function*() {
    if (at.size === 0) return undefined
    yield* bytes.check(path, what, at.rva, at.size)
    if (at.size < 4) return undefined
    const signature = bytes.u32(at.rva)
    if (signature === BPEL) return bytes.copy(at.rva + 4, at.size - 4)
    if (signature === RSDS && at.size >= 24) return bytes.copy(at.rva + 4, 16)
    return undefined
  })
