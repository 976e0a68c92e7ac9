/**
 * Fuzz target minidump: a minidump, mutated where the reader looks, into
 * `readMinidump`, `toImage` and a walk over what they return.
 *
 * Input: byte 0 holds the number of structural mutations (low 3 bits),
 * then 7 bytes per mutation (kind, field: u16, value: u32), then the dump.
 * The seeds (fuzz/corpus/minidump/) are dumps written by
 * properties/minidump's writer with no mutation; libFuzzer mutates the
 * bytes, the mutations here aim at the fields a byte flip rarely hits
 * whole: directory entries, counts, RVAs, sizes, stack descriptors,
 * context locations and the registers inside contexts. A field is found by
 * a lenient walk of the (already mutated) structure, so mutations compose.
 *
 * The reader must answer every input with a Result whose failure is an
 * InputError of one non-empty line; on success, its memory answers spanOf
 * with undefined or a span holding the whole word, its image has one
 * thread per ThreadList entry, and a bounded walk over it returns. Anything
 * thrown (a RangeError of an unchecked read, say) is a crash.
 */
import * as Result from "effect/Result"
import { InputError } from "../src/InputError.js"
import type { Memory } from "../src/Memory.js"
import { readMinidump, toImage } from "../src/minidump/Minidump.js"
import { walkThread } from "../test/minidump/walk.js"

/** A broken promise of the reader: the fuzzer reports it as a crash. */
class OracleViolation extends Error {
  override readonly name = "OracleViolation"
}

const violation = (what: string): never => {
  throw new OracleViolation(what)
}

interface Field {
  readonly at: number
  readonly width: 4 | 8
}

const MAX_ENTRIES = 16

/** The fields of a dump the mutations aim at, found without trusting any of them beyond the bounds of the file. */
const fields = (dump: Uint8Array): Array<Field> => {
  const view = new DataView(dump.buffer, dump.byteOffset, dump.byteLength)
  const found: Array<Field> = []
  const add = (at: number, width: 4 | 8) => {
    if (at >= 0 && at + width <= dump.length) found.push({ at, width })
  }
  const u32 = (at: number) => (at >= 0 && at + 4 <= dump.length ? view.getUint32(at, true) : undefined)
  const context = (at: number) => {
    const rva = u32(at + 4)
    add(at, 4)
    add(at + 4, 4)
    // AMD64 rsp/rbp/rip and ARM64 x29/sp/pc.
    if (rva !== undefined) for (const offset of [0x98, 0xa0, 0xf8, 0xf0, 0x100, 0x108]) add(rva + offset, 8)
  }
  add(8, 4)
  add(12, 4)
  const count = u32(8) ?? 0
  const directory = u32(12) ?? 0
  for (let i = 0; i < Math.min(count, MAX_ENTRIES); i++) {
    const entry = directory + 12 * i
    const type = u32(entry)
    const rva = u32(entry + 8)
    if (type === undefined || rva === undefined) break
    add(entry, 4)
    add(entry + 4, 4)
    add(entry + 8, 4)
    const n = Math.min(u32(rva) ?? 0, MAX_ENTRIES)
    switch (type) {
      case 3: // ThreadList
        add(rva, 4)
        for (let t = 0; t < n; t++) {
          const thread = rva + 4 + 48 * t
          add(thread + 24, 8)
          add(thread + 32, 4)
          add(thread + 36, 4)
          context(thread + 40)
        }
        break
      case 4: // ModuleList
        add(rva, 4)
        for (let m = 0; m < n; m++) {
          const module = rva + 4 + 108 * m
          add(module, 8)
          add(module + 8, 4)
          add(module + 20, 4)
          add(module + 76, 4)
          add(module + 80, 4)
        }
        break
      case 5: // MemoryList
        add(rva, 4)
        for (let r = 0; r < n; r++) {
          add(rva + 4 + 16 * r, 8)
          add(rva + 12 + 16 * r, 4)
          add(rva + 16 + 16 * r, 4)
        }
        break
      case 6: // Exception
        add(rva, 4)
        add(rva + 24, 8)
        context(rva + 160)
        break
      case 7: // SystemInfo
        add(rva, 4)
        break
      case 9: // Memory64List
        add(rva, 8)
        add(rva + 8, 8)
        for (let r = 0; r < n; r++) {
          add(rva + 16 + 16 * r, 8)
          add(rva + 24 + 16 * r, 8)
        }
        break
    }
  }
  return found
}

/** Applies one mutation (kind, field selector, value) to `dump` in place; returns the dump (shorter after a cut). */
const mutate = (dump: Uint8Array, kind: number, selector: number, value: number): Uint8Array => {
  const found = fields(dump)
  if (kind % 8 === 5) return dump.subarray(0, value % (dump.length + 1))
  const field = found[selector % Math.max(1, found.length)]
  if (field === undefined) return dump
  const view = new DataView(dump.buffer, dump.byteOffset, dump.byteLength)
  const old = field.width === 4 ? BigInt(view.getUint32(field.at, true)) : view.getBigUint64(field.at, true)
  const edges = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, dump.length, dump.length - 1, dump.length + 1]
  let next: bigint
  switch (kind % 8) {
    case 0:
      next = BigInt(value)
      break
    case 1:
      next = BigInt(edges[value % edges.length]!)
      break
    case 2: // a small step either way: a size one word off, an RVA into the next structure
      next = old + BigInt(((value & 0xff) << 24) >> 24)
      break
    case 3: {
      // Another field's value: two structures at one RVA, a count from a size.
      const other = found[value % found.length]!
      next = other.width === 4 ? BigInt(view.getUint32(other.at, true)) : view.getBigUint64(other.at, true)
      break
    }
    case 4:
      next = BigInt(dump.length - (value % 64))
      break
    case 6:
      next = old ^ (1n << BigInt(value % (field.width * 8)))
      break
    default: // 7: the high half of a 64-bit field (addresses near 2^64)
      next = (BigInt(value) << 32n) | (old & 0xffff_ffffn)
  }
  if (field.width === 4) view.setUint32(field.at, Number(BigInt.asUintN(32, next)), true)
  else view.setBigUint64(field.at, BigInt.asUintN(64, next), true)
  return dump
}

const oneLine = (text: string, what: string): void => {
  if (text.length === 0 || /[\n\r]/.test(text)) violation(`${what} is not one non-empty line: ${JSON.stringify(text)}`)
}

const checkError = (error: unknown, what: string): void => {
  if (!(error instanceof InputError)) violation(`${what} failed without an InputError`)
  oneLine((error as InputError).message, `${what}'s message`)
}

const checkSpan = (memory: Memory, address: bigint): void => {
  const span = memory.spanOf(address)
  if (span === undefined) return
  const offset = address - span.start
  if (offset < 0n || offset + 8n > BigInt(span.view.byteLength)) {
    violation(`spanOf(0x${address.toString(16)}) returned a span at 0x${span.start.toString(16)} of ${span.view.byteLength} bytes`)
  }
}

export const fuzz = (data: Buffer): void => {
  const count = data.length > 0 ? data[0]! & 7 : 0
  const header = 1 + 7 * count
  let dump: Uint8Array = new Uint8Array(data.subarray(Math.min(header, data.length)))
  for (let i = 0; i < count && 1 + 7 * i + 7 <= data.length; i++) {
    const at = 1 + 7 * i
    dump = mutate(dump, data[at]!, data.readUInt16LE(at + 1), data.readUInt32LE(at + 3))
  }
  const read = readMinidump(dump)
  if (!Result.isResult(read)) violation("readMinidump returned something other than a Result")
  if (Result.isFailure(read)) return checkError(read.failure, "readMinidump")
  const minidump = read.success
  for (const warning of minidump.warnings) oneLine(warning, "a warning")
  const regions = minidump.memory.regions
  for (let i = 0; i < regions.length; i++) {
    const region = regions[i]!
    const end = region.address + BigInt(region.bytes.length)
    if (region.bytes.length === 0 || end > 1n << 64n) violation(`region ${i} at 0x${region.address.toString(16)} is empty or passes 2^64`)
    if (i > 0 && region.address < regions[i - 1]!.address + BigInt(regions[i - 1]!.bytes.length)) violation(`region ${i} overlaps region ${i - 1}`)
    for (const address of [region.address - 1n, region.address, end - 8n, end - 7n]) checkSpan(minidump.memory, address)
  }
  for (const address of [-1n, -(1n << 64n), 1n << 64n, (1n << 64n) - 8n, 1n << 70n]) checkSpan(minidump.memory, address)
  const image = toImage(minidump)
  if (!Result.isResult(image)) violation("toImage returned something other than a Result")
  if (Result.isFailure(image)) return checkError(image.failure, "toImage")
  if (image.success.threads.length !== minidump.threads.length) violation("the image does not have one thread per ThreadList entry")
  if (image.success.threads.filter((t) => t.crashed).length > 1) violation("more than one crashed thread")
  for (const thread of image.success.threads) {
    checkSpan(image.success.memory, thread.fp)
    checkSpan(image.success.memory, thread.sp ?? 0n)
    walkThread(image.success, thread, 2000)
  }
}
