/** Fuzz target walk-riscv64: a structure-aware riscv64 stack, built and corrupted from the fuzzer's bytes. */
import { fuzzWalk } from "./walk.js"

export const fuzz = (data: Buffer): void => fuzzWalk("riscv64", data)
