// Unit tests of the Worker's pure decisions: node --test examples/auto-retry-worker/test/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConfigError,
  readConfig,
  listWindow,
  failedAt,
  selectFound,
  byStatus,
  countable,
  planRetries,
  DEFAULT_TRANSIENT_CAUSES,
  parseTransientCauses,
  parseTriggers,
  causeMatches,
  transientCause,
  groupAll,
  classifyGroups,
  countTriggerRuns,
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
  assert.equal(c.triggerRunsLimit, 1000);
  assert.deepEqual(c.transientCauses, [...DEFAULT_TRANSIENT_CAUSES]);
  assert.deepEqual(c.triggers, []);
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
    TRIGGER_RUNS_LIMIT: "2000",
    TRANSIENT_CAUSES: "timed out | HTTP 503\nDeadlock found",
    TRIGGERS: "nightly-ingest-schedule, quality-checks/daily pumps",
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
  assert.equal(c.triggerRunsLimit, 2000);
  assert.deepEqual(c.transientCauses, ["timed out", "HTTP 503", "Deadlock found"]);
  assert.deepEqual(c.triggers, ["nightly-ingest-schedule", "quality-checks/daily pumps"]);
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
    TRIGGER_RUNS_LIMIT: "0",
    RETRY_TERMINATED: "yes",
    TRANSIENT_CAUSES: '["timed out", 429]',
    TRIGGERS: "a,,b",
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
    "TRIGGER_RUNS_LIMIT must be an integer from 1 to 10000",
    'RETRY_TERMINATED must be "true" or "false"',
    "IDP_TOKEN_URL is required",
    "IDP_CLIENT_ID is required",
    "IDP_CLIENT_SECRET is required",
    'TRANSIENT_CAUSES must be a JSON array of strings, or causes separated by new lines or "|", or "*"',
    "TRIGGERS is a comma-separated list of trigger external ids (1 to 255 characters each), or a JSON array of them",
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
  const all = new Set(found.map((e) => e.id.toLowerCase())); // every failure transient
  const plan = planRetries(found, counts, config, all);
  const ids = (list) => list.map((e) => e.id);
  assert.deepEqual(ids(plan.retry), [ID(3), ID(4)]);
  assert.deepEqual(ids(plan.skipped.terminated), [ID(2)]);
  assert.deepEqual(plan.skipped.notTransient, []);
  assert.deepEqual(ids(plan.skipped.maxRetries), [ID(1)]);
  assert.deepEqual(ids(plan.skipped.perRunCap), [ID(5), ID(6)], "the newest failures wait for the next run");

  // RETRY_TERMINATED: the TERMINATED one is retried like the others; its count is read.
  const withTerminated = planRetries(found, counts, { ...config, retryTerminated: true, maxPerRun: 10 }, all);
  assert.deepEqual(ids(withTerminated.retry), [ID(2), ID(3), ID(4), ID(5), ID(6)]);
  assert.deepEqual(withTerminated.skipped.terminated, []);
  assert.deepEqual(ids(byStatus(found, { retryTerminated: false })), [ID(1), ID(3), ID(4), ID(5), ID(6)]);
  assert.deepEqual(ids(byStatus(found, { retryTerminated: true })), ids(found));
  assert.deepEqual(ids(countable(found, { retryTerminated: false }, all)), [ID(1), ID(3), ID(4), ID(5), ID(6)]);
  assert.deepEqual(ids(countable(found, { retryTerminated: true }, all)), ids(found));

  // Execution ids from CDF in upper case still find their count.
  const upper = planRetries([exec(ID(1).toUpperCase(), "FAILED", 1)], counts, config, new Set([ID(1)]));
  assert.deepEqual(ids(upper.skipped.maxRetries), [ID(1).toUpperCase()]);
});

test("planRetries: a failure that is not transient is skipped before the caps, and its count is never read", () => {
  const found = [
    exec(ID(1), "FAILED", 1),
    exec(ID(2), "TERMINATED", 2), // not transient either: TERMINATED wins
    exec(ID(3), "TIMED_OUT", 3),
    exec(ID(4), "FAILED", 4),
    exec(ID(5), "FAILED", 5),
  ];
  const transientIds = new Set([ID(3), ID(5), ID(1)]);
  const counts = new Map([[ID(1), 3]]);
  const ids = (list) => list.map((e) => e.id);
  const plan = planRetries(found, counts, { maxRetries: 3, maxPerRun: 1, retryTerminated: false }, transientIds);
  assert.deepEqual(ids(plan.retry), [ID(3)]);
  assert.deepEqual(ids(plan.skipped.terminated), [ID(2)]);
  assert.deepEqual(ids(plan.skipped.notTransient), [ID(4)], "not transient: skipped whatever its count");
  assert.deepEqual(ids(plan.skipped.maxRetries), [ID(1)]);
  assert.deepEqual(ids(plan.skipped.perRunCap), [ID(5)], "only transient ones wait for the next run");
  assert.deepEqual(ids(countable(found, { retryTerminated: false }, transientIds)), [ID(1), ID(3), ID(5)]);
  // RETRY_TERMINATED still needs a transient cause.
  const t = planRetries(found, counts, { maxRetries: 3, maxPerRun: 10, retryTerminated: true }, transientIds);
  assert.deepEqual(ids(t.skipped.notTransient), [ID(2), ID(4)]);
  // Upper-case ids from CDF are in the (lower-case) set.
  const upper = planRetries([exec(ID(3).toUpperCase(), "FAILED", 1)], new Map(), { maxRetries: 3, maxPerRun: 10, retryTerminated: false }, transientIds);
  assert.equal(upper.retry.length, 1);
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
  const plan = { retry: [found[2], found[3]], skipped: { terminated: [found[1]], notTransient: [], maxRetries: [found[0]], perRunCap: [] } };
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
    skippedBecause: { terminated: 1, notTransient: 0, maxRetries: 1, perRunCap: 0 },
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

test("TRANSIENT_CAUSES: a JSON array, or causes separated by new lines or |, or * alone", () => {
  assert.deepEqual(parseTransientCauses('["timed out", "HTTP 503", " Deadlock found "]'), { causes: ["timed out", "HTTP 503", "Deadlock found"] });
  assert.deepEqual(parseTransientCauses("timed out|HTTP 503"), { causes: ["timed out", "HTTP 503"] });
  assert.deepEqual(parseTransientCauses("timed out\r\n\n  HTTP 503  \n"), { causes: ["timed out", "HTTP 503"] }, "blank lines are dropped");
  assert.deepEqual(parseTransientCauses("Too Many Requests, request id"), { causes: ["Too Many Requests, request id"] }, "a comma is part of a cause");
  assert.deepEqual(parseTransientCauses("Timed Out|timed out|429"), { causes: ["timed out", "429"] }, "duplicates in any case once (the last spelling)");
  assert.deepEqual(parseTransientCauses("*"), { causes: "*" });
  assert.deepEqual(parseTransientCauses('["*"]'), { causes: "*" });
  // Problems name the variable, never the value.
  const shape = 'TRANSIENT_CAUSES must be a JSON array of strings, or causes separated by new lines or "|", or "*"';
  for (const bad of ["[timed out]", '["a", 1]', "[", '["a"] x', '[["a"]]']) assert.deepEqual(parseTransientCauses(bad), { problem: shape }, bad);
  assert.deepEqual(parseTransientCauses("[]"), { problem: `${shape}; it names no cause` });
  assert.deepEqual(parseTransientCauses(" | \n |"), { problem: `${shape}; it names no cause` });
  assert.deepEqual(parseTransientCauses('["a", " "]'), { problem: "TRANSIENT_CAUSES: each cause is 1 to 200 characters" });
  assert.deepEqual(parseTransientCauses(`a|${"x".repeat(201)}`), { problem: "TRANSIENT_CAUSES: each cause is 1 to 200 characters" });
  assert.deepEqual(parseTransientCauses(`a|${"é".repeat(200)}`).causes.length, 2, "200 characters, not bytes");
  assert.deepEqual(parseTransientCauses("*|timed out"), { problem: 'TRANSIENT_CAUSES: "*" (every failure) must be alone' });
  assert.deepEqual(parseTransientCauses(Array.from({ length: 101 }, (_, i) => `c${i}`).join("|")), { problem: "TRANSIENT_CAUSES names at most 100 causes" });
  assert.equal(parseTransientCauses(Array.from({ length: 100 }, (_, i) => `c${i}`).join("|")).causes.length, 100);

  // A TOML array in wrangler.toml [vars] arrives as an array: taken as the JSON form.
  assert.deepEqual(readConfig({ ...ENV, TRANSIENT_CAUSES: ["timed out", "Deadlock, retry"] }).transientCauses, ["timed out", "Deadlock, retry"]);
  assert.deepEqual(readConfig({ ...ENV, TRIGGERS: ["a,b", "c"] }).triggers, ["a,b", "c"]);
  assert.deepEqual(configError({ ...ENV, TRANSIENT_CAUSES: [] }).problems, [
    'TRANSIENT_CAUSES must be a JSON array of strings, or causes separated by new lines or "|", or "*"; it names no cause',
  ]);
  assert.equal(configError({ ...ENV, TRANSIENT_CAUSES: ["a", 1] }).problems.length, 1);

  // Through readConfig: unset or empty is the default; a bad one is a ConfigError without the value.
  assert.deepEqual(readConfig({ ...ENV, TRANSIENT_CAUSES: "  " }).transientCauses, [...DEFAULT_TRANSIENT_CAUSES]);
  assert.equal(readConfig({ ...ENV, TRANSIENT_CAUSES: "*" }).transientCauses, "*");
  const e = configError({ ...ENV, TRANSIENT_CAUSES: `["${SECRET}", 42]` });
  assert.deepEqual(e.problems, [shape]);
  assert.ok(!e.message.includes(SECRET));
});

test("TRIGGERS: comma separated or one per line, or a JSON array; checked like the package checks them", () => {
  assert.deepEqual(parseTriggers("hourly-sync-hourly, nightly-ingest-schedule"), { triggers: ["hourly-sync-hourly", "nightly-ingest-schedule"] });
  assert.deepEqual(parseTriggers("a\nb\r\nc,a"), { triggers: ["a", "b", "c"] }, "duplicates once");
  assert.deepEqual(parseTriggers('["quality-checks/daily pumps", "x,y"]'), { triggers: ["quality-checks/daily pumps", "x,y"] });
  const shape = "TRIGGERS is a comma-separated list of trigger external ids (1 to 255 characters each), or a JSON array of them";
  for (const bad of ["a,,b", "a,", '[" a"]', '[""]', "[]", '["a\\u0000b"]', `${"t".repeat(256)}`, "[a]", '["a", null]']) {
    assert.deepEqual(parseTriggers(bad), { problem: shape }, bad);
  }
  assert.deepEqual(parseTriggers("t".repeat(255)), { triggers: ["t".repeat(255)] });
  assert.deepEqual(parseTriggers(Array.from({ length: 21 }, (_, i) => `t${i}`).join(",")), { problem: "TRIGGERS names at most 20 triggers" });
  assert.deepEqual(readConfig({ ...ENV, TRIGGERS: "" }).triggers, []);
  assert.deepEqual(configError({ ...ENV, TRIGGERS: "a,,b" }).problems, [shape]);
});

test("causeMatches: any case, anywhere in the text; numbers only as whole numbers", () => {
  assert.equal(causeMatches("timed out", "Function call TIMED OUT after <n> seconds"), true);
  assert.equal(causeMatches("timeout", "requests.exceptions.ReadTimeout: HTTPSConnectionPool"), true, "words match inside words");
  assert.equal(causeMatches("rate limit", "Rate limited by the source"), true);
  assert.equal(causeMatches("429", "failed: 429 Too Many Requests"), true);
  assert.equal(causeMatches("502", "upstream answered HTTP/502"), true);
  assert.equal(causeMatches("503", "status=503."), true);
  assert.equal(causeMatches("503", "503"), true);
  assert.equal(causeMatches("502", "1502 rows violate the unique constraint"), false, "not part of a longer number");
  assert.equal(causeMatches("502", "request id a5029bc1"), false, "not part of an id");
  assert.equal(causeMatches("429", "port 4290"), false);
  assert.equal(causeMatches("502", "id a5029bc1, then 502 Bad Gateway"), true, "a later whole occurrence counts");
  assert.equal(causeMatches("HTTP 50", "HTTP 503"), false, "a cause ending with a digit ends a number: 50 is not 503");
  assert.equal(causeMatches("error: 503", "Error: 503x"), false);
  assert.equal(causeMatches("error: 503", "Upstream error: 503, giving up"), true);
  assert.equal(causeMatches("ECONNRESET", "read econnreset"), true);
  assert.equal(causeMatches("timed out", undefined), false);
  assert.equal(causeMatches("timed out", ""), false);
});

// Failures as groupFailures returns them for the mock's seeded reasons (tests/mock/README.md):
// `signature` by the contract's rules, `example` the original reason.
const GROUP = (workflowExternalId, signature, example, executionIds, status = "FAILED") => ({
  workflowExternalId,
  signature,
  statuses: { [status]: executionIds.length },
  count: executionIds.length,
  executionIds,
  example,
});
const SEEDED = [
  [GROUP("nightly-ingest", "Function call timed out after <n> seconds", "Function call timed out after 900 seconds", [ID(1)]), "timed out"],
  [GROUP("asset-hierarchy", "Transformation '<value>' failed: <n> Too Many Requests, request id <id>", "Transformation 'asset-hierarchy-build' failed: 429 Too Many Requests, request id 5f3c1e8a9b0d7c24", [ID(2)]), "429"],
  [GROUP("hourly-sync", "Service temporarily unavailable", "Service temporarily unavailable", [ID(3)]), "temporarily unavailable"],
  [GROUP("hourly-sync", "Workflow timed out after <n> s", "Workflow timed out after 3600 s", [ID(4)], "TIMED_OUT"), "timed out"],
  [GROUP("hourly-sync", "Task sync-timeseries timed out", "Task sync-timeseries timed out", [ID(5)], "TIMED_OUT"), "timed out"],
  [GROUP("hourly-sync", "CDF request failed: <n> Service Unavailable", "CDF request failed: 503 Service Unavailable", [ID(6)]), "503"],
  [GROUP("nightly-ingest", "Task load-assets failed: Transformation sap-assets-to-cdf failed: <n> rows violate the unique constraint on externalId", "Task load-assets failed: Transformation sap-assets-to-cdf failed: 1502 rows violate the unique constraint on externalId", [ID(7)]), undefined],
  [GROUP("hourly-sync", "Task sync-timeseries failed: Could not connect to host <n>.<n>:<n>", "Task sync-timeseries failed: Could not connect to host 10.0.0.12:5432", [ID(8)]), undefined],
  [GROUP("asset-hierarchy", "Transformation asset-hierarchy-build failed: parent asset plant-oslo/pump-<n> does not exist", "Transformation asset-hierarchy-build failed: parent asset plant-oslo/pump-7 does not exist", [ID(9)]), undefined],
  [GROUP("quality-checks", "Simulation pump-efficiency failed: the solver did not converge after <n> iterations", "Simulation pump-efficiency failed: the solver did not converge after 500 iterations", [ID(0)]), undefined],
  [GROUP("backfill", "Terminated by user", "Terminated by user", [ID(1)], "TERMINATED"), undefined],
  [GROUP("backfill", "", "", [ID(2)]), undefined],
];

test("transientCause: the default causes on the mock's seeded failures; the signature or the example", () => {
  for (const [group, cause] of SEEDED) assert.equal(transientCause(group, DEFAULT_TRANSIENT_CAUSES), cause, group.example);
  // "429" is "<n>" in the signature: only the example has it.
  const [rateLimited] = SEEDED[1];
  assert.equal(transientCause({ ...rateLimited, example: "" }, ["429"]), undefined);
  assert.equal(transientCause({ ...rateLimited, signature: "" }, ["429"]), "429");
  // A custom list replaces the default; "*" takes everything, even an empty reason.
  assert.equal(transientCause(SEEDED[7][0], ["could not connect"]), "could not connect");
  assert.equal(transientCause(SEEDED[0][0], ["could not connect"]), undefined);
  for (const [group] of SEEDED) assert.equal(transientCause(group, "*"), "*");
});

test("classifyGroups: transient groups with their cause and ids (lower case); the rest in order", () => {
  const groups = SEEDED.map(([g]) => g);
  groups[0] = { ...groups[0], executionIds: [ID(1).toUpperCase()] };
  const c = classifyGroups(groups, DEFAULT_TRANSIENT_CAUSES);
  assert.deepEqual(c.transient.map((g) => g.cause), ["timed out", "429", "temporarily unavailable", "timed out", "timed out", "503"]);
  assert.deepEqual(c.notTransient.map((g) => g.signature), groups.slice(6).map((g) => g.signature));
  assert.deepEqual([...c.transientIds].sort(), [ID(1), ID(2), ID(3), ID(4), ID(5), ID(6)].sort());
  assert.deepEqual(classifyGroups([], DEFAULT_TRANSIENT_CAUSES), { transient: [], notTransient: [], transientIds: new Set() });
});

/**
 * A stand-in for the package's groupFailures: groups by workflow and reason (digits as <n>),
 * largest first, then by workflow and signature, at most `limit`; it records each call.
 */
function fakeGroupFailures(calls) {
  return (executions, { limit }) => {
    calls.push({ n: executions.length, limit });
    const groups = new Map();
    for (const e of executions) {
      const signature = (e.reasonForIncompletion ?? "").replace(/\d+/g, "<n>");
      const key = `${e.workflowExternalId}\u0000${signature}`;
      if (!groups.has(key)) groups.set(key, { workflowExternalId: e.workflowExternalId, signature, example: e.reasonForIncompletion, count: 0, executionIds: [] });
      const g = groups.get(key);
      g.count++;
      g.executionIds.push(e.id);
    }
    return [...groups.values()]
      .sort((a, b) => b.count - a.count || a.workflowExternalId.localeCompare(b.workflowExternalId) || a.signature.localeCompare(b.signature))
      .slice(0, limit);
  };
}

test("groupAll: every execution ends in a group, past groupFailures' 1000-group limit", () => {
  // 2500 distinct reasons (+ one group of 3): three calls of groupFailures.
  const letters = (i) => [...i.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join(""); // no digits
  const many = Array.from({ length: 2500 }, (_, i) => exec(`e-${i}`, "FAILED", i, { reasonForIncompletion: `error ${letters(i)}` }));
  const big = [1, 2, 3].map((i) => exec(`big-${i}`, "TIMED_OUT", i, { reasonForIncompletion: `Workflow timed out after ${i}00 s` }));
  const calls = [];
  const { groups, ungrouped } = groupAll([...many, ...big], fakeGroupFailures(calls));
  assert.deepEqual(calls, [{ n: 2503, limit: 1000 }, { n: 1501, limit: 1000 }, { n: 501, limit: 1000 }], "the group of 3 and 999 others, then 1000, then 501");
  assert.equal(groups.length, 2501);
  assert.deepEqual(ungrouped, []);
  assert.deepEqual(groups[0].executionIds, ["big-1", "big-2", "big-3"], "the largest first");
  assert.equal(new Set(groups.flatMap((g) => g.executionIds)).size, 2503, "each execution once");
  // Ids compared in any case; nothing to group, nothing called.
  const upper = groupAll([exec("ABC", "FAILED", 1)], () => [{ executionIds: ["abc"], count: 1 }]);
  assert.deepEqual(upper.ungrouped, []);
  const none = [];
  assert.deepEqual(groupAll([], fakeGroupFailures(none)), { groups: [], ungrouped: [] });
  assert.deepEqual(none, []);
  // An execution groupFailures leaves out (it would not: failed ones are always grouped) is returned, not lost.
  const left = groupAll([exec("a", "FAILED", 1), exec("b", "FAILED", 2)], () => []);
  assert.deepEqual(left.ungrouped.map((e) => e.id), ["a", "b"]);
});

test("countTriggerRuns: runs and failed runs fired in the window; truncated when the read stopped inside it", () => {
  const window = { createdTimeStart: 0, createdTimeEnd: 10_000, failedSince: 5000 };
  const run = (fireTime, status) => ({ externalId: "t", fireTime, workflowExternalId: "wf", workflowVersion: "1", status });
  const runs = [run(10_001, "failed"), run(10_000, "failed"), run(9000, "success"), run(7000, "failed"), run(5000, "weird"), run(4999, "failed"), run(100, "failed")];
  assert.deepEqual(countTriggerRuns(runs, window, 1000), { runs: 4, failed: 2 }, "edges included; after the end and before the start not");
  assert.deepEqual(countTriggerRuns([], window, 1000), { runs: 0, failed: 0 });
  // The limit reached while still in the window: older runs of the window were not read.
  assert.deepEqual(countTriggerRuns(runs.slice(0, 4), window, 4), { runs: 3, failed: 2, truncated: true });
  assert.deepEqual(countTriggerRuns(runs.slice(0, 6), window, 6), { runs: 4, failed: 2 }, "the read reached past the window: complete");
  assert.deepEqual(countTriggerRuns(runs.slice(0, 5), window, 5), { runs: 4, failed: 2, truncated: true }, "the oldest read is on the edge: there may be more");
  assert.deepEqual(countTriggerRuns([run(20_000, "failed")], window, 1), { runs: 0, failed: 0, truncated: true }, "all newer than the window: none of it read");
});

test("summarize: groups, the top signatures skipped as not transient, trigger run counts; secrets masked", () => {
  const groups = classifyGroups(
    [
      ...SEEDED.map(([g]) => g).slice(0, 6),
      GROUP("nightly-ingest", `Login refused for ${SECRET}`, `Login refused for ${SECRET}`, [ID(1), ID(2), ID(3)]),
      ...SEEDED.map(([g]) => g).slice(6),
    ],
    DEFAULT_TRANSIENT_CAUSES,
  );
  const found = [exec(ID(1), "FAILED", 1), exec(ID(2), "FAILED", 2), exec(ID(3), "TIMED_OUT", 3)];
  const plan = { retry: [found[2]], skipped: { terminated: [], notTransient: [found[0], found[1]], maxRetries: [], perRunCap: [] } };
  const notFound = Object.assign(new Error('CDF answered 404 to listTriggerRuns: Trigger "gone" not found'), {
    name: "CdfError",
    kind: "api",
    status: 404,
    operation: "listTriggerRuns",
    retryable: false,
  });
  const s = summarize({
    project: "p",
    scheduledTime: Date.UTC(2026, 11, 7, 12, 0),
    durationMs: 30,
    window: { createdTimeStart: Date.UTC(2026, 11, 6, 12, 0), createdTimeEnd: Date.UTC(2026, 11, 7, 12, 0), failedSince: Date.UTC(2026, 11, 7, 11, 35) },
    listed: found,
    listLimit: 1000,
    found,
    groups,
    plan,
    retried: [found[2]],
    failures: [],
    triggerRuns: [
      { trigger: "hourly-sync-hourly", runs: 25, failed: 3 },
      { trigger: "nightly-ingest-schedule", runs: 1000, failed: 7, truncated: true },
      { trigger: "gone", error: notFound },
    ],
    secrets: [SECRET, undefined],
  });
  assert.deepEqual(s, {
    event: "auto-retry",
    project: "p",
    ok: true,
    found: 3,
    retried: 1,
    skipped: 2,
    failed: 0,
    skippedBecause: { terminated: 0, notTransient: 2, maxRetries: 0, perRunCap: 0 },
    groups: { transient: 6, notTransient: 7 },
    notTransientTop: [
      { workflowExternalId: "nightly-ingest", signature: "Login refused for ***", count: 3 },
      {
        workflowExternalId: "nightly-ingest",
        signature: "Task load-assets failed: Transformation sap-assets-to-cdf failed: <n> rows violate the unique constraint on externalId",
        count: 1,
      },
      { workflowExternalId: "hourly-sync", signature: "Task sync-timeseries failed: Could not connect to host <n>.<n>:<n>", count: 1 },
      { workflowExternalId: "asset-hierarchy", signature: "Transformation asset-hierarchy-build failed: parent asset plant-oslo/pump-<n> does not exist", count: 1 },
      { workflowExternalId: "quality-checks", signature: "Simulation pump-efficiency failed: the solver did not converge after <n> iterations", count: 1 },
    ],
    window: { failedSince: "2026-12-07T11:35:00.000Z", createdTimeStart: "2026-12-06T12:00:00.000Z", end: "2026-12-07T12:00:00.000Z" },
    listed: 3,
    triggerRuns: {
      failed: 10,
      byTrigger: [
        { trigger: "hourly-sync-hourly", runs: 25, failed: 3 },
        { trigger: "nightly-ingest-schedule", runs: 1000, failed: 7, truncated: true },
        {
          trigger: "gone",
          error: { kind: "api", status: 404, operation: "listTriggerRuns", retryable: false, message: 'CDF answered 404 to listTriggerRuns: Trigger "gone" not found' },
        },
      ],
    },
    scheduledTime: "2026-12-07T12:00:00.000Z",
    durationMs: 30,
  });
  assert.ok(!JSON.stringify(s).includes(SECRET));
  assert.equal(JSON.stringify(s).match(/"signature"/g).length, 5, "at most 5 signatures, no execution id of a skipped group");
  for (const id of [ID(1), ID(2)]) assert.ok(!JSON.stringify(s).includes(id), "skipped executions are counted, not listed");

  // Nothing skipped as not transient: no notTransientTop; no TRIGGERS: no triggerRuns.
  const quiet = summarize({ found: [], groups: classifyGroups([], DEFAULT_TRANSIENT_CAUSES), plan: { retry: [], skipped: { terminated: [], notTransient: [], maxRetries: [], perRunCap: [] } } });
  assert.deepEqual(quiet.groups, { transient: 0, notTransient: 0 });
  assert.ok(!("notTransientTop" in quiet) && !("triggerRuns" in quiet));
});
