/**
 * The built CLI, end to end (`npm test` builds dist/ first): what a user
 * types and what comes back on stdout, stderr and the exit status.
 */
import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { examples } from "./support/examples.js"
import { chain } from "./cli/stacks.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = join(root, "dist/bundle/bin.js")

const fpwalk = (args: ReadonlyArray<string>, input?: string, env: Record<string, string> = {}) => {
  if (!existsSync(bin)) throw new Error("dist/bundle/bin.js is missing: run `npm run build` (npm test does)")
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input: input ?? "",
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, ...env }
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const example = (name: string) => `examples/${name}.json`
const lines = (text: string) => text.trimEnd().split("\n")
const temp = () => mkdtempSync(join(tmpdir(), "fpwalk-cli-"))
const hex = (value: bigint) => `0x${value.toString(16)}`

describe("fpwalk walk: the table", () => {
  it("names the architecture, marks the trap frame and breaks between activations", () => {
    const run = fpwalk(["walk", example("x86_64-valid")])
    expect([run.status, run.stderr]).toEqual([0, ""])
    expect(lines(run.stdout)).toEqual([
      "examples/x86_64-valid.json: x86_64, valid stack, 5 frames in 2 activations",
      "activation 0 (entry SP 0x7ffce3f0)",
      "  #0  pc 0x400ff4  fp 0x7ffce100  <- trap",
      "  #1  pc 0x401024  fp 0x7ffce200",
      "  #2  pc 0x401048  fp 0x7ffce300",
      "activation 1 (entry SP 0x7ffce9f0)",
      "  #3  pc 0x401800  fp 0x7ffce800",
      "  #4  pc 0x401824  fp 0x7ffce900"
    ])
  })

  it("prints the frames walked and the error's sentence for a walk error, and exits 1", () => {
    const run = fpwalk(["walk", example("s390x-NonMonotonicFp")])
    expect(run.status).toBe(1)
    expect(lines(run.stdout)[0]).toBe("examples/s390x-NonMonotonicFp.json: s390x, invalid stack (NonMonotonicFp) after 2 frames in 1 activation")
    expect(lines(run.stdout).at(-1)).toBe(
      "error: frame 1 in activation 0 at FP 0x7ffce200 saved the older FP 0x7ffce100, which is not above it (the stack grows down)."
    )
  })

  it("-n N prints only the first N frames and keeps the walk's own result", () => {
    const run = fpwalk(["walk", "-n", "2", example("x86_64-valid")])
    expect(run.status).toBe(0)
    expect(lines(run.stdout)).toEqual([
      "examples/x86_64-valid.json: x86_64, valid stack, 5 frames in 2 activations",
      "activation 0 (entry SP 0x7ffce3f0)",
      "  #0  pc 0x400ff4  fp 0x7ffce100  <- trap",
      "  #1  pc 0x401024  fp 0x7ffce200",
      "  (3 more frames; -n 5 shows all)"
    ])
    const long = fpwalk(["walk", "--frames", "1", example("x86_64-NonMonotonicFp")])
    expect(long.status).toBe(1)
    expect(lines(long.stdout).at(-1)).toMatch(/^error: .*NonMonotonic|^error: frame/)
    expect(long.stdout).not.toContain("FrameLimitExceeded")
  })

  it("prints a 1,000,000-frame stack, then walks the files after it (one thread and --jobs 2)", () => {
    const dir = temp()
    const big = join(dir, "big.json")
    const stack = chain(1_000_000)
    writeFileSync(big, stack.text)
    for (const jobs of ["1", "2"]) {
      const run = fpwalk(["walk", "--jobs", jobs, big, example("x86_64-valid")])
      expect([run.status, run.stderr]).toEqual([0, ""])
      const out = lines(run.stdout)
      expect(out[0]).toBe(`${big}: x86_64, valid stack, 1,000,000 frames in 1 activation`)
      expect(out[2]).toBe(`  #0       pc 0x400000  fp ${hex(stack.first)}`)
      expect(out[1_000_001]).toBe(`  #999999  pc 0x4f423f  fp ${hex(stack.first + 16n * 999_999n)}`)
      expect(out.at(-1)).toBe("  #4  pc 0x401824  fp 0x7ffce900")
      expect(out).toHaveLength(1_000_002 + 1 + 8)
    }
  })

  it("--diagram on a 1,000,000-frame stack draws a bounded picture, eliding the middle", () => {
    const dir = temp()
    const big = join(dir, "big.json")
    writeFileSync(big, chain(1_000_000).text)
    const run = fpwalk(["walk", "--diagram", big])
    expect(run.status).toBe(0)
    expect(lines(run.stdout).length).toBeLessThan(40)
    expect(run.stdout).toContain("999,984 frames not drawn (#8 to #999,991)")
    expect(run.stdout).toContain("#999999")
  })

  it("a failing file never stops the files after it", () => {
    const dir = temp()
    const broken = join(dir, "broken.json")
    writeFileSync(broken, chain(200_000, { breakAt: 150_000 }).text)
    const run = fpwalk(["walk", "--jobs", "2", broken, join(dir, "missing.json"), example("riscv64-valid")])
    expect(run.status).toBe(2)
    expect(run.stderr).toBe(`fpwalk: cannot read ${join(dir, "missing.json")}: no such file\n`)
    expect(run.stdout).toContain("invalid stack (NonMonotonicFp) after 150,001 frames")
    expect(lines(run.stdout).at(-1)).toMatch(/^  #4 /)
    expect(run.stdout).toContain("examples/riscv64-valid.json: riscv64, valid stack")
  })
})

describe("fpwalk walk --json", () => {
  it("prints the result shape with the file's name for every example", () => {
    for (const e of examples) {
      const run = fpwalk(["walk", "--json", example(e.name)])
      const result = JSON.parse(run.stdout) as { file: string; ok: boolean; error?: unknown; frames: ReadonlyArray<{ pc: string; fp: string }> }
      expect(run.status).toBe(e.error === undefined ? 0 : 1)
      expect(result.file).toBe(example(e.name))
      expect(result.ok).toBe(e.error === undefined)
      expect(result.error).toEqual(e.error)
      expect(result.frames.map((f) => [f.pc, f.fp])).toEqual(e.frames.map((f) => [hex(f.pc), hex(f.fp)]))
    }
  })

  it("always has \"file\": one file, several, a folder of one, an NDJSON file of one line, standard input", () => {
    const dir = temp()
    const folder = join(dir, "one")
    mkdirSync(folder)
    writeFileSync(join(folder, "a.json"), readFileSync(join(root, example("x86_64-valid"))))
    const ndjson = join(dir, "one.ndjson")
    writeFileSync(ndjson, JSON.stringify(examples[0]!.json) + "\n")
    const fileOf = (args: ReadonlyArray<string>, input?: string) =>
      lines(fpwalk(["walk", "--json", ...args], input).stdout).map((line) => (JSON.parse(line) as { file: string }).file)
    expect(fileOf([example("x86_64-valid")])).toEqual([example("x86_64-valid")])
    expect(fileOf([example("x86_64-valid"), example("s390x-valid")])).toEqual([example("x86_64-valid"), example("s390x-valid")])
    expect(fileOf([folder])).toEqual([join(folder, "a.json")])
    expect(fileOf([ndjson])).toEqual([`${ndjson}:1`])
    expect(fileOf(["-"], JSON.stringify(examples[0]!.json))).toEqual(["<stdin>"])
  })

  it("several files: one line each, the highest status wins, and an input error does not stop the rest", () => {
    const run = fpwalk(["walk", "--json", example("x86_64-valid"), "does-not-exist.json", example("x86_64-NullEntrySp")])
    expect(run.status).toBe(2)
    expect(lines(run.stdout).map((l) => (JSON.parse(l) as { file: string }).file)).toEqual([example("x86_64-valid"), example("x86_64-NullEntrySp")])
    expect(run.stderr).toBe("fpwalk: cannot read does-not-exist.json: no such file\n")
  })

  it("walks a folder (every *.json, sorted) and NDJSON line by line, naming each line FILE:LINE", () => {
    const folder = fpwalk(["walk", "--json", "examples"])
    expect(lines(folder.stdout).map((line) => (JSON.parse(line) as { file: string }).file)).toEqual(
      examples.map((e) => `examples/${e.name}.json`).sort()
    )
    const dir = temp()
    const ndjson = join(dir, "stacks.ndjson")
    const valid = examples.filter((e) => e.error === undefined)
    writeFileSync(ndjson, valid.map((e) => JSON.stringify(e.json)).join("\n") + "\n\n{oops\n")
    const run = fpwalk(["walk", "--json", ndjson])
    expect(run.status).toBe(2)
    expect(lines(run.stdout).map((line) => (JSON.parse(line) as { file: string }).file)).toEqual(valid.map((_, i) => `${ndjson}:${i + 1}`))
    expect(run.stderr).toMatch(new RegExp(`^fpwalk: ${ndjson}:${valid.length + 2}: malformed JSON[^\\n]*\\n$`))
  })

  it("--jobs 2 prints exactly what --jobs 1 prints, in the same order, with the same status", () => {
    const one = fpwalk(["walk", "--json", "--jobs", "1", "examples"])
    const two = fpwalk(["walk", "--json", "--jobs", "2", "examples"])
    expect(two).toEqual(one)
    expect(lines(two.stdout)).toHaveLength(examples.length)
  })

  it("--max-frames and --aarch64-va-bits override the snapshot's options", () => {
    const limited = fpwalk(["walk", "--json", "--max-frames", "2", example("aarch64-valid")])
    expect(limited.status).toBe(1)
    expect(JSON.parse(limited.stdout)).toMatchObject({ error: { _tag: "FrameLimitExceeded", maxFrames: 2 } })
    expect(fpwalk(["walk", "--json", "--max-frames", "0x5", example("aarch64-valid")]).status).toBe(0)
    expect(fpwalk(["walk", "--json", "--aarch64-va-bits", "64", example("aarch64-valid")]).status).toBe(0)
  })
})

describe("fpwalk: conventions", () => {
  it("--version prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
    for (const args of [["--version"], ["walk", "--version"]]) {
      const run = fpwalk(args)
      expect([run.status, run.stdout, run.stderr]).toEqual([0, `fpwalk ${version}\n`, ""])
    }
  })

  it("a usage error is one line in the CLI's own words, with where to look, and exit 2", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[], "fpwalk: missing command (walk or serve); try 'fpwalk --help'"],
      [["frobnicate"], "fpwalk: unknown command 'frobnicate' (walk or serve); try 'fpwalk --help'"],
      [["walk"], "fpwalk: walk needs at least one FILE (- for standard input); try 'fpwalk walk --help'"],
      [["walk", "--bogus", "x"], "fpwalk: unknown option '--bogus'; try 'fpwalk walk --help'"],
      [["walk", "-q", "x"], "fpwalk: unknown option '-q'; try 'fpwalk walk --help'"],
      [["walk", "x", "--jobs"], "fpwalk: option --jobs needs a value; try 'fpwalk walk --help'"],
      [["walk", "--jobs", "--json", "x"], "fpwalk: option --jobs needs a value; try 'fpwalk walk --help'"],
      [["walk", "--json=yes", "x"], "fpwalk: option '--json' takes no value (got 'yes'); try 'fpwalk walk --help'"],
      [["walk", "--jobs", "0", "x"], "fpwalk: --jobs must be 1 to 64, not '0'; try 'fpwalk walk --help'"],
      [["walk", "--max-frames", "ten", "x"], "fpwalk: --max-frames must be 0 to 2^64-1 (decimal or 0x hex), not 'ten'; try 'fpwalk walk --help'"],
      [["walk", "--aarch64-va-bits", "65", "x"], "fpwalk: --aarch64-va-bits must be 0 to 64, not '65'; try 'fpwalk walk --help'"],
      [["walk", "-n", "x", "y"], "fpwalk: -n/--frames must be a whole number of frames, not 'x'; try 'fpwalk walk --help'"],
      [["walk", "--json", "-n", "3", "y"], "fpwalk: --json prints every frame; -n/--frames is for the readable output; try 'fpwalk walk --help'"],
      [["walk", "--diagram", "-n", "3", "y"], "fpwalk: -n/--frames is for the table; --diagram keeps the first and last frames by itself; try 'fpwalk walk --help'"],
      [["walk", "--svg", "", "y"], "fpwalk: --svg needs a file name; try 'fpwalk walk --help'"]
    ]
    for (const [args, message] of cases) {
      const run = fpwalk(args)
      expect([run.status, run.stdout, run.stderr]).toEqual([2, "", `${message}\n`])
    }
    expect(fpwalk(["--help"]).status).toBe(0)
    expect(fpwalk(["walk", "--help"]).stdout).toMatch(/^usage: fpwalk walk/)
  })

  it("an input error is one line on stderr and nothing on stdout, exit 2", () => {
    const dir = temp()
    const bad = join(dir, "bad.json")
    writeFileSync(bad, JSON.stringify({ ...examples[0]!.json, memory: [{ address: "0xfoo", base64: "" }] }))
    for (const args of [["walk", bad], ["walk", "--json", bad], ["walk", "--diagram", bad]]) {
      const run = fpwalk(args)
      expect([run.status, run.stdout]).toEqual([2, ""])
      expect(run.stderr).toMatch(new RegExp(`^fpwalk: ${bad}: memory\\[0\\]\\.address: [^\\n]+\\n$`))
    }
    const missing = fpwalk(["walk", join(dir, "nope.json")])
    expect([missing.status, missing.stdout, missing.stderr]).toEqual([2, "", `fpwalk: cannot read ${join(dir, "nope.json")}: no such file\n`])
    const folderless = fpwalk(["walk", temp()])
    expect(folderless.stderr).toMatch(/^fpwalk: [^\n]*no \*\.json files in this folder\n$/)
    const malformed = fpwalk(["walk", "-"], "{\n")
    expect([malformed.status, malformed.stdout]).toEqual([2, ""])
    expect(malformed.stderr).toMatch(/^fpwalk: <stdin>: malformed JSON[^\n]*\n$/)
    // A file's invisible bytes are shown as escapes, never written raw.
    const binary = fpwalk(["walk", "-"], "\u0001\r\n{")
    expect(binary.stderr).toMatch(/^fpwalk: <stdin>: malformed JSON [^\n]*\\u0001[^\n]*\n$/)
    expect(binary.stderr.slice(0, -1)).not.toMatch(/[\u0000-\u001f]/)
  })

  it("accepts a UTF-8 byte-order mark before the JSON (file, standard input, NDJSON)", () => {
    const dir = temp()
    const text = "\uFEFF" + readFileSync(join(root, example("x86_64-valid")), "utf8")
    writeFileSync(join(dir, "bom.json"), text)
    writeFileSync(join(dir, "bom.ndjson"), "\uFEFF" + JSON.stringify(examples[0]!.json) + "\n")
    expect(fpwalk(["walk", join(dir, "bom.json")]).status).toBe(0)
    expect(fpwalk(["walk", "-"], text).status).toBe(0)
    expect(fpwalk(["walk", join(dir, "bom.ndjson")]).status).toBe(0)
  })

  it("colours the output on a terminal, unless NO_COLOR is set", () => {
    // util-linux's script(1) (Debian's essential bsdutils) gives the CLI a pseudo-terminal.
    const onTerminal = (env: Record<string, string>) => {
      const run = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} walk --diagram examples/x86_64-UnmappedRead.json`, "/dev/null"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "", ...env }
      })
      if (run.error !== undefined) throw new Error(`this test runs the CLI on a pseudo-terminal with script(1) (util-linux, Debian's bsdutils): ${run.error.message}`)
      return run.stdout
    }
    expect(onTerminal({})).toContain("\u001b[31m")
    expect(onTerminal({ NO_COLOR: "1" })).not.toContain("\u001b[")
  })

  it("colours nothing when piped, even with a terminal's TERM, and never with NO_COLOR", () => {
    const piped = fpwalk(["walk", "--diagram", example("x86_64-UnmappedRead")], undefined, { TERM: "xterm-256color" })
    expect(piped.stdout).not.toContain("\u001b[")
    expect(fpwalk(["walk", example("x86_64-valid")], undefined, { NO_COLOR: "1" }).stdout).not.toContain("\u001b[")
  })

  it("--svg writes the picture for one snapshot and refuses several", () => {
    const dir = temp()
    const svg = join(dir, "stack.svg")
    const run = fpwalk(["walk", "--svg", svg, example("x86_64-NonMonotonicFp")])
    expect(run.status).toBe(1)
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    const several = fpwalk(["walk", "--svg", svg, example("x86_64-valid"), example("s390x-valid")])
    expect([several.status, several.stderr]).toEqual([2, "fpwalk: --svg draws one snapshot, and 2 were given\n"])
    const unwritable = fpwalk(["walk", "--svg", join(dir, "no", "such", "folder.svg"), example("x86_64-valid")])
    expect([unwritable.status, unwritable.stderr]).toEqual([2, `fpwalk: cannot write ${join(dir, "no", "such", "folder.svg")}: no such file\n`])
  })
})
