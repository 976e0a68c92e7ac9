/**
 * Wasm calls Wasm: the callee's frame record saves the caller's FP and the
 * return address into the caller (signed on aarch64); the caller will
 * resume at that address, so that is its PC in every later walk.
 */
import type * as fc from "fast-check"
import { toHex } from "../../../src/U64.js"
import { alignDown } from "../../abi.js"
import type { Machine, Model } from "../Machine.js"
import { FRAME_BUDGET, updateRoom, verify } from "../Machine.js"

export class CallWasm implements fc.Command<Model, Machine> {
  constructor(readonly gap: number, readonly returnPc: bigint, readonly pac: bigint, readonly pc: bigint) {}

  check(model: Readonly<Model>): boolean {
    return model.mode === "wasm" && model.room > FRAME_BUDGET
  }

  run(model: Model, machine: Machine): void {
    const { abi } = machine
    const caller = machine.current
    if (caller.kind !== "wasm") throw new Error("CallWasm outside Wasm")
    const fp = alignDown(machine.sp - abi.minFrame - abi.fpAlignment * BigInt(this.gap), abi.fpAlignment)
    const { reported, stored } = machine.returnAddress(this.returnPc, this.pac)
    machine.writeRecord(fp, caller.fp, stored)
    machine.calls.push({ kind: "wasm", store: caller.store, fp, spBefore: machine.sp, entry: false })
    machine.sp = fp
    const frames = model.activations[caller.store]![0]!
    frames[0]!.pc = reported
    frames.unshift({ pc: this.pc, fp })
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `CallWasm(${this.gap}, ${toHex(this.returnPc)}, ${toHex(this.pac)}, ${toHex(this.pc)})`
  }
}
