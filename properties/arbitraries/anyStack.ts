/**
 * A snapshot JSON of any kind for one architecture: a valid stack, a
 * corrupted one, or any decodable snapshot. For properties that must hold
 * whatever the walk's outcome.
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import { anySnapshot } from "./anySnapshot.js"
import { corruptedStack } from "./corruptedStack.js"
import { validStack } from "./validStack.js"

export const anyStack = (arch: ArchId): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    validStack(arch).map((v) => v.json),
    corruptedStack(arch).map((c) => c.json),
    anySnapshot(arch)
  )
