/**
 * Stack views made by hand for the renderers' tests: frames computed on
 * demand (a million of them cost nothing), regions and errors as given.
 */
import type { ErrorRow, FrameRow, StackView } from "../../src/cli/stack.js"

export const FIRST = 0x7f00_0000_0000n

/** Frame `i` at `FIRST + 16*i` with PC `0x400000 + i`, in activation `activationOf(i)`. */
export const view = (options: {
  readonly frames: number
  readonly activationOf?: (i: number) => number
  readonly trap?: boolean
  readonly error?: ErrorRow
  readonly regions?: StackView["regions"]
  /** Activations in the snapshot (default: those the frames reach). */
  readonly activations?: number
}): StackView => {
  const activationOf = options.activationOf ?? (() => 0)
  const frame = (i: number): FrameRow | undefined =>
    i >= 0 && i < options.frames ? { pc: 0x40_0000n + BigInt(i), fp: FIRST + 16n * BigInt(i), activation: activationOf(i) } : undefined
  const activations = options.activations ?? Math.max(1, activationOf(options.frames - 1) + 1)
  return {
    name: "test.json",
    arch: "x86_64",
    regions: options.regions ?? [{ address: FIRST, length: 16 * options.frames + 16 }],
    activations: Array.from({ length: activations }, (_, index) => ({
      index,
      pc: 0x40_0000n,
      fp: FIRST,
      entry: FIRST + 16n * BigInt(options.frames),
      entryLabel: "entry SP"
    })),
    trap: options.trap === true,
    frames: { length: options.frames, at: frame },
    error: options.error,
    record: (fp) => ({ savedFp: fp + 16n, savedPc: 0x40_0001n + (fp - FIRST) / 16n })
  }
}
