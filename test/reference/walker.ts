/**
 * The REFERENCE WALKER: a second, deliberately plain transliteration of
 * wasmtime's `trace_with_trap_state` / `trace_through_wasm`
 * (shared/reference/backtrace.rs at 60ce6f5d5c) and of the specs'
 * architecture table and check orders (shared/spec/snapshot-v1.md, and
 * snapshot-v2.md for the entry-fp and exit-trampoline generations of later
 * wasmtime versions).
 *
 * It exists to be compared with src/ by the fuzz targets and their replay
 * test, so it shares nothing with src/: no Walker, no StackMemory, no arch
 * modules, no U64 helpers. Everything is a `bigint`, every check is its own
 * line in the spec's order, and nothing is optimised. It takes the snapshot
 * JSON (already accepted by `Snapshot.decode`, the one validator) and returns
 * the spec's result JSON shape (each frame with its activation index), which
 * is what `Snapshot.resultToJson` gives for src's walk.
 *
 * If you change this file, change it only to follow the spec: it is the
 * oracle, not the code under test.
 */

// ---------------------------------------------------------------------------
// The spec's architecture table, copied by hand.
// ---------------------------------------------------------------------------

export interface RefArch {
  readonly littleEndian: boolean
  readonly pcOffset: bigint
  readonly nextFpOffset: bigint
  /** `true`: stop when next FP >= entry SP; `false`: when next FP > entry SP. */
  readonly stopAtOrAbove: boolean
  readonly entrySpAlign: bigint
  readonly fpAlign: bigint
  readonly stripPac: boolean
}

export const REF_ARCHES: Readonly<Record<string, RefArch>> = {
  x86_64: { littleEndian: true, pcOffset: 8n, nextFpOffset: 0n, stopAtOrAbove: true, entrySpAlign: 16n, fpAlign: 16n, stripPac: false },
  aarch64: { littleEndian: true, pcOffset: 8n, nextFpOffset: 0n, stopAtOrAbove: true, entrySpAlign: 16n, fpAlign: 8n, stripPac: true },
  s390x: { littleEndian: false, pcOffset: 112n, nextFpOffset: 0n, stopAtOrAbove: false, entrySpAlign: 8n, fpAlign: 8n, stripPac: false },
  riscv64: { littleEndian: true, pcOffset: 8n, nextFpOffset: 0n, stopAtOrAbove: true, entrySpAlign: 16n, fpAlign: 16n, stripPac: false }
}

const MAX = 18446744073709551615n // 2^64 - 1

// ---------------------------------------------------------------------------
// The plain model the reference walks.
// ---------------------------------------------------------------------------

export interface RefRegion {
  readonly start: bigint
  readonly bytes: Uint8Array
}

/**
 * One recorded triple. `fp` is the recorded exit FP (under `exit-trampoline`
 * the exit trampoline's FP, `t`); `sp` is the entry value: the entry SP
 * (`entry-sp`) or the entry FP (`entry-fp`, `exit-trampoline`).
 */
export interface RefActivationSource {
  readonly limits: bigint
  readonly pc: bigint
  readonly fp: bigint
  readonly sp: bigint
}

/** snapshot-v2.md's generations: which wasmtime recorded the snapshot. */
export type RefGeneration = "entry-sp" | "entry-fp" | "exit-trampoline"

/** The spec's field table, copied by hand: the limits' exit FP and entry value, and a state's. */
export const REF_FIELDS: Readonly<Record<RefGeneration, readonly [string, string, string, string]>> = {
  "entry-sp": ["lastWasmExitFp", "lastWasmEntrySp", "oldLastWasmExitFp", "oldLastWasmEntrySp"],
  "entry-fp": ["lastWasmExitFp", "lastWasmEntryFp", "oldLastWasmExitFp", "oldLastWasmEntryFp"],
  "exit-trampoline": ["lastWasmExitTrampolineFp", "lastWasmEntryFp", "oldLastWasmExitTrampolineFp", "oldLastWasmEntryFp"]
}

export interface RefSnapshot {
  readonly generation: RefGeneration
  readonly arch: RefArch
  readonly maxFrames: bigint
  readonly vaBits: bigint
  readonly regions: ReadonlyArray<RefRegion>
  readonly limits: RefActivationSource // `limits` here is the limits' own address
  readonly states: ReadonlyArray<RefActivationSource>
  readonly trap: { readonly pc: bigint; readonly fp: bigint } | undefined
}

export type RefFrame = { readonly pc: string; readonly fp: string; readonly activation: number }
export type RefError = { readonly _tag: string; readonly [field: string]: string | number }
export type RefResult =
  | { readonly ok: true; readonly frames: Array<RefFrame> }
  | { readonly ok: false; readonly error: RefError; readonly frames: Array<RefFrame> }

/** Thrown when the reference cannot read a snapshot that src accepted. */
export class ReferenceInputError extends Error {}

// ---------------------------------------------------------------------------
// From the snapshot JSON to the plain model. Values were validated by src's
// decoder; this only converts them, and refuses anything it cannot convert,
// so a decoder that accepts too much shows up as a difference too.
// ---------------------------------------------------------------------------

const value = (input: unknown, where: string): bigint => {
  if (typeof input === "string" && /^0x[0-9a-fA-F]+$/.test(input)) {
    const v = BigInt(input)
    if (v > MAX) throw new ReferenceInputError(`${where}: above 2^64-1`)
    return v
  }
  if (typeof input === "number" && Number.isSafeInteger(input) && input >= 0) return BigInt(input)
  throw new ReferenceInputError(`${where}: not a 64-bit value: ${String(input)}`)
}

const field = (object: unknown, key: string, where: string): unknown => {
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new ReferenceInputError(`${where}: not an object`)
  }
  return (object as Record<string, unknown>)[key]
}

const base64 = (input: unknown, where: string): Uint8Array => {
  if (typeof input !== "string") throw new ReferenceInputError(`${where}: not a string`)
  const bytes = new Uint8Array(Buffer.from(input, "base64"))
  // Node's decoder is lenient; a strict input re-encodes to itself.
  if (Buffer.from(bytes).toString("base64") !== input) throw new ReferenceInputError(`${where}: not strict base64`)
  return bytes
}

/** The generation of a snapshot: v1 is `entry-sp`; v2 by the major of its `wasmtime` version. */
const generationOf = (json: unknown): RefGeneration => {
  const format = field(json, "format", "")
  if (format === "fpwalk.snapshot.v1") return "entry-sp"
  if (format !== "fpwalk.snapshot.v2") throw new ReferenceInputError(`format: ${String(format)}`)
  const version = field(json, "wasmtime", "")
  const match = typeof version === "string" ? /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.exec(version) : null
  if (match === null) throw new ReferenceInputError(`wasmtime: ${String(version)}`)
  const major = BigInt(match[1]!)
  if (major <= 26n) return "entry-sp"
  if (major <= 36n) return "entry-fp"
  return "exit-trampoline"
}

export const fromJson = (json: unknown): RefSnapshot => {
  const generation = generationOf(json)
  const [exitFpName, entryName, oldExitFpName, oldEntryName] = REF_FIELDS[generation]
  const archName = field(json, "arch", "")
  const arch = typeof archName === "string" && Object.prototype.hasOwnProperty.call(REF_ARCHES, archName)
    ? REF_ARCHES[archName]
    : undefined
  if (arch === undefined) throw new ReferenceInputError(`arch: ${String(archName)}`)

  let maxFrames = 1000000n
  let vaBits = 48n
  const options = field(json, "options", "")
  if (options !== undefined) {
    const m = field(options, "maxFrames", "options")
    if (m !== undefined) maxFrames = value(m, "options.maxFrames")
    const v = field(options, "aarch64VaBits", "options")
    if (v !== undefined) vaBits = value(v, "options.aarch64VaBits")
    if (vaBits > 64n) throw new ReferenceInputError("options.aarch64VaBits: above 64")
  }

  const memory = field(json, "memory", "")
  if (!Array.isArray(memory)) throw new ReferenceInputError("memory: not an array")
  const regions: Array<RefRegion> = []
  for (let i = 0; i < memory.length; i++) {
    const start = value(field(memory[i], "address", `memory[${i}]`), `memory[${i}].address`)
    const bytes = base64(field(memory[i], "base64", `memory[${i}]`), `memory[${i}].base64`)
    if (start + BigInt(bytes.length) > MAX + 1n) throw new ReferenceInputError(`memory[${i}]: past 2^64`)
    regions.push({ start, bytes })
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const a = regions[i]!
      const b = regions[j]!
      const aEnd = a.start + BigInt(a.bytes.length)
      const bEnd = b.start + BigInt(b.bytes.length)
      const overlap = a.bytes.length > 0 && b.bytes.length > 0 && a.start < bEnd && b.start < aEnd
      if (overlap) throw new ReferenceInputError(`memory[${i}] overlaps memory[${j}]`)
    }
  }

  const limitsJson = field(json, "limits", "")
  // v2: a field of another generation, on its own object, is an input error (whatever its value).
  const foreign = (object: unknown, names: ReadonlyArray<string>, where: string): void => {
    for (const name of names) {
      if (typeof object === "object" && object !== null && Object.prototype.hasOwnProperty.call(object, name)) {
        throw new ReferenceInputError(`${where}.${name}: a field of another generation`)
      }
    }
  }
  const v2 = field(json, "format", "") === "fpwalk.snapshot.v2"
  const others = (pick: (f: readonly [string, string, string, string]) => ReadonlyArray<string>, own: ReadonlyArray<string>) =>
    v2 ? Object.values(REF_FIELDS).flatMap(pick).filter((name) => !own.includes(name)) : []
  foreign(limitsJson, others((f) => [f[0], f[1]], [exitFpName, entryName]), "limits")
  const limits: RefActivationSource = {
    limits: value(field(limitsJson, "address", "limits"), "limits.address"),
    pc: value(field(limitsJson, "lastWasmExitPc", "limits"), "limits.lastWasmExitPc"),
    fp: value(field(limitsJson, exitFpName, "limits"), `limits.${exitFpName}`),
    sp: value(field(limitsJson, entryName, "limits"), `limits.${entryName}`)
  }

  const statesJson = field(json, "states", "")
  if (!Array.isArray(statesJson)) throw new ReferenceInputError("states: not an array")
  const states: Array<RefActivationSource> = []
  for (let i = 0; i < statesJson.length; i++) {
    const s = statesJson[i]
    foreign(s, others((f) => [f[2], f[3]], [oldExitFpName, oldEntryName]), `states[${i}]`)
    states.push({
      limits: value(field(s, "limits", `states[${i}]`), `states[${i}].limits`),
      pc: value(field(s, "oldLastWasmExitPc", `states[${i}]`), `states[${i}].oldLastWasmExitPc`),
      fp: value(field(s, oldExitFpName, `states[${i}]`), `states[${i}].${oldExitFpName}`),
      sp: value(field(s, oldEntryName, `states[${i}]`), `states[${i}].${oldEntryName}`)
    })
  }

  const trapJson = field(json, "trap", "")
  const trap = trapJson === undefined
    ? undefined
    : { pc: value(field(trapJson, "pc", "trap"), "trap.pc"), fp: value(field(trapJson, "fp", "trap"), "trap.fp") }

  return { generation, arch, maxFrames, vaBits, regions, limits, states, trap }
}

// ---------------------------------------------------------------------------
// Its own tiny memory reader: a linear scan, byte by byte.
// ---------------------------------------------------------------------------

/** The word at `address`, or `undefined` if its 8 bytes are not all in ONE region. */
export const refRead = (snapshot: RefSnapshot, address: bigint): bigint | undefined => {
  if (address > MAX) return undefined
  for (const region of snapshot.regions) {
    const end = region.start + BigInt(region.bytes.length)
    if (address < region.start) continue
    if (address + 8n > end) continue
    const offset = Number(address - region.start)
    // Byte by byte, in the architecture's order, into the high and low 32 bits.
    let high = 0
    let low = 0
    for (let i = 0; i < 8; i++) {
      const byte = region.bytes[offset + i]!
      const position = snapshot.arch.littleEndian ? i : 7 - i
      if (position < 4) low += byte * 2 ** (8 * position)
      else high += byte * 2 ** (8 * (position - 4))
    }
    return (BigInt(high) << 32n) | BigInt(low)
  }
  return undefined
}

/** aarch64 XPACLRI: bits [63:vaBits] become copies of bit 55. */
export const refStripPac = (pc: bigint, vaBits: bigint): bigint => {
  const high = MAX ^ ((1n << vaBits) - 1n) // bits [63:vaBits]
  return ((pc >> 55n) & 1n) === 1n ? pc | high : pc & ~high
}

// ---------------------------------------------------------------------------
// The walk, check by check.
// ---------------------------------------------------------------------------

const hex = (v: bigint): string => "0x" + v.toString(16)

/**
 * One activation as the reference lists it (exported for the oracle's
 * invariants): `fp` as recorded (the exit trampoline's FP under
 * `exit-trampoline`, unless `trap`), `sp` the entry SP or entry FP.
 */
export interface RefActivation {
  readonly pc: bigint
  readonly fp: bigint
  readonly sp: bigint
  readonly trap: boolean
}

/** The activation list: the limits (or trap) first, then every state of these limits. */
export const refActivations = (s: RefSnapshot): Array<RefActivation> => {
  const list: Array<RefActivation> = []
  if (s.trap !== undefined) list.push({ pc: s.trap.pc, fp: s.trap.fp, sp: s.limits.sp, trap: true })
  else list.push({ pc: s.limits.pc, fp: s.limits.fp, sp: s.limits.sp, trap: false })
  for (const state of s.states) {
    if (state.limits === s.limits.limits) list.push({ pc: state.pc, fp: state.fp, sp: state.sp, trap: false })
  }
  return list
}

/** The walk, in the order of the snapshot's generation. */
export const referenceWalk = (s: RefSnapshot): RefResult =>
  s.generation === "entry-sp" ? referenceWalkEntrySp(s) : referenceWalkEntryFp(s)

const referenceWalkEntrySp = (s: RefSnapshot): RefResult => {
  const frames: Array<RefFrame> = []
  const fail = (error: RefError): RefResult => ({ ok: false, error, frames })

  // Check 0: assert!(ptr::eq(limits, state.limits)) when there is a trap.
  if (s.trap !== undefined) {
    if (s.states.length === 0) return fail({ _tag: "MismatchedLimits", limits: hex(s.limits.limits) })
    if (s.states[0]!.limits !== s.limits.limits) {
      return fail({ _tag: "MismatchedLimits", limits: hex(s.limits.limits), stateLimits: hex(s.states[0]!.limits) })
    }
  }

  // tls::with(|state| match state { None => Backtrace(vec![]) }): no state, no Wasm.
  if (s.states.length === 0) return { ok: true, frames }

  const activations = refActivations(s)
  const a = s.arch
  for (let index = 0; index < activations.length; index++) {
    let pc = activations[index]!.pc
    let fp = activations[index]!.fp
    const sp = activations[index]!.sp

    // Check 1: take_while(pc != 0), with its debug_asserts.
    if (pc === 0n) {
      if (fp !== 0n) return fail({ _tag: "InconsistentActivation", activation: index, pc: hex(pc), fp: hex(fp), sp: hex(sp) })
      if (sp !== 0n) return fail({ _tag: "InconsistentActivation", activation: index, pc: hex(pc), fp: hex(fp), sp: hex(sp) })
      return { ok: true, frames }
    }
    // Check 2: assert_ne!(fp, 0); assert_ne!(trampoline_sp, 0).
    if (fp === 0n) return fail({ _tag: "NullFramePointer", activation: index })
    if (sp === 0n) return fail({ _tag: "NullEntrySp", activation: index })
    // Check 3: arch::assert_entry_sp_is_aligned(trampoline_sp).
    if (sp % a.entrySpAlign !== 0n) {
      return fail({ _tag: "MisalignedEntrySp", activation: index, entrySp: hex(sp), alignment: Number(a.entrySpAlign) })
    }

    // Check 4: the loop of trace_through_wasm.
    for (;;) {
      // a. assert!(trampoline_sp >= fp)
      if (fp > sp) return fail({ _tag: "FpAboveEntrySp", activation: index, fp: hex(fp), entrySp: hex(sp) })
      // b. arch::assert_fp_is_aligned(fp)
      if (fp % a.fpAlign !== 0n) return fail({ _tag: "MisalignedFp", activation: index, fp: hex(fp), alignment: Number(a.fpAlign) })
      // c. maxFrames, counted over all activations
      if (BigInt(frames.length) + 1n > s.maxFrames) return fail({ _tag: "FrameLimitExceeded", maxFrames: Number(s.maxFrames) })
      // d. f(Frame { pc, fp })
      frames.push({ pc: hex(pc), fp: hex(fp), activation: index })
      // e. pc = arch::get_next_older_pc_from_fp(fp)
      const pcAddress = fp + a.pcOffset
      const savedPc = refRead(s, pcAddress)
      if (savedPc === undefined) return fail({ _tag: "UnmappedRead", activation: index, fp: hex(fp), address: hex(pcAddress) })
      if (a.stripPac) pc = refStripPac(savedPc, s.vaBits)
      else pc = savedPc
      // f. next_older_fp = *(fp as *mut usize).add(NEXT_OLDER_FP_FROM_FP_OFFSET)
      const fpAddress = fp + a.nextFpOffset
      const nextFp = refRead(s, fpAddress)
      if (nextFp === undefined) return fail({ _tag: "UnmappedRead", activation: index, fp: hex(fp), address: hex(fpAddress) })
      // g. arch::reached_entry_sp(next_older_fp, trampoline_sp)
      if (a.stopAtOrAbove && nextFp >= sp) break
      if (!a.stopAtOrAbove && nextFp > sp) break
      // h. assert!(next_older_fp > fp)
      if (nextFp <= fp) return fail({ _tag: "NonMonotonicFp", activation: index, fp: hex(fp), nextFp: hex(nextFp) })
      // i.
      fp = nextFp
    }
  }
  return { ok: true, frames }
}

/**
 * snapshot-v2.md's walk for `entry-fp` and `exit-trampoline` (wasmtime 27
 * and later), check by check: activations are `(pc, fp, entryFp)`, an
 * activation ends before emitting when FP equals the entry FP exactly (so
 * it may have no frames), and under `exit-trampoline` the recorded value is
 * the exit trampoline's FP `t`, whose saved word is the Wasm exit FP.
 */
const referenceWalkEntryFp = (s: RefSnapshot): RefResult => {
  const frames: Array<RefFrame> = []
  const fail = (error: RefError): RefResult => ({ ok: false, error, frames })

  // Check 0, as v1.
  if (s.trap !== undefined) {
    if (s.states.length === 0) return fail({ _tag: "MismatchedLimits", limits: hex(s.limits.limits) })
    if (s.states[0]!.limits !== s.limits.limits) {
      return fail({ _tag: "MismatchedLimits", limits: hex(s.limits.limits), stateLimits: hex(s.states[0]!.limits) })
    }
  }
  // No states: no Wasm on this thread (v1's rule).
  if (s.states.length === 0) return { ok: true, frames }

  const activations = refActivations(s)
  const a = s.arch
  for (let index = 0; index < activations.length; index++) {
    let pc = activations[index]!.pc
    const recorded = activations[index]!.fp
    const entryFp = activations[index]!.sp
    const trap = activations[index]!.trap

    // Check 1: PC 0 ends the chain; the recorded FP (or t) and the entry FP must then be 0.
    if (pc === 0n) {
      if (recorded !== 0n || entryFp !== 0n) {
        return fail({ _tag: "InconsistentActivation", activation: index, pc: hex(pc), fp: hex(recorded), entryFp: hex(entryFp) })
      }
      return { ok: true, frames }
    }
    // Check 2.
    if (recorded === 0n) return fail({ _tag: "NullFramePointer", activation: index })
    if (entryFp === 0n) return fail({ _tag: "NullEntryFp", activation: index })
    // Check 3: exit-trampoline, not a trap: the Wasm exit FP is the word at t + 0.
    let fp = recorded
    if (s.generation === "exit-trampoline" && !trap) {
      const t = recorded
      const saved = refRead(s, t)
      if (saved === undefined) return fail({ _tag: "UnmappedRead", activation: index, fp: hex(t), address: hex(t) })
      if (saved === 0n) return fail({ _tag: "NullFramePointer", activation: index })
      fp = saved
    }
    // Check 4: loop while FP != entry FP.
    while (fp !== entryFp) {
      // a.
      if (fp > entryFp) return fail({ _tag: "FpAboveEntryFp", activation: index, fp: hex(fp), entryFp: hex(entryFp) })
      // b.
      if (fp % a.fpAlign !== 0n) return fail({ _tag: "MisalignedFp", activation: index, fp: hex(fp), alignment: Number(a.fpAlign) })
      // c.
      if (BigInt(frames.length) + 1n > s.maxFrames) return fail({ _tag: "FrameLimitExceeded", maxFrames: Number(s.maxFrames) })
      // d.
      frames.push({ pc: hex(pc), fp: hex(fp), activation: index })
      // e.
      const pcAddress = fp + a.pcOffset
      const savedPc = refRead(s, pcAddress)
      if (savedPc === undefined) return fail({ _tag: "UnmappedRead", activation: index, fp: hex(fp), address: hex(pcAddress) })
      const nextPc = a.stripPac ? refStripPac(savedPc, s.vaBits) : savedPc
      // f.
      const fpAddress = fp + a.nextFpOffset
      const nextFp = refRead(s, fpAddress)
      if (nextFp === undefined) return fail({ _tag: "UnmappedRead", activation: index, fp: hex(fp), address: hex(fpAddress) })
      // g.
      if (nextFp <= fp) return fail({ _tag: "NonMonotonicFp", activation: index, fp: hex(fp), nextFp: hex(nextFp) })
      // h.
      fp = nextFp
      pc = nextPc
    }
  }
  return { ok: true, frames }
}

/** The high and low 32 bits of a 64-bit value: what a `FrameView` shows as `…High` and `…Low`. */
export const refHalves = (value: bigint): [number, number] => [Number(value >> 32n), Number(value & 0xffff_ffffn)]
