/**
 * The running Wasm traps. The trap handler walks with the trap's PC and FP
 * in place of the exit values (the exit trampoline never ran), which must
 * give every live frame of the running store; then the activation unwinds
 * to its entry trampoline, which pops its state and restores the limits.
 */
import type * as fc from "fast-check"
import { expect } from "vitest"
import { walkSync } from "../../../src/Walker.js"
import { decodeOrFail } from "../../support.js"
import type { Machine, Model } from "../Machine.js"
import { updateRoom, verify } from "../Machine.js"

export class Trap implements fc.Command<Model, Machine> {
  check(model: Readonly<Model>): boolean {
    return model.mode === "wasm"
  }

  run(model: Model, machine: Machine): void {
    const running = machine.current
    if (running.kind !== "wasm") throw new Error("Trap outside Wasm")
    const frames = model.frames[running.store]!
    const trap = { pc: frames[0]!.pc, fp: running.fp }
    expect(walkSync(decodeOrFail(machine.snapshot(running.store, trap)))).toEqual({
      ok: true,
      frames: frames.map(({ fp, pc }) => ({ pc, fp }))
    })
    for (;;) {
      const call = machine.calls.pop()!
      if (call.kind !== "wasm") throw new Error("a host frame inside an activation")
      frames.shift()
      machine.sp = call.spBefore
      if (call.entry) break
    }
    machine.leaveWasm(running.store)
    model.mode = "host"
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return "Trap"
  }
}
