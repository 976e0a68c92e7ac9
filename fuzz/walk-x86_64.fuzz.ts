/** Fuzz target walk-x86_64: a structure-aware x86_64 stack, built and corrupted from the fuzzer's bytes. */
import { fuzzWalk } from "./walk.js"

export const fuzz = (data: Buffer): void => fuzzWalk("x86_64", data)
