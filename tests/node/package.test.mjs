// The built package in Node: the export works as a user calls it, errors are
// real CdfErrors, and the type guard tells them apart from anything else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { retryExecution, isCdfError, withMock, project, baseOptions, log, FAILED, COMPLETED, rejection, pkgDir } from "./helpers.mjs";

test("retries a failed execution and resolves to a plain object", async () => {
  await withMock(async (mock) => {
    const p = project("ok");
    const v = await retryExecution(baseOptions(mock, p));
    assert.equal(v.status, "RUNNING");
    assert.equal(v.id, FAILED);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(Object.getPrototypeOf(v.metadata), Object.prototype);
    assert.ok(!(v.metadata instanceof Map));
    assert.deepEqual(v.metadata, { team: "data", trigger: "schedule" });
    assert.equal(typeof v.createdTime, "number");
    assert.ok(!("endTime" in v));
    assert.equal((await log(mock, p)).length, 2);
  });
});

test("a CdfError is a real Error with the contract's fields", async () => {
  await withMock(async (mock) => {
    const e = await rejection(retryExecution(baseOptions(mock, project("err"), { executionId: COMPLETED })));
    assert.ok(e instanceof Error);
    assert.equal(e.name, "CdfError");
    assert.match(e.stack, /CdfError/);
    assert.equal(e.kind, "api");
    assert.equal(e.operation, "retryExecution");
    assert.equal(e.status, 400);
    assert.equal(e.code, 400);
    assert.equal(e.retryable, false);
    assert.equal(e.attempts, 2);
    assert.match(e.requestId, /^mock-/);
    assert.equal(String(e), `CdfError: ${e.message}`);
    assert.ok(!e.message.includes("\n"));
  });
});

test("isCdfError recognises only this package's errors", async () => {
  for (const v of [null, undefined, 0, "CdfError", {}, new Error("x"), { name: "CdfError", kind: "api" }, Object.assign(new Error("x"), { name: "CdfError" })]) {
    assert.equal(isCdfError(v), false, String(v));
  }
  const e = await rejection(retryExecution(null));
  assert.equal(isCdfError(e), true);
  assert.equal(e.kind, "invalid_input");
  assert.equal(e.field, "options");
  assert.equal(e.attempts, 0);
  assert.ok(!("operation" in e));
});

test("rejections are asynchronous, even for invalid input", async () => {
  let settled = false;
  const p = retryExecution(undefined).catch((e) => e).finally(() => (settled = true));
  assert.equal(settled, false, "returned a promise, did not throw synchronously");
  assert.equal((await p).kind, "invalid_input");
});

test("the package manifest and types are complete", () => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  assert.equal(manifest.name, "cdf-workflow-retry");
  assert.ok(manifest.exports["."].node && manifest.exports["."].browser && manifest.exports["."].workerd && manifest.exports["."].types);
  const dts = readFileSync(join(pkgDir, "index.d.ts"), "utf8");
  assert.match(dts, /export declare function retryExecution\(options: RetryExecutionOptions\): Promise<WorkflowExecution>;/);
  assert.match(dts, /export declare function isCdfError\(e: unknown\): e is CdfErrorUnion;/);
  assert.match(dts, /export declare class CdfError extends Error \{/);
  assert.match(dts, /export type WorkflowStatus = "RUNNING" \| "COMPLETED" \| "FAILED" \| "TIMED_OUT" \| "TERMINATED";/);
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, "");
  assert.doesNotMatch(code, /[:<(,|]\s*any\b/, "no `any` type in the public types");
});
