// The command line's 0.3 commands (cancel, trigger-runs, triage) end to end: installed from
// the tarball, run as node_modules/.bin/cdf-workflow-retry against the mock CDF server. The
// mock answers the cancel and trigger-history requests from scripted steps (`on: "any"` with
// the request's path), so each test knows every byte CDF sends and reads every request back
// from the mock's log. These tests need the package's 0.3 functions (cancelExecution,
// listTriggerRuns, groupFailures): against a package without them they FAIL (the CLI exits 1
// naming the missing function); nothing here is skipped.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { FAILED_ID, OTHER_FAILED_ID, uniqueProject } from "./helpers.mjs";
import { HAS_SCRIPT, NAME, TOKEN, control, jsonLines, lines, runCli, runOnTerminal, seed, setupCli } from "./cli-helpers.mjs";

const TERMINATED_ID = "33333333-3333-4333-8333-333333333333";
const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];
/** A reason with escape sequences, BEL, 8-bit CSI and a forged line; and how the CLI prints it. */
const EVIL = "ops\x1b[2J\x1b]0;pwned\x07\u009b31m\n✔ retried 999";
const CLEAN = "ops ✔ retried 999";
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

let setup;
before(async () => {
  setup = await setupCli("cli-v3");
});
after(() => setup?.close());

const cli = (args, options) => runCli(setup, args, options);
const base = (project) => ["--project", project, "--base-url", setup.mock.url];

/** The run printed nothing a terminal would obey, and no forged line. */
function assertSafe(r) {
  for (const [name, text] of [["stdout", r.stdout], ["stderr", r.stderr]]) {
    assert.equal(UNSAFE.exec(text), null, `${name}: ${JSON.stringify(text)}`);
    for (const line of text.split("\n")) assert.ok(!line.startsWith("✔"), `${name} has a forged line: ${JSON.stringify(text)}`);
  }
}

/** The cancel answer: the execution, now TERMINATED. */
function terminated(id, fields = {}) {
  const execution = seed(id);
  return { ...execution, status: "TERMINATED", endTime: execution.startTime + 1000, reasonForIncompletion: "Terminated by user", ...fields };
}
const cancelPath = (id) => `/workflows/executions/${id}/cancel`;
/** A scripted answer to the cancel request of `id`. */
const cancelAnswer = (id, status, body) => ({ on: "any", path: cancelPath(id), status, body });

test("cli v3: cancel <id> sends POST …/cancel with {} (or {\"reason\"}) and prints the TERMINATED execution", async () => {
  const project = uniqueProject("cli3cancel");
  const ctl = control(setup, project);
  await ctl.script([cancelAnswer(FAILED_ID, 200, terminated(FAILED_ID)), cancelAnswer(FAILED_ID, 200, terminated(FAILED_ID))]);

  const r = await cli(["cancel", FAILED_ID, ...base(project)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(jsonLines(r.stdout), [terminated(FAILED_ID)]);

  const why = await cli(["cancel", FAILED_ID.toUpperCase(), ...base(project), "--reason", "stuck since Monday"]);
  assert.equal(why.code, 0, why.stderr);
  assert.deepEqual(jsonLines(why.stdout), [terminated(FAILED_ID)]);

  const requests = await ctl.log();
  assert.equal(requests.length, 2, "one request per cancel, no session");
  for (const request of requests) {
    assert.equal(request.method, "POST");
    assert.equal(request.path, `/api/v1/projects/${project}${cancelPath(FAILED_ID)}`);
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(request.headers["content-type"], /^application\/json/);
    assert.match(request.headers["x-cdp-sdk"], /^cdf-workflow-retry:\d+\.\d+\.\d+/);
  }
  assert.deepEqual(JSON.parse(requests[0].body), {});
  assert.deepEqual(JSON.parse(requests[1].body), { reason: "stuck since Monday" });
});

test("cli v3: cancel with several ids: one at a time, a 404 reported and the others cancelled; --json", async () => {
  for (const json of [false, true]) {
    const project = uniqueProject("cli3many");
    const ctl = control(setup, project);
    await ctl.script([
      cancelAnswer(FAILED_ID, 200, terminated(FAILED_ID)),
      cancelAnswer(OTHER_FAILED_ID, 404, { error: { code: 404, message: "Workflow execution not found" } }),
      cancelAnswer(TERMINATED_ID, 200, terminated(TERMINATED_ID, { workflowExternalId: EVIL })),
    ]);
    const r = await cli(["cancel", FAILED_ID, OTHER_FAILED_ID, TERMINATED_ID, FAILED_ID.toUpperCase(), ...base(project), ...(json ? ["--json"] : [])]);
    assert.equal(r.code, 3, r.stderr);
    assertSafe(r);
    assert.deepEqual(jsonLines(r.stdout), [terminated(FAILED_ID), terminated(TERMINATED_ID, { workflowExternalId: CLEAN })]);
    const err = lines(r.stderr);
    if (json) {
      assert.equal(err.length, 1, r.stderr);
      const failure = JSON.parse(err[0]);
      assert.deepEqual(failure, { ...failure, executionId: OTHER_FAILED_ID, kind: "api", status: 404, operation: "cancelExecution", retryable: false });
    } else {
      assert.equal(err.length, 4, r.stderr);
      assert.equal(err[0], `${NAME}: [1/3] cancelled ${FAILED_ID} (nightly-ingest v3): TERMINATED`);
      assert.match(err[1], new RegExp(`^${NAME}: \\[2/3\\] failed ${OTHER_FAILED_ID}: api status=404 operation=cancelExecution requestId=mock-`));
      assert.equal(err[2], `${NAME}: [3/3] cancelled ${TERMINATED_ID} (${CLEAN}): TERMINATED`);
      assert.equal(err[3], `${NAME}: 3 executions: 2 cancelled, 1 failed`);
    }
    const requests = await ctl.log();
    assert.deepEqual(requests.map((q) => q.path), [FAILED_ID, OTHER_FAILED_ID, TERMINATED_ID].map((id) => `/api/v1/projects/${project}${cancelPath(id)}`));
    for (let i = 1; i < requests.length; i++) assert.ok(requests[i].time >= requests[i - 1].time, "in the order given");
  }
});

test("cli v3: cancel: a bad id or a too long --reason sends nothing (exit 2)", async () => {
  const project = uniqueProject("cli3bad");
  const badId = await cli(["cancel", FAILED_ID, "not-an-id", ...base(project)]);
  assert.equal(badId.code, 2);
  assert.equal(lines(badId.stderr)[0], `${NAME}: invalid_input: "not-an-id" is not an execution id (a UUID such as 11111111-1111-4111-8111-111111111111)`);
  const long = await cli(["cancel", FAILED_ID, OTHER_FAILED_ID, ...base(project), "--reason", "x".repeat(501), "--json"]);
  assert.equal(long.code, 2, long.stderr);
  assert.equal(long.stdout, "");
  const [failure, ...rest] = lines(long.stderr).map((l) => JSON.parse(l));
  assert.deepEqual(rest, []);
  assert.deepEqual(failure, { ...failure, kind: "invalid_input", field: "reason" });
  assert.equal((await control(setup, project).log()).length, 0, "nothing was sent");
});

/** Trigger runs as the history endpoint answers them (newest first). */
const RUNS = [
  { externalId: "nightly trigger", fireTime: 1773300000000, workflowExternalId: "nightly-ingest", workflowVersion: "v3", status: "failed", reasonForFailure: `Quota exceeded ${EVIL}` },
  { externalId: "nightly trigger", fireTime: 1773200000000, workflowExternalId: "nightly-ingest", workflowVersion: "v3", status: "success", workflowExecutionId: FAILED_ID },
  { externalId: "nightly trigger", fireTime: 1773100000000, workflowExternalId: "nightly-ingest", workflowVersion: "v3", status: "failed", reasonForFailure: "Workflow version not found" },
];
const historyPath = "/workflows/triggers/nightly trigger/history";

test("cli v3: trigger-runs prints each run as one JSON line, follows nextCursor, and keeps only --status", async () => {
  const project = uniqueProject("cli3runs");
  const ctl = control(setup, project);
  await ctl.script([
    { on: "any", path: historyPath, status: 200, body: { items: RUNS.slice(0, 2), nextCursor: "page-2" } },
    { on: "any", path: historyPath, status: 200, body: { items: RUNS.slice(2) } },
  ]);
  const r = await cli(["trigger-runs", "nightly trigger", ...base(project)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assertSafe(r);
  assert.deepEqual(jsonLines(r.stdout), [{ ...RUNS[0], reasonForFailure: `Quota exceeded ${CLEAN}` }, RUNS[1], RUNS[2]]);
  const [first, second, ...more] = await ctl.log();
  assert.deepEqual(more, []);
  for (const request of [first, second]) {
    assert.equal(request.method, "GET");
    assert.equal(request.body, "");
    assert.equal(request.headers["content-type"], undefined);
  }
  const url = (q) => new URL(q.path, setup.mock.url);
  assert.equal(url(first).pathname, `/api/v1/projects/${project}/workflows/triggers/nightly%20trigger/history`);
  assert.equal(url(first).searchParams.get("limit"), "100");
  assert.equal(url(first).searchParams.get("cursor"), null);
  assert.equal(url(second).searchParams.get("cursor"), "page-2");

  // --status failed (any case) and --limit: the limit counts the runs kept, so a second page is read.
  await ctl.script([
    { on: "any", path: historyPath, status: 200, body: { items: RUNS.slice(0, 2), nextCursor: "page-2" } },
    { on: "any", path: historyPath, status: 200, body: { items: RUNS.slice(2) } },
  ]);
  const failed = await cli(["trigger-runs", "nightly trigger", ...base(project), "--status", "FAILED", "--limit", "2"]);
  assert.equal(failed.code, 0, failed.stderr);
  assert.deepEqual(jsonLines(failed.stdout), [{ ...RUNS[0], reasonForFailure: `Quota exceeded ${CLEAN}` }, RUNS[2]]);
  const [, , third, fourth, ...rest] = await ctl.log();
  assert.deepEqual(rest, []);
  assert.equal(url(third).searchParams.get("limit"), "2");
  assert.equal(url(fourth).searchParams.get("cursor"), "page-2");
});

test("cli v3: trigger-runs: an unknown trigger is the API's 404 (exit 3); a bad --status sends nothing", async () => {
  const project = uniqueProject("cli3runs404");
  const ctl = control(setup, project);
  await ctl.script({ on: "any", path: "/workflows/triggers/gone/history", status: 404, body: { error: { code: 404, message: "Trigger not found" } } });
  const r = await cli(["trigger-runs", "gone", ...base(project)]);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(lines(r.stderr)[0], new RegExp(`^${NAME}: api status=404 operation=listTriggerRuns requestId=mock-`));
  const bad = await cli(["trigger-runs", "gone", ...base(project), "--status", "done"]);
  assert.equal(bad.code, 2);
  assert.equal(lines(bad.stderr)[0], `${NAME}: invalid_input: --status takes failed or success (got "done")`);
  assert.equal((await ctl.log()).length, 1, "only the first run sent a request");
});

const A = "aaaaaaaa-0000-4000-8000-00000000000a";
const B = "bbbbbbbb-0000-4000-8000-00000000000b";
const C = "cccccccc-0000-4000-8000-00000000000c";
const D = "dddddddd-0000-4000-8000-00000000000d";
/** Failed executions as the list answers them, newest first. */
const FAILURES = [
  { ...seed(FAILED_ID), id: A, status: "TIMED_OUT", createdTime: 1773300000000, reasonForIncompletion: "Function call timed out after 300 seconds" },
  { ...seed(FAILED_ID), id: B, status: "TIMED_OUT", createdTime: 1773200000000, reasonForIncompletion: "Function call timed out after 600 seconds" },
  { ...seed(FAILED_ID), id: C, status: "FAILED", createdTime: 1773100000000, reasonForIncompletion: "Task load-assets failed" },
  { ...seed(FAILED_ID), id: D, workflowExternalId: EVIL, status: "TERMINATED", createdTime: 1773000000000, reasonForIncompletion: `Terminated by user ${EVIL}` },
];

test("cli v3: triage lists with the filter and prints one JSON line per failure group when stdout is not a terminal", async () => {
  for (const json of [false, true]) {
    const project = uniqueProject("cli3triage");
    const ctl = control(setup, project);
    await ctl.script({ on: "list", status: 200, body: { items: FAILURES } });
    const r = await cli(["triage", ...base(project), "--workflow", "nightly-ingest", "--since", "2026-03-01", ...(json ? ["--json"] : [])]);
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r);
    const groups = jsonLines(r.stdout);
    assert.equal(groups.length, 3, r.stdout);
    assert.deepEqual(groups[0], {
      workflowExternalId: "nightly-ingest",
      signature: "Function call timed out after <n> seconds",
      statuses: { TIMED_OUT: 2 },
      count: 2,
      executionIds: [A, B],
      example: "Function call timed out after 300 seconds",
    });
    assert.deepEqual(groups[1], {
      workflowExternalId: "nightly-ingest", signature: "Task load-assets failed", statuses: { FAILED: 1 }, count: 1, executionIds: [C], example: "Task load-assets failed",
    });
    assert.deepEqual({ ...groups[2], signature: null, example: null }, {
      workflowExternalId: CLEAN, signature: null, statuses: { TERMINATED: 1 }, count: 1, executionIds: [D], example: null,
    });
    assert.match(groups[2].example, /^Terminated by user .*✔ retried 999$/);
    assert.deepEqual(lines(r.stderr), json ? [] : [`${NAME}: 4 executions in 3 failure groups`]);

    const [request, ...more] = await ctl.log();
    assert.deepEqual(more, [], "one list request; nothing else");
    assert.equal(request.path, `/api/v1/projects/${project}/workflows/executions/list`);
    const { filter } = JSON.parse(request.body);
    assert.deepEqual(filter.workflowFilters, [{ externalId: "nightly-ingest" }]);
    assert.deepEqual([...filter.status].sort(), [...RETRYABLE].sort());
    assert.equal(filter.createdTimeStart, Date.UTC(2026, 2, 1));
  }
});

test("cli v3: triage on a terminal prints a table", async () => {
  assert.ok(HAS_SCRIPT, "the terminal tests need `script` (util-linux, in every Debian install)");
  const project = uniqueProject("cli3table");
  await control(setup, project).script({ on: "list", status: 200, body: { items: FAILURES } });
  const r = await runOnTerminal(setup, ["triage", ...base(project)]);
  assert.equal(r.code, 0, r.stdout);
  // What the terminal shows: each line from its last "clear the line" (the status line's).
  const shown = r.stdout.replaceAll("\r\n", "\n").split("\n").map((line) => line.split("\r\x1b[2K").at(-1));
  const text = shown.join("\n");
  assertSafe({ stdout: text, stderr: "" });
  assert.ok(shown.some((l) => /^COUNT {2}WORKFLOW +STATUSES +FAILURE$/.test(l)), text);
  assert.ok(shown.some((l) => /^ {4}2 {2}nightly-ingest +TIMED_OUT 2 +Function call timed out/.test(l)), text);
  assert.ok(shown.some((l) => /^ {4}1 {2}nightly-ingest +FAILED 1 +Task load-assets failed$/.test(l)), text);
  assert.ok(shown.some((l) => l.startsWith(`    1  ${CLEAN}  TERMINATED 1`)), text);
  assert.ok(!text.includes('{"'), "no JSON on a terminal");
  assert.ok(shown.includes(`${NAME}: 4 executions in 3 failure groups; --json for each group's execution ids`), text);
});
