/** Every fuzz target by name (the name is its file: fuzz/<name>.fuzz.ts). */
import { fuzz as minidump } from "./minidump.fuzz.js"
import { fuzz as core } from "./core.fuzz.js"
import { fuzz as snapshotJson } from "./snapshot-json.fuzz.js"
import { fuzz as walkAarch64 } from "./walk-aarch64.fuzz.js"
import { fuzz as walkRiscv64 } from "./walk-riscv64.fuzz.js"
import { fuzz as walkS390x } from "./walk-s390x.fuzz.js"
import { fuzz as walkX86_64 } from "./walk-x86_64.fuzz.js"

export const targets: Readonly<Record<string, (data: Buffer) => void>> = {
  "walk-x86_64": walkX86_64,
  "walk-aarch64": walkAarch64,
  "walk-s390x": walkS390x,
  "walk-riscv64": walkRiscv64,
  "snapshot-json": snapshotJson,
  minidump,
  core
}
