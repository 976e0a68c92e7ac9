/**
 * Helpers shared by the property tests: decoding a snapshot the test
 * built (a failure to decode is a bug in the test or in the decoder), and
 * an independent reader of the captured words, to check what the walker
 * read against the raw JSON rather than against `StackMemory`.
 */
import { expect } from "vitest"
import * as Result from "effect/Result"
import type { ArchId } from "../src/Arch.js"
import type { Snapshot } from "../src/Snapshot.js"
import * as SnapshotModule from "../src/Snapshot.js"
import { abi } from "./abi.js"

export const decodeOrFail = (json: unknown): Snapshot => {
  const decoded = SnapshotModule.decode(json)
  if (Result.isFailure(decoded)) expect.fail(`the built snapshot does not decode: ${decoded.failure.message}`)
  return decoded.success
}

/** The raw regions of a snapshot JSON built by `snapshotJson` (hex addresses, base64 bytes). */
export const rawRegions = (json: Record<string, unknown>): Array<{ address: bigint; bytes: Buffer }> =>
  (json["memory"] as Array<{ address: string | number; base64: string }>).map((r) => ({
    address: BigInt(r.address),
    bytes: Buffer.from(r.base64, "base64")
  }))

/** The word at `address` if all 8 bytes lie in one region, else `undefined`. */
export const readRaw = (
  arch: ArchId,
  regions: ReadonlyArray<{ address: bigint; bytes: Buffer }>,
  address: bigint
): bigint | undefined => {
  for (const r of regions) {
    if (address >= r.address && address + 8n <= r.address + BigInt(r.bytes.length)) {
      const offset = Number(address - r.address)
      return abi[arch].littleEndian ? r.bytes.readBigUInt64LE(offset) : r.bytes.readBigUInt64BE(offset)
    }
  }
  return undefined
}
