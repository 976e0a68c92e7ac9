/**
 * `fpwalk walk --svg FILE`: the picture of {@link renderDiagram} as an SVG
 * a browser opens: the same rows (from {@link layout}), regions as grey
 * bands, frame records as boxes of `#i | saved FP | saved PC`, an arrow
 * from each record's saved FP to the record it points at, each entry SP as
 * a dashed line, and the failing frame in red with the error's sentence.
 *
 * Shapes carry a `class` (`frame`, `failing`, `region`, `entry`, `arrow`)
 * so tools and tests can find them.
 *
 * @since 0.1.0
 */
import type { Layout, Row } from "./diagram.js"
import { layout } from "./diagram.js"
import type { StackView } from "./stack.js"
import { count, hex, plural } from "./stack.js"

const ROW = 34
const TOP = 76
const BOX_X = 210
const INDEX_W = 56
const CELL_W = 250
const BOX_W = INDEX_W + 2 * CELL_W
const BOX_H = 24
const NOTE_X = BOX_X + BOX_W + 18
const CHAR_W = 8

/**
 * Colours of the picture (light background).
 *
 * @category constants
 * @since 0.1.0
 */
export const COLORS = {
  background: "#ffffff",
  region: "#eef0f3",
  regionStroke: "#9aa3af",
  frame: "#cfe3fb",
  frameStroke: "#2f6fb3",
  failing: "#fbd5d5",
  failingStroke: "#c62828",
  entry: "#00838f",
  note: "#8a5a00",
  text: "#1f2328",
  dim: "#6e7781"
} as const

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const text = (x: number, y: number, content: string, attributes = ""): string =>
  `<text x="${x}" y="${y}"${attributes === "" ? "" : ` ${attributes}`}>${escape(content)}</text>`

interface Placed {
  readonly row: Row
  readonly address: bigint | undefined
  readonly y: number
}

const place = (rows: Layout["rows"]): { placed: Array<Placed>; height: number } => {
  const placed: Array<Placed> = []
  let y = TOP
  for (const { address, row } of rows) {
    placed.push({ row, address, y })
    y += ROW + (row.kind === "frame" && row.failing !== undefined ? 20 : 0) + (row.kind === "candidate" ? 20 : 0)
  }
  return { placed, height: y + 16 }
}

const noteOf = (row: Row): string => {
  switch (row.kind) {
    case "frame": {
      const notes: Array<string> = []
      if (row.first !== undefined) {
        notes.push(`◀ ${row.first === "trap" ? "trap FP" : "FP"} of activation ${row.frame.activation} (${row.first === "trap" ? "trap " : ""}PC ${hex(row.frame.pc)})`)
      }
      if (row.next.kind === "host") notes.push(`→ host frame: activation ${row.frame.activation} ends`)
      return notes.join("  ")
    }
    case "entry":
      return `${row.label} of activation ${row.activation}`
    default:
      return ""
  }
}

const messageOf = (row: Row): string | undefined =>
  row.kind === "frame" && row.failing !== undefined
    ? `✖ ${row.failing}.`
    : row.kind === "candidate" || row.kind === "error"
    ? `✖ ${row.failing}.`
    : undefined

/**
 * The SVG document for one walked snapshot.
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderSvg = (view: StackView): string => {
  const { rows, title } = layout(view)
  const { height, placed } = place(rows)
  let textWidth = title.length * 9
  for (const { row } of placed) {
    textWidth = Math.max(textWidth, NOTE_X + noteOf(row).length * CHAR_W, BOX_X + (messageOf(row)?.length ?? 0) * CHAR_W)
  }
  const width = Math.ceil(Math.max(960, textWidth + 24))
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="13">`,
    `<title>${escape(title)}</title>`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${COLORS.frameStroke}"/></marker></defs>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="${COLORS.background}"/>`,
    text(16, 28, title, `font-size="15" font-weight="bold" fill="${COLORS.text}"`),
    text(16, 50, "memory, lowest address first; a frame record is the saved FP and saved PC at its FP", `fill="${COLORS.dim}"`)
  )
  // Regions: a band from their header to the last row inside them.
  for (let i = 0; i < placed.length; i++) {
    const header = placed[i]!
    if (header.row.kind !== "region") continue
    let j = i + 1
    while (j < placed.length && placed[j]!.address !== undefined && placed[j]!.row.kind !== "region") j++
    const bottom = (placed[j - 1]!.y) + ROW - 4 + (j - 1 > i && messageOf(placed[j - 1]!.row) !== undefined ? 20 : 0)
    out.push(
      `<rect class="region" x="8" y="${header.y - 18}" width="${width - 16}" height="${bottom - header.y + 18}" rx="6" fill="${COLORS.region}" stroke="${COLORS.regionStroke}"/>`,
      text(16, header.y + 2, `region ${hex(header.row.address)}..${hex(header.row.address + BigInt(header.row.length))} (${plural(header.row.length, "byte")})`, `font-weight="bold" fill="${COLORS.text}"`)
    )
  }
  const yOfFrame = new Map<number, number>()
  for (const { row, y } of placed) if (row.kind === "frame") yOfFrame.set(row.index, y)
  for (const { address, row, y } of placed) {
    const at = address === undefined ? "" : hex(address)
    const middle = y + 4
    switch (row.kind) {
      case "frame": {
        const failing = row.failing !== undefined
        const fill = failing ? COLORS.failing : COLORS.frame
        const stroke = failing ? COLORS.failingStroke : COLORS.frameStroke
        const top = middle - BOX_H / 2
        out.push(
          text(16, middle + 4, at, `fill="${COLORS.text}"`),
          `<rect class="${failing ? "frame failing" : "frame"}" x="${BOX_X}" y="${top}" width="${BOX_W}" height="${BOX_H}" fill="${fill}" stroke="${stroke}"/>`,
          `<line x1="${BOX_X + INDEX_W}" y1="${top}" x2="${BOX_X + INDEX_W}" y2="${top + BOX_H}" stroke="${stroke}"/>`,
          `<line x1="${BOX_X + INDEX_W + CELL_W}" y1="${top}" x2="${BOX_X + INDEX_W + CELL_W}" y2="${top + BOX_H}" stroke="${stroke}"/>`,
          text(BOX_X + 8, middle + 4, `#${row.index}`, `fill="${COLORS.text}" font-weight="bold"`),
          text(BOX_X + INDEX_W + 8, middle + 4, `saved FP ${row.savedFp === undefined ? "(not captured)" : hex(row.savedFp)}`, `fill="${COLORS.text}"`),
          text(BOX_X + INDEX_W + CELL_W + 8, middle + 4, `saved PC ${row.savedPc === undefined ? "(not captured)" : hex(row.savedPc)}`, `fill="${COLORS.text}"`)
        )
        const note = noteOf(row)
        if (note !== "") out.push(text(NOTE_X, middle + 4, note, `fill="${COLORS.note}"`))
        if (failing) out.push(text(BOX_X, middle + 30, messageOf(row)!, `fill="${COLORS.failingStroke}" font-weight="bold"`))
        // The saved FP's arrow, on the left of the boxes, down to the record it points at.
        const target = row.next.kind === "frame" ? yOfFrame.get(row.next.index) : undefined
        const elided = placed.find((p) => p.row.kind === "elided" && row.next.kind === "frame" && p.row.from === row.next.index)
        const to = target !== undefined ? target + 4 : elided !== undefined ? elided.y : undefined
        if (to !== undefined) {
          const bend = BOX_X - 26
          out.push(`<path class="arrow" d="M ${BOX_X} ${middle} C ${bend} ${middle}, ${bend} ${to}, ${BOX_X - 3} ${to}" fill="none" stroke="${COLORS.frameStroke}" stroke-width="1.6" marker-end="url(#head)"/>`)
        }
        break
      }
      case "candidate":
        out.push(
          text(16, middle + 4, at, `fill="${COLORS.text}"`),
          `<rect class="failing candidate" x="${BOX_X}" y="${middle - BOX_H / 2}" width="${BOX_W}" height="${BOX_H}" fill="${COLORS.failing}" stroke="${COLORS.failingStroke}" stroke-dasharray="5 3"/>`,
          text(BOX_X + 8, middle + 4, `FP ${hex(row.fp)} is not a frame`, `fill="${COLORS.failingStroke}"`),
          text(BOX_X, middle + 30, messageOf(row)!, `fill="${COLORS.failingStroke}" font-weight="bold"`)
        )
        break
      case "entry":
        out.push(
          text(16, middle + 4, at, `fill="${COLORS.entry}"`),
          `<line class="entry" x1="${BOX_X - 10}" y1="${middle}" x2="${BOX_X + BOX_W}" y2="${middle}" stroke="${COLORS.entry}" stroke-width="2" stroke-dasharray="8 4"/>`,
          text(NOTE_X, middle + 4, noteOf(row), `fill="${COLORS.entry}"`)
        )
        break
      case "elided":
        out.push(text(BOX_X + 8, middle + 4, `⋮ ${plural(row.to - row.from + 1, "frame")} not drawn (#${count(row.from)} to #${count(row.to)})`, `fill="${COLORS.dim}"`))
        break
      case "skipped":
        out.push(text(16, middle + 4, `(${plural(row.regions, "region")} with no frame)`, `fill="${COLORS.dim}"`))
        break
      case "uncaptured":
        out.push(text(16, middle + 4, "not in the captured memory", `font-weight="bold" fill="${COLORS.text}"`))
        break
      case "error":
        out.push(text(16, middle + 4, messageOf(row)!, `fill="${COLORS.failingStroke}" font-weight="bold"`))
        break
      case "region":
        break
    }
  }
  out.push("</svg>")
  return out.join("\n") + "\n"
}
