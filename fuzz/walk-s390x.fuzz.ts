/** Fuzz target walk-s390x: a structure-aware s390x stack, built and corrupted from the fuzzer's bytes. */
import { fuzzWalk } from "./walk.js"

export const fuzz = (data: Buffer): void => fuzzWalk("s390x", data)
