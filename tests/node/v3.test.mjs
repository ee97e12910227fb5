// Version 0.3 calls through the built package against the mock CDF server: cancelExecution and
// listTriggerRuns (validation before any traffic, requests, answers, retry rules, paging, the
// status filter, cursor cycles, secrecy).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startMockServer } from "../mock/server.mjs";
import { pkgEntry, isCdfError, project, rejection, errorTexts, FAILED, COMPLETED, mockContext } from "./helpers.mjs";

const lib = await import(pkgEntry);
const TOKEN = "test-token-v3-secret";
const RUNNING = "55555555-5555-4555-8555-555555555555";

let server;
before(async () => {
  server = await startMockServer({ quiet: true });
});
after(() => server?.close());

const ctx = (tag) => mockContext(server, tag, TOKEN);

function assertRefused(e, field, c) {
  assert.ok(isCdfError(e), `not a CdfError: ${e}`);
  assert.equal(e.kind, "invalid_input", e.message);
  assert.equal(e.field, field, e.message);
  assert.equal(e.operation, undefined);
  assert.equal(e.attempts, 0);
  if (c) assert.deepEqual(c.log(), [], "nothing was sent");
}

// ───────────────────────────────────────────── cancelExecution

describe("cancelExecution", () => {
  test("POST …/cancel with {} and the CDF headers; resolves to the TERMINATED execution", async () => {
    const c = ctx("cancel");
    const e = await lib.cancelExecution(c.conn({ executionId: RUNNING.toUpperCase(), appName: "v3 tests" }));
    assert.equal(e.id, RUNNING);
    assert.equal(e.status, "TERMINATED");
    assert.equal(Object.getPrototypeOf(e), Object.prototype);
    const [req] = c.log("cancel");
    assert.equal(req.method, "POST");
    assert.equal(req.path, `/api/v1/projects/${c.p}/workflows/executions/${RUNNING}/cancel`);
    assert.deepEqual(JSON.parse(req.body), {});
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers.accept, "application/json");
    assert.match(req.headers["x-cdp-sdk"], /^cdf-workflow-retry:\d/);
    assert.equal(req.headers["x-cdp-app"], "v3 tests");
  });

  test("a reason is sent as {reason}", async () => {
    const c = ctx("cancel-reason");
    const e = await lib.cancelExecution(c.conn({ executionId: RUNNING, reason: "stuck for 3 days" }));
    assert.equal(e.status, "TERMINATED");
    assert.deepEqual(JSON.parse(c.log("cancel")[0].body), { reason: "stuck for 3 days" });
  });

  test("bad options are invalid_input naming them, before any request", async () => {
    const c = ctx("cancel-bad");
    const cases = [
      [{ executionId: "nope" }, "executionId"],
      [{ executionId: RUNNING, reason: "" }, "reason"],
      [{ executionId: RUNNING, reason: "x".repeat(501) }, "reason"],
      [{ executionId: RUNNING, reason: "a\0b" }, "reason"],
      [{ executionId: RUNNING, reason: 5 }, "reason"],
      [{ executionId: RUNNING, nonce: "n" }, "nonce"],
      [{ executionId: RUNNING, onRetry: 1 }, "onRetry"],
      [{ executionId: RUNNING, timeoutMs: 0 }, "timeoutMs"],
    ];
    for (const [extra, field] of cases) assertRefused(await rejection(lib.cancelExecution(c.conn(extra))), field, c);
    assertRefused(await rejection(lib.cancelExecution(null)), "options");
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assertRefused(await rejection(lib.cancelExecution(c.conn({ executionId: RUNNING, reason: revoked.proxy }))), "reason", c);
    assert.deepEqual(c.log(), []);
  });

  test("an execution that already ended: CDF's error status passes on as kind api", async () => {
    const c = ctx("cancel-ended");
    const e = await rejection(lib.cancelExecution(c.conn({ executionId: COMPLETED })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 400);
    assert.equal(e.operation, "cancelExecution");
    assert.equal(e.retryable, false);
    assert.equal(e.attempts, 1);
  });

  test("an unknown execution: 404 with a hint", async () => {
    const c = ctx("cancel-404");
    const e = await rejection(lib.cancelExecution(c.conn({ executionId: "99999999-9999-4999-8999-999999999999" })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 404);
    assert.match(e.message, /check project and executionId/);
  });

  test("read-only retry rules: 503 and auto-retryable are sent again; 400 is not", async () => {
    const c = ctx("cancel-retry");
    c.script([
      { on: "cancel", status: 503, headers: { "retry-after": "0" } },
      { on: "cancel", status: 500, headers: { "cdf-is-auto-retryable": "true", "retry-after": "0" } },
    ]);
    const events = [];
    const e = await lib.cancelExecution(c.conn({ executionId: RUNNING, onRetry: (ev) => events.push(ev) }));
    assert.equal(e.status, "TERMINATED");
    assert.equal(c.log("cancel").length, 3);
    assert.deepEqual(events.map((ev) => [ev.operation, ev.attempt, ev.newSession]), [
      ["cancelExecution", 1, false],
      ["cancelExecution", 2, false],
    ]);
    assert.equal(c.log("sessions").length, 0, "a cancel creates no session");
  });

  test("a 2xx answer about another execution is invalid_response on id", async () => {
    const c = ctx("cancel-identity");
    c.script({ on: "cancel", status: 200, body: { id: FAILED, workflowExternalId: "wf", status: "TERMINATED", engineExecutionId: FAILED, createdTime: 1, metadata: {} } });
    const e = await rejection(lib.cancelExecution(c.conn({ executionId: RUNNING })));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "id");
    assert.equal(e.operation, "cancelExecution");
  });

  test("a 401 asks a token provider again; the token never shows in errors", async () => {
    const c = ctx("cancel-401");
    c.script({ on: "cancel", status: 401 });
    const asked = [];
    const token = (ctx) => {
      asked.push(ctx.forceRefresh);
      return asked.length === 1 ? "test-token-old-one" : TOKEN;
    };
    const e = await lib.cancelExecution({ ...c.conn({ executionId: RUNNING }), token });
    assert.equal(e.status, "TERMINATED");
    assert.deepEqual(asked, [false, true]);
    c.script({ on: "cancel", status: 500, body: `<html>${TOKEN}</html>` });
    const err = await rejection(lib.cancelExecution(c.conn({ executionId: "66666666-6666-4666-8666-666666666666", maxRetries: 0 })));
    for (const text of errorTexts(err)) assert.ok(!text.includes(TOKEN), text);
  });
});

// ───────────────────────────────────────────── listTriggerRuns

describe("listTriggerRuns", () => {
  test("GET …/history?limit=100 (no body, no Content-Type); runs as CDF lists them, null fields absent", async () => {
    const c = ctx("runs");
    const runs = await lib.listTriggerRuns(c.conn({ triggerExternalId: "nightly-ingest-schedule" }));
    const expected = c.triggerRuns("nightly-ingest-schedule");
    assert.equal(runs.length, expected.length);
    assert.deepEqual(runs.map((r) => r.fireTime), expected.map((r) => r.fireTime));
    for (const r of runs) {
      assert.equal(Object.getPrototypeOf(r), Object.prototype);
      assert.equal(r.externalId, "nightly-ingest-schedule");
      for (const k of ["workflowExecutionId", "reasonForFailure"]) if (k in r) assert.equal(typeof r[k], "string", k);
    }
    const [req] = c.log("triggerRuns");
    assert.equal(req.method, "GET");
    assert.equal(req.path, `/api/v1/projects/${c.p}/workflows/triggers/nightly-ingest-schedule/history?limit=100`);
    assert.equal(req.headers["content-type"], undefined);
    assert.equal(req.body, "");
  });

  test("status: only those runs; limit counts runs after the filter, across pages", async () => {
    const c = ctx("runs-failed");
    const all = c.triggerRuns("hourly-sync-hourly");
    const failed = all.filter((r) => r.status === "failed");
    const got = await lib.listTriggerRuns(c.conn({ triggerExternalId: "hourly-sync-hourly", status: "failed", limit: 10_000 }));
    assert.deepEqual(got.map((r) => r.fireTime), failed.map((r) => r.fireTime));
    assert.ok(got.every((r) => r.status === "failed" && typeof r.reasonForFailure === "string"));
    const two = await lib.listTriggerRuns(c.conn({ triggerExternalId: "hourly-sync-hourly", status: "failed", limit: 2 }));
    assert.equal(two.length, 2);
    assert.ok(c.log("triggerRuns").length >= 2, "more than one page was read");
  });

  test("pages follow nextCursor with limit = min(1000, remaining); the trigger id is percent-encoded", async () => {
    const c = ctx("runs-pages");
    const runs = Array.from({ length: 1500 }, (_, i) => ({ fireTime: 1_700_000_000_000 + i, status: i % 3 ? "success" : "failed" }));
    c.addRuns("a b/c", { runs, workflowExternalId: "wf", workflowVersion: "1" });
    const got = await lib.listTriggerRuns(c.conn({ triggerExternalId: "a b/c", limit: 1200 }));
    assert.equal(got.length, 1200);
    const reqs = c.log("triggerRuns").map((r) => new URL(`http://mock${r.path}`));
    assert.deepEqual(reqs.map((u) => u.pathname), Array(2).fill(`/api/v1/projects/${c.p}/workflows/triggers/a%20b%2Fc/history`));
    assert.deepEqual(reqs.map((u) => u.searchParams.get("limit")), ["1000", "200"]);
    assert.equal(reqs[0].searchParams.get("cursor"), null);
    assert.ok(reqs[1].searchParams.get("cursor"), "the second page sends the first page's cursor");
  });

  test("a cursor cycle a → b → a is invalid_response on nextCursor, no further page", async () => {
    const c = ctx("runs-cycle");
    c.paging("hourly-sync-hourly", ["a", "b", "a", "b"]);
    const e = await rejection(lib.listTriggerRuns(c.conn({ triggerExternalId: "hourly-sync-hourly", limit: 10_000 })));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "nextCursor");
    assert.equal(e.operation, "listTriggerRuns");
    assert.equal(c.log("triggerRuns").length, 3);
  });

  test("an unknown trigger is kind api 404 with a hint; bad options are refused before any request", async () => {
    const c = ctx("runs-bad");
    const e = await rejection(lib.listTriggerRuns(c.conn({ triggerExternalId: "no-such-trigger" })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 404);
    assert.match(e.message, /triggerExternalId/);
    const d = ctx("runs-bad2");
    for (const [extra, field] of [
      [{}, "triggerExternalId"],
      [{ triggerExternalId: "" }, "triggerExternalId"],
      [{ triggerExternalId: " x" }, "triggerExternalId"],
      [{ triggerExternalId: "x".repeat(256) }, "triggerExternalId"],
      [{ triggerExternalId: ".." }, "triggerExternalId"],
      [{ triggerExternalId: "t", status: "" }, "status"],
      [{ triggerExternalId: "t", limit: 0 }, "limit"],
      [{ triggerExternalId: "t", limit: 10_001 }, "limit"],
      [{ triggerExternalId: "t", cursor: "c" }, "cursor"],
    ]) {
      assertRefused(await rejection(lib.listTriggerRuns(d.conn(extra))), field, d);
    }
  });

  test("an item that fails the schema names its path", async () => {
    const c = ctx("runs-schema");
    c.script({ on: "triggerRuns", status: 200, body: { items: [{ externalId: "t", fireTime: -1, workflowExternalId: "wf", workflowVersion: "1", status: "failed" }] } });
    const e = await rejection(lib.listTriggerRuns(c.conn({ triggerExternalId: "t" })));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "items[0].fireTime");
  });

  test("options are read at the call", async () => {
    const c = ctx("runs-reuse");
    const o = c.conn({ triggerExternalId: "nightly-ingest-schedule" });
    const p = lib.listTriggerRuns(o);
    o.triggerExternalId = "hourly-sync-hourly";
    const runs = await p;
    assert.ok(runs.every((r) => r.externalId === "nightly-ingest-schedule"));
  });
});
