/**
 * A simulated machine running Wasm the way wasmtime does, kept at the byte
 * level: one real stack (a `RegionImage` from `properties/layout.ts`) that
 * grows down, a `VMRuntimeLimits` per store, and the `CallThreadState`
 * chain, maintained exactly as wasmtime's trampolines maintain them
 * (`/work/shared/reference/backtrace.rs`):
 *
 * - host → Wasm (entry trampoline): a new `CallThreadState` saves the
 *   store's old (exit PC, exit FP, entry) triple and is pushed innermost;
 *   the trampoline's frame is pushed and recorded as the store's entry:
 *   its SP as `lastWasmEntrySp` (`entry-sp`, wasmtime up to 26), or its FP
 *   as `lastWasmEntryFp` (`entry-fp` and `exit-trampoline`, 27 and later);
 *   the callee's frame record saves the trampoline's FP.
 * - host → host through an entry trampoline (27 and later: the trampoline
 *   calls a host function directly, an activation with no Wasm frame): the
 *   exit is recorded as below, with the trampoline's FP standing for Wasm's.
 * - Wasm → Wasm: the callee's frame record saves the caller's FP and the
 *   return address (signed with a PAC on aarch64).
 * - Wasm → host (exit trampoline): the store's `lastWasmExitPc` is the
 *   return address into Wasm; the exit trampoline's frame record saves the
 *   Wasm frame's FP, and the store records that FP as `lastWasmExitFp` (up
 *   to 36) or the exit trampoline's own FP as `lastWasmExitTrampolineFp`
 *   (37 and later).
 * - return: a Wasm callee returns to its caller; the outermost frame of an
 *   activation returns through the entry trampoline, which pops its state
 *   and restores the saved triple into the limits; a host callee returns to
 *   Wasm (the exit values stay behind, stale).
 * - trap: the walk is taken from the trap handler (the trap's PC and FP
 *   stand for the exit values), then the activation is unwound as if its
 *   entry trampoline had returned.
 *
 * The model is what must be true of every walk: per store, its live
 * activations, newest first, each with its live Wasm frames, newest first,
 * with the PC each will resume at (the walk numbers the activations, those
 * without frames included).
 */
import { expect } from "vitest"
import type { ArchId } from "../../src/Arch.js"
import { walkSync } from "../../src/Walker.js"
import type { Abi } from "../abi.js"
import { abi, alignDown, canonicalPc, signPc } from "../abi.js"
import type { GenerationId } from "../generations.js"
import { RegionImage, snapshotJson, StackImage } from "../layout.js"
import type { Frame, StateEntry } from "../stack.js"
import { decodeOrFail, plain } from "../support.js"

export const STACK_SIZE = 48 * 1024

/** A store's limits: the exit PC, the recorded exit FP (or exit trampoline's FP), the entry SP or FP. */
export interface Limits {
  readonly address: bigint
  exitPc: bigint
  exitFp: bigint
  entry: bigint
}

export type Call =
  | {
    readonly kind: "host"
    readonly fp: bigint
    readonly spBefore: bigint
    /** Called directly by the entry trampoline of this store (no Wasm frame in between). */
    readonly entered?: number
  }
  | {
    readonly kind: "wasm"
    readonly store: number
    readonly fp: bigint
    readonly spBefore: bigint
    /** The first Wasm frame of its activation, called by the entry trampoline. */
    readonly entry: boolean
  }

/** The real machine: bytes, limits, states, the call stack. */
export class Machine {
  readonly abi: Abi
  readonly stack: RegionImage
  readonly stores: Array<Limits>
  readonly states: Array<StateEntry> = []
  readonly calls: Array<Call>
  sp: bigint

  constructor(
    readonly arch: ArchId,
    top: bigint,
    storeAddresses: ReadonlyArray<bigint>,
    readonly vaBits: number,
    readonly generation: GenerationId,
    /** The version the snapshots name (`undefined`: v1, only for `entry-sp`). */
    readonly wasmtime: string | undefined
  ) {
    this.abi = abi[arch]
    this.stack = new RegionImage(top - BigInt(STACK_SIZE), STACK_SIZE)
    this.stores = storeAddresses.map((address) => ({ address, exitPc: 0n, exitFp: 0n, entry: 0n }))
    // main(): a host frame at the top of the stack.
    const fp = alignDown(top - this.abi.minFrame, 16n)
    this.calls = [{ kind: "host", fp, spBefore: top }]
    this.sp = fp
  }

  get current(): Call {
    return this.calls[this.calls.length - 1]!
  }

  writeWord(address: bigint, value: bigint): void {
    this.stack.writeWord(address, value, this.abi.littleEndian)
  }

  /** Writes a frame record: the saved FP at fp + 0, the return address at the PC slot. */
  writeRecord(fp: bigint, savedFp: bigint, returnAddress: bigint): void {
    this.writeWord(fp, savedFp)
    this.writeWord(fp + this.abi.pcOffset, returnAddress)
  }

  /**
   * The entry trampoline returns to the host: it pops the innermost
   * CallThreadState and restores the triple it saved into `store`'s limits.
   */
  leaveWasm(store: number): void {
    const state = this.states.shift()!
    const limits = this.stores[store]!
    limits.exitPc = state.pc
    limits.exitFp = state.fp
    limits.entry = state.sp
  }

  /** The entry trampoline of `store` starts: the state saving the old triple, its frame, its record. */
  enter(store: number, hostPc: bigint): { readonly trampolineFp: bigint; readonly entrySp: bigint } {
    const { abi } = this
    const limits = this.stores[store]!
    this.states.unshift({ limits: limits.address, pc: limits.exitPc, fp: limits.exitFp, sp: limits.entry })
    const host = this.current
    const trampolineFp = alignDown(this.sp - abi.minFrame, 16n)
    this.writeRecord(trampolineFp, host.fp, hostPc)
    return { trampolineFp, entrySp: alignDown(trampolineFp - abi.trampolineAbove, abi.entrySpAlignment) }
  }

  /**
   * The exit trampoline below `callerFp` (a Wasm frame's, or an entry
   * trampoline's) calls the host: its frame record saves `callerFp`, and
   * `store` records the exit as its generation does.
   */
  exit(store: number, callerFp: bigint, returnPc: bigint, size: number): bigint {
    const limits = this.stores[store]!
    const fp = alignDown(this.sp - this.abi.minFrame - 16n * BigInt(size), 16n)
    this.writeRecord(fp, callerFp, returnPc)
    limits.exitPc = returnPc
    limits.exitFp = this.generation === "exit-trampoline" ? fp : callerFp
    return fp
  }

  /** A return address as stored on the stack (signed on aarch64) and as the walk must report it. */
  returnAddress(raw: bigint, pac: bigint): { readonly stored: bigint; readonly reported: bigint } {
    if (!this.abi.pac) return { stored: raw, reported: raw }
    // Code is never at address 0: a PC that would strip to 0 is taken from the other half.
    const stripped = canonicalPc(raw, this.vaBits)
    const reported = stripped === 0n ? canonicalPc(raw | (1n << 55n), this.vaBits) : stripped
    return { stored: signPc(reported, pac, this.vaBits), reported }
  }

  /** The snapshot of the live stack [sp, top) as seen when walking `store`'s limits. */
  snapshot(store: number, trap: { readonly pc: bigint; readonly fp: bigint } | undefined): Record<string, unknown> {
    const image = new StackImage(this.arch)
    const from = this.sp
    image.region(from, Number(this.stack.end - from)).bytes.set(this.stack.bytes.subarray(Number(from - this.stack.address)))
    const limits = this.stores[store]!
    return snapshotJson(image, {
      wasmtime: this.wasmtime,
      limits: { address: limits.address, pc: limits.exitPc, fp: limits.exitFp, sp: limits.entry },
      states: this.states,
      trap,
      options: { aarch64VaBits: this.vaBits }
    })
  }
}

export interface Model {
  readonly generation: GenerationId
  mode: "host" | "wasm"
  /** The store the host calls into next. */
  selected: number
  readonly storeCount: number
  /** Bytes left on the stack. */
  room: bigint
  /** How many calls are on the call stack above main. */
  depth: number
  /** Per store, its live activations, newest first, each its live Wasm frames, newest first, with the PC each resumes at. */
  readonly activations: Array<Array<Array<{ pc: bigint; fp: bigint }>>>
  /** The store whose Wasm is running (meaningful in Wasm mode). */
  running: number
}

export const initialModel = (storeCount: number, generation: GenerationId): Model => ({
  generation,
  mode: "host",
  selected: 0,
  storeCount,
  room: BigInt(STACK_SIZE) - 64n,
  depth: 0,
  activations: Array.from({ length: storeCount }, () => []),
  running: 0
})

/** What every command leaves for the next: enough room for its largest frame. */
export const FRAME_BUDGET = 1024n

export const updateRoom = (model: Model, machine: Machine): void => {
  model.room = machine.sp - machine.stack.address
  model.depth = machine.calls.length - 1
}

/** The frames a walk of `store` must give: its activations' frames, each with its activation's index. */
export const expectedFrames = (model: Model, store: number): Array<Frame> =>
  model.activations[store]!.flatMap((frames, activation) => frames.map(({ fp, pc }) => ({ pc, fp, activation })))

/**
 * After every command: the walk of every store's limits is exactly that
 * store's live Wasm frames. While Wasm runs, the running store is walked as
 * a trap handler (or a sampling profiler) would, with the running frame's PC
 * and FP; the others through their limits.
 */
export const verify = (model: Model, machine: Machine): void => {
  for (let store = 0; store < model.storeCount; store++) {
    const running = model.mode === "wasm" && store === model.running
    const top = machine.current
    const trap = running && top.kind === "wasm" ? { pc: model.activations[store]![0]![0]!.pc, fp: top.fp } : undefined
    const walked = plain(walkSync(decodeOrFail(machine.snapshot(store, trap))))
    expect(walked, `store ${store}`).toEqual({ ok: true, frames: expectedFrames(model, store) })
  }
}
