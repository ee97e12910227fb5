// Cloudflare Workers: examples/worker, with the package installed from the tarball, bundled the
// way wrangler bundles (package resolved through the `workerd` export condition, the .wasm kept
// as a separate CompiledWasm module) and run in workerd through miniflare 4. Miniflare lets a
// Worker fetch loopback addresses by default (its "internet" service allows "private" networks,
// a superset of "local"), so the Worker reaches the mock CDF on 127.0.0.1 for real.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startMockServer } from "../mock/server.mjs";
import { ROOT, FAILED_ID, COMPLETED_ID, OTHER_FAILED_ID, createConsumer, cleanup, uniqueProject, bundleLikeWrangler } from "./helpers.mjs";

const EXAMPLE = join(ROOT, "examples", "worker");
const TOKEN = "test-token-worker-SECRET";
let dir, toml, bundle;

before(async () => {
  dir = await createConsumer("worker", { src: { from: join(EXAMPLE, "src") }, "wrangler.toml": { from: join(EXAMPLE, "wrangler.toml") } });
  toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
  bundle = await bundleLikeWrangler(join(dir, tomlString("main")), join(dir, "dist"));
});
after(cleanup);

function tomlString(key) {
  const value = toml.match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
  assert.ok(value, `wrangler.toml has no ${key}`);
  return value;
}

async function startWorker(t, bindings) {
  const mf = new Miniflare({
    modulesRoot: bundle.outDir,
    modules: [
      { type: "ESModule", path: join(bundle.outDir, "index.js") },
      ...bundle.wasm.map((f) => ({ type: "CompiledWasm", path: join(bundle.outDir, f) })),
    ],
    compatibilityDate: tomlString("compatibility_date"),
    bindings,
  });
  t.after(() => mf.dispose());
  await mf.ready;
  return async (method, path) => {
    const res = await mf.dispatchFetch(`http://worker.test${path}`, { method });
    const text = await res.text();
    assert.ok(!text.includes(TOKEN), "the token never appears in an answer");
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  };
}

test("worker: wrangler.toml and the bundle", () => {
  assert.equal(tomlString("main"), "src/index.js");
  assert.ok(tomlString("compatibility_date") >= "2024-11-11", "compatibility_date is 2024-11-11 or later (fetch `cache` support)");
  assert.match(toml, /^\[vars\]$/m);
  assert.ok(
    bundle.moduleIds.some((id) => id.endsWith(join("node_modules", "cdf-workflow-retry", "workerd.js"))),
    `the workerd entry was bundled; modules: ${bundle.moduleIds.join(", ")}`,
  );
  assert.deepEqual(bundle.wasm, ["cdf_workflow_retry_bg.wasm"]);
});

test("worker: POST /executions/{id}/retry in workerd", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("worker");
  const call = await startWorker(t, { CDF_PROJECT: project, CDF_BASE_URL: mock.url, CDF_TOKEN: TOKEN });

  const ok = await call("POST", `/executions/${FAILED_ID}/retry`);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(ok.body.id, FAILED_ID);
  assert.equal(ok.body.status, "RUNNING");

  const completed = await call("POST", `/executions/${COMPLETED_ID}/retry`);
  assert.equal(completed.status, 400);
  assert.equal(completed.body.error.kind, "api");
  assert.equal(completed.body.error.status, 400);
  assert.equal(completed.body.error.operation, "retryExecution");
  assert.equal(completed.body.error.retryable, false);
  assert.match(completed.body.error.requestId, /^mock-/);
  assert.match(completed.body.error.message, /COMPLETED/);

  const bad = await call("POST", "/executions/not-a-uuid/retry");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.kind, "invalid_input");
  assert.equal(bad.body.error.field, "executionId");
  assert.equal(bad.body.error.attempts, 0);

  const method = await call("GET", `/executions/${FAILED_ID}/retry`);
  assert.equal(method.status, 405);
  assert.equal(method.headers.get("allow"), "POST");
  assert.equal((await call("POST", "/executions")).status, 404);
  assert.equal((await call("POST", `/executions/${FAILED_ID}/retry/now`)).status, 404);

  // A CDF server error, after the library's retries: 502.
  const script = (steps) =>
    fetch(`${mock.url}/_mock/projects/${project}/script`, { method: "POST", body: JSON.stringify(steps) }).then((r) => assert.equal(r.status, 200));
  await script(Array.from({ length: 4 }, () => ({ on: "sessions", status: 503, headers: { "retry-after": "0" } })));
  const unavailable = await call("POST", `/executions/${OTHER_FAILED_ID}/retry`);
  assert.equal(unavailable.status, 502);
  assert.equal(unavailable.body.error.kind, "api");
  assert.equal(unavailable.body.error.status, 503);
  assert.equal(unavailable.body.error.retryable, true);

  // An answer that is not an execution: 502 invalid_response.
  await script([{ on: "retry", status: 200, body: { items: [] } }]);
  const garbled = await call("POST", `/executions/${OTHER_FAILED_ID}/retry`);
  assert.equal(garbled.status, 502);
  assert.equal(garbled.body.error.kind, "invalid_response");
});

test("worker: POST /executions/{id}/cancel in workerd (cancelExecution, 0.3)", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("worker-cancel");
  const call = await startWorker(t, { CDF_PROJECT: project, CDF_BASE_URL: mock.url, CDF_TOKEN: TOKEN });
  const RUNNING_ID = "55555555-5555-4555-8555-555555555555";
  const ok = await call("POST", `/executions/${RUNNING_ID}/cancel`);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.id, RUNNING_ID);
  assert.equal(ok.body.status, "TERMINATED");
  const ended = await call("POST", `/executions/${COMPLETED_ID}/cancel`);
  assert.equal(ended.status, 400);
  assert.equal(ended.body.error.kind, "api");
  assert.equal(ended.body.error.operation, "cancelExecution");
  const bad = await call("POST", "/executions/not-a-uuid/cancel");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, "executionId");
  const log = await fetch(`${mock.url}/_mock/projects/${project}/log?op=cancel`).then((r) => r.json());
  assert.equal(log.requests.length, 2, "two cancel requests reached CDF; the bad id none");
});

test("worker: a configuration error is a 500, not the caller's fault", async (t) => {
  const call = await startWorker(t, { CDF_PROJECT: "my-project", CDF_CLUSTER: "westeurope-1" }); // no CDF_TOKEN
  const r = await call("POST", `/executions/${FAILED_ID}/retry`);
  assert.equal(r.status, 500);
  assert.equal(r.body.error.kind, "invalid_input");
  assert.equal(r.body.error.field, "token");
});
