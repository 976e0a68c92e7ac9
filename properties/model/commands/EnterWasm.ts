/**
 * The host calls into the selected store's Wasm through the entry
 * trampoline: a new CallThreadState saves the store's old triple, the
 * trampoline records its SP as `lastWasmEntrySp` (up to wasmtime 26) or its
 * FP as `lastWasmEntryFp` (27 and later), and the first Wasm frame saves the
 * trampoline's FP.
 */
import type * as fc from "fast-check"
import { toHex } from "../../../src/U64.js"
import { alignDown } from "../../abi.js"
import type { Machine, Model } from "../Machine.js"
import { FRAME_BUDGET, updateRoom, verify } from "../Machine.js"

export class EnterWasm implements fc.Command<Model, Machine> {
  constructor(
    readonly trampolineDelta: number,
    readonly slack: number,
    readonly hostPc: bigint,
    readonly returnPc: bigint,
    readonly pac: bigint,
    readonly pc: bigint
  ) {}

  check(model: Readonly<Model>): boolean {
    return model.mode === "host" && model.room > FRAME_BUDGET
  }

  run(model: Model, machine: Machine): void {
    const { abi } = machine
    const store = model.selected
    const { trampolineFp } = machine.enter(store, this.hostPc)
    // The trampoline's SP at the call: the entry SP, `trampolineAbove` or more below its FP.
    const entrySp = alignDown(trampolineFp - abi.trampolineAbove - abi.fpAlignment * BigInt(this.trampolineDelta), abi.entrySpAlignment)
    machine.stores[store]!.entry = machine.generation === "entry-sp" ? entrySp : trampolineFp
    // The callee's frame record, `entrySlack` or more below the entry SP.
    const fp = alignDown(entrySp - abi.entrySlack - abi.fpAlignment * BigInt(this.slack), abi.fpAlignment)
    machine.writeRecord(fp, trampolineFp, machine.returnAddress(this.returnPc, this.pac).stored)
    machine.calls.push({ kind: "wasm", store, fp, spBefore: machine.sp, entry: true })
    machine.sp = fp
    model.activations[store]!.unshift([{ pc: this.pc, fp }])
    model.mode = "wasm"
    model.running = store
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `EnterWasm(${this.trampolineDelta}, ${this.slack}, ${toHex(this.hostPc)}, ${toHex(this.returnPc)}, ${toHex(this.pac)}, ${toHex(this.pc)})`
  }
}
