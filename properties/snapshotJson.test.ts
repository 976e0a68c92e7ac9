/**
 * The JSON forms round-trip: a decoded snapshot encodes to JSON that
 * decodes to the same snapshot (same encoding, same walk); a walk's result
 * JSON survives JSON text and carries exactly the spec's fields; decoding
 * never throws, whatever the text or value.
 */
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import * as Snapshot from "../src/Snapshot.js"
import { parse } from "../src/U64.js"
import { walkSync } from "../src/Walker.js"
import { anyStack } from "./arbitraries/anyStack.js"
import { mangledSnapshot } from "./arbitraries/mangledSnapshot.js"
import { numRuns } from "./runs.js"
import { decodeOrFail, framesOf, plain } from "./support.js"

/** The spec's fields of each error in the result JSON, and which are numbers. */
const specFields: Record<string, ReadonlyArray<string>> = {
  MismatchedLimits: ["limits", "stateLimits"],
  InconsistentActivation: ["activation", "pc", "fp", "sp", "entryFp"],
  NullFramePointer: ["activation"],
  NullEntrySp: ["activation"],
  NullEntryFp: ["activation"],
  MisalignedEntrySp: ["activation", "entrySp", "alignment"],
  FpAboveEntrySp: ["activation", "fp", "entrySp"],
  FpAboveEntryFp: ["activation", "fp", "entryFp"],
  MisalignedFp: ["activation", "fp", "alignment"],
  FrameLimitExceeded: ["maxFrames"],
  UnmappedRead: ["activation", "fp", "address"],
  NonMonotonicFp: ["activation", "fp", "nextFp"]
}
const numberFields = new Set(["activation", "alignment", "maxFrames"])
const canonicalHex = /^0x(0|[1-9a-f][0-9a-f]*)$/

const isInputError = (value: unknown): boolean =>
  value instanceof Snapshot.InputError && typeof value.path === "string" && typeof value.reason === "string"

describe.each(archIds)("%s", (arch) => {
  test.prop([anyStack(arch)], { numRuns: numRuns(150) })("decode ∘ encode is the identity on decoded snapshots", (json) => {
    const snapshot = decodeOrFail(json)
    const encoded = Snapshot.encode(snapshot)
    const again = decodeOrFail(JSON.parse(JSON.stringify(encoded)))
    expect(Snapshot.encode(again)).toEqual(encoded)
    expect(again.options).toEqual(snapshot.options)
    expect(again.trap).toEqual(snapshot.trap)
    expect(again.generation).toBe(snapshot.generation)
    expect(again.wasmtime).toBe(snapshot.wasmtime)
    expect(plain(walkSync(again))).toEqual(plain(walkSync(snapshot)))
  })

  test.prop([anyStack(arch)], { numRuns: numRuns(150) })("the result JSON round-trips and has exactly the spec's fields", (json) => {
    const result = walkSync(decodeOrFail(json))
    const encoded = Snapshot.resultToJson(result)
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded)
    expect(encoded.ok).toBe(result.ok)
    expect(encoded.frames.map((f) => ({ pc: parse(f.pc), fp: parse(f.fp), activation: f.activation }))).toEqual(framesOf(result.frames))
    for (const f of encoded.frames) {
      expect([f.pc, f.fp].every((h) => canonicalHex.test(h))).toBe(true)
      expect(Object.keys(f).sort()).toEqual(["activation", "fp", "pc"])
      expect(Number.isSafeInteger(f.activation) && f.activation >= 0).toBe(true)
    }
    if (result.ok || encoded.ok) return
    const { _tag, ...fields } = encoded.error
    expect(_tag).toBe(result.error._tag)
    const error = result.error as unknown as Record<string, unknown>
    const expectedKeys = specFields[_tag]!.filter((k) => error[k] !== undefined)
    expect(Object.keys(fields).sort()).toEqual([...expectedKeys].sort())
    for (const [key, value] of Object.entries(fields)) {
      if (numberFields.has(key)) {
        expect(value).toBe(error[key])
      } else {
        expect(typeof value === "string" && canonicalHex.test(value)).toBe(true)
        expect(BigInt(value)).toBe(error[key])
      }
    }
  })

  test.prop([mangledSnapshot(arch)], { numRuns: numRuns(200) })(
    "decode never throws on a snapshot with a broken field, and a rejection names a path",
    (value) => {
      const decoded = Snapshot.decodeSync(value)
      if (!decoded.ok) {
        expect(isInputError(decoded.error)).toBe(true)
        expect(decoded.error.path.length + decoded.error.reason.length).toBeGreaterThan(0)
      }
      const text = Snapshot.decodeJsonSync(JSON.stringify(value))
      expect(text.ok).toBe(decoded.ok)
    }
  )
})

test.prop([fc.string({ unit: "binary" })], { numRuns: numRuns(300) })("decodeJson never throws on any text", (text) => {
  const decoded = Snapshot.decodeJsonSync(text)
  expect(decoded.ok || isInputError(decoded.error)).toBe(true)
})

test.prop([fc.json()], { numRuns: numRuns(300) })("decodeJson never throws on any JSON text", (text) => {
  const decoded = Snapshot.decodeJsonSync(text)
  expect(decoded.ok || isInputError(decoded.error)).toBe(true)
})

test.prop([fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withDate: true })], { numRuns: numRuns(300) })(
  "decode never throws on any value",
  (value) => {
    const decoded = Snapshot.decodeSync(value)
    expect(decoded.ok || isInputError(decoded.error)).toBe(true)
  }
)
