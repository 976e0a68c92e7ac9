/**
 * The structure-aware half of the walk-<arch> fuzz targets: turns fuzzer
 * bytes into a plausible wasmtime stack of one of the three generations of
 * snapshot-v2.md (v1 or v2 `entry-sp`: activations of Wasm frames linked by
 * saved FPs up to each trampoline's entry SP; `entry-fp`: up to the entry
 * trampoline's FP, an activation possibly without frames; `exit-trampoline`:
 * as `entry-fp`, each exit recorded as the exit trampoline's FP, whose word
 * is the newest Wasm FP), the call-thread states that chain them, an
 * optional trap, memory cut into regions, and then lets the remaining bytes
 * corrupt it, one targeted mutation at a time. A plausible
 * stack first is what lets coverage reach deep frames and later
 * activations; the corruptions then reach every check of the walk, not only
 * the first one that random bytes would trip.
 *
 * Layout goes through properties/layout.ts (StackImage, snapshotJson), the
 * project's one stack layout builder. The result is the built stack itself
 * (regions, runtime state, generation), which `toJson` writes as the spec's
 * snapshot JSON and the walk targets also hand to src and to the reference
 * walker directly (see walk.ts).
 *
 * Short or empty inputs still build a valid stack (the FuzzedDataProvider
 * answers 0 when it runs dry), so every input walks something.
 */
import type { FuzzedDataProvider } from "@jazzer.js/core/dist/FuzzedDataProvider.js"
import type { ArchId } from "../src/Arch.js"
import { architectures } from "../src/arch/index.js"
import { LIMIT, MAX } from "../src/U64.js"
import { snapshotJson, StackImage } from "../properties/layout.js"
import type { SnapshotInput } from "../properties/layout.js"

/** A frame record the builder wrote: where it lives and what it holds. */
interface Record_ {
  readonly activation: number
  readonly fp: bigint
  savedFp: bigint
  savedPc: bigint
}

/** A recorded activation: `fp` the exit FP (or exit trampoline's FP), `sp` the entry SP or entry FP. */
interface Triple {
  pc: bigint
  fp: bigint
  sp: bigint
}

/** The word at an exit trampoline's FP: the Wasm exit FP, read by the walk first. */
interface Exit {
  readonly t: bigint
  word: bigint
}

export type Generation = "entry-sp" | "entry-fp" | "exit-trampoline"

// The version each snapshot names: v1 (none) or v2, by generation; the real captures' versions first.
const VERSIONS: ReadonlyArray<readonly [Generation, string | undefined]> = [
  ["entry-sp", undefined],
  ["entry-sp", "26.0.1"],
  ["entry-fp", "36.0.2"],
  ["exit-trampoline", "49.0.0"],
  ["entry-sp", "0.0.0"],
  ["entry-fp", "27.0.0"],
  ["exit-trampoline", "37.0.0"],
  ["exit-trampoline", "123456789012345678901234567890.1.2"]
]

interface State extends Triple {
  limits: bigint
}

const alignDown = (value: bigint, alignment: bigint): bigint => value - (value % alignment)
const alignUp = (value: bigint, alignment: bigint): bigint => alignDown(value + alignment - 1n, alignment)

/** A code address: usually plausible, sometimes with PAC bits, sometimes anything. */
const codeAddress = (data: FuzzedDataProvider): bigint => {
  switch (data.consumeIntegralInRange(0, 7)) {
    case 0:
      return BigInt(data.consumeBigIntegral(8))
    case 1: // pointer-authentication code in the top bits (aarch64 strips them)
      return (BigInt(data.consumeIntegralInRange(0, 0xffff)) << 48n) | (0x4000_0000n + BigInt(data.consumeIntegral(3)))
    case 2: // a kernel-half address: bit 55 set
      return 0xffff_8000_0000_0000n | BigInt(data.consumeIntegral(4))
    default:
      return 0x40_0000n + BigInt(data.consumeIntegral(3))
  }
}

/** Where the stack's top (exclusive end) lies. */
const stackTop = (data: FuzzedDataProvider): bigint => {
  switch (data.consumeIntegralInRange(0, 7)) {
    case 4: // the very top of the address space: reads past 2^64-1 become possible
      return LIMIT
    case 5: // just below the top
      return LIMIT - 16n * BigInt(data.consumeIntegralInRange(1, 64))
    case 6: // around 2^53, where Number() loses precision
      return (1n << 53n) + 16n * BigInt(data.consumeIntegralInRange(-256, 256))
    case 7: // anywhere, as long as the stack fits below it
      return alignDown(BigInt(data.consumeBigIntegralInRange(0x10_0000n, LIMIT - 1n)), 16n)
    default: // a typical user-space stack
      return 0x7ffd_0000_0000n + 0x1000n * BigInt(data.consumeIntegral(2))
  }
}

/** A built stack: the regions of its memory and its runtime state, for one generation. */
export interface BuiltStack {
  readonly arch: ArchId
  readonly generation: Generation
  readonly image: StackImage
  readonly input: SnapshotInput
}

/** The spec's snapshot JSON of a built stack (v1, or v2 with its version). */
export const toJson = (built: BuiltStack): Record<string, unknown> => snapshotJson(built.image, built.input)

/**
 * Builds a stack for `arch` from the fuzzer's bytes. Never throws for any
 * input: every write lands inside the image by construction.
 */
export const buildStack = (archId: ArchId, data: FuzzedDataProvider): BuiltStack => {
  const arch = architectures[archId]
  const pcOffset = BigInt(arch.record.pcOffset)
  const nextFpOffset = BigInt(arch.record.nextFpOffset)
  const fpAlignment = BigInt(arch.fpAlignment)
  const entrySpAlignment = BigInt(arch.entrySpAlignment)
  const wordAlign = 16n // the largest alignment of any arch: keeps every layout valid on all four
  const minFrame = alignUp(pcOffset + 8n, fpAlignment)
  // s390x stops only when the next FP is strictly above the entry SP.
  const strictStop = arch.stopWhenNextFp === ">"
  const [generation, wasmtime] = VERSIONS[data.consumeIntegralInRange(0, VERSIONS.length - 1)]!
  const later = generation !== "entry-sp"

  // --- the plausible stack -------------------------------------------------
  const hi = stackTop(data)
  const activationCount = data.consumeIntegralInRange(1, 4)
  const records: Array<Record_> = []
  const triples: Array<Triple> = []
  const trampolineFps: Array<bigint> = []
  // The host frames above all Wasm: at least two words, so every value is below 2^64.
  let cursor = alignDown(hi - 16n - BigInt(data.consumeIntegralInRange(0, 8)) * 8n, wordAlign)
  // Activations from the newest (0) to the oldest are laid out from the top
  // down in reverse: the oldest is highest. Build oldest first.
  const perActivation: Array<{ triple: Triple; records: Array<Record_>; tfp: bigint; exit: Exit | undefined; startFp: bigint }> = []
  for (let j = activationCount - 1; j >= 0; j--) {
    // The trampoline's own frame pointer, then (entry-sp) its recorded entry SP below it.
    const tfp = alignDown(cursor - 8n * BigInt(data.consumeIntegralInRange(0, 4)), wordAlign)
    const minGap = strictStop ? 8n : 0n
    const entrySp = alignDown(tfp - minGap - entrySpAlignment * BigInt(data.consumeIntegralInRange(0, 3)), entrySpAlignment)
    // The entry value the walk stops at, and below which the frames lie.
    const entry = later ? tfp : entrySp
    // Later generations: an activation may have no Wasm frame (the trampoline called the host).
    const frameCount = data.consumeIntegralInRange(later ? 0 : 1, 8)
    const sizes: Array<bigint> = []
    for (let i = 0; i < frameCount; i++) sizes.push(minFrame + fpAlignment * BigInt(data.consumeIntegralInRange(0, 15)))
    // fps[0] is the newest frame (lowest address).
    const fps: Array<bigint> = new Array<bigint>(frameCount)
    let fp = entry
    for (let i = frameCount - 1; i >= 0; i--) {
      fp = alignDown(fp - sizes[i]!, fpAlignment)
      fps[i] = fp
    }
    const pcs: Array<bigint> = []
    for (let i = 0; i <= frameCount; i++) pcs.push(codeAddress(data))
    const activationRecords: Array<Record_> = []
    for (let i = 0; i < frameCount; i++) {
      activationRecords.push({
        activation: j,
        fp: fps[i]!,
        savedFp: i === frameCount - 1 ? tfp : fps[i + 1]!,
        savedPc: pcs[i + 1]!
      })
    }
    // The newest Wasm FP, or with no frame the trampoline's own.
    const startFp = frameCount > 0 ? fps[0]! : tfp
    // exit-trampoline: the exit trampoline's frame below it (any address: no alignment check on t).
    const exit = generation === "exit-trampoline"
      ? { t: startFp - minFrame - 8n * BigInt(data.consumeIntegralInRange(0, 4)), word: startFp }
      : undefined
    perActivation.unshift({ triple: { pc: pcs[0]!, fp: exit?.t ?? startFp, sp: entry }, records: activationRecords, tfp, exit, startFp })
    // Host frames between this activation and the next newer one.
    cursor = alignDown((exit?.t ?? startFp) - 8n * BigInt(data.consumeIntegralInRange(0, 32)), wordAlign)
  }
  const exits: Array<Exit> = []
  for (const a of perActivation) {
    triples.push(a.triple)
    trampolineFps.push(a.tfp)
    records.push(...a.records)
    if (a.exit !== undefined) exits.push(a.exit)
  }
  const lo = cursor - 8n * BigInt(data.consumeIntegralInRange(0, 8))

  // --- the runtime state ---------------------------------------------------
  const limitsAddress = 0x5555_0000_1000n + 0x1000n * BigInt(data.consumeIntegral(1))
  const otherLimits = limitsAddress + 0x1000n
  const limits: Triple & { address: bigint } = { address: limitsAddress, ...triples[0]! }
  // activationStates[j - 1] saved activation j; corruptions edit them in place.
  const activationStates: Array<State> = []
  for (let j = 1; j < activationCount; j++) activationStates.push({ limits: limitsAddress, ...triples[j]! })
  const states: Array<State> = [...activationStates]
  if (!data.consumeBoolean()) states.push({ limits: limitsAddress, pc: 0n, fp: 0n, sp: 0n })
  // States of other limits (other stores on this thread) are skipped by the walk.
  const foreign = data.consumeIntegralInRange(0, 2)
  for (let k = 0; k < foreign; k++) {
    const at = data.consumeIntegralInRange(0, states.length)
    states.splice(at, 0, { limits: otherLimits, pc: codeAddress(data), fp: BigInt(data.consumeBigIntegral(8)), sp: BigInt(data.consumeBigIntegral(8)) })
  }
  if (states.length === 0) states.push({ limits: limitsAddress, pc: 0n, fp: 0n, sp: 0n })
  let trap: { pc: bigint; fp: bigint } | undefined
  if (data.consumeBoolean()) {
    // A trap caught in the newest frame (its own FP, under every generation): the limits' exit PC/FP are stale.
    trap = { pc: limits.pc, fp: perActivation[0]!.startFp }
    limits.pc = data.consumeBoolean() ? 0n : codeAddress(data)
    limits.fp = data.consumeBoolean() ? 0n : BigInt(data.consumeBigIntegral(8))
    if (states[0]!.limits !== limitsAddress) states.unshift({ limits: limitsAddress, pc: 0n, fp: 0n, sp: 0n })
  }
  let maxFrames: bigint | undefined
  let vaBits: number | undefined
  if (data.consumeBoolean()) maxFrames = BigInt(data.consumeIntegralInRange(0, records.length + 2))
  if (data.consumeBoolean()) vaBits = data.consumeIntegralInRange(0, 64)

  // --- corruption ----------------------------------------------------------
  const image = new StackImage(archId)
  const size = Number(hi - lo)
  const whole = image.region(lo, size)
  const activationOf = (index: number): { pc: bigint; fp: bigint; sp?: bigint } =>
    index === 0 ? (trap ?? limits) : (activationStates[index - 1] ?? limits)
  const pickRecord = (): Record_ | undefined =>
    records.length === 0 ? undefined : records[data.consumeIntegralInRange(0, records.length - 1)]
  /** A bad value near `base`: equal, one alignment below, off by a byte, far away. */
  const nearby = (base: bigint): bigint => {
    switch (data.consumeIntegralInRange(0, 9)) {
      case 0: return base
      case 1: return BigInt.asUintN(64, base - fpAlignment)
      case 2: return BigInt.asUintN(64, base + BigInt(data.consumeIntegralInRange(1, 15)))
      case 3: return BigInt.asUintN(64, base - BigInt(data.consumeIntegralInRange(1, 15)))
      case 4: return 0n
      case 5: return MAX - BigInt(data.consumeIntegralInRange(0, 255))
      case 6: return BigInt(data.consumeBigIntegral(8))
      case 7: return BigInt.asUintN(64, base + 16n * BigInt(data.consumeIntegralInRange(1, 64)))
      case 8: return BigInt.asUintN(64, base - 16n * BigInt(data.consumeIntegralInRange(1, 64)))
      default: return triples[data.consumeIntegralInRange(0, triples.length - 1)]!.sp
    }
  }
  // Cuts of the memory into regions, and holes (unmapped pieces).
  const cuts: Array<bigint> = []
  const holes = new Set<number>()
  const mutations = data.consumeIntegralInRange(0, 6)
  for (let m = 0; m < mutations; m++) {
    switch (data.consumeIntegralInRange(0, 9)) {
      case 0: { // a saved FP goes bad
        const r = pickRecord()
        if (r !== undefined) r.savedFp = nearby(data.consumeBoolean() ? r.fp : r.savedFp)
        break
      }
      case 1: { // a saved PC goes bad
        const r = pickRecord()
        if (r !== undefined) r.savedPc = data.consumeBoolean() ? codeAddress(data) : nearby(r.savedPc)
        break
      }
      case 2: { // an activation's PC, FP, entry value or (exit-trampoline) the word at its t goes bad
        const index = data.consumeIntegralInRange(0, activationCount - 1)
        const a = activationOf(index)
        switch (data.consumeIntegralInRange(0, 3)) {
          case 0: a.pc = nearby(a.pc); break
          case 1: a.fp = nearby(a.fp); break
          case 2: if (index === 0 || a.sp === undefined) limits.sp = nearby(limits.sp); else a.sp = nearby(a.sp); break
          default: {
            const exit = perActivation[index]!.exit
            if (exit !== undefined) exit.word = data.consumeBoolean() ? 0n : nearby(exit.word)
            else a.fp = nearby(a.fp)
          }
        }
        break
      }
      case 3: { // a state changes owner, or the chain ends early / late
        if (states.length > 0) {
          const s = states[data.consumeIntegralInRange(0, states.length - 1)]!
          if (data.consumeBoolean()) s.limits = s.limits === limitsAddress ? otherLimits : limitsAddress
          else { s.pc = 0n; if (data.consumeBoolean()) s.fp = 0n; if (data.consumeBoolean()) s.sp = 0n }
        }
        break
      }
      case 4: // cut the memory at a byte near a frame record (reads may straddle)
      case 5: {
        const r = pickRecord()
        const which = data.consumeIntegralInRange(0, 2)
        const exit = exits.length === 0 ? undefined : exits[data.consumeIntegralInRange(0, exits.length - 1)]
        const word = which === 2 && exit !== undefined ? exit.t : r === undefined ? undefined : which === 0 ? r.fp + pcOffset : r.fp + nextFpOffset
        if (word !== undefined) {
          const at = word + BigInt(data.consumeIntegralInRange(-8, 15))
          if (at > lo && at < hi) cuts.push(at)
        }
        break
      }
      case 6: { // cut anywhere
        const at = lo + BigInt(data.consumeIntegralInRange(1, Math.max(1, size - 1)))
        if (at > lo && at < hi) cuts.push(at)
        break
      }
      case 7: // drop a piece of memory
        holes.add(data.consumeIntegralInRange(0, 7))
        break
      case 8: { // the trap appears, disappears, or moves
        if (trap === undefined) trap = { pc: codeAddress(data), fp: nearby(limits.fp) }
        else if (data.consumeBoolean()) trap = undefined
        else trap.fp = nearby(trap.fp)
        break
      }
      default: { // a stray word anywhere in the image
        const at = lo + 8n * BigInt(data.consumeIntegralInRange(0, Math.max(0, size / 8 - 1)))
        if (at + 8n <= hi) {
          const r = records.find((x) => x.fp === at || x.fp + pcOffset === at)
          const e = exits.find((x) => x.t === at)
          const value = nearby(at)
          if (e !== undefined) e.word = value
          else if (r === undefined) whole.writeWord(at, value, arch.littleEndian)
          else if (r.fp === at) r.savedFp = value
          else r.savedPc = value
        }
      }
    }
  }
  for (const r of records) image.frame(r.fp, r.savedFp, r.savedPc)
  // The host frames' own FPs (trampolines) hold plausible values too.
  // Every word here is 8-aligned: a frame record's word is at its FP or its PC slot.
  const occupied = (at: bigint) => records.some((r) => r.fp + nextFpOffset === at || r.fp + pcOffset === at)
  for (const tfp of trampolineFps) {
    if (tfp >= lo && tfp + 8n <= hi && !occupied(tfp)) whole.writeWord(tfp, tfp + 0x100n, arch.littleEndian)
  }
  // The exit trampolines' saved words (where no frame record lies).
  for (const { t, word } of exits) {
    if (t >= lo && t + 8n <= hi && !occupied(t)) whole.writeWord(t, word, arch.littleEndian)
  }

  // --- memory regions --------------------------------------------------------
  const bounds = [lo, ...[...new Set(cuts)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), hi]
  const out = new StackImage(archId)
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (holes.has(i)) continue
    const start = bounds[i]!
    const end = bounds[i + 1]!
    out.view(start, whole.bytes.subarray(Number(start - lo), Number(end - lo)))
  }
  if (data.consumeBoolean()) out.region(lo, 0) // an empty region overlaps nothing
  // Last, so that inputs written before it keep their meaning: a maxFrames
  // past 2^53, where a float64 frame count is no longer exact.
  if (maxFrames !== undefined && data.consumeIntegralInRange(0, 7) === 7) {
    const huge = [(1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, MAX]
    maxFrames = huge[data.consumeIntegralInRange(0, huge.length - 1)]!
  }
  const input: SnapshotInput = {
    wasmtime,
    limits: { address: limits.address, pc: limits.pc, fp: limits.fp, sp: limits.sp },
    states: states.map((s) => ({ limits: s.limits, pc: s.pc, fp: s.fp, sp: s.sp })),
    trap,
    options: maxFrames === undefined && vaBits === undefined
      ? undefined
      : { ...(maxFrames === undefined ? {} : { maxFrames }), ...(vaBits === undefined ? {} : { aarch64VaBits: vaBits }) }
  }
  return { arch: archId, generation, image: out, input }
}
