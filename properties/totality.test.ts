/**
 * Totality: any decodable snapshot, however wild its values and bytes,
 * walks to an end without throwing, and the walk is either frames or one of
 * the walk's tags (with `error.frame` the number of frames before it). Every
 * walk, successful or not, satisfies the invariants of `walkChecks.ts`.
 */
import { test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import { walkSync } from "../src/Walker.js"
import { anySnapshot } from "./arbitraries/anySnapshot.js"
import { corruptedStack } from "./arbitraries/corruptedStack.js"
import { validStack } from "./arbitraries/validStack.js"
import { numRuns } from "./runs.js"
import { decodeOrFail } from "./support.js"
import { checkWalk } from "./walkChecks.js"

describe.each(archIds)("%s", (arch) => {
  test.prop([anySnapshot(arch)], { numRuns: numRuns(1000) })(
    "any snapshot terminates, never throws, and yields frames or one of the walk's tags",
    (json) => {
      const snapshot = decodeOrFail(json)
      const result = walkSync(snapshot)
      expect(typeof result.ok).toBe("boolean")
      checkWalk(json, snapshot, result)
    }
  )

  test.prop([validStack(arch)], { numRuns: numRuns(100) })("the invariants hold on every valid stack", (valid) => {
    const snapshot = decodeOrFail(valid.json)
    const result = walkSync(snapshot)
    expect(result.ok).toBe(true)
    checkWalk(valid.json, snapshot, result)
  })

  test.prop([corruptedStack(arch)], { numRuns: numRuns(100) })("the invariants hold on the frames before every error", (corrupted) => {
    const snapshot = decodeOrFail(corrupted.json)
    checkWalk(corrupted.json, snapshot, walkSync(snapshot))
  })
})
