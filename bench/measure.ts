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
  /** Nanoseconds per call of the body, one entry per run. */
  readonly runs: ReadonlyArray<number>
  readonly median: number
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
 * round runs each body once, so a change of load on the shared machine hits
 * them alike and their ratios stay meaningful. `external` bodies time
 * themselves (the C walker) and return ns per call for one run.
 */
export const timeRounds = <K extends string>(
  bodies: Readonly<Record<K, () => number>>,
  external: Readonly<Record<string, () => number>>,
  options: RunOptions
): Record<string, Timed> => {
  const names = Object.keys(bodies) as Array<K>
  const reps = new Map(names.map((name) => [name, calibrate(bodies[name], options.minMs)]))
  const runs = new Map<string, Array<number>>([...names, ...Object.keys(external)].map((name) => [name, []]))
  for (let r = -options.warmup; r < options.runs; r++) {
    for (const name of names) {
      const body = bodies[name]
      const n = reps.get(name)!
      collect()
      const start = process.hrtime.bigint()
      for (let i = 0; i < n; i++) sink = (sink + body()) | 0
      const ns = Number(process.hrtime.bigint() - start) / n
      if (r >= 0) runs.get(name)!.push(ns)
    }
    for (const [name, body] of Object.entries(external)) {
      const ns = body()
      if (r >= 0) runs.get(name)!.push(ns)
    }
  }
  return Object.fromEntries([...runs].map(([name, values]) => [name, { runs: values, median: median(values) }]))
}
