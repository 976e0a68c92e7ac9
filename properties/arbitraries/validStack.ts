/**
 * A valid stack for one architecture (of any generation, or of the given
 * ones), as the spec's snapshot JSON, with the frames a correct walk must
 * produce, computed from how the stack was laid out (never by walking it).
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import type { GenerationId } from "../generations.js"
import { generationIds } from "../generations.js"
import type { BuiltStack, Frame } from "../stack.js"
import { buildStack, expectedFrames, toJson } from "../stack.js"
import { stackPlan } from "./stackPlan.js"

export interface ValidStack {
  readonly json: Record<string, unknown>
  readonly frames: ReadonlyArray<Frame>
  /** How it was built: activations, frame slots, where each triple lives. */
  readonly stack: BuiltStack
}

export const validStack = (arch: ArchId, generations: ReadonlyArray<GenerationId> = generationIds): fc.Arbitrary<ValidStack> =>
  stackPlan(arch, generations).map((plan) => {
    const stack = buildStack(plan)
    return { json: toJson(stack), frames: expectedFrames(stack), stack }
  })
