/**
 * The C walker (bench/native/walker.c): built with the machine's `cc -O2`
 * into bench/native/build/, checked against the TypeScript walker frame by
 * frame, then timed.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Snapshot } from "../src/Snapshot.js"
import type { WalkResult } from "../src/Walker.js"
import { writeDump } from "./dump.js"

export interface Native {
  readonly binary: string
  readonly cc: string
}

// walker.c's error codes (1-based), the v1 checks in the spec's order.
const C_TAGS = [
  "MismatchedLimits",
  "InconsistentActivation",
  "NullFramePointer",
  "NullEntrySp",
  "MisalignedEntrySp",
  "FpAboveEntrySp",
  "MisalignedFp",
  "FrameLimitExceeded",
  "UnmappedRead",
  "NonMonotonicFp"
] as const

/** Builds the C walker, or says why it cannot be built. */
export const buildNative = (benchDir: string): Native | string => {
  const version = spawnSync("cc", ["--version"], { encoding: "utf8" })
  if (version.error !== undefined || version.status !== 0) return "no C compiler (`cc`) on this machine"
  const build = join(benchDir, "native", "build")
  mkdirSync(build, { recursive: true })
  const binary = join(build, "walker")
  const compiled = spawnSync("cc", ["-O2", "-std=c11", "-o", binary, join(benchDir, "native", "walker.c")], {
    encoding: "utf8"
  })
  if (compiled.status !== 0) return `cc -O2 failed: ${compiled.stderr.trim()}`
  return { binary, cc: version.stdout.split("\n")[0] ?? "cc" }
}

/** Writes the dump of `snapshots` to `path`. */
export const dumpTo = (path: string, snapshots: ReadonlyArray<Snapshot>): void => {
  writeFileSync(path, writeDump(snapshots))
}

/**
 * Walks every snapshot of the dump in C and compares tag, count and every
 * frame with the TypeScript results. Returns a mismatch description, or
 * `undefined` when they agree.
 */
export const verifyNative = (
  native: Native,
  dump: string,
  expected: ReadonlyArray<WalkResult>
): string | undefined => {
  const out = `${dump}.frames`
  const run = spawnSync(native.binary, ["verify", dump, out], { encoding: "utf8" })
  if (run.status !== 0) return `C walker failed: ${run.stderr}`
  const bytes = readFileSync(out)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  const u64 = (): bigint => {
    const value = view.getBigUint64(at, true)
    at += 8
    return value
  }
  for (const [index, result] of expected.entries()) {
    const tag = Number(u64())
    const count = Number(u64())
    if (!result.ok && result.error._tag === "InputError") return `snapshot ${index}: not a snapshot (${result.error.message})`
    const expectedTag = result.ok ? 0 : (C_TAGS as ReadonlyArray<string>).indexOf(result.error._tag) + 1
    if (tag !== expectedTag) return `snapshot ${index}: C says tag ${tag}, TypeScript ${expectedTag}`
    if (count !== result.frames.length) return `snapshot ${index}: C walked ${count} frames, TypeScript ${result.frames.length}`
    let n = 0
    for (const frame of result.frames) {
      const pc = u64()
      const fp = u64()
      if (pc !== frame.pc || fp !== frame.fp) return `snapshot ${index} frame ${n}: C {${pc}, ${fp}} TypeScript {${frame.pc}, ${frame.fp}}`
      n++
    }
  }
  return at === bytes.length ? undefined : "C wrote more than expected"
}

/** Times passes over the whole dump in C: [CPU ns, wall ns] per pass for each run. */
export const timeNative = (
  native: Native,
  dump: string,
  options: { readonly minMs: number; readonly runs: number; readonly warmup: number }
): { readonly frames: number; readonly runs: ReadonlyArray<readonly [number, number]> } => {
  const run = spawnSync(native.binary, ["time", dump, String(options.minMs), String(options.runs), String(options.warmup)], {
    encoding: "utf8"
  })
  if (run.status !== 0) throw new Error(`C walker failed: ${run.stderr}`)
  const parsed = JSON.parse(run.stdout) as { frames: number; runs: Array<[number, number]> }
  return { frames: parsed.frames, runs: parsed.runs }
}
