/**
 * The shared body of the walk-<arch> fuzz targets: build a plausible,
 * then corrupted, stack from the fuzzer's bytes (stack-builder.ts), decode
 * its snapshot JSON with src's decoder, and run the oracle.
 */
import { FuzzedDataProvider } from "@jazzer.js/core/dist/FuzzedDataProvider.js"
import type { ArchId } from "../src/Arch.js"
import { decodeSync } from "../src/Snapshot.js"
import { checkWalk, OracleViolation } from "./oracle.js"
import { buildStack } from "./stack-builder.js"

export const fuzzWalk = (arch: ArchId, data: Buffer): void => {
  const provider = new FuzzedDataProvider(data)
  const breakAt = provider.consumeIntegralInRange(0, 255)
  const json = buildStack(arch, provider)
  const decoded = decodeSync(json)
  // The builder writes only valid snapshots: one that does not decode is a
  // decoder (or builder) bug, not an input error.
  if (!decoded.ok) throw new OracleViolation(`a valid built snapshot does not decode: ${decoded.error.message}`)
  checkWalk(json, decoded.snapshot, breakAt)
}
