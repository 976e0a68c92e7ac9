/**
 * A test-only frame-pointer walk that follows shared/minidumps/README.md's
 * "The walk" word for word, over any `Memory` and native `Image` (it is the
 * reader that is under test, not this walk; the lead's walker is in
 * src/native/):
 * 1. frame 0 = the thread's (pc, fp);
 * 2. read the return address at fp + 8, then the next FP at fp + 0; a read
 *    succeeds only when all 8 bytes lie in one span; a failed read ends with
 *    an error;
 * 3. aarch64: bits 63..48 of the return address become copies of bit 55;
 * 4. next FP 0: ok; next FP <= FP: error; otherwise (return address, next FP).
 */
import type { Memory } from "../../src/Memory.js"
import type { Image, Thread } from "../../src/native/Image.js"

export interface OracleFrame {
  readonly pc: bigint
  readonly fp: bigint
}

export interface OracleWalk {
  readonly frames: ReadonlyArray<OracleFrame>
  readonly end: "ok" | "error"
}

/** The 8-byte little-endian word at `address`, or undefined when no span holds all of it. */
export const readWord = (memory: Memory, address: bigint): bigint | undefined => {
  const span = memory.spanOf(address)
  if (span === undefined) return undefined
  const offset = address - span.start
  if (offset < 0n || offset + 8n > BigInt(span.view.byteLength)) {
    throw new Error(`spanOf(0x${address.toString(16)}) returned a span that does not hold the word`)
  }
  return span.view.getBigUint64(Number(offset), true)
}

const LOW48 = (1n << 48n) - 1n
const HIGH16 = ((1n << 64n) - 1n) ^ LOW48

/** XPACI with 48 VA bits: bits 63..48 become copies of bit 55. */
export const stripPac = (pc: bigint): bigint => (((pc >> 55n) & 1n) === 1n ? pc | HIGH16 : pc & LOW48)

export const walkThread = (image: Pick<Image, "arch" | "memory">, thread: Pick<Thread, "pc" | "fp">, maxFrames = 100_000): OracleWalk => {
  const frames: Array<OracleFrame> = []
  let pc = thread.pc
  let fp = thread.fp
  while (frames.length < maxFrames) {
    frames.push({ pc, fp })
    const returnAddress = readWord(image.memory, fp + 8n)
    if (returnAddress === undefined) return { frames, end: "error" }
    const nextFp = readWord(image.memory, fp)
    if (nextFp === undefined) return { frames, end: "error" }
    if (nextFp === 0n) return { frames, end: "ok" }
    if (nextFp <= fp) return { frames, end: "error" }
    pc = image.arch === "aarch64" ? stripPac(returnAddress) : returnAddress
    fp = nextFp
  }
  return { frames, end: "error" }
}
