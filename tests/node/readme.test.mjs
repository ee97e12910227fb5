// The README's first example (the guide's "Retry one execution"), run exactly as
// written against the mock CDF server: only the import (to the built package),
// the cluster (to the mock's baseUrl) and a `getAccessToken` for the demo token
// are supplied. And the README's own structure: every #anchor reaches a heading,
// the contents list every section, and the reference has a heading for every
// option the TypeScript declarations (pkg/index.d.ts) give each function.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import ts from "typescript";
import { root, pkgDir, pkgEntry, withMock } from "./helpers.mjs";
import { headings, withToc } from "../../scripts/readme-toc.mjs";

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

test("the README's #links reach its headings, and its contents are up to date", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const slugs = new Set(headings(readme).map((h) => h.slug));
  const links = [...readme.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 100, "the contents and the cross references link into the README");
  for (const link of links) assert.ok(slugs.has(link), `the link #${link} reaches a heading`);
  // Every function has its section with a heading per option, listed in the contents.
  for (const fn of ["retryExecution", "listExecutions", "getExecution", "waitForExecution", "retryExecutions", "cancelExecution", "listTriggerRuns", "groupFailures", "clientCredentialsToken"]) {
    assert.match(readme, new RegExp(`^## \`${fn}\\(`, "m"), `a section for ${fn}`);
  }
  assert.equal(withToc(readme), readme, "the contents match the headings: run node scripts/readme-toc.mjs");
});

/** The option names of each exported function's options, and of ConnectionOptions, from pkg/index.d.ts. */
function declaredOptions() {
  const file = join(pkgDir, "index.d.ts");
  const program = ts.createProgram([file], { strict: true, noEmit: true, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"] });
  const checker = program.getTypeChecker();
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)));
  const names = (type) => {
    const out = new Set();
    const visit = (t) => (t.isUnion() ? t.types.forEach(visit) : checker.getPropertiesOfType(t).forEach((p) => out.add(p.name)));
    visit(type);
    return out;
  };
  const functions = new Map();
  let connection;
  for (const symbol of exported) {
    const decl = symbol.declarations?.[0];
    if (symbol.name === "ConnectionOptions") connection = names(checker.getDeclaredTypeOfSymbol(symbol));
    if (!decl || !ts.isFunctionDeclaration(decl)) continue;
    const params = checker.getSignatureFromDeclaration(decl).parameters;
    const options = params.find((p) => p.name === "options");
    if (!options) continue;
    const own = names(checker.getTypeOfSymbolAtLocation(options, decl));
    functions.set(symbol.name, { params: params.map((p) => p.name), options: own });
  }
  assert.ok(connection?.size >= 9, "ConnectionOptions is declared");
  return { connection, functions };
}

/**
 * The option headings (### `name`) of the README section whose ## heading `isSection` accepts;
 * each must give the option's type, default, range and errors.
 */
function optionHeadings(readme, isSection) {
  const all = headings(readme);
  const at = all.findIndex((h) => h.level === 2 && isSection(h.text));
  assert.ok(at >= 0, "the section is in the README");
  const lines = readme.split("\n");
  const out = [];
  for (let i = at + 1; i < all.length && all[i].level > 2; i++) {
    const m = all[i].level === 3 && all[i].text.match(/^`(\w+)`$/);
    if (!m) continue;
    out.push(m[1]);
    const from = lines.indexOf(`### ${all[i].text}`, lines.indexOf(`## ${all[at].text}`));
    const body = lines.slice(from + 1, from + 16).join("\n").split(/\n#{1,3} /)[0];
    for (const item of ["Type", "Default", "Range", "Errors"]) {
      assert.match(body, new RegExp(`^- ${item}: \\S`, "m"), `${all[at].text} › ${m[1]}: its ${item}`);
    }
  }
  return out;
}

test("the README's reference has a heading for every option of every function, and none other", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const { connection, functions } = declaredOptions();
  assert.deepEqual(optionHeadings(readme, (t) => t === "Connection options").sort(), [...connection].sort(), "## Connection options");
  assert.ok(functions.size >= 9, `the declared functions: ${[...functions.keys()]}`);
  for (const [fn, { params, options }] of functions) {
    const documented = optionHeadings(readme, (t) => t.startsWith(`\`${fn}(`));
    const own = [...options].filter((o) => !connection.has(o));
    const expected = params.length > 1 ? [...own, ...params] : own;
    for (const name of expected) assert.ok(documented.includes(name), `${fn}: a heading for ${name}`);
    for (const name of documented) assert.ok(options.has(name) || params.includes(name), `${fn}: ${name} is one of its options`);
    assert.equal(new Set(documented).size, documented.length, `${fn}: each option once`);
  }
});
