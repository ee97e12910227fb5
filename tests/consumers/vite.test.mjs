// A Vite app: `vite build` (production, no wasm plugin, no config) of a page importing the package
// by name, served from dist/ by a static server, in Chromium, against the mock CDF (CORS).
// Also the dev server, with no config either: Vite 8 pre-bundles the package and keeps the .wasm URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import {
  FIXTURES, FAILED_ID, OTHER_FAILED_ID, PKG, bin, createConsumer, cleanup, launchChromium, pageQuery, parseExecution,
  runOk, runPage, serveStatic, uniqueProject,
} from "./helpers.mjs";

let dir, browser;
before(async () => {
  dir = await createConsumer("vite", { "index.html": { from: join(FIXTURES, "vite", "index.html") }, "main.js": { from: join(FIXTURES, "vite", "main.js") } });
  browser = await launchChromium();
});
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
  const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(dir, "dist", "assets", f), "utf8")).join("\n");
  assert.ok(js.includes(wasm[0]), "the bundle refers to the hashed .wasm asset");
  assert.ok(!js.includes("node:fs"), "the browser entry was bundled, not the Node one");

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
