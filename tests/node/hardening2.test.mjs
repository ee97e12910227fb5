// Hardening II (the rules sharpened in version 0.3, every function): options read at the
// call, answers that cost linear time, cursors that cycle, token providers that share one
// request, 2xx OAuth errors, token URLs with a query, statuses past 599, and exact
// `attempts` in a batch stopped by an abort. Each test failed on 0.2.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startMockServer } from "../mock/server.mjs";
import { pkgEntry, isCdfError, project, rejection, errorTexts, FAILED, TIMED_OUT, TERMINATED, COMPLETED, mockContext } from "./helpers.mjs";

const lib = await import(pkgEntry);
const TOKEN = "test-token-hardening2";

let server;
before(async () => {
  server = await startMockServer({ quiet: true });
});
after(() => server?.close());

const ctx = (tag) => mockContext(server, tag, TOKEN);

/** A raw HTTP server; `handler(req, res, body, n)`; resolves to { url, requests, close }. */
async function rawServer(handler) {
  const requests = [];
  const sockets = new Set();
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body, requests.length);
    });
  });
  srv.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(r));
    },
  };
}

const execution = (id, extra = {}) => ({
  id, workflowExternalId: "wf", status: "FAILED", engineExecutionId: TIMED_OUT, createdTime: 1, metadata: {}, ...extra,
});

// ───────────────────────────────────────────── options are read during the call

describe("options are read and copied at the call", () => {
  test("retryExecution: one options object reused with a new nonce each time sends each call's own nonce", async () => {
    const c = ctx("reuse-retry");
    const nonces = [c.mintNonce(), c.mintNonce(), c.mintNonce()];
    const ids = [FAILED, TIMED_OUT, TERMINATED];
    const opts = c.conn();
    const calls = [];
    for (const [i, nonce] of nonces.entries()) {
      opts.nonce = nonce;
      opts.executionId = ids[i];
      calls.push(lib.retryExecution(opts));
    }
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((r) => r.id), ids);
    const sent = c.log("retry").map((r) => [r.path.split("/").at(-2), JSON.parse(r.body).authentication.nonce]);
    assert.deepEqual(sent.sort(), ids.map((id, i) => [id, nonces[i]]).sort(), "each nonce sent once, with its own execution");
  });

  test("getExecution and waitForExecution: a reused object asks for each call's own id", async () => {
    const c = ctx("reuse-get");
    const ids = [FAILED, TIMED_OUT, TERMINATED, COMPLETED];
    const opts = c.conn();
    const gets = [];
    for (const id of ids) {
      opts.executionId = id;
      gets.push(lib.getExecution(opts));
    }
    assert.deepEqual((await Promise.all(gets)).map((d) => d.id), ids);
    const waits = [];
    for (const id of ids) {
      opts.executionId = id;
      waits.push(lib.waitForExecution(opts));
    }
    assert.deepEqual((await Promise.all(waits)).map((d) => d.id), ids);
    const asked = c.log("get").map((r) => r.path.split("/").at(-1));
    assert.deepEqual(asked, [...ids, ...ids]);
  });

  test("listExecutions: arrays and values changed after the call change nothing", async () => {
    const c = ctx("reuse-list");
    const status = ["FAILED"];
    const workflows = [{ externalId: "wf-a" }];
    const opts = c.conn({ status, workflows, limit: 5 });
    const p = lib.listExecutions(opts);
    status.push("COMPLETED");
    workflows[0].externalId = "changed";
    workflows.push("other");
    opts.limit = 1;
    opts.baseUrl = "http://127.0.0.1:9";
    await p;
    const [req] = c.log("list");
    assert.deepEqual(JSON.parse(req.body), { filter: { workflowFilters: [{ externalId: "wf-a" }], status: ["FAILED"] }, limit: 5 });
  });

  test("retryExecutions: ids pushed after the call are not retried", async () => {
    const c = ctx("reuse-batch");
    const executionIds = [FAILED];
    const opts = c.conn({ executionIds });
    const p = lib.retryExecutions(opts);
    executionIds.push(TIMED_OUT, TERMINATED);
    executionIds[0] = TERMINATED;
    const result = await p;
    assert.deepEqual(result.retried.map((e) => e.id), [FAILED]);
    assert.deepEqual(c.log("retry").map((r) => r.path.split("/").at(-2)), [FAILED]);
  });

  test("each getter runs once, before the function returns, for all seven functions", async () => {
    const c = ctx("getters");
    const counted = (base) => {
      const reads = {};
      const o = {};
      for (const [k, v] of Object.entries(base)) {
        Object.defineProperty(o, k, {
          enumerable: true,
          get() {
            reads[k] = (reads[k] ?? 0) + 1;
            return v;
          },
        });
      }
      return { o, reads };
    };
    const cases = [
      ["retryExecution", c.conn({ executionId: FAILED, nonce: c.mintNonce() })],
      ["getExecution", c.conn({ executionId: COMPLETED })],
      ["waitForExecution", c.conn({ executionId: COMPLETED })],
      ["listExecutions", c.conn({ limit: 2 })],
      ["retryExecutions", c.conn({ executionIds: [TIMED_OUT] })],
    ];
    for (const [name, base] of cases) {
      const { o, reads } = counted(base);
      const p = lib[name](o);
      assert.deepEqual(
        Object.values(reads),
        Object.keys(base).map(() => 1),
        `${name}: every option read exactly once before it returned`,
      );
      await p;
      assert.ok(Object.values(reads).every((n) => n === 1), `${name}: no option read again later`);
    }
    const { o, reads } = counted({ tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: "test-secret-hardening2" });
    const provider = lib.clientCredentialsToken(o);
    assert.deepEqual(Object.values(reads), [1, 1, 1], "clientCredentialsToken copies its options when it returns");
    assert.equal(typeof (await provider()), "string");
    assert.deepEqual(Object.values(reads), [1, 1, 1]);
  });

  test("a getter that throws still names its option, with the thrown value as cause", async () => {
    const boom = new Error("getter says no");
    const o = { project: "abc", baseUrl: "http://127.0.0.1:9", token: "t", get executionId() { throw boom; } };
    const e = await rejection(lib.retryExecution(o));
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.field, "executionId");
    assert.equal(e.cause, boom);
  });

  test("clientCredentialsToken: options and the provider's context are read at the call", async () => {
    const c = ctx("reuse-token");
    const opts = { tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: "test-secret-hardening2" };
    const provider = lib.clientCredentialsToken(opts);
    opts.clientSecret = "wrong";
    opts.tokenUrl = "http://127.0.0.1:9/token";
    const first = await provider();
    assert.equal(typeof first, "string");
    const context = { forceRefresh: true };
    const second = provider(context);
    context.forceRefresh = false; // too late: the call already read it
    assert.notEqual(await second, first, "a forced refresh fetched a new token");
    assert.equal(c.log("token").length, 2);
  });
});

// ───────────────────────────────────────────── answers cost linear time

describe("answers cost time linear in their size", () => {
  test("a 2xx retry answer of 1 MiB with 80 000 metadata keys resolves within a few seconds", async () => {
    const c = ctx("keys");
    const metadata = {};
    for (let i = 0; i < 80_000; i++) metadata[`k${i.toString(36)}`] = "v";
    const body = JSON.stringify(execution(FAILED, { metadata }));
    assert.ok(body.length > 900_000 && body.length < 1 << 20, `${body.length} bytes`);
    c.script({ on: "retry", status: 200, body });
    const t = performance.now();
    const r = await lib.retryExecution(c.conn({ executionId: FAILED, nonce: c.mintNonce(), timeoutMs: 20_000 }));
    const ms = performance.now() - t;
    assert.equal(Object.keys(r.metadata).length, 80_000);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms (0.2: 77 s)`);
  });

  test("an error body of 1 MiB with 80 000 keys is read in linear time too", async () => {
    const c = ctx("error-keys");
    const error = { code: 400, message: "bad" };
    for (let i = 0; i < 80_000; i++) error[`x${i.toString(36)}`] = 1;
    c.script({ on: "retry", status: 400, body: JSON.stringify({ error }) });
    const t = performance.now();
    const e = await rejection(lib.retryExecution(c.conn({ executionId: FAILED, nonce: c.mintNonce() })));
    const ms = performance.now() - t;
    assert.equal(e.kind, "api");
    assert.equal(e.status, 400);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });

  test("user JSON of any depth JSON.parse accepts is kept as CDF sent it", async () => {
    const c = ctx("depth");
    let nested = { leaf: ["x", 1, null, JSON.parse('{"__proto__":{"polluted":true}}')] };
    for (let i = 0; i < 1000; i++) nested = { [`l${i}`]: i % 2 ? [nested] : nested };
    const details = {
      ...execution(FAILED),
      executedTasks: [{ id: "t1", externalId: "task", status: "FAILED", taskType: "function", input: nested, output: { deep: nested } }],
      workflowDefinition: { hash: "h", tasks: [{ externalId: "task", parameters: nested }] },
      input: nested,
    };
    c.script({ on: "get", status: 200, body: JSON.stringify(details) });
    const d = await lib.getExecution(c.conn({ executionId: FAILED }));
    // (assert.deepEqual recurses too deep for this: compare the JSON texts)
    const same = (a, b) => assert.equal(JSON.stringify(a), JSON.stringify(b));
    same(d.executedTasks[0].input, nested);
    same(d.executedTasks[0].output, { deep: nested });
    same(d.workflowDefinition.tasks[0].parameters, nested);
    same(d.input, nested);
    let leaf = d.input;
    for (let i = 999; i >= 0; i--) leaf = i % 2 ? leaf[`l${i}`][0] : leaf[`l${i}`];
    assert.ok(Object.hasOwn(leaf.leaf[3], "__proto__"), "a __proto__ key stays plain data");
    assert.equal({}.polluted, undefined, "no prototype changed");
  });

  test("a body that trickles in is still ended by the deadline and by the signal", async () => {
    const raw = await rawServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":"');
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    });
    try {
      const base = { project: "trickle", baseUrl: raw.url, token: TOKEN, executionId: FAILED };
      let t = performance.now();
      const e = await rejection(lib.getExecution({ ...base, timeoutMs: 400, maxRetries: 0 }));
      assert.equal(e.kind, "timeout");
      assert.ok(performance.now() - t < 3000);
      const controller = new AbortController();
      setTimeout(() => controller.abort("stop"), 300);
      t = performance.now();
      const a = await rejection(lib.getExecution({ ...base, signal: controller.signal }));
      assert.equal(a.kind, "aborted");
      assert.ok(performance.now() - t < 3000);
    } finally {
      await raw.close();
    }
  });
});

// ───────────────────────────────────────────── cursors that cycle

describe("pagination never loops", () => {
  test("a → b → a ends the listing with invalid_response on nextCursor, no further page", async () => {
    const cursors = ["a", "b", "a", "b", "a"];
    const raw = await rawServer((req, res, body, n) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: [execution(FAILED, { createdTime: n })], nextCursor: cursors[n - 1] }));
    });
    try {
      const e = await rejection(lib.listExecutions({ project: "cycle", baseUrl: raw.url, token: TOKEN, limit: 100 }));
      assert.equal(e.kind, "invalid_response");
      assert.equal(e.field, "nextCursor");
      assert.equal(e.operation, "listExecutions");
      assert.equal(raw.requests.length, 3, "pages for no cursor, a, b; then a again is refused");
      assert.deepEqual(raw.requests.map((r) => JSON.parse(r.body).cursor), [undefined, "a", "b"]);
    } finally {
      await raw.close();
    }
  });

  test("a repeated cursor is not judged when the limit is reached", async () => {
    const raw = await rawServer((req, res, body, n) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: [execution(FAILED, { createdTime: n })], nextCursor: "same" }));
    });
    try {
      const items = await lib.listExecutions({ project: "cycle", baseUrl: raw.url, token: TOKEN, limit: 2 });
      assert.equal(items.length, 2);
      assert.equal(raw.requests.length, 2);
    } finally {
      await raw.close();
    }
  });

  test("retryExecutions with a filter: a cycling listing rejects before any retry", async () => {
    const raw = await rawServer((req, res, body, n) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: [], nextCursor: n % 2 ? "x" : "y" }));
    });
    try {
      const e = await rejection(lib.retryExecutions({ project: "cycle", baseUrl: raw.url, token: TOKEN, filter: {} }));
      assert.equal(e.kind, "invalid_response");
      assert.equal(e.field, "nextCursor");
      assert.equal(raw.requests.length, 3);
      assert.ok(raw.requests.every((r) => r.url.endsWith("/executions/list")));
    } finally {
      await raw.close();
    }
  });
});

// ───────────────────────────────────────────── token providers

describe("token providers", () => {
  test("callers share the request in flight whatever their forceRefresh, and no one gets a refused token after", async () => {
    const c = ctx("share");
    const provider = lib.clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: "test-secret-hardening2" });
    const first = await provider();
    c.script({ on: "token", delayMs: 200 });
    const forced = provider({ forceRefresh: true });
    const plain = provider();
    const forcedAgain = provider({ forceRefresh: true });
    const tokens = await Promise.all([forced, plain, forcedAgain]);
    assert.equal(c.log("token").length, 2, "one request for the three callers");
    assert.ok(tokens.every((t) => t === tokens[0] && t !== first), "each got the new token, none the refused one");
  });

  test("a 2xx answer carrying an OAuth error is kind api with its code, even beside an access_token", async () => {
    const c = ctx("oauth-2xx");
    const secret = "test-secret-hardening2";
    c.script({
      on: "token",
      status: 200,
      body: { error: "invalid_scope", error_description: `scope refused for ${secret}`, access_token: "tok-should-not-be-used" },
    });
    const provider = lib.clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: secret });
    const e = await rejection(provider());
    assert.equal(e.kind, "api");
    assert.equal(e.status, 200);
    assert.equal(e.code, "invalid_scope");
    assert.equal(e.retryable, false);
    assert.equal(e.operation, "getToken");
    assert.match(e.message, /scope refused/);
    for (const text of errorTexts(e)) assert.ok(!text.includes(secret), text);
  });

  test("a tokenUrl with a query (Azure AD B2C ?p=policy) is accepted and sent as given; user info and fragments are not", async () => {
    const c = ctx("b2c");
    const provider = lib.clientCredentialsToken({ tokenUrl: `${c.tokenUrl}?p=B2C_1_policy`, clientId: "test-client-cc", clientSecret: "test-secret-hardening2" });
    assert.equal(typeof (await provider()), "string");
    const [req] = c.log("token");
    assert.ok(req, "the token request reached the mock");
    for (const bad of [`${server.url.replace("//", "//user:pw@")}/oauth2/x/token`, `${c.tokenUrl}#frag`]) {
      const e = await rejection(lib.clientCredentialsToken({ tokenUrl: bad, clientId: "a", clientSecret: "b" })());
      assert.equal(e.kind, "invalid_input");
      assert.equal(e.field, "tokenUrl");
    }
  });
});

// ───────────────────────────────────────────── statuses past 599; exact attempts

describe("answers and counts", () => {
  test("a status the runtime delivers outside 2xx (600 to 999) is kind api with that status", async () => {
    for (const status of [600, 799, 999]) {
      const raw = await rawServer((req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: status, message: "odd" } }));
      });
      try {
        const e = await rejection(lib.getExecution({ project: "odd", baseUrl: raw.url, token: TOKEN, executionId: FAILED }));
        assert.equal(e.kind, "api", `${status}: ${e.message}`);
        assert.equal(e.status, status);
      } finally {
        await raw.close();
      }
    }
  });

  test("retryExecutions stopped by an abort: each execution's attempts counts the requests it sent", async () => {
    const c = ctx("abort-attempts");
    // Sessions answer at once; each retry hangs, so the abort finds every execution in flight
    // after exactly two requests (session + retry).
    c.script({ on: "retry", hang: true, times: 10 });
    const controller = new AbortController();
    const p = lib.retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], signal: controller.signal, concurrency: 2 }));
    for (let i = 0; i < 100 && c.log("retry").length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.log("retry").length, 2);
    controller.abort();
    const result = await p;
    assert.equal(result.failed.length, 2);
    for (const { error } of result.failed) {
      assert.equal(error.kind, "aborted");
      assert.equal(error.attempts, 2, "a session request and a retry request");
    }
  });

  test("an execution aborted before it started has attempts 0", async () => {
    const c = ctx("abort-queued");
    c.script({ on: "retry", hang: true, times: 10 });
    const controller = new AbortController();
    const p = lib.retryExecutions(c.conn({ executionIds: [FAILED, TIMED_OUT], signal: controller.signal, concurrency: 1 }));
    for (let i = 0; i < 100 && c.log("retry").length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const result = await p;
    const byId = Object.fromEntries(result.failed.map((f) => [f.executionId, f.error]));
    assert.equal(byId[FAILED].attempts, 2);
    assert.equal(byId[TIMED_OUT].attempts, 0);
    assert.ok(isCdfError(byId[TIMED_OUT]));
  });
});

// ───────────────────────────────────────────── found by the 0.3 review

describe("found by review (0.3)", () => {
  const TOKEN_LIKE = "eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA.c2lnbmF0dXJl";

  test("2xx token and session answers that are refused never quote the credentials they hold", async () => {
    for (const [body, headers] of [
      [`access_token=${TOKEN_LIKE}&expires_in=3600`, { "content-type": "application/x-www-form-urlencoded" }],
      [JSON.stringify({ error: 5, access_token: TOKEN_LIKE }), {}],
      [JSON.stringify({ error: { nested: true }, access_token: TOKEN_LIKE }), {}],
      [JSON.stringify({ access_token: `${TOKEN_LIKE} with spaces` }), {}],
    ]) {
      const c = ctx("cred-token");
      c.script({ on: "token", status: 200, body, headers });
      const provider = lib.clientCredentialsToken({ tokenUrl: c.tokenUrl, clientId: "test-client-cc", clientSecret: "test-secret-hardening2" });
      const e = await rejection(provider());
      for (const text of errorTexts(e)) assert.ok(!text.includes(TOKEN_LIKE), `${body}: ${text}`);
    }
    const c = ctx("cred-session");
    const nonce = "nonce-that-must-stay-secret-12345";
    c.script({ on: "sessions", status: 200, body: `{"items":[{"nonce":"${nonce}"`, headers: { "content-type": "text/plain" } });
    const e = await rejection(lib.retryExecution(c.conn({ executionId: FAILED })));
    assert.equal(e.kind, "invalid_response");
    for (const text of errorTexts(e)) assert.ok(!text.includes(nonce), text);
  });

  test("U+F0000 in an option is sent as it is; a lone surrogate is refused before any request", async () => {
    const c = ctx("pua");
    const RUNNING = "55555555-5555-4555-8555-555555555555";
    const reason = "stuck \u{F0000}abc \u{F0000}\u{F0001}";
    await lib.cancelExecution(c.conn({ executionId: RUNNING, reason }));
    assert.equal(JSON.parse(c.log("cancel")[0].body).reason, reason);
    const d = ctx("lone");
    for (const [extra, field, fn] of [
      [{ triggerExternalId: "pump-\ud800" }, "triggerExternalId", lib.listTriggerRuns],
      [{ executionId: RUNNING, reason: "by \udc00 ops" }, "reason", lib.cancelExecution],
      [{ workflows: ["wf-\ud800"] }, "workflows[0]", lib.listExecutions],
    ]) {
      const e = await rejection(fn(d.conn(extra)));
      assert.equal(e.kind, "invalid_input", e.message);
      assert.equal(e.field, field, e.message);
    }
    assert.deepEqual(d.log(), []);
  });

  test("an error object with 70 000 keys is read in linear time, with bounded details", async () => {
    const c = ctx("extra-keys");
    const error = { code: 400, message: "bad", missing: Array.from({ length: 5000 }, (_, i) => ({ id: i })) };
    for (let i = 0; i < 70_000; i++) error[`x${i.toString(36)}`] = "v";
    c.script({ on: "get", status: 400, body: JSON.stringify({ error }) });
    const t = performance.now();
    const e = await rejection(lib.getExecution(c.conn({ executionId: FAILED })));
    assert.ok(performance.now() - t < 3000);
    assert.equal(e.status, 400);
    assert.equal(Object.keys(e.extra).length, 100, "the first 100 other keys");
    assert.equal(e.missing.length, 1000, "the first 1000 entries");
  });

  test("terminal escape sequences in outside text are removed whole from messages", async () => {
    const c = ctx("escapes");
    c.script({ on: "get", status: 400, body: JSON.stringify({ error: { code: 400, message: "Trigger paused \u001b]0;pwned\u0007 \u001b[2J\u001b[31mred\u001b[0m \u009b31m \u001bPdcs\u001b\\ \u202Eevil" } }) });
    const e = await rejection(lib.getExecution(c.conn({ executionId: FAILED })));
    for (const residue of ["pwned", "[2J", "31m", "dcs", "\u202E", "\u001b", "\u009b"]) assert.ok(!e.message.includes(residue), `${residue}: ${e.message}`);
    assert.match(e.message, /Trigger paused red evil/);
  });
});
