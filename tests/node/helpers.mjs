// Shared helpers for the Node tests of the built package (pkg/).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { startMockServer } from "../mock/server.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const pkgDir = join(root, "pkg");
if (!existsSync(join(pkgDir, "node.js"))) {
  throw new Error("pkg/ is not built: run `node scripts/build.mjs` (npm test does it before this step)");
}
export const pkgEntry = pathToFileURL(join(pkgDir, "node.js")).href;
export const { retryExecution, isCdfError } = await import(pkgEntry);

export const FAILED = "11111111-1111-4111-8111-111111111111";
export const TIMED_OUT = "22222222-2222-4222-8222-222222222222";
export const TERMINATED = "33333333-3333-4333-8333-333333333333";
export const COMPLETED = "44444444-4444-4444-8444-444444444444";

let counter = 0;
/** A project name no other test uses (the mock keeps state per project). */
export const project = (tag) => `n-${tag}-${process.pid}-${++counter}`.slice(0, 32);

export async function withMock(fn, opts = {}) {
  const mock = await startMockServer({ quiet: true, ...opts });
  try {
    return await fn(mock);
  } finally {
    await mock.close();
  }
}

export async function control(mock, method, path, body) {
  const res = await fetch(`${mock.url}/_mock${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`mock control ${method} ${path}: ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

export const script = (mock, p, steps) => control(mock, "POST", `/projects/${p}/script`, steps);
export const log = async (mock, p) => (await control(mock, "GET", `/projects/${p}/log`)).requests;
export const mintNonce = async (mock, p) => (await control(mock, "POST", `/projects/${p}/nonce`, {})).nonce;
export const stats = (mock) => control(mock, "GET", "/stats");

export const baseOptions = (mock, p, extra = {}) => ({
  project: p,
  baseUrl: mock.url,
  token: "test-token-node",
  executionId: FAILED,
  ...extra,
});

/** The rejection of `promise`, which must be a CdfError. */
export async function rejection(promise) {
  try {
    const v = await promise;
    throw Object.assign(new Error(`expected a rejection, got ${JSON.stringify(v)}`), { unexpected: true });
  } catch (e) {
    if (e?.unexpected) throw e;
    if (!isCdfError(e)) throw new Error(`not a CdfError: ${e}`);
    return e;
  }
}

/** Every text through which an error could show a secret. */
export function errorTexts(e) {
  return [e.message, String(e), e.stack ?? "", JSON.stringify(e), JSON.stringify({ ...e }), String(e.cause ?? ""), e.cause?.message ?? ""];
}

/**
 * One project on a shared in-process mock (`startMockServer`), with its control calls:
 * `conn(extra)` the connection options, `script`, `log(op?)`, `mintNonce`, `tokenUrl`, the
 * trigger controls (`addRuns`, `paging`, `triggerRuns`). A control call that fails throws.
 */
export function mockContext(server, tag, token = "test-token-node") {
  const p = project(tag);
  const c = (method, path, body) => {
    const a = server.control(method, path, body);
    if (a.status >= 400) throw new Error(`mock control ${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  };
  const base = `/projects/${p}`;
  const trigger = (t) => `${base}/triggers/${encodeURIComponent(t)}`;
  return {
    p,
    conn: (extra = {}) => ({ project: p, baseUrl: server.url, token, ...extra }),
    script: (steps) => c("POST", `${base}/script`, steps),
    log: (op) => c("GET", `${base}/log${op ? `?op=${op}` : ""}`).requests,
    mintNonce: () => c("POST", `${base}/nonce`, {}).nonce,
    tokenUrl: `${server.url}/oauth2/${p}/token`,
    addRuns: (t, body) => c("POST", `${trigger(t)}/runs`, body),
    paging: (t, cursors) => c("POST", `${trigger(t)}/paging`, { cursors }),
    triggerRuns: (t) => c("GET", `${trigger(t)}/runs`).items,
  };
}
