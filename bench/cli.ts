/**
 * The CLI as a user runs it (`package.json`'s `bin`, dist/bundle/bin.js,
 * the rolldown bundle `npm run build` makes): start-up on one small
 * snapshot beside `node -e 0` and beside the unbundled dist/cli/bin.js, and
 * throughput of `fpwalk walk --json --jobs N` on many snapshots.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { median } from "./measure.js"

export interface CliResults {
  readonly startup: {
    readonly runs: number
    readonly nodeMs: number
    readonly fpwalkMs: number
    /** The unbundled CLI, dist/cli/bin.js: what bundling saves. */
    readonly unbundledMs: number
  }
  readonly jobs: ReadonlyArray<{
    readonly input: string
    readonly jobs: number
    readonly snapshots: number
    readonly ms: number
    readonly snapshotsPerSecond: number
  }>
  readonly notes: ReadonlyArray<string>
}

const STARTUP_RUNS = 11
const JOB_RUNS = 3

const timed = (args: ReadonlyArray<string>): { ms: number; status: number | null; stdout: string; stderr: string } => {
  const start = process.hrtime.bigint()
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return { ms, status: run.status, stdout: run.stdout, stderr: run.stderr }
}

export const benchCli = (rootDir: string, tmp: string, batch: ReadonlyArray<string>): CliResults => {
  const notes: Array<string> = []
  const bin = join(rootDir, "dist", "bundle", "bin.js")
  const unbundled = join(rootDir, "dist", "cli", "bin.js")
  for (const file of [bin, unbundled]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`)
  }
  const small = join(tmp, "small.json")
  writeFileSync(small, batch[0]!)

  // Interleaved, so load on the shared machine hits all alike; run 0 warms
  // the file cache and is dropped.
  const node: Array<number> = []
  const fpwalk: Array<number> = []
  const loose: Array<number> = []
  for (let i = 0; i <= STARTUP_RUNS; i++) {
    const n = timed(["-e", "0"])
    const f = timed([bin, "walk", small])
    if (f.status !== 0) throw new Error(`fpwalk walk failed on the small snapshot: ${f.stderr}`)
    const u = timed([unbundled, "walk", small])
    if (u.stdout !== f.stdout) throw new Error("the unbundled CLI prints something else")
    if (i > 0) {
      node.push(n.ms)
      fpwalk.push(f.ms)
      loose.push(u.ms)
    }
  }
  const startup = { runs: STARTUP_RUNS, nodeMs: median(node), fpwalkMs: median(fpwalk), unbundledMs: median(loose) }

  const ndjson = join(tmp, "batch.ndjson")
  writeFileSync(ndjson, batch.join("\n") + "\n")
  const folder = join(tmp, "batch")
  mkdirSync(folder, { recursive: true })
  batch.forEach((text, i) => writeFileSync(join(folder, `${String(i).padStart(5, "0")}.json`), text))
  const jobs: Array<CliResults["jobs"][number]> = []
  for (const [input, path] of [["NDJSON file", ndjson], ["folder", folder]] as const) {
    let reference: string | undefined
    for (const n of [1, 2]) {
      const runs: Array<number> = []
      for (let r = 0; r < JOB_RUNS; r++) {
        const run = timed([bin, "walk", "--json", "--jobs", String(n), path])
        if (run.status !== 0) {
          notes.push(`--jobs ${n} on a ${input}: exit ${run.status}: ${run.stderr.trim().split("\n")[0]}`)
          break
        }
        const lines = run.stdout.split("\n").length - 1
        if (lines !== batch.length) throw new Error(`--jobs ${n} on a ${input}: ${lines} results for ${batch.length} snapshots`)
        if (reference === undefined) reference = run.stdout
        else if (run.stdout !== reference) throw new Error(`--jobs ${n} on a ${input}: output differs from --jobs 1`)
        runs.push(run.ms)
      }
      if (runs.length === 0) continue
      const ms = median(runs)
      jobs.push({ input, jobs: n, snapshots: batch.length, ms, snapshotsPerSecond: batch.length / (ms / 1e3) })
    }
  }
  return { startup, jobs, notes }
}
