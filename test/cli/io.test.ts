import { describe, expect, it } from "vitest"
import * as Result from "effect/Result"
import type { Io } from "../../src/cli/io.js"
import { fileErrorReason, oneLine, printChunks, stripBom } from "../../src/cli/io.js"

describe("the CLI's io", () => {
  it("waits for a full standard output to drain before writing the next chunk", async () => {
    const events: Array<string> = []
    let pending = 0
    const io: Io = {
      readText: () => Promise.resolve(Result.succeed("")),
      stdout: (text) => {
        events.push(`write ${text}`)
        pending++
        return pending < 2
      },
      stderr: () => {},
      drained: () =>
        new Promise((resolve) =>
          setImmediate(() => {
            events.push("drained")
            pending = 0
            resolve()
          })
        )
    }
    await printChunks(["a", "b", "c", "d"], io)
    expect(events).toEqual(["write a", "write b", "drained", "write c", "write d", "drained"])
  })

  it("strips one byte-order mark, and only at the start", () => {
    expect(stripBom("\uFEFF{}")).toBe("{}")
    expect(stripBom("{}\uFEFF")).toBe("{}\uFEFF")
  })

  it("writes control and invisible characters of a message as escapes", () => {
    expect(oneLine("a\nb\r\tc\u0001\u2028\uFEFF")).toBe("a\\nb\\r\\tc\\u0001\\u2028\\ufeff")
  })

  it("names file errors in words", () => {
    const error = (code: string) => Object.assign(new Error(code), { code })
    expect(["ENOENT", "EISDIR", "EACCES", "EWEIRD"].map((code) => fileErrorReason(error(code)))).toEqual([
      "no such file",
      "is a folder",
      "permission denied",
      "EWEIRD"
    ])
  })
})
