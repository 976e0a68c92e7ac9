/**
 * The native entry point: detection by content, the input errors of inputs
 * that are neither format, and the --json line's shape.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { fromBytes } from "../../src/ByteSource.js"
import { isElf, kindOf, nativeToJson, walkNativeSync } from "../../src/native/Report.js"

const cores = fileURLToPath(new URL("../fixtures/cores/", import.meta.url))
const shared = fileURLToPath(new URL("../../../shared/minidumps/", import.meta.url))
const gunzip = (path: string) => new Uint8Array(gunzipSync(readFileSync(path)))
const bytes = (...b: ReadonlyArray<number>) => fromBytes(Uint8Array.from(b))

describe("detection by content", () => {
  it("tells a minidump, a core of either byte order, an ELF that is no core, and anything else", () => {
    expect(kindOf(bytes(0x4d, 0x44, 0x4d, 0x50, 0x93, 0xa7))).toBe("minidump")
    const elf = (order: number, type: readonly [number, number]) =>
      bytes(0x7f, 0x45, 0x4c, 0x46, 2, order, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...type)
    expect(kindOf(elf(1, [4, 0]))).toBe("core")
    expect(kindOf(elf(2, [0, 4]))).toBe("core")
    expect(kindOf(elf(1, [3, 0]))).toBeUndefined()
    expect(isElf(elf(1, [3, 0]))).toBe(true)
    expect(kindOf(bytes(0x7b, 0x22))).toBeUndefined()
    expect(isElf(bytes(0x7b, 0x22))).toBe(false)
    expect(kindOf(bytes())).toBeUndefined()
  })

  it("answers an input error, never an exception, for what it cannot walk", () => {
    const notCore = walkNativeSync(bytes(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0))
    expect(!notCore.ok && notCore.error.message).toBe(
      "an ELF file, but not a core file (give executables and libraries with --symbols)"
    )
    const json = walkNativeSync(bytes(0x7b, 0x7d))
    expect(!json.ok && json.error.message).toBe("neither an ELF core file nor a minidump")
    const cut = walkNativeSync(bytes(0x4d, 0x44, 0x4d, 0x50, 0x93, 0xa7))
    expect(!cut.ok && cut.error._tag).toBe("InputError")
  })
})

describe("the --json line", () => {
  it("has the issue's shape for a minidump: file, kind, arch, threads with frames named by module and offset", () => {
    const report = walkNativeSync(fromBytes(new Uint8Array(readFileSync(`${shared}breakpad-linux_raise_sigabrt.dmp`))))
    if (!report.ok) return expect.fail(report.error.message)
    const json = nativeToJson(report.report, "dump.dmp")
    expect(Object.keys(json)).toEqual(["file", "kind", "arch", "threads"])
    expect(json).toMatchObject({ file: "dump.dmp", kind: "minidump", arch: "x86_64" })
    const crashed = json.threads.filter((t) => t.crashed)
    expect(crashed).toHaveLength(1)
    for (const thread of json.threads) {
      expect(Object.keys(thread)).toEqual(thread.ok ? ["thread", "crashed", "ok", "frames"] : ["thread", "crashed", "ok", "error", "frames"])
      for (const frame of thread.frames) {
        expect(frame.pc).toMatch(/^0x[0-9a-f]+$/)
        if (frame.module !== undefined) expect(frame.offset).toMatch(/^0x[0-9a-f]+$/)
      }
    }
    expect(json.threads.some((t) => t.frames.some((f) => f.module !== undefined))).toBe(true)
  })

  it("names a core's frames from the files NT_FILE names, found under the sysroot", () => {
    const core = fromBytes(gunzip(`${cores}x86_64-pie-deep5.core.gz`))
    const binary = fromBytes(gunzip(`${cores}crashprog-x86_64-pie.gz`))
    const asked: Array<string> = []
    const report = walkNativeSync(core, {
      sysroot: "/sysroot",
      openFile: (path) => {
        asked.push(path)
        return path.endsWith("/crashprog-x86_64-pie") ? binary : undefined
      }
    })
    if (!report.ok) return expect.fail(report.error.message)
    expect(asked.every((path) => path.startsWith("/sysroot/"))).toBe(true)
    const frames = nativeToJson(report.report).threads[0]!.frames
    expect(frames.map((f) => f.symbol).slice(0, 5)).toEqual(["crash_here", "step_c", "step_b", "step_a", "main"])
  })
})
