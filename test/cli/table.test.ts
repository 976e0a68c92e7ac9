import { describe, expect, it } from "vitest"
import { renderTable } from "../../src/cli/table.js"
import { view } from "./views.js"

describe("the table", () => {
  it("prints a million frames as chunks of bounded size, never one huge string", () => {
    let lines = 0
    let largest = 0
    let chunks = 0
    for (const chunk of renderTable(view({ frames: 1_000_000 }))) {
      chunks++
      largest = Math.max(largest, chunk.length)
      for (let at = chunk.indexOf("\n"); at !== -1; at = chunk.indexOf("\n", at + 1)) lines++
    }
    expect(lines).toBe(1_000_002)
    expect(chunks).toBeGreaterThan(100)
    expect(largest).toBeLessThan(256 * 1024)
  })

  it("marks frame 0 as the trap only when the snapshot has a trap, and starts each activation on its own line", () => {
    const withTrap = [...renderTable(view({ frames: 4, trap: true, activationOf: (i) => (i < 2 ? 0 : 1) }))].join("")
    expect(withTrap.split("\n")).toEqual([
      "test.json: x86_64, valid stack, 4 frames in 2 activations",
      "activation 0 (entry SP 0x7f0000000040)",
      "  #0  pc 0x400000  fp 0x7f0000000000  <- trap",
      "  #1  pc 0x400001  fp 0x7f0000000010",
      "activation 1 (entry SP 0x7f0000000040)",
      "  #2  pc 0x400002  fp 0x7f0000000020",
      "  #3  pc 0x400003  fp 0x7f0000000030",
      ""
    ])
    expect([...renderTable(view({ frames: 2 }))].join("")).not.toContain("trap")
  })

  it("-n keeps the summary and the error of the whole walk", () => {
    const error = { tag: "NonMonotonicFp", message: "frame 9 went down", frame: 10, fp: 0x7f00_0000_0090n }
    const text = [...renderTable(view({ frames: 10, error }), { limit: 1 })].join("")
    expect(text.split("\n")).toEqual([
      "test.json: x86_64, invalid stack (NonMonotonicFp) after 10 frames in 1 activation",
      "activation 0 (entry SP 0x7f00000000a0)",
      "  #0  pc 0x400000  fp 0x7f0000000000",
      "  (9 more frames; -n 10 shows all)",
      "error: frame 9 went down.",
      ""
    ])
  })

  it("colours only when asked", () => {
    expect([...renderTable(view({ frames: 2, trap: true }), { color: true })].join("")).toContain("\u001b[33m<- trap\u001b[39m")
    expect([...renderTable(view({ frames: 2, trap: true }))].join("")).not.toContain("\u001b")
  })
})
