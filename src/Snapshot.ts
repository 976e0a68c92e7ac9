/**
 * The snapshot formats v1 and v2: their Schemas, decoding into the model of
 * `Activation` (one model for every generation), encoding back, and the JSON
 * of a walk's result.
 *
 * Decoding never throws: malformed JSON, a schema violation, bad base64 or
 * overlapping regions all become an {@link InputError} that names the field
 * (`memory[2].address: not a 64-bit value`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type { Snapshot } from "./Activation.js"
import { defaultOptions, markDecoded } from "./Activation.js"
import { archIds } from "./arch/index.js"
import type { Generation } from "./Generation.js"
import { generationOf, generations } from "./Generation.js"
import * as Base64 from "./internal/base64.js"
import { InputError } from "./InputError.js"
import { StackMemory } from "./StackMemory.js"
import * as U64 from "./U64.js"
import type { FrameTable } from "./FrameTable.js"
import type { WalkResult } from "./Walker.js"
import type { WalkError } from "./WalkError.js"

/**
 * The `format` of a v1 snapshot (wasmtime's `entry-sp` generation).
 *
 * @category constants
 * @since 0.1.0
 */
export const FORMAT = "fpwalk.snapshot.v1"

/**
 * The `format` of a v2 snapshot, which names its wasmtime version.
 *
 * @category constants
 * @since 0.2.0
 */
export const FORMAT_V2 = "fpwalk.snapshot.v2"

export type {
  /** @since 0.1.0 */
  Snapshot,
  /** @since 0.1.0 */
  WalkOptions
} from "./Activation.js"
export {
  /** @since 0.1.0 */
  defaultOptions
} from "./Activation.js"

/**
 * The decoder's error (see `InputError.ts`): `path` names the field.
 *
 * @category errors
 * @since 0.1.0
 */
export { InputError }

// ---------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------

const invalid = (input: unknown, message: string) => Effect.fail(new SchemaIssue.InvalidValue({ message }, input))

const U64Value = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.BigInt,
    SchemaTransformation.transformEffect({
      decode: (input) => {
        const value = U64.parse(input)
        return value === undefined ? invalid(input, `not a 64-bit value (got ${shown(input)})`) : Effect.succeed(value)
      },
      encode: (value) => Effect.succeed(U64.toHex(value))
    })
  )
)

const VaBits = U64Value.pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transformEffect({
      decode: (value) => (value <= 64n ? Effect.succeed(Number(value)) : invalid(value, `must be 0 to 64 (got ${value})`)),
      encode: (bits) => Effect.succeed(BigInt(bits))
    })
  )
)

const Bytes = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.Uint8Array,
    SchemaTransformation.transformEffect({
      decode: (input) => {
        if (typeof input !== "string") return invalid(input, `not a base64 string (got ${shown(input)})`)
        const bytes = Base64.decode(input)
        return bytes instanceof Uint8Array
          ? Effect.succeed(bytes)
          : invalid(input, `not strict base64 (character ${bytes.invalidAt})`)
      },
      encode: (bytes) => Effect.succeed(Base64.encode(bytes))
    })
  )
)

const RegionSchema = Schema.Struct({ address: U64Value, base64: Bytes })

const Memory = Schema.Array(RegionSchema).pipe(
  Schema.decodeTo(
    Schema.declare((input): input is StackMemory => input instanceof StackMemory),
    SchemaTransformation.transformEffect({
      decode: (regions: ReadonlyArray<{ readonly address: bigint; readonly base64: Uint8Array }>) => {
        const made = StackMemory.make(regions.map((r) => ({ address: r.address, bytes: r.base64 })))
        if (Result.isSuccess(made)) return Effect.succeed(made.success)
        const issue = made.failure
        const message = issue._tag === "PastEnd"
          ? "region ends past 2^64"
          : `region overlaps memory[${issue.other}]`
        return Effect.fail(new SchemaIssue.Pointer([issue.index], new SchemaIssue.InvalidValue({ message })))
      },
      encode: (memory) => Effect.succeed(memory.regions.map((r) => ({ address: r.address, base64: r.bytes })))
    })
  )
)

const TrapSchema = Schema.Struct({ pc: U64Value, fp: U64Value })

const OptionsSchema = Schema.Struct({
  maxFrames: Schema.optionalKey(U64Value),
  aarch64VaBits: Schema.optionalKey(VaBits)
})

// A field another generation owns: present at all (null included), it is an
// input error.
const foreign = (generation: Generation) =>
  Schema.optionalKey(Schema.Unknown.pipe(
    Schema.decodeTo(
      Schema.Never,
      SchemaTransformation.transformEffect({
        decode: (input) => invalid(input, `not a field of the ${generation.id} generation (wasmtime ${generation.since}${generation === generations["exit-trampoline"] ? " and later" : ` to ${generation === generations["entry-fp"] ? 36 : 26}`})`),
        encode: (value) => Effect.succeed(value)
      })
    )
  ))

const ALL = Object.values(generations)

// The limits and state schemas of a generation: its own fields, and every
// other generation's as foreign (v2 only: v1 ignores unknown keys).
const recordSchemas = (generation: Generation, strict: boolean) => {
  const own = generation.fields
  const others = (pick: (g: Generation) => ReadonlyArray<string>, mine: ReadonlyArray<string>) =>
    strict ? [...new Set(ALL.flatMap(pick))].filter((name) => !mine.includes(name)) : []
  const limitsForeign = others((g) => [g.fields.exitFp, g.fields.entry], [own.exitFp, own.entry])
  const stateForeign = others((g) => [g.fields.oldExitFp, g.fields.oldEntry], [own.oldExitFp, own.oldEntry])
  const limits = Schema.Struct({
    address: U64Value,
    lastWasmExitPc: U64Value,
    [own.exitFp]: U64Value,
    [own.entry]: U64Value,
    ...Object.fromEntries(limitsForeign.map((name) => [name, foreign(generation)]))
  })
  const state = Schema.Struct({
    limits: U64Value,
    oldLastWasmExitPc: U64Value,
    [own.oldExitFp]: U64Value,
    [own.oldEntry]: U64Value,
    ...Object.fromEntries(stateForeign.map((name) => [name, foreign(generation)]))
  })
  return { limits, state }
}

const Version = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect({
      decode: (input) =>
        typeof input === "string" && generationOf(input) !== undefined
          ? Effect.succeed(input)
          : invalid(input, `not a wasmtime version MAJOR.MINOR.PATCH (got ${describe(input)})`),
      encode: (version) => Effect.succeed(version)
    })
  )
)

const snapshotSchema = (generation: Generation, v2: boolean) => {
  const { limits, state } = recordSchemas(generation, v2)
  return Schema.Struct({
    format: Schema.Literal(v2 ? FORMAT_V2 : FORMAT),
    ...(v2 ? { wasmtime: Version } : {}),
    arch: Schema.Literals(archIds),
    options: Schema.optionalKey(OptionsSchema),
    memory: Memory,
    limits,
    states: Schema.Array(state),
    trap: Schema.optionalKey(TrapSchema)
  })
}

/**
 * The v1 snapshot's JSON shape as an Effect Schema (decoding validates every
 * rule of the spec's input section).
 *
 * @category schemas
 * @since 0.1.0
 */
export const SnapshotJson = snapshotSchema(generations["entry-sp"], false)

type Decoded = {
  readonly format: string
  readonly wasmtime?: string
  readonly arch: Snapshot["arch"]
  readonly options?: { readonly maxFrames?: bigint; readonly aarch64VaBits?: number }
  readonly memory: StackMemory
  readonly limits: Readonly<Record<string, bigint>>
  readonly states: ReadonlyArray<Readonly<Record<string, bigint>>>
  readonly trap?: { readonly pc: bigint; readonly fp: bigint }
}

interface Codec {
  readonly generation: Generation
  readonly decode: (input: unknown) => Result.Result<Decoded, SchemaIssue.Issue>
  readonly encode: (input: unknown) => Result.Result<unknown, SchemaIssue.Issue>
}

const codec = (generation: Generation, v2: boolean): Codec => {
  const schema = snapshotSchema(generation, v2)
  const decode = Schema.decodeUnknownResult(schema as never, { reportInput: true })
  const encode = Schema.encodeUnknownResult(schema as never)
  return {
    generation,
    decode: (input) => Result.mapError(decode(input) as Result.Result<Decoded, Schema.SchemaError>, (e) => e.issue),
    encode: (input) => Result.mapError(encode(input) as Result.Result<unknown, Schema.SchemaError>, (e) => e.issue)
  }
}

const V1 = codec(generations["entry-sp"], false)
const V2: Readonly<Record<Generation["id"], Codec>> = {
  "entry-sp": codec(generations["entry-sp"], true),
  "entry-fp": codec(generations["entry-fp"], true),
  "exit-trampoline": codec(generations["exit-trampoline"], true)
}

// What picks the codec: the format, then (v2) the version.
const Probe = Schema.Struct({ format: Schema.Literals([FORMAT, FORMAT_V2]) })
const ProbeV2 = Schema.Struct({ format: Schema.Literal(FORMAT_V2), wasmtime: Version })
const probe = Schema.decodeUnknownResult(Probe, { reportInput: true })
const probeV2 = Schema.decodeUnknownResult(ProbeV2, { reportInput: true })

type PathKey = PropertyKey

interface Located {
  readonly path: ReadonlyArray<PathKey>
  readonly reason: string
}

// The first problem in an issue tree, with its path, in words.
const firstProblem = (issue: SchemaIssue.Issue, path: ReadonlyArray<PathKey>): Located => {
  switch (issue._tag) {
    case "Pointer":
      return firstProblem(issue.issue, [...path, ...issue.path])
    case "Composite":
      return firstProblem(issue.issues[0], path)
    case "Filter":
    case "Encoding":
      return firstProblem(issue.issue, path)
    case "AnyOf":
      return issue.issues[0] === undefined
        ? { path, reason: expectedGot(issue.ast, issue) }
        : firstProblem(issue.issues[0], path)
    case "InvalidType":
      return { path, reason: expectedGot(issue.ast, issue) }
    case "InvalidValue": {
      const message = issue.annotations?.["message"]
      return { path, reason: typeof message === "string" ? message : "invalid value" }
    }
    case "MissingKey":
      return { path, reason: "missing" }
    default:
      return { path, reason: SchemaIssue.defaultLeafHook(issue).toLowerCase() }
  }
}

const expectedGot = (ast: SchemaAST.AST, issue: SchemaIssue.Issue): string =>
  SchemaIssue.hasInput(issue) ? `expected ${expected(ast)}, got ${describe(issue.input)}` : `expected ${expected(ast)}`

const expected = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "Arrays":
      return "an array"
    case "Objects":
      return "an object"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return `one of ${ast.types.map(expected).join(", ")}`
    default:
      return `a ${ast._tag.toLowerCase()}`
  }
}

// A bad value as a message shows it: short strings and numbers as they are.
const shown = (value: unknown): string =>
  typeof value === "number" || typeof value === "boolean" || value === null || value === undefined ? String(value) : describe(value)

const describe = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  if (typeof value === "string") return value.length <= 40 ? JSON.stringify(value) : "a string"
  return typeof value === "object" ? "an object" : `a ${typeof value}`
}

const formatPath = (path: ReadonlyArray<PathKey>): string =>
  path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`),
    ""
  )

const inputError = (issue: SchemaIssue.Issue): InputError => {
  const problem = firstProblem(issue, [])
  return new InputError({ path: formatPath(problem.path), reason: problem.reason })
}

const codecOf = (input: unknown): Result.Result<Codec, InputError> => {
  const format = probe(input)
  if (Result.isFailure(format)) return Result.fail(inputError(format.failure.issue))
  if (format.success.format === FORMAT) return Result.succeed(V1)
  const version = probeV2(input)
  if (Result.isFailure(version)) return Result.fail(inputError(version.failure.issue))
  return Result.succeed(V2[generationOf(version.success.wasmtime)!.id])
}

const fromDecoded = (generation: Generation, json: Decoded): Snapshot => {
  const { fields } = generation
  return markDecoded({
    arch: json.arch,
    generation: generation.id,
    ...(json.wasmtime === undefined ? {} : { wasmtime: json.wasmtime }),
    options: { ...defaultOptions, ...json.options },
    memory: json.memory,
    limits: {
      address: json.limits["address"]!,
      exitPc: json.limits["lastWasmExitPc"]!,
      exitFp: json.limits[fields.exitFp]!,
      entry: json.limits[fields.entry]!
    },
    states: json.states.map((state) => ({
      limits: state["limits"]!,
      exitPc: state["oldLastWasmExitPc"]!,
      exitFp: state[fields.oldExitFp]!,
      entry: state[fields.oldEntry]!
    })),
    trap: json.trap
  })
}

/**
 * The plain decoder's result.
 *
 * @category models
 * @since 0.2.0
 */
export type DecodeResult =
  | { readonly ok: true; readonly snapshot: Snapshot }
  | { readonly ok: false; readonly error: InputError }

const decodeResult = (input: unknown): Result.Result<Snapshot, InputError> =>
  Result.flatMap(codecOf(input), (codec) =>
    Result.match(codec.decode(input), {
      onFailure: (issue) => Result.fail(inputError(issue)),
      onSuccess: (json) => Result.succeed(fromDecoded(codec.generation, json))
    }))

const parseJson = (text: unknown): Result.Result<unknown, InputError> => {
  if (typeof text !== "string") return Result.fail(new InputError({ path: "", reason: `expected JSON text (a string), got ${describe(text)}` }))
  // A UTF-8 byte-order mark is not JSON, but editors write one: skip it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return Result.try({
    try: () => JSON.parse(body) as unknown,
    catch: (cause) =>
      new InputError({ path: "", reason: `malformed JSON (${oneLine(cause instanceof Error ? cause.message : String(cause))})` })
  })
}

// One line, and no control character a terminal would act on: `\u0001` as text.
const oneLine = (text: string): string =>
  text.replace(/\s+/g, " ").trim().replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const plain = (result: Result.Result<Snapshot, InputError>): DecodeResult =>
  Result.isSuccess(result) ? { ok: true, snapshot: result.success } : { ok: false, error: result.failure }

/**
 * Decodes and validates a snapshot (v1 or v2) from already-parsed JSON. The
 * plain API: never throws.
 *
 * @example
 * ```ts
 * const decoded = decodeSync(JSON.parse(text))
 * if (!decoded.ok) console.error(decoded.error.message) // "limits.lastWasmExitFp: missing"
 * ```
 *
 * @category plain
 * @since 0.2.0
 */
export const decodeSync = (input: unknown): DecodeResult => plain(decodeResult(input))

/**
 * Parses JSON text and decodes the snapshot in it (a leading byte-order mark
 * is skipped). The plain API: never throws.
 *
 * @category plain
 * @since 0.2.0
 */
export const decodeJsonSync = (text: string): DecodeResult => plain(Result.flatMap(parseJson(text), decodeResult))

/**
 * The Effect form of {@link decodeSync}.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = (input: unknown): Effect.Effect<Snapshot, InputError> =>
  Effect.suspend(() => Effect.fromResult(decodeResult(input)))

/**
 * The Effect form of {@link decodeJsonSync}.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeJson = (text: string): Effect.Effect<Snapshot, InputError> =>
  Effect.suspend(() => Effect.fromResult(Result.flatMap(parseJson(text), decodeResult)))

/**
 * Encodes a snapshot back to its JSON shape (values as hex strings): v2 with
 * its `wasmtime` when it has one, else v1.
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (snapshot: Snapshot): unknown => {
  const generation = generations[snapshot.generation]
  const { fields } = generation
  const v2 = snapshot.wasmtime !== undefined
  const json = {
    format: v2 ? FORMAT_V2 : FORMAT,
    ...(v2 ? { wasmtime: snapshot.wasmtime } : {}),
    arch: snapshot.arch,
    options: snapshot.options,
    memory: snapshot.memory,
    limits: {
      address: snapshot.limits.address,
      lastWasmExitPc: snapshot.limits.exitPc,
      [fields.exitFp]: snapshot.limits.exitFp,
      [fields.entry]: snapshot.limits.entry
    },
    states: snapshot.states.map((state) => ({
      limits: state.limits,
      oldLastWasmExitPc: state.exitPc,
      [fields.oldExitFp]: state.exitFp,
      [fields.oldEntry]: state.entry
    })),
    ...(snapshot.trap === undefined ? {} : { trap: snapshot.trap })
  }
  // Encoding a decoded snapshot cannot fail; the schema is total on its own output.
  return Result.getOrElse((v2 ? V2[generation.id] : V1).encode(json), () => undefined)
}

// ---------------------------------------------------------------------------
// Result JSON
// ---------------------------------------------------------------------------

/**
 * A frame in the result JSON.
 *
 * @category models
 * @since 0.1.0
 */
export interface FrameJson {
  readonly pc: string
  readonly fp: string
  readonly activation: number
}

/**
 * A walk error in the result JSON: `_tag` and the spec's fields.
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorJson = { readonly _tag: WalkError["_tag"] | "InputError" } & { readonly [field: string]: string | number }

/**
 * The spec's result shape.
 *
 * @category models
 * @since 0.1.0
 */
export type ResultJson =
  | { readonly ok: true; readonly frames: ReadonlyArray<FrameJson> }
  | { readonly ok: false; readonly error: ErrorJson; readonly frames: ReadonlyArray<FrameJson> }

/**
 * Encodes frame `i` of a table as hex strings and its activation.
 *
 * @category encoding
 * @since 0.1.0
 */
export const frameToJson = (frames: FrameTable, i: number): FrameJson => ({
  pc: U64.hexOfHalves(frames.pcHigh(i), frames.pcLow(i)),
  fp: U64.hexOfHalves(frames.fpHigh(i), frames.fpLow(i)),
  activation: frames.activation(i)
})

/**
 * Encodes a walk error with exactly the spec's fields: `activation`,
 * `alignment` and `maxFrames` as numbers, every other value as hex. An
 * `InputError` (the argument was not a snapshot) keeps its path and reason.
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorToJson = (error: WalkError | InputError): ErrorJson => {
  const hex = U64.toHex
  switch (error._tag) {
    case "InputError":
      return { _tag: error._tag, path: error.path, reason: error.reason }
    case "MismatchedLimits":
      return error.stateLimits === undefined
        ? { _tag: error._tag, limits: hex(error.limits) }
        : { _tag: error._tag, limits: hex(error.limits), stateLimits: hex(error.stateLimits) }
    case "InconsistentActivation":
      return error.entryFp === undefined
        ? { _tag: error._tag, activation: error.activation, pc: hex(error.pc), fp: hex(error.fp), sp: hex(error.sp ?? 0n) }
        : { _tag: error._tag, activation: error.activation, pc: hex(error.pc), fp: hex(error.fp), entryFp: hex(error.entryFp) }
    case "NullFramePointer":
    case "NullEntrySp":
    case "NullEntryFp":
      return { _tag: error._tag, activation: error.activation }
    case "MisalignedEntrySp":
      return { _tag: error._tag, activation: error.activation, entrySp: hex(error.entrySp), alignment: error.alignment }
    case "FpAboveEntrySp":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), entrySp: hex(error.entrySp) }
    case "FpAboveEntryFp":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), entryFp: hex(error.entryFp) }
    case "MisalignedFp":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), alignment: error.alignment }
    case "FrameLimitExceeded":
      return { _tag: error._tag, maxFrames: error.maxFrames }
    case "UnmappedRead":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), address: hex(error.address) }
    case "NonMonotonicFp":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), nextFp: hex(error.nextFp) }
  }
}

/**
 * The frames of a table in the result JSON.
 *
 * @category encoding
 * @since 0.2.0
 */
export const framesToJson = (frames: FrameTable): Array<FrameJson> => {
  const json: Array<FrameJson> = []
  for (let i = 0; i < frames.length; i++) json.push(frameToJson(frames, i))
  return json
}

/**
 * Encodes a walk's result as the spec's result shape.
 *
 * @category encoding
 * @since 0.1.0
 */
export const resultToJson = (result: WalkResult): ResultJson => {
  const frames = framesToJson(result.frames)
  return result.ok ? { ok: true, frames } : { ok: false, error: errorToJson(result.error), frames }
}
