// The README's usage example, run exactly as written against the mock CDF
// server: only the import (to the built package), the cluster (to the mock's
// baseUrl) and a `getAccessToken` for the demo token are supplied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { root, pkgEntry, withMock } from "./helpers.mjs";

function readmeExample() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf("<!-- example: tests/node/readme.test.mjs");
  assert.ok(at >= 0, "the README marks its example");
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "a js block follows the marker");
  return block[1];
}

/** Runs `code` in a child Node (asynchronously: the mock answers from this process). */
function runExample(code) {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--input-type=module", "-e", code], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("the README example retries a failed execution as written", async () => {
  const example = readmeExample();
  assert.match(example, /from "cdf-workflow-retry"/);
  assert.match(example, /cluster: "westeurope-1"/);
  await withMock(async (mock) => {
    const code =
      `const getAccessToken = async () => "demo-token";\n` +
      example
        .replace('from "cdf-workflow-retry"', `from ${JSON.stringify(pkgEntry)}`)
        .replace('cluster: "westeurope-1"', `baseUrl: ${JSON.stringify(mock.url)}`);
    const ok = await runExample(code);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "nightly-ingest is RUNNING again");
    // Run again: the execution is RUNNING now, so the example's error branch prints the API error.
    const again = await runExample(code);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /^api 400: CDF answered 400 to retryExecution: .*cannot be retried.* \(request mock-[^)]+\)$/m);
  });
});
