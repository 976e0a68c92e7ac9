/**
 * The plan of a valid stack for one architecture: the activations of the
 * walked limits (one to four, each one to six frames, with random frame
 * sizes), where they sit in the address space, the states of other limits
 * interleaved in the chain, an optional trap, optional options, and how the
 * captured memory is cut into regions, for one of wasmtime's generations
 * (a v1 snapshot, or a v2 one naming a version: see `wasmtimeVersion.ts`).
 * Under `entry-fp` and `exit-trampoline` an activation may have no frames.
 * Every field shrinks on its own; `properties/stack.ts` turns a plan into
 * memory.
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import type { GenerationId } from "../generations.js"
import { generationIds } from "../generations.js"
import type { ActivationPlan, FramePlan, StackPlan } from "../stack.js"
import { u64 } from "./u64.js"
import { wasmtimeVersion } from "./wasmtimeVersion.js"

const MAX = (1n << 64n) - 1n

const framePlan: fc.Arbitrary<FramePlan> = fc.record({
  gap: fc.nat({ max: 24 }),
  savedPc: u64(),
  pac: fc.bigInt({ min: 0n, max: MAX })
})

const someFrames = fc.array(framePlan, { minLength: 1, maxLength: 6 })
// Later generations: now and then an activation with no Wasm frame.
const framesOrNone = fc.oneof({ arbitrary: someFrames, weight: 5 }, { arbitrary: fc.constant([]), weight: 1 })

const activationPlan = (generation: GenerationId): fc.Arbitrary<ActivationPlan> => fc.record({
  frames: generation === "entry-sp" ? someFrames : framesOrNone,
  exitGap: fc.nat({ max: 8 }),
  exitPc: u64().filter((pc) => pc !== 0n),
  slack: fc.nat({ max: 8 }),
  trampolineDelta: fc.nat({ max: 8 }),
  hostGap: fc.nat({ max: 32 }),
  hostPc: u64()
})

const triple = fc.record({ pc: u64(), fp: u64(), sp: u64() })

export const stackPlan = (
  arch: ArchId,
  generations: ReadonlyArray<GenerationId> = generationIds
): fc.Arbitrary<StackPlan> =>
  fc.constantFrom(...generations).chain((generation) => plan(arch, generation))

const plan = (arch: ArchId, generation: GenerationId): fc.Arbitrary<StackPlan> =>
  fc.record({
    arch: fc.constant(arch),
    wasmtime: wasmtimeVersion(generation),
    activations: fc.array(activationPlan(generation), { minLength: 1, maxLength: 4 }),
    limitsAddress: u64(),
    trap: fc.boolean(),
    stale: fc.record({ pc: u64(), fp: u64() }),
    terminal: fc.boolean(),
    tail: fc.array(triple, { maxLength: 2 }),
    others: fc.array(fc.record({ position: fc.nat(), limits: u64(), pc: u64(), fp: u64(), sp: u64() }), { maxLength: 3 }),
    vaBits: fc.option(fc.oneof(fc.constantFrom(39, 48, 52), fc.integer({ min: 0, max: 64 })), { nil: undefined }),
    spareFrames: fc.option(fc.bigInt({ min: 0n, max: 4n }), { nil: undefined }),
    placement: fc.record({
      kind: fc.constantFrom<"low" | "high" | "any">("any", "low", "high"),
      offset: fc.bigInt({ min: 0n, max: MAX })
    }),
    padLow: fc.nat({ max: 40 }),
    padHigh: fc.nat({ max: 40 }),
    fill: fc.integer(),
    splits: fc.array(fc.nat(), { maxLength: 3 }),
    holes: fc.array(fc.record({ at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }), { maxLength: 2 }),
    extras: fc.array(
      fc.record({
        where: fc.constantFrom<"below" | "above" | "inside">("below", "above", "inside"),
        distance: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 4096n }), fc.bigInt({ min: 0n, max: MAX })),
        length: fc.nat({ max: 48 })
      }),
      { maxLength: 3 }
    )
  })
