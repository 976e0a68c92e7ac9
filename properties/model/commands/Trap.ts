/**
 * The running Wasm traps. The trap handler walks with the trap's PC and FP
 * in place of the exit values (the exit trampoline never ran; under
 * `exit-trampoline` the recorded exit trampoline's FP is stale and must not
 * be read), which must give every live frame of the running store; then
 * the activation unwinds to its entry trampoline, which pops its state and
 * restores the limits.
 */
import type * as fc from "fast-check"
import { expect } from "vitest"
import { walkSync } from "../../../src/Walker.js"
import { decodeOrFail, plain } from "../../support.js"
import type { Machine, Model } from "../Machine.js"
import { expectedFrames, updateRoom, verify } from "../Machine.js"

export class Trap implements fc.Command<Model, Machine> {
  check(model: Readonly<Model>): boolean {
    return model.mode === "wasm"
  }

  run(model: Model, machine: Machine): void {
    const running = machine.current
    if (running.kind !== "wasm") throw new Error("Trap outside Wasm")
    const activations = model.activations[running.store]!
    const trap = { pc: activations[0]![0]!.pc, fp: running.fp }
    expect(plain(walkSync(decodeOrFail(machine.snapshot(running.store, trap))))).toEqual({
      ok: true,
      frames: expectedFrames(model, running.store)
    })
    for (;;) {
      const call = machine.calls.pop()!
      if (call.kind !== "wasm") throw new Error("a host frame inside an activation")
      activations[0]!.shift()
      machine.sp = call.spBefore
      if (call.entry) break
    }
    activations.shift()
    machine.leaveWasm(running.store)
    model.mode = "host"
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return "Trap"
  }
}
