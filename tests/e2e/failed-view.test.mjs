// Unit tests of the DOM-free helpers of www/failed-view.js (the failed-executions view), in Node.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIST_LIMIT, RETRYABLE, countStatuses, executions, listOptions, shortId, splitTasks } from "../../www/failed-view.js";

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
});
