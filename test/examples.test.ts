import { describe, expect, it } from "vitest"
import { readFileSync, writeFileSync, readdirSync } from "node:fs"
import { decodeJsonSync, resultToJson } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { toHex } from "../src/U64.js"
import { examples } from "./support/examples.js"

const path = (name: string) => new URL(`../examples/${name}.json`, import.meta.url)
const text = (json: unknown) => JSON.stringify(json, null, 2) + "\n"

if (process.env["UPDATE_EXAMPLES"] === "1") {
  for (const example of examples) writeFileSync(path(example.name), text(example.json))
}

describe("examples/", () => {
  it("holds exactly the described examples", () => {
    const files = readdirSync(new URL("../examples/", import.meta.url)).filter((f) => f.endsWith(".json")).sort()
    expect(files).toEqual(examples.map((e) => `${e.name}.json`).sort())
  })

  for (const example of examples) {
    it(`${example.name}.json is up to date and walks as built`, () => {
      const committed = readFileSync(path(example.name), "utf8")
      expect(committed).toBe(text(example.json))
      const decoded = decodeJsonSync(committed)
      if (!decoded.ok) return expect.fail(decoded.error.message)
      const result = resultToJson(walkSync(decoded.snapshot))
      const frames = example.frames.map((f) => ({ pc: toHex(f.pc), fp: toHex(f.fp), activation: f.activation }))
      expect(result).toEqual(example.error === undefined ? { ok: true, frames } : { ok: false, error: example.error, frames })
    })
  }
})
