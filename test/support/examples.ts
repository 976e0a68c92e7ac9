/**
 * The bundled examples, described in code: for each architecture a valid
 * stack with two activations and a trap, and one stack per error tag. The
 * layout and the expected result of each come from how it is built, not
 * from walking it. `test/examples.test.ts` checks `examples/*.json` against
 * these (and rewrites them with UPDATE_EXAMPLES=1).
 */
import type { ArchId } from "../../src/Arch.js"
import { architectures } from "../../src/arch/index.js"
import type { WalkErrorTag } from "../../src/WalkError.js"
import type { SnapshotInput } from "../../properties/layout.js"
import { snapshotJson, StackImage } from "../../properties/layout.js"

export interface ExpectedFrame {
  readonly pc: bigint
  readonly fp: bigint
  readonly activation: number
}

export interface Example {
  readonly name: string
  readonly arch: ArchId
  readonly json: Record<string, unknown>
  readonly frames: ReadonlyArray<ExpectedFrame>
  readonly error?: { readonly _tag: WalkErrorTag } & Record<string, unknown>
}

const BASE = 0x7ffc_e000n
const LIMITS = 0x5555_0000_1000n
const OTHER_LIMITS = 0x5555_0000_2000n
const PC = 0x40_1000n

/** One activation: the frames' FPs (newest first), their PCs and the entry SP. */
interface Run {
  readonly fps: ReadonlyArray<bigint>
  readonly pcs: ReadonlyArray<bigint>
  readonly entrySp: bigint
  /** The trampoline's FP: what the oldest Wasm frame saved. */
  readonly hostFp: bigint
}

const run = (first: bigint, count: number, firstPc: bigint): Run => {
  const fps = Array.from({ length: count }, (_, i) => first + BigInt(i) * 0x100n)
  const last = fps[fps.length - 1]!
  return {
    fps,
    pcs: fps.map((_, i) => firstPc + BigInt(i) * 0x24n),
    entrySp: last + 0xf0n,
    hostFp: last + 0x100n
  }
}

/**
 * The valid two-activation stack with a trap:
 *
 * ```text
 *   BASE+0x100..0x300  activation 0: 3 Wasm frames (the trap is in the first)
 *   BASE+0x400         host frame (trampoline), saved FP -> BASE+0x700
 *   BASE+0x800..0x900  activation 1: 2 Wasm frames
 *   BASE+0xa00         host frame (trampoline)
 * ```
 */
const layout = (arch: ArchId) => {
  const a0 = run(BASE + 0x100n, 3, PC)
  const a1 = run(BASE + 0x800n, 2, PC + 0x800n)
  return { arch, a0, a1 }
}

const image = (arch: ArchId, runs: ReadonlyArray<Run>, regions: ReadonlyArray<readonly [bigint, number]>) => {
  const stack = new StackImage(arch)
  for (const [address, size] of regions) stack.region(address, size)
  for (const r of runs) {
    r.fps.forEach((fp, i) => {
      const older = r.fps[i + 1]
      // The oldest frame saved the trampoline's FP and returns into it.
      stack.frame(fp, older ?? r.hostFp, older === undefined ? 0x41_0000n : r.pcs[i + 1]!)
    })
    // The host trampoline frame: a plausible chain into the host.
    stack.frame(r.hostFp, r.hostFp + 0x300n, 0x41_2000n)
  }
  return stack
}

const TRAP_PC = PC - 0x10n + 0x4n

const validInput = (l: ReturnType<typeof layout>): SnapshotInput => ({
  // A trap replaces the limits' (stale) exit PC/FP for the first activation.
  limits: { address: LIMITS, pc: 0x40_0f00n, fp: BASE + 0x50n, sp: l.a0.entrySp },
  states: [
    { limits: LIMITS, pc: l.a1.pcs[0]!, fp: l.a1.fps[0]!, sp: l.a1.entrySp },
    { limits: OTHER_LIMITS, pc: 0x40_7000n, fp: BASE + 0x600n, sp: BASE + 0x6f0n },
    { limits: LIMITS, pc: 0n, fp: 0n, sp: 0n }
  ],
  trap: { pc: TRAP_PC, fp: l.a0.fps[0]! }
})

const framesOf = (r: Run, activation: number, firstPc?: bigint): Array<ExpectedFrame> =>
  r.fps.map((fp, i) => ({ fp, pc: i === 0 && firstPc !== undefined ? firstPc : r.pcs[i]!, activation }))

const REGION: ReadonlyArray<readonly [bigint, number]> = [[BASE, 0x1000]]

const examplesFor = (arch: ArchId): ReadonlyArray<Example> => {
  const l = layout(arch)
  const runs = [l.a0, l.a1]
  const valid = validInput(l)
  const all = [...framesOf(l.a0, 0, TRAP_PC), ...framesOf(l.a1, 1)]
  const a0 = framesOf(l.a0, 0, TRAP_PC)
  const fpAlign = architectures[arch].fpAlignment
  const spAlign = architectures[arch].entrySpAlignment
  const make = (
    name: string,
    input: SnapshotInput,
    frames: ReadonlyArray<ExpectedFrame>,
    error?: Example["error"],
    stack = image(arch, runs, REGION)
  ): Example => ({ name: `${arch}-${name}`, arch, json: snapshotJson(stack, input), frames, ...(error ? { error } : {}) })
  const withState0 = (patch: Partial<SnapshotInput["states"][number]>): SnapshotInput => ({
    ...valid,
    states: [{ ...valid.states[0]!, ...patch }, ...valid.states.slice(1)]
  })
  const hex = (v: bigint) => `0x${v.toString(16)}`

  // NonMonotonicFp: the second frame of activation 0 saved a FP pointing back at the first.
  const backwards = image(arch, runs, REGION)
  backwards.writeWord(l.a0.fps[1]! + BigInt(architectures[arch].record.nextFpOffset), l.a0.fps[0]!)

  // UnmappedRead: the capture lost the page of the third frame (a region gap).
  const gap = image(arch, runs, REGION).withGap(BASE + 0x300n, BASE + 0x400n)

  return [
    make("valid", valid, all),
    make("MismatchedLimits", { ...valid, states: [{ ...valid.states[0]!, limits: OTHER_LIMITS }, ...valid.states.slice(1)] }, [], {
      _tag: "MismatchedLimits",
      limits: hex(LIMITS),
      stateLimits: hex(OTHER_LIMITS)
    }),
    make("InconsistentActivation", withState0({ pc: 0n }), a0, {
      _tag: "InconsistentActivation",
      activation: 1,
      pc: "0x0",
      fp: hex(l.a1.fps[0]!),
      sp: hex(l.a1.entrySp)
    }),
    make("NullFramePointer", withState0({ fp: 0n }), a0, { _tag: "NullFramePointer", activation: 1 }),
    make("NullEntrySp", withState0({ sp: 0n }), a0, { _tag: "NullEntrySp", activation: 1 }),
    make("MisalignedEntrySp", withState0({ sp: l.a1.entrySp + BigInt(spAlign / 2) }), a0, {
      _tag: "MisalignedEntrySp",
      activation: 1,
      entrySp: hex(l.a1.entrySp + BigInt(spAlign / 2)),
      alignment: spAlign
    }),
    make("FpAboveEntrySp", withState0({ fp: l.a1.entrySp + BigInt(fpAlign) }), a0, {
      _tag: "FpAboveEntrySp",
      activation: 1,
      fp: hex(l.a1.entrySp + BigInt(fpAlign)),
      entrySp: hex(l.a1.entrySp)
    }),
    make("MisalignedFp", withState0({ fp: l.a1.fps[0]! + 4n }), a0, {
      _tag: "MisalignedFp",
      activation: 1,
      fp: hex(l.a1.fps[0]! + 4n),
      alignment: fpAlign
    }),
    make("FrameLimitExceeded", { ...valid, options: { maxFrames: 4n } }, all.slice(0, 4), {
      _tag: "FrameLimitExceeded",
      maxFrames: 4
    }),
    make("UnmappedRead", valid, a0, {
      _tag: "UnmappedRead",
      activation: 0,
      fp: hex(l.a0.fps[2]!),
      address: hex(l.a0.fps[2]! + BigInt(architectures[arch].record.pcOffset))
    }, gap),
    make("NonMonotonicFp", valid, a0.slice(0, 2), {
      _tag: "NonMonotonicFp",
      activation: 0,
      fp: hex(l.a0.fps[1]!),
      nextFp: hex(l.a0.fps[0]!)
    }, backwards)
  ]
}

export const examples: ReadonlyArray<Example> = (["x86_64", "aarch64", "s390x", "riscv64"] as const).flatMap(examplesFor)
