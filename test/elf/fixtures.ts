/**
 * The small real cores and programs under test/elf/fixtures/ (gzipped), made
 * by test/elf/fixtures/make.sh from prog.c: an x86_64 `gcore` of a
 * three-thread process stopped at its SIGSEGV, and the s390x core qemu-user
 * wrote for the same program built static. Expected values are what gdb
 * printed for them (recorded in test/elf/fixtures/gdb.txt).
 */
import { readFileSync } from "node:fs"
import { gunzipSync } from "node:zlib"

const cache = new Map<string, Uint8Array>()

export const fixture = (name: string): Uint8Array => {
  let bytes = cache.get(name)
  if (bytes === undefined) {
    bytes = new Uint8Array(gunzipSync(readFileSync(new URL(`./fixtures/${name}.gz`, import.meta.url))))
    cache.set(name, bytes)
  }
  return bytes
}
