/**
 * Any decodable snapshot for one architecture: regions anywhere (near 0,
 * ending exactly at 2^64, adjacent to each other, empty), random bytes with
 * words that point at region edges, straddle region ends or point a little
 * further up the same region (so that chains form), and limits, states,
 * trap and options drawn from 0, 2^64-1, region edges and random values.
 * Values are written in the spec's other forms too (upper-case hex with
 * leading zeros, safe JSON integers). Any generation: a v1 snapshot or a v2
 * one naming a version of any of the three (the limits' and states' values
 * are then that generation's: entry FPs, exit trampolines' FPs).
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import { abi } from "../abi.js"
import { generationIds } from "../generations.js"
import { RegionImage, snapshotJson, StackImage } from "../layout.js"
import { u64 } from "./u64.js"
import { wasmtimeVersion } from "./wasmtimeVersion.js"

const LIMIT = 1n << 64n

type ValueChoice =
  | { readonly kind: "raw"; readonly value: bigint }
  | { readonly kind: "edge"; readonly region: number; readonly end: boolean; readonly delta: number }
  | { readonly kind: "word"; readonly region: number; readonly word: number; readonly delta: number }
  | { readonly kind: "ahead"; readonly words: number; readonly delta: number }

const raw = fc.record({ kind: fc.constant("raw" as const), value: u64() })
const edge = fc.record({
  kind: fc.constant("edge" as const),
  region: fc.nat(),
  end: fc.boolean(),
  delta: fc.integer({ min: -24, max: 24 })
})
const word = fc.record({
  kind: fc.constant("word" as const),
  region: fc.nat(),
  word: fc.nat({ max: 32 }),
  delta: fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, { arbitrary: fc.constantFrom(8, -8, 1, -1, 4), weight: 2 })
})
const ahead = fc.record({
  kind: fc.constant("ahead" as const),
  words: fc.integer({ min: -1, max: 8 }),
  delta: fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, { arbitrary: fc.constantFrom(8, 1), weight: 2 })
})

/** A value chosen by weights: raw values, region edges, aligned words, or a little above the word holding it. */
const valueChoice = (weights: { raw: number; edge: number; word: number; ahead: number }): fc.Arbitrary<ValueChoice> =>
  fc.oneof(
    { arbitrary: raw, weight: weights.raw },
    { arbitrary: edge, weight: weights.edge },
    { arbitrary: word, weight: weights.word },
    { arbitrary: ahead, weight: weights.ahead }
  )

/** In memory: mostly saved FPs a little further up (chains), sometimes anything. */
const inMemory = valueChoice({ raw: 2, edge: 1, word: 2, ahead: 5 })
/** A PC: anything, now and then 0 or an address. */
const pcChoice = valueChoice({ raw: 6, edge: 1, word: 1, ahead: 0 })
/** An FP: mostly an aligned word of some region. */
const fpChoice = valueChoice({ raw: 1, edge: 1, word: 6, ahead: 0 })
/** An entry SP: an aligned word, or a little above the FP. */
const spChoice = valueChoice({ raw: 1, edge: 1, word: 3, ahead: 4 })

export interface AnySnapshotPlan {
  readonly arch: ArchId
  readonly wasmtime: string | undefined
  readonly base: { readonly kind: "low" | "high" | "any"; readonly value: bigint }
  readonly regions: ReadonlyArray<{
    readonly gap: bigint
    readonly bytes: Uint8Array
    readonly words: ReadonlyArray<{ readonly at: number; readonly value: ValueChoice }>
  }>
  readonly limits: { readonly address: bigint; readonly pc: ValueChoice; readonly fp: ValueChoice; readonly sp: ValueChoice }
  readonly states: ReadonlyArray<{ readonly same: boolean; readonly limits: bigint; readonly pc: ValueChoice; readonly fp: ValueChoice; readonly sp: ValueChoice }>
  readonly trap: { readonly pc: ValueChoice; readonly fp: ValueChoice } | undefined
  readonly maxFrames: bigint | undefined
  readonly vaBits: number | undefined
  readonly style: "hex" | "upper" | "numbers"
}

const plan = (arch: ArchId): fc.Arbitrary<AnySnapshotPlan> =>
  fc.record({
    arch: fc.constant(arch),
    wasmtime: fc.constantFrom(...generationIds).chain(wasmtimeVersion),
    base: fc.record({ kind: fc.constantFrom<"low" | "high" | "any">("any", "low", "high"), value: fc.bigInt({ min: 0n, max: LIMIT - 1n }) }),
    regions: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 64n }), fc.bigInt({ min: 0n, max: 1n << 40n })),
        bytes: fc.uint8Array({ maxLength: 256, size: "large" }),
        words: fc.array(fc.record({ at: fc.nat(), value: inMemory }), { maxLength: 32, size: "large" })
      }),
      { maxLength: 4 }
    ),
    limits: fc.record({ address: u64(), pc: pcChoice, fp: fpChoice, sp: spChoice }),
    states: fc.array(
      fc.record({ same: fc.oneof(fc.constant(true), fc.boolean()), limits: u64(), pc: pcChoice, fp: fpChoice, sp: spChoice }),
      { maxLength: 4 }
    ),
    trap: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.record({ pc: pcChoice, fp: fpChoice }), weight: 1 }
    ),
    maxFrames: fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 8n }), u64()), { nil: undefined }),
    vaBits: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }),
    style: fc.constantFrom<"hex" | "upper" | "numbers">("hex", "upper", "numbers")
  })

/** The snapshot JSON a plan describes. */
export const anySnapshotJson = (p: AnySnapshotPlan): Record<string, unknown> => {
  const { littleEndian } = abi[p.arch]
  const total = p.regions.reduce((n, r) => n + r.gap + BigInt(r.bytes.length), 0n)
  let address = p.base.kind === "low"
    ? p.base.value % 64n
    : p.base.kind === "high"
    ? (LIMIT - total - (p.base.value % 2n) * 8n > 0n ? LIMIT - total - (p.base.value % 2n) * 8n : 0n)
    : p.base.value
  const image = new StackImage(p.arch)
  for (const r of p.regions) {
    address += r.gap
    if (address >= LIMIT) break
    const length = address + BigInt(r.bytes.length) <= LIMIT ? r.bytes.length : Number(LIMIT - address)
    image.region(address, length).bytes.set(r.bytes.subarray(0, length))
    address += BigInt(length)
  }
  const regions = image.regions
  const resolve = (choice: ValueChoice, own: bigint): bigint => {
    switch (choice.kind) {
      case "raw":
        return choice.value
      case "ahead":
        return BigInt.asUintN(64, own + 16n * BigInt(choice.words) + BigInt(choice.delta))
      case "edge":
      case "word": {
        const region = regions[choice.region % Math.max(regions.length, 1)]
        if (region === undefined) return BigInt.asUintN(64, BigInt(choice.delta))
        const at = choice.kind === "edge"
          ? (choice.end ? region.end : region.address)
          : ((region.address + 15n) / 16n) * 16n + 16n * BigInt(choice.word % Math.max(1, Math.floor(region.bytes.length / 16)))
        return BigInt.asUintN(64, at + BigInt(choice.delta))
      }
    }
  }
  p.regions.forEach((r, i) => {
    const region: RegionImage | undefined = regions[i]
    if (region === undefined) return
    const first = (8n - (region.address % 8n)) % 8n
    const count = (BigInt(region.bytes.length) - first) / 8n
    if (count <= 0n) return
    for (const w of r.words) {
      const at = region.address + first + 8n * (BigInt(w.at) % count)
      region.writeWord(at, resolve(w.value, at), littleEndian)
    }
  })
  const json = snapshotJson(image, {
    wasmtime: p.wasmtime,
    limits: {
      address: p.limits.address,
      pc: resolve(p.limits.pc, 0n),
      fp: resolve(p.limits.fp, 0n),
      sp: resolve(p.limits.sp, resolve(p.limits.fp, 0n))
    },
    states: p.states.map((s) => ({
      limits: s.same ? p.limits.address : s.limits,
      pc: resolve(s.pc, 0n),
      fp: resolve(s.fp, 0n),
      sp: resolve(s.sp, resolve(s.fp, 0n))
    })),
    trap: p.trap === undefined ? undefined : { pc: resolve(p.trap.pc, 0n), fp: resolve(p.trap.fp, 0n) },
    options: p.maxFrames === undefined && p.vaBits === undefined ? undefined : {
      ...(p.maxFrames === undefined ? {} : { maxFrames: p.maxFrames }),
      ...(p.vaBits === undefined ? {} : { aarch64VaBits: p.vaBits })
    }
  })
  return p.style === "hex" ? json : restyle(json, p.style) as Record<string, unknown>
}

const restyle = (value: unknown, style: "upper" | "numbers"): unknown => {
  if (typeof value === "string" && /^0x[0-9a-f]+$/.test(value)) {
    if (style === "upper") return `0x00${value.slice(2).toUpperCase()}`
    const n = BigInt(value)
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : value
  }
  if (Array.isArray(value)) return value.map((v) => restyle(v, style))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "base64" ? v : restyle(v, style)]))
  }
  return value
}

export const anySnapshot = (arch: ArchId): fc.Arbitrary<Record<string, unknown>> => plan(arch).map(anySnapshotJson)
