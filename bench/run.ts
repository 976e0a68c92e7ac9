/**
 * `npm run bench`: the walker's speed against a C walker in the same run.
 *
 * For each architecture and stack size (two activations), and for a batch
 * of 10,000 small snapshots, times the plain, callback, Effect and Stream
 * APIs, snapshot decoding, and the same walk in C (checked frame by frame
 * first); then the memory of a 1,000,000-frame walk, the CLI's start-up and
 * its throughput with 1 and 2 jobs. Prints one table and writes it as JSON
 * to bench/results/latest.json (or the path in BENCH_OUT).
 *
 * BENCH_QUICK=1 stops at 100,000 frames and skips the CLI, for quick looks;
 * BENCH_ARCHES, BENCH_SIZES and BENCH_BATCH pick cases (see below).
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Snapshot } from "../src/Snapshot.js"
import { decodeJsonSync } from "../src/Snapshot.js"
import type { Frame, FrameView, WalkResult } from "../src/Walker.js"
import { stream, traceSync, visit, visitSync, walk, walkSync } from "../src/Walker.js"
import { benchCli, type CliResults } from "./cli.js"
import { timeRounds, type RunOptions, type Timed } from "./measure.js"
import { buildNative, dumpTo, timeNative, verifyNative } from "./native.js"
import { ARCHES, batchJson, stackJson } from "./stacks.js"

// bench/build/bench/run.js → bench/
const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const rootDir = join(benchDir, "..")
const quick = process.env["BENCH_QUICK"] === "1"
// For looking at one change quickly: BENCH_ARCHES=x86_64,s390x BENCH_SIZES=1000,100000
// BENCH_BATCH=0 (the full run, which latest.json records, sets none of these).
const listed = (name: string): Array<string> | undefined => process.env[name]?.split(",").filter((v) => v !== "")
const SIZES = listed("BENCH_SIZES")?.map(Number) ?? (quick ? [10, 1_000, 100_000] : [10, 1_000, 100_000, 1_000_000])
const BATCH = Number(process.env["BENCH_BATCH"] ?? "10000")
const partial = quick || ["BENCH_SIZES", "BENCH_ARCHES", "BENCH_BATCH"].some((name) => process.env[name] !== undefined)

// plain = walkSync (a FrameTable); trace = traceSync (a frame object per
// callback); visit = visitSync (the allocation-free callback API: one reused
// view); effect = Effect.runSync(walk); effectVisit = Effect.runSync(visit).
const API_NAMES = ["plain", "trace", "visit", "effect", "effectVisit", "streamDrain", "streamCollect", "c"] as const
type Api = typeof API_NAMES[number]

interface ApiTiming {
  /** Median process CPU ns per frame (what the table shows). */
  readonly nsPerFrame: number
  readonly framesPerSecond: number
  readonly runsNsPerFrame: ReadonlyArray<number>
  /** Median wall-clock ns per frame. */
  readonly wallNsPerFrame: number
}

interface CaseResult {
  readonly case: string
  readonly arch: string
  readonly snapshots: number
  readonly frames: number
  readonly jsonBytes: number
  readonly parseMBps: number
  readonly apis: Partial<Record<Api, ApiTiming>>
}

const log = (text: string): void => {
  process.stderr.write(text + "\n")
}

const optionsFor = (frames: number): RunOptions =>
  frames >= 1_000_000 ? { minMs: 50, runs: 5, warmup: 1 } : { minMs: 40, runs: 15, warmup: 2 }

const perFrame = (timed: Timed, frames: number): ApiTiming => {
  const nsPerFrame = timed.median / frames
  return {
    nsPerFrame,
    framesPerSecond: 1e9 / nsPerFrame,
    runsNsPerFrame: timed.runs.map((ns) => ns / frames),
    wallNsPerFrame: timed.wallMedian / frames
  }
}

const native = buildNative(benchDir)
if (typeof native === "string") log(`C walker skipped: ${native}`)
const tmp = mkdtempSync(join(tmpdir(), "fpwalk-bench-"))

const joinHalves = (high: number, low: number): bigint => (BigInt(high) << 32n) | BigInt(low)

const sameFrame = (a: Frame | undefined, b: Frame | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.pc === b.pc && a.fp === b.fp && a.activation === b.activation)

const sameFrames = (frames: Iterable<Frame>, expected: WalkResult["frames"]): boolean => {
  let n = 0
  for (const frame of frames) {
    if (!sameFrame(frame, expected.at(n))) return false
    n++
  }
  return n === expected.length
}

// Every API must walk the same frames as the plain one before any is timed.
const checkApis = (snapshots: ReadonlyArray<Snapshot>, results: ReadonlyArray<WalkResult>): void => {
  for (const [i, snapshot] of snapshots.entries()) {
    const expected = results[i]!
    if (!expected.ok) throw new Error(`snapshot ${i} is not valid: ${expected.error.message}`)
    const traced: Array<Frame> = []
    const summary = traceSync(snapshot, (frame) => {
      traced.push(frame)
    })
    // The view's halves, as an allocation-free caller reads them.
    const visited: Array<Frame> = []
    const visitSummary = visitSync(snapshot, (frame) => {
      visited.push({ pc: joinHalves(frame.pcHigh, frame.pcLow), fp: joinHalves(frame.fpHigh, frame.fpLow), activation: frame.activation })
    })
    const effectVisited: Array<Frame> = []
    const effectSummary = Effect.runSync(visit(snapshot, (frame) => {
      effectVisited.push({ pc: frame.pc, fp: frame.fp, activation: frame.activation })
    }))
    const effect = Effect.runSync(walk(snapshot)).frames
    const collected = Effect.runSync(Stream.runCollect(stream(snapshot)))
    const apis = [["trace", traced], ["visit", visited], ["effect", effect], ["effectVisit", effectVisited], ["stream", collected]] as const
    for (const [name, frames] of apis) {
      if (!sameFrames(frames, expected.frames)) throw new Error(`snapshot ${i}: the ${name} API disagrees with the plain API`)
    }
    for (const [name, s] of [["traceSync", summary], ["visitSync", visitSummary]] as const) {
      if (!s.ok || s.count !== expected.frames.length || s.stopped) throw new Error(`snapshot ${i}: ${name}'s summary disagrees`)
    }
    if (effectSummary.count !== expected.frames.length) throw new Error(`snapshot ${i}: visit's summary disagrees`)
  }
}

const dumps = new Map<string, string>()

const benchCase = (label: string, arch: string, texts: ReadonlyArray<string>): CaseResult => {
  const jsonBytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0)
  const snapshots = texts.map((text) => {
    const decoded = decodeJsonSync(text)
    if (!decoded.ok) throw new Error(`${label}: ${decoded.error.message}`)
    return decoded.snapshot
  })
  const results = snapshots.map(walkSync)
  checkApis(snapshots, results)
  const frames = results.reduce((sum, r) => sum + r.frames.length, 0)
  const options = optionsFor(frames)
  // What each callback does with a frame: looks at its FP, so that the
  // frame is really made (trace) or read (visit).
  let seen = 0
  const onFrame = (frame: Frame): void => {
    seen += frame.fp === 0n ? 0 : 1
  }
  const onView = (frame: FrameView): void => {
    seen += frame.fpLow === 0 && frame.fpHigh === 0 ? 0 : 1
  }
  const bodies = {
    parse: () => {
      let n = 0
      for (const text of texts) n += decodeJsonSync(text).ok ? 1 : 0
      return n
    },
    plain: () => {
      let n = 0
      for (const s of snapshots) n += walkSync(s).frames.length
      return n
    },
    trace: () => {
      seen = 0
      for (const s of snapshots) traceSync(s, onFrame)
      return seen
    },
    visit: () => {
      seen = 0
      for (const s of snapshots) visitSync(s, onView)
      return seen
    },
    effect: () => {
      let n = 0
      for (const s of snapshots) n += Effect.runSync(walk(s)).frames.length
      return n
    },
    effectVisit: () => {
      seen = 0
      for (const s of snapshots) Effect.runSync(visit(s, onView))
      return seen
    },
    streamDrain: () => {
      for (const s of snapshots) Effect.runSync(Stream.runDrain(stream(s)))
      return 1
    },
    streamCollect: () => {
      let n = 0
      for (const s of snapshots) n += Effect.runSync(Stream.runCollect(stream(s))).length
      return n
    }
  }
  const external: Record<string, () => readonly [number, number]> = {}
  if (typeof native !== "string") {
    const dump = join(tmp, `${label}.dump`)
    dumpTo(dump, snapshots)
    dumps.set(label, dump)
    const mismatch = verifyNative(native, dump, results)
    if (mismatch !== undefined) throw new Error(`${label}: the C walker disagrees: ${mismatch}`)
    external["c"] = () => {
      const c = timeNative(native, dump, { minMs: options.minMs, runs: 1, warmup: 1 })
      if (c.frames !== frames) throw new Error(`${label}: C counted ${c.frames} frames, not ${frames}`)
      return c.runs[0]!
    }
  }
  const timed = timeRounds(bodies, external, options)
  const apis: Partial<Record<Api, ApiTiming>> = {}
  for (const api of API_NAMES) {
    const t = timed[api]
    if (t !== undefined) apis[api] = perFrame(t, frames)
  }
  const parse = timed["parse"]!
  return {
    case: label,
    arch,
    snapshots: texts.length,
    frames,
    jsonBytes,
    parseMBps: jsonBytes / 1e6 / (parse.median / 1e9),
    apis
  }
}

const cases: Array<CaseResult> = []
const arches = ARCHES.filter((arch) => listed("BENCH_ARCHES")?.includes(arch) ?? true)
for (const arch of arches) {
  for (const size of SIZES) {
    const label = `${arch}-${size}`
    log(`${label}…`)
    const text = stackJson(arch, size)
    cases.push(benchCase(label, arch, [text]))
  }
}
const batchTexts = batchJson(Math.max(BATCH, 1))
if (BATCH > 0) {
  log(`batch of ${BATCH} small snapshots…`)
  cases.push(benchCase("batch", "mixed", batchTexts))
}

// Memory of one 1,000,000-frame walk, each in a fresh process.
interface MemoryResult {
  readonly case: string
  readonly api: string
  readonly frames: number
  readonly peakRssDelta: number
  /** Heap (typed arrays included) the walk's result still holds after a full GC. */
  readonly retainedHeap: number
  /** The frame table's own bytes: 5 u32 a frame (PC and FP halves, activation). */
  readonly tableBytes: number
}
const memory: Array<MemoryResult> = []
const probe = join(benchDir, "build", "bench", "memory.js")
for (const arch of ["x86_64", "s390x"]) {
  const label = `${arch}-${SIZES[SIZES.length - 1]}`
  const dump = dumps.get(label)
  if (dump === undefined || SIZES[SIZES.length - 1]! < 1_000_000) continue
  for (const api of ["plain", "trace", "visit"]) {
    log(`memory ${label} ${api}…`)
    // The least disturbed of three fresh processes (the machine is shared).
    const probes = [0, 1, 2].map(() => {
      const run = spawnSync(process.execPath, ["--expose-gc", probe, dump, api], { encoding: "utf8" })
      if (run.status !== 0) throw new Error(`memory probe failed: ${run.stderr}`)
      return JSON.parse(run.stdout) as { frames: number; peakRssDelta: number; retainedHeap: number }
    })
    const m = probes.reduce((a, b) => (b.peakRssDelta < a.peakRssDelta ? b : a))
    memory.push({
      case: label,
      api,
      frames: m.frames,
      peakRssDelta: m.peakRssDelta,
      retainedHeap: m.retainedHeap,
      tableBytes: 20 * m.frames
    })
  }
}
let cli: CliResults | string = "skipped (a partial run)"
if (!partial) {
  log("CLI start-up and jobs…")
  cli = benchCli(rootDir, tmp, batchTexts)
}
rmSync(tmp, { recursive: true, force: true })

// ---------------------------------------------------------------------------
// The targets of issue 11, item 5: every ratio from this one run.
// ---------------------------------------------------------------------------

const find = (label: string): CaseResult | undefined => cases.find((c) => c.case === label)
const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a / b
const ns = (arch: string, size: number, api: Api): number | undefined => find(`${arch}-${size}`)?.apis[api]?.nsPerFrame

interface Target {
  readonly target: string
  readonly case: string
  readonly value: number | undefined
  readonly limit: number
  readonly met: boolean | undefined
}
const targets: Array<Target> = []
const check = (target: string, label: string, value: number | undefined, limit: number): void => {
  targets.push({ target, case: label, value, limit, met: value === undefined || !Number.isFinite(value) ? undefined : value <= limit })
}
for (const arch of arches) {
  for (const size of [1_000, 100_000]) check("visitSync / C", `${arch}-${size}`, ratio(ns(arch, size, "visit"), ns(arch, size, "c")), 2)
  check("walkSync / C", `${arch}-100000`, ratio(ns(arch, 100_000, "plain"), ns(arch, 100_000, "c")), 3)
}
for (const arch of arches) {
  for (const size of SIZES.filter((n) => n >= 1_000)) {
    check("Effect walk / walkSync", `${arch}-${size}`, ratio(ns(arch, size, "effect"), ns(arch, size, "plain")), 1.2)
    check("Effect visit / visitSync", `${arch}-${size}`, ratio(ns(arch, size, "effectVisit"), ns(arch, size, "visit")), 1.2)
  }
}
const linearity = arches.flatMap((arch) =>
  (["plain", "trace", "visit", "effect", "effectVisit"] as const).map((api) => {
    const values = SIZES.map((size) => ns(arch, size, api)).filter((v): v is number => v !== undefined)
    return { arch, api, maxOverMin: Math.max(...values) / Math.min(...values), nsPerFrame: values }
  })
)
for (const l of linearity) {
  if (l.api === "plain" || l.api === "visit") {
    check(`ns/frame max/min over ${SIZES.join(", ")} (${l.api === "plain" ? "walkSync" : "visitSync"})`, l.arch, l.maxOverMin, 1.5)
  }
}
for (const m of memory.filter((m) => m.api === "plain")) {
  check("walkSync peak RSS / table bytes", m.case, m.peakRssDelta / m.tableBytes, 1.5)
}
// The fixed cost of one walk: a 10-frame walk less 10 frames at the
// 1,000-frame rate.
const fixedCost = arches.flatMap((arch) =>
  (["plain", "visit"] as const).map((api) => {
    const small = ns(arch, 10, api)
    const large = ns(arch, 1_000, api)
    return { arch, api, ns: small === undefined || large === undefined ? undefined : 10 * (small - large) }
  })
)
const memoryRatios = memory.map((m) => ({
  case: m.case,
  api: m.api,
  peakOverTable: m.peakRssDelta / m.tableBytes,
  retainedOverTable: m.retainedHeap / m.tableBytes
}))

const cc = typeof native === "string" ? native : native.cc
const git = (...args: Array<string>): string => spawnSync("git", ["-C", rootDir, ...args], { encoding: "utf8" }).stdout?.trim() ?? ""
// The engine measured: the commit, and whether src/ differed from it.
const source = { commit: git("rev-parse", "--short", "HEAD"), srcModified: git("status", "--porcelain", "--", "src") !== "" }
const lscpu = spawnSync("lscpu", [], { encoding: "utf8" }).stdout ?? ""
const machine = {
  cpu: /Model name:\s*(.+)/.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  cc,
  date: new Date().toISOString(),
  ...source
}
const output = { machine, partial, sizes: SIZES, cases, targets, linearity, fixedCost, memory, memoryRatios, cli }

// ---------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------

const fmt = (value: number | undefined, digits = 1): string =>
  value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits)
const header = ["case", "frames", "plain", "trace", "visit", "effect", "effVisit", "stream", "collect", "C", "plain/C", "visit/C", "eff/plain", "parse MB/s"]
const rows = cases.map((c) => [
  c.case,
  String(c.frames),
  fmt(c.apis.plain?.nsPerFrame),
  fmt(c.apis.trace?.nsPerFrame),
  fmt(c.apis.visit?.nsPerFrame, 2),
  fmt(c.apis.effect?.nsPerFrame),
  fmt(c.apis.effectVisit?.nsPerFrame, 2),
  fmt(c.apis.streamDrain?.nsPerFrame),
  fmt(c.apis.streamCollect?.nsPerFrame),
  fmt(c.apis.c?.nsPerFrame, 2),
  fmt(ratio(c.apis.plain?.nsPerFrame, c.apis.c?.nsPerFrame)),
  fmt(ratio(c.apis.visit?.nsPerFrame, c.apis.c?.nsPerFrame), 2),
  fmt(ratio(c.apis.effect?.nsPerFrame, c.apis.plain?.nsPerFrame), 2),
  fmt(c.parseMBps)
])
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: ReadonlyArray<string>): string =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
const lines = [
  `fpwalk bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${cc}; src at ${source.commit}${source.srcModified ? " (modified)" : ""}`,
  "ns/frame: median process CPU time (the machine is shared; wall-clock medians are in the JSON); plain = walkSync,",
  "trace = traceSync, visit = visitSync, effect = Effect walk, effVisit = Effect visit, stream = Stream.runDrain,",
  "collect = Stream.runCollect; C = bench/native/walker.c (cc -O2); parse = Snapshot.decodeJsonSync (JSON + base64)",
  "",
  line(header),
  ...rows.map(line),
  "",
  "targets (issue 11, item 5):",
  ...targets.map((t) => `  ${t.met === undefined ? "n/a " : t.met ? "met " : "MISS"}  ${t.target} ${t.case}: ${fmt(t.value, 2)} (<= ${t.limit})`),
  "",
  ...fixedCost.map((f) => `fixed cost of one walk ${f.arch} ${f.api === "plain" ? "walkSync" : "visitSync"}: ${fmt(f.ns === undefined ? undefined : f.ns / 1000, 3)} µs (target ≈ 0.1)`),
  ...memory.map((m) =>
    `memory ${m.case} ${m.api}: peak RSS +${fmt(m.peakRssDelta / 1e6)} MB, retained ${fmt(m.retainedHeap / 1e6)} MB; the table's own bytes ${fmt(m.tableBytes / 1e6)} MB (20 B/frame); peak/table ${fmt(m.peakRssDelta / m.tableBytes, 2)}`
  ),
  ...(typeof cli === "string"
    ? [`CLI: ${cli}`]
    : [
      `start-up: fpwalk walk (one small snapshot) ${fmt(cli.startup.fpwalkMs)} ms vs node -e 0 ${fmt(cli.startup.nodeMs)} ms (median of ${cli.startup.runs})` +
      `; unbundled (dist/cli/bin.js) ${fmt(cli.startup.unbundledMs)} ms`,
      ...cli.jobs.map((j) => `fpwalk walk --json --jobs ${j.jobs} on ${j.input}: ${fmt(j.snapshotsPerSecond, 0)} snapshots/s (${j.snapshots} in ${fmt(j.ms)} ms)`),
      ...cli.notes
    ])
]
process.stdout.write(lines.join("\n") + "\n")
const out = process.env["BENCH_OUT"] ?? join(benchDir, "results", partial ? "partial.json.tmp" : "latest.json")
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(output, null, 2) + "\n")
log(`wrote ${out}`)
