/**
 * Every real minidump in ../shared/minidumps walks, thread by thread, to
 * exactly the frames of its NAME.expected.json (computed there by an
 * independent walker and checked against Breakpad and lldb), through the
 * reader and the one engine's native rules.
 */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { readImage } from "../../src/minidump/Minidump.js"
import { walkImage } from "../../src/native/Walk.js"
import { toHex } from "../../src/U64.js"

const shared = fileURLToPath(new URL("../../../shared/minidumps/", import.meta.url))
const names = readdirSync(shared).filter((f) => f.endsWith(".dmp")).map((f) => f.slice(0, -4)).sort()

interface Expected {
  readonly arch: string
  readonly threads: ReadonlyArray<{
    readonly thread: number
    readonly crashed: boolean
    readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string }>
    readonly end: "ok" | "error"
  }>
}

describe("the shared minidumps", () => {
  it("are all here", () => {
    expect(names.length).toBeGreaterThanOrEqual(29)
  })

  it.each(names)("%s walks every thread to its expected frames", (name) => {
    const expected = JSON.parse(readFileSync(`${shared}${name}.expected.json`, "utf8")) as Expected
    const image = readImage(new Uint8Array(readFileSync(`${shared}${name}.dmp`)))
    if (Result.isFailure(image)) return expect.fail(image.failure.message)
    expect(image.success.arch).toBe(expected.arch)
    const walked = walkImage(image.success).map(({ result, thread }) => ({
      thread: thread.id,
      crashed: thread.crashed,
      frames: [...result.frames].map((f) => ({ pc: toHex(f.pc), fp: toHex(f.fp) })),
      end: result.ok ? "ok" : "error"
    }))
    expect(walked).toEqual(expected.threads)
  })
})
