// groupFailures through the built package (pkg/): argument and option checks, the
// signature, order and example rules, hostile inputs (revoked Proxies, throwing getters and
// traps, huge arrays and strings: always a CdfError, quickly, and the next call works), the
// browser entry before its .wasm has loaded, and the TypeScript declarations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { root, pkgDir, pkgEntry, withMock, project, FAILED } from "./helpers.mjs";

const { groupFailures, isCdfError, CdfError, listExecutions, getExecution } = await import(pkgEntry);

/** What `f()` throws, which must be a CdfError of kind invalid_input. */
function refusal(f) {
  let result;
  try {
    result = f();
  } catch (e) {
    assert.ok(isCdfError(e), `not a CdfError: ${e?.stack ?? e}`);
    assert.ok(e instanceof CdfError && e instanceof Error);
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.retryable, false);
    assert.equal(e.attempts, 0);
    assert.equal("operation" in e, false);
    assert.equal(typeof e.field, "string");
    return e;
  }
  assert.fail(`expected a CdfError, got ${JSON.stringify(result)}`);
}

const fieldOf = (executions, options) => refusal(() => groupFailures(executions, options)).field;

const execution = (id, status, workflowExternalId, createdTime, reasonForIncompletion, extra = {}) => ({
  id,
  status,
  workflowExternalId,
  createdTime,
  reasonForIncompletion,
  ...extra,
});

test("groupFailures is synchronous: [] gives [], and the result is plain data", () => {
  assert.deepEqual(groupFailures([]), []);
  const groups = groupFailures([execution("a", "FAILED", "w", 1, "boom 42"), execution("b", "COMPLETED", "w", 2)]);
  assert.ok(Array.isArray(groups) && !(groups instanceof Promise));
  assert.equal(groups.length, 1);
  const [g] = groups;
  assert.equal(Object.getPrototypeOf(g), Object.prototype);
  assert.equal(Object.getPrototypeOf(g.statuses), Object.prototype, "statuses is a plain object, not a Map");
  assert.deepEqual(Object.keys(g), ["workflowExternalId", "signature", "statuses", "count", "executionIds", "example"]);
  assert.deepEqual(g, { workflowExternalId: "w", signature: "boom <n>", statuses: { FAILED: 1 }, count: 1, executionIds: ["a"], example: "boom 42" });
  assert.equal("failedTask" in g, false, "absent, not undefined, without a failed task");
});

test("executions that are not an array of execution objects: invalid_input naming the place", () => {
  for (const v of [undefined, null, {}, "x", 42, () => [], new Map(), { length: 1, 0: {} }]) {
    const e = refusal(() => groupFailures(v));
    assert.equal(e.field, "executions");
    assert.match(e.message, /^Invalid argument "executions": it must be an array of executions/);
  }
  for (const v of [null, undefined, 3, "x", [], () => {}, Symbol("s"), 10n]) {
    const e = refusal(() => groupFailures([execution("a", "FAILED", "w", 1, "r"), v]));
    assert.equal(e.field, "executions[1]");
    assert.match(e.message, /must be an execution object with a string id and status, not (null|undefined|a number|a string|an array|a function|a symbol or bigint)/);
  }
  assert.equal(fieldOf([{ status: "FAILED" }]), "executions[0].id");
  assert.equal(fieldOf([{ id: 7, status: "FAILED" }]), "executions[0].id");
  assert.equal(fieldOf([{ id: "a" }]), "executions[0].status");
  assert.equal(fieldOf([{ id: "a", status: null }]), "executions[0].status");
  assert.equal(fieldOf([{ id: "a", status: new String("FAILED") }]), "executions[0].status");
  const bad = (key, value) => fieldOf([execution("a", "FAILED", "w", 1, "r"), execution("b", "TIMED_OUT", "w", 2, "r", { [key]: value })]);
  assert.equal(bad("workflowExternalId", 1), "executions[1].workflowExternalId");
  for (const t of ["1", NaN, Infinity, -Infinity, 1n, {}]) assert.equal(bad("createdTime", t), "executions[1].createdTime");
  assert.equal(bad("reasonForIncompletion", ["r"]), "executions[1].reasonForIncompletion");
  assert.equal(bad("executedTasks", {}), "executions[1].executedTasks");
  assert.equal(bad("executedTasks", "tasks"), "executions[1].executedTasks");
  assert.equal(bad("executedTasks", [{ externalId: "a", status: "COMPLETED" }, null]), "executions[1].executedTasks[1]");
  assert.equal(bad("executedTasks", [[]]), "executions[1].executedTasks[0]");
  assert.equal(bad("executedTasks", [{ externalId: "a", status: 1 }]), "executions[1].executedTasks[0].status");
  assert.equal(bad("executedTasks", [{ status: "FAILED" }]), "executions[1].executedTasks[0].externalId");
  assert.equal(bad("executedTasks", [{ externalId: "a", status: "TIMED_OUT", reasonForIncompletion: 5 }]), "executions[1].executedTasks[0].reasonForIncompletion");
  // The first fault in input order is the one reported.
  assert.equal(fieldOf([execution("a", "FAILED", "w", 1, "r"), { id: "b" }, { id: 1, status: "FAILED" }]), "executions[1].status");
});

test("fields are read and checked only where they are used", () => {
  const trap = () => {
    throw new Error("must not be read");
  };
  const unread = (obj, ...keys) => {
    for (const k of keys) Object.defineProperty(obj, k, { get: trap, enumerable: true });
    return obj;
  };
  const groups = groupFailures([
    // RUNNING and COMPLETED: only id and status.
    unread({ id: "r", status: "RUNNING" }, "createdTime", "reasonForIncompletion", "executedTasks", "workflowExternalId"),
    unread({ id: "c", status: "COMPLETED" }, "createdTime", "reasonForIncompletion", "executedTasks"),
    // Grouped: never metadata, input, workflowDefinition…; tasks up to the first failed one.
    unread(
      execution("f", "FAILED", "w", 1, "Task b failed", {
        executedTasks: [
          unread({ status: "COMPLETED" }, "externalId", "reasonForIncompletion", "output"),
          { externalId: "b", status: "FAILED_WITH_TERMINAL_ERROR", reasonForIncompletion: "exit code 3" },
          unread({}, "status", "externalId"),
          null,
        ],
      }),
      "metadata",
      "input",
      "workflowDefinition",
      "engineExecutionId",
    ),
    // Null and undefined optional fields are absent.
    { id: "n", status: "TERMINATED", workflowExternalId: null, createdTime: null, reasonForIncompletion: null, executedTasks: null },
    { id: "u", status: "TERMINATED", workflowExternalId: undefined, createdTime: undefined, reasonForIncompletion: undefined, executedTasks: undefined },
  ]);
  assert.deepEqual(groups, [
    { workflowExternalId: "", signature: "", statuses: { TERMINATED: 2 }, count: 2, executionIds: ["n", "u"], example: "" },
    { workflowExternalId: "w", signature: "b: exit code <n>", statuses: { FAILED: 1 }, count: 1, executionIds: ["f"], example: "exit code 3", failedTask: "b" },
  ]);
});

test("options: a plain object with limit, an integer from 1 to 1000 (default 100); unknown keys refused", () => {
  const many = Array.from({ length: 150 }, (_, i) => execution(`e${i}`, "FAILED", `w${String(i).padStart(3, "0")}`, i, "r"));
  assert.equal(groupFailures(many).length, 100);
  assert.equal(groupFailures(many, {}).length, 100);
  assert.equal(groupFailures(many, { limit: undefined }).length, 100);
  assert.equal(groupFailures(many, { limit: 1000 }).length, 150);
  assert.deepEqual(groupFailures(many, { limit: 2 }).map((g) => g.workflowExternalId), ["w000", "w001"]);
  for (const limit of [0, 1001, 1.5, -1, NaN, Infinity, "10", null, true]) assert.equal(fieldOf(many, { limit }), "limit", String(limit));
  for (const options of [null, [], "x", 5, new Map()]) assert.equal(fieldOf(many, options), "options");
  const typo = refusal(() => groupFailures(many, { limt: 5 }));
  assert.equal(typo.field, "limt");
  assert.match(typo.message, /^Invalid option "limt": .*not an option of groupFailures \(did you mean limit\?\)/);
  // Options are checked before any execution is read.
  let reads = 0;
  const watched = [{ get id() { reads++; return "a"; }, status: "FAILED" }];
  assert.equal(fieldOf(watched, { limit: 0 }), "limit");
  assert.equal(reads, 0);
  // Each getter runs once; what a limit getter throws is the cause.
  let limitReads = 0;
  assert.equal(groupFailures(many, { get limit() { limitReads++; return 3; } }).length, 3);
  assert.equal(limitReads, 1);
  const boom = new Error("limit getter");
  const e = refusal(() => groupFailures(many, { get limit() { throw boom; } }));
  assert.equal(e.field, "limit");
  assert.equal(e.cause, boom);
});

test("signatures: ids, times, quoted values and numbers become placeholders", () => {
  const sig = (reason) => groupFailures([execution("a", "FAILED", "w", 1, reason)])[0].signature;
  assert.equal(sig("Execution 059edaa4-a17a-4102-910e-2c3591500cce not found"), "Execution <id> not found");
  assert.equal(sig("object 0x7ffee4b3c9a8 and sha 3f2a9c81e0aa"), "object <id> and sha <id>");
  assert.equal(sig("code 12345678"), "code <n>", "8 digits without a letter are a number");
  assert.equal(sig("started 2024-10-29T12:19:06.123+02:00, created 1730204346000"), "started <time>, created <time>");
  assert.equal(sig('Column "temperature" missing: KeyError: \'temp\''), 'Column "<value>" missing: KeyError: \'<value>\'');
  assert.equal(sig("can't read the user's file 'a.csv'."), "can't read the user's file '<value>'.");
  assert.equal(sig("call('x') took 300s, 1.5 GB"), "call('<value>') took <n>s, <n> GB");
  assert.equal(sig("  many \n\t spaces  "), "many spaces");
  const long = sig("é".repeat(300));
  assert.equal([...long].length, 200);
  assert.equal(sig("😀".repeat(250)), "😀".repeat(200), "200 characters, never a split one");
});

test("groups: by workflow and signature, largest first, then workflow, then signature; ids newest first", () => {
  const executions = [
    execution("t1", "FAILED", "ingest", 1_000, "Function call timed out after 300 seconds"),
    execution("t2", "TIMED_OUT", "ingest", 3_000, "Function call timed out after 600 seconds"),
    execution("c", "COMPLETED", "ingest", 4_000),
    execution("r", "RUNNING", "ingest", 5_000),
    execution("t3", "FAILED", "ingest", 2_000, "Function call timed out after 5 seconds"),
    execution("s1", "TERMINATED", "sync", 7_000, "Sync failed: 'x'"),
    execution("s2", "FAILED", "sync", 7_000, "Sync failed: 'y'"),
    execution("s3", "FAILED", "sync", undefined, "Sync failed: 'z'"),
    execution("s4", "FAILED", "sync", 7_000, "Sync failed: 'w'"),
    execution("b1", "FAILED", "b", 1, "other"),
    execution("a1", "FAILED", "a", 1, "zzz"),
    execution("a2", "FAILED", "a", 1, "aaa"),
    execution("x1", "CANCELED", "a", 1, "an unknown status is grouped"),
  ];
  const groups = groupFailures(executions);
  assert.deepEqual(
    groups.map((g) => [g.workflowExternalId, g.signature, g.count]),
    [
      ["sync", "Sync failed: '<value>'", 4],
      ["ingest", "Function call timed out after <n> seconds", 3],
      ["a", "aaa", 1],
      ["a", "an unknown status is grouped", 1],
      ["a", "zzz", 1],
      ["b", "other", 1],
    ],
  );
  const [sync, timeouts] = groups;
  assert.deepEqual(sync.executionIds, ["s1", "s2", "s4", "s3"], "equal times in input order; no createdTime last");
  assert.deepEqual(sync.statuses, { FAILED: 3, TERMINATED: 1 });
  assert.equal(sync.example, "Sync failed: 'x'", "the newest member's (the first of equal times)");
  assert.deepEqual(timeouts.executionIds, ["t2", "t3", "t1"]);
  assert.deepEqual(timeouts.statuses, { FAILED: 2, TIMED_OUT: 1 });
  assert.equal(timeouts.example, "Function call timed out after 600 seconds");
  assert.equal(groups.reduce((n, g) => n + g.count, 0), executions.length - 2, "every failed execution once");
  // The order does not depend on the input order (distinct times).
  const distinct = executions.map((e, i) => ({ ...e, createdTime: 10_000 - i * 7 }));
  const reversed = [...distinct].reverse();
  assert.deepEqual(groupFailures(reversed), groupFailures(distinct));
});

test("with details: the first failed task gives the signature, failedTask and example", () => {
  const tasks = (reason) => [
    { id: "1", externalId: "extract", status: "COMPLETED", taskType: "function", input: {}, output: {} },
    { id: "2", externalId: "load", status: "FAILED", taskType: "function", input: {}, output: {}, reasonForIncompletion: reason },
    { id: "3", externalId: "notify", status: "TIMED_OUT", taskType: "function", input: {}, output: {}, reasonForIncompletion: "later" },
  ];
  const long = `Table "assets_${"x".repeat(20)}" rejected row 17: ${"detail ".repeat(100)}`;
  const groups = groupFailures([
    execution("d1", "FAILED", "ingest", 1, "Task load failed", { executedTasks: tasks('Table "raw" rejected row 3: bad') }),
    execution("d2", "FAILED", "ingest", 2, "Task load failed", { executedTasks: tasks(long) }),
    execution("d3", "FAILED", "ingest", 3, "Task load failed", { executedTasks: [] }),
  ]);
  // Three groups of one: by signature in code-point order ("T" before "l", "b" before "d").
  assert.deepEqual(groups.map((g) => g.executionIds), [["d3"], ["d1"], ["d2"]]);
  const [plain, , load] = groups;
  assert.equal(groups[1].signature, 'load: Table "<value>" rejected row <n>: bad');
  assert.equal(load.signature.slice(0, 60), 'load: Table "<value>" rejected row <n>: detail detail detail');
  assert.equal([...load.signature].length, 200);
  assert.equal(plain.signature, "Task load failed", "no failed task: the execution's reason");
  assert.equal(plain.failedTask, undefined);
  assert.equal(load.failedTask, "load");
  assert.deepEqual(load.executionIds, ["d2"]);
  assert.equal(load.example, long.slice(0, 500), "the task's original reason, its first 500 characters");
  assert.equal(load.example.length, 500);
  assert.ok(!load.example.endsWith("…"));
  const same = groupFailures([
    execution("d1", "FAILED", "ingest", 1, "r", { executedTasks: tasks('Table "raw" rejected row 3: bad') }),
    execution("d2", "TIMED_OUT", "ingest", 2, "r", { executedTasks: tasks('Table "assets" rejected row 44: bad') }),
  ]);
  assert.deepEqual(same, [
    {
      workflowExternalId: "ingest",
      signature: 'load: Table "<value>" rejected row <n>: bad',
      statuses: { FAILED: 1, TIMED_OUT: 1 },
      count: 2,
      executionIds: ["d2", "d1"],
      example: 'Table "assets" rejected row 44: bad',
      failedTask: "load",
    },
  ]);
  // A failed task without a reason: "{externalId}:".
  assert.equal(groupFailures([execution("e", "FAILED", "w", 1, "r", { executedTasks: [{ externalId: "t", status: "FAILED" }] })])[0].signature, "t:");
});

test("what the caller gave comes back as given: ids, statuses as plain keys, lone surrogates", () => {
  const groups = groupFailures([
    execution("a\ud800b", "__proto__", "w\u0000", 1, "x\udc00"),
    execution("c", "constructor", "w\u0000", 2, "x\udc00"),
  ]);
  assert.equal(groups.length, 1);
  const [g] = groups;
  assert.deepEqual(g.executionIds, ["c", "a\ud800b"]);
  assert.equal(g.workflowExternalId, "w\u0000");
  assert.equal(g.example, "x\udc00");
  assert.ok(Object.hasOwn(g.statuses, "__proto__"), "an own key, not the prototype");
  assert.equal(Object.getPrototypeOf(g.statuses), Object.prototype);
  assert.equal(g.statuses.constructor, 1);
});

test("works on what listExecutions and getExecution return (mock CDF)", async () => {
  await withMock(async (mock) => {
    const connection = { project: project("gf"), baseUrl: mock.url, token: "test-token-node" };
    const failed = await listExecutions({ ...connection, status: ["FAILED", "TIMED_OUT", "TERMINATED"], limit: 1000 });
    assert.ok(failed.length >= 3);
    const groups = groupFailures(failed, { limit: 1000 });
    assert.equal(groups.reduce((n, g) => n + g.count, 0), failed.length);
    assert.deepEqual(new Set(groups.flatMap((g) => g.executionIds)), new Set(failed.map((e) => e.id)));
    for (const g of groups) {
      const members = failed.filter((e) => g.executionIds.includes(e.id));
      assert.ok(members.every((e) => e.workflowExternalId === g.workflowExternalId));
      const times = g.executionIds.map((id) => failed.find((e) => e.id === id).createdTime);
      assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");
    }
    const details = await getExecution({ ...connection, executionId: FAILED });
    const [g] = groupFailures([details]);
    const task = details.executedTasks.find((t) => ["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"].includes(t.status));
    assert.ok(task, "the mock's failed execution has a failed task");
    assert.equal(g.failedTask, task.externalId);
    assert.ok(g.signature.startsWith(`${task.externalId}: `), g.signature);
    assert.equal(g.example, task.reasonForIncompletion.slice(0, 500));
    // What the README quotes.
    assert.equal(g.signature, "load-assets: Transformation sap-assets-to-cdf failed: <n> rows violate the unique constraint on externalId");
  });
});

test("hostile inputs: revoked Proxies, throwing getters and traps are a CdfError naming the place, with the cause", () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const revokedArray = () => {
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    return proxy;
  };
  const boom = new Error("getter");
  const throwing = (key, thrown = boom) => Object.defineProperty(execution("a", "FAILED", "w", 1, "r"), key, { get() { throw thrown; } });
  const cases = [
    [revoked(), "executions"],
    [revokedArray(), "executions"],
    [new Proxy([], { get() { throw boom; } }), "executions"],
    [[revoked()], "executions[0]"],
    [[revokedArray()], "executions[0]"],
    [Object.defineProperty([], 0, { get() { throw boom; }, enumerable: true }), "executions[0]"],
    [[new Proxy({}, { get() { throw boom; } })], "executions[0].id"],
    [[throwing("id")], "executions[0].id"],
    [[throwing("status")], "executions[0].status"],
    [[throwing("workflowExternalId")], "executions[0].workflowExternalId"],
    [[throwing("createdTime")], "executions[0].createdTime"],
    [[throwing("reasonForIncompletion", "a string thrown")], "executions[0].reasonForIncompletion"],
    [[throwing("executedTasks")], "executions[0].executedTasks"],
    [[execution("a", "FAILED", "w", 1, "r", { executedTasks: revokedArray() })], "executions[0].executedTasks"],
    [[execution("a", "FAILED", "w", 1, "r", { executedTasks: new Proxy([], { get: (t, k) => { if (k === "length") throw boom; return t[k]; } }) })], "executions[0].executedTasks"],
    [[execution("a", "FAILED", "w", 1, "r", { executedTasks: [revoked()] })], "executions[0].executedTasks[0]"],
    [[execution("a", "FAILED", "w", 1, "r", { executedTasks: [{ get status() { throw boom; } }] })], "executions[0].executedTasks[0].status"],
    [[execution("a", "FAILED", "w", 1, "r", { executedTasks: [{ status: "FAILED", get externalId() { throw boom; } }] })], "executions[0].executedTasks[0].externalId"],
  ];
  for (const [executions, field] of cases) {
    const e = refusal(() => groupFailures(executions));
    assert.equal(e.field, field);
  }
  assert.equal(refusal(() => groupFailures([throwing("status")])).cause, boom);
  assert.equal(refusal(() => groupFailures([throwing("reasonForIncompletion", "a string thrown")])).cause, "a string thrown");
  assert.match(refusal(() => groupFailures([throwing("id")])).message, /"executions\[0\]\.id": it must be readable, but reading it threw/);
  // Each getter ran at most once; the module still works.
  let reads = 0;
  const once = execution("a", "FAILED", "w", 1, "r");
  Object.defineProperty(once, "reasonForIncompletion", { get() { reads++; return "counted"; } });
  assert.equal(groupFailures([once])[0].example, "counted");
  assert.equal(reads, 1);
});

test("huge inputs end quickly with invalid_input: the budget, never a hang", () => {
  const timed = (f) => {
    const start = performance.now();
    const e = refusal(f);
    const ms = performance.now() - start;
    assert.ok(ms < 10_000, `took ${ms} ms`);
    return e;
  };
  const tooMany = timed(() => groupFailures(new Array(1e9)));
  assert.equal(tooMany.field, "executions");
  assert.match(tooMany.message, /at most 100000 executions/);
  assert.equal(timed(() => groupFailures(new Array(100_001).fill(execution("a", "RUNNING")))).field, "executions");
  assert.equal(timed(() => groupFailures(new Proxy([], { get: (t, k) => (k === "length" ? 2 ** 32 - 1 : t[k]) }))).field, "executions");
  assert.equal(timed(() => groupFailures(new Proxy([], { get: (t, k) => (k === "length" ? -1 : t[k]) }))).field, "executions");
  // One string longer than 1048576 characters, and 16777216 characters in all.
  const long = timed(() => groupFailures([execution("a", "FAILED", "w", 1, "x".repeat(1_048_577))]));
  assert.equal(long.field, "executions[0].reasonForIncompletion");
  assert.match(long.message, /at most 1048576 characters/);
  const mib = "y".repeat(1_048_576);
  const text = timed(() => groupFailures(Array.from({ length: 17 }, (_, i) => execution(`e${i}`, "FAILED", "w", i, mib))));
  assert.equal(text.field, "executions");
  assert.match(text.message, /at most 16777216 characters of text in all/);
  // Endless tasks that never fail: at most 10000 read per execution, 4000000 reads in all.
  const endless = () => new Proxy([], { get: (t, k) => (k === "length" ? 2 ** 32 - 1 : typeof k === "string" && /^\d+$/.test(k) ? { status: "COMPLETED" } : t[k]) });
  const tasks = timed(() => groupFailures([execution("a", "FAILED", "w", 1, "r", { executedTasks: endless() })]));
  assert.equal(tasks.field, "executions[0].executedTasks");
  assert.match(tasks.message, /first 10000 tasks/);
  const nineThousand = Array.from({ length: 9_000 }, () => ({ status: "S" })); // an unknown status that is not a failure
  const reads = timed(() => groupFailures(Array.from({ length: 500 }, (_, i) => execution(`e${i}`, "FAILED", "w", i, "r", { executedTasks: nineThousand }))));
  assert.equal(reads.field, "executions");
  assert.match(reads.message, /more than 4000000 property reads/);
  // Within the budget, a large input works: 10000 executions of details.
  const details = Array.from({ length: 10_000 }, (_, i) =>
    execution(crypto.randomUUID(), i % 5 ? "FAILED" : "COMPLETED", `wf-${i % 7}`, 1_730_000_000_000 + i, `Task t failed at 2024-10-29T12:19:06Z`, {
      executedTasks: Array.from({ length: 20 }, (_, k) => ({ externalId: `t${k}`, status: k === 19 ? "FAILED" : "COMPLETED", reasonForIncompletion: k === 19 ? `Function ${crypto.randomUUID()} failed after ${i} s: ${"x".repeat(200)}` : undefined })),
    }),
  );
  const start = performance.now();
  const groups = groupFailures(details, { limit: 1000 });
  console.log(`groupFailures: 10000 executions of details with 20 tasks each in ${(performance.now() - start).toFixed(0)} ms`);
  assert.equal(groups.length, 7);
  assert.equal(groups.reduce((n, g) => n + g.count, 0), 8_000);
  // And the next call works.
  assert.equal(groupFailures([execution("a", "FAILED", "w", 1, "r")]).length, 1);
});

test("the browser entry before its .wasm has loaded: a CdfError of kind network that starts the load; then it works", async () => {
  // A fresh Node process imports the browser entry (browser.js → lazy.js). Node's fetch cannot
  // read file: URLs, so the first load fails; then fetch is taught to, and the next load works.
  const code = `
    import { readFileSync } from "node:fs";
    import { fileURLToPath } from "node:url";
    const { groupFailures, isCdfError, retryExecution } = await import(${JSON.stringify(pathToFileURL(join(pkgDir, "browser.js")).href)});
    const out = {};
    const grab = (f) => { try { return { value: f() }; } catch (e) { return { error: { isCdfError: isCdfError(e), kind: e.kind, retryable: e.retryable, attempts: e.attempts, hasOperation: "operation" in e, message: e.message, causeKind: e.cause?.kind } }; } };
    const realFetch = globalThis.fetch;
    let fetches = 0;
    globalThis.fetch = (url, init) => { fetches++; return realFetch(url, init); };
    out.first = grab(() => groupFailures([]));
    out.fetchesRightAfter = fetches;
    const until = async (f) => { for (let i = 0; i < 500 && !f(); i++) await new Promise((r) => setTimeout(r, 10)); };
    await until(() => fetches > 0);
    out.fetchesLater = fetches; // the synchronous call started the load
    await new Promise((r) => setTimeout(r, 200)); // it fails: Node's fetch refuses file: URLs
    out.afterFailedLoad = grab(() => groupFailures([]));
    globalThis.fetch = async (url, init) => {
      fetches++;
      if (String(url).startsWith("file:")) return new Response(readFileSync(fileURLToPath(url)), { headers: { "content-type": "application/wasm" } });
      return realFetch(url, init);
    };
    await until(() => grab(() => groupFailures([])).value !== undefined); // the load that call started
    out.loaded = grab(() => groupFailures([{ id: "a", status: "FAILED", reasonForIncompletion: "x 1" }]));
    const async = await retryExecution({}).catch((e) => e.kind);
    out.asyncAfter = async;
    console.log(JSON.stringify(out));
  `;
  const r = await new Promise((resolve) =>
    execFile(process.execPath, ["--input-type=module", "-e", code], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ error, stdout, stderr })),
  );
  assert.equal(r.error, null, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1));
  assert.deepEqual(
    { ...out.first.error, message: undefined },
    { isCdfError: true, kind: "network", retryable: true, attempts: 0, hasOperation: false, message: undefined },
  );
  assert.match(out.first.error.message, /^groupFailures is synchronous and needs the WebAssembly module of cdf-workflow-retry, which a browser loads asynchronously: it is not loaded yet, and is loading now\. Call groupFailures again once any other call of the package has settled/);
  assert.equal(out.fetchesRightAfter, 0, "the load fetches asynchronously");
  assert.equal(out.fetchesLater, 1, "the throwing call started the load");
  assert.equal(out.afterFailedLoad.error.kind, "network");
  assert.match(out.afterFailedLoad.error.message, /The last attempt to load it failed: Could not fetch the WebAssembly module file:/);
  assert.equal(out.afterFailedLoad.error.causeKind, "network", "the failed load's CdfError is the cause");
  assert.deepEqual(out.loaded.value, [{ workflowExternalId: "", signature: "x <n>", statuses: { FAILED: 1 }, count: 1, executionIds: ["a"], example: "x 1" }]);
  assert.equal(out.asyncAfter, "invalid_input");
});

test("TypeScript: WorkflowExecution[] and WorkflowExecutionDetails[] fit; FailureGroup and the options are typed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gf-types-"));
  try {
    const from = relative(dir, join(pkgDir, "index.js")).replaceAll("\\", "/");
    writeFileSync(
      join(dir, "check.ts"),
      `import { groupFailures, isCdfError, type FailureGroup, type GroupFailuresOptions, type WorkflowExecution, type WorkflowExecutionDetails } from "${from}";
declare const list: WorkflowExecution[];
declare const details: WorkflowExecutionDetails;
const options: GroupFailuresOptions = { limit: 10 };
const groups: FailureGroup[] = groupFailures(list, options);
groupFailures([details, ...list]);
groupFailures([{ id: "a", status: "FAILED", reasonForIncompletion: null, executedTasks: [{ externalId: "t", status: "FAILED" }] }]);
const g = groups[0];
if (g) {
  const n: number = g.count + (g.statuses["FAILED"] ?? 0);
  const ids: string[] = g.executionIds;
  const task: string | undefined = g.failedTask;
  const text: string = g.signature + g.example + g.workflowExternalId;
  void n, ids, task, text;
}
try {
  groupFailures(list);
} catch (e) {
  if (isCdfError(e) && e.kind === "invalid_input") {
    const field: string = e.field;
    void field;
  }
}
// @ts-expect-error limit is a number
groupFailures(list, { limit: "10" });
// @ts-expect-error an unknown option
groupFailures(list, { limt: 10 });
// @ts-expect-error an id is a string
groupFailures([{ id: 1, status: "FAILED" }]);
// @ts-expect-error the result is not a promise
void groupFailures(list).then;
`,
    );
    const tsc = join(pkgDir, "..", "node_modules", ".bin", "tsc");
    const r = await new Promise((resolve) =>
      execFile(tsc, ["--strict", "--noEmit", "--exactOptionalPropertyTypes", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom", join(dir, "check.ts")], { timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ error, stdout, stderr }),
      ),
    );
    assert.equal(r.error, null, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("README groupFailures example, run as written against the mock CDF server", async () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf("<!-- example v2: groups -->");
  assert.ok(at >= 0, "the README marks its groupFailures example");
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "a js block follows the marker");
  await withMock(async (mock) => {
    // As tests/node/readme-v2.test.mjs does: only the import, `cluster` and getAccessToken are supplied.
    const code =
      `const getAccessToken = async () => "demo-token";\n` +
      block[1]
        .replaceAll('from "cdf-workflow-retry"', `from ${JSON.stringify(pkgEntry)}`)
        .replaceAll('cluster: "westeurope-1"', `baseUrl: ${JSON.stringify(mock.url)}`);
    const r = await new Promise((resolve) =>
      execFile(process.execPath, ["--input-type=module", "-e", code], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ error, stdout, stderr })),
    );
    assert.equal(r.error, null, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.ok(lines.length >= 4 && lines.length % 2 === 0, r.stdout);
    const heads = lines.filter((_, i) => i % 2 === 0);
    for (const line of heads) assert.match(line, /^\d+ × [\w-]+: .+ \(\d+ (FAILED|TIMED_OUT|TERMINATED)(, \d+ (FAILED|TIMED_OUT|TERMINATED))*\)$/);
    for (const line of lines.filter((_, i) => i % 2 === 1)) assert.match(line, /^ {2}newest [0-9a-f-]{36}: /);
    const counts = heads.map((line) => Number(line.split(" ")[0]));
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "largest first");
    // The mock's seeded reasons (tests/mock/seed.mjs): numbers vary, the cause is one group.
    assert.ok(
      heads.includes("3 × nightly-ingest: Task load-assets failed: Transformation sap-assets-to-cdf failed: <n> rows violate the unique constraint on externalId (3 FAILED)"),
      r.stdout,
    );
    assert.ok(heads.includes("1 × hourly-sync: Workflow timed out after <n> s (1 TIMED_OUT)"), r.stdout);
  });
});
