// Shared helpers of the mock's 0.2 and 0.3 tests (executions, oauth, helper, cancel, triggers). Not a test file itself.
import assert from "node:assert/strict";
import http from "node:http";
import { startMockServer } from "./server.mjs";

export const FAILED = "11111111-1111-4111-8111-111111111111";
export const TIMED_OUT = "22222222-2222-4222-8222-222222222222";
export const TERMINATED = "33333333-3333-4333-8333-333333333333";
export const COMPLETED = "44444444-4444-4444-8444-444444444444";
export const RUNNING = "55555555-5555-4555-8555-555555555555";
export const ASSET = "66666666-6666-4666-8666-666666666666";
export const NO_VERSION = "77777777-7777-4777-8777-777777777777";
export const UNKNOWN = "99999999-9999-4999-8999-999999999999";
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fixed "now" for the generated executions: 2026-11-29T12:00:00Z. */
export const SEED_TIME = Date.UTC(2026, 10, 29, 12);

export const GET_HEADERS = Object.freeze({
  authorization: "Bearer demo-token",
  accept: "application/json",
  "x-cdp-sdk": "cdf-workflow-retry:0.2.0",
});
export const POST_HEADERS = Object.freeze({ ...GET_HEADERS, "content-type": "application/json" });

/** Start a quiet server for one test; closed when the test ends. */
export async function withServer(t, opts = {}) {
  const mock = await startMockServer({ quiet: true, seedTime: SEED_TIME, ...opts });
  t.after(() => mock.close());
  return mock;
}

/** fetch + parsed JSON body (or undefined when not JSON). */
export async function call(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, status: res.status, headers: res.headers, text, json };
}

export const api = (mock, project, suffix) => `${mock.url}/api/v1/projects/${project}${suffix}`;

export function post(url, body, headers = POST_HEADERS) {
  return call(url, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export const list = (mock, project, body, headers) => post(api(mock, project, "/workflows/executions/list"), body, headers);
export const getExecution = (mock, project, id, headers = GET_HEADERS) =>
  call(api(mock, project, `/workflows/executions/${id}`), { headers });

export async function newNonce(mock, project) {
  const r = await post(api(mock, project, "/sessions"), { items: [{ tokenExchange: true }] });
  assert.equal(r.status, 200, r.text);
  return r.json.items[0].nonce;
}

export async function retry(mock, project, id, nonce) {
  return post(api(mock, project, `/workflows/executions/${id}/retry`), { authentication: { nonce: nonce ?? (await newNonce(mock, project)) } });
}

/** POST …/workflows/executions/{id}/cancel with `body` (a JSON value, a raw string, or null: no body). */
export function cancel(mock, project, id, body = {}, headers = POST_HEADERS) {
  const init = { method: "POST", headers };
  if (body !== null) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return call(api(mock, project, `/workflows/executions/${id}/cancel`), init);
}

/** A control call in process; asserts the status (default 200) and returns the body. */
export function ctl(mock, method, path, body, status = 200) {
  const answer = mock.control(method, path, body);
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  return answer.body;
}

/** Every execution of a project (control view), newest first. */
export const executions = (mock, project) => ctl(mock, "GET", `/projects/${project}/executions`).items;

export function assertCdfError(r, status, messagePattern) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal(r.json.error.code, status);
  assert.equal(typeof r.json.error.message, "string");
  if (messagePattern) assert.match(r.json.error.message, messagePattern);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `fn` until it returns a truthy value (at most `ms`). */
export async function until(fn, ms = 2000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) assert.fail("condition not met in time");
    await sleep(10);
  }
}

/** Raw HTTP request with node:http (no fetch normalisation): { status, headers, body }. */
export function rawRequest(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
