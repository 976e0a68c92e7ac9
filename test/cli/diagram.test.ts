import { describe, expect, it } from "vitest"
import { layout, renderDiagram } from "../../src/cli/diagram.js"
import { wantsColor } from "../../src/cli/io.js"
import { FIRST, view } from "./views.js"

const text = (v: Parameters<typeof renderDiagram>[0], color = false) => [...renderDiagram(v, { color })].join("")

describe("the diagram", () => {
  it("draws the chain of saved FPs in address order, with the first FP and the entry SP", () => {
    expect(text(view({ frames: 3, trap: true })).split("\n")).toEqual([
      "test.json: x86_64, valid stack, 3 frames in 1 activation",
      "memory, lowest address first; a frame record is the saved FP and PC at its FP",
      "region 0x7f0000000000..0x7f0000000040 (64 bytes)",
      "  0x7f0000000000  ┌─ #0  [saved FP 0x7f0000000010 | saved PC 0x400001]  <- trap FP of activation 0 (trap PC 0x400000)",
      "  0x7f0000000010  ├▶ #1  [saved FP 0x7f0000000020 | saved PC 0x400002]",
      "  0x7f0000000020  └▶ #2  [saved FP 0x7f0000000030 | saved PC 0x400003]  -> 0x7f0000000030: host frame, activation 0 ends",
      "  0x7f0000000030     ── entry SP of activation 0",
      ""
    ])
  })

  it("keeps a huge stack to a few rows: both ends and the failing frame, the middle counted", () => {
    const error = { tag: "UnmappedRead", message: "frame 999999 read past the memory", frame: 1_000_000, fp: FIRST + 16n * 999_999n }
    const drawn = text(view({ frames: 1_000_000, error }))
    expect(drawn.split("\n").length).toBeLessThan(30)
    expect(drawn).toContain("│  ⋮  999,984 frames not drawn (#8 to #999,991)")
    expect(drawn).toContain("  └▶ #999999  [")
    expect(drawn).toContain("      x frame 999999 read past the memory.")
    const rows = layout(view({ frames: 1_000_000, error })).rows
    expect(rows.filter(({ row }) => row.kind === "frame")).toHaveLength(16)
  })

  it("marks an FP that never became a frame, and an error with no FP at the end", () => {
    const above = { tag: "FpAboveEntrySp", message: "FP 0x7f0000000100 is above the entry SP", frame: 2, fp: FIRST + 0x100n, activation: 1 }
    const drawn = text(view({ frames: 2, error: above, activations: 2 }))
    expect(drawn).toContain("x FP 0x7f0000000100 is not a frame: FP 0x7f0000000100 is above the entry SP.")
    // Its activation has no frame drawn, but its entry SP is.
    expect(drawn).toContain("── entry SP of activation 1")
    const limit = { tag: "FrameLimitExceeded", message: "more than 2 frames", frame: 2 }
    expect(text(view({ frames: 2, error: limit })).trimEnd().split("\n").at(-1)).toBe("x more than 2 frames.")
  })

  it("counts regions with no frame instead of listing them", () => {
    const regions = Array.from({ length: 10_000 }, (_, i) => ({ address: 0x1000_0000n + 0x1000n * BigInt(i), length: 16 }))
    const drawn = text(view({ frames: 2, regions: [...regions, { address: FIRST, length: 64 }] }))
    expect(drawn).toContain("(10,000 regions with no frame)")
    expect(drawn.split("\n").length).toBeLessThan(12)
  })

  it("colours on a terminal unless NO_COLOR is set, never when piped", () => {
    expect(text(view({ frames: 2, trap: true }), true)).toContain("\u001b[")
    expect(text(view({ frames: 2, trap: true }))).not.toContain("\u001b[")
    expect([wantsColor(true, {}), wantsColor(true, { NO_COLOR: "1" }), wantsColor(true, { NO_COLOR: "" }), wantsColor(false, {})]).toEqual([
      true,
      false,
      true,
      false
    ])
  })
})
