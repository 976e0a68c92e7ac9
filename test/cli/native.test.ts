/**
 * `fpwalk walk` on core files and minidumps, through the built CLI: told
 * apart from snapshots by their content, --json in the shape, the
 * readable output a person triages with, --symbols and --sysroot, the exit
 * statuses.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = join(root, "dist/bundle/bin.js")
const cores = join(root, "test/fixtures/cores")
const shared = join(root, "../shared/minidumps")

const fpwalk = (args: ReadonlyArray<string>) => {
  if (!existsSync(bin)) throw new Error("dist/bundle/bin.js is missing: run `npm run build` (npm test does)")
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const dir = mkdtempSync(join(tmpdir(), "fpwalk-native-"))
const unpack = (gz: string, name: string) => {
  const path = join(dir, name)
  writeFileSync(path, gunzipSync(readFileSync(join(cores, gz))))
  return path
}
const core = unpack("x86_64-threads.core.gz", "threads.core")
const binary = unpack("crashprog-x86_64-static.gz", "crashprog-x86_64-static")
const expected = JSON.parse(readFileSync(join(cores, "x86_64-threads.expected.json"), "utf8")) as {
  readonly threads: ReadonlyArray<{ readonly thread: number; readonly crashed: boolean; readonly frames: ReadonlyArray<{ readonly pc: string; readonly function: string }> }>
}

describe("fpwalk walk on native inputs", () => {
  it("prints one JSON line per file with every thread, and exits 1 when a thread's walk ends in an error", () => {
    // An empty sysroot: this machine's own libraries are not the dump's.
    const dump = join(shared, "breakpad-linux_raise_sigabrt.dmp")
    const both = fpwalk(["walk", "--json", "--sysroot", join(dir, "none"), core, dump])
    const [coreLine, dumpLine, extra] = both.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(extra).toBeUndefined()
    expect(coreLine).toMatchObject({ file: core, kind: "core", arch: "x86_64" })
    expect(dumpLine).toMatchObject({ file: dump, kind: "minidump", arch: "x86_64" })
    const run = fpwalk(["walk", "--json", "--symbols", binary, core])
    expect(run.stderr).toBe("")
    const coreLine2 = JSON.parse(run.stdout) as Record<string, unknown>
    const threads = coreLine2["threads"] as ReadonlyArray<{ thread: number; crashed: boolean; ok: boolean; frames: ReadonlyArray<{ pc: string; symbol?: string }> }>
    expect(threads.map((t) => [t.thread, t.crashed])).toEqual(expected.threads.map((t) => [t.thread, t.crashed]))
    for (const [i, want] of expected.threads.entries()) {
      expect(threads[i]!.frames.slice(0, want.frames.length).map((f) => [f.pc, f.symbol])).toEqual(want.frames.map((f) => [f.pc, f.function]))
    }
    // The crashed thread's chain runs past main into libc's FP (below the stack): a walk error.
    expect(threads[0]!.ok).toBe(false)
    expect(run.status).toBe(1)
  })

  it("prints per thread a header and #N pc symbol+offset (module), gdb-style", () => {
    const run = fpwalk(["walk", "--symbols", binary, core])
    const text = run.stdout.split("\n")
    expect(text[0]).toMatch(/^.*threads\.core: core file, x86_64, 5 threads, crashprog-x86_6 \(pid \d+\), signal 11 \(SIGSEGV\)$/)
    expect(text[1]).toBe(`thread ${expected.threads[0]!.thread} (crashed, SIGSEGV)`)
    expect(text[2]).toMatch(/^ {2}#0 {2}0x401680 {2}crash_here\+0x[0-9a-f]+ {2}\(crashprog-x86_64-static\)$/)
    expect(text.filter((line) => line.startsWith("thread ")).length).toBe(5)
  })

  it("finds the files NT_FILE names under --sysroot", () => {
    const sysroot = join(dir, "root")
    const module = (JSON.parse(readFileSync(join(cores, "x86_64-threads.expected.json"), "utf8")) as { binary: string }).binary
    // NT_FILE names the binary by the path it was built at.
    const ntFile = fpwalk(["walk", "--json", core]).stdout
    const path = (JSON.parse(ntFile) as { threads: ReadonlyArray<{ frames: ReadonlyArray<{ module?: string }> }> }).threads[0]!.frames[0]!.module!
    expect(path.endsWith(module)).toBe(true)
    mkdirSync(join(sysroot, path, ".."), { recursive: true })
    writeFileSync(join(sysroot, path), readFileSync(binary))
    const run = fpwalk(["walk", "--json", "--sysroot", sysroot, core])
    const frame = (JSON.parse(run.stdout) as { threads: ReadonlyArray<{ frames: ReadonlyArray<{ symbol?: string }> }> }).threads[0]!.frames[0]!
    expect(frame.symbol).toBe("crash_here")
  })

  it("-n N prints the first N frames of each thread", () => {
    const run = fpwalk(["walk", "-n", "1", core])
    expect(run.stdout.split("\n").filter((line) => /^ {2}#/.test(line)).length).toBe(5)
  })

  it("answers an ELF that is no core, a truncated core and --diagram with one-line input errors, exit 2", () => {
    const cut = join(dir, "cut.core")
    writeFileSync(cut, readFileSync(core).subarray(0, 200))
    for (const [args, message] of [
      [[binary], "an ELF file, but not a core file"],
      [[cut], "cut.core: "],
      [["--diagram", core], "--diagram and --svg draw snapshots, not core files or minidumps"]
    ] as const) {
      const run = fpwalk(["walk", ...args])
      expect(run.status).toBe(2)
      expect(run.stderr).toContain(message)
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1)
    }
  })

  it("warns about a --symbols file it cannot use and walks on", () => {
    const run = fpwalk(["walk", "--json", "--symbols", join(dir, "missing"), core])
    expect(run.stderr).toMatch(/^fpwalk: .*warning: --symbols .*missing: not used: /)
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: "core" })
  })
})
