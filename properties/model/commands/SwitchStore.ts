/**
 * The host switches to another store: its next call into Wasm goes through
 * that store's limits (its own VMRuntimeLimits, its own states in the one
 * CallThreadState chain of the thread).
 */
import type * as fc from "fast-check"
import type { Machine, Model } from "../Machine.js"
import { verify } from "../Machine.js"

export class SwitchStore implements fc.Command<Model, Machine> {
  constructor(readonly store: number) {}

  check(model: Readonly<Model>): boolean {
    return model.mode === "host" && this.store < model.storeCount && this.store !== model.selected
  }

  run(model: Model, machine: Machine): void {
    model.selected = this.store
    verify(model, machine)
  }

  toString(): string {
    return `SwitchStore(${this.store})`
  }
}
