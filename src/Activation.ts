/**
 * The decoded snapshot and the runtime state wasmtime's trampolines record:
 * the limits, the chain of call-thread states, and the list of activations
 * (contiguous runs of Wasm frames) they describe.
 *
 * ```text
 *   limits (VMRuntimeLimits /      CallThreadState chain (innermost first)
 *           VMStoreContext)        ┌─────────────────────┐   ┌───────────┐
 *   ┌──────────────────┐           │ limits ─────────────┼─▶ │ … older   │
 *   │ exitPc           │           │ exitPc, exitFp,     │   │   states  │
 *   │ exitFp           │           │ entry (saved: old_*)│   └───────────┘
 *   │ entry            │           └─────────────────────┘
 *   └──────────────────┘
 * ```
 *
 * The model is the same for every generation of wasmtime; the generation
 * (see `Generation`) says what `exitFp` and `entry` are: the last exit FP
 * and the entry SP (`entry-sp`), the last exit FP and the entry trampoline's
 * FP (`entry-fp`), or the exit trampoline's FP and the entry FP
 * (`exit-trampoline`). The newest activation comes from the limits (or from
 * a trap's PC and FP); every state whose `limits` is the walked limits saved
 * an older one.
 *
 * @since 0.1.0
 */
import type { ArchId } from "./Arch.js"
import { StackMemory } from "./StackMemory.js"
import type { U64 } from "./U64.js"

/**
 * The three ways wasmtime has recorded activations (snapshot v2's table).
 *
 * @category models
 * @since 0.2.0
 */
export type GenerationId = "entry-sp" | "entry-fp" | "exit-trampoline"

/**
 * wasmtime's limits record, as far as the walk reads it. `address` is its
 * identity, compared with each state's `limits`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  readonly address: U64
  readonly exitPc: U64
  /** The last exit FP, or under `exit-trampoline` the exit trampoline's FP. */
  readonly exitFp: U64
  /** The entry SP (`entry-sp`) or the entry trampoline's FP. */
  readonly entry: U64
}

/**
 * One `CallThreadState`: the limits it belongs to and the activation that was
 * current when it was pushed (its `old_last_wasm_*` values).
 *
 * @category models
 * @since 0.1.0
 */
export interface CallThreadState {
  readonly limits: U64
  readonly exitPc: U64
  readonly exitFp: U64
  readonly entry: U64
}

/**
 * The PC and FP of a trap caught inside Wasm (the FP is the Wasm frame's own,
 * under every generation).
 *
 * @category models
 * @since 0.1.0
 */
export interface Trap {
  readonly pc: U64
  readonly fp: U64
}

/**
 * Walk settings, with the spec's defaults filled in.
 *
 * @category models
 * @since 0.1.0
 */
export interface WalkOptions {
  /** Frames allowed across all activations (default 1,000,000). */
  readonly maxFrames: bigint
  /** aarch64 virtual-address bits, 0 to 64 (default 48). */
  readonly aarch64VaBits: number
}

/**
 * The spec's default options.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultOptions: WalkOptions = { maxFrames: 1_000_000n, aarch64VaBits: 48 }

/**
 * A decoded, validated snapshot: what the walker takes. `wasmtime` is the
 * version a v2 snapshot names (absent in v1, which is `entry-sp`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly arch: ArchId
  readonly generation: GenerationId
  readonly wasmtime?: string | undefined
  readonly options: WalkOptions
  readonly memory: StackMemory
  readonly limits: Limits
  readonly states: ReadonlyArray<CallThreadState>
  readonly trap: Trap | undefined
}

/**
 * One activation: walk from `(pc, fp)` to the entry value `entry`. `index` is
 * its position in the activation list (0 = the limits or the trap); `trap`
 * says its PC and FP are a trap's (the FP is then Wasm's own, never an exit
 * trampoline's).
 *
 * @category models
 * @since 0.1.0
 */
export interface Activation {
  readonly index: number
  readonly pc: U64
  readonly fp: U64
  readonly entry: U64
  readonly trap: boolean
}

/**
 * The activation list, newest first, computed lazily (one state at a time,
 * as the walk reaches it): the trap's PC/FP (or the limits' exit PC/FP) with
 * the limits' entry value, then the saved triple of every state whose
 * `limits` equals `limits.address`, in order. No states means no Wasm on this
 * thread, so no activations. The list is not cut at the first PC 0: that is
 * a check of the walk.
 *
 * @category constructors
 * @since 0.1.0
 */
export class Activations {
  private state = -1
  private count = 0
  constructor(private readonly snapshot: Snapshot) {}

  /** The next activation, or `undefined` after the last. */
  next(): Activation | undefined {
    const { limits, states, trap } = this.snapshot
    if (this.state < 0) {
      this.state = 0
      if (states.length === 0) return undefined
      this.count = 1
      return trap === undefined
        ? { index: 0, pc: limits.exitPc, fp: limits.exitFp, entry: limits.entry, trap: false }
        : { index: 0, pc: trap.pc, fp: trap.fp, entry: limits.entry, trap: true }
    }
    while (this.state < states.length) {
      const state = states[this.state++]!
      if (state.limits === limits.address) {
        return { index: this.count++, pc: state.exitPc, fp: state.exitFp, entry: state.entry, trap: false }
      }
    }
    return undefined
  }
}

/**
 * Lists every activation at once (for renderers and tests; the walk takes
 * them one at a time).
 *
 * @category constructors
 * @since 0.2.0
 */
export const activations = (snapshot: Snapshot): ReadonlyArray<Activation> => {
  const list: Array<Activation> = []
  const source = new Activations(snapshot)
  for (let a = source.next(); a !== undefined; a = source.next()) list.push(a)
  return list
}

const decoded = new WeakSet<object>()

/**
 * Marks a snapshot as made by the decoder (its values are known valid).
 *
 * @internal
 * @since 0.2.0
 */
export const markDecoded = <S extends Snapshot>(snapshot: S): S => {
  decoded.add(snapshot)
  return snapshot
}

const isU64 = (value: unknown): boolean => typeof value === "bigint" && value >= 0n && value <= 0xffff_ffff_ffff_ffffn
const GENERATIONS: ReadonlyArray<unknown> = ["entry-sp", "entry-fp", "exit-trampoline"]
const ARCHS: ReadonlyArray<unknown> = ["x86_64", "aarch64", "s390x", "riscv64"]

/**
 * What is wrong with a value a JavaScript caller passes as a snapshot, as a
 * field path and a reason, or `undefined` when it can be walked: a snapshot
 * the decoder made, or an object of the same shape (for example a decoded
 * snapshot with other options spread in).
 *
 * @category validation
 * @since 0.2.0
 */
export const snapshotProblem = (value: unknown): { readonly path: string; readonly reason: string } | undefined => {
  if (typeof value !== "object" || value === null) return { path: "snapshot", reason: "not a decoded snapshot (decode the JSON first)" }
  // A snapshot the decoder made passes every check below: skip them.
  // Stryker disable next-line ConditionalExpression: equivalent (the checks below accept it too; only slower)
  if (decoded.has(value)) return undefined
  const s = value as Partial<Record<keyof Snapshot, unknown>>
  if (!ARCHS.includes(s.arch)) return { path: "snapshot.arch", reason: "not an architecture (is this a decoded snapshot? decode the JSON first)" }
  if (!GENERATIONS.includes(s.generation)) return { path: "snapshot.generation", reason: "not a generation (decode the JSON first)" }
  const options = s.options as Partial<WalkOptions> | undefined
  if (typeof options !== "object" || options === null) return { path: "snapshot.options", reason: "not an object" }
  if (!isU64(options.maxFrames)) return { path: "snapshot.options.maxFrames", reason: "not a 64-bit bigint" }
  const bits = options.aarch64VaBits
  // (`Number.isInteger` is false for anything but a number.)
  if (!(Number.isInteger(bits) && (bits as number) >= 0 && (bits as number) <= 64)) {
    return { path: "snapshot.options.aarch64VaBits", reason: "not an integer from 0 to 64" }
  }
  if (!(s.memory instanceof StackMemory)) return { path: "snapshot.memory", reason: "not a StackMemory (decode the JSON first)" }
  const limits = s.limits as Partial<Record<keyof Limits, unknown>> | undefined
  if (typeof limits !== "object" || limits === null) return { path: "snapshot.limits", reason: "not an object" }
  for (const key of ["address", "exitPc", "exitFp", "entry"] as const) {
    if (!isU64(limits[key])) return { path: `snapshot.limits.${key}`, reason: "not a 64-bit bigint" }
  }
  if (!Array.isArray(s.states)) return { path: "snapshot.states", reason: "not an array" }
  for (let i = 0; i < s.states.length; i++) {
    const state = s.states[i] as Partial<Record<keyof CallThreadState, unknown>> | undefined
    if (typeof state !== "object" || state === null) return { path: `snapshot.states[${i}]`, reason: "not an object" }
    for (const key of ["limits", "exitPc", "exitFp", "entry"] as const) {
      if (!isU64(state[key])) return { path: `snapshot.states[${i}].${key}`, reason: "not a 64-bit bigint" }
    }
  }
  const trap = s.trap as Partial<Record<keyof Trap, unknown>> | undefined
  // (A primitive's `pc` is not a bigint: only `null` needs its own check.)
  if (trap !== undefined && (trap === null || !isU64(trap.pc) || !isU64(trap.fp))) {
    return { path: "snapshot.trap", reason: "not a trap (pc and fp as 64-bit bigints)" }
  }
  return undefined
}
