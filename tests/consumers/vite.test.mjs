// A Vite app: `vite build` (production, no wasm plugin, no config) of a page importing the package
// by name, served from dist/ by a static server, in Chromium, against the mock CDF (CORS).
// Also the dev server, with no config either: Vite 8 pre-bundles the package and keeps the .wasm URL.
// And what Vite bundles: the glue and the .wasm in a chunk of their own, nothing of them for an
// app that only imports isCdfError, and never the Node-only mock.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import {
  FIXTURES, FAILED_ID, OTHER_FAILED_ID, PKG, bin, assertV2Summary, createConsumer, cleanup, launchChromium, pageQuery, parseExecution,
  runOk, runPage, serveStatic, uniqueProject,
} from "./helpers.mjs";

let dir, browser;
before(async () => {
  dir = await createConsumer("vite", {
    "index.html": { from: join(FIXTURES, "vite", "index.html") },
    "main.js": { from: join(FIXTURES, "vite", "main.js") },
    "v2.js": { from: join(FIXTURES, "v2.js") },
    "errors-only": { from: join(FIXTURES, "vite-errors") },
    "errors-only-lazy-barrel": { from: join(FIXTURES, "vite-errors") },
    "errors-only-lazy-barrel/vite.config.js": "export default { build: { rolldownOptions: { experimental: { lazyBarrel: true } } } };\n",
    "mock-in-browser": { from: join(FIXTURES, "vite-mock") },
    "on-demand": { from: join(FIXTURES, "vite-dynamic") },
  });
  browser = await launchChromium();
});

/** Where `vite build <app>` writes: outside the project, so the dev server test never scans it. */
const distOf = (app) => `${dir}-${app}-dist`;

/** The files of the app's dist/assets after `vite build <app>`: { name: Buffer }. */
async function buildApp(app) {
  await runOk(bin("vite"), ["build", app, "--outDir", distOf(app), "--emptyOutDir", "--logLevel", "warn"], { cwd: dir });
  const assets = join(distOf(app), "assets");
  return Object.fromEntries(readdirSync(assets).map((f) => [f, readFileSync(join(assets, f))]));
}

/** Opens a built app; resolves to { text, requests, errors } (the URLs the page asked for, its uncaught errors). */
async function openBuilt(t, app) {
  const site = await serveStatic(distOf(app));
  t.after(() => site.close());
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${site.url}/`);
  await page.waitForLoadState("networkidle");
  return { text: await page.textContent("#out"), requests: site.requests, errors };
}
after(async () => {
  await browser?.close();
  cleanup();
});

test("vite: production build ships the .wasm and the page retries an execution", async (t) => {
  await runOk(bin("vite"), ["build", "--logLevel", "warn"], { cwd: dir });
  const assets = readdirSync(join(dir, "dist", "assets"));
  const wasm = assets.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `expected one .wasm asset in dist/assets, found: ${assets.join(", ")}`);
  assert.deepEqual(readFileSync(join(dir, "dist", "assets", wasm[0])), readFileSync(join(PKG, "cdf_workflow_retry_bg.wasm")));
  const chunks = Object.fromEntries(assets.filter((f) => f.endsWith(".js")).map((f) => [f, readFileSync(join(dir, "dist", "assets", f), "utf8")]));
  const js = Object.values(chunks).join("\n");
  assert.ok(js.includes(wasm[0]), "the bundle refers to the hashed .wasm asset");
  assert.ok(!js.includes("node:fs"), "the browser entry was bundled, not the Node one");
  // The glue is a chunk of its own, loaded by the first call (dynamic import), not by the page.
  const html = readFileSync(join(dir, "dist", "index.html"), "utf8");
  const entry = Object.keys(chunks).find((f) => html.includes(f));
  assert.ok(entry, `index.html loads one of ${Object.keys(chunks).join(", ")}`);
  assert.ok(!chunks[entry].includes("__wbindgen"), "the entry chunk holds no wasm-bindgen glue");
  assert.equal(Object.values(chunks).filter((c) => c.includes("__wbindgen")).length, 1, "one glue chunk");
  // Nothing of the Node-only mock.
  for (const word of ["node:http", "createServer", "startMock"]) assert.ok(!js.includes(word), `no ${word} in the bundle`);

  const site = await serveStatic(join(dir, "dist"));
  t.after(() => site.close());
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const query = pageQuery({ project: uniqueProject("vite"), baseUrl: mock.url, token: "test-token-vite", executionId: FAILED_ID });
  const { text, logs } = await runPage(browser, `${site.url}/${query}`);
  const execution = parseExecution(text, logs);
  assert.equal(execution.id, FAILED_ID);
  assert.equal(execution.status, "RUNNING");
});

test("vite: the same build runs every 0.2 function (list, get, retry many, wait, client-credentials token)", async (t) => {
  // Built by the test above (node --test runs a file's tests in order).
  const site = await serveStatic(join(dir, "dist"));
  t.after(() => site.close());
  const mock = await startMockServer({ quiet: true, retryOutcomeDelayMs: 200 });
  t.after(() => mock.close());
  const query = pageQuery({ project: uniqueProject("vite2"), baseUrl: mock.url, token: "test-token-vite", executionId: FAILED_ID }) + "&mode=v2";
  const { text, logs } = await runPage(browser, `${site.url}/${query}`, { timeoutMs: 30_000 });
  assertV2Summary(text, logs);
});

test("vite: an app importing only isCdfError and CdfError bundles no glue and never downloads the .wasm", async (t) => {
  const files = await buildApp("errors-only");
  const js = Object.entries(files).filter(([f]) => f.endsWith(".js"));
  assert.equal(js.length, 1, `one JS chunk: ${Object.keys(files).join(", ")}`);
  const code = js[0][1].toString("utf8");
  assert.ok(!code.includes("__wbindgen"), "no wasm-bindgen glue in the bundle");
  assert.ok(!/cdf_workflow_retry/.test(code), "no reference to the glue or the .wasm");
  assert.ok(js[0][1].length < 2048, `the whole app is under 2 KB of JS (${js[0][1].length} bytes)`);
  const { text, requests, errors } = await openBuilt(t, "errors-only");
  assert.deepEqual(errors, []);
  assert.deepEqual(JSON.parse(text), { plainError: false, lookalike: false, isClass: true });
  assert.deepEqual(requests.filter((p) => /\.wasm$|cdf_workflow_retry/.test(p)), [], "neither the .wasm nor the glue was requested");
});

test("vite: with rolldown's lazyBarrel, an app importing only isCdfError does not even emit the .wasm", async () => {
  // Vite (8.4) emits an asset when it reads a `new URL(…, import.meta.url)`, even in code it then
  // drops; with lazyBarrel it skips the unused re-exports of browser.js, and lazy.js is never read.
  const files = await buildApp("errors-only-lazy-barrel");
  assert.deepEqual(Object.keys(files).filter((f) => f.endsWith(".wasm")), [], `no .wasm in ${Object.keys(files).join(", ")}`);
  const code = Object.entries(files).filter(([f]) => f.endsWith(".js")).map(([, b]) => b.toString("utf8")).join("\n");
  assert.ok(code.includes("cdf-workflow-retry.CdfError"), "the bundle has errors.js (its brand)");
});

test("vite: a dynamic import() of the package downloads nothing of it until the first use", async (t) => {
  const files = await buildApp("on-demand");
  const html = readFileSync(join(distOf("on-demand"), "index.html"), "utf8");
  const entry = Object.keys(files).find((f) => f.endsWith(".js") && html.includes(f));
  assert.ok(entry, "index.html loads an entry chunk");
  const entryCode = files[entry].toString("utf8");
  assert.ok(!entryCode.includes("cdf-workflow-retry.CdfError") && !entryCode.includes("__wbindgen"), "the entry chunk holds nothing of the package");
  const site = await serveStatic(distOf("on-demand"));
  t.after(() => site.close());
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const page = await browser.newPage();
  t.after(() => page.close());
  const query = pageQuery({ project: uniqueProject("vitelazy"), baseUrl: mock.url, token: "test-token-vite", executionId: FAILED_ID });
  await page.goto(`${site.url}/${query}`);
  await page.waitForLoadState("networkidle");
  assert.deepEqual(site.requests.filter((p) => p.startsWith("/assets/")), [`/assets/${entry}`], "only the entry chunk before the click");
  await page.click("#retry");
  await page.waitForSelector("#out[data-done]", { timeout: 20_000 });
  const execution = parseExecution(await page.textContent("#out"));
  assert.equal(execution.id, FAILED_ID);
  assert.equal(execution.status, "RUNNING");
  assert.ok(site.requests.some((p) => p.endsWith(".wasm")), "the .wasm came with the first call");
});

test("vite: cdf-workflow-retry/mock in browser code bundles a stub that says it runs only in Node", async (t) => {
  const files = await buildApp("mock-in-browser");
  const code = Object.entries(files).filter(([f]) => f.endsWith(".js")).map(([, b]) => b.toString("utf8")).join("\n");
  assert.match(code, /runs only in Node/);
  for (const word of ["node:http", "createServer", "SEED_EXECUTIONS"]) assert.ok(!code.includes(word), `no ${word} in the bundle`);
  const { errors } = await openBuilt(t, "mock-in-browser");
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0], /cdf-workflow-retry\/mock runs only in Node/);
});

test("vite: the dev server needs no optimizeDeps setting", async (t) => {
  const port = await freePort();
  // NO_COLOR: with CI set, Vite colours its output, which would split "127.0.0.1:<port>".
  const child = spawn(bin("vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  t.after(() => child.kill());
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${output}`)), 30_000);
    const onData = (d) => {
      output += d;
      // eslint-disable-next-line no-control-regex
      if (output.replace(/\x1b\[[0-9;]*m/g, "").includes(`127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`vite dev exited with ${code}:\n${output}`)));
  });
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const query = pageQuery({ project: uniqueProject("vitedev"), baseUrl: mock.url, token: "test-token-vite", executionId: OTHER_FAILED_ID });
  const { text, logs } = await runPage(browser, `http://127.0.0.1:${port}/${query}`);
  const execution = parseExecution(text, logs);
  assert.equal(execution.id, OTHER_FAILED_ID);
  assert.equal(execution.status, "RUNNING");
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
