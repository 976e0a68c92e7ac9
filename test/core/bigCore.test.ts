/**
 * A 2 GiB core (sparse on disk) is read through the file adapter without
 * loading it: a thread's frame chain is followed in a stack segment stored
 * past the 2 GiB mark, and reads all over a 2 GiB segment keep the process
 * under 200 MB.
 */
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, expect, it } from "vitest"
import { readCore } from "../../src/core/Core.js"
import { openFile } from "../../src/core/nodeFile.js"
import { layoutCore } from "../../properties/core/writer.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fpwalk-big-core-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const GIB2 = 2 ** 31
const STACK = 0x7ff0_0000_0000n
const STACK_SIZE = 0x10_0000

it("walks a thread's stack in a 2 GiB sparse core with peak memory under 200 MB", () => {
  // 100 frame records [saved rbp, return address] from the stack's bottom up.
  const stack = new Uint8Array(STACK_SIZE)
  const view = new DataView(stack.buffer)
  const frames = Array.from({ length: 100 }, (_, i) => STACK + 0x1000n + BigInt(i) * 0x2000n)
  frames.forEach((fp, i) => {
    const at = Number(fp - STACK)
    view.setBigUint64(at, i + 1 < frames.length ? frames[i + 1]! : 0n, true)
    view.setBigUint64(at + 8, 0x40_1000n + BigInt(i), true)
  })
  const spec = {
    arch: "x86_64" as const,
    threads: [{ tid: 7, signal: 11, registers: { rip: 0x40_0ff4n, rbp: frames[0]!, rsp: frames[0]! - 0x20n } }],
    segments: [
      { vaddr: 0x1000_0000n, memsz: BigInt(GIB2), filesz: GIB2 },
      { vaddr: STACK, memsz: BigInt(STACK_SIZE), bytes: stack }
    ]
  }
  const { head, offsets, size } = layoutCore(spec)
  expect(offsets[1]!).toBeGreaterThan(GIB2)
  const file = path.join(dir, "big.core")
  const fd = fs.openSync(file, "w")
  fs.writeSync(fd, head, 0, head.length, 0)
  fs.ftruncateSync(fd, size)
  fs.writeSync(fd, stack, 0, stack.length, offsets[1]!)
  fs.closeSync(fd)
  expect(fs.statSync(file).size).toBeGreaterThan(GIB2)

  const opened = openFile(file)
  if (Result.isFailure(opened)) throw new Error(opened.failure.message)
  const read = readCore(opened.success)
  if (Result.isFailure(read)) throw new Error(read.failure.message)
  const core = read.success
  const word = (address: bigint) => {
    const span = core.image.memory.spanOf(address)
    return span?.view.getBigUint64(Number(address - span.start), true)
  }
  let peak = process.memoryUsage().rss
  // The chain, as a frame-pointer walk reads it.
  const walked: Array<bigint> = []
  for (let fp = core.threads[0]!.fp; fp !== 0n; fp = word(fp)!) walked.push(word(fp + 8n)!)
  expect(walked).toEqual(frames.map((_, i) => 0x40_1000n + BigInt(i)))
  // Reads spread over the whole 2 GiB segment (zeros: sparse), then its last word.
  for (let i = 0; i < 4096; i++) {
    expect(word(0x1000_0000n + BigInt(i) * BigInt(GIB2 / 4096) + 8n * BigInt(i % 7))).toBe(0n)
    if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss)
  }
  expect(word(0x1000_0000n + BigInt(GIB2) - 8n)).toBe(0n)
  expect(word(0x1000_0000n + BigInt(GIB2) - 7n)).toBeUndefined()
  peak = Math.max(peak, process.memoryUsage().rss)
  opened.success.close()
  expect(peak).toBeLessThan(200 * 1024 * 1024)
})
