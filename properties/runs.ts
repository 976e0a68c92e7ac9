/**
 * How many runs each property gets. CI uses the fixed counts written next
 * to each property (chosen so the whole property suite stays under about
 * two minutes on two cores); `FC_NUM_RUNS=100000 npx vitest run properties`
 * raises every property to that many runs for a deep local search. A
 * failure prints fast-check's seed, path and shrunk counterexample; keep
 * every counterexample as a named case in test/regressions.test.ts.
 */
const deep = Number(process.env["FC_NUM_RUNS"] ?? "")

export const numRuns = (ci: number): number => (Number.isSafeInteger(deep) && deep > ci ? deep : ci)
