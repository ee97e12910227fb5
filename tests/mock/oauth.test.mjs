// Tests of the mock's OAuth 2.0 client-credentials token endpoint. Run: node --test tests/mock/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FAILED, GET_HEADERS, POST_HEADERS, api, call, ctl, getExecution, list, rawRequest, sleep, withServer,
} from "./helpers.mjs";

const FORM_HEADERS = Object.freeze({ "content-type": "application/x-www-form-urlencoded", accept: "application/json" });
const DEMO = { grant_type: "client_credentials", client_id: "demo-client", client_secret: "demo-secret" };

/** POST a token request; `form` is an object (encoded) or a raw string. */
function tokenRequest(url, form = DEMO, headers = FORM_HEADERS) {
  const body = typeof form === "string" ? form : new URLSearchParams(form).toString();
  return call(url, { method: "POST", headers, body });
}

const tokenUrl = (mock, tenant) => (tenant === undefined ? `${mock.url}/oauth2/token` : `${mock.url}/oauth2/${tenant}/token`);

function assertOauthError(r, status, error, descriptionPattern) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ["error", "error_description"]);
  assert.equal(r.json.error, error);
  if (descriptionPattern) assert.match(r.json.error_description, descriptionPattern);
  assert.equal(r.headers.get("cache-control"), "no-store");
}

test("token: demo-client and test-client… get a Bearer token with expires_in; the API accepts it in any project", async (t) => {
  const mock = await withServer(t);
  const r = await tokenRequest(tokenUrl(mock, "p"));
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal(r.headers.get("cache-control"), "no-store");
  assert.equal(r.headers.get("pragma"), "no-cache");
  assert.ok(r.headers.get("x-request-id"));
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(Object.keys(r.json), ["access_token", "token_type", "expires_in"]);
  assert.equal(r.json.token_type, "Bearer");
  assert.equal(r.json.expires_in, 3600);
  assert.match(r.json.access_token, /^[\x21-\x7e]{20,}$/);
  assert.ok(!r.json.access_token.startsWith("test-token") && r.json.access_token !== "demo-token");

  const bearer = { ...POST_HEADERS, authorization: `Bearer ${r.json.access_token}` };
  assert.equal((await list(mock, "p", {}, bearer)).status, 200);
  assert.equal((await list(mock, "elsewhere", {}, bearer)).status, 200);
  assert.equal((await getExecution(mock, "p", FAILED, { ...GET_HEADERS, authorization: bearer.authorization })).status, 200);
  assert.equal((await list(mock, "p", {}, { ...bearer, authorization: `Bearer ${r.json.access_token}x` })).status, 401);

  // Any test-client… / test-secret…, a secret that needs encoding, scope and audience.
  const second = await tokenRequest(tokenUrl(mock, "p"), {
    grant_type: "client_credentials", client_id: "test-client-1", client_secret: "test-secret+&=/ ü%",
    scope: "https://westeurope-1.cognitedata.com/.default openid", audience: "https://api.example",
  });
  assert.equal(second.status, 200, second.text);
  assert.notEqual(second.json.access_token, r.json.access_token);
  // The plain /oauth2/token works too (tenant "default").
  assert.equal((await tokenRequest(tokenUrl(mock))).status, 200);
});

test("token: wrong credentials → 401 invalid_client, never echoing the secret or the client id", async (t) => {
  const mock = await withServer(t);
  for (const form of [
    { ...DEMO, client_secret: "SUPER-SECRET-1" },
    { ...DEMO, client_id: "test-client-9", client_secret: "SUPER-SECRET-2" },
    { ...DEMO, client_id: "CLIENT-XYZ", client_secret: "test-secret-3" },
  ]) {
    const r = await tokenRequest(tokenUrl(mock, "p"), form);
    assertOauthError(r, 401, "invalid_client");
    assert.ok(!r.text.includes("SUPER-SECRET") && !r.text.includes("test-secret") && !r.text.includes("CLIENT-XYZ"), r.text);
  }
});

test("token: malformed requests → 400 invalid_request / unsupported_grant_type (RFC 6749 §5.2)", async (t) => {
  const mock = await withServer(t);
  const url = tokenUrl(mock, "p");
  const form = (extra) => new URLSearchParams({ ...DEMO, ...extra }).toString();
  const cases = [
    ["", "invalid_request", /empty/],
    [form({ grant_type: "password" }), "unsupported_grant_type"],
    [form({ grant_type: "" }), "invalid_request", /grant_type/],
    ["client_id=demo-client&client_secret=demo-secret", "invalid_request", /grant_type/],
    ["grant_type=client_credentials&client_secret=demo-secret", "invalid_request", /client_id/],
    ["grant_type=client_credentials&client_id=demo-client", "invalid_request", /client_secret/],
    [form({ client_secret: "" }), "invalid_request", /client_secret/],
    [form({ resource: "x" }), "invalid_request", /resource/],
    [`${form({})}&scope=a&scope=b`, "invalid_request", /repeated/],
    [`${form({})}&client_id=demo-client`, "invalid_request", /repeated/],
    [form({ scope: "" }), "invalid_request", /scope/],
    [form({ audience: " " }), "invalid_request", /audience/],
    [`${form({})}&x=%zz`, "invalid_request", /form/],
    ['{"grant_type":"client_credentials"}', "invalid_request"],
  ];
  for (const [body, error, pattern] of cases) {
    const r = await tokenRequest(url, body);
    assertOauthError(r, 400, error, pattern);
    assert.ok(!r.text.includes("demo-secret"), body);
  }
  // Headers: form content type, Accept with JSON, no Authorization, no x-cdp-*.
  const headerCases = [
    [{ "content-type": "application/json" }, /Content-Type/],
    [{ "content-type": undefined }, /Content-Type/],
    [{ accept: undefined }, /Accept/],
    [{ accept: "*/*" }, /Accept/],
    [{ authorization: "Bearer demo-token" }, /Authorization/],
    [{ authorization: "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=" }, /Authorization/],
    [{ "x-cdp-sdk": "cdf-workflow-retry:0.2.0" }, /x-cdp-sdk/],
    [{ "x-cdp-app": "my app" }, /x-cdp-app/],
  ];
  for (const [change, pattern] of headerCases) {
    const headers = { ...FORM_HEADERS };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete headers[k]; else headers[k] = v;
    const r = await call(url, { method: "POST", headers, body: new TextEncoder().encode(new URLSearchParams(DEMO).toString()) });
    assertOauthError(r, 400, "invalid_request", pattern);
  }
  const ok = await tokenRequest(url, DEMO, { ...FORM_HEADERS, "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json, text/plain" });
  assert.equal(ok.status, 200, ok.text);
  // Only POST.
  const get = await call(url, { headers: { accept: "application/json" } });
  assertOauthError(get, 405, "invalid_request");
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  // Paths beside the token endpoints are not found.
  assert.equal((await tokenRequest(`${mock.url}/oauth2/p/authorize`)).status, 404);
  assert.equal((await tokenRequest(`${mock.url}/oauth2/a/b/token`)).status, 404);
});

test("token: CORS preflight is answered, and a browser can read the answer", async (t) => {
  const mock = await withServer(t);
  const pre = await call(tokenUrl(mock, "p"), {
    method: "OPTIONS",
    headers: { origin: "http://app.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get("access-control-allow-methods"), /\bPOST\b/);
  assert.equal(pre.headers.get("access-control-allow-headers"), "content-type");
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  const r = await tokenRequest(tokenUrl(mock, "p"));
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
  assert.equal(ctl(mock, "GET", "/projects/p/stats").requests.token, 1, "preflights are not counted");
});

test("token: expires_in as configured (option, number, numeric string, omitted); tokens die at their lifetime", async (t) => {
  const mock = await withServer(t, { tokenExpiresIn: 120 });
  const url = tokenUrl(mock, "p");
  assert.equal((await tokenRequest(url)).json.expires_in, 120);
  assert.deepEqual(ctl(mock, "GET", "/projects/p/oauth"), { expiresIn: 120, lifetimeSeconds: 120 });

  assert.deepEqual(ctl(mock, "POST", "/projects/p/oauth", { expiresIn: "600" }), { expiresIn: "600", lifetimeSeconds: 600 });
  const asString = await tokenRequest(url);
  assert.equal(asString.json.expires_in, "600");
  assert.match(asString.text, /"expires_in":"600"/);

  ctl(mock, "POST", "/projects/p/oauth", { expiresIn: null });
  const omitted = await tokenRequest(url);
  assert.deepEqual(Object.keys(omitted.json), ["access_token", "token_type"]);
  assert.equal(ctl(mock, "GET", "/projects/p/oauth").lifetimeSeconds, 3600, "clients assume 3600 s");

  ctl(mock, "POST", "/projects/p/oauth", { expiresIn: "soon" });
  assert.equal((await tokenRequest(url)).json.expires_in, "soon");

  // A short real lifetime: accepted, then 401.
  ctl(mock, "POST", "/projects/p/oauth", { expiresIn: 3600, lifetimeSeconds: 0.5 });
  const short = (await tokenRequest(url)).json;
  assert.equal(short.expires_in, 3600);
  const headers = { ...POST_HEADERS, authorization: `Bearer ${short.access_token}` };
  assert.equal((await list(mock, "p", {}, headers)).status, 200);
  await sleep(550);
  const expired = await list(mock, "p", {}, headers);
  assert.equal(expired.status, 401);
  assert.deepEqual(expired.json, { error: { code: 401, message: "Unauthorized" } });
  // expires_in 0: dead at once.
  ctl(mock, "POST", "/projects/p/oauth", { expiresIn: 0, lifetimeSeconds: null });
  const zero = (await tokenRequest(url)).json;
  assert.equal(zero.expires_in, 0);
  assert.equal((await list(mock, "p", {}, { ...POST_HEADERS, authorization: `Bearer ${zero.access_token}` })).status, 401);

  for (const bad of [{ expiresIn: -1 }, { expiresIn: 1.5 }, { expiresIn: true }, { lifetimeSeconds: -1 }, { lifetimeSeconds: "1" }, { other: 1 }]) {
    ctl(mock, "POST", "/projects/p/oauth", bad, 400);
  }
  // Settings are per tenant and reset with the project.
  assert.equal((await tokenRequest(tokenUrl(mock, "q"))).json.expires_in, 120);
  ctl(mock, "DELETE", "/projects/p", undefined, 204);
  assert.equal((await tokenRequest(url)).json.expires_in, 120);
});

test("token: revoke makes the tenant's tokens fail with 401; other tenants' tokens keep working", async (t) => {
  const mock = await withServer(t);
  const a = (await tokenRequest(tokenUrl(mock, "a"))).json.access_token;
  const b = (await tokenRequest(tokenUrl(mock, "b"))).json.access_token;
  assert.deepEqual(ctl(mock, "POST", "/projects/a/oauth/revoke"), { revoked: 1 });
  assert.deepEqual(ctl(mock, "POST", "/projects/a/oauth/revoke"), { revoked: 0 });
  assert.equal((await list(mock, "x", {}, { ...POST_HEADERS, authorization: `Bearer ${a}` })).status, 401);
  assert.equal((await list(mock, "x", {}, { ...POST_HEADERS, authorization: `Bearer ${b}` })).status, 200);
  const fresh = (await tokenRequest(tokenUrl(mock, "a"))).json.access_token;
  assert.equal((await list(mock, "x", {}, { ...POST_HEADERS, authorization: `Bearer ${fresh}` })).status, 200);
});

test("token: requests are counted and logged per tenant (for single-flight checks), scripts apply with on: token", async (t) => {
  const mock = await withServer(t);
  const url = tokenUrl(mock, "p");
  ctl(mock, "POST", "/projects/p/script", [
    { on: "token", status: 503, headers: { "retry-after": "0" } },
    { on: "token", status: 400, body: { error: "invalid_scope", error_description: "Scope is not valid" } },
    { on: "token", delayMs: 100 },
  ]);
  const unavailable = await tokenRequest(url);
  assertOauthError(unavailable, 503, "temporarily_unavailable");
  assert.equal(unavailable.headers.get("retry-after"), "0");
  assert.deepEqual((await tokenRequest(url)).json, { error: "invalid_scope", error_description: "Scope is not valid" });
  // Three at once: the delayed one and two normal ones are in flight together.
  const results = await Promise.all([tokenRequest(url), tokenRequest(url), tokenRequest(url)]);
  assert.ok(results.every((r) => r.status === 200));
  await tokenRequest(url, { ...DEMO, client_secret: "wrong" });
  const stats = ctl(mock, "GET", "/projects/p/stats");
  assert.equal(stats.requests.token, 6);
  assert.equal(stats.tokensIssued, 3);
  assert.ok(stats.maxInFlight.token >= 2, `maxInFlight.token ${stats.maxInFlight.token}`);
  const log = ctl(mock, "GET", "/projects/p/log?op=token").requests;
  assert.deepEqual(log.map((e) => e.status), [503, 400, 200, 200, 200, 401]);
  assert.equal(log[0].method, "POST");
  assert.equal(log[0].path, "/oauth2/p/token");
  assert.equal(log[0].headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(log[0].body, new URLSearchParams(DEMO).toString());
  assert.equal(ctl(mock, "GET", "/projects/q/stats").requests.token, 0, "another tenant");
  await tokenRequest(tokenUrl(mock));
  assert.equal(ctl(mock, "GET", "/projects/default/stats").requests.token, 1, "/oauth2/token counts as tenant default");

  // Scripted reset, truncated body and "process" on the token endpoint.
  ctl(mock, "POST", "/projects/p/script", [{ on: "token", reset: true }, { on: "token", truncateAfter: 10 }, { on: "token", process: true, status: 500 }]);
  await assert.rejects(tokenRequest(url));
  const res = await fetch(url, { method: "POST", headers: FORM_HEADERS, body: new URLSearchParams(DEMO) });
  await assert.rejects(res.text());
  const processed = await tokenRequest(url);
  assertOauthError(processed, 500, "server_error");
  assert.equal(ctl(mock, "GET", "/projects/p/stats").tokensIssued, 5, "truncated and processed ones were issued");
  // A path step reaches the token endpoint by its full path.
  ctl(mock, "POST", "/projects/p/script", { path: "/oauth2/p/token", status: 401 });
  assertOauthError(await tokenRequest(url), 401, "invalid_client");
});

test("token: a body over 1 MiB → 413; the raw form body is kept in the log", async (t) => {
  const mock = await withServer(t);
  const big = await rawRequest(tokenUrl(mock, "p"), {
    method: "POST", headers: FORM_HEADERS, body: `${new URLSearchParams(DEMO)}&scope=${"x".repeat(1024 * 1024)}`,
  });
  assert.equal(big.status, 413);
  assert.equal(ctl(mock, "GET", "/projects/p/stats").tokensIssued, 0);
});

test("token: the API still rejects what it rejected (demo-token / test-token… stay valid, expired-… not)", async (t) => {
  const mock = await withServer(t);
  for (const [token, status] of [["demo-token", 200], ["test-token-x", 200], ["expired-test-token", 401], ["mock-at-guess", 401]]) {
    assert.equal((await list(mock, "p", {}, { ...POST_HEADERS, authorization: `Bearer ${token}` })).status, status, token);
  }
  assert.equal((await call(api(mock, "p", "/sessions"), { method: "POST", headers: POST_HEADERS, body: '{"items":[{"tokenExchange":true}]}' })).status, 200);
});
