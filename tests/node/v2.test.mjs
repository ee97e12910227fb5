// Version 0.2 of the contract ("Beyond one execution"), row by row, against the
// mock CDF server: listExecutions, getExecution, waitForExecution,
// retryExecutions and clientCredentialsToken, with the shared rules
// (validation, headers, redirects, secrecy, errors, read-only retries) for each.
//
// Every test uses its own project (the mock keeps state per project). Timing
// checks have wide margins: the machine is shared.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";
import { pkgEntry, pkgDir, isCdfError, project, rejection, errorTexts, FAILED, TIMED_OUT, TERMINATED, COMPLETED } from "./helpers.mjs";

const { listExecutions, getExecution, waitForExecution, retryExecutions, clientCredentialsToken } = await import(pkgEntry);

const RUNNING = "55555555-5555-4555-8555-555555555555";
const FAILED_2 = "66666666-6666-4666-8666-666666666666";
const FAILED_3 = "77777777-7777-4777-8777-777777777777";
const MISSING = "99999999-9999-4999-8999-999999999999";
const ENGINE = "9b2f4c1e-3a7d-4e8b-9c10-5d6e7f8a9b01";
const TOKEN = "test-token-v2-SECRET-5d1c";
const VERSION = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];

/** Headers that Node's fetch (undici) adds on its own: not the module's. */
const TRANSPORT = new Set(["host", "connection", "accept-language", "sec-fetch-mode", "user-agent", "accept-encoding", "content-length"]);
const own = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !TRANSPORT.has(k)));
const cdfHeaders = (token, extra = {}) => ({ authorization: `Bearer ${token}`, accept: "application/json", "x-cdp-sdk": `cdf-workflow-retry:${VERSION}`, ...extra });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uuid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** A valid WorkflowExecutionResponse for a scripted list page. */
const item = (n, extra = {}) => ({ id: uuid(n), workflowExternalId: "wf", status: "FAILED", engineExecutionId: ENGINE, createdTime: 1_000_000 - n, metadata: {}, ...extra });
const page = (items, nextCursor) => ({ on: "list", status: 200, body: nextCursor === undefined ? { items } : { items, nextCursor } });

let server;
before(async () => {
  server = await startMockServer({ quiet: true });
});
after(() => server?.close());

/** One project on the shared mock, with its control calls (in process). */
function ctx(tag) {
  const p = project(tag);
  const c = (method, path, body) => {
    const a = server.control(method, path, body);
    if (a.status >= 400) throw new Error(`mock control ${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  };
  const base = `/projects/${p}`;
  return {
    p,
    url: server.url,
    conn: (extra = {}) => ({ project: p, baseUrl: server.url, token: TOKEN, ...extra }),
    script: (steps) => c("POST", `${base}/script`, steps),
    log: (op) => c("GET", `${base}/log${op ? `?op=${op}` : ""}`).requests,
    stats: () => c("GET", `${base}/stats`),
    executions: () => c("GET", `${base}/executions`).items,
    outcomes: (o) => c("POST", `${base}/outcomes`, o),
    oauth: (s) => c("POST", `${base}/oauth`, s),
    revoke: () => c("POST", `${base}/oauth/revoke`),
    mintNonce: () => c("POST", `${base}/nonce`, {}).nonce,
    tokenUrl: `${server.url}/oauth2/${p}/token`,
    /** The mock's own detailed answer for `id` at the start, fetched directly from a twin project (this one's log stays clean). */
    async raw(id) {
      const res = await fetch(`${server.url}/api/v1/projects/${project("raw")}/workflows/executions/${id}`, {
        headers: { authorization: "Bearer test-token-raw", accept: "application/json", "x-cdp-sdk": "cdf-workflow-retry:0.0.0" },
      });
      assert.equal(res.status, 200);
      return res.json();
    },
  };
}

/** Asserts `e` is an invalid_input CdfError for `field`, sent before any request of `c`. */
function assertRefused(e, field, c) {
  assert.ok(isCdfError(e), `not a CdfError: ${e}`);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "CdfError");
  assert.equal(e.kind, "invalid_input", `${field}: ${e.message}`);
  if (field instanceof RegExp) assert.match(e.field, field);
  else assert.equal(e.field, field, e.message);
  assert.equal(e.operation, undefined);
  if (c) assert.deepEqual(c.log(), [], "nothing was sent");
}

function assertNoSecrets(e, secrets) {
  for (const text of errorTexts(e)) {
    for (const s of secrets) assert.ok(!text.includes(s), `${e.kind} error shows ${s}: ${text}`);
  }
}

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isPlain = (o) => o !== null && typeof o === "object" && Object.getPrototypeOf(o) === Object.prototype;

// ───────────────────────────────────────────────────────────── listExecutions

describe("listExecutions", () => {
  test("defaults: POST list with {filter:{},limit:100}, CDF headers, items as the mock lists them", async () => {
    const c = ctx("l-def");
    const items = await listExecutions(c.conn({ appName: "v2 tests" }));
    const expected = c.executions();
    assert.equal(items.length, expected.length, "all 37 executions (fewer than 100)");
    assert.deepEqual(items.map((e) => e.id), expected.map((e) => e.id), "newest first, as the mock answers");
    const [req, ...rest] = c.log();
    assert.equal(rest.length, 0, "one page");
    assert.equal(req.method, "POST");
    assert.equal(req.path, `/api/v1/projects/${c.p}/workflows/executions/list`);
    assert.deepEqual(JSON.parse(req.body), { filter: {}, limit: 100 });
    assert.deepEqual(own(req.headers), cdfHeaders(TOKEN, { "x-cdp-app": "v2 tests", "content-type": "application/json" }));
    for (const e of items) {
      assert.ok(isPlain(e) && isPlain(e.metadata), "plain objects");
      const allowed = ["id", "workflowExternalId", "status", "engineExecutionId", "createdTime", "metadata", "version", "startTime", "endTime", "reasonForIncompletion"];
      for (const k of Object.keys(e)) assert.ok(allowed.includes(k), `unexpected key ${k}`);
      for (const k of Object.keys(e)) assert.notEqual(e[k], null, `${k} is null`);
    }
  });

  test("filters are sent as workflowFilters, status and the created time range; results match them", async () => {
    const c = ctx("l-filt");
    const all = c.executions();
    const times = all.map((e) => e.createdTime).sort((a, b) => a - b);
    const start = times[3];
    const end = times[times.length - 4];
    const items = await listExecutions(c.conn({
      workflows: ["nightly-ingest", { externalId: "hourly-sync", version: "1" }, { externalId: "asset-hierarchy", version: undefined }],
      status: ["FAILED", "TIMED_OUT", "RUNNING"],
      createdTimeStart: start,
      createdTimeEnd: end,
    }));
    const [req] = c.log();
    assert.deepEqual(JSON.parse(req.body), {
      filter: {
        workflowFilters: [{ externalId: "nightly-ingest" }, { externalId: "hourly-sync", version: "1" }, { externalId: "asset-hierarchy" }],
        status: ["FAILED", "TIMED_OUT", "RUNNING"],
        createdTimeStart: start,
        createdTimeEnd: end,
      },
      limit: 100,
    });
    const expected = all.filter((e) =>
      (e.workflowExternalId === "nightly-ingest" || (e.workflowExternalId === "hourly-sync" && e.version === "1") || e.workflowExternalId === "asset-hierarchy") &&
      ["FAILED", "TIMED_OUT", "RUNNING"].includes(e.status) && e.createdTime >= start && e.createdTime <= end);
    assert.ok(expected.length > 0, "the filter selects something");
    assert.deepEqual(items.map((e) => e.id), expected.map((e) => e.id));
  });

  test("limit: page size min(1000, remaining), following nextCursor until the limit", async () => {
    const big = await startMockServer({ quiet: true, generatedExecutions: 1000 });
    try {
      const p = project("l-big");
      const all = big.control("GET", `/projects/${p}/executions`).body.items;
      assert.equal(all.length, 1007);
      const items = await listExecutions({ project: p, baseUrl: big.url, token: TOKEN, limit: 1005 });
      assert.equal(items.length, 1005);
      assert.deepEqual(items.map((e) => e.id), all.slice(0, 1005).map((e) => e.id));
      const bodies = big.control("GET", `/projects/${p}/log`).body.requests.map((r) => JSON.parse(r.body));
      assert.equal(bodies.length, 2);
      assert.deepEqual(bodies[0], { filter: {}, limit: 1000 });
      assert.equal(bodies[1].limit, 5, "the second page asks for what remains");
      assert.equal(typeof bodies[1].cursor, "string");

      const p2 = project("l-big2");
      const items2 = await listExecutions({ project: p2, baseUrl: big.url, token: TOKEN, limit: 10000 });
      assert.equal(items2.length, 1007, "stops when no cursor is left");
      const bodies2 = big.control("GET", `/projects/${p2}/log`).body.requests.map((r) => JSON.parse(r.body));
      assert.deepEqual(bodies2.map((b) => b.limit), [1000, 1000], "never more than 1000 a page");
    } finally {
      await big.close();
    }
  });

  test("pagination across several cursors: each page asks for the rest, sends the cursor, keeps the filter", async () => {
    const c = ctx("l-pages");
    c.script([
      page([item(0), item(1)], "cursor-one"),
      page([item(2), item(3)], "cursor-two"),
      page([item(4)], "cursor-three"),
      page([item(5), item(6), item(7)]),
    ]);
    const items = await listExecutions(c.conn({ status: ["FAILED"], limit: 7 }));
    assert.deepEqual(items.map((e) => e.id), [0, 1, 2, 3, 4, 5, 6].map(uuid), "cut at the limit");
    const bodies = c.log("list").map((r) => JSON.parse(r.body));
    assert.deepEqual(bodies, [
      { filter: { status: ["FAILED"] }, limit: 7 },
      { filter: { status: ["FAILED"] }, limit: 5, cursor: "cursor-one" },
      { filter: { status: ["FAILED"] }, limit: 3, cursor: "cursor-two" },
      { filter: { status: ["FAILED"] }, limit: 2, cursor: "cursor-three" },
    ]);
  });

  test("default limit 100 over scripted pages: stops at 100 even when a cursor is left", async () => {
    const c = ctx("l-100");
    const many = (from, n) => Array.from({ length: n }, (_, i) => item(from + i));
    c.script([page(many(0, 60), "c1"), page(many(60, 60), "c2")]);
    const items = await listExecutions(c.conn());
    assert.equal(items.length, 100);
    assert.deepEqual(c.log("list").map((r) => JSON.parse(r.body).limit), [100, 40]);
  });

  test("an item failing the check rejects with invalid_response naming items[i] across pages", async () => {
    const cases = [
      [[item(0), item(1)], [item(2), item(3, { status: 7 })], "items[3].status"],
      [[item(0)], [item(1, { createdTime: 2 ** 53 })], "items[1].createdTime"],
      [[item(0), item(1), item(2)], [item(3), item(4, { id: "not-a-uuid" })], "items[4].id"],
      [[item(0)], [item(1, { engineExecutionId: 12 })], "items[1].engineExecutionId"],
      [[], [item(0, { metadata: undefined })], "items[0].metadata"],
      [[item(0)], [item(1), null], "items[2]"],
    ];
    for (const [first, second, field] of cases) {
      const c = ctx("l-bad");
      c.script([page(first, "next"), page(second)]);
      const e = await rejection(listExecutions(c.conn()));
      assert.equal(e.kind, "invalid_response", field);
      assert.equal(e.field, field);
      assert.equal(e.operation, "listExecutions");
      assert.equal(e.attempts, 2);
      assert.equal(c.log("list").length, 2, "an invalid answer is not retried");
      assertNoSecrets(e, [TOKEN]);
    }
    // A metadata value that is not a string names the metadata.
    const c = ctx("l-meta");
    c.script(page([item(0), item(1, { metadata: { team: 5 } })]));
    const e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "invalid_response");
    assert.match(e.field, /^items\[1\]\.metadata/);
  });

  test("a missing or malformed items array is invalid_response", async () => {
    for (const body of [{}, { nextCursor: "x" }, { items: null }, { items: {} }, { items: "[]" }]) {
      const c = ctx("l-noitems");
      c.script({ on: "list", status: 200, body });
      const e = await rejection(listExecutions(c.conn()));
      assert.equal(e.kind, "invalid_response", JSON.stringify(body));
      assert.equal(e.field, "items");
      assert.equal(e.operation, "listExecutions");
      assert.equal(e.retryable, false);
    }
    const c = ctx("l-html");
    c.script({ on: "list", status: 200, body: "<html><body>Sign in</body></html>", headers: { "content-type": "text/html" } });
    const e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "body");
    assert.equal(e.status, 200);
    assert.equal(e.retryable, false);
    assert.equal(c.log().length, 1);
  });

  test("items are checked like the retry answer: unknown statuses pass, nulls and extra fields are dropped", async () => {
    const c = ctx("l-shape");
    c.script(page([
      item(0, { status: "PAUSED", version: null, startTime: null, endTime: null, reasonForIncompletion: null, extra: { a: 1 } }),
      item(1, { version: "v9", startTime: 5, endTime: 6, reasonForIncompletion: "why", metadata: { constructor: "y", toString: "z" } }),
    ]));
    const [a, b] = await listExecutions(c.conn());
    assert.equal(a.status, "PAUSED");
    for (const k of ["version", "startTime", "endTime", "reasonForIncompletion", "extra"]) assert.ok(!(k in a), `${k} is absent`);
    assert.deepEqual(b, item(1, { version: "v9", startTime: 5, endTime: 6, reasonForIncompletion: "why", metadata: { constructor: "y", toString: "z" } }));
  });

  test("__proto__ in an item's metadata is kept as plain data", async () => {
    const c = ctx("l-proto");
    const body = JSON.stringify({ items: [item(0, { metadata: { PROTO_KEY: "polluted" } })] }).replace('"PROTO_KEY"', '"__proto__"');
    c.script({ on: "list", status: 200, body });
    const [e] = await listExecutions(c.conn());
    assert.ok(hasOwn(e.metadata, "__proto__"), "an own key");
    assert.equal(Object.getPrototypeOf(e.metadata), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(e.metadata, "__proto__").value, "polluted");
  });

  for (const [name, step, kind] of [
    ["429", { status: 429, headers: { "retry-after": "0" } }, "api"],
    ["502", { status: 502, headers: { "retry-after": "0" } }, "api"],
    ["503", { status: 503, headers: { "retry-after": "0" } }, "api"],
    ["504", { status: 504, headers: { "retry-after": "0" } }, "api"],
    ["a network failure", { reset: true }, "network"],
    ["a 500 with cdf-is-auto-retryable", { status: 500, headers: { "cdf-is-auto-retryable": "true", "retry-after": "0" } }, "api"],
    ["a 400 with cdf-is-auto-retryable", { status: 400, headers: { "cdf-is-auto-retryable": "true", "retry-after": "0" } }, "api"],
  ]) {
    test(`read-only retry: ${name} on a page is sent again (same body)`, async () => {
      const c = ctx("l-rr");
      c.script([page([item(0)], "c1"), { on: "list", ...step }, page([item(1)])]);
      const events = [];
      const items = await listExecutions(c.conn({ onRetry: (e) => events.push(e) }));
      assert.equal(items.length, 2, "both pages");
      const bodies = c.log("list").map((r) => r.body);
      assert.equal(bodies.length, 3);
      assert.equal(bodies[2], bodies[1], "the page is asked for again as it was");
      assert.equal(events.length, 1);
      assert.equal(events[0].operation, "listExecutions");
      assert.equal(events[0].attempt, 2);
      assert.equal(events[0].kind, kind);
      assert.equal(events[0].newSession, false);
      if (step.status) assert.equal(events[0].status, step.status);
    });
  }

  test("read-only retries: Retry-After honoured, maxRetries bounds them, other statuses are not retried", async () => {
    let c = ctx("l-ra");
    c.script({ on: "list", status: 503, headers: { "retry-after": "1" } });
    const t0 = Date.now();
    await listExecutions(c.conn());
    assert.ok(Date.now() - t0 >= 950, "waited for Retry-After: 1");

    c = ctx("l-max");
    c.script({ on: "list", status: 503, headers: { "retry-after": "0" }, times: 10 });
    let e = await rejection(listExecutions(c.conn({ maxRetries: 2 })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 503);
    assert.equal(e.retryable, true);
    assert.equal(e.attempts, 3);
    assert.equal(c.log().length, 3);

    for (const status of [400, 403, 404, 500, 501]) {
      c = ctx("l-no");
      c.script({ on: "list", status });
      e = await rejection(listExecutions(c.conn()));
      assert.equal(e.kind, "api");
      assert.equal(e.status, status);
      assert.equal(e.operation, "listExecutions");
      assert.equal(e.retryable, status >= 500);
      assert.equal(c.log().length, 1, `${status} is not retried`);
    }
  });

  test("read-only waits: full jitter within [0, 500] ms for the first retry; a wait past the deadline fails at once with the last error", async () => {
    let c = ctx("l-jit");
    c.script({ on: "list", status: 503, times: 1 });
    const events = [];
    await listExecutions(c.conn({ onRetry: (e) => events.push(e) }));
    assert.equal(events.length, 1);
    assert.ok(events[0].waitMs >= 0 && events[0].waitMs <= 500, `waitMs ${events[0].waitMs}`);

    c = ctx("l-fit");
    c.script({ on: "list", status: 503, headers: { "retry-after": "10" } });
    const t0 = Date.now();
    const e = await rejection(listExecutions(c.conn({ timeoutMs: 2000 })));
    assert.ok(Date.now() - t0 < 1000, "no wait that cannot end before the deadline");
    assert.equal(e.kind, "api");
    assert.equal(e.status, 503);
    assert.equal(c.log().length, 1);
  });

  test("a 401 with a token provider asks it again with { forceRefresh: true } and resends once", async () => {
    let c = ctx("l-401");
    c.script({ on: "list", status: 401 });
    const contexts = [];
    const items = await listExecutions(c.conn({ token: (x) => (contexts.push(x), `test-token-l401-${contexts.length}`) }));
    assert.ok(items.length > 0);
    assert.deepEqual(contexts, [{ forceRefresh: false }, { forceRefresh: true }]);
    assert.deepEqual(c.log().map((r) => r.headers.authorization), ["Bearer test-token-l401-1", "Bearer test-token-l401-2"]);

    // The same token again: not resent.
    c = ctx("l-401s");
    c.script({ on: "list", status: 401 });
    let e = await rejection(listExecutions(c.conn({ token: async () => "test-token-same" })));
    assert.equal(e.status, 401);
    assert.equal(c.log().length, 1);

    // A fixed token: never resent after a 401.
    c = ctx("l-401f");
    c.script({ on: "list", status: 401, times: 2 });
    e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 401);
    assert.equal(c.log().length, 1);
  });

  test("redirects are not followed; deadline and abort end the call", async () => {
    let c = ctx("l-3xx");
    c.script({ on: "list", status: 307, headers: { location: `${server.url}/api/v1/projects/${c.p}/workflows/executions/list` } });
    let e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 307);
    assert.equal(c.log().length, 1, "the redirect was not followed");

    c = ctx("l-to");
    c.script({ on: "list", hang: true });
    const t0 = Date.now();
    e = await rejection(listExecutions(c.conn({ timeoutMs: 300 })));
    assert.equal(e.kind, "timeout");
    assert.equal(e.operation, "listExecutions");
    assert.ok(Date.now() - t0 < 2000);

    c = ctx("l-ab");
    c.script({ on: "list", hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort("stop"), 100);
    e = await rejection(listExecutions(c.conn({ signal: ac.signal })));
    assert.equal(e.kind, "aborted");
    assert.equal(e.operation, "listExecutions");

    c = ctx("l-ab0");
    e = await rejection(listExecutions(c.conn({ signal: AbortSignal.abort() })));
    assert.equal(e.kind, "aborted");
    assert.deepEqual(c.log(), []);
  });

  test("validation: every option, before any request", async () => {
    const c = ctx("l-val");
    const bad = [
      [{ stauts: ["FAILED"] }, "stauts"],
      [{ executionId: FAILED }, "executionId"],
      [{ onProgress: () => {} }, "onProgress"],
      [{ nonce: "abc" }, "nonce"],
      [{ filter: {} }, "filter"],
      [{ workflows: [] }, "workflows"],
      [{ workflows: "nightly-ingest" }, "workflows"],
      [{ workflows: Array(101).fill("wf") }, "workflows"],
      [{ workflows: [""] }, /^workflows\[0\]/],
      [{ workflows: ["ok", " lead"] }, /^workflows\[1\]/],
      [{ workflows: ["trail "] }, /^workflows\[0\]/],
      [{ workflows: ["a\u0000b"] }, /^workflows\[0\]/],
      [{ workflows: ["x".repeat(256)] }, /^workflows\[0\]/],
      [{ workflows: [{ version: "1" }] }, /^workflows\[0\]/],
      [{ workflows: [{ externalId: "wf", version: "" }] }, /^workflows\[0\]/],
      [{ workflows: [{ externalId: "wf", version: "v".repeat(256) }] }, /^workflows\[0\]/],
      [{ workflows: [{ externalId: "wf", versoin: "1" }] }, /versoin/],
      [{ workflows: [42] }, /^workflows\[0\]/],
      [{ status: [] }, /^status/],
      [{ status: "FAILED" }, /^status/],
      [{ status: ["FAILED", "FAILED"] }, /^status/],
      [{ status: ["PAUSED"] }, /^status/],
      [{ status: ["failed"] }, /^status/],
      [{ status: ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "RUNNING"] }, /^status/],
      [{ createdTimeStart: -1 }, "createdTimeStart"],
      [{ createdTimeStart: 1.5 }, "createdTimeStart"],
      [{ createdTimeStart: 2 ** 53 }, "createdTimeStart"],
      [{ createdTimeEnd: "5" }, "createdTimeEnd"],
      [{ createdTimeStart: 10, createdTimeEnd: 9 }, /^createdTime(Start|End)$/],
      [{ limit: 0 }, "limit"],
      [{ limit: 10001 }, "limit"],
      [{ limit: 2.5 }, "limit"],
      [{ limit: "10" }, "limit"],
      [{ limit: null }, "limit"],
      [{ onRetry: "log" }, "onRetry"],
      [{ onRetry: {} }, "onRetry"],
      [{ timeoutMs: 0 }, "timeoutMs"],
      [{ maxRetries: 11 }, "maxRetries"],
      [{ signal: {} }, "signal"],
      [{ token: "" }, "token"],
      [{ token: 5 }, "token"],
      [{ project: "x" }, "project"],
      [{ cluster: "westeurope-1" }, "cluster"],
      [{ baseUrl: "http://example.com" }, "baseUrl"],
      [{ appName: "" }, "appName"],
    ];
    for (const [extra, field] of bad) {
      assertRefused(await rejection(listExecutions(c.conn(extra))), field, c);
    }
    assertRefused(await rejection(listExecutions(null)), "options", c);
    assertRefused(await rejection(listExecutions([])), "options", c);
    // A key set to undefined counts as absent; the widest valid values are accepted.
    const ok = await listExecutions(c.conn({ status: undefined, workflows: undefined, limit: 10000, createdTimeStart: 0, createdTimeEnd: 2 ** 53 - 1 }));
    assert.ok(Array.isArray(ok));
    const typo = await rejection(listExecutions(c.conn({ stauts: ["FAILED"] })));
    assert.match(typo.message, /status/, "the message suggests the option meant");
  });

  test("secrets: the token (fixed or from a provider) never shows in an error", async () => {
    const PROVIDED = "test-token-provided-SECRET-77aa";
    const echo = (t) => ({ on: "list", status: 400, body: { error: { code: 400, message: `bad token ${t}`, [t]: t } }, headers: { "x-request-id": `req-${t}` } });
    let c = ctx("l-sec");
    c.script(echo(TOKEN));
    let e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "api");
    assert.equal(e.requestId, undefined, "a request id holding a secret is dropped");
    assertNoSecrets(e, [TOKEN]);

    c = ctx("l-sec2");
    c.script(echo(PROVIDED));
    e = await rejection(listExecutions(c.conn({ token: async () => PROVIDED })));
    assertNoSecrets(e, [PROVIDED]);

    c = ctx("l-sec3");
    c.script({ on: "list", status: 200, body: `<p>${TOKEN}</p>`, headers: { "content-type": "text/html" } });
    e = await rejection(listExecutions(c.conn()));
    assert.equal(e.kind, "invalid_response");
    assertNoSecrets(e, [TOKEN]);
  });
});

// ─────────────────────────────────────────────────────────────── getExecution

describe("getExecution", () => {
  test("GET with no body and no Content-Type; exactly the CDF headers; the details as CDF sent them", async () => {
    const c = ctx("g-get");
    const raw = await c.raw(FAILED);
    const v = await getExecution(c.conn({ executionId: FAILED, appName: "app" }));
    assert.deepEqual(v, raw);
    assert.ok(isPlain(v) && isPlain(v.metadata) && isPlain(v.workflowDefinition) && v.executedTasks.every((t) => isPlain(t.input) && isPlain(t.output)));
    const [req, ...rest] = c.log();
    assert.equal(rest.length, 0);
    assert.equal(req.method, "GET");
    assert.equal(req.path, `/api/v1/projects/${c.p}/workflows/executions/${FAILED}`);
    assert.equal(req.body, "");
    assert.deepEqual(own(req.headers), cdfHeaders(TOKEN, { "x-cdp-app": "app" }));
    assert.ok(!("content-length" in req.headers) || req.headers["content-length"] === "0");
  });

  test("an upper-case id is sent lower-case and passes the identity rule", async () => {
    const c = ctx("g-case");
    const v = await getExecution(c.conn({ executionId: TIMED_OUT.toUpperCase() }));
    assert.equal(v.id, TIMED_OUT);
    assert.equal(c.log()[0].path, `/api/v1/projects/${c.p}/workflows/executions/${TIMED_OUT}`);
  });

  test("identity rule: an answer for another execution is invalid_response on id", async () => {
    const c = ctx("g-id");
    const other = await c.raw(TERMINATED);
    c.script({ on: "get", status: 200, body: other });
    const e = await rejection(getExecution(c.conn({ executionId: FAILED })));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "id");
    assert.equal(e.operation, "getExecution");
    assert.equal(c.log().length, 1);
    // The answer's id in upper case is the same execution.
    const c2 = ctx("g-id2");
    c2.script({ on: "get", status: 200, body: { ...(await c2.raw(FAILED)), id: FAILED.toUpperCase() } });
    const v = await getExecution(c2.conn({ executionId: FAILED }));
    assert.equal(v.id.toLowerCase(), FAILED);
  });

  test("a nested fault names its path", async () => {
    const c0 = ctx("g-nested0");
    const good = await c0.raw(FAILED);
    const third = { ...good.executedTasks[0], id: uuid(3), externalId: "third" };
    const base = () => ({ ...structuredClone(good), executedTasks: [...structuredClone(good.executedTasks), structuredClone(third)] });
    const cases = [
      [(b) => { b.executedTasks[2].status = 7; }, "executedTasks[2].status"],
      [(b) => { delete b.executedTasks[2].status; }, "executedTasks[2].status"],
      [(b) => { b.executedTasks[1].input = []; }, "executedTasks[1].input"],
      [(b) => { b.executedTasks[0].output = "done"; }, "executedTasks[0].output"],
      [(b) => { delete b.executedTasks[1].output; }, "executedTasks[1].output"],
      [(b) => { b.executedTasks[0].startTime = -1; }, "executedTasks[0].startTime"],
      [(b) => { b.executedTasks[2].endTime = 2 ** 53; }, "executedTasks[2].endTime"],
      [(b) => { b.executedTasks[1].taskType = null; }, "executedTasks[1].taskType"],
      [(b) => { b.executedTasks[1] = "task"; }, "executedTasks[1]"],
      [(b) => { b.executedTasks = {}; }, "executedTasks"],
      [(b) => { delete b.executedTasks; }, "executedTasks"],
      [(b) => { delete b.workflowDefinition; }, "workflowDefinition"],
      [(b) => { delete b.workflowDefinition.hash; }, "workflowDefinition.hash"],
      [(b) => { b.workflowDefinition.tasks[1] = "x"; }, "workflowDefinition.tasks[1]"],
      [(b) => { b.workflowDefinition.tasks = null; }, "workflowDefinition.tasks"],
      [(b) => { b.input = [1]; }, "input"],
      [(b) => { b.createdTime = 1.5; }, "createdTime"],
      [(b) => { b.engineExecutionId = "engine"; }, "engineExecutionId"],
      [(b) => { delete b.workflowExternalId; }, "workflowExternalId"],
    ];
    for (const [change, field] of cases) {
      const c = ctx("g-nested");
      const body = base();
      change(body);
      c.script({ on: "get", status: 200, body });
      const e = await rejection(getExecution(c.conn({ executionId: FAILED })));
      assert.equal(e.kind, "invalid_response", field);
      assert.equal(e.field, field);
      assert.equal(e.operation, "getExecution");
      assert.equal(e.attempts, 1);
    }
  });

  test("__proto__ keys in task input/output, the workflow input, definition tasks and metadata are plain data", async () => {
    const c = ctx("g-proto");
    const good = await c.raw(FAILED);
    const marker = { PROTO_KEY: { polluted: true, isAdmin: true }, constructor: { prototype: { polluted: true } }, a: 1 };
    const body = {
      ...good,
      input: marker,
      metadata: { PROTO_KEY: "meta" },
      executedTasks: good.executedTasks.map((t) => ({ ...t, input: { ...marker }, output: { nested: { ...marker } } })),
      workflowDefinition: { ...good.workflowDefinition, tasks: [{ ...marker }] },
    };
    const text = JSON.stringify(body).replaceAll('"PROTO_KEY"', '"__proto__"');
    c.script({ on: "get", status: 200, body: text });
    const v = await getExecution(c.conn({ executionId: FAILED }));
    const check = (o, what) => {
      assert.ok(hasOwn(o, "__proto__"), `${what}: __proto__ is an own key`);
      assert.equal(Object.getPrototypeOf(o), Object.prototype, `${what}: prototype unchanged`);
      assert.equal(o.polluted, undefined, what);
    };
    check(v.input, "input");
    check(v.metadata, "metadata");
    assert.equal(Object.getOwnPropertyDescriptor(v.metadata, "__proto__").value, "meta");
    for (const t of v.executedTasks) {
      check(t.input, "task input");
      check(t.output.nested, "task output");
      assert.deepEqual(Object.getOwnPropertyDescriptor(t.input, "__proto__").value, { polluted: true, isAdmin: true });
      assert.deepEqual(t.input.constructor, { prototype: { polluted: true } });
    }
    check(v.workflowDefinition.tasks[0], "definition task");
    assert.equal({}.polluted, undefined, "Object.prototype untouched");
    assert.equal({}.isAdmin, undefined);
  });

  test("null optionals are absent; unknown statuses and task types pass through; extra fields dropped", async () => {
    const c = ctx("g-null");
    const good = await c.raw(FAILED);
    const body = {
      ...good,
      status: "PAUSED",
      version: null,
      startTime: null,
      endTime: null,
      reasonForIncompletion: null,
      input: null,
      surprise: { x: 1 },
      workflowDefinition: { ...good.workflowDefinition, description: null },
      executedTasks: [{ ...good.executedTasks[0], status: "WAITING", taskType: "quantum", parentTaskExternalId: null, startTime: null, endTime: null, reasonForIncompletion: null }],
    };
    c.script({ on: "get", status: 200, body });
    const v = await getExecution(c.conn({ executionId: FAILED }));
    assert.equal(v.status, "PAUSED");
    for (const k of ["version", "startTime", "endTime", "reasonForIncompletion", "input", "surprise"]) assert.ok(!(k in v), `${k} absent`);
    assert.ok(!("description" in v.workflowDefinition));
    const [t] = v.executedTasks;
    assert.equal(t.status, "WAITING");
    assert.equal(t.taskType, "quantum");
    for (const k of ["parentTaskExternalId", "startTime", "endTime", "reasonForIncompletion"]) assert.ok(!(k in t), `task ${k} absent`);
    assert.deepEqual(t.input, good.executedTasks[0].input);
  });

  test("read-only retries (429, 503, network, auto-retryable); 404 is not retried", async () => {
    for (const step of [{ status: 429, headers: { "retry-after": "0" } }, { status: 503, headers: { "retry-after": "0" } }, { reset: true }, { status: 500, headers: { "cdf-is-auto-retryable": "true", "retry-after": "0" } }]) {
      const c = ctx("g-rr");
      c.script({ on: "get", ...step });
      const v = await getExecution(c.conn({ executionId: FAILED }));
      assert.equal(v.id, FAILED);
      assert.equal(c.log().length, 2, JSON.stringify(step));
    }
    const c = ctx("g-404");
    const e = await rejection(getExecution(c.conn({ executionId: MISSING })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 404);
    assert.equal(e.code, 404);
    assert.deepEqual(e.missing, [{ id: MISSING }]);
    assert.equal(e.operation, "getExecution");
    assert.equal(e.retryable, false);
    assert.equal(typeof e.requestId, "string");
    assert.equal(c.log().length, 1);

    const c2 = ctx("g-401");
    c2.script({ on: "get", status: 401 });
    const contexts = [];
    await getExecution(c2.conn({ executionId: FAILED, token: (x) => (contexts.push(x), `test-token-g-${contexts.length}`) }));
    assert.deepEqual(contexts, [{ forceRefresh: false }, { forceRefresh: true }]);
  });

  test("a redirect is not followed; a body over 1 MiB is invalid_response, not retried", async () => {
    const c = ctx("g-3xx");
    c.script({ on: "get", status: 302, headers: { location: `${server.url}/api/v1/projects/${c.p}/workflows/executions/${TIMED_OUT}` } });
    const e = await rejection(getExecution(c.conn({ executionId: FAILED })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 302);
    assert.equal(c.log().length, 1);

    const c2 = ctx("g-big");
    c2.script({ on: "get", status: 200, body: JSON.stringify({ pad: "x".repeat(1_100_000) }) });
    const e2 = await rejection(getExecution(c2.conn({ executionId: FAILED })));
    assert.equal(e2.kind, "invalid_response");
    assert.equal(e2.field, "body");
    assert.equal(e2.retryable, false);
    assert.equal(c2.log().length, 1);
  });

  test("task input and output are plain JSON as CDF sent it: 40 levels of nesting", async () => {
    const c0 = ctx("g-json0");
    const good = await c0.raw(FAILED);
    // Ordinary JSON: a function's response can nest like this.
    let deep = { leaf: [1, "two", null, true] };
    for (let i = 0; i < 40; i++) deep = { level: deep };
    const c = ctx("g-deep");
    c.script({ on: "get", status: 200, body: { ...good, executedTasks: good.executedTasks.map((t) => ({ ...t, output: deep })) } });
    const v = await getExecution(c.conn({ executionId: FAILED }));
    assert.deepEqual(v.executedTasks[0].output, deep);
  });

  test("task input is plain JSON as CDF sent it: numbers keep their values", async () => {
    const c0 = ctx("g-json1");
    const good = await c0.raw(FAILED);
    const text = JSON.stringify({ ...good, executedTasks: [{ ...good.executedTasks[0], input: { n: "NUMS" } }] })
      .replace('"NUMS"', "[1e300, -0, 0.1, 5e-324, 123456789012345680000, 1.7976931348623157e308, 2e-7, -12.5, 9007199254740993]");
    const c = ctx("g-nums");
    c.script({ on: "get", status: 200, body: text });
    const expected = JSON.parse(text).executedTasks[0].input;
    const got = (await getExecution(c.conn({ executionId: FAILED }))).executedTasks[0].input;
    expected.n.forEach((n, i) => assert.ok(Object.is(got.n[i], n), `number ${i}: ${got.n[i]} vs ${n}`));
  });

  test("task input is plain JSON as CDF sent it: strings keep every code unit (a lone surrogate included)", async () => {
    const c0 = ctx("g-json2");
    const good = await c0.raw(FAILED);
    const text = JSON.stringify({ ...good, executedTasks: [{ ...good.executedTasks[0], input: { s: "STR", ok: "OK" } }] })
      .replace('"STR"', '"a\\ud800b"')
      .replace('"OK"', '"\\u0000c\\u2028d\\ud83d\\ude00\\\\"');
    const c = ctx("g-str");
    c.script({ on: "get", status: 200, body: text });
    const expected = JSON.parse(text).executedTasks[0].input;
    const got = (await getExecution(c.conn({ executionId: FAILED }))).executedTasks[0].input;
    assert.equal(got.ok, expected.ok, "control characters, U+2028, an emoji, a backslash");
    assert.equal(got.s, expected.s, `lone surrogate: ${JSON.stringify(got.s)} vs ${JSON.stringify(expected.s)}`);
  });

  test("validation and secrecy", async () => {
    const c = ctx("g-val");
    for (const [extra, field] of [
      [{ executionId: "not-a-uuid" }, "executionId"],
      [{ executionId: undefined }, "executionId"],
      [{ executionId: `${FAILED} ` }, "executionId"],
      [{ executionId: 5 }, "executionId"],
      [{ executionID: FAILED }, "executionID"],
      [{ nonce: "n" }, "nonce"],
      [{ status: ["FAILED"] }, "status"],
      [{ onProgress: () => {} }, "onProgress"],
      [{ onRetry: 1 }, "onRetry"],
    ]) {
      assertRefused(await rejection(getExecution(c.conn({ executionId: FAILED, ...extra }))), field, c);
    }
    const c2 = ctx("g-sec");
    c2.script({ on: "get", status: 404, body: { error: { code: 404, message: `no ${TOKEN}`, missing: [{ token: TOKEN }] } } });
    assertNoSecrets(await rejection(getExecution(c2.conn({ executionId: FAILED }))), [TOKEN]);
  });
});

// ─────────────────────────────────────────────────────────── waitForExecution

describe("waitForExecution", () => {
  test("first poll immediate: a finished execution resolves after one GET with its details", async () => {
    const c = ctx("w-now");
    const progress = [];
    const t0 = Date.now();
    const v = await waitForExecution(c.conn({ executionId: FAILED, onProgress: (d) => progress.push(d) }));
    assert.ok(Date.now() - t0 < 800, "no wait before the first poll");
    assert.equal(v.status, "FAILED", "resolves with the final status, whatever it is");
    assert.deepEqual(v, await c.raw(FAILED));
    assert.equal(c.log().length, 1);
    assert.deepEqual(progress, [v]);
  });

  test("interval doubling from pollIntervalMs; onProgress after each successful poll; final status COMPLETED", async () => {
    const c = ctx("w-double");
    c.outcomes({ [RUNNING]: { status: "COMPLETED", delayMs: 1400 } });
    const progress = [];
    const v = await waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 100, onProgress: (d) => progress.push(d.status) }));
    assert.equal(v.status, "COMPLETED");
    const times = c.log("get").map((r) => r.time);
    assert.ok(times.length >= 4 && times.length <= 6, `polls: ${times.length}`);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    gaps.forEach((g, i) => {
      const expected = 100 * 2 ** i;
      assert.ok(g >= expected - 15 && g <= expected + 400, `gap ${i} was ${g} ms, expected about ${expected} (gaps ${gaps})`);
    });
    assert.equal(progress.length, times.length, "onProgress once per successful poll");
    assert.deepEqual(progress, [...Array(times.length - 1).fill("RUNNING"), "COMPLETED"]);
  });

  test("default pollIntervalMs is 1000 (then 2000)", async () => {
    const c = ctx("w-default");
    c.outcomes({ [RUNNING]: { status: "TERMINATED", delayMs: 2400 } });
    const v = await waitForExecution(c.conn({ executionId: RUNNING }));
    assert.equal(v.status, "TERMINATED");
    const times = c.log("get").map((r) => r.time);
    assert.equal(times.length, 3);
    assert.ok(Math.abs(times[1] - times[0] - 1000) < 400, `first gap ${times[1] - times[0]}`);
    assert.ok(Math.abs(times[2] - times[1] - 2000) < 400, `second gap ${times[2] - times[1]}`);
  });

  test("the doubling stops at 15000 ms (about 23 s)", async () => {
    const c = ctx("w-cap");
    c.outcomes({ [RUNNING]: { status: "FAILED", delayMs: 12000 } });
    const v = await waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 8000 }));
    assert.equal(v.status, "FAILED");
    const times = c.log("get").map((r) => r.time);
    assert.equal(times.length, 3);
    assert.ok(Math.abs(times[1] - times[0] - 8000) < 500, `first gap ${times[1] - times[0]}`);
    const second = times[2] - times[1];
    assert.ok(second >= 14950 && second < 15600, `second gap ${second}: capped at 15000, not 16000`);
  });

  test("a pollIntervalMs above 15000 is the cap; a wait past the deadline is not started (timeout at once)", async () => {
    // 60000 > 15000: the first wait is 60000, which would pass the 59000 deadline.
    let c = ctx("w-big");
    let t0 = Date.now();
    let e = await rejection(waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 60000, timeoutMs: 59000 })));
    assert.ok(Date.now() - t0 < 1500, "failed at once, without waiting");
    assert.equal(e.kind, "timeout");
    assert.equal(e.operation, "getExecution");
    assert.match(e.message, /RUNNING/);
    assert.equal(c.log().length, 1);

    // Within the deadline it does wait (an abort finds it waiting, not failed).
    c = ctx("w-big2");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 700);
    t0 = Date.now();
    e = await rejection(waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 60000, timeoutMs: 61000, signal: ac.signal })));
    assert.equal(e.kind, "aborted");
    assert.ok(Date.now() - t0 >= 650);
    assert.equal(c.log().length, 1);
  });

  test("timeout: kind timeout, operation getExecution, the last status in the message", async () => {
    const c = ctx("w-timeout");
    const t0 = Date.now();
    const e = await rejection(waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 100, timeoutMs: 900 })));
    const took = Date.now() - t0;
    assert.equal(e.kind, "timeout");
    assert.equal(e.operation, "getExecution");
    assert.match(e.message, /RUNNING/);
    assert.equal(e.retryable, true);
    assert.ok(took < 2000, `took ${took}`);
    assert.ok(c.log().length >= 3);

    // The deadline passing during a hanging poll: still the last status seen.
    const c2 = ctx("w-timeout2");
    c2.script([{ on: "get", delayMs: 0 }, { on: "get", hang: true }]);
    const e2 = await rejection(waitForExecution(c2.conn({ executionId: RUNNING, pollIntervalMs: 100, timeoutMs: 700 })));
    assert.equal(e2.kind, "timeout");
    assert.equal(e2.operation, "getExecution");
    assert.match(e2.message, /RUNNING/);
  });

  test("a failed poll is retried within the deadline; onProgress only after successful polls; a throwing onProgress is ignored", async () => {
    const c = ctx("w-retry");
    c.outcomes({ [RUNNING]: { status: "COMPLETED", delayMs: 250 } });
    c.script([{ on: "get", delayMs: 0 }, { on: "get", status: 503, headers: { "retry-after": "0" } }]);
    let calls = 0;
    const v = await waitForExecution(c.conn({
      executionId: RUNNING,
      pollIntervalMs: 300,
      onProgress: () => {
        calls++;
        throw new Error("ignored");
      },
    }));
    assert.equal(v.status, "COMPLETED");
    const gets = c.log("get");
    assert.equal(gets.length, 3, "poll, failed poll, its retry");
    assert.equal(calls, 2, "not called for the 503");

    const c2 = ctx("w-async");
    const v2 = await waitForExecution(c2.conn({ executionId: FAILED, onProgress: async () => { throw new Error("rejected"); } }));
    assert.equal(v2.status, "FAILED");
  });

  test("errors of a poll end the wait: 404 at once, not retried", async () => {
    const c = ctx("w-404");
    const e = await rejection(waitForExecution(c.conn({ executionId: MISSING })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 404);
    assert.equal(e.operation, "getExecution");
    assert.equal(c.log().length, 1);
  });

  test("timeoutMs defaults to 900000 for the wait (a 60000 ms poll wait is started)", async () => {
    const c = ctx("w-deftimeout");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 600);
    const e = await rejection(waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 60000, signal: ac.signal })));
    assert.equal(e.kind, "aborted", "it was waiting, not failed for a 60000 ms deadline");
    assert.equal(c.log().length, 1);
  });

  test("abort: during a wait (at once), before the call (no request)", async () => {
    const c = ctx("w-abort");
    const ac = new AbortController();
    setTimeout(() => ac.abort("enough"), 300);
    const t0 = Date.now();
    const e = await rejection(waitForExecution(c.conn({ executionId: RUNNING, pollIntervalMs: 5000, signal: ac.signal })));
    assert.equal(e.kind, "aborted");
    assert.ok(Date.now() - t0 < 1500, "the wait was cut short");
    assert.equal(c.log().length, 1);

    const c2 = ctx("w-abort0");
    const e2 = await rejection(waitForExecution(c2.conn({ executionId: RUNNING, signal: AbortSignal.abort() })));
    assert.equal(e2.kind, "aborted");
    assert.deepEqual(c2.log(), []);
  });

  test("validation", async () => {
    const c = ctx("w-val");
    for (const [extra, field] of [
      [{ pollIntervalMs: 99 }, "pollIntervalMs"],
      [{ pollIntervalMs: 60001 }, "pollIntervalMs"],
      [{ pollIntervalMs: 150.5 }, "pollIntervalMs"],
      [{ pollIntervalMs: "1000" }, "pollIntervalMs"],
      [{ onProgress: "log" }, "onProgress"],
      [{ onProgress: null }, "onProgress"],
      [{ onRetry: [] }, "onRetry"],
      [{ timeoutMs: 2147483648 }, "timeoutMs"],
      [{ timeoutMs: 0 }, "timeoutMs"],
      [{ executionId: "x" }, "executionId"],
      [{ pollInterval: 100 }, "pollInterval"],
      [{ nonce: "x" }, "nonce"],
    ]) {
      assertRefused(await rejection(waitForExecution(c.conn({ executionId: RUNNING, ...extra }))), field, c);
    }
    // The range ends are accepted.
    const v = await waitForExecution(c.conn({ executionId: FAILED, pollIntervalMs: 100, timeoutMs: 2147483647 }));
    assert.equal(v.status, "FAILED");
    const v2 = await waitForExecution(c.conn({ executionId: FAILED, pollIntervalMs: 60000 }));
    assert.equal(v2.status, "FAILED");
  });

  test("secrets: the token never shows, the timeout message included", async () => {
    const c = ctx("w-sec");
    c.script({ on: "get", status: 400, body: { error: { code: 400, message: `token ${TOKEN} refused` } } });
    assertNoSecrets(await rejection(waitForExecution(c.conn({ executionId: FAILED }))), [TOKEN]);
    // A poll that keeps failing with the token echoed, until the deadline.
    const c2 = ctx("w-sec2");
    c2.script({ on: "get", status: 503, body: { error: { code: 503, message: `busy ${TOKEN}` } }, headers: { "retry-after": "0" }, times: 50 });
    const e = await rejection(waitForExecution(c2.conn({ executionId: RUNNING, maxRetries: 1 })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 503);
    assertNoSecrets(e, [TOKEN]);
  });
});

// ──────────────────────────────────────────────────────────── retryExecutions

/** Ids of the project's retryable executions, in the mock's order. */
const retryableIds = (c, n) => c.executions().filter((e) => RETRYABLE.includes(e.status)).slice(0, n).map((e) => e.id);
const retryNonce = (r) => JSON.parse(r.body).authentication.nonce;
const pathId = (r) => r.path.split("/").at(-2);

describe("retryExecutions", () => {
  test("executionIds: duplicates in any case are retried once, each with its own session; results in input order", async () => {
    const c = ctx("r-dup");
    const events = [];
    const result = await retryExecutions(c.conn({
      executionIds: [TIMED_OUT, FAILED.toUpperCase(), TIMED_OUT.toUpperCase(), FAILED, TERMINATED],
      onProgress: (e) => events.push(e),
    }));
    assert.deepEqual(result.retried.map((e) => e.id), [TIMED_OUT, FAILED, TERMINATED]);
    assert.deepEqual(result.failed, []);
    for (const e of result.retried) assert.equal(e.status, "RUNNING");
    const retries = c.log("retry");
    assert.deepEqual(retries.map(pathId).sort(), [FAILED, TIMED_OUT, TERMINATED].sort(), "each execution retried once, lower-case");
    const sessions = c.log("sessions");
    assert.equal(sessions.length, 3, "one session per execution");
    for (const s of sessions) assert.deepEqual(JSON.parse(s.body), { items: [{ tokenExchange: true }] });
    const nonces = retries.map(retryNonce);
    assert.equal(new Set(nonces).size, 3, "no nonce twice");
    assert.equal(events.length, 3, "onProgress once per finished execution");
    assert.deepEqual(events.map((e) => e.done), [1, 2, 3]);
    assert.ok(events.every((e) => e.total === 3));
    assert.deepEqual(events.map((e) => e.executionId).sort(), [FAILED, TIMED_OUT, TERMINATED].sort());
    for (const e of events) {
      assert.equal(e.execution.id, e.executionId);
      assert.ok(!("error" in e) || e.error === undefined);
    }
  });

  test("retried and failed keep the input order whatever order they finish in", async () => {
    const c = ctx("r-order");
    // The first ones are slow: they finish last.
    c.script([
      { on: "retry", path: `/workflows/executions/${COMPLETED}/retry`, delayMs: 400 },
      { on: "retry", path: `/workflows/executions/${FAILED}/retry`, delayMs: 300 },
      { on: "retry", path: `/workflows/executions/${MISSING}/retry`, delayMs: 200 },
    ]);
    const events = [];
    const ids = [COMPLETED, FAILED, MISSING, TIMED_OUT, RUNNING, TERMINATED];
    const result = await retryExecutions(c.conn({ executionIds: ids, concurrency: 6, onProgress: (e) => events.push(e) }));
    assert.deepEqual(result.retried.map((e) => e.id), [FAILED, TIMED_OUT, TERMINATED]);
    assert.deepEqual(result.failed.map((f) => f.executionId), [COMPLETED, MISSING, RUNNING]);
    const [completed, missing, running] = result.failed.map((f) => f.error);
    for (const e of [completed, missing, running]) {
      assert.ok(isCdfError(e));
      assert.equal(e.kind, "api");
      assert.equal(e.operation, "retryExecution");
      assertNoSecrets(e, [TOKEN]);
    }
    assert.equal(completed.status, 400);
    assert.equal(missing.status, 404);
    assert.equal(running.status, 400);
    assert.equal(events.length, 6);
    assert.deepEqual(events.map((e) => e.done), [1, 2, 3, 4, 5, 6]);
    const byId = Object.fromEntries(events.map((e) => [e.executionId, e]));
    assert.equal(byId[MISSING].error.status, 404);
    assert.ok(!byId[MISSING].execution);
    assert.equal(byId[FAILED].execution.id, FAILED);
    assert.equal(events.at(-1).executionId, COMPLETED, "the slowest finished last");
  });

  test("concurrency: at most `concurrency` retries in flight at the mock (default 4)", async () => {
    for (const [concurrency, n, expected] of [[3, 8, 3], [undefined, 9, 4], [1, 3, 1], [16, 12, 12]]) {
      const c = ctx("r-conc");
      c.script({ on: "retry", delayMs: 150, times: 50 });
      const ids = retryableIds(c, n);
      assert.equal(ids.length, n);
      const result = await retryExecutions(c.conn({ executionIds: ids, concurrency }));
      assert.equal(result.retried.length, n);
      const s = c.stats();
      assert.equal(s.maxInFlight.retry, expected, `concurrency ${concurrency}: max in flight ${s.maxInFlight.retry}`);
      assert.ok(s.maxInFlight.all <= expected, `sessions and retries together stay within ${expected}: ${s.maxInFlight.all}`);
    }
  });

  test("no nonce is sent twice across the batch, ambiguous failures included", async () => {
    const c = ctx("r-nonce");
    const before = server.control("GET", "/stats").body;
    c.script([
      { on: "retry", process: true, status: 503, headers: { "retry-after": "0" } },
      { on: "retry", status: 502, headers: { "retry-after": "0" } },
      { on: "retry", reset: true },
    ]);
    const ids = retryableIds(c, 6);
    const result = await retryExecutions(c.conn({ executionIds: ids, concurrency: 3 }));
    const nonces = c.log("retry").map(retryNonce);
    assert.equal(new Set(nonces).size, nonces.length, "every retry request carries a new nonce");
    assert.equal(c.log("sessions").length, nonces.length, "one session per retry request");
    const after = server.control("GET", "/stats").body;
    assert.equal(after.nonceReuseAttempts, before.nonceReuseAttempts);
    assert.equal(result.retried.length + result.failed.length, 6);
    // The processed 503 left its execution RUNNING: its fresh retry is refused (400), never resent with the bound nonce.
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].error.status, 400);
    const perId = {};
    for (const r of c.log("retry")) perId[pathId(r)] = (perId[pathId(r)] ?? 0) + 1;
    assert.ok(Object.values(perId).every((n) => n <= 2));
  });

  test("a session answering a nonce the batch already sent fails that execution; the nonce is not sent again", async () => {
    const c = ctx("r-same");
    const nonce = c.mintNonce();
    const session = { on: "sessions", status: 200, body: { items: [{ id: 1, type: "TOKEN_EXCHANGE", status: "READY", nonce }] }, times: 2 };
    c.script(session);
    const result = await retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], concurrency: 1 }));
    assert.deepEqual(result.retried.map((e) => e.id), [FAILED]);
    assert.equal(result.failed.length, 1);
    const [{ executionId, error }] = result.failed;
    assert.equal(executionId, TIMED_OUT);
    assert.equal(error.kind, "invalid_response");
    assert.equal(error.operation, "createSession");
    assertNoSecrets(error, [nonce, TOKEN]);
    const sent = c.log("retry").map(retryNonce);
    assert.deepEqual(sent, [nonce], "sent once");
  });

  test("two concurrent sessions answering the same nonce: it is sent once", async () => {
    const c = ctx("r-same2");
    const nonce = c.mintNonce();
    c.script({ on: "sessions", delayMs: 50, status: 200, body: { items: [{ id: 1, type: "TOKEN_EXCHANGE", status: "READY", nonce }] }, times: 2 });
    const result = await retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], concurrency: 2 }));
    assert.equal(c.stats().maxInFlight.sessions, 2, "the sessions overlapped");
    assert.deepEqual(c.log("retry").map(retryNonce), [nonce], "sent once");
    assert.equal(result.retried.length, 1);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].error.kind, "invalid_response");
    assert.equal(result.failed[0].error.operation, "createSession");
  });

  test("clientCredentials: every session by client credentials; the secret never shows", async () => {
    const SECRET = "test-secret-batch-SECRET-42";
    const c = ctx("r-cc");
    c.script({ on: "retry", status: 400, body: { error: { code: 400, message: `echo ${SECRET} ${TOKEN}` } } });
    const result = await retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], concurrency: 1, clientCredentials: { clientId: "test-client-b", clientSecret: SECRET } }));
    for (const s of c.log("sessions")) assert.deepEqual(JSON.parse(s.body), { items: [{ clientId: "test-client-b", clientSecret: SECRET }] });
    assert.equal(result.retried.length, 1);
    assert.equal(result.failed.length, 1);
    assertNoSecrets(result.failed[0].error, [SECRET, TOKEN]);
  });

  test("nonces echoed by CDF never show in a failed execution's error", async () => {
    const c = ctx("r-echo");
    const nonce = c.mintNonce();
    c.script([
      { on: "sessions", status: 200, body: { items: [{ id: 1, type: "TOKEN_EXCHANGE", status: "READY", nonce }] } },
      { on: "retry", status: 400, body: { error: { code: 400, message: `Failed to bind nonce ${nonce}`, nonce } }, headers: { "x-request-id": nonce } },
    ]);
    const result = await retryExecutions(c.conn({ executionIds: [FAILED] }));
    assert.equal(result.failed.length, 1);
    const { error } = result.failed[0];
    assert.equal(error.kind, "api");
    assert.equal(error.requestId, undefined);
    assertNoSecrets(error, [nonce, TOKEN]);
  });

  test("a token the provider returned for another execution of the batch never shows in an error", async () => {
    const c = ctx("r-rotate");
    let n = 0;
    const token = () => `test-token-rotating-SECRET-${++n}`;
    c.script({ on: "retry", path: `/workflows/executions/${TIMED_OUT}/retry`, status: 400, body: { error: { code: 400, message: "seen test-token-rotating-SECRET-1 and test-token-rotating-SECRET-2" } } });
    const result = await retryExecutions(c.conn({ token, executionIds: [FAILED, TIMED_OUT], concurrency: 1 }));
    assert.equal(n, 2, "the provider was asked once per execution");
    assert.deepEqual(result.retried.map((e) => e.id), [FAILED]);
    assert.equal(result.failed.length, 1);
    assertNoSecrets(result.failed[0].error, ["test-token-rotating-SECRET-1", "test-token-rotating-SECRET-2"]);
  });

  test("timeoutMs and maxRetries apply to each execution", async () => {
    const c = ctx("r-each");
    c.script({ on: "retry", path: `/workflows/executions/${FAILED}/retry`, hang: true });
    const t0 = Date.now();
    const result = await retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT, TERMINATED], concurrency: 1, timeoutMs: 600 }));
    assert.ok(Date.now() - t0 < 3000);
    assert.deepEqual(result.retried.map((e) => e.id), [TIMED_OUT, TERMINATED], "the others were not cut by the first one's deadline");
    assert.equal(result.failed[0].executionId, FAILED);
    assert.equal(result.failed[0].error.kind, "timeout");

    const c2 = ctx("r-max");
    c2.script({ on: "retry", status: 429, headers: { "retry-after": "0" }, times: 3 });
    const r2 = await retryExecutions(c2.conn({ executionIds: [FAILED, TIMED_OUT], concurrency: 1, maxRetries: 1 }));
    assert.equal(r2.failed.length, 1);
    assert.equal(r2.failed[0].executionId, FAILED);
    assert.equal(r2.failed[0].error.status, 429);
    assert.equal(r2.failed[0].error.attempts, 3, "session + 2 retries");
    assert.deepEqual(r2.retried.map((e) => e.id), [TIMED_OUT]);
  });

  test("filter: lists (status defaults to FAILED, TIMED_OUT, TERMINATED), retries in list order", async () => {
    const c = ctx("r-filter");
    const expected = retryableIds(c, 4);
    const events = [];
    const result = await retryExecutions(c.conn({ filter: { limit: 4 }, concurrency: 2, onProgress: (e) => events.push(e) }));
    const [list] = c.log("list");
    const body = JSON.parse(list.body);
    assert.deepEqual([...body.filter.status].sort(), [...RETRYABLE].sort());
    assert.equal(body.limit, 4);
    assert.deepEqual(result.retried.map((e) => e.id), expected);
    assert.equal(events.length, 4);
    assert.ok(events.every((e) => e.total === 4));

    const c2 = ctx("r-filter2");
    const expected2 = c2.executions().filter((e) => e.status === "TIMED_OUT" && e.workflowExternalId === "hourly-sync").map((e) => e.id);
    assert.ok(expected2.length > 0);
    const r2 = await retryExecutions(c2.conn({ filter: { status: ["TIMED_OUT"], workflows: ["hourly-sync"] } }));
    assert.deepEqual(JSON.parse(c2.log("list")[0].body).filter, { workflowFilters: [{ externalId: "hourly-sync" }], status: ["TIMED_OUT"] });
    assert.deepEqual(r2.retried.map((e) => e.id), expected2);

    // An empty listing: nothing to do.
    const c3 = ctx("r-filter3");
    const r3 = await retryExecutions(c3.conn({ filter: { createdTimeStart: 0, createdTimeEnd: 0 } }));
    assert.deepEqual(r3, { retried: [], failed: [] });
    assert.deepEqual(c3.log("sessions"), []);
  });

  test("a listing failure rejects the call; nothing is retried", async () => {
    const c = ctx("r-listfail");
    c.script({ on: "list", status: 403 });
    const e = await rejection(retryExecutions(c.conn({ filter: {} })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 403);
    assert.equal(e.operation, "listExecutions");
    assert.deepEqual(c.log("retry"), []);
    assert.deepEqual(c.log("sessions"), []);

    const c2 = ctx("r-listbad");
    c2.script(page([item(0, { status: 1 })]));
    const e2 = await rejection(retryExecutions(c2.conn({ filter: {} })));
    assert.equal(e2.kind, "invalid_response");
    assert.equal(e2.field, "items[0].status");
    assert.deepEqual(c2.log("sessions"), []);
  });

  test("abort mid-batch: unfinished ones fail with kind aborted, none starts after, onProgress not called for them", async () => {
    const c = ctx("r-abort");
    c.script({ on: "retry", delayMs: 500, times: 20 });
    const ids = retryableIds(c, 6);
    const ac = new AbortController();
    const events = [];
    let abortedAt = 0;
    const onProgress = (e) => {
      events.push(e);
      if (e.done === 2) {
        setTimeout(() => {
          abortedAt = Date.now();
          ac.abort(new Error("user stop"));
        }, 150);
      }
    };
    const result = await retryExecutions(c.conn({ executionIds: ids, concurrency: 2, signal: ac.signal, onProgress }));
    const settledAfter = Date.now() - abortedAt;
    assert.ok(abortedAt > 0, "aborted");
    assert.ok(settledAfter < 400, `settled ${settledAfter} ms after the abort`);
    assert.deepEqual(result.retried.map((e) => e.id), ids.slice(0, 2));
    assert.deepEqual(result.failed.map((f) => f.executionId), ids.slice(2), "in input order");
    for (const { error } of result.failed) {
      assert.ok(isCdfError(error));
      assert.equal(error.kind, "aborted");
    }
    assert.equal(events.length, 2, "onProgress only for the finished ones");
    await sleep(700);
    const started = new Set(c.log("retry").map(pathId));
    assert.ok(!started.has(ids[4]) && !started.has(ids[5]), "the waiting ones never started");
    assert.equal(c.log("sessions").length, 4, "no session after the abort");
  });

  test("a signal aborted before the call rejects with kind aborted and sends nothing; so does an abort while listing", async () => {
    for (const targets of [{ executionIds: [FAILED] }, { filter: {} }]) {
      const c = ctx("r-ab0");
      const e = await rejection(retryExecutions(c.conn({ ...targets, signal: AbortSignal.abort("early") })));
      assert.equal(e.kind, "aborted");
      assert.deepEqual(c.log(), []);
    }
    const c = ctx("r-ablist");
    c.script({ on: "list", hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const e = await rejection(retryExecutions(c.conn({ filter: {}, signal: ac.signal })));
    assert.equal(e.kind, "aborted");
    assert.deepEqual(c.log("sessions"), []);
  });

  test("filter: an execution the listing returns twice (any case) is retried once", async () => {
    const c = ctx("r-listdup");
    c.script([page([item(0, { id: FAILED }), item(1, { id: TIMED_OUT })], "c1"), page([item(2, { id: FAILED.toUpperCase() })])]);
    const events = [];
    const result = await retryExecutions(c.conn({ filter: {}, onProgress: (e) => events.push(e) }));
    assert.deepEqual(result.retried.map((e) => e.id), [FAILED, TIMED_OUT]);
    assert.equal(c.log("retry").length, 2);
    assert.deepEqual(events.map((e) => e.total), [2, 2]);
  });

  test("an abort from inside onProgress: nothing starts after it", async () => {
    const c = ctx("r-syncabort");
    const ids = retryableIds(c, 6);
    const ac = new AbortController();
    const events = [];
    const result = await retryExecutions(c.conn({
      executionIds: ids,
      concurrency: 2,
      signal: ac.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.done === 1) ac.abort();
      },
    }));
    assert.equal(events.length, 1);
    assert.equal(result.retried.length, 1);
    assert.equal(result.failed.length, 5);
    assert.ok(result.failed.every((f) => f.error.kind === "aborted"));
    assert.deepEqual([...result.retried.map((e) => e.id), ...result.failed.map((f) => f.executionId)].sort(), [...ids].sort());
    await sleep(100);
    assert.ok(c.log("sessions").length <= 2, "no session after the abort");
    assert.ok(c.log("retry").length <= 2);
  });

  test("a throwing onProgress is ignored", async () => {
    const c = ctx("r-throw");
    let calls = 0;
    const result = await retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], onProgress: () => { calls++; throw new Error("ignored"); } }));
    assert.equal(result.retried.length, 2);
    assert.equal(calls, 2);
  });

  test("validation: nonce refused, exactly one of executionIds / filter, statuses, concurrency, callbacks", async () => {
    const c = ctx("r-val");
    const ids = [FAILED];
    for (const [extra, field] of [
      [{ executionIds: ids, nonce: "abc" }, "nonce"],
      [{ executionIds: ids, filter: {} }, "executionIds"],
      [{}, "executionIds"],
      [{ executionIds: undefined, filter: undefined }, "executionIds"],
      [{ executionIds: [] }, "executionIds"],
      [{ executionIds: Array(1001).fill(FAILED) }, "executionIds"],
      [{ executionIds: FAILED }, "executionIds"],
      [{ executionIds: [FAILED, "nope"] }, /^executionIds/],
      [{ executionIds: [FAILED, 5] }, /^executionIds/],
      [{ executionId: FAILED }, "executionId"],
      [{ filter: { status: ["RUNNING"] } }, /status/],
      [{ filter: { status: ["COMPLETED"] } }, /status/],
      [{ filter: { status: ["FAILED", "FAILED"] } }, /status/],
      [{ filter: { status: [] } }, /status/],
      [{ filter: { stauts: ["FAILED"] } }, /stauts/],
      [{ filter: { limit: 0 } }, /limit/],
      [{ filter: { createdTimeStart: 5, createdTimeEnd: 4 } }, /createdTime/],
      [{ filter: { workflows: [] } }, /workflows/],
      [{ filter: "FAILED" }, "filter"],
      [{ filter: null }, "filter"],
      [{ executionIds: ids, concurrency: 0 }, "concurrency"],
      [{ executionIds: ids, concurrency: 17 }, "concurrency"],
      [{ executionIds: ids, concurrency: 2.5 }, "concurrency"],
      [{ executionIds: ids, onProgress: "x" }, "onProgress"],
      [{ executionIds: ids, onRetry: 1 }, "onRetry"],
      [{ executionIds: ids, clientCredentials: { clientId: "a" } }, /^clientCredentials/],
      [{ executionIds: ids, clientCredentials: { clientId: "", clientSecret: "s" } }, "clientCredentials.clientId"],
      [{ executionIds: ids, pollIntervalMs: 100 }, "pollIntervalMs"],
      [{ executionIds: ids, timeoutMs: -1 }, "timeoutMs"],
    ]) {
      assertRefused(await rejection(retryExecutions(c.conn(extra))), field, c);
    }
    // A key set to undefined counts as absent, a refused or unknown one included.
    const c3 = ctx("r-undef");
    const r3 = await retryExecutions(c3.conn({ executionIds: [FAILED], nonce: undefined, filter: undefined, concurrency: undefined, onProgress: undefined, executionID: undefined }));
    assert.equal(r3.retried.length, 1);
    const g = await getExecution(c3.conn({ executionId: TIMED_OUT, status: undefined, nonce: undefined }));
    assert.equal(g.id, TIMED_OUT);
    // 1000 ids (with duplicates) are accepted: the duplicates collapse.
    const c2 = ctx("r-1000");
    const many = Array.from({ length: 1000 }, (_, i) => (i % 2 ? FAILED : FAILED.toUpperCase()));
    const r = await retryExecutions(c2.conn({ executionIds: many }));
    assert.deepEqual(r.retried.map((e) => e.id), [FAILED]);
    assert.equal(c2.log("retry").length, 1);
  });
});

// ───────────────────────────────────────────────────── clientCredentialsToken

describe("clientCredentialsToken", () => {
  const SECRET = "test-secret-cc-SECRET-9e1f";
  const tp = (c, extra = {}) => clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: SECRET, ...extra });
  const tokenRequests = (c) => c.log("token");

  test("returns a function at once; no request until it is called", async () => {
    const c = ctx("t-fn");
    const provider = tp(c);
    assert.equal(typeof provider, "function");
    assert.equal(typeof clientCredentialsToken({ nonsense: true }), "function", "even for bad options");
    assert.equal(typeof clientCredentialsToken(null), "function");
    await sleep(50);
    assert.deepEqual(tokenRequests(c), []);
    const token = await provider();
    assert.match(token, /^mock-at-/);
  });

  test("invalid options reject the first call and every later one with invalid_input, before any request", async () => {
    const c = ctx("t-bad");
    const good = { tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: SECRET };
    for (const [options, field] of [
      [null, "options"],
      ["https://login.example.com/token", "options"],
      [{ ...good, clientSecert: SECRET }, "clientSecert"],
      [{ ...good, tokenUrl: undefined }, "tokenUrl"],
      [{ ...good, tokenUrl: "http://login.example.com/token" }, "tokenUrl"],
      [{ ...good, tokenUrl: "not a url" }, "tokenUrl"],
      [{ ...good, tokenUrl: 5 }, "tokenUrl"],
      [{ ...good, clientId: "" }, "clientId"],
      [{ ...good, clientId: undefined }, "clientId"],
      [{ ...good, clientSecret: "" }, "clientSecret"],
      [{ ...good, clientSecret: 42 }, "clientSecret"],
      [{ ...good, scopes: "a b" }, /^scopes/],
      [{ ...good, scopes: ["ok", ""] }, /^scopes/],
      [{ ...good, scopes: ["has space"] }, /^scopes/],
      [{ ...good, audience: "" }, "audience"],
      [{ ...good, audience: 7 }, "audience"],
      [{ ...good, leewaySeconds: -1 }, "leewaySeconds"],
      [{ ...good, leewaySeconds: 3601 }, "leewaySeconds"],
      [{ ...good, leewaySeconds: 1.5 }, "leewaySeconds"],
      [{ ...good, leewaySeconds: "30" }, "leewaySeconds"],
    ]) {
      const provider = clientCredentialsToken(options);
      for (const call of [() => provider(), () => provider({ forceRefresh: true }), () => provider()]) {
        const e = await rejection(call());
        assertRefused(e, field);
        assertNoSecrets(e, [SECRET]);
      }
    }
    assert.deepEqual(tokenRequests(c), []);
  });

  test("the form body, exactly; only Accept and the form Content-Type headers", async () => {
    const c = ctx("t-form");
    const secret = "test-secret-a&b=c+d %/é";
    await clientCredentialsToken({
      tokenUrl: c.tokenUrl,
      clientId: "test-client-x y",
      clientSecret: secret,
      scopes: ["https://westeurope-1.cognitedata.com/.default", "offline_access"],
      audience: "https://aud.example.com/api?x=1",
    })();
    const [req] = tokenRequests(c);
    assert.equal(req.method, "POST");
    assert.equal(req.path, `/oauth2/${c.p}/token`);
    assert.deepEqual([...new URLSearchParams(req.body)], [
      ["grant_type", "client_credentials"],
      ["client_id", "test-client-x y"],
      ["client_secret", secret],
      ["scope", "https://westeurope-1.cognitedata.com/.default offline_access"],
      ["audience", "https://aud.example.com/api?x=1"],
    ]);
    assert.deepEqual(own(req.headers), { accept: "application/json", "content-type": "application/x-www-form-urlencoded" });

    const c2 = ctx("t-form2");
    await tp(c2)();
    const [req2] = tokenRequests(c2);
    assert.equal(req2.body, `grant_type=client_credentials&client_id=test-client-cc&client_secret=${SECRET}`);
    assert.deepEqual(own(req2.headers), { accept: "application/json", "content-type": "application/x-www-form-urlencoded" });
  });

  test("caching: the token is reused until expires_in minus the leeway", async () => {
    // expires_in as a number, as a numeric string, absent (3600), with the default leeway (30).
    for (const [expiresIn, leewaySeconds] of [[2, 1], ["2", 1], [null, 3599], [31, undefined]]) {
      const c = ctx("t-cache");
      c.oauth({ expiresIn });
      const provider = tp(c, { leewaySeconds });
      const a = await provider();
      const b = await provider();
      const d = await provider({ forceRefresh: false });
      assert.equal(b, a, `cached (expires_in ${JSON.stringify(expiresIn)})`);
      assert.equal(d, a);
      assert.equal(tokenRequests(c).length, 1);
      await sleep(1250);
      const e = await provider();
      assert.notEqual(e, a, `refreshed after expires_in - leeway (expires_in ${JSON.stringify(expiresIn)})`);
      assert.equal(tokenRequests(c).length, 2);
    }
    // A token within the leeway is never reused.
    const c = ctx("t-nocache");
    c.oauth({ expiresIn: 30 });
    const provider = tp(c);
    assert.notEqual(await provider(), await provider());
    assert.equal(tokenRequests(c).length, 2);
    // The default lifetime: reused for a long while.
    const c2 = ctx("t-long");
    const p2 = tp(c2);
    assert.equal(await p2(), await p2());
    assert.equal(tokenRequests(c2).length, 1);
  });

  test("single flight: 20 concurrent callers share one token request", async () => {
    const c = ctx("t-flight");
    c.script({ on: "token", delayMs: 200 });
    const provider = tp(c);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => provider(i % 2 ? { forceRefresh: false } : undefined)));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(c.stats().requests.token, 1);
    assert.equal(c.stats().maxInFlight.token, 1);
  });

  test("forceRefresh fetches a new token, unless one is in flight", async () => {
    const c = ctx("t-force");
    const provider = tp(c);
    const a = await provider();
    const b = await provider({ forceRefresh: true });
    assert.notEqual(b, a);
    assert.equal(await provider(), b, "the new one is cached");
    assert.equal(tokenRequests(c).length, 2);

    const c2 = ctx("t-force2");
    c2.script({ on: "token", delayMs: 200 });
    const p2 = tp(c2);
    const [x, y, z] = await Promise.all([p2(), p2({ forceRefresh: true }), p2({ forceRefresh: true })]);
    assert.equal(x, y);
    assert.equal(y, z);
    assert.equal(tokenRequests(c2).length, 1, "joined the request in flight");
  });

  test("an OAuth error: kind api, status, code = the OAuth error, message from error_description (redacted), operation getToken", async () => {
    const c = ctx("t-oauth");
    c.script({ on: "token", status: 400, body: { error: "invalid_scope", error_description: `The scope is not valid for secret ${SECRET}`, error_uri: "https://x" } });
    const e = await rejection(tp(c, { scopes: ["bad"] })());
    assert.equal(e.kind, "api");
    assert.equal(e.status, 400);
    assert.equal(e.code, "invalid_scope");
    assert.equal(e.operation, "getToken");
    assert.match(e.message, /The scope is not valid for secret/);
    assert.equal(e.retryable, false);
    assertNoSecrets(e, [SECRET]);
    assert.equal(tokenRequests(c).length, 1);

    // The mock refusing unknown credentials.
    const c2 = ctx("t-oauth2");
    const bad = "bad-secret-SECRET-0000";
    const e2 = await rejection(clientCredentialsToken({ tokenUrl: c2.tokenUrl, clientId: "nobody", clientSecret: bad })());
    assert.equal(e2.kind, "api");
    assert.equal(e2.status, 401);
    assert.equal(e2.code, "invalid_client");
    assert.equal(e2.operation, "getToken");
    assert.match(e2.message, /Client authentication failed/);
    assertNoSecrets(e2, [bad]);
    assert.equal(tokenRequests(c2).length, 1, "a 401 is not retried");

    // A failed request is not cached: the next call asks again.
    const c3 = ctx("t-oauth3");
    c3.script({ on: "token", status: 400, body: { error: "invalid_request", error_description: "once" } });
    const p3 = tp(c3);
    await rejection(p3());
    assert.match(await p3(), /^mock-at-/);
  });

  test("a 2xx without a usable access_token is invalid_response", async () => {
    for (const body of [{ token_type: "Bearer", expires_in: 3600 }, { access_token: "", expires_in: 3600 }, { access_token: 42 }, { access_token: "has space" }, { access_token: null }, []]) {
      const c = ctx("t-noat");
      c.script({ on: "token", status: 200, body });
      const e = await rejection(tp(c)());
      assert.equal(e.kind, "invalid_response", JSON.stringify(body));
      assert.equal(e.operation, "getToken");
      assert.equal(typeof e.field, "string");
      assert.equal(tokenRequests(c).length, 1);
    }
    const c = ctx("t-html");
    c.script({ on: "token", status: 200, body: `<html>${SECRET}</html>`, headers: { "content-type": "text/html" } });
    const e = await rejection(tp(c)());
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "body");
    assertNoSecrets(e, [SECRET]);
  });

  test("retried by the read-only rules (at most 3 retries); 503, 429 and network failures", async () => {
    for (const step of [{ status: 503, headers: { "retry-after": "0" } }, { status: 429, headers: { "retry-after": "0" } }, { reset: true }]) {
      const c = ctx("t-retry");
      c.script({ on: "token", ...step });
      assert.match(await tp(c)(), /^mock-at-/);
      assert.equal(tokenRequests(c).length, 2, JSON.stringify(step));
    }
    const c = ctx("t-retry4");
    c.script({ on: "token", status: 503, headers: { "retry-after": "0" }, times: 10 });
    const e = await rejection(tp(c)());
    assert.equal(e.kind, "api");
    assert.equal(e.status, 503);
    assert.equal(e.code, "temporarily_unavailable");
    assert.equal(e.attempts, 4);
    assert.equal(tokenRequests(c).length, 4);
  });

  test("used as the token of the other calls; a 401 makes the call ask it with forceRefresh", async () => {
    const c = ctx("t-use");
    const provider = tp(c);
    const items = await listExecutions(c.conn({ token: provider }));
    assert.ok(items.length > 0);
    const token = await provider();
    assert.equal(c.log("list")[0].headers.authorization, `Bearer ${token}`);
    const details = await getExecution(c.conn({ token: provider, executionId: FAILED }));
    assert.equal(details.id, FAILED);
    const waited = await waitForExecution(c.conn({ token: provider, executionId: TIMED_OUT }));
    assert.equal(waited.status, "TIMED_OUT");
    const batch = await retryExecutions(c.conn({ token: provider, executionIds: [FAILED] }));
    assert.equal(batch.retried.length, 1);
    for (const r of c.log().filter((r) => r.op !== "token")) assert.equal(r.headers.authorization, `Bearer ${token}`, r.op);
    assert.equal(tokenRequests(c).length, 1, "one token for all of them");

    // Revoked tokens: the API answers 401, the call asks again with forceRefresh, which fetches a new one.
    c.revoke();
    const again = await listExecutions(c.conn({ token: provider, limit: 1 }));
    assert.equal(again.length, 1);
    assert.equal(tokenRequests(c).length, 2);
    const fresh = await provider();
    assert.notEqual(fresh, token);
    assert.equal(c.log("list").at(-1).headers.authorization, `Bearer ${fresh}`);
  });

  test("a token it issued earlier never shows in a later getToken error", async () => {
    const c = ctx("t-prev");
    const provider = tp(c);
    const first = await provider();
    c.script({ on: "token", status: 400, body: { error: "invalid_grant", error_description: `token ${first} was revoked` } });
    const e = await rejection(provider({ forceRefresh: true }));
    assert.equal(e.kind, "api");
    assert.equal(e.operation, "getToken");
    assertNoSecrets(e, [first, SECRET]);
  });

  test("concurrent callers of a failing request all get its error; the next call asks again", async () => {
    const c = ctx("t-flightfail");
    c.script({ on: "token", status: 401, delayMs: 100 });
    const provider = tp(c);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => provider()));
    assert.ok(results.every((r) => r.status === "rejected" && isCdfError(r.reason) && r.reason.kind === "api" && r.reason.status === 401));
    assert.equal(c.stats().requests.token, 1);
    assert.match(await provider(), /^mock-at-/);
    assert.equal(c.stats().requests.token, 2);
  });

  test("a redirect from the token URL is not followed (the client secret goes nowhere else)", async () => {
    const c = ctx("t-3xx");
    const elsewhere = ctx("t-3xx-other");
    c.script({ on: "token", status: 307, headers: { location: elsewhere.tokenUrl } });
    const e = await rejection(tp(c)());
    assert.equal(e.kind, "api");
    assert.equal(e.status, 307);
    assert.equal(e.operation, "getToken");
    assert.equal(tokenRequests(c).length, 1);
    assert.deepEqual(elsewhere.log(), []);
  });

  test("a hanging token request: the calls using it end at their own deadline or abort", async () => {
    const c = ctx("t-hang");
    c.script({ on: "token", hang: true });
    const provider = tp(c);
    const t0 = Date.now();
    const e = await rejection(listExecutions(c.conn({ token: provider, timeoutMs: 300 })));
    assert.equal(e.kind, "timeout");
    assert.ok(Date.now() - t0 < 1500);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e2 = await rejection(getExecution(c.conn({ token: provider, executionId: FAILED, signal: ac.signal })));
    assert.equal(e2.kind, "aborted");
    assert.equal(c.log("list").length + c.log("get").length, 0);
  });

  test("a provider with bad options passes its CdfError through the call", async () => {
    const c = ctx("t-pass");
    const bad = clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "x", clientSecret: "" });
    const e = await rejection(listExecutions(c.conn({ token: bad })));
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.field, "clientSecret");
    assert.deepEqual(c.log(), []);
  });

  test("tokens it issued never show in the errors of the calls that use them", async () => {
    const c = ctx("t-secret");
    const provider = tp(c);
    const token = await provider();
    c.script({ on: "get", status: 403, body: { error: { code: 403, message: `token ${token} lacks access; secret ${SECRET}` } } });
    const e = await rejection(getExecution(c.conn({ token: provider, executionId: FAILED })));
    assert.equal(e.status, 403);
    assertNoSecrets(e, [token]);
  });
});

// ───────────────────────────────────────────────────────── robustness, types

describe("robustness of the 0.2 calls", () => {
  /** `o` with every key behind a getter that counts its reads. */
  const counting = (o) => {
    const counts = {};
    const obj = {};
    for (const [k, v] of Object.entries(o)) {
      counts[k] = 0;
      Object.defineProperty(obj, k, { enumerable: true, get: () => (counts[k]++, v) });
    }
    return { obj, counts };
  };

  test("the options object is read once: each getter runs at most once", async () => {
    const c = ctx("x-once");
    const calls = [
      [listExecutions, { status: ["FAILED"], limit: 2, onRetry: () => {}, appName: "a", timeoutMs: 5000, maxRetries: 1 }],
      [getExecution, { executionId: FAILED, signal: new AbortController().signal }],
      [waitForExecution, { executionId: FAILED, pollIntervalMs: 100, onProgress: () => {} }],
      [retryExecutions, { executionIds: [TIMED_OUT], concurrency: 2, onProgress: () => {} }],
      [retryExecutions, { filter: { limit: 1 }, clientCredentials: { clientId: "test-client-1", clientSecret: "test-secret-1" } }],
    ];
    for (const [fn, extra] of calls) {
      const { obj, counts } = counting(c.conn(extra));
      await fn(obj);
      for (const [k, n] of Object.entries(counts)) assert.ok(n <= 1, `${fn.name}: ${k} read ${n} times`);
    }
    const { obj, counts } = counting({ tokenUrl: c.tokenUrl, clientId: "test-client-1", clientSecret: "test-secret-1", scopes: ["a"], leewaySeconds: 10 });
    const provider = clientCredentialsToken(obj);
    await provider();
    await provider({ forceRefresh: true });
    await provider();
    for (const [k, n] of Object.entries(counts)) assert.ok(n <= 1, `clientCredentialsToken: ${k} read ${n} times`);
  });

  test("hostile options settle as invalid_input; clientCredentialsToken never throws at once", async () => {
    const c = ctx("x-hostile");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwing = (key) => Object.defineProperty(c.conn(), key, { enumerable: true, get() { throw new Error("getter boom"); } });
    for (const fn of [listExecutions, getExecution, waitForExecution, retryExecutions]) {
      assertRefused(await rejection(fn(proxy)), "options", c);
      assertRefused(await rejection(fn(throwing("project"))), "project", c);
    }
    assertRefused(await rejection(retryExecutions(c.conn({ filter: { get status() { throw new Error("x"); } } }))), /^filter/, c);
    for (const options of [proxy, { tokenUrl: c.tokenUrl, get clientId() { throw new Error("getter boom"); } }, undefined, 42]) {
      let provider;
      assert.doesNotThrow(() => (provider = clientCredentialsToken(options)));
      assert.equal(typeof provider, "function");
      const e = await rejection(provider());
      assert.equal(e.kind, "invalid_input");
    }
    assert.deepEqual(c.log(), []);
  });

  test("a patched fetch that rejects with a string or resolves with a plain object gives kind network", async () => {
    const c = ctx("x-fetch");
    const original = globalThis.fetch;
    try {
      globalThis.fetch = () => Promise.reject("boom");
      let e = await rejection(listExecutions(c.conn({ maxRetries: 0 })));
      assert.equal(e.kind, "network");
      assert.equal(e.operation, "listExecutions");
      globalThis.fetch = () => Promise.resolve({ status: 200, json: async () => ({}) });
      e = await rejection(getExecution(c.conn({ executionId: FAILED, maxRetries: 0 })));
      assert.equal(e.kind, "network");
      e = await rejection(clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "test-client-1", clientSecret: "test-secret-1" })());
      assert.equal(e.kind, "network");
      assert.equal(e.operation, "getToken");
      const batch = await retryExecutions(c.conn({ executionIds: [FAILED], maxRetries: 0 }));
      assert.equal(batch.failed[0].error.kind, "network");
    } finally {
      globalThis.fetch = original;
    }
    assert.equal((await listExecutions(c.conn({ limit: 1 }))).length, 1, "the next call works");
  });

  test("many calls share one AbortSignal: no listener left behind, no warning", async () => {
    const c = ctx("x-signal");
    const { getEventListeners } = await import("node:events");
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const ac = new AbortController();
      const calls = [];
      for (let i = 0; i < 100; i++) {
        calls.push(getExecution(c.conn({ executionId: FAILED, signal: ac.signal })));
        calls.push(listExecutions(c.conn({ limit: 1, signal: ac.signal })));
        calls.push(waitForExecution(c.conn({ executionId: TIMED_OUT, signal: ac.signal })));
      }
      for (let i = 0; i < 20; i++) calls.push(retryExecutions(c.conn({ executionIds: [COMPLETED, MISSING], signal: ac.signal })));
      const results = await Promise.allSettled(calls);
      assert.ok(results.every((r) => r.status === "fulfilled"), "all succeeded");
      assert.equal(getEventListeners(ac.signal, "abort").length, 0);
      await sleep(10);
      assert.deepEqual(warnings.map(String), []);
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("every 0.2 error is a real Error named CdfError, recognised by isCdfError, with attempts and retryable", async () => {
    const c = ctx("x-err");
    c.script({ on: "list", status: 500 });
    const errors = [
      await rejection(listExecutions(c.conn())),
      await rejection(getExecution(c.conn({ executionId: MISSING }))),
      await rejection(waitForExecution(c.conn({ executionId: "x" }))),
      await rejection(retryExecutions(c.conn({ nonce: "n", executionIds: [FAILED] }))),
      await rejection(clientCredentialsToken({})()),
      (await retryExecutions(c.conn({ executionIds: [COMPLETED] }))).failed[0].error,
    ];
    for (const e of errors) {
      assert.ok(e instanceof Error);
      assert.ok(isCdfError(e));
      assert.equal(e.name, "CdfError");
      assert.match(e.stack, /CdfError/);
      assert.equal(String(e), `CdfError: ${e.message}`);
      assert.equal(typeof e.retryable, "boolean");
      assert.equal(typeof e.attempts, "number");
      assert.ok(!e.message.includes("\n"), "one line");
    }
  });
});

describe("TypeScript declarations of 0.2", () => {
  test("the contract's types and calls type-check against pkg/index.d.ts (tsc --strict, no skipLibCheck)", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { spawnSync } = await import("node:child_process");
    const dir = mkdtempSync(join(tmpdir(), "cdf-v2-types-"));
    try {
      const entry = join(pkgDir, "index.js");
      writeFileSync(join(dir, "consumer.ts"), `
import { listExecutions, getExecution, waitForExecution, retryExecutions, clientCredentialsToken, isCdfError } from ${JSON.stringify(entry)};
import type { WorkflowExecution, WorkflowExecutionDetails, TaskExecution, RetryExecutionsResult, TokenProvider } from ${JSON.stringify(entry)};
export async function demo(): Promise<void> {
  const token: TokenProvider = clientCredentialsToken({ tokenUrl: "https://login.example.com/t/oauth2/v2.0/token", clientId: "id", clientSecret: "s", scopes: ["https://api.cognitedata.com/.default"], audience: "a", leewaySeconds: 30 });
  const t1: string = await token();
  const t2: string = await token({ forceRefresh: true });
  const conn = { project: "p-1", cluster: "api", token };
  const list: WorkflowExecution[] = await listExecutions({ ...conn, workflows: ["wf", { externalId: "wf", version: "1" }], status: ["FAILED"], createdTimeStart: 0, createdTimeEnd: 1, limit: 10 });
  const d: WorkflowExecutionDetails = await getExecution({ ...conn, executionId: "x" });
  const task: TaskExecution | undefined = d.executedTasks[0];
  const parts: [string, string | undefined, Record<string, unknown>[], Record<string, unknown> | undefined] = [d.workflowDefinition.hash, d.workflowDefinition.description, d.workflowDefinition.tasks, d.input];
  const taskParts = task ? [task.id, task.externalId, task.status, task.taskType, task.input, task.output, task.parentTaskExternalId] : [];
  const w: WorkflowExecutionDetails = await waitForExecution({ ...conn, executionId: "x", pollIntervalMs: 1000, onProgress: (x) => void x.executedTasks });
  const r: RetryExecutionsResult = await retryExecutions({ ...conn, executionIds: ["x"], concurrency: 4, onProgress: (e) => void [e.done, e.total, e.executionId, e.execution?.id, e.error?.kind] });
  const r2 = await retryExecutions({ ...conn, filter: { status: ["FAILED", "TIMED_OUT"], limit: 5 }, clientCredentials: { clientId: "a", clientSecret: "b" } });
  const first: WorkflowExecution | undefined = r.retried[0];
  const failed = r2.failed[0];
  if (failed) void [failed.executionId, failed.error.kind];
  try {
    await getExecution({ ...conn, executionId: "x" });
  } catch (e) {
    if (isCdfError(e)) {
      if (e.operation === "getToken" && e.code === "invalid_client") console.log("oauth");
      if (e.operation === "listExecutions" || e.operation === "getExecution") console.log(e.status);
    }
  }
  void [t1, t2, list, parts, taskParts, w, first];
}
`);
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "dom"], types: [], module: "esnext", moduleResolution: "bundler", exactOptionalPropertyTypes: true },
        files: ["consumer.ts"],
      }));
      const tsc = join(pkgDir, "..", "node_modules", ".bin", "tsc");
      const r = spawnSync(tsc, ["-p", join(dir, "tsconfig.json"), "--pretty", "false"], { encoding: "utf8" });
      assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
