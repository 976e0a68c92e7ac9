/**
 * `/openapi.json` against the real answers: a session of requests that
 * reaches every route, method and status the service answers (a stalled and
 * a crashed worker included, with the test-only hooks), and for each answer
 * its route, method, status and media type must be described, and its JSON
 * body (each line of an NDJSON one) must validate against the described
 * schema. Needs `npm run build` (the workers run dist/).
 */
import { readFileSync } from "node:fs"
import { gunzipSync, gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import type { RunningServer } from "../../src/cli/serve.js"
import { check } from "./schema.js"
import type { Answer, Send } from "./support.js"
import { JSON_HEADERS, NDJSON_HEADERS, send, stack, start } from "./support.js"

interface Description {
  readonly openapi: string
  readonly paths: Record<string, Record<string, { responses: Record<string, Described> }>>
  readonly components: { readonly schemas: Record<string, unknown>; readonly responses: Record<string, Described> }
}
interface Described {
  readonly content?: Record<string, { schema?: unknown; "x-fpwalk-line-schema"?: unknown }>
}

const core = gunzipSync(readFileSync(new URL("../fixtures/cores/x86_64-threads.core.gz", import.meta.url)))

const mediaTypeOf = (answer: Answer): string => (answer.headers["content-type"] ?? "").split(";")[0]!.trim()

describe("fpwalk serve: the schema check", () => {
  it("refuses what the description does not allow", async () => {
    const { openApi } = await import("../../src/internal/openapi.js")
    const validate = check(openApi)
    const result = { $ref: "#/components/schemas/WalkResult" }
    expect(validate({ ok: true, frames: [{ pc: "0x10", fp: "0x20", activation: 0 }] }, result)).toEqual([])
    expect(validate({ ok: true, frames: [{ pc: "0x10", fp: "0x20", extra: 1 }] }, result)).not.toEqual([])
    expect(validate({ ok: true, frames: [{ pc: "16", fp: "0x20" }] }, result)).not.toEqual([])
    expect(validate({ ok: false, frames: [] }, result)).not.toEqual([])
    const error = { $ref: "#/components/schemas/Error" }
    expect(validate({ error: { kind: "input", message: "m", path: "" } }, error)).toEqual([])
    expect(validate({ error: { kind: "oops", message: "m" } }, error)).not.toEqual([])
    expect(validate({ error: { kind: "input" } }, error)).not.toEqual([])
  })
})

describe("fpwalk serve: /openapi.json", () => {
  it("describes every route, status and media type the service answers, and its bodies validate", async () => {
    const server: RunningServer = await start({
      workers: 2,
      requestTimeout: 2500,
      bodyLimit: 1024 * 1024,
      maxBatchLines: 3,
      maxWalks: 4,
      testFaults: true
    })
    const description = JSON.parse((await send(server, "/openapi.json")).text) as Description
    expect(description.openapi).toBe("3.1.0")
    const validate = check(description)

    const broken = JSON.stringify(stack(3)).replace(/"base64":"(.)/, "\"base64\":\"*")
    const exchanges: Array<readonly [string, Send]> = [
      ["/v1/walk", { headers: JSON_HEADERS, body: JSON.stringify(stack(5)) }],
      ["/v1/walk", { headers: JSON_HEADERS, body: JSON.stringify({ ...stack(8), options: { maxFrames: "0x3" } }) }],
      ["/v1/walk", { headers: JSON_HEADERS, body: broken }],
      ["/v1/walk", { headers: JSON_HEADERS, body: "{" }],
      ["/v1/walk", { headers: { ...JSON_HEADERS, "content-encoding": "gzip" }, body: gzipSync(JSON.stringify(stack(2))) }],
      ["/v1/walk", { headers: { ...JSON_HEADERS, "content-encoding": "br" }, body: "{}" }],
      ["/v1/walk", { headers: { "content-type": "text/plain" }, body: "{}" }],
      ["/v1/walk", { headers: { "content-type": "application/octet-stream" }, body: "\x7fELF" }],
      ["/v1/walk", { headers: JSON_HEADERS, body: "x".repeat(1024 * 1024 + 1) }],
      ["/v1/walk", { headers: { "content-type": "application/octet-stream" }, body: core }],
      ["/v1/walk", { headers: JSON_HEADERS, body: "FPWALK-TEST-STALL" }],
      ["/v1/walk", { headers: JSON_HEADERS, body: "FPWALK-TEST-CRASH" }],
      ["/v1/walk", { method: "GET" }],
      ["/v1/walk/batch", { headers: NDJSON_HEADERS, body: `${JSON.stringify(stack(2))}\n{\nFPWALK-TEST-CRASH\n` }],
      ["/v1/walk/batch", { headers: NDJSON_HEADERS, body: "{}\n{}\n{}\n{}\n" }],
      ["/healthz", {}],
      ["/healthz", { method: "HEAD" }],
      ["/readyz", {}],
      ["/metrics", {}],
      ["/openapi.json", { method: "HEAD" }],
      ["/nowhere", {}],
      ["/healthz", { method: "POST", headers: JSON_HEADERS, body: "{}" }]
    ]
    const answers = await Promise.all(exchanges.map(([path, options]) => send(server, path, options)))
    // A request time that runs out while the body is still coming: 408.
    answers.push(await slowBody(server))
    exchanges.push(["/v1/walk", { method: "POST" }])
    await server.shutdown()

    // The core file was walked (a NativeResult), not refused.
    expect(answers[exchanges.findIndex(([, options]) => options.body === core)]!.status).toBe(200)
    const seen = new Set<string>()
    answers.forEach((answer, i) => {
      const [path, options] = exchanges[i]!
      const method = (options.method ?? (options.body === undefined ? "GET" : "POST")).toLowerCase()
      const operation = description.paths[path]?.[method]
      const described: Described | undefined = operation !== undefined
        ? operation.responses[String(answer.status)]
        : description.paths[path] === undefined
        ? (answer.status === 404 ? description.components.responses["NotFound"] : undefined)
        : (answer.status === 405 ? description.components.responses["MethodNotAllowed"] : undefined)
      const where = `${method.toUpperCase()} ${path} → ${answer.status}`
      seen.add(`${path} ${answer.status}`)
      expect(described, `${where} is not described`).toBeDefined()
      if (method === "head") return expect(answer.text).toBe("")
      const media = described!.content?.[mediaTypeOf(answer)]
      expect(media, `${where}: ${mediaTypeOf(answer)} is not described`).toBeDefined()
      const lineSchema = media!["x-fpwalk-line-schema"]
      if (lineSchema !== undefined) {
        const lines = answer.text.split("\n")
        expect(lines.pop()).toBe("")
        for (const line of lines) expect(validate(JSON.parse(line), lineSchema), where).toEqual([])
      } else if (mediaTypeOf(answer) === "application/json") {
        expect(validate(JSON.parse(answer.text), media!.schema), where).toEqual([])
      } else {
        expect(validate(answer.text, media!.schema), where).toEqual([])
      }
    })
    // The session reached every status the description gives /v1/walk.
    expect([...seen].filter((key) => key.startsWith("/v1/walk ")).sort()).toEqual(
      Object.keys(description.paths["/v1/walk"]!["post"]!.responses).map((status) => `/v1/walk ${status}`).sort()
        .concat(["/v1/walk 405"]).sort()
    )
  })
})

/** A walk request whose body stops halfway: the server answers 408 at the request time. */
const slowBody = (server: RunningServer): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const text = JSON.stringify(stack(4))
    void import("node:http").then(({ request }) => {
      const req = request(`${server.url}/v1/walk`, {
        method: "POST",
        agent: false,
        headers: { ...JSON_HEADERS, "content-length": text.length }
      }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
      })
      req.on("error", reject)
      req.write(text.slice(0, 10))
    })
  })
