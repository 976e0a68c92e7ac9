/**
 * Helpers shared by the property tests: decoding a snapshot the test
 * built (a failure to decode is a bug in the test or in the decoder), and
 * an independent reader of the captured words, to check what the walker
 * read against the raw JSON rather than against `StackMemory`.
 */
import { expect } from "vitest"
import type { ArchId } from "../src/Arch.js"
import type { Snapshot } from "../src/Snapshot.js"
import { decodeSync } from "../src/Snapshot.js"
import type { FrameTable, WalkResult } from "../src/Walker.js"
import type { InputError } from "../src/InputError.js"
import type { WalkError } from "../src/WalkError.js"
import { abi } from "./abi.js"
import type { Frame } from "./stack.js"

export const decodeOrFail = (json: unknown): Snapshot => {
  const decoded = decodeSync(json)
  if (!decoded.ok) return expect.fail(`the built snapshot does not decode: ${decoded.error.message}`)
  return decoded.snapshot
}

/** Every frame of a table as a plain `{ pc, fp, activation }` (through the table's iterator). */
export const framesOf = (table: FrameTable): Array<Frame> => [...table].map(({ activation, fp, pc }) => ({ pc, fp, activation }))

/** A walk's result with its frames as plain objects, for `toEqual`. */
export type PlainResult =
  | { readonly ok: true; readonly frames: Array<Frame> }
  | { readonly ok: false; readonly error: WalkError | InputError; readonly frames: Array<Frame> }

export const plain = (result: WalkResult): PlainResult =>
  result.ok ? { ok: true, frames: framesOf(result.frames) } : { ok: false, error: result.error, frames: framesOf(result.frames) }

/** `error.frame` of a walk error (an `InputError` has none: the test then fails). */
export const frameOf = (error: WalkError | InputError): number => {
  if (error._tag === "InputError") return expect.fail(`an input error where a walk error was expected: ${error.message}`)
  return error.frame
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
