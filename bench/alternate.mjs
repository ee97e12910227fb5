// Stub-fetch calls of several builds and the floor, alternated in one process:
//
//   node bench/alternate.mjs name=dir [name=dir …]      (each dir a built package, e.g. a copy of pkg/)
//
// Each build's node.js entry is imported (each its own wasm instance) and the floor's, then blocks of
// 100 calls of each run in turn (ROUNDS blocks each, 200 by default) with the bench's stub fetch and
// options; the median wall time per call of each, and its ratio to the floor's. On a machine shared
// with other work, fresh processes (npm run bench) move by several µs between runs; builds alternated
// in one process share that drift, so two builds compare to within about a microsecond.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ANSWER, FAILED, ROOT, TOKEN } from "./lib/contenders.mjs";

const pool = [];
globalThis.fetch = async () => pool.pop();

const builds = [];
for (const arg of process.argv.slice(2)) {
  const [name, dir] = arg.split("=");
  if (!dir) throw new Error(`alternate: expected name=dir, got ${arg}`);
  builds.push([name, await import(pathToFileURL(join(resolve(dir), "node.js")).href)]);
}
builds.push(["floor", await import(pathToFileURL(join(ROOT, "bench", "floor", "index.js")).href)]);
const options = { project: "bench-stub", baseUrl: "http://127.0.0.1:9", token: TOKEN, executionId: FAILED, nonce: "bench-stub-nonce-0123456789" };
const samples = builds.map(() => []);
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const BLOCK = 100;
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, m]] of builds.entries()) {
    for (let k = 0; k < BLOCK; k++) pool.push(new Response(ANSWER, { status: 200, headers: { "content-type": "application/json", "x-request-id": "bench-stub" } }));
    for (let k = 0; k < BLOCK; k++) {
      const t = performance.now();
      const r = await m.retryExecution(options);
      const ms = performance.now() - t;
      if (r?.id !== FAILED) throw new Error(`alternate: unexpected answer ${JSON.stringify(r)}`);
      if (round >= ROUNDS / 10) samples[i].push(ms); // the first tenth warms up
    }
  }
}
const median = (xs) => Float64Array.from(xs).sort()[xs.length >> 1];
const floor = median(samples.at(-1));
for (const [i, [name]] of builds.entries()) {
  const m = median(samples[i]);
  console.log(`${name.padEnd(12)} ${(m * 1000).toFixed(1).padStart(7)} µs  ${(m / floor).toFixed(2)}×`);
}
