/**
 * The worker pool under faults, with the test-only hooks of
 * src/internal/walkWorker.ts (`testFaults`): a worker that stalls past the
 * request time and one that dies mid-task are replaced, their requests get
 * 503 and 500, every other request gets its correct answer, and /metrics
 * counts both restarts. Needs `npm run build` (the workers run dist/).
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { errorOf, expectedText, JSON_HEADERS, metric, NDJSON_HEADERS, send, stack, start, until, walk } from "./support.js"

describe("fpwalk serve: worker faults", () => {
  it("replaces a stalled and a crashed worker, answers them 503 and 500, loses nothing else, and counts both", async () => {
    const server = await start({ workers: 3, requestTimeout: 4000, testFaults: true })
    const jsons = Array.from({ length: 12 }, (_, i) => stack(10 + i * 7))
    const good = Promise.all(jsons.map((json) => walk(server, JSON.stringify(json))))
    const stalled = walk(server, "FPWALK-TEST-STALL {}")
    const crashed = walk(server, "FPWALK-TEST-CRASH {}")
    const [goods, stall, crash] = await Promise.all([good, stalled, crashed])

    goods.forEach((answer, i) => {
      expect(answer.status).toBe(200)
      expect(answer.text).toBe(expectedText(jsons[i]))
    })
    expect(stall.status).toBe(503)
    expect(errorOf(stall)).toEqual({
      kind: "walk_timeout",
      message: "the walk did not finish within 4000 ms; its worker was stopped and replaced"
    })
    expect(crash.status).toBe(500)
    expect(errorOf(crash).kind).toBe("worker_crashed")

    // Both were replaced: the pool is back to three threads, and walks go on.
    await until(() => server.pool().workers === 3)
    const after = await walk(server, JSON.stringify(stack(33)))
    expect(after.text).toBe(expectedText(stack(33)))

    const text = (await send(server, "/metrics")).text
    expect(metric(text, "fpwalk_worker_restarts_total{reason=\"crash\"}")).toBe(1)
    expect(metric(text, "fpwalk_worker_restarts_total{reason=\"timeout\"}")).toBe(1)
    expect(metric(text, "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"503\"}")).toBe(1)
    expect(metric(text, "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"500\"}")).toBe(1)
    expect(metric(text, "fpwalk_http_requests_total{route=\"/v1/walk\",status=\"200\"}")).toBe(13)
    expect(metric(text, "fpwalk_walks_total{result=\"WalkTimeout\"}")).toBe(1)
    expect(metric(text, "fpwalk_walks_total{result=\"WorkerCrashed\"}")).toBe(1)
    expect(metric(text, "fpwalk_pool_workers")).toBe(3)
    expect(metric(text, "fpwalk_pool_size")).toBe(3)
    expect(metric(text, "fpwalk_pool_queue_depth")).toBe(0)
    expect(await server.shutdown()).toEqual({ cut: 0 })
  })

  it("answers a batch line whose worker dies with an error line, and walks the others", async () => {
    const server = await start({ workers: 2, testFaults: true })
    const body = [JSON.stringify(stack(3)), "FPWALK-TEST-CRASH", JSON.stringify(stack(4))].join("\n")
    const answer = await send(server, "/v1/walk/batch", { headers: NDJSON_HEADERS, body })
    expect(answer.status).toBe(200)
    const lines = answer.text.split("\n")
    expect(lines.pop()).toBe("")
    expect(lines[0] + "\n").toBe(expectedText(stack(3)))
    expect(JSON.parse(lines[1]!)).toEqual({
      error: { kind: "worker_crashed", message: "the worker walking this body died; it was replaced" }
    })
    expect(lines[2] + "\n").toBe(expectedText(stack(4)))
    await server.shutdown()
  })

  it("keeps the hooks off unless testFaults is set: a marker body is an ordinary bad input", async () => {
    const server = await start({ workers: 1, requestTimeout: 2000 })
    for (const marker of ["FPWALK-TEST-STALL", "FPWALK-TEST-CRASH"]) {
      const answer = await walk(server, marker, JSON_HEADERS)
      expect(answer.status).toBe(400)
      expect(errorOf(answer).message).toMatch(/^malformed JSON/)
    }
    expect(server.pool().restarts).toEqual({ crash: 0, timeout: 0 })
    await server.shutdown()
  })

  it("answers /healthz at once while every worker walks 1,000,000 frames", async () => {
    const server = await start({ workers: 2, maxFrames: 1_000_000n, bodyLimit: 64 * 1024 * 1024 })
    const big = JSON.stringify(stack(1_000_000))
    const walks = [walk(server, big), walk(server, big)]
    await until(() => server.pool().inFlight === 2)
    const latencies: Array<number> = []
    for (let i = 0; i < 20; i++) {
      const sent = performance.now()
      const health = await send(server, "/healthz")
      latencies.push(performance.now() - sent)
      expect(health.status).toBe(200)
    }
    const answers = await Promise.all(walks)
    for (const answer of answers) expect(JSON.parse(answer.text).frames).toHaveLength(1_000_000)
    // Generous for a shared test machine: the point is that it does not wait for a walk (seconds).
    expect(Math.max(...latencies)).toBeLessThan(250)
    await server.shutdown()
  })

  it.runIf(process.platform === "linux")("runs its workers below the HTTP thread's priority (nice 10 by default)", async () => {
    const niceOfThreads = () =>
      readdirSync("/proc/self/task").map((tid) =>
        Number(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[16])
      )
    const before = niceOfThreads().filter((nice) => nice === 10).length
    const server = await start({ workers: 2 })
    await until(() => niceOfThreads().filter((nice) => nice === 10).length === before + 2)
    expect(niceOfThreads()[0]).toBe(0)
    await server.shutdown()
  })
})
