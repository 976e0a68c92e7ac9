/**
 * Writes ELF64 core files the way the kernel lays them out: the file header,
 * the program headers (`PT_NOTE` first, then one `PT_LOAD` per segment), the
 * notes (`NT_PRSTATUS` per thread, with `NT_SIGINFO` after the first,
 * `NT_PRPSINFO`, `NT_AUXV`, `NT_FILE`), then each segment's captured bytes.
 *
 * Written from the kernel's structures (`struct elf_prstatus`, the
 * architectures' `elf_gregset_t`), not from src/: tests and properties use it
 * as an independent oracle of what the reader must find.
 */
export type CoreArch = "x86_64" | "aarch64" | "s390x" | "riscv64"

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`)

/** `pr_reg` word names in order, and the machine number, per architecture. */
export const gregs: Readonly<Record<CoreArch, { readonly machine: number; readonly names: ReadonlyArray<string>; readonly bigEndian: boolean; readonly pc: string; readonly fp: string; readonly sp: string }>> = {
  x86_64: {
    machine: 62,
    bigEndian: false,
    names: ["r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"],
    pc: "rip",
    fp: "rbp",
    sp: "rsp"
  },
  aarch64: { machine: 183, bigEndian: false, names: [...range("x", 0, 30), "sp", "pc", "pstate"], pc: "pc", fp: "x29", sp: "sp" },
  // psw, 16 gprs, then 16 × u32 access registers and orig_gpr2 (written as zero words).
  s390x: { machine: 22, bigEndian: true, names: ["psw_mask", "psw_addr", ...range("r", 0, 15)], pc: "psw_addr", fp: "r15", sp: "r15" },
  riscv64: {
    machine: 243,
    bigEndian: false,
    names: ["pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", ...range("a", 0, 7), ...range("s", 2, 11), ...range("t", 3, 6)],
    pc: "pc",
    fp: "s0",
    sp: "sp"
  }
}

/** `sizeof(elf_gregset_t)` per architecture (s390x: 18 words + 64 bytes of access registers + orig_gpr2). */
const gregsetSize: Readonly<Record<CoreArch, number>> = { x86_64: 216, aarch64: 272, s390x: 216, riscv64: 256 }

export interface ThreadSpec {
  readonly tid: number
  readonly ppid?: number
  readonly signal: number
  /** By name; missing registers are 0. */
  readonly registers: Readonly<Record<string, bigint>>
  /** Cut `NT_PRSTATUS` to this many bytes (gdb's 336-byte riscv64 notes). */
  readonly prstatusSize?: number
}

export interface SegmentSpec {
  readonly vaddr: bigint
  readonly memsz: bigint
  /** The captured bytes (`p_filesz = bytes.length`), or just a size for a sparse layout. */
  readonly bytes?: Uint8Array
  readonly filesz?: number
  readonly flags?: number
}

export interface FileSpec {
  readonly start: bigint
  readonly end: bigint
  readonly pageOffset: bigint
  readonly name: string
}

export interface CoreSpec {
  readonly arch: CoreArch
  /** Default: the architecture's own order. */
  readonly bigEndian?: boolean
  readonly threads: ReadonlyArray<ThreadSpec>
  readonly segments: ReadonlyArray<SegmentSpec>
  readonly files?: ReadonlyArray<FileSpec>
  readonly pageSize?: bigint
  readonly auxv?: ReadonlyArray<readonly [bigint, bigint]>
  readonly process?: { readonly pid: number; readonly program: string; readonly args: string }
  readonly siginfo?: { readonly signo: number; readonly code: number; readonly address: bigint }
}

class Out {
  private bytes = new Uint8Array(256)
  length = 0
  constructor(readonly bigEndian: boolean) {}
  private grow(n: number) {
    if (this.length + n <= this.bytes.length) return
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n))
    next.set(this.bytes.subarray(0, this.length))
    this.bytes = next
  }
  private view(n: number) {
    this.grow(n)
    const v = new DataView(this.bytes.buffer, this.length, n)
    this.length += n
    return v
  }
  u8(x: number) { this.view(1).setUint8(0, x) }
  u16(x: number) { this.view(2).setUint16(0, x, !this.bigEndian) }
  u32(x: number) { this.view(4).setUint32(0, x >>> 0, !this.bigEndian) }
  u64(x: bigint) { this.view(8).setBigUint64(0, BigInt.asUintN(64, x), !this.bigEndian) }
  raw(b: Uint8Array) { this.grow(b.length); this.bytes.set(b, this.length); this.length += b.length }
  zeros(n: number) { this.grow(n); this.bytes.fill(0, this.length, this.length + n); this.length += n }
  align(n: number) { this.zeros((n - (this.length % n)) % n) }
  done() { return this.bytes.slice(0, this.length) }
}

const text = (s: string) => new TextEncoder().encode(s)

const note = (out: Out, type: number, desc: Uint8Array, name = "CORE") => {
  const n = text(name)
  out.u32(n.length + 1)
  out.u32(desc.length)
  out.u32(type)
  out.raw(n)
  out.u8(0)
  out.align(4)
  out.raw(desc)
  out.align(4)
}

export const prstatus = (arch: CoreArch, bigEndian: boolean, t: ThreadSpec): Uint8Array => {
  const out = new Out(bigEndian)
  out.u32(t.signal) // si_signo
  out.u32(0)
  out.u32(0)
  out.u16(t.signal) // pr_cursig
  out.u16(0)
  out.u64(0n) // sigpend
  out.u64(0n) // sighold
  out.u32(t.tid)
  out.u32(t.ppid ?? 1)
  out.u32(t.tid)
  out.u32(t.tid)
  out.zeros(64) // times
  const { names } = gregs[arch]
  for (const name of names) out.u64(t.registers[name] ?? 0n)
  out.zeros(gregsetSize[arch] - names.length * 8)
  out.u32(1) // pr_fpvalid
  out.align(8)
  const full = out.done()
  return t.prstatusSize === undefined ? full : full.slice(0, t.prstatusSize)
}

/** The head (header, program headers, notes) and where each segment's bytes go. */
export interface Layout {
  readonly head: Uint8Array
  readonly offsets: ReadonlyArray<number>
  readonly size: number
}

export const layoutCore = (spec: CoreSpec): Layout => {
  const bigEndian = spec.bigEndian ?? gregs[spec.arch].bigEndian
  const notes = new Out(bigEndian)
  spec.threads.forEach((t, i) => {
    note(notes, 1, prstatus(spec.arch, bigEndian, t))
    if (i === 0) {
      if (spec.process !== undefined) {
        const p = new Out(bigEndian)
        p.u8(0x52) // pr_state
        p.u8(0x52) // pr_sname 'R'
        p.u8(0)
        p.u8(0)
        p.u32(0)
        p.u64(0n)
        p.u32(1000) // uid
        p.u32(1000) // gid
        p.u32(spec.process.pid)
        p.u32(1)
        p.u32(spec.process.pid)
        p.u32(spec.process.pid)
        const fname = new Uint8Array(16)
        fname.set(text(spec.process.program).subarray(0, 15))
        p.raw(fname)
        const args = new Uint8Array(80)
        args.set(text(spec.process.args).subarray(0, 79))
        p.raw(args)
        note(notes, 3, p.done())
      }
      if (spec.siginfo !== undefined) {
        const s = new Out(bigEndian)
        s.u32(spec.siginfo.signo)
        s.u32(0)
        s.u32(spec.siginfo.code)
        s.u32(0)
        s.u64(spec.siginfo.address)
        s.zeros(128 - 24)
        note(notes, 0x53494749, s.done())
      }
      if (spec.auxv !== undefined) {
        const a = new Out(bigEndian)
        for (const [type, value] of spec.auxv) {
          a.u64(type)
          a.u64(value)
        }
        a.u64(0n)
        a.u64(0n)
        note(notes, 6, a.done())
      }
      if (spec.files !== undefined) {
        const f = new Out(bigEndian)
        f.u64(BigInt(spec.files.length))
        f.u64(spec.pageSize ?? 4096n)
        for (const m of spec.files) {
          f.u64(m.start)
          f.u64(m.end)
          f.u64(m.pageOffset)
        }
        for (const m of spec.files) {
          f.raw(text(m.name))
          f.u8(0)
        }
        note(notes, 0x46494c45, f.done())
      }
    }
  })
  const noteBytes = notes.done()
  const phnum = 1 + spec.segments.length
  const noteOffset = 64 + 56 * phnum
  let offset = noteOffset + noteBytes.length
  const offsets: Array<number> = []
  for (const s of spec.segments) {
    offset = Math.ceil(offset / 8) * 8
    offsets.push(offset)
    offset += s.bytes?.length ?? s.filesz ?? 0
  }
  const out = new Out(bigEndian)
  out.raw(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, bigEndian ? 2 : 1, 1, 0]))
  out.zeros(8)
  out.u16(4) // ET_CORE
  out.u16(gregs[spec.arch].machine)
  out.u32(1)
  out.u64(0n) // e_entry
  out.u64(64n) // e_phoff
  out.u64(0n) // e_shoff
  out.u32(0)
  out.u16(64)
  out.u16(56)
  out.u16(phnum)
  out.u16(64)
  out.u16(0)
  out.u16(0)
  // PT_NOTE
  out.u32(4)
  out.u32(4)
  out.u64(BigInt(noteOffset))
  out.u64(0n)
  out.u64(0n)
  out.u64(BigInt(noteBytes.length))
  out.u64(0n)
  out.u64(4n)
  spec.segments.forEach((s, i) => {
    out.u32(1)
    out.u32(s.flags ?? 6)
    out.u64(BigInt(offsets[i]!))
    out.u64(s.vaddr)
    out.u64(0n)
    out.u64(BigInt(s.bytes?.length ?? s.filesz ?? 0))
    out.u64(s.memsz)
    out.u64(0x1000n)
  })
  out.raw(noteBytes)
  return { head: out.done(), offsets, size: offset }
}

/** The whole core in memory. */
export const writeCore = (spec: CoreSpec): Uint8Array => {
  const { head, offsets, size } = layoutCore(spec)
  const bytes = new Uint8Array(size)
  bytes.set(head)
  spec.segments.forEach((s, i) => {
    if (s.bytes !== undefined) bytes.set(s.bytes, offsets[i]!)
  })
  return bytes
}
