/**
 * Snapshot v2: the version picks the generation, each generation's fields
 * are required and another's refused, and the entry-FP and exit-trampoline
 * walks follow the spec's check order (snapshot-v2.md).
 */
import { describe, expect, it } from "vitest"
import type { ArchId } from "../src/Arch.js"
import { architectures, archIds } from "../src/arch/index.js"
import { generationOf } from "../src/Generation.js"
import { decodeSync, errorToJson, FORMAT_V2, resultToJson } from "../src/Snapshot.js"
import { toHex } from "../src/U64.js"
import { walkSync } from "../src/Walker.js"
import { StackImage } from "../properties/layout.js"
import { encode as encodeBase64 } from "../src/internal/base64.js"

const L = 0xaaaa_0000n

interface V2 {
  readonly wasmtime: string
  readonly arch?: ArchId
  readonly image?: StackImage
  readonly limits: Record<string, bigint | null>
  readonly states: ReadonlyArray<Record<string, bigint>>
  readonly trap?: { readonly pc: bigint; readonly fp: bigint }
  readonly options?: Record<string, unknown>
}

const hexAll = (record: Record<string, bigint | null>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === null ? null : toHex(v)]))

const json = (spec: V2): Record<string, unknown> => ({
  format: FORMAT_V2,
  wasmtime: spec.wasmtime,
  arch: spec.arch ?? "x86_64",
  ...(spec.options === undefined ? {} : { options: spec.options }),
  memory: (spec.image?.regions ?? []).map((r) => ({ address: toHex(r.address), base64: encodeBase64(r.bytes) })),
  limits: hexAll({ address: L, ...spec.limits }),
  states: spec.states.map(hexAll),
  ...(spec.trap === undefined ? {} : { trap: hexAll(spec.trap) })
})

const problem = (input: unknown): string => {
  const decoded = decodeSync(input)
  return decoded.ok ? "decoded" : decoded.error.message
}

const walked = (input: unknown) => {
  const decoded = decodeSync(input)
  if (!decoded.ok) throw new Error(decoded.error.message)
  return resultToJson(walkSync(decoded.snapshot))
}

const entryFpLimits = (fp: bigint, entryFp: bigint, pc = 0x1000n) => ({ lastWasmExitPc: pc, lastWasmExitFp: fp, lastWasmEntryFp: entryFp })
const entryFpState = (pc: bigint, fp: bigint, entryFp: bigint, limits = L) => ({
  limits,
  oldLastWasmExitPc: pc,
  oldLastWasmExitFp: fp,
  oldLastWasmEntryFp: entryFp
})
const host = entryFpState(0n, 0n, 0n)

/** Frames at 0x10100, 0x10200, …, each saving the next; the last saves `entryFp`. */
const chainImage = (arch: ArchId, count: number, entryFp: bigint, first = 0x10100n) => {
  const image = new StackImage(arch)
  image.region(0x10000n, 0x10000)
  const fps = Array.from({ length: count }, (_, i) => first + BigInt(i) * 0x100n)
  fps.forEach((fp, i) => image.frame(fp, fps[i + 1] ?? entryFp, 0x2000n + BigInt(i)))
  return { image, fps }
}

describe("the wasmtime version picks the generation", () => {
  it.each([
    ["0.0.0", "entry-sp"],
    ["26.0.1", "entry-sp"],
    ["27.0.0", "entry-fp"],
    ["36.0.2", "entry-fp"],
    ["37.0.0", "exit-trampoline"],
    ["49.0.0", "exit-trampoline"],
    ["123456789012345678901234567890.0.0", "exit-trampoline"]
  ])("%s is %s", (version, generation) => {
    expect(generationOf(version)?.id).toBe(generation)
  })

  it.each(["36", "36.0", "036.0.0", "36.00.1", "36.0.2-rc1", "v36.0.0", " 36.0.0", "36.0.0 ", "３６.0.0", ""])(
    "rejects %j as a version, showing it",
    (version) => {
      expect(problem(json({ wasmtime: version, limits: entryFpLimits(0n, 0n, 0n), states: [] }))).toBe(
        `wasmtime: not a wasmtime version MAJOR.MINOR.PATCH (got ${JSON.stringify(version)})`
      )
    }
  )

  it("requires the version in v2", () => {
    const input = json({ wasmtime: "36.0.2", limits: entryFpLimits(0n, 0n, 0n), states: [] })
    delete input["wasmtime"]
    expect(problem(input)).toBe("wasmtime: missing")
  })
})

describe("each generation's own fields", () => {
  it("requires the generation's fields, naming them", () => {
    expect(problem(json({ wasmtime: "36.0.2", limits: { lastWasmExitPc: 0n, lastWasmExitFp: 0n }, states: [] }))).toBe(
      "limits.lastWasmEntryFp: missing"
    )
    expect(problem(json({
      wasmtime: "49.0.0",
      limits: { lastWasmExitPc: 0n, lastWasmExitTrampolineFp: 0n, lastWasmEntryFp: 0n },
      states: [{ limits: L, oldLastWasmExitPc: 0n, oldLastWasmEntryFp: 0n }]
    }))).toBe("states[0].oldLastWasmExitTrampolineFp: missing")
  })

  it("refuses another generation's field on its own object, whatever its value, null included", () => {
    for (const value of [0n, null]) {
      expect(problem(json({ wasmtime: "36.0.2", limits: { ...entryFpLimits(0n, 0n, 0n), lastWasmEntrySp: value }, states: [] })))
        .toBe("limits.lastWasmEntrySp: not a field of the entry-fp generation (wasmtime 27 to 36)")
    }
    expect(problem(json({
      wasmtime: "49.0.0",
      limits: { lastWasmExitPc: 0n, lastWasmExitTrampolineFp: 0n, lastWasmEntryFp: 0n, lastWasmExitFp: 0n },
      states: []
    }))).toBe("limits.lastWasmExitFp: not a field of the exit-trampoline generation (wasmtime 37 and later)")
    expect(problem(json({
      wasmtime: "20.0.0",
      limits: { lastWasmExitPc: 0n, lastWasmExitFp: 0n, lastWasmEntrySp: 0n },
      states: [{ limits: L, oldLastWasmExitPc: 0n, oldLastWasmExitFp: 0n, oldLastWasmEntrySp: 0n, oldLastWasmEntryFp: 0n }]
    }))).toBe("states[0].oldLastWasmEntryFp: not a field of the entry-sp generation (wasmtime 0 to 26)")
  })

  it("ignores a state's field inside limits (an unknown key there)", () => {
    expect(problem(json({ wasmtime: "36.0.2", limits: { ...entryFpLimits(0n, 0n, 0n), oldLastWasmEntrySp: 1n }, states: [] })))
      .toBe("decoded")
  })

  it("an entry-sp v2 snapshot walks exactly as the same v1 snapshot", () => {
    const { fps, image } = chainImage("x86_64", 3, 0x10400n)
    const limits = { lastWasmExitPc: 0x1000n, lastWasmExitFp: fps[0]!, lastWasmEntrySp: 0x103f0n }
    const states = [{ limits: L, oldLastWasmExitPc: 0n, oldLastWasmExitFp: 0n, oldLastWasmEntrySp: 0n }]
    const v2 = json({ wasmtime: "26.0.0", image, limits, states })
    const v1 = { ...v2, format: "fpwalk.snapshot.v1" }
    delete (v1 as Record<string, unknown>)["wasmtime"]
    expect(walked(v2)).toEqual(walked(v1))
    expect(walked(v2)).toMatchObject({ ok: true, frames: fps.map((fp) => ({ fp: toHex(fp), activation: 0 })) })
  })
})

describe.each(archIds)("the entry-fp walk on %s", (arch) => {
  const align = BigInt(architectures[arch].fpAlignment)

  it("stops when the FP equals the entry FP, before emitting it", () => {
    const { fps, image } = chainImage(arch, 3, 0x10400n)
    const result = walked(json({ wasmtime: "36.0.2", arch, image, limits: entryFpLimits(fps[0]!, 0x10400n), states: [host] }))
    expect(result).toEqual({
      ok: true,
      frames: fps.map((fp, i) => ({ pc: toHex(i === 0 ? 0x1000n : 0x2000n + BigInt(i - 1)), fp: toHex(fp), activation: 0 }))
    })
  })

  it("allows an activation with no frames (exit FP = entry FP) and walks on", () => {
    const { fps, image } = chainImage(arch, 2, 0x10800n, 0x10600n)
    const result = walked(json({
      wasmtime: "30.0.0",
      arch,
      image,
      limits: entryFpLimits(0x10300n, 0x10300n),
      states: [entryFpState(0x3000n, fps[0]!, 0x10800n), host]
    }))
    expect(result).toMatchObject({ ok: true, frames: fps.map((fp) => ({ fp: toHex(fp), activation: 1 })) })
  })

  it("4a: FpAboveEntryFp, with the fields the spec names", () => {
    const { image } = chainImage(arch, 1, 0x10400n)
    const fp = 0x10200n + align
    const result = walked(json({ wasmtime: "36.0.2", arch, image, limits: entryFpLimits(fp, 0x10200n), states: [host] }))
    expect(result).toEqual({ ok: false, frames: [], error: { _tag: "FpAboveEntryFp", activation: 0, fp: toHex(fp), entryFp: "0x10200" } })
  })

  it("a saved FP that jumps over the entry FP is FpAboveEntryFp at the next frame", () => {
    const { fps, image } = chainImage(arch, 2, 0x10800n)
    const result = walked(json({ wasmtime: "36.0.2", arch, image, limits: entryFpLimits(fps[0]!, 0x10180n), states: [host] }))
    expect(result).toMatchObject({ ok: false, frames: [{ fp: toHex(fps[0]!) }], error: { _tag: "FpAboveEntryFp", fp: toHex(fps[1]!) } })
  })

  it("2: NullEntryFp after NullFramePointer, and InconsistentActivation carries entryFp", () => {
    const { image } = chainImage(arch, 1, 0x10400n)
    const run = (limits: Record<string, bigint>) => walked(json({ wasmtime: "36.0.2", arch, image, limits, states: [host] }))
    expect(run(entryFpLimits(0n, 0n)).ok || run(entryFpLimits(0n, 0n))).toMatchObject({ error: { _tag: "NullFramePointer", activation: 0 } })
    expect(run(entryFpLimits(0x10100n, 0n))).toEqual({ ok: false, frames: [], error: { _tag: "NullEntryFp", activation: 0 } })
    expect(run(entryFpLimits(0n, 0x10400n, 0n))).toEqual({
      ok: false,
      frames: [],
      error: { _tag: "InconsistentActivation", activation: 0, pc: "0x0", fp: "0x0", entryFp: "0x10400" }
    })
  })

  it("does not check the entry FP's alignment", () => {
    const { fps, image } = chainImage(arch, 1, 0x10204n)
    const result = walked(json({ wasmtime: "36.0.2", arch, image, limits: entryFpLimits(fps[0]!, 0x10204n), states: [host] }))
    // No MisalignedEntrySp: the walk reaches the misaligned entry FP and stops there.
    expect(result).toEqual({ ok: true, frames: [{ pc: "0x1000", fp: toHex(fps[0]!), activation: 0 }] })
  })
})

describe.each(archIds)("the exit-trampoline walk on %s", (arch) => {
  const t = 0x10080n
  const limits = (entryFp: bigint, exit = t) => ({ lastWasmExitPc: 0x1000n, lastWasmExitTrampolineFp: exit, lastWasmEntryFp: entryFp })
  const host49 = { limits: L, oldLastWasmExitPc: 0n, oldLastWasmExitTrampolineFp: 0n, oldLastWasmEntryFp: 0n }

  it("reads the Wasm exit FP from the word at the exit trampoline's FP", () => {
    const { fps, image } = chainImage(arch, 2, 0x10300n)
    image.writeWord(t, fps[0]!)
    const result = walked(json({ wasmtime: "49.0.0", arch, image, limits: limits(0x10300n), states: [host49] }))
    expect(result).toMatchObject({ ok: true, frames: fps.map((fp) => ({ fp: toHex(fp), activation: 0 })) })
    expect(result.frames[0]).toEqual({ pc: "0x1000", fp: toHex(fps[0]!), activation: 0 })
  })

  it("takes a trap's FP as Wasm's own (the trampoline FP is required but not read)", () => {
    const { fps, image } = chainImage(arch, 2, 0x10300n)
    const result = walked(json({
      wasmtime: "49.0.0",
      arch,
      image,
      limits: limits(0x10300n, 0x1n),
      states: [host49],
      trap: { pc: 0x1234n, fp: fps[0]! }
    }))
    expect(result).toMatchObject({ ok: true, frames: [{ pc: "0x1234", fp: toHex(fps[0]!) }, { fp: toHex(fps[1]!) }] })
  })

  it("3: UnmappedRead at t (fp = t) and NullFramePointer when the word at t is 0", () => {
    const { image } = chainImage(arch, 1, 0x10300n)
    const unmapped = walked(json({ wasmtime: "49.0.0", arch, image, limits: limits(0x10300n, 0x20008n), states: [host49] }))
    expect(unmapped).toEqual({
      ok: false,
      frames: [],
      error: { _tag: "UnmappedRead", activation: 0, fp: "0x20008", address: "0x20008" }
    })
    const decoded = decodeSync(json({ wasmtime: "49.0.0", arch, image, limits: limits(0x10300n, 0x20008n), states: [host49] }))
    const error = decoded.ok ? walkSync(decoded.snapshot) : undefined
    expect(error?.ok === false ? error.error : undefined).toMatchObject({ _tag: "UnmappedRead", slot: "exit FP" })
    const zero = walked(json({ wasmtime: "49.0.0", arch, image, limits: limits(0x10300n, 0x10008n), states: [host49] }))
    expect(zero).toEqual({ ok: false, frames: [], error: { _tag: "NullFramePointer", activation: 0 } })
  })

  it("reads nothing for a PC-0 state", () => {
    const { image } = chainImage(arch, 1, 0x10300n)
    const result = walked(json({
      wasmtime: "49.0.0",
      arch,
      image,
      limits: { lastWasmExitPc: 0n, lastWasmExitTrampolineFp: 0n, lastWasmEntryFp: 0n },
      states: [host49]
    }))
    expect(result).toEqual({ ok: true, frames: [] })
  })
})

describe("errors added by v2", () => {
  it("are one sentence each, naming their values", () => {
    const { image } = chainImage("x86_64", 1, 0x10400n)
    const decoded = decodeSync(json({ wasmtime: "36.0.2", image, limits: entryFpLimits(0x10300n, 0x10200n), states: [host] }))
    if (!decoded.ok) return expect.fail(decoded.error.message)
    const result = walkSync(decoded.snapshot)
    expect(result.ok || result.error.message).toBe("frame 0 in activation 0 has FP 0x10300, above the entry FP 0x10200")
    expect(result.ok || errorToJson(result.error)).toEqual({ _tag: "FpAboveEntryFp", activation: 0, fp: "0x10300", entryFp: "0x10200" })
  })
})
