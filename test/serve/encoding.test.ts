/**
 * Request bodies by Content-Encoding and media type: gzip is inflated as it
 * streams, with the body limit on the inflated size (a decompression bomb is
 * refused after about the limit, not after inflating); other codings get
 * 415; application/octet-stream gets 415 until binary inputs exist.
 * Needs `npm run build` (the workers run dist/).
 */
import { readFileSync } from "node:fs"
import { gunzipSync, gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningServer } from "../../src/cli/serve.js"
import { fromBytes } from "../../src/ByteSource.js"
import { nativeSupported } from "../../src/internal/walkTask.js"
import { nativeToJson, walkNativeSync } from "../../src/native/Report.js"
import { errorOf, expectedText, JSON_HEADERS, metric, NDJSON_HEADERS, send, stack, start, walk } from "./support.js"

const LIMIT = 256 * 1024

describe("fpwalk serve: Content-Encoding and binary bodies", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await start({ workers: 1, bodyLimit: LIMIT })
  })
  afterAll(async () => {
    await server.shutdown()
  })

  it("answers a gzip body byte for byte as the same body uncompressed", async () => {
    const json = stack(40)
    const text = JSON.stringify(json)
    for (const coding of ["gzip", "x-gzip", "GZip"]) {
      const answer = await walk(server, gzipSync(text), { ...JSON_HEADERS, "content-encoding": coding })
      expect(answer.status).toBe(200)
      expect(answer.text).toBe(expectedText(json))
    }
    const identity = await walk(server, text, { ...JSON_HEADERS, "content-encoding": "identity" })
    expect(identity.text).toBe(expectedText(json))
    const batch = await send(server, "/v1/walk/batch", {
      headers: { ...NDJSON_HEADERS, "content-encoding": "gzip" },
      body: gzipSync(`${text}\n${JSON.stringify(stack(2))}\n`)
    })
    expect(batch.text).toBe(expectedText(json) + expectedText(stack(2)))
  })

  it("refuses a gzip body whose inflated size passes the limit with 413, early", async () => {
    // 1 GiB of zeros in about 1 MiB of gzip: refused after about 256 KiB inflated.
    const bomb = gzipSync(Buffer.alloc(1024 * 1024 * 1024 / 8), { level: 9 })
    const chunks = Buffer.concat(Array.from({ length: 8 }, () => bomb))
    expect(chunks.length).toBeLessThan(LIMIT * 5)
    const before = process.memoryUsage().arrayBuffers
    const sent = performance.now()
    const answer = await walk(server, chunks.subarray(0, LIMIT - 1), { ...JSON_HEADERS, "content-encoding": "gzip" })
    expect(answer.status).toBe(413)
    expect(errorOf(answer)).toEqual({ kind: "too_large", message: `the body is larger than ${LIMIT} bytes` })
    // Inflating 1 GiB would take seconds and show in memory.
    expect(performance.now() - sent).toBeLessThan(2000)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it("refuses a gzip body whose compressed size passes the limit with 413", async () => {
    const noise = Buffer.from(Array.from({ length: LIMIT * 2 }, (_, i) => (i * 2654435761) >>> 24))
    const answer = await walk(server, gzipSync(noise, { level: 0 }), { ...JSON_HEADERS, "content-encoding": "gzip" })
    expect(answer.status).toBe(413)
  })

  it("answers a malformed gzip body with 400 at the document", async () => {
    const whole = gzipSync(JSON.stringify(stack(3)))
    for (const body of [Buffer.from("not gzip at all"), whole.subarray(0, whole.length - 9)]) {
      const answer = await walk(server, body, { ...JSON_HEADERS, "content-encoding": "gzip" })
      expect(answer.status).toBe(400)
      const error = errorOf(answer)
      expect(error.kind).toBe("input")
      expect(error.path).toBe("")
      expect(error.message).toMatch(/^not valid gzip \(/)
    }
  })

  it("answers other content codings with 415 and Accept-Encoding, before reading the body", async () => {
    for (const coding of ["br", "deflate", "gzip, gzip", "zstd"]) {
      const answer = await walk(server, JSON.stringify(stack(2)), { ...JSON_HEADERS, "content-encoding": coding })
      expect(answer.status).toBe(415)
      expect(answer.headers["accept-encoding"]).toBe("gzip")
      expect(errorOf(answer)).toEqual({
        kind: "unsupported_encoding",
        message: `Content-Encoding '${coding}': expected gzip or identity`
      })
    }
  })

  it("takes application/octet-stream on /v1/walk only: a core file walked as the library walks it", async () => {
    const answer = await walk(server, Buffer.from([0x7f, 0x45, 0x4c, 0x46]), { "content-type": "application/octet-stream" })
    if (nativeSupported) {
      expect(answer.status).toBe(400)
      expect(errorOf(answer).kind).toBe("input")
      const core = gunzipSync(readFileSync(new URL("../fixtures/cores/x86_64-deep5.core.gz", import.meta.url)))
      const walked = walkNativeSync(fromBytes(core), { maxFrames: 100_000n })
      if (!walked.ok) throw new Error(walked.error.message)
      const big = await start({ workers: 1 })
      const native = await walk(big, core, { "content-type": "application/octet-stream" })
      await big.shutdown()
      expect(native.status).toBe(200)
      expect(native.text).toBe(JSON.stringify(nativeToJson(walked.report)) + "\n")
      expect((JSON.parse(native.text) as { threads: Array<unknown> }).threads.length).toBeGreaterThan(0)
    } else {
      expect(answer.status).toBe(415)
      expect(errorOf(answer)).toEqual({ kind: "unsupported_media_type", message: "binary inputs are not supported yet" })
    }
    const batch = await send(server, "/v1/walk/batch", { headers: { "content-type": "application/octet-stream" }, body: "x" })
    expect(batch.status).toBe(415)
    expect(errorOf(batch).message).toMatch(/expected application\/x-ndjson or application\/json/)
    const text = (await send(server, "/metrics")).text
    expect(metric(text, "fpwalk_http_requests_total{route=\"/v1/walk/batch\",status=\"415\"}")).toBe(1)
  })
})
