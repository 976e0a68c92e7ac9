/**
 * A stranger's path: this tree as a fresh checkout gets it, its README's
 * commands, `npm pack`, the tarball installed into an empty project, and
 * every code block of the README run there:
 *
 * - `sh`: the two commands. `npm start` runs in the copy; `npm ci` is what
 *   filled the node_modules the copy links to (it needs the registry), and
 *   `npm test` is the suite this test is part of.
 * - `console`: each `$ fpwalk …` line runs with the installed package's
 *   `fpwalk`, in the copy (for its examples/), and must print exactly the
 *   lines under it.
 * - `js`: run with node in the project, as ES modules.
 * - `ts`: type-checked in the project with this repository's tsc.
 * - `json`: parsed.
 *
 * The copy is packed (not this tree) because `prepack` rebuilds dist/,
 * which the other CLI tests are running at the same time.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }

const sh = (command: string, cwd: string, env: Record<string, string> = {}) => {
  const run = spawnSync("sh", ["-c", command], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...env }
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const must = (what: string, run: ReturnType<typeof sh>) => {
  if (run.status !== 0) throw new Error(`${what} failed (${run.status}):\n${run.stderr}${run.stdout}`.slice(0, 4000))
  return run
}

interface Block {
  readonly lang: string
  readonly code: string
  readonly line: number
}

const readmeBlocks = (text: string): Array<Block> =>
  [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    code: m[2]!,
    line: text.slice(0, m.index).split("\n").length
  }))

/** fpwalk's dependencies and theirs (optional ones where installed), from node_modules. */
const runtimeDependencies = (): Array<string> => {
  const found = new Set<string>()
  const visit = (names: ReadonlyArray<string>) => {
    for (const name of names) {
      const manifest = join(root, "node_modules", name, "package.json")
      if (found.has(name) || !existsSync(manifest)) continue
      found.add(name)
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { dependencies?: object; optionalDependencies?: object }
      visit([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})])
    }
  }
  const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: object }
  visit(Object.keys(own.dependencies ?? {}))
  return [...found]
}

let copy = ""
let project = ""
let tarball = ""
let files: Array<string> = []
const blocks = readmeBlocks(readFileSync(join(root, "README.md"), "utf8"))

describe("a stranger's path", () => {
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "fpwalk-checkout-"))
    must("copying the tree", sh(`git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C '${copy}'`, root))
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"))
    must("npm pack", sh("npm pack --silent --pack-destination .", copy))
    tarball = join(copy, `fpwalk-${version}.tgz`)
    files = must("listing the tarball", sh(`tar -tzf '${tarball}'`, copy)).stdout.trim().split("\n")
    project = mkdtempSync(join(tmpdir(), "fpwalk-stranger-"))
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "stranger", private: true, type: "module" }))
    // The dependencies come from npm's cache (filled by npm ci) or the
    // registry; with neither (an offline machine whose cache lacks their
    // metadata), from this checkout's node_modules, packed as they are.
    const installed = sh(`npm install --prefer-offline --no-audit --no-fund '${tarball}'`, project)
    if (installed.status !== 0) {
      const deps = mkdtempSync(join(tmpdir(), "fpwalk-deps-"))
      const packed = runtimeDependencies().map((name) => must(`npm pack ${name}`, sh(`npm pack --silent --ignore-scripts '${join(root, "node_modules", name)}'`, deps)).stdout.trim())
      must("npm install of the tarball (offline)", sh(`npm install --offline --no-audit --no-fund ${[...packed.map((f) => join(deps, f)), tarball].map((f) => `'${f}'`).join(" ")}`, project))
    }
  }, 600_000)

  it("the README's two commands are `npm ci && npm start` and `npm test`, and npm start walks the examples", () => {
    const commands = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.code.trim().split("\n"))
    expect(commands.map((c) => c.replace(/\s+#.*$/, ""))).toEqual(["npm ci && npm start", "npm test"])
    const start = sh("npm start", copy)
    expect(start.status, start.stderr).toBe(0)
    expect(start.stdout).toContain("examples/x86_64-valid.json: x86_64, valid stack, 5 frames in 2 activations")
    expect(start.stdout).toContain("npm start: every example walked")
  }, 300_000)

  it("the tarball holds the build, the licence and the examples, and no source maps or sources", () => {
    for (const file of ["package/LICENSE", "package/README.md", "package/dist/index.js", "package/dist/index.d.ts", "package/dist/bundle/bin.js", "package/examples/x86_64-valid.json"]) {
      expect(files).toContain(file)
    }
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([])
    expect(files.filter((f) => f.startsWith("package/src/") || f.startsWith("package/test/"))).toEqual([])
    expect(readFileSync(join(project, "node_modules/fpwalk/LICENSE"), "utf8")).toContain("Apache License")
  })

  it("exports the library's modules, not the CLI's internals", () => {
    const probe = (specifier: string) =>
      sh(`node --input-type=module -e 'import(${JSON.stringify(specifier)}).then(() => console.log("ok"), (e) => console.log(e.code))'`, project).stdout.trim()
    expect(probe("fpwalk")).toBe("ok")
    expect(probe("fpwalk/Walker")).toBe("ok")
    expect(probe("fpwalk/Snapshot")).toBe("ok")
    expect(probe("fpwalk/cli/bin")).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED")
    expect(probe("fpwalk/cli/walk")).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED")
    expect(probe("fpwalk/internal/Cursor")).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED")
  })

  it("the installed fpwalk runs: --version is the package's", () => {
    const run = sh("./node_modules/.bin/fpwalk --version", project)
    expect([run.status, run.stdout]).toEqual([0, `fpwalk ${version}\n`])
  })

  it("every README code block runs as written", () => {
    expect(blocks.map((b) => b.lang).sort()).toEqual(expect.arrayContaining(["console", "js", "json", "sh", "ts"]))
    const bin = join(project, "node_modules/.bin")
    for (const [n, block] of blocks.entries()) {
      const where = `README.md:${block.line} (${block.lang})`
      switch (block.lang) {
        case "console": {
          const parts = block.code.split(/^\$ /m).filter((p) => p !== "")
          for (const part of parts) {
            const [command, ...expected] = part.replace(/\n$/, "").split("\n")
            const run = sh(`${command} 2>&1`, copy, { PATH: `${bin}:${process.env["PATH"] ?? ""}` })
            expect(run.stdout.replace(/\n$/, "").split("\n"), `${where}: $ ${command}`).toEqual(expected)
          }
          break
        }
        case "js": {
          const file = join(project, `readme-${n}.mjs`)
          writeFileSync(file, block.code)
          const run = sh(`node '${file}'`, project)
          expect([run.status, run.stderr], `${where}\n${run.stdout}`).toEqual([0, ""])
          break
        }
        case "ts": {
          const file = `readme-${n}.ts`
          writeFileSync(join(project, file), block.code)
          writeFileSync(
            join(project, "tsconfig.json"),
            JSON.stringify({
              compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, skipLibCheck: true, types: [] },
              files: [file]
            })
          )
          const tsc = join(root, "node_modules/typescript/bin/tsc")
          expect(existsSync(tsc)).toBe(true)
          const run = sh(`node '${tsc}' -p tsconfig.json`, project)
          expect([run.status, run.stdout + run.stderr], where).toEqual([0, ""])
          break
        }
        case "json":
          expect(() => JSON.parse(block.code), where).not.toThrow()
          break
        case "sh":
          break // the first test
        default:
          throw new Error(`${where}: a code block this test does not know how to run`)
      }
    }
  }, 300_000)
})
