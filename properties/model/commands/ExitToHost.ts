/**
 * Wasm calls the host through the exit trampoline, which records the
 * return address into Wasm as `lastWasmExitPc` (reported as given, never
 * stripped) and the Wasm frame's FP as `lastWasmExitFp`.
 */
import type * as fc from "fast-check"
import { toHex } from "../../../src/U64.js"
import { alignDown } from "../../abi.js"
import type { Machine, Model } from "../Machine.js"
import { FRAME_BUDGET, updateRoom, verify } from "../Machine.js"

export class ExitToHost implements fc.Command<Model, Machine> {
  constructor(readonly returnPc: bigint, readonly hostSize: number) {}

  check(model: Readonly<Model>): boolean {
    return model.mode === "wasm" && model.room > FRAME_BUDGET
  }

  run(model: Model, machine: Machine): void {
    const wasm = machine.current
    if (wasm.kind !== "wasm") throw new Error("ExitToHost outside Wasm")
    const limits = machine.stores[wasm.store]!
    limits.exitPc = this.returnPc
    limits.exitFp = wasm.fp
    const fp = alignDown(machine.sp - machine.abi.minFrame - 16n * BigInt(this.hostSize), 16n)
    machine.writeRecord(fp, wasm.fp, this.returnPc)
    machine.calls.push({ kind: "host", fp, spBefore: machine.sp })
    machine.sp = fp
    model.frames[wasm.store]![0]!.pc = this.returnPc
    model.mode = "host"
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `ExitToHost(${toHex(this.returnPc)}, ${this.hostSize})`
  }
}
