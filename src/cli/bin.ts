#!/usr/bin/env node
/**
 * The `fpwalk` executable: runs {@link main} on the real process.
 *
 * @since 0.1.0
 */
import { processIo } from "./io.js"
import { main } from "./main.js"

// A reader that goes away (`fpwalk walk … | head`) is not an error of ours.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
})

main(process.argv.slice(2), processIo).then(
  (status) => {
    process.exitCode = status
  },
  (defect: unknown) => {
    // Unreachable by design; a defect here is a bug, reported without a stack.
    process.stderr.write(`fpwalk: internal error: ${String(defect)}\n`)
    process.exitCode = 70
  }
)
