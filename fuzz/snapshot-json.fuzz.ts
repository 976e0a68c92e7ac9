/**
 * Fuzz target snapshot-json: arbitrary bytes into the snapshot parser and,
 * when they decode, into the walk and the oracle.
 *
 * The decoder must answer every input with a Result (never throw); what it
 * accepts must be JSON, must walk exactly as the reference walker does, and
 * must survive `encode` → `decode` unchanged.
 */
import * as Result from "effect/Result"
import { decode, decodeJson, encode, InputError, resultToJson } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"
import { canonical, checkWalk, OracleViolation } from "./oracle.js"

export const fuzz = (data: Buffer): void => {
  const text = data.toString("utf8")
  const decoded = decodeJson(text)
  if (Result.isFailure(decoded)) {
    const error: unknown = decoded.failure
    if (!(error instanceof InputError) || typeof error.message !== "string" || error.message.length === 0) {
      throw new OracleViolation("decodeJson failed without an InputError message")
    }
    return
  }
  const snapshot = decoded.success
  // What the decoder accepted must be JSON: JSON.parse throwing here is a crash.
  checkWalk(JSON.parse(text) as unknown, snapshot, data.length)
  const encoded = encode(snapshot)
  const again = decode(encoded)
  if (Result.isFailure(again)) throw new OracleViolation(`encode → decode fails: ${again.failure.message}`)
  if (canonical(encode(again.success)) !== canonical(encoded)) throw new OracleViolation("encode → decode → encode changes the snapshot")
  if (canonical(resultToJson(walkSync(again.success))) !== canonical(resultToJson(walkSync(snapshot)))) {
    throw new OracleViolation("encode → decode changes the walk")
  }
}
