/**
 * makeSymbolizer on hand-made images (as a minidump or a core would give
 * them) and real ELF files: matching, load bias, the pc - 1 rule, offsets.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import { readCore } from "../../src/core/Core.js"
import type { Module } from "../../src/native/Image.js"
import { makeSymbolizer, symbolFilePaths } from "../../src/native/Symbolize.js"
import { fixture } from "../elf/fixtures.js"

const LIBT_ID = Uint8Array.from(Buffer.from("06c467882623167ef3ab83644a083da5ca69121c", "hex"))
const libt = { name: "/sym/libt.so", source: fromBytes(fixture("libt.so")) }
const stripped = { name: "libt.so", source: fromBytes(fixture("libt-stripped.so")) }
const BASE = 0x7f12_3400_0000n
const module = (extra: Partial<Module> = {}): Module => ({ base: BASE, size: 0x5000n, name: "/usr/lib/libt.so", buildId: LIBT_ID, fileOffset: 0n, ...extra })

describe("makeSymbolizer", () => {
  it("matches by build ID and names a pc by symbol and offset", () => {
    const s = makeSymbolizer({ modules: [module()] }, [libt])
    expect(s.matches).toEqual([{ file: "/sym/libt.so", module: "/usr/lib/libt.so", by: "build-id", bias: BASE }])
    expect(s.lookup(BASE + 0x10fdn, 0)).toEqual({ module: "/usr/lib/libt.so", symbol: "exported_fn", offset: 0n })
    expect(s.lookup(BASE + 0x10f9n + 3n, 0)).toEqual({ module: "/usr/lib/libt.so", symbol: "hidden_helper", offset: 3n })
  })

  it("looks up frames after the first at pc - 1, keeping the offset of pc", () => {
    const s = makeSymbolizer({ modules: [module()] }, [libt])
    // 0x1106 is other_fn's first byte and one past exported_fn's last.
    expect(s.lookup(BASE + 0x1106n, 0)).toMatchObject({ symbol: "other_fn", offset: 0n })
    expect(s.lookup(BASE + 0x1106n, 1)).toMatchObject({ symbol: "exported_fn", offset: 9n })
  })

  it("gives the offset from the module's base where no symbol covers the pc, and nothing outside every module", () => {
    const s = makeSymbolizer({ modules: [module()] }, [libt])
    expect(s.lookup(BASE + 0x3000n, 0)).toEqual({ module: "/usr/lib/libt.so", offset: 0x3000n })
    expect(s.lookup(BASE + 0x5000n, 0)).toEqual({})
    expect(s.lookup(BASE - 1n, 0)).toEqual({})
    expect(makeSymbolizer({ modules: [module()] }, []).lookup(BASE + 0x10fdn, 0)).toEqual({ module: "/usr/lib/libt.so", offset: 0x10fdn })
  })

  it("uses .dynsym when the file is stripped: exported functions only", () => {
    const s = makeSymbolizer({ modules: [module()] }, [stripped])
    expect(s.lookup(BASE + 0x10fdn, 0)).toMatchObject({ symbol: "exported_fn" })
    expect(s.lookup(BASE + 0x10fan, 0)).toEqual({ module: "/usr/lib/libt.so", offset: 0x10fan })
  })

  it("matches by file name when the module has no build ID", () => {
    const s = makeSymbolizer({ modules: [module({ buildId: undefined })] }, [stripped])
    expect(s.matches.map((m) => m.by)).toEqual(["name"])
    expect(s.lookup(BASE + 0x1106n, 0)).toMatchObject({ symbol: "other_fn" })
  })

  it("refuses a file of the module's name with another build ID, with a warning", () => {
    const other = Uint8Array.from(LIBT_ID, (b, i) => (i === 0 ? b ^ 1 : b))
    const s = makeSymbolizer({ modules: [module({ buildId: other })] }, [stripped])
    expect(s.matches).toEqual([])
    expect(s.warnings).toEqual([
      "libt.so: not used for /usr/lib/libt.so: build ID 06c467882623167ef3ab83644a083da5ca69121c differs from the mapping's 07c467882623167ef3ab83644a083da5ca69121c",
      "libt.so: matches no module of the image"
    ])
  })

  it("computes the load bias from the mapping's file offset", () => {
    // Only the text mapping (file offset 0x1000, vaddr 0x1000) is a module.
    const s = makeSymbolizer({ modules: [module({ base: BASE + 0x1000n, size: 0x1000n, fileOffset: 0x1000n })] }, [libt])
    expect(s.matches[0]?.bias).toBe(BASE)
    expect(s.lookup(BASE + 0x10fdn, 0)).toMatchObject({ symbol: "exported_fn", offset: 0n })
  })

  it("warns about a file that is not ELF and does not use it", () => {
    const s = makeSymbolizer({ modules: [module()] }, [{ name: "notes.txt", source: fromBytes(new TextEncoder().encode("hello")) }])
    expect(s.warnings).toEqual(["notes.txt: not used: ELF header: file is 0x5 bytes, shorter than the 64-byte ELF64 header"])
  })

  it("matches a PIE executable by AT_ENTRY and the core's segments when the core has no NT_FILE", () => {
    const core = readCore(fromBytes(fixture("x86_64.core")))
    if (Result.isFailure(core)) throw new Error(core.failure.message)
    const c = core.success
    const s = makeSymbolizer({ modules: [] }, [{ name: "prog", source: fromBytes(fixture("prog-x86_64")) }], c)
    expect(s.matches).toEqual([{ file: "prog", module: "prog", by: "load-address", bias: 0x555555554000n }])
    expect(s.lookup(0x55555555518cn, 1)).toMatchObject({ module: "prog", symbol: "level2" })
    // A wrong AT_ENTRY: no match.
    const wrong = makeSymbolizer({ modules: [] }, [{ name: "prog", source: fromBytes(fixture("prog-x86_64")) }], { segments: c.segments, auxv: { entry: 0x555555555064n } })
    expect(wrong.matches).toEqual([])
  })
})

describe("symbolFilePaths", () => {
  it("lists each absolute module path once, under the sysroot, without pseudo-files", () => {
    const modules = ["/usr/bin/prog", "/usr/lib/libc.so.6", "/usr/bin/prog", "[vdso]", "/dev/zero", "/memfd:jit (deleted)", "/tmp/gone (deleted)"].map((name, i) => module({ name, base: BigInt(i) << 20n }))
    expect(symbolFilePaths({ modules }, "/srv/root/")).toEqual([
      { module: "/usr/bin/prog", path: "/srv/root/usr/bin/prog" },
      { module: "/usr/lib/libc.so.6", path: "/srv/root/usr/lib/libc.so.6" }
    ])
    expect(symbolFilePaths({ modules }).map((p) => p.path)).toEqual(["/usr/bin/prog", "/usr/lib/libc.so.6"])
  })
})
