/**
 * `fpwalk walk --svg`, checked the way a person would: the file is rendered
 * (rsvg-convert, from Debian's librsvg2-bin; .ci/run installs it) and the
 * picture is looked at: its size, the background, a filled box where each
 * frame record is drawn, the failing one in red, and the saved-FP arrows
 * between the boxes.
 */
import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { chain } from "./stacks.js"
import { decodePng } from "./png.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = join(root, "dist/bundle/bin.js")

const rsvgConvert = (svg: string, png: string): void => {
  const run = spawnSync("rsvg-convert", ["--format", "png", "--output", png, svg], { encoding: "utf8" })
  if (run.error !== undefined && (run.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("rsvg-convert is not installed; this test renders the SVG with it: apt-get install librsvg2-bin (.ci/run does)")
  }
  if (run.status !== 0) throw new Error(`rsvg-convert failed: ${run.stderr}`)
}

const draw = (args: ReadonlyArray<string>) => {
  if (!existsSync(bin)) throw new Error("dist/bundle/bin.js is missing: run `npm run build` (npm test does)")
  const dir = mkdtempSync(join(tmpdir(), "fpwalk-svg-"))
  const svgFile = join(dir, "stack.svg")
  const run = spawnSync(process.execPath, [bin, "walk", "--svg", svgFile, ...args], { cwd: root, encoding: "utf8" })
  const svg = readFileSync(svgFile, "utf8")
  const png = join(dir, "stack.png")
  rsvgConvert(svgFile, png)
  return { run, svg, image: decodePng(readFileSync(png)) }
}

interface Box {
  readonly classes: string
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

const boxes = (svg: string): Array<Box> =>
  [...svg.matchAll(/<rect class="(frame[^"]*)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => ({
    classes: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5])
  }))

const attribute = (svg: string, name: string): number => Number(new RegExp(`<svg [^>]*\\b${name}="(\\d+)"`).exec(svg)?.[1])

const close = (actual: readonly [number, number, number], hex: string, tolerance = 6) => {
  const expected = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
  return actual.every((c, i) => Math.abs(c - expected[i]!) <= tolerance)
}

const WHITE = "#ffffff"
const FRAME_FILL = "#cfe3fb"
const FAILING_FILL = "#fbd5d5"

describe("fpwalk walk --svg, rendered", () => {
  it("draws each frame record as a box, the failing one red, on a white page of the declared size", () => {
    const { image, run, svg } = draw(["examples/x86_64-UnmappedRead.json"])
    expect(run.status).toBe(1)
    expect([image.width, image.height]).toEqual([attribute(svg, "width"), attribute(svg, "height")])
    expect(close(image.pixel(2, 2), WHITE)).toBe(true)
    const drawn = boxes(svg)
    expect(drawn.map((b) => b.classes)).toEqual(["frame", "frame", "frame failing"])
    for (const box of drawn) {
      // Inside the box, right of its text and away from its border.
      const inside = image.pixel(Math.round(box.x + box.width - 6), Math.round(box.y + box.height / 2))
      expect(close(inside, box.classes.includes("failing") ? FAILING_FILL : FRAME_FILL), `${box.classes} at y=${box.y}: ${inside}`).toBe(true)
    }
  })

  it("draws an arrow from each saved FP to the next record, left of the boxes", () => {
    const { image, svg } = draw(["examples/x86_64-valid.json"])
    const drawn = boxes(svg)
    expect(drawn).toHaveLength(5)
    // Frames 0-1-2 and 3-4 are chains: between the rows of each pair, the
    // gutter left of the boxes has ink; between the activations (where only
    // the entry SP's dashed line starts, further right) it has none.
    const inkBetween = (top: Box, bottom: Box) => {
      let ink = 0
      for (let y = Math.round(top.y + top.height / 2) + 8; y < bottom.y + bottom.height / 2 - 8; y++) {
        for (let x = Math.round(top.x) - 22; x < top.x - 12; x++) if (!close(image.pixel(x, y), WHITE, 40) && !close(image.pixel(x, y), "#eef0f3", 8)) ink++
      }
      return ink
    }
    expect(inkBetween(drawn[0]!, drawn[1]!)).toBeGreaterThan(5)
    expect(inkBetween(drawn[1]!, drawn[2]!)).toBeGreaterThan(5)
    expect(inkBetween(drawn[3]!, drawn[4]!)).toBeGreaterThan(5)
    expect(inkBetween(drawn[2]!, drawn[3]!)).toBe(0)
  })

  it("stays a small picture for a 1,000,000-frame stack (the middle elided)", () => {
    const dir = mkdtempSync(join(tmpdir(), "fpwalk-svg-"))
    const big = join(dir, "big.json")
    writeFileSync(big, chain(1_000_000).text)
    const { image, run, svg } = draw(["-n", "3", big])
    expect(run.status).toBe(0)
    expect(boxes(svg)).toHaveLength(16)
    expect(svg).toContain("999,984 frames not drawn")
    expect(image.height).toBeLessThan(1000)
  })
})
