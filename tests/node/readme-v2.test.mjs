// The README's examples of the guide and of the reference (each marked
// `<!-- example v2: NAME -->`), each run as written against the mock CDF server:
// only the import (to the built package), `cluster` (to the mock's baseUrl), the
// token URL (to the mock's) and a `getAccessToken` for the demo token are
// supplied. A marker that is missing fails its test. The Worker of "Tokens at the
// edge" runs in workerd: tests/consumers/readme.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { root, pkgEntry, withMock, control } from "./helpers.mjs";

function example(name) {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf(`<!-- example v2: ${name} -->`);
  assert.ok(at >= 0, `the README marks its ${name} example`);
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "a js block follows the marker");
  assert.ok(readme.indexOf("<!-- example", at + 1) < 0 || readme.indexOf("<!-- example", at + 1) > at + block.index, "the block follows its own marker");
  return block[1];
}

test("every example marker of the README has its test", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const names = [...readme.matchAll(/<!-- example v2: ([\w-]+) -->/g)].map((m) => m[1]);
  // here: list … triage; tests/node/failures.test.mjs: groups; tests/consumers/readme.test.mjs: edge
  const tested = ["list", "get", "wait", "batch", "token", "cancel", "trigger-runs", "triage", "groups", "edge"];
  assert.deepEqual([...names].sort(), [...tested].sort(), "each marker once, and no marker without a test");
  assert.equal(readme.match(/<!-- example: tests\/node\/readme\.test\.mjs/g)?.length, 1, "the retry example's marker, once");
});

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

test("README triage example: lists, groups, and retries only the transient groups", async () => {
  await withMock(async (mock) => {
    const r = await run("triage", mock);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    const last = lines.pop().match(/^retried (\d+), not retried (\d+)$/);
    assert.ok(last, r.stdout);
    const groups = lines.map((line) => {
      const m = line.match(/^(retry|skip ) (\d+) × ([\w-]+): (.+)$/);
      assert.ok(m, `a group line: ${line}`);
      return { retry: m[1] === "retry", count: Number(m[2]), workflow: m[3], signature: m[4] };
    });
    // The mock's seed has transient causes (timeouts, 429, "temporarily unavailable") and others.
    const transient = /timed out|too many requests|temporarily unavailable/i;
    assert.ok(groups.some((g) => g.retry) && groups.some((g) => !g.retry), r.stdout);
    for (const g of groups) assert.equal(g.retry, transient.test(g.signature), `retried only when transient: ${g.signature}`);
    assert.ok(groups.some((g) => !g.retry && /unique constraint/.test(g.signature)), "a data error is skipped");
    const toRetry = groups.filter((g) => g.retry).reduce((n, g) => n + g.count, 0);
    assert.equal(Number(last[1]) + Number(last[2]), toRetry, "every execution of the transient groups was tried");
    assert.equal(Number(last[2]), 0, r.stdout);

    // What the mock received: one retry per execution of the transient groups, nothing else retried.
    const retries = (await control(mock, "GET", "/projects/my-project/log?op=retry")).requests;
    const ids = retries.map((q) => q.path.match(/executions\/([0-9a-f-]{36})\/retry$/)[1]);
    assert.equal(new Set(ids).size, toRetry);
    assert.equal(ids.length, toRetry);
    const { items } = await control(mock, "GET", "/projects/my-project/executions");
    for (const id of ids) assert.equal(items.find((e) => e.id === id)?.status, "RUNNING", id);
    // The failed executions left in the example's window are the skipped ones: no transient cause.
    const { listExecutions } = await import(pkgEntry);
    const left = await listExecutions({
      project: "my-project",
      baseUrl: mock.url,
      token: "demo-token",
      status: ["FAILED", "TIMED_OUT"],
      createdTimeStart: Date.now() - 7 * 24 * 3600 * 1000 + 60_000, // the example ran less than a minute ago
      limit: 1000,
    });
    assert.ok(left.length > 0);
    for (const e of left) assert.ok(!transient.test(e.reasonForIncompletion ?? ""), `left failed: ${e.reasonForIncompletion}`);
    assert.ok(left.length <= groups.filter((g) => !g.retry).reduce((n, g) => n + g.count, 0), "only skipped executions are left");
  }, { retryOutcomeDelayMs: 600_000 });
});
