/**
 * Replays every fuzz input kept in the repository through the same target
 * functions and oracle the fuzzer runs, without the native fuzzer:
 * - fuzz/corpus/<target>/*: the minimised corpora (one test per target);
 * - fuzz/regressions/<target>/<what-it-found>: every crash the fuzzer found,
 *   one test each, named after what it found, so a fixed crash stays fixed.
 * It also checks that the oracle is not blind: a walk that differs from the
 * reference walker, or that breaks an invariant, is reported.
 */
import { FuzzedDataProvider } from "@jazzer.js/core/dist/FuzzedDataProvider.js"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { decodeSync } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { resultToJson } from "../src/Snapshot.js"
import type { ArchId } from "../src/Arch.js"
import { fromJson, referenceWalk } from "../test/reference/walker.js"
import { checkWalk, OracleViolation, sameResult } from "./oracle.js"
import { buildStack, toJson } from "./stack-builder.js"
import { targets } from "./targets.js"
import { referenceOf, snapshotOf } from "./walk.js"

const dir = (sub: string) => new URL(`./${sub}/`, import.meta.url)
const list = (url: URL): Array<string> => (existsSync(url) ? readdirSync(url).filter((f) => !f.startsWith(".")).sort() : [])

describe("fuzz corpora replay", () => {
  for (const [name, fuzz] of Object.entries(targets)) {
    it(`${name}: every corpus input passes the oracle`, () => {
      const inputs = list(new URL(`${name}/`, dir("corpus")))
      expect(inputs.length).toBeGreaterThan(0)
      for (const file of inputs) {
        const data = readFileSync(new URL(`${name}/${file}`, dir("corpus")))
        expect(() => fuzz(data), `fuzz/corpus/${name}/${file}`).not.toThrow()
      }
    })
  }
})

describe("the walk targets' two ways in", () => {
  for (const arch of ["x86_64", "aarch64", "s390x", "riscv64"] as const satisfies ReadonlyArray<ArchId>) {
    it(`walk-${arch}: the stack made from the builder's values walks as its decoded JSON, for src and the reference`, () => {
      const inputs = list(new URL(`walk-${arch}/`, dir("corpus")))
      const generations = new Set<string>()
      for (const file of inputs) {
        const data = readFileSync(new URL(`walk-${arch}/${file}`, dir("corpus")))
        const provider = new FuzzedDataProvider(data)
        provider.consumeIntegralInRange(0, 255)
        const built = buildStack(arch, provider)
        generations.add(built.generation)
        const json = toJson(built)
        const decoded = decodeSync(json)
        expect(decoded.ok, file).toBe(true)
        if (!decoded.ok) return
        const viaJson = resultToJson(walkSync(decoded.snapshot))
        expect(sameResult(resultToJson(walkSync(snapshotOf(built))), viaJson), file).toBe(true)
        expect(sameResult(referenceWalk(referenceOf(built)), referenceWalk(fromJson(json))), file).toBe(true)
        expect(sameResult(viaJson, referenceWalk(fromJson(json))), file).toBe(true)
      }
      expect([...generations].sort()).toEqual(["entry-fp", "entry-sp", "exit-trampoline"])
    })
  }
})

describe("fuzz regressions", () => {
  const found = list(dir("regressions")).filter((name) => name in targets)
  it("every regression folder names a target", () => {
    expect(list(dir("regressions")).filter((f) => !f.endsWith(".md"))).toEqual(found)
  })
  for (const name of found) {
    for (const file of list(new URL(`${name}/`, dir("regressions")))) {
      it(`${name}: ${file.replace(/\.[a-z]+$/, "").replaceAll("-", " ")}`, () => {
        const data = readFileSync(new URL(`${name}/${file}`, dir("regressions")))
        expect(() => targets[name]!(data)).not.toThrow()
      })
    }
  }
})

describe("the oracle", () => {
  // The first of a fixed family of inputs that builds an x86_64 stack of three or more frames.
  const built = () => {
    for (let fill = 0; fill < 256; fill++) {
      const provider = new FuzzedDataProvider(Buffer.alloc(96, fill))
      provider.consumeIntegralInRange(0, 255)
      const json = toJson(buildStack("x86_64", provider)) as Record<string, unknown> & { memory: Array<{ address: string; base64: string }> }
      const decoded = decodeSync(json)
      if (!decoded.ok) throw new Error(decoded.error.message)
      const walked = walkSync(decoded.snapshot)
      if (walked.ok && walked.frames.length >= 3) return { json, snapshot: decoded.snapshot }
    }
    throw new Error("no input of the family builds three frames")
  }

  it("accepts a walk that matches the reference walker", () => {
    const { json, snapshot } = built()
    expect(() => checkWalk(fromJson(json), snapshot, 0)).not.toThrow()
  })

  it("reports a walk whose result differs from the reference walker's", () => {
    const { json, snapshot } = built()
    // The reference sees maxFrames 0 (FrameLimitExceeded), src the default.
    expect(() => checkWalk(fromJson({ ...json, options: { maxFrames: 0 } }), snapshot, 0)).toThrow(OracleViolation)
  })

  it("reports a walk whose memory differs from what the reference reads", () => {
    const { json, snapshot } = built()
    const memory = json.memory.map((r) => ({ ...r, base64: Buffer.alloc(Buffer.from(r.base64, "base64").length, 0xff).toString("base64") }))
    expect(() => checkWalk(fromJson({ ...json, memory }), snapshot, 0)).toThrow(OracleViolation)
  })
})
