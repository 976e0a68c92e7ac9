/**
 * wasmtime 27 and later: the host calls a host function of the selected
 * store through an entry trampoline (`Func::call` on a host function), so
 * an activation begins and exits with no Wasm frame (#9418). The state is
 * pushed and the entry FP recorded as for `EnterWasm`; the exit is recorded
 * with the entry trampoline's FP where a Wasm frame's would be: the exit FP
 * is the entry FP (`entry-fp`), or the exit trampoline's saved word is
 * (`exit-trampoline`). The walk passes the activation without a frame but
 * counts it. Not under `entry-sp`, where it cannot happen.
 */
import type * as fc from "fast-check"
import { toHex } from "../../../src/U64.js"
import type { Machine, Model } from "../Machine.js"
import { FRAME_BUDGET, updateRoom, verify } from "../Machine.js"

export class EnterHost implements fc.Command<Model, Machine> {
  constructor(readonly hostPc: bigint, readonly returnPc: bigint, readonly hostSize: number) {}

  check(model: Readonly<Model>): boolean {
    return model.mode === "host" && model.room > FRAME_BUDGET && model.generation !== "entry-sp"
  }

  run(model: Model, machine: Machine): void {
    const store = model.selected
    const before = machine.sp
    const { trampolineFp } = machine.enter(store, this.hostPc)
    machine.stores[store]!.entry = trampolineFp
    machine.sp = trampolineFp
    const fp = machine.exit(store, trampolineFp, this.returnPc, this.hostSize)
    machine.calls.push({ kind: "host", fp, spBefore: before, entered: store })
    machine.sp = fp
    model.activations[store]!.unshift([])
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `EnterHost(${toHex(this.hostPc)}, ${toHex(this.returnPc)}, ${this.hostSize})`
  }
}
