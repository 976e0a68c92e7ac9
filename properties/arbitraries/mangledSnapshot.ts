/**
 * A snapshot JSON with one field broken: a value replaced by any JSON
 * value, a key removed, or an unknown key added, anywhere in the document.
 * For checking that decoding never throws and names what it rejects.
 */
import * as fc from "fast-check"
import type { ArchId } from "../../src/Arch.js"
import { anyStack } from "./anyStack.js"

type Json = unknown

const paths = (value: Json, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const here = [prefix]
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))]
  if (typeof value === "object" && value !== null) {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))]
  }
  return here
}

const edit = (value: Json, path: ReadonlyArray<string | number>, change: (old: Json) => Json | typeof REMOVE): Json => {
  if (path.length === 0) return change(value)
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => {
      if (i !== head) return [v]
      const next = edit(v, rest, change)
      return next === REMOVE ? [] : [next]
    })
  }
  const record = value as Record<string, Json>
  const next = edit(record[head as string], rest, change)
  const { [head as string]: _, ...others } = record
  return next === REMOVE ? others : { ...others, [head as string]: next }
}

const REMOVE = Symbol("remove")

export const mangledSnapshot = (arch: ArchId): fc.Arbitrary<Json> =>
  fc.tuple(
    anyStack(arch),
    fc.nat(),
    fc.oneof(
      fc.record({ kind: fc.constant("replace" as const), value: fc.jsonValue() }),
      fc.constant({ kind: "remove" as const }),
      fc.record({ kind: fc.constant("add" as const), key: fc.string(), value: fc.jsonValue() })
    )
  ).map(([json, pick, change]) => {
    const all = paths(json)
    const path = all[pick % all.length]!
    return edit(json, path, (old) => {
      switch (change.kind) {
        case "replace":
          return change.value
        case "remove":
          return path.length === 0 ? old : REMOVE
        case "add":
          return typeof old === "object" && old !== null && !Array.isArray(old) ? { ...old, [change.key]: change.value } : old
      }
    })
  })
