// Tests of the mock's cancel endpoint (0.3): POST /api/v1/projects/{p}/workflows/executions/{id}/cancel.
// Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import { SEED_EXECUTIONS } from "./server.mjs";
import { startMock } from "./index.mjs";
import {
  ASSET, COMPLETED, FAILED, GET_HEADERS, POST_HEADERS, RUNNING, TERMINATED, TIMED_OUT, UNKNOWN,
  api, assertCdfError, call, cancel, ctl, executions, getExecution, list, retry, sleep, withServer,
} from "./helpers.mjs";

const RESPONSE_KEYS = [
  "id", "workflowExternalId", "version", "status", "engineExecutionId", "createdTime", "startTime", "endTime",
  "reasonForIncompletion", "metadata",
];
const statusOf = (mock, project, id) => executions(mock, project).find((e) => e.id === id).status;

test("cancel: a RUNNING execution ends TERMINATED at once, with the reason; GET, list and control agree", async (t) => {
  const mock = await withServer(t);
  const before = Date.now();
  const r = await cancel(mock, "p", RUNNING, { reason: "Stopped: wrong input file" });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.ok(r.headers.get("x-request-id"));
  const seed = SEED_EXECUTIONS.find((e) => e.id === RUNNING);
  // WorkflowExecutionResponse: the seed's fields, status TERMINATED, an endTime, the reason; documented order.
  assert.deepEqual(r.json, { ...seed, status: "TERMINATED", endTime: r.json.endTime, reasonForIncompletion: "Stopped: wrong input file" });
  assert.deepEqual(Object.keys(r.json), RESPONSE_KEYS.filter((k) => k in r.json));
  assert.ok(r.json.endTime >= before && r.json.endTime <= Date.now(), "endTime: now");

  const d = (await getExecution(mock, "p", RUNNING)).json;
  assert.equal(d.status, "TERMINATED");
  assert.equal(d.reasonForIncompletion, "Stopped: wrong input file");
  assert.equal(d.endTime, r.json.endTime);
  // The task that was running is CANCELED and ends with the execution; the one before stays COMPLETED.
  assert.deepEqual(d.executedTasks.map((x) => [x.externalId, x.status]), [["extract-sap", "COMPLETED"], ["load-assets", "CANCELED"]]);
  const cancelled = d.executedTasks[1];
  assert.equal(cancelled.endTime, d.endTime);
  assert.match(cancelled.reasonForIncompletion, /Canceled/);
  const item = (await list(mock, "p", { filter: { status: ["TERMINATED"] } })).json.items.find((e) => e.id === RUNNING);
  assert.deepEqual(item, r.json);
  assert.equal(statusOf(mock, "p", RUNNING), "TERMINATED");
  // TERMINATED can be retried; other projects are untouched.
  assert.equal((await retry(mock, "p", RUNNING)).status, 200);
  assert.equal((await getExecution(mock, "other", RUNNING)).json.status, "RUNNING");
});

test("cancel: without a reason (body {}, no body at all, or an empty JSON body) the reason is \"cancelled\"", async (t) => {
  const mock = await withServer(t, { generatedExecutions: 60 });
  const running = executions(mock, "p").filter((e) => e.status === "RUNNING").map((e) => e.id);
  assert.ok(running.length >= 3, `${running.length} RUNNING executions`);
  const noContentType = { ...POST_HEADERS };
  delete noContentType["content-type"];
  const answers = [
    await cancel(mock, "p", running[0], {}),
    await cancel(mock, "p", running[1], null, noContentType), // no body, no Content-Type
    await cancel(mock, "p", running[2], null), // no body, Content-Type application/json
  ];
  for (const [i, r] of answers.entries()) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, running[i]);
    assert.equal(r.json.status, "TERMINATED");
    assert.equal(r.json.reasonForIncompletion, "cancelled");
  }
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=cancel").requests.map((e) => [e.body, e.status]), [["{}", 200], ["", 200], ["", 200]]);
});

test("cancel: a retried execution's run ends TERMINATED; its pending end is dropped; the retried task is CANCELED", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 150 });
  assert.equal((await retry(mock, "p", FAILED)).status, 200);
  const retried = executions(mock, "p").find((e) => e.id === FAILED);
  assert.equal(retried.endsAs, "COMPLETED");
  const r = await cancel(mock, "p", FAILED, { reason: "Superseded by a newer run" });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, "TERMINATED");
  const after = executions(mock, "p").find((e) => e.id === FAILED);
  assert.deepEqual([after.status, after.endsAt, after.endsAs, after.retries], ["TERMINATED", null, null, 1]);
  await sleep(200);
  const d = (await getExecution(mock, "p", FAILED)).json;
  assert.equal(d.status, "TERMINATED", "the retry's outcome no longer applies");
  assert.equal(d.reasonForIncompletion, "Superseded by a newer run");
  const task = d.executedTasks.find((x) => x.externalId === "load-assets");
  assert.equal(task.status, "CANCELED");
  assert.ok(task.startTime >= d.startTime && task.endTime === d.endTime);
  // An outcome set for it later ends nothing: it is not running.
  ctl(mock, "POST", "/projects/p/outcomes", { [FAILED]: "FAILED" });
  assert.equal(statusOf(mock, "p", FAILED), "TERMINATED");
});

test("cancel: an execution that already ended gets 400 by default; whenEnded \"unchanged\" answers it as it is", async (t) => {
  const mock = await withServer(t);
  for (const id of [COMPLETED, FAILED, TIMED_OUT, TERMINATED]) {
    const status = SEED_EXECUTIONS.find((e) => e.id === id).status;
    const r = await cancel(mock, "p", id, { reason: "too late" });
    assertCdfError(r, 400, new RegExp(`^Execution ${id} is ${status} and cannot be cancelled: it has already ended$`));
    assert.equal(statusOf(mock, "p", id), status, "unchanged");
  }
  // Cancelling twice: the second one finds it ended.
  assert.equal((await cancel(mock, "p", RUNNING)).status, 200);
  assertCdfError(await cancel(mock, "p", RUNNING), 400, /is TERMINATED and cannot be cancelled/);

  assert.deepEqual(ctl(mock, "GET", "/projects/p/cancel"), { whenEnded: "error" });
  assert.deepEqual(ctl(mock, "POST", "/projects/p/cancel", { whenEnded: "unchanged" }), { whenEnded: "unchanged" });
  const items = (await list(mock, "p", {})).json.items;
  for (const id of [COMPLETED, FAILED, RUNNING]) {
    const r = await cancel(mock, "p", id, { reason: "again" });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, items.find((e) => e.id === id), "the execution as it is: status and reason unchanged");
  }
  assert.equal((await getExecution(mock, "p", RUNNING)).json.reasonForIncompletion, "cancelled", "the first cancel's reason stays");
  // Checked; per project; reset back to the default.
  for (const bad of [{ whenEnded: "ignore" }, { whenEnded: null }, { other: 1 }, []]) ctl(mock, "POST", "/projects/p/cancel", bad, 400);
  ctl(mock, "POST", "/projects/p/cancel", "{", 400);
  assert.deepEqual(ctl(mock, "POST", "/projects/p/cancel", {}), { whenEnded: "unchanged" }, "{} changes nothing");
  assert.deepEqual(ctl(mock, "GET", "/projects/q/cancel"), { whenEnded: "error" });
  ctl(mock, "DELETE", "/projects/p", undefined, 204);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/cancel"), { whenEnded: "error" });
});

test("cancel: unknown id 404 with missing; not a UUID 400; the id matched case-insensitively", async (t) => {
  const mock = await withServer(t);
  const missing = await cancel(mock, "p", UNKNOWN);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { error: { code: 404, message: "Workflow execution not found", missing: [{ id: UNKNOWN }] } });
  const upper = await cancel(mock, "p", RUNNING.toUpperCase(), { reason: "x" });
  assert.equal(upper.status, 200, upper.text);
  assert.equal(upper.json.id, RUNNING);
  for (const id of ["not-a-uuid", "5555", `${RUNNING}0`, "%ZZ"]) {
    assertCdfError(await cancel(mock, "p", id), 400, /Invalid executionId/);
  }
});

test("cancel: the body is {} or {\"reason\": 1 to 500 characters without NUL}; anything else 400 and nothing changes", async (t) => {
  const mock = await withServer(t);
  for (const [body, pattern] of [
    [{ reason: "" }, /reason must be 1 to 500 characters/],
    [{ reason: "x".repeat(501) }, /reason must be 1 to 500 characters/],
    [{ reason: "a\u0000b" }, /NUL/],
    [{ reason: 42 }, /reason must be a string/],
    [{ reason: null }, /reason must be a string/],
    [{ reason: "ok", force: true }, /Unexpected field "force"/],
    [[], /must be a JSON object/],
    ["null", /must be a JSON object/],
    ["{", /Invalid JSON/],
  ]) {
    assertCdfError(await cancel(mock, "p", RUNNING, body), 400, pattern);
  }
  // Unknown ids are checked after the body.
  assertCdfError(await cancel(mock, "p", UNKNOWN, { reason: "" }), 400, /reason/);
  assert.equal(statusOf(mock, "p", RUNNING), "RUNNING");
  // 500 characters are code points: 500 emoji (1000 UTF-16 units) are fine.
  const emoji = "\u{1F6D1}".repeat(500);
  const r = await cancel(mock, "p", RUNNING, { reason: emoji });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.reasonForIncompletion, emoji);
});

test("cancel: auth, method, headers as for every endpoint; logged and counted as op cancel; preflight allows POST", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", `/workflows/executions/${RUNNING}/cancel`);
  const without = (name) => Object.fromEntries(Object.entries(POST_HEADERS).filter(([k]) => k !== name));
  assertCdfError(await cancel(mock, "p", RUNNING, {}, without("authorization")), 401, /^Unauthorized$/);
  assertCdfError(await cancel(mock, "p", RUNNING, {}, { ...POST_HEADERS, authorization: "Bearer expired-1" }), 401);
  const get = await call(url, { headers: GET_HEADERS });
  assertCdfError(get, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  assertCdfError(await cancel(mock, "p", RUNNING, {}, without("x-cdp-sdk")), 400, /x-cdp-sdk/);
  assertCdfError(await cancel(mock, "p", RUNNING, {}, { ...POST_HEADERS, accept: "*/*" }), 400, /Accept/);
  assertCdfError(await cancel(mock, "p", RUNNING, {}, { ...POST_HEADERS, "content-type": "text/plain" }), 400, /Content-Type/);
  assertCdfError(await cancel(mock, "p", RUNNING, "{}", without("content-type")), 400, /Content-Type/, "a body needs its Content-Type");
  assert.equal(statusOf(mock, "p", RUNNING), "RUNNING", "none of them cancelled it");
  assert.equal((await cancel(mock, "p", RUNNING, { reason: "r" }, { ...POST_HEADERS, authorization: "Bearer test-token-9" })).status, 200);

  const log = ctl(mock, "GET", "/projects/p/log?op=cancel").requests;
  assert.deepEqual(log.map((e) => e.status), [401, 401, 405, 400, 400, 400, 400, 200]);
  assert.equal(log.at(-1).body, '{"reason":"r"}');
  assert.equal(log.at(-1).path, `/api/v1/projects/p/workflows/executions/${RUNNING}/cancel`);
  assert.equal(ctl(mock, "GET", "/projects/p/stats").requests.cancel, 8);
  const pre = await call(url, { method: "OPTIONS", headers: { origin: "http://app.test", "access-control-request-method": "POST" } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get("access-control-allow-methods"), /\bPOST\b/);
  assert.equal(ctl(mock, "GET", "/projects/p/log?op=cancel").requests.length, 8, "preflights are not logged");
});

test("cancel: fault injection: scripted statuses, process then a lost answer, auto-retryable headers, reset, delays", async (t) => {
  const mock = await withServer(t, { generatedExecutions: 60 });
  const running = executions(mock, "p").filter((e) => e.status === "RUNNING").map((e) => e.id);
  const script = (steps) => ctl(mock, "POST", "/projects/p/script", steps);

  // 429 with Retry-After, then 503: not processed, the execution still runs.
  script([{ on: "cancel", status: 429, headers: { "retry-after": "1" } }, { on: "cancel", status: 503 }]);
  const limited = await cancel(mock, "p", running[0]);
  assertCdfError(limited, 429, /^Scripted 429$/);
  assert.equal(limited.headers.get("retry-after"), "1");
  assertCdfError(await cancel(mock, "p", running[0]), 503);
  assert.equal(statusOf(mock, "p", running[0]), "RUNNING");

  // Processed, but the answer is a 502: the execution is TERMINATED; the client's retry then finds it ended.
  script({ on: "cancel", process: true, status: 502, body: "<html>Bad gateway</html>", headers: { "content-type": "text/html" } });
  const lost = await cancel(mock, "p", running[0], { reason: "first try" });
  assert.equal(lost.status, 502);
  assert.equal(lost.text, "<html>Bad gateway</html>");
  assert.equal(statusOf(mock, "p", running[0]), "TERMINATED");
  assertCdfError(await cancel(mock, "p", running[0], { reason: "second try" }), 400, /already ended/);

  // A pass-through step adds cdf-is-auto-retryable to the real answer; one by path only matches that execution.
  script([
    { on: "cancel", status: 503, headers: { "cdf-is-auto-retryable": "true" } },
    { on: "cancel", headers: { "cdf-is-auto-retryable": "false" } },
    { path: `/workflows/executions/${running[2]}/cancel`, status: 500 },
  ]);
  const auto = await cancel(mock, "p", running[1]);
  assertCdfError(auto, 503);
  assert.equal(auto.headers.get("cdf-is-auto-retryable"), "true");
  assert.equal(auto.headers.get("access-control-expose-headers").includes("cdf-is-auto-retryable"), true);
  const passed = await cancel(mock, "p", running[1]);
  assert.equal(passed.status, 200, passed.text);
  assert.equal(passed.headers.get("cdf-is-auto-retryable"), "false");
  assertCdfError(await cancel(mock, "p", running[2]), 500);
  assert.equal(statusOf(mock, "p", running[2]), "RUNNING");

  // reset: no answer at all; nothing processed.
  script({ on: "cancel", reset: true });
  await assert.rejects(cancel(mock, "p", running[2]));
  assert.equal(statusOf(mock, "p", running[2]), "RUNNING");

  // Delayed cancels overlap: counted in flight as op cancel.
  script({ on: "cancel", delayMs: 100, times: 2 });
  const both = await Promise.all([cancel(mock, "p", running[2]), cancel(mock, "p", running[3])]);
  assert.deepEqual(both.map((r) => r.status), [200, 200]);
  const stats = ctl(mock, "GET", "/projects/p/stats");
  assert.equal(stats.maxInFlight.cancel, 2);
  assert.equal(stats.inFlight.cancel, 0);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=cancel").requests.map((e) => e.status),
    [429, 503, 502, 400, 503, 200, 500, null, 200, 200]);
  // Steps for other operations never touch a cancel.
  script({ on: "retry", status: 418 });
  assert.equal((await cancel(mock, "p", ASSET)).status, 400);
  assert.equal(ctl(mock, "GET", "/projects/p/script").steps.length, 1);
});

test("startMock: script(\"cancel\"), setCancelSettings, and executionIds.running to cancel", async (t) => {
  const mock = await startMock({ generatedExecutions: 10 });
  t.after(() => mock.close());
  const id = mock.executionIds.running[0];
  const url = `${mock.url}/api/v1/projects/${mock.project}/workflows/executions/${id}/cancel`;
  const headers = { ...POST_HEADERS, authorization: `Bearer ${mock.token}` };
  assert.deepEqual(mock.script("cancel", { status: 503 }), { queued: 1, added: 1 });
  assert.equal((await call(url, { method: "POST", headers, body: "{}" })).status, 503);
  const r = await call(url, { method: "POST", headers, body: JSON.stringify({ reason: "test" }) });
  assert.equal(r.status, 200, r.text);
  assert.equal(mock.status(id), "TERMINATED");
  assert.equal((await call(url, { method: "POST", headers, body: "{}" })).status, 400);
  assert.deepEqual(mock.setCancelSettings({ whenEnded: "unchanged" }), { whenEnded: "unchanged" });
  const again = await call(url, { method: "POST", headers, body: "{}" });
  assert.equal(again.status, 200);
  assert.equal(again.json.reasonForIncompletion, "test");
  assert.throws(() => mock.setCancelSettings({ whenEnded: "sometimes" }), /whenEnded must be one of/);
  assert.deepEqual(mock.log({ op: "cancel" }).map((e) => e.status), [503, 200, 400, 200]);
  assert.equal(mock.stats().requests.cancel, 4);
});
