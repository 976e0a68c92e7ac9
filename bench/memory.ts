/**
 * The memory probe, run in a fresh `node --expose-gc` per measurement:
 * `node memory.js DUMP plain|trace|visit`. Loads the dump's first snapshot
 * without JSON or base64 (so nothing before the walk raises the peak), walks
 * it once, and prints JSON:
 *
 * - `peakRssDelta`: the process's peak RSS during the walk minus its RSS
 *   just before (getrusage's maximum resident set);
 * - `retainedHeap`: memory still held by the walk's result after a full GC:
 *   the V8 heap plus the bytes of ArrayBuffers (a FrameTable's typed arrays
 *   live outside the heap);
 * - `frames`: frames walked.
 */
import { readFileSync } from "node:fs"
import { traceSync, visitSync, walkSync } from "../src/Walker.js"
import { readDump } from "./dump.js"

const [dump, api] = process.argv.slice(2)
const gc = (globalThis as { gc?: () => void }).gc
if (dump === undefined || gc === undefined || (api !== "plain" && api !== "trace" && api !== "visit")) {
  process.stderr.write("usage: node --expose-gc memory.js DUMP plain|trace|visit\n")
  process.exit(2)
}
const snapshot = readDump(readFileSync(dump))[0]!
// Walks of a prefix first, long enough that the walk is compiled by the
// optimizing tier before the measured walk (else the compiler's own memory,
// during the measured walk, is counted).
const prefix = { ...snapshot, options: { ...snapshot.options, maxFrames: 20_000n } }
for (let i = 0; i < 20; i++) {
  if (api === "plain") walkSync(prefix)
  else if (api === "trace") traceSync(prefix, () => {})
  else visitSync(prefix, () => {})
}
gc()
gc()
const held = (): number => {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}
const heapBefore = held()
const rssBefore = process.memoryUsage.rss()
const peakBefore = process.resourceUsage().maxRSS * 1024
let frames = 0
let kept: unknown = undefined
if (api === "plain") {
  const result = walkSync(snapshot)
  frames = result.frames.length
  kept = result
} else if (api === "trace") {
  traceSync(snapshot, () => {
    frames++
  })
} else {
  visitSync(snapshot, () => {
    frames++
  })
}
const peakAfter = process.resourceUsage().maxRSS * 1024
gc()
gc()
const retainedHeap = held() - heapBefore
process.stdout.write(
  JSON.stringify({
    api,
    frames,
    rssBefore,
    peakBefore,
    peakAfter,
    peakRssDelta: Math.max(0, peakAfter - rssBefore),
    retainedHeap,
    kept: kept === undefined ? 0 : 1
  }) + "\n"
)
