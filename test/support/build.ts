/**
 * Builds decoded snapshots for example-based tests: regions, frame records
 * and runtime state written out in full, then decoded by the real decoder.
 */
import type { ArchId } from "../../src/Arch.js"
import type { Snapshot } from "../../src/Snapshot.js"
import { decodeSync } from "../../src/Snapshot.js"
import type { SnapshotInput } from "../../properties/layout.js"
import { snapshotJson, StackImage } from "../../properties/layout.js"

export interface Build extends SnapshotInput {
  readonly arch: ArchId
  /** `[address, size]` of each region; default one 64 KiB region at 0x10000. */
  readonly regions?: ReadonlyArray<readonly [bigint, number]>
  /** Frame records `[fp, savedFp, savedPc]`. */
  readonly records?: ReadonlyArray<readonly [bigint, bigint, bigint]>
  /** Raw words `[address, value]`, written after the records. */
  readonly words?: ReadonlyArray<readonly [bigint, bigint]>
}

export const image = (spec: Build): StackImage => {
  const stack = new StackImage(spec.arch)
  for (const [address, size] of spec.regions ?? [[0x10000n, 0x10000]]) stack.region(address, size)
  for (const [fp, savedFp, savedPc] of spec.records ?? []) stack.frame(fp, savedFp, savedPc)
  for (const [address, value] of spec.words ?? []) stack.writeWord(address, value)
  return stack
}

export const json = (spec: Build): Record<string, unknown> => snapshotJson(image(spec), spec)

export const build = (spec: Build): Snapshot => {
  const decoded = decodeSync(json(spec))
  if (!decoded.ok) throw new Error(`test stack is not a valid snapshot: ${decoded.error.message}`)
  return decoded.snapshot
}

/** One activation state for `limits` with the activation `(pc, fp, sp)`. */
export const state = (limits: bigint, pc: bigint, fp: bigint, sp: bigint) => ({ limits, pc, fp, sp })

/** The terminating state: entered from the host with no Wasm before it. */
export const hostEntry = (limits: bigint) => state(limits, 0n, 0n, 0n)

/** Return addresses `base + 0x10*i` for frame `i`. */
export const pcsFrom = (base: bigint) => (i: number): bigint => base + BigInt(i) * 0x10n

/**
 * A chain of `count` Wasm frames 0x100 apart from `first`, whose oldest frame
 * saved `first + count*0x100` (the trampoline's FP); the entry SP is 0x10
 * below that. Frame `i` has PC `pc(i)` (the first one's is the exit PC, not
 * on the stack); by default 0x1000 + 0x10*i.
 */
export const chain = (first: bigint, count: number, pc: (i: number) => bigint = pcsFrom(0x1000n)) => {
  const fps = Array.from({ length: count }, (_, i) => first + BigInt(i) * 0x100n)
  const hostFp = first + BigInt(count) * 0x100n
  const records = fps.map((fp, i) => [fp, fps[i + 1] ?? hostFp, pc(i + 1)] as const)
  return { fps, records, sp: hostFp - 0x10n, pcs: fps.map((_, i) => pc(i)), last: fps[count - 1]! }
}
