// `npm run bench`: size, start-up, CPU per call, throughput and memory of
// cdf-workflow-retry against a hand-written fetch floor (bench/floor/) and
// @cognite/sdk, in one run. Prints a table (ratios to the floor) and writes
// bench/results.json. See the README section "Size and speed".
//
//   node bench/run.mjs [--no-build] [--quick]
//     --no-build  measure the pkg/ already built instead of running scripts/build.mjs
//     --quick     fewer samples (for trying the bench itself; not for the README)
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { startMockServer } from "../tests/mock/server.mjs";
import { CONTENDERS, LABEL, ROOT } from "./lib/contenders.mjs";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const OUT = join(ROOT, "bench", "output"); // git-ignored scratch space
const PKG_COPY = join(OUT, "pkg");
const started = Date.now();

const COLD_SAMPLES = quick ? 3 : 11;
const CPU_WARMUP = quick ? 1000 : 5000;
const CPU_CALLS = quick ? 5000 : 20000;
const MEM_WARMUP = quick ? 1000 : 5000;
const MEM_CALLS = quick ? 10000 : 50000;
const TPUT_CALLS = quick ? 500 : 2000;
const TPUT_CONCURRENCY = 50;
const TPUT_ROUNDS = quick ? 3 : 5;

const progress = (msg) => console.error(`bench [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

/** Runs a command; resolves to its stdout. */
function run(cmd, args, { env = {}, inherit = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, BENCH_PKG_DIR: PKG_COPY, ...env },
      stdio: ["ignore", inherit ? "inherit" : "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`))));
  });
}

/** One measurement in a fresh Node process (bench/child.mjs); its JSON line. */
async function child(mode, contender, args, nodeFlags = []) {
  // In Node, @cognite/sdk fetches through cross-fetch (node-fetch); with a stub fetch it is
  // pointed at globalThis.fetch instead, so all three are measured with the same stub.
  const hooks = contender === "sdk" && (mode === "cpu" || mode === "mem") ? ["--import", "./bench/lib/stub-hooks.mjs"] : [];
  const out = await run(process.execPath, [...nodeFlags, ...hooks, "bench/child.mjs", mode, contender, ...args.map(String)]);
  return JSON.parse(out.trim().split("\n").pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function machine() {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  return {
    nproc: cpus().length,
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

// ---------------------------------------------------------------------------
// 1. Build, and copy pkg/ aside so a concurrent rebuild cannot change what is measured
// ---------------------------------------------------------------------------
mkdirSync(OUT, { recursive: true });
if (!argv.includes("--no-build")) {
  progress("building the release package (node scripts/build.mjs)…");
  await run(process.execPath, ["scripts/build.mjs"], { inherit: true });
}
rmSync(PKG_COPY, { recursive: true, force: true });
cpSync(join(ROOT, "pkg"), PKG_COPY, { recursive: true });
const version = JSON.parse(readFileSync(join(PKG_COPY, "package.json"), "utf8")).version;

// ---------------------------------------------------------------------------
// 2. Bytes a browser downloads: a one-line consumer of each, built with Vite
// ---------------------------------------------------------------------------
const compressed = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });

const CONSUMERS = {
  package: `import { retryExecution } from "cdf-workflow-retry";\nglobalThis.retryExecution = retryExecution;\n`,
  floor: `import { retryExecution } from "../../../floor/index.js";\nglobalThis.retryExecution = retryExecution;\n`,
  sdk: `import { CogniteClient } from "@cognite/sdk";\nglobalThis.CogniteClient = CogniteClient;\n`,
};

async function bundleSizes() {
  const { build } = await import("vite");
  const base = join(OUT, "bundles");
  rmSync(base, { recursive: true, force: true });
  // The consumers resolve `cdf-workflow-retry` like an installed dependency (its "browser" export).
  mkdirSync(join(base, "node_modules"), { recursive: true });
  symlinkSync(PKG_COPY, join(base, "node_modules", "cdf-workflow-retry"), "dir");
  const sizes = {};
  for (const c of CONTENDERS) {
    progress(`bundling a one-line consumer of ${LABEL[c]} with Vite ${(await import("vite")).version}…`);
    const dir = join(base, c);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "main.js"), CONSUMERS[c]);
    writeFileSync(join(dir, "index.html"), `<!doctype html><script type="module" src="./main.js"></script>\n`);
    await build({
      root: dir,
      configFile: false,
      logLevel: "error",
      build: { outDir: join(dir, "dist"), emptyOutDir: true, modulePreload: { polyfill: false }, reportCompressedSize: false },
    });
    const assets = join(dir, "dist", "assets");
    const files = readdirSync(assets).filter((f) => /\.(m?js|wasm|css)$/.test(f));
    const perFile = Object.fromEntries(files.map((f) => [f, compressed(readFileSync(join(assets, f)))]));
    const wasm = files.filter((f) => f.endsWith(".wasm")).map((f) => perFile[f]);
    const js = files.filter((f) => !f.endsWith(".wasm")).map((f) => perFile[f]);
    sizes[c] = { total: sum(Object.values(perFile)), js: sum(js), wasm: wasm.length ? sum(wasm) : null, files: perFile };
  }
  return sizes;
}

/** The package files as shipped (what tests/node/size.test.mjs budgets). */
function shippedSizes() {
  const files = ["cdf_workflow_retry_bg.wasm", "cdf_workflow_retry.js", "browser.js", "lazy.js", "errors.js", "copy.js"];
  const each = Object.fromEntries(files.map((f) => [f, compressed(readFileSync(join(PKG_COPY, f)))]));
  return { files: each, total: sum(Object.values(each)) };
}

// ---------------------------------------------------------------------------
// 3–6. Timings against the mock server (this process) and with a stub fetch
// ---------------------------------------------------------------------------
// The mock runs here and every measurement in a child process (bench/child.mjs): the child's
// process.cpuUsage() over its timed calls is the client's CPU alone, the server's is not in it.
const mock = await startMockServer({ quiet: true });
const runId = Date.now().toString(36);
const mint = async (project) => {
  const res = await fetch(`${mock.url}/_mock/projects/${project}/nonce`, { method: "POST" });
  if (!res.ok) throw new Error(`bench: could not mint a nonce (${res.status})`);
  return (await res.json()).nonce;
};

const results = { version, machine: machine(), settings: { COLD_SAMPLES, CPU_WARMUP, CPU_CALLS, MEM_WARMUP, MEM_CALLS, TPUT_CALLS, TPUT_CONCURRENCY, TPUT_ROUNDS } };
try {
  results.shipped = shippedSizes();
  results.bundle = await bundleSizes();

  // Cold start: a fresh process per sample, contenders interleaved so drift hits all alike.
  const cold = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  for (let i = 0; i < COLD_SAMPLES; i++) {
    progress(`cold start, sample ${i + 1} of ${COLD_SAMPLES}…`);
    for (const c of CONTENDERS) {
      const project = `cold-${c}-${runId}-${i}`;
      const r = await child("cold", c, [mock.url, project, await mint(project)]);
      cold[c].push(r);
    }
  }
  results.cold = Object.fromEntries(
    CONTENDERS.map((c) => [
      c,
      {
        medianMs: median(cold[c].map((r) => r.ms)),
        medianSinceProcessStartMs: median(cold[c].map((r) => r.sinceProcessStartMs)),
        samplesMs: cold[c].map((r) => r.ms),
      },
    ]),
  );

  results.cpu = {};
  for (const c of CONTENDERS) {
    progress(`CPU per call of ${LABEL[c]}: ${CPU_CALLS} calls with a stub fetch after ${CPU_WARMUP} warm-up calls…`);
    results.cpu[c] = await child("cpu", c, [CPU_WARMUP, CPU_CALLS]);
  }

  results.memory = {};
  for (const c of CONTENDERS) {
    progress(`memory of ${LABEL[c]}: ${MEM_CALLS} calls with a stub fetch…`);
    results.memory[c] = await child("mem", c, [MEM_WARMUP, MEM_CALLS], ["--expose-gc"]);
  }

  progress("retryExecutions of 1000 ids with a stub fetch (sessions and retries)…");
  results.batch = await child("batch", "package", [1000, quick ? 2 : 5]);

  // Throughput: rounds, contenders interleaved (as cold start), each figure the median of its
  // rounds: on a machine shared with other work, one run can coincide with a build elsewhere
  // and get a fraction of a core (its CPU share, client CPU time over wall time, shows it).
  const tput = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  for (let i = 0; i < TPUT_ROUNDS; i++) {
    for (const c of CONTENDERS) {
      progress(`throughput of ${LABEL[c]}, round ${i + 1} of ${TPUT_ROUNDS}: ${TPUT_CALLS} calls at concurrency ${TPUT_CONCURRENCY} against the mock…`);
      const r = await child("tput", c, [mock.url, TPUT_CALLS, TPUT_CONCURRENCY, `tp-${c}-${runId}-${i}`]);
      if (r.failures) throw new Error(`bench: ${r.failures} calls of ${c} failed`);
      tput[c].push({ ...r, cpuShare: (r.cpuUsPerCall * r.calls) / (r.seconds * 1e6) });
    }
  }
  const medianOf = (list, k) => median(list.map((r) => r[k]));
  results.throughput = Object.fromEntries(
    CONTENDERS.map((c) => [
      c,
      {
        callsPerSecond: medianOf(tput[c], "callsPerSecond"),
        latencyP50Ms: medianOf(tput[c], "latencyP50Ms"),
        cpuUsPerCall: medianOf(tput[c], "cpuUsPerCall"),
        cpuShare: medianOf(tput[c], "cpuShare"),
        rounds: tput[c],
      },
    ]),
  );
} finally {
  await mock.close();
}
results.seconds = Math.round((Date.now() - started) / 1000);

// ---------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const ratio = (v, floor) => (floor ? ` (${(v / floor).toFixed(v / floor >= 10 ? 0 : 1)}×)` : "");
/** A table row: the figure for each contender, with its ratio to the floor. */
const row = (label, get, fmt) => [
  label,
  ...CONTENDERS.map((c) => {
    const v = get(c);
    return v == null ? "–" : fmt(v) + (c === "floor" ? "" : ratio(v, get("floor")));
  }),
];
/** A "before → after" row, no ratio. */
const change = (label, get, fmt) => [
  label,
  ...CONTENDERS.map((c) => {
    const [before, after] = get(c);
    return before == null ? "–" : `${fmt(before)} → ${fmt(after)}`;
  }),
];
const mem = results.memory;
const table = [
  ["", ...CONTENDERS.map((c) => LABEL[c])],
  row("browser download, minified (JS + wasm)", (c) => results.bundle[c].total.raw, kb),
  row("browser download, gzip", (c) => results.bundle[c].total.gzip, kb),
  row("browser download, brotli", (c) => results.bundle[c].total.brotli, kb),
  row(`cold start in Node, import → first call (median of ${COLD_SAMPLES})`, (c) => results.cold[c].medianMs, (v) => `${v.toFixed(1)} ms`),
  row(`CPU per call, stub fetch (median of ${CPU_CALLS})`, (c) => results.cpu[c].medianUs, (v) => `${v.toFixed(1)} µs`),
  row(`throughput, ${TPUT_CALLS} calls at concurrency ${TPUT_CONCURRENCY}, loopback mock (median of ${TPUT_ROUNDS})`, (c) => results.throughput[c].callsPerSecond, (v) => `${Math.round(v)} calls/s`),
  row("latency p50 in those runs (median of the rounds)", (c) => results.throughput[c].latencyP50Ms, (v) => `${v.toFixed(1)} ms`),
  row("client-process CPU per call, real fetch (process.cpuUsage)", (c) => results.throughput[c].cpuUsPerCall, (v) => `${Math.round(v)} µs`),
  change(`wasm linear memory, after warm-up → after ${MEM_CALLS} calls`, (c) => [mem[c].wasmAfterWarmup, mem[c].wasmAfter], kb),
  change(`JS heap after GC and two macrotask turns, after warm-up → after ${MEM_CALLS} calls`, (c) => [mem[c].heapBefore, mem[c].heapAfter], mb),
  change(`process RSS, after warm-up → after ${MEM_CALLS} calls`, (c) => [mem[c].rssBefore, mem[c].rssAfter], mb),
];
results.table = table;

const markdown = [
  `| ${table[0].map((h, i) => (i === 0 ? "figure" : h)).join(" | ")} |`,
  `| ${table[0].map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ...table.slice(1).map((r) => `| ${r.join(" | ")} |`),
].join("\n");
results.markdown = markdown;
writeFileSync(join(ROOT, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");

const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
console.log();
for (const [i, r] of table.entries()) {
  console.log(r.map((cell, j) => (j === 0 ? String(cell).padEnd(widths[j]) : String(cell).padStart(widths[j]))).join("  "));
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
const m = results.machine;
console.log(`\nratios (×) are to the hand-written floor; ${m.nproc} × ${m.cpu}, Node ${m.node}`);
console.log(
  `shipped package, gzip: wasm ${kb(results.shipped.files["cdf_workflow_retry_bg.wasm"].gzip)} + glue ${kb(results.shipped.files["cdf_workflow_retry.js"].gzip)} + entry ${kb(results.shipped.files["browser.js"].gzip + results.shipped.files["lazy.js"].gzip + results.shipped.files["errors.js"].gzip + results.shipped.files["copy.js"].gzip)} = ${kb(results.shipped.total.gzip)}`,
);
console.log(
  `throughput rounds (calls/s; the client's CPU share of a core): ${CONTENDERS.map((c) => `${LABEL[c]} ${results.throughput[c].rounds.map((r) => `${Math.round(r.callsPerSecond)} (${r.cpuShare.toFixed(2)})`).join(", ")}`).join("; ")}`,
);
console.log(`retryExecutions of ${results.batch.executions} ids, stub fetch, concurrency 16: ${results.batch.medianUsPerExecution.toFixed(1)} µs CPU per execution (a session and a retry each)`);
console.log(`wrote bench/results.json in ${results.seconds} s`);
