/**
 * Imports in src/ never form a cycle, type imports and dynamic imports
 * included: data flows one way (formats → memory and activations → walk →
 * result → JSON, CLI, HTTP).
 *
 * Why not madge or dpdm: madge parses TypeScript through the `typescript`
 * package's JavaScript API, which TypeScript 7 (the native compiler this
 * project builds with) no longer has; dpdm does not resolve the `./x.js`
 * specifiers of NodeNext sources to their `./x.ts` files, so it sees no
 * edges at all and reports no cycle whatever the code (both tried). The
 * check below needs no resolution beyond that one rule: relative
 * specifiers, `.js` read as `.ts`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^"';]*?\sfrom\s)?["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g

const sources = (root: string): Array<string> =>
  readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => join(root, f))

/** Every file's relative imports, resolved to files. */
const graph = (root: string): Map<string, Array<string>> => {
  const files = sources(root)
  const known = new Set(files)
  return new Map(files.map((file) => {
    // Comments may hold examples with imports: drop them first.
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    const targets = [...code.matchAll(SPECIFIER)]
      .map((m) => resolve(dirname(file), (m[1] ?? m[2]!).replace(/\.js$/, ".ts")))
      .filter((target) => known.has(target))
    return [file, targets]
  }))
}

/** The cycles of a graph (Tarjan's strongly connected components of more than one file, or a self-import). */
const cycles = (edges: Map<string, Array<string>>): Array<Array<string>> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const found: Array<Array<string>> = []
  let next = 0
  const visit = (node: string): void => {
    index.set(node, next)
    low.set(node, next++)
    stack.push(node)
    onStack.add(node)
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to)
        low.set(node, Math.min(low.get(node)!, low.get(to)!))
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!))
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: Array<string> = []
      for (let member = stack.pop()!; ; member = stack.pop()!) {
        onStack.delete(member)
        component.push(member)
        if (member === node) break
      }
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component)
    }
  }
  for (const node of edges.keys()) if (!index.has(node)) visit(node)
  return found
}

describe("import cycles", () => {
  it("finds a planted cycle of type imports and one through a dynamic import", () => {
    const dir = mkdtempSync(join(tmpdir(), "fpwalk-cycles-"))
    try {
      writeFileSync(join(dir, "a.ts"), `import type { B } from "./b.js"\nexport type A = { b?: B }\n`)
      writeFileSync(join(dir, "b.ts"), `import type { A } from "./a.js"\nexport type B = { a?: A }\n`)
      writeFileSync(join(dir, "c.ts"), `export const c = () => import("./d.js")\n`)
      writeFileSync(join(dir, "d.ts"), `export { c } from "./c.js"\n`)
      writeFileSync(join(dir, "e.ts"), `// import { a } from "./a.js"\nimport { c } from "./c.js"\nexport const e = c\n`)
      const found = cycles(graph(dir)).map((c) => c.map((f) => relative(dir, f)).sort())
      expect(found.sort()).toEqual([["a.ts", "b.ts"], ["c.ts", "d.ts"]])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("src/ has none", () => {
    const src = fileURLToPath(new URL("../src/", import.meta.url))
    const edges = graph(src)
    expect(edges.size).toBeGreaterThan(30)
    // The scan sees the imports it must: the engine's and the walker's.
    expect(edges.get(join(src, "Walker.ts"))).toContain(join(src, "internal", "Cursor.ts"))
    expect(cycles(edges).map((c) => c.map((f) => relative(src, f)))).toEqual([])
  })
})
