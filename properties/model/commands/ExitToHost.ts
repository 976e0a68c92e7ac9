/**
 * Wasm calls the host through the exit trampoline, whose frame record saves
 * the Wasm frame's FP. The store records the return address into Wasm as
 * `lastWasmExitPc` (reported as given, never stripped) and, as its
 * generation does, the Wasm frame's FP as `lastWasmExitFp` (up to wasmtime
 * 36) or the exit trampoline's own FP as `lastWasmExitTrampolineFp` (37 and
 * later).
 */
import type * as fc from "fast-check"
import { toHex } from "../../../src/U64.js"
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
    const before = machine.sp
    const fp = machine.exit(wasm.store, wasm.fp, this.returnPc, this.hostSize)
    machine.calls.push({ kind: "host", fp, spBefore: before })
    machine.sp = fp
    model.activations[wasm.store]![0]![0]!.pc = this.returnPc
    model.mode = "host"
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return `ExitToHost(${toHex(this.returnPc)}, ${this.hostSize})`
  }
}
