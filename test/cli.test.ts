/**
 * The built CLI, end to end (`npm test` builds dist/ first).
 */
import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { examples } from "./support/examples.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = join(root, "dist/bundle/bin.js")

const fpwalk = (args: ReadonlyArray<string>, input?: string) => {
  if (!existsSync(bin)) throw new Error("dist/bundle/bin.js is missing: run `npm run build` (npm test does)")
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, input: input ?? "", encoding: "utf8" })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const example = (name: string) => `examples/${name}.json`
const lines = (text: string) => text.trimEnd().split("\n")

describe("fpwalk walk", () => {
  it("prints a table and exits 0 for a valid stack", () => {
    const run = fpwalk(["walk", example("x86_64-valid")])
    expect(run.status).toBe(0)
    expect(run.stderr).toBe("")
    expect(lines(run.stdout)).toEqual([
      "examples/x86_64-valid.json: valid stack, 5 frames",
      "frame  activation  pc        fp",
      "    0           0  0x400ff4  0x7ffce100",
      "    1           0  0x401024  0x7ffce200",
      "    2           0  0x401048  0x7ffce300",
      "    3           1  0x401800  0x7ffce800",
      "    4           1  0x401824  0x7ffce900"
    ])
  })

  it("prints the frames walked and one sentence for a walk error, and exits 1", () => {
    const run = fpwalk(["walk", example("s390x-NonMonotonicFp")])
    expect(run.status).toBe(1)
    expect(lines(run.stdout).at(-1)).toBe(
      "error: frame 1 in activation 0 at FP 0x7ffce200 saved the older FP 0x7ffce100, which is not above it (the stack grows down)."
    )
    expect(lines(run.stdout)[0]).toBe("examples/s390x-NonMonotonicFp.json: invalid stack (NonMonotonicFp) after 2 frames")
  })

  it("--json prints the spec's result shape for every example", () => {
    for (const e of examples) {
      const run = fpwalk(["walk", "--json", example(e.name)])
      const result = JSON.parse(run.stdout) as { ok: boolean; error?: unknown; frames: unknown }
      expect(run.status).toBe(e.error === undefined ? 0 : 1)
      expect(result).toEqual({
        ok: e.error === undefined,
        ...(e.error === undefined ? {} : { error: e.error }),
        frames: e.frames.map((f) => ({ pc: `0x${f.pc.toString(16)}`, fp: `0x${f.fp.toString(16)}` }))
      })
    }
  })

  it("--json with several files prints one line per file with its name, and exits with the highest status", () => {
    const files = [example("riscv64-valid"), example("riscv64-UnmappedRead")]
    const run = fpwalk(["walk", "--json", ...files])
    expect(run.status).toBe(1)
    const results = lines(run.stdout).map((line) => JSON.parse(line) as { file: string; ok: boolean })
    expect(results.map((r) => [r.file, r.ok])).toEqual([[files[0], true], [files[1], false]])
  })

  it("reads standard input for -", () => {
    const run = fpwalk(["walk", "--json", "-"], JSON.stringify(examples[0]!.json))
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true })
  })

  it("reports an input error on one stderr line with nothing on stdout, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "fpwalk-"))
    const bad = join(dir, "bad.json")
    writeFileSync(bad, JSON.stringify({ ...examples[0]!.json, memory: [{ address: "0xfoo", base64: "" }] }))
    for (const args of [["walk", bad], ["walk", "--json", bad]]) {
      const run = fpwalk(args)
      expect(run.status).toBe(2)
      expect(run.stdout).toBe("")
      expect(run.stderr).toBe(`fpwalk: ${bad}: memory[0].address: not a 64-bit value\n`)
    }
    const missing = fpwalk(["walk", join(dir, "nope.json")])
    expect([missing.status, missing.stdout, lines(missing.stderr).length]).toEqual([2, "", 1])
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/)
    const malformed = fpwalk(["walk", "-"], "{")
    expect([malformed.status, malformed.stdout]).toEqual([2, ""])
    expect(malformed.stderr).toMatch(/^fpwalk: <stdin>: malformed JSON/)
  })

  it("an input error among several files still walks the others and exits 2", () => {
    const run = fpwalk(["walk", "--json", example("x86_64-valid"), "does-not-exist.json", example("x86_64-NullEntrySp")])
    expect(run.status).toBe(2)
    expect(lines(run.stdout)).toHaveLength(2)
  })

  it("--max-frames and --aarch64-va-bits override the snapshot's options", () => {
    const limited = fpwalk(["walk", "--json", "--max-frames", "2", example("aarch64-valid")])
    expect(limited.status).toBe(1)
    expect(JSON.parse(limited.stdout)).toMatchObject({ error: { _tag: "FrameLimitExceeded", maxFrames: 2 } })
    const hex = fpwalk(["walk", "--json", "--max-frames", "0x5", example("aarch64-valid")])
    expect(hex.status).toBe(0)
    const vaBits = fpwalk(["walk", "--json", "--aarch64-va-bits", "64", example("aarch64-valid")])
    expect(vaBits.status).toBe(0)
  })

  it("rejects bad usage with exit 2 and the usage text", () => {
    for (const args of [[], ["walk"], ["frobnicate"], ["walk", "--max-frames", "-1", "x"], ["walk", "--aarch64-va-bits", "65", "x"], ["walk", "--nope", "x"]]) {
      const run = fpwalk(args)
      expect(run.status).toBe(2)
      expect(run.stdout).toBe("")
      expect(run.stderr).toMatch(/^fpwalk: .*\nusage: fpwalk walk/)
    }
    expect(fpwalk(["--help"]).status).toBe(0)
  })

  it("walks a folder (every *.json, sorted) and an NDJSON file line by line, naming each line", () => {
    const folder = fpwalk(["walk", "--json", "examples"])
    const names = lines(folder.stdout).map((line) => (JSON.parse(line) as { file: string }).file)
    expect(names).toEqual(examples.map((e) => `examples/${e.name}.json`).sort())
    expect(folder.status).toBe(1)

    const dir = mkdtempSync(join(tmpdir(), "fpwalk-"))
    const ndjson = join(dir, "stacks.ndjson")
    const valid = examples.filter((e) => e.error === undefined)
    writeFileSync(ndjson, valid.map((e) => JSON.stringify(e.json)).join("\n") + "\n{oops\n")
    const run = fpwalk(["walk", "--json", ndjson])
    expect(run.status).toBe(2)
    expect(lines(run.stdout).map((line) => JSON.parse(line) as { file: string; ok: boolean })).toEqual(
      valid.map((_, i) => expect.objectContaining({ file: `${ndjson}:${i + 1}`, ok: true }))
    )
    expect(run.stderr).toMatch(new RegExp(`^fpwalk: ${ndjson}:${valid.length + 1}: malformed JSON`))
  })

  it("--jobs 2 prints exactly what --jobs 1 prints, in the same order, with the same status", () => {
    const one = fpwalk(["walk", "--json", "--jobs", "1", "examples"])
    const two = fpwalk(["walk", "--json", "--jobs", "2", "examples"])
    expect(two).toEqual(one)
    expect(lines(two.stdout)).toHaveLength(examples.length)
  })
})
