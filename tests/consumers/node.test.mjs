// Node 20+ (ESM): the installed package, imported by name from a consumer project, no init().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import { FIXTURES, FAILED_ID, COMPLETED_ID, createConsumer, cleanup, run, uniqueProject } from "./helpers.mjs";

let dir;
before(async () => {
  dir = await createConsumer("node", { "retry.mjs": { from: join(FIXTURES, "node", "retry.mjs") }, "errors.mjs": { from: join(FIXTURES, "node", "errors.mjs") }, "require.cjs": { from: join(FIXTURES, "node", "require.cjs") } });
});
after(cleanup);

test("node: imports the package by name and retries a FAILED execution", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const env = { ...process.env, CDF_PROJECT: uniqueProject("node"), CDF_BASE_URL: mock.url, CDF_TOKEN: "test-token-node" };
  delete env.CDF_CLUSTER;
  const r = await run(process.execPath, ["retry.mjs", FAILED_ID], { cwd: dir, env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const execution = JSON.parse(r.stdout);
  assert.equal(execution.id, FAILED_ID);
  assert.equal(execution.status, "RUNNING");
  assert.equal(execution.workflowExternalId, "nightly-ingest");
  assert.deepEqual(execution.metadata, { team: "data", trigger: "schedule" });

  // The same script on a COMPLETED execution: CDF's 400 as a CdfError of kind api.
  const refused = await run(process.execPath, ["retry.mjs", COMPLETED_ID], { cwd: dir, env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^api 400: .*COMPLETED/m);
});

test("node: a validation error is a CdfError and an Error, and nothing is sent", async () => {
  const r = await run(process.execPath, ["errors.mjs"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    isCdfError: true,
    isError: true,
    name: "CdfError",
    kind: "invalid_input",
    field: "executionId",
    hasStack: true,
    notCdfError: false,
    sent: 0,
  });
});

test("node: the package resolves to its Node entry", async () => {
  const r = await run(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("cdf-workflow-retry"))'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /\/node_modules\/cdf-workflow-retry\/node\.js$/);
});

test("node: require() from CommonJS (Node with require(esm))", { skip: !process.features.require_module && "this Node has no require(esm)" }, async () => {
  const r = await run(process.execPath, ["require.cjs"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { retryExecution: "function", isCdfError: "function" });
});
