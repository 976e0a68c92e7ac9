/**
 * The native walk: every thread of a core file or a minidump walked by frame
 * pointers, on the one engine, as one more rule set.
 *
 * ```text
 *   frame 0 = (thread.pc, thread.fp)            (rip/rbp, pc/x29, psw/r15, pc/s0)
 *   loop:
 *     frames == maxFrames                       → FrameLimitExceeded
 *     emit { pc, fp }
 *     pc' = strip(*(fp + nativeRecord.pcOffset)) → UnmappedRead
 *     fp' = *(fp + nativeRecord.nextFpOffset)    → UnmappedRead
 *     fp' == 0                                  → the chain ends: ok
 *     fp' <= fp                                 → NonMonotonicFp
 * ```
 *
 * The C ABI's frame record of each architecture (`Arch.nativeRecord`):
 * x86_64 and aarch64 `(fp + 8, fp + 0)`, s390x's backchain `(r15 + 112,
 * r15 + 0)`, riscv64's psABI `(s0 - 8, s0 - 16)`. No alignment check (real
 * macOS x86_64 frames sit at 8 mod 16); aarch64 return addresses are
 * stripped to `aarch64VaBits` (48) bits; reads may land in any captured
 * memory. Each thread is one activation (index 0).
 *
 * @since 0.2.0
 */
import { pcMask } from "../Arch.js"
import { architectures } from "../arch/index.js"
import { collect } from "../Walker.js"
import type { WalkResult } from "../Walker.js"
import type { WalkPlan, WalkRules } from "../WalkRules.js"
import type { Image, Thread } from "./Image.js"

/**
 * Settings of a native walk.
 *
 * @category models
 * @since 0.2.0
 */
export interface NativeOptions {
  /** Frames allowed per thread (default 1,000,000). */
  readonly maxFrames?: bigint | undefined
  /** aarch64 virtual-address bits for stripping return addresses (default 48). */
  readonly aarch64VaBits?: number | undefined
}

/**
 * The rules of a native walk on an image's architecture.
 *
 * @category constructors
 * @since 0.2.0
 */
export const nativeRules = (image: Pick<Image, "arch">, options: NativeOptions = {}): WalkRules => {
  const arch = architectures[image.arch]
  return {
    littleEndian: arch.littleEndian,
    record: arch.nativeRecord,
    alignment: 1,
    pcMask: pcMask(arch, { aarch64VaBits: options.aarch64VaBits ?? 48 }),
    maxFrames: options.maxFrames ?? 1_000_000n,
    stopAtBoundary: false,
    above: undefined,
    stopAfter: "=="
  }
}

/**
 * The plan of one thread's walk: one activation from its registers, ending
 * at a saved FP of 0.
 *
 * @category constructors
 * @since 0.2.0
 */
export const threadPlan = (image: Image, thread: Thread, rules: WalkRules = nativeRules(image)): WalkPlan => {
  let started = false
  return {
    rules,
    memory: image.memory,
    activations: {
      next: () => {
        if (started) return undefined
        started = true
        return { _tag: "ActivationStart", index: 0, pc: thread.pc, fp: thread.fp, boundary: 0n }
      }
    }
  }
}

/**
 * One thread and its walk.
 *
 * @category models
 * @since 0.2.0
 */
export interface ThreadWalk {
  readonly thread: Thread
  readonly result: WalkResult
}

/**
 * Walks every thread of an image, in the image's order. Never throws.
 *
 * @example
 * ```ts
 * for (const { thread, result } of walkImage(image)) console.log(thread.id, result.ok, result.frames.length)
 * ```
 *
 * @category walking
 * @since 0.2.0
 */
export const walkImage = (image: Image, options: NativeOptions = {}): ReadonlyArray<ThreadWalk> => {
  const rules = nativeRules(image, options)
  return image.threads.map((thread) => ({ thread, result: collect(threadPlan(image, thread, rules)) }))
}
