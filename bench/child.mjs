// One measurement in a fresh Node process, run by bench/run.mjs. Prints one JSON line.
//
//   node bench/child.mjs cold <contender> <baseUrl> <project> <nonce>
//   node bench/child.mjs cpu  <contender> <warmup> <calls>
//   node --expose-gc bench/child.mjs mem <contender> <warmup> <calls>
//   node bench/child.mjs tput <contender> <baseUrl> <calls> <concurrency> <projectPrefix>
//
// cpu and mem replace globalThis.fetch with a stub answering prebuilt Responses
// (for the sdk, run with --import ./bench/lib/stub-hooks.mjs so it uses that fetch too).
// tput uses the runtime's real fetch against the mock, which bench/run.mjs runs in its own
// process: this process's CPU time (process.cpuUsage) over the timed calls is the client's only.
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ANSWER, load, PKG_DIR, FAILED } from "./lib/contenders.mjs";

const [mode, name, ...args] = process.argv.slice(2);
const out = (v) => process.stdout.write(JSON.stringify(v) + "\n");

const STUB = { baseUrl: "http://127.0.0.1:9", project: "bench-stub", nonce: "bench-stub-nonce-0123456789" };

/** A stub fetch that answers from a pool of prebuilt Responses; `refill(n)` builds n more. */
function installStub() {
  const pool = [];
  globalThis.fetch = async () => {
    const r = pool.pop();
    if (!r) throw new Error("bench: stub pool empty");
    return r;
  };
  return (n) => {
    for (let i = 0; i < n; i++) {
      pool.push(
        new Response(ANSWER, {
          status: 200,
          headers: { "content-type": "application/json", "x-request-id": "bench-stub" },
        }),
      );
    }
  };
}

/** Runs `calls` stubbed calls in batches; the pool is refilled outside the timed part. */
async function stubbedCalls(c, refill, calls, samples) {
  const BATCH = 1000;
  for (let done = 0; done < calls; ) {
    const n = Math.min(BATCH, calls - done);
    refill(n);
    for (let i = 0; i < n; i++, done++) {
      const t = performance.now();
      const r = await c.call(STUB);
      if (samples) samples[done] = performance.now() - t;
      if (r?.id !== FAILED) throw new Error(`bench: unexpected answer ${JSON.stringify(r)}`);
    }
  }
}

const median = (xs) => {
  const s = Float64Array.from(xs).sort();
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => Float64Array.from(xs).sort()[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** The wasm instance's linear memory, for the package: the glue's initSync returns the
 *  instance's exports (the Node entry already instantiated it; this call only reads). */
async function wasmMemoryBytes() {
  if (name !== "package") return null;
  const glue = await import(pathToFileURL(join(PKG_DIR, "cdf_workflow_retry.js")).href);
  try {
    return glue.initSync().memory.buffer.byteLength;
  } catch {
    return null; // not instantiated yet: the package loads the wasm on its first call
  }
}

if (mode === "cold") {
  const [baseUrl, project, nonce] = args;
  const t0 = performance.now();
  const c = await load(name);
  const r = await c.call({ baseUrl, project, nonce });
  const ms = performance.now() - t0;
  if (r?.id !== FAILED) throw new Error(`bench: unexpected answer ${JSON.stringify(r)}`);
  out({ ms, sinceProcessStartMs: performance.now() });
  process.exit(0); // the sdk's keep-alive sockets would otherwise hold the process a while
} else if (mode === "cpu") {
  const [warmup, calls] = args.map(Number);
  const refill = installStub();
  const c = await load(name);
  await stubbedCalls(c, refill, warmup);
  const samples = new Float64Array(calls);
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  await stubbedCalls(c, refill, calls, samples);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t;
  const us = Array.from(samples, (ms) => ms * 1000);
  out({
    calls,
    medianUs: median(us),
    p10Us: quantile(us, 0.1),
    p90Us: quantile(us, 0.9),
    meanUs: us.reduce((a, b) => a + b, 0) / calls,
    // Process CPU time (user + system, every thread: GC helpers included) over the timed
    // calls, divided by their number; it includes refilling the stub's pool of Responses.
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    wallMs: wall,
  });
} else if (mode === "mem") {
  const [warmup, calls] = args.map(Number);
  const refill = installStub();
  const c = await load(name);
  const wasmInitial = await wasmMemoryBytes();
  await stubbedCalls(c, refill, warmup);
  // A collection, two macrotask turns (FinalizationRegistry callbacks, which
  // wasm-bindgen's closures and undici's requests use, run in them), a collection.
  const turns = async () => {
    globalThis.gc();
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    globalThis.gc();
  };
  await turns();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const wasmAfterWarmup = await wasmMemoryBytes();
  await stubbedCalls(c, refill, calls);
  await turns();
  const rssAfter = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const wasmAfter = await wasmMemoryBytes();
  out({ calls, rssBefore, rssAfter, heapBefore, heapAfter, wasmInitial, wasmAfterWarmup, wasmAfter });
} else if (mode === "tput") {
  const [baseUrl, callsText, concText, prefix] = args;
  const calls = Number(callsText);
  const concurrency = Number(concText);
  const c = await load(name);
  // Untimed: one fresh project (and a nonce minted for it) per call, so every retry succeeds.
  const jobs = new Array(calls);
  await pool(concurrency, calls, async (i) => {
    const project = `${prefix}-${i}`;
    const res = await fetch(`${baseUrl}/_mock/projects/${project}/nonce`, { method: "POST" });
    jobs[i] = { baseUrl, project, nonce: (await res.json()).nonce };
  });
  // Warm-up: a few calls on their own projects, outside the timed part.
  const warm = [];
  for (let i = 0; i < concurrency; i++) {
    const project = `${prefix}-w${i}`;
    const res = await fetch(`${baseUrl}/_mock/projects/${project}/nonce`, { method: "POST" });
    warm.push({ baseUrl, project, nonce: (await res.json()).nonce });
  }
  await Promise.all(warm.map((j) => c.call(j)));
  let failures = 0;
  const latencies = new Float64Array(calls);
  // This process is the client only (the mock runs in bench/run.mjs's process): its CPU
  // time over the timed part, user + system, is the client's CPU for these calls.
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t = performance.now();
  await pool(concurrency, calls, async (i) => {
    const t0 = performance.now();
    const r = await c.call(jobs[i]).catch(() => null);
    latencies[i] = performance.now() - t0;
    if (r?.id !== FAILED) failures++;
  });
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  out({
    calls,
    concurrency,
    seconds,
    callsPerSecond: calls / seconds,
    failures,
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    cpuUserUsPerCall: cpu.user / calls,
    cpuSystemUsPerCall: cpu.system / calls,
    eventLoopUtilization: elu.utilization,
    latencyP50Ms: median(latencies),
    latencyP90Ms: quantile(latencies, 0.9),
  });
  process.exit(0);
} else if (mode === "batch") {
  // retryExecutions of `ids` executions (package only): a stub fetch answers each
  // session request with a fresh nonce and each retry with that execution.
  const [idsText, rounds] = args.map(Number);
  let n = 0;
  globalThis.fetch = async (request) => {
    const url = typeof request === "string" ? request : request.url;
    if (url.endsWith("/sessions")) {
      return new Response(`{"items":[{"id":${++n},"nonce":"bench-nonce-${n}","status":"READY","type":"TOKEN_EXCHANGE"}]}`, { status: 200, headers: { "content-type": "application/json" } });
    }
    const id = url.split("/").at(-2);
    return new Response(ANSWER.replace(FAILED, id), { status: 200, headers: { "content-type": "application/json" } });
  };
  const m = await import(pathToFileURL(join(PKG_DIR, "node.js")).href);
  const ids = Array.from({ length: idsText }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const options = { project: "bench-stub", baseUrl: STUB.baseUrl, token: "test-token-bench", executionIds: ids, concurrency: 16 };
  await m.retryExecutions(options); // warm-up
  const perExecution = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const result = await m.retryExecutions(options);
    perExecution.push(((performance.now() - t) * 1000) / idsText);
    if (result.retried.length !== idsText) throw new Error(`bench: ${result.failed.length} failed: ${result.failed[0]?.error?.message}`);
  }
  out({ executions: idsText, rounds, medianUsPerExecution: median(perExecution) });
} else {
  throw new Error(`bench: unknown mode ${mode}`);
}

/** Runs fn(0..count-1) with at most `width` in flight. */
async function pool(width, count, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}
