// Byte-level helpers for the walker service's request bodies: a nesting-depth
// scan that runs before `JSON.parse`, NDJSON line splitting without copies,
// strict UTF-8 decoding and media-type parsing. None of them throws.
import * as Result from "effect/Result"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * The deepest nesting of arrays and objects in JSON bytes, stopping as soon
 * as it passes `limit` (then it returns `limit + 1`). Brackets inside strings
 * do not count. Malformed JSON is scanned all the same: `JSON.parse` reports
 * it later. UTF-8 multi-byte sequences never contain ASCII bytes, so a byte
 * scan is exact.
 */
export const nestingDepth = (bytes: Uint8Array, limit: number): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (inString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) inString = false
    } else if (byte === QUOTE) {
      inString = true
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > limit) return deepest
      }
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--
    }
  }
  return deepest
}

/**
 * Splits NDJSON into lines (views into `bytes`, no copies), or returns
 * `undefined` as soon as there are more than `max`. A `\r` before a `\n` is
 * dropped; the empty piece after a final `\n` is not a line, and neither is
 * a blank one (the CLI skips those too).
 */
export const lines = (bytes: Uint8Array, max: number): Array<Uint8Array> | undefined => {
  const out: Array<Uint8Array> = []
  let start = 0
  // A blank line (nothing but spaces and tabs) is skipped, as the CLI skips it.
  const take = (line: Uint8Array): boolean => {
    if (line.every((b) => b === 0x20 || b === 0x09)) return true
    if (out.length === max) return false
    out.push(line)
    return true
  }
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, start)) {
    const end = i > start && bytes[i - 1] === CARRIAGE_RETURN ? i - 1 : i
    if (!take(bytes.subarray(start, end))) return undefined
    start = i + 1
  }
  if (start < bytes.length && !take(bytes.subarray(start))) return undefined
  return out
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })

/** Decodes strict UTF-8 (a leading BOM is dropped), or fails. */
export const decodeUtf8 = (bytes: Uint8Array): Result.Result<string, "invalid"> =>
  Result.try({ try: () => utf8.decode(bytes), catch: () => "invalid" as const })

/** A `Content-Type` header: the lower-cased media type and its charset, if any. */
export interface MediaType {
  readonly type: string
  readonly charset: string | undefined
}

/** Parses a `Content-Type` header value (`type/subtype; charset=utf-8`). */
export const mediaType = (header: string): MediaType => {
  const [type = "", ...parameters] = header.split(";")
  let charset: string | undefined
  for (const parameter of parameters) {
    const equals = parameter.indexOf("=")
    if (equals === -1) continue
    if (parameter.slice(0, equals).trim().toLowerCase() !== "charset") continue
    charset = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase()
  }
  return { type: type.trim().toLowerCase(), charset }
}

/** Parses JSON text, or returns `undefined` if it is malformed. */
export const parseJson = (text: string): { readonly value: unknown } | undefined => {
  const parsed = Result.try(() => JSON.parse(text) as unknown)
  return Result.isSuccess(parsed) ? { value: parsed.success } : undefined
}

/**
 * Whether the array at `key` of a parsed document holds more than `max`
 * items: the input error to report (`path`, `reason`) if it does.
 */
export const countOver = (
  parsed: { readonly value: unknown },
  key: string,
  max: number,
  what: string
): { readonly path: string; readonly reason: string } | undefined => {
  const { value } = parsed
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined
  const items: unknown = (value as Record<string, unknown>)[key]
  return Array.isArray(items) && items.length > max
    ? { path: key, reason: `more than ${max} ${what} (the server's limit)` }
    : undefined
}
