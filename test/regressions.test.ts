/**
 * Every counterexample the property tests ever found, kept as a named case
 * (shrunk, as fast-check printed it), so that it is checked on every run
 * whatever seed the properties draw. Add new ones at the end with the
 * property, the seed and what it showed.
 */
import { describe, expect, it } from "vitest"
import * as Snapshot from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"

const decode = (json: unknown): Snapshot.Snapshot => {
  const decoded = Snapshot.decodeSync(json)
  if (!decoded.ok) return expect.fail(decoded.error.message)
  return decoded.snapshot
}

describe("regressions found by the properties", () => {
  // properties/corruption.test.ts (x86_64, trapWithOtherLimits, seed -982654659): the stack
  // generator put an empty region right after a stack ending at 2^64. An empty region's
  // address must still be a 64-bit value: this is an input error, not a region that overlaps nothing.
  it("rejects an empty region at address 2^64", () => {
    const decoded = Snapshot.decodeSync({
      format: "fpwalk.snapshot.v1",
      arch: "x86_64",
      memory: [
        { address: "0xffffffffffffffe0", base64: "8P////////8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
        { address: "0x10000000000000000", base64: "" }
      ],
      limits: { address: "0x0", lastWasmExitPc: "0x1", lastWasmExitFp: "0xffffffffffffffe0", lastWasmEntrySp: "0xfffffffffffffff0" },
      states: [{ limits: "0x0", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }]
    })
    expect(decoded.ok ? undefined : decoded.error.path).toBe("memory[1].address")
  })

  // The same stack without the empty region walks: one frame ending exactly at 2^64.
  it("walks a frame whose record ends at 2^64", () => {
    const result = walkSync(decode({
      format: "fpwalk.snapshot.v1",
      arch: "x86_64",
      memory: [{ address: "0xffffffffffffffe0", base64: "8P////////8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }],
      limits: { address: "0x0", lastWasmExitPc: "0x1", lastWasmExitFp: "0xffffffffffffffe0", lastWasmEntrySp: "0xfffffffffffffff0" },
      states: [{ limits: "0x0", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }]
    }))
    expect(result.ok && [...result.frames]).toEqual([{ pc: 1n, fp: 0xffff_ffff_ffff_ffe0n, activation: 0 }])
  })

  // properties/model/machine.test.ts (aarch64, seed 1901030684):
  // EnterWasm(…, pc 0xffffffffffffffff), CallWasm(0, 0x0, 0x0, 0x1), Return with aarch64VaBits 0.
  // A return address of 0 strips to 0, so the caller "resumes at PC 0"; walked from a trap handler
  // that PC ends the chain while its FP is set. The machine now never uses a return address that
  // strips to 0 (code is never at 0); the walker's answer is kept here.
  it("reports a trap at PC 0 with an FP as an inconsistent activation (aarch64, vaBits 0)", () => {
    const result = walkSync(decode({
      format: "fpwalk.snapshot.v1",
      arch: "aarch64",
      options: { aarch64VaBits: 0 },
      memory: [{ address: "0xbfe0", base64: "8L8AAAAAAAAAAAAAAAAAAA==" }],
      limits: { address: "0x0", lastWasmExitPc: "0x0", lastWasmExitFp: "0x0", lastWasmEntrySp: "0xbff0" },
      states: [{ limits: "0x0", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }],
      trap: { pc: "0x0", fp: "0xbfe0" }
    }))
    expect(result.ok ? undefined : [result.error._tag, "frame" in result.error && result.error.frame, result.frames.length]).toEqual(["InconsistentActivation", 0, 0])
  })

  // The same frame record with vaBits 0: every PC read from the stack strips to 0 or to 2^64-1 (bit 55).
  it("strips a stack PC to 0 or 2^64-1 when aarch64VaBits is 0", () => {
    const json = (pc: string) => ({
      format: "fpwalk.snapshot.v1",
      arch: "aarch64",
      options: { aarch64VaBits: 0 },
      memory: [{ address: "0x1000", base64: Buffer.from(word(0x1100n).concat(word(BigInt(pc)))).toString("base64") }, {
        address: "0x1100",
        base64: Buffer.from(word(0x2000n).concat(word(0x1234n))).toString("base64")
      }],
      limits: { address: "0x0", lastWasmExitPc: "0x7", lastWasmExitFp: "0x1000", lastWasmEntrySp: "0x1200" },
      states: [{ limits: "0x0", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }]
    })
    expect([...walkSync(decode(json("0x7f7fffffffffffff"))).frames].map((f) => f.pc)).toEqual([7n, 0n])
    expect([...walkSync(decode(json("0x0080000000000000"))).frames].map((f) => f.pc)).toEqual([7n, 0xffff_ffff_ffff_ffffn])
  })
})

function word(value: bigint): Array<number> {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64LE(value)
  return [...bytes]
}
