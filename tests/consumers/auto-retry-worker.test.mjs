// examples/auto-retry-worker: the scheduled Worker, installed with the package from the tarball,
// bundled as wrangler bundles it and run in workerd (miniflare 4) with an in-memory KV namespace,
// against the mock CDF server (its OAuth token endpoint included). The test fires the scheduled
// events itself and reads what the Worker printed (workerd's stdout and stderr) and what the mock
// received (its request log).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startMock } from "../mock/index.mjs";
import { ROOT, createConsumer, cleanup, uniqueProject, bundleLikeWrangler } from "./helpers.mjs";
import { DEFAULT_TRANSIENT_CAUSES } from "../../examples/auto-retry-worker/src/plan.js";

const EXAMPLE = join(ROOT, "examples", "auto-retry-worker");
const STATUS_SECRET = "status-secret-SHARED-7f3c";
const CRON = "*/15 * * * *";
// The mock's hand-written executions (tests/mock/README.md), oldest failure first, and why they failed.
const F_ROLLUP = "77777777-7777-4777-8777-777777777777"; // FAILED, timeseries-rollup: "… query timed out after 900 s"
const F_ASSET = "66666666-6666-4666-8666-666666666666"; // FAILED, asset-hierarchy: "… failed: 429 Too Many Requests, request id …"
const F_INGEST = "11111111-1111-4111-8111-111111111111"; // FAILED, nightly-ingest: "… 12 rows violate the unique constraint on externalId"
const T_SYNC = "22222222-2222-4222-8222-222222222222"; // TIMED_OUT, hourly-sync: "Workflow timed out after 3600 s"
const TERMINATED = "33333333-3333-4333-8333-333333333333"; // TERMINATED, backfill: "Terminated by user"
const TRANSIENT = [F_ROLLUP, F_ASSET, T_SYNC]; // FAILED and TIMED_OUT for a transient cause (the default list)
const INGEST_SIGNATURE = "Task load-assets failed: Transformation sap-assets-to-cdf failed: <n> rows violate the unique constraint on externalId";
/** A reason a retried execution fails again with that the default list takes as transient. */
const TIMEOUT_AGAIN = "Function call timed out after 900 seconds";

let dir, toml, bundle;

before(async () => {
  dir = await createConsumer("auto-retry-worker", { src: { from: join(EXAMPLE, "src") }, "wrangler.toml": { from: join(EXAMPLE, "wrangler.toml") } });
  toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
  bundle = await bundleLikeWrangler(join(dir, tomlString("main")), join(dir, "dist"));
});
after(cleanup);

function tomlString(key) {
  const value = toml.match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
  assert.ok(value, `wrangler.toml has no ${key}`);
  return value;
}

/** The [vars] of wrangler.toml: the documented defaults the test starts from. */
function tomlVars() {
  const section = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0];
  assert.ok(section, "wrangler.toml has [vars]");
  return Object.fromEntries([...section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]));
}

/**
 * A mock CDF (its own server, retried executions end after 50 ms) and the Worker in workerd,
 * configured by wrangler.toml's vars with the CDF connection pointed at the mock and `vars`
 * on top. Returns helpers to fire a run, call the Worker, read its output, and check secrecy.
 */
async function start(t, vars = {}, mockOptions = {}) {
  const project = uniqueProject("auto");
  const mock = await startMock({ project, retryOutcomeDelayMs: 50, generatedExecutions: 0, ...mockOptions });
  t.after(() => mock.close());
  let output = "";
  const bindings = {
    ...tomlVars(),
    CDF_PROJECT: project,
    CDF_CLUSTER: "",
    CDF_BASE_URL: mock.url,
    IDP_TOKEN_URL: mock.tokenUrl,
    IDP_CLIENT_ID: mock.clientId,
    IDP_CLIENT_SECRET: mock.clientSecret,
    STATUS_SECRET,
    // The mock's executions were created in March 2026: look back a year.
    LOOKBACK_HOURS: "8760",
    ...vars,
  };
  for (const [key, value] of Object.entries(bindings)) if (value === undefined) delete bindings[key];
  const mf = new Miniflare({
    modulesRoot: bundle.outDir,
    modules: [
      { type: "ESModule", path: join(bundle.outDir, "index.js") },
      ...bundle.wasm.map((f) => ({ type: "CompiledWasm", path: join(bundle.outDir, f) })),
    ],
    compatibilityDate: tomlString("compatibility_date"),
    kvNamespaces: ["RETRY_STATE"], // in memory
    bindings,
    handleRuntimeStdio(stdout, stderr) {
      stdout.setEncoding("utf8").on("data", (d) => (output += d));
      stderr.setEncoding("utf8").on("data", (d) => (output += d));
    },
  });
  t.after(() => mf.dispose());
  await mf.ready;
  const worker = await mf.getWorker();

  /** The summary lines printed so far, parsed. */
  const summaries = () =>
    output
      .split("\n")
      .filter((line) => line.startsWith('{"event":"auto-retry"'))
      .map((line) => JSON.parse(line));

  /** Fires one scheduled event; resolves to the summary line that run printed. */
  const run = async () => {
    const before = summaries().length;
    const result = await worker.scheduled({ scheduledTime: new Date(), cron: CRON });
    assert.deepEqual(result, { outcome: "ok", noRetry: false }, "the scheduled handler never throws");
    for (let i = 0; i < 100 && summaries().length === before; i++) await sleep(20);
    const lines = summaries();
    assert.equal(lines.length, before + 1, `one summary line per run; workerd printed:\n${output}`);
    return lines.at(-1);
  };

  /** The last summary line exactly as printed. */
  const lastLine = () => output.split("\n").filter((line) => line.startsWith('{"event":"auto-retry"')).at(-1);

  const status = async (headers = {}, method = "GET", path = "/status") => {
    const res = await mf.dispatchFetch(`http://worker.test${path}`, { method, headers });
    const text = await res.text();
    output += text + "\n"; // the answers are checked for secrets too
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  };

  /** Every secret the run handled: the client secret and id, the status secret, each token and nonce CDF saw. */
  const secrets = () => {
    const found = new Set([mock.clientSecret, mock.clientId, STATUS_SECRET]);
    for (const r of mock.log()) {
      const bearer = r.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
      if (bearer) found.add(bearer);
      if (r.op === "retry") found.add(JSON.parse(r.body).authentication.nonce);
    }
    return [...found];
  };
  const assertNoSecret = () => {
    const all = secrets();
    assert.ok(all.length >= 3);
    for (const secret of all) assert.ok(!output.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the Worker's output:\n${output}`);
  };

  /** The execution ids of the mock's retry requests, in order. */
  const retriedIds = () => mock.log({ op: "retry" }).map((r) => r.path.match(/executions\/([^/]+)\/retry/)[1]);

  /** Waits until every id has the status in the mock (a retried run ends after 50 ms). */
  const until = async (ids, wanted) => {
    for (let i = 0; i < 200 && !ids.every((id) => mock.status(id) === wanted); i++) await sleep(10);
    for (const id of ids) assert.equal(mock.status(id), wanted, id);
  };

  return { project, mock, run, status, summaries, lastLine, output: () => output, assertNoSecret, retriedIds, until };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("auto-retry-worker: both READMEs document every variable the Worker reads, with its default", () => {
  const plan = readFileSync(join(EXAMPLE, "src", "plan.js"), "utf8");
  const read = [...plan.matchAll(/(?:text|listText|required)\("([A-Z_]+)"\)/g)].map((m) => m[1]);
  const numbers = [...plan.matchAll(/^\s+\["([A-Z_]+)", (\d+), \d+, \d+\],/gm)].map((m) => [m[1], m[2]]);
  assert.ok(read.length === 13 && numbers.length === 7, `plan.js read as expected: ${read} / ${numbers}`);
  const secrets = ["IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "STATUS_SECRET"];
  const root = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = root.indexOf("\n## A Worker that heals failed executions on a schedule\n");
  assert.ok(at >= 0, "README.md has the section");
  const section = root.slice(at, root.indexOf("\n## ", at + 1));
  const example = readFileSync(join(EXAMPLE, "README.md"), "utf8");
  for (const [name, text] of [["README.md", section], ["examples/auto-retry-worker/README.md", example]]) {
    for (const v of [...read, ...numbers.map(([n]) => n)]) assert.ok(text.includes(`\`${v}\``), `${name} documents ${v}`);
    for (const [v, def] of numbers) assert.match(text, new RegExp(`^\\| \`${v}\` \\| ${def} \\|`, "m"), `${name}: ${v} defaults to ${def}`);
    assert.match(text, /^\| `RETRY_TERMINATED` \| `false` \|/m);
    for (const v of secrets) assert.match(text, new RegExp(`\`${v}\``), `${name} names the secret ${v}`);
    assert.match(text, /wrangler dev --test-scheduled/);
    assert.match(text, /__scheduled\?cron=/);
    assert.match(text, /wrangler deploy/);
    assert.match(text, /wrangler secret put/);
    assert.match(text, /`RETRY_STATE`/);
  }
  for (const [name, text] of [["README.md", section], ["examples/auto-retry-worker/README.md", example]]) {
    for (const cause of DEFAULT_TRANSIENT_CAUSES) assert.ok(text.includes(`\`${cause}\``), `${name} lists the default cause ${cause}`);
    assert.match(text, /^\| `TRANSIENT_CAUSES` \| the default list/m, `${name}: TRANSIENT_CAUSES defaults to the list`);
    assert.match(text, /^\| `TRIGGERS` \| none \|/m, `${name}: TRIGGERS defaults to none`);
    assert.match(text, /notTransientTop/, `${name} shows the skipped groups in the summary`);
    assert.match(text, /triggerRuns/, `${name} shows the trigger run counts in the summary`);
  }
  assert.match(example, /^## Cost per run$/m);
  assert.match(section, /\*\*Cost per run:\*\*/);
});

test("auto-retry-worker: wrangler.toml and the bundle", () => {
  assert.equal(tomlString("main"), "src/index.js");
  assert.ok(tomlString("compatibility_date") >= "2024-11-11");
  assert.match(toml, /^\[triggers\]\ncrons = \["\*\/15 \* \* \* \*"\]$/m, "a cron trigger");
  assert.match(toml, /^\[\[kv_namespaces\]\]\nbinding = "RETRY_STATE"$/m, "the KV binding");
  const vars = tomlVars();
  for (const key of ["CDF_PROJECT", "CDF_CLUSTER", "WORKFLOWS", "IDP_TOKEN_URL", "MAX_RETRIES", "MAX_PER_RUN", "RETRY_TERMINATED"]) {
    assert.ok(key in vars, `[vars] has ${key}`);
  }
  for (const secret of ["IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "STATUS_SECRET"]) {
    assert.ok(!(secret in vars), `${secret} is a secret, not a var`);
    assert.match(toml, new RegExp(`wrangler secret put ${secret}`), `wrangler.toml says how to set ${secret}`);
  }
  assert.ok(
    bundle.moduleIds.some((id) => id.endsWith(join("node_modules", "cdf-workflow-retry", "workerd.js"))),
    `the package's workerd entry was bundled; modules: ${bundle.moduleIds.join(", ")}`,
  );
  assert.ok(bundle.moduleIds.some((id) => id.endsWith(join("src", "plan.js"))));
  assert.deepEqual(bundle.wasm, ["cdf_workflow_retry_bg.wasm"]);
});

test("auto-retry-worker: the first run retries the transient failures of the configured workflows, not TERMINATED", async (t) => {
  const w = await start(t, { WORKFLOWS: "nightly-ingest, asset-hierarchy, backfill" });
  const before = Date.now();
  const s = await w.run();

  // One token, one list with the window and the workflows, then a session and a retry each.
  const list = w.mock.log({ op: "list" });
  assert.equal(list.length, 1);
  const body = JSON.parse(list[0].body);
  assert.deepEqual(body.filter.workflowFilters, [{ externalId: "nightly-ingest" }, { externalId: "asset-hierarchy" }, { externalId: "backfill" }]);
  assert.deepEqual(body.filter.status, ["FAILED", "TIMED_OUT", "TERMINATED"]);
  assert.ok(body.filter.createdTimeEnd >= before && body.filter.createdTimeEnd <= Date.now());
  assert.equal(body.filter.createdTimeEnd - body.filter.createdTimeStart, 8760 * 3_600_000, "the lookback");
  assert.equal(body.limit, 1000);
  assert.equal(list[0].headers["x-cdp-app"], "cdf-auto-retry-worker");
  assert.deepEqual(w.retriedIds(), [F_ASSET], "429 Too Many Requests is transient; a unique constraint violation is not");
  assert.equal(w.mock.log({ op: "sessions" }).length, 1);
  assert.equal(w.mock.log({ op: "token" }).length, 1);
  assert.equal(w.mock.log({ op: "triggerRuns" }).length, 0, "no TRIGGERS, no trigger history read");
  assert.equal(w.mock.status(F_INGEST), "FAILED", "not transient: left as it is");
  assert.equal(w.mock.status(TERMINATED), "TERMINATED", "TERMINATED is not retried by default");
  for (const id of [T_SYNC, F_ROLLUP]) assert.equal(w.mock.status(id), id === T_SYNC ? "TIMED_OUT" : "FAILED", "other workflows are left alone");

  assert.equal(s.ok, true);
  assert.equal(s.project, w.project);
  assert.equal(s.found, 3);
  assert.equal(s.retried, 1);
  assert.equal(s.skipped, 2);
  assert.equal(s.failed, 0);
  assert.deepEqual(s.skippedBecause, { terminated: 1, notTransient: 1, maxRetries: 0, perRunCap: 0 });
  assert.deepEqual(s.groups, { transient: 1, notTransient: 1 }, "TERMINATED is not grouped");
  assert.deepEqual(s.notTransientTop, [{ workflowExternalId: "nightly-ingest", signature: INGEST_SIGNATURE, count: 1 }]);
  assert.equal(s.listed, 3);
  assert.equal(s.window.failedSince, s.window.createdTimeStart, "the first run looks back the whole lookback");
  assert.equal(s.window.end, s.scheduledTime);
  assert.ok(!("error" in s) && !("failures" in s) && !("truncated" in s) && !("triggerRuns" in s));

  // RETRY_TERMINATED=true lets it through the status rule; its cause must still be transient.
  const terminated = await start(t, { WORKFLOWS: "backfill", RETRY_TERMINATED: "true" });
  const s2 = await terminated.run();
  assert.deepEqual(terminated.retriedIds(), []);
  assert.deepEqual(s2.skippedBecause, { terminated: 0, notTransient: 1, maxRetries: 0, perRunCap: 0 });
  assert.deepEqual(s2.notTransientTop, [{ workflowExternalId: "backfill", signature: "Terminated by user", count: 1 }]);
  const all = await start(t, { WORKFLOWS: "backfill", RETRY_TERMINATED: "true", TRANSIENT_CAUSES: "Terminated by user" });
  const s3 = await all.run();
  assert.deepEqual(all.retriedIds(), [TERMINATED]);
  assert.equal(s3.retried, 1);
  assert.equal(s3.skipped, 0);
  assert.deepEqual(s3.groups, { transient: 1, notTransient: 0 });
  assert.ok(!("notTransientTop" in s3));
  for (const x of [w, terminated, all]) x.assertNoSecret();
});

test("auto-retry-worker: an execution that fails again is retried on the next run, never past MAX_RETRIES", async (t) => {
  const w = await start(t, { WORKFLOWS: "*", MAX_RETRIES: "2" });
  w.mock.setOutcome("*", { status: "FAILED", reasonForIncompletion: TIMEOUT_AGAIN }); // every retried run times out again after 50 ms

  const s1 = await w.run();
  assert.equal(s1.retried, 3);
  assert.deepEqual(s1.skippedBecause, { terminated: 1, notTransient: 1, maxRetries: 0, perRunCap: 0 });
  assert.deepEqual(w.retriedIds().sort(), [...TRANSIENT].sort());
  await w.until(TRANSIENT, "FAILED");

  // Second run: each failed again since the first run, and was retried once: retried again.
  const s2 = await w.run();
  assert.equal(s2.found, 3, "TERMINATED and F_INGEST failed before the first run: out of the window now");
  assert.equal(s2.retried, 3);
  assert.equal(s2.skipped, 0);
  assert.deepEqual(s2.groups, { transient: 3, notTransient: 0 }, "one group per workflow: the same signature in three workflows");
  assert.equal(Date.parse(s2.window.failedSince), Date.parse(s1.scheduledTime) - 10 * 60_000, "since the last run, minus the 10 min overlap");
  assert.equal(w.retriedIds().length, 6);
  await w.until(TRANSIENT, "FAILED");

  // Third run: they failed again, but each has had its 2 retries.
  const s3 = await w.run();
  assert.equal(s3.found, 3);
  assert.equal(s3.retried, 0);
  assert.equal(s3.skipped, 3);
  assert.deepEqual(s3.skippedBecause, { terminated: 0, notTransient: 0, maxRetries: 3, perRunCap: 0 });
  assert.equal(w.mock.log({ op: "retry" }).length, 6, "no retry request past the cap");
  for (const id of TRANSIENT) assert.equal(w.retriedIds().filter((x) => x === id).length, 2, `${id} retried twice`);
  assert.equal(w.mock.log({ op: "list" }).length, 3, "one list per run");
  assert.equal(w.mock.log({ op: "token" }).length, 1, "the token is cached across runs");
  w.assertNoSecret();
});

test("auto-retry-worker: MAX_PER_RUN caps a run; the newest failures wait for the next run", async (t) => {
  const w = await start(t, { WORKFLOWS: "*", MAX_PER_RUN: "2" });
  const s1 = await w.run();
  assert.deepEqual(w.retriedIds().sort(), [F_ROLLUP, F_ASSET].sort(), "the two oldest transient failures");
  assert.equal(s1.retried, 2);
  assert.deepEqual(s1.skippedBecause, { terminated: 1, notTransient: 1, maxRetries: 0, perRunCap: 1 });
  await w.until([F_ROLLUP, F_ASSET], "COMPLETED");

  const s2 = await w.run();
  assert.deepEqual(w.retriedIds().slice(2), [T_SYNC], "the deferred one, although it failed long before the last run");
  assert.equal(s2.retried, 1);
  assert.equal(s2.found, 1, "the failures that are not transient do not hold the window back");
  assert.deepEqual(s2.skippedBecause, { terminated: 0, notTransient: 0, maxRetries: 0, perRunCap: 0 }, "TERMINATED and F_INGEST failed before the window");
  await w.until([T_SYNC], "COMPLETED");

  const s3 = await w.run();
  assert.equal(s3.found, 0, "nothing failed since");
  assert.equal(w.mock.log({ op: "retry" }).length, 3);
  w.assertNoSecret();
});

test("auto-retry-worker: a retry CDF refuses (429) does not use up MAX_RETRIES and is tried on the next run", async (t) => {
  const w = await start(t, { WORKFLOWS: "asset-hierarchy", MAX_RETRIES: "1", OVERLAP_MINUTES: "0" });
  // The library retries a 429 three times; the fourth answer ends the call.
  w.mock.script("retry", Array.from({ length: 4 }, () => ({ status: 429, headers: { "retry-after": "0" } })));
  const s1 = await w.run();
  assert.equal(s1.retried, 0);
  assert.equal(s1.failed, 1);
  assert.equal(s1.failures.length, 1);
  assert.equal(s1.failures[0].executionId, F_ASSET);
  assert.equal(s1.failures[0].kind, "api");
  assert.equal(s1.failures[0].status, 429);
  assert.equal(s1.failures[0].operation, "retryExecution");
  assert.equal(s1.failures[0].retryable, true);
  assert.match(s1.failures[0].requestId, /^mock-/);
  assert.equal(w.mock.status(F_ASSET), "FAILED");

  const s2 = await w.run();
  assert.equal(s2.found, 1, "found again although it failed before the last run: a 429 may pass");
  assert.equal(s2.retried, 1);
  assert.equal(s2.failed, 0);
  assert.equal(w.mock.status(F_ASSET), "RUNNING");
  w.mock.setOutcome(F_ASSET, { status: "FAILED", reasonForIncompletion: "Transformation 'asset-hierarchy-build' failed: 429 Too Many Requests, request id 0a1b2c3d4e5f6071" });
  await w.until([F_ASSET], "FAILED");

  const s3 = await w.run();
  assert.equal(s3.found, 1);
  assert.deepEqual(s3.skippedBecause, { terminated: 0, notTransient: 0, maxRetries: 1, perRunCap: 0 }, "MAX_RETRIES=1 used by the one retry that worked");
  assert.equal(w.mock.log({ op: "retry" }).filter((r) => r.status === 200).length, 1);
  w.assertNoSecret();
});

test("auto-retry-worker: a token endpoint outage is logged and retried on the next run", async (t) => {
  const w = await start(t, { WORKFLOWS: "*" });
  // clientCredentialsToken retries a 503 three times: four answers end the call.
  w.mock.script("token", Array.from({ length: 4 }, () => ({ status: 503, headers: { "retry-after": "0" } })));
  const s1 = await w.run();
  assert.equal(s1.ok, false);
  assert.equal(s1.project, w.project);
  assert.equal(s1.error.kind, "api");
  assert.equal(s1.error.status, 503);
  assert.equal(s1.error.operation, "getToken");
  assert.equal(s1.error.code, "temporarily_unavailable");
  assert.equal(s1.error.retryable, true);
  assert.equal(typeof s1.error.message, "string");
  assert.equal(s1.found, 0);
  assert.equal(s1.retried, 0);
  assert.equal(w.mock.log({ op: "token" }).length, 4);
  assert.equal(w.mock.log({ op: "list" }).length, 0, "nothing listed without a token");
  assert.equal(w.mock.log({ op: "retry" }).length, 0);
  const line = w.output().split("\n").find((l) => l.includes('"ok":false'));
  assert.ok(line, "the failed run printed its summary");
  const status1 = await w.status({ "x-status-secret": STATUS_SECRET });
  assert.deepEqual(status1.body.lastRun, s1, "GET /status has the failed run");

  // The next run gets a token and retries what the failed run would have.
  const s2 = await w.run();
  assert.equal(s2.ok, true);
  assert.equal(s2.window.failedSince, s2.window.createdTimeStart, "the window did not move past the failed run");
  assert.equal(s2.retried, 3);
  assert.deepEqual(w.retriedIds().sort(), [...TRANSIENT].sort());
  assert.equal(w.mock.log({ op: "token" }).length, 5);
  w.assertNoSecret();
});

test("auto-retry-worker: a CDF outage while listing is logged; the window does not move", async (t) => {
  const w = await start(t, { WORKFLOWS: "*" });
  w.mock.script("list", { status: 503, headers: { "retry-after": "0" }, times: 4 });
  const s1 = await w.run();
  assert.equal(s1.ok, false);
  assert.deepEqual(
    { kind: s1.error.kind, status: s1.error.status, operation: s1.error.operation },
    { kind: "api", status: 503, operation: "listExecutions" },
  );
  assert.equal(Date.parse(s1.window.end), Date.parse(s1.scheduledTime));
  const s2 = await w.run();
  assert.equal(s2.ok, true);
  assert.equal(s2.window.failedSince, s2.window.createdTimeStart);
  assert.equal(s2.retried, 3);
  w.assertNoSecret();
});

test("auto-retry-worker: a bad configuration is one logged line, and nothing is sent", async (t) => {
  const w = await start(t, { WORKFLOWS: "", IDP_CLIENT_SECRET: undefined, MAX_RETRIES: "many" });
  const s = await w.run();
  assert.equal(s.ok, false);
  assert.equal(s.project, null, "no project before the configuration is read");
  assert.deepEqual(s.error, {
    kind: "config",
    message: "bad configuration: WORKFLOWS is required; MAX_RETRIES must be an integer from 1 to 100; IDP_CLIENT_SECRET is required",
  });
  assert.equal(w.mock.log().length, 0);
  const status = await w.status({ "x-status-secret": STATUS_SECRET });
  assert.equal(status.status, 500);
  assert.equal(status.body.error.kind, "config");
  w.assertNoSecret();
});

test("auto-retry-worker: GET /status answers the last run's summary to the shared secret only", async (t) => {
  const w = await start(t, { WORKFLOWS: "asset-hierarchy" });
  const none = await w.status({ "x-status-secret": STATUS_SECRET });
  assert.equal(none.status, 200);
  assert.deepEqual(none.body, { project: w.project, lastRun: null }, "no run yet");

  const s = await w.run();
  const ok = await w.status({ "x-status-secret": STATUS_SECRET });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(ok.headers.get("cache-control"), "no-store");
  assert.deepEqual(ok.body, { project: w.project, lastRun: s }, "the summary the run logged");
  assert.equal(ok.body.lastRun.retried, 1);

  for (const headers of [{}, { "x-status-secret": "wrong" }, { "x-status-secret": `${STATUS_SECRET}x` }, { authorization: `Bearer ${STATUS_SECRET}` }]) {
    const denied = await w.status(headers);
    assert.equal(denied.status, 401, JSON.stringify(Object.keys(headers)));
    assert.ok(!("lastRun" in denied.body));
  }
  const post = await w.status({ "x-status-secret": STATUS_SECRET }, "POST");
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET");
  assert.equal((await w.status({ "x-status-secret": STATUS_SECRET }, "GET", "/")).status, 404);
  assert.equal((await w.status({ "x-status-secret": STATUS_SECRET }, "GET", "/status/x")).status, 404);

  // Without STATUS_SECRET there is no /status at all.
  const off = await start(t, { WORKFLOWS: "asset-hierarchy", STATUS_SECRET: undefined });
  await off.run();
  assert.equal((await off.status({ "x-status-secret": STATUS_SECRET })).status, 404);
  assert.equal((await off.status({})).status, 404);
  w.assertNoSecret();
});

/**
 * Every execution the Worker can find (FAILED, TIMED_OUT, TERMINATED, with their reasons), read
 * from the mock's list API: the oracle of the tests below. Sent without x-cdp-app, so the
 * Worker's own requests stay apart in the log.
 */
async function failuresAtMock(mock) {
  const res = await fetch(`${mock.url}/api/v1/projects/${mock.project}/workflows/executions/list`, {
    method: "POST",
    headers: { authorization: `Bearer ${mock.token}`, accept: "application/json", "content-type": "application/json", "x-cdp-sdk": "cdf-workflow-retry:0.3.0" },
    body: JSON.stringify({ filter: { status: ["FAILED", "TIMED_OUT", "TERMINATED"] }, limit: 1000 }),
  });
  assert.equal(res.status, 200);
  const { items, nextCursor } = await res.json();
  assert.equal(nextCursor, undefined);
  return items;
}

// The mock's failure reasons (tests/mock/README.md, "Why they failed") by what the default list
// should make of them: written from the mock's table, not from the Worker's matching.
const MOCK_TRANSIENT = /timed out|429 Too Many Requests|Service temporarily unavailable/;
const MOCK_NOT_TRANSIENT = /unique constraint|Could not connect to host|does not exist|did not converge|Terminated by user|^cancelled$/;
const GENERATED = { generatedExecutions: 60, seed: 7 };

test("auto-retry-worker: only the transient groups are retried; the others are skipped and reported by signature", async (t) => {
  const w = await start(t, { WORKFLOWS: "*", MAX_PER_RUN: "100" }, GENERATED);
  const all = await failuresAtMock(w.mock);
  const candidates = all.filter((e) => e.status !== "TERMINATED");
  for (const e of all) {
    assert.ok(MOCK_TRANSIENT.test(e.reasonForIncompletion) !== MOCK_NOT_TRANSIENT.test(e.reasonForIncompletion), `the oracle knows: ${e.reasonForIncompletion}`);
  }
  const transient = candidates.filter((e) => MOCK_TRANSIENT.test(e.reasonForIncompletion)).map((e) => e.id);
  const notTransient = candidates.filter((e) => !MOCK_TRANSIENT.test(e.reasonForIncompletion));
  assert.ok(transient.length >= 5 && notTransient.length >= 5, `the seed gives both kinds: ${transient.length} / ${notTransient.length}`);
  // Retried runs fail again, for a reason outside the list ("Task <task> failed"): see the second run.
  w.mock.setOutcome("*", "FAILED");

  const s = await w.run();
  // At the mock: a retry request for each transient failure, none for the others.
  assert.deepEqual(w.retriedIds().sort(), [...transient].sort());
  assert.equal(w.mock.log({ op: "sessions" }).length, transient.length);
  for (const e of notTransient) assert.equal(w.mock.status(e.id), e.status, `${e.reasonForIncompletion}: left as it is`);

  assert.equal(s.ok, true);
  assert.equal(s.found, all.length);
  assert.equal(s.retried, transient.length);
  assert.deepEqual(s.skippedBecause, { terminated: all.length - candidates.length, notTransient: notTransient.length, maxRetries: 0, perRunCap: 0 });
  assert.equal(s.skipped, all.length - transient.length);
  // The groups skipped: at most 5 listed, the largest first, each by workflow, signature and count.
  assert.ok(s.groups.transient >= 3 && s.groups.notTransient >= 3, JSON.stringify(s.groups));
  assert.equal(s.notTransientTop.length, Math.min(5, s.groups.notTransient));
  for (let i = 1; i < s.notTransientTop.length; i++) assert.ok(s.notTransientTop[i - 1].count >= s.notTransientTop[i].count, "largest first");
  if (s.groups.notTransient <= 5) assert.equal(s.notTransientTop.reduce((n, g) => n + g.count, 0), notTransient.length, "every skipped execution in a listed group");
  for (const g of s.notTransientTop) {
    assert.deepEqual(Object.keys(g), ["workflowExternalId", "signature", "count"]);
    assert.match(g.signature, MOCK_NOT_TRANSIENT);
    const members = notTransient.filter((e) => e.workflowExternalId === g.workflowExternalId && MOCK_NOT_TRANSIENT.exec(e.reasonForIncompletion)[0] === MOCK_NOT_TRANSIENT.exec(g.signature)[0]);
    assert.ok(members.length >= g.count && g.count >= 1, `${g.signature}: ${g.count} of ${members.length}`);
  }
  const line = w.lastLine();
  for (const e of all) if (!transient.includes(e.id)) assert.ok(!line.includes(e.id), "skipped executions are counted, never listed");

  // Retried runs that fail again for a reason outside the list are skipped by the next run.
  await w.until(transient, "FAILED");
  const s2 = await w.run();
  assert.equal(s2.found, transient.length);
  assert.equal(s2.retried, 0);
  assert.deepEqual(s2.skippedBecause, { terminated: 0, notTransient: transient.length, maxRetries: 0, perRunCap: 0 });
  assert.equal(s2.groups.transient, 0);
  for (const g of s2.notTransientTop) assert.match(g.signature, /^Task [\w-]+ failed$/);
  assert.equal(w.mock.log({ op: "retry" }).length, transient.length, "no retry in the second run");
  w.assertNoSecret();
});

test("auto-retry-worker: TRANSIENT_CAUSES replaces the default list; * retries every failure", async (t) => {
  // A JSON array: what this team knows passes (a database that restarts), nothing else.
  const w = await start(t, { WORKFLOWS: "*", MAX_PER_RUN: "100", TRANSIENT_CAUSES: '["could not connect to host", "Deadlock found"]' }, GENERATED);
  const all = await failuresAtMock(w.mock);
  const wanted = all.filter((e) => e.status !== "TERMINATED" && /Could not connect to host/.test(e.reasonForIncompletion)).map((e) => e.id);
  assert.ok(wanted.length >= 2, `the seed has some: ${wanted.length}`);
  const s = await w.run();
  assert.deepEqual(w.retriedIds().sort(), [...wanted].sort(), "only those; timeouts and 429 are not retried now");
  assert.equal(s.retried, wanted.length);
  assert.equal(s.skippedBecause.notTransient, all.filter((e) => e.status !== "TERMINATED").length - wanted.length);
  assert.ok(s.notTransientTop.some((g) => /timed out/.test(g.signature)), "a timeout is reported as skipped");

  // New lines or | separate the causes too.
  const piped = await start(t, { WORKFLOWS: "*", TRANSIENT_CAUSES: "unique constraint | query timed out" });
  const s2 = await piped.run();
  assert.deepEqual(piped.retriedIds().sort(), [F_INGEST, F_ROLLUP].sort());
  assert.deepEqual(s2.skippedBecause, { terminated: 1, notTransient: 2, maxRetries: 0, perRunCap: 0 });

  // "*": every failure is retried, as before this filter (TERMINATED still needs RETRY_TERMINATED).
  const every = await start(t, { WORKFLOWS: "*", MAX_PER_RUN: "100", TRANSIENT_CAUSES: "*" }, GENERATED);
  const retryable = (await failuresAtMock(every.mock)).filter((e) => e.status !== "TERMINATED");
  const s3 = await every.run();
  assert.equal(s3.retried, retryable.length);
  assert.deepEqual(every.retriedIds().sort(), retryable.map((e) => e.id).sort());
  assert.equal(s3.skippedBecause.notTransient, 0);
  assert.equal(s3.groups.notTransient, 0);
  assert.ok(!("notTransientTop" in s3));
  for (const x of [w, piped, every]) x.assertNoSecret();
});

test("auto-retry-worker: a bad TRANSIENT_CAUSES or TRIGGERS is a configuration error: one line, nothing sent", async (t) => {
  for (const [vars, message] of [
    [{ TRANSIENT_CAUSES: '["timed out", 429]' }, 'bad configuration: TRANSIENT_CAUSES must be a JSON array of strings, or causes separated by new lines or "|", or "*"'],
    [{ TRANSIENT_CAUSES: "*|timed out" }, 'bad configuration: TRANSIENT_CAUSES: "*" (every failure) must be alone'],
    [{ TRANSIENT_CAUSES: `timed out|${"x".repeat(201)}` }, "bad configuration: TRANSIENT_CAUSES: each cause is 1 to 200 characters"],
    [
      { TRIGGERS: "hourly-sync-hourly,,nightly-ingest-schedule", TRIGGER_RUNS_LIMIT: "0" },
      "bad configuration: TRIGGER_RUNS_LIMIT must be an integer from 1 to 10000; TRIGGERS is a comma-separated list of trigger external ids (1 to 255 characters each), or a JSON array of them",
    ],
  ]) {
    const w = await start(t, { WORKFLOWS: "*", ...vars });
    const s = await w.run();
    assert.equal(s.ok, false);
    assert.deepEqual(s.error, { kind: "config", message });
    assert.equal(s.found, 0);
    assert.ok(!("groups" in s) && !("triggerRuns" in s));
    assert.equal(w.mock.log().length, 0, "nothing sent");
    assert.ok(w.output().includes(JSON.stringify(s.error)), "printed");
    const status = await w.status({ "x-status-secret": STATUS_SECRET });
    assert.equal(status.status, 500);
    assert.deepEqual(status.body.error, s.error);
    w.assertNoSecret();
  }
});

test("auto-retry-worker: failed trigger runs of TRIGGERS are counted in the window", async (t) => {
  const triggers = ["hourly-sync-hourly", "nightly-ingest-schedule", "quality-checks/daily pumps", "backfill-monthly", "no-such-trigger"];
  const w = await start(t, { WORKFLOWS: "asset-hierarchy", TRIGGERS: triggers.join(",") });
  const s1 = await w.run();
  assert.equal(s1.ok, true, "a trigger that cannot be read does not fail the run");
  assert.deepEqual(w.retriedIds(), [F_ASSET], "the retries are as without TRIGGERS");

  // One history read per trigger, of TRIGGER_RUNS_LIMIT runs (all statuses: the Worker filters).
  const reads = w.mock.log({ op: "triggerRuns" });
  assert.deepEqual(
    reads.map((r) => r.path.replace(`/api/v1/projects/${w.project}/workflows/triggers/`, "")).sort(),
    [
      "backfill-monthly/history?limit=1000",
      "hourly-sync-hourly/history?limit=1000",
      "nightly-ingest-schedule/history?limit=1000",
      "no-such-trigger/history?limit=1000",
      "quality-checks%2Fdaily%20pumps/history?limit=1000",
    ],
  );
  assert.ok(reads.every((r) => r.headers["x-cdp-app"] === "cdf-auto-retry-worker"));

  // The first run's window is the whole lookback: every seeded run (February and March 2026).
  const inWindow = (trigger, status) => {
    const from = Date.parse(s1.window.failedSince);
    const to = Date.parse(s1.window.end);
    return w.mock.triggerRuns(trigger).filter((r) => r.fireTime >= from && r.fireTime <= to && (!status || r.status === status)).length;
  };
  const expected = triggers.slice(0, 4).map((trigger) => ({ trigger, runs: inWindow(trigger), failed: inWindow(trigger, "failed") }));
  assert.deepEqual(expected.slice(0, 2), [
    { trigger: "hourly-sync-hourly", runs: 155, failed: 9 },
    { trigger: "nightly-ingest-schedule", runs: 38, failed: 3 },
  ], "as tests/mock/README.md documents them");
  assert.deepEqual(s1.triggerRuns, {
    failed: 9 + 3 + 1,
    byTrigger: [
      ...expected,
      {
        trigger: "no-such-trigger",
        error: {
          kind: "api",
          status: 404,
          code: 404,
          operation: "listTriggerRuns",
          requestId: s1.triggerRuns.byTrigger[4].error?.requestId,
          retryable: false,
          message: s1.triggerRuns.byTrigger[4].error?.message,
        },
      },
    ],
  });
  assert.match(s1.triggerRuns.byTrigger[4].error.requestId, /^mock-/);
  assert.match(s1.triggerRuns.byTrigger[4].error.message, /no-such-trigger/);

  // The next run's window starts at the last run (minus the overlap): the seeded runs are older.
  const s2 = await w.run();
  assert.deepEqual(s2.triggerRuns.byTrigger.slice(0, 4), triggers.slice(0, 4).map((trigger) => ({ trigger, runs: 0, failed: 0 })));
  assert.equal(s2.triggerRuns.failed, 0);

  // A run that failed to start an execution since then is counted by the next run.
  const now = Date.now();
  w.mock.addTriggerRuns("hourly-sync-hourly", [
    { fireTime: now - 1000, status: "failed", workflowExecutionId: null, reasonForFailure: "Rate limit exceeded" },
    { fireTime: now - 500, status: "success", workflowExecutionId: "99999999-9999-4999-8999-999999999999" },
  ]);
  w.mock.addTriggerRuns("quality-checks/daily pumps", [{ fireTime: now - 800, status: "failed", reasonForFailure: "Failed to create session: the nonce has expired" }]);
  const s3 = await w.run();
  assert.deepEqual(s3.triggerRuns.byTrigger.slice(0, 4), [
    { trigger: "hourly-sync-hourly", runs: 2, failed: 1 },
    { trigger: "nightly-ingest-schedule", runs: 0, failed: 0 },
    { trigger: "quality-checks/daily pumps", runs: 1, failed: 1 },
    { trigger: "backfill-monthly", runs: 0, failed: 0 },
  ]);
  assert.equal(s3.triggerRuns.failed, 2);
  assert.equal(w.mock.log({ op: "triggerRuns" }).length, 15, "five reads a run");
  w.assertNoSecret();

  // TRIGGER_RUNS_LIMIT below the runs in the window: the counts are of the newest runs, and say so.
  const few = await start(t, { WORKFLOWS: "asset-hierarchy", TRIGGERS: '["hourly-sync-hourly"]', TRIGGER_RUNS_LIMIT: "100" });
  const s4 = await few.run();
  const newest = few.mock.triggerRuns("hourly-sync-hourly").slice(0, 100);
  assert.deepEqual(s4.triggerRuns, {
    failed: newest.filter((r) => r.status === "failed").length,
    byTrigger: [{ trigger: "hourly-sync-hourly", runs: 100, failed: newest.filter((r) => r.status === "failed").length, truncated: true }],
  });
  assert.deepEqual(few.mock.log({ op: "triggerRuns" }).map((r) => r.path.split("?")[1]), ["limit=100"]);
  few.assertNoSecret();
});

test("auto-retry-worker: the summary line's exact shape, and no secret in the new parts", async (t) => {
  // A status secret without digits or hex survives the signature rules: the Worker masks it.
  const STATUS = "swordfish-in-the-reason";
  const w = await start(t, { WORKFLOWS: "*", TRIGGERS: "hourly-sync-hourly", STATUS_SECRET: STATUS });
  w.mock.setOutcome(F_ASSET, { status: "FAILED", reasonForIncompletion: `Login refused for ${STATUS}` }); // its retry fails so
  const s1 = await w.run();
  t.diagnostic(`summary line of the first run: ${w.lastLine()}`);
  await w.until([F_ASSET], "FAILED");
  w.mock.addTriggerRuns("hourly-sync-hourly", [{ fireTime: Date.now() - 1000, status: "failed", reasonForFailure: `Rate limit exceeded for ${STATUS}` }]);
  const s2 = await w.run();
  const line = w.lastLine();
  t.diagnostic(`summary line of the second run: ${line}`);
  assert.deepEqual(JSON.parse(line), s2);

  // Keys in this order; counts are integers, times ISO strings.
  assert.deepEqual(Object.keys(s1), [
    "event", "project", "ok", "found", "retried", "skipped", "failed",
    "skippedBecause", "groups", "notTransientTop", "window", "listed", "triggerRuns", "scheduledTime", "durationMs",
  ]);
  assert.deepEqual(Object.keys(s2), Object.keys(s1));
  assert.deepEqual(Object.keys(s2.skippedBecause), ["terminated", "notTransient", "maxRetries", "perRunCap"]);
  assert.deepEqual(Object.keys(s2.groups), ["transient", "notTransient"]);
  assert.deepEqual(Object.keys(s2.window), ["failedSince", "createdTimeStart", "end"]);
  assert.deepEqual(Object.keys(s2.triggerRuns), ["failed", "byTrigger"]);
  for (const key of ["found", "retried", "skipped", "failed", "listed", "durationMs"]) assert.ok(Number.isInteger(s2[key]) && s2[key] >= 0, key);
  for (const v of [s2.scheduledTime, ...Object.values(s2.window)]) assert.match(v, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(s2.skipped, Object.values(s2.skippedBecause).reduce((a, b) => a + b, 0));

  assert.deepEqual(s2.skippedBecause, { terminated: 0, notTransient: 1, maxRetries: 0, perRunCap: 0 });
  assert.deepEqual(s2.notTransientTop, [{ workflowExternalId: "asset-hierarchy", signature: "Login refused for ***", count: 1 }], "the secret masked");
  assert.deepEqual(s2.triggerRuns, { failed: 1, byTrigger: [{ trigger: "hourly-sync-hourly", runs: 1, failed: 1 }] });
  assert.ok(!w.output().includes(STATUS), `the status secret appears in the Worker's output:\n${w.output()}`);
  w.assertNoSecret();
});
