// The OpenAPI 3.1 description of the walker service, served at
// `/openapi.json`. test/serve/openapi.test.ts checks it against real answers:
// every route, status and content type a test sees must be described here,
// and every JSON body must validate against its schema.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

const jsonBody = (schema: unknown, description: string) => ({
  description,
  content: { "application/json": { schema } }
})

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  ...jsonBody(ref("Error"), description),
  ...(headers === undefined ? {} : { headers })
})

const retryAfter = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "string" } }
}

const walkErrors = {
  "400": errorResponse("Not a valid input (kind `input`, with `path`): malformed JSON, a schema violation, nesting, regions or states over the limits, a body that is not UTF-8, a malformed gzip body"),
  "408": errorResponse("The body did not arrive within the request time (kind `timeout`)"),
  "413": errorResponse("The body, sent or decompressed, is over the body limit, or a batch has too many lines (kind `too_large`)"),
  "415": errorResponse(
    "Another media type (kind `unsupported_media_type`), or a Content-Encoding other than gzip or identity (kind `unsupported_encoding`, with `Accept-Encoding`)",
    { "Accept-Encoding": { description: "The codings accepted (`gzip`), on an unsupported_encoding answer", schema: { type: "string" } } }
  ),
  "503": errorResponse(
    "No walk slot or worker freed within the request time (kind `overloaded`, with `Retry-After`), or the walk ran past it and its worker was replaced (kind `walk_timeout`)",
    retryAfter
  )
}

const contentEncoding = {
  name: "Content-Encoding",
  in: "header",
  required: false,
  description: "`gzip` (the body limit applies to the decompressed size as it streams) or `identity`",
  schema: { type: "string", enum: ["gzip", "x-gzip", "identity"] }
}

const hex = { type: "string", pattern: "^0x[0-9a-f]+$" }

// A GET route also takes HEAD: the same answer without its body.
const getAndHead = <Get extends { readonly operationId: string }>(get: Get) => ({
  get,
  head: { ...get, operationId: `${get.operationId}Head` }
})

/** The description, as a plain object. */
export const openApi = {
  openapi: "3.1.0",
  info: {
    title: "fpwalk serve",
    version: "0.2.0",
    description:
      "A safe frame-pointer stack walker as an HTTP service: POST a snapshot (docs/snapshot-v1.md), get its frames. A walk error is a 200 with `ok: false`."
  },
  servers: [{ url: "http://127.0.0.1:8080" }],
  paths: {
    "/v1/walk": {
      post: {
        operationId: "walk",
        summary: "Walk one snapshot",
        parameters: [contentEncoding],
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: ref("Snapshot") },
            "application/octet-stream": {
              schema: { type: "string", contentMediaType: "application/octet-stream" },
              description:
                "An ELF core file or a minidump: every thread is walked (answered as NativeResult; 415 `binary inputs are not supported yet` in a build without a binary reader)"
            }
          }
        },
        responses: {
          "200": jsonBody(
            { oneOf: [ref("WalkResult"), ref("NativeResult")] },
            "The walk's result: every frame, and the walk error if the stack is invalid (a snapshot); every thread's (a core file or a minidump)"
          ),
          ...walkErrors,
          "500": errorResponse("The worker walking this body died and was replaced (kind `worker_crashed`)")
        }
      }
    },
    "/v1/walk/batch": {
      post: {
        operationId: "walkBatch",
        summary: "Walk one snapshot a line (NDJSON), answered one line a line, in order",
        parameters: [contentEncoding],
        requestBody: {
          required: true,
          content: {
            "application/x-ndjson": { schema: { type: "string" } },
            "application/json": { schema: { type: "string" } }
          }
        },
        responses: {
          "200": {
            description: "NDJSON, streamed: each line is a WalkResult, or an Error for a line that is not a valid snapshot (or whose worker stalled or died)",
            content: {
              "application/x-ndjson": { schema: { type: "string" }, "x-fpwalk-line-schema": ref("BatchLine") }
            }
          },
          ...walkErrors
        }
      }
    },
    "/healthz": getAndHead({
        operationId: "health",
        summary: "Liveness: answered by the main thread, whatever the workers are doing",
        responses: {
          "200": jsonBody(ref("Health"), "Serving"),
          "503": jsonBody(ref("Health"), "Shutting down (`draining`)")
        }
      }),
    "/readyz": getAndHead({
        operationId: "ready",
        summary: "Readiness: a worker has loaded the walker, and the server is not shutting down",
        responses: {
          "200": jsonBody(ref("Ready"), "Taking walks"),
          "503": jsonBody(ref("Ready"), "`starting` (no worker ready yet) or `draining`")
        }
      }),
    "/metrics": getAndHead({
        operationId: "metrics",
        summary: "Prometheus metrics (text format 0.0.4)",
        responses: {
          "200": { description: "The metrics", content: { "text/plain": { schema: { type: "string" } } } }
        }
      }),
    "/openapi.json": getAndHead({
        operationId: "openapi",
        summary: "This description",
        responses: {
          "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } }
        }
      })
  },
  components: {
    responses: {
      NotFound: errorResponse("No such route (kind `not_found`), for any path not described here"),
      MethodNotAllowed: errorResponse("A described path with another method (kind `method_not_allowed`, with `Allow`)", {
        Allow: { description: "The methods the path takes", schema: { type: "string" } }
      })
    },
    schemas: {
      Snapshot: {
        type: "object",
        description: "An fpwalk snapshot (format `fpwalk.snapshot.v1`, docs/snapshot-v1.md)",
        required: ["format", "arch", "memory", "limits", "states"],
        properties: {
          format: { const: "fpwalk.snapshot.v1" },
          arch: { type: "string", enum: ["x86_64", "aarch64", "riscv64", "s390x"] },
          memory: {
            type: "array",
            items: {
              type: "object",
              required: ["address", "base64"],
              properties: { address: {}, base64: { type: "string" } }
            }
          },
          limits: { type: "object" },
          states: { type: "array", items: { type: "object" } },
          trap: {},
          options: { type: "object" }
        }
      },
      Frame: {
        type: "object",
        required: ["pc", "fp"],
        properties: { pc: hex, fp: hex, activation: { type: "integer", minimum: 0 } },
        additionalProperties: false
      },
      WalkError: {
        type: "object",
        description: "A WalkError: its `_tag` and its fields (addresses as hex strings, counts as numbers)",
        required: ["_tag"],
        properties: { _tag: { type: "string" } },
        additionalProperties: { type: ["string", "number"] }
      },
      WalkResult: {
        oneOf: [
          {
            type: "object",
            required: ["ok", "frames"],
            properties: { ok: { const: true }, frames: { type: "array", items: ref("Frame") } },
            additionalProperties: false
          },
          {
            type: "object",
            required: ["ok", "error", "frames"],
            properties: { ok: { const: false }, error: ref("WalkError"), frames: { type: "array", items: ref("Frame") } },
            additionalProperties: false
          }
        ]
      },
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["kind", "message"],
            properties: {
              kind: {
                type: "string",
                enum: [
                  "input",
                  "not_found",
                  "method_not_allowed",
                  "timeout",
                  "too_large",
                  "unsupported_media_type",
                  "unsupported_encoding",
                  "overloaded",
                  "walk_timeout",
                  "worker_crashed",
                  "internal"
                ]
              },
              message: { type: "string" },
              path: { type: "string", description: "For kind `input`: the field at fault (`\"\"` for the document)" }
            },
            additionalProperties: false
          }
        },
        additionalProperties: false
      },
      NativeResult: {
        type: "object",
        description: "A core file or minidump walked: `fpwalk walk --json`'s line for it, without `file`",
        required: ["kind", "arch", "threads"],
        properties: {
          kind: { type: "string" },
          arch: { type: "string", enum: ["x86_64", "aarch64", "riscv64", "s390x"] },
          threads: {
            type: "array",
            items: {
              type: "object",
              required: ["thread", "crashed", "ok", "frames"],
              properties: {
                thread: { type: "integer" },
                crashed: { type: "boolean" },
                ok: { type: "boolean" },
                error: ref("WalkError"),
                frames: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["pc", "fp"],
                    properties: { pc: hex, fp: hex, module: { type: "string" }, symbol: { type: "string" }, offset: hex },
                    additionalProperties: false
                  }
                }
              },
              additionalProperties: false
            }
          }
        },
        additionalProperties: false
      },
      BatchLine: { oneOf: [ref("WalkResult"), ref("Error")] },
      Health: {
        type: "object",
        required: ["status"],
        properties: { status: { type: "string", enum: ["ok", "draining"] } },
        additionalProperties: false
      },
      Ready: {
        type: "object",
        required: ["status"],
        properties: { status: { type: "string", enum: ["ready", "starting", "draining"] } },
        additionalProperties: false
      }
    }
  }
} as const
