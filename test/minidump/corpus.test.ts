/**
 * Every minidump of shared/minidumps (and of test/fixtures/minidumps, lldb
 * dumps of crashprog, gzipped) read into an image and walked by the
 * README's rules (test/minidump/walk.ts) gives exactly its
 * NAME.expected.json: per thread (matched by id) the frames' pc/fp,
 * ok == (end == "ok"), and which thread crashed.
 */
import * as Result from "effect/Result"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { readImage, readMinidump } from "../../src/minidump/Minidump.js"
import { walkThread } from "./walk.js"

const SHARED = new URL("../../../shared/minidumps/", import.meta.url)

interface Expected {
  readonly arch: string
  readonly threads: ReadonlyArray<{
    readonly thread: number
    readonly crashed: boolean
    readonly frames: ReadonlyArray<{ readonly pc: string; readonly fp: string }>
    readonly end: "ok" | "error"
  }>
}

const names = readdirSync(SHARED).filter((f) => f.endsWith(".dmp")).map((f) => f.slice(0, -4)).sort()
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(`${name}.dmp`, SHARED)))
const expected = (name: string): Expected => JSON.parse(readFileSync(new URL(`${name}.expected.json`, SHARED), "utf8")) as Expected

const walked = (bytes: Uint8Array) => {
  const image = readImage(bytes)
  if (Result.isFailure(image)) throw new Error(image.failure.message)
  return {
    arch: image.success.arch,
    threads: image.success.threads.map((thread) => {
      const walk = walkThread(image.success, thread)
      return {
        thread: thread.id,
        crashed: thread.crashed,
        frames: walk.frames.map((f) => ({ pc: `0x${f.pc.toString(16)}`, fp: `0x${f.fp.toString(16)}` })),
        ok: walk.end === "ok"
      }
    })
  }
}

const wanted = (want: Expected) => ({
  arch: want.arch,
  threads: want.threads.map((t) => ({ thread: t.thread, crashed: t.crashed, frames: t.frames, ok: t.end === "ok" }))
})

describe("shared/minidumps", () => {
  it("holds the 29 dumps of its README", () => {
    expect(names).toHaveLength(29)
  })

  it.each(names)("%s walks to its expected.json", (name) => {
    expect(walked(bytes(name))).toEqual(wanted(expected(name)))
  })

  it.each(names)("%s reads without a warning about its layout", (name) => {
    const read = readMinidump(bytes(name))
    if (Result.isFailure(read)) throw new Error(read.failure.message)
    expect(read.success.warnings.filter((w) => !/lists the range of/.test(w))).toEqual([])
  })
})

const FIXTURES = new URL("../fixtures/minidumps/", import.meta.url)
const fixtures = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith(".dmp.gz")).map((f) => f.slice(0, -7)).sort() : []

describe("test/fixtures/minidumps", () => {
  it("holds the 8 dumps of its README", () => {
    expect(fixtures).toHaveLength(8)
  })

  it.each(fixtures)("%s walks to its expected.json", (name) => {
    const dump = new Uint8Array(gunzipSync(readFileSync(new URL(`${name}.dmp.gz`, FIXTURES))))
    const want = JSON.parse(readFileSync(new URL(`${name}.expected.json`, FIXTURES), "utf8")) as Expected
    expect(walked(dump)).toEqual(wanted(want))
  })
})
