// Tests for the mock CDF server. Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer, SEED_EXECUTIONS } from "./server.mjs";

const SERVER_PATH = fileURLToPath(new URL("./server.mjs", import.meta.url));

const FAILED = "11111111-1111-4111-8111-111111111111";
const TIMED_OUT = "22222222-2222-4222-8222-222222222222";
const TERMINATED = "33333333-3333-4333-8333-333333333333";
const COMPLETED = "44444444-4444-4444-8444-444444444444";
const RUNNING = "55555555-5555-4555-8555-555555555555";
const ASSET = "66666666-6666-4666-8666-666666666666";
const NO_VERSION = "77777777-7777-4777-8777-777777777777";
const UNKNOWN = "99999999-9999-4999-8999-999999999999";

const GOOD_HEADERS = Object.freeze({
  authorization: "Bearer demo-token",
  "content-type": "application/json",
  accept: "application/json",
  "x-cdp-sdk": "cdf-workflow-retry:0.1.0",
});

// --- helpers ---------------------------------------------------------------

/** Start a quiet server for one test; closed automatically when the test ends. */
async function withServer(t, opts = {}) {
  const mock = await startMockServer({ quiet: true, ...opts });
  t.after(() => mock.close());
  return mock;
}

/** fetch + parsed JSON body (or raw text when not JSON). */
async function call(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, status: res.status, headers: res.headers, text, json };
}

function api(mock, project, suffix) {
  return `${mock.url}/api/v1/projects/${project}${suffix}`;
}

function post(url, body, headers = GOOD_HEADERS) {
  return call(url, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function createSession(mock, project, item = { tokenExchange: true }, headers = GOOD_HEADERS) {
  return post(api(mock, project, "/sessions"), { items: [item] }, headers);
}

async function newNonce(mock, project) {
  const r = await createSession(mock, project);
  assert.equal(r.status, 200, r.text);
  return r.json.items[0].nonce;
}

function retry(mock, project, id, nonce, headers = GOOD_HEADERS) {
  return post(api(mock, project, `/workflows/executions/${id}/retry`), { authentication: { nonce } }, headers);
}

function control(mock, method, suffix, body) {
  const init = { method };
  if (body !== undefined) init.body = JSON.stringify(body);
  return call(`${mock.url}/_mock${suffix}`, init);
}

function script(mock, project, steps) {
  return control(mock, "POST", `/projects/${project}/script`, steps);
}

async function getLog(mock, project) {
  return (await control(mock, "GET", `/projects/${project}/log`)).json.requests;
}

async function stats(mock) {
  return (await control(mock, "GET", "/stats")).json;
}

function assertCdfError(r, status, messagePattern) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal(r.json.error.code, status);
  assert.equal(typeof r.json.error.message, "string");
  if (messagePattern) assert.match(r.json.error.message, messagePattern);
}

function assertCommonHeaders(r) {
  assert.match(r.headers.get("x-request-id") ?? "", /^mock-\d+-[0-9a-f]+$/);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.equal(r.headers.get("access-control-expose-headers"), "x-request-id, retry-after, cdf-is-auto-retryable");
}

/** Raw HTTP request with node:http (no fetch normalisation). Resolves { status, headers, body } or rejects. */
function rawRequest(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

// --- lifecycle -------------------------------------------------------------

test("startMockServer returns url and port, listens on 127.0.0.1, close() is idempotent", async () => {
  const mock = await startMockServer({ quiet: true });
  assert.equal(typeof mock.port, "number");
  assert.ok(mock.port > 0);
  assert.equal(mock.url, `http://127.0.0.1:${mock.port}`);
  const r = await call(`${mock.url}/_mock/stats`);
  assert.equal(r.status, 200);
  await mock.close();
  await mock.close();
  await assert.rejects(fetch(`${mock.url}/_mock/stats`));
});

test("startMockServer rejects bad options and a busy port", async (t) => {
  await assert.rejects(startMockServer({ port: -1 }), TypeError);
  await assert.rejects(startMockServer({ static: { nope: "/tmp" } }), TypeError);
  const mock = await withServer(t);
  await assert.rejects(startMockServer({ port: mock.port, quiet: true }), /EADDRINUSE/);
});

test("close() destroys open sockets, including hanging requests", async () => {
  const mock = await startMockServer({ quiet: true });
  await script(mock, "p", { hang: true });
  const pending = rawRequest(api(mock, "p", "/sessions"), { method: "POST", headers: GOOD_HEADERS, body: "{}" });
  pending.catch(() => {});
  // wait until the request is logged (so it is being held)
  for (let i = 0; i < 50 && (await getLog(mock, "p")).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  await mock.close();
  assert.ok(Date.now() - started < 2000);
  await assert.rejects(pending);
});

test("run directly: prints exactly one MOCK_URL line, exits 0 on SIGTERM and SIGINT", async () => {
  for (const signal of ["SIGTERM", "SIGINT"]) {
    const child = spawn(process.execPath, [SERVER_PATH, "--port", "0", "--host", "127.0.0.1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => (out += d));
    while (!out.includes("\n")) await once(child.stdout, "data");
    const match = /^MOCK_URL=(http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
    assert.ok(match, `unexpected stdout ${JSON.stringify(out)}`);
    const r = await call(`${match[1]}/_mock/executions`);
    assert.equal(r.status, 200);
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = await exited;
    assert.equal(code, 0, `${signal}: exit code`);
    assert.equal(out.trim().split("\n").length, 1);
  }
});

// --- sessions --------------------------------------------------------------

test("sessions: token exchange answers a READY session with a 24-char base64url nonce", async (t) => {
  const mock = await withServer(t);
  const r = await createSession(mock, "proj-a");
  assert.equal(r.status, 200);
  assertCommonHeaders(r);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal(r.json.items.length, 1);
  const [item] = r.json.items;
  assert.deepEqual(Object.keys(item).sort(), ["id", "nonce", "status", "type"]);
  assert.equal(typeof item.id, "number");
  assert.equal(item.type, "TOKEN_EXCHANGE");
  assert.equal(item.status, "READY");
  assert.match(item.nonce, /^[A-Za-z0-9_-]{24}$/);
  const second = await createSession(mock, "proj-a");
  assert.notEqual(second.json.items[0].nonce, item.nonce);
  assert.notEqual(second.json.items[0].id, item.id);
});

test("sessions: client credentials (demo and test-client*) echo clientId; bad ones get 401 without the secret", async (t) => {
  const mock = await withServer(t);
  const demo = await createSession(mock, "p", { clientId: "demo-client", clientSecret: "demo-secret" });
  assert.equal(demo.status, 200);
  assert.equal(demo.json.items[0].type, "CLIENT_CREDENTIALS");
  assert.equal(demo.json.items[0].clientId, "demo-client");
  assert.match(demo.json.items[0].nonce, /^[A-Za-z0-9_-]{24}$/);

  const tc = await createSession(mock, "p", { clientId: "test-client-42", clientSecret: "test-secret-xyz" });
  assert.equal(tc.status, 200);
  assert.equal(tc.json.items[0].clientId, "test-client-42");

  for (const item of [
    { clientId: "demo-client", clientSecret: "SUPER-SECRET-1" },
    { clientId: "test-client-1", clientSecret: "SUPER-SECRET-2" },
    { clientId: "someone", clientSecret: "test-secret" },
  ]) {
    const bad = await createSession(mock, "p", item);
    assertCdfError(bad, 401, /^Could not authenticate client credentials$/);
    assert.ok(!bad.text.includes("SUPER-SECRET"));
  }
});

test("sessions: body must be exactly one tokenExchange or client-credentials item", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", "/sessions");
  const bad = [
    "",
    "not json",
    "[]",
    "null",
    { items: [] },
    { items: [{ tokenExchange: true }, { tokenExchange: true }] },
    { items: [{ tokenExchange: false }] },
    { items: [{ tokenExchange: "true" }] },
    { items: [{ tokenExchange: true, extra: 1 }] },
    { items: [{ tokenExchange: true }], extra: 1 },
    { items: [{ clientId: "demo-client" }] },
    { items: [{ clientId: "demo-client", clientSecret: "" }] },
    { items: [{ clientId: "demo-client", clientSecret: "demo-secret", scope: "x" }] },
    { items: [{ oneshotTokenExchange: true }] },
    { items: [{}] },
    { items: ["x"] },
    { items: {} },
  ];
  for (const body of bad) {
    const r = await post(url, body);
    assertCdfError(r, 400);
    assertCommonHeaders(r);
  }
  assert.equal((await stats(mock)).noncesIssued, 0);
});

// --- retry -----------------------------------------------------------------

test("retry: FAILED execution becomes RUNNING with the documented fields", async (t) => {
  const mock = await withServer(t);
  const nonce = await newNonce(mock, "p");
  const before = Date.now();
  const r = await retry(mock, "p", FAILED, nonce);
  assert.equal(r.status, 200, r.text);
  assertCommonHeaders(r);
  const seed = SEED_EXECUTIONS.find((e) => e.id === FAILED);
  assert.deepEqual(Object.keys(r.json).sort(), [
    "createdTime", "engineExecutionId", "id", "metadata", "startTime", "status", "version", "workflowExternalId",
  ]);
  assert.equal(r.json.id, FAILED);
  assert.equal(r.json.workflowExternalId, "nightly-ingest");
  assert.equal(r.json.version, "v3");
  assert.equal(r.json.status, "RUNNING");
  assert.equal(r.json.engineExecutionId, seed.engineExecutionId);
  assert.equal(r.json.createdTime, seed.createdTime);
  assert.deepEqual(r.json.metadata, { team: "data", trigger: "schedule" });
  assert.ok(r.json.startTime >= before && r.json.startTime <= Date.now());
  assert.ok(!("endTime" in r.json));
  assert.ok(!("reasonForIncompletion" in r.json));

  // stored state is RUNNING now: a second retry is refused
  const again = await retry(mock, "p", FAILED, await newNonce(mock, "p"));
  assertCdfError(again, 400, /is RUNNING and cannot be retried/);
});

test("retry: TIMED_OUT, TERMINATED and the other FAILED ones succeed; optional fields follow the seed", async (t) => {
  const mock = await withServer(t);
  const cases = [
    [TIMED_OUT, "hourly-sync", "1", {}],
    [TERMINATED, "backfill", undefined, {}],
    [ASSET, "asset-hierarchy", "2", { owner: "demo" }],
    [NO_VERSION, "timeseries-rollup", undefined, {}],
  ];
  for (const [id, wf, version, metadata] of cases) {
    const r = await retry(mock, "p", id, await newNonce(mock, "p"));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, "RUNNING");
    assert.equal(r.json.workflowExternalId, wf);
    assert.equal(r.json.version, version);
    assert.equal("version" in r.json, version !== undefined);
    assert.deepEqual(r.json.metadata, metadata);
    assert.match(r.json.engineExecutionId, /^[0-9a-f-]{36}$/);
    assert.ok(!("endTime" in r.json) && !("reasonForIncompletion" in r.json));
  }
});

test("retry: COMPLETED and RUNNING are refused with 400 and the nonce stays usable", async (t) => {
  const mock = await withServer(t);
  const nonce = await newNonce(mock, "p");
  const completed = await retry(mock, "p", COMPLETED, nonce);
  assertCdfError(completed, 400, new RegExp(`^Execution ${COMPLETED} is COMPLETED and cannot be retried$`));
  const running = await retry(mock, "p", RUNNING, nonce);
  assertCdfError(running, 400, /is RUNNING and cannot be retried/);
  const ok = await retry(mock, "p", FAILED, nonce);
  assert.equal(ok.status, 200);
  assert.deepEqual(await stats(mock), { noncesIssued: 1, noncesBound: 1, nonceReuseAttempts: 0 });
});

test("retry: unknown UUID → 404 with missing; non-UUID → 400; id matched case-insensitively", async (t) => {
  const mock = await withServer(t);
  const nonce = await newNonce(mock, "p");
  const missing = await retry(mock, "p", UNKNOWN, nonce);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, {
    error: { code: 404, message: "Workflow execution not found", missing: [{ id: UNKNOWN }] },
  });
  for (const id of ["not-a-uuid", "11111111111141118111111111111111", `${FAILED}0`, "%ZZ"]) {
    assertCdfError(await retry(mock, "p", id, nonce), 400, /executionId/);
  }
  const upper = await retry(mock, "p", FAILED.toUpperCase(), nonce);
  assert.equal(upper.status, 200, upper.text);
  assert.equal(upper.json.id, FAILED);
});

test("retry: nonce unknown, reused, expired or from another project → 400 Failed to bind", async (t) => {
  const mock = await withServer(t, { nonceTtlMs: 60 });
  const expected = { error: { code: 400, message: "Failed to bind nonce with session" } };

  const unknown = await retry(mock, "p", FAILED, "AAAAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.json, expected);

  const other = await newNonce(mock, "other-project");
  const cross = await retry(mock, "p", FAILED, other);
  assert.deepEqual(cross.json, expected);

  const stale = await newNonce(mock, "p");
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual((await retry(mock, "p", FAILED, stale)).json, expected);

  const fresh = await newNonce(mock, "p");
  assert.equal((await retry(mock, "p", FAILED, fresh)).status, 200);
  const reused = await retry(mock, "p", TIMED_OUT, fresh);
  assert.deepEqual(reused.json, expected);
  const s = await stats(mock);
  assert.equal(s.noncesBound, 1);
  assert.equal(s.nonceReuseAttempts, 1);
});

test("retry: a cross-project nonce is not consumed by the failed attempt", async (t) => {
  const mock = await withServer(t);
  const other = await newNonce(mock, "proj-b");
  assert.equal((await retry(mock, "proj-a", FAILED, other)).status, 400);
  assert.equal((await retry(mock, "proj-b", FAILED, other)).status, 200);
});

test("retry: body must be exactly {authentication:{nonce}}", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", `/workflows/executions/${FAILED}/retry`);
  const nonce = await newNonce(mock, "p");
  for (const body of [
    "",
    "{",
    "[]",
    "\"x\"",
    {},
    { authentication: {} },
    { authentication: { nonce: "" } },
    { authentication: { nonce: 5 } },
    { authentication: { nonce, extra: 1 } },
    { authentication: { nonce }, extra: 1 },
    { authentication: nonce },
    { nonce },
  ]) {
    assertCdfError(await post(url, body), 400);
  }
  // none of this consumed the nonce
  assert.equal((await post(url, { authentication: { nonce } })).status, 200);
});

// --- strictness ------------------------------------------------------------

test("auth: missing, other scheme, expired-*, unknown tokens → 401 Unauthorized; test-token* accepted", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", "/sessions");
  const body = { items: [{ tokenExchange: true }] };
  for (const authorization of [undefined, "Basic ZGVtbzpkZW1v", "Bearer", "Bearer expired-demo-token", "Bearer nope", "demo-token", "Bearer demo-token2"]) {
    const headers = { ...GOOD_HEADERS };
    if (authorization === undefined) delete headers.authorization;
    else headers.authorization = authorization;
    const r = await post(url, body, headers);
    assert.equal(r.status, 401, String(authorization));
    assert.deepEqual(r.json, { error: { code: 401, message: "Unauthorized" } });
    assertCommonHeaders(r);
  }
  const ok = await post(url, body, { ...GOOD_HEADERS, authorization: "Bearer test-token-abc" });
  assert.equal(ok.status, 200);
  // auth comes first: a bad body with a bad token is still 401
  assert.equal((await post(url, "garbage", { ...GOOD_HEADERS, authorization: "Bearer x" })).status, 401);
});

test("headers: Content-Type, Accept and x-cdp-sdk are checked strictly", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", "/sessions");
  const body = JSON.stringify({ items: [{ tokenExchange: true }] });
  const variants = [
    [{ "content-type": undefined }, /Content-Type/],
    [{ "content-type": "text/plain" }, /Content-Type/],
    [{ accept: undefined }, /Accept/],
    [{ accept: "*/*" }, /Accept/],
    [{ accept: "text/html" }, /Accept/],
    [{ "x-cdp-sdk": undefined }, /x-cdp-sdk/],
    [{ "x-cdp-sdk": "cdf-workflow-retry" }, /x-cdp-sdk/],
    [{ "x-cdp-sdk": "other-sdk:1.0.0" }, /x-cdp-sdk/],
    [{ "x-cdp-sdk": "cdf-workflow-retry:1.0" }, /x-cdp-sdk/],
  ];
  for (const [change, pattern] of variants) {
    const headers = { ...GOOD_HEADERS };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    // a Uint8Array body makes fetch send no Content-Type of its own
    const r = await call(url, { method: "POST", headers, body: new TextEncoder().encode(body) });
    assertCdfError(r, 400, pattern);
  }
  const okVariants = [
    { "content-type": "application/json; charset=utf-8" },
    { accept: "text/plain, application/json;q=0.9" },
    { "x-cdp-sdk": "cdf-workflow-retry:1.2.3-beta.1+build.5" },
  ];
  for (const change of okVariants) {
    const r = await post(url, body, { ...GOOD_HEADERS, ...change });
    assert.equal(r.status, 200, JSON.stringify(change) + r.text);
  }
});

test("routing: 405 for wrong methods, 404 CDF errors for unknown paths", async (t) => {
  const mock = await withServer(t);
  const get = await call(api(mock, "p", "/sessions"), { headers: GOOD_HEADERS });
  assertCdfError(get, 405);
  assert.match(get.headers.get("allow"), /POST/);
  const del = await call(api(mock, "p", `/workflows/executions/${FAILED}/retry`), { method: "DELETE", headers: GOOD_HEADERS });
  assertCdfError(del, 405);
  assertCdfError(await post(api(mock, "p", "/workflows"), {}), 404);
  assertCdfError(await post(api(mock, "p", `/workflows/executions/${FAILED}/retry/x`), {}), 404);
  const root = await call(`${mock.url}/nothing-here`);
  assertCdfError(root, 404);
  assertCommonHeaders(root);
  assertCdfError(await call(`${mock.url}/_mock/nope`), 404);
  assertCdfError(await call(`${mock.url}/_mock/stats`, { method: "POST" }), 405);
});

test("bodies over 1 MiB → 413 CDF error; the server keeps working", async (t) => {
  const mock = await withServer(t);
  const huge = JSON.stringify({ items: [{ tokenExchange: true }], pad: "x".repeat(1024 * 1024 + 10) });
  const r = await post(api(mock, "p", "/sessions"), huge);
  assertCdfError(r, 413);
  assertCommonHeaders(r);
  const ctl = await call(`${mock.url}/_mock/projects/p/script`, { method: "POST", body: huge });
  assertCdfError(ctl, 413);
  assert.equal((await createSession(mock, "p")).status, 200);
});

test("client aborts and malformed HTTP do not crash the server", async (t) => {
  const mock = await withServer(t);
  // abort while sending the body
  const socket = net.connect(mock.port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(
    `POST /api/v1/projects/p/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"items":`,
  );
  await new Promise((r) => setTimeout(r, 30));
  socket.destroy();
  // garbage instead of HTTP
  const junk = net.connect(mock.port, "127.0.0.1");
  junk.on("error", () => {});
  junk.end("THIS IS NOT HTTP\r\n\r\n");
  let reply = "";
  junk.on("data", (d) => (reply += d));
  await once(junk, "close");
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.match(reply, /x-request-id: mock-/);
  // abort while a delayed answer is pending
  await script(mock, "p", { delayMs: 100, status: 200, body: { ok: true } });
  await assert.rejects(fetch(api(mock, "p", "/sessions"), { method: "POST", signal: AbortSignal.timeout(20) }));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await createSession(mock, "p")).status, 200);
});

// --- headers / CORS --------------------------------------------------------

test("every answer has a unique x-request-id and CORS headers", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mock-static-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, "index.html"), "<h1>hi</h1>");
  const mock = await withServer(t, { static: { "/": dir } });
  const responses = [
    await createSession(mock, "p"),
    await post(api(mock, "p", "/sessions"), "bad"),
    await call(`${mock.url}/_mock/stats`),
    await call(`${mock.url}/`),
    await call(`${mock.url}/missing.js`),
    await call(`${mock.url}/_mock/executions`, { method: "OPTIONS" }),
  ];
  const ids = new Set();
  for (const r of responses) {
    assertCommonHeaders(r);
    ids.add(r.headers.get("x-request-id"));
  }
  assert.equal(ids.size, responses.length);
});

test("OPTIONS preflight on any path: 204 with CORS allow headers, not logged", async (t) => {
  const mock = await withServer(t);
  const r = await call(api(mock, "p", "/sessions"), {
    method: "OPTIONS",
    headers: {
      origin: "http://example.test",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type,x-cdp-sdk",
    },
  });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.equal(r.headers.get("access-control-allow-methods"), "GET, POST, DELETE, OPTIONS");
  assert.equal(r.headers.get("access-control-allow-headers"), "authorization,content-type,x-cdp-sdk");
  assert.equal(r.headers.get("access-control-max-age"), "600");
  assert.equal(r.headers.get("access-control-allow-private-network"), "true");
  assert.ok(r.headers.get("x-request-id"));
  const noList = await call(`${mock.url}/whatever/path`, { method: "OPTIONS" });
  assert.equal(noList.status, 204);
  const allow = noList.headers.get("access-control-allow-headers");
  for (const h of ["authorization", "content-type", "accept", "x-cdp-sdk", "x-cdp-app"]) assert.ok(allow.includes(h), h);
  assert.equal((await getLog(mock, "p")).length, 0);
});

// --- per-project state -----------------------------------------------------

test("state is per project, and DELETE /_mock/projects/{p} resets it", async (t) => {
  const mock = await withServer(t);
  assert.equal((await retry(mock, "proj-a", FAILED, await newNonce(mock, "proj-a"))).status, 200);
  // proj-b is untouched
  assert.equal((await retry(mock, "proj-b", FAILED, await newNonce(mock, "proj-b"))).status, 200);
  // proj-a remembers
  assert.equal((await retry(mock, "proj-a", FAILED, await newNonce(mock, "proj-a"))).status, 400);
  const current = await control(mock, "GET", "/executions?project=proj-a");
  assert.equal(current.json.items.find((e) => e.id === FAILED).status, "RUNNING");

  const leftover = await newNonce(mock, "proj-a");
  await script(mock, "proj-a", { status: 503 });
  const del = await control(mock, "DELETE", "/projects/proj-a");
  assert.equal(del.status, 204);
  assertCommonHeaders(del);
  assert.deepEqual(await getLog(mock, "proj-a"), []);
  assert.deepEqual((await control(mock, "GET", "/projects/proj-a/script")).json.steps, []);
  // nonces of the reset project are gone, executions are fresh
  assert.equal((await retry(mock, "proj-a", FAILED, leftover)).status, 400);
  assert.equal((await retry(mock, "proj-a", FAILED, await newNonce(mock, "proj-a"))).status, 200);
});

// --- control API -----------------------------------------------------------

test("script: status/body/headers replace the answer; on selects the operation", async (t) => {
  const mock = await withServer(t);
  const q = await script(mock, "p", [
    { on: "retry", status: 429, headers: { "retry-after": "1" } },
    { on: "sessions", status: 503 },
    { on: "any", status: 200, body: { items: [{ id: 1, status: "READY", nonce: "scripted" }] } },
  ]);
  assert.equal(q.status, 200);
  assert.equal(q.json.queued, 3);
  assertCommonHeaders(q);

  const s1 = await createSession(mock, "p"); // takes the sessions step (skips the retry one)
  assert.deepEqual(s1.json, { error: { code: 503, message: "Scripted 503" } });
  assert.equal(s1.status, 503);
  assertCommonHeaders(s1);
  const s2 = await createSession(mock, "p"); // takes the "any" step
  assert.equal(s2.json.items[0].nonce, "scripted");
  const r1 = await retry(mock, "p", FAILED, "whatever");
  assert.equal(r1.status, 429);
  assert.equal(r1.headers.get("retry-after"), "1");
  assert.deepEqual(r1.json, { error: { code: 429, message: "Scripted 429" } });
  assert.equal((await createSession(mock, "p")).status, 200); // queue empty: normal again
  // the scripted requests changed nothing
  assert.equal((await stats(mock)).noncesIssued, 1);
});

test("script: raw string body, custom content-type, header removal, requestId null or custom", async (t) => {
  const mock = await withServer(t);
  await script(mock, "p", [
    { status: 502, body: "<html>Bad gateway</html>", headers: { "content-type": "text/html" }, requestId: null },
    { status: 200, body: "{not json", headers: { "access-control-allow-origin": null } },
    { status: 500, requestId: "custom-id-1", headers: { "cdf-is-auto-retryable": "true" } },
  ]);
  const a = await createSession(mock, "p");
  assert.equal(a.status, 502);
  assert.equal(a.text, "<html>Bad gateway</html>");
  assert.equal(a.headers.get("content-type"), "text/html");
  assert.equal(a.headers.get("x-request-id"), null);
  assert.equal(a.headers.get("access-control-allow-origin"), "*");
  const b = await createSession(mock, "p");
  assert.equal(b.text, "{not json");
  assert.equal(b.headers.get("content-type"), "application/json");
  assert.equal(b.headers.get("access-control-allow-origin"), null);
  const c = await createSession(mock, "p");
  assert.equal(c.status, 500);
  assert.equal(c.headers.get("x-request-id"), "custom-id-1");
  assert.equal(c.headers.get("cdf-is-auto-retryable"), "true");
});

test("script: delayMs delays; a step without status delays the normal answer (and can add headers)", async (t) => {
  const mock = await withServer(t);
  await script(mock, "p", [{ delayMs: 150 }, { headers: { "cdf-is-auto-retryable": "false" } }]);
  const started = Date.now();
  const r = await createSession(mock, "p");
  assert.ok(Date.now() - started >= 140);
  assert.equal(r.status, 200);
  assert.match(r.json.items[0].nonce, /^[A-Za-z0-9_-]{24}$/);
  const h = await createSession(mock, "p");
  assert.equal(h.status, 200);
  assert.equal(h.headers.get("cdf-is-auto-retryable"), "false");
  assert.equal((await stats(mock)).noncesIssued, 2);
});

test("script: hang never answers, the client can give up, status logged as null", async (t) => {
  const mock = await withServer(t);
  await script(mock, "p", { on: "sessions", hang: true });
  await assert.rejects(
    fetch(api(mock, "p", "/sessions"), { method: "POST", headers: GOOD_HEADERS, body: "{}", signal: AbortSignal.timeout(150) }),
    (err) => err.name === "TimeoutError",
  );
  const log = await getLog(mock, "p");
  assert.equal(log.length, 1);
  assert.equal(log[0].status, null);
  assert.equal((await createSession(mock, "p")).status, 200);
});

test("script: reset destroys the socket without an answer", async (t) => {
  const mock = await withServer(t);
  await script(mock, "p", { reset: true });
  await assert.rejects(createSession(mock, "p"), TypeError); // fetch failed
  const log = await getLog(mock, "p");
  assert.equal(log[0].status, null);
  assert.equal((await createSession(mock, "p")).status, 200);
});

test("script: headersThenHang sends status and headers, then no body", async (t) => {
  const mock = await withServer(t);
  await script(mock, "p", { status: 200, headersThenHang: true, headers: { "x-extra": "1" } });
  const controller = new AbortController();
  const res = await fetch(api(mock, "p", "/sessions"), {
    method: "POST",
    headers: GOOD_HEADERS,
    body: JSON.stringify({ items: [{ tokenExchange: true }] }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-extra"), "1");
  assert.ok(res.headers.get("x-request-id"));
  const bodyPromise = res.text();
  const winner = await Promise.race([bodyPromise.then(() => "body"), new Promise((r) => setTimeout(() => r("timeout"), 150))]);
  assert.equal(winner, "timeout");
  controller.abort();
  await assert.rejects(bodyPromise);
  assert.equal((await getLog(mock, "p"))[0].status, 200);
});

test("script: process handles the request for real, then sends the scripted answer", async (t) => {
  const mock = await withServer(t);
  const nonce = await newNonce(mock, "p");
  await script(mock, "p", { on: "retry", process: true, status: 503 });
  const r = await retry(mock, "p", FAILED, nonce);
  assert.equal(r.status, 503);
  assert.deepEqual(r.json, { error: { code: 503, message: "Scripted 503" } });
  // the nonce was bound and the execution is RUNNING
  let s = await stats(mock);
  assert.equal(s.noncesBound, 1);
  assert.equal((await retry(mock, "p", FAILED, await newNonce(mock, "p"))).status, 400);
  // resending the bound nonce counts as a reuse attempt
  assert.equal((await retry(mock, "p", TIMED_OUT, nonce)).status, 400);
  s = await stats(mock);
  assert.equal(s.nonceReuseAttempts, 1);

  // process + hang: processed, never answered
  const n2 = await newNonce(mock, "p");
  await script(mock, "p", { on: "retry", process: true, hang: true });
  await assert.rejects(
    fetch(api(mock, "p", `/workflows/executions/${ASSET}/retry`), {
      method: "POST",
      headers: GOOD_HEADERS,
      body: JSON.stringify({ authentication: { nonce: n2 } }),
      signal: AbortSignal.timeout(100),
    }),
  );
  const list = await control(mock, "GET", "/executions?project=p");
  assert.equal(list.json.items.find((e) => e.id === ASSET).status, "RUNNING");

  // process without status: the normal answer, after the delay
  await script(mock, "p", { on: "sessions", process: true, delayMs: 100 });
  const started = Date.now();
  const sess = await createSession(mock, "p");
  assert.ok(Date.now() - started >= 90);
  assert.equal(sess.status, 200);
  assert.equal(sess.json.items[0].status, "READY");

  // process with a 2xx status and no body: the normal body with that status
  await script(mock, "p", { on: "sessions", process: true, status: 201 });
  const s201 = await createSession(mock, "p");
  assert.equal(s201.status, 201);
  assert.match(s201.json.items[0].nonce, /^[A-Za-z0-9_-]{24}$/);
});

test("script: validation rejects malformed steps; GET shows the queue", async (t) => {
  const mock = await withServer(t);
  for (const bad of [
    "not json",
    5,
    [{ status: 99 }],
    [{ status: "500" }],
    [{ on: "delete" }],
    [{ delayMs: -1 }],
    [{ hang: "yes" }],
    [{ hang: true, reset: true }],
    [{ headers: { "bad header": "x" } }],
    [{ headers: { "x-a": "line\r\nbreak" } }],
    [{ statuss: 500 }],
    [{ requestId: 5 }],
  ]) {
    const r = await call(`${mock.url}/_mock/projects/p/script`, { method: "POST", body: typeof bad === "string" ? bad : JSON.stringify(bad) });
    assertCdfError(r, 400);
  }
  assert.deepEqual((await control(mock, "GET", "/projects/p/script")).json.steps, []);
  const one = await script(mock, "p", { status: 500 });
  assert.equal(one.json.queued, 1);
  const two = await script(mock, "p", [{ status: 502 }, { on: "retry", status: 503 }]);
  assert.equal(two.json.queued, 3);
  const steps = (await control(mock, "GET", "/projects/p/script")).json.steps;
  assert.deepEqual(steps.map((s) => [s.on, s.status]), [["any", 500], ["any", 502], ["retry", 503]]);
});

test("log: every API request of the project with headers, raw body, op and status", async (t) => {
  const mock = await withServer(t);
  const nonce = await newNonce(mock, "p");
  await retry(mock, "p", FAILED, nonce);
  await call(api(mock, "p", "/unknown"), { headers: GOOD_HEADERS });
  await createSession(mock, "other");
  await control(mock, "GET", "/stats");
  await call(api(mock, "p", "/sessions"), { method: "OPTIONS" });

  const log = await getLog(mock, "p");
  assert.equal(log.length, 3);
  const [s, r, o] = log;
  assert.deepEqual(Object.keys(s).sort(), ["body", "headers", "method", "op", "path", "status", "time"]);
  assert.equal(s.method, "POST");
  assert.equal(s.path, "/api/v1/projects/p/sessions");
  assert.equal(s.op, "sessions");
  assert.equal(s.status, 200);
  assert.equal(s.body, '{"items":[{"tokenExchange":true}]}');
  assert.equal(s.headers.authorization, "Bearer demo-token");
  assert.equal(s.headers["x-cdp-sdk"], "cdf-workflow-retry:0.1.0");
  for (const name of Object.keys(s.headers)) assert.equal(name, name.toLowerCase());
  assert.equal(typeof s.time, "number");
  assert.equal(r.op, "retry");
  assert.equal(r.status, 200);
  assert.equal(r.body, JSON.stringify({ authentication: { nonce } }));
  assert.equal(o.op, "other");
  assert.equal(o.status, 404);
  assert.equal(o.method, "GET");
  assert.equal((await getLog(mock, "other")).length, 1);
});

test("nonce control: mints a usable nonce without logging; ttlMs honoured", async (t) => {
  const mock = await withServer(t);
  const minted = await control(mock, "POST", "/projects/p/nonce");
  assert.equal(minted.status, 200);
  assert.match(minted.json.nonce, /^[A-Za-z0-9_-]{24}$/);
  assert.deepEqual(await getLog(mock, "p"), []);
  assert.equal((await retry(mock, "p", FAILED, minted.json.nonce)).status, 200);

  const short = await control(mock, "POST", "/projects/p/nonce", { ttlMs: 20 });
  await new Promise((r) => setTimeout(r, 60));
  assertCdfError(await retry(mock, "p", TIMED_OUT, short.json.nonce), 400, /Failed to bind/);
  assertCdfError(await control(mock, "POST", "/projects/p/nonce", { ttlMs: "x" }), 400);
  // another project cannot use it
  const forB = await control(mock, "POST", "/projects/b/nonce");
  assertCdfError(await retry(mock, "p", TERMINATED, forB.json.nonce), 400, /Failed to bind/);
});

test("executions and stats control endpoints", async (t) => {
  const mock = await withServer(t);
  const list = await control(mock, "GET", "/executions");
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items, [
    { id: FAILED, workflowExternalId: "nightly-ingest", status: "FAILED" },
    { id: TIMED_OUT, workflowExternalId: "hourly-sync", status: "TIMED_OUT" },
    { id: TERMINATED, workflowExternalId: "backfill", status: "TERMINATED" },
    { id: COMPLETED, workflowExternalId: "nightly-ingest", status: "COMPLETED" },
    { id: RUNNING, workflowExternalId: "nightly-ingest", status: "RUNNING" },
    { id: ASSET, workflowExternalId: "asset-hierarchy", status: "FAILED" },
    { id: NO_VERSION, workflowExternalId: "timeseries-rollup", status: "FAILED" },
  ]);
  assert.deepEqual(await stats(mock), { noncesIssued: 0, noncesBound: 0, nonceReuseAttempts: 0 });
  const n1 = await newNonce(mock, "a");
  await newNonce(mock, "b");
  await retry(mock, "a", FAILED, n1);
  await retry(mock, "a", TIMED_OUT, n1);
  await retry(mock, "a", TERMINATED, n1);
  assert.deepEqual(await stats(mock), { noncesIssued: 2, noncesBound: 1, nonceReuseAttempts: 2 });
});

// --- static files ----------------------------------------------------------

test("static: content types, index.html, prefixes, no traversal", async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), "mock-static-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const www = path.join(root, "www");
  const pkg = path.join(root, "pkg");
  await mkdir(path.join(www, "sub"), { recursive: true });
  await mkdir(pkg);
  await writeFile(path.join(root, "secret.txt"), "SECRET");
  const files = {
    [path.join(www, "index.html")]: "<h1>home</h1>",
    [path.join(www, "sub", "index.html")]: "<h1>sub</h1>",
    [path.join(www, "app.js")]: "export {}",
    [path.join(www, "style.css")]: "body{}",
    [path.join(www, "data.json")]: "{}",
    [path.join(www, "img.png")]: "png",
    [path.join(www, "img.svg")]: "<svg/>",
    [path.join(www, "notes.txt")]: "notes",
    [path.join(www, "file with space.txt")]: "spaced",
    [path.join(pkg, "index.mjs")]: "export const x = 1;",
    [path.join(pkg, "index.d.ts")]: "export {};",
    [path.join(pkg, "index.js.map")]: "{}",
    [path.join(pkg, "lib_bg.wasm")]: Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]),
  };
  for (const [file, content] of Object.entries(files)) await writeFile(file, content);
  const mock = await withServer(t, { static: { "/": www, "/pkg/": pkg } });

  const expectType = async (p, type, body) => {
    const r = await call(`${mock.url}${p}`);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get("content-type"), type, p);
    assertCommonHeaders(r);
    if (body !== undefined) assert.equal(r.text, body, p);
    return r;
  };
  await expectType("/", "text/html; charset=utf-8", "<h1>home</h1>");
  await expectType("/index.html", "text/html; charset=utf-8");
  await expectType("/sub/", "text/html; charset=utf-8", "<h1>sub</h1>");
  await expectType("/app.js", "text/javascript; charset=utf-8");
  await expectType("/style.css", "text/css; charset=utf-8");
  await expectType("/data.json", "application/json; charset=utf-8");
  await expectType("/img.png", "image/png");
  await expectType("/img.svg", "image/svg+xml");
  await expectType("/notes.txt", "text/plain; charset=utf-8");
  await expectType("/file%20with%20space.txt", "text/plain; charset=utf-8", "spaced");
  await expectType("/pkg/index.mjs", "text/javascript; charset=utf-8", "export const x = 1;");
  await expectType("/pkg/index.d.ts", "application/typescript; charset=utf-8");
  await expectType("/pkg/index.js.map", "application/json; charset=utf-8");
  const wasm = await fetch(`${mock.url}/pkg/lib_bg.wasm`);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  assert.deepEqual(new Uint8Array(await wasm.arrayBuffer()), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));

  const head = await rawRequest(`${mock.url}/app.js`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers["content-length"], "9");
  assert.equal(head.body, "");

  // traversal attempts, sent raw so nothing normalises them first
  for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/pkg/..%2f..%2fsecret.txt", "/pkg/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/%00", "/nope.js", "/%E0%A4%A"]) {
    const r = await rawRequest(`${mock.url}${p}`);
    assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
    assert.ok(!r.body.includes("SECRET"), p);
  }
  const post405 = await call(`${mock.url}/app.js`, { method: "POST", body: "x" });
  assertCdfError(post405, 405);
  // API and control routes still win over the "/" mount
  assert.equal((await createSession(mock, "p")).status, 200);
});
