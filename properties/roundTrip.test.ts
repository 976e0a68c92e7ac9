/**
 * A valid stack walks to exactly the frames it was built with, on every
 * architecture and in every generation: every activation, in order (those
 * without frames passed over, their index still counted), each frame's PC
 * (stripped of authentication bits when read from an aarch64 stack, as given
 * when it is the exit or trap PC), FP and activation index.
 */
import { test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import { walkSync } from "../src/Walker.js"
import { validStack } from "./arbitraries/validStack.js"
import { numRuns } from "./runs.js"
import { decodeOrFail, plain } from "./support.js"

describe.each(archIds)("%s", (arch) => {
  test.prop([validStack(arch)], { numRuns: numRuns(300) })("a valid stack walks to exactly its constructed frames", (valid) => {
    const result = walkSync(decodeOrFail(valid.json))
    expect(plain(result)).toEqual({ ok: true, frames: valid.frames })
  })
})
