/**
 * Fuzz target core: bytes into the ELF core reader, the ELF symbol-file
 * reader and the symbolizer, as they are and after a structure-aware
 * mutation.
 *
 * The mutation finds a core's structure in the bytes (the header's table
 * offsets and counts, every program header's offset, address and sizes,
 * every note's name and descriptor sizes, the register words of each
 * `NT_PRSTATUS`) and overwrites a few of those fields with edge values
 * chosen by the input's last bytes, so the fuzzer reaches the reader's
 * checks from a valid core in one step instead of by chance.
 *
 * The oracle: every read answers a Result; a failure is an InputError with a
 * one-line message; a core read has its first thread (only) crashed, every
 * span the memory returns holds the word asked for, and every lookup
 * returns. Anything thrown propagates: a crash.
 */
import * as Result from "effect/Result"
import { fromBytes } from "../src/ByteSource.js"
import { readCore } from "../src/core/Core.js"
import { buildId, readElf, readSymbols } from "../src/elf/Elf.js"
import { InputError } from "../src/InputError.js"
import { makeSymbolizer } from "../src/native/Symbolize.js"
import { OracleViolation } from "./oracle.js"

const checkError = (error: unknown, what: string) => {
  if (!(error instanceof InputError) || error.message.length === 0 || error.message.includes("\n")) {
    throw new OracleViolation(`${what} failed without a one-line InputError`)
  }
}

const checkWord = (memory: { spanOf: (a: bigint) => { start: bigint; view: DataView } | undefined }, address: bigint, littleEndian: boolean) => {
  const span = memory.spanOf(address)
  if (span === undefined) return undefined
  const at = address - span.start
  if (at < 0n || at + 8n > BigInt(span.view.byteLength)) throw new OracleViolation(`spanOf(${address}) returned a span not holding the word`)
  return span.view.getBigUint64(Number(at), littleEndian)
}

/** Reads `bytes` every way fpwalk does and checks the oracle. */
export const exercise = (bytes: Uint8Array): void => {
  const source = fromBytes(bytes)
  for (const truncated of ["fail", "warn"] as const) {
    const read = readCore(source, { truncated })
    if (Result.isFailure(read)) {
      checkError(read.failure, "readCore")
      continue
    }
    const core = read.success
    core.threads.forEach((t, i) => {
      if (t.crashed !== (i === 0)) throw new OracleViolation(`thread ${i}: crashed is ${t.crashed}`)
      // A naive chain: follow words from the FP, as a walk would.
      let address = t.fp
      for (let n = 0; n < 16; n++) {
        const next = checkWord(core.image.memory, address, core.littleEndian)
        if (next === undefined) break
        address = next
      }
      checkWord(core.image.memory, t.sp ?? 0n, core.littleEndian)
    })
    for (const m of core.image.modules) if (m.base + m.size > 1n << 64n) throw new OracleViolation(`module ${m.name} past 2^64`)
    const symbolizer = makeSymbolizer(core.image, [{ name: "input", source }], core)
    for (const t of core.threads.slice(0, 4)) {
      symbolizer.lookup(t.pc, 0)
      symbolizer.lookup(t.pc, 1)
    }
  }
  const elf = readElf(source)
  if (Result.isFailure(elf)) return checkError(elf.failure, "readElf")
  const symbols = readSymbols(elf.success)
  if (Result.isFailure(symbols)) checkError(symbols.failure, "readSymbols")
  const id = buildId(elf.success)
  if (Result.isFailure(id)) checkError(id.failure, "buildId")
}

// ---------------------------------------------------------------------------
// Structure-aware mutation
// ---------------------------------------------------------------------------

interface Field {
  readonly offset: number
  readonly width: 2 | 4 | 8
}

/** The structural fields of a core-like file, found leniently (never throws). */
export const fields = (bytes: Uint8Array): Array<Field> => {
  const out: Array<Field> = []
  if (bytes.length < 64) return out
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const le = bytes[5] !== 2
  const u16 = (o: number) => view.getUint16(o, le)
  const u32 = (o: number) => view.getUint32(o, le)
  const u64 = (o: number) => view.getBigUint64(o, le)
  out.push({ offset: 32, width: 8 }, { offset: 40, width: 8 }, { offset: 54, width: 2 }, { offset: 56, width: 2 }, { offset: 60, width: 2 }, { offset: 62, width: 2 })
  const phoff = u64(32)
  const phnum = Math.min(u16(56), 256)
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * 56
    if (phoff > BigInt(bytes.length) || o + 56 > bytes.length) break
    for (const f of [8, 16, 32, 40]) out.push({ offset: o + f, width: 8 })
    if (u32(o) !== 4) continue
    // Notes of this PT_NOTE.
    const start = u64(o + 8)
    const size = u64(o + 32)
    if (start + size > BigInt(bytes.length)) continue
    let at = Number(start)
    const end = Number(start + size)
    while (at + 12 <= end) {
      out.push({ offset: at, width: 4 }, { offset: at + 4, width: 4 })
      const namesz = u32(at)
      const descsz = u32(at + 4)
      // Arithmetic padding: `& ~3` on sizes near 2^32 goes negative.
      const desc = at + 12 + Math.ceil(namesz / 4) * 4
      if (desc + descsz > end) break
      if (u32(at + 8) === 1) for (let r = 112; r + 8 <= descsz && r < 112 + 34 * 8; r += 8) out.push({ offset: desc + r, width: 8 })
      at = desc + Math.ceil(descsz / 4) * 4
    }
  }
  return out
}

const edges = (size: number): Array<bigint> => [0n, 1n, 8n, 0x1000n, BigInt(size) - 1n, BigInt(size), BigInt(size) + 1n, 0xffffn, 0xffff_ffffn, 1n << 53n, 1n << 63n, (1n << 64n) - 8n, (1n << 64n) - 1n]

/**
 * Overwrites a few structural fields of `bytes` in place, chosen by its last
 * 8 bytes (which stay as they are); returns a function that undoes it.
 */
export const mutateInPlace = (bytes: Uint8Array): (() => void) => {
  const saved: Array<readonly [number, Uint8Array]> = []
  const undo = () => {
    for (const [offset, old] of saved.reverse()) bytes.set(old, offset)
  }
  const found = fields(bytes)
  if (found.length === 0 || bytes.length < 72) return undo
  let state = (bytes[bytes.length - 1]! | (bytes[bytes.length - 2]! << 8) | (bytes[bytes.length - 3]! << 16) | (bytes[bytes.length - 4]! << 24)) >>> 0 || 1
  const next = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const le = bytes[5] !== 2
  const count = 1 + (bytes[bytes.length - 5]! % 3)
  for (let i = 0; i < count; i++) {
    const field = found[next() % found.length]!
    if (field.offset + field.width > bytes.length - 8) continue
    const choices = edges(bytes.length)
    const old = field.width === 8 ? view.getBigUint64(field.offset, le) : BigInt(field.width === 4 ? view.getUint32(field.offset, le) : view.getUint16(field.offset, le))
    const pick = next() % (choices.length + 3)
    const value = pick < choices.length ? choices[pick]! : pick === choices.length ? old + BigInt(next() % 64) : pick === choices.length + 1 ? old - BigInt(next() % 64) : BigInt(next())
    const v = BigInt.asUintN(field.width * 8, value)
    saved.push([field.offset, bytes.slice(field.offset, field.offset + field.width)])
    if (field.width === 8) view.setBigUint64(field.offset, v, le)
    else if (field.width === 4) view.setUint32(field.offset, Number(v), le)
    else view.setUint16(field.offset, Number(v), le)
  }
  return undo
}

/** {@link mutateInPlace} on a copy. */
export const mutate = (data: Uint8Array): Uint8Array => {
  const bytes = data.slice()
  mutateInPlace(bytes)
  return bytes
}

export const fuzz = (data: Buffer): void => {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  exercise(bytes)
  exercise(mutate(bytes))
}
