/**
 * The host calls into the selected store's Wasm through the entry
 * trampoline: a new CallThreadState saves the store's old triple, the
 * trampoline records its SP as `lastWasmEntrySp`, and the first Wasm frame
 * saves the trampoline's FP.
 */
import type * as fc from "fast-check"
import type { Machine, Model } from "../Machine.js"
import { FRAME_BUDGET, updateRoom, verify } from "../Machine.js"
import { alignDown } from "../../abi.js"
import { toHex } from "../../../src/U64.js"

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
    const limits = machine.stores[store]!
    const host = machine.current
    machine.states.unshift({ limits: limits.address, pc: limits.exitPc, fp: limits.exitFp, sp: limits.entrySp })
    // The trampoline's own frame, then its SP at the call: the entry SP.
    const trampolineFp = alignDown(machine.sp - abi.minFrame, 16n)
    machine.writeRecord(trampolineFp, host.fp, this.hostPc)
    const entrySp = alignDown(trampolineFp - abi.trampolineAbove - abi.fpAlignment * BigInt(this.trampolineDelta), abi.entrySpAlignment)
    limits.entrySp = entrySp
    // The callee's frame record, `entrySlack` or more below the entry SP.
    const fp = alignDown(entrySp - abi.entrySlack - abi.fpAlignment * BigInt(this.slack), abi.fpAlignment)
    machine.writeRecord(fp, trampolineFp, machine.returnAddress(this.returnPc, this.pac).stored)
    machine.calls.push({ kind: "wasm", store, fp, spBefore: machine.sp, entry: true })
    machine.sp = fp
    model.frames[store]!.unshift({ pc: this.pc, fp })
    model.mode = "wasm"
    model.running = store
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `EnterWasm(${this.trampolineDelta}, ${this.slack}, ${toHex(this.hostPc)}, ${toHex(this.returnPc)}, ${toHex(this.pac)}, ${toHex(this.pc)})`
  }
}
