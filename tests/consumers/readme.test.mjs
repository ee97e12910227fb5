// The README shows only code that tests run. The examples of "Install and use in each runtime",
// "TypeScript" and "Testing your code" are copied from files these consumer tests run: each block
// must appear, line by line (indentation aside), in its file. The CLI usage must be what --help
// prints. The Worker of "Tokens at the edge" (marked `<!-- example v2: edge -->`) is bundled as
// wrangler bundles it and run in workerd against the mock CDF server, as written: only `cluster`
// is pointed at the mock's `baseUrl`.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startMock } from "../mock/index.mjs";
import { FIXTURES, PKG, ROOT, FAILED_ID, OTHER_FAILED_ID, COMPLETED_ID, assertPkgBuilt, run, createConsumer, cleanup, uniqueProject, bundleLikeWrangler } from "./helpers.mjs";

after(cleanup);

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** The section under `heading` (a whole line, e.g. "### Node 20+"), up to the next heading of its level or above. */
function sectionOf(heading) {
  const level = heading.match(/^#+/)[0].length;
  const lines = readme.split("\n");
  const starts = lines.flatMap((line, i) => (line === heading ? [i] : []));
  assert.equal(starts.length, 1, `README has the heading "${heading}" exactly once`);
  let fence = false;
  let end = lines.length;
  for (let i = starts[0] + 1; i < lines.length; i++) {
    if (lines[i].startsWith("```")) fence = !fence;
    const m = !fence && lines[i].match(/^(#+) /);
    if (m && m[1].length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(starts[0], end).join("\n") + "\n";
}

/** The fenced blocks of `lang` in the section under `heading`. */
function blocks(heading, lang) {
  const part = sectionOf(heading);
  const found = [...part.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
  assert.ok(found.length > 0, `a ${lang} block under "${heading}"`);
  return found;
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
  assert.ok(sectionOf("## Install and use in each runtime").length > 100, 'README.md has "## Install and use in each runtime"');
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
  const ts = blocks("## TypeScript", "ts");
  assert.ok(ts.length >= 2, "the TypeScript section shows the imports and the narrowing");
  for (const block of ts) assertCopiedFrom(block, join(FIXTURES, "types", "consumer.ts"));
  const [onDemand] = blocks("### Loading the package on demand", "js");
  assertCopiedFrom(onDemand, join(FIXTURES, "vite-dynamic", "main.js"));
  const [mock] = blocks("## Testing your code: `cdf-workflow-retry/mock`", "js");
  assertCopiedFrom(mock, join(FIXTURES, "node", "mock.mjs"));
});

test("readme: the CLI usage and exit codes match --help", async () => {
  assertPkgBuilt();
  const help = await run(process.execPath, [join(PKG, "cli.js"), "--help"]);
  assert.equal(help.code, 0, help.stderr);
  const [usage] = blocks("## Command line", "text");
  assertCopiedFrom(usage, { text: help.stdout, name: "the output of --help" });
  const rows = [...sectionOf("### Exit codes and Ctrl-C").matchAll(/^\| (\d) \| `?(\w+)`?/gm)].map((m) => [m[1], m[2]]);
  assert.ok(rows.length >= 7, "the exit code table");
  for (const [code, kind] of rows.filter(([c]) => Number(c) >= 2)) {
    assert.match(help.stdout, new RegExp(`^\\s+${code}\\s+${kind}`, "m"), `--help lists exit code ${code} ${kind}`);
  }
});

/** The js block after `<!-- example v2: name -->` (it must come before any other marker). */
function markedExample(name) {
  const at = readme.indexOf(`<!-- example v2: ${name} -->`);
  assert.ok(at >= 0, `the README marks its ${name} example`);
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "a js block follows the marker");
  const next = readme.indexOf("<!-- example", at + 1);
  assert.ok(next < 0 || next > at + block.index, "the block follows its own marker");
  return block[1];
}

test("readme: the tokens-at-the-edge Worker runs in workerd as written", async (t) => {
  const example = markedExample("edge");
  assert.match(example, /from "cdf-workflow-retry"/);
  assert.match(example, /clientCredentialsToken\(/);
  assert.equal(example.split("cluster: env.CDF_CLUSTER,").length, 2, "the example sets cluster once");
  // As the other README tests do: only `cluster` becomes the mock's baseUrl.
  const code = example.replace("cluster: env.CDF_CLUSTER,", "baseUrl: env.CDF_BASE_URL,");
  const dir = await createConsumer("readme-edge", { "src/index.js": code });
  const bundle = await bundleLikeWrangler(join(dir, "src", "index.js"), join(dir, "dist"));
  assert.deepEqual(bundle.wasm, ["cdf_workflow_retry_bg.wasm"]);
  assert.ok(bundle.moduleIds.some((id) => id.endsWith(join("node_modules", "cdf-workflow-retry", "workerd.js"))), "the workerd entry was bundled");

  const project = uniqueProject("readme-edge");
  const mock = await startMock({ project, retryOutcomeDelayMs: 600_000 });
  t.after(() => mock.close());
  const start = async (clientSecret) => {
    const mf = new Miniflare({
      modulesRoot: bundle.outDir,
      modules: [
        { type: "ESModule", path: join(bundle.outDir, "index.js") },
        ...bundle.wasm.map((f) => ({ type: "CompiledWasm", path: join(bundle.outDir, f) })),
      ],
      compatibilityDate: "2025-01-01",
      bindings: {
        CDF_PROJECT: project,
        CDF_CLUSTER: "westeurope-1",
        CDF_BASE_URL: mock.url,
        IDP_TOKEN_URL: mock.tokenUrl,
        IDP_CLIENT_ID: mock.clientId,
        IDP_CLIENT_SECRET: clientSecret,
      },
    });
    t.after(() => mf.dispose());
    await mf.ready;
    return async (method, query) => {
      const res = await mf.dispatchFetch(`http://worker.test/${query}`, { method });
      const text = await res.text();
      assert.ok(!text.includes(clientSecret), "the client secret never appears in an answer");
      return { status: res.status, body: res.status === 405 ? text : JSON.parse(text) };
    };
  };

  const call = await start(mock.clientSecret);
  const first = await call("POST", `?retry=${FAILED_ID}`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body, { id: FAILED_ID, status: "RUNNING" });
  const second = await call("POST", `?retry=${OTHER_FAILED_ID}`);
  assert.deepEqual(second.body, { id: OTHER_FAILED_ID, status: "RUNNING" });
  assert.equal(mock.log({ op: "token" }).length, 1, "one token for both requests: the provider is kept per isolate");
  const token = mock.log({ op: "token" })[0];
  assert.match(token.body, /^grant_type=client_credentials&/);
  assert.match(decodeURIComponent(token.body.replaceAll("+", " ")), /scope=https:\/\/westeurope-1\.cognitedata\.com\/\.default/);

  const completed = await call("POST", `?retry=${COMPLETED_ID}`);
  assert.equal(completed.status, 502);
  assert.equal(completed.body.kind, "api");
  const malformed = await call("POST", "?retry=not-a-uuid");
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.kind, "invalid_input");
  const get = await call("GET", `?retry=${FAILED_ID}`);
  assert.equal(get.status, 405);
  assert.equal(mock.log({ op: "retry" }).length, 3, "a GET retries nothing");

  // A refused client secret: the identity provider's error, and the secret in no answer.
  const refused = await (await start("wrong-secret-value"))("POST", `?retry=${OTHER_FAILED_ID}`);
  assert.equal(refused.status, 502);
  assert.equal(refused.body.kind, "api");
  assert.match(refused.body.message, /invalid_client|client/i);
});
