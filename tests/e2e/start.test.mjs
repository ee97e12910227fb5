// Tests of scripts/start.mjs (`npm start`): the command line (URL, token, "Ctrl-C to stop",
// a clear exit 1 when the port is taken, exit 0 on SIGINT/SIGTERM) and the staleness check
// that decides when pkg/ must be rebuilt. The command runs with --no-build: tests never build.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertPackageBuilt, buildReason, ROOT, startDemo } from "../../scripts/start.mjs";

const START = join(ROOT, "scripts", "start.mjs");
const children = new Set();

after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Run start.mjs; resolves once it printed "Ctrl-C to stop" or exited. */
function runStart(env) {
  const child = spawn(process.execPath, [START, "--no-build"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const out = { stdout: "", stderr: "", code: undefined, signal: undefined };
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      Object.assign(out, { code, signal });
      resolve(out);
    });
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start.mjs did not start in 10 s:\n${out.stdout}\n${out.stderr}`)), 10_000);
    child.stdout.on("data", (d) => {
      out.stdout += d;
      if (out.stdout.includes("Ctrl-C to stop")) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr.on("data", (d) => (out.stderr += d));
    exited.then(() => {
      clearTimeout(timer);
      resolve(out);
    });
  });
  return { child, ready, exited };
}

describe("npm start (scripts/start.mjs)", () => {
  it("serves the page and the package on one origin, prints URL, token and how to stop; SIGTERM exits 0", async () => {
    assertPackageBuilt();
    const { child, ready, exited } = runStart({ PORT: "0" });
    const out = await ready;
    assert.equal(out.code, undefined, `still running; stderr: ${out.stderr}`);
    const url = out.stdout.match(/Demo page:\s+(http:\/\/127\.0\.0\.1:(\d+)\/)/)?.[1];
    assert.ok(url, `prints the page URL:\n${out.stdout}`);
    assert.notEqual(url, "http://127.0.0.1:0/", "PORT=0 prints the real port");
    assert.match(out.stdout, /Demo token:\s+demo-token/);
    assert.match(out.stdout, /Ctrl-C to stop/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Retry a CDF workflow execution/);
    const wasm = await fetch(new URL("pkg/cdf_workflow_retry_bg.wasm", url));
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    const browserJs = await fetch(new URL("pkg/browser.js", url));
    assert.equal(browserJs.status, 200);
    const list = await (await fetch(new URL("_mock/executions", url))).json();
    assert.equal(list.items.length, 7);
    child.kill("SIGTERM");
    const end = await exited;
    assert.equal(end.code, 0, `exit 0 on SIGTERM; stderr: ${end.stderr}`);
  });

  it("Ctrl-C (SIGINT) also closes everything and exits 0", async () => {
    const { child, ready, exited } = runStart({ PORT: "0" });
    const out = await ready;
    const url = out.stdout.match(/Demo page:\s+(\S+)/)[1];
    // An open keep-alive connection must not keep it from stopping.
    await fetch(url);
    child.kill("SIGINT");
    const end = await exited;
    assert.equal(end.code, 0);
    await assert.rejects(fetch(url), "nothing listens any more");
  });

  it("says clearly that the port is taken, and exits 1", async () => {
    const blocker = createServer();
    await new Promise((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address();
    try {
      const { exited } = runStart({ PORT: String(port) });
      const end = await exited;
      assert.equal(end.code, 1);
      assert.match(end.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(end.stderr, /PORT=\d+ npm start/);
      assert.doesNotMatch(end.stderr, /at .*\.mjs:\d+/, "no stack trace");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("rejects a malformed PORT", async () => {
    const { exited } = runStart({ PORT: "eighty" });
    const end = await exited;
    assert.equal(end.code, 1);
    assert.match(end.stderr, /PORT must be an integer/);
  });

  it("startDemo fails clearly when pkg/ is not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "cdf-demo-nopkg-"));
    try {
      await assert.rejects(startDemo({ port: 0, pkgDir: empty }), /is not built .*node scripts\/build\.mjs/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("rebuilds only when pkg/ is missing or older than src/, Cargo.toml, Cargo.lock or scripts/build.mjs", () => {
    const root = mkdtempSync(join(tmpdir(), "cdf-demo-stale-"));
    try {
      const at = (file, seconds) => {
        const path = join(root, file);
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, "x");
        utimesSync(path, seconds, seconds);
      };
      at("src/lib.rs", 1000);
      at("src/deep/mod.rs", 1000);
      at("Cargo.toml", 1000);
      at("Cargo.lock", 1000);
      at("scripts/build.mjs", 1000);
      assert.match(buildReason(root), /pkg\/browser\.js is missing/);
      at("scripts/entries.mjs", 1000);
      for (const f of ["browser.js", "lazy.js", "errors.js", "copy.js", "cdf_workflow_retry.js", "cdf_workflow_retry_bg.wasm"]) at(`pkg/${f}`, 2000);
      assert.equal(buildReason(root), null, "up to date");
      at("src/deep/mod.rs", 3000);
      assert.match(buildReason(root), /src\/deep\/mod\.rs changed/);
      at("src/deep/mod.rs", 1000);
      at("scripts/build.mjs", 3000);
      assert.match(buildReason(root), /scripts\/build\.mjs changed/);
      at("scripts/build.mjs", 1000);
      at("scripts/entries.mjs", 3000);
      assert.match(buildReason(root), /scripts\/entries\.mjs changed/, "the entries are a build input too");
      at("scripts/entries.mjs", 1000);
      at("Cargo.toml", 3000);
      assert.match(buildReason(root), /Cargo\.toml changed/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
