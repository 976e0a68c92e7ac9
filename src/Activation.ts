/**
 * The runtime state wasmtime's trampolines record, and the list of
 * activations (contiguous runs of Wasm frames) it describes.
 *
 * ```text
 *   VMRuntimeLimits            CallThreadState chain (innermost first)
 *   ┌──────────────────┐      ┌───────────────────────┐   ┌───────────┐
 *   │ lastWasmExitPc   │      │ limits ───────────────┼─▶ │ … older   │
 *   │ lastWasmExitFp   │      │ oldLastWasmExitPc/Fp  │   │   states  │
 *   │ lastWasmEntrySp  │      │ oldLastWasmEntrySp    │   └───────────┘
 *   └──────────────────┘      └───────────────────────┘
 * ```
 *
 * The newest activation comes from the limits (or from a trap's PC and FP);
 * every state whose `limits` is the walked limits saved an older one.
 *
 * @since 0.1.0
 */
import type { U64 } from "./U64.js"

/**
 * wasmtime's `VMRuntimeLimits`, as far as the walk reads it. `address` is its
 * identity, compared with each state's `limits`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  readonly address: U64
  readonly lastWasmExitPc: U64
  readonly lastWasmExitFp: U64
  readonly lastWasmEntrySp: U64
}

/**
 * One `CallThreadState`: the limits it belongs to and the activation that was
 * current when it was pushed.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallThreadState {
  readonly limits: U64
  readonly oldLastWasmExitPc: U64
  readonly oldLastWasmExitFp: U64
  readonly oldLastWasmEntrySp: U64
}

/**
 * The PC and FP of a trap caught inside Wasm.
 *
 * @category models
 * @since 0.1.0
 */
export interface Trap {
  readonly pc: U64
  readonly fp: U64
}

/**
 * One activation: walk from `(pc, fp)` up to the entry SP `sp`. `index` is
 * its position in the activation list (0 = the limits or the trap).
 *
 * @category models
 * @since 0.1.0
 */
export interface Activation {
  readonly index: number
  readonly pc: U64
  readonly fp: U64
  readonly sp: U64
}

/**
 * The activation list, newest first: the trap's PC/FP (or the limits' last
 * exit PC/FP) with the limits' entry SP, then the saved triple of every state
 * whose `limits` equals `limits.address`, in order. No states means no Wasm
 * on this thread, so no activations. The list is not cut at the first PC 0:
 * that is a check of the walk.
 *
 * @category constructors
 * @since 0.1.0
 */
export const activations = (
  limits: Limits,
  states: ReadonlyArray<CallThreadState>,
  trap: Trap | undefined
): ReadonlyArray<Activation> => {
  if (states.length === 0) return []
  const list: Array<Activation> = [{
    index: 0,
    pc: trap === undefined ? limits.lastWasmExitPc : trap.pc,
    fp: trap === undefined ? limits.lastWasmExitFp : trap.fp,
    sp: limits.lastWasmEntrySp
  }]
  for (const state of states) {
    if (state.limits === limits.address) {
      list.push({
        index: list.length,
        pc: state.oldLastWasmExitPc,
        fp: state.oldLastWasmExitFp,
        sp: state.oldLastWasmEntrySp
      })
    }
  }
  return list
}
