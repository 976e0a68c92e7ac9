/** Fuzz target walk-aarch64: a structure-aware aarch64 stack, built and corrupted from the fuzzer's bytes. */
import { fuzzWalk } from "./walk.js"

export const fuzz = (data: Buffer): void => fuzzWalk("aarch64", data)
