/**
 * The fuzz target minidump's generated seeds: dumps written by
 * writeMinidump from minidumpModel with a fixed fast-check seed (the same
 * seeds on every machine), each prefixed with the target's "no mutation"
 * byte. `writeSeeds` puts them in fuzz/corpus/minidump/, named by sha256;
 * see docs/minidump.md for the command.
 */
import * as fc from "fast-check"
import { createHash } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { writeMinidump } from "./_internals/writer.js"
import { minidumpModel } from "./minidumpModel.js"

export const seedInputs = (perArch = 12): Array<Uint8Array> =>
  [9, 12, 0x8003, 5].flatMap((processorArchitecture, i) =>
    fc.sample(minidumpModel(processorArchitecture), { seed: 20261202 + i, numRuns: processorArchitecture === 5 ? 2 : perArch }).map((model) => {
      const dump = writeMinidump(model)
      const input = new Uint8Array(1 + dump.length)
      input.set(dump, 1)
      return input
    })
  )

export const writeSeeds = (dir: URL): number => {
  mkdirSync(dir, { recursive: true })
  const inputs = seedInputs()
  for (const input of inputs) writeFileSync(new URL(createHash("sha256").update(input).digest("hex"), dir), input)
  return inputs.length
}
