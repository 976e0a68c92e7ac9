/**
 * The innermost call returns: a Wasm callee to its Wasm caller; the first
 * Wasm frame of an activation through the entry trampoline, which pops its
 * CallThreadState and restores the saved triple into the limits; a host
 * callee back into Wasm (the exit PC/FP stay behind, stale). Popped frames
 * stay in memory below the SP, as on a real stack.
 */
import type * as fc from "fast-check"
import type { Machine, Model } from "../Machine.js"
import { updateRoom, verify } from "../Machine.js"

export class Return implements fc.Command<Model, Machine> {
  check(model: Readonly<Model>): boolean {
    return model.depth > 0
  }

  run(model: Model, machine: Machine): void {
    const call = machine.calls.pop()!
    machine.sp = call.spBefore
    if (call.kind === "host") {
      model.mode = "wasm"
    } else {
      model.frames[call.store]!.shift()
      if (call.entry) {
        machine.leaveWasm(call.store)
        model.mode = "host"
      }
    }
    const caller = machine.current
    if (caller.kind === "wasm") model.running = caller.store
    updateRoom(model, machine)
    verify(model, machine)
  }

  toString(): string {
    return "Return"
  }
}
