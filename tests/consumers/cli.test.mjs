// The command line tool, installed from the tarball and run as node_modules/.bin/cdf-workflow-retry:
// what works with retryExecution alone (one execution), the command line itself, and the
// connection settings. The subcommands built on the 0.2 functions are in cli-v2.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { FAILED_ID, COMPLETED_ID, OTHER_FAILED_ID, uniqueProject } from "./helpers.mjs";
import { HAS_SCRIPT, NAME, SECRET, TOKEN, assertRetried, control, jsonLines, lines, runCli, runOnTerminal, setupCli } from "./cli-helpers.mjs";

let setup;
before(async () => {
  setup = await setupCli("cli");
});
after(() => setup?.close());

const cli = (args, options) => runCli(setup, args, options);
const base = (project) => ["--project", project, "--base-url", setup.mock.url];

/** A failure from the package: exactly one stderr line, nothing on stdout. */
function assertOneErrorLine(r, code, kind) {
  assert.equal(r.code, code, `exit code\n${r.stderr}`);
  assert.equal(r.stdout, "");
  const [line, ...rest] = lines(r.stderr);
  assert.deepEqual(rest, [], `one line on stderr, got:\n${r.stderr}`);
  assert.match(line, new RegExp(`^${NAME}: ${kind}\\b`));
  return line;
}

/** A command-line mistake: the error line, then the usage of the command, exit 2. */
function assertUsageError(r, message, command) {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  const synopsis = {
    general: `${NAME} <command> [options]`,
    retry: `${NAME} [retry] <executionId>… [options]`,
    "retry-failed": `${NAME} retry-failed (--workflow W | --since S | --all) [options]`,
    list: `${NAME} list [--workflow W] [--since S] [--status S] [--limit N] [options]`,
  }[command];
  const see = command === "general" ? `See ${NAME} --help for the commands and options.` : `See ${NAME} ${command} --help for its options.`;
  assert.deepEqual(lines(r.stderr), [`${NAME}: invalid_input: ${message}`, `Usage: ${synopsis}`, see]);
}

test("cli: a bare execution id retries it and prints one JSON line; so does `retry <id>`", async () => {
  for (const [args, id] of [[[FAILED_ID], FAILED_ID], [["retry", OTHER_FAILED_ID.toUpperCase()], OTHER_FAILED_ID]]) {
    const project = uniqueProject("cli");
    const from = Date.now();
    const r = await cli([...args, ...base(project), "--timeout-ms", "20000", "--max-retries", "2", "--app-name", "cli test"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const [execution, ...more] = jsonLines(r.stdout);
    assert.deepEqual(more, []);
    assertRetried(execution, id, from, Date.now());
    const requests = await control(setup, project).log();
    assert.deepEqual(requests.map((q) => [q.op, q.status]), [["sessions", 200], ["retry", 200]]);
    assert.equal(requests[1].headers["x-cdp-app"], "cli test");
    assert.equal(requests[1].path, `/api/v1/projects/${project}/workflows/executions/${id}/retry`);
  }
});

test("cli: the connection comes from CDF_PROJECT, CDF_BASE_URL, CDF_CLUSTER; flags win", async () => {
  const project = uniqueProject("clienv");
  const fromEnv = await cli([FAILED_ID], { env: { CDF_PROJECT: project, CDF_BASE_URL: setup.mock.url } });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(jsonLines(fromEnv.stdout)[0].id, FAILED_ID);
  assert.equal((await control(setup, project).log()).length, 2);

  // --project beats CDF_PROJECT; --base-url replaces both CDF_CLUSTER and CDF_BASE_URL.
  const flagged = uniqueProject("cliflag");
  const ignored = uniqueProject("cliignored");
  const r = await cli([OTHER_FAILED_ID, ...base(flagged)], {
    env: { CDF_PROJECT: ignored, CDF_CLUSTER: "westeurope-1", CDF_BASE_URL: "http://127.0.0.1:9" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].id, OTHER_FAILED_ID);
  assert.equal((await control(setup, flagged).log()).length, 2);
  assert.equal((await control(setup, ignored).log()).length, 0);

  // Both variables and no flag: the package refuses the pair, naming the flags.
  const both = await cli([FAILED_ID], { env: { CDF_PROJECT: project, CDF_CLUSTER: "westeurope-1", CDF_BASE_URL: setup.mock.url } });
  assert.match(assertOneErrorLine(both, 2, "invalid_input"), / field=--cluster \/ --base-url: /);
});

test("cli: sessions by client credentials; a nonce from --nonce=<value> or CDF_NONCE, never printed", async () => {
  const project = uniqueProject("clicc");
  const ctl = control(setup, project);
  const r = await cli([FAILED_ID, ...base(project)], { env: { CDF_CLIENT_ID: "test-client-cli", CDF_CLIENT_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].status, "RUNNING");
  const [session] = await ctl.log();
  assert.deepEqual(JSON.parse(session.body), { items: [{ clientId: "test-client-cli", clientSecret: SECRET }] });
  assert.equal(session.headers.authorization, `Bearer ${TOKEN}`);

  // Whatever the random nonce looks like (it may start with "-"), --nonce=<value> passes it.
  const nonce = await ctl.nonce();
  const withNonce = await cli([OTHER_FAILED_ID, ...base(project), `--nonce=${nonce}`], { secrets: [nonce] });
  assert.equal(withNonce.code, 0, withNonce.stderr);
  assert.equal(withNonce.stderr, "");
  const envNonce = await ctl.nonce();
  // The flag wins over the variable: here the variable holds a nonce that would fail.
  const third = uniqueProject("clicc3");
  const thirdNonce = await control(setup, third).nonce();
  const fromEnv = await cli(["33333333-3333-4333-8333-333333333333", ...base(third), `--nonce=${thirdNonce}`], { env: { CDF_NONCE: "-not-this-one" }, secrets: [thirdNonce] });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  const envOnly = await cli(["22222222-2222-4222-8222-222222222222", ...base(project)], { env: { CDF_NONCE: envNonce }, secrets: [envNonce] });
  assert.equal(envOnly.code, 0, envOnly.stderr);

  const retries = (await ctl.log()).filter((q) => q.op === "retry").map((q) => JSON.parse(q.body).authentication.nonce);
  assert.deepEqual(retries.slice(1), [nonce, envNonce]);
  assert.equal((await ctl.log()).filter((q) => q.op === "sessions").length, 1, "no session made when a nonce is given");
});

test("cli: a value that starts with '-' goes as --nonce=<value>; `--nonce -x` is a usage error that never echoes it", async () => {
  const project = uniqueProject("clidash");
  const dashed = "-dashed-nonce-SECRET";
  const ambiguous = await cli([FAILED_ID, ...base(project), "--nonce", dashed], { secrets: [dashed] });
  assertUsageError(ambiguous, `--nonce needs a value; give a value that starts with "-" as --nonce=<value>`, "retry");
  assert.equal((await control(setup, project).log()).length, 0, "nothing was sent");

  const passed = await cli([FAILED_ID, ...base(project), `--nonce=${dashed}`], { secrets: [dashed] });
  const line = assertOneErrorLine(passed, 3, "api");
  assert.match(line, /status=400 operation=retryExecution /);
  const [retry] = await control(setup, project).log();
  assert.deepEqual(JSON.parse(retry.body), { authentication: { nonce: dashed } });
});

test("cli: a bad option value exits 2 with one line naming the flag, before any request", async () => {
  const project = uniqueProject("clibad");
  const cases = [
    [["12345", ...base(project)], /field=<executionId>/],
    [[FAILED_ID, "--project", project], /field=--cluster \/ --base-url/],
    [[FAILED_ID, ...base(project), "--max-retries", "eleven"], /field=--max-retries/],
    [[FAILED_ID, ...base(project), "--timeout-ms", "0"], /field=--timeout-ms/],
    [[FAILED_ID, "--project", "x", "--base-url", setup.mock.url], /field=--project/],
  ];
  for (const [args, field] of cases) assert.match(assertOneErrorLine(await cli(args), 2, "invalid_input"), field);
  assert.equal((await control(setup, project).log()).length, 0, "nothing was sent");
});

test("cli: missing settings exit 2 with one line naming the flag or variable", async () => {
  const project = uniqueProject("climiss");
  const expect = async (args, env, message) => {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.deepEqual(lines(r.stderr), [`${NAME}: invalid_input: ${message}`]);
  };
  await expect([FAILED_ID, "--base-url", setup.mock.url], {}, "--project is required (or set CDF_PROJECT)");
  await expect([FAILED_ID, ...base(project)], { CDF_TOKEN: undefined },
    "set the bearer token in CDF_TOKEN, or IDP_TOKEN_URL, IDP_CLIENT_ID and IDP_CLIENT_SECRET to get one by client credentials");
  await expect([FAILED_ID, ...base(project)], { CDF_TOKEN: "", IDP_CLIENT_ID: "client" },
    "set IDP_TOKEN_URL and IDP_CLIENT_SECRET too, to get the token by client credentials (or set CDF_TOKEN)");
  await expect([FAILED_ID, OTHER_FAILED_ID, ...base(project), "--nonce=abc"], {},
    "a nonce binds one execution: give --nonce with one execution id only");
  await expect([FAILED_ID, OTHER_FAILED_ID, ...base(project)], { CDF_NONCE: "abc" },
    "a nonce binds one execution: give CDF_NONCE with one execution id only");
  await expect([FAILED_ID, ...base(project), "--wait-timeout-ms", "1000"], {}, "--wait-timeout-ms goes with --wait");
  await expect([FAILED_ID, ...base(project), "--wait", "--poll-interval-ms", "99"], {}, "--poll-interval-ms must be an integer from 100 to 60000");
  await expect(["retry-failed", ...base(project), "--since", "yesterday"], {},
    `--since takes a duration such as 30m, 24h or 7d, or an ISO date such as 2026-03-10 (got "yesterday")`);
  await expect(["retry-failed", ...base(project), "--since", "1d", "--status", "failed,RUNNING"], {},
    `--status takes FAILED, TIMED_OUT, TERMINATED (got "RUNNING")`);
  await expect(["list", ...base(project), "--status", "DONE"], {},
    `--status takes RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED (got "DONE")`);
  await expect(["retry-failed", ...base(project), "--since", "1d"], { CDF_NONCE: "abc" },
    "CDF_NONCE is set, but retry-failed creates a session per execution (a nonce binds once): unset it");
  assert.equal((await control(setup, project).log()).length, 0, "nothing was sent");
});

test("cli: a command-line mistake gives one line plus the usage, exit 2", async () => {
  await assertUsageError(await cli([FAILED_ID, "--bogus"]), "unknown option --bogus", "retry");
  await assertUsageError(await cli(["list", "--dry-run"]), "--dry-run is an option of retry-failed only", "list");
  await assertUsageError(await cli(["list", "--project"]), "--project needs a value", "list");
  await assertUsageError(await cli(["list", "--json=yes"]), "--json takes no value", "list");
  await assertUsageError(await cli([]), "give a command or an execution id", "general");
  await assertUsageError(await cli(["lsit"]), `"lsit" is neither a command nor an execution id`, "general");
  await assertUsageError(await cli(["help", "lsit"]), `unknown command "lsit"`, "general");
  await assertUsageError(await cli(["retry"]), "give at least one execution id", "retry");
  await assertUsageError(await cli(["retry-failed", "--project", "p", "--base-url", setup.mock.url]),
    "give --workflow or --since (or --all to retry across all workflows and time)", "retry-failed");
  await assertUsageError(await cli(["retry-failed", "--since", "1d", "--dry-run", "--wait"]),
    "--dry-run retries nothing, so there is nothing to --wait for", "retry-failed");
});

test("cli: --json prints a failure as one JSON object on stderr", async () => {
  const project = uniqueProject("clijson");
  const r = await cli([COMPLETED_ID, ...base(project), "--json"]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "");
  const [line, ...rest] = lines(r.stderr);
  assert.deepEqual(rest, []);
  const error = JSON.parse(line);
  assert.deepEqual(Object.keys(error), ["kind", "status", "code", "requestId", "message", "retryable", "operation", "field"]);
  assert.match(error.requestId, /^mock-\d+-[0-9a-f]{8}$/);
  assert.match(error.message, /is COMPLETED and cannot be retried/);
  assert.deepEqual(error, { ...error, kind: "api", status: 400, code: 400, retryable: false, operation: "retryExecution", field: null });

  const usage = await cli(["--json", FAILED_ID, "--bogus"]);
  assert.equal(usage.code, 2);
  assert.deepEqual(lines(usage.stderr).map((l) => JSON.parse(l)), [
    { kind: "invalid_input", status: null, code: null, requestId: null, message: "unknown option --bogus", retryable: false, operation: null, field: "--bogus" },
  ]);
  const input = await cli([FAILED_ID, "--project", project, "--json", "--max-retries", "11", "--base-url", setup.mock.url]);
  assert.equal(input.code, 2);
  const [bad] = lines(input.stderr).map((l) => JSON.parse(l));
  assert.deepEqual(bad, { ...bad, kind: "invalid_input", status: null, requestId: null, retryable: false, operation: null, field: "maxRetries" });
});

test("cli: a CDF error exits 3 with kind, status, request id and message", async () => {
  const r = await cli([COMPLETED_ID, ...base(uniqueProject("cliapi"))]);
  const line = assertOneErrorLine(r, 3, "api");
  assert.match(line, /^cdf-workflow-retry: api status=400 operation=retryExecution requestId=mock-\d+-[0-9a-f]{8}: .*COMPLETED/);
});

test("cli: network failure exits 4, timeout 5, invalid response 7", async () => {
  // Port 9 (discard) on loopback: nothing listens, the connection is refused.
  const refused = await cli([FAILED_ID, "--project", uniqueProject("clinet"), "--base-url", "http://127.0.0.1:9", "--max-retries", "0"]);
  assertOneErrorLine(refused, 4, "network");
  const project = uniqueProject("clito");
  await control(setup, project).script({ on: "sessions", hang: true });
  assertOneErrorLine(await cli([FAILED_ID, ...base(project), "--timeout-ms", "300"]), 5, "timeout");
  const garbled = uniqueProject("clibody");
  await control(setup, garbled).script({ on: "retry", status: 200, body: { items: [] } });
  assertOneErrorLine(await cli([FAILED_ID, ...base(garbled)]), 7, "invalid_response");
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  test(`cli: ${signal} aborts the call in flight, prints "cancelled" and exits ${code}`, async () => {
    const project = uniqueProject("cliint");
    const ctl = control(setup, project);
    await ctl.script({ on: "sessions", hang: true });
    let child;
    const running = cli([FAILED_ID, ...base(project)], { onSpawn: (c) => (child = c) });
    await ctl.waitForRequests(1);
    child.kill(signal);
    const r = await running;
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `${NAME}: cancelled\n`);
    assert.deepEqual((await ctl.log()).map((q) => q.op), ["sessions"], "no retry after the abort");
  });
}

test("cli: --help, per command too, and --version exit 0", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /^Usage: cdf-workflow-retry <command> \[options\]\n {7}cdf-workflow-retry <executionId>… \[options\]/);
  for (const text of ["retry <executionId>…", "retry-failed", "list", "get <executionId>", "wait <executionId>", "--project", "--cluster",
    "--base-url", "--app-name", "--timeout-ms", "--max-retries", "--verbose", "--json", "--version", "CDF_TOKEN", "CDF_PROJECT", "CDF_CLUSTER",
    "CDF_BASE_URL", "CDF_NONCE", "CDF_CLIENT_ID", "CDF_CLIENT_SECRET", "IDP_TOKEN_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "IDP_SCOPES", "IDP_AUDIENCE"]) {
    assert.ok(help.stdout.includes(text), `--help mentions ${text}`);
  }
  for (const [code, kind] of [[0, "success"], [1, "unexpected"], [2, "invalid_input"], [3, "api"], [4, "network"], [5, "timeout"], [6, "aborted"],
    [7, "invalid_response"], [8, "unsuccessful"], [130, "cancelled by Ctrl-C"]]) {
    assert.match(help.stdout, new RegExp(`^\\s+${code}\\s+${kind}`, "m"));
  }
  const perCommand = {
    retry: ["--nonce", "--concurrency", "--wait", "--wait-timeout-ms", "--poll-interval-ms"],
    "retry-failed": ["--workflow", "--since", "--status", "--limit", "--all", "--dry-run", "--concurrency", "--wait"],
    list: ["--workflow", "--since", "--status", "--limit"],
    get: ["--project"],
    wait: ["--poll-interval-ms", "--timeout-ms"],
  };
  for (const [command, flags] of Object.entries(perCommand)) {
    for (const args of [[command, "--help"], ["help", command], [command, "-h"]]) {
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`Usage: cdf-workflow-retry ${command === "retry" ? "[retry]" : command} `), r.stdout);
      for (const f of flags) assert.ok(r.stdout.includes(f), `${command} --help mentions ${f}`);
    }
  }
  const version = await cli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\S*\n$/);
});

test("cli: on a terminal, a status line says what the call waits for, and is cleared", async () => {
  assert.ok(HAS_SCRIPT, "the terminal tests need `script` (util-linux, in every Debian install)");
  const project = uniqueProject("clitty");
  await control(setup, project).script({ on: "sessions", hang: true });
  const r = await runOnTerminal(setup, [FAILED_ID, ...base(project), "--timeout-ms", "2200"]);
  assert.equal(r.code, 5, r.stdout);
  const CLEAR = "\r\x1b[2K";
  assert.ok(r.stdout.startsWith(`${CLEAR}retrying ${FAILED_ID}`), JSON.stringify(r.stdout));
  assert.ok(r.stdout.includes(`${CLEAR}retrying ${FAILED_ID} (1 s)`), `the elapsed time shows: ${JSON.stringify(r.stdout)}`);
  // The status line is erased before the error line, which is the last thing written.
  assert.match(r.stdout, new RegExp(`\\(\\d s\\)\\r\\x1b\\[2Kcdf-workflow-retry: timeout [^\\r\\n]*\\r\\n$`));
});
