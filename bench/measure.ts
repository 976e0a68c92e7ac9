/**
 * Timing: calibrate the repetitions of a run to a minimum duration, warm up,
 * then keep the median of several runs.
 */

export interface RunOptions {
  /** A run repeats the body until it lasts at least this long. */
  readonly minMs: number
  readonly runs: number
  readonly warmup: number
}

export interface Timed {
  /** Process CPU nanoseconds (user + system) per call of the body, one entry per run. */
  readonly runs: ReadonlyArray<number>
  readonly median: number
  /** Wall-clock nanoseconds per call, one entry per run. */
  readonly wallRuns: ReadonlyArray<number>
  readonly wallMedian: number
}

/**
 * Process CPU time in nanoseconds. The machine is shared: CPU time counts
 * only the time this process ran, so other jobs disturb it far less than
 * the wall clock (both are recorded).
 */
export const cpuNow = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) * 1000
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const collect = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
}

/** Keeps results observable so the JIT cannot drop the work. */
export let sink = 0

// Repetitions of `body` that make a run last at least `minMs`.
const calibrate = (body: () => number, minMs: number): number => {
  const minNs = minMs * 1e6
  let reps = 1
  for (;;) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < reps; i++) sink = (sink + body()) | 0
    const elapsed = Number(process.hrtime.bigint() - start)
    if (elapsed >= minNs) return reps
    reps = Math.max(reps * 2, Math.ceil((reps * minNs) / Math.max(elapsed, 1)))
  }
}

/**
 * Times several bodies (each returns something to sink) in rounds: every
 * round runs each body once, in a rotating order, so a change of load on the
 * shared machine hits them alike and their ratios stay meaningful. `external` bodies time
 * themselves (the C walker) and return [CPU ns, wall ns] per call for one run.
 */
export const timeRounds = <K extends string>(
  bodies: Readonly<Record<K, () => number>>,
  external: Readonly<Record<string, () => readonly [number, number]>>,
  options: RunOptions
): Record<string, Timed> => {
  const names = Object.keys(bodies) as Array<K>
  // A full collection once per case, never between runs: after one V8 shrinks
  // the young generation, and the next short run pays for regrowing it
  // (measured: 10-frame walks 5x slower).
  collect()
  const reps = new Map(names.map((name) => [name, calibrate(bodies[name], options.minMs)]))
  const all = [...names, ...Object.keys(external)]
  const cpu = new Map<string, Array<number>>(all.map((name) => [name, []]))
  const wall = new Map<string, Array<number>>(all.map((name) => [name, []]))
  for (let r = -options.warmup; r < options.runs; r++) {
    // Each round starts one body later: a body pays for collecting what the
    // one before it left (decoding leaves megabytes), so no body always
    // follows the same one.
    const order = names.map((_, i) => names[(i + r + options.warmup) % names.length]!)
    for (const name of order) {
      const body = bodies[name]
      const n = reps.get(name)!
      const startCpu = cpuNow()
      const start = process.hrtime.bigint()
      for (let i = 0; i < n; i++) sink = (sink + body()) | 0
      const ns = Number(process.hrtime.bigint() - start) / n
      const cpuNs = (cpuNow() - startCpu) / n
      if (r >= 0) {
        cpu.get(name)!.push(cpuNs)
        wall.get(name)!.push(ns)
      }
    }
    for (const [name, body] of Object.entries(external)) {
      const [cpuNs, ns] = body()
      if (r >= 0) {
        cpu.get(name)!.push(cpuNs)
        wall.get(name)!.push(ns)
      }
    }
  }
  return Object.fromEntries(all.map((name) => {
    const runs = cpu.get(name)!
    const wallRuns = wall.get(name)!
    return [name, { runs, median: median(runs), wallRuns, wallMedian: median(wallRuns) }]
  }))
}
