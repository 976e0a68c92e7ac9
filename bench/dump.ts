/**
 * The binary dump the C walker reads (format in bench/native/walker.c), and
 * its reader for the memory probe: decoded snapshots as bare u64s and bytes,
 * so the C side times the walk and nothing else.
 */
import * as Result from "effect/Result"
import type { ArchId } from "../src/Arch.js"
import { archIds } from "../src/arch/index.js"
import type { Snapshot } from "../src/Snapshot.js"
import { StackMemory } from "../src/StackMemory.js"

// The dump holds captured regions: only a snapshot decoded from JSON has them.
const regionsOf = (s: Snapshot): StackMemory["regions"] => {
  if (!(s.memory instanceof StackMemory)) throw new Error("the bench dumps decoded snapshots (StackMemory) only")
  if (s.generation !== "entry-sp") throw new Error(`the C walker follows entry-sp only, not ${s.generation}`)
  return s.memory.regions
}

const MAGIC = "FPWDUMP1"

/** The dump of `snapshots`, in order. */
export const writeDump = (snapshots: ReadonlyArray<Snapshot>): Uint8Array => {
  let size = 16
  for (const s of snapshots) {
    size += 8 * 4
    for (const r of regionsOf(s)) size += 16 + Math.ceil(r.bytes.length / 8) * 8
    size += 8 * 4 + 8 + 32 * s.states.length + 24
  }
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  let at = 0
  const u64 = (value: bigint | number): void => {
    view.setBigUint64(at, BigInt(value), true)
    at += 8
  }
  bytes.set(new TextEncoder().encode(MAGIC), 0)
  at = 8
  u64(snapshots.length)
  for (const s of snapshots) {
    u64(archIds.indexOf(s.arch))
    u64(s.options.maxFrames)
    u64(s.options.aarch64VaBits)
    const regions = regionsOf(s)
    u64(regions.length)
    for (const r of regions) {
      u64(r.address)
      u64(r.bytes.length)
      bytes.set(r.bytes, at)
      at += Math.ceil(r.bytes.length / 8) * 8
    }
    const l = s.limits
    for (const v of [l.address, l.exitPc, l.exitFp, l.entry]) u64(v)
    u64(s.states.length)
    for (const st of s.states) {
      for (const v of [st.limits, st.exitPc, st.exitFp, st.entry]) u64(v)
    }
    u64(s.trap === undefined ? 0 : 1)
    u64(s.trap?.pc ?? 0n)
    u64(s.trap?.fp ?? 0n)
  }
  return bytes
}

/**
 * Reads a dump back into snapshots whose regions are views of `bytes` (no
 * copy, no base64): what the memory probe walks.
 */
export const readDump = (bytes: Uint8Array): Array<Snapshot> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 16
  const u64 = (): bigint => {
    const value = view.getBigUint64(at, true)
    at += 8
    return value
  }
  const count = Number(view.getBigUint64(8, true))
  const snapshots: Array<Snapshot> = []
  for (let i = 0; i < count; i++) {
    const arch = archIds[Number(u64())] as ArchId
    const maxFrames = u64()
    const aarch64VaBits = Number(u64())
    const regions = []
    for (let n = Number(u64()); n > 0; n--) {
      const address = u64()
      const length = Number(u64())
      regions.push({ address, bytes: bytes.subarray(at, at + length) })
      at += Math.ceil(length / 8) * 8
    }
    const memory = StackMemory.make(regions)
    if (Result.isFailure(memory)) throw new Error(`dump snapshot ${i}: bad regions`)
    const limits = { address: u64(), exitPc: u64(), exitFp: u64(), entry: u64() }
    const states = []
    for (let n = Number(u64()); n > 0; n--) {
      states.push({ limits: u64(), exitPc: u64(), exitFp: u64(), entry: u64() })
    }
    const hasTrap = u64() !== 0n
    const trap = { pc: u64(), fp: u64() }
    snapshots.push({
      arch,
      generation: "entry-sp",
      options: { maxFrames, aarch64VaBits },
      memory: memory.success,
      limits,
      states,
      trap: hasTrap ? trap : undefined
    })
  }
  return snapshots
}
