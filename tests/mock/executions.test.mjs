// Tests of the mock's executions endpoints (list, get), generated seed and retry outcomes.
// Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { SEED_EXECUTIONS } from "./server.mjs";
import {
  ASSET, COMPLETED, FAILED, GET_HEADERS, NO_VERSION, POST_HEADERS, RUNNING, SEED_TIME, TERMINATED, TIMED_OUT, UNKNOWN, UUID,
  api, assertCdfError, call, ctl, executions, getExecution, list, newNonce, post, rawRequest, retry, sleep, until, withServer,
} from "./helpers.mjs";

const STATUSES = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];
const SUMMARY_KEYS = new Set([
  "id", "workflowExternalId", "version", "status", "engineExecutionId", "createdTime", "startTime", "endTime",
  "reasonForIncompletion", "metadata",
]);
const DETAIL_ORDER = [
  "id", "workflowExternalId", "workflowDefinition", "version", "status", "engineExecutionId",
  "executedTasks", "input", "metadata", "createdTime", "startTime", "endTime", "reasonForIncompletion",
];
const TASK_STATUSES = new Set([
  "IN_PROGRESS", "CANCELED", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "COMPLETED", "COMPLETED_WITH_ERRORS",
  "SCHEDULED", "TIMED_OUT", "SKIPPED",
]);
const TASK_TYPES = new Set(["function", "transformation", "cdf", "dynamic", "subworkflow", "simulation"]);
const DAY = 86_400_000;

/** All pages of a list call, following nextCursor. */
async function listAll(mock, project, body = {}) {
  const items = [];
  const cursors = [];
  let cursor;
  do {
    const r = await list(mock, project, cursor === undefined ? body : { ...body, cursor });
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.nextCursor;
    if (cursor !== undefined) cursors.push(cursor);
  } while (cursor !== undefined);
  return { items, cursors };
}

/** Sorted newest first, ties by id descending (the mock's documented order). */
function isNewestFirst(items) {
  return items.every((e, i) => i === 0 || items[i - 1].createdTime > e.createdTime
    || (items[i - 1].createdTime === e.createdTime && items[i - 1].id > e.id));
}

// --- seed ------------------------------------------------------------------

test("seed: the 7 hand-written executions plus 30 generated ones, every status, several workflows and versions", async (t) => {
  const mock = await withServer(t);
  const all = executions(mock, "p");
  assert.equal(all.length, 37);
  assert.equal(new Set(all.map((e) => e.id)).size, 37, "unique ids");
  for (const seed of SEED_EXECUTIONS) {
    const found = all.find((e) => e.id === seed.id);
    assert.ok(found && !found.generated && found.status === seed.status, seed.id);
  }
  const generated = all.filter((e) => e.generated);
  assert.equal(generated.length, 30);
  for (const status of STATUSES) {
    assert.ok(generated.filter((e) => e.status === status).length >= 1, `a generated ${status}`);
  }
  const workflows = new Set(generated.map((e) => e.workflowExternalId));
  assert.ok(workflows.size >= 3, [...workflows].join());
  assert.ok(new Set(generated.map((e) => `${e.workflowExternalId}@${e.version}`)).size > workflows.size, "several versions");
  for (const e of generated) {
    assert.match(e.id, UUID);
    assert.equal(typeof e.version, "string");
    assert.ok(e.createdTime < SEED_TIME && e.createdTime > SEED_TIME - 7 * DAY, "within the 7 days before seedTime");
  }
  assert.ok(generated.some((e) => e.failsAgain), "a deterministic subset fails again");
  assert.ok(generated.some((e) => ["FAILED", "TIMED_OUT", "TERMINATED"].includes(e.status) && !e.failsAgain));
  assert.ok(generated.every((e) => !e.failsAgain || ["FAILED", "TIMED_OUT", "TERMINATED"].includes(e.status)));
  // The demo's list (/_mock/executions) still shows only the hand-written seven.
  assert.equal(ctl(mock, "GET", "/executions").items.length, 7);
  await retry(mock, "p", FAILED);
  assert.equal(ctl(mock, "GET", "/executions?project=p").items.length, 7);
});

test("seed: deterministic for a seed and seedTime; another seed differs; generatedExecutions sets the count", async (t) => {
  const a = await withServer(t, { seed: 7 });
  const b = await withServer(t, { seed: 7 });
  const c = await withServer(t, { seed: 8 });
  const none = await withServer(t, { generatedExecutions: 0 });
  const many = await withServer(t, { generatedExecutions: 200 });
  const [ea, eb, ec] = [executions(a, "p"), executions(b, "other"), executions(c, "p")];
  assert.deepEqual(ea, eb);
  assert.notDeepEqual(ea.map((e) => e.id), ec.map((e) => e.id));
  const [da, db] = await Promise.all([getExecution(a, "p", ea[0].id), getExecution(b, "q", ea[0].id)]);
  assert.deepEqual(da.json, db.json, "details too");
  assert.equal(executions(none, "p").length, 7);
  assert.equal(executions(many, "p").length, 207);
  const later = await withServer(t, { seed: 7, seedTime: SEED_TIME + DAY });
  const laterTimes = new Map(executions(later, "p").map((e) => [e.id, e.createdTime]));
  for (const e of ea) assert.equal(laterTimes.get(e.id), e.createdTime + (e.generated ? DAY : 0), "times move with seedTime");
});

test("startMockServer rejects bad new options and unknown ones", async () => {
  const { startMockServer } = await import("./server.mjs");
  for (const bad of [
    { seed: -1 }, { seed: 1.5 }, { generatedExecutions: 1001 }, { generatedExecutions: "3" }, { retryOutcomeDelayMs: -5 },
    { tokenExpiresIn: 1.5 }, { seedTime: -1 }, { retryOutcomeDelay: 5 },
  ]) {
    await assert.rejects(startMockServer({ quiet: true, ...bad }), TypeError, JSON.stringify(bad));
  }
});

test("command line: --seed, --generated-executions, --seed-time, --retry-outcome-delay-ms, --token-expires-in", async () => {
  const child = spawn(process.execPath, [
    fileURLToPath(new URL("./server.mjs", import.meta.url)), "--quiet", "--seed", "5", "--generated-executions", "3",
    "--seed-time", String(SEED_TIME), "--retry-outcome-delay-ms", "20", "--token-expires-in", "77",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => (out += d));
    while (!out.includes("\n")) await once(child.stdout, "data");
    const url = /^MOCK_URL=(\S+)\n$/.exec(out)[1];
    const items = (await call(`${url}/_mock/projects/p/executions`)).json.items;
    assert.equal(items.length, 10);
    assert.ok(items.filter((e) => e.generated).every((e) => e.createdTime < SEED_TIME && e.createdTime > SEED_TIME - 7 * DAY));
    const token = await call(`${url}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
    });
    assert.equal(token.json.expires_in, 77);
    const m = { url };
    const r = await retry(m, "p", FAILED);
    assert.equal(r.status, 200);
    await until(async () => (await getExecution(m, "p", FAILED)).json.status === "COMPLETED");
  } finally {
    child.kill("SIGTERM");
  }
  const bad = spawn(process.execPath, [fileURLToPath(new URL("./server.mjs", import.meta.url)), "--seed", "x"]);
  const [code] = await once(bad, "exit");
  assert.equal(code, 2);
});

// --- list ------------------------------------------------------------------

test("list: {} answers every execution (default limit 100), newest first, as WorkflowExecutionResponse items", async (t) => {
  const mock = await withServer(t);
  const r = await list(mock, "p", {});
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.ok(r.headers.get("x-request-id"));
  assert.deepEqual(Object.keys(r.json), ["items"], "no nextCursor when nothing is left");
  assert.equal(r.json.items.length, 37);
  assert.ok(isNewestFirst(r.json.items));
  assert.deepEqual(r.json.items.map((e) => e.id), executions(mock, "p").map((e) => e.id));
  for (const item of r.json.items) {
    for (const key of Object.keys(item)) assert.ok(SUMMARY_KEYS.has(key), key);
    for (const key of ["id", "workflowExternalId", "status", "engineExecutionId", "createdTime", "metadata"]) assert.ok(key in item, key);
    assert.ok(STATUSES.includes(item.status));
    assert.match(item.engineExecutionId, /^[0-9a-f-]{36}$/);
    assert.ok(Number.isSafeInteger(item.createdTime));
    assert.equal(item.status === "RUNNING", !("endTime" in item), `${item.id}: endTime iff finished`);
    assert.equal(["FAILED", "TIMED_OUT", "TERMINATED"].includes(item.status), "reasonForIncompletion" in item, item.id);
  }
  const seeded = r.json.items.find((e) => e.id === FAILED);
  assert.deepEqual(seeded, { ...SEED_EXECUTIONS.find((e) => e.id === FAILED) });
  assert.ok(!("version" in r.json.items.find((e) => e.id === NO_VERSION)));
  // The default limit is 100.
  const big = await withServer(t, { generatedExecutions: 150 });
  const first = await list(big, "p", {});
  assert.equal(first.json.items.length, 100);
  assert.equal(typeof first.json.nextCursor, "string");
});

test("list: limit and nextCursor page through everything once; cursors are opaque, reusable, bound to project and filter", async (t) => {
  const mock = await withServer(t);
  const { items, cursors } = await listAll(mock, "p", { limit: 10 });
  assert.equal(items.length, 37);
  assert.equal(new Set(items.map((e) => e.id)).size, 37, "no duplicates");
  assert.ok(isNewestFirst(items));
  assert.equal(cursors.length, 3);
  for (const cursor of cursors) {
    assert.match(cursor, /^[A-Za-z0-9_-]{32}$/);
    assert.ok(!/^\d+$/.test(Buffer.from(cursor, "base64url").toString("latin1")), "not an offset");
  }
  // Page sizes 10, 10, 10, 7; a reused cursor gives the same page; another request gives another cursor.
  const again = await list(mock, "p", { limit: 10, cursor: cursors[1] });
  const third = await list(mock, "p", { limit: 10, cursor: cursors[1] });
  assert.deepEqual(again.json.items, items.slice(20, 30));
  assert.deepEqual(third.json.items, again.json.items);
  assert.notEqual(again.json.nextCursor, third.json.nextCursor);
  const last = await list(mock, "p", { limit: 10, cursor: cursors[2] });
  assert.equal(last.json.items.length, 7);
  assert.ok(!("nextCursor" in last.json));
  // The page size may change between pages (the package asks for min(1000, remaining)).
  const bigger = await list(mock, "p", { limit: 1000, cursor: cursors[0] });
  assert.deepEqual(bigger.json.items, items.slice(10));
  // Exactly limit items left: no cursor.
  const exact = await list(mock, "p", { limit: 37 });
  assert.ok(!("nextCursor" in exact.json));
  // One more than the limit: a cursor, and its page holds that one.
  const oneMore = await list(mock, "p", { limit: 36 });
  const tail = await list(mock, "p", { limit: 36, cursor: oneMore.json.nextCursor });
  assert.deepEqual(tail.json, { items: items.slice(36) });

  assertCdfError(await list(mock, "p", { cursor: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }), 400, /cursor/i);
  assertCdfError(await list(mock, "other", { limit: 10, cursor: cursors[0] }), 400, /cursor/i);
  assertCdfError(await list(mock, "p", { limit: 10, cursor: cursors[0], filter: { status: ["FAILED"] } }), 400, /filter/);
  // The same filter with keys in another order is the same filter.
  const f = await list(mock, "p", { limit: 2, filter: { status: ["FAILED"], createdTimeStart: 0 } });
  const g = await list(mock, "p", { filter: { createdTimeStart: 0, status: ["FAILED"] }, cursor: f.json.nextCursor, limit: 2 });
  assert.equal(g.status, 200, g.text);
});

test("list: a status change between pages neither repeats nor skips an execution", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 60_000 });
  const first = await list(mock, "p", { limit: 5 });
  const all = executions(mock, "p");
  // Retry an execution of the first page: it moves to RUNNING but keeps its place.
  const target = first.json.items.find((e) => ["FAILED", "TIMED_OUT", "TERMINATED"].includes(e.status))
    ?? all.find((e) => e.status === "FAILED");
  assert.equal((await retry(mock, "p", target.id)).status, 200);
  const rest = await listAll(mock, "p", { limit: 5, cursor: first.json.nextCursor });
  assert.deepEqual([...first.json.items, ...rest.items].map((e) => e.id), all.map((e) => e.id));
});

test("list: workflowFilters (any of them; version optional), status, createdTimeStart/End (inclusive), combined", async (t) => {
  const mock = await withServer(t);
  const all = executions(mock, "p");
  const ids = (items) => items.map((e) => e.id);
  const check = async (filter, keep) => {
    const { items } = await listAll(mock, "p", { filter, limit: 7 });
    const expected = all.filter(keep);
    assert.ok(expected.length > 0, `a useful case: ${JSON.stringify(filter)}`);
    assert.deepEqual(ids(items), ids(expected), JSON.stringify(filter));
  };
  await check({ workflowFilters: [{ externalId: "nightly-ingest" }] }, (e) => e.workflowExternalId === "nightly-ingest");
  await check({ workflowFilters: [{ externalId: "nightly-ingest", version: "v3" }] },
    (e) => e.workflowExternalId === "nightly-ingest" && e.version === "v3");
  await check({ workflowFilters: [{ externalId: "hourly-sync" }, { externalId: "nightly-ingest", version: "v4" }] },
    (e) => e.workflowExternalId === "hourly-sync" || (e.workflowExternalId === "nightly-ingest" && e.version === "v4"));
  await check({ workflowFilters: [{ externalId: "timeseries-rollup" }] }, (e) => e.id === NO_VERSION);
  await check({ status: ["FAILED"] }, (e) => e.status === "FAILED");
  await check({ status: ["TIMED_OUT", "TERMINATED"] }, (e) => ["TIMED_OUT", "TERMINATED"].includes(e.status));
  const [newer, older] = [all[3].createdTime, all[12].createdTime];
  await check({ createdTimeStart: older, createdTimeEnd: newer }, (e) => e.createdTime >= older && e.createdTime <= newer);
  await check({ createdTimeStart: newer }, (e) => e.createdTime >= newer);
  await check({ createdTimeEnd: older }, (e) => e.createdTime <= older);
  await check({ createdTimeStart: older, createdTimeEnd: older }, (e) => e.createdTime === older);
  await check({ workflowFilters: [{ externalId: "nightly-ingest" }], status: ["FAILED", "COMPLETED"], createdTimeStart: 0 },
    (e) => e.workflowExternalId === "nightly-ingest" && ["FAILED", "COMPLETED"].includes(e.status));
  const none = await list(mock, "p", { filter: { workflowFilters: [{ externalId: "no-such-workflow" }] } });
  assert.deepEqual(none.json, { items: [] });
  const noVersion = await list(mock, "p", { filter: { workflowFilters: [{ externalId: "backfill", version: "1" }] } });
  assert.deepEqual(noVersion.json, { items: [] }, "an execution without version matches no version filter");
});

test("list: the body is checked strictly (400 CDF errors naming the problem)", async (t) => {
  const mock = await withServer(t);
  const wf = (item) => ({ filter: { workflowFilters: [item] } });
  const cases = [
    ["", /JSON/],
    ["[]", /object/],
    ["null", /object/],
    ["{", /JSON/],
    [{ extra: 1 }, /extra/],
    [{ filter: null }, /filter/],
    [{ filter: [] }, /filter/],
    [{ filter: { workflowExternalId: "x" } }, /workflowExternalId/],
    [{ limit: 0 }, /limit/],
    [{ limit: 1001 }, /limit/],
    [{ limit: 1.5 }, /limit/],
    [{ limit: "10" }, /limit/],
    [{ limit: null }, /limit/],
    [{ cursor: "" }, /cursor/],
    [{ cursor: 5 }, /cursor/],
    [{ cursor: null }, /cursor/],
    [{ filter: { workflowFilters: [] } }, /workflowFilters/],
    [{ filter: { workflowFilters: Array.from({ length: 101 }, () => ({ externalId: "a" })) } }, /workflowFilters/],
    [{ filter: { workflowFilters: "nightly-ingest" } }, /workflowFilters/],
    [wf("nightly-ingest"), /workflowFilters\[0\]/],
    [wf({}), /externalId/],
    [wf({ version: "v3" }), /externalId/],
    [wf({ externalId: "a", extra: 1 }), /extra/],
    [wf({ externalId: 5 }), /externalId/],
    [wf({ externalId: "" }), /externalId/],
    [wf({ externalId: " a" }), /whitespace/],
    [wf({ externalId: "a\n" }), /whitespace/],
    [wf({ externalId: "a\u0000b" }), /NUL/],
    [wf({ externalId: "x".repeat(256) }), /255/],
    [wf({ externalId: "a", version: 3 }), /version/],
    [wf({ externalId: "a", version: "" }), /version/],
    [wf({ externalId: "a", version: null }), /version/],
    [{ filter: { status: [] } }, /status/],
    [{ filter: { status: "FAILED" } }, /status/],
    [{ filter: { status: ["DONE"] } }, /status/],
    [{ filter: { status: ["failed"] } }, /status/],
    [{ filter: { status: ["FAILED", "FAILED"] } }, /repeat/],
    [{ filter: { createdTimeStart: -1 } }, /createdTimeStart/],
    [{ filter: { createdTimeStart: 1.5 } }, /createdTimeStart/],
    [{ filter: { createdTimeStart: "1" } }, /createdTimeStart/],
    [{ filter: { createdTimeEnd: 2 ** 53 } }, /createdTimeEnd/],
    [{ filter: { createdTimeEnd: null } }, /createdTimeEnd/],
    [{ filter: { createdTimeStart: 10, createdTimeEnd: 9 } }, /after/],
  ];
  for (const [body, pattern] of cases) {
    const r = await list(mock, "p", body);
    assertCdfError(r, 400, pattern);
    assert.ok(!("items" in r.json), JSON.stringify(body));
  }
  // The edges that are fine.
  for (const body of [
    { limit: 1 }, { limit: 1000 }, { filter: {} }, wf({ externalId: "x".repeat(255), version: "v".repeat(255) }),
    { filter: { status: STATUSES } }, { filter: { createdTimeStart: 0, createdTimeEnd: 2 ** 53 - 1 } },
  ]) {
    assert.equal((await list(mock, "p", body)).status, 200, JSON.stringify(body));
  }
});

test("list: method, headers and auth as for every API call", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", "/workflows/executions/list");
  const get = await call(url, { headers: GET_HEADERS });
  assertCdfError(get, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  assertCdfError(await list(mock, "p", {}, { ...POST_HEADERS, authorization: "Bearer nope" }), 401, /^Unauthorized$/);
  const noType = { ...POST_HEADERS };
  delete noType["content-type"];
  assertCdfError(await call(url, { method: "POST", headers: noType, body: new TextEncoder().encode("{}") }), 400, /Content-Type/);
  assertCdfError(await list(mock, "p", {}, { ...POST_HEADERS, accept: "*/*" }), 400, /Accept/);
  assertCdfError(await list(mock, "p", {}, { ...POST_HEADERS, "x-cdp-sdk": "other:1.0.0" }), 400, /x-cdp-sdk/);
  const log = ctl(mock, "GET", "/projects/p/log").requests;
  assert.equal(log.length, 5);
  assert.ok(log.every((entry) => entry.op === "list"));
});

// --- get -------------------------------------------------------------------

test("get: a FAILED execution in detail: definition, executed tasks (the failed one with its reason), input", async (t) => {
  const mock = await withServer(t);
  const r = await getExecution(mock, "p", FAILED);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.headers.get("x-request-id"));
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  const d = r.json;
  assert.deepEqual(Object.keys(d), DETAIL_ORDER.filter((k) => k in d));
  for (const key of ["id", "workflowExternalId", "workflowDefinition", "status", "engineExecutionId", "createdTime", "executedTasks", "metadata"]) {
    assert.ok(key in d, key);
  }
  const seed = SEED_EXECUTIONS.find((e) => e.id === FAILED);
  for (const [key, value] of Object.entries(seed)) assert.deepEqual(d[key], value, key);
  assert.match(d.workflowDefinition.hash, /^[0-9A-F]{32}$/);
  assert.equal(typeof d.workflowDefinition.description, "string");
  assert.deepEqual(d.workflowDefinition.tasks.map((task) => task.externalId), ["extract-sap", "load-assets", "notify"]);
  for (const task of d.workflowDefinition.tasks) {
    assert.ok(TASK_TYPES.has(task.type));
    assert.ok(task.parameters && typeof task.parameters === "object");
  }
  assert.deepEqual(d.input, { date: "2026-03-10", plant: "oslo", fullReload: false });
  assert.deepEqual(d.executedTasks.map((task) => [task.externalId, task.status]), [["extract-sap", "COMPLETED"], ["load-assets", "FAILED"]]);
  const [extract, load] = d.executedTasks;
  assert.deepEqual(Object.keys(load), ["id", "externalId", "status", "taskType", "startTime", "endTime", "input", "output", "reasonForIncompletion"]);
  assert.match(load.reasonForIncompletion, /sap-assets-to-cdf failed/);
  assert.ok(!("reasonForIncompletion" in extract));
  assert.equal(load.taskType, "transformation");
  assert.deepEqual(load.input.transformation.externalId, "sap-assets-to-cdf");
  assert.equal(typeof load.output.jobId, "number");
  assert.deepEqual(extract.input.function.data, d.input, "references resolved");
  assert.equal(typeof extract.output.response, "object");
  assert.ok(extract.startTime >= d.startTime && load.endTime === d.endTime && extract.endTime <= load.startTime);
  // The list item is the same execution without the details.
  const item = (await list(mock, "p", {})).json.items.find((e) => e.id === FAILED);
  const { workflowDefinition, executedTasks, input, ...summary } = d;
  assert.deepEqual(summary, item);
});

test("get: every seeded execution's tasks agree with its status, types and times", async (t) => {
  const mock = await withServer(t);
  const sawStatuses = new Set();
  const sawTypes = new Set();
  for (const { id } of executions(mock, "p")) {
    const { status, json: d } = await getExecution(mock, "p", id);
    assert.equal(status, 200);
    assert.equal(d.id, id);
    assert.ok(d.executedTasks.length >= 1, id);
    const taskIds = new Set();
    for (const task of d.executedTasks) {
      assert.match(task.id, UUID);
      taskIds.add(task.id);
      assert.ok(TASK_STATUSES.has(task.status), task.status);
      assert.ok(TASK_TYPES.has(task.taskType), task.taskType);
      assert.ok(task.input && typeof task.input === "object" && !Array.isArray(task.input));
      assert.ok(task.output && typeof task.output === "object" && !Array.isArray(task.output));
      if (task.endTime !== undefined) assert.ok(task.startTime <= task.endTime, `${id} ${task.externalId}`);
      if (task.startTime !== undefined) assert.ok(task.startTime >= (SEED_EXECUTIONS.find((e) => e.id === id) ?? d).startTime - 1);
      if (d.endTime !== undefined && task.endTime !== undefined) assert.ok(task.endTime <= d.endTime);
      sawStatuses.add(task.status);
      sawTypes.add(task.taskType);
    }
    assert.equal(taskIds.size, d.executedTasks.length, "task ids unique");
    const has = (s) => d.executedTasks.some((task) => task.status === s && (s === "COMPLETED" || task.reasonForIncompletion || s === "IN_PROGRESS"));
    if (d.status === "COMPLETED") assert.ok(d.executedTasks.every((task) => task.status === "COMPLETED"), id);
    if (d.status === "FAILED") assert.ok(has("FAILED") || has("FAILED_WITH_TERMINAL_ERROR"), id);
    if (d.status === "TIMED_OUT") assert.ok(has("TIMED_OUT"), id);
    if (d.status === "TERMINATED") assert.ok(has("CANCELED"), id);
    if (d.status === "RUNNING") {
      assert.ok(has("IN_PROGRESS"), id);
      assert.ok(!("endTime" in d));
    }
  }
  for (const s of ["COMPLETED", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT", "CANCELED", "IN_PROGRESS"]) {
    assert.ok(sawStatuses.has(s), `some task is ${s}`);
  }
  for (const type of ["function", "transformation", "cdf", "dynamic", "simulation"]) assert.ok(sawTypes.has(type), type);
});

test("get: optional parts absent where they should be; a dynamic task's children name their parent", async (t) => {
  const mock = await withServer(t);
  const rollup = (await getExecution(mock, "p", NO_VERSION)).json;
  assert.ok(!("version" in rollup));
  assert.ok(!("input" in rollup), "an execution without input");
  assert.ok(!("description" in rollup.workflowDefinition));
  const backfill = (await getExecution(mock, "p", TERMINATED)).json;
  assert.deepEqual(backfill.executedTasks.map((task) => [task.externalId, task.status, task.parentTaskExternalId]), [
    ["plan-ranges", "COMPLETED", undefined],
    ["backfill-ranges", "CANCELED", undefined],
    ["backfill-2026-01", "COMPLETED", "backfill-ranges"],
    ["backfill-2026-02", "CANCELED", "backfill-ranges"],
  ]);
  const running = (await getExecution(mock, "p", RUNNING)).json;
  const inProgress = running.executedTasks.find((task) => task.status === "IN_PROGRESS");
  assert.ok(inProgress && !("endTime" in inProgress) && !("reasonForIncompletion" in inProgress));
  const timedOut = (await getExecution(mock, "p", TIMED_OUT)).json;
  assert.match(timedOut.executedTasks.find((task) => task.status === "TIMED_OUT").reasonForIncompletion, /timed out/);
});

test("get: no Content-Type and no body; Accept, x-cdp-sdk and auth required; 404/400/405 as documented", async (t) => {
  const mock = await withServer(t);
  const url = api(mock, "p", `/workflows/executions/${ASSET}`);
  assert.equal((await getExecution(mock, "p", ASSET)).status, 200);
  const upper = await getExecution(mock, "p", ASSET.toUpperCase());
  assert.equal(upper.status, 200);
  assert.equal(upper.json.id, ASSET);
  assertCdfError(await getExecution(mock, "p", ASSET, { ...GET_HEADERS, "content-type": "application/json" }), 400, /Content-Type/);
  const withBody = await rawRequest(url, { method: "GET", headers: { ...GET_HEADERS, "content-length": "2" }, body: "{}" });
  assert.equal(withBody.status, 400);
  assert.match(JSON.parse(withBody.body).error.message, /body/);
  for (const [change, pattern] of [[{ accept: undefined }, /Accept/], [{ accept: "*/*" }, /Accept/], [{ "x-cdp-sdk": undefined }, /x-cdp-sdk/]]) {
    const headers = { ...GET_HEADERS };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete headers[k]; else headers[k] = v;
    assertCdfError(await getExecution(mock, "p", ASSET, headers), 400, pattern);
  }
  const noAuth = { ...GET_HEADERS };
  delete noAuth.authorization;
  assertCdfError(await getExecution(mock, "p", ASSET, noAuth), 401, /^Unauthorized$/);
  const missing = await getExecution(mock, "p", UNKNOWN);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { error: { code: 404, message: "Workflow execution not found", missing: [{ id: UNKNOWN }] } });
  assertCdfError(await getExecution(mock, "p", "not-a-uuid"), 400, /executionId/);
  const postIt = await post(url, {});
  assertCdfError(postIt, 405);
  assert.equal(postIt.headers.get("allow"), "GET, OPTIONS");
  const getRetry = await call(`${url}/retry`, { headers: GET_HEADERS });
  assertCdfError(getRetry, 405);
  assert.equal(getRetry.headers.get("allow"), "POST, OPTIONS");
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=get").requests.map((e) => [e.method, e.status, e.body]).slice(0, 3),
    [["GET", 200, ""], ["GET", 200, ""], ["GET", 400, ""]]);
  // A cross-origin GET's preflight allows GET.
  const pre = await call(url, {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-method": "GET", "access-control-request-headers": "authorization,x-cdp-sdk" },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get("access-control-allow-methods"), /\bGET\b/);
  assert.equal(pre.headers.get("access-control-allow-headers"), "authorization,x-cdp-sdk");
});

// --- retry outcomes ----------------------------------------------------------

test("retry outcome: RUNNING at once, COMPLETED after retryOutcomeDelayMs; GET and list show it; no second retry", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 400 });
  const before = Date.now();
  const r = await retry(mock, "p", FAILED);
  assert.equal(r.status, 200);
  assert.equal(r.json.status, "RUNNING");
  const running = (await getExecution(mock, "p", FAILED)).json;
  assert.equal(running.status, "RUNNING");
  assert.ok(running.startTime >= before);
  assert.ok(!("endTime" in running) && !("reasonForIncompletion" in running));
  const task = running.executedTasks.find((x) => x.externalId === "load-assets");
  assert.equal(task.status, "IN_PROGRESS");
  assert.ok(task.startTime >= before && !("endTime" in task) && !("reasonForIncompletion" in task));
  assert.equal(executions(mock, "p").find((e) => e.id === FAILED).endsAs, "COMPLETED");

  await sleep(450);
  const done = (await getExecution(mock, "p", FAILED)).json;
  assert.equal(done.status, "COMPLETED");
  assert.ok(done.endTime >= done.startTime && done.endTime <= Date.now());
  assert.ok(done.endTime - done.startTime >= 390, "ends retryOutcomeDelayMs after the retry");
  assert.ok(!("reasonForIncompletion" in done));
  assert.deepEqual(done.executedTasks.map((x) => [x.externalId, x.status]),
    [["extract-sap", "COMPLETED"], ["load-assets", "COMPLETED"], ["notify", "COMPLETED"]]);
  assert.equal(done.executedTasks.at(-1).endTime, done.endTime);
  assert.equal((await list(mock, "p", { filter: { status: ["COMPLETED"] } })).json.items.some((e) => e.id === FAILED), true);
  assertCdfError(await retry(mock, "p", FAILED), 400, /is COMPLETED and cannot be retried/);
  // Other projects are untouched.
  assert.equal((await getExecution(mock, "other", FAILED)).json.status, "FAILED");
});

test("retry outcome: the failsAgain subset fails again (and can be retried again); the default delay is a few seconds", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 20 });
  const again = executions(mock, "p").find((e) => e.failsAgain && e.status === "FAILED");
  const original = (await getExecution(mock, "p", again.id)).json;
  assert.equal((await retry(mock, "p", again.id)).status, 200);
  await sleep(50);
  const d = (await getExecution(mock, "p", again.id)).json;
  assert.equal(d.status, "FAILED");
  assert.match(d.reasonForIncompletion, /^Task \S+ failed$/);
  const failedTask = d.executedTasks.find((x) => x.status === "FAILED");
  assert.ok(failedTask?.reasonForIncompletion, "the task failed again, with a reason");
  const originalFailed = original.executedTasks.find((x) => x.externalId === failedTask.externalId);
  assert.notEqual(failedTask.id, originalFailed.id, "a new task execution");
  assert.equal(failedTask.endTime, d.endTime);
  assert.equal((await retry(mock, "p", again.id)).status, 200, "FAILED again: retryable again");

  const slow = await withServer(t);
  assert.equal((await retry(slow, "p", TIMED_OUT)).status, 200);
  const pending = executions(slow, "p").find((e) => e.id === TIMED_OUT);
  assert.equal(pending.retries, 1);
  assert.ok(pending.endsAt - Date.now() > 3000 && pending.endsAt - Date.now() <= 5000, "default: 5 s");
});

test("outcomes control: per execution (a list is used one per retry), project-wide *, RUNNING, reasons, removal", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 10 });
  const set = (body, status = 200) => ctl(mock, "POST", "/projects/p/outcomes", body, status);
  const ended = (id, status) => until(async () => (await getExecution(mock, "p", id)).json.status === status);

  assert.deepEqual(set({ [FAILED]: ["FAILED", "TIMED_OUT", "COMPLETED"] }).outcomes[FAILED], { statuses: ["FAILED", "TIMED_OUT", "COMPLETED"] });
  for (const status of ["FAILED", "TIMED_OUT", "COMPLETED"]) {
    assert.equal((await retry(mock, "p", FAILED)).status, 200, status);
    await ended(FAILED, status);
  }
  assert.match((await getExecution(mock, "p", FAILED)).json.executedTasks.map((x) => x.status).join(), /^COMPLETED,COMPLETED,COMPLETED$/);

  set({ "*": { status: "TERMINATED", reasonForIncompletion: "Stopped by the test" } });
  await retry(mock, "p", ASSET);
  await ended(ASSET, "TERMINATED");
  const terminated = (await getExecution(mock, "p", ASSET)).json;
  assert.equal(terminated.reasonForIncompletion, "Stopped by the test");
  assert.ok(terminated.executedTasks.some((x) => x.status === "CANCELED"));

  // RUNNING: it never ends by itself; an outcome given while it runs ends it.
  set({ [TIMED_OUT]: { status: "RUNNING" } });
  await retry(mock, "p", TIMED_OUT);
  await sleep(40);
  assert.equal((await getExecution(mock, "p", TIMED_OUT)).json.status, "RUNNING");
  set({ [TIMED_OUT]: { status: "COMPLETED", delayMs: 0 } });
  assert.equal((await getExecution(mock, "p", TIMED_OUT)).json.status, "COMPLETED");
  // ... also for an execution that was RUNNING from the start.
  set({ [RUNNING.toUpperCase()]: { status: "FAILED", delayMs: 300 } });
  assert.equal((await getExecution(mock, "p", RUNNING)).json.status, "RUNNING");
  await ended(RUNNING, "FAILED");
  const r = (await getExecution(mock, "p", RUNNING)).json;
  assert.equal(r.reasonForIncompletion, "Task load-assets failed");
  assert.equal(r.executedTasks.find((x) => x.externalId === "load-assets").status, "FAILED");

  // null removes: back to "*" (then the built-in rule once "*" is gone too).
  set({ [FAILED]: null, "*": null });
  assert.deepEqual(ctl(mock, "GET", "/projects/p/outcomes"), {
    outcomes: { [TIMED_OUT]: { statuses: ["COMPLETED"], delayMs: 0 }, [RUNNING]: { statuses: ["FAILED"], delayMs: 300 } },
  });
  await retry(mock, "p", NO_VERSION);
  await ended(NO_VERSION, "COMPLETED");

  // Checked, all or nothing.
  for (const bad of [
    { [UNKNOWN]: "FAILED" }, { nope: "FAILED" }, { [FAILED]: "DONE" }, { [FAILED]: [] }, { [FAILED]: 5 },
    { [FAILED]: { status: "FAILED", delayMs: -1 } }, { [FAILED]: { status: "FAILED", extra: 1 } },
    { [FAILED]: { status: "FAILED", reasonForIncompletion: "" } }, { [FAILED]: { delayMs: 5 } },
    { [ASSET]: "COMPLETED", [COMPLETED]: "NOPE" },
  ]) {
    set(bad, 400);
  }
  ctl(mock, "POST", "/projects/p/outcomes", "[]", 400);
  assert.deepEqual(Object.keys(ctl(mock, "GET", "/projects/p/outcomes").outcomes), [TIMED_OUT, RUNNING], "nothing changed");
});

test("reset forgets outcomes and runs; the pending end of a run does not leak into the fresh project", async (t) => {
  const mock = await withServer(t, { retryOutcomeDelayMs: 30 });
  ctl(mock, "POST", "/projects/p/outcomes", { [FAILED]: "FAILED" });
  await retry(mock, "p", FAILED);
  ctl(mock, "DELETE", "/projects/p", undefined, 204);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/outcomes"), { outcomes: {} });
  await sleep(50);
  const fresh = (await getExecution(mock, "p", FAILED)).json;
  assert.equal(fresh.status, "FAILED");
  assert.equal(fresh.endTime, SEED_EXECUTIONS.find((e) => e.id === FAILED).endTime, "the seed's own failure");
});

// --- stats, log filter, concurrency ------------------------------------------

test("project stats: requests per op and the most requests in flight at once", async (t) => {
  const mock = await withServer(t);
  const stats = () => ctl(mock, "GET", "/projects/p/stats");
  assert.deepEqual(stats(), {
    requests: { sessions: 0, retry: 0, list: 0, get: 0, cancel: 0, triggerRuns: 0, token: 0, other: 0 },
    tokensIssued: 0,
    inFlight: { sessions: 0, retry: 0, list: 0, get: 0, cancel: 0, triggerRuns: 0, token: 0, other: 0, all: 0 },
    maxInFlight: { sessions: 0, retry: 0, list: 0, get: 0, cancel: 0, triggerRuns: 0, token: 0, other: 0, all: 0 },
  });
  const ids = executions(mock, "p").filter((e) => e.status === "FAILED").slice(0, 4).map((e) => e.id);
  const nonces = [];
  for (const _ of ids) nonces.push(await newNonce(mock, "p"));
  ctl(mock, "POST", "/projects/p/script", { on: "retry", delayMs: 150, times: 3 });
  // Three at once (delayed), then one more after they are done.
  const first = Promise.all(ids.slice(0, 3).map((id, i) => retry(mock, "p", id, nonces[i])));
  await until(() => stats().inFlight.retry === 3);
  assert.equal(stats().inFlight.all, 3);
  assert.ok((await first).every((r) => r.status === 200));
  assert.equal(stats().inFlight.retry, 0);
  await retry(mock, "p", ids[3], nonces[3]);
  await getExecution(mock, "p", ids[0]);
  await call(api(mock, "p", "/nothing"), { headers: GET_HEADERS });
  const s = stats();
  assert.equal(s.maxInFlight.retry, 3);
  assert.equal(s.maxInFlight.sessions, 1);
  assert.deepEqual(s.requests, { sessions: 4, retry: 4, list: 0, get: 1, cancel: 0, triggerRuns: 0, token: 0, other: 1 });
  assert.deepEqual(s.inFlight, { sessions: 0, retry: 0, list: 0, get: 0, cancel: 0, triggerRuns: 0, token: 0, other: 0, all: 0 });
  // A client that leaves ends its request too.
  ctl(mock, "POST", "/projects/p/script", { on: "list", hang: true });
  await assert.rejects(fetch(api(mock, "p", "/workflows/executions/list"), {
    method: "POST", headers: POST_HEADERS, body: "{}", signal: AbortSignal.timeout(80),
  }));
  await until(() => stats().inFlight.list === 0);
  assert.equal(stats().maxInFlight.list, 1);
  // The log can be read per op.
  assert.equal(ctl(mock, "GET", "/projects/p/log?op=retry").requests.length, 4);
  assert.equal(ctl(mock, "GET", "/projects/p/log?op=sessions").requests.length, 4);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=other").requests.map((e) => e.status), [404]);
  ctl(mock, "GET", "/projects/p/log?op=nope", undefined, 400);
});

// --- script steps on the new paths --------------------------------------------

test("script: on list/get, path (full or project-relative, any case), times", async (t) => {
  const mock = await withServer(t);
  ctl(mock, "POST", "/projects/p/script", [
    { on: "get", path: `/workflows/executions/${ASSET.toUpperCase()}`, status: 500 },
    { on: "list", status: 429, headers: { "retry-after": "0" }, times: 2 },
    { path: `/api/v1/projects/p/workflows/executions/${FAILED}/retry`, status: 503 },
  ]);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/script").steps.map((s) => [s.on, s.times]), [["get", undefined], ["list", 2], ["any", undefined]]);
  assert.equal((await getExecution(mock, "p", FAILED)).status, 200, "another execution: not this step");
  assertCdfError(await getExecution(mock, "p", ASSET), 500, /^Scripted 500$/);
  assert.equal((await getExecution(mock, "p", ASSET)).status, 200, "used once");
  const first = await list(mock, "p", {});
  assert.equal(first.status, 429);
  assert.equal(first.headers.get("retry-after"), "0");
  assert.deepEqual(ctl(mock, "GET", "/projects/p/script").steps.map((s) => [s.on, s.times]), [["list", 1], ["any", undefined]]);
  assert.equal((await list(mock, "p", {})).status, 429);
  assert.equal((await list(mock, "p", {})).status, 200);
  assert.equal((await retry(mock, "p", TIMED_OUT)).status, 200, "the path step waits for its path");
  assertCdfError(await retry(mock, "p", FAILED), 503);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/script").steps, []);
  // process with a scripted status on list: handled, then the scripted answer.
  ctl(mock, "POST", "/projects/p/script", { on: "list", process: true, status: 200, headers: { "x-extra": "1" } });
  const processed = await list(mock, "p", { limit: 1 });
  assert.equal(processed.json.items.length, 1);
  assert.equal(processed.headers.get("x-extra"), "1");
});

test("script: truncateAfter sends part of the body, then drops the connection; new step fields are validated", async (t) => {
  const mock = await withServer(t);
  ctl(mock, "POST", "/projects/p/script", { on: "get", truncateAfter: 20 });
  const res = await fetch(api(mock, "p", `/workflows/executions/${FAILED}`), { headers: GET_HEADERS });
  assert.equal(res.status, 200);
  assert.ok(Number(res.headers.get("content-length")) > 20);
  await assert.rejects(res.text());
  const raw = await new Promise((resolve) => {
    ctl(mock, "POST", "/projects/p/script", { on: "list", truncateAfter: 5, status: 200, body: { items: [] } });
    let data = "";
    import("node:net").then(({ default: net }) => {
      const socket = net.connect(mock.port, "127.0.0.1", () => {
        socket.end(`POST /api/v1/projects/p/workflows/executions/list HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`);
      });
      socket.on("data", (d) => (data += d));
      socket.on("close", () => resolve(data));
      socket.on("error", () => {});
    });
  });
  assert.match(raw, /^HTTP\/1\.1 200/);
  assert.match(raw, /content-length: 12\r\n/i);
  assert.ok(raw.endsWith('\r\n\r\n{"ite'), JSON.stringify(raw.slice(-20)));
  assert.deepEqual(ctl(mock, "GET", "/projects/p/log?op=list").requests.map((e) => e.status), [200]);

  for (const bad of [
    { on: "delete" }, { path: "workflows" }, { path: 5 }, { times: 0 }, { times: 1.5 }, { truncateAfter: -1 },
    { truncateAfter: "5" }, { truncateAfter: 1, hang: true }, { truncateAfter: 1, headersThenHang: true },
  ]) {
    ctl(mock, "POST", "/projects/p/script", [bad], 400);
  }
  assert.deepEqual(ctl(mock, "GET", "/projects/p/script").steps, []);
  for (const on of ["sessions", "retry", "list", "get", "token", "any"]) ctl(mock, "POST", "/projects/p/script", { on });
  assert.equal(ctl(mock, "GET", "/projects/p/script").steps.length, 6);
});

test("in-process control(): same answers as /_mock over HTTP, with or without the /_mock prefix", async (t) => {
  const mock = await withServer(t);
  assert.deepEqual(mock.control("GET", "/_mock/stats"), { status: 200, body: (await call(`${mock.url}/_mock/stats`)).json });
  assert.deepEqual(mock.control("GET", "/executions?project=p").body, (await call(`${mock.url}/_mock/executions?project=p`)).json);
  assert.equal(mock.control("DELETE", "/projects/p").status, 204);
  assert.equal(mock.control("DELETE", "/projects/p").body, null);
  assert.equal(mock.control("GET", "/nope").status, 404);
  assert.equal(mock.control("PUT", "/stats").status, 405);
  assert.throws(() => mock.control("GET", "stats"), TypeError);
});
