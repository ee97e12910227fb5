// Size budget of what a browser downloads from the built package (pkg/): the
// wasm module, the wasm-bindgen glue and the browser entry with the two modules it
// imports (lazy.js, errors.js, and copy.js, which lazy.js imports), each gzip-compressed
// (level 9) as a server would send it. Fails when the total grows past the
// budget: the size measured when it was set plus 3 %. Sizes only, no timings:
// deterministic.
//
// A change that must make the module larger raises BUDGET_GZIP here, on purpose,
// with the reason in its commit message.
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const FILES = ["cdf_workflow_retry_bg.wasm", "cdf_workflow_retry.js", "browser.js", "lazy.js", "errors.js", "copy.js"];

/** gzip bytes of wasm + glue + browser entry when the budget was last set (README, "Size and speed"). */
const REACHED_GZIP = 103_090;
const BUDGET_GZIP = Math.round(REACHED_GZIP * 1.03);

test("what a browser downloads stays within the size budget", () => {
  assert.ok(existsSync(join(pkg, FILES[0])), "pkg/ is not built: run `node scripts/build.mjs` first");
  let raw = 0;
  let gzip = 0;
  for (const file of FILES) {
    const bytes = readFileSync(join(pkg, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += gz;
    console.log(`size: ${file}: ${bytes.length} bytes, ${gz} gzip`);
  }
  console.log(`size: total ${raw} bytes, ${gzip} gzip; budget ${BUDGET_GZIP} gzip (${REACHED_GZIP} + 3 %)`);
  assert.ok(
    gzip <= BUDGET_GZIP,
    `the package a browser downloads is ${gzip} bytes gzip, over the budget of ${BUDGET_GZIP} ` +
      `(${REACHED_GZIP} + 3 %): find what grew with \`node bench/wasm-sizes.mjs\`, or raise the budget on purpose`,
  );
});

test("the shipped wasm has no name or debug sections", () => {
  // A name section would more than double the module (wasm-opt strips it in release builds).
  const wasm = readFileSync(join(pkg, FILES[0]));
  const module = new WebAssembly.Module(wasm);
  const custom = WebAssembly.Module.customSections;
  for (const name of ["name", ".debug_info", "producers"]) {
    assert.equal(custom(module, name).length, 0, `custom section ${name} in the shipped wasm`);
  }
});
