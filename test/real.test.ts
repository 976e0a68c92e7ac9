/**
 * Real stacks: snapshots captured from real programs on x86_64 (native),
 * aarch64, s390x and riscv64 (qemu-user) by test/fixtures/real/generate.sh.
 * Each expectation was recorded by the program itself (every function logged
 * its return address and frame pointer as it ran), or, for a corrupted copy,
 * derived from those records and the one change made; none came from a walk.
 * Replaying needs no cross tools: decode, walk, encode, compare.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { archIds } from "../src/arch/index.js"
import { readWord } from "../src/Memory.js"
import * as Snapshot from "../src/Snapshot.js"
import * as Walker from "../src/Walker.js"
import { tags } from "../src/WalkError.js"

const root = fileURLToPath(new URL("fixtures/real/", import.meta.url))

/** The spec's result shape, plus which capture it came from and what was changed. */
type Expectation = Snapshot.ResultJson & { readonly source: string; readonly corruption?: string }

const fixtures = (arch: string): ReadonlyArray<string> =>
  readdirSync(join(root, arch))
    .filter((file) => file.endsWith(".snapshot.json"))
    .map((file) => file.slice(0, -".snapshot.json".length))
    .sort()

const read = (arch: string, name: string, kind: "snapshot" | "expect") =>
  readFileSync(join(root, arch, `${name}.${kind}.json`), "utf8")


describe.each(archIds)("real %s stacks", (arch) => {
  const names = fixtures(arch)
  const expectations = new Map(names.map((name) => [name, JSON.parse(read(arch, name, "expect")) as Expectation]))

  it("has at least ten clean captures and a corrupted copy for every error tag", () => {
    const all = [...expectations.values()]
    expect(all.filter((e) => e.corruption === undefined).length).toBeGreaterThanOrEqual(10)
    // v1's tags: the entry-FP ones belong to snapshot v2 (test/fixtures/wasmtime).
    const v1Tags = tags.filter((tag) => tag !== "NullEntryFp" && tag !== "FpAboveEntryFp")
    expect(new Set(all.flatMap((e) => (e.ok ? [] : [e.error._tag])))).toEqual(new Set(v1Tags))
  })

  it.each(names)("%s walks to the recorded frames", (name) => {
    const decoded = Snapshot.decodeJsonSync(read(arch, name, "snapshot"))
    if (!decoded.ok) throw new Error(`${arch}/${name}: ${decoded.error.message}`)
    expect(decoded.snapshot.arch).toBe(arch)
    const result = Snapshot.resultToJson(Walker.walkSync(decoded.snapshot))
    const expected = expectations.get(name)
    if (expected === undefined) throw new Error(`${arch}/${name}: no expectation`)
    const { source: _source, corruption: _corruption, ...walk } = expected
    expect(result).toEqual(walk)
  })
})

describe("real aarch64 stacks with pointer authentication", () => {
  it("carry signed return addresses that the walk strips back to the recorded ones", () => {
    const names = fixtures("aarch64").filter((name) => name.startsWith("pac-"))
    expect(names.length).toBeGreaterThanOrEqual(5)
    for (const name of names) {
      const decoded = Snapshot.decodeJsonSync(read("aarch64", name, "snapshot"))
      if (!decoded.ok) throw new Error(decoded.error.message)
      const snapshot = decoded.snapshot
      const expected = JSON.parse(read("aarch64", name, "expect")) as Expectation
      // Every frame but the newest of each activation has its PC read from the
      // stack: at least one of those words must carry PAC bits above bit 47.
      const signed = expected.frames.filter((frame) => {
        const word = readWord(snapshot.memory, BigInt(frame.fp) + 8n, true)
        return word !== undefined && word >> 48n !== 0n
      })
      expect(signed.length, name).toBeGreaterThan(0)
    }
  })
})
