/**
 * Every committed real core (test/fixtures/cores, made by its generate.sh
 * from crashprog.c) walks, thread by thread, to exactly gdb's frames up to
 * `main`, with gdb's function names, on all four architectures, and ends as
 * the fixtures' own independent walker (corefix.py) ends. Where a frame
 * pointer walk cannot see what gdb sees (a leaf without a frame record, a
 * thread blocked in libc without frame pointers; the fixtures' README
 * explains each), the walk is that walker's, and an in-order subsequence of
 * gdb's frames. Replayed without the tools.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import { nativeToJson, walkNativeSync } from "../../src/native/Report.js"

const root = fileURLToPath(new URL("../fixtures/cores/", import.meta.url))
const names = readdirSync(root).filter((f) => f.endsWith(".core.gz")).map((f) => f.slice(0, -".core.gz".length)).sort()

interface Expected {
  readonly arch: string
  readonly binary?: string
  readonly threads: ReadonlyArray<{
    readonly thread: number
    readonly crashed: boolean
    readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string; readonly function: string }>
    readonly fpWalk: { readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string }>; readonly end: "ok" | "error" }
    readonly fpWalkMatchesGdb: boolean
  }>
}

const gunzip = (file: string) => new Uint8Array(gunzipSync(readFileSync(`${root}${file}`)))

describe("the real cores", () => {
  it("cover the four architectures", () => {
    expect(new Set(names.map((n) => n.split("-")[0]))).toEqual(new Set(["x86_64", "aarch64", "s390x", "riscv64"]))
  })

  it.each(names)("%s walks every thread to gdb's frames up to main, or to what a frame-pointer walk can see of them", (name) => {
    const expected = JSON.parse(readFileSync(`${root}${name}.expected.json`, "utf8")) as Expected
    const binary = expected.binary !== undefined && existsSync(`${root}${expected.binary}.gz`)
      ? [{ name: expected.binary, source: fromBytes(gunzip(`${expected.binary}.gz`)) }]
      : []
    const report = walkNativeSync(fromBytes(gunzip(`${name}.core.gz`)), { symbols: binary })
    if (!report.ok) return expect.fail(report.error.message)
    const json = nativeToJson(report.report)
    expect(json.kind).toBe("core")
    expect(json.arch).toBe(expected.arch)
    for (const want of expected.threads) {
      const got = json.threads.find((t) => t.thread === want.thread)
      expect(got, `thread ${want.thread}`).toBeDefined()
      expect(got!.crashed, `thread ${want.thread} crashed`).toBe(want.crashed)
      const frames = got!.frames.map((f) => ({ pc: f.pc, fp: f.fp }))
      expect(frames, `thread ${want.thread}`).toEqual(want.fpWalk.frames)
      expect(got!.ok ? "ok" : "error").toBe(want.fpWalk.end)
      expect(got!.ok || typeof got!.error?._tag === "string").toBe(true)
      if (want.fpWalkMatchesGdb) {
        const upToMain = got!.frames.slice(0, want.frames.length)
        expect(upToMain.map((f) => ({ pc: f.pc, fp: f.fp, function: f.symbol }))).toEqual(
          want.frames.map((f) => ({ pc: f.pc, fp: f.fp, function: f.function }))
        )
      } else {
        // An in-order subsequence of gdb's frames, by pc.
        let at = 0
        for (const frame of got!.frames) {
          while (at < want.frames.length && want.frames[at]!.pc !== frame.pc) at++
          if (at === want.frames.length) break
          // Frames in libc (not given as a symbol file), a signal trampoline's caller
          // looked up at pc - 1 (before the trampoline) and qemu's trampoline (in no
          // module) have no symbol; every named frame has gdb's name.
          if (frame.symbol !== undefined) expect(frame.symbol).toBe(want.frames[at]!.function)
        }
        expect(at, `thread ${want.thread}: frames out of gdb's order`).toBeLessThanOrEqual(want.frames.length)
      }
    }
  })
})
