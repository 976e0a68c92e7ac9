/**
 * The spec's generation table (snapshot-v2.md), written out again as the
 * test oracle: which wasmtime version walks by which rules, and the JSON
 * names of each generation's fields. Nothing here reads src/, so a wrong
 * version boundary or field name in src/Generation.ts makes the properties
 * fail rather than move the expectations with it.
 */

export type GenerationId = "entry-sp" | "entry-fp" | "exit-trampoline"

export const generationIds: ReadonlyArray<GenerationId> = ["entry-sp", "entry-fp", "exit-trampoline"]

/** The JSON names of a generation's recorded exit FP and entry value, in the limits and in a state. */
export interface Fields {
  readonly exitFp: string
  readonly entry: string
  readonly oldExitFp: string
  readonly oldEntry: string
}

export const fieldsOf: Readonly<Record<GenerationId, Fields>> = {
  "entry-sp": { exitFp: "lastWasmExitFp", entry: "lastWasmEntrySp", oldExitFp: "oldLastWasmExitFp", oldEntry: "oldLastWasmEntrySp" },
  "entry-fp": { exitFp: "lastWasmExitFp", entry: "lastWasmEntryFp", oldExitFp: "oldLastWasmExitFp", oldEntry: "oldLastWasmEntryFp" },
  "exit-trampoline": {
    exitFp: "lastWasmExitTrampolineFp",
    entry: "lastWasmEntryFp",
    oldExitFp: "oldLastWasmExitTrampolineFp",
    oldEntry: "oldLastWasmEntryFp"
  }
}

/** Every field name some generation owns in the limits (`limits`) or in a state (`state`). */
export const allLimitsFields = [...new Set(generationIds.flatMap((g) => [fieldsOf[g].exitFp, fieldsOf[g].entry]))]
export const allStateFields = [...new Set(generationIds.flatMap((g) => [fieldsOf[g].oldExitFp, fieldsOf[g].oldEntry]))]

/** `MAJOR.MINOR.PATCH`, decimal, no leading zeros, no suffix. */
export const VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/

/** The generation a wasmtime version walks by: up to 26, 27 to 36, 37 and later (any length of major). */
export const generationOfVersion = (version: string): GenerationId => {
  const major = BigInt(version.split(".")[0]!)
  return major <= 26n ? "entry-sp" : major <= 36n ? "entry-fp" : "exit-trampoline"
}

/** A version of each generation the real captures name, and the edges of its range. */
export const versionsOf: Readonly<Record<GenerationId, ReadonlyArray<string>>> = {
  "entry-sp": ["26.0.1", "0.0.0", "1.0.0", "9.0.4", "26.99.99", "14.0.0"],
  "entry-fp": ["36.0.2", "27.0.0", "31.0.0", "36.999.0", "30.1.2"],
  "exit-trampoline": ["49.0.0", "37.0.0", "42.0.1", "100.0.0", "123456789012345678901234567890.0.0", "37.0.10"]
}
