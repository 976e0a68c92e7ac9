import { defineConfig } from "vitest/config"

// The tests Stryker runs against each mutant of the walk engine (the APIs in
// src/Walker.ts; the one engine, src/internal/Cursor.ts; the walk rules of
// src/Generation.ts and src/native/Walk.ts; the activations, the frame table,
// the memory and the architectures; src/U64.ts): the properties and the unit
// tests of those modules, the real captures, and the fuzz replays. The CLI,
// service, example and benchmark tests exercise the same engine through
// slower paths and are left out.
export default defineConfig({
  test: {
    include: [
      "properties/**/*.test.ts",
      "test/Walker.test.ts",
      "test/FrameTable.test.ts",
      "test/Activation.test.ts",
      "test/engine.test.ts",
      "test/Generation.test.ts",
      "test/StackMemory.test.ts",
      "test/U64.test.ts",
      "test/Snapshot.test.ts",
      "test/arch/**/*.test.ts",
      "test/native/**/*.test.ts",
      "test/real.test.ts",
      "test/wasmtime.test.ts",
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
