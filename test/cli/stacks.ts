/**
 * Snapshots for the CLI's tests, written as JSON text directly (a stack of
 * a million frames is 16 MiB of memory; building it word by word through
 * the shared testkit would dominate the test's time).
 */

export interface Chain {
  /** The snapshot's JSON text. */
  readonly text: string
  /** Where frame 0's record is; frame `i` is `first + 16*i`. */
  readonly first: bigint
  readonly entrySp: bigint
}

const hex = (value: bigint): string => `0x${value.toString(16)}`

/**
 * An x86_64 stack of `frames` Wasm frames, 16 bytes apart from `first`
 * (0x7f0000000000), one activation; frame `i` has PC `0x400000 + i`. With
 * `breakAt`, the frame record at that index saves an FP below its own (a
 * NonMonotonicFp after `breakAt + 1` frames).
 */
export const chain = (frames: number, options: { readonly breakAt?: number; readonly trap?: boolean } = {}): Chain => {
  const first = 0x7f00_0000_0000n
  const bytes = Buffer.alloc(frames * 16 + 16)
  for (let i = 0; i < frames; i++) {
    const savedFp = options.breakAt === i ? first : first + BigInt(16 * (i + 1))
    bytes.writeBigUInt64LE(savedFp, 16 * i)
    bytes.writeBigUInt64LE(0x40_0000n + BigInt(i + 1), 16 * i + 8)
  }
  const entrySp = first + BigInt(16 * frames)
  const limits = "0x555500001000"
  const json = {
    format: "fpwalk.snapshot.v1",
    arch: "x86_64",
    options: { maxFrames: frames + 10 },
    memory: [{ address: hex(first), base64: bytes.toString("base64") }],
    limits: { address: limits, lastWasmExitPc: "0x400000", lastWasmExitFp: hex(first), lastWasmEntrySp: hex(entrySp) },
    states: [{ limits, oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }],
    ...(options.trap === true ? { trap: { pc: "0x400000", fp: hex(first) } } : {})
  }
  return { text: JSON.stringify(json), first, entrySp }
}
