/**
 * Lays out frames in memory the way each architecture does, and writes the
 * snapshot JSON that describes them. Shared by the tests, the properties,
 * the fuzz targets, the examples and the benchmarks: everything that needs a
 * stack built from its description rather than walked.
 */
import type { ArchId } from "../src/Arch.js"
import { architectures } from "../src/arch/index.js"
import { encode as encodeBase64 } from "../src/internal/base64.js"
import { toHex } from "../src/U64.js"
import { fieldsOf, generationOfVersion } from "./generations.js"

/** A region being filled in: `size` zero bytes, or the given bytes themselves (not copied). */
export class RegionImage {
  readonly bytes: Uint8Array
  private readonly view: DataView
  constructor(readonly address: bigint, size: number, bytes?: Uint8Array) {
    this.bytes = bytes ?? new Uint8Array(size)
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)
  }
  get end(): bigint {
    return this.address + BigInt(this.bytes.length)
  }
  contains(address: bigint, length = 8n): boolean {
    return address >= this.address && address + length <= this.end
  }
  writeWord(address: bigint, value: bigint, littleEndian: boolean): void {
    this.view.setBigUint64(Number(address - this.address), BigInt.asUintN(64, value), littleEndian)
  }
}

/** A stack image for one architecture: regions plus frame records. */
export class StackImage {
  readonly regions: Array<RegionImage> = []
  constructor(readonly arch: ArchId) {}

  region(address: bigint, size: number): RegionImage {
    const region = new RegionImage(address, size)
    this.regions.push(region)
    return region
  }

  /** Adds a region over `bytes` at `address`, sharing them (writes to either show in both). */
  view(address: bigint, bytes: Uint8Array): RegionImage {
    const region = new RegionImage(address, bytes.length, bytes)
    this.regions.push(region)
    return region
  }

  /** Writes a word at `address` (which must lie in a region) in the arch's byte order. */
  writeWord(address: bigint, value: bigint): void {
    const region = this.regions.find((r) => r.contains(address))
    if (region === undefined) throw new Error(`no region holds ${toHex(address)}`)
    region.writeWord(address, value, architectures[this.arch].littleEndian)
  }

  /** A copy of this image without the bytes in `[start, end)`: regions are cut or split around the gap. */
  withGap(start: bigint, end: bigint): StackImage {
    const copy = new StackImage(this.arch)
    for (const region of this.regions) {
      const pieces: Array<readonly [bigint, bigint]> = [[region.address, start < region.end ? start : region.end], [end > region.address ? end : region.address, region.end]]
      for (const [from, to] of pieces) {
        if (from >= to || from < region.address || to > region.end) continue
        const piece = copy.region(from, Number(to - from))
        piece.bytes.set(region.bytes.subarray(Number(from - region.address), Number(to - region.address)))
      }
    }
    return copy
  }

  /** Writes a frame record at `fp`: the saved FP and the saved return address. */
  frame(fp: bigint, savedFp: bigint, savedPc: bigint): void {
    const arch = architectures[this.arch]
    this.writeWord(fp + BigInt(arch.record.nextFpOffset), savedFp)
    this.writeWord(fp + BigInt(arch.record.pcOffset), savedPc)
  }
}

export type Hex = string

export interface LimitsJson {
  readonly address: Hex
  readonly lastWasmExitPc: Hex
  readonly lastWasmExitFp: Hex
  readonly lastWasmEntrySp: Hex
}

export interface StateJson {
  readonly limits: Hex
  readonly oldLastWasmExitPc: Hex
  readonly oldLastWasmExitFp: Hex
  readonly oldLastWasmEntrySp: Hex
}

/**
 * The runtime state of a snapshot. `wasmtime` makes it a v2 snapshot of that
 * version (absent: v1). Each triple is the generation's: `fp` is the recorded
 * exit FP (under `exit-trampoline`, the exit trampoline's FP `t`) and `sp` the
 * entry value (the entry SP under `entry-sp`, else the entry FP).
 */
export interface SnapshotInput {
  readonly wasmtime?: string | undefined
  readonly limits: { readonly address: bigint; readonly pc: bigint; readonly fp: bigint; readonly sp: bigint }
  readonly states: ReadonlyArray<{ readonly limits: bigint; readonly pc: bigint; readonly fp: bigint; readonly sp: bigint }>
  readonly trap?: { readonly pc: bigint; readonly fp: bigint } | undefined
  readonly options?: { readonly maxFrames?: bigint; readonly aarch64VaBits?: number } | undefined
}

/** The snapshot JSON (spec format) for an image and its runtime state. */
export const snapshotJson = (image: StackImage, input: SnapshotInput): Record<string, unknown> => {
  const v2 = input.wasmtime !== undefined
  const fields = fieldsOf[v2 ? generationOfVersion(input.wasmtime!) : "entry-sp"]
  return {
  format: v2 ? "fpwalk.snapshot.v2" : "fpwalk.snapshot.v1",
  ...(v2 ? { wasmtime: input.wasmtime } : {}),
  arch: image.arch,
  ...(input.options === undefined
    ? {}
    : {
      options: {
        ...(input.options.maxFrames === undefined ? {} : { maxFrames: toHex(input.options.maxFrames) }),
        ...(input.options.aarch64VaBits === undefined ? {} : { aarch64VaBits: input.options.aarch64VaBits })
      }
    }),
  memory: image.regions.map((r) => ({ address: toHex(r.address), base64: encodeBase64(r.bytes) })),
  limits: {
    address: toHex(input.limits.address),
    lastWasmExitPc: toHex(input.limits.pc),
    [fields.exitFp]: toHex(input.limits.fp),
    [fields.entry]: toHex(input.limits.sp)
  },
  states: input.states.map((s) => ({
    limits: toHex(s.limits),
    oldLastWasmExitPc: toHex(s.pc),
    [fields.oldExitFp]: toHex(s.fp),
    [fields.oldEntry]: toHex(s.sp)
  })),
  ...(input.trap === undefined ? {} : { trap: { pc: toHex(input.trap.pc), fp: toHex(input.trap.fp) } })
  }
}
