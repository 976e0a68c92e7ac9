/**
 * Real wasmtime stacks (test/fixtures/wasmtime, captured by its capture.sh
 * from wasmtime 49.0.0 on x86_64 and 36.0.2 on x86_64, aarch64 and s390x):
 * every snapshot v2 walks to exactly the frames wasmtime itself walked (its
 * trace log, checked against the saved memory and, for 49's traps, gdb's
 * unwinder), and every corrupted copy to the error and prefix derived by
 * hand from the spec's check order. Replayed without the tools.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { decodeJsonSync, resultToJson } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"

const root = fileURLToPath(new URL("fixtures/wasmtime/", import.meta.url))
const targets = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && /-\d+\.\d+\.\d+$/.test(d.name)).map((d) => d.name).sort()

interface Expected {
  readonly wasmtime: string
  readonly arch: string
  readonly generation: string
  readonly ok: boolean
  readonly error?: Record<string, unknown>
  readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string; readonly activation: number }>
}

const captures = (target: string) =>
  readdirSync(join(root, target)).filter((f) => f.endsWith(".snapshot.json")).map((f) => f.slice(0, -".snapshot.json".length)).sort()

describe("real wasmtime stacks", () => {
  it("come from wasmtime 49 and 36 on x86_64, and 36 on aarch64 and s390x, at least 8 clean captures each", () => {
    expect(targets).toEqual(expect.arrayContaining(["x86_64-49.0.0", "x86_64-36.0.2", "aarch64-36.0.2", "s390x-36.0.2"]))
    for (const target of targets) {
      expect(captures(target).filter((name) => !name.includes(".corrupt-")).length, target).toBeGreaterThanOrEqual(8)
    }
  })

  it("have corrupted copies covering the v2 error tags", () => {
    const tags = new Set(targets.flatMap((target) =>
      captures(target).flatMap((name) => {
        const expected = JSON.parse(readFileSync(join(root, target, `${name}.expected.json`), "utf8")) as Expected
        return expected.ok ? [] : [`${expected.generation}:${String(expected.error?.["_tag"])}`]
      })
    ))
    for (const tag of ["NullEntryFp", "FpAboveEntryFp", "InconsistentActivation"]) {
      expect(tags).toContain(`entry-fp:${tag}`)
      expect(tags).toContain(`exit-trampoline:${tag}`)
    }
    expect(tags).toContain("exit-trampoline:UnmappedRead")
    expect(tags).toContain("exit-trampoline:NullFramePointer")
  })

  describe.each(targets)("%s", (target) => {
    it.each(captures(target))("%s walks to wasmtime's frames", (name) => {
      const expected = JSON.parse(readFileSync(join(root, target, `${name}.expected.json`), "utf8")) as Expected
      const decoded = decodeJsonSync(readFileSync(join(root, target, `${name}.snapshot.json`), "utf8"))
      if (!decoded.ok) return expect.fail(decoded.error.message)
      expect(decoded.snapshot.wasmtime).toBe(expected.wasmtime)
      expect(decoded.snapshot.generation).toBe(expected.generation)
      const result = resultToJson(walkSync(decoded.snapshot))
      const frames = expected.frames.map(({ activation, fp, pc }) => ({ pc, fp, activation }))
      expect(result).toEqual(expected.ok ? { ok: true, frames } : { ok: false, error: expected.error, frames })
    })
  })
})
