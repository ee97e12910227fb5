// Unit tests of the Worker's pure decisions: node --test examples/auto-retry-worker/test/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConfigError,
  readConfig,
  listWindow,
  failedAt,
  selectFound,
  countable,
  planRetries,
  failureCounts,
  nextSince,
  summarize,
  errorFields,
  mask,
  stateKey,
  countKey,
} from "../src/plan.js";

const KV = { get() {}, put() {} };
const SECRET = "idp-secret-VALUE-42";
const ENV = {
  CDF_PROJECT: "my-project",
  CDF_CLUSTER: "westeurope-1",
  WORKFLOWS: "nightly-ingest, hourly-sync",
  IDP_TOKEN_URL: "https://login.example.com/tenant/oauth2/v2.0/token",
  IDP_CLIENT_ID: "client-1",
  IDP_CLIENT_SECRET: SECRET,
  RETRY_STATE: KV,
};
const MIN = 60_000;
const HOUR = 60 * MIN;

function configError(env) {
  try {
    readConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.kind, "config");
    return e;
  }
  assert.fail("readConfig accepted a bad configuration");
}

test("readConfig: the defaults", () => {
  const c = readConfig(ENV);
  assert.equal(c.project, "my-project");
  assert.equal(c.cluster, "westeurope-1");
  assert.equal(c.baseUrl, undefined);
  assert.deepEqual(c.workflows, ["nightly-ingest", "hourly-sync"]);
  assert.equal(c.maxRetries, 3);
  assert.equal(c.maxPerRun, 20);
  assert.equal(c.overlapMs, 10 * MIN);
  assert.equal(c.lookbackMs, 24 * HOUR);
  assert.equal(c.listLimit, 1000);
  assert.equal(c.concurrency, 4);
  assert.equal(c.retryTerminated, false);
  assert.equal(c.statusSecret, undefined);
  assert.deepEqual(c.idp, {
    tokenUrl: ENV.IDP_TOKEN_URL,
    clientId: "client-1",
    clientSecret: SECRET,
    scopes: ["https://westeurope-1.cognitedata.com/.default"],
    audience: undefined,
  });
});

test("readConfig: every setting, as strings or numbers", () => {
  const c = readConfig({
    ...ENV,
    CDF_CLUSTER: "",
    CDF_BASE_URL: "http://127.0.0.1:9999/",
    WORKFLOWS: "*",
    MAX_RETRIES: "5",
    MAX_PER_RUN: 7,
    OVERLAP_MINUTES: "0",
    LOOKBACK_HOURS: "48",
    LIST_LIMIT: "2500",
    CONCURRENCY: "2",
    RETRY_TERMINATED: "TRUE",
    IDP_SCOPES: "a/.default, b",
    STATUS_SECRET: "s3",
  });
  assert.equal(c.cluster, undefined);
  assert.equal(c.baseUrl, "http://127.0.0.1:9999/");
  assert.equal(c.workflows, undefined, '"*": every workflow, no filter');
  assert.equal(c.maxRetries, 5);
  assert.equal(c.maxPerRun, 7);
  assert.equal(c.overlapMs, 0);
  assert.equal(c.lookbackMs, 48 * HOUR);
  assert.equal(c.listLimit, 2500);
  assert.equal(c.concurrency, 2);
  assert.equal(c.retryTerminated, true);
  assert.deepEqual(c.idp.scopes, ["a/.default", "b"]);
  assert.equal(c.statusSecret, "s3");
  // The default scope follows a base URL, and an audience replaces it.
  assert.deepEqual(readConfig({ ...ENV, CDF_CLUSTER: undefined, CDF_BASE_URL: "https://api.cognitedata.com" }).idp.scopes, [
    "https://api.cognitedata.com/.default",
  ]);
  const auth0 = readConfig({ ...ENV, IDP_AUDIENCE: "https://cdf" }).idp;
  assert.equal(auth0.audience, "https://cdf");
  assert.equal(auth0.scopes, undefined);
  assert.deepEqual(readConfig({ ...ENV, WORKFLOWS: "a,b,a" }).workflows, ["a", "b"], "duplicates once");
});

test("readConfig: every problem at once, naming variables and never a value", () => {
  const e = configError({
    CDF_CLUSTER: "westeurope-1",
    CDF_BASE_URL: "https://api.cognitedata.com",
    WORKFLOWS: "a,,b",
    MAX_RETRIES: "0",
    MAX_PER_RUN: "1.5",
    OVERLAP_MINUTES: "-1",
    LOOKBACK_HOURS: "lots",
    LIST_LIMIT: "10001",
    CONCURRENCY: "17",
    RETRY_TERMINATED: "yes",
    IDP_CLIENT_SECRET: "   ",
    STATUS_SECRET: SECRET,
  });
  assert.deepEqual(e.problems, [
    "CDF_PROJECT is required",
    "give exactly one of CDF_CLUSTER and CDF_BASE_URL",
    'WORKFLOWS is a comma-separated list of workflow external ids, or "*"',
    "MAX_RETRIES must be an integer from 1 to 100",
    "MAX_PER_RUN must be an integer from 1 to 1000",
    "OVERLAP_MINUTES must be an integer from 0 to 1440",
    "LOOKBACK_HOURS must be an integer from 1 to 8760",
    "LIST_LIMIT must be an integer from 1 to 10000",
    "CONCURRENCY must be an integer from 1 to 16",
    'RETRY_TERMINATED must be "true" or "false"',
    "IDP_TOKEN_URL is required",
    "IDP_CLIENT_ID is required",
    "IDP_CLIENT_SECRET is required",
    "the KV namespace binding RETRY_STATE is missing",
  ]);
  assert.match(e.message, /^bad configuration: CDF_PROJECT is required; /);
  assert.ok(!e.message.includes(SECRET));
  assert.deepEqual(configError({ ...ENV, CDF_CLUSTER: undefined }).problems, ["give exactly one of CDF_CLUSTER and CDF_BASE_URL"]);
  assert.deepEqual(configError({ ...ENV, WORKFLOWS: "" }).problems, ["WORKFLOWS is required"]);
  assert.deepEqual(configError({ ...ENV, WORKFLOWS: "a,*" }).problems, ['WORKFLOWS is a comma-separated list of workflow external ids, or "*"']);
  const many = Array.from({ length: 101 }, (_, i) => `wf-${i}`).join(",");
  assert.deepEqual(configError({ ...ENV, WORKFLOWS: many }).problems, ["WORKFLOWS names at most 100 workflows"]);
});

test("KV keys carry the project and the lower-case execution id", () => {
  assert.equal(stateKey("p1"), "state:p1");
  assert.equal(countKey("p1", "AAAAAAAA-1111-4111-8111-111111111111"), "retries:p1:aaaaaaaa-1111-4111-8111-111111111111");
});

test("listWindow: the first run covers the lookback; later runs start at since minus the overlap", () => {
  const now = 1_800_000_000_000;
  const cfg = { overlapMs: 10 * MIN, lookbackMs: 24 * HOUR };
  assert.deepEqual(listWindow({ now, since: undefined, ...cfg }), {
    createdTimeStart: now - 24 * HOUR,
    createdTimeEnd: now,
    failedSince: now - 24 * HOUR,
  });
  assert.deepEqual(listWindow({ now, since: now - 15 * MIN, ...cfg }), {
    createdTimeStart: now - 24 * HOUR,
    createdTimeEnd: now,
    failedSince: now - 25 * MIN,
  });
  // A since older than the lookback (the Worker was paused) is clamped to it.
  assert.equal(listWindow({ now, since: now - 30 * HOUR, ...cfg }).failedSince, now - 24 * HOUR);
  // Never below 0 (a lookback longer than the epoch).
  assert.equal(listWindow({ now: 1000, since: undefined, ...cfg }).createdTimeStart, 0);
});

const exec = (id, status, endTime, extra = {}) => ({
  id,
  status,
  workflowExternalId: "wf",
  engineExecutionId: "e",
  metadata: {},
  createdTime: 100,
  startTime: 200,
  endTime,
  ...extra,
});
const ID = (n) => `${String(n).repeat(8)}-0000-4000-8000-00000000000a`;

test("failedAt: endTime, else startTime, else createdTime", () => {
  assert.equal(failedAt(exec(ID(1), "FAILED", 500)), 500);
  assert.equal(failedAt(exec(ID(1), "FAILED", undefined)), 200);
  assert.equal(failedAt(exec(ID(1), "FAILED", undefined, { startTime: undefined })), 100);
});

test("selectFound: failed in the window, retryable statuses, oldest failure first", () => {
  const window = { createdTimeStart: 0, createdTimeEnd: 10_000, failedSince: 1000 };
  const found = selectFound(
    [
      exec(ID(1), "FAILED", 999), // failed before the window: handled by an earlier run
      exec(ID(2), "FAILED", 3000),
      exec(ID(3), "TIMED_OUT", 1000), // on the edge: included
      exec(ID(4), "TERMINATED", 2000),
      exec(ID(5), "RUNNING", undefined),
      exec(ID(6), "COMPLETED", 5000),
      exec(ID(8), "FAILED", 3000), // same time as ID(2): by id
      exec(ID(7), "FAILED", 3000),
    ],
    window,
  );
  assert.deepEqual(
    found.map((e) => e.id),
    [ID(3), ID(4), ID(2), ID(7), ID(8)],
  );
});

test("planRetries: TERMINATED, the retry cap and the per-run cap", () => {
  const found = [
    exec(ID(1), "FAILED", 1),
    exec(ID(2), "TERMINATED", 2),
    exec(ID(3), "TIMED_OUT", 3),
    exec(ID(4), "FAILED", 4),
    exec(ID(5), "FAILED", 5),
    exec(ID(6), "FAILED", 6),
  ];
  const counts = new Map([
    [ID(1), 2], // at the cap
    [ID(3), 1],
    [ID(6).toUpperCase(), 5], // keys are lower case: an upper-case key is not this execution's
  ]);
  const config = { maxRetries: 2, maxPerRun: 2, retryTerminated: false };
  const plan = planRetries(found, counts, config);
  const ids = (list) => list.map((e) => e.id);
  assert.deepEqual(ids(plan.retry), [ID(3), ID(4)]);
  assert.deepEqual(ids(plan.skipped.terminated), [ID(2)]);
  assert.deepEqual(ids(plan.skipped.maxRetries), [ID(1)]);
  assert.deepEqual(ids(plan.skipped.perRunCap), [ID(5), ID(6)], "the newest failures wait for the next run");

  // RETRY_TERMINATED: the TERMINATED one is retried like the others; its count is read.
  const withTerminated = planRetries(found, counts, { ...config, retryTerminated: true, maxPerRun: 10 });
  assert.deepEqual(ids(withTerminated.retry), [ID(2), ID(3), ID(4), ID(5), ID(6)]);
  assert.deepEqual(withTerminated.skipped.terminated, []);
  assert.deepEqual(ids(countable(found, { retryTerminated: false })), [ID(1), ID(3), ID(4), ID(5), ID(6)]);
  assert.deepEqual(ids(countable(found, { retryTerminated: true })), ids(found));

  // Execution ids from CDF in upper case still find their count.
  const upper = planRetries([exec(ID(1).toUpperCase(), "FAILED", 1)], counts, config);
  assert.deepEqual(ids(upper.skipped.maxRetries), [ID(1).toUpperCase()]);
});

test("failureCounts: only a retry request that may have restarted the execution", () => {
  const err = (kind, operation, status) => ({ name: "CdfError", kind, operation, status });
  assert.equal(failureCounts(err("api", "retryExecution", 503)), true);
  assert.equal(failureCounts(err("api", "retryExecution", 500)), true);
  assert.equal(failureCounts(err("network", "retryExecution")), true);
  assert.equal(failureCounts(err("timeout", "retryExecution")), true);
  assert.equal(failureCounts(err("invalid_response", "retryExecution", 200)), true);
  assert.equal(failureCounts(err("api", "retryExecution", 400)), false, "refused: cannot be retried");
  assert.equal(failureCounts(err("api", "retryExecution", 429)), false, "refused: rate limited");
  assert.equal(failureCounts(err("api", "createSession", 503)), false, "no retry request was sent");
  assert.equal(failureCounts(err("api", "getToken", 503)), false);
  assert.equal(failureCounts(err("invalid_input", undefined)), false);
  assert.equal(failureCounts(undefined), false);
});

test("nextSince: the window's end, or the earliest failure left for later", () => {
  const window = { createdTimeStart: 0, createdTimeEnd: 10_000, failedSince: 1000 };
  assert.equal(nextSince({ window, deferred: [], failures: [] }), 10_000);
  assert.equal(nextSince({ window, deferred: [exec(ID(1), "FAILED", 4000), exec(ID(2), "FAILED", 3000)], failures: [] }), 3000);
  const failure = (end, retryable) => ({ execution: exec(ID(3), "FAILED", end), error: { retryable } });
  assert.equal(nextSince({ window, deferred: [], failures: [failure(2000, true)] }), 2000, "a failure that may pass is tried again");
  assert.equal(nextSince({ window, deferred: [], failures: [failure(2000, false)] }), 10_000, "a refusal is not");
  assert.equal(nextSince({ window, deferred: [exec(ID(1), "FAILED", 4000)], failures: [failure(2500, true)] }), 2500);
});

test("summarize: counts, reasons, failures and window; no secret", () => {
  const cdfError = Object.assign(new Error(`CDF answered 503 to retryExecution: Scripted 503`), {
    name: "CdfError",
    kind: "api",
    status: 503,
    operation: "retryExecution",
    requestId: "mock-1",
    retryable: true,
    attempts: 4,
  });
  const found = [exec(ID(1), "FAILED", 1), exec(ID(2), "TERMINATED", 2), exec(ID(3), "FAILED", 3), exec(ID(4), "FAILED", 4)];
  const plan = { retry: [found[2], found[3]], skipped: { terminated: [found[1]], maxRetries: [found[0]], perRunCap: [] } };
  const s = summarize({
    project: "p",
    scheduledTime: Date.UTC(2026, 10, 29, 12, 0),
    durationMs: 12,
    window: { createdTimeStart: Date.UTC(2026, 10, 28, 12, 0), createdTimeEnd: Date.UTC(2026, 10, 29, 12, 0), failedSince: Date.UTC(2026, 10, 29, 11, 45) },
    listed: found,
    listLimit: 1000,
    found,
    plan,
    retried: [found[2]],
    failures: [{ execution: found[3], error: cdfError }],
  });
  assert.deepEqual(s, {
    event: "auto-retry",
    project: "p",
    ok: true,
    found: 4,
    retried: 1,
    skipped: 2,
    failed: 1,
    skippedBecause: { terminated: 1, maxRetries: 1, perRunCap: 0 },
    failures: [
      {
        executionId: ID(4),
        kind: "api",
        status: 503,
        operation: "retryExecution",
        requestId: "mock-1",
        retryable: true,
        message: "CDF answered 503 to retryExecution: Scripted 503",
      },
    ],
    window: { failedSince: "2026-11-29T11:45:00.000Z", createdTimeStart: "2026-11-28T12:00:00.000Z", end: "2026-11-29T12:00:00.000Z" },
    listed: 4,
    scheduledTime: "2026-11-29T12:00:00.000Z",
    durationMs: 12,
  });
  // A list that stopped at LIST_LIMIT says so.
  assert.equal(summarize({ listed: found, listLimit: 4 }).truncated, true);
  // At most 10 failures are listed; `failed` counts them all.
  const many = Array.from({ length: 12 }, (_, i) => ({ execution: exec(ID(i % 10), "FAILED", i), error: cdfError }));
  const s2 = summarize({ failures: many });
  assert.equal(s2.failed, 12);
  assert.equal(s2.failures.length, 10);
});

test("summarize: a failed run, and errors that are not the library's", () => {
  const s = summarize({ project: null, scheduledTime: 0, durationMs: 1, error: new ConfigError(["CDF_PROJECT is required"]) });
  assert.equal(s.ok, false);
  assert.deepEqual(s.error, { kind: "config", message: "bad configuration: CDF_PROJECT is required" });
  assert.equal(s.found, 0);
  assert.equal(s.skippedBecause, undefined);
  assert.equal(s.window, undefined);

  const kv = new Error(`KV PUT failed: ${SECRET} 429`);
  assert.deepEqual(errorFields(kv, [SECRET, undefined]), { kind: "internal", message: "Error: KV PUT failed: *** 429" });
  assert.deepEqual(errorFields("boom"), { kind: "internal", message: "thrown string" });
  assert.equal(mask("a-S-b-S", ["S", ""]), "a-***-b-***");
  const token = summarize({ error: Object.assign(new Error("CDF answered 503 to getToken"), { name: "CdfError", kind: "api", status: 503, operation: "getToken", retryable: true }) });
  assert.deepEqual(token.error, { kind: "api", status: 503, operation: "getToken", retryable: true, message: "CDF answered 503 to getToken" });
});
