/**
 * The activations of a snapshot listed at once (src/Activation.ts
 * `activations`, for renderers), as the walk takes them one at a time.
 */
import { describe, expect, it } from "vitest"
import { activations } from "../src/Activation.js"
import { build, chain, hostEntry, state } from "./support/build.js"

const L = 0xaaaa_0000n

describe("activations", () => {
  it("lists the limits' activation, then one per state up to the host's entry", () => {
    const newer = chain(0x10100n, 2)
    const older = chain(0x14100n, 3)
    const snapshot = build({
      arch: "x86_64",
      records: [...newer.records, ...older.records],
      limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
      states: [state(L, 0x2000n, older.fps[0]!, older.sp), hostEntry(L)]
    })
    expect(activations(snapshot).map(({ entry, fp, index, pc }) => ({ index, pc, fp, entry }))).toEqual([
      { index: 0, pc: 0x1000n, fp: newer.fps[0]!, entry: newer.sp },
      { index: 1, pc: 0x2000n, fp: older.fps[0]!, entry: older.sp },
      { index: 2, pc: 0n, fp: 0n, entry: 0n }
    ])
  })
})
