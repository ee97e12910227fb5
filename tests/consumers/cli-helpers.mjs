// Helpers of the command-line tests (cli.test.mjs, cli-v2.test.mjs): the CLI installed from the
// packed tarball and run as node_modules/.bin/cdf-workflow-retry against one mock CDF server.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SEED_EXECUTIONS, startMockServer } from "../mock/server.mjs";
import { createConsumer, cleanup, run } from "./helpers.mjs";

export const TOKEN = "test-token-cli-SECRET";
export const SECRET = "test-secret-cli-SECRET";
export const NAME = "cdf-workflow-retry";

/** Installs the tarball into a consumer project and starts a mock. Call from before(); close() from after(). */
export async function setupCli(name) {
  const dir = await createConsumer(name);
  const mock = await startMockServer({ quiet: true });
  return {
    dir,
    mock,
    cli: join(dir, "node_modules", ".bin", NAME),
    close: async () => {
      await mock.close();
      cleanup();
    },
  };
}

/**
 * The environment of a run: this process's, without any CDF_* or IDP_* variable (a developer's
 * own settings must not leak in), plus CDF_TOKEN, plus `extra` (undefined removes a variable).
 */
export function cliEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(CDF|IDP)_/.test(key)) env[key] = value;
  Object.assign(env, { CDF_TOKEN: TOKEN }, extra);
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** Runs the CLI; checks that no secret (token, client secret, `secrets`) shows in its output. */
export async function runCli(setup, args, { env, onSpawn, secrets = [] } = {}) {
  const r = await run(setup.cli, args, { cwd: setup.dir, env: cliEnv(env), onSpawn });
  for (const secret of [TOKEN, SECRET, ...secrets]) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `a secret shows in the output:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** stdout as JSON lines: one compact JSON value per line, each ending in "\n". */
export function jsonLines(stdout) {
  if (stdout === "") return [];
  assert.ok(stdout.endsWith("\n"), `stdout ends with a newline: ${JSON.stringify(stdout)}`);
  return stdout.slice(0, -1).split("\n").map((line) => {
    assert.ok(line.startsWith("{") && line === JSON.stringify(JSON.parse(line)), `a compact JSON line: ${line}`);
    return JSON.parse(line);
  });
}

/** stderr as lines (the last one ends in "\n"). */
export function lines(text) {
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), `output ends with a newline: ${JSON.stringify(text)}`);
  return text.slice(0, -1).split("\n");
}

/** The mock's control API for one project. */
export function control(setup, project) {
  const base = `${setup.mock.url}/_mock/projects/${encodeURIComponent(project)}`;
  return {
    async log() {
      return (await (await fetch(`${base}/log`)).json()).requests;
    },
    async script(steps) {
      const r = await fetch(`${base}/script`, { method: "POST", body: JSON.stringify(steps) });
      assert.equal(r.status, 200, await r.text());
    },
    async nonce() {
      return (await (await fetch(`${base}/nonce`, { method: "POST" })).json()).nonce;
    },
    /** Resolves once the mock has logged at least `n` requests. */
    async waitForRequests(n = 1) {
      for (let i = 0; i < 200; i++) {
        if ((await this.log()).length >= n) return;
        await sleep(25);
      }
      throw new Error(`the mock never saw ${n} request(s) for ${project}`);
    },
  };
}

/** A seeded execution as the mock's retry answers it: RUNNING, `startTime` as given, no end. */
export function retriedSeed(id, startTime) {
  const seed = structuredClone(SEED_EXECUTIONS.find((e) => e.id === id));
  delete seed.endTime;
  delete seed.reasonForIncompletion;
  return { ...seed, status: "RUNNING", startTime };
}

/** A seeded execution as listed (unchanged). */
export function seed(id) {
  return structuredClone(SEED_EXECUTIONS.find((e) => e.id === id));
}

/** Checks that `execution` is the retried seed `id`, with a startTime set in [from, to]. */
export function assertRetried(execution, id, from, to) {
  assert.ok(Number.isInteger(execution.startTime) && execution.startTime >= from && execution.startTime <= to, `startTime ${execution.startTime} in [${from}, ${to}]`);
  assert.deepEqual(execution, retriedSeed(id, execution.startTime));
}

/** Whether util-linux `script` can give the CLI a terminal here. */
export const HAS_SCRIPT = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

/** Runs the CLI on a pseudo-terminal (`script`): stdout and stderr come back as one stream. */
export async function runOnTerminal(setup, args, { env } = {}) {
  const quoted = [setup.cli, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  return run("script", ["-qefc", quoted, "/dev/null"], { cwd: setup.dir, env: { ...cliEnv(env), COLUMNS: "200" } });
}
