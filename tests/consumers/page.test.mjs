// A plain page: <script type="module"> importing the package's browser entry by URL, no bundler,
// no init(), served by a static server on one origin and calling the mock CDF on another (CORS).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import {
  FIXTURES, FAILED_ID, COMPLETED_ID, assertV2Summary, createConsumer, cleanup, launchChromium, pageQuery, parseExecution, runPage,
  serveStatic, uniqueProject,
} from "./helpers.mjs";

let dir, browser, site;
before(async () => {
  dir = await createConsumer("page", { "index.html": { from: join(FIXTURES, "page", "index.html") }, "v2.js": { from: join(FIXTURES, "v2.js") } });
  site = await serveStatic(dir);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.close();
  cleanup();
});

test("plain page: retries a FAILED execution from a module script", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("page");
  const query = pageQuery({ project, baseUrl: mock.url, token: "test-token-page", executionId: FAILED_ID });
  const { text, logs } = await runPage(browser, `${site.url}/${query}`);
  const execution = parseExecution(text, logs);
  assert.equal(execution.id, FAILED_ID);
  assert.equal(execution.status, "RUNNING");
  // The .wasm was streamed (served as application/wasm): no fallback warning from the loader.
  assert.deepEqual(logs.filter((l) => /wasm|MIME/i.test(l)), []);

  const refused = await runPage(browser, `${site.url}/${pageQuery({ project, baseUrl: mock.url, token: "test-token-page", executionId: COMPLETED_ID })}`);
  assert.match(refused.text, /^api 400: .*COMPLETED/);
});

test("plain page: every 0.2 function (list, get, retry many, wait, client-credentials token)", async (t) => {
  const mock = await startMockServer({ quiet: true, retryOutcomeDelayMs: 200 });
  t.after(() => mock.close());
  const query = pageQuery({ project: uniqueProject("page2"), baseUrl: mock.url, token: "test-token-page", executionId: FAILED_ID }) + "&mode=v2";
  const { text, logs } = await runPage(browser, `${site.url}/${query}`, { timeoutMs: 30_000 });
  assertV2Summary(text, logs);
});
