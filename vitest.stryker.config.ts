import { defineConfig } from "vitest/config"

// The tests Stryker runs against each mutant of the walker's core
// (src/Walker.ts, src/arch/*.ts, src/StackMemory.ts, src/U64.ts): the
// properties and the unit tests of those modules. The CLI, service, example
// and benchmark tests exercise the same core through slower paths and are
// left out.
export default defineConfig({
  test: {
    include: [
      "properties/**/*.test.ts",
      "test/Walker.test.ts",
      "test/fastPath.test.ts",
      "test/StackMemory.test.ts",
      "test/U64.test.ts",
      "test/Snapshot.test.ts",
      "test/arch/**/*.test.ts",
      "test/real.test.ts",
      "test/regressions.test.ts",
      "fuzz/replay.test.ts"
    ],
    testTimeout: 120_000,
    // Stryker finds a mutant's tests by name, and a property's name holds its seed: fix it.
    setupFiles: ["properties/fixedSeed.setup.ts"],
    // Each mutant reruns every property that reaches it: fewer runs each.
    env: { FC_NUM_RUNS: "20" }
  }
})
