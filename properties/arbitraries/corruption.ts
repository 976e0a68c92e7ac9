/**
 * One named corruption, with the numbers that choose its target (`pick`),
 * its form (`variant`) and the value it writes (`value`).
 */
import * as fc from "fast-check"
import type { Corruption, CorruptionName } from "../corrupt.js"
import { corruptionNames } from "../corrupt.js"
import { u64 } from "./u64.js"

export const corruption = (names: ReadonlyArray<CorruptionName> = corruptionNames): fc.Arbitrary<Corruption> =>
  fc.record({
    name: fc.constantFrom(...names),
    pick: fc.nat(),
    variant: fc.nat(),
    value: u64()
  })
