/**
 * `Walker.stream` pulls the walk lazily in chunks of 4096 frames: a long
 * stack arrives as full chunks and one partial chunk, the same frames as
 * `walkSync`, on every architecture; a stack that fails after two chunks
 * delivers both chunks, then the error.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { describe, expect, it } from "vitest"
import type { ArchId } from "../src/Arch.js"
import { archIds } from "../src/arch/index.js"
import * as Walker from "../src/Walker.js"
import type { InputError } from "../src/InputError.js"
import type { WalkError } from "../src/WalkError.js"
import { corrupt } from "./corrupt.js"
import { versionsOf } from "./generations.js"
import type { Frame, StackPlan } from "./stack.js"
import { buildStack, expectedFrames, toJson } from "./stack.js"
import { decodeOrFail, frameOf } from "./support.js"

const CHUNK = 4096

const longPlan = (arch: ArchId, frames: number, wasmtime: string | undefined): StackPlan => ({
  arch,
  wasmtime,
  activations: [{
    frames: Array.from({ length: frames }, (_, i) => ({ gap: 0, savedPc: BigInt(0x40_0000 + i), pac: 0n })),
    exitGap: 0,
    exitPc: 0x3f_ffffn,
    slack: 0,
    trampolineDelta: 0,
    hostGap: 0,
    hostPc: 0x1234n
  }],
  limitsAddress: 0x5555_0000n,
  trap: false,
  stale: { pc: 0n, fp: 0n },
  terminal: true,
  tail: [],
  others: [],
  vaBits: undefined,
  spareFrames: undefined,
  placement: { kind: "low", offset: 0n },
  padLow: 0,
  padHigh: 0,
  fill: 1,
  splits: [],
  holes: [],
  extras: []
})

const chunkSizes = (stream: Stream.Stream<Walker.Frame, WalkError | InputError>) => {
  const sizes: Array<number> = []
  const frames: Array<Frame> = []
  const result = Effect.runSync(Effect.result(Stream.runForEach(Stream.chunks(stream), (chunk) =>
    Effect.sync(() => {
      sizes.push(chunk.length)
      for (const f of chunk) frames.push({ pc: f.pc, fp: f.fp, activation: f.activation })
    })
  )))
  return { sizes, frames, result }
}

const versions = [undefined, versionsOf["entry-fp"][0], versionsOf["exit-trampoline"][0]]

describe.each(archIds.flatMap((arch) => versions.map((version) => [arch, version] as const)))("%s, wasmtime %s", (arch, version) => {
  it("streams a long stack in chunks of 4096 frames", () => {
    const stack = buildStack(longPlan(arch, 2 * CHUNK + 5, version))
    const snapshot = decodeOrFail(toJson(stack))
    const { frames, result, sizes } = chunkSizes(Walker.stream(snapshot))
    expect(Result.isSuccess(result)).toBe(true)
    expect(sizes).toEqual([CHUNK, CHUNK, 5])
    expect(frames).toEqual(expectedFrames(stack))
  })

  it("delivers the chunks walked before an error, then the error", () => {
    const stack = buildStack(longPlan(arch, 2 * CHUNK + 5, version))
    // The saved FP of frame 2*CHUNK + 1 points back: the walk fails after 2*CHUNK + 2 frames.
    const corrupted = corrupt(stack, { name: "savedFpBelow", pick: 2 * CHUNK + 1, variant: 0, value: 0n })
    const { frames, result, sizes } = chunkSizes(Walker.stream(decodeOrFail(corrupted.json)))
    expect(sizes).toEqual([CHUNK, CHUNK, 2])
    expect(frames).toEqual(corrupted.frames)
    expect(Result.isFailure(result) ? [result.failure._tag, frameOf(result.failure)] : undefined).toEqual([
      "NonMonotonicFp",
      2 * CHUNK + 2
    ])
  })
})
