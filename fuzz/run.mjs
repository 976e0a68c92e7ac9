#!/usr/bin/env node
// npm run fuzz [-- [TARGET ...] [--empty] [--no-merge] [--seed]]
//
// Runs every fuzz target (or the named ones) with jazzer.js in --sync mode,
// one after the other, for FUZZ_SECONDS each (default 60), prints a progress
// line every 10 s and a summary table at the end.
//
// - The targets are TypeScript (fuzz/<name>.fuzz.ts). jazzer.js 4 imports the
//   target with import() and instruments ES modules through its loader hook,
//   but Node 20 cannot run TypeScript, so the runner first compiles them with
//   tsc (fuzz/tsconfig.json) into .cache/fuzz-build/<pid>/ and fuzzes the JS
//   there; each runner has its own build (removed when it exits), so several
//   runners (one per target, one per core) can share a checkout.
// - Corpora: fuzz/corpus/<name>/ (plus examples/*.json for snapshot-json) are
//   read as seeds; new inputs go to .cache/fuzz-work/<name>/. After the run
//   both are merged (libFuzzer -merge=1 -set_cover_merge=1) into a minimal
//   set that keeps every feature, renamed to the sha256 of their contents,
//   and that set replaces fuzz/corpus/<name>/. --no-merge leaves the corpus
//   alone; --empty fuzzes from nothing (no seeds, no merge), which is how the
//   planted-bug experiments measure the time to a first crash.
// - Crashes are written to fuzz/crashes/<name>/ (gitignored).
// - --seed regenerates the generated seeds (a fixed PRNG, one input per walk
//   outcome and architecture) into fuzz/corpus/ and exits.
// - The prebuilt @jazzer.js/fuzzer addon needs glibc 2.38; where it does not
//   load (Debian 12 has 2.36) the runner fetches Debian 13's libc6,
//   libstdc++6 and libgcc-s1 once into .cache/jazzer-glibc/ and starts node
//   through that glibc's loader (see ensureLoader).
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const FUZZ = path.join(ROOT, "fuzz")
const CACHE = path.join(ROOT, ".cache")
const BUILD = path.join(CACHE, "fuzz-build", String(process.pid))
const WORK = path.join(CACHE, "fuzz-work")
const LOGS = path.join(CACHE, "fuzz-logs")
const GLIBC = path.join(CACHE, "jazzer-glibc")
const JAZZER = path.join(ROOT, "node_modules", "@jazzer.js", "core", "dist", "cli.js")

const args = process.argv.slice(2)
const flags = new Set(args.filter((a) => a.startsWith("--")))
const known = new Set(["--empty", "--no-merge", "--seed"])
for (const flag of flags) if (!known.has(flag)) die(`unknown option ${flag} (known: ${[...known].join(", ")})`)
const seconds = Number(process.env.FUZZ_SECONDS ?? "60")
if (!Number.isFinite(seconds) || seconds <= 0) die(`FUZZ_SECONDS must be a positive number, not ${process.env.FUZZ_SECONDS}`)

const allTargets = fs.readdirSync(FUZZ).filter((f) => f.endsWith(".fuzz.ts")).map((f) => f.slice(0, -".fuzz.ts".length)).sort()
const wanted = args.filter((a) => !a.startsWith("--"))
for (const name of wanted) if (!allTargets.includes(name)) die(`no target ${name} (targets: ${allTargets.join(", ")})`)
const targets = wanted.length > 0 ? wanted : allTargets

function die(message) {
  console.error(`fuzz: ${message}`)
  process.exit(2)
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { cwd: ROOT, encoding: "utf8", ...options })
  if (result.status !== 0) {
    die(`${command} ${argv.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout ?? ""}${result.stderr ?? ""}`)
  }
  return result
}

// ---------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------

// Compiles only the targets being run (and what they import), so that a type
// error elsewhere in a tree several people edit does not stop the others.
function build(names) {
  fs.rmSync(BUILD, { recursive: true, force: true })
  fs.mkdirSync(BUILD, { recursive: true })
  process.on("exit", () => fs.rmSync(BUILD, { recursive: true, force: true }))
  const config = path.join(BUILD, "tsconfig.json")
  const include = names.map((name) => path.relative(BUILD, path.join(FUZZ, `${name}.fuzz.ts`)))
  const extend = path.relative(BUILD, path.join(FUZZ, "tsconfig.json"))
  fs.writeFileSync(config, JSON.stringify({ extends: extend, compilerOptions: { outDir: "." }, include }, null, 2))
  run(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", config])
}

// ---------------------------------------------------------------------------
// The native addon, directly or through a newer glibc's loader
// ---------------------------------------------------------------------------

const addonLoads = (command, prefix = []) =>
  spawnSync(command, [...prefix, "-e", "require('@jazzer.js/fuzzer')"], { cwd: ROOT, encoding: "utf8" }).status === 0

// Where Debian keeps the loader and the libraries, per Node architecture.
const MULTIARCH = {
  x64: { dir: "x86_64-linux-gnu", loader: "ld-linux-x86-64.so.2" },
  arm64: { dir: "aarch64-linux-gnu", loader: "ld-linux-aarch64.so.1" }
}

// The configured Debian mirror (deb822 `URIs:` or one-line `deb URL suite`),
// skipping security mirrors; deb.debian.org if none is found.
function debianMirror() {
  const files = ["/etc/apt/sources.list"]
  const dir = "/etc/apt/sources.list.d"
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) files.push(path.join(dir, f))
  for (const file of files) {
    if (!fs.existsSync(file)) continue
    const text = fs.readFileSync(file, "utf8")
    const uris = [...text.matchAll(/^URIs:\s*(\S+)/gm), ...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)].map((m) => m[1])
    const mirror = uris.find((u) => /debian/.test(u) && !/security/.test(u))
    if (mirror !== undefined) return mirror
  }
  return "http://deb.debian.org/debian"
}

// Returns the command prefix that starts node so that the addon loads.
function ensureLoader() {
  if (addonLoads(process.execPath)) return { node: process.execPath, prefix: [], env: {}, route: "native" }
  const multi = MULTIARCH[process.arch]
  if (process.platform !== "linux" || multi === undefined) die(`the @jazzer.js/fuzzer addon does not load on ${process.platform}/${process.arch}`)
  const lib = path.join(GLIBC, "root", "usr", "lib", multi.dir)
  const shim = path.join(GLIBC, "node")
  // The shim starts node through Debian 13's loader with its libraries first.
  // libFuzzer's merge runs `process.argv[0]` in a child: under an explicit
  // loader that is the loader itself, so the runner points argv[0] at the
  // shim (ARGV0), and the children start the same way.
  const ARGV0 = "data:text/javascript,process.argv[0]=process.env.FPWALK_JAZZER_NODE"
  const route = { node: shim, prefix: ["--import", ARGV0], env: { FPWALK_JAZZER_NODE: shim }, route: "glibc" }
  if (fs.existsSync(shim) && addonLoads(shim)) return route
  console.log(`fuzz: the jazzer.js addon needs a newer glibc; fetching Debian 13's into ${path.relative(ROOT, GLIBC)}/ (once)`)
  fs.rmSync(GLIBC, { recursive: true, force: true })
  for (const d of ["lists/partial", "cache/archives/partial", "debs", "root"]) fs.mkdirSync(path.join(GLIBC, d), { recursive: true })
  const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
  const signed = fs.existsSync(keyring) ? `[signed-by=${keyring}] ` : ""
  fs.writeFileSync(path.join(GLIBC, "sources.list"), `deb ${signed}${debianMirror()} trixie main\n`)
  const apt = [
    "-o", `Dir::Etc::SourceList=${path.join(GLIBC, "sources.list")}`,
    "-o", "Dir::Etc::SourceParts=/dev/null",
    "-o", `Dir::State::Lists=${path.join(GLIBC, "lists")}`,
    "-o", `Dir::Cache=${path.join(GLIBC, "cache")}`,
    "-o", "APT::Sandbox::User=root"
  ]
  run("apt-get", [...apt, "update"])
  run("apt-get", [...apt, "download", "libc6", "libstdc++6", "libgcc-s1"], { cwd: path.join(GLIBC, "debs") })
  for (const deb of fs.readdirSync(path.join(GLIBC, "debs"))) run("dpkg", ["-x", path.join(GLIBC, "debs", deb), path.join(GLIBC, "root")])
  fs.writeFileSync(shim, `#!/bin/sh\nexec "${lib}/${multi.loader}" --library-path "${lib}" "${process.execPath}" "$@"\n`, { mode: 0o755 })
  if (!addonLoads(shim)) die("the jazzer.js addon does not load even through Debian 13's glibc")
  return route
}

// ---------------------------------------------------------------------------
// Corpora
// ---------------------------------------------------------------------------

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex")
const files = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [])

// Seed directories read (not written) by a target.
const seedDirs = (name) => {
  const dirs = [path.join(FUZZ, "corpus", name)]
  if (name === "snapshot-json") dirs.push(path.join(ROOT, "examples"))
  return dirs.filter((d) => fs.existsSync(d))
}

// Replaces fuzz/corpus/<name>/ with `dir`'s files named by their sha256.
function install(name, dir) {
  const target = path.join(FUZZ, "corpus", name)
  fs.mkdirSync(target, { recursive: true })
  const keep = new Set()
  for (const f of files(dir)) {
    const bytes = fs.readFileSync(path.join(dir, f))
    const hash = sha256(bytes)
    keep.add(hash)
    fs.writeFileSync(path.join(target, hash), bytes)
  }
  for (const f of files(target)) if (!keep.has(f)) fs.rmSync(path.join(target, f))
  return keep.size
}

// ---------------------------------------------------------------------------
// One target
// ---------------------------------------------------------------------------

function jazzerArgs(name, corpora, fuzzerOptions) {
  const dict = path.join(FUZZ, `${name}.dict`)
  return [
    JAZZER,
    path.join(BUILD, "fuzz", `${name}.fuzz.js`),
    ...corpora,
    "--sync",
    // Coverage from the engine and the stack builder guides the fuzzer; the
    // oracle, the reference walker, the layout helpers and the JSON codec
    // (base64, hex, the Schema wrapper: the snapshot-json target's code) only
    // check and copy. Instrumented, base64's byte loops alone, every compare
    // traced, cost more than the rest of an execution.
    // (jazzer.js drops its default includes when excludes are given: both are set.)
    // The bug detectors (command injection, path traversal, prototype pollution, …) watch for
    // what a walk never does; their per-run checks cost more than the walk.
    ...(name.startsWith("walk-") ? ["-i", "*", "-e", "node_modules", "-e", "fuzz/oracle", "-e", "test/reference", "-e", "properties/", "-e", "src/internal/base64", "-e", "src/Snapshot", "-e", "src/U64", "--disable_bug_detectors=.*"] : []),
    "--",
    ...(fs.existsSync(dict) ? [`-dict=${dict}`] : []),
    ...(name.startsWith("walk-") ? ["-max_len=1024"] : []),
    ...fuzzerOptions
  ]
}

// Runs jazzer, streaming its stderr into a log and parsing libFuzzer's lines.
function fuzzTarget(loader, name, log) {
  const crashes = path.join(FUZZ, "crashes", name)
  fs.mkdirSync(crashes, { recursive: true })
  const work = path.join(WORK, name)
  fs.rmSync(work, { recursive: true, force: true })
  fs.mkdirSync(work, { recursive: true })
  const corpora = [work, ...(flags.has("--empty") ? [] : seedDirs(name))]
  const argv = [...loader.prefix, ...jazzerArgs(name, corpora, [
    `-max_total_time=${seconds}`,
    `-artifact_prefix=${crashes}${path.sep}`,
    "-print_final_stats=1"
  ])]
  const out = fs.createWriteStream(log)
  const stats = { name, seconds, runs: 0, execs: 0, cov: 0, ft: 0, corpus: 0, crashes: 0, crashAfter: undefined, crashRuns: undefined, crashFile: undefined, crashMessage: undefined, minimised: undefined }
  const started = Date.now()
  let fuzzingFrom
  let lastRuns = 0
  return new Promise((resolve) => {
    const child = spawn(loader.node, argv, { cwd: ROOT, env: { ...process.env, ...loader.env }, stdio: ["ignore", "pipe", "pipe"] })
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 300) * 1000)
    // CPU seconds the fuzzer has used since it started fuzzing (Linux): on a
    // loaded machine, runs per CPU second says what the target costs; runs
    // per second also says how much of the machine it got.
    const cpuSeconds = () => {
      const stat = fs.existsSync(`/proc/${child.pid}/stat`) ? fs.readFileSync(`/proc/${child.pid}/stat`, "utf8") : ""
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return fields.length > 15 ? (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100 : undefined
    }
    const sample = () => {
      const cpu = cpuSeconds()
      if (cpu !== undefined && fuzzingFrom !== undefined && stats.cpuAtInit !== undefined) {
        stats.cpu = cpu - stats.cpuAtInit
        stats.cpuRuns = lastRuns - stats.runsAtInit
      }
    }
    const ticker = setInterval(() => {
      sample()
      const t = Math.round((Date.now() - started) / 1000)
      const perCpu = stats.cpu ? `  runs/cpu-s ${Math.round(stats.cpuRuns / stats.cpu)}` : ""
      console.log(`[${name}] ${t}/${seconds}s  runs ${lastRuns}  cov ${stats.cov}  ft ${stats.ft}  corpus ${stats.corpus}${perCpu}`)
    }, 10_000)
    const lastSample = setTimeout(sample, Math.max(1, seconds - 1) * 1000)
    let pending = ""
    let inCrash = false
    const onData = (chunk) => {
      out.write(chunk)
      pending += chunk.toString("utf8")
      const lines = pending.split("\n")
      pending = lines.pop()
      for (const line of lines) {
        const status = /^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/.exec(line)
        if (status !== null) {
          lastRuns = Number(status[1])
          stats.cov = Number(status[3])
          stats.ft = Number(status[4])
          stats.corpus = Number(status[5])
          if (status[2] === "INITED" && fuzzingFrom === undefined) {
            fuzzingFrom = Date.now()
            // From here on: the start-up (instrumenting, loading, the seed corpus) is not counted.
            stats.cpuAtInit = cpuSeconds()
            stats.runsAtInit = lastRuns
          }
        }
        if (/Uncaught Exception|==\d+== ERROR|Timeout|deadly signal/.test(line) && stats.crashes === 0) {
          stats.crashes = 1
          stats.crashAfter = (Date.now() - (fuzzingFrom ?? started)) / 1000
          stats.crashRuns = lastRuns
          inCrash = true
        }
        if (inCrash && stats.crashMessage === undefined && /OracleViolation|Error/.test(line)) stats.crashMessage = line.trim().slice(0, 200)
        const unit = /Test unit written to (\S+)/.exec(line)
        if (unit !== null) stats.crashFile = path.relative(ROOT, unit[1])
        const stat = /^stat::(\w+):\s+(\d+)/.exec(line)
        if (stat?.[1] === "number_of_executed_units") stats.runs = Number(stat[2])
        if (stat?.[1] === "average_exec_per_sec") stats.execs = Number(stat[2])
        const done = /^Done (\d+) runs in (\d+) second/.exec(line)
        if (done !== null) stats.runs = Number(done[1])
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("close", (code) => {
      clearTimeout(killer)
      clearTimeout(lastSample)
      clearInterval(ticker)
      out.end()
      stats.exit = code
      stats.wall = (Date.now() - started) / 1000
      if (stats.runs === 0) stats.runs = lastRuns
      if (stats.execs === 0 && stats.wall > 0) stats.execs = Math.round(stats.runs / stats.wall)
      stats.execsPerCpu = stats.cpu ? Math.round(stats.cpuRuns / stats.cpu) : undefined
      if (code !== 0 && stats.crashes === 0) stats.crashes = 1 // a failure the patterns did not name
      resolve(stats)
    })
  })
}

// Merges the seeds and the new inputs into a minimal set that keeps every feature.
function minimise(loader, name) {
  const work = path.join(WORK, name)
  const merged = path.join(WORK, `${name}.merged`)
  fs.rmSync(merged, { recursive: true, force: true })
  fs.mkdirSync(merged, { recursive: true })
  const argv = [...loader.prefix, ...jazzerArgs(name, [merged, work, ...seedDirs(name)], ["-merge=1", "-set_cover_merge=1"])]
  const result = spawnSync(loader.node, argv, { cwd: ROOT, env: { ...process.env, ...loader.env }, encoding: "utf8" })
  fs.appendFileSync(path.join(LOGS, `${name}.merge.log`), `${result.stdout}${result.stderr}`)
  if (result.status !== 0 || files(merged).length === 0) {
    console.log(`[${name}] merge failed (${result.status}); corpus left as it was, see ${path.relative(ROOT, LOGS)}/${name}.merge.log`)
    return undefined
  }
  return install(name, merged)
}

// ---------------------------------------------------------------------------
// Generated seeds
// ---------------------------------------------------------------------------

async function seed() {
  const url = (p) => pathToFileURL(path.join(BUILD, p)).href
  const { FuzzedDataProvider } = await import(pathToFileURL(path.join(ROOT, "node_modules/@jazzer.js/core/dist/FuzzedDataProvider.js")).href)
  const { buildStack, toJson } = await import(url("fuzz/stack-builder.js"))
  const { decodeSync, resultToJson } = await import(url("src/Snapshot.js"))
  const { walkSync } = await import(url("src/Walker.js"))
  // xorshift32 with a fixed seed: the same seeds on every machine.
  let state = 0x2545f491
  const next = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => next() & 0xff))
  const write = (name, data) => {
    const dir = path.join(FUZZ, "corpus", name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, sha256(data)), data)
  }
  for (const arch of ["x86_64", "aarch64", "s390x", "riscv64"]) {
    const seen = new Set()
    for (let i = 0; i < 20_000 && seen.size < 12; i++) {
      const data = bytes(next() % 160)
      const provider = new FuzzedDataProvider(data)
      provider.consumeIntegralInRange(0, 255)
      const json = toJson(buildStack(arch, provider))
      const result = walkSync(decodeSync(json).snapshot)
      const outcome = result.ok ? (result.frames.length >= 12 ? "deep" : "ok") : result.error._tag
      if (seen.has(outcome)) continue
      seen.add(outcome)
      write(`walk-${arch}`, data)
      write("snapshot-json", Buffer.from(JSON.stringify(json)))
      console.log(`seed walk-${arch}: ${outcome} (${resultToJson(result).frames.length} frames)`)
    }
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const pad = (value, width) => String(value).padStart(width)

async function main() {
  build(flags.has("--seed") ? allTargets.filter((name) => name.startsWith("walk-")) : targets)
  if (flags.has("--seed")) return seed()
  const loader = ensureLoader()
  fs.mkdirSync(LOGS, { recursive: true })
  console.log(`fuzz: ${targets.length} target(s), ${seconds}s each, --sync, addon: ${loader.route}${flags.has("--empty") ? ", empty corpus" : ""}`)
  const results = []
  for (const name of targets) {
    const log = path.join(LOGS, `${name}.log`)
    const stats = await fuzzTarget(loader, name, log)
    if (!flags.has("--empty") && !flags.has("--no-merge")) stats.minimised = minimise(loader, name)
    results.push(stats)
    const crash = stats.crashes > 0
      ? `  CRASH after ${stats.crashAfter?.toFixed(1)}s (${stats.crashRuns} runs): ${stats.crashFile ?? "see log"}${stats.crashMessage ? `\n    ${stats.crashMessage}` : ""}`
      : ""
    console.log(`[${name}] done: ${stats.runs} runs, ${stats.execs} exec/s (${stats.execsPerCpu ?? "?"} per CPU second), cov ${stats.cov}, corpus ${stats.corpus}${stats.minimised === undefined ? "" : ` → ${stats.minimised} minimised`}${crash}`)
  }
  fs.writeFileSync(path.join(LOGS, "summary.json"), JSON.stringify(results, null, 2))
  console.log("")
  console.log(`| target        |  seconds |      runs | exec/s |  cov |   ft | corpus | minimised | crashes | first crash |`)
  console.log(`|---------------|---------:|----------:|-------:|-----:|-----:|-------:|----------:|--------:|------------:|`)
  for (const s of results) {
    console.log(`| ${s.name.padEnd(13)} | ${pad(s.seconds, 8)} | ${pad(s.runs, 9)} | ${pad(s.execs, 6)} | ${pad(s.cov, 4)} | ${pad(s.ft, 4)} | ${pad(s.corpus, 6)} | ${pad(s.minimised ?? "-", 9)} | ${pad(s.crashes, 7)} | ${pad(s.crashAfter === undefined ? "-" : `${s.crashAfter.toFixed(1)}s`, 11)} |`)
  }
  if (results.some((s) => s.crashes > 0)) {
    console.log(`\nfuzz: crashes in fuzz/crashes/; logs in ${path.relative(ROOT, LOGS)}/`)
    process.exitCode = 1
  }
}

await main()
