// The tarball `npm pack ./pkg` makes: a publishable manifest, and every file it points to inside.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PKG, packDryRun } from "./helpers.mjs";

test("package: npm pack ./pkg gives a publishable tarball", async () => {
  const packed = await packDryRun();
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  const files = packed.files.map((f) => f.path).sort();

  assert.equal(packed.name, "cdf-workflow-retry");
  assert.equal(manifest.name, "cdf-workflow-retry");
  assert.match(manifest.version, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
  assert.equal(packed.version, manifest.version);
  assert.ok(manifest.description?.length > 10, "description");
  assert.ok(manifest.license, "license");
  assert.match(manifest.repository?.url ?? manifest.repository ?? "", /github\.com/);
  assert.equal(manifest.private, undefined, "not private");
  assert.equal(manifest.type, "module");
  assert.ok(Array.isArray(manifest.files), "files");
  assert.ok(manifest.sideEffects !== undefined, "sideEffects");
  assert.deepEqual(manifest.bin, { "cdf-workflow-retry": "./cli.js" });
  // The Node-only mock: its own subpath, a stub everywhere but Node.
  assert.deepEqual(manifest.exports["./mock"], { types: "./mock/index.d.ts", node: "./mock/index.mjs", default: "./mock/unsupported.js" });
  // No module does anything at import (the .wasm loads on the first call), but the mock's stub, which throws.
  assert.deepEqual(manifest.sideEffects, ["./mock/unsupported.js"]);

  // Every file the manifest points to is in the tarball.
  const targets = new Set([manifest.main, manifest.module, manifest.browser, manifest.types, ...Object.values(manifest.bin)]);
  const walk = (v) => (typeof v === "string" ? targets.add(v) : Object.values(v).forEach(walk));
  walk(manifest.exports);
  for (const target of targets) assert.ok(files.includes(target.replace(/^\.\//, "")), `${target} is in the tarball`);

  // The runtime entries, one .wasm, the README, and nothing else (no .gitignore, no tarballs).
  for (const f of [
    "README.md", "package.json", "cdf_workflow_retry_bg.wasm", "cdf_workflow_retry.js", "errors.js", "copy.js", "lazy.js", "node.js", "browser.js",
    "workerd.js", "index.d.ts", "cli.js", "cli-core.js", "mock/index.mjs", "mock/index.d.ts", "mock/README.md", "mock/server.mjs", "mock/unsupported.js",
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.equal(files.filter((f) => f.endsWith(".wasm")).length, 1);
  for (const f of files) assert.ok(!/(^|\/)\.|\.tgz$|\.rs$|^node_modules\//.test(f), `unexpected file ${f}`);
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  assert.match(readme, /^# cdf-workflow-retry/m);
  assert.match(readme, /^## Install and use in each runtime$/m);
  assert.match(readme, /^## Guide$/m);
  assert.match(readme, /^## Contents$/m);
  assert.match(readFileSync(join(PKG, "cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);
});
