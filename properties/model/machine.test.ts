/**
 * Model-based test: random programs of host→Wasm calls, Wasm→Wasm calls,
 * Wasm→host calls, host→host calls through an entry trampoline (27 and
 * later), returns, traps and store switches run on a simulated machine with
 * a real byte-level stack and wasmtime's trampoline bookkeeping, as each
 * generation records it (`Machine.ts`); after every command, walking each
 * store's limits gives exactly that store's live Wasm frames, each with
 * its activation.
 */
import { fc, test } from "@fast-check/vitest"
import { describe } from "vitest"
import { archIds } from "../../src/arch/index.js"
import { u64 } from "../arbitraries/u64.js"
import { wasmtimeVersion } from "../arbitraries/wasmtimeVersion.js"
import { generationIds } from "../generations.js"
import { numRuns } from "../runs.js"
import { CallWasm } from "./commands/CallWasm.js"
import { EnterHost } from "./commands/EnterHost.js"
import { EnterWasm } from "./commands/EnterWasm.js"
import { ExitToHost } from "./commands/ExitToHost.js"
import { Return } from "./commands/Return.js"
import { SwitchStore } from "./commands/SwitchStore.js"
import { Trap } from "./commands/Trap.js"
import { initialModel, Machine, STACK_SIZE, verify } from "./Machine.js"

const STORES = 3
const LIMIT = 1n << 64n
const pc = u64().filter((value) => value !== 0n)
const pac = fc.bigInt({ min: 0n, max: LIMIT - 1n })

const enter = fc.tuple(fc.nat({ max: 8 }), fc.nat({ max: 8 }), u64(), u64(), pac, pc).map((args) => new EnterWasm(...args))
const call = fc.tuple(fc.nat({ max: 16 }), pc, pac, pc).map((args) => new CallWasm(...args))
const exit = fc.tuple(pc, fc.nat({ max: 8 })).map((args) => new ExitToHost(...args))
const enterHost = fc.tuple(pc, pc, fc.nat({ max: 8 })).map((args) => new EnterHost(...args))

// Calls listed twice: programs then go deep (several activations per store) before they unwind.
const commands = fc.commands(
  [
    enter,
    enter,
    enterHost,
    call,
    call,
    exit,
    exit,
    fc.constant(new Return()),
    fc.constant(new Return()),
    fc.constant(new Trap()),
    fc.nat({ max: STORES - 1 }).map((store) => new SwitchStore(store))
  ],
  { maxCommands: 80, size: "max" }
)

const setup = fc.record({
  // The stack's top: anywhere, or right at the end of the address space.
  top: fc.oneof(fc.constant(LIMIT), fc.bigInt({ min: BigInt(STACK_SIZE) / 16n + 1n, max: LIMIT / 16n }).map((t) => t * 16n)),
  stores: fc.uniqueArray(u64(), { minLength: STORES, maxLength: STORES }),
  vaBits: fc.oneof(fc.constantFrom(39, 48, 52), fc.integer({ min: 0, max: 64 })),
  // The generation, and the version its snapshots name (v1 for some entry-sp ones).
  version: fc.constantFrom(...generationIds).chain((generation) => wasmtimeVersion(generation).map((wasmtime) => ({ generation, wasmtime })))
})

describe.each(archIds)("%s", (arch) => {
  test.prop([setup, commands], { numRuns: numRuns(100) })(
    "after every command, each store's walk is exactly its live Wasm frames",
    ({ stores, top, vaBits, version }, program) => {
      const machine = new Machine(arch, top, stores, vaBits, version.generation, version.wasmtime)
      const model = initialModel(STORES, version.generation)
      verify(model, machine)
      fc.modelRun(() => ({ model, real: machine }), program)
    }
  )
})
