// `npm start`: walks every example with the built CLI (no shell needed).
// Most examples are broken on purpose, one per error, so the walker's exit
// status 1 (a walk error) is the expected end; 2 or more is a failure.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const run = spawnSync(process.execPath, ["dist/bundle/bin.js", "walk", "examples"], { cwd: root, stdio: "inherit" })
const status = run.status ?? 70
if (status === 1) console.log("\nnpm start: every example walked (the broken ones end in walk errors, as they should)")
process.exitCode = status <= 1 ? 0 : status
