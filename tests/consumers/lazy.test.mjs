// The .wasm is loaded on the first call, not at import: a plain page (no bundler) in Chromium
// whose .wasm cannot be loaded still runs its module script, and the call rejects with a
// CdfError that says what to fix; a later call loads it. Also in Node (the installed package).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import {
  FIXTURES, FAILED_ID, COMPLETED_ID, OTHER_FAILED_ID, createConsumer, cleanup, launchChromium, pageQuery, run, serveStatic, uniqueProject,
} from "./helpers.mjs";

const WASM_PATH = "/node_modules/cdf-workflow-retry/cdf_workflow_retry_bg.wasm";
let dir, browser, mock;
before(async () => {
  dir = await createConsumer("lazy", {
    "index.html": { from: join(FIXTURES, "lazy", "index.html") },
    "main.js": { from: join(FIXTURES, "lazy", "main.js") },
    "missing-wasm.mjs": { from: join(FIXTURES, "node", "missing-wasm.mjs") },
  });
  browser = await launchChromium();
  mock = await startMockServer({ quiet: true });
});
after(async () => {
  await browser?.close();
  await mock?.close();
  cleanup();
});

/** Opens the fixture page on `site`; resolves to the page once its module script has run. */
async function openPage(t, site, project) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const query = pageQuery({ project, baseUrl: mock.url, token: "test-token-lazy", executionId: FAILED_ID });
  await page.goto(`${site.url}/${query}`);
  await page.waitForSelector("#out[data-done]", { timeout: 10_000 });
  assert.equal(await page.textContent("#out"), 'imported; isCdfError(new Error("x")) is false', "the importing module ran");
  return page;
}

/** The fields every load failure has. */
function assertLoadError(error) {
  assert.equal(error.isCdfError, true);
  assert.equal(error.isInstance, true, "an instance of the exported CdfError class");
  assert.equal(error.isError, true);
  assert.equal(error.name, "CdfError");
  assert.equal(error.kind, "network");
  assert.equal(error.retryable, true);
  assert.equal(error.attempts, 0);
  assert.equal(error.hasOperation, false, "no operation: no request was made");
}

test("plain page: a .wasm answering 404 rejects the first calls with a CdfError naming it; a later call loads it", async (t) => {
  let missing = true;
  const site = await serveStatic(dir, {
    intercept(path, res) {
      if (!missing || !path.endsWith(".wasm")) return false;
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return true;
    },
  });
  t.after(() => site.close());
  const project = uniqueProject("lazy404");
  const page = await openPage(t, site, project);
  assert.deepEqual(site.requests.filter((p) => p.endsWith(".wasm")), [], "importing the package fetched no .wasm");

  // Two concurrent first calls share one load: one request, both rejected.
  const [first, second] = await page.evaluate(() => Promise.all([window.attempt(), window.attempt()]));
  for (const { error } of [first, second]) {
    assert.ok(error, "the call rejected");
    assertLoadError(error);
    assert.ok(error.message.includes(`${site.url}${WASM_PATH}`), `the message names the .wasm URL: ${error.message}`);
    assert.match(error.message, /\b404\b/, "the message gives the status");
  }
  assert.equal(site.requests.filter((p) => p === WASM_PATH).length, 1, "one shared load");
  const log = await fetch(`${mock.url}/_mock/projects/${project}/log`).then((r) => r.json());
  assert.deepEqual(log.requests, [], "nothing was sent to CDF");

  // The file is back: the next call loads it and works; later calls do not load it again.
  missing = false;
  const ok = await page.evaluate(() => window.attempt());
  assert.equal(ok.error, undefined, JSON.stringify(ok.error));
  assert.equal(ok.execution.id, FAILED_ID);
  assert.equal(ok.execution.status, "RUNNING");
  const refused = await page.evaluate((id) => window.attempt(id), COMPLETED_ID);
  assert.equal(refused.error?.kind, "api");
  assert.equal(refused.error.status, 400);
  assert.equal(site.requests.filter((p) => p === WASM_PATH).length, 2, "loaded once more, then kept");
});

test("plain page: a Content-Security-Policy without 'wasm-unsafe-eval' rejects the call with a CdfError that says so", async (t) => {
  const strict = "default-src 'self'; script-src 'self'; connect-src 'self' http://127.0.0.1:*";
  const headers = { "content-security-policy": strict };
  const site = await serveStatic(dir, { headers });
  t.after(() => site.close());
  const project = uniqueProject("lazycsp");
  const page = await openPage(t, site, project);
  const { error } = await page.evaluate(() => window.attempt());
  assert.ok(error, "the call rejected");
  assertLoadError(error);
  assert.match(error.message, /^The page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive/);
  assert.ok(error.message.includes(`${site.url}${WASM_PATH}`), `the message names the .wasm URL: ${error.message}`);
  const log = await fetch(`${mock.url}/_mock/projects/${project}/log`).then((r) => r.json());
  assert.deepEqual(log.requests, [], "nothing was sent to CDF");

  // With 'wasm-unsafe-eval' added, as the message says, the same page retries the execution.
  headers["content-security-policy"] = strict.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");
  const fixed = await openPage(t, site, project);
  const { execution, error: none } = await fixed.evaluate(() => window.attempt());
  assert.equal(none, undefined, JSON.stringify(none));
  assert.equal(execution.id, FAILED_ID);
});

test("plain page: an abort while the .wasm loads rejects that call at once; the load goes on for the next", async (t) => {
  const site = await serveStatic(dir, {
    intercept(path, res) {
      if (path !== WASM_PATH) return false;
      const bytes = readFileSync(join(dir, WASM_PATH));
      setTimeout(() => res.writeHead(200, { "content-type": "application/wasm" }).end(bytes), 3000);
      return true;
    },
  });
  t.after(() => site.close());
  const page = await openPage(t, site, uniqueProject("lazyabort"));
  const started = Date.now();
  const aborted = await page.evaluate(() => window.attempt(undefined, { abortAfterMs: 200 }));
  assert.ok(Date.now() - started < 2500, `rejected at once, not when the .wasm came (${Date.now() - started} ms)`);
  assert.equal(aborted.error?.kind, "aborted", JSON.stringify(aborted));
  assert.equal(aborted.error.isInstance, true);
  assert.equal(aborted.error.attempts, 0);
  assert.equal(aborted.error.retryable, false);
  const ok = await page.evaluate(() => window.attempt());
  assert.equal(ok.error, undefined, JSON.stringify(ok.error));
  assert.equal(ok.execution.id, FAILED_ID);
  assert.equal(site.requests.filter((p) => p === WASM_PATH).length, 1, "the aborted call did not stop the load");
});

test("plain page: calls made before the .wasm loads read their options at the call (one reused object, each its own id)", async (t) => {
  const site = await serveStatic(dir, {
    intercept(path, res) {
      if (path !== WASM_PATH) return false;
      const bytes = readFileSync(join(dir, WASM_PATH));
      setTimeout(() => res.writeHead(200, { "content-type": "application/wasm" }).end(bytes), 500);
      return true;
    },
  });
  t.after(() => site.close());
  const project = uniqueProject("lazyreuse");
  const page = await openPage(t, site, project);
  const ids = [FAILED_ID, OTHER_FAILED_ID, "22222222-2222-4222-8222-222222222222"];
  assert.deepEqual(await page.evaluate((ids) => window.reuse(ids), ids), ids, "each call retried its own execution");
  const log = await fetch(`${mock.url}/_mock/projects/${project}/log?op=retry`).then((r) => r.json());
  assert.deepEqual(log.requests.map((r) => r.path.split("/").at(-2)).sort(), [...ids].sort());
});

test("node: a missing .wasm rejects the call with a CdfError naming the file; once it is back, the next call works", async () => {
  const r = await run(process.execPath, ["missing-wasm.mjs"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const { restored, providerType, missing, providerMissing, back, providerBack } = JSON.parse(r.stdout);
  assert.equal(restored, true);
  assert.equal(providerType, "function", "clientCredentialsToken returned its provider before the module loaded");
  assert.equal(providerMissing.kind, "network", "the provider's first use met the missing .wasm");
  assert.match(providerMissing.message, /cdf_workflow_retry_bg\.wasm/);
  // Loaded: the provider checks its options (a bad tokenUrl) without any request.
  assert.equal(providerBack.kind, "invalid_input");
  assert.equal(providerBack.field, "tokenUrl");
  assert.equal(missing.isCdfError, true);
  assert.equal(missing.isInstance, true);
  assert.equal(missing.kind, "network");
  assert.equal(missing.retryable, true);
  assert.equal(missing.attempts, 0);
  assert.equal(missing.hasOperation, false);
  assert.match(missing.message, /cdf_workflow_retry_bg\.wasm/);
  assert.match(missing.message, /ENOENT/);
  // Loaded now: a bad option is checked by the module (invalid_input), not a load failure.
  assert.equal(back.kind, "invalid_input");
  assert.equal(back.field, "executionId");
});
