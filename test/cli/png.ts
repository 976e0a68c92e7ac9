/**
 * A small PNG reader for the render tests: 8-bit RGB or RGBA, not
 * interlaced (what rsvg-convert writes), decoded with node:zlib.
 */
import { inflateSync } from "node:zlib"

export interface Image {
  readonly width: number
  readonly height: number
  /** `[r, g, b]` of the pixel at (x, y). */
  readonly pixel: (x: number, y: number) => readonly [number, number, number]
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export const decodePng = (file: Buffer): Image => {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG (bad signature)")
  let width = 0
  let height = 0
  let channels = 0
  const data: Array<Buffer> = []
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at)
    const type = file.toString("latin1", at + 4, at + 8)
    const body = file.subarray(at + 8, at + 8 + length)
    if (type === "IHDR") {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      const [depth, color, , , interlace] = [body[8], body[9], body[10], body[11], body[12]]
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) throw new Error(`unsupported PNG: depth ${depth}, colour type ${color}, interlace ${interlace}`)
      channels = color === 2 ? 3 : 4
    } else if (type === "IDAT") data.push(body)
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(data))
  const stride = width * channels
  const pixels = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0
      const paeth = () => {
        const p = left + up - upLeft
        const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)]
        return a <= b && a <= c ? left : b <= c ? up : upLeft
      }
      const predicted = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : paeth()
      pixels[y * stride + x] = (value + predicted) & 0xff
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const at = y * stride + x * channels
      return [pixels[at]!, pixels[at + 1]!, pixels[at + 2]!]
    }
  }
}
