/**
 * An ELF64 core as properties/core/writer.ts writes it: any of the four
 * register layouts in either byte order (riscv64 also with gdb's short
 * 336-byte prstatus), one to four threads, up to five non-overlapping
 * PT_LOAD segments each with a captured part (up to 128 KiB, so reads cross
 * the reader's 64 KiB windows) and an absent part, NT_FILE mappings and an
 * NT_AUXV.
 */
import * as fc from "fast-check"
import type { CoreArch, CoreSpec, SegmentSpec, ThreadSpec } from "./writer.js"
import { gregs } from "./writer.js"

const MAX = (1n << 64n) - 1n
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: MAX }), fc.constantFrom(0n, 1n, 1n << 63n, MAX), fc.bigInt({ min: 0n, max: 0xffff_ffffn }))

const thread = (arch: CoreArch, tid: number): fc.Arbitrary<ThreadSpec> =>
  fc.record({
    signal: fc.integer({ min: 0, max: 64 }),
    values: fc.array(u64, { minLength: gregs[arch].names.length, maxLength: gregs[arch].names.length }),
    short: arch === "riscv64" ? fc.boolean() : fc.constant(false)
  }).map(({ signal, values, short }) => ({
    tid,
    signal,
    registers: Object.fromEntries(gregs[arch].names.map((name, i) => [name, values[i]!])),
    ...(short ? { prstatusSize: 336 } : {})
  }))

/** A segment's bytes: a pattern from a seed (cheap at 128 KiB, and every word differs). */
const pattern = (size: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

const segments: fc.Arbitrary<ReadonlyArray<SegmentSpec>> = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 0xffff_ffff_ffffn }).map((page) => page * 0x1000n),
    fc.array(
      fc.record({
        gap: fc.integer({ min: 0, max: 0x4000 }),
        captured: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 0x20000 })),
        absent: fc.integer({ min: 0, max: 0x3000 }),
        seed: fc.integer(),
        flags: fc.integer({ min: 0, max: 7 })
      }),
      { minLength: 1, maxLength: 5 }
    )
  )
  .map(([start, parts]) => {
    let at = start
    return parts.map((p) => {
      const vaddr = at + BigInt(p.gap)
      const memsz = BigInt(p.captured + p.absent)
      at = vaddr + memsz
      return { vaddr, memsz, bytes: pattern(p.captured, p.seed), flags: p.flags }
    })
  })

const files = fc.array(
  fc.record({
    start: fc.bigInt({ min: 0n, max: MAX }),
    length: fc.bigInt({ min: 0n, max: 1n << 32n }),
    pageOffset: fc.bigInt({ min: 0n, max: 1n << 40n }),
    name: fc.stringMatching(/^[/a-z0-9._-]{0,40}$/)
  }).map(({ start, length, pageOffset, name }) => ({ start, end: start + length > MAX ? MAX : start + length, pageOffset, name })),
  { maxLength: 4 }
)

const auxv = fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 64n }), u64), { maxLength: 8 })

export const anyCore = (): fc.Arbitrary<CoreSpec> =>
  fc.constantFrom<CoreArch>("x86_64", "aarch64", "s390x", "riscv64").chain((arch) =>
    fc
      .record({
        bigEndian: fc.boolean(),
        tids: fc.uniqueArray(fc.integer({ min: 1, max: 0x7fff_ffff }), { minLength: 1, maxLength: 4 }),
        segments,
        files: fc.option(files, { nil: undefined }),
        auxv: fc.option(auxv, { nil: undefined })
      })
      .chain(({ bigEndian, tids, segments, files, auxv }) =>
        fc.tuple(...tids.map((tid) => thread(arch, tid))).map((threads): CoreSpec => ({
          arch,
          bigEndian,
          threads,
          segments,
          ...(files === undefined ? {} : { files }),
          ...(auxv === undefined ? {} : { auxv })
        }))
      )
  )
