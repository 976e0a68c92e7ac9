import { describe, expect, it } from "vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { ArchId } from "../src/Arch.js"
import { architectures, archIds } from "../src/arch/index.js"
import { errorToJson } from "../src/Snapshot.js"
import * as Walker from "../src/Walker.js"
import { traceSync, visitSync, walkSync } from "../src/Walker.js"
import type { Frame, FrameTable } from "../src/FrameTable.js"
import type { InputError } from "../src/InputError.js"
import type { WalkError } from "../src/WalkError.js"
import { refHalves } from "./reference/walker.js"
import type { Build } from "./support/build.js"
import { build, chain, hostEntry, pcsFrom, state } from "./support/build.js"

const L = 0xaaaa_0000n
const OTHER = 0xbbbb_0000n

const frames = (c: ReturnType<typeof chain>, exitPc: bigint, activation = 0) =>
  c.fps.map((fp, i) => ({ pc: i === 0 ? exitPc : c.pcs[i]!, fp, activation }))

// A walk's result with its frame table read out as an array.
const walkAll = (snapshot: Parameters<typeof walkSync>[0]): WalkResultRows => {
  const result = walkSync(snapshot)
  return { ...result, frames: [...result.frames] }
}
type WalkResultRows =
  | { readonly ok: true; readonly frames: Array<Frame> }
  | { readonly ok: false; readonly error: WalkError | InputError; readonly frames: Array<Frame> }
const rows = (table: FrameTable): Array<Frame> => [...table]

/** One activation of `n` frames, entered from the host. */
const single = (arch: ArchId, n = 3, extra: Partial<Build> = {}): Build => {
  const c = chain(0x10100n, n)
  return {
    arch,
    records: c.records,
    limits: { address: L, pc: c.pcs[0]!, fp: c.fps[0]!, sp: c.sp },
    states: [hostEntry(L)],
    ...extra
  }
}

const errorOf = (result: { readonly ok: boolean; readonly error?: unknown }) => {
  if (result.ok) throw new Error("expected the walk to fail")
  return result.error
}

const tagOf = (spec: Build) => {
  const result = walkAll(build(spec))
  return result.ok ? "ok" : result.error._tag
}

describe.each(archIds)("walk on %s", (arch) => {
  const a = architectures[arch]

  it("walks one activation from the limits' exit PC/FP to the entry SP", () => {
    const c = chain(0x10100n, 4)
    const result = walkAll(build(single(arch, 4)))
    expect(result).toEqual({ ok: true, frames: frames(c, 0x1000n) })
  })

  it("walks several activations, skipping states of other limits, and stops at the host entry", () => {
    const newer = chain(0x10100n, 2, pcsFrom(0x1000n))
    const older = chain(0x10800n, 3, pcsFrom(0x2000n))
    const result = walkAll(build({
      arch,
      records: [...newer.records, ...older.records],
      limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
      states: [
        state(L, 0x2000n, older.fps[0]!, older.sp),
        state(OTHER, 0x3000n, 0x10f00n, 0x10ff0n),
        hostEntry(L),
        // Never looked at: the chain ended at the host entry above.
        state(L, 0x4000n, 0x123n, 0x8n)
      ]
    }))
    expect(result).toEqual({ ok: true, frames: [...frames(newer, 0x1000n), ...frames(older, 0x2000n, 1)] })
  })

  it("starts a trap walk at the trap's PC and FP, not the limits' stale exit", () => {
    const c = chain(0x10100n, 3)
    const result = walkAll(build(single(arch, 3, {
      limits: { address: L, pc: 0xdeadn, fp: 0x10000n, sp: c.sp },
      trap: { pc: 0x1004n, fp: c.fps[1]! }
    })))
    expect(result).toEqual({ ok: true, frames: [{ pc: 0x1004n, fp: c.fps[1]!, activation: 0 }, { pc: c.pcs[2]!, fp: c.fps[2]!, activation: 0 }] })
  })

  it("yields no frames when there are no states, whatever the limits say", () => {
    expect(walkAll(build({ arch, limits: { address: L, pc: 1n, fp: 3n, sp: 5n }, states: [] }))).toEqual({
      ok: true,
      frames: []
    })
  })

  it("ends successfully at an activation with PC, FP and SP 0", () => {
    expect(walkAll(build({ arch, limits: { address: L, pc: 0n, fp: 0n, sp: 0n }, states: [state(L, 0x1n, 0x2n, 0x3n)] })))
      .toEqual({ ok: true, frames: [] })
  })

  it(`stops when the saved FP ${a.stopWhenNextFp === ">=" ? "reaches" : "passes"} the entry SP`, () => {
    // The oldest frame saved exactly the entry SP.
    const c = chain(0x10100n, 2)
    const spec = single(arch, 2, { limits: { address: L, pc: 0x1000n, fp: c.fps[0]!, sp: c.sp + 0x10n } })
    const result = walkAll(build(spec))
    if (a.stopWhenNextFp === ">=") {
      expect(result).toEqual({ ok: true, frames: frames(c, 0x1000n) })
    } else {
      // s390x: equal is not past; the trampoline's frame (zeroed memory here) is walked as Wasm.
      expect(result.ok).toBe(false)
      expect(result.frames).toHaveLength(3)
    }
  })

  describe("check order", () => {
    it("0: MismatchedLimits when a trap's innermost state belongs to other limits", () => {
      const result = walkAll(build(single(arch, 2, { states: [state(OTHER, 0n, 0n, 0n)], trap: { pc: 1n, fp: 0x10100n } })))
      expect(result.ok || errorToJson(result.error)).toEqual({ _tag: "MismatchedLimits", limits: "0xaaaa0000", stateLimits: "0xbbbb0000" })
      expect(result.frames).toEqual([])
    })

    it("0: MismatchedLimits without stateLimits when a trap comes with no states", () => {
      const result = walkAll(build(single(arch, 2, { states: [], trap: { pc: 1n, fp: 0x10100n } })))
      expect(result.ok || errorToJson(result.error)).toEqual({ _tag: "MismatchedLimits", limits: "0xaaaa0000" })
    })

    it("1: InconsistentActivation when PC is 0 but FP or SP is not, after the earlier activations' frames", () => {
      const c = chain(0x10100n, 2)
      const base = single(arch, 2)
      for (const [fp, sp] of [[0x10n, 0n], [0n, 0x10n]] as const) {
        const result = walkAll(build({ ...base, states: [state(L, 0n, fp, sp)] }))
        expect(result.frames).toEqual(frames(c, 0x1000n))
        expect(result.ok || errorToJson(result.error)).toEqual({
          _tag: "InconsistentActivation",
          activation: 1,
          pc: "0x0",
          fp: `0x${fp.toString(16)}`,
          sp: `0x${sp.toString(16)}`
        })
      }
    })

    it("2: NullFramePointer before NullEntrySp", () => {
      expect(tagOf(single(arch, 1, { limits: { address: L, pc: 1n, fp: 0n, sp: 0n } }))).toBe("NullFramePointer")
      expect(tagOf(single(arch, 1, { limits: { address: L, pc: 1n, fp: 0x10100n, sp: 0n } }))).toBe("NullEntrySp")
    })

    it("3: MisalignedEntrySp, checked before any frame", () => {
      const sp = 0x10200n + BigInt(a.entrySpAlignment / 2)
      const result = walkAll(build(single(arch, 1, { limits: { address: L, pc: 1n, fp: 0x20000n, sp } })))
      expect(result.ok || errorToJson(result.error)).toEqual({
        _tag: "MisalignedEntrySp",
        activation: 0,
        entrySp: `0x${sp.toString(16)}`,
        alignment: Number(a.entrySpAlignment)
      })
    })

    it("4a: FpAboveEntrySp before MisalignedFp", () => {
      const result = walkAll(build(single(arch, 1, { limits: { address: L, pc: 1n, fp: 0x10301n, sp: 0x10200n } })))
      expect(result.ok || errorToJson(result.error)).toEqual({
        _tag: "FpAboveEntrySp",
        activation: 0,
        fp: "0x10301",
        entrySp: "0x10200"
      })
    })

    it("4b: MisalignedFp before FrameLimitExceeded", () => {
      const fp = 0x10100n + BigInt(a.fpAlignment / 2)
      const spec = single(arch, 1, { limits: { address: L, pc: 1n, fp, sp: 0x10200n }, options: { maxFrames: 0n } })
      const result = walkAll(build(spec))
      expect(result.ok || errorToJson(result.error)).toEqual({
        _tag: "MisalignedFp",
        activation: 0,
        fp: `0x${fp.toString(16)}`,
        alignment: Number(a.fpAlignment)
      })
    })

    it("4c: FrameLimitExceeded counts frames across activations, before reading anything", () => {
      const newer = chain(0x10100n, 2, pcsFrom(0x1000n))
      const older = chain(0x10800n, 3, pcsFrom(0x2000n))
      const spec: Build = {
        arch,
        records: [...newer.records, ...older.records],
        limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
        states: [state(L, 0x2000n, older.fps[0]!, older.sp)],
        options: { maxFrames: 3n }
      }
      const result = walkAll(build(spec))
      expect(result.ok || result.error).toMatchObject({ _tag: "FrameLimitExceeded", maxFrames: 3, frame: 3 })
      expect(result.frames).toEqual([...frames(newer, 0x1000n), frames(older, 0x2000n, 1)[0]])
      expect(tagOf({ ...spec, options: { maxFrames: 0n } })).toBe("FrameLimitExceeded")
      expect(tagOf({ ...spec, options: { maxFrames: 5n } })).toBe("ok")
    })

    it("4e: UnmappedRead of the saved PC comes before the saved FP, after the frame is emitted", () => {
      // The region holds the saved FP word but not the PC slot.
      const fp = 0x10100n
      const result = walkAll(build({
        ...single(arch, 1),
        regions: [[fp, Number(a.record.pcOffset)]],
        records: [],
        limits: { address: L, pc: 0x1000n, fp, sp: 0x10200n }
      }))
      expect(result.frames).toEqual([{ pc: 0x1000n, fp, activation: 0 }])
      expect(result.ok || errorToJson(result.error)).toEqual({
        _tag: "UnmappedRead",
        activation: 0,
        fp: "0x10100",
        address: `0x${(fp + BigInt(a.record.pcOffset)).toString(16)}`
      })
    })

    it("4f: UnmappedRead of the saved FP when only the PC slot is mapped", () => {
      const fp = 0x10100n
      const result = walkAll(build({
        ...single(arch, 1),
        regions: [[fp + BigInt(a.record.pcOffset), 8]],
        records: [],
        limits: { address: L, pc: 0x1000n, fp, sp: 0x10200n }
      }))
      expect(result.ok || errorToJson(result.error)).toEqual({ _tag: "UnmappedRead", activation: 0, fp: "0x10100", address: "0x10100" })
    })

    it("4f: a word straddling two adjacent regions is unmapped", () => {
      const fp = 0x10100n
      const result = walkAll(build({
        ...single(arch, 1),
        regions: [[0x10000n, 0x104], [0x10104n, 0x1000]],
        records: [],
        limits: { address: L, pc: 0x1000n, fp, sp: 0x10200n }
      }))
      expect(result.ok || errorToJson(result.error)).toEqual({ _tag: "UnmappedRead", activation: 0, fp: "0x10100", address: "0x10100" })
    })

    it("4h: NonMonotonicFp when a saved FP points back, keeping the frames before it", () => {
      const c = chain(0x10100n, 3)
      const result = walkAll(build(single(arch, 3, { words: [[c.fps[1]!, c.fps[1]!]] })))
      expect(result.frames).toEqual(frames(c, 0x1000n).slice(0, 2))
      // `frame` counts the frames emitted before the error: the prefix length.
      expect(result.ok || result.error).toMatchObject({ _tag: "NonMonotonicFp", activation: 0, fp: c.fps[1], nextFp: c.fps[1], frame: 2 })
    })

    it("a later activation's error keeps the frames of the earlier ones", () => {
      const newer = chain(0x10100n, 2)
      const result = walkAll(build({ ...single(arch, 2), states: [state(L, 0x2000n, 0x10800n, 0n)] }))
      expect(result.frames).toEqual(frames(newer, 0x1000n))
      expect(result.ok || result.error).toMatchObject({ _tag: "NullEntrySp", activation: 1, frame: 2 })
    })
  })

  describe("near 2^64", () => {
    const top = 0xffff_ffff_ffff_ff00n

    it("walks a frame at fp = 0xffff_ffff_ffff_fff0 or fails exactly as the spec says", () => {
      const fp = 0xffff_ffff_ffff_fff0n
      const spec: Build = {
        arch,
        regions: [[top, 0x100]],
        records: [],
        words: [[fp, 0xffff_ffff_ffff_fff8n]],
        limits: { address: L, pc: 0x1000n, fp, sp: 0xffff_ffff_ffff_fff0n },
        states: [hostEntry(L)]
      }
      const result = walkAll(build(spec))
      expect(result.frames).toEqual([{ pc: 0x1000n, fp, activation: 0 }])
      if (fp + BigInt(a.record.pcOffset) + 8n > 2n ** 64n) {
        // s390x: the PC slot at fp + 112 is past 2^64-1; the address is the unwrapped sum.
        expect(result.ok || errorToJson(result.error)).toEqual({
          _tag: "UnmappedRead",
          activation: 0,
          fp: "0xfffffffffffffff0",
          address: `0x${(fp + BigInt(a.record.pcOffset)).toString(16)}`
        })
      } else {
        expect(result).toEqual({ ok: true, frames: [{ pc: 0x1000n, fp, activation: 0 }] })
      }
    })

    it("reports an unwrapped address when the PC slot of the last word is past 2^64-1", () => {
      const fp = 0xffff_ffff_ffff_fff8n
      const spec: Build = {
        arch,
        regions: [[top, 0x100]],
        records: [],
        limits: { address: L, pc: 0x1000n, fp, sp: fp },
        states: [hostEntry(L)]
      }
      const result = walkAll(build(spec))
      if (a.entrySpAlignment > 8) {
        // No entry SP at or above this FP is aligned: the walk cannot get there.
        expect(result.ok || result.error._tag).toBe("MisalignedEntrySp")
      } else {
        expect(result.ok || errorToJson(result.error)).toEqual({
          _tag: "UnmappedRead",
          activation: 0,
          fp: "0xfffffffffffffff8",
          address: `0x${(fp + BigInt(a.record.pcOffset)).toString(16)}`
        })
      }
    })

    it("compares values above 2^53 exactly", () => {
      // Two FPs 16 bytes apart just above 2^60: equal as doubles, distinct as 64-bit values.
      const base = 0x1000_0000_0000_0000n
      const c = chain(base + 0x100n, 3)
      const spec: Build = {
        arch,
        regions: [[base, 0x1000]],
        records: c.records,
        limits: { address: L, pc: 0x1000n, fp: c.fps[0]!, sp: c.sp },
        states: [hostEntry(L)]
      }
      expect(walkAll(build(spec))).toEqual({ ok: true, frames: frames(c, 0x1000n) })
      const back = walkAll(build({ ...spec, words: [[c.fps[1]!, c.fps[1]! - 0x10n + BigInt(a.fpAlignment)]] }))
      expect(back.ok || back.error._tag).toBe("NonMonotonicFp")
    })
  })
})

describe("aarch64 pointer authentication", () => {
  const signed = 0x002a_0000_0040_1234n // PAC bits in [54:48], bit 55 clear
  const kernelLike = 0xff80_0000_0040_1234n // bit 55 set

  const spec = (pc: bigint, options?: Build["options"]): Build => ({
    arch: "aarch64",
    records: [[0x10100n, 0x10200n, pc], [0x10200n, 0x10300n, 0x55n]],
    limits: { address: L, pc: signed, fp: 0x10100n, sp: 0x102f0n },
    states: [hostEntry(L)],
    ...(options === undefined ? {} : { options })
  })

  it("strips PCs read from the stack but reports the exit PC as given", () => {
    expect(walkAll(build(spec(signed))).frames.map((f) => f.pc)).toEqual([signed, 0x0000_0000_0040_1234n])
  })

  it("fills the stripped bits with bit 55", () => {
    expect(walkAll(build(spec(0x7f80_0000_0040_1234n))).frames[1]!.pc).toBe(0xffff_0000_0040_1234n)
    expect(walkAll(build(spec(kernelLike))).frames[1]!.pc).toBe(0xffff_0000_0040_1234n)
  })

  it("honours aarch64VaBits (64 strips nothing)", () => {
    // Bits [63:52] cleared (bit 55 is 0); PAC bits 51 and 49 survive a 52-bit address space.
    expect(walkAll(build(spec(signed, { aarch64VaBits: 52 }))).frames[1]!.pc).toBe(0x000a_0000_0040_1234n)
    expect(walkAll(build(spec(0x0001_0000_0040_1234n, { aarch64VaBits: 52 }))).frames[1]!.pc).toBe(0x0001_0000_0040_1234n)
    expect(walkAll(build(spec(signed, { aarch64VaBits: 64 }))).frames[1]!.pc).toBe(signed)
  })

  it("strips PCs that lie below 2^53 too (a narrow address space)", () => {
    const narrow = build(spec(0x0001_1234n, { aarch64VaBits: 16 }))
    expect(walkAll(narrow).frames[1]!.pc).toBe(0x1234n)
    const pcs: Array<bigint> = []
    visitSync(narrow, (frame) => void pcs.push(frame.pc))
    expect(pcs[1]).toBe(0x1234n)
    expect(walkAll(build(spec(0x1234n, { aarch64VaBits: 16 }))).frames[1]!.pc).toBe(0x1234n)
  })

  it("does not strip on other architectures", () => {
    expect(walkAll(build({ ...spec(signed), arch: "x86_64", limits: { address: L, pc: 1n, fp: 0x10100n, sp: 0x102f0n } })).frames[1]!.pc).toBe(signed)
  })
})

describe("the APIs agree", () => {
  const valid = build(single("x86_64", 5))
  const broken = build(single("s390x", 5, { words: [[0x10300n, 0x10100n]] }))

  it("walk (Effect) succeeds with the plain API's frames", () => {
    expect(rows(Effect.runSync(Walker.walk(valid)).frames)).toEqual(walkAll(valid).frames)
  })

  it("walk (Effect) fails with a WalkFailure that keeps the error and the frames before it", () => {
    const exit = Effect.runSyncExit(Walker.walk(broken).pipe(Effect.mapError((f) => f._tag === "WalkFailure" ? { error: f.error, frames: rows(f.frames) } : f)))
    const plain = walkAll(broken)
    expect(exit).toEqual(Exit.fail({ error: errorOf(plain), frames: plain.frames }))
    const recovered = Effect.runSync(Walker.walk(broken).pipe(Effect.catchTag("WalkFailure", (f) => Effect.succeed(f.error._tag))))
    expect(recovered).toBe("NonMonotonicFp")
  })

  it("stream emits the same frames, then fails with the same error", () => {
    const exit = Effect.runSyncExit(Stream.runCollect(Walker.stream(broken)))
    expect(exit).toEqual(Exit.fail(errorOf(walkAll(broken))))
    const frames = Effect.runSync(Stream.runCollect(Walker.stream(broken).pipe(Stream.catch(() => Stream.empty))))
    expect(Chunk.isChunk(frames) ? Chunk.toArray(frames) : frames).toEqual(walkAll(broken).frames)
    expect(Effect.runSync(Stream.runCollect(Walker.stream(valid)))).toEqual(walkAll(valid).frames)
  })

  it("stream is lazy: taking 2 frames does not reach a later error", () => {
    expect(Effect.runSync(Stream.runCollect(Stream.take(Walker.stream(broken), 2)))).toEqual(walkAll(broken).frames.slice(0, 2))
  })

  it("trace stops at 'break' without reading further (an error after it is not reached)", () => {
    const seen: Array<bigint> = []
    const summary = traceSync(broken, (frame) => {
      seen.push(frame.fp)
      return seen.length === 2 ? "break" : "continue"
    })
    expect(summary).toEqual({ ok: true, count: 2, stopped: true })
    expect(seen).toEqual(walkAll(broken).frames.slice(0, 2).map((f) => f.fp))
    expect(traceSync(valid, () => undefined)).toEqual({ ok: true, count: 5, stopped: false })
    expect(traceSync(broken, () => undefined).ok).toBe(false)
  })

  it("visit shows each frame through one reused view, stops at 'break' and fails like trace", () => {
    const views = new Set<Walker.FrameView>()
    const seen: Array<Walker.Frame & { index: number }> = []
    const summary = visitSync(broken, (frame) => {
      views.add(frame)
      seen.push({ index: frame.index, activation: frame.activation, pc: frame.pc, fp: frame.fp })
    })
    const plain = walkAll(broken)
    expect(summary).toEqual({ ok: false, error: errorOf(plain), count: plain.frames.length })
    expect(views.size).toBe(1)
    expect(seen).toEqual(plain.frames.map((f, index) => ({ index, ...f })))
    const stopped = visitSync(broken, (frame) => (frame.index === 1 ? "break" : "continue"))
    expect(stopped).toEqual({ ok: true, count: 2, stopped: true })
    expect(visitSync(valid, () => undefined)).toEqual({ ok: true, count: 5, stopped: false })
    expect(Effect.runSync(Effect.result(Walker.visit(broken, () => undefined)))).toEqual(Result.fail(errorOf(plain)))
  })

  it.each([
    ["below 2^32", 0x10100n],
    ["across 2^32", 0xffff_fe00n],
    ["across 2^53", (1n << 53n) - 0x200n],
    ["near 2^64", 0xffff_ffff_ffff_f000n]
  ])("visit's 32-bit halves are exact %s", (_, first) => {
    const c = chain(first, 4)
    const snapshot = build({
      arch: "x86_64",
      regions: [[first, 0x500]],
      records: c.records,
      // 2^53 + 1: a float64 cannot hold its low bit.
      limits: { address: L, pc: (1n << 53n) + 1n, fp: c.fps[0]!, sp: c.sp },
      states: [hostEntry(L)]
    })
    const halves: Array<readonly [number, number, number, number]> = []
    expect(visitSync(snapshot, (f) => void halves.push([f.pcHigh, f.pcLow, f.fpHigh, f.fpLow])).ok).toBe(true)
    expect(halves).toEqual(walkAll(snapshot).frames.map((f) => [...refHalves(f.pc), ...refHalves(f.fp)]))
    expect(halves.length).toBe(4)
  })

  it("trace tells each frame's activation", () => {
    const newer = chain(0x10100n, 2, pcsFrom(0x1000n))
    const older = chain(0x10800n, 1, pcsFrom(0x2000n))
    const snapshot = build({
      arch: "riscv64",
      records: [...newer.records, ...older.records],
      limits: { address: L, pc: 0x1000n, fp: newer.fps[0]!, sp: newer.sp },
      states: [state(L, 0x2000n, older.fps[0]!, older.sp)]
    })
    const activations: Array<number> = []
    Effect.runSync(Walker.trace(snapshot, (frame) => void activations.push(frame.activation)))
    expect(activations).toEqual([0, 0, 1])
    const visited: Array<number> = []
    Effect.runSync(Walker.visit(snapshot, (frame) => void visited.push(frame.activation)))
    expect(visited).toEqual([0, 0, 1])
  })

  it("the Walker service has its own key", () => {
    expect(Walker.Walker.key).toBe("fpwalk/Walker")
  })

  it("the Walker service from its layer walks like the functions", () => {
    const program = Effect.gen(function*() {
      const walker = yield* Walker.Walker
      const visited: Array<bigint> = []
      yield* walker.visit(valid, (frame) => void visited.push(frame.fp))
      return { frames: rows((yield* walker.walk(valid)).frames), visited }
    })
    const frames = walkAll(valid).frames
    expect(Effect.runSync(Effect.provide(program, Walker.layer))).toEqual({ frames, visited: frames.map((f) => f.fp) })
  })
})

describe("a JavaScript caller's wrong values", () => {
  const valid = build(single("x86_64", 2))
  const json = JSON.parse(JSON.stringify({ format: "fpwalk.snapshot.v1", arch: "x86_64" }))

  it("walkSync of parsed JSON (not a decoded snapshot) answers an input error, not a TypeError", () => {
    for (const value of [json, undefined, null, 42, "text", [], { ...valid, memory: [] }, { ...valid, arch: "mips" }]) {
      const result = walkSync(value as never)
      expect(result.ok).toBe(false)
      expect(result.ok || result.error._tag).toBe("InputError")
      expect(result.frames.length).toBe(0)
    }
    const parsed = walkSync(json)
    expect(parsed.ok || (parsed.error as InputError).path).toBe("snapshot.generation")
  })

  it("names the first wrong field of a snapshot that was not decoded, with its reason", () => {
    const bigint = "not a 64-bit bigint"
    const object = "not an object"
    const state = valid.states[0]!
    const cases: ReadonlyArray<readonly [unknown, string, string]> = [
      [null, "snapshot", "not a decoded snapshot (decode the JSON first)"],
      [42, "snapshot", "not a decoded snapshot (decode the JSON first)"],
      [{ ...valid, arch: "mips" }, "snapshot.arch", "not an architecture (is this a decoded snapshot? decode the JSON first)"],
      [{ ...valid, generation: "entry" }, "snapshot.generation", "not a generation (decode the JSON first)"],
      [{ ...valid, options: null }, "snapshot.options", object],
      [{ ...valid, options: 7 }, "snapshot.options", object],
      [{ ...valid, options: { ...valid.options, maxFrames: 7 } }, "snapshot.options.maxFrames", bigint],
      [{ ...valid, options: { ...valid.options, maxFrames: -1n } }, "snapshot.options.maxFrames", bigint],
      [{ ...valid, options: { ...valid.options, maxFrames: 2n ** 64n } }, "snapshot.options.maxFrames", bigint],
      ...[-1, 65, 1.5, "48", undefined].map((bits) =>
        [{ ...valid, options: { ...valid.options, aarch64VaBits: bits } }, "snapshot.options.aarch64VaBits", "not an integer from 0 to 64"] as const
      ),
      [{ ...valid, memory: [] }, "snapshot.memory", "not a StackMemory (decode the JSON first)"],
      [{ ...valid, limits: null }, "snapshot.limits", object],
      [{ ...valid, limits: "0x1" }, "snapshot.limits", object],
      ...(["address", "exitPc", "exitFp", "entry"] as const).map((key) =>
        [{ ...valid, limits: { ...valid.limits, [key]: 1 } }, `snapshot.limits.${key}`, bigint] as const
      ),
      [{ ...valid, states: {} }, "snapshot.states", "not an array"],
      [{ ...valid, states: [state, null] }, "snapshot.states[1]", object],
      [{ ...valid, states: [state, 5] }, "snapshot.states[1]", object],
      ...(["limits", "exitPc", "exitFp", "entry"] as const).map((key) =>
        [{ ...valid, states: [state, { ...state, [key]: 2n ** 64n }] }, `snapshot.states[1].${key}`, bigint] as const
      ),
      ...[null, 5, { pc: 1n }, { fp: 1n }, { pc: 1n, fp: -1n }, { pc: 2n ** 64n, fp: 1n }].map((trap) =>
        [{ ...valid, trap }, "snapshot.trap", "not a trap (pc and fp as 64-bit bigints)"] as const
      )
    ]
    for (const [value, path, reason] of cases) {
      const result = walkSync(value as never)
      expect(result.ok ? undefined : { ...result.error }).toEqual(expect.objectContaining({ _tag: "InputError", path, reason }))
    }
  })

  it("takes a snapshot that was not decoded when every field is right, at the edges of each range", () => {
    const frames = walkAll(valid).frames
    expect(frames.length).toBe(2)
    for (const value of [
      { ...valid },
      { ...valid, options: { ...valid.options, aarch64VaBits: 0 } },
      { ...valid, options: { ...valid.options, aarch64VaBits: 64 } },
      { ...valid, options: { ...valid.options, maxFrames: 2n ** 64n - 1n } },
      { ...valid, trap: undefined }
    ]) {
      expect(walkAll(value)).toEqual({ ok: true, frames })
    }
    const trapped = walkSync({ ...valid, trap: { pc: 0n, fp: 2n ** 64n - 1n } })
    expect(trapped.ok || trapped.error._tag).not.toBe("InputError")
  })

  it("traceSync and visitSync with a callback that is not a function answer an input error", () => {
    for (const [f, got] of [[42, "number"], [undefined, "undefined"], [null, "null"], ["f", "string"], [{}, "object"]] as const) {
      const error = expect.objectContaining({ _tag: "InputError", path: "callback", reason: `not a function (got ${got})` })
      expect(traceSync(valid, f as never)).toEqual({ ok: false, error, count: 0 })
      expect(visitSync(valid, f as never)).toEqual({ ok: false, error, count: 0 })
    }
  })

  it("a decoded snapshot with other options spread in still walks", () => {
    const result = walkSync({ ...valid, options: { ...valid.options, maxFrames: 1n } })
    expect(result.ok || result.error._tag).toBe("FrameLimitExceeded")
  })

  it("the Effect API fails with the same input error", () => {
    const exit = Effect.runSyncExit(Walker.walk(json))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(Effect.runSync(Effect.flip(Walker.walk(json)))._tag).toBe("InputError")
    expect(Effect.runSync(Effect.flip(Stream.runCollect(Walker.stream(json))))._tag).toBe("InputError")
  })
})
