import { describe, expect, it } from "vitest"
import { pcFromStack, pcMask } from "../../src/Arch.js"
import { architectures, archIds, isArchId } from "../../src/arch/index.js"

// The spec's architecture table, row by row.
const table = [
  ["x86_64", true, 8, 16, 16, ">="],
  ["aarch64", true, 8, 16, 8, ">="],
  ["s390x", false, 112, 8, 8, ">"],
  ["riscv64", true, 8, 16, 16, ">="]
] as const

describe("architecture table", () => {
  it.each(table)("%s matches the spec", (id, littleEndian, pcOffset, entrySpAlignment, fpAlignment, stop) => {
    const arch = architectures[id]
    expect(arch).toMatchObject({ id, littleEndian, record: { pcOffset, nextFpOffset: 0 }, entrySpAlignment, fpAlignment, stopWhenNextFp: stop })
  })

  it("gives each architecture its C ABI's frame record (riscv64's psABI record below s0, s390x's return address in the caller's save area)", () => {
    expect(Object.fromEntries(archIds.map((id) => [id, architectures[id].nativeRecord]))).toEqual({
      x86_64: { pcOffset: 8, nextFpOffset: 0 },
      aarch64: { pcOffset: 8, nextFpOffset: 0 },
      s390x: { pcOffset: 112, nextFpOffset: 0, pcFromNextFp: true },
      riscv64: { pcOffset: -8, nextFpOffset: -16 }
    })
  })

  it("lists exactly the four, in the spec's order", () => {
    expect(archIds).toEqual(table.map((row) => row[0]))
    expect(isArchId("x86_64")).toBe(true)
    expect(isArchId("toString")).toBe(false)
    expect(isArchId("mips")).toBe(false)
  })

  it("leaves PCs read from the stack alone except on aarch64", () => {
    for (const id of archIds) {
      const stripped = pcFromStack(architectures[id], 0x0012_0000_0040_1000n, { aarch64VaBits: 48 })
      expect(stripped).toBe(id === "aarch64" ? 0x0000_0000_0040_1000n : 0x0012_0000_0040_1000n)
      if (id !== "aarch64") expect(pcMask(architectures[id], { aarch64VaBits: 20 }).sign).toBe(0)
    }
  })
})
