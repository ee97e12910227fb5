// The hardening cases (issue: hostile JavaScript values, unreadable answers,
// redirects, and the nonce and secrecy rules at their edges). Each case was a
// failure of 0.1; each is one instance of a kind, and the kinds are covered
// here with several instances each.
//
// Cases that used to crash the host process run in a child process with no
// handlers at all: the test asserts the call settled, a second call worked,
// and the process exited normally.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { getEventListeners } from "node:events";
import {
  retryExecution, isCdfError, withMock, project, baseOptions, script, log, mintNonce, rejection, errorTexts, pkgEntry,
  FAILED, TIMED_OUT,
} from "./helpers.mjs";

const good = (id = FAILED) => ({ id, workflowExternalId: "wf", status: "RUNNING", engineExecutionId: TIMED_OUT, createdTime: 1, metadata: {} });

/**
 * Runs `body` (an async function body with `mod`, `mockUrl` in scope) in a
 * fresh Node process with no handlers; resolves to `{ code, out, err }`.
 * The body must print one JSON line with its findings.
 */
function inChild(body, mockUrl = "") {
  const source = `
const mod = await import(${JSON.stringify(pkgEntry)});
const mockUrl = ${JSON.stringify(mockUrl)};
const describeError = (e) => ({ cdf: mod.isCdfError(e), kind: e?.kind, field: e?.field, status: e?.status, message: e?.message });
${body}
`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** The one JSON line a child printed, after checking it exited cleanly. */
function finding(r) {
  assert.equal(r.code, 0, `the child process died (exit ${r.code}): ${r.err}`);
  const line = r.out.trim().split("\n").pop();
  return JSON.parse(line);
}

/** A raw HTTP server for answers the mock cannot give; `handler(req, res, body)`. */
async function rawServer(handler) {
  const requests = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body, requests.length);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

// ---- Process crashes: hostile values at the boundary --------------------------------

test("1. revoked Proxies anywhere in the options settle as invalid_input; the process lives", async () => {
  const r = await inChild(`
const found = [];
const revoked = () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; };
const base = { project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: "${FAILED}" };
const cases = [
  ["options", revoked()],
  ["clientCredentials", { ...base, clientCredentials: revoked() }],
  ["token", { ...base, token: revoked() }],
  ["extra", { ...base, extra: revoked() }],
  ["signal", { ...base, signal: revoked() }],
  ["workflow", { ...base, clientCredentials: { clientId: revoked(), clientSecret: "s" } }],
  ["proxy-options", new Proxy(base, { ownKeys() { throw new Error("trap"); } })],
  ["getter", Object.defineProperty({ ...base }, "executionId", { enumerable: true, get() { throw new Error("getter"); } })],
  ["proto-trap", new Proxy({}, { getPrototypeOf() { throw new Error("trap"); } })],
];
// Every call starts in the same tick: one crash would stop the others from settling.
const settled = await Promise.allSettled(cases.map(([, o]) => mod.retryExecution(o)));
for (const [i, s] of settled.entries()) found.push([cases[i][0], s.status, describeError(s.reason)]);
console.log(JSON.stringify(found));
`);
  const found = finding(r);
  assert.equal(found.length, 9);
  for (const [name, status, e] of found) {
    assert.equal(status, "rejected", name);
    assert.equal(e.cdf, true, name);
    assert.equal(e.kind, "invalid_input", `${name}: ${e.message}`);
  }
  const field = Object.fromEntries(found.map(([n, , e]) => [n, e.field]));
  assert.equal(field.options, "options");
  assert.equal(field.clientCredentials, "clientCredentials");
  assert.equal(field.token, "token");
  assert.equal(field.extra, "extra");
  assert.equal(field.signal, "signal");
  assert.equal(field["proxy-options"], "options");
  assert.equal(field.getter, "executionId");
  assert.equal(field["proto-trap"], "options");
});

test("2. objects that only pretend to be an AbortSignal are refused; the process lives", async () => {
  const r = await inChild(`
const base = { project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: "${FAILED}" };
const fakes = [
  Object.create(AbortSignal.prototype),
  { aborted: false, addEventListener() {}, removeEventListener() {} },
  new (class extends EventTarget { get aborted() { return false; } })(),
  (() => { const { proxy, revoke } = Proxy.revocable(new AbortController().signal, {}); revoke(); return proxy; })(),
];
const settled = await Promise.allSettled(fakes.map((signal) => mod.retryExecution({ ...base, signal })));
console.log(JSON.stringify(settled.map((s) => [s.status, describeError(s.reason)])));
`);
  const found = finding(r);
  assert.equal(found.length, 4);
  for (const [status, e] of found) {
    assert.equal(status, "rejected");
    assert.equal(e.kind, "invalid_input", e.message);
    assert.equal(e.field, "signal");
  }
});

test("3. a patched globalThis.fetch that throws, rejects with a string or resolves with junk ends as kind network", async () => {
  const r = await inChild(`
const base = { project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: "${FAILED}", nonce: "n-1", maxRetries: 0 };
const real = globalThis.fetch;
const fakes = [
  ["string", () => Promise.reject("offline")],
  ["undefined", () => Promise.reject(undefined)],
  ["sync-throw", () => { throw "boom"; }],
  ["plain-object", async () => ({ status: 200, ok: true, json: async () => ({}) })],
  ["not-a-function", 42],
  ["revoked", () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }],
  ["fake-response", async () => Object.create(Response.prototype)],
  ["thenable-throws", () => ({ get then() { throw new Error("then getter"); } })],
];
const found = [];
for (const [name, f] of fakes) {
  globalThis.fetch = f;
  try {
    await mod.retryExecution(base);
    found.push([name, "resolved"]);
  } catch (e) {
    found.push([name, describeError(e), e.cause === undefined ? "no cause" : typeof e.cause === "string" ? e.cause : "object"]);
  }
}
globalThis.fetch = real;
console.log(JSON.stringify(found));
`);
  const found = finding(r);
  assert.equal(found.length, 8);
  for (const [name, e] of found) {
    assert.equal(e.cdf, true, name);
    assert.equal(e.kind, "network", `${name}: ${e.message}`);
  }
  // The runtime's own value stays the cause, as thrown.
  assert.equal(found[0][2], "offline");
  assert.equal(found[2][2], "boom");
});

// ---- Options read once; bounded work --------------------------------------------------

test("4. each option's getter runs once, and what was validated is what is used", async () => {
  await withMock(async (mock) => {
    const p = project("once");
    let reads = 0;
    const options = baseOptions(mock, p, { maxRetries: 0 });
    delete options.token;
    Object.defineProperty(options, "token", {
      enumerable: true,
      get() {
        reads += 1;
        return reads === 1 ? () => "test-token-from-provider" : "";
      },
    });
    const v = await retryExecution(options);
    assert.equal(v.status, "RUNNING");
    assert.equal(reads, 1);
    const requests = await log(mock, p);
    assert.ok(requests.length >= 2);
    for (const r of requests) assert.equal(r.headers.authorization, "Bearer test-token-from-provider");
  });
});

test("5. hostile structures settle within milliseconds, whatever key holds them", async () => {
  let a = [1];
  for (let i = 0; i < 20; i++) a = [a, a];
  const big = new Array(5_000_000).fill("x");
  const deep = {};
  let d = deep;
  for (let i = 0; i < 100_000; i++) d = d.x = {};
  const cyclic = { clientId: "c" };
  cyclic.self = cyclic;
  const base = { project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: FAILED, timeoutMs: 500 };
  const cases = [
    ["extra", { ...base, extra: a }],
    ["clientCredentials", { ...base, clientCredentials: a }],
    ["clientCredentials", { ...base, clientCredentials: { clientId: a, clientSecret: "s" } }],
    ["executionId", { ...base, executionId: big }],
    ["clientCredentials", { ...base, clientCredentials: deep }],
    ["clientCredentials", { ...base, clientCredentials: cyclic }],
    ["token", { ...base, token: "x".repeat(50_000_000) }],
  ];
  for (const [field, options] of cases) {
    const start = performance.now();
    const e = await rejection(retryExecution(options));
    const ms = performance.now() - start;
    assert.equal(e.kind, "invalid_input");
    assert.ok(e.field === field || e.field.startsWith(`${field}.`), `${e.field} for ${field}`);
    // 0.1 blocked the event loop for about 13 s on the first case.
    assert.ok(ms < 1000, `${field}: took ${ms.toFixed(0)} ms`);
  }
});

// ---- The nonce rule at its edges ---------------------------------------------------------

test("6. a caller's nonce is never resent after an ambiguous 401, even with a provider", async () => {
  await withMock(async (mock) => {
    const p = project("amb401");
    const nonce = await mintNonce(mock, p);
    await script(mock, p, { on: "retry", status: 401, headers: { "cdf-is-auto-retryable": "true" } });
    let asked = 0;
    const e = await rejection(retryExecution(baseOptions(mock, p, { nonce, token: () => `test-token-${++asked}` })));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 401);
    assert.equal(e.retryable, true);
    assert.equal(e.attempts, 1);
    assert.equal(asked, 1, "the provider is not asked again");
    const retries = (await log(mock, p)).filter((r) => r.op === "retry");
    assert.equal(retries.length, 1);
  });
});

test("6b. a module nonce after an ambiguous 401 is replaced by a new session", async () => {
  await withMock(async (mock) => {
    const p = project("amb401m");
    await script(mock, p, { on: "retry", status: 401, headers: { "cdf-is-auto-retryable": "true", "retry-after": "0" } });
    const v = await retryExecution(baseOptions(mock, p));
    assert.equal(v.status, "RUNNING");
    const requests = await log(mock, p);
    assert.deepEqual(requests.map((r) => r.op), ["sessions", "retry", "sessions", "retry"]);
    const nonces = requests.filter((r) => r.op === "retry").map((r) => JSON.parse(r.body).authentication.nonce);
    assert.notEqual(nonces[0], nonces[1]);
  });
});

// ---- Redirects ---------------------------------------------------------------------------

test("7. a redirect is never followed: nothing reaches the other origin", async () => {
  const target = await rawServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"items":[{"nonce":"stolen"}]}'));
  try {
    await withMock(async (mock) => {
      for (const [status, on, extra] of [[307, "sessions", { clientCredentials: { clientId: "test-client-r", clientSecret: "test-secret-r" } }], [308, "retry", {}], [302, "sessions", {}], [301, "retry", { nonce: "n-redirect" }]]) {
        const p = project(`redir${status}`);
        await script(mock, p, { on, status, headers: { location: `${target.url}/steal` }, body: "" });
        const e = await rejection(retryExecution(baseOptions(mock, p, extra)));
        assert.equal(e.kind, "api", e.message);
        assert.equal(e.status, status);
        assert.equal(e.retryable, false);
      }
    });
    assert.equal(target.requests.length, 0, "no request reached the redirect target");
  } finally {
    await target.close();
  }
});

// ---- Secrecy at its edges ------------------------------------------------------------------

test("8. an x-request-id that echoes the token is dropped", async () => {
  await withMock(async (mock) => {
    const token = "test-token-echoed-in-header";
    for (const requestId of [token, `req-${token}-1`]) {
      const p = project("ridsecret");
      await script(mock, p, { on: "sessions", status: 400, requestId });
      const e = await rejection(retryExecution(baseOptions(mock, p, { token })));
      assert.equal(e.requestId, undefined);
      for (const text of errorTexts(e)) assert.ok(!text.includes(token), text);
    }
    const p = project("ridplain");
    await script(mock, p, { on: "sessions", status: 400, requestId: "req-plain-7" });
    const e = await rejection(retryExecution(baseOptions(mock, p, { token })));
    assert.equal(e.requestId, "req-plain-7");
  });
});

test("9. the module's own words are never masked, however short the secret", async () => {
  const server = await rawServer((req, res) =>
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: 400, message: "Execution is not in a terminal failed state" } })),
  );
  try {
    const e = await rejection(retryExecution({ project: "p-1", baseUrl: server.url, token: "a", nonce: "n", executionId: FAILED }));
    assert.equal(e.kind, "api");
    assert.ok(e.message.startsWith("CDF answered 400 to retryExecution: "), e.message);
    // The outside text is masked: no "a" and no "n" is left of it.
    const outside = e.message.slice("CDF answered 400 to retryExecution: ".length);
    assert.ok(outside.includes("***"), outside);
  } finally {
    await server.close();
  }
});

// ---- Bodies that fail --------------------------------------------------------------------------

test("10. an error status whose body is cut off is still kind api with that status", async () => {
  const server = await rawServer((req, res) => {
    res.writeHead(502, { "content-type": "text/html", "content-length": "500" });
    res.write("<html><body>Bad gate");
    setTimeout(() => res.socket.destroy(), 20);
  });
  try {
    const e = await rejection(retryExecution({ project: "p-1", baseUrl: server.url, token: "t", nonce: "n-1", executionId: FAILED }));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 502);
    assert.equal(e.retryable, true);
    assert.equal(e.attempts, 1, "a caller's nonce is not resent after an ambiguous 502");
  } finally {
    await server.close();
  }
});

test("11. a 2xx body that drops mid-way is invalid_response on body, never retried", async () => {
  const server = await rawServer((req, res) => {
    if (req.url.endsWith("/sessions")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items: [{ nonce: `nonce-${Math.random()}` }] }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
    res.write('{"id":"' + FAILED + '","workflowExte');
    setTimeout(() => res.socket.destroy(), 20);
  });
  try {
    const e = await rejection(retryExecution({ project: "p-1", baseUrl: server.url, token: "test-token-x", executionId: FAILED }));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "body");
    assert.equal(e.status, 200);
    assert.equal(e.retryable, false);
    assert.equal(e.operation, "retryExecution");
    assert.match(e.message, /application\/json/);
    assert.equal(server.requests.filter((r) => r.url.endsWith("/retry")).length, 1);
    assert.equal(e.attempts, 2);
  } finally {
    await server.close();
  }
});

test("11b. bodies over 1 MiB are not read: invalid_response for 2xx, api for an error status", async () => {
  const huge = "x".repeat(1024 * 1024 + 10);
  const server = await rawServer((req, res) => {
    const status = req.url.includes("p-err") ? 503 : 200;
    res.writeHead(status, { "content-type": "application/json" }); // no content-length: chunked
    res.end(`{"pad":"${huge}"}`);
  });
  try {
    let e = await rejection(retryExecution({ project: "p-ok", baseUrl: server.url, token: "t", nonce: "n-1", executionId: FAILED }));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "body");
    assert.match(e.message, /1 MiB/);
    e = await rejection(retryExecution({ project: "p-err", baseUrl: server.url, token: "t", nonce: "n-1", executionId: FAILED }));
    assert.equal(e.kind, "api");
    assert.equal(e.status, 503);
  } finally {
    await server.close();
  }
});

test("12. times JavaScript cannot hold exactly are refused, never rounded", async () => {
  await withMock(async (mock) => {
    for (const [field, value] of [["createdTime", "9007199254740993"], ["createdTime", "9007199254740992"], ["startTime", "9007199254740992"], ["endTime", "1e300"]]) {
      const p = project("unsafe");
      const body = JSON.stringify({ ...good(), createdTime: 0, [field]: 0 }).replace(`"${field}":0`, `"${field}":${value}`);
      await script(mock, p, { on: "retry", status: 200, body });
      const e = await rejection(retryExecution(baseOptions(mock, p)));
      assert.equal(e.kind, "invalid_response");
      assert.equal(e.field, field);
    }
    const p = project("safe");
    await script(mock, p, { on: "retry", status: 200, body: JSON.stringify(good()).replace('"createdTime":1', '"createdTime":9007199254740991') });
    assert.equal((await retryExecution(baseOptions(mock, p))).createdTime, Number.MAX_SAFE_INTEGER);
  });
});

test("12b. an answer about another execution is invalid_response on id", async () => {
  await withMock(async (mock) => {
    const p = project("ident");
    await script(mock, p, { on: "retry", status: 200, body: good(TIMED_OUT) });
    const e = await rejection(retryExecution(baseOptions(mock, p)));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.field, "id");
  });
});

// ---- Messages ----------------------------------------------------------------------------------------

test("13. an HTML error page shows its visible text only", async () => {
  await withMock(async (mock) => {
    const p = project("html");
    const page = `<!DOCTYPE html><html><head><title>Gateway</title><style>body{font-family:sans-serif;color:#333}</style>
      <script>window.dataLayer=[];function gtag(){}</script></head><body><!-- upstream 10.0.0.1 --><h1>502 Bad Gateway</h1>
      <p>The upstream server did not answer &amp; will be retried.</p><script>gtag('x')</script></body></html>`;
    await script(mock, p, { on: "sessions", status: 502, body: page, headers: { "content-type": "text/html" } });
    const e = await rejection(retryExecution(baseOptions(mock, p, { maxRetries: 0 })));
    assert.equal(e.kind, "api");
    assert.match(e.message, /502 Bad Gateway The upstream server did not answer & will be retried\./);
    for (const bad of ["font-family", "dataLayer", "gtag", "<", "upstream 10.0.0.1", "Gateway</"]) assert.ok(!e.message.includes(bad), `${bad} in ${e.message}`);
    assert.ok(e.message.length < 400);
  });
});

test("14. the runtime's own fetch error is the cause, with its own cause", async () => {
  const server = await rawServer(() => {});
  const url = server.url;
  await server.close(); // nothing listens there now
  const e = await rejection(retryExecution({ project: "p-1", baseUrl: url, token: "t", nonce: "n-1", executionId: FAILED }));
  assert.equal(e.kind, "network");
  assert.ok(e.cause instanceof TypeError);
  assert.equal(e.cause.cause?.code, "ECONNREFUSED");
});

test("15. a cluster with the domain, a scheme or a path gets a hint", async () => {
  for (const cluster of ["westeurope-1.cognitedata.com", "https://westeurope-1.cognitedata.com", "cognitedata.com", "westeurope-1/api"]) {
    const e = await rejection(retryExecution({ project: "p-1", cluster, token: "t", executionId: FAILED }));
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.field, "cluster");
    assert.match(e.message, /westeurope-1|baseUrl/);
  }
  for (const baseUrl of ["https://ex%61mple.com", "https://0x7f.1", "https://exa\tmple.com"]) {
    const e = await rejection(retryExecution({ project: "p-1", baseUrl, token: "t", executionId: FAILED }));
    assert.equal(e.kind, "invalid_input", baseUrl);
    assert.equal(e.field, "baseUrl", baseUrl);
  }
});

test("16. 1000 concurrent calls on one AbortSignal: no warning, no listener left", async () => {
  const hanging = await rawServer(() => {}); // never answers
  try {
    const r = await inChild(`
const { getEventListeners } = await import("node:events");
const warnings = [];
process.on("warning", (w) => warnings.push(w.name));
const controller = new AbortController();
const base = { project: "p-1", baseUrl: mockUrl, token: "t", executionId: "${FAILED}", nonce: "n-1", signal: controller.signal };
const calls = Promise.allSettled(Array.from({ length: 1000 }, () => mod.retryExecution(base)));
await new Promise((r) => setTimeout(r, 50));
const during = getEventListeners(controller.signal, "abort").length;
controller.abort("stop");
const settled = await calls;
await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify({ warnings, during, after: getEventListeners(controller.signal, "abort").length, kinds: [...new Set(settled.map((s) => s.reason?.kind))], causes: [...new Set(settled.map((s) => s.reason?.cause))] }));
process.exit(0);
`, hanging.url);
    const f = finding(r);
    assert.deepEqual(f.warnings, []);
    assert.equal(f.during, 1);
    assert.equal(f.after, 0);
    assert.deepEqual(f.kinds, ["aborted"]);
    assert.deepEqual(f.causes, ["stop"]);
  } finally {
    await hanging.close();
  }
  // Calls that finish on their own leave no listener either.
  const controller = new AbortController();
  await Promise.allSettled(Array.from({ length: 50 }, () => retryExecution({ project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: FAILED, nonce: "n", maxRetries: 0, signal: controller.signal })));
  assert.equal(getEventListeners(controller.signal, "abort").length, 0);
});

test("callbacks: onRetry is told before each wait, and a throwing one is ignored", async () => {
  await withMock(async (mock) => {
    const p = project("onretry");
    await script(mock, p, [
      { on: "retry", status: 429, headers: { "retry-after": "0" } },
      { on: "retry", status: 503, headers: { "retry-after": "0" } },
    ]);
    const events = [];
    const v = await retryExecution(baseOptions(mock, p, { onRetry: (e) => { events.push(e); throw new Error("ignored"); } }));
    assert.equal(v.status, "RUNNING");
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => [e.operation, e.attempt, e.waitMs, e.kind, e.status, e.newSession]), [
      ["retryExecution", 2, 0, "api", 429, false],
      ["retryExecution", 3, 0, "api", 503, true],
    ]);
    assert.ok(events.every((e) => typeof e.requestId === "string"));
    const bad = await rejection(retryExecution(baseOptions(mock, p, { onRetry: "log" })));
    assert.equal(bad.field, "onRetry");
  });
});

test("token providers: called with { forceRefresh }, a thrown CdfError passes through, other throws are named", async () => {
  await withMock(async (mock) => {
    const p = project("provider");
    await script(mock, p, { on: "sessions", status: 401 });
    const contexts = [];
    const v = await retryExecution(baseOptions(mock, p, { token: (ctx) => (contexts.push(ctx), `test-token-${contexts.length}`) }));
    assert.equal(v.status, "RUNNING");
    assert.deepEqual(contexts, [{ forceRefresh: false }, { forceRefresh: true }]);

    const inner = await rejection(retryExecution({ project: "p-1", cluster: "westeurope-1.cognitedata.com", token: "t", executionId: FAILED }));
    const passed = await rejection(retryExecution(baseOptions(mock, project("pt"), { token: async () => { throw inner; } })));
    assert.equal(passed, inner);

    const thrown = new RangeError("identity provider down");
    const e2 = await rejection(retryExecution(baseOptions(mock, project("pt3"), { token: () => { throw thrown; } })));
    assert.equal(e2.kind, "invalid_input");
    assert.equal(e2.field, "token");
    assert.match(e2.message, /RangeError: identity provider down/);
    assert.equal(e2.cause, thrown);

    const bearer = await rejection(retryExecution(baseOptions(mock, project("pt4"), { token: "Bearer abc" })));
    assert.equal(bearer.field, "token");
    assert.match(bearer.message, /Bearer/);
    const typo = await rejection(retryExecution({ ...baseOptions(mock, project("pt5")), executionID: FAILED }));
    assert.equal(typo.field, "executionID");
    assert.match(typo.message, /did you mean executionId\?/);
  });
});

// ---- Found by review: each was a failing case ------------------------------------------------

test("a fetch that never settles, or a body that never ends, still ends at the deadline or the abort", async () => {
  const r = await inChild(`
const base = { project: "p-1", baseUrl: "http://127.0.0.1:9", token: "test-token-x", executionId: "${FAILED}", nonce: "n-1", maxRetries: 0 };
const found = [];
globalThis.fetch = () => new Promise(() => {});
let t = Date.now();
found.push([await mod.retryExecution({ ...base, timeoutMs: 300 }).catch((e) => e.kind), Date.now() - t]);
globalThis.fetch = () => ({ then() {} });
t = Date.now();
const ac = new AbortController();
setTimeout(() => ac.abort("stop"), 200);
found.push([await mod.getExecution({ project: "p-1", baseUrl: base.baseUrl, token: base.token, executionId: base.executionId, signal: ac.signal }).catch((e) => e.kind), Date.now() - t]);
globalThis.fetch = async () => new Response(new ReadableStream({ pull() { return new Promise(() => {}); } }), { status: 200 });
t = Date.now();
found.push([await mod.retryExecution({ ...base, timeoutMs: 300 }).catch((e) => e.kind), Date.now() - t]);
console.log(JSON.stringify(found));
`);
  const found = finding(r);
  assert.deepEqual(found.map(([k]) => k), ["timeout", "aborted", "timeout"]);
  for (const [, ms] of found) assert.ok(ms < 2000, `took ${ms} ms`);
});

test("the browser entry: a stalled .wasm download ends at the call's deadline, and the next call loads anew", async () => {
  const r = await inChild(`
const { readFileSync } = await import("node:fs");
const wasm = readFileSync(new URL("cdf_workflow_retry_bg.wasm", ${JSON.stringify(new URL("../../pkg/", import.meta.url).href)}));
let hang = true;
globalThis.fetch = (input) => String(input?.url ?? input).endsWith(".wasm")
  ? (hang ? new Promise(() => {}) : Promise.resolve(new Response(wasm, { headers: { "content-type": "application/wasm" } })))
  : Promise.reject(new TypeError("offline"));
const browser = await import(${JSON.stringify(new URL("../../pkg/browser.js", import.meta.url).href)});
const options = { baseUrl: "https://api.cognitedata.com", project: "abc", token: "test-token-x", timeoutMs: 300 };
const first = await browser.listExecutions(options).catch((e) => [e.kind, browser.isCdfError(e)]);
hang = false;
const second = await browser.listExecutions(options).catch((e) => [e.kind, e.operation]);
console.log(JSON.stringify({ first, second }));
process.exit(0);
`);
  const { first, second } = finding(r);
  assert.deepEqual(first, ["timeout", true]);
  // Loaded this time: the call itself runs and meets the (offline) fetch.
  assert.deepEqual(second, ["network", "listExecutions"]);
});

test("markup in outside text is removed before redaction: a secret split by tags is still hidden", async () => {
  const token = "test-token-SeCrEt42";
  const server = await rawServer((req, res) =>
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: 400, message: "<img src=x onerror=alert(1)>Denied for test-tok<b>en-SeCrEt42</b>" } })),
  );
  try {
    const e = await rejection(retryExecution({ project: "p-1", baseUrl: server.url, token, nonce: "n-1", executionId: FAILED }));
    for (const text of errorTexts(e)) {
      assert.ok(!text.includes("SeCrEt42"), text);
      assert.ok(!text.includes("<img"), text);
    }
    const thrown = await rejection(retryExecution({ project: "p-1", baseUrl: server.url, token: () => { throw new Error("<script>x()</script>refresh <i>failed</i>"); }, nonce: "n-1", executionId: FAILED }));
    assert.match(thrown.message, /refresh failed/);
    assert.ok(!thrown.message.includes("<"), thrown.message);
  } finally {
    await server.close();
  }
});

test("a Proxy around a real AbortSignal: its abort still stops the call", async () => {
  const hanging = await rawServer(() => {});
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort("x"), 100);
    const started = Date.now();
    const e = await rejection(retryExecution({ project: "p-1", baseUrl: hanging.url, token: "test-token-x", nonce: "n-1", executionId: FAILED, timeoutMs: 5000, signal: new Proxy(ac.signal, {}) }));
    assert.equal(e.kind, "aborted");
    assert.ok(Date.now() - started < 2000);
  } finally {
    await hanging.close();
  }
});

test("a provider's huge token is refused without growing wasm memory; long strings blame their own option", async () => {
  const memory = async () => (await import(new URL("../../pkg/cdf_workflow_retry.js", import.meta.url).href)).initSync().memory.buffer.byteLength;
  await rejection(retryExecution({ project: "p-1", baseUrl: "http://127.0.0.1:9", token: "t", executionId: "x" })); // loaded
  const before = await memory();
  const e = await rejection(retryExecution({ project: "p-1", baseUrl: "http://127.0.0.1:9", token: () => "a".repeat(5e7), nonce: "n-1", executionId: FAILED }));
  assert.equal(e.field, "token");
  assert.equal(await memory(), before);
  const long = await rejection(retryExecution({ baseUrl: "https://" + "a".repeat(1e5) + ".com", project: "abc", token: "t", executionId: FAILED }));
  assert.equal(long.field, "baseUrl");
  assert.match(long.message, /65536/);
  const secret = await rejection(retryExecution({ project: "abc", baseUrl: "http://127.0.0.1:9", token: "t", executionId: FAILED, clientCredentials: { clientId: "c", clientSecret: "s".repeat(70_000) } }));
  assert.equal(secret.field, "clientCredentials");
  assert.match(secret.message, /65536/);
});

test("a Response without an HTTP status (Response.error()) is kind network", async () => {
  const r = await inChild(`
globalThis.fetch = () => Promise.resolve(Response.error());
const e = await mod.retryExecution({ project: "p-1", baseUrl: "http://127.0.0.1:9", token: "test-token-x", executionId: "${FAILED}", nonce: "n-1", maxRetries: 0 }).catch((e) => e);
console.log(JSON.stringify([e.kind, e.status ?? null]));
`);
  assert.deepEqual(finding(r), ["network", null]);
});
