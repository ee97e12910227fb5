// Unit tests of the DOM-free helpers of www/failed-view.js (the failed-executions view), in Node.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GROUPS_SHOWN, LIST_LIMIT, RETRYABLE, TRIGGER_RUNS_LIMIT, cancelOptions, countStatuses, executions, groupKey, isChosen,
  listOptions, runs, selectableMembers, shortId, shownGroups, splitTasks, statusSummary, triggerRunsOptions,
} from "../../www/failed-view.js";

describe("failed-view helpers", () => {
  it("listOptions: the three retryable statuses by default, the newest 1000, a workflow and a start only when given", () => {
    assert.deepEqual(listOptions({}), { status: RETRYABLE, limit: LIST_LIMIT });
    assert.equal(LIST_LIMIT, 1000);
    const now = 1_800_000_000_000;
    assert.deepEqual(listOptions({ workflow: "nightly-ingest", statuses: ["TIMED_OUT"], sinceMs: 3_600_000 }, now), {
      status: ["TIMED_OUT"],
      limit: 1000,
      workflows: ["nightly-ingest"],
      createdTimeStart: now - 3_600_000,
    });
    assert.equal(listOptions({ sinceMs: 10 }, 5).createdTimeStart, 0, "never before the epoch");
    const statuses = ["FAILED"];
    assert.notEqual(listOptions({ statuses }).status, statuses, "a copy, not the caller's array");
  });

  it("splitTasks: the tasks that stopped the execution first, each group in run order", () => {
    const t = (externalId, status, reason) => ({ externalId, status, ...(reason ? { reasonForIncompletion: reason } : {}) });
    const tasks = [t("a", "COMPLETED"), t("b", "FAILED", "boom"), t("c", "SKIPPED"), t("d", "CANCELED"), t("e", "COMPLETED", "odd"), t("f", "FAILED_WITH_TERMINAL_ERROR")];
    const { failed, others } = splitTasks(tasks);
    assert.deepEqual(failed.map((x) => x.externalId), ["b", "d", "e", "f"], "failed, cancelled, or with a reason");
    assert.deepEqual(others.map((x) => x.externalId), ["a", "c"]);
    assert.deepEqual(splitTasks([]), { failed: [], others: [] });
  });

  it("countStatuses, executions and shortId read as sentences", () => {
    assert.equal(countStatuses(["FAILED", "COMPLETED", "COMPLETED", "TIMED_OUT"]), "2 COMPLETED, 1 FAILED, 1 TIMED_OUT");
    assert.equal(countStatuses([]), "");
    assert.equal(executions(1), "1 execution");
    assert.equal(executions(0), "0 executions");
    assert.equal(shortId("11111111-1111-4111-8111-111111111111"), "11111111…");
  });

  it("statusSummary: a group's statuses, most frequent first, then by name", () => {
    assert.equal(statusSummary({ TIMED_OUT: 3, FAILED: 12 }), "12 FAILED, 3 TIMED_OUT");
    assert.equal(statusSummary({ TERMINATED: 2, FAILED: 2, SOMETHING_NEW: 5 }), "5 SOMETHING_NEW, 2 FAILED, 2 TERMINATED");
    assert.equal(statusSummary({}), "");
  });

  it("groupKey: the same workflow and signature give the same key, whatever else changed; no mix-up of the two parts", () => {
    const a = { workflowExternalId: "w", signature: "Function call timed out after <n> seconds", count: 3, executionIds: ["a"] };
    assert.equal(groupKey(a), groupKey({ ...a, count: 1, executionIds: ["b"] }));
    assert.notEqual(groupKey(a), groupKey({ ...a, workflowExternalId: "w2" }));
    assert.notEqual(groupKey({ workflowExternalId: "a b", signature: "c" }), groupKey({ workflowExternalId: "a", signature: "b c" }));
  });

  it("selectableMembers and isChosen: a group's executions a retry can take, and whether the selection is exactly those", () => {
    const group = { executionIds: ["AAAA", "bbbb", "cccc"] };
    const retryable = new Set(["aaaa", "cccc"]);
    const members = selectableMembers(group, (id) => retryable.has(id));
    assert.deepEqual(members, ["AAAA", "cccc"], "in the group's order, ids as given, compared in lower case");
    assert.equal(isChosen(members, new Set(["aaaa", "cccc"])), true);
    assert.equal(isChosen(members, new Set(["aaaa"])), false, "part of the group");
    assert.equal(isChosen(members, new Set(["aaaa", "cccc", "dddd"])), false, "more than the group");
    assert.equal(isChosen([], new Set()), false, "an empty group is never the selection");
  });

  it("shownGroups: the largest few, or all once expanded", () => {
    const groups = Array.from({ length: GROUPS_SHOWN + 3 }, (_, i) => ({ i }));
    assert.equal(shownGroups(groups, false).length, GROUPS_SHOWN);
    assert.deepEqual(shownGroups(groups, false), groups.slice(0, GROUPS_SHOWN), "the first ones (groupFailures sorts largest first)");
    assert.equal(shownGroups(groups, true), groups);
    assert.equal(shownGroups(groups.slice(0, 2), false).length, 2);
  });

  it("cancelOptions: the reason only when one was typed, trimmed", () => {
    const id = "55555555-5555-4555-8555-555555555555";
    assert.deepEqual(cancelOptions(id, ""), { executionId: id });
    assert.deepEqual(cancelOptions(id, "   "), { executionId: id });
    assert.deepEqual(cancelOptions(id), { executionId: id });
    assert.deepEqual(cancelOptions(id, "  stuck on SAP \n"), { executionId: id, reason: "stuck on SAP" });
    assert.equal(cancelOptions(id, "x".repeat(600)).reason.length, 600, "not cut: the module checks the length and says so");
  });

  it("triggerRunsOptions: the failed runs of the trigger typed (trimmed), the newest 100", () => {
    assert.equal(TRIGGER_RUNS_LIMIT, 100);
    assert.deepEqual(triggerRunsOptions(" nightly-ingest-schedule "), { triggerExternalId: "nightly-ingest-schedule", status: "failed", limit: 100 });
    assert.deepEqual(triggerRunsOptions("quality-checks/daily pumps").triggerExternalId, "quality-checks/daily pumps", "inner spaces and slashes kept");
    assert.equal(triggerRunsOptions("").triggerExternalId, "", "empty goes to the module, which names the field");
    assert.equal(runs(1), "1 run");
    assert.equal(runs(3), "3 runs");
  });
});
