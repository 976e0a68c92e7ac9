/**
 * Renders a README "Performance" section from a bench result (default
 * bench/results/latest.json), with the baseline beside it when given:
 * `node bench/build/bench/readme.js [LATEST] [BASELINE]`.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

interface ApiTiming {
  readonly nsPerFrame: number
  readonly framesPerSecond: number
  readonly wallNsPerFrame?: number
}
interface CaseResult {
  readonly case: string
  readonly frames: number
  readonly parseMBps: number
  readonly apis: Readonly<Record<string, ApiTiming | undefined>>
}
interface Results {
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly cc: string; readonly date: string }
  readonly cases: ReadonlyArray<CaseResult>
  readonly targets: ReadonlyArray<
    { readonly target: string; readonly case: string; readonly value?: number; readonly limit: number; readonly met?: boolean }
  >
  readonly linearity: ReadonlyArray<{ readonly arch: string; readonly api: string; readonly maxOverMin: number }>
  readonly fixedCost?: ReadonlyArray<{ readonly arch: string; readonly api: string; readonly ns?: number }>
  readonly memory: ReadonlyArray<{ readonly case: string; readonly api: string; readonly peakRssDelta: number; readonly retainedHeap: number; readonly tableBytes: number }>
  readonly cli:
    | string
    | {
      readonly startup: { readonly runs: number; readonly nodeMs: number; readonly fpwalkMs: number; readonly unbundledMs: number }
      readonly jobs: ReadonlyArray<{ readonly input: string; readonly jobs: number; readonly snapshotsPerSecond: number }>
    }
}

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const [latestPath = join(benchDir, "results", "latest.json"), baselinePath] = process.argv.slice(2)
const latest = JSON.parse(readFileSync(latestPath, "utf8")) as Results
const baseline = baselinePath === undefined ? undefined : (JSON.parse(readFileSync(baselinePath, "utf8")) as Results)

const f = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits)

const lines: Array<string> = []
const m = latest.machine
lines.push(
  "## Performance",
  "",
  `\`npm run bench\` on ${m.cpu} (${m.cores} cores, shared), Node ${m.node}, ${m.cc}, ${m.date.slice(0, 10)}.`,
  "Valid two-activation stacks (32-byte frames; 160 on s390x), ns per frame, median process CPU time",
  "(the machine is shared, so CPU time rather than the wall clock; both are in bench/results/latest.json).",
  "C is bench/native/walker.c, the same walk on the same decoded bytes, built with `cc -O2` and checked",
  "frame by frame against the TypeScript walker before timing. Parse is `Snapshot.decodeJson` (JSON +",
  "base64 + schema). `plain` is `walkSync` (a FrameTable), `trace` is `traceSync` (a new frame object per",
  "callback), `visit` is `visitSync` (the allocation-free callback API: one reused view); `Effect` and",
  "`Effect visit` are `Effect.runSync` of `walk` and `visit`.",
  "",
  "| case | frames | plain | trace | visit | Effect | Effect visit | Stream drain | Stream collect | C | plain / C | visit / C | Effect / plain | parse MB/s |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)
for (const c of latest.cases) {
  const a = c.apis
  lines.push(
    `| ${c.case} | ${c.frames.toLocaleString("en")} | ${f(a["plain"]?.nsPerFrame, 1)} | ${f(a["trace"]?.nsPerFrame)} | ${f(a["visit"]?.nsPerFrame, 1)} | ${f(a["effect"]?.nsPerFrame, 1)} | ${f(a["effectVisit"]?.nsPerFrame, 1)} | ${f(a["streamDrain"]?.nsPerFrame)} | ${f(a["streamCollect"]?.nsPerFrame)} | ${f(a["c"]?.nsPerFrame, 1)} | ${f((a["plain"]?.nsPerFrame ?? NaN) / (a["c"]?.nsPerFrame ?? NaN), 1)} | ${f((a["visit"]?.nsPerFrame ?? NaN) / (a["c"]?.nsPerFrame ?? NaN), 1)} | ${f((a["effect"]?.nsPerFrame ?? NaN) / (a["plain"]?.nsPerFrame ?? NaN), 2)} | ${f(c.parseMBps)} |`
  )
}
if (baseline !== undefined) {
  lines.push("", `Before (${baselinePath}: the same bench and method; in bench/results/baseline.json \`callback\` is today's trace):`, "")
  lines.push("| case | plain | trace | visit | C | plain / C | visit / C |", "|---|---:|---:|---:|---:|---:|---:|")
  for (const c of baseline.cases.filter((c) => c.case.endsWith("-100000") || c.case === "batch")) {
    const a = c.apis
    const c0 = a["c"]?.nsPerFrame ?? NaN
    lines.push(
      `| ${c.case} | ${f(a["plain"]?.nsPerFrame)} | ${f((a["trace"] ?? a["callback"])?.nsPerFrame)} | ${f(a["visit"]?.nsPerFrame, 1)} | ${f(c0, 1)} | ${f((a["plain"]?.nsPerFrame ?? NaN) / c0, 1)} | ${f((a["visit"]?.nsPerFrame ?? NaN) / c0, 1)} |`
    )
  }
}
lines.push("", "Targets (one run):", "", "| target | case | value | limit | |", "|---|---|---:|---:|---|")
for (const t of latest.targets) {
  lines.push(`| ${t.target} | ${t.case} | ${f(t.value, 2)} | ${t.limit} | ${t.met === undefined ? "–" : t.met ? "met" : "missed"} |`)
}
for (const c of latest.fixedCost ?? []) {
  lines.push(`- fixed cost of one walk, ${c.arch} ${c.api === "plain" ? "walkSync" : "visitSync"}: ${f(c.ns === undefined ? undefined : c.ns / 1000, 2)} µs`)
}
lines.push("", "Linearity (largest over smallest ns/frame from 10 to 1,000,000 frames):", "")
for (const l of latest.linearity) lines.push(`- ${l.arch} ${l.api}: ${f(l.maxOverMin, 2)}`)
lines.push("", "Memory of one 1,000,000-frame walk (fresh process):", "")
for (const mem of latest.memory) {
  lines.push(
    `- ${mem.case} ${mem.api}: peak RSS +${f(mem.peakRssDelta / 1e6, 1)} MB, retained ${f(mem.retainedHeap / 1e6, 1)} MB; the frame table's own bytes ${f(mem.tableBytes / 1e6)} MB (20 B/frame) → ${f(mem.peakRssDelta / mem.tableBytes, 2)}x`
  )
}
if (typeof latest.cli !== "string") {
  const s = latest.cli.startup
  lines.push(
    "",
    `Start-up: \`fpwalk walk\` on one small snapshot ${f(s.fpwalkMs)} ms against ${f(s.nodeMs)} ms for \`node -e 0\` (median of ${s.runs})` +
      ` (unbundled, dist/cli/bin.js: ${f(s.unbundledMs)} ms).`,
    "",
    "Throughput of `fpwalk walk --json` on 10,000 small snapshots:",
    ""
  )
  for (const j of latest.cli.jobs) lines.push(`- ${j.input}, --jobs ${j.jobs}: ${f(j.snapshotsPerSecond)} snapshots/s`)
}
process.stdout.write(lines.join("\n") + "\n")
