// Unit tests of the command line's module (bin/cli-core.mjs) without the wasm: the sanitiser
// every printed text goes through, and the commands run in process against a stand-in of the
// package (`lib`) with fake stdout and stderr. The CLI installed from the tarball and run
// against the mock is tested in tests/consumers/cli*.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clean, execute, jsonLine, safe } from "../../bin/cli-core.mjs";

/** Every C0 and C1 control, DEL, and the bidi controls: none may survive clean(). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

test("clean: escape sequences go whole, 7-bit and 8-bit", () => {
  const cases = [
    ["a\x1b[2Jb", "ab"], // CSI: clear screen
    ["a\x1b[?25lb", "ab"], // private parameters
    ["a\x1b[38;5;196mb\x1b[0m", "ab"], // colours
    ["a\x1b[1 qb", "ab"], // an intermediate before the final
    ["a\x1b]0;title\x07b", "ab"], // OSC ended by BEL
    ["a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"], // OSC 8 hyperlink, ended by ESC \
    ["a\x1b]2;title\u009cb", "ab"], // OSC ended by 8-bit ST
    ["a\x1bP1$rdata\x1b\\b", "ab"], // DCS
    ["a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd"], // SOS, PM, APC
    ["a\u009b31mb", "ab"], // 8-bit CSI
    ["a\u009d0;title\x07b", "ab"], // 8-bit OSC
    ["a\u0090data\u009cb\u0098x\u009cc\u009ex\u009cd\u009fx\u009ce", "abcde"], // 8-bit DCS, SOS, PM, APC
    ["a\x1bcb\x1b7c\x1b8d\x1bMe", "abcde"], // two-character sequences
    ["a\x1b(Bb\x1b#8c", "abc"], // ESC, intermediate, final
    ["a\x1b", "a"], // a lone ESC at the end
    ["a\x1b\x1b[2Jb", "ab"],
    ["a\x1bé", "aé"], // ESC before a character no sequence takes
  ];
  for (const [input, expected] of cases) assert.equal(clean(input), expected, JSON.stringify(input));
});

test("clean: a sequence without its end loses only its introducer", () => {
  assert.equal(clean("a\x1b]0;no end"), "a0;no end");
  assert.equal(clean("a\u009d0;no end"), "a0;no end");
  assert.equal(clean("a\x1bPno end"), "ano end");
  assert.equal(clean("a\x1b[12"), "a12"); // CSI without a final character
  assert.equal(clean("a\x1b[12\né"), "a12 é");
  // Many unterminated introducers: linear time (each search for a terminator is done once).
  const hostile = "\x1b]".repeat(300_000) + "\x1b[".repeat(300_000) + "\u009d".repeat(300_000);
  const started = process.hrtime.bigint();
  assert.equal(clean(hostile), "");
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, "cleaned 1.2 M characters in under 2 s");
});

test("clean: line breaks and tabs become a space; every other control and bidi control goes", () => {
  assert.equal(clean("a\nb\r\nc\td\ve\ff\u0085g\u2028h\u2029i"), "a b  c d e f g h i");
  assert.equal(clean("reason\n✔ retried 999"), "reason ✔ retried 999");
  for (let c = 0; c <= 0x9f; c++) {
    if (c >= 0x20 && c < 0x7f) continue;
    const out = clean(`a${String.fromCharCode(c)}b`);
    assert.ok(!UNSAFE.test(out), `U+${c.toString(16)} removed: ${JSON.stringify(out)}`);
  }
  for (const c of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
    assert.equal(clean(`a${String.fromCodePoint(c)}b`), "ab", `U+${c.toString(16)}`);
  }
  assert.equal(clean("\x00\x07\x08\x7f"), "");
});

test("clean: plain text, non-ASCII and emoji are kept as they are; non-strings are turned into text", () => {
  for (const text of ["", "nightly-ingest v3", "Ærøskøbing ✔ 日本語 👍🏽 ‑–—", "<b>not markup here</b> \\u001b"]) {
    assert.equal(clean(text), text);
  }
  assert.equal(clean(404), "404");
  assert.equal(clean(undefined), "undefined");
});

test("clean: the result is always safe, and cleaning it again changes nothing", () => {
  // A fixed pseudo-random walk over the characters that matter.
  const alphabet = ["\x1b", "[", "]", "P", "\\", "\x07", "\u009b", "\u009c", "\u009d", "\u0090", "\n", "\r", "\u202e", "0", ";", "m", "a", "é", " ", "(", "B", "\x7f", "\u0085"];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 5000; n++) {
    let text = "";
    for (let k = next() % 30; k > 0; k--) text += alphabet[next() % alphabet.length];
    const once = clean(text);
    assert.ok(!UNSAFE.test(once), `${JSON.stringify(text)} → ${JSON.stringify(once)}`);
    assert.equal(clean(once), once, JSON.stringify(text));
  }
});

test("safe: each value is cleaned by itself, so it never joins the words after it", () => {
  // Cleaned as one line, "\x1b[" + " r" would be a CSI eating " r" of the CLI's own words.
  assert.equal(clean(`x\x1b[ retried`), "xetried");
  assert.equal(safe`${"x\x1b["} retried ${"\u009d"}2 executions`, "x retried 2 executions");
  assert.equal(safe`${1}/${"2\n"}`, "1/2 ");
});

test("jsonLine: valid compact JSON, the structure kept, every string and key cleaned", () => {
  const evil = "a\x1b[2J\u009b31m\n✔ retried 999\u202e";
  const value = {
    id: "11111111-1111-4111-8111-111111111111",
    n: 1.5,
    ok: true,
    none: null,
    [evil]: [evil, { deep: [[evil]] }, 7],
    ["__proto__"]: { polluted: evil },
  };
  const line = jsonLine(value);
  assert.ok(!UNSAFE.test(line), line);
  assert.ok(!line.includes("\\u001b") && !line.includes("\\n"), line);
  const parsed = JSON.parse(line);
  const cleanText = "a ✔ retried 999";
  assert.deepEqual(Object.keys(parsed), ["id", "n", "ok", "none", cleanText, "__proto__"]);
  assert.deepEqual(parsed[cleanText], [cleanText, { deep: [[cleanText]] }, 7]);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, "__proto__").value, { polluted: cleanText });
  assert.equal(jsonLine({ a: "plain", b: [1, "x"] }), '{"a":"plain","b":[1,"x"]}');
  // Two keys cleaned to the same text: the first is kept.
  assert.equal(jsonLine({ "k\x07": 1, k: 2 }), '{"k":1}');
});

// ---------------------------------------------------------------------------
// The commands in process, against a stand-in of the package
// ---------------------------------------------------------------------------

/** A writable that keeps what it was given. */
function sink({ isTTY = false, columns } = {}) {
  return { isTTY, columns, text: "", write(chunk) { this.text += chunk; return true; } };
}

class FakeCdfError extends Error {
  constructor(fields) {
    super(fields.message);
    Object.assign(this, fields);
    this.name = "CdfError";
  }
}

/** A stand-in of the package: `functions` plus isCdfError. */
const fakeLib = (functions) => ({ isCdfError: (e) => e instanceof FakeCdfError, ...functions });

const TOKEN = "tok-SECRET";

/** Runs the command line in process (execute: main and its error report); resolves to { code, stdout, stderr, calls }. */
async function runMain(args, functions, { env = {}, stdout = sink(), stderr = sink(), controller = new AbortController(), onCtx } = {}) {
  const calls = [];
  const wrapped = {};
  for (const [name, fn] of Object.entries(functions)) {
    wrapped[name] = (...a) => {
      calls.push([name, ...a]);
      return fn(...a);
    };
  }
  const ctx = { lib: fakeLib(wrapped), signal: controller.signal, cancelled: null, stdout, stderr };
  onCtx?.(ctx);
  const code = await execute(args, { CDF_TOKEN: TOKEN, CDF_PROJECT: "proj", CDF_BASE_URL: "https://cdf.example", ...env }, ctx);
  for (const text of [stdout.text, stderr.text]) assert.ok(!text.includes(TOKEN), "the token is never printed");
  return { code, stdout: stdout.text, stderr: stderr.text, calls };
}

const EVIL = "a\x1b[2Jb\x1b]0;pwned\x07c\u009b31md\n✔ retried 999\u202e";
const CLEAN = "abcd ✔ retried 999";
const ID = "11111111-1111-4111-8111-111111111111";
const execution = (fields = {}) => ({ id: ID, workflowExternalId: EVIL, version: EVIL, status: "FAILED", engineExecutionId: ID, createdTime: 1, metadata: { [EVIL]: EVIL }, reasonForIncompletion: EVIL, ...fields });

test("in process: list, wait and a failure print outside text cleaned (the sinks)", async () => {
  const list = await runMain(["list"], { listExecutions: async () => [execution()] });
  assert.equal(list.code, 0);
  assert.deepEqual(JSON.parse(list.stdout), { ...execution(), workflowExternalId: CLEAN, version: CLEAN, metadata: { [CLEAN]: CLEAN }, reasonForIncompletion: CLEAN });

  const wait = await runMain(["wait", ID], { waitForExecution: async () => ({ ...execution(), status: `FAILED${EVIL}`, executedTasks: [] }) });
  assert.equal(wait.code, 8);
  assert.equal(wait.stderr, `cdf-workflow-retry: waiting for ${ID}\ncdf-workflow-retry: ${ID} (${CLEAN} ${CLEAN}) ended FAILED${CLEAN}: ${CLEAN}\n`);

  const refused = new FakeCdfError({ kind: "api", status: 400, operation: "listExecutions", requestId: `r\u009b2J${EVIL}`, message: EVIL, code: `c${EVIL}`, retryable: false });
  const text = await runMain(["list"], { listExecutions: async () => { throw refused; } });
  assert.equal(text.code, 3);
  assert.equal(text.stdout, "");
  assert.equal(text.stderr, `cdf-workflow-retry: api status=400 operation=listExecutions requestId=r${CLEAN}: ${CLEAN}\n`);
  const json = await runMain(["list", "--json"], { listExecutions: async () => { throw refused; } });
  assert.equal(json.code, 3);
  assert.deepEqual(JSON.parse(json.stderr), {
    kind: "api", status: 400, code: `c${CLEAN}`, requestId: `r${CLEAN}`, message: CLEAN, retryable: false, operation: "listExecutions", field: null,
  });

  // What the user typed, with a line break in it: still one line.
  const usage = await runMain(["list", "--status", "FAILED\n✔ retried\u009b 999"], {});
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, 'cdf-workflow-retry: invalid_input: --status takes RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED (got "FAILED ✔ retried 999")\n');
});

// ---------------------------------------------------------------------------
// Version 0.3 commands: cancel, trigger-runs, triage (against the contract's shapes)
// ---------------------------------------------------------------------------

const OTHER_ID = "66666666-6666-4666-8666-666666666666";
const THIRD_ID = "33333333-3333-4333-8333-333333333333";
const CONNECTION = { project: "proj", baseUrl: "https://cdf.example", token: TOKEN };
const terminated = (id) => ({ id, workflowExternalId: "nightly-ingest", version: "v3", status: "TERMINATED", engineExecutionId: id, createdTime: 1, metadata: {} });
/** The options a package function got, without the signal (checked to be an AbortSignal). */
function optionsOf(call) {
  const [, options] = call;
  assert.ok(options.signal instanceof AbortSignal);
  const { signal, ...rest } = options;
  return rest;
}
const USAGE = {
  cancel: ["Usage: cdf-workflow-retry cancel <executionId>… [--reason R] [options]", "See cdf-workflow-retry cancel --help for its options."],
  "trigger-runs": ["Usage: cdf-workflow-retry trigger-runs <triggerExternalId> [--status S] [--limit N] [options]", "See cdf-workflow-retry trigger-runs --help for its options."],
  triage: ["Usage: cdf-workflow-retry triage [--workflow W] [--since S] [--status S] [--limit N] [options]", "See cdf-workflow-retry triage --help for its options."],
};
const errLines = (r) => r.stderr.split("\n").slice(0, -1);

test("cancel: one id: cancelExecution with the connection (and --reason), the execution as one JSON line", async () => {
  const r = await runMain(["cancel", ID], { cancelExecution: async ({ executionId }) => terminated(executionId) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(JSON.parse(r.stdout), terminated(ID));
  assert.equal(r.calls.length, 1);
  assert.deepEqual(optionsOf(r.calls[0]), { ...CONNECTION, executionId: ID });

  const why = await runMain(["cancel", ID, "--reason", "stuck since Monday", "--app-name", "ops"], { cancelExecution: async ({ executionId }) => terminated(executionId) });
  assert.equal(why.code, 0, why.stderr);
  assert.deepEqual(optionsOf(why.calls[0]), { ...CONNECTION, appName: "ops", executionId: ID, reason: "stuck since Monday" });

  const dashed = await runMain(["cancel", ID, "--reason=-because"], { cancelExecution: async ({ executionId }) => terminated(executionId) });
  assert.equal(optionsOf(dashed.calls[0]).reason, "-because");
});

test("cancel: several ids one at a time in the order given, duplicates once; a failure does not stop the others", async () => {
  const notFound = new FakeCdfError({ kind: "api", status: 404, operation: "cancelExecution", requestId: "req-1", message: "CDF answered 404 to cancelExecution: Workflow execution not found", retryable: false });
  let inFlight = 0;
  const cancelExecution = async ({ executionId }) => {
    assert.equal(++inFlight, 1, "one at a time");
    await new Promise((r) => setTimeout(r, 5));
    inFlight -= 1;
    if (executionId === OTHER_ID) throw notFound;
    return { ...terminated(executionId.toLowerCase()), workflowExternalId: EVIL };
  };
  const r = await runMain(["cancel", ID, OTHER_ID, ID.toUpperCase(), THIRD_ID], { cancelExecution });
  assert.equal(r.code, 3, "the first failure's exit code");
  assert.deepEqual(r.calls.map((c) => optionsOf(c).executionId), [ID, OTHER_ID, THIRD_ID]);
  assert.deepEqual(r.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l).id), [ID, THIRD_ID]);
  assert.deepEqual(errLines(r), [
    `cdf-workflow-retry: [1/3] cancelled ${ID} (${CLEAN} v3): TERMINATED`,
    `cdf-workflow-retry: [2/3] failed ${OTHER_ID}: api status=404 operation=cancelExecution requestId=req-1: CDF answered 404 to cancelExecution: Workflow execution not found`,
    `cdf-workflow-retry: [3/3] cancelled ${THIRD_ID} (${CLEAN} v3): TERMINATED`,
    "cdf-workflow-retry: 3 executions: 2 cancelled, 1 failed",
  ]);

  const json = await runMain(["cancel", ID, OTHER_ID, "--json"], { cancelExecution });
  assert.equal(json.code, 3);
  assert.deepEqual(errLines(json).map((l) => JSON.parse(l)), [{
    executionId: OTHER_ID, kind: "api", status: 404, code: null, requestId: "req-1", message: notFound.message, retryable: false, operation: "cancelExecution", field: null,
  }]);

  const ok = await runMain(["cancel", ID, OTHER_ID], { cancelExecution: async ({ executionId }) => terminated(executionId) });
  assert.equal(ok.code, 0);
  assert.equal(errLines(ok).at(-1), "cdf-workflow-retry: 2 executions: 2 cancelled");
});

test("cancel: Ctrl-C during several: what was cancelled is printed, then \"cancelled\", exit 130; nothing after", async () => {
  const controller = new AbortController();
  let ctx;
  const cancelExecution = async ({ executionId }) => {
    if (executionId === ID) return terminated(ID);
    ctx.cancelled = "SIGINT"; // what run()'s signal handler does
    controller.abort(new Error("cancelled by SIGINT"));
    throw new FakeCdfError({ kind: "aborted", operation: "cancelExecution", message: "aborted" });
  };
  const r = await runMain(["cancel", ID, OTHER_ID, THIRD_ID], { cancelExecution }, { controller, onCtx: (c) => (ctx = c) });
  assert.equal(r.code, 130);
  assert.equal(r.calls.length, 2);
  assert.deepEqual(r.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l).id), [ID]);
  assert.deepEqual(errLines(r), [`cdf-workflow-retry: [1/3] cancelled ${ID} (nightly-ingest v3): TERMINATED`, "cdf-workflow-retry: cancelled"]);
});

test("cancel: command-line mistakes are usage errors and send nothing; a bad --reason stops at the first call", async () => {
  const never = { cancelExecution: async () => assert.fail("nothing may be sent") };
  const none = await runMain(["cancel"], never);
  assert.equal(none.code, 2);
  assert.deepEqual(errLines(none), ["cdf-workflow-retry: invalid_input: give at least one execution id", ...USAGE.cancel]);

  const bad = await runMain(["cancel", ID, "not-an-id\u009b2J"], never);
  assert.equal(bad.code, 2);
  assert.deepEqual(errLines(bad), ['cdf-workflow-retry: invalid_input: "not-an-id" is not an execution id (a UUID such as 11111111-1111-4111-8111-111111111111)', ...USAGE.cancel]);

  const ambiguous = await runMain(["cancel", ID, "--reason", "-x"], never);
  assert.equal(ambiguous.code, 2);
  assert.equal(errLines(ambiguous)[0], 'cdf-workflow-retry: invalid_input: --reason needs a value; give a value that starts with "-" as --reason=<value>');

  const foreign = await runMain(["cancel", ID, "--wait"], never);
  assert.equal(foreign.code, 2);
  assert.equal(errLines(foreign)[0], "cdf-workflow-retry: invalid_input: --wait is an option of retry, retry-failed only");

  // The package refuses the reason (here: too long); the field is shown as the flag.
  const refused = new FakeCdfError({ kind: "invalid_input", field: "reason", message: "reason must be 1 to 500 characters" });
  const long = await runMain(["cancel", ID, OTHER_ID, "--reason", "x".repeat(501), "--json"], { cancelExecution: async () => { throw refused; } });
  assert.equal(long.code, 2);
  assert.equal(long.calls.length, 1, "stopped at the first call");
  assert.equal(long.stdout, "");
  assert.deepEqual(JSON.parse(long.stderr), { kind: "invalid_input", status: null, code: null, requestId: null, message: refused.message, retryable: false, operation: null, field: "reason" });
  const text = await runMain(["cancel", ID, "--reason", ""], { cancelExecution: async () => { throw refused; } });
  assert.deepEqual(errLines(text), ["cdf-workflow-retry: invalid_input field=--reason: reason must be 1 to 500 characters"]);
});

test("cancel, trigger-runs, triage: a package without the 0.3 function says so (exit 1), before anything is sent", async () => {
  const listExecutions = async () => assert.fail("nothing may be sent");
  for (const [args, name] of [[["cancel", ID], "cancelExecution"], [["trigger-runs", "nightly"], "listTriggerRuns"], [["triage"], "groupFailures"]]) {
    const r = await runMain(args, { listExecutions });
    assert.equal(r.code, 1, args.join(" "));
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `cdf-workflow-retry: internal: this build of the package has no ${name}() (it comes with version 0.3)\n`);
  }
});

test("trigger-runs: listTriggerRuns with the trigger, --status (any case) and --limit; each run as one JSON line", async () => {
  const runs = [
    { externalId: "nightly", fireTime: 1773200000000, workflowExternalId: "nightly-ingest", workflowVersion: "v3", status: "failed", reasonForFailure: `quota ${EVIL}` },
    { externalId: "nightly", fireTime: 1773100000000, workflowExternalId: "nightly-ingest", workflowVersion: "v3", status: "success", workflowExecutionId: ID },
  ];
  const r = await runMain(["trigger-runs", "nightly", "--status", "FAILED", "--limit", "5"], { listTriggerRuns: async () => runs });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.deepEqual(optionsOf(r.calls[0]), { ...CONNECTION, triggerExternalId: "nightly", status: "failed", limit: 5 });
  assert.deepEqual(r.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l)), [{ ...runs[0], reasonForFailure: `quota ${CLEAN}` }, runs[1]]);

  const all = await runMain(["trigger-runs", "--", "-odd trigger"], { listTriggerRuns: async () => [] });
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, "");
  assert.deepEqual(optionsOf(all.calls[0]), { ...CONNECTION, triggerExternalId: "-odd trigger" });

  // The package checks --limit and the id; its field is shown as the flag.
  const refused = new FakeCdfError({ kind: "invalid_input", field: "limit", message: "limit must be an integer from 1 to 10000" });
  const big = await runMain(["trigger-runs", "nightly", "--limit", "0"], { listTriggerRuns: async () => { throw refused; } });
  assert.equal(big.code, 2);
  assert.deepEqual(errLines(big), ["cdf-workflow-retry: invalid_input field=--limit: limit must be an integer from 1 to 10000"]);
});

test("trigger-runs: usage errors", async () => {
  const never = { listTriggerRuns: async () => assert.fail("nothing may be sent") };
  for (const [args, message] of [
    [["trigger-runs"], "give exactly one trigger external id"],
    [["trigger-runs", "a", "b"], "give exactly one trigger external id"],
    [["trigger-runs", "a", "--status", "done"], '--status takes failed or success (got "done")'],
    [["trigger-runs", "a", "--status"], "--status needs a value"],
  ]) {
    const r = await runMain(args, never);
    assert.equal(r.code, 2, args.join(" "));
    assert.deepEqual(errLines(r), [`cdf-workflow-retry: invalid_input: ${message}`, ...USAGE["trigger-runs"]]);
  }
  const foreign = await runMain(["trigger-runs", "a", "--workflow", "w"], never);
  assert.equal(errLines(foreign)[0], "cdf-workflow-retry: invalid_input: --workflow is an option of retry-failed, list, triage only");
});

/** Groups as groupFailures returns them (contract shape). */
const GROUPS = [
  { workflowExternalId: "nightly-ingest", signature: "load-assets: Function call timed out after <n> seconds", statuses: { FAILED: 2, TIMED_OUT: 3 }, count: 5, executionIds: [ID, OTHER_ID, THIRD_ID, "44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555"], example: "Function call timed out after 300 seconds", failedTask: "load-assets" },
  { workflowExternalId: EVIL, signature: `Bad ${EVIL}`, statuses: { [`FAILED${EVIL}`]: 1 }, count: 1, executionIds: [ID], example: EVIL },
];

test("triage: lists with the filter (default: the three failed statuses), groups, one JSON line per group when stdout is not a terminal", async () => {
  const executions = [execution(), execution({ id: OTHER_ID })];
  const functions = { listExecutions: async () => executions, groupFailures: () => GROUPS };
  const r = await runMain(["triage", "--workflow", "nightly-ingest", "--limit", "500"], functions);
  assert.equal(r.code, 0, r.stderr);
  const [list, group] = r.calls;
  assert.deepEqual(optionsOf(list), { ...CONNECTION, workflows: ["nightly-ingest"], limit: 500, status: ["FAILED", "TIMED_OUT", "TERMINATED"] });
  assert.equal(group[0], "groupFailures");
  assert.equal(group[1], executions, "the listed executions, as they are");
  assert.deepEqual(group[2], { limit: 1000 });
  assert.deepEqual(r.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l)), [
    GROUPS[0],
    { workflowExternalId: CLEAN, signature: `Bad ${CLEAN}`, statuses: { [`FAILED${CLEAN}`]: 1 }, count: 1, executionIds: [ID], example: CLEAN },
  ]);
  assert.deepEqual(errLines(r), ["cdf-workflow-retry: 2 executions in 2 failure groups"]);

  const timedOut = await runMain(["triage", "--status", "timed_out", "--since", "2026-03-01"], functions);
  assert.deepEqual(optionsOf(timedOut.calls[0]), { ...CONNECTION, status: ["TIMED_OUT"], createdTimeStart: Date.UTC(2026, 2, 1) });

  // --json: JSON lines even on a terminal, and nothing but JSON on stderr.
  const json = await runMain(["triage", "--json"], functions, { stdout: sink({ isTTY: true, columns: 100 }) });
  assert.equal(json.code, 0);
  assert.equal(json.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l)).length, 2);
  assert.equal(json.stderr, "");

  const none = await runMain(["triage"], { listExecutions: async () => [], groupFailures: () => [] });
  assert.equal(none.code, 0);
  assert.equal(none.stdout, "");
  assert.deepEqual(errLines(none), ["cdf-workflow-retry: no failed executions found"]);
});

test("triage: on a terminal, a table sized to it, outside text cleaned", async () => {
  const functions = { listExecutions: async () => [execution(), execution({ id: OTHER_ID })], groupFailures: () => GROUPS };
  const r = await runMain(["triage"], functions, { stdout: sink({ isTTY: true, columns: 90 }) });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!UNSAFE.test(r.stdout.replaceAll("\n", "")), JSON.stringify(r.stdout));
  // Columns as wide as their widest cell; FAILURE wraps in the 34 columns left of 90 (one spare).
  assert.deepEqual(r.stdout.split("\n").slice(0, -1), [
    "COUNT  WORKFLOW            STATUSES                    FAILURE",
    "    5  nightly-ingest      TIMED_OUT 3, FAILED 2       load-assets: Function call timed",
    "                                                       out after <n> seconds",
    `    1  ${CLEAN}  FAILED${CLEAN} 1  Bad ${CLEAN}`,
  ]);
  assert.deepEqual(errLines(r), ["cdf-workflow-retry: 2 executions in 2 failure groups; --json for each group's execution ids"]);
});

test("groupTable: columns, wrapping, cutting, an empty list", async () => {
  const { groupTable } = await import("../../bin/cli-core.mjs");
  assert.deepEqual(groupTable([], 80), ["COUNT  WORKFLOW  STATUSES  FAILURE"]);
  const long = { workflowExternalId: "w".repeat(60), signature: "x".repeat(45), statuses: { FAILED: 12 }, count: 12, executionIds: [], example: "" };
  const lines = groupTable([long], 80);
  assert.deepEqual(lines, [
    `COUNT  ${"WORKFLOW".padEnd(40)}  STATUSES   FAILURE`,
    `   12  ${"w".repeat(39)}…  FAILED 12  ${"x".repeat(20)}`,
    `${" ".repeat(60)}${"x".repeat(20)}`, // at least 20 columns for FAILURE, though the line passes 80
    `${" ".repeat(60)}${"x".repeat(5)}`,
  ]);
  // No signature: the example stands in; none either: said so. Width defaults to 80.
  assert.deepEqual(groupTable([{ ...long, workflowExternalId: "w", signature: "", example: "Boom\nagain" }], undefined)[1], "   12  w         FAILED 12  Boom again");
  assert.deepEqual(groupTable([{ ...long, workflowExternalId: "w", signature: "", example: "" }])[1], "   12  w         FAILED 12  (no reason given)");
});

test("help: the 0.3 commands are listed and each has its own help", async () => {
  const general = await runMain(["--help"], {});
  assert.equal(general.code, 0);
  for (const line of [
    "  cancel <executionId>…  cancel these executions (they end TERMINATED)",
    "  trigger-runs <triggerExternalId>",
    "  triage                 group the failed executions a filter finds by why they failed",
  ]) assert.ok(general.stdout.includes(`\n${line}\n`), line);
  for (const command of ["cancel", "trigger-runs", "triage"]) {
    for (const args of [[command, "--help"], ["help", command]]) {
      const r = await runMain(args, {});
      assert.equal(r.code, 0);
      assert.ok(r.stdout.startsWith(`${USAGE[command][0]}\n\n`), r.stdout.slice(0, 200));
      assert.equal(r.stderr, "");
    }
  }
});
