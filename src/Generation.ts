/**
 * wasmtime's three ways of recording activations, as walk rules (see
 * `WalkRules`), and the plan of a snapshot's walk.
 *
 * | generation        | wasmtime   | activation ends                               | empty activation |
 * |-------------------|------------|-----------------------------------------------|------------------|
 * | `entry-sp`        | up to 26   | next FP reaches the entry SP (`>=`; s390x `>`) | impossible       |
 * | `entry-fp`        | 27 to 36   | before emitting, FP equals the entry FP        | allowed          |
 * | `exit-trampoline` | 37 and on  | as `entry-fp`; exit FP read at the trampoline's FP | allowed      |
 *
 * Each generation is data (its stop rules, its JSON field names) plus one
 * small function: the checks that start an activation (the spec's checks
 * 1–3).
 *
 * @since 0.2.0
 */
import type { Activation, GenerationId, Snapshot } from "./Activation.js"
import { Activations } from "./Activation.js"
import type { Arch } from "./Arch.js"
import { pcMask } from "./Arch.js"
import { architectures } from "./arch/index.js"
import type { Memory } from "./Memory.js"
import { readWord } from "./Memory.js"
import type { ActivationSource, ActivationStart, StopRelation, WalkPlan, WalkRules } from "./WalkRules.js"
import {
  FpAboveEntryFp,
  FpAboveEntrySp,
  InconsistentActivation,
  MisalignedEntrySp,
  MismatchedLimits,
  NullEntryFp,
  NullEntrySp,
  NullFramePointer,
  UnmappedRead
} from "./WalkError.js"
import type { WalkError } from "./WalkError.js"

/**
 * The JSON names of a generation's fields: the limits' exit and entry
 * values, and a state's.
 *
 * @category models
 * @since 0.2.0
 */
export interface FieldNames {
  readonly exitFp: string
  readonly entry: string
  readonly oldExitFp: string
  readonly oldEntry: string
}

/**
 * One generation: its id, the wasmtime majors it covers, its field names,
 * its stop rules and the checks that start an activation.
 *
 * @category models
 * @since 0.2.0
 */
export interface Generation {
  readonly id: GenerationId
  /** The first wasmtime major of this generation. */
  readonly since: number
  readonly fields: FieldNames
  readonly stopAtBoundary: boolean
  readonly above: WalkRules["above"]
  readonly stopAfter: (arch: Arch) => StopRelation | undefined
  /** Checks 1–3: the activation's start, its end (`undefined`: PC 0), or an error. */
  readonly start: (
    activation: Activation,
    frame: number,
    arch: Arch,
    memory: Memory
  ) => ActivationStart | WalkError | undefined
}

const startAt = (activation: Activation, fp: bigint): ActivationStart => ({
  _tag: "ActivationStart",
  index: activation.index,
  pc: activation.pc,
  fp,
  boundary: activation.entry
})

/**
 * The seed's generation: the entry SP, and an activation ends when a saved
 * FP reaches it.
 *
 * @category generations
 * @since 0.2.0
 */
// Stryker disable next-line ObjectLiteral: killed when applied by hand (Snapshot.ts builds its schemas from this when it loads, so no test file importing it loads), which Stryker's vitest runner does not count as a failed test
export const entrySp: Generation = {
  id: "entry-sp",
  since: 0,
  fields: { exitFp: "lastWasmExitFp", entry: "lastWasmEntrySp", oldExitFp: "oldLastWasmExitFp", oldEntry: "oldLastWasmEntrySp" },
  stopAtBoundary: false,
  above: ({ activation, boundary, fp, frame }) => new FpAboveEntrySp({ frame, activation, fp, entrySp: boundary }),
  stopAfter: (arch) => arch.stopWhenNextFp,
  start: (a, frame, arch) => {
    const { entry: sp, fp, index: activation, pc } = a
    if (pc === 0n) return fp === 0n && sp === 0n ? undefined : new InconsistentActivation({ frame, activation, pc, fp, sp })
    if (fp === 0n) return new NullFramePointer({ frame, activation })
    if (sp === 0n) return new NullEntrySp({ frame, activation })
    if ((sp & BigInt(arch.entrySpAlignment - 1)) !== 0n) {
      return new MisalignedEntrySp({ frame, activation, entrySp: sp, alignment: arch.entrySpAlignment })
    }
    return startAt(a, fp)
  }
}

// Checks 1 and 2 of the entry-FP generations.
const startEntryFp = (a: Activation, frame: number): ActivationStart | WalkError | undefined => {
  const { entry: entryFp, fp, index: activation, pc } = a
  if (pc === 0n) return fp === 0n && entryFp === 0n ? undefined : new InconsistentActivation({ frame, activation, pc, fp, entryFp })
  if (fp === 0n) return new NullFramePointer({ frame, activation })
  if (entryFp === 0n) return new NullEntryFp({ frame, activation })
  return startAt(a, fp)
}

const aboveEntryFp: WalkRules["above"] = ({ activation, boundary, fp, frame }) =>
  new FpAboveEntryFp({ frame, activation, fp, entryFp: boundary })

/**
 * wasmtime 27 to 36: the entry trampoline's FP, and an activation ends, before
 * emitting, at an FP equal to it.
 *
 * @category generations
 * @since 0.2.0
 */
// Stryker disable next-line ObjectLiteral: as entrySp's
export const entryFp: Generation = {
  id: "entry-fp",
  since: 27,
  fields: { exitFp: "lastWasmExitFp", entry: "lastWasmEntryFp", oldExitFp: "oldLastWasmExitFp", oldEntry: "oldLastWasmEntryFp" },
  stopAtBoundary: true,
  above: aboveEntryFp,
  stopAfter: () => undefined,
  start: startEntryFp
}

/**
 * wasmtime 37 and later: as `entry-fp`, but the exit is recorded as the exit
 * trampoline's FP `t`, and the Wasm exit FP is the word saved at `t` (check
 * 3; a trap's FP is Wasm's own).
 *
 * @category generations
 * @since 0.2.0
 */
// Stryker disable next-line ObjectLiteral: as entrySp's
export const exitTrampoline: Generation = {
  id: "exit-trampoline",
  since: 37,
  fields: {
    exitFp: "lastWasmExitTrampolineFp",
    entry: "lastWasmEntryFp",
    oldExitFp: "oldLastWasmExitTrampolineFp",
    oldEntry: "oldLastWasmEntryFp"
  },
  stopAtBoundary: true,
  above: aboveEntryFp,
  stopAfter: () => undefined,
  start: (a, frame, arch, memory) => {
    const checked = startEntryFp(a, frame)
    if (checked === undefined || checked._tag !== "ActivationStart" || a.trap) return checked
    const t = a.fp
    const fp = readWord(memory, t, arch.littleEndian)
    if (fp === undefined) return new UnmappedRead({ frame, activation: a.index, fp: t, address: t, slot: "exit FP" })
    if (fp === 0n) return new NullFramePointer({ frame, activation: a.index })
    return startAt(a, fp)
  }
}

/**
 * Every generation by id, oldest first.
 *
 * @category generations
 * @since 0.2.0
 */
// Stryker disable next-line ObjectLiteral: as entrySp's
export const generations: Readonly<Record<GenerationId, Generation>> = {
  "entry-sp": entrySp,
  "entry-fp": entryFp,
  "exit-trampoline": exitTrampoline
}

/**
 * The generation of a wasmtime version `MAJOR.MINOR.PATCH` (digits only, no
 * leading zeros), or `undefined` when the text is not such a version. A major
 * above every known one is the newest generation.
 *
 * @category generations
 * @since 0.2.0
 */
export const generationOf = (version: string): Generation | undefined => {
  if (!/^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(version)) return undefined
  const major = version.slice(0, version.indexOf("."))
  // Compared as decimal text: a major of any length is exact.
  const atLeast = (since: number) => major.length > String(since).length || (major.length === String(since).length && major >= String(since))
  return atLeast(exitTrampoline.since) ? exitTrampoline : atLeast(entryFp.since) ? entryFp : entrySp
}

/**
 * The plan of a snapshot's walk: its architecture's rules with its
 * generation's, and its activations (check 0, judged when the plan is made
 * and reported before the first activation; then each activation's checks,
 * lazily).
 *
 * @category constructors
 * @since 0.2.0
 */
export const wasmPlan = (snapshot: Snapshot): WalkPlan => {
  const arch = architectures[snapshot.arch]
  const generation = generations[snapshot.generation]
  const rules: WalkRules = {
    littleEndian: arch.littleEndian,
    record: arch.record,
    alignment: arch.fpAlignment,
    pcMask: pcMask(arch, snapshot.options),
    maxFrames: snapshot.options.maxFrames,
    stopAtBoundary: generation.stopAtBoundary,
    above: generation.above,
    stopAfter: generation.stopAfter(arch)
  }
  return { rules, memory: snapshot.memory, activations: wasmActivations(snapshot, generation, arch) }
}

const wasmActivations = (snapshot: Snapshot, generation: Generation, arch: Arch): ActivationSource => {
  const list = new Activations(snapshot)
  // Check 0 comes before the first activation; its error ends the walk.
  const mismatch = checkLimits(snapshot)
  return {
    next: (frame) => {
      if (mismatch !== undefined) return mismatch
      const activation = list.next()
      return activation === undefined ? undefined : generation.start(activation, frame, arch, snapshot.memory)
    }
  }
}

/**
 * Check 0: a trap requires the innermost state to belong to the walked
 * limits (the original's `assert!(ptr::eq(limits, state.limits))`).
 *
 * @category checks
 * @since 0.1.0
 */
export const checkLimits = (snapshot: Snapshot): MismatchedLimits | undefined => {
  if (snapshot.trap === undefined) return undefined
  const innermost = snapshot.states[0]
  if (innermost !== undefined && innermost.limits === snapshot.limits.address) return undefined
  return new MismatchedLimits({ frame: 0, limits: snapshot.limits.address, stateLimits: innermost?.limits })
}
