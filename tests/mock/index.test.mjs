// Tests of startMock (tests/mock/index.mjs, published as cdf-workflow-retry/mock). Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startMock, startMockServer, SEED_EXECUTIONS } from "./index.mjs";
import * as server from "./server.mjs";
import { MOCK_DIR, mockPackageFiles } from "./package-files.mjs";
import { FAILED, GET_HEADERS, POST_HEADERS, UUID, call, sleep, until } from "./helpers.mjs";

const read = (name) => readFileSync(new URL(name, import.meta.url), "utf8");

/** Start a mock for one test; closed when the test ends. */
async function withMock(t, options) {
  const mock = await startMock(options);
  t.after(() => mock.close());
  return mock;
}

const apiUrl = (mock, suffix) => `${mock.url}/api/v1/projects/${mock.project}${suffix}`;
const authed = (mock, headers) => ({ ...headers, authorization: `Bearer ${mock.token}` });

test("startMock: url, project, token, connection, token endpoint and client credentials that work", async (t) => {
  const mock = await withMock(t);
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(mock.port, Number(new URL(mock.url).port));
  assert.equal(mock.project, "test-project");
  assert.match(mock.token, /^test-token-[0-9a-f]{8}$/);
  assert.deepEqual(mock.connection, { baseUrl: mock.url, project: mock.project, token: mock.token });
  assert.ok(Object.isFrozen(mock) && Object.isFrozen(mock.connection));
  assert.equal(mock.tokenUrl, `${mock.url}/oauth2/test-project/token`);
  assert.match(mock.clientId, /^test-client-/);
  assert.match(mock.clientSecret, /^test-secret-/);

  const list = await call(apiUrl(mock, "/workflows/executions/list"), { method: "POST", headers: authed(mock, POST_HEADERS), body: "{}" });
  assert.equal(list.status, 200);
  const token = await call(mock.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: mock.clientId, client_secret: mock.clientSecret }),
  });
  assert.equal(token.status, 200, token.text);
  const session = await call(apiUrl(mock, "/sessions"), {
    method: "POST",
    headers: authed(mock, POST_HEADERS),
    body: JSON.stringify({ items: [{ clientId: mock.clientId, clientSecret: mock.clientSecret }] }),
  });
  assert.equal(session.status, 200, session.text);
  assert.equal(mock.stats().tokensIssued, 1);
  const two = await withMock(t, { project: "my-project-2" });
  assert.notEqual(two.token, mock.token, "each mock has its own credentials");
  assert.equal(two.tokenUrl, `${two.url}/oauth2/my-project-2/token`);
});

test("startMock: executionIds by status, consistent with executions and with the API", async (t) => {
  const mock = await withMock(t, { seed: 4 });
  const { executionIds: ids, executions } = mock;
  assert.equal(executions.length, 37);
  assert.ok(Object.isFrozen(executions) && Object.isFrozen(executions[0]) && Object.isFrozen(ids) && Object.isFrozen(ids.failed));
  assert.deepEqual(Object.keys(executions[0]).sort(), ["createdTime", "failsAgain", "generated", "id", "status", "version", "workflowExternalId"].filter((k) => k in executions[0]).sort());
  const byStatus = (s) => executions.filter((e) => e.status === s).map((e) => e.id);
  assert.deepEqual(ids.failed, byStatus("FAILED"));
  assert.deepEqual(ids.timedOut, byStatus("TIMED_OUT"));
  assert.deepEqual(ids.terminated, byStatus("TERMINATED"));
  assert.deepEqual(ids.completed, byStatus("COMPLETED"));
  assert.deepEqual(ids.running, byStatus("RUNNING"));
  assert.deepEqual(ids.all, executions.map((e) => e.id));
  for (const key of ["failed", "timedOut", "terminated", "completed", "running", "failsAgain", "completesOnRetry"]) {
    assert.ok(ids[key].length > 0, key);
  }
  assert.deepEqual([...ids.retryable].sort(), [...ids.failed, ...ids.timedOut, ...ids.terminated].sort());
  assert.deepEqual([...ids.completesOnRetry, ...ids.failsAgain].sort(), [...ids.retryable].sort());
  assert.ok(ids.failed.includes(FAILED));
  assert.ok(ids.all.every((id) => UUID.test(id)));
  assert.ok(!ids.all.includes(mock.missingExecutionId));
  // The API agrees.
  const got = await call(apiUrl(mock, `/workflows/executions/${ids.running[0]}`), { headers: authed(mock, GET_HEADERS) });
  assert.equal(got.json.status, "RUNNING");
  const missing = await call(apiUrl(mock, `/workflows/executions/${mock.missingExecutionId}`), { headers: authed(mock, GET_HEADERS) });
  assert.equal(missing.status, 404);
  assert.equal(SEED_EXECUTIONS, server.SEED_EXECUTIONS);
  assert.equal(startMockServer, server.startMockServer);
  const small = await withMock(t, { generatedExecutions: 0 });
  assert.deepEqual(small.executions.map((e) => e.id).sort(), SEED_EXECUTIONS.map((e) => e.id).sort());
});

test("script: by operation, by path, or steps with their own on; mismatches and bad targets throw", async (t) => {
  const mock = await withMock(t);
  const get = (id) => call(apiUrl(mock, `/workflows/executions/${id}`), { headers: authed(mock, GET_HEADERS) });
  assert.deepEqual(mock.script("get", { status: 503, times: 2 }), { queued: 1, added: 1 });
  assert.equal((await get(FAILED)).status, 503);
  assert.equal((await get(FAILED)).status, 503);
  assert.equal((await get(FAILED)).status, 200);
  const other = mock.executionIds.completed[0];
  await mock.script(`/workflows/executions/${other}`, [{ status: 500 }, { status: 502 }]);
  assert.equal((await get(FAILED)).status, 200, "another path");
  assert.equal((await get(other)).status, 500);
  assert.equal((await get(other)).status, 502);
  mock.script([{ on: "get", status: 429 }]);
  assert.equal((await get(FAILED)).status, 429);
  assert.deepEqual(mock.control("GET", `/projects/${mock.project}/script`).steps, []);
  mock.script("get", { on: "get", status: 418 });
  assert.equal((await get(FAILED)).status, 418);
  assert.throws(() => mock.script("get", { on: "retry", status: 500 }), TypeError);
  assert.throws(() => mock.script("/x", { path: "/y" }), TypeError);
  assert.throws(() => mock.script("nope", { status: 500 }), TypeError);
  assert.throws(() => mock.script("get", [5]), TypeError);
  assert.throws(() => mock.script("get", { status: 99 }), /status must be an integer/);
  assert.deepEqual(mock.control("GET", `/projects/${mock.project}/script`).steps, [], "nothing queued by the failures");
});

test("setOutcome, status, log, stats, mintNonce, reset", async (t) => {
  const mock = await withMock(t, { retryOutcomeDelayMs: 250 });
  const retry = async (id, nonce) => call(apiUrl(mock, `/workflows/executions/${id}/retry`), {
    method: "POST", headers: authed(mock, POST_HEADERS), body: JSON.stringify({ authentication: { nonce: nonce ?? mock.mintNonce() } }),
  });
  const id = mock.executionIds.completesOnRetry[0];
  assert.deepEqual(mock.setOutcome(id, ["FAILED", "COMPLETED"]), { [id]: { statuses: ["FAILED", "COMPLETED"] } });
  assert.equal((await retry(id)).status, 200);
  assert.equal(mock.status(id), "RUNNING");
  await until(() => mock.status(id) === "FAILED");
  assert.equal((await retry(id)).status, 200);
  await until(() => mock.status(id) === "COMPLETED");
  assert.equal(mock.status(id.toUpperCase()), "COMPLETED");
  assert.equal(mock.status(mock.missingExecutionId), undefined);
  assert.deepEqual(mock.setOutcome(id, null), {});
  assert.throws(() => mock.setOutcome(mock.missingExecutionId, "FAILED"), /400/);
  assert.throws(() => mock.setOutcome(id, "DONE"), /400/);

  assert.deepEqual(mock.log({ op: "retry" }).map((e) => e.status), [200, 200]);
  assert.equal(mock.log().length, 2, "minted nonces are not logged");
  assert.throws(() => mock.log({ op: "nope" }), /400/);
  assert.throws(() => mock.log("retry"), TypeError);
  const stats = mock.stats();
  assert.equal(stats.requests.retry, 2);
  assert.equal(stats.maxInFlight.retry, 1);
  assert.equal(stats.noncesIssued, 2);
  assert.equal(stats.noncesBound, 2);
  assert.equal(stats.nonceReuseAttempts, 0);

  const shortNonce = mock.mintNonce(1);
  await sleep(20);
  assert.equal((await retry(mock.executionIds.failed[0], shortNonce)).status, 400);

  mock.reset();
  assert.equal(mock.status(id), mock.executions.find((e) => e.id === id).status, "back to the seed");
  assert.deepEqual(mock.log(), []);
  assert.equal(mock.stats().requests.retry, 0);
});

test("setTokenExpiry and revokeTokens act on the mock's token endpoint", async (t) => {
  const mock = await withMock(t, { tokenExpiresIn: 300 });
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: mock.clientId, client_secret: mock.clientSecret });
  const fetchToken = () => call(mock.tokenUrl, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: form,
  });
  assert.equal((await fetchToken()).json.expires_in, 300);
  assert.deepEqual(mock.setTokenExpiry({ expiresIn: "45" }), { expiresIn: "45", lifetimeSeconds: 45 });
  const { access_token: token, expires_in: expiresIn } = (await fetchToken()).json;
  assert.equal(expiresIn, "45");
  const use = () => call(apiUrl(mock, "/workflows/executions/list"), {
    method: "POST", headers: { ...POST_HEADERS, authorization: `Bearer ${token}` }, body: "{}",
  });
  assert.equal((await use()).status, 200);
  assert.equal(mock.revokeTokens(), 2);
  assert.equal((await use()).status, 401);
  assert.throws(() => mock.setTokenExpiry({ expiresIn: -3 }), /400/);
});

test("the helpers work in process: a replaced globalThis.fetch is never called", async (t) => {
  const mock = await withMock(t);
  const original = globalThis.fetch;
  let called = 0;
  globalThis.fetch = () => {
    called += 1;
    throw new Error("no fetch here");
  };
  try {
    mock.script("retry", { status: 500 });
    mock.setOutcome(FAILED, "FAILED");
    mock.log();
    mock.stats();
    mock.status(FAILED);
    mock.mintNonce();
    mock.setTokenExpiry({ expiresIn: 10 });
    mock.revokeTokens();
    mock.reset();
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(called, 0);
});

test("startMock rejects bad options; close is idempotent; await using closes it", async () => {
  for (const bad of [null, 5, { project: "ab" }, { project: "-abc" }, { project: "abc-" }, { project: "1234" }, { project: "a".repeat(33) },
    { project: "a_b_c" }, { port: -1 }, { unknownOption: true }, { seed: "1" }]) {
    await assert.rejects(startMock(bad), TypeError, JSON.stringify(bad));
  }
  const mock = await startMock({ project: "abc" });
  await mock.close();
  await mock.close();
  await assert.rejects(fetch(`${mock.url}/_mock/stats`));
  if (typeof Symbol.asyncDispose === "symbol") {
    const disposed = await startMock();
    await disposed[Symbol.asyncDispose]();
    await assert.rejects(fetch(`${disposed.url}/_mock/stats`));
  }
});

test("index.mjs imports only node: built-ins and ./server.mjs; the server's modules only node: built-ins and each other", () => {
  const specifiers = (source) => [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1])
    // dynamic imports, but not JSDoc type references such as {import("./index.d.ts").X} or Promise<import(…)>
    .concat([...source.matchAll(/(?<![{<])\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]));
  const index = specifiers(read("./index.mjs"));
  assert.ok(index.includes("./server.mjs"));
  assert.deepEqual(index.filter((s) => !s.startsWith("node:") && s !== "./server.mjs"), []);
  // server.mjs and every module it reaches: node: built-ins, or a sibling module (./name.mjs, no ../).
  const seen = new Set();
  const builtins = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiers(read(file))) {
      if (s.startsWith("node:")) builtins.add(s);
      else {
        assert.match(s, /^\.\/[a-z-]+\.mjs$/, `${file} imports ${s}`);
        visit(s);
      }
    }
  };
  visit("./server.mjs");
  assert.ok(seen.size >= 10, [...seen].join());
  assert.ok(!seen.has("./index.mjs") && !seen.has("./helpers.mjs"), "the server needs neither the wrapper nor the test helpers");
  assert.ok(builtins.size >= 5, [...builtins].join());
});

test("the files scripts/build.mjs publishes as cdf-workflow-retry/mock are every module of the mock, and run on their own", async (t) => {
  const files = mockPackageFiles();
  assert.equal(files[0], "index.mjs");
  assert.equal(files.at(-1), "index.d.ts");
  assert.ok(files.includes("server.mjs") && files.includes("router.mjs"));
  assert.ok(files.includes("README.md"), "the mock's README ships with it");
  // Every module beside index.mjs is published, except the tests, their helpers and this list.
  const modules = readdirSync(MOCK_DIR).filter((f) => f.endsWith(".mjs") && !f.endsWith(".test.mjs") && f !== "helpers.mjs" && f !== "package-files.mjs");
  assert.deepEqual(files.filter((f) => f.endsWith(".mjs")).sort(), modules.sort());
  // A copy of just those files works: startMock, an API call, a control call.
  const dir = mkdtempSync(join(tmpdir(), "cdf-mock-package-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of files) copyFileSync(join(MOCK_DIR, file), join(dir, file));
  const copy = await import(pathToFileURL(join(dir, "index.mjs")).href);
  assert.notEqual(copy.startMock, startMock, "the copy, not this directory's modules");
  const mock = await copy.startMock();
  t.after(() => mock.close());
  const r = await call(apiUrl(mock, `/workflows/executions/${FAILED}`), { headers: authed(mock, GET_HEADERS) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, FAILED);
  assert.equal(mock.log({ op: "get" }).length, 1);
});

test("index.d.ts declares every member startMock returns, and nothing it does not", async (t) => {
  const mock = await withMock(t);
  const dts = read("./index.d.ts");
  const body = dts.slice(dts.indexOf("export interface MockCdf {"));
  const declared = new Set([...body.slice(0, body.indexOf("\n}\n")).matchAll(/^ {2}(?:readonly )?(\w+)[?(:]/gm)].map((m) => m[1]));
  assert.deepEqual([...declared].sort(), Object.keys(mock).sort());
  assert.match(dts, /export function startMock\(options\?: StartMockOptions\): Promise<MockCdf>;/);
  for (const key of Object.keys(mock.executionIds)) assert.match(dts, new RegExp(`readonly ${key}: readonly string\\[\\];`), key);
});
