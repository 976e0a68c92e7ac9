/**
 * Writes a minidump from a model, the way Breakpad, Crashpad and lldb lay
 * them out: the 32-byte header, the stream directory right after it, then
 * each stream's data in directory order, then the contexts, memory bytes,
 * module names and CodeView records they point to.
 *
 * The layouts here are written from the format's documentation
 * (shared/minidumps/README.md, `MINIDUMP_*` structures), not from
 * src/minidump, so a round trip checks one against the other.
 */

/** A thread context's registers and layout. */
export interface ContextModel {
  /** The context's size: AMD64 1232 or 720, ARM64 912 or 800. */
  readonly size: number
  readonly flags: number
  readonly pc: bigint
  readonly fp: bigint
  readonly sp: bigint
  /** Fills the bytes no register occupies, so a register read at a wrong offset shows. */
  readonly fill: number
}

export interface RegionModel {
  readonly start: bigint
  readonly bytes: Uint8Array
}

export interface ThreadModel {
  readonly id: number
  readonly context: ContextModel
  /** The stack descriptor; `undefined` writes an empty one (start 0, size 0, RVA 0). */
  readonly stack: RegionModel | undefined
}

export interface ExceptionModel {
  readonly threadId: number
  readonly code: number
  readonly address: bigint
  readonly context: ContextModel
}

export interface ModuleModel {
  readonly base: bigint
  /** `SizeOfImage`, 32 bits. */
  readonly size: number
  readonly name: string
  /** Written as a Breakpad ELF CodeView record (`LEpB` + build id) when present. */
  readonly buildId: Uint8Array | undefined
}

/** A stream of a type the reader does not read: its bytes are written and must be ignored. */
export interface OtherStreamModel {
  readonly type: number
  readonly bytes: Uint8Array
}

export type StreamKind = "SystemInfo" | "ThreadList" | "MemoryList" | "Memory64List" | "ModuleList" | "Exception" | "Other"

export interface DumpModel {
  /** `ProcessorArchitecture`: 9 AMD64, 12 ARM64, 0x8003 Breakpad's old ARM64, or any other. */
  readonly processorArchitecture: number
  /** Breakpad's macOS writer: 4 bytes of padding after the ThreadList, MemoryList and ModuleList counts. */
  readonly padded: boolean
  readonly threads: ReadonlyArray<ThreadModel>
  /** Exception streams in directory order; the first names the crashed thread. */
  readonly exceptions: ReadonlyArray<ExceptionModel>
  readonly memoryList: ReadonlyArray<RegionModel>
  /** `undefined`: no Memory64List stream. */
  readonly memory64List: ReadonlyArray<RegionModel> | undefined
  readonly modules: ReadonlyArray<ModuleModel>
  readonly others: ReadonlyArray<OtherStreamModel>
  /** Stream kinds in directory order: a permutation of the streams written (Exception once per exception, Other once per other). */
  readonly order: ReadonlyArray<StreamKind>
}

/** Register offsets by architecture (README "Contexts"). */
export const registerOffsets = (processorArchitecture: number) =>
  processorArchitecture === 9
    ? { flags: 0x30, sp: 0x98, fp: 0xa0, pc: 0xf8 }
    : { flags: 0x00, sp: 0x100, fp: 0xf0, pc: 0x108 }

/** A growable little-endian byte buffer. */
class Out {
  private buffer = new Uint8Array(4096)
  length = 0

  private ensure(n: number): void {
    if (this.length + n <= this.buffer.length) return
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n))
    bigger.set(this.buffer.subarray(0, this.length))
    this.buffer = bigger
  }

  reserve(n: number): number {
    this.ensure(n)
    const at = this.length
    this.length += n
    return at
  }

  put(bytes: Uint8Array): number {
    const at = this.reserve(bytes.length)
    this.buffer.set(bytes, at)
    return at
  }

  set32(at: number, value: number): void {
    new DataView(this.buffer.buffer).setUint32(at, value >>> 0, true)
  }

  set64(at: number, value: bigint): void {
    new DataView(this.buffer.buffer).setBigUint64(at, BigInt.asUintN(64, value), true)
  }

  set16(at: number, value: number): void {
    new DataView(this.buffer.buffer).setUint16(at, value, true)
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}

const contextBytes = (processorArchitecture: number, context: ContextModel): Uint8Array => {
  const bytes = new Uint8Array(context.size)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (context.fill + i * 7) & 0xff
  const view = new DataView(bytes.buffer)
  const at = registerOffsets(processorArchitecture)
  if (processorArchitecture === 0x8003) view.setBigUint64(0, BigInt(context.flags >>> 0), true)
  else view.setUint32(at.flags, context.flags >>> 0, true)
  view.setBigUint64(at.sp, context.sp, true)
  view.setBigUint64(at.fp, context.fp, true)
  view.setBigUint64(at.pc, context.pc, true)
  return bytes
}

const utf16le = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length * 2)
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) & 0xff
    bytes[2 * i + 1] = text.charCodeAt(i) >>> 8
  }
  return bytes
}

/** Writes the model's minidump. */
export const writeMinidump = (model: DumpModel): Uint8Array => {
  const out = new Out()
  const header = out.reserve(32)
  out.set32(header, 0x504d444d)
  out.set32(header + 4, 0xa793)
  out.set32(header + 8, model.order.length)
  out.set32(header + 12, 32)
  out.set64(header + 24, 0x1n)
  const directory = out.reserve(12 * model.order.length)
  // Data written after every stream, and where its position goes: a location
  // descriptor (size, RVA), a bare 32-bit RVA (a module name), or a 64-bit
  // one (Memory64List's BaseRva).
  const later: Array<{ readonly at: number; readonly as: "location" | "rva32" | "rva64"; readonly bytes: Uint8Array }> = []
  const locate = (at: number, bytes: Uint8Array) => later.push({ at, as: "location", bytes })
  const pad = model.padded ? 4 : 0
  let exception = 0
  let other = 0
  model.order.forEach((kind, index) => {
    const start = out.length
    let type = 0
    switch (kind) {
      case "SystemInfo": {
        type = 7
        const at = out.reserve(56)
        out.set16(at, model.processorArchitecture)
        out.set32(at + 20, 0x8201)
        break
      }
      case "ThreadList": {
        type = 3
        const at = out.reserve(4 + pad + 48 * model.threads.length)
        out.set32(at, model.threads.length)
        model.threads.forEach((thread, i) => {
          const entry = at + 4 + pad + 48 * i
          out.set32(entry, thread.id)
          if (thread.stack !== undefined) {
            out.set64(entry + 24, thread.stack.start)
            locate(entry + 32, thread.stack.bytes)
          }
          locate(entry + 40, contextBytes(model.processorArchitecture, thread.context))
        })
        break
      }
      case "Exception": {
        type = 6
        const e = model.exceptions[exception++]!
        const at = out.reserve(168)
        out.set32(at, e.threadId)
        out.set32(at + 8, e.code)
        out.set64(at + 24, e.address)
        locate(at + 160, contextBytes(model.processorArchitecture, e.context))
        break
      }
      case "MemoryList": {
        type = 5
        const at = out.reserve(4 + pad + 16 * model.memoryList.length)
        out.set32(at, model.memoryList.length)
        model.memoryList.forEach((region, i) => {
          const entry = at + 4 + pad + 16 * i
          out.set64(entry, region.start)
          locate(entry + 8, region.bytes)
        })
        break
      }
      case "Memory64List": {
        type = 9
        const regions = model.memory64List ?? []
        const at = out.reserve(16 + 16 * regions.length)
        out.set64(at, BigInt(regions.length))
        regions.forEach((region, i) => {
          out.set64(at + 16 + 16 * i, region.start)
          out.set64(at + 24 + 16 * i, BigInt(region.bytes.length))
        })
        // The bytes follow each other from BaseRva, which is written last.
        later.push({ at: at + 8, as: "rva64", bytes: concat(regions.map((r) => r.bytes)) })
        break
      }
      case "ModuleList": {
        type = 4
        const at = out.reserve(4 + pad + 108 * model.modules.length)
        out.set32(at, model.modules.length)
        model.modules.forEach((module, i) => {
          const entry = at + 4 + pad + 108 * i
          out.set64(entry, module.base)
          out.set32(entry + 8, module.size)
          const name = utf16le(module.name)
          const string = new Uint8Array(4 + name.length + 2)
          new DataView(string.buffer).setUint32(0, name.length, true)
          string.set(name, 4)
          later.push({ at: entry + 20, as: "rva32", bytes: string })
          if (module.buildId !== undefined) {
            const cv = new Uint8Array(4 + module.buildId.length)
            new DataView(cv.buffer).setUint32(0, 0x4270454c, true)
            cv.set(module.buildId, 4)
            locate(entry + 76, cv)
          }
        })
        break
      }
      case "Other": {
        const o = model.others[other++]!
        type = o.type
        out.put(o.bytes)
        break
      }
    }
    out.set32(directory + 12 * index, type)
    out.set32(directory + 12 * index + 4, out.length - start)
    out.set32(directory + 12 * index + 8, start)
  })
  for (const item of later) {
    const rva = out.put(item.bytes)
    if (item.as === "location") {
      out.set32(item.at, item.bytes.length)
      out.set32(item.at + 4, rva)
    } else if (item.as === "rva32") out.set32(item.at, rva)
    else out.set64(item.at, BigInt(rva))
  }
  return out.bytes()
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return all
}
