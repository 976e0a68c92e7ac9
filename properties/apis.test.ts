/**
 * Every API gives the same walk: `walkSync`, `Walker.walk` (an Effect that
 * fails with a `WalkFailure` holding the frames before the error), the
 * `Walker` service through its layer, `Walker.stream` (the frames, then the
 * error), and `traceSync` / `trace` and `visitSync` / `visit` with the
 * callback stopping at a random frame (the frames up to it, each with its
 * activation, and nothing read past it: a stop before the error is a
 * success), on stacks of every generation.
 */
import { fc, test } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import { wasmPlan } from "../src/Generation.js"
import { Cursor } from "../src/internal/Cursor.js"
import * as Walker from "../src/Walker.js"
import type { Backtrace, WalkFailure } from "../src/Walker.js"
import type { InputError } from "../src/InputError.js"
import { refHalves } from "../test/reference/walker.js"
import { anyStack } from "./arbitraries/anyStack.js"
import { numRuns } from "./runs.js"
import type { Frame } from "./stack.js"
import type { PlainResult } from "./support.js"
import { decodeOrFail, framesOf, plain } from "./support.js"

const fromEffect = (result: Result.Result<Backtrace, WalkFailure | InputError>): PlainResult =>
  Result.isSuccess(result)
    ? { ok: true, frames: framesOf(result.success.frames) }
    : result.failure._tag === "InputError"
    ? { ok: false, error: result.failure, frames: [] }
    : { ok: false, error: result.failure.error, frames: framesOf(result.failure.frames) }

const frame = (f: Frame): Frame => ({ pc: f.pc, fp: f.fp, activation: f.activation })

describe.each(archIds)("%s", (arch) => {
  test.prop([anyStack(arch)], { numRuns: numRuns(150) })("walk, the service and stream agree with walkSync", (json) => {
    const snapshot = decodeOrFail(json)
    const expected = plain(Walker.walkSync(snapshot))

    expect(fromEffect(Effect.runSync(Effect.result(Walker.walk(snapshot))))).toEqual(expected)

    const served = Effect.runSync(
      Effect.gen(function*() {
        const walker = yield* Walker.Walker
        return yield* Effect.result(walker.walk(snapshot))
      }).pipe(Effect.provide(Walker.layer))
    )
    expect(fromEffect(served)).toEqual(expected)

    const streamed: Array<Frame> = []
    const ended = Effect.runSync(
      Effect.result(Stream.runForEach(Walker.stream(snapshot), (f) => Effect.sync(() => void streamed.push(frame(f)))))
    )
    expect(Result.isSuccess(ended) ? { ok: true, frames: streamed } : { ok: false, error: ended.failure, frames: streamed }).toEqual(expected)
  })

  test.prop([anyStack(arch), fc.nat({ max: 40 })], { numRuns: numRuns(150) })(
    "traceSync and trace deliver the same frames and activations and stop where the callback says",
    (json, stopAt) => {
      const snapshot = decodeOrFail(json)
      const expected = plain(Walker.walkSync(snapshot))
      const stops = stopAt < expected.frames.length
      const delivered = stops ? expected.frames.slice(0, stopAt + 1) : expected.frames

      const viaSync: Array<Frame> = []
      const sync = Walker.traceSync(snapshot, (f) => {
        viaSync.push(frame(f))
        return viaSync.length === stopAt + 1 ? "break" : "continue"
      })
      const viaEffect: Array<Frame> = []
      const effect = Effect.runSync(Effect.result(Walker.trace(snapshot, (f) => {
        viaEffect.push(frame(f))
        return viaEffect.length === stopAt + 1 ? "break" : undefined
      })))

      expect(viaSync).toEqual(delivered)
      expect(viaEffect).toEqual(delivered)
      if (stops || expected.ok) {
        expect(sync).toEqual({ ok: true, count: delivered.length, stopped: stops })
        expect(effect).toEqual(Result.succeed({ count: delivered.length, stopped: stops }))
      } else {
        expect(sync).toEqual({ ok: false, error: expected.error, count: delivered.length })
        expect(effect).toEqual(Result.fail(expected.error))
      }
    }
  )
})

describe.each(archIds)("%s: the allocation-free view", (arch) => {
  test.prop([anyStack(arch), fc.nat({ max: 40 })], { numRuns: numRuns(150) })(
    "visitSync and visit show trace's frames, activations and exact 32-bit halves, and stop where the callback says",
    (json, stopAt) => {
      const snapshot = decodeOrFail(json)
      const traced: Array<Frame> = []
      const expected = Walker.traceSync(snapshot, (f) => {
        traced.push(frame(f))
        return traced.length === stopAt + 1 ? "break" : "continue"
      })
      const seen = (f: Walker.FrameView) => [f.index, f.activation, f.pc, f.fp, f.pcHigh, f.pcLow, f.fpHigh, f.fpLow]
      const wanted = traced.map((f, index) => [index, f.activation, f.pc, f.fp, ...refHalves(f.pc), ...refHalves(f.fp)])

      const viaSync: Array<ReturnType<typeof seen>> = []
      const sync = Walker.visitSync(snapshot, (f) => {
        viaSync.push(seen(f))
        return viaSync.length === stopAt + 1 ? "break" : "continue"
      })
      const viaEffect: Array<ReturnType<typeof seen>> = []
      const effect = Effect.runSync(Effect.result(Walker.visit(snapshot, (f) => {
        viaEffect.push(seen(f))
        return viaEffect.length === stopAt + 1 ? "break" : undefined
      })))
      expect(viaSync).toEqual(wanted)
      expect(viaEffect).toEqual(wanted)
      expect(sync).toEqual(expected)
      expect(effect).toEqual(expected.ok ? Result.succeed({ count: expected.count, stopped: expected.stopped }) : Result.fail(expected.error))
    }
  )
})

describe.each(archIds)("%s: the walk's end", (arch) => {
  test.prop([anyStack(arch)], { numRuns: numRuns(150) })(
    "a finished cursor stays finished: no frame, the same error, the same count",
    (json) => {
      const snapshot = decodeOrFail(json)
      const cursor = new Cursor(wasmPlan(snapshot))
      let delivered = 0
      expect(cursor.run(() => void delivered++)).toBe(false)
      const { count, error } = cursor
      expect(count).toBe(delivered)
      for (let i = 0; i < 3; i++) {
        expect(cursor.run(() => expect.fail("a frame after the end"))).toBe(false)
        expect(cursor.error).toBe(error)
        expect(cursor.count).toBe(count)
      }
      const walked = Walker.walkSync(snapshot)
      expect(count).toBe(walked.frames.length)
      expect(error).toEqual(walked.ok ? undefined : walked.error)
    }
  )

  test.prop([anyStack(arch)], { numRuns: numRuns(50) })("a WalkFailure's message is its error's message", (json) => {
    const walked = Effect.runSync(Effect.result(Walker.walk(decodeOrFail(json))))
    if (Result.isFailure(walked) && walked.failure._tag === "WalkFailure") {
      expect(walked.failure.message).toBe(walked.failure.error.message)
    }
  })
})
