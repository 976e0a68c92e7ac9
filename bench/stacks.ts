/**
 * The benchmark's inputs: valid two-activation stacks (v1 snapshot JSON,
 * laid out here from each architecture's frame record, so the bench needs
 * nothing outside src/), and a batch of small ones.
 *
 * Frames are `stride` bytes apart (32 on the little-endian architectures, a
 * saved FP, a return address and two spill slots; 160 on s390x, its ABI's
 * register save area), at addresses of a real x86_64 user stack (below 2^47).
 * aarch64 return addresses carry pointer-authentication bits, as signed
 * return addresses do, so the walk strips every one of them.
 */
import { Buffer } from "node:buffer"
import type { ArchId } from "../src/Arch.js"
import { architectures } from "../src/arch/index.js"
import { FORMAT } from "../src/Snapshot.js"

/** Bytes between two frames of one activation. */
export const strideOf = (arch: ArchId): number => (arch === "s390x" ? 160 : 32)

const STACK_BASE = 0x7ffd_4000_0000n
const CODE_BASE = 0x5555_5555_0000n
const LIMITS = 0x5555_6000_1000n
const HOST_GAP = 64n

// A return address inside the code segment, different for every frame.
const returnAddress = (arch: ArchId, frame: number): bigint => {
  const pc = CODE_BASE + BigInt(((frame * 0x9e3779b1) >>> 0) % 0x0100_0000)
  // Signed return addresses: a PAC in bits 48..54, bit 55 clear (user space).
  return arch === "aarch64" ? pc | (BigInt((frame * 37) % 127 + 1) << 48n) : pc
}

/**
 * A valid stack of `frames` frames in two activations (the limits' and one
 * call-thread state's), as the spec's snapshot JSON text. `first` numbers
 * the return addresses, so stacks of a batch differ.
 */
export const stackJson = (arch: ArchId, frames: number, first = 0): string => {
  const { littleEndian, record } = architectures[arch]
  const stride = BigInt(strideOf(arch))
  const counts = [Math.ceil(frames / 2), Math.floor(frames / 2)]
  const size = stride * BigInt(frames) + 2n * HOST_GAP + 2n * stride
  const bytes = new Uint8Array(Number(size))
  const view = new DataView(bytes.buffer)
  const write = (address: bigint, value: bigint): void => {
    view.setBigUint64(Number(address - STACK_BASE), value, littleEndian)
  }
  const activations: Array<{ pc: bigint; fp: bigint; sp: bigint }> = []
  let start = STACK_BASE
  let frame = first
  for (const count of counts) {
    const entrySp = start + stride * BigInt(count)
    activations.push({ pc: returnAddress(arch, frame), fp: start, sp: entrySp })
    for (let i = 0; i < count; i++, frame++) {
      const fp = start + stride * BigInt(i)
      // The oldest Wasm frame's caller is the host, above the entry SP.
      const savedFp = i === count - 1 ? entrySp + 16n : fp + stride
      write(fp + BigInt(record.nextFpOffset), savedFp)
      write(fp + BigInt(record.pcOffset), returnAddress(arch, frame + 1))
    }
    start = entrySp + HOST_GAP
  }
  const [inner, outer] = activations as [typeof activations[0], typeof activations[0]]
  const hex = (value: bigint): string => `0x${value.toString(16)}`
  return JSON.stringify({
    format: FORMAT,
    arch,
    memory: [{ address: hex(STACK_BASE), base64: Buffer.from(bytes).toString("base64") }],
    limits: { address: hex(LIMITS), lastWasmExitPc: hex(inner.pc), lastWasmExitFp: hex(inner.fp), lastWasmEntrySp: hex(inner.sp) },
    states: [{ limits: hex(LIMITS), oldLastWasmExitPc: hex(outer.pc), oldLastWasmExitFp: hex(outer.fp), oldLastWasmEntrySp: hex(outer.sp) }]
  })
}

/** The architectures, in the table's order. */
export const ARCHES: ReadonlyArray<ArchId> = ["x86_64", "aarch64", "s390x", "riscv64"]

/**
 * `count` small valid stacks (8 to 40 frames, the architectures in turn),
 * from a fixed seed.
 */
export const batchJson = (count: number): Array<string> => {
  const texts: Array<string> = []
  let seed = 0x2545f491
  for (let i = 0; i < count; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    texts.push(stackJson(ARCHES[i % ARCHES.length]!, 8 + (seed >>> 8) % 33, i * 64))
  }
  return texts
}
