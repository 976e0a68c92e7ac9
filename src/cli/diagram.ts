/**
 * `fpwalk walk --diagram`: the captured memory in address order, lowest
 * first, with each frame record (its saved FP and saved PC) at its FP, the
 * chain of saved FPs drawn from each record to the next, each activation's
 * first FP and entry SP, and the failing frame marked with the error's
 * sentence.
 *
 * ```text
 * region 0x7ffce000..0x7ffcf000 (4,096 bytes)
 *   0x7ffce100  ┌─ #0  [saved FP 0x7ffce200 | saved PC 0x401024]  <- FP of activation 0 (trap PC 0x400ff4)
 *   0x7ffce200  ├▶ #1  [saved FP 0x7ffce300 | saved PC 0x401048]
 *   0x7ffce300  └▶ #2  [saved FP 0x7ffce400 | saved PC 0x401800]  -> 0x7ffce400: host frame, activation 0 ends
 *   0x7ffce3f0  ── entry SP of activation 0
 * ```
 *
 * {@link layout} turns a {@link StackView} into rows (shared with the SVG
 * renderer); a huge stack keeps its first and last frames and says how many
 * it left out between them, so the picture stays a few dozen rows.
 *
 * @since 0.1.0
 */
import type { FrameRow, Paint, StackView } from "./stack.js"
import { count, hex, paint, plural, summary } from "./stack.js"

/**
 * One row of the picture, in address order.
 *
 * @category models
 * @since 0.1.0
 */
export type Row =
  | { readonly kind: "region"; readonly address: bigint; readonly length: number }
  | { readonly kind: "uncaptured" }
  | { readonly kind: "skipped"; readonly regions: number }
  | {
    readonly kind: "frame"
    readonly index: number
    readonly frame: FrameRow
    readonly savedFp: bigint | undefined
    readonly savedPc: bigint | undefined
    /** The first frame of its activation: `trap` or `exit` names where its FP came from. */
    readonly first: "trap" | "exit" | undefined
    /** Where the saved FP leads: the next frame (its index), the host's frame (the activation ends), or nowhere. */
    readonly next: { readonly kind: "frame"; readonly index: number } | { readonly kind: "host" } | { readonly kind: "end" }
    /** The error's sentence, on the frame that failed. */
    readonly failing: string | undefined
  }
  | { readonly kind: "candidate"; readonly fp: bigint; readonly failing: string }
  | { readonly kind: "entry"; readonly activation: number; readonly value: bigint; readonly label: string }
  | { readonly kind: "elided"; readonly from: number; readonly to: number }
  | { readonly kind: "error"; readonly failing: string }

/**
 * The rows to draw, and the address each sits at (for the SVG's labels).
 *
 * @category models
 * @since 0.1.0
 */
export interface Layout {
  readonly title: string
  readonly rows: ReadonlyArray<{ readonly address: bigint | undefined; readonly row: Row }>
}

/**
 * How many frames a picture keeps at each end of the walk before it elides
 * the middle.
 *
 * @category constants
 * @since 0.1.0
 */
export const KEEP_EACH_END = 8

interface Placed {
  readonly address: bigint
  /** Ties at one address: the frame record, then a failing FP, the elision, then an entry SP. */
  readonly order: number
  readonly row: Row
}

const regionOf = (
  regions: ReadonlyArray<{ readonly address: bigint; readonly length: number }>,
  address: bigint
): number => {
  let low = 0
  let high = regions.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const region = regions[middle]!
    if (address < region.address) high = middle - 1
    else if (address >= region.address + BigInt(region.length)) low = middle + 1
    else return middle
  }
  return -1
}

/**
 * Lays the walk out in address order: the rows of the kept frames (the
 * first and last {@link KEEP_EACH_END}, and the failing one), their
 * activations' entry SPs, the failing FP if it is not a frame, the regions
 * they lie in, and one row for the frames left out.
 *
 * @category constructors
 * @since 0.1.0
 */
export const layout = (view: StackView, keep: number = KEEP_EACH_END): Layout => {
  const { frames, error } = view
  const n = frames.length
  const kept: Array<number> = []
  for (let i = 0; i < n; i++) {
    if (i === keep && n - keep > i + 1) i = n - keep
    kept.push(i)
  }
  const failingIndex = error === undefined || error.fp === undefined ? -1 : error.frame - 1
  const failingFrame = failingIndex >= 0 && frames.at(failingIndex)?.fp === error?.fp ? failingIndex : -1
  if (failingFrame >= 0 && !kept.includes(failingFrame)) {
    kept.push(failingFrame)
    kept.sort((a, b) => a - b)
  }
  const placed: Array<Placed> = []
  const activationsKept = new Set<number>()
  for (const [k, index] of kept.entries()) {
    const frame = frames.at(index)!
    const following = frames.at(index + 1)
    const record = view.record(frame.fp)
    const previous = index === 0 ? undefined : frames.at(index - 1)
    const first = previous === undefined || previous.activation !== frame.activation
      ? (frame.activation === 0 && view.trap ? "trap" : "exit")
      : undefined
    const next: Extract<Row, { kind: "frame" }>["next"] = following !== undefined && following.activation === frame.activation
      ? { kind: "frame", index: index + 1 }
      : following !== undefined || (record.savedFp !== undefined && (error === undefined || (error.activation !== undefined && error.activation !== frame.activation)))
      ? { kind: "host" }
      : { kind: "end" }
    activationsKept.add(frame.activation)
    placed.push({
      address: frame.fp,
      order: 0,
      row: {
        kind: "frame",
        index,
        frame,
        savedFp: record.savedFp,
        savedPc: record.savedPc,
        first,
        next,
        failing: index === failingFrame ? error?.message : undefined
      }
    })
    const after = kept[k + 1]
    if (after !== undefined && after > index + 1) {
      placed.push({ address: frame.fp, order: 2, row: { kind: "elided", from: index + 1, to: after - 1 } })
    }
  }
  // The failing activation's entry value, even when none of its frames is drawn.
  if (error?.activation !== undefined && error.fp !== undefined) activationsKept.add(error.activation)
  for (const activation of activationsKept) {
    const entry = view.activations[activation]
    if (entry !== undefined) {
      placed.push({ address: entry.entry, order: 3, row: { kind: "entry", activation, value: entry.entry, label: entry.entryLabel } })
    }
  }
  if (error !== undefined && failingFrame < 0 && error.fp !== undefined) {
    placed.push({ address: error.fp, order: 1, row: { kind: "candidate", fp: error.fp, failing: error.message } })
  }
  placed.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.order - b.order))

  const regions = [...view.regions].filter((r) => r.length > 0).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
  const rows: Array<{ address: bigint | undefined; row: Row }> = []
  let current: number | undefined
  let lastRegion = -1
  for (const { address, row } of placed) {
    const inRegion = regionOf(regions, address)
    if (inRegion !== current && row.kind !== "elided") {
      if (inRegion >= 0) {
        const skipped = inRegion - lastRegion - 1
        if (skipped > 0) rows.push({ address: undefined, row: { kind: "skipped", regions: skipped } })
        const r = regions[inRegion]!
        rows.push({ address: r.address, row: { kind: "region", address: r.address, length: r.length } })
        lastRegion = Math.max(lastRegion, inRegion)
      } else {
        rows.push({ address: undefined, row: { kind: "uncaptured" } })
      }
      current = inRegion
    }
    rows.push({ address: row.kind === "elided" ? undefined : address, row })
  }
  const after = regions.length - 1 - lastRegion
  if (after > 0) rows.push({ address: undefined, row: { kind: "skipped", regions: after } })
  if (error !== undefined && failingFrame < 0 && error.fp === undefined) rows.push({ address: undefined, row: { kind: "error", failing: error.message } })
  return { title: summary(view), rows }
}

const opt = (value: bigint | undefined): string => (value === undefined ? "(not captured)" : hex(value))

const width = (rows: Layout["rows"]): number => {
  let w = 0
  for (const { address } of rows) if (address !== undefined) w = Math.max(w, hex(address).length)
  return w
}

const describe = (row: Row, p: Paint, frameRow: (index: number) => boolean, elided: (index: number) => boolean): string => {
  switch (row.kind) {
    case "frame": {
      const notes: Array<string> = []
      if (row.first !== undefined) {
        notes.push(p.yellow(`<- ${row.first === "trap" ? "trap FP" : "FP"} of activation ${row.frame.activation} (${row.first === "trap" ? "trap " : ""}PC ${hex(row.frame.pc)})`))
      }
      if (row.next.kind === "frame" && !frameRow(row.next.index) && !elided(row.next.index)) notes.push(`-> #${row.next.index}`)
      if (row.next.kind === "host") notes.push(p.dim(`-> ${opt(row.savedFp)}: host frame, activation ${row.frame.activation} ends`))
      const record = `#${row.index}  [saved FP ${opt(row.savedFp)} | saved PC ${opt(row.savedPc)}]`
      const text = [row.failing === undefined ? record : p.red(record), ...notes].join("  ")
      return row.failing === undefined ? text : `${text}\n${p.red(`      x ${row.failing}.`)}`
    }
    case "candidate":
      return p.red(`x FP ${hex(row.fp)} is not a frame: ${row.failing}.`)
    case "entry":
      return p.cyan(`── ${row.label} of activation ${row.activation}`)
    case "elided":
      return p.dim(`⋮  ${plural(row.to - row.from + 1, "frame")} not drawn (#${count(row.from)} to #${count(row.to)})`)
    default:
      return ""
  }
}

/**
 * Draws the layout for a terminal, as chunks of text.
 *
 * @category rendering
 * @since 0.1.0
 */
export function* renderDiagram(view: StackView, options: { readonly color?: boolean | undefined } = {}): Generator<string> {
  const p = paint(options.color === true)
  const { rows, title } = layout(view)
  const w = width(rows)
  const lines: Array<string> = [p.bold(title), p.dim("memory, lowest address first; a frame record is the saved FP and PC at its FP")]
  const drawn = new Set<number>()
  const elidedFrom = new Set<number>()
  for (const { row } of rows) {
    if (row.kind === "frame") drawn.add(row.index)
    if (row.kind === "elided") elidedFrom.add(row.from)
  }
  const isDrawn = (i: number) => drawn.has(i)
  const isElided = (i: number) => elidedFrom.has(i)
  // The chain's gutter: open while a frame's saved FP leads to a row still below.
  let open = false
  for (const { address, row } of rows) {
    const at = address === undefined ? "" : hex(address)
    switch (row.kind) {
      case "region":
        lines.push(p.bold(`region ${hex(row.address)}..${hex(row.address + BigInt(row.length))} (${plural(row.length, "byte")})`))
        break
      case "uncaptured":
        lines.push(p.bold("not in the captured memory"))
        break
      case "skipped":
        lines.push(p.dim(`(${plural(row.regions, "region")} with no frame)`))
        break
      case "error":
        lines.push(p.red(`x ${row.failing}.`))
        break
      case "frame": {
        const incoming = open
        const outgoing = row.next.kind === "frame"
        const gutter = incoming ? (outgoing ? "├▶" : "└▶") : outgoing ? "┌─" : "──"
        open = outgoing
        lines.push(`  ${at.padEnd(w)}  ${gutter} ${describe(row, p, isDrawn, isElided)}`)
        break
      }
      default:
        lines.push(`  ${at.padEnd(w)}  ${open ? "│ " : "  "} ${describe(row, p, isDrawn, isElided)}`)
    }
  }
  yield lines.join("\n") + "\n"
}
