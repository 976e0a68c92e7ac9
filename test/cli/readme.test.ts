/**
 * The README as a newcomer reads it: short, every link leading somewhere,
 * the wasmtime link where its label says, and no talk of the project's own
 * history. (Its code blocks are run by package.test.ts.)
 */
import { describe, expect, it } from "vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const readme = readFileSync(join(root, "README.md"), "utf8")
const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)

describe("README.md", () => {
  it("reads in five minutes: under 15 KB", () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(15 * 1024)
  })

  it("links to files that exist", () => {
    const local = links.filter((link) => !/^[a-z]+:/.test(link))
    expect(local.length).toBeGreaterThan(5)
    for (const link of local) expect(existsSync(join(root, link.replace(/#.*$/, ""))), link).toBe(true)
  })

  it("its backtrace.rs link is wasmtime's backtrace.rs", () => {
    const link = /\[`?backtrace\.rs`?\]\(([^)]+)\)/.exec(readme)?.[1]
    expect(link).toMatch(/^https:\/\/github\.com\/bytecodealliance\/wasmtime\/blob\/[0-9a-f]+\/crates\/runtime\/src\/traphandlers\/backtrace\.rs$/)
  })

  it("speaks to users, not about the project's history", () => {
    expect(readme).not.toMatch(/\bthe issue\b|\bcommit [0-9a-f]{7}|\bthis change\b/i)
  })
})
