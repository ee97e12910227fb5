// The command line prints no control characters from outside (contract, "Rules sharpened in
// version 0.3"): CDF answers and identity-provider answers hold escape sequences (clear the
// screen, set the window title, 8-bit CSI and OSC, DCS), BEL, DEL, NUL, bidi overrides and a
// newline followed by a forged summary line; every command, in every output mode (JSON lines
// on stdout, text and --json on stderr, --verbose, a terminal), prints them cleaned. The CLI
// is installed from the tarball and run against the mock CDF server (scripted answers) and a
// small token endpoint of its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { FAILED_ID, OTHER_FAILED_ID, uniqueProject } from "./helpers.mjs";
import { HAS_SCRIPT, NAME, control, jsonLines, lines, retriedSeed, runCli, runOnTerminal, seed, setupCli } from "./cli-helpers.mjs";

const TIMED_OUT_ID = "22222222-2222-4222-8222-222222222222";

/**
 * Text from outside, with every kind of control: CSI (clear screen), OSC (window title, ended
 * by BEL), a lone BEL, 8-bit CSI, 8-bit OSC (ended by 8-bit ST), DCS (ended by ESC \), a
 * two-character ESC sequence, a newline and a forged line, a bidi override and isolate, DEL,
 * NUL.
 */
const EVIL = "a\x1b[2Jb\x1b]0;pwned\x07c\x07d\u009b31me\u009d0;pwned\u009cf\x1bP1$rpwned\x1b\\g\x1b7h\n✔ retried 999 \u202eevil\u2066\x7f\x00z";
/** EVIL as the CLI prints it: sequences removed whole, the newline a space, the rest removed. */
const CLEAN = "abcdefgh ✔ retried 999 evilz";
/** The one escape sequence the CLI writes itself (on a terminal): clear the status line. */
const CLEAR_LINE = "\r\x1b[2K";
/** Any C0 or C1 control but the line feed, and the Unicode bidi controls. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

let setup;
before(async () => {
  setup = await setupCli("cli-terminal");
});
after(() => setup?.close());

const cli = (args, options) => runCli(setup, args, options);
const base = (project) => ["--project", project, "--base-url", setup.mock.url];

/**
 * Output a terminal cannot be fooled by: no controls but "\n", no forged line, and (unless
 * `remnants`) no content of an escape string. The package's error messages reach the CLI with
 * their controls already turned into spaces (its whitespace rule), so what was inside a
 * sequence there is plain text, harmless: `remnants` allows it.
 */
function assertSafe(text, where, { remnants = false } = {}) {
  const bad = UNSAFE.exec(text);
  assert.equal(bad, null, `${where} holds U+${bad?.[0].codePointAt(0).toString(16).padStart(4, "0")}: ${JSON.stringify(text)}`);
  if (!remnants) assert.ok(!text.includes("pwned"), `${where} shows the content of an escape string: ${JSON.stringify(text)}`);
  for (const line of text.split("\n")) assert.ok(!line.startsWith("✔"), `${where} has a forged line: ${JSON.stringify(text)}`);
}

/** Every string and key inside a JSON value is free of controls. */
function assertCleanValue(value, where, options) {
  if (typeof value === "string") assertSafe(value, where, options);
  else if (Array.isArray(value)) value.forEach((v, i) => assertCleanValue(v, `${where}[${i}]`, options));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      assertSafe(k, `a key in ${where}`, options);
      assertCleanValue(v, `${where}.${k}`, options);
    }
  }
}

/**
 * A run whose stdout is JSON lines and stderr text (or JSON lines with `json`): all safe.
 * `remnants`: stderr carries a package error message (see assertSafe).
 */
function assertRunSafe(r, { json = false, remnants = false } = {}) {
  assertSafe(r.stdout, "stdout");
  assertSafe(r.stderr, "stderr", { remnants });
  const out = jsonLines(r.stdout);
  out.forEach((v, i) => assertCleanValue(v, `stdout line ${i + 1}`));
  const err = lines(r.stderr);
  if (json) err.forEach((line, i) => assertCleanValue(JSON.parse(line), `stderr line ${i + 1}`, { remnants }));
  return { out, err };
}

/**
 * The request id "mock-\u009b2J-\u009d0;pwned\u009c-9" as the CLI prints it. The mock sends the
 * header value UTF-8 encoded and fetch reads header bytes as Latin-1, so each C1 control
 * arrives after an "Â" (the byte 0xC2): the CSI "\u009b2J" and the OSC up to ST go whole.
 */
const CLEAN_REQUEST_ID = "mock-Â-Â-9";
const EVIL_REQUEST_ID = "mock-\u009b2J-\u009d0;pwned\u009c-9";

/** An execution answer with EVIL in every free-text field (id, times and status as given). */
function evil(execution) {
  return { ...execution, workflowExternalId: EVIL, version: EVIL, metadata: { [EVIL]: EVIL, team: EVIL }, reasonForIncompletion: EVIL };
}
/** The same execution as the CLI prints it. */
function cleaned(execution) {
  return { ...execution, workflowExternalId: CLEAN, version: CLEAN, metadata: { [CLEAN]: CLEAN, team: CLEAN }, reasonForIncompletion: CLEAN };
}
const LABEL = (id) => `${id} (${CLEAN} ${CLEAN})`;

/** getExecution's answer: an execution with one task, EVIL everywhere text is free. */
function evilDetails(id, status) {
  const startTime = 1773200000000;
  return {
    ...evil(seed(id)),
    status,
    startTime,
    endTime: startTime + 6000,
    executedTasks: [{
      id: "aaaaaaaa-0000-4000-8000-000000000001", externalId: EVIL, status: "FAILED", taskType: EVIL, startTime, endTime: startTime + 5000,
      input: { [EVIL]: [EVIL, { deep: EVIL }] }, output: { message: EVIL }, reasonForIncompletion: EVIL,
    }],
    workflowDefinition: { hash: "H-1", description: EVIL, tasks: [{ externalId: EVIL, type: "function", parameters: { note: EVIL } }] },
  };
}

test("terminal-safe: retry prints the answer's names, versions, metadata cleaned, in a valid JSON line", async () => {
  const project = uniqueProject("ttyretry");
  const answer = evil(retriedSeed(FAILED_ID, Date.now()));
  delete answer.reasonForIncompletion;
  await control(setup, project).script([{ on: "retry", status: 200, body: answer }]);
  const r = await cli([FAILED_ID, ...base(project)]);
  assert.equal(r.code, 0, r.stderr);
  const { out, err } = assertRunSafe(r);
  const expected = cleaned(answer);
  delete expected.reasonForIncompletion;
  assert.deepEqual(out, [expected]);
  assert.deepEqual(err, []);
});

test("terminal-safe: a batch's progress lines and summary, in text and --json", async () => {
  for (const json of [false, true]) {
    const project = uniqueProject("ttybatch");
    const answer = (id) => {
      const execution = evil(retriedSeed(id, Date.now()));
      delete execution.reasonForIncompletion;
      return { on: "retry", path: `/workflows/executions/${id}/retry`, status: 200, body: execution };
    };
    const error = { on: "retry", path: `/workflows/executions/${TIMED_OUT_ID}/retry`, status: 400, body: { error: { code: 400, message: EVIL } }, requestId: EVIL_REQUEST_ID };
    await control(setup, project).script([answer(FAILED_ID), answer(OTHER_FAILED_ID), error]);
    const r = await cli([FAILED_ID, OTHER_FAILED_ID, TIMED_OUT_ID, ...base(project), "--concurrency", "1", ...(json ? ["--json"] : [])]);
    assert.equal(r.code, 3, r.stderr);
    const { out, err } = assertRunSafe(r, { json, remnants: true });
    assert.deepEqual(out.map((e) => [e.id, e.workflowExternalId, e.version]), [[FAILED_ID, CLEAN, CLEAN], [OTHER_FAILED_ID, CLEAN, CLEAN]]);
    if (json) {
      assert.equal(err.length, 1, r.stderr);
      const failure = JSON.parse(err[0]);
      assert.equal(failure.executionId, TIMED_OUT_ID);
      assert.equal(failure.requestId, CLEAN_REQUEST_ID);
      assert.ok(failure.message.includes("✔ retried 999"), failure.message);
    } else {
      assert.equal(err.length, 4, r.stderr);
      assert.equal(err[0], `${NAME}: [1/3] retried ${LABEL(FAILED_ID)}: RUNNING`);
      assert.equal(err[1], `${NAME}: [2/3] retried ${LABEL(OTHER_FAILED_ID)}: RUNNING`);
      assert.match(err[2], new RegExp(`^${NAME}: \\[3/3\\] failed ${TIMED_OUT_ID}: api status=400 operation=retryExecution requestId=${CLEAN_REQUEST_ID}: .*✔ retried 999`));
      assert.equal(err[3], `${NAME}: 3 executions: 2 retried, 1 failed`);
    }
  }
});

test("terminal-safe: list and get print every string and key of the answer cleaned, structure kept", async () => {
  const project = uniqueProject("ttyread");
  const ctl = control(setup, project);
  const listed = [evil(seed(FAILED_ID)), { ...evil(seed(TIMED_OUT_ID)), status: `TIMED_OUT${EVIL}` }];
  const got = evilDetails(FAILED_ID, "FAILED");
  await ctl.script([{ on: "list", status: 200, body: { items: listed } }, { on: "get", status: 200, body: got }]);

  const list = await cli(["list", ...base(project)]);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(assertRunSafe(list).out, [cleaned(seed(FAILED_ID)), { ...cleaned(seed(TIMED_OUT_ID)), status: `TIMED_OUT${CLEAN}` }]);
  assert.equal(list.stderr, "");

  const get = await cli(["get", FAILED_ID, ...base(project)]);
  assert.equal(get.code, 0, get.stderr);
  const [details] = assertRunSafe(get).out;
  assert.deepEqual(details, {
    ...cleaned(seed(FAILED_ID)),
    status: "FAILED",
    startTime: got.startTime,
    endTime: got.endTime,
    executedTasks: [{
      ...got.executedTasks[0], externalId: CLEAN, taskType: CLEAN, input: { [CLEAN]: [CLEAN, { deep: CLEAN }] }, output: { message: CLEAN }, reasonForIncompletion: CLEAN,
    }],
    workflowDefinition: { hash: "H-1", description: CLEAN, tasks: [{ externalId: CLEAN, type: "function", parameters: { note: CLEAN } }] },
  });
});

test("terminal-safe: wait and retry --wait: the final status and reason on stderr, cleaned", async () => {
  const project = uniqueProject("ttywait");
  const ctl = control(setup, project);
  const final = { ...evilDetails(FAILED_ID, `FAILED${EVIL}`) };
  await ctl.script([{ on: "get", status: 200, body: final }]);
  const r = await cli(["wait", FAILED_ID, ...base(project)]);
  assert.equal(r.code, 8, r.stderr);
  const { out, err } = assertRunSafe(r);
  assert.equal(out[0].status, `FAILED${CLEAN}`);
  assert.deepEqual(err, [`${NAME}: waiting for ${FAILED_ID}`, `${NAME}: ${LABEL(FAILED_ID)} ended FAILED${CLEAN}: ${CLEAN}`]);

  const retried = evil(retriedSeed(FAILED_ID, Date.now()));
  delete retried.reasonForIncompletion;
  await ctl.script([{ on: "retry", status: 200, body: retried }, { on: "get", status: 200, body: final }]);
  const w = await cli(["retry", FAILED_ID, ...base(project), "--wait"]);
  assert.equal(w.code, 8, w.stderr);
  assert.deepEqual(assertRunSafe(w).err, [`${NAME}: retried ${LABEL(FAILED_ID)}: RUNNING; waiting`, `${NAME}: ${LABEL(FAILED_ID)} ended FAILED${CLEAN}: ${CLEAN}`]);
});

test("terminal-safe: retry-failed and retry-failed --dry-run", async () => {
  const project = uniqueProject("ttyrf");
  const ctl = control(setup, project);
  const listed = [evil(seed(FAILED_ID))];
  const retried = evil(retriedSeed(FAILED_ID, Date.now()));
  delete retried.reasonForIncompletion;
  await ctl.script([{ on: "list", status: 200, body: { items: listed } }]);
  const dry = await cli(["retry-failed", "--all", "--dry-run", ...base(project)]);
  assert.equal(dry.code, 0, dry.stderr);
  const d = assertRunSafe(dry);
  assert.deepEqual(d.out, [cleaned(seed(FAILED_ID))]);
  assert.deepEqual(d.err, [`${NAME}: dry run: 1 execution would be retried`]);

  await ctl.script([{ on: "list", status: 200, body: { items: listed } }, { on: "retry", status: 200, body: retried }]);
  const r = await cli(["retry-failed", "--all", ...base(project)]);
  assert.equal(r.code, 0, r.stderr);
  const { out, err } = assertRunSafe(r);
  assert.equal(out[0].workflowExternalId, CLEAN);
  assert.deepEqual(err, [`${NAME}: [1/1] retried ${LABEL(FAILED_ID)}: RUNNING`, `${NAME}: 1 execution: 1 retried`]);
});

test("terminal-safe: a CDF error's message and request id, in text and --json; --verbose retry lines", async () => {
  const project = uniqueProject("ttyerr");
  const ctl = control(setup, project);
  const refusal = { on: "get", status: 404, body: { error: { code: 404, message: EVIL } }, requestId: EVIL_REQUEST_ID };
  for (const json of [false, true]) {
    await ctl.script([refusal]);
    const r = await cli(["get", FAILED_ID, ...base(project), ...(json ? ["--json"] : [])]);
    assert.equal(r.code, 3, r.stderr);
    const { err } = assertRunSafe(r, { json, remnants: true });
    assert.equal(err.length, 1, r.stderr);
    if (json) {
      const failure = JSON.parse(err[0]);
      assert.equal(failure.requestId, CLEAN_REQUEST_ID);
      assert.ok(failure.message.includes("✔ retried 999"), failure.message);
    } else {
      assert.match(err[0], new RegExp(`^${NAME}: api status=404 operation=getExecution requestId=${CLEAN_REQUEST_ID}: .*✔ retried 999`));
    }
  }

  for (const json of [false, true]) {
    await ctl.script([{ on: "get", status: 429, headers: { "retry-after": "0" }, requestId: EVIL_REQUEST_ID }, { on: "get", status: 200, body: evilDetails(FAILED_ID, "FAILED") }]);
    const r = await cli(["get", FAILED_ID, ...base(project), "--verbose", ...(json ? ["--json"] : [])]);
    assert.equal(r.code, 0, r.stderr);
    const { err } = assertRunSafe(r, { json });
    assert.equal(err.length, 1, r.stderr);
    if (json) assert.equal(JSON.parse(err[0]).requestId, CLEAN_REQUEST_ID);
    else assert.equal(err[0], `${NAME}: getExecution attempt 1 failed (api 429 requestId=${CLEAN_REQUEST_ID}); retrying in 0 ms`);
  }
});

test("terminal-safe: an identity provider's error and description, in text and --json", async (t) => {
  const idp = createServer((req, res) => {
    req.resume().on("end", () => {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `invalid_grant${EVIL}`, error_description: EVIL }));
    });
  });
  await new Promise((r) => idp.listen(0, "127.0.0.1", r));
  t.after(() => new Promise((r) => { idp.closeAllConnections(); idp.close(() => r()); }));
  const env = { CDF_TOKEN: undefined, IDP_TOKEN_URL: `http://127.0.0.1:${idp.address().port}/token`, IDP_CLIENT_ID: "tty-client", IDP_CLIENT_SECRET: "tty-secret-SECRET" };
  for (const json of [false, true]) {
    const r = await cli([FAILED_ID, ...base(uniqueProject("ttyidp")), ...(json ? ["--json"] : [])], { env, secrets: ["tty-secret-SECRET"] });
    assert.equal(r.code, 3, r.stderr);
    const { err } = assertRunSafe(r, { json, remnants: true });
    assert.equal(err.length, 1, r.stderr);
    if (json) {
      const failure = JSON.parse(err[0]);
      assert.match(failure.code, /^invalid_grant.*✔ retried 999/); // the package has whitespaced its controls
      assert.equal(failure.operation, "getToken");
    } else {
      assert.match(err[0], new RegExp(`^${NAME}: api status=400 operation=getToken: .*✔ retried 999`));
    }
  }
});

test("terminal-safe: on a terminal, the status line and the lines above it", async () => {
  assert.ok(HAS_SCRIPT, "the terminal tests need `script` (util-linux, in every Debian install)");
  const project = uniqueProject("ttyterm");
  await control(setup, project).script([
    { on: "get", status: 200, body: { ...evilDetails(FAILED_ID, "RUNNING"), status: "RUNNING" } },
    { on: "get", status: 200, body: evilDetails(FAILED_ID, `FAILED${EVIL}`) },
  ]);
  const r = await runOnTerminal(setup, ["wait", FAILED_ID, ...base(project), "--poll-interval-ms", "100"]);
  assert.equal(r.code, 8, r.stdout);
  // stdout and stderr share the terminal; the CLI's own status-line clearing is all it may send.
  const text = r.stdout.replaceAll(CLEAR_LINE, "").replaceAll("\r\n", "\n");
  assertSafe(text, "the terminal");
  // The status line (cut at the terminal's width) shows the new status, cleaned.
  assert.ok(r.stdout.includes(`${CLEAR_LINE}waiting for ${FAILED_ID}: FAILED${CLEAN.slice(0, 8)}`), JSON.stringify(r.stdout));
  assert.ok(r.stdout.includes(`${NAME}: ${LABEL(FAILED_ID)} ended FAILED${CLEAN}: ${CLEAN}\r\n`), JSON.stringify(r.stdout));
});
