/**
 * Every real minidump walks, thread by thread, to exactly the frames of its
 * NAME.expected.json, through the reader and the one engine's native rules:
 * the public ones in ../shared/minidumps (expectations computed there by an
 * independent walker and checked against Breakpad and lldb) and our own in
 * test/fixtures/minidumps (written by lldb-19 from crashprog.c; expectations
 * from an independent walker, checked to be in the debugger's order).
 */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { readImage } from "../../src/minidump/Minidump.js"
import { walkImage } from "../../src/native/Walk.js"
import { toHex } from "../../src/U64.js"

const shared = fileURLToPath(new URL("../../../shared/minidumps/", import.meta.url))
const names = readdirSync(shared).filter((f) => f.endsWith(".dmp")).map((f) => f.slice(0, -4)).sort()
const ours = fileURLToPath(new URL("../fixtures/minidumps/", import.meta.url))
const ourNames = readdirSync(ours).filter((f) => f.endsWith(".dmp.gz")).map((f) => f.slice(0, -".dmp.gz".length)).sort()

interface Expected {
  readonly arch: string
  readonly threads: ReadonlyArray<{
    readonly thread: number
    readonly crashed: boolean
    readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string }>
    readonly end: "ok" | "error"
  }>
}

const walksAsExpected = (bytes: Uint8Array, expected: Expected) => {
  const image = readImage(bytes)
  if (Result.isFailure(image)) return expect.fail(image.failure.message)
  expect(image.success.arch).toBe(expected.arch)
  const walked = walkImage(image.success).map(({ result, thread }) => ({
    thread: thread.id,
    crashed: thread.crashed,
    frames: [...result.frames].map((f) => ({ pc: toHex(f.pc), fp: toHex(f.fp) })),
    end: result.ok ? "ok" : "error"
  }))
  expect(walked).toEqual(expected.threads.map(({ crashed, end, frames, thread }) => ({
    thread,
    crashed,
    frames: frames.map(({ fp, pc }) => ({ pc, fp })),
    end
  })))
}

describe("the shared minidumps", () => {
  it("are all here", () => {
    expect(names.length).toBeGreaterThanOrEqual(29)
  })

  it.each(names)("%s walks every thread to its expected frames", (name) => {
    const expected = JSON.parse(readFileSync(`${shared}${name}.expected.json`, "utf8")) as Expected
    walksAsExpected(new Uint8Array(readFileSync(`${shared}${name}.dmp`)), expected)
  })
})

describe("our own minidumps", () => {
  it("cover both architectures", () => {
    expect(new Set(ourNames.map((n) => n.split("-")[1]))).toEqual(new Set(["x86_64", "aarch64"]))
  })

  it.each(ourNames)("%s walks every thread to its expected frames", (name) => {
    const expected = JSON.parse(readFileSync(`${ours}${name}.expected.json`, "utf8")) as Expected
    walksAsExpected(new Uint8Array(gunzipSync(readFileSync(`${ours}${name}.dmp.gz`))), expected)
  })
})
