/**
 * The snapshot format v1: its Schema, its decoded model, and the JSON of a
 * walk's result.
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
import type { CallThreadState, Limits, Trap } from "./Activation.js"
import type { ArchId } from "./Arch.js"
import { archIds } from "./arch/index.js"
import * as Base64 from "./internal/base64.js"
import { InputError } from "./InputError.js"
import { StackMemory } from "./StackMemory.js"
import * as U64 from "./U64.js"
import type { Frame, WalkResult } from "./Walker.js"
import type { WalkError } from "./WalkError.js"

/**
 * The snapshot's `format` value.
 *
 * @category constants
 * @since 0.1.0
 */
export const FORMAT = "fpwalk.snapshot.v1"

/**
 * Walk settings, with the spec's defaults filled in.
 *
 * @category models
 * @since 0.1.0
 */
export interface WalkOptions {
  /** Frames allowed across all activations (default 1,000,000). */
  readonly maxFrames: bigint
  /** aarch64 virtual-address bits, 0 to 64 (default 48). */
  readonly aarch64VaBits: number
}

/**
 * The spec's default options.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultOptions: WalkOptions = { maxFrames: 1_000_000n, aarch64VaBits: 48 }

/**
 * A decoded, validated snapshot: what the walker takes.
 *
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly arch: ArchId
  readonly options: WalkOptions
  readonly memory: StackMemory
  readonly limits: Limits
  readonly states: ReadonlyArray<CallThreadState>
  readonly trap: Trap | undefined
}

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
        return value === undefined ? invalid(input, "not a 64-bit value") : Effect.succeed(value)
      },
      encode: (value) => Effect.succeed(U64.toHex(value))
    })
  )
)

const VaBits = U64Value.pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transformEffect({
      decode: (value) => (value <= 64n ? Effect.succeed(Number(value)) : invalid(value, "must be 0 to 64")),
      encode: (bits) => Effect.succeed(BigInt(bits))
    })
  )
)

const Bytes = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.Uint8Array,
    SchemaTransformation.transformEffect({
      decode: (input) => {
        if (typeof input !== "string") return invalid(input, "not a base64 string")
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

const LimitsSchema = Schema.Struct({
  address: U64Value,
  lastWasmExitPc: U64Value,
  lastWasmExitFp: U64Value,
  lastWasmEntrySp: U64Value
})

const StateSchema = Schema.Struct({
  limits: U64Value,
  oldLastWasmExitPc: U64Value,
  oldLastWasmExitFp: U64Value,
  oldLastWasmEntrySp: U64Value
})

const TrapSchema = Schema.Struct({ pc: U64Value, fp: U64Value })

const OptionsSchema = Schema.Struct({
  maxFrames: Schema.optionalKey(U64Value),
  aarch64VaBits: Schema.optionalKey(VaBits)
})

/**
 * The snapshot's JSON shape as an Effect Schema (decoding validates every
 * rule of the spec's input section).
 *
 * @category schemas
 * @since 0.1.0
 */
export const SnapshotJson = Schema.Struct({
  format: Schema.Literal(FORMAT),
  arch: Schema.Literals(archIds),
  options: Schema.optionalKey(OptionsSchema),
  memory: Memory,
  limits: LimitsSchema,
  states: Schema.Array(StateSchema),
  trap: Schema.optionalKey(TrapSchema)
})

const decodeSchema = Schema.decodeUnknownResult(SnapshotJson, { reportInput: true })
const encodeSchema = Schema.encodeUnknownResult(SnapshotJson)

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

/**
 * Decodes and validates a snapshot from already-parsed JSON.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<Snapshot, InputError> => {
  const decoded = decodeSchema(input)
  if (Result.isFailure(decoded)) {
    const problem = firstProblem(decoded.failure.issue, [])
    return Result.fail(new InputError({ path: formatPath(problem.path), reason: problem.reason }))
  }
  const json = decoded.success
  return Result.succeed({
    arch: json.arch,
    options: { ...defaultOptions, ...json.options },
    memory: json.memory,
    limits: json.limits,
    states: json.states,
    trap: json.trap
  })
}

/**
 * Parses JSON text and decodes the snapshot in it.
 *
 * @example
 * ```ts
 * const snapshot = decodeJson(text) // Result<Snapshot, InputError>
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeJson = (text: string): Result.Result<Snapshot, InputError> => {
  const parsed = Result.try({
    try: () => JSON.parse(text) as unknown,
    catch: (cause) => new InputError({ path: "", reason: `malformed JSON (${cause instanceof Error ? cause.message : String(cause)})` })
  })
  return Result.flatMap(parsed, decode)
}

/**
 * Encodes a snapshot back to its JSON shape (values as hex strings).
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (snapshot: Snapshot): unknown => {
  const encoded = encodeSchema({
    format: FORMAT,
    arch: snapshot.arch,
    options: snapshot.options,
    memory: snapshot.memory,
    limits: snapshot.limits,
    states: snapshot.states,
    ...(snapshot.trap === undefined ? {} : { trap: snapshot.trap })
  })
  // Encoding a decoded snapshot cannot fail; the schema is total on its own output.
  return Result.getOrElse(encoded, () => undefined)
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
}

/**
 * A walk error in the result JSON: `_tag` and the spec's fields.
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorJson = { readonly _tag: WalkError["_tag"] } & { readonly [field: string]: string | number }

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
 * Encodes a frame as hex strings.
 *
 * @category encoding
 * @since 0.1.0
 */
export const frameToJson = (frame: Frame): FrameJson => ({ pc: U64.toHex(frame.pc), fp: U64.toHex(frame.fp) })

/**
 * Encodes a walk error with exactly the spec's fields: `activation`,
 * `alignment` and `maxFrames` as numbers, every other value as hex.
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorToJson = (error: WalkError): ErrorJson => {
  const hex = U64.toHex
  switch (error._tag) {
    case "MismatchedLimits":
      return error.stateLimits === undefined
        ? { _tag: error._tag, limits: hex(error.limits) }
        : { _tag: error._tag, limits: hex(error.limits), stateLimits: hex(error.stateLimits) }
    case "InconsistentActivation":
      return { _tag: error._tag, activation: error.activation, pc: hex(error.pc), fp: hex(error.fp), sp: hex(error.sp) }
    case "NullFramePointer":
    case "NullEntrySp":
      return { _tag: error._tag, activation: error.activation }
    case "MisalignedEntrySp":
      return { _tag: error._tag, activation: error.activation, entrySp: hex(error.entrySp), alignment: error.alignment }
    case "FpAboveEntrySp":
      return { _tag: error._tag, activation: error.activation, fp: hex(error.fp), entrySp: hex(error.entrySp) }
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
 * Encodes a walk's result as the spec's result shape.
 *
 * @category encoding
 * @since 0.1.0
 */
export const resultToJson = (result: WalkResult): ResultJson => {
  const frames = result.frames.map(frameToJson)
  return result.ok ? { ok: true, frames } : { ok: false, error: errorToJson(result.error), frames }
}
