// The README's examples for the 0.2 functions, each run as written against the
// mock CDF server: only the import (to the built package), `cluster` (to the
// mock's baseUrl), the token URL (to the mock's) and a `getAccessToken` for
// the demo token are supplied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { root, pkgEntry, withMock } from "./helpers.mjs";

function example(name) {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf(`<!-- example v2: ${name} -->`);
  assert.ok(at >= 0, `the README marks its ${name} example`);
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "a js block follows the marker");
  return block[1];
}

function run(name, mock, env = {}) {
  const code =
    `const getAccessToken = async () => "demo-token";\n` +
    example(name)
      .replaceAll('from "cdf-workflow-retry"', `from ${JSON.stringify(pkgEntry)}`)
      .replaceAll('cluster: "westeurope-1"', `baseUrl: ${JSON.stringify(mock.url)}`)
      .replaceAll('"https://login.microsoftonline.com/my-tenant/oauth2/v2.0/token"', JSON.stringify(`${mock.url}/oauth2/token`));
  return new Promise((resolve) => {
    execFile(process.execPath, ["--input-type=module", "-e", code], { timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("README listExecutions example", async () => {
  await withMock(async (mock) => {
    const r = await run("list", mock);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.ok(lines.length >= 2, r.stdout);
    for (const line of lines) assert.match(line, /^[0-9a-f-]{36} (nightly-ingest|hourly-sync) (FAILED|TIMED_OUT)$/);
  });
});

test("README getExecution example", async () => {
  await withMock(async (mock) => {
    const r = await run("get", mock);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^load-assets: .+/m);
  });
});

test("README waitForExecution example", async () => {
  await withMock(async (mock) => {
    const r = await run("wait", mock);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^66666666-6666-4666-8666-666666666666 ended (COMPLETED|FAILED)$/);
    assert.match(r.stderr, /still RUNNING/);
  }, { retryOutcomeDelayMs: 500 });
});

test("README retryExecutions example", async () => {
  await withMock(async (mock) => {
    const r = await run("batch", mock);
    assert.equal(r.status, 0, r.stderr);
    const m = r.stdout.trim().match(/^retried (\d+), failed (\d+)$/);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) >= 1, r.stdout);
    const progress = r.stderr.trim().split("\n");
    assert.equal(progress.length, Number(m[1]) + Number(m[2]));
    assert.match(progress.at(-1), /^(\d+)\/\1 /);
  });
});

test("README clientCredentialsToken example", async () => {
  await withMock(async (mock) => {
    const r = await run("token", mock, { IDP_CLIENT_ID: "demo-client", IDP_CLIENT_SECRET: "demo-secret" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\d+ running$/);
    const bad = await run("token", mock, { IDP_CLIENT_ID: "demo-client", IDP_CLIENT_SECRET: "wrong-secret-value" });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /invalid_client/);
    assert.ok(!bad.stderr.includes("wrong-secret-value"));
  });
});

test("README cancelExecution example", async () => {
  await withMock(async (mock) => {
    const r = await run("cancel", mock);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "55555555-5555-4555-8555-555555555555 TERMINATED");
  });
});

test("README listTriggerRuns example", async () => {
  await withMock(async (mock) => {
    const r = await run("trigger-runs", mock);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.ok(lines.length >= 1, r.stdout);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z \S/, line);
  });
});
