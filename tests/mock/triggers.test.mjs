// Tests of the mock's trigger history endpoint (0.3):
// GET /api/v1/projects/{p}/workflows/triggers/{triggerExternalId}/history?limit=&cursor=
// and its control calls. Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import { startMock } from "./index.mjs";
import {
  FAILED, GET_HEADERS, POST_HEADERS, TIMED_OUT, UUID, api, assertCdfError, call, ctl, getExecution, rawRequest, withServer,
} from "./helpers.mjs";

const RUN_KEYS = ["externalId", "fireTime", "workflowExternalId", "workflowVersion", "status", "workflowExecutionId", "reasonForFailure"];
const SEEDED = ["asset-hierarchy-on-upload", "backfill-monthly", "hourly-sync-hourly", "nightly-ingest-schedule", "quality-checks/daily pumps"];

/** GET the history of `trigger` (encoded here) with an optional query string. */
function history(mock, project, trigger, query = "", headers = GET_HEADERS) {
  return call(api(mock, project, `/workflows/triggers/${encodeURIComponent(trigger)}/history${query}`), { headers });
}

/** Every page of a trigger's history, following nextCursor. */
async function allPages(mock, project, trigger, limit) {
  const items = [];
  const cursors = [];
  let cursor;
  do {
    const q = new URLSearchParams();
    if (limit !== undefined) q.set("limit", String(limit));
    if (cursor !== undefined) q.set("cursor", cursor);
    const r = await history(mock, project, trigger, q.size ? `?${q}` : "");
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.nextCursor;
    if (cursor !== undefined) cursors.push(cursor);
  } while (cursor !== undefined);
  return { items, cursors };
}

const isNewestFirst = (items) => items.every((x, i) => i === 0 || items[i - 1].fireTime >= x.fireTime);
const failures = (items) => {
  const counts = {};
  for (const x of items.filter((r) => r.status === "failed")) counts[x.reasonForFailure] = (counts[x.reasonForFailure] ?? 0) + 1;
  return counts;
};

test("history: a seeded trigger's runs, newest first, in the API's shape; successes name their execution, failures their reason", async (t) => {
  const mock = await withServer(t);
  const r = await history(mock, "p", "nightly-ingest-schedule");
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.ok(r.headers.get("x-request-id"));
  assert.deepEqual(Object.keys(r.json), ["items"], "38 runs fit in the default page: no nextCursor");
  const { items } = r.json;
  assert.equal(items.length, 38);
  assert.ok(isNewestFirst(items));
  for (const run of items) {
    assert.deepEqual(Object.keys(run), RUN_KEYS);
    assert.equal(run.externalId, "nightly-ingest-schedule");
    assert.equal(run.workflowExternalId, "nightly-ingest");
    assert.equal(run.workflowVersion, "v3");
    assert.ok(Number.isSafeInteger(run.fireTime));
    assert.equal(new Date(run.fireTime).toISOString().slice(10), "T02:00:00.000Z", "a daily schedule at 02:00 UTC");
    if (run.status === "success") {
      assert.match(run.workflowExecutionId, UUID);
      assert.equal(run.reasonForFailure, null);
    } else {
      assert.equal(run.status, "failed");
      assert.equal(run.workflowExecutionId, null);
      assert.equal(typeof run.reasonForFailure, "string");
    }
  }
  assert.deepEqual(failures(items), { "Failed to create session: the nonce has expired": 2, "Rate limit exceeded": 1 });
  // The newest run started the seeded FAILED execution: the API has it, created when the trigger fired.
  assert.equal(items[0].workflowExecutionId, FAILED);
  const execution = (await getExecution(mock, "p", FAILED)).json;
  assert.equal(execution.createdTime, items[0].fireTime);
  assert.equal(execution.metadata.trigger, "schedule");
});

test("history: the seeded triggers have a realistic mix; one is empty; one has an id that needs percent-encoding", async (t) => {
  const mock = await withServer(t);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/triggers").items.map((x) => [x.externalId, x.runs, x.failed]), [
    ["asset-hierarchy-on-upload", 12, 4],
    ["backfill-monthly", 0, 0],
    ["hourly-sync-hourly", 155, 9],
    ["nightly-ingest-schedule", 38, 3],
    ["quality-checks/daily pumps", 8, 1],
  ]);
  const hourly = (await allPages(mock, "p", "hourly-sync-hourly", 1000)).items;
  assert.deepEqual(failures(hourly), { "Workflow version 3 not found": 6, "Rate limit exceeded": 3 });
  assert.ok(hourly.filter((x) => x.reasonForFailure === "Workflow version 3 not found").every((x) => x.workflowVersion === "3"));
  assert.equal(hourly.find((x) => x.workflowExecutionId === TIMED_OUT)?.fireTime, Date.UTC(2026, 2, 10, 9));
  const upload = (await history(mock, "p", "asset-hierarchy-on-upload")).json.items;
  assert.deepEqual(failures(upload), { "Rate limit exceeded": 3, "Failed to create session: the nonce has expired": 1 });
  assert.deepEqual((await history(mock, "p", "backfill-monthly")).json, { items: [] });
  // The path segment is percent-decoded: "/" and " " travel as %2F and %20.
  const quality = await call(api(mock, "p", "/workflows/triggers/quality-checks%2Fdaily%20pumps/history?limit=3"), { headers: GET_HEADERS });
  assert.equal(quality.status, 200, quality.text);
  assert.equal(quality.json.items.length, 3);
  assert.ok(quality.json.items.every((x) => x.externalId === "quality-checks/daily pumps"));
  const lower = await call(api(mock, "p", "/workflows/triggers/quality-checks%2fdaily%20pumps/history?limit=3"), { headers: GET_HEADERS });
  assert.deepEqual(lower.json.items, quality.json.items, "lower-case hex too");
});

test("history: limit and nextCursor page through every run once; cursors are opaque, reusable, bound to the trigger", async (t) => {
  const mock = await withServer(t);
  const first = await history(mock, "p", "hourly-sync-hourly");
  assert.equal(first.json.items.length, 100, "default limit 100");
  assert.match(first.json.nextCursor, /^[A-Za-z0-9_-]{32}$/);
  const all = (await history(mock, "p", "hourly-sync-hourly", "?limit=1000")).json;
  assert.equal(all.items.length, 155);
  assert.ok(!("nextCursor" in all), "limit 1000 takes them all");
  assert.ok(isNewestFirst(all.items));
  const second = await history(mock, "p", "hourly-sync-hourly", `?cursor=${first.json.nextCursor}`);
  assert.deepEqual([...first.json.items, ...second.json.items], all.items);
  assert.ok(!("nextCursor" in second.json));

  const { items, cursors } = await allPages(mock, "p", "hourly-sync-hourly", 40);
  assert.deepEqual(items, all.items);
  assert.equal(cursors.length, 3, "40 + 40 + 40 + 35");
  // A cursor can be used again (and the limit may change between pages).
  const again = await history(mock, "p", "hourly-sync-hourly", `?limit=5&cursor=${encodeURIComponent(cursors[1])}`);
  assert.deepEqual(again.json.items, all.items.slice(80, 85));
  const exact = await history(mock, "p", "hourly-sync-hourly", "?limit=155");
  assert.ok(!("nextCursor" in exact.json), "exactly limit runs left: no cursor");
  // Runs fired in the same millisecond keep one order, across pages too.
  const upload = (await history(mock, "p", "asset-hierarchy-on-upload")).json.items;
  assert.deepEqual((await allPages(mock, "p", "asset-hierarchy-on-upload", 1)).items, upload);
  const tied = upload.filter((x) => x.fireTime === Date.UTC(2026, 2, 5, 10, 0, 1, 250));
  assert.deepEqual(tied.map((x) => x.status), ["success", "failed"]);

  assertCdfError(await history(mock, "p", "hourly-sync-hourly", "?cursor=nope"), 400, /^Invalid cursor$/);
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule", `?cursor=${cursors[0]}`), 400, /another trigger/);
  assertCdfError(await history(mock, "q", "hourly-sync-hourly", `?cursor=${cursors[0]}`), 400, /^Invalid cursor$/, "cursors are per project");
  const listCursor = (await call(api(mock, "p", "/workflows/executions/list"), { method: "POST", headers: POST_HEADERS, body: '{"limit":1}' })).json.nextCursor;
  assertCdfError(await history(mock, "p", "hourly-sync-hourly", `?cursor=${listCursor}`), 400, /^Invalid cursor$/, "not a list cursor");
});

test("history: a bad limit, cursor or query parameter is a 400; so is a bad trigger id; an unknown trigger 404", async (t) => {
  const mock = await withServer(t);
  for (const limit of ["0", "1001", "-1", "1.5", "abc", "", "1e2", " 5", "99999999"]) {
    assertCdfError(await history(mock, "p", "nightly-ingest-schedule", `?limit=${encodeURIComponent(limit)}`), 400, /^limit must be an integer from 1 to 1000$/);
  }
  assert.equal((await history(mock, "p", "nightly-ingest-schedule", "?limit=1")).json.items.length, 1);
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule", "?limit=5&limit=6"), 400, /"limit" is repeated/);
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule", "?status=failed"), 400, /Unexpected query parameter "status"/);
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule", "?cursor="), 400, /cursor must be a non-empty string/);

  const missing = await history(mock, "p", "no-such-trigger");
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { error: { code: 404, message: 'Trigger "no-such-trigger" not found', missing: [{ externalId: "no-such-trigger" }] } });
  assertCdfError(await history(mock, "p", "Nightly-Ingest-Schedule"), 404, /not found/, "external ids are case-sensitive");
  for (const [raw, pattern] of [
    ["%20nightly-ingest-schedule", /leading or trailing whitespace/],
    ["nightly-ingest-schedule%09", /leading or trailing whitespace/],
    ["a%00b", /NUL/],
    ["x".repeat(256), /1 to 255 characters/],
    ["", /1 to 255 characters/],
    ["%E0%A4%A", /malformed percent-encoding/],
  ]) {
    assertCdfError(await call(api(mock, "p", `/workflows/triggers/${raw}/history`), { headers: GET_HEADERS }), 400, pattern);
  }
  // A bad id is refused before the query is looked at; an unknown trigger after it.
  assertCdfError(await call(api(mock, "p", "/workflows/triggers/%20x/history?limit=0"), { headers: GET_HEADERS }), 400, /whitespace/);
  assertCdfError(await history(mock, "p", "no-such-trigger", "?limit=0"), 400, /limit/);
});

test("history: auth, method, headers as for every endpoint; logged and counted as op triggerRuns", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", "/workflows/triggers/nightly-ingest-schedule/history?limit=2");
  const noAuth = { ...GET_HEADERS };
  delete noAuth.authorization;
  assertCdfError(await call(url, { headers: noAuth }), 401, /^Unauthorized$/);
  const posted = await call(url, { method: "POST", headers: POST_HEADERS, body: "{}" });
  assertCdfError(posted, 405);
  assert.equal(posted.headers.get("allow"), "GET, OPTIONS");
  assertCdfError(await call(url, { headers: { ...GET_HEADERS, "content-type": "application/json" } }), 400, /Content-Type/);
  const withBody = await rawRequest(url, { headers: { ...GET_HEADERS, "content-length": "2" }, body: "{}" });
  assert.equal(withBody.status, 400);
  assertCdfError(await call(url, { headers: { ...GET_HEADERS, "x-cdp-sdk": "curl/8" } }), 400, /x-cdp-sdk/);
  const ok = await call(url, { headers: { ...GET_HEADERS, authorization: "Bearer test-token-x" } });
  assert.equal(ok.status, 200);
  const log = ctl(mock, "GET", "/projects/p/log?op=triggerRuns").requests;
  assert.deepEqual(log.map((e) => [e.method, e.status]), [["GET", 401], ["POST", 405], ["GET", 400], ["GET", 400], ["GET", 400], ["GET", 200]]);
  assert.equal(log.at(-1).path, "/api/v1/projects/p/workflows/triggers/nightly-ingest-schedule/history?limit=2", "the raw target, query included");
  assert.equal(ctl(mock, "GET", "/projects/p/stats").requests.triggerRuns, 6);
  // Another path below /triggers is not this endpoint.
  assertCdfError(await call(api(mock, "p", "/workflows/triggers/nightly-ingest-schedule"), { headers: GET_HEADERS }), 404, /Unknown API path/);
});

test("history: fault injection: scripted statuses, Retry-After, auto-retryable, truncated bodies, steps by path", async (t) => {
  const mock = await withServer(t);
  const script = (steps) => ctl(mock, "POST", "/projects/p/script", steps);
  script([
    { on: "triggerRuns", status: 429, headers: { "retry-after": "2" } },
    { on: "triggerRuns", status: 503, headers: { "cdf-is-auto-retryable": "true" } },
    { on: "triggerRuns", truncateAfter: 20 },
    { on: "triggerRuns", headers: { "cdf-is-auto-retryable": "false" } },
  ]);
  const limited = await history(mock, "p", "nightly-ingest-schedule");
  assertCdfError(limited, 429, /^Scripted 429$/);
  assert.equal(limited.headers.get("retry-after"), "2");
  const unavailable = await history(mock, "p", "nightly-ingest-schedule");
  assertCdfError(unavailable, 503);
  assert.equal(unavailable.headers.get("cdf-is-auto-retryable"), "true");
  await assert.rejects(history(mock, "p", "nightly-ingest-schedule"), "a body cut short");
  const passed = await history(mock, "p", "nightly-ingest-schedule", "?limit=1");
  assert.equal(passed.status, 200);
  assert.equal(passed.headers.get("cdf-is-auto-retryable"), "false");
  assert.equal(passed.json.items.length, 1);
  // A step's path names the trigger (decoded, query ignored); other triggers pass.
  script({ path: "/workflows/triggers/quality-checks%2Fdaily pumps/history", status: 500 });
  assert.equal((await history(mock, "p", "nightly-ingest-schedule")).status, 200);
  assertCdfError(await history(mock, "p", "quality-checks/daily pumps", "?limit=5"), 500);
  // A scripted page: any body the test wants (an invalid answer for the client to refuse).
  script({ on: "triggerRuns", status: 200, body: { items: [{ externalId: "x", fireTime: "soon" }], nextCursor: 7 } });
  assert.deepEqual((await history(mock, "p", "nightly-ingest-schedule")).json, { items: [{ externalId: "x", fireTime: "soon" }], nextCursor: 7 });
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=triggerRuns").requests.map((e) => e.status), [429, 503, 200, 200, 200, 500, 200]);
});

test("control: add runs (a new trigger or a seeded one), replace them, read them, delete the trigger; reset restores the seed", async (t) => {
  const mock = await withServer(t);
  const add = (trigger, body, status = 200) => ctl(mock, "POST", `/projects/p/triggers/${encodeURIComponent(trigger)}/runs`, body, status);
  const base = Date.UTC(2026, 5, 1);
  assert.deepEqual(add("my trigger", {
    workflowExternalId: "wf", workflowVersion: "7",
    runs: [
      { fireTime: base, status: "success", workflowExecutionId: "e1" },
      { fireTime: base + 2000, status: "failed", reasonForFailure: "Rate limit exceeded", workflowExecutionId: null },
      { fireTime: base + 1000, status: "skipped", workflowVersion: "8" },
      { fireTime: base + 2000, status: "success", workflowExecutionId: "e2", reasonForFailure: null },
    ],
  }), { externalId: "my trigger", runs: 4, added: 4 });
  const page = (await history(mock, "p", "my trigger")).json;
  assert.deepEqual(page, {
    items: [
      { externalId: "my trigger", fireTime: base + 2000, workflowExternalId: "wf", workflowVersion: "7", status: "failed", workflowExecutionId: null, reasonForFailure: "Rate limit exceeded" },
      { externalId: "my trigger", fireTime: base + 2000, workflowExternalId: "wf", workflowVersion: "7", status: "success", workflowExecutionId: "e2", reasonForFailure: null },
      { externalId: "my trigger", fireTime: base + 1000, workflowExternalId: "wf", workflowVersion: "8", status: "skipped" },
      { externalId: "my trigger", fireTime: base, workflowExternalId: "wf", workflowVersion: "7", status: "success", workflowExecutionId: "e1" },
    ],
  }, "newest first, equal times in the order added; fields as given (absent ones absent, null kept), status passed through");
  assert.deepEqual(ctl(mock, "GET", "/projects/p/triggers/my%20trigger/runs").items, page.items);
  // Later runs use the trigger's workflow; replace starts over.
  assert.equal(add("my trigger", { runs: [{ fireTime: base + 5000, status: "success" }] }).runs, 5);
  assert.equal((await history(mock, "p", "my trigger", "?limit=1")).json.items[0].workflowExternalId, "wf");
  assert.equal(add("my trigger", { replace: true, runs: [{ fireTime: 1, status: "failed", reasonForFailure: "x" }] }).runs, 1);
  assert.equal((await history(mock, "p", "my trigger")).json.items.length, 1);
  // Seeded triggers take runs too.
  add("backfill-monthly", { runs: [{ fireTime: Date.UTC(2026, 3, 1), status: "success", workflowExecutionId: "e3" }] });
  assert.equal((await history(mock, "p", "backfill-monthly")).json.items[0].workflowExternalId, "backfill");

  // Checked, all or nothing.
  for (const body of [
    { runs: [{ fireTime: 1, status: "success" }] }, // a new trigger without a workflow
    { workflowExternalId: "wf", runs: [{ fireTime: 1, status: "success" }] }, // ... or a version
    { runs: {} }, {}, { runs: [], extra: 1 }, { runs: [], replace: "yes" }, { workflowExternalId: "", workflowVersion: "1", runs: [] },
  ]) {
    add("new-one", body, 400);
  }
  for (const run of [
    { fireTime: -1, status: "success" }, { fireTime: 1.5, status: "success" }, { fireTime: "1", status: "success" },
    { fireTime: 1, status: "" }, { fireTime: 1 }, { fireTime: 1, status: "success", workflowExecutionId: 5 },
    { fireTime: 1, status: "success", reasonForFailure: {} }, { fireTime: 1, status: "success", externalId: "other" }, "run",
  ]) {
    add("my trigger", { runs: [{ fireTime: 2, status: "success" }, run] }, 400);
  }
  add(" padded", { workflowExternalId: "wf", workflowVersion: "1", runs: [] }, 400);
  ctl(mock, "POST", "/projects/p/triggers/my%20trigger/runs", "[]", 400);
  assert.equal((await history(mock, "p", "my trigger")).json.items.length, 1, "nothing added");
  assert.equal(ctl(mock, "GET", "/projects/p/triggers").items.some((x) => x.externalId === "new-one"), false);

  // Delete; other projects never saw any of it; reset restores the seed.
  ctl(mock, "DELETE", "/projects/p/triggers/nightly-ingest-schedule", undefined, 204);
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule"), 404);
  ctl(mock, "GET", "/projects/p/triggers/nightly-ingest-schedule/runs", undefined, 404);
  assertCdfError(await history(mock, "other", "my trigger"), 404);
  assert.equal((await history(mock, "other", "nightly-ingest-schedule")).json.items.length, 38);
  ctl(mock, "DELETE", "/projects/p", undefined, 204);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/triggers").items.map((x) => x.externalId), SEEDED);
  assert.equal((await history(mock, "p", "backfill-monthly")).json.items.length, 0);
});

test("control: scripted paging answers the cursors given, so a cycle a → b → a can be served; null restores real paging", async (t) => {
  const mock = await withServer(t);
  const paging = (trigger, body, status = 200) => ctl(mock, "POST", `/projects/p/triggers/${encodeURIComponent(trigger)}/paging`, body, status);
  const all = (await history(mock, "p", "nightly-ingest-schedule")).json.items;
  assert.deepEqual(paging("nightly-ingest-schedule", { cursors: ["a", "b", "a"] }), { cursors: ["a", "b", "a"] });
  assert.deepEqual(ctl(mock, "GET", "/projects/p/triggers/nightly-ingest-schedule/paging"), { cursors: ["a", "b", "a"] });
  const page = async (query) => (await history(mock, "p", "nightly-ingest-schedule", query)).json;
  assert.deepEqual(await page("?limit=2"), { items: all.slice(0, 2), nextCursor: "a" });
  assert.deepEqual(await page("?limit=2&cursor=a"), { items: all.slice(2, 4), nextCursor: "b" });
  assert.deepEqual(await page("?limit=2&cursor=b"), { items: all.slice(4, 6), nextCursor: "a" }, "the cycle: a again");
  assert.deepEqual(await page("?limit=2&cursor=a"), { items: all.slice(2, 4), nextCursor: "b" }, "a client that follows it loops");
  assertCdfError(await history(mock, "p", "nightly-ingest-schedule", "?cursor=c"), 400, /^Invalid cursor$/);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/triggers").items.find((x) => x.externalId === "nightly-ingest-schedule").scriptedCursors, ["a", "b", "a"]);

  // A sequence without a cycle ends; a self-loop repeats; cursors go on when the runs are used up.
  paging("quality-checks/daily pumps", { cursors: ["x", "y"] });
  const q = async (query) => (await history(mock, "p", "quality-checks/daily pumps", query)).json;
  assert.equal((await q("?limit=5")).nextCursor, "x");
  assert.deepEqual((await q("?limit=5&cursor=x")).nextCursor, "y");
  const last = await q("?limit=5&cursor=y");
  assert.deepEqual(last, { items: [] }, "8 runs: 5, 3, then none, and no cursor after the last");
  paging("backfill-monthly", { cursors: ["same"] });
  const b = async (query) => (await history(mock, "p", "backfill-monthly", query)).json;
  assert.deepEqual(await b(""), { items: [], nextCursor: "same" });
  assert.deepEqual(await b("?cursor=same"), { items: [] }, "one cursor: two pages");
  paging("backfill-monthly", { cursors: ["same", "same"] });
  assert.deepEqual(await b("?cursor=same"), { items: [], nextCursor: "same" }, "a self-loop");

  // Checked; unknown triggers refused; null goes back to real paging (opaque cursors).
  for (const body of [{ cursors: [] }, { cursors: [""] }, { cursors: [1] }, { cursors: "a" }, {}, { cursors: null, more: 1 }]) {
    paging("nightly-ingest-schedule", body, 400);
  }
  paging("no-such-trigger", { cursors: ["a"] }, 404);
  assert.deepEqual(paging("nightly-ingest-schedule", { cursors: null }), { cursors: null });
  const real = await page("?limit=2");
  assert.match(real.nextCursor, /^[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(real.items, all.slice(0, 2));
});

test("startMock: triggers(), addTriggerRuns, triggerRuns, setTriggerPaging, script(\"triggerRuns\"), log", async (t) => {
  const mock = await startMock();
  t.after(() => mock.close());
  assert.deepEqual(mock.triggers().map((x) => x.externalId), SEEDED);
  const url = (trigger, query = "") =>
    `${mock.url}/api/v1/projects/${mock.project}/workflows/triggers/${encodeURIComponent(trigger)}/history${query}`;
  const headers = { ...GET_HEADERS, authorization: `Bearer ${mock.token}` };
  const runs = Array.from({ length: 2500 }, (_, i) => ({
    fireTime: 1_700_000_000_000 + i * 60_000,
    status: i % 5 === 0 ? "failed" : "success",
    ...(i % 5 === 0 ? { reasonForFailure: "Rate limit exceeded" } : { workflowExecutionId: `exec-${i}` }),
  }));
  assert.equal(mock.addTriggerRuns("bulk", runs, { workflowExternalId: "wf", workflowVersion: "1" }), 2500);
  const first = await call(url("bulk", "?limit=1000"), { headers });
  assert.equal(first.json.items.length, 1000);
  assert.equal(first.json.items[0].workflowExecutionId, "exec-2499");
  assert.equal(mock.triggerRuns("bulk").length, 2500);
  assert.deepEqual(mock.triggers().find((x) => x.externalId === "bulk"), {
    externalId: "bulk", workflowExternalId: "wf", workflowVersion: "1", runs: 2500, failed: 500, scriptedCursors: null,
  });
  assert.deepEqual(mock.setTriggerPaging("bulk", ["a", "b", "a"]), ["a", "b", "a"]);
  assert.equal((await call(url("bulk", "?limit=10&cursor=b"), { headers })).json.nextCursor, "a");
  assert.equal(mock.setTriggerPaging("bulk", null), null);
  assert.throws(() => mock.setTriggerPaging("nope", ["a"]), /Unknown trigger/);
  assert.throws(() => mock.addTriggerRuns("bulk", [{ fireTime: -1, status: "x" }]), /fireTime/);
  assert.throws(() => mock.triggerRuns("nope"), /Unknown trigger/);
  mock.script("triggerRuns", { status: 502 });
  assert.equal((await call(url("quality-checks/daily pumps"), { headers })).status, 502);
  assert.deepEqual(mock.log({ op: "triggerRuns" }).map((e) => e.status), [200, 200, 502]);
  assert.equal(mock.stats().requests.triggerRuns, 3);
});
