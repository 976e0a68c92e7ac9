/**
 * Decoding snapshot v2 (snapshot-v2.md): the `wasmtime` version picks the
 * generation (up to 26 `entry-sp`, 27 to 36 `entry-fp`, 37 and later, of
 * any length, `exit-trampoline`); each generation's limits and states carry
 * exactly its fields: a field of another generation on its own object is an
 * input error naming its path, whatever its value (`null` included), a
 * missing one is named too, and a field of the other object (a limits name
 * in a state, a state's name in the limits) is an unknown key, ignored. A
 * mislabelled version never walks silently; a malformed one is named. An
 * `entry-sp` v2 snapshot walks exactly as the same v1 snapshot, and a v1
 * snapshot ignores a version and the later generations' fields (unknown keys).
 */
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import * as Snapshot from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { fromJson, referenceWalk } from "../test/reference/walker.js"
import { validStack } from "./arbitraries/validStack.js"
import { wasmtimeVersion } from "./arbitraries/wasmtimeVersion.js"
import type { GenerationId } from "./generations.js"
import { allLimitsFields, allStateFields, fieldsOf, generationIds, generationOfVersion, VERSION, versionsOf } from "./generations.js"
import { numRuns } from "./runs.js"
import { plain } from "./support.js"

type Json = Record<string, unknown> & { limits: Record<string, unknown>; states: Array<Record<string, unknown>> }

/** A valid v2 stack (any generation) as JSON, and its generation. */
const v2Stack = (arch: (typeof archIds)[number]) =>
  validStack(arch).filter((v) => v.stack.wasmtime !== undefined).map((v) => ({ json: v.json as Json, generation: v.stack.generation }))

const ownLimits = (g: GenerationId) => ["address", "lastWasmExitPc", fieldsOf[g].exitFp, fieldsOf[g].entry]
const ownState = (g: GenerationId) => ["limits", "oldLastWasmExitPc", fieldsOf[g].oldExitFp, fieldsOf[g].oldEntry]

const decodeError = (json: unknown) => {
  const decoded = Snapshot.decodeSync(json)
  return decoded.ok ? undefined : { path: decoded.error.path, reason: decoded.error.reason }
}

describe.each(archIds)("%s", (arch) => {
  test.prop([v2Stack(arch), fc.nat(), fc.nat(), fc.oneof(fc.constant(null), fc.jsonValue())], { numRuns: numRuns(200) })(
    "a field of another generation is an input error naming its path, whatever its value",
    ({ generation, json }, pickTarget, pickName, value) => {
      const target = pickTarget % (json.states.length + 1)
      const inLimits = target === json.states.length
      const names = (inLimits ? allLimitsFields : allStateFields).filter((n) => !(inLimits ? ownLimits : ownState)(generation).includes(n))
      expect(names.length).toBeGreaterThan(0)
      const name = names[pickName % names.length]!
      const broken = inLimits
        ? { ...json, limits: { ...json.limits, [name]: value } }
        : { ...json, states: json.states.map((s, i) => (i === target ? { ...s, [name]: value } : s)) }
      expect(decodeError(broken)?.path).toBe(inLimits ? `limits.${name}` : `states[${target}].${name}`)
    }
  )

  test.prop([v2Stack(arch), fc.nat(), fc.nat(), fc.jsonValue()], { numRuns: numRuns(100) })(
    "a limits field inside a state, or a state's field inside the limits, is an unknown key: ignored",
    ({ json }, pickTarget, pickName, value) => {
      const target = pickTarget % (json.states.length + 1)
      const inLimits = target === json.states.length
      const names = inLimits ? allStateFields : allLimitsFields
      const name = names[pickName % names.length]!
      const extended = inLimits
        ? { ...json, limits: { ...json.limits, [name]: value } }
        : { ...json, states: json.states.map((s, i) => (i === target ? { ...s, [name]: value } : s)) }
      const decoded = Snapshot.decodeSync(extended)
      expect(decoded.ok).toBe(true)
      if (decoded.ok) expect(Snapshot.resultToJson(walkSync(decoded.snapshot))).toEqual(referenceWalk(fromJson(json)))
    }
  )

  test.prop([v2Stack(arch), fc.nat(), fc.nat()], { numRuns: numRuns(100) })(
    "a missing field of the generation is named",
    ({ generation, json }, pickTarget, pickName) => {
      const target = pickTarget % (json.states.length + 1)
      const inLimits = target === json.states.length
      const names = (inLimits ? ownLimits : ownState)(generation)
      const name = names[pickName % names.length]!
      const without = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== name))
      const broken = inLimits
        ? { ...json, limits: without(json.limits) }
        : { ...json, states: json.states.map((s, i) => (i === target ? without(s) : s)) }
      expect(decodeError(broken)).toEqual({ path: inLimits ? `limits.${name}` : `states[${target}].${name}`, reason: "missing" })
    }
  )

  test.prop([v2Stack(arch), fc.constantFrom(...generationIds).chain((g) => wasmtimeVersion(g).filter((v) => v !== undefined))], {
    numRuns: numRuns(200)
  })(
    "the version picks the generation: relabelled within it, the walk is the same; across, decoding names a field",
    ({ generation, json }, version) => {
      const relabelled = { ...json, wasmtime: version }
      const decoded = Snapshot.decodeSync(relabelled)
      if (generationOfVersion(version!) === generation) {
        expect(decoded.ok).toBe(true)
        if (!decoded.ok) return
        expect(decoded.snapshot.generation).toBe(generation)
        expect(decoded.snapshot.wasmtime).toBe(version)
        expect(Snapshot.resultToJson(walkSync(decoded.snapshot))).toEqual(referenceWalk(fromJson(json)))
      } else {
        // Every pair of generations differs in a field of the limits (and of each state).
        expect(decoded.ok).toBe(false)
        if (!decoded.ok) expect(decoded.error.path).toMatch(/^(limits|states\[\d+\])\.\w+$/)
      }
    }
  )

  test.prop([validStack(arch, ["entry-sp"]).filter((v) => v.stack.wasmtime !== undefined)], { numRuns: numRuns(100) })(
    "an entry-sp v2 snapshot walks exactly as the same v1 snapshot",
    ({ frames, json }) => {
      const { wasmtime: _, ...rest } = json
      const v1 = { ...rest, format: "fpwalk.snapshot.v1" }
      const a = Snapshot.decodeSync(json)
      const b = Snapshot.decodeSync(v1)
      expect(a.ok && b.ok).toBe(true)
      if (!a.ok || !b.ok) return
      expect(plain(walkSync(a.snapshot))).toEqual({ ok: true, frames })
      expect(plain(walkSync(b.snapshot))).toEqual({ ok: true, frames })
      expect(b.snapshot.generation).toBe("entry-sp")
    }
  )
})

describe.each(archIds)("%s: v1", (arch) => {
  test.prop([validStack(arch, ["entry-sp"]).filter((v) => v.stack.wasmtime === undefined), fc.constantFrom(...generationIds), fc.jsonValue()], {
    numRuns: numRuns(100)
  })(
    "a v1 snapshot ignores a wasmtime version and the later generations' fields: unknown keys",
    ({ frames, json }, generation, value) => {
      const j = json as Json
      // The names v1 does not own: a later generation's (lastWasmExitFp is v1's own too).
      const limitsNames = allLimitsFields.filter((n) => !ownLimits("entry-sp").includes(n))
      const stateNames = allStateFields.filter((n) => !ownState("entry-sp").includes(n))
      const extended = {
        ...j,
        wasmtime: generation === "entry-sp" ? value : versionsOf[generation][0],
        limits: { ...j.limits, ...Object.fromEntries(limitsNames.map((n) => [n, value])) },
        states: j.states.map((s) => ({ ...s, ...Object.fromEntries(stateNames.map((n) => [n, value])) }))
      }
      const decoded = Snapshot.decodeSync(extended)
      expect(decoded.ok).toBe(true)
      if (!decoded.ok) return
      expect(decoded.snapshot.generation).toBe("entry-sp")
      expect(plain(walkSync(decoded.snapshot))).toEqual({ ok: true, frames })
    }
  )
})

const malformed = fc.oneof(
  fc.constantFrom<unknown>(
    "01.0.0", "36.00.2", "36.0.02", "1.0", "1", "1.0.0.0", "", " 36.0.2", "36.0.2 ", "36.0.2\n", "v36.0.2", "36.0.2-rc1",
    "36.0.2+build", "-1.0.0", "+1.0.0", "36..2", ".36.0", "\u0663\u0666.0.2", "36.0.x", "1e3.0.0", "0x24.0.0",
    36, 36.02, null, true, ["36.0.2"], { major: 36 }
  ),
  fc.string().filter((s) => !VERSION.test(s))
)

test.prop([validStack("x86_64").filter((v) => v.stack.wasmtime !== undefined), malformed], { numRuns: numRuns(200) })(
  "a malformed or missing wasmtime version is an input error at wasmtime",
  ({ json }, version) => {
    expect(decodeError({ ...json, wasmtime: version })?.path).toBe("wasmtime")
    const { wasmtime: _, ...without } = json
    expect(decodeError(without)).toEqual({ path: "wasmtime", reason: "missing" })
  }
)
