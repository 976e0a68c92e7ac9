/**
 * A tiny JSON Schema check, for the subset src/internal/openapi.ts uses:
 * `$ref` (to `#/components/schemas/…`), `type` (one or a list), `const`,
 * `enum`, `pattern`, `minimum`, `properties`, `required`,
 * `additionalProperties` (false or a schema), `items`, `oneOf`. Any other
 * keyword fails the check, so the description cannot use one this code
 * does not check. Returns the problems found, each with its JSON path.
 */
type Schema = Readonly<Record<string, unknown>>

const KNOWN = new Set([
  "$ref",
  "type",
  "const",
  "enum",
  "pattern",
  "minimum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "oneOf",
  "description",
  "contentMediaType"
])

const typeOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value === "number"
    ? (Number.isInteger(value) ? "integer" : "number")
    : typeof value

const hasType = (value: unknown, type: string): boolean => {
  const actual = typeOf(value)
  return actual === type || (type === "number" && actual === "integer")
}

export const check = (root: { readonly components: { readonly schemas: Readonly<Record<string, unknown>> } }) => {
  const resolve = (schema: Schema): Schema => {
    const ref = schema["$ref"]
    if (typeof ref !== "string") return schema
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1]
    const found = name === undefined ? undefined : root.components.schemas[name]
    if (found === undefined) throw new Error(`unresolved $ref ${ref}`)
    return resolve(found as Schema)
  }
  const validate = (value: unknown, given: Schema, path: string): Array<string> => {
    const schema = resolve(given)
    for (const key of Object.keys(schema)) if (!KNOWN.has(key)) return [`${path}: the checker does not know '${key}'`]
    const problems: Array<string> = []
    const type = schema["type"]
    if (type !== undefined) {
      const types = Array.isArray(type) ? type as Array<string> : [type as string]
      if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join(" or ")}, got ${typeOf(value)}`]
    }
    if ("const" in schema && value !== schema["const"]) problems.push(`${path}: expected ${JSON.stringify(schema["const"])}`)
    if (Array.isArray(schema["enum"]) && !(schema["enum"] as Array<unknown>).includes(value)) {
      problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema["enum"])}`)
    }
    if (typeof schema["pattern"] === "string" && typeof value === "string" && !new RegExp(schema["pattern"]).test(value)) {
      problems.push(`${path}: '${value}' does not match ${schema["pattern"]}`)
    }
    if (typeof schema["minimum"] === "number" && typeof value === "number" && value < schema["minimum"]) {
      problems.push(`${path}: ${value} is below ${schema["minimum"]}`)
    }
    if (typeOf(value) === "object") {
      const object = value as Record<string, unknown>
      const properties = (schema["properties"] ?? {}) as Record<string, Schema>
      for (const key of (schema["required"] ?? []) as Array<string>) {
        if (!Object.hasOwn(object, key)) problems.push(`${path}: missing '${key}'`)
      }
      for (const [key, item] of Object.entries(object)) {
        const property = properties[key]
        const additional = schema["additionalProperties"]
        if (property !== undefined) problems.push(...validate(item, property, `${path}.${key}`))
        else if (additional === false) problems.push(`${path}: unexpected '${key}'`)
        else if (typeof additional === "object" && additional !== null) {
          problems.push(...validate(item, additional as Schema, `${path}.${key}`))
        }
      }
    }
    if (Array.isArray(value) && schema["items"] !== undefined) {
      value.forEach((item, i) => problems.push(...validate(item, schema["items"] as Schema, `${path}[${i}]`)))
    }
    if (Array.isArray(schema["oneOf"])) {
      const matching = (schema["oneOf"] as Array<Schema>).filter((option) => validate(value, option, path).length === 0)
      if (matching.length !== 1) problems.push(`${path}: matches ${matching.length} of oneOf's ${schema["oneOf"].length}`)
    }
    return problems
  }
  return (value: unknown, schema: unknown): Array<string> => validate(value, schema as Schema, "$")
}
