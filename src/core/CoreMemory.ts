/**
 * A core file's memory, read lazily: the captured (file-backed) part of each
 * `PT_LOAD` segment, loaded 64 KiB at a time through the {@link ByteSource}
 * when the walk asks for an address there, with a small cache of the most
 * recently used windows. A 2 GiB core costs a few windows, not 2 GiB.
 *
 * @since 0.2.0
 */
import type { ByteSource } from "../ByteSource.js"
import type { Memory, Span } from "../Memory.js"

/**
 * The captured part of one segment: `size` bytes at `vaddr`, stored at file
 * offset `offset`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Captured {
  readonly vaddr: bigint
  readonly size: bigint
  readonly offset: bigint
}

/**
 * Bytes per window (64 KiB); a window holds 8 bytes more, so that every word
 * starting in it fits in it.
 *
 * @category constants
 * @since 0.2.0
 */
export const WINDOW = 0x10000
const WINDOW_N = BigInt(WINDOW)

/**
 * Windows kept (64: at most 4 MiB).
 *
 * @category constants
 * @since 0.2.0
 */
export const CACHED_WINDOWS = 64

/**
 * A {@link Memory} over the captured parts of a core's segments.
 *
 * @category models
 * @since 0.2.0
 */
export class CoreMemory implements Memory {
  private readonly parts: ReadonlyArray<Captured>
  private readonly cache = new Map<string, Span>()

  /**
   * `parts` must not overlap and must lie inside the source (the core reader
   * checks both); empty parts are dropped.
   */
  constructor(private readonly source: ByteSource, parts: ReadonlyArray<Captured>) {
    this.parts = parts.filter((p) => p.size > 0n).sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0))
  }

  /** The part holding `length` bytes at `address`, or `undefined`. */
  private partOf(address: bigint, length: bigint): Captured | undefined {
    let lo = 0
    let hi = this.parts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const part = this.parts[mid]!
      if (address < part.vaddr) hi = mid - 1
      else if (address >= part.vaddr + part.size) lo = mid + 1
      else return address + length <= part.vaddr + part.size ? part : undefined
    }
    return undefined
  }

  readonly spanOf = (address: bigint): Span | undefined => {
    const part = this.partOf(address, 8n)
    if (part === undefined) return undefined
    // Window k of the part covers [k·W, k·W + W + 8), clipped to the part.
    const k = (address - part.vaddr) / WINDOW_N
    const key = `${part.vaddr}:${k}`
    const hit = this.cache.get(key)
    if (hit !== undefined) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit
    }
    const from = k * WINDOW_N
    const length = Number(part.size - from < WINDOW_N + 8n ? part.size - from : WINDOW_N + 8n)
    const bytes = this.source.read(Number(part.offset + from), length)
    if (bytes === undefined) return undefined
    const span: Span = { start: part.vaddr + from, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
    if (this.cache.size >= CACHED_WINDOWS) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(key, span)
    return span
  }

  /**
   * The `length` captured bytes at `address`, all in one segment, read
   * straight from the source (not cached), or `undefined`.
   */
  bytes(address: bigint, length: number): Uint8Array | undefined {
    const part = this.partOf(address, BigInt(length))
    return part === undefined ? undefined : this.source.read(Number(part.offset + (address - part.vaddr)), length)
  }

  /** Captured bytes from `address` to the end of its segment (0 when unmapped). */
  capturedFrom(address: bigint): bigint {
    const part = this.partOf(address, 1n)
    return part === undefined ? 0n : part.vaddr + part.size - address
  }
}
