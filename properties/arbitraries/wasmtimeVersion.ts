/**
 * The `wasmtime` version a snapshot of one generation names: the versions
 * the real captures name (26.0.1, 36.0.2, 49.0.0), the edges of each range
 * (26/27, 36/37), majors of any length past 36, any minor and patch. For
 * `entry-sp`, also `undefined`: a v1 snapshot, which walks the same way.
 */
import * as fc from "fast-check"
import type { GenerationId } from "../generations.js"
import { versionsOf } from "../generations.js"

const majors: Readonly<Record<GenerationId, fc.Arbitrary<string>>> = {
  "entry-sp": fc.integer({ min: 0, max: 26 }).map(String),
  "entry-fp": fc.integer({ min: 27, max: 36 }).map(String),
  "exit-trampoline": fc.oneof(
    fc.integer({ min: 37, max: 100_000 }).map(String),
    fc.bigInt({ min: 37n, max: 10n ** 40n }).map(String)
  )
}

const part = fc.oneof(fc.nat({ max: 20 }), fc.nat()).map(String)

export const wasmtimeVersion = (generation: GenerationId): fc.Arbitrary<string | undefined> => {
  const version = fc.oneof(
    fc.constantFrom(...versionsOf[generation]),
    fc.tuple(majors[generation], part, part).map(([major, minor, patch]) => `${major}.${minor}.${patch}`)
  )
  return generation === "entry-sp" ? fc.option(version, { nil: undefined, freq: 2 }) : version
}
