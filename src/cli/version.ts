/**
 * `fpwalk --version`: the version in the package's own package.json.
 *
 * Every place the CLI runs from is two folders below the package root
 * (src/cli/ from the source, dist/cli/ compiled, dist/bundle/ bundled, and
 * the same inside node_modules/fpwalk/), so the file is found relative to
 * this module, and the bundle needs nothing inlined.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { readFileSync } from "node:fs"

/**
 * The package's version, or `unknown` if package.json cannot be read.
 *
 * @category constructors
 * @since 0.1.0
 */
export const version = (): string => {
  const read = Result.try(() => JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as unknown)
  const pkg = Result.getOrElse(read, () => undefined)
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string"
    ? pkg.version
    : "unknown"
}
