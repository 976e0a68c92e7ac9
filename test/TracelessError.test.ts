/**
 * The errors that describe an input capture no stack trace
 * (src/internal/TracelessError.ts), and leave `Error.stackTraceLimit` as
 * they found it.
 */
import * as Effect from "effect/Effect"
import { afterEach, describe, expect, it } from "vitest"
import { InputError } from "../src/InputError.js"
import { TracelessError } from "../src/internal/TracelessError.js"
import { MisalignedFp } from "../src/WalkError.js"

const limit = Error.stackTraceLimit

afterEach(() => {
  Object.defineProperty(Error, "stackTraceLimit", { value: limit, writable: true, configurable: true, enumerable: true })
})

describe("TracelessError", () => {
  it("makes tagged errors whose stack is their first line, and restores the limit", () => {
    Error.stackTraceLimit = 7
    const error = new MisalignedFp({ frame: 2, activation: 0, fp: 0x1008n, alignment: 16 })
    expect(error.stack).toBe(`MisalignedFp: ${error.message}`)
    expect(Error.stackTraceLimit).toBe(7)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ _tag: "MisalignedFp", frame: 2, fp: 0x1008n })
    expect(new InputError({ path: "arch", reason: "no" }).stack).toBe("InputError: arch: no")
  })

  it("fails an Effect like Data.TaggedError", () => {
    class Custom extends TracelessError("Custom")<{ readonly n: number }> {}
    const error = Effect.runSync(Effect.flip(Effect.fail(new Custom({ n: 3 }))))
    expect(error).toMatchObject({ _tag: "Custom", n: 3 })
    // Yielded, as a Data.TaggedError can be.
    const yielded = Effect.gen(function*() {
      return yield* new Custom({ n: 4 })
    })
    expect(Effect.runSync(Effect.flip(yielded))).toMatchObject({ _tag: "Custom", n: 4 })
  })

  it("still makes the error where the limit cannot be set (frozen intrinsics), with a trace", () => {
    Object.defineProperty(Error, "stackTraceLimit", { value: 5, writable: false, configurable: true })
    const error = new MisalignedFp({ frame: 0, activation: 0, fp: 8n, alignment: 16 })
    expect(error._tag).toBe("MisalignedFp")
    expect(error.stack!.split("\n").length).toBeGreaterThan(1)
  })
})
