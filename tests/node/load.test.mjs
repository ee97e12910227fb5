// 200 concurrent calls with auto-created nonces: all succeed, and no nonce is
// ever used twice (the mock counts reuse attempts and logs every nonce).
import { test } from "node:test";
import assert from "node:assert/strict";
import { retryExecution, withMock, baseOptions, log, stats, FAILED } from "./helpers.mjs";

test("200 concurrent calls all succeed, with 200 distinct nonces", async () => {
  await withMock(async (mock) => {
    const before = await stats(mock);
    const projects = Array.from({ length: 200 }, (_, i) => `load-${process.pid}-${i}`);
    const results = await Promise.allSettled(projects.map((p) => retryExecution(baseOptions(mock, p))));
    const failed = results.filter((r) => r.status === "rejected");
    assert.equal(failed.length, 0, `failures: ${failed.slice(0, 3).map((r) => r.reason?.message).join(" | ")}`);
    assert.ok(results.every((r) => r.value.status === "RUNNING" && r.value.id === FAILED));
    const nonces = [];
    for (const p of projects) {
      for (const r of await log(mock, p)) if (r.op === "retry") nonces.push(JSON.parse(r.body).authentication.nonce);
    }
    assert.equal(nonces.length, 200);
    assert.equal(new Set(nonces).size, 200, "every retry carried its own nonce");
    const after = await stats(mock);
    assert.equal(after.nonceReuseAttempts - before.nonceReuseAttempts, 0);
    assert.equal(after.noncesBound - before.noncesBound, 200);
  });
});
