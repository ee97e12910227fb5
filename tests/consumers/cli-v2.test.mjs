// The command line's subcommands built on the package's 0.2 functions (retryExecutions,
// listExecutions, getExecution, waitForExecution, clientCredentialsToken, onRetry), installed
// from the tarball and run against the mock CDF server. The list and get answers are scripted
// (`on: "any"` steps, which also match the read endpoints), so each test knows every byte CDF
// sends; sessions and retries go to the mock's real endpoints.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { FAILED_ID, COMPLETED_ID, OTHER_FAILED_ID, uniqueProject } from "./helpers.mjs";
import { HAS_SCRIPT, NAME, SECRET, assertRetried, control, jsonLines, lines, runCli, runOnTerminal, seed, setupCli } from "./cli-helpers.mjs";

const TIMED_OUT_ID = "22222222-2222-4222-8222-222222222222";
const TERMINATED_ID = "33333333-3333-4333-8333-333333333333";
const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];

let setup;
before(async () => {
  setup = await setupCli("cli-v2");
});
after(() => setup?.close());

const cli = (args, options) => runCli(setup, args, options);
const base = (project) => ["--project", project, "--base-url", setup.mock.url];
const REQUEST_ID = /mock-\d+-[0-9a-f]{8}/.source;

/** An execution as getExecution answers it: the seed, with tasks and definition, in `status`. */
function details(id, status, { reason } = {}) {
  const execution = seed(id);
  delete execution.endTime;
  delete execution.reasonForIncompletion;
  const startTime = 1773200000000;
  const ended = status !== "RUNNING";
  const task = {
    id: "aaaaaaaa-0000-4000-8000-000000000001",
    externalId: "load-assets",
    status: status === "RUNNING" ? "IN_PROGRESS" : status === "COMPLETED" ? "COMPLETED" : "FAILED",
    taskType: "function",
    startTime,
    ...(ended ? { endTime: startTime + 5000 } : {}),
    input: { function: { externalId: "load-assets-fn", data: { day: "2026-03-10" } } },
    output: ended ? { callId: 7, functionId: 8, response: { rows: 12 } } : {},
  };
  return {
    ...execution,
    status,
    startTime,
    ...(ended ? { endTime: startTime + 6000 } : {}),
    ...(reason ? { reasonForIncompletion: reason } : {}),
    executedTasks: [task],
    workflowDefinition: { hash: "H-1", tasks: [{ externalId: "load-assets", type: "function", parameters: { function: { externalId: "load-assets-fn" } } }] },
  };
}

/** Scripted answers of a read endpoint (list, get): one `on: "any"` step each. */
const answers = (...bodies) => bodies.map((body) => ({ on: "any", status: 200, body }));
/** Lets the next session and retry through to the mock's real endpoints. */
const realRetry = [{ on: "sessions" }, { on: "retry" }];

const label = (id) => {
  const e = seed(id);
  return `${id} (${[e.workflowExternalId, e.version].filter(Boolean).join(" ")})`;
};

test("cli v2: retry with several ids retries each with its own session, one JSON line each; the first failure sets the exit code", async () => {
  const project = uniqueProject("cli2many");
  const from = Date.now();
  const r = await cli(["retry", FAILED_ID, TIMED_OUT_ID, COMPLETED_ID, FAILED_ID.toUpperCase(), ...base(project), "--concurrency", "1"]);
  const to = Date.now();
  assert.equal(r.code, 3, r.stderr);
  const out = jsonLines(r.stdout);
  assert.equal(out.length, 2);
  assertRetried(out[0], FAILED_ID, from, to);
  assertRetried(out[1], TIMED_OUT_ID, from, to);
  const err = lines(r.stderr);
  assert.equal(err.length, 4, r.stderr);
  assert.equal(err[0], `${NAME}: [1/3] retried ${label(FAILED_ID)}: RUNNING`);
  assert.equal(err[1], `${NAME}: [2/3] retried ${label(TIMED_OUT_ID)}: RUNNING`);
  assert.match(err[2], new RegExp(`^${NAME}: \\[3/3\\] failed ${COMPLETED_ID}: api status=400 operation=retryExecution requestId=${REQUEST_ID}: .*COMPLETED`));
  assert.equal(err[3], `${NAME}: 3 executions: 2 retried, 1 failed`);
  const requests = await control(setup, project).log();
  assert.deepEqual(requests.map((q) => q.op), ["sessions", "retry", "sessions", "retry", "sessions", "retry"]);
  const nonces = requests.filter((q) => q.op === "retry").map((q) => JSON.parse(q.body).authentication.nonce);
  assert.equal(new Set(nonces).size, 3, "a nonce per execution");

  const ok = await cli([OTHER_FAILED_ID, TERMINATED_ID, ...base(project)]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(jsonLines(ok.stdout).map((e) => e.id).sort(), [TERMINATED_ID, OTHER_FAILED_ID].sort());
  assert.equal(lines(ok.stderr).at(-1), `${NAME}: 2 executions: 2 retried`);
});

test("cli v2: --json in a batch: each failure is one JSON object with its executionId, and nothing else on stderr", async () => {
  const project = uniqueProject("cli2json");
  const r = await cli([FAILED_ID, COMPLETED_ID, ...base(project), "--concurrency", "1", "--json"]);
  assert.equal(r.code, 3);
  assert.deepEqual(jsonLines(r.stdout).map((e) => e.id), [FAILED_ID]);
  const [line, ...rest] = lines(r.stderr);
  assert.deepEqual(rest, []);
  const error = JSON.parse(line);
  assert.deepEqual(Object.keys(error), ["executionId", "kind", "status", "code", "requestId", "message", "retryable", "operation", "field"]);
  assert.match(error.requestId, new RegExp(`^${REQUEST_ID}$`));
  assert.deepEqual(error, { ...error, executionId: COMPLETED_ID, kind: "api", status: 400, code: 400, retryable: false, operation: "retryExecution", field: null });
});

test("cli v2: list sends the filter, prints each execution as one JSON line", async () => {
  const project = uniqueProject("cli2list");
  const ctl = control(setup, project);
  await ctl.script(answers({ items: [seed(FAILED_ID), seed(OTHER_FAILED_ID)] }));
  const r = await cli(["list", ...base(project), "--workflow", "nightly-ingest", "--workflow", "asset-hierarchy", "--status", "failed,TIMED_OUT",
    "--status", "FAILED", "--since", "2026-03-01", "--limit", "5"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(jsonLines(r.stdout), [seed(FAILED_ID), seed(OTHER_FAILED_ID)]);
  const [request, ...more] = await ctl.log();
  assert.deepEqual(more, []);
  assert.equal(request.method, "POST");
  assert.equal(request.path, `/api/v1/projects/${project}/workflows/executions/list`);
  const body = JSON.parse(request.body);
  assert.deepEqual(body.filter, {
    workflowFilters: [{ externalId: "nightly-ingest" }, { externalId: "asset-hierarchy" }],
    status: ["FAILED", "TIMED_OUT"],
    createdTimeStart: Date.UTC(2026, 2, 1),
  });
  assert.equal(body.limit, 5);
  assert.equal(body.cursor ?? null, null);

  // --since as a duration back from now; no other filter.
  await ctl.script(answers({ items: [] }));
  const from = Date.now();
  const recent = await cli(["list", ...base(project), "--since", "24h"]);
  const to = Date.now();
  assert.equal(recent.code, 0, recent.stderr);
  assert.equal(recent.stdout, "");
  const { filter } = JSON.parse((await ctl.log())[1].body);
  assert.deepEqual(Object.keys(filter), ["createdTimeStart"]);
  assert.ok(filter.createdTimeStart >= from - 86_400_000 && filter.createdTimeStart <= to - 86_400_000, String(filter.createdTimeStart));
});

test("cli v2: get prints the execution with its tasks; GET without a body", async () => {
  const project = uniqueProject("cli2get");
  const ctl = control(setup, project);
  const answer = details(FAILED_ID, "FAILED", { reason: "Task load-assets failed" });
  await ctl.script(answers(answer));
  const r = await cli(["get", FAILED_ID.toUpperCase(), ...base(project)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(jsonLines(r.stdout), [answer]);
  const [request] = await ctl.log();
  assert.equal(request.method, "GET");
  assert.equal(request.path, `/api/v1/projects/${project}/workflows/executions/${FAILED_ID}`);
  assert.equal(request.body, "");
  assert.equal(request.headers["content-type"], undefined);

  await ctl.script({ on: "any", status: 404, body: { error: { code: 404, message: "Workflow execution not found" } } });
  const missing = await cli(["get", OTHER_FAILED_ID, ...base(project)]);
  assert.equal(missing.code, 3);
  assert.equal(missing.stdout, "");
  assert.match(lines(missing.stderr)[0], new RegExp(`^${NAME}: api status=404 operation=getExecution requestId=${REQUEST_ID}: `));
  assert.equal(lines(missing.stderr).length, 1);
});

test("cli v2: wait polls until the execution ends: exit 0 when COMPLETED, 8 when it ended otherwise", async () => {
  const project = uniqueProject("cli2wait");
  const ctl = control(setup, project);
  const done = details(TIMED_OUT_ID, "COMPLETED");
  await ctl.script(answers(details(TIMED_OUT_ID, "RUNNING"), details(TIMED_OUT_ID, "RUNNING"), done));
  const r = await cli(["wait", TIMED_OUT_ID, ...base(project), "--poll-interval-ms", "100"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [done]);
  assert.deepEqual(lines(r.stderr), [`${NAME}: waiting for ${TIMED_OUT_ID}`, `${NAME}: ${label(TIMED_OUT_ID)} ended COMPLETED`]);
  const polls = await ctl.log();
  assert.deepEqual(polls.map((q) => q.method), ["GET", "GET", "GET"]);
  assert.ok(polls[1].time - polls[0].time >= 90 && polls[2].time - polls[1].time >= 190, "100 ms, then 200 ms between polls");

  const failed = details(TIMED_OUT_ID, "TIMED_OUT", { reason: "Workflow timed out after 3600 s" });
  await ctl.script(answers(failed));
  const ended = await cli(["wait", TIMED_OUT_ID, ...base(project)]);
  assert.equal(ended.code, 8, ended.stderr);
  assert.deepEqual(jsonLines(ended.stdout), [failed]);
  assert.deepEqual(lines(ended.stderr), [`${NAME}: waiting for ${TIMED_OUT_ID}`, `${NAME}: ${label(TIMED_OUT_ID)} ended TIMED_OUT: Workflow timed out after 3600 s`]);

  // --timeout-ms is the deadline of the whole wait.
  await ctl.script(answers(...Array.from({ length: 20 }, () => details(TIMED_OUT_ID, "RUNNING"))));
  const late = await cli(["wait", TIMED_OUT_ID, ...base(project), "--poll-interval-ms", "100", "--timeout-ms", "250"]);
  assert.equal(late.code, 5, late.stderr);
  assert.equal(late.stdout, "");
  const [first, second, ...rest] = lines(late.stderr);
  assert.deepEqual(rest, []);
  assert.equal(first, `${NAME}: waiting for ${TIMED_OUT_ID}`);
  assert.match(second, new RegExp(`^${NAME}: waiting for ${TIMED_OUT_ID} failed: timeout operation=getExecution`));
});

test("cli v2: retry --wait prints the final state; exit 0 when it ends COMPLETED, 8 when FAILED", async () => {
  for (const [status, code, reason] of [["COMPLETED", 0], ["FAILED", 8, "Task load-assets failed again"]]) {
    const project = uniqueProject("cli2rw");
    const ctl = control(setup, project);
    const final = details(FAILED_ID, status, { reason });
    await ctl.script([...realRetry, ...answers(details(FAILED_ID, "RUNNING"), final)]);
    const r = await cli(["retry", FAILED_ID, ...base(project), "--wait", "--poll-interval-ms", "100", "--wait-timeout-ms", "20000"]);
    assert.equal(r.code, code, r.stderr);
    assert.deepEqual(jsonLines(r.stdout), [final]);
    assert.deepEqual(lines(r.stderr), [
      `${NAME}: retried ${label(FAILED_ID)}: RUNNING; waiting`,
      `${NAME}: ${label(FAILED_ID)} ended ${status}${reason ? `: ${reason}` : ""}`,
    ]);
    const requests = await ctl.log();
    assert.deepEqual(requests.map((q) => q.method), ["POST", "POST", "GET", "GET"]);
    assert.deepEqual(requests.slice(0, 2).map((q) => q.op), ["sessions", "retry"]);
    assert.equal(requests[2].path, `/api/v1/projects/${project}/workflows/executions/${FAILED_ID}`);
  }
});

test("cli v2: retry-failed --dry-run only lists what it would retry", async () => {
  const project = uniqueProject("cli2dry");
  const ctl = control(setup, project);
  await ctl.script(answers({ items: [seed(FAILED_ID), seed(TIMED_OUT_ID)] }));
  const r = await cli(["retry-failed", ...base(project), "--workflow", "nightly-ingest", "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [seed(FAILED_ID), seed(TIMED_OUT_ID)]);
  assert.deepEqual(lines(r.stderr), [`${NAME}: dry run: 2 executions would be retried`]);
  const [request, ...more] = await ctl.log();
  assert.deepEqual(more, [], "nothing was retried");
  assert.deepEqual(JSON.parse(request.body).filter, { workflowFilters: [{ externalId: "nightly-ingest" }], status: RETRYABLE });
});

test("cli v2: retry-failed --dry-run checks the options the real run checks (a bad --concurrency exits 2, nothing sent)", async () => {
  const project = uniqueProject("cli2dryc");
  const ctl = control(setup, project);
  for (const bad of ["0", "17", "99", "x"]) {
    const r = await cli(["retry-failed", ...base(project), "--all", "--dry-run", "--concurrency", bad]);
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--concurrency/);
  }
  assert.deepEqual(await ctl.log(), [], "nothing was sent");
});

test("cli v2: retry-failed --dry-run against the mock's own list, in text and --json: what it would retry, and no session or retry sent", async () => {
  for (const json of [false, true]) {
    const project = uniqueProject("cli2dryreal");
    const mockApi = async (path) => (await fetch(`${setup.mock.url}/_mock/projects/${project}/${path}`)).json();
    const before = (await mockApi("executions")).items;
    const expected = before.filter((e) => e.workflowExternalId === "nightly-ingest" && RETRYABLE.includes(e.status)).map((e) => e.id);
    assert.ok(expected.length >= 2, "the seed has several retryable nightly-ingest executions");
    // Client credentials for sessions are set: still no session may be made.
    const r = await cli(["retry-failed", ...base(project), "--workflow", "nightly-ingest", "--dry-run", ...(json ? ["--json"] : [])], {
      env: { CDF_CLIENT_ID: "test-client-dry", CDF_CLIENT_SECRET: SECRET },
    });
    assert.equal(r.code, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.deepEqual(out.map((e) => e.id), expected, "every execution it would retry, in the list's order (newest first)");
    for (const e of out) assert.ok(e.workflowExternalId === "nightly-ingest" && RETRYABLE.includes(e.status), JSON.stringify(e));
    assert.deepEqual(lines(r.stderr), json ? [] : [`${NAME}: dry run: ${expected.length} executions would be retried`]);

    const { requests } = await mockApi("stats");
    assert.deepEqual(Object.entries(requests).filter(([, n]) => n > 0), [["list", 1]], `one list request and nothing else: ${JSON.stringify(requests)}`);
    assert.deepEqual((await control(setup, project).log()).map((q) => q.path), [`/api/v1/projects/${project}/workflows/executions/list`]);
    assert.deepEqual((await mockApi("executions")).items, before, "no execution changed");
  }
});

test("cli v2: retry-failed lists with the filter, then retries each execution found", async () => {
  const project = uniqueProject("cli2rf");
  const ctl = control(setup, project);
  await ctl.script(answers({ items: [seed(FAILED_ID), seed(TIMED_OUT_ID), seed(TERMINATED_ID)] }));
  const from = Date.now();
  const r = await cli(["retry-failed", ...base(project), "--since", "7d", "--status", "FAILED", "--status", "timed_out,TERMINATED", "--limit", "3", "--concurrency", "1"]);
  const to = Date.now();
  assert.equal(r.code, 0, r.stderr);
  const out = jsonLines(r.stdout);
  assert.equal(out.length, 3);
  [FAILED_ID, TIMED_OUT_ID, TERMINATED_ID].forEach((id, i) => assertRetried(out[i], id, from, to));
  assert.deepEqual(lines(r.stderr), [
    `${NAME}: [1/3] retried ${label(FAILED_ID)}: RUNNING`,
    `${NAME}: [2/3] retried ${label(TIMED_OUT_ID)}: RUNNING`,
    `${NAME}: [3/3] retried ${label(TERMINATED_ID)}: RUNNING`,
    `${NAME}: 3 executions: 3 retried`,
  ]);
  const requests = await ctl.log();
  // The list request by its path (the mock's op name for it has changed over time).
  const ops = requests.map((q) => (q.path.endsWith("/workflows/executions/list") ? "list" : q.op));
  assert.deepEqual(ops, ["list", "sessions", "retry", "sessions", "retry", "sessions", "retry"]);
  const body = JSON.parse(requests[0].body);
  assert.equal(requests[0].path, `/api/v1/projects/${project}/workflows/executions/list`);
  assert.deepEqual(Object.keys(body.filter).sort(), ["createdTimeStart", "status"]);
  assert.deepEqual([...body.filter.status].sort(), [...RETRYABLE].sort());
  assert.ok(body.filter.createdTimeStart >= from - 7 * 86_400_000 && body.filter.createdTimeStart <= to - 7 * 86_400_000);
  assert.equal(body.limit, 3);

  // Nothing found: exit 0, one line on stderr. --all: no filter beyond the status.
  const empty = uniqueProject("cli2none");
  await control(setup, empty).script(answers({ items: [] }));
  const none = await cli(["retry-failed", ...base(empty), "--all"]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, "");
  assert.deepEqual(lines(none.stderr), [`${NAME}: no executions to retry`]);
  const [list] = await control(setup, empty).log();
  assert.deepEqual(Object.keys(JSON.parse(list.body).filter), ["status"]);
});

test("cli v2: --verbose prints each retry and its wait (onRetry); without it, nothing", async () => {
  const throttled = { on: "retry", status: 429, headers: { "retry-after": "0" } };
  for (const [extra, expected] of [
    [[], null],
    [["--verbose"], "text"],
    [["--verbose", "--json"], "json"],
  ]) {
    const project = uniqueProject("cli2verbose");
    await control(setup, project).script(throttled);
    const r = await cli([FAILED_ID, ...base(project), ...extra]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonLines(r.stdout).map((e) => e.id), [FAILED_ID]);
    if (expected === null) {
      assert.equal(r.stderr, "");
    } else if (expected === "text") {
      const [line, ...rest] = lines(r.stderr);
      assert.deepEqual(rest, []);
      assert.match(line, new RegExp(`^${NAME}: retryExecution attempt 2 failed \\(api 429 requestId=${REQUEST_ID}\\); retrying in 0 ms$`));
    } else {
      const [event, ...rest] = lines(r.stderr).map((l) => JSON.parse(l));
      assert.deepEqual(rest, []);
      assert.match(event.requestId, new RegExp(`^${REQUEST_ID}$`));
      assert.deepEqual(event, { event: "retry", operation: "retryExecution", attempt: 2, waitMs: 0, kind: "api", status: 429, requestId: event.requestId, newSession: false });
    }
  }
});

/** A stand-in identity provider's token endpoint; `answer()` gives { status, body } per request. */
async function tokenServer(answer) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ method: req.method, headers: req.headers, form: Object.fromEntries(new URLSearchParams(body)) });
      const { status, body: out } = answer();
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(out));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/oauth2/v2.0/token`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test("cli v2: the token by client credentials from IDP_TOKEN_URL, IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_SCOPES, IDP_AUDIENCE", async (t) => {
  const ISSUED = "test-token-idp-SECRET-1";
  let answer = { status: 200, body: { access_token: ISSUED, token_type: "Bearer", expires_in: 3600 } };
  const idp = await tokenServer(() => answer);
  t.after(idp.close);
  const idpEnv = { CDF_TOKEN: undefined, IDP_TOKEN_URL: idp.url, IDP_CLIENT_ID: "cli-client", IDP_CLIENT_SECRET: SECRET };
  const form = { grant_type: "client_credentials", client_id: "cli-client", client_secret: SECRET };

  const cases = [
    [{ IDP_SCOPES: "scope-a, scope-b  scope-c" }, { ...form, scope: "scope-a scope-b scope-c" }],
    [{}, { ...form, scope: `${setup.mock.url}/.default` }], // the default scope: the CDF origin's
    [{ IDP_AUDIENCE: "https://cdf.example" }, { ...form, audience: "https://cdf.example" }],
  ];
  for (const [extra, expected] of cases) {
    const project = uniqueProject("cli2idp");
    idp.requests.length = 0;
    const r = await cli([FAILED_ID, ...base(project)], { env: { ...idpEnv, ...extra }, secrets: [ISSUED] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(jsonLines(r.stdout).map((e) => e.id), [FAILED_ID]);
    assert.equal(idp.requests.length, 1);
    const [request] = idp.requests;
    assert.equal(request.method, "POST");
    assert.deepEqual(request.form, expected);
    assert.equal(request.headers.authorization, undefined);
    assert.equal(request.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual((await control(setup, project).log()).map((q) => q.headers.authorization), [`Bearer ${ISSUED}`, `Bearer ${ISSUED}`]);
  }

  // CDF_TOKEN, when set, wins: no token request.
  idp.requests.length = 0;
  const direct = await cli([FAILED_ID, ...base(uniqueProject("cli2idp"))], { env: { ...idpEnv, CDF_TOKEN: "test-token-cli-SECRET" } });
  assert.equal(direct.code, 0, direct.stderr);
  assert.equal(idp.requests.length, 0);

  // The identity provider refuses: exit 3, operation getToken, the OAuth error as code; no secret shown.
  answer = { status: 401, body: { error: "invalid_client", error_description: `client secret ${SECRET} is wrong` } };
  const project = uniqueProject("cli2idpbad");
  const refused = await cli([FAILED_ID, ...base(project), "--json"], { env: idpEnv });
  assert.equal(refused.code, 3, refused.stderr);
  assert.equal(refused.stdout, "");
  const [error, ...rest] = lines(refused.stderr).map((l) => JSON.parse(l));
  assert.deepEqual(rest, []);
  assert.deepEqual(error, { ...error, kind: "api", status: 401, code: "invalid_client", operation: "getToken", retryable: false, field: null });
  assert.equal((await control(setup, project).log()).length, 0, "nothing went to CDF");
});

test("cli v2: Ctrl-C during a batch stops it: what was retried is printed, then \"cancelled\", exit 130", async () => {
  const project = uniqueProject("cli2int");
  const ctl = control(setup, project);
  await ctl.script([{ on: "sessions" }, { on: "sessions", hang: true }]);
  let child;
  const from = Date.now();
  const running = cli([FAILED_ID, OTHER_FAILED_ID, ...base(project), "--concurrency", "1"], { onSpawn: (c) => (child = c) });
  await ctl.waitForRequests(3);
  child.kill("SIGINT");
  const r = await running;
  assert.equal(r.code, 130, r.stderr);
  const [execution, ...more] = jsonLines(r.stdout);
  assert.deepEqual(more, []);
  assertRetried(execution, FAILED_ID, from, Date.now());
  assert.deepEqual(lines(r.stderr), [`${NAME}: [1/2] retried ${label(FAILED_ID)}: RUNNING`, `${NAME}: cancelled`]);
  assert.deepEqual((await ctl.log()).map((q) => q.op), ["sessions", "retry", "sessions"], "nothing after the abort");
});

test("cli v2: on a terminal, a batch shows a progress bar instead of one line per execution", async () => {
  assert.ok(HAS_SCRIPT, "the terminal tests need `script` (util-linux, in every Debian install)");
  const project = uniqueProject("cli2tty");
  const r = await runOnTerminal(setup, [FAILED_ID, OTHER_FAILED_ID, ...base(project), "--concurrency", "1"]);
  assert.equal(r.code, 0, r.stdout);
  const CLEAR = "\r\x1b[2K";
  const output = r.stdout;
  assert.ok(output.startsWith(`${CLEAR}retrying 2 executions`), JSON.stringify(output));
  assert.ok(output.includes(`${CLEAR}[##########----------] 1/2 · 1 retried · 0 failed`), JSON.stringify(output));
  assert.ok(output.includes(`${CLEAR}[####################] 2/2 · 2 retried · 0 failed`), JSON.stringify(output));
  assert.ok(!output.includes("] retried "), "no per-execution progress lines on a terminal");
  assert.equal(output.match(/\{"id":"[^"]+"/g)?.length, 2, "the two JSON lines (stdout shares the terminal)");
  assert.ok(output.endsWith(`${CLEAR}${NAME}: 2 executions: 2 retried\r\n`), JSON.stringify(output));
});
