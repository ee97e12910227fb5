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

const EXAMPLE = join(ROOT, "examples", "auto-retry-worker");
const STATUS_SECRET = "status-secret-SHARED-7f3c";
const CRON = "*/15 * * * *";
// The mock's hand-written executions (tests/mock/README.md), oldest failure first.
const F_ROLLUP = "77777777-7777-4777-8777-777777777777"; // FAILED, timeseries-rollup
const F_ASSET = "66666666-6666-4666-8666-666666666666"; // FAILED, asset-hierarchy
const F_INGEST = "11111111-1111-4111-8111-111111111111"; // FAILED, nightly-ingest
const T_SYNC = "22222222-2222-4222-8222-222222222222"; // TIMED_OUT, hourly-sync
const TERMINATED = "33333333-3333-4333-8333-333333333333"; // TERMINATED, backfill
const RETRYABLE = [F_ROLLUP, F_ASSET, F_INGEST, T_SYNC]; // FAILED and TIMED_OUT

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
async function start(t, vars = {}) {
  const project = uniqueProject("auto");
  const mock = await startMock({ project, retryOutcomeDelayMs: 50, generatedExecutions: 0 });
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

  return { project, mock, run, status, summaries, output: () => output, assertNoSecret, retriedIds, until };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("auto-retry-worker: both READMEs document every variable the Worker reads, with its default", () => {
  const plan = readFileSync(join(EXAMPLE, "src", "plan.js"), "utf8");
  const read = [...plan.matchAll(/(?:text|required)\("([A-Z_]+)"\)/g)].map((m) => m[1]);
  const numbers = [...plan.matchAll(/^\s+\["([A-Z_]+)", (\d+), \d+, \d+\],/gm)].map((m) => [m[1], m[2]]);
  assert.ok(read.length === 11 && numbers.length === 6, `plan.js read as expected: ${read} / ${numbers}`);
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

test("auto-retry-worker: the first run retries the failed executions of the configured workflows, not TERMINATED", async (t) => {
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
  assert.deepEqual(w.retriedIds().sort(), [F_INGEST, F_ASSET].sort());
  assert.equal(w.mock.log({ op: "sessions" }).length, 2);
  assert.equal(w.mock.log({ op: "token" }).length, 1);
  assert.equal(w.mock.status(TERMINATED), "TERMINATED", "TERMINATED is not retried by default");
  for (const id of [T_SYNC, F_ROLLUP]) assert.equal(w.mock.status(id), id === T_SYNC ? "TIMED_OUT" : "FAILED", "other workflows are left alone");

  assert.equal(s.ok, true);
  assert.equal(s.project, w.project);
  assert.equal(s.found, 3);
  assert.equal(s.retried, 2);
  assert.equal(s.skipped, 1);
  assert.equal(s.failed, 0);
  assert.deepEqual(s.skippedBecause, { terminated: 1, maxRetries: 0, perRunCap: 0 });
  assert.equal(s.listed, 3);
  assert.equal(s.window.failedSince, s.window.createdTimeStart, "the first run looks back the whole lookback");
  assert.equal(s.window.end, s.scheduledTime);
  assert.ok(!("error" in s) && !("failures" in s) && !("truncated" in s));

  // RETRY_TERMINATED=true retries it.
  const all = await start(t, { WORKFLOWS: "backfill", RETRY_TERMINATED: "true" });
  const s2 = await all.run();
  assert.deepEqual(all.retriedIds(), [TERMINATED]);
  assert.equal(s2.retried, 1);
  assert.equal(s2.skipped, 0);
  w.assertNoSecret();
  all.assertNoSecret();
});

test("auto-retry-worker: an execution that fails again is retried on the next run, never past MAX_RETRIES", async (t) => {
  const w = await start(t, { WORKFLOWS: "*", MAX_RETRIES: "2" });
  w.mock.setOutcome("*", "FAILED"); // every retried run fails again after 50 ms

  const s1 = await w.run();
  assert.equal(s1.retried, 4);
  assert.deepEqual(s1.skippedBecause, { terminated: 1, maxRetries: 0, perRunCap: 0 });
  assert.deepEqual(w.retriedIds().sort(), [...RETRYABLE].sort());
  await w.until(RETRYABLE, "FAILED");

  // Second run: each failed again since the first run, and was retried once: retried again.
  const s2 = await w.run();
  assert.equal(s2.found, 4, "TERMINATED failed before the first run: out of the window now");
  assert.equal(s2.retried, 4);
  assert.equal(s2.skipped, 0);
  assert.equal(Date.parse(s2.window.failedSince), Date.parse(s1.scheduledTime) - 10 * 60_000, "since the last run, minus the 10 min overlap");
  assert.equal(w.retriedIds().length, 8);
  await w.until(RETRYABLE, "FAILED");

  // Third run: they failed again, but each has had its 2 retries.
  const s3 = await w.run();
  assert.equal(s3.found, 4);
  assert.equal(s3.retried, 0);
  assert.equal(s3.skipped, 4);
  assert.deepEqual(s3.skippedBecause, { terminated: 0, maxRetries: 4, perRunCap: 0 });
  assert.equal(w.mock.log({ op: "retry" }).length, 8, "no retry request past the cap");
  for (const id of RETRYABLE) assert.equal(w.retriedIds().filter((x) => x === id).length, 2, `${id} retried twice`);
  assert.equal(w.mock.log({ op: "list" }).length, 3, "one list per run");
  assert.equal(w.mock.log({ op: "token" }).length, 1, "the token is cached across runs");
  w.assertNoSecret();
});

test("auto-retry-worker: MAX_PER_RUN caps a run; the newest failures wait for the next run", async (t) => {
  const w = await start(t, { WORKFLOWS: "*", MAX_PER_RUN: "2" });
  const s1 = await w.run();
  assert.deepEqual(w.retriedIds().sort(), [F_ROLLUP, F_ASSET].sort(), "the two oldest failures");
  assert.equal(s1.retried, 2);
  assert.deepEqual(s1.skippedBecause, { terminated: 1, maxRetries: 0, perRunCap: 2 });
  await w.until([F_ROLLUP, F_ASSET], "COMPLETED");

  const s2 = await w.run();
  assert.deepEqual(w.retriedIds().slice(2).sort(), [F_INGEST, T_SYNC].sort(), "the deferred ones, although they failed long before the last run");
  assert.equal(s2.retried, 2);
  assert.deepEqual(s2.skippedBecause, { terminated: 0, maxRetries: 0, perRunCap: 0 }, "TERMINATED failed before the window");
  await w.until([F_INGEST, T_SYNC], "COMPLETED");

  const s3 = await w.run();
  assert.equal(s3.found, 0, "nothing failed since");
  assert.equal(w.mock.log({ op: "retry" }).length, 4);
  w.assertNoSecret();
});

test("auto-retry-worker: a retry CDF refuses (429) does not use up MAX_RETRIES and is tried on the next run", async (t) => {
  const w = await start(t, { WORKFLOWS: "nightly-ingest", MAX_RETRIES: "1", OVERLAP_MINUTES: "0" });
  // The library retries a 429 three times; the fourth answer ends the call.
  w.mock.script("retry", Array.from({ length: 4 }, () => ({ status: 429, headers: { "retry-after": "0" } })));
  const s1 = await w.run();
  assert.equal(s1.retried, 0);
  assert.equal(s1.failed, 1);
  assert.equal(s1.failures.length, 1);
  assert.equal(s1.failures[0].executionId, F_INGEST);
  assert.equal(s1.failures[0].kind, "api");
  assert.equal(s1.failures[0].status, 429);
  assert.equal(s1.failures[0].operation, "retryExecution");
  assert.equal(s1.failures[0].retryable, true);
  assert.match(s1.failures[0].requestId, /^mock-/);
  assert.equal(w.mock.status(F_INGEST), "FAILED");

  const s2 = await w.run();
  assert.equal(s2.found, 1, "found again although it failed before the last run: a 429 may pass");
  assert.equal(s2.retried, 1);
  assert.equal(s2.failed, 0);
  assert.equal(w.mock.status(F_INGEST), "RUNNING");
  w.mock.setOutcome(F_INGEST, "FAILED");
  await w.until([F_INGEST], "FAILED");

  const s3 = await w.run();
  assert.equal(s3.found, 1);
  assert.deepEqual(s3.skippedBecause, { terminated: 0, maxRetries: 1, perRunCap: 0 }, "MAX_RETRIES=1 used by the one retry that worked");
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
  assert.equal(s2.retried, 4);
  assert.deepEqual(w.retriedIds().sort(), [...RETRYABLE].sort());
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
  assert.equal(s2.retried, 4);
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
