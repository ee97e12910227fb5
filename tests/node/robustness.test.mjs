// Hostile answers and abort reasons through the real module: every call
// settles, with a CdfError or a checked execution, and the next call works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { retryExecution, isCdfError, withMock, project, baseOptions, script, pkgEntry, FAILED, TIMED_OUT } from "./helpers.mjs";

const good = { id: FAILED, workflowExternalId: "wf", status: "RUNNING", engineExecutionId: TIMED_OUT, createdTime: 1, metadata: {} };

async function stillWorks(mock) {
  const v = await retryExecution(baseOptions(mock, project("still")));
  assert.equal(v.status, "RUNNING");
}

test("hostile 2xx bodies are checked or refused, never half-returned", async () => {
  await withMock(async (mock) => {
    const deep = "[".repeat(50_000) + "]".repeat(50_000);
    const cases = [
      ["deep nesting in an unknown field", `{"id":"${FAILED}","workflowExternalId":"wf","status":"RUNNING","engineExecutionId":"${TIMED_OUT}","createdTime":1,"metadata":{},"x":${deep}}`, "ok"],
      ["deep nesting in metadata", JSON.stringify({ ...good, metadata: { a: [[[[]]]] } }), "metadata"],
      ["10 000 metadata keys", JSON.stringify({ ...good, metadata: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, "v"])) }), "ok"],
      ["a 900 kB string", JSON.stringify({ ...good, reasonForIncompletion: "x".repeat(900_000) }), "ok"],
      ["__proto__ metadata", `{"id":"${FAILED}","workflowExternalId":"wf","status":"RUNNING","engineExecutionId":"${TIMED_OUT}","createdTime":1,"metadata":{"__proto__":{"polluted":"yes"}}}`, "metadata"],
      ["a huge number", JSON.stringify({ ...good, createdTime: 1e308 }), "createdTime"],
      ["an unsafe integer", JSON.stringify({ ...good, createdTime: 9007199254740993 }), "createdTime"],
      ["an array", "[1,2,3]", "body"],
      ["null", "null", "body"],
      ["a lone surrogate", `{"id":"${FAILED}","workflowExternalId":"\\ud800","status":"RUNNING","engineExecutionId":"${TIMED_OUT}","createdTime":1,"metadata":{}}`, "ok"],
      ["a raw control character (not JSON)", `{"id":"${FAILED}\u0000"}`, "body"],
    ];
    for (const [name, body, expect] of cases) {
      const p = project("hostile");
      await script(mock, p, { on: "retry", status: 200, body });
      try {
        const v = await retryExecution(baseOptions(mock, p));
        assert.equal(expect, "ok", `${name}: resolved but expected ${expect}`);
        assert.equal(v.status, "RUNNING");
      } catch (e) {
        assert.ok(isCdfError(e), `${name}: ${e}`);
        assert.equal(e.kind, "invalid_response", name);
        assert.equal(e.field, expect, name);
      }
      assert.equal({}.polluted, undefined, "no prototype pollution");
    }
    await stillWorks(mock);
  });
});

test("random statuses and bodies always settle with a CdfError or an execution", async () => {
  await withMock(async (mock) => {
    let seed = 42;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const bodies = ["", "{", "{}", '{"error":{}}', '{"error":{"code":"x","message":7}}', '{"error":null}', "<html>", '{"items":[]}', JSON.stringify(good), "\u0000\u0001", '{"error":{"message":"' + "m".repeat(10_000) + '"}}'];
    const statuses = [200, 201, 204, 301, 400, 401, 404, 409, 429, 500, 502, 503, 504, 599];
    let settled = 0;
    for (let i = 0; i < 150; i++) {
      const p = project("rand");
      const steps = [];
      for (let j = 0; j < 3; j++) {
        steps.push({ on: ["sessions", "retry", "any"][rand(3)], status: statuses[rand(statuses.length)], body: bodies[rand(bodies.length)], headers: { "retry-after": "0", ...(rand(4) === 0 ? { "cdf-is-auto-retryable": "true" } : {}) } });
      }
      await script(mock, p, steps);
      try {
        const v = await retryExecution(baseOptions(mock, p, { maxRetries: rand(3), timeoutMs: 5_000 }));
        assert.equal(typeof v.id, "string");
      } catch (e) {
        assert.ok(isCdfError(e), String(e));
        assert.ok(["api", "invalid_response", "network", "timeout"].includes(e.kind), e.kind);
        assert.ok(!e.message.includes("\n"));
      }
      settled++;
    }
    assert.equal(settled, 150);
    await stillWorks(mock);
  });
});

test("any abort reason gives kind aborted, and the module keeps working", async () => {
  await withMock(async (mock) => {
    for (const reason of ["a string", undefined, null, 42, { weird: true }, new Error("e"), new DOMException("d", "AbortError"), Symbol("s")]) {
      const p = project("reason");
      await script(mock, p, { on: "retry", hang: true });
      const c = new AbortController();
      setTimeout(() => c.abort(reason), 30);
      try {
        await retryExecution(baseOptions(mock, p, { signal: c.signal }));
        assert.fail("resolved");
      } catch (e) {
        assert.ok(isCdfError(e), String(e));
        assert.equal(e.kind, "aborted");
      }
    }
    await stillWorks(mock);
  });
});

test("no timer or listener outlives a call (the process exits at once)", () => {
  const code = `
    import { startMockServer } from ${JSON.stringify(new URL("../mock/server.mjs", import.meta.url).href)};
    const { retryExecution } = await import(${JSON.stringify(pkgEntry)});
    const mock = await startMockServer({ quiet: true });
    const o = { project: "exit-check", baseUrl: mock.url, token: "test-token-x", executionId: "${FAILED}", timeoutMs: 600000 };
    await retryExecution(o);
    await retryExecution({ ...o, executionId: "nope" }).catch(() => {});
    await retryExecution(o).catch(() => {});
    const signal = new AbortController().signal;
    await retryExecution({ ...o, project: "exit-check-2", signal });
    await mock.close();
    const timers = process.getActiveResourcesInfo().filter((r) => r === "Timeout");
    console.log(JSON.stringify({ timers: timers.length }));
  `;
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { timers: 0 });
  assert.ok(Date.now() - started < 15_000, "the process exited without waiting for the 600 s deadline timer");
});
