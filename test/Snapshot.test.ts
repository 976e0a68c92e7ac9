import { describe, expect, it } from "vitest"
import * as Result from "effect/Result"
import { decodeJsonSync, decodeSync, encode, FORMAT } from "../src/Snapshot.js"
import { walkSync } from "../src/Walker.js"

// The plain decoders as Results, for the assertions below.
const decode = (input: unknown) => {
  const decoded = decodeSync(input)
  return decoded.ok ? Result.succeed(decoded.snapshot) : Result.fail(decoded.error)
}
const decodeJson = (text: string) => {
  const decoded = decodeJsonSync(text)
  return decoded.ok ? Result.succeed(decoded.snapshot) : Result.fail(decoded.error)
}

const minimal = () => ({
  format: FORMAT,
  arch: "x86_64",
  memory: [] as Array<unknown>,
  limits: { address: "0x1", lastWasmExitPc: "0x0", lastWasmExitFp: "0x0", lastWasmEntrySp: "0x0" },
  states: [] as Array<unknown>
})

const inputError = (input: unknown): string => {
  const decoded = decode(input)
  if (Result.isSuccess(decoded)) throw new Error("expected an input error")
  return decoded.failure.message
}

const with_ = (patch: (snapshot: ReturnType<typeof minimal> & Record<string, unknown>) => void) => {
  const snapshot = minimal() as ReturnType<typeof minimal> & Record<string, unknown>
  patch(snapshot)
  return snapshot
}

describe("64-bit values", () => {
  const accepted: ReadonlyArray<readonly [unknown, bigint]> = [
    ["0x0", 0n],
    ["0xFFFFffffFFFFffff", 2n ** 64n - 1n],
    ["0x0000000000000000000000001", 1n],
    [0, 0n],
    [1e3, 1000n],
    [Number.MAX_SAFE_INTEGER, 2n ** 53n - 1n]
  ]
  it.each(accepted)("accepts %j", (value, expected) => {
    const decoded = decode(with_((s) => (s.limits.address = value as string)))
    expect(Result.map(decoded, (s) => s.limits.address)).toEqual(Result.succeed(expected))
  })

  const rejected: ReadonlyArray<unknown> = [
    "0x10000000000000000", "0X10", "0x", "10", "0x-1", "-0x1", " 0x1", "0x1 ", "0x1_0", "+0x1",
    -1, 1.5, 2 ** 53, 2 ** 70, null, true, {}, []
  ]
  it.each(rejected)("rejects %j, naming the field and showing the value", (value) => {
    const got = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "an array"
      : typeof value === "object" && value !== null ? "an object" : String(value)
    expect(inputError(with_((s) => (s.limits.lastWasmEntrySp = value as string)))).toBe(
      `limits.lastWasmEntrySp: not a 64-bit value (got ${got})`
    )
  })

  it("names the index of a bad value inside an array", () => {
    const snapshot = with_((s) => {
      s.memory = [{ address: "0x10", base64: "" }, { address: "0x20", base64: "" }, { address: "nope", base64: "" }]
    })
    expect(inputError(snapshot)).toBe(`memory[2].address: not a 64-bit value (got "nope")`)
  })
})

describe("required fields and shapes", () => {
  it.each(["format", "arch", "memory", "limits", "states"] as const)("requires %s", (key) => {
    expect(inputError(with_((s) => delete (s as Record<string, unknown>)[key]))).toBe(`${key}: missing`)
  })

  it("requires every field of limits and states", () => {
    expect(inputError(with_((s) => delete (s.limits as Record<string, unknown>)["lastWasmExitFp"]))).toBe(
      "limits.lastWasmExitFp: missing"
    )
    expect(inputError(with_((s) => (s.states = [{ limits: "0x1", oldLastWasmExitPc: 0, oldLastWasmExitFp: 0 }])))).toBe(
      "states[0].oldLastWasmEntrySp: missing"
    )
  })

  it("rejects an unknown format and an unknown arch", () => {
    expect(inputError(with_((s) => (s.format = "fpwalk.snapshot.v3")))).toBe(
      `format: expected one of "fpwalk.snapshot.v1", "fpwalk.snapshot.v2", got "fpwalk.snapshot.v3"`
    )
    expect(inputError(with_((s) => (s.arch = "mips")))).toBe(
      `arch: expected one of "x86_64", "aarch64", "s390x", "riscv64", got "mips"`
    )
  })

  it("rejects null for trap and options, and wrong types", () => {
    expect(inputError(with_((s) => (s["trap"] = null)))).toBe("trap: expected an object, got null")
    expect(inputError(with_((s) => (s["options"] = null)))).toBe("options: expected an object, got null")
    expect(inputError(with_((s) => (s.memory = "AAAA" as never)))).toBe(`memory: expected an array, got "AAAA"`)
    expect(inputError(with_((s) => (s.states = {} as never)))).toBe(`states: expected an array, got an object`)
    expect(inputError([])).toBe("expected an object, got an array")
  })

  it("ignores unknown keys", () => {
    const decoded = decode(with_((s) => {
      s["comment"] = "captured by hand"
      ;(s.limits as Record<string, unknown>)["extra"] = 1
    }))
    expect(Result.isSuccess(decoded)).toBe(true)
  })

  it("fills in default options and accepts both value forms", () => {
    expect(Result.map(decode(minimal()), (s) => s.options)).toEqual(Result.succeed({ maxFrames: 1_000_000n, aarch64VaBits: 48 }))
    const decoded = decode(with_((s) => (s["options"] = { maxFrames: "0x0", aarch64VaBits: 64 })))
    expect(Result.map(decoded, (s) => s.options)).toEqual(Result.succeed({ maxFrames: 0n, aarch64VaBits: 64 }))
  })

  it("bounds aarch64VaBits to 0..64", () => {
    expect(inputError(with_((s) => (s["options"] = { aarch64VaBits: "0x41" })))).toBe("options.aarch64VaBits: must be 0 to 64 (got 65)")
    expect(Result.isSuccess(decode(with_((s) => (s["options"] = { aarch64VaBits: 0 }))))).toBe(true)
  })
})

describe("memory", () => {
  const region = (address: string, base64: string) => ({ address, base64 })

  it.each([
    ["AAAA", 3],
    ["AAE=", 2],
    ["AQ==", 1],
    ["", 0]
  ])("decodes strict base64 %j to %i bytes", (base64, length) => {
    const decoded = decode(with_((s) => (s.memory = [region("0x100", base64)])))
    expect(Result.map(decoded, (s) => s.memory.regions[0]!.bytes.length)).toEqual(Result.succeed(length))
  })

  it.each(["AAA", "AA=A", "AB==", "AAF=", "AA AA", "AA\nAA", "AA-_", "A===", "=AAA", "AAAA=", 12])(
    "rejects non-strict base64 %j",
    (base64) => {
      expect(inputError(with_((s) => (s.memory = [region("0x100", base64 as string)])))).toMatch(/^memory\[0\]\.base64: not/)
    }
  )

  it("rejects overlapping regions, naming the later one", () => {
    const memory = [region("0x100", "AAAAAAAAAAA="), region("0x200", "AAAA"), region("0x107", "AA==")]
    expect(inputError(with_((s) => (s.memory = memory)))).toBe("memory[2]: region overlaps memory[0]")
  })

  it("allows adjacent regions and empty regions anywhere", () => {
    const memory = [region("0x100", "AAAAAAAAAAA="), region("0x108", "AAAA"), region("0x104", "")]
    expect(Result.isSuccess(decode(with_((s) => (s.memory = memory))))).toBe(true)
  })

  it("allows a region ending at 2^64 but not past it", () => {
    expect(Result.isSuccess(decode(with_((s) => (s.memory = [region("0xfffffffffffffff8", "AAAAAAAAAAA=")]))))).toBe(true)
    expect(inputError(with_((s) => (s.memory = [region("0xfffffffffffffffc", "AAAAAAAAAAA=")])))).toBe(
      "memory[0]: region ends past 2^64"
    )
  })
})

describe("decodeJson", () => {
  it.each(["", "{", "nul", "[1,]", "\u0000", "{\"format\": 1e999}"])("reports malformed or invalid JSON %j without throwing", (text) => {
    const decoded = decodeJson(text)
    expect(Result.isFailure(decoded)).toBe(true)
  })

  it("reads 2^70 as a number that is not a 64-bit value", () => {
    const text = JSON.stringify(minimal()).replace(`"address":"0x1"`, `"address":1180591620717411303424`)
    expect(Result.isFailure(decodeJson(text)) && decodeJson(text)).toMatchObject({
      failure: { message: "limits.address: not a 64-bit value (got 1.1805916207174113e+21)" }
    })
  })

  it("survives deep nesting", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000)
    expect(Result.isFailure(decodeJson(`{"format":${deep}}`))).toBe(true)
  })
})

describe("encode", () => {
  it("round-trips a snapshot through its JSON", () => {
    const original = with_((s) => {
      s.arch = "s390x"
      s.memory = [{ address: "0x100", base64: "AAECAwQFBgc=" }]
      s.states = [{ limits: "0x1", oldLastWasmExitPc: "0x0", oldLastWasmExitFp: "0x0", oldLastWasmEntrySp: "0x0" }]
      s["trap"] = { pc: "0x1234", fp: "0x100" }
      s["options"] = { maxFrames: "0xffffffffffffffff", aarch64VaBits: 52 }
    })
    const decoded = decode(original)
    if (Result.isFailure(decoded)) return expect.fail(decoded.failure.message)
    const again = decode(encode(decoded.success))
    if (Result.isFailure(again)) return expect.fail(again.failure.message)
    expect(encode(again.success)).toEqual(encode(decoded.success))
    expect([...walkSync(again.success).frames]).toEqual([...walkSync(decoded.success).frames])
    expect(encode(decoded.success)).toMatchObject({ trap: { pc: "0x1234", fp: "0x100" }, memory: [{ address: "0x100", base64: "AAECAwQFBgc=" }] })
  })
})

describe("messages", () => {
  it("keep malformed JSON's message on one line, with control characters written out", () => {
    const decoded = decodeJsonSync("{\"a\":\u0001}")
    expect(decoded.ok || decoded.error.message).toMatch(/^malformed JSON \(.*\\u0001.*\)$/)
    expect(decoded.ok || /[\u0000-\u001f]/.test(decoded.error.message)).toBe(false)
  })
})
