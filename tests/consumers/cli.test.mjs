// The command line tool, installed from the tarball and run as node_modules/.bin/cdf-workflow-retry.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startMockServer } from "../mock/server.mjs";
import { FAILED_ID, COMPLETED_ID, OTHER_FAILED_ID, createConsumer, cleanup, run, uniqueProject } from "./helpers.mjs";

const TOKEN = "test-token-cli-SECRET";
const SECRET = "test-secret-cli-SECRET";
let dir, cli;

before(async () => {
  dir = await createConsumer("cli");
  cli = join(dir, "node_modules", ".bin", "cdf-workflow-retry");
});
after(cleanup);

function env(extra = {}) {
  const e = { ...process.env, CDF_TOKEN: TOKEN, ...extra };
  for (const key of ["CDF_CLIENT_ID", "CDF_CLIENT_SECRET"]) if (!(key in extra)) delete e[key];
  return e;
}

async function runCli(args, options = {}) {
  const r = await run(cli, args, { cwd: dir, env: env(options.env), onSpawn: options.onSpawn });
  for (const secret of [TOKEN, SECRET]) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), "no token or secret in the output");
  }
  return r;
}

function assertOneErrorLine(r, code, kind) {
  assert.equal(r.code, code, `exit code\n${r.stderr}`);
  assert.equal(r.stdout, "");
  const lines = r.stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], new RegExp(`^cdf-workflow-retry: ${kind}\\b`));
  return lines[0];
}

test("cli: retries an execution and prints it as JSON", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const r = await runCli([FAILED_ID, "--project", uniqueProject("cli"), "--base-url", mock.url, "--timeout-ms", "20000", "--max-retries", "2", "--app-name", "cli test"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const execution = JSON.parse(r.stdout);
  assert.equal(execution.id, FAILED_ID);
  assert.equal(execution.status, "RUNNING");
});

test("cli: client credentials and a nonce", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("clicc");
  const r = await runCli([FAILED_ID, "--project", project, "--base-url", mock.url], { env: { CDF_CLIENT_ID: "test-client-cli", CDF_CLIENT_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, "RUNNING");
  const { requests } = await (await fetch(`${mock.url}/_mock/projects/${project}/log`)).json();
  assert.equal(JSON.parse(requests[0].body).items[0].clientId, "test-client-cli");
  assert.equal(requests[0].headers.authorization, `Bearer ${TOKEN}`);

  const { nonce } = await (await fetch(`${mock.url}/_mock/projects/${project}/nonce`, { method: "POST" })).json();
  const withNonce = await runCli([OTHER_FAILED_ID, "--project", project, "--base-url", mock.url, "--nonce", nonce]);
  assert.equal(withNonce.code, 0, withNonce.stderr);
  assert.ok(!withNonce.stderr.includes(nonce));
});

test("cli: invalid input exits 2 with one line, before any request", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("clibad");
  const line = assertOneErrorLine(await runCli(["not-a-uuid", "--project", project, "--base-url", mock.url]), 2, "invalid_input");
  assert.match(line, /executionId/);
  assertOneErrorLine(await runCli([FAILED_ID, "--project", project]), 2, "invalid_input"); // no cluster / base URL
  assertOneErrorLine(await runCli([FAILED_ID, "--project", project, "--base-url", mock.url, "--max-retries", "eleven"]), 2, "invalid_input");
  assertOneErrorLine(await runCli([FAILED_ID, "--project", project, "--base-url", mock.url, "--bogus"]), 2, "invalid_input");
  assertOneErrorLine(await runCli([]), 2, "invalid_input");
  const noToken = await run(cli, [FAILED_ID, "--project", project, "--base-url", mock.url], { cwd: dir, env: env({ CDF_TOKEN: "" }) });
  assert.match(assertOneErrorLine(noToken, 2, "invalid_input"), /CDF_TOKEN/);
  const { requests } = await (await fetch(`${mock.url}/_mock/projects/${project}/log`)).json();
  assert.equal(requests.length, 0, "nothing was sent");
});

test("cli: a CDF error exits 3 with kind, status, request id and message", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const r = await runCli([COMPLETED_ID, "--project", uniqueProject("cliapi"), "--base-url", mock.url]);
  const line = assertOneErrorLine(r, 3, "api");
  assert.match(line, /status=400/);
  assert.match(line, /requestId=mock-/);
  assert.match(line, /COMPLETED/);
});

test("cli: network failure exits 4, timeout 5, invalid response 7", async () => {
  // Port 9 (discard) on loopback: nothing listens, the connection is refused.
  const refused = await runCli([FAILED_ID, "--project", uniqueProject("clinet"), "--base-url", "http://127.0.0.1:9", "--max-retries", "0"]);
  assertOneErrorLine(refused, 4, "network");
  const mock = await startMockServer({ quiet: true });
  try {
    const project = uniqueProject("clito");
    await fetch(`${mock.url}/_mock/projects/${project}/script`, { method: "POST", body: JSON.stringify({ on: "sessions", hang: true }) });
    assertOneErrorLine(await runCli([FAILED_ID, "--project", project, "--base-url", mock.url, "--timeout-ms", "300"]), 5, "timeout");
    const garbled = uniqueProject("clibody");
    await fetch(`${mock.url}/_mock/projects/${garbled}/script`, { method: "POST", body: JSON.stringify({ on: "retry", status: 200, body: { items: [] } }) });
    assertOneErrorLine(await runCli([FAILED_ID, "--project", garbled, "--base-url", mock.url]), 7, "invalid_response");
  } finally {
    await mock.close();
  }
});

test("cli: Ctrl-C aborts the call and exits 6", async (t) => {
  const mock = await startMockServer({ quiet: true });
  t.after(() => mock.close());
  const project = uniqueProject("cliint");
  await fetch(`${mock.url}/_mock/projects/${project}/script`, { method: "POST", body: JSON.stringify({ on: "sessions", hang: true }) });
  let child;
  const running = runCli([FAILED_ID, "--project", project, "--base-url", mock.url], { onSpawn: (c) => (child = c) });
  // Wait until the request is in flight, then interrupt.
  for (let i = 0; i < 100; i++) {
    const { requests } = await (await fetch(`${mock.url}/_mock/projects/${project}/log`)).json();
    if (requests.length) break;
    await sleep(50);
  }
  child.kill("SIGINT");
  const r = await running;
  assertOneErrorLine(r, 6, "aborted");
});

test("cli: --help and --version exit 0", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: cdf-workflow-retry <executionId> --project P/);
  for (const text of ["--cluster", "--base-url", "--nonce", "--timeout-ms", "--max-retries", "--app-name", "CDF_TOKEN", "CDF_CLIENT_ID", "CDF_CLIENT_SECRET"]) {
    assert.ok(help.stdout.includes(text), `--help mentions ${text}`);
  }
  for (const [code, kind] of [[2, "invalid_input"], [3, "api"], [4, "network"], [5, "timeout"], [6, "aborted"], [7, "invalid_response"]]) {
    assert.match(help.stdout, new RegExp(`^\\s+${code}\\s+${kind}`, "m"));
  }
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
