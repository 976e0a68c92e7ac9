import { describe, expect, it } from "vitest"
import { highVerbatim, reachedEntrySp } from "../../src/Arch.js"
import { architectures, archIds, isArchId } from "../../src/arch/index.js"

// The spec's architecture table, row by row.
const table = [
  ["x86_64", true, 8n, 16n, 16n, ">="],
  ["aarch64", true, 8n, 16n, 8n, ">="],
  ["s390x", false, 112n, 8n, 8n, ">"],
  ["riscv64", true, 8n, 16n, 16n, ">="]
] as const

describe("architecture table", () => {
  it.each(table)("%s matches the spec", (id, littleEndian, pcOffset, entrySpAlignment, fpAlignment, stop) => {
    const arch = architectures[id]
    expect(arch).toMatchObject({ id, littleEndian, pcOffset, nextFpOffset: 0n, entrySpAlignment, fpAlignment, stopWhenNextFp: stop })
    expect(reachedEntrySp(arch, 0x100n, 0x100n)).toBe(stop === ">=")
    expect(reachedEntrySp(arch, 0x108n, 0x100n)).toBe(true)
    expect(reachedEntrySp(arch, 0xf8n, 0x100n)).toBe(false)
  })

  it("lists exactly the four, in the spec's order", () => {
    expect(archIds).toEqual(table.map((row) => row[0]))
    expect(isArchId("x86_64")).toBe(true)
    expect(isArchId("toString")).toBe(false)
    expect(isArchId("mips")).toBe(false)
  })

  it("leaves PCs read from the stack alone except on aarch64", () => {
    for (const id of archIds) {
      const stripped = architectures[id].pcFromStack(0x0012_0000_0040_1000n, { aarch64VaBits: 48 })
      expect(stripped).toBe(id === "aarch64" ? 0x0000_0000_0040_1000n : 0x0012_0000_0040_1000n)
      if (id !== "aarch64") expect(architectures[id].pcHighMasks({ aarch64VaBits: 48 })).toEqual(highVerbatim())
    }
  })
})
