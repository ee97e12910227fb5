// cdf-workflow-retry/mock, as a user installs it: the mock CDF server for their Node tests,
// imported by its package subpath from the packed tarball (its types are checked by
// types.test.mjs, and vite.test.mjs checks that browser bundles get a stub instead).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, createConsumer, cleanup, run } from "./helpers.mjs";

let dir;
before(async () => {
  dir = await createConsumer("mock", { "mock.mjs": { from: join(FIXTURES, "node", "mock.mjs") } });
});
after(cleanup);

test("mock: a Node test imports cdf-workflow-retry/mock and exercises an error path", async () => {
  const r = await run(process.execPath, ["mock.mjs"], { cwd: dir });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), {
    status: "RUNNING",
    error: { kind: "api", status: 503, retryable: true, operation: "retryExecution" },
    sent: ["sessions", "retry", "sessions", "retry"],
  });
});

test("mock: the subpath resolves to the mock in Node, and to a stub that throws elsewhere", async () => {
  const node = await run(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("cdf-workflow-retry/mock"))'], { cwd: dir });
  assert.equal(node.code, 0, node.stderr);
  assert.match(node.stdout.trim(), /\/node_modules\/cdf-workflow-retry\/mock\/index\.mjs$/);
  // Browsers, bundlers and Workers match no "node" condition: they get "default", the stub.
  const manifest = JSON.parse(readFileSync(join(dir, "node_modules", "cdf-workflow-retry", "package.json"), "utf8"));
  assert.deepEqual(manifest.exports["./mock"], { types: "./mock/index.d.ts", node: "./mock/index.mjs", default: "./mock/unsupported.js" });
  const thrown = await run(process.execPath, ["node_modules/cdf-workflow-retry/mock/unsupported.js"], { cwd: dir });
  assert.notEqual(thrown.code, 0);
  assert.match(thrown.stderr, /cdf-workflow-retry\/mock runs only in Node 20\+/);
});
