/**
 * The shared body of the walk-<arch> fuzz targets: build a plausible, then
 * corrupted, stack of one of the three generations from the fuzzer's bytes
 * (stack-builder.ts), and run the oracle on it.
 *
 * The oracle gets the stack twice, each time from the builder's own values:
 * src's snapshot (its captured memory made by `StackMemory.make`, the public
 * constructor the decoder uses) and the reference walker's plain model.
 * One input in 64 (chosen by its first byte, which the builder reads
 * last, if at all) goes the long way instead: the spec's snapshot JSON,
 * decoded by src's decoder and read by the reference walker's own JSON
 * reader, as the snapshot-json target does for every input, and the decoded
 * snapshot must walk as the one made from the builder's values. Decoding JSON costs more than
 * all the rest of an execution (see fuzz/README.md), and the snapshot-json
 * target already sends every accepted snapshot through the same oracle.
 *
 * An execution runs with `Error.stackTraceLimit` 0: every walk error is a
 * `Data.TaggedError`, whose construction captures a stack trace, and the
 * oracle's five walks would otherwise spend more on stack traces than on
 * walking. Nothing reads a stack; a crash's input replays with its stack in
 * fuzz/replay.test.ts (copy it to fuzz/regressions/<target>/).
 */
import { FuzzedDataProvider } from "@jazzer.js/core/dist/FuzzedDataProvider.js"
import type { Snapshot } from "../src/Activation.js"
import type { ArchId } from "../src/Arch.js"
import { decodeSync, resultToJson } from "../src/Snapshot.js"
import { StackMemory } from "../src/StackMemory.js"
import { walkSync } from "../src/Walker.js"
import type { RefSnapshot } from "../test/reference/walker.js"
import { fromJson, REF_ARCHES } from "../test/reference/walker.js"
import { canonical, checkWalk, OracleViolation, sameResult } from "./oracle.js"
import type { BuiltStack } from "./stack-builder.js"
import { buildStack, toJson } from "./stack-builder.js"

/** src's snapshot of a built stack, made from its values (as the decoder would make it). */
export const snapshotOf = (built: BuiltStack): Snapshot => {
  const { image, input } = built
  const memory = StackMemory.make(image.regions.map((r) => ({ address: r.address, bytes: r.bytes })))
  if (memory._tag === "Failure") throw new OracleViolation(`the built regions are not an address space: ${memory.failure._tag}`)
  const triple = (t: { readonly pc: bigint; readonly fp: bigint; readonly sp: bigint }) => ({ exitPc: t.pc, exitFp: t.fp, entry: t.sp })
  return {
    arch: built.arch,
    generation: built.generation,
    ...(input.wasmtime === undefined ? {} : { wasmtime: input.wasmtime }),
    options: { maxFrames: input.options?.maxFrames ?? 1_000_000n, aarch64VaBits: input.options?.aarch64VaBits ?? 48 },
    memory: memory.success,
    limits: { address: input.limits.address, ...triple(input.limits) },
    states: input.states.map((s) => ({ limits: s.limits, ...triple(s) })),
    trap: input.trap
  }
}

/** The reference walker's model of a built stack, made from its values. */
export const referenceOf = (built: BuiltStack): RefSnapshot => {
  const { image, input } = built
  return {
    generation: built.generation,
    arch: REF_ARCHES[built.arch]!,
    maxFrames: input.options?.maxFrames ?? 1000000n,
    vaBits: BigInt(input.options?.aarch64VaBits ?? 48),
    regions: image.regions.map((r) => ({ start: r.address, bytes: r.bytes })),
    limits: { limits: input.limits.address, pc: input.limits.pc, fp: input.limits.fp, sp: input.limits.sp },
    states: input.states.map((s) => ({ limits: s.limits, pc: s.pc, fp: s.fp, sp: s.sp })),
    trap: input.trap
  }
}

export const fuzzWalk = (arch: ArchId, data: Buffer): void => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    walkOnce(arch, data)
  } finally {
    Error.stackTraceLimit = limit
  }
}

const walkOnce = (arch: ArchId, data: Buffer): void => {
  const provider = new FuzzedDataProvider(data)
  const breakAt = provider.consumeIntegralInRange(0, 255)
  const built = buildStack(arch, provider)
  if ((data[0] ?? 0) % 64 !== 0) return checkWalk(referenceOf(built), snapshotOf(built), breakAt)
  const json = toJson(built)
  const decoded = decodeSync(json)
  // The builder writes only valid snapshots: one that does not decode is a
  // decoder (or builder) bug, not an input error.
  if (!decoded.ok) throw new OracleViolation(`a valid built snapshot does not decode: ${decoded.error.message}`)
  checkWalk(fromJson(json), decoded.snapshot, breakAt)
  const direct = resultToJson(walkSync(snapshotOf(built)))
  if (!sameResult(direct, resultToJson(walkSync(decoded.snapshot)))) {
    throw new OracleViolation(`the decoded snapshot walks otherwise than the built one\n${canonical(direct)}`)
  }
}
