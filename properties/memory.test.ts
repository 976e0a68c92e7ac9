/**
 * `StackMemory` as an address space, against an independent reader: any
 * number of regions given in any order read exactly as the raw bytes say
 * (a word only when all eight bytes lie in one region), and a bad set of
 * regions is named the same way whatever the order: the first region past
 * 2^64, or for regions at one address the two given first.
 */
import { fc, test } from "@fast-check/vitest"
import * as Result from "effect/Result"
import { expect } from "vitest"
import { architectures, archIds, isArchId } from "../src/arch/index.js"
import { readWord } from "../src/Memory.js"
import { StackMemory } from "../src/StackMemory.js"
import { numRuns } from "./runs.js"
import { readRaw } from "./support.js"

const LIMIT = 1n << 64n

/** Disjoint regions (some empty, some adjacent), then given in a random order. */
const shuffledRegions = fc.record({
  base: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: LIMIT - (1n << 20n) })),
  parts: fc.array(
    fc.record({ gap: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 40n })), bytes: fc.uint8Array({ maxLength: 40 }), key: fc.nat() }),
    { minLength: 1, maxLength: 200, size: "large" }
  )
}).map(({ base, parts }) => {
  let address = base
  const laid = parts.map((p) => {
    address += p.gap
    const region = { address, bytes: Buffer.from(p.bytes), key: p.key }
    address += BigInt(p.bytes.length)
    return region
  })
  return [...laid].sort((a, b) => a.key - b.key).map(({ address, bytes }) => ({ address, bytes }))
})

test.prop([shuffledRegions, fc.array(fc.tuple(fc.nat(), fc.integer({ min: -12, max: 12 }), fc.boolean()), { maxLength: 64 })], {
  numRuns: numRuns(200)
})("any number of regions in any order read exactly as an independent reader reads them", (regions, probes) => {
  const made = StackMemory.make(regions)
  expect(Result.isSuccess(made)).toBe(true)
  if (Result.isFailure(made)) return
  for (const [pick, delta, atEnd] of probes) {
    const region = regions[pick % regions.length]!
    const address = (atEnd ? region.address + BigInt(region.bytes.length) : region.address) + BigInt(delta)
    if (address < 0n || address >= LIMIT) continue
    for (const arch of ["x86_64", "s390x"] as const) {
      expect(readWord(made.success, address, architectures[arch].littleEndian)).toBe(readRaw(arch, regions, address))
    }
  }
})

test.prop([
  fc.bigInt({ min: 0n, max: LIMIT - 64n }),
  fc.array(fc.record({ sameAddress: fc.boolean(), length: fc.integer({ min: 1, max: 16 }) }), { minLength: 2, maxLength: 200, size: "large" })
], { numRuns: numRuns(200) })(
  "regions at one address are reported as the two given first, whatever else is given",
  (address, specs) => {
    // The others are empty, scattered anywhere: empty regions overlap nothing.
    const regions = specs.map((s, i) =>
      s.sameAddress || i < 2 ? { address, bytes: new Uint8Array(s.length) } : { address: BigInt(i) * 0x1000n, bytes: new Uint8Array(0) }
    )
    const same = regions.flatMap((r, i) => (r.address === address ? [i] : []))
    expect(StackMemory.make(regions)).toEqual(Result.fail({ _tag: "Overlap", index: same[1], other: same[0] }))
  }
)

test.prop([fc.array(fc.record({ address: fc.bigInt({ min: 0n, max: LIMIT - 1n }), length: fc.nat({ max: 16 }) }), { minLength: 1, maxLength: 8 })], {
  numRuns: numRuns(100)
})(
  "the first region past 2^64 is the one reported, before any overlap",
  (specs) => {
    const regions = specs.map((s) => ({ address: s.address, bytes: new Uint8Array(s.length) }))
    const past = regions.findIndex((r) => r.address + BigInt(r.bytes.length) > LIMIT)
    const made = StackMemory.make(regions)
    if (past >= 0) expect(made).toEqual(Result.fail({ _tag: "PastEnd", index: past }))
    else expect(Result.isSuccess(made) || made.failure._tag === "Overlap").toBe(true)
  }
)

test.prop([fc.oneof(
  fc.constantFrom(...archIds),
  fc.constantFrom(...archIds).map((id) => [id]),
  fc.constantFrom(...archIds).map((id) => new String(id)),
  fc.constantFrom(...archIds).map((id) => ({ toString: () => id })),
  fc.anything()
)], { numRuns: numRuns(200) })("isArchId accepts exactly the four id strings", (value) => {
  expect(isArchId(value)).toBe(typeof value === "string" && (archIds as ReadonlyArray<string>).includes(value))
})
