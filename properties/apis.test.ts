/**
 * Every API gives the same walk: `walkSync`, `Walker.walk` (an Effect that
 * fails with a `WalkFailure` holding the frames before the error), the
 * `Walker` service through its layer, `Walker.stream` (the frames, then the
 * error), and `traceSync` / `trace` and `visitSync` / `visit` with the
 * callback stopping at a random frame (the frames up to it, and nothing read
 * past it: a stop before the error is a success).
 */
import { fc, test } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { describe, expect } from "vitest"
import { archIds } from "../src/arch/index.js"
import * as Walker from "../src/Walker.js"
import type { Frame, WalkResult } from "../src/Walker.js"
import type { WalkError } from "../src/WalkError.js"
import { refHalves } from "../test/reference/walker.js"
import { anyStack } from "./arbitraries/anyStack.js"
import { numRuns } from "./runs.js"
import { decodeOrFail } from "./support.js"

const asWalkResult = (result: Result.Result<ReadonlyArray<Frame>, { error: WalkError; frames: ReadonlyArray<Frame> }>): WalkResult =>
  Result.isSuccess(result)
    ? { ok: true, frames: result.success }
    : { ok: false, error: result.failure.error, frames: result.failure.frames }

describe.each(archIds)("%s", (arch) => {
  test.prop([anyStack(arch)], { numRuns: numRuns(150) })("walk, the service and stream agree with walkSync", (json) => {
    const snapshot = decodeOrFail(json)
    const expected = Walker.walkSync(snapshot)

    const walked = Effect.runSync(Effect.result(Walker.walk(snapshot)))
    expect(asWalkResult(Result.map(walked, (b) => b.frames))).toEqual(expected)

    const served = Effect.runSync(
      Effect.gen(function*() {
        const walker = yield* Walker.Walker
        return yield* Effect.result(walker.walk(snapshot))
      }).pipe(Effect.provide(Walker.layer))
    )
    expect(asWalkResult(Result.map(served, (b) => b.frames))).toEqual(expected)

    const streamed: Array<Frame> = []
    const ended = Effect.runSync(
      Effect.result(Stream.runForEach(Walker.stream(snapshot), (frame) => Effect.sync(() => void streamed.push(frame))))
    )
    expect(
      asWalkResult(Result.isSuccess(ended) ? Result.succeed(streamed) : Result.fail({ error: ended.failure, frames: streamed }))
    ).toEqual(expected)
  })

  test.prop([anyStack(arch), fc.nat({ max: 40 })], { numRuns: numRuns(150) })(
    "traceSync and trace deliver the same frames and stop where the callback says",
    (json, stopAt) => {
      const snapshot = decodeOrFail(json)
      const expected = Walker.walkSync(snapshot)
      const stops = stopAt < expected.frames.length
      const delivered = stops ? expected.frames.slice(0, stopAt + 1) : expected.frames

      const viaSync: Array<Frame> = []
      const activationsSync: Array<number> = []
      const sync = Walker.traceSync(snapshot, (frame, activation) => {
        viaSync.push(frame)
        activationsSync.push(activation)
        return viaSync.length === stopAt + 1 ? "break" : "continue"
      })
      const viaEffect: Array<Frame> = []
      const activationsEffect: Array<number> = []
      const effect = Effect.runSync(Effect.result(Walker.trace(snapshot, (frame, activation) => {
        viaEffect.push(frame)
        activationsEffect.push(activation)
        return viaEffect.length === stopAt + 1 ? "break" : undefined
      })))
      expect(activationsEffect).toEqual(activationsSync)

      for (const [frames, result] of [[viaSync, sync], [viaEffect, effect]] as const) {
        expect(frames).toEqual(delivered)
        if (stops || expected.ok) {
          expect(result).toEqual(Result.succeed({ frames: delivered.length, stopped: stops }))
        } else {
          expect(result).toEqual(Result.fail(expected.error))
        }
      }
    }
  )
})

describe.each(archIds)("%s: the allocation-free view", (arch) => {
  test.prop([anyStack(arch), fc.nat({ max: 40 })], { numRuns: numRuns(150) })(
    "visitSync and visit show trace's frames, activations and exact 32-bit halves, and stop where the callback says",
    (json, stopAt) => {
      const snapshot = decodeOrFail(json)
      const traced: Array<readonly [number, number, Frame]> = []
      const expected = Walker.traceSync(snapshot, (frame, activation) => {
        traced.push([traced.length, activation, frame])
        return traced.length === stopAt + 1 ? "break" : "continue"
      })
      const seen = (frame: Walker.FrameView) => [frame.index, frame.activation, frame.pc, frame.fp, frame.pcHigh, frame.pcLow, frame.fpHigh, frame.fpLow]
      const wanted = traced.map(([index, activation, f]) => [index, activation, f.pc, f.fp, ...refHalves(f.pc), ...refHalves(f.fp)])

      const viaSync: Array<ReturnType<typeof seen>> = []
      const sync = Walker.visitSync(snapshot, (frame) => {
        viaSync.push(seen(frame))
        return viaSync.length === stopAt + 1 ? "break" : "continue"
      })
      const viaEffect: Array<ReturnType<typeof seen>> = []
      const effect = Effect.runSync(Effect.result(Walker.visit(snapshot, (frame) => {
        viaEffect.push(seen(frame))
        return viaEffect.length === stopAt + 1 ? "break" : undefined
      })))
      for (const [frames, result] of [[viaSync, sync], [viaEffect, effect]] as const) {
        expect(frames).toEqual(wanted)
        expect(result).toEqual(expected)
      }
    }
  )
})

describe.each(archIds)("%s: the walk's end", (arch) => {
  test.prop([anyStack(arch)], { numRuns: numRuns(150) })(
    "a finished cursor stays finished: no frame, the same error, the same count",
    (json) => {
      const cursor = new Walker.Cursor(decodeOrFail(json))
      while (cursor.next() !== undefined) {
        // drain
      }
      const { count, error } = cursor
      for (let i = 0; i < 3; i++) expect(cursor.next()).toBeUndefined()
      expect(cursor.error).toBe(error)
      expect(cursor.count).toBe(count)
    }
  )

  test.prop([anyStack(arch)], { numRuns: numRuns(50) })("a WalkFailure's message is its error's message", (json) => {
    const walked = Effect.runSync(Effect.result(Walker.walk(decodeOrFail(json))))
    if (Result.isFailure(walked)) expect(walked.failure.message).toBe(walked.failure.error.message)
  })
})
