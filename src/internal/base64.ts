// Strict base64 (RFC 4648 §4): the standard alphabet, `=` padding to a
// multiple of four, no whitespace, and the unused bits of the last group
// zero. Node's `Buffer.from(s, "base64")` accepts all of these violations.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const VALUES = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i

const valueAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index)
  return code < 128 ? VALUES[code]! : -1
}

/** Decodes strict base64, or returns `undefined` with the first offending index. */
export const decode = (text: string): Uint8Array | { readonly invalidAt: number } => {
  if (text.length % 4 !== 0) return { invalidAt: text.length }
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0
  const bytes = new Uint8Array((text.length / 4) * 3 - padding)
  let out = 0
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length
    const a = valueAt(text, i)
    const b = valueAt(text, i + 1)
    const c = last && padding === 2 ? 0 : valueAt(text, i + 2)
    const d = last && padding >= 1 ? 0 : valueAt(text, i + 3)
    if (a < 0) return { invalidAt: i }
    if (b < 0) return { invalidAt: i + 1 }
    if (c < 0) return { invalidAt: i + 2 }
    if (d < 0) return { invalidAt: i + 3 }
    if (last && padding === 2 && (b & 0x0f) !== 0) return { invalidAt: i + 1 }
    if (last && padding === 1 && (c & 0x03) !== 0) return { invalidAt: i + 2 }
    const group = (a << 18) | (b << 12) | (c << 6) | d
    bytes[out++] = group >>> 16
    if (out < bytes.length) bytes[out++] = (group >>> 8) & 0xff
    if (out < bytes.length) bytes[out++] = group & 0xff
  }
  return bytes
}

/** Encodes bytes as padded standard base64. */
export const encode = (bytes: Uint8Array): string => {
  let text = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i
    const group = (bytes[i]! << 16) | ((rest > 1 ? bytes[i + 1]! : 0) << 8) | (rest > 2 ? bytes[i + 2]! : 0)
    text += ALPHABET[group >>> 18]! + ALPHABET[(group >>> 12) & 63]!
    text += rest > 1 ? ALPHABET[(group >>> 6) & 63]! : "="
    text += rest > 2 ? ALPHABET[group & 63]! : "="
  }
  return text
}
