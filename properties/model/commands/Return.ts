/**
 * The innermost call returns: a Wasm callee to its Wasm caller; the first
 * Wasm frame of an activation through the entry trampoline, which pops its
 * CallThreadState and restores the saved triple into the limits; a host
 * callee back into Wasm (the exit values stay behind, stale), or, when the
 * entry trampoline called it directly, back through that trampoline (which
 * pops its state). Popped frames stay in memory below the SP, as on a real
 * stack.
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
      if (call.entered === undefined) {
        model.mode = "wasm"
      } else {
        const empty = model.activations[call.entered]!.shift()
        if (empty?.length !== 0) throw new Error("a direct host call's activation has frames")
        machine.leaveWasm(call.entered)
      }
    } else {
      const activations = model.activations[call.store]!
      activations[0]!.shift()
      if (call.entry) {
        if (activations.shift()?.length !== 0) throw new Error("an activation left with frames")
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
