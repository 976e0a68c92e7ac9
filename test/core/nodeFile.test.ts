/** The Node file adapter: bounded reads at offsets, typed errors, never a throw. */
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, expect, it } from "vitest"
import { MAX_READ, openFile } from "../../src/core/nodeFile.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fpwalk-node-file-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

it("reads ranges inside the file and answers undefined outside it, and after close", () => {
  const file = path.join(dir, "ten")
  fs.writeFileSync(file, Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
  const opened = openFile(file)
  if (Result.isFailure(opened)) throw new Error(opened.failure.message)
  const source = opened.success
  expect(source.size).toBe(10)
  expect([...source.read(3, 4)!]).toEqual([3, 4, 5, 6])
  expect([...source.read(10, 0)!]).toEqual([])
  expect([source.read(7, 4), source.read(-1, 2), source.read(0.5, 1), source.read(0, MAX_READ + 1)]).toEqual([undefined, undefined, undefined, undefined])
  source.close()
  source.close()
  expect(source.read(0, 1)).toBeUndefined()
})

it("fails with an InputError naming the path for a missing file and for a directory", () => {
  const missing = openFile(path.join(dir, "nope"))
  expect(Result.isFailure(missing) && missing.failure.message).toMatch(/nope: cannot open: ENOENT/)
  const folder = openFile(dir)
  expect(Result.isFailure(folder) && folder.failure.message).toBe(`${dir}: not a regular file`)
})
