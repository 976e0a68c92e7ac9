/**
 * Every named corruption of a valid stack fails the walk with exactly its
 * error: the tag, the frame index it carries (`error.frame`), the fields
 * naming the offending values, and the frames walked before it (each with
 * its activation), under every generation the corruption applies to.
 */
import { test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import { walkSync } from "../src/Walker.js"
import { corruptedStack } from "./arbitraries/corruptedStack.js"
import { corruptionNames } from "./corrupt.js"
import { numRuns } from "./runs.js"
import { decodeOrFail, frameOf, framesOf } from "./support.js"

describe.each(archIds)("%s", (arch) => {
  test.prop([corruptedStack(arch)], { numRuns: numRuns(500) })(
    "every corruption yields exactly its tag, at its frame, after the correct prefix",
    (corrupted) => {
      const result = walkSync(decodeOrFail(corrupted.json))
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.error._tag).toBe(corrupted.tag)
      expect(frameOf(result.error)).toBe(corrupted.frame)
      expect(framesOf(result.frames)).toEqual(corrupted.frames)
      const fields = result.error as unknown as Record<string, unknown>
      for (const [name, value] of Object.entries(corrupted.fields)) expect(fields[name], name).toBe(value)
    }
  )

  // Each corruption on its own, so that a rare one is never starved by the others.
  describe.each(corruptionNames)("%s", (name) => {
    test.prop([corruptedStack(arch, [name])], { numRuns: numRuns(40) })("yields its tag at its frame", (corrupted) => {
      const result = walkSync(decodeOrFail(corrupted.json))
      expect(result.ok ? undefined : [result.error._tag, frameOf(result.error)]).toEqual([corrupted.tag, corrupted.frame])
      expect(framesOf(result.frames)).toEqual(corrupted.frames)
      const fields = (result.ok ? {} : result.error) as unknown as Record<string, unknown>
      for (const [field, value] of Object.entries(corrupted.fields)) expect(fields[field], field).toBe(value)
    })
  })
})
