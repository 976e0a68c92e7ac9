/**
 * Fuzz target snapshot-json: arbitrary bytes into the snapshot parser and,
 * when they decode, into the walk and the oracle.
 *
 * The decoder must answer every input with a Result (never throw); what it
 * accepts must be JSON, must walk exactly as the reference walker does, and
 * must survive `encode` → `decode` unchanged.
 */
import { decodeJsonSync, decodeSync, encode, InputError, resultToJson } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { fromJson } from "../test/reference/walker.js"
import { canonical, checkWalk, OracleViolation } from "./oracle.js"

export const fuzz = (data: Buffer): void => {
  const text = data.toString("utf8")
  const decoded = decodeJsonSync(text)
  if (!decoded.ok) {
    const error: unknown = decoded.error
    if (!(error instanceof InputError) || typeof error.message !== "string" || error.message.length === 0) {
      throw new OracleViolation("decodeJson failed without an InputError message")
    }
    return
  }
  const snapshot = decoded.snapshot
  // What the decoder accepted must be JSON: JSON.parse throwing here is a crash.
  checkWalk(fromJson(JSON.parse(text) as unknown), snapshot, data.length)
  const encoded = encode(snapshot)
  const again = decodeSync(encoded)
  if (!again.ok) throw new OracleViolation(`encode → decode fails: ${again.error.message}`)
  if (canonical(encode(again.snapshot)) !== canonical(encoded)) throw new OracleViolation("encode → decode → encode changes the snapshot")
  if (canonical(resultToJson(walkSync(again.snapshot))) !== canonical(resultToJson(walkSync(snapshot)))) {
    throw new OracleViolation("encode → decode changes the walk")
  }
}
