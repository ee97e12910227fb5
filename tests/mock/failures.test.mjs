// Tests of the seeded executions' failure reasons: varied, realistic, consistent with the
// executed tasks, and grouped by normalised reason into groups of several sizes.
// Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import { SEED_EXECUTIONS } from "./server.mjs";
import { ASSET, FAILED, NO_VERSION, getExecution, list, withServer } from "./helpers.mjs";

const FAILED_TASK = new Set(["FAILED", "FAILED_WITH_TERMINAL_ERROR"]);

/** A rough normalisation (numbers, hex ids, quoted values), enough to tell reasons apart. */
const signature = (reason) => reason
  .replace(/\b(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/g, "<id>")
  .replace(/"[^"]*"|'[^']*'/g, "<value>")
  .replace(/\d+/g, "<n>");

async function failedWithDetails(mock, project) {
  const items = (await list(mock, project, { filter: { status: ["FAILED"] }, limit: 1000 })).json.items;
  return Promise.all(items.map(async (e) => ({ e, d: (await getExecution(mock, project, e.id)).json })));
}

test("failures: the seeded FAILED executions fail for several reasons, in groups of different sizes", async (t) => {
  const mock = await withServer(t);
  const failed = await failedWithDetails(mock, "p");
  assert.ok(failed.length >= 8, `${failed.length} FAILED executions`);
  const groups = new Map();
  for (const { e } of failed) {
    const key = `${e.workflowExternalId} | ${signature(e.reasonForIncompletion)}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const sizes = [...groups.values()].sort((a, b) => b - a);
  assert.ok(groups.size >= 5, `${groups.size} groups: ${[...groups.keys()].join("; ")}`);
  assert.ok(sizes[0] >= 3, `the largest group has ${sizes[0]}`);
  assert.ok(sizes.at(-1) === 1, "and some are alone");
  assert.ok(new Set(sizes).size >= 3, `sizes ${sizes.join(", ")}`);
  // Not all alike: the reasons themselves differ even inside a group (numbers, ids).
  assert.ok(new Set(failed.map(({ e }) => e.reasonForIncompletion)).size > groups.size);
});

test("failures: every FAILED execution has one failed task with its reason; the execution's reason is the task's, or says which task", async (t) => {
  const mock = await withServer(t, { generatedExecutions: 200 });
  const failed = await failedWithDetails(mock, "p");
  for (const { e, d } of failed) {
    const tasks = d.executedTasks.filter((x) => FAILED_TASK.has(x.status) && x.parentTaskExternalId === undefined);
    assert.equal(tasks.length, 1, e.id);
    const [task] = tasks;
    assert.equal(d.executedTasks.at(-1).externalId, task.externalId, "the failed task is the last that ran");
    assert.equal(typeof task.reasonForIncompletion, "string");
    const own = e.reasonForIncompletion;
    assert.ok(
      own === task.reasonForIncompletion
        || own.startsWith(`Task ${task.externalId} failed: `)
        || (own === "Service temporarily unavailable" && task.taskType === "cdf"),
      `${e.id}: ${own} / ${task.externalId}: ${task.reasonForIncompletion}`,
    );
  }
  const reasons = failed.map(({ d }) => d.executedTasks.find((x) => FAILED_TASK.has(x.status)));
  const find = (pattern) => reasons.filter((x) => pattern.test(x.reasonForIncompletion));
  // Function timeouts, with several durations, on function tasks.
  const timeouts = find(/^Function call timed out after (\d+) seconds$/);
  assert.ok(timeouts.length >= 5 && timeouts.every((x) => x.taskType === "function"));
  assert.ok(new Set(timeouts.map((x) => x.reasonForIncompletion)).size >= 2, "different numbers");
  // Rate-limited transformations, each with its own request id.
  const limited = find(/^Transformation '[\w-]+' failed: 429 Too Many Requests, request id 5f3c[0-9a-f]{12}$/);
  assert.ok(limited.length >= 3 && limited.every((x) => x.taskType === "transformation"));
  assert.ok(new Set(limited.map((x) => x.reasonForIncompletion)).size > 1);
  // Unreachable databases: the execution names the task and the host.
  const unreachable = failed.filter(({ e }) => /^Task [\w-]+ failed: Could not connect to host 10\.0\.\d+\.\d+:5432$/.test(e.reasonForIncompletion));
  assert.ok(unreachable.length >= 2);
  for (const { e, d } of unreachable) {
    const task = d.executedTasks.find((x) => FAILED_TASK.has(x.status));
    const host = /host (\S+):5432/.exec(e.reasonForIncompletion)[1];
    assert.ok(task.reasonForIncompletion.includes(`"${host}"`), "the task's own error names the same host");
  }
  // CDF requests answered 503: the cdf task's output says so.
  const unavailable = failed.filter(({ e }) => e.reasonForIncompletion === "Service temporarily unavailable");
  assert.ok(unavailable.length >= 2);
  for (const { d } of unavailable) {
    const task = d.executedTasks.find((x) => FAILED_TASK.has(x.status));
    assert.deepEqual([task.taskType, task.output.statusCode, task.reasonForIncompletion], ["cdf", 503, "CDF request failed: 503 Service Unavailable"]);
  }
  for (const pattern of [/rows violate the unique constraint/, /solver did not converge after \d+ iterations/, /parent asset plant-oslo\/pump-\d+ does not exist/]) {
    assert.ok(find(pattern).length >= 1, String(pattern));
  }
  // Some fail at the first task, some later.
  assert.ok(failed.some(({ d }) => d.executedTasks.length === 1) && failed.some(({ d }) => d.executedTasks.length > 1));
});

test("failures: the hand-written ones keep their ids, statuses and tasks; their reasons join the generated groups", async (t) => {
  const mock = await withServer(t);
  const byId = (id) => SEED_EXECUTIONS.find((e) => e.id === id);
  const ingest = (await getExecution(mock, "p", FAILED)).json;
  const load = ingest.executedTasks.find((x) => x.externalId === "load-assets");
  assert.equal(load.status, "FAILED");
  assert.equal(ingest.reasonForIncompletion, `Task load-assets failed: ${load.reasonForIncompletion}`);
  assert.equal(byId(FAILED).reasonForIncompletion, ingest.reasonForIncompletion);
  const asset = (await getExecution(mock, "p", ASSET)).json;
  assert.equal(asset.reasonForIncompletion, asset.executedTasks.find((x) => x.status === "FAILED").reasonForIncompletion);
  assert.match(asset.reasonForIncompletion, /^Transformation 'asset-hierarchy-build' failed: 429 Too Many Requests, request id [0-9a-f]{16}$/);
  const rollup = (await getExecution(mock, "p", NO_VERSION)).json;
  assert.equal(rollup.reasonForIncompletion, rollup.executedTasks.find((x) => x.status === "FAILED").reasonForIncompletion);
  // TERMINATED ones were stopped in the UI or cancelled through the API (the API's default reason).
  const big = await withServer(t, { generatedExecutions: 200 });
  const terminated = (await list(big, "p", { filter: { status: ["TERMINATED"] }, limit: 1000 })).json.items;
  assert.deepEqual(new Set(terminated.map((e) => e.reasonForIncompletion)), new Set(["Terminated by user", "cancelled"]));
});

test("failures: the same seed gives the same reasons; another seed other ones", async (t) => {
  const reasons = async (mock) => (await list(mock, "p", { limit: 1000 })).json.items.map((e) => [e.id, e.reasonForIncompletion ?? null]);
  const [a, b, c] = await Promise.all([withServer(t, { seed: 3 }), withServer(t, { seed: 3 }), withServer(t, { seed: 4 })]);
  const ra = await reasons(a);
  assert.deepEqual(await reasons(b), ra);
  assert.notDeepEqual((await reasons(c)).map(([, r]) => r), ra.map(([, r]) => r));
});
