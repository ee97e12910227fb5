// Where a call's time goes: `node bench/phases.mjs [calls] [--crossings]` runs stubbed
// retryExecution calls (the same stub fetch and options as the bench's CPU figure) of the built
// package (pkg/, or BENCH_PKG_DIR) and prints the median wall time of each phase between the
// wasm's calls into runtime.js (readOptions, makeRequest, readAnswer) and JSON.parse. Those four
// imports are wrapped to take the times, which adds a little; compare phases with each other,
// and builds with each other. --crossings wraps every import instead, to count the wasm -> JS
// calls per call (the phases then take longer).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ANSWER, FAILED, PKG_DIR, TOKEN } from "./lib/contenders.mjs";

const calls = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20000);
const countCrossings = process.argv.includes("--crossings");
let at = {};
const crossings = new Map();
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  for (const [space, functions] of Object.entries(imports)) {
    const wrapped = { ...functions };
    imports[space] = wrapped;
    for (const [name, f] of Object.entries(functions)) {
      if (typeof f !== "function") continue;
      const phase = name.match(/^__wbg_(readOptions|makeRequest|readAnswer|parse)_/)?.[1];
      if (!phase && !countCrossings) continue;
      wrapped[name] = function (...args) {
        crossings.set(name, (crossings.get(name) ?? 0) + 1);
        if (phase) at[phase] ??= performance.now();
        const r = f.apply(this, args);
        if (phase === "makeRequest") at.madeRequest = performance.now();
        if (phase === "readAnswer") return r.then((v) => ((at.readAnswerDone = performance.now()), v));
        return r;
      };
    }
  }
  return new Instance(module, imports);
};

const pool = [];
globalThis.fetch = async () => pool.pop();
const m = await import(pathToFileURL(join(PKG_DIR, "node.js")).href);
const options = { project: "bench-stub", baseUrl: "http://127.0.0.1:9", token: TOKEN, executionId: FAILED, nonce: "bench-stub-nonce-0123456789" };

const PHASES = [
  ["start", "readOptions", "call -> readOptions (entry, copyOptions, the call's promise, first poll)"],
  ["readOptions", "makeRequest", "readOptions -> makeRequest (options read and checked, deadline, URL, body)"],
  ["makeRequest", "madeRequest", "makeRequest (the Request)"],
  ["madeRequest", "readAnswer", "makeRequest -> readAnswer (gloo-net's send, fetch, the Response back in wasm)"],
  ["readAnswer", "readAnswerDone", "readAnswer (headers, body read and decoded)"],
  ["readAnswerDone", "parse", "readAnswer -> JSON.parse (the answer in wasm: parsed, checked, written)"],
  ["parse", "end", "JSON.parse -> resolved (the result, the call's end, the promise settled)"],
];
const samples = PHASES.map(() => []);
const warmup = Math.min(5000, calls);
for (let done = 0; done < warmup + calls; ) {
  for (let i = 0; i < 1000; i++) pool.push(new Response(ANSWER, { status: 200, headers: { "content-type": "application/json", "x-request-id": "bench-stub" } }));
  if (done === warmup) crossings.clear();
  for (let i = 0; i < 1000; i++, done++) {
    at = { start: performance.now() };
    const r = await m.retryExecution(options);
    at.end = performance.now();
    if (r?.id !== FAILED) throw new Error(`phases: unexpected answer ${JSON.stringify(r)}`);
    if (done >= warmup) PHASES.forEach(([a, b], j) => samples[j].push(at[b] - at[a]));
  }
}
const median = (xs) => Float64Array.from(xs).sort()[xs.length >> 1];
let sum = 0;
for (const [j, [, , label]] of PHASES.entries()) {
  const us = median(samples[j]) * 1000;
  sum += us;
  console.log(`${us.toFixed(1).padStart(7)} µs  ${label}`);
}
console.log(`${sum.toFixed(1).padStart(7)} µs  sum of the medians (${calls} calls after ${warmup})`);
if (countCrossings) {
  const total = [...crossings.values()].reduce((a, b) => a + b, 0);
  console.log(`${(total / calls).toFixed(1).padStart(7)}     wasm -> JS calls per call`);
}
