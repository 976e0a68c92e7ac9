/**
 * How many runs each property gets. CI uses the fixed counts written next
 * to each property (chosen so the whole property suite stays under about
 * two minutes on two cores). `FC_NUM_RUNS` replaces every count: set it
 * high for a deep local search (`FC_NUM_RUNS=20000 npx vitest run
 * properties`); the mutation run sets it low, since each mutant reruns the
 * suite. A failure prints fast-check's seed, path and shrunk
 * counterexample; keep every counterexample as a named case in
 * test/regressions.test.ts.
 */
const override = Number(process.env["FC_NUM_RUNS"] ?? "")

export const numRuns = (ci: number): number => (Number.isSafeInteger(override) && override > 0 ? override : ci)
