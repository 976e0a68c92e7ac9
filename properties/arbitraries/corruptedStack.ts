/**
 * A valid stack with one named corruption, and what a correct walk must
 * report: the error's tag, the frame index it carries, its fields and the
 * frames before it (see `properties/corrupt.ts`). The stack is of a
 * generation the corruption applies to.
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import type { CorruptedStack, CorruptionName } from "../corrupt.js"
import { appliesTo, corrupt, corruptionNames } from "../corrupt.js"
import { buildStack } from "../stack.js"
import { corruption } from "./corruption.js"
import { stackPlan } from "./stackPlan.js"

export const corruptedStack = (
  arch: ArchId,
  names: ReadonlyArray<CorruptionName> = corruptionNames
): fc.Arbitrary<CorruptedStack> =>
  fc.constantFrom(...names)
    .chain((name) => fc.tuple(stackPlan(arch, appliesTo[name]), corruption([name])))
    .map(([plan, c]) => corrupt(buildStack(plan), c))
