// Shared helpers of the consumer tests: they install the built package (pkg/) the way a user
// would, from the tarball `npm pack ./pkg` makes, into throw-away projects under the system
// temp folder, and run it in each runtime. They never build pkg/: `node scripts/build.mjs` first.
//
// Tools the consumers need (vite, tsc, miniflare, rolldown, playwright-core) come from this
// repo's node_modules: they are run by absolute path or imported here, never reinstalled.
// KEEP_CONSUMERS=1 keeps the temp projects for inspection.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PKG = join(ROOT, "pkg");
export const FIXTURES = join(ROOT, "tests", "consumers", "fixtures");
export const bin = (name) => join(ROOT, "node_modules", ".bin", name);

export const FAILED_ID = "11111111-1111-4111-8111-111111111111"; // seeded FAILED: retry works
export const OTHER_FAILED_ID = "66666666-6666-4666-8666-666666666666"; // seeded FAILED
export const COMPLETED_ID = "44444444-4444-4444-8444-444444444444"; // seeded COMPLETED: CDF answers 400

/** Throws a clear error when pkg/ has not been built. */
export function assertPkgBuilt() {
  for (const file of ["package.json", "cdf_workflow_retry_bg.wasm", "node.js", "browser.js", "workerd.js"]) {
    if (!existsSync(join(PKG, file))) {
      throw new Error(`pkg/${file} is missing: build the package first with \`node scripts/build.mjs\` (the consumer tests never build it)`);
    }
  }
}

/** Runs a command; resolves to { code, signal, stdout, stderr } whatever the exit code. */
export function run(cmd, args, { cwd, env, timeoutMs = 120_000, onSpawn } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    onSpawn?.(child);
  });
}

/** Like run(), but rejects with the output when the command fails. */
export async function runOk(cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.code ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

let tarball;
let tempRoot;

function temp() {
  tempRoot ??= mkdtempSync(join(tmpdir(), "cdf-consumers-"));
  return tempRoot;
}

/** `npm pack ./pkg` into a temp folder, once per process (each test file runs in its own). */
export async function packOnce() {
  if (tarball) return tarball;
  assertPkgBuilt();
  const dest = join(temp(), "tarball");
  mkdirSync(dest, { recursive: true });
  const { stdout } = await runOk("npm", ["pack", "./pkg", "--pack-destination", dest, "--json"], { cwd: ROOT });
  const [info] = JSON.parse(stdout);
  tarball = join(dest, info.filename);
  return tarball;
}

/** What `npm pack ./pkg --dry-run --json` reports: { name, version, size, unpackedSize, files: [{path,size}] }. */
export async function packDryRun() {
  assertPkgBuilt();
  const { stdout } = await runOk("npm", ["pack", "./pkg", "--dry-run", "--json"], { cwd: ROOT });
  return JSON.parse(stdout)[0];
}

/**
 * A fresh consumer project: package.json (type module), the given files (contents, or
 * `{ from: absolutePath }` to copy a file or folder), then `npm install <tarball>` as a user would.
 */
export async function createConsumer(name, files = {}) {
  const tgz = await packOnce();
  const dir = join(temp(), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }, null, 2));
  for (const [rel, content] of Object.entries(files)) {
    const target = join(dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    if (content && typeof content === "object" && "from" in content) {
      if (statSync(content.from).isDirectory()) cpSync(content.from, target, { recursive: true });
      else copyFileSync(content.from, target);
    } else {
      writeFileSync(target, content);
    }
  }
  await runOk("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-update-notifier", tgz], { cwd: dir });
  return dir;
}

/** Removes the temp projects of this process (unless KEEP_CONSUMERS is set). */
export function cleanup() {
  if (tempRoot && !process.env.KEEP_CONSUMERS) rmSync(tempRoot, { recursive: true, force: true });
  else if (tempRoot) console.error(`consumer projects kept in ${tempRoot}`);
}

/**
 * Bundles a Worker the way wrangler does (its esbuild): conditions workerd, worker, browser;
 * `*.wasm` imports become CompiledWasm modules.
 * Resolves to { outDir, wasm: [file names], moduleIds }.
 */
export async function bundleLikeWrangler(entry, outDir) {
  mkdirSync(outDir, { recursive: true });
  const wasm = [];
  const build = await rolldown({
    input: entry,
    cwd: dirname(entry),
    platform: "browser",
    logLevel: "warn",
    resolve: { conditionNames: ["workerd", "worker", "browser", "import", "default"] },
    plugins: [
      {
        name: "wasm-modules",
        resolveId(source, importer) {
          if (!source.endsWith(".wasm") || !importer) return null;
          const file = resolve(dirname(importer), source);
          wasm.push(file);
          return { id: `./${basename(file)}`, external: true };
        },
      },
    ],
  });
  const { output } = await build.write({ file: join(outDir, "index.js"), format: "esm" });
  await build.close();
  for (const file of wasm) copyFileSync(file, join(outDir, basename(file)));
  return { outDir, wasm: wasm.map((f) => basename(f)), moduleIds: output[0].moduleIds };
}

let projectCounter = 0;
/** A project name unique to this process and call (the mock keeps state per project). */
export function uniqueProject(prefix) {
  return `${prefix}-${process.pid}-${++projectCounter}`.slice(0, 32);
}

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
};

/**
 * A minimal static file server for `dir` on 127.0.0.1, a free port. Resolves to { url, close(), requests }.
 * Options: `headers` (added to every file answer, read at each one, e.g. a Content-Security-Policy), and
 * `intercept(path, res)`, called first for each request: it answers and returns true to take over.
 * `requests` lists the paths asked for, in order.
 */
export async function serveStatic(dir, { headers = {}, intercept } = {}) {
  const base = resolve(dir);
  const requests = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requests.push(path);
    if (intercept?.(path, res)) return;
    let file = resolve(base, "." + path);
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
      ...headers,
    });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export { CHROMIUM, launchChromium } from "../chromium.mjs";

/**
 * Opens `url`, waits for `#out[data-done]` (the fixtures set it when the call settled) and
 * returns { text, logs }: the text of #out and what the page printed (console, errors, failed requests).
 */
export async function runPage(browser, url, { timeoutMs = 20_000 } = {}) {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => logs.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && logs.push(`http ${r.status()}: ${r.url()}`));
  try {
    await page.goto(url);
    try {
      await page.waitForSelector("#out[data-done]", { timeout: timeoutMs });
    } catch {
      throw new Error(`the page never finished (no #out[data-done] after ${timeoutMs} ms). Page output:\n${logs.join("\n")}`);
    }
    return { text: await page.textContent("#out"), logs };
  } finally {
    await page.close();
  }
}

/** The query string the page fixtures read their settings from. */
export function pageQuery({ project, baseUrl, token, executionId }) {
  return "?" + new URLSearchParams({ project, baseUrl, token, executionId });
}

/** Parses the #out text of a page fixture as the execution, with the page output on failure. */
export function parseExecution(text, logs = []) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected the execution as JSON, got: ${text}\nPage output:\n${logs.join("\n")}`);
  }
}

/** Checks the summary a fixture's `mode=v2` page prints (tests/consumers/fixtures/v2.js). */
export function assertV2Summary(text, logs = []) {
  const summary = parseExecution(text, logs);
  assert.equal(summary.listed, 5, text);
  assert.ok(summary.tasks >= 1, text);
  assert.equal(summary.retried + summary.failed, 5, text);
  assert.ok(summary.retried >= 1, text);
  assert.ok(["COMPLETED", "FAILED"].includes(summary.final), text);
  assert.equal(summary.viaProvider, 1, text);
  assert.equal(summary.cancelled, "TERMINATED", text);
  assert.ok(summary.failedRuns >= 1, text);
  assert.equal(summary.failedRunsAllFailed, true, text);
  assert.ok(summary.groups >= 2, text);
  assert.equal(summary.grouped, summary.failedListed, text);
}
