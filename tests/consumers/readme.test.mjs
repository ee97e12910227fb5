// The README's "Install and use in each runtime" section shows only code that these tests run:
// each block must appear, line by line (indentation aside), in the file it was copied from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, PKG, ROOT, assertPkgBuilt, run } from "./helpers.mjs";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const start = readme.indexOf("\n## Install and use in each runtime\n");
const next = start < 0 ? -1 : readme.indexOf("\n## ", start + 1);
const section = start < 0 ? "" : readme.slice(start, next < 0 ? undefined : next);

/** The fenced blocks of `lang` after `heading`, before the next ### heading. */
function blocks(heading, lang) {
  const at = section.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has "${heading}" in its runtimes section`);
  const end = section.indexOf("\n### ", at + heading.length + 2);
  const part = section.slice(at, end < 0 ? undefined : end);
  return [...part.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

/** Every non-empty line of `block`, trimmed, appears in `file` (or `{ text }`), in order. */
function assertCopiedFrom(block, file) {
  const lines = (typeof file === "string" ? readFileSync(file, "utf8") : file.text).split("\n").map((l) => l.trim());
  let i = 0;
  for (const line of block.split("\n").map((l) => l.trim()).filter(Boolean)) {
    while (i < lines.length && lines[i] !== line) i++;
    assert.ok(i < lines.length, `README line not found (in order) in ${file.name ?? file}:\n  ${line}`);
    i++;
  }
}

test("readme: the runtimes section exists", () => {
  assert.ok(section.length > 0, 'README.md has "## Install and use in each runtime"');
});

test("readme: every example is copied from a tested file", () => {
  const [node] = blocks("### Node 20+", "js");
  assertCopiedFrom(node, join(FIXTURES, "node", "retry.mjs"));
  const [vite] = blocks("### Vite (and other bundlers)", "js");
  assertCopiedFrom(vite, join(FIXTURES, "vite", "main.js"));
  const [page] = blocks("### A plain page, no bundler", "html");
  assertCopiedFrom(page, join(FIXTURES, "page", "index.html"));
  const [toml] = blocks("### Cloudflare Workers", "toml");
  assert.equal(toml, readFileSync(join(ROOT, "examples", "worker", "wrangler.toml"), "utf8"));
  const [worker] = blocks("### Cloudflare Workers", "js");
  assertCopiedFrom(worker, join(ROOT, "examples", "worker", "src", "index.js"));
  const ts = blocks("### TypeScript", "ts");
  assert.ok(ts.length >= 2, "the TypeScript section shows the imports and the narrowing");
  for (const block of ts) assertCopiedFrom(block, join(FIXTURES, "types", "consumer.ts"));
  const [onDemand] = blocks("### Loading the package on demand", "js");
  assertCopiedFrom(onDemand, join(FIXTURES, "vite-dynamic", "main.js"));
  const [mock] = blocks("### Testing your code: `cdf-workflow-retry/mock`", "js");
  assertCopiedFrom(mock, join(FIXTURES, "node", "mock.mjs"));
});

test("readme: the CLI usage and exit codes match --help", async () => {
  assertPkgBuilt();
  const help = await run(process.execPath, [join(PKG, "cli.js"), "--help"]);
  assert.equal(help.code, 0, help.stderr);
  const [usage] = blocks("### Command line", "text");
  assertCopiedFrom(usage, { text: help.stdout, name: "the output of --help" });
  const rows = [...section.matchAll(/^\| (\d) \| `?(\w+)`?/gm)].map((m) => [m[1], m[2]]);
  assert.ok(rows.length >= 7, "the exit code table");
  for (const [code, kind] of rows.filter(([c]) => Number(c) >= 2)) {
    assert.match(help.stdout, new RegExp(`^\\s+${code}\\s+${kind}`, "m"), `--help lists exit code ${code} ${kind}`);
  }
});
