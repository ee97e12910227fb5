/**
 * Mock Cognite Data Fusion (CDF) server for the `cdf-workflow-retry` tests and demo page.
 *
 * Emulates, strictly, the two CDF endpoints the package calls:
 *   POST /api/v1/projects/{project}/sessions
 *   POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry
 * plus a control API under /_mock/ (scripted faults, request log, nonce minting,
 * per-project reset, stats) and an optional static file server.
 *
 * Zero dependencies: only node: built-ins. See README.md beside this file.
 *
 * Library use:   const mock = await startMockServer({ quiet: true }); ... await mock.close();
 * Command line:  node tests/mock/server.mjs [--port N] [--host H] [--static /prefix/=dir]... [--quiet]
 *                prints exactly one line `MOCK_URL=http://HOST:PORT` to stdout.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { createReadStream, realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

// ---------------------------------------------------------------------------
// Constants and seeded data
// ---------------------------------------------------------------------------

/** Request bodies above this size are answered with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** An oversized upload is drained (so the client can read the 413) up to this size, then cut off. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;
const DEFAULT_NONCE_TTL_MS = 60_000;
const MAX_TIMER_MS = 2_147_483_647;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `cdf-workflow-retry:<semver>` (semver 2.0 with optional pre-release and build). */
const SDK_RE =
  /^cdf-workflow-retry:(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const RETRYABLE_STATUSES = new Set(["FAILED", "TIMED_OUT", "TERMINATED"]);

const CORS_EXPOSE_HEADERS = "x-request-id, retry-after, cdf-is-auto-retryable";
const CORS_DEFAULT_ALLOW_HEADERS = "authorization, content-type, accept, x-cdp-sdk, x-cdp-app";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "application/typescript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The executions every project starts with. Times are fixed (2026); ids lower-case.
 * Each project gets its own deep copy, mutated by successful retries.
 */
export const SEED_EXECUTIONS = deepFreeze([
  {
    id: "11111111-1111-4111-8111-111111111111",
    workflowExternalId: "nightly-ingest",
    version: "v3",
    status: "FAILED",
    engineExecutionId: "9b2f4c1e-3a7d-4e8b-9c10-5d6e7f8a9b01",
    createdTime: 1773108000000, // 2026-03-10T02:00:00Z
    startTime: 1773108001000,
    endTime: 1773108877000,
    reasonForIncompletion: "Task load-assets failed",
    metadata: { team: "data", trigger: "schedule" },
  },
  {
    id: "22222222-2222-4222-8222-222222222222",
    workflowExternalId: "hourly-sync",
    version: "1",
    status: "TIMED_OUT",
    engineExecutionId: "c4a8e2d0-6b1f-4f3a-8e5d-2a7b9c0d1e22",
    createdTime: 1773133200000, // 2026-03-10T09:00:00Z
    startTime: 1773133200500,
    endTime: 1773136800500,
    reasonForIncompletion: "Workflow timed out after 3600 s",
    metadata: {},
  },
  {
    id: "33333333-3333-4333-8333-333333333333",
    workflowExternalId: "backfill",
    status: "TERMINATED",
    engineExecutionId: "5e0d7a3b-9f2c-4d61-a8b4-3c6e1f0a2b33",
    createdTime: 1771588800000, // 2026-02-20T12:00:00Z
    startTime: 1771588802000,
    endTime: 1771592400000,
    reasonForIncompletion: "Terminated by user",
    metadata: {},
  },
  {
    id: "44444444-4444-4444-8444-444444444444",
    workflowExternalId: "nightly-ingest",
    version: "v3",
    status: "COMPLETED",
    engineExecutionId: "a1d3f5b7-2c4e-4a68-9b0d-4e6f8a0c2d44",
    createdTime: 1773018000000, // 2026-03-09T01:00:00Z
    startTime: 1773018001000,
    endTime: 1773018960000,
    metadata: { team: "data" },
  },
  {
    id: "55555555-5555-4555-8555-555555555555",
    workflowExternalId: "nightly-ingest",
    version: "v3",
    status: "RUNNING",
    engineExecutionId: "f7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2955",
    createdTime: 1773111600000, // 2026-03-10T03:00:00Z
    startTime: 1773111601000,
    metadata: {},
  },
  {
    id: "66666666-6666-4666-8666-666666666666",
    workflowExternalId: "asset-hierarchy",
    version: "2",
    status: "FAILED",
    engineExecutionId: "0c9b8a7f-6e5d-4c3b-9a29-1807f6e5d466",
    createdTime: 1772951400000, // 2026-03-08T06:30:00Z
    startTime: 1772951400800,
    endTime: 1772952000000,
    reasonForIncompletion: "Task build-hierarchy failed",
    metadata: { owner: "demo" },
  },
  {
    id: "77777777-7777-4777-8777-777777777777",
    workflowExternalId: "timeseries-rollup",
    status: "FAILED",
    engineExecutionId: "3f2e1d0c-9b8a-4765-b432-10fedcba9877",
    createdTime: 1772909100000, // 2026-03-07T18:45:00Z
    startTime: 1772909101000,
    endTime: 1772909400000,
    reasonForIncompletion: "Task rollup-daily failed",
    metadata: {},
  },
]);

/** Field order of an execution in answers (matches the CDF docs). */
const EXECUTION_FIELDS = [
  "id", "workflowExternalId", "version", "status", "engineExecutionId",
  "createdTime", "startTime", "endTime", "reasonForIncompletion", "metadata",
];

/** Fields a script step may have. */
const STEP_KEYS = new Set([
  "on", "status", "headers", "body", "delayMs", "hang", "reset", "headersThenHang", "process", "requestId",
]);

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A short, safe rendering of a user-supplied name for error messages. */
function quote(name) {
  const s = String(name);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/** decodeURIComponent that answers null instead of throwing. */
function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Parse JSON text: `{ ok: true, value }` or `{ ok: false, error }`. */
function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: text.trim() === "" ? "body is empty" : err.message };
  }
}

/** A CDF error body. `extra` may add `missing` / `duplicated`. */
function cdfError(status, message, extra = {}) {
  return { error: { code: status, message, ...extra } };
}

/** An answer: status, headers (null value = remove), body string. */
function jsonAnswer(status, value, headers = {}) {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

function errorAnswer(status, message, extra = {}, headers = {}) {
  return jsonAnswer(status, cdfError(status, message, extra), headers);
}

// ---------------------------------------------------------------------------
// State: per project, created lazily; nonces and stats global
// ---------------------------------------------------------------------------

function createState(options) {
  return {
    options,
    closed: false,
    projects: new Map(), // name -> { executions: Map<id, execution>, queue: step[], log: entry[] }
    nonces: new Map(), // nonce -> { project, expiresAt, bound }
    stats: { noncesIssued: 0, noncesBound: 0, nonceReuseAttempts: 0 },
    waits: new Set(), // pending delays: { timer, resolve }, released on close
    requestCounter: 0,
    sessionCounter: 0,
  };
}

function cloneSeedExecutions() {
  return new Map(SEED_EXECUTIONS.map((e) => [e.id, structuredClone(e)]));
}

/** The state of one project, created on first use. */
function projectState(state, name) {
  let project = state.projects.get(name);
  if (!project) {
    project = { executions: cloneSeedExecutions(), queue: [], log: [] };
    state.projects.set(name, project);
  }
  return project;
}

/** Forget a project: executions, queue, log and the nonces made for it. */
function resetProject(state, name) {
  state.projects.delete(name);
  for (const [nonce, record] of state.nonces) {
    if (record.project === name) state.nonces.delete(nonce);
  }
}

function nextRequestId(state) {
  state.requestCounter += 1;
  return `mock-${state.requestCounter}-${randomBytes(4).toString("hex")}`;
}

/** Make a fresh nonce (24 base64url characters) bound to `project`, valid for `ttlMs`. */
function mintNonce(state, project, ttlMs) {
  const nonce = randomBytes(18).toString("base64url");
  state.nonces.set(nonce, { project, expiresAt: Date.now() + ttlMs, bound: false });
  state.stats.noncesIssued += 1;
  return nonce;
}

/** The nonce's record if it can be bound now for `project`, else null. */
function usableNonce(state, project, nonce) {
  const record = state.nonces.get(nonce);
  if (!record || record.bound || record.project !== project || Date.now() >= record.expiresAt) return null;
  return record;
}

/** Wait `ms`; resolves early (with state.closed set) when the server closes. */
function sleep(state, ms) {
  return new Promise((resolve) => {
    const wait = { resolve, timer: null };
    wait.timer = setTimeout(() => {
      state.waits.delete(wait);
      resolve();
    }, ms);
    state.waits.add(wait);
  });
}

function releaseWaits(state) {
  for (const wait of state.waits) {
    clearTimeout(wait.timer);
    wait.resolve();
  }
  state.waits.clear();
}

// ---------------------------------------------------------------------------
// Sending answers
// ---------------------------------------------------------------------------

/** Headers every answer carries, overridden by the answer's own (null removes). */
function buildHeaders(ctx, own = {}) {
  const merged = {
    "x-request-id": ctx.requestId,
    "access-control-allow-origin": "*",
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
  };
  for (const [name, value] of Object.entries(own)) {
    const key = name.toLowerCase();
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = String(value);
  }
  return merged;
}

function logLine(ctx, status) {
  if (ctx.state.options.quiet) return;
  const { method, url } = ctx.req;
  process.stderr.write(`[mock] ${method} ${url} -> ${status} (${ctx.requestId})\n`);
}

/** Record the status in the request log entry (API requests only). */
function recordStatus(ctx, status) {
  if (ctx.logEntry) ctx.logEntry.status = status;
}

/** Send a complete answer, unless the client is gone or an answer already started. */
function send(ctx, answer, { close = false } = {}) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  const body = answer.body ?? "";
  if (answer.status !== 204 && answer.status !== 304) headers["content-length"] = String(Buffer.byteLength(body));
  if (close) headers.connection = "close";
  recordStatus(ctx, answer.status);
  logLine(ctx, answer.status);
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** Send status and headers, then never the body (scripted `headersThenHang`). */
function sendHeadersOnly(ctx, answer) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  delete headers["content-length"];
  recordStatus(ctx, answer.status);
  logLine(ctx, `${answer.status} (headers only, hanging)`);
  res.writeHead(answer.status, headers);
  res.flushHeaders();
}

/** Drop the connection without an answer (TCP RST where supported). */
function resetSocket(ctx) {
  logLine(ctx, "reset");
  const socket = ctx.req.socket;
  try {
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

// ---------------------------------------------------------------------------
// Reading request bodies
// ---------------------------------------------------------------------------

/**
 * Read the body as UTF-8 text, keeping at most MAX_BODY_BYTES.
 * Resolves `{ text, tooLarge, cutOff }`, or null when the client went away first.
 * An oversized body is drained (so the client can read the 413) up to MAX_DRAIN_BYTES,
 * then the 413 is sent at once (`cutOff`) and the connection closed.
 */
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (value) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    const result = (cutOff) => ({
      text: Buffer.concat(chunks).toString("utf8"),
      tooLarge: size > MAX_BODY_BYTES,
      cutOff,
    });
    req.on("data", (chunk) => {
      if (settled) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) finish(result(true));
    });
    req.on("end", () => finish(result(false)));
    req.on("error", () => finish(null));
    req.on("close", () => finish(null)); // no-op after "end"
  });
}

/** Send the 413 for an oversized body. */
function sendTooLarge(ctx) {
  send(ctx, errorAnswer(413, `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes`), { close: true });
}

// ---------------------------------------------------------------------------
// Request dispatch
// ---------------------------------------------------------------------------

/** Split a request target into its raw path and query. Null when malformed. */
function parseTarget(raw) {
  if (typeof raw !== "string") return null;
  if (raw.startsWith("/")) {
    const q = raw.search(/[?#]/);
    return q < 0 ? { pathname: raw, search: "" } : { pathname: raw.slice(0, q), search: raw.slice(q).split("#")[0] };
  }
  try {
    const u = new URL(raw); // absolute-form target
    return { pathname: u.pathname, search: u.search };
  } catch {
    return null;
  }
}

async function handleRequest(state, req, res) {
  const ctx = { state, req, res, requestId: nextRequestId(state), gone: false, logEntry: null };
  res.on("close", () => {
    if (!res.writableFinished) ctx.gone = true;
  });
  try {
    await dispatch(ctx);
  } catch (err) {
    internalError(ctx, err);
  }
}

/** Last resort: never let an exception escape a handler. */
function internalError(ctx, err) {
  try {
    if (!ctx.res.headersSent && !ctx.res.destroyed) {
      send(ctx, errorAnswer(500, `Internal mock error: ${err?.message ?? err}`));
    } else {
      ctx.res.destroy();
    }
  } catch {
    /* nothing more we can do */
  }
}

async function dispatch(ctx) {
  const target = parseTarget(ctx.req.url);
  if (!target) return send(ctx, errorAnswer(400, "Malformed request target"));
  if (ctx.req.method === "OPTIONS") return send(ctx, preflightAnswer(ctx.req));

  const segments = target.pathname.split("/").slice(1); // raw, still percent-encoded
  if (segments[0] === "_mock") return handleControl(ctx, segments.slice(1), target.search);

  const isApi = segments[0] === "api" && segments[1] === "v1" && segments[2] === "projects";
  const project = isApi && segments[3] ? safeDecode(segments[3]) : null;
  if (project) return handleApi(ctx, project, segments.slice(4));

  const staticMatch = matchStatic(ctx.state.options.static, target.pathname);
  if (staticMatch) return serveStatic(ctx, staticMatch);

  await drain(ctx.req);
  return send(ctx, errorAnswer(404, "Not found"));
}

/** Consume and discard a request body we do not need. */
async function drain(req) {
  const body = await readBody(req);
  return body !== null;
}

/** Answer to an OPTIONS (CORS preflight) request. */
function preflightAnswer(req) {
  return {
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": req.headers["access-control-request-headers"] || CORS_DEFAULT_ALLOW_HEADERS,
      "access-control-max-age": "600",
      "access-control-allow-private-network": "true",
      vary: "Access-Control-Request-Headers",
    },
    body: "",
  };
}

// ---------------------------------------------------------------------------
// The CDF API
// ---------------------------------------------------------------------------

/** Which operation a path below /api/v1/projects/{project}/ is. */
function matchApiRoute(rest) {
  if (rest.length === 1 && rest[0] === "sessions") return { op: "sessions" };
  if (rest.length === 4 && rest[0] === "workflows" && rest[1] === "executions" && rest[3] === "retry") {
    return { op: "retry", executionId: safeDecode(rest[2]) };
  }
  return { op: "other" };
}

async function handleApi(ctx, projectName, rest) {
  const { state, req } = ctx;
  const body = await readBody(req);
  if (body === null) return; // the client went away mid-request
  const project = projectState(state, projectName);
  const route = matchApiRoute(rest);

  // Log first, then apply a scripted step, if any.
  ctx.logEntry = {
    method: req.method,
    path: req.url,
    headers: { ...req.headers },
    body: body.text,
    op: route.op,
    status: null,
    time: Date.now(),
  };
  project.log.push(ctx.logEntry);
  countNonceReuse(state, route, body.text);

  if (body.tooLarge) return sendTooLarge(ctx);
  const run = () => processApi(ctx, projectName, project, route, body.text);
  const step = takeStep(project, route.op);
  if (!step) return send(ctx, run());
  return applyStep(ctx, step, run);
}

/** Count a /retry request that carries an already bound nonce, whatever happens next. */
function countNonceReuse(state, route, text) {
  if (route.op !== "retry") return;
  const parsed = parseJson(text);
  const nonce = parsed.ok && isPlainObject(parsed.value) ? parsed.value.authentication?.nonce : undefined;
  if (typeof nonce === "string" && state.nonces.get(nonce)?.bound) state.stats.nonceReuseAttempts += 1;
}

/**
 * Handle an API request as CDF would. Returns the answer; side effects (sessions,
 * nonce binding, execution state) happen here. Checks: auth, path, method, headers, body.
 */
function processApi(ctx, projectName, project, route, bodyText) {
  const { req, state } = ctx;
  if (!isAuthorized(req.headers.authorization)) return errorAnswer(401, "Unauthorized");
  if (route.op === "other") return errorAnswer(404, `Unknown API path ${quote(req.url)}`);
  if (req.method !== "POST") {
    return errorAnswer(405, `Method ${req.method} is not allowed here; use POST`, {}, { allow: "POST, OPTIONS" });
  }
  const headerProblem = checkApiHeaders(req.headers);
  if (headerProblem) return errorAnswer(400, headerProblem);
  if (route.op === "retry" && !(route.executionId && UUID_RE.test(route.executionId))) {
    return errorAnswer(400, "Invalid executionId in path: expected a UUID of 36 characters");
  }
  const parsed = parseJson(bodyText);
  if (!parsed.ok) return errorAnswer(400, `Invalid JSON in request body: ${parsed.error}`);
  return route.op === "sessions"
    ? createSession(state, projectName, parsed.value)
    : retryExecution(state, projectName, project, route.executionId, parsed.value);
}

/** `Authorization: Bearer <t>` with t `demo-token` or starting `test-token`. */
function isAuthorized(header) {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? "");
  if (!match) return false;
  const token = match[1];
  if (token.startsWith("expired-")) return false;
  return token === "demo-token" || token.startsWith("test-token");
}

/** The problem with the request headers, or null. */
function checkApiHeaders(headers) {
  const contentType = headers["content-type"];
  if (!contentType) return "Missing Content-Type header: expected application/json";
  if (contentType.split(";")[0].trim().toLowerCase() !== "application/json") {
    return "Unsupported Content-Type: expected application/json";
  }
  const accept = headers.accept;
  if (!accept) return "Missing Accept header: it must include application/json";
  const ranges = accept.split(",").map((r) => r.split(";")[0].trim().toLowerCase());
  if (!ranges.includes("application/json")) return "Accept header must include application/json";
  const sdk = headers["x-cdp-sdk"];
  if (!sdk) return "Missing x-cdp-sdk header: expected cdf-workflow-retry:<semver>";
  if (!SDK_RE.test(sdk)) return "Invalid x-cdp-sdk header: expected cdf-workflow-retry:<semver>";
  return null;
}

/** The first key of `obj` not in `allowed`, or undefined. */
function unexpectedKey(obj, allowed) {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

// --- sessions --------------------------------------------------------------

/** The problem with a create-sessions body, or null. Never echoes values. */
function sessionBodyProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object";
  const extra = unexpectedKey(body, ["items"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in request body`;
  if (!Array.isArray(body.items) || body.items.length !== 1) return "items must be an array of exactly one item";
  const item = body.items[0];
  if (!isPlainObject(item)) return "items[0] must be an object";
  if ("tokenExchange" in item) {
    const other = unexpectedKey(item, ["tokenExchange"]);
    if (other !== undefined) return `Unexpected field ${quote(other)} in items[0]`;
    return item.tokenExchange === true ? null : "items[0].tokenExchange must be true";
  }
  if ("clientId" in item || "clientSecret" in item) {
    const other = unexpectedKey(item, ["clientId", "clientSecret"]);
    if (other !== undefined) return `Unexpected field ${quote(other)} in items[0]`;
    for (const field of ["clientId", "clientSecret"]) {
      if (typeof item[field] !== "string" || item[field] === "") return `items[0].${field} must be a non-empty string`;
    }
    return null;
  }
  return "items[0] must have tokenExchange, or clientId and clientSecret";
}

function validClientCredentials({ clientId, clientSecret }) {
  if (clientId === "demo-client") return clientSecret === "demo-secret";
  return clientId.startsWith("test-client") && clientSecret.startsWith("test-secret");
}

function createSession(state, projectName, body) {
  const problem = sessionBodyProblem(body);
  if (problem) return errorAnswer(400, problem);
  const item = body.items[0];
  const byClient = "clientId" in item;
  if (byClient && !validClientCredentials(item)) return errorAnswer(401, "Could not authenticate client credentials");
  state.sessionCounter += 1;
  const session = {
    id: 5_000_000_000 + state.sessionCounter,
    type: byClient ? "CLIENT_CREDENTIALS" : "TOKEN_EXCHANGE",
    status: "READY",
    nonce: mintNonce(state, projectName, state.options.nonceTtlMs),
  };
  if (byClient) session.clientId = item.clientId;
  return jsonAnswer(200, { items: [session] });
}

// --- retry -----------------------------------------------------------------

function retryBodyProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object";
  const extra = unexpectedKey(body, ["authentication"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in request body`;
  if (!isPlainObject(body.authentication)) return "authentication must be an object";
  const other = unexpectedKey(body.authentication, ["nonce"]);
  if (other !== undefined) return `Unexpected field ${quote(other)} in authentication`;
  const { nonce } = body.authentication;
  if (typeof nonce !== "string" || nonce === "") return "authentication.nonce must be a non-empty string";
  return null;
}

/** An execution as the API shows it: known fields in doc order, absent ones omitted. */
function executionView(execution) {
  const view = {};
  for (const field of EXECUTION_FIELDS) {
    if (execution[field] !== undefined) view[field] = structuredClone(execution[field]);
  }
  return view;
}

/**
 * Order: body shape, execution exists (404), retryable (400), nonce (400).
 * The nonce is bound only when the retry succeeds.
 */
function retryExecution(state, projectName, project, executionId, body) {
  const problem = retryBodyProblem(body);
  if (problem) return errorAnswer(400, problem);
  const id = executionId.toLowerCase();
  const execution = project.executions.get(id);
  if (!execution) return errorAnswer(404, "Workflow execution not found", { missing: [{ id }] });
  if (!RETRYABLE_STATUSES.has(execution.status)) {
    return errorAnswer(400, `Execution ${id} is ${execution.status} and cannot be retried`);
  }
  const record = usableNonce(state, projectName, body.authentication.nonce);
  if (!record) return errorAnswer(400, "Failed to bind nonce with session");

  record.bound = true;
  state.stats.noncesBound += 1;
  execution.status = "RUNNING";
  execution.startTime = Date.now();
  delete execution.endTime;
  delete execution.reasonForIncompletion;
  return jsonAnswer(200, executionView(execution));
}

// ---------------------------------------------------------------------------
// Scripted steps
// ---------------------------------------------------------------------------

/** Remove and return the first queued step matching `op`, or null. */
function takeStep(project, op) {
  const index = project.queue.findIndex((s) => s.on === "any" || s.on === op);
  return index < 0 ? null : project.queue.splice(index, 1)[0];
}

/** A step only delays and/or adds headers to the normal answer. */
function isPassThrough(step) {
  return step.status === undefined && step.body === undefined && !step.headersThenHang;
}

/**
 * Apply a scripted step. `run` handles the request normally (with side effects) and
 * returns the normal answer. With `process`, run first, then delay; otherwise delay,
 * then run only if the normal answer is needed and the client is still there.
 */
async function applyStep(ctx, step, run) {
  const normal = step.process ? run() : null;
  if (step.delayMs) await sleep(ctx.state, step.delayMs);
  if (ctx.state.closed || ctx.gone) return;
  if (step.reset) return resetSocket(ctx);
  if (step.hang) return logLine(ctx, "hang"); // keep the socket, never answer

  const answer = isPassThrough(step) ? (normal ?? run()) : scriptedAnswer(step, normal);
  const headers = { ...answer.headers, ...(step.headers ?? {}) };
  if (step.requestId !== undefined) headers["x-request-id"] = step.requestId;
  const final = { ...answer, headers };
  return step.headersThenHang ? sendHeadersOnly(ctx, final) : send(ctx, final);
}

/** The answer a step describes (status/body), falling back to the normal answer's parts. */
function scriptedAnswer(step, normal) {
  const status = step.status ?? normal?.status ?? 200;
  let body;
  if (typeof step.body === "string") body = step.body;
  else if (step.body !== undefined) body = JSON.stringify(step.body);
  else if (step.status !== undefined && step.status >= 400) body = JSON.stringify(cdfError(status, `Scripted ${status}`));
  else body = normal?.body ?? "";
  const headers = { "content-type": "application/json" };
  if (normal?.headers && step.body === undefined && !(step.status >= 400)) Object.assign(headers, normal.headers);
  return { status, headers, body };
}

/** The problem with one script step, or null. */
function stepProblem(step, index) {
  const where = `step ${index}`;
  if (!isPlainObject(step)) return `${where} must be an object`;
  const extra = unexpectedKey(step, [...STEP_KEYS]);
  if (extra !== undefined) return `${where}: unknown field ${quote(extra)}`;
  if (step.on !== undefined && !["sessions", "retry", "any"].includes(step.on)) {
    return `${where}: on must be "sessions", "retry" or "any"`;
  }
  if (step.status !== undefined && !(Number.isInteger(step.status) && step.status >= 200 && step.status <= 599)) {
    return `${where}: status must be an integer from 200 to 599`;
  }
  if (step.delayMs !== undefined && !(Number.isFinite(step.delayMs) && step.delayMs >= 0 && step.delayMs <= MAX_TIMER_MS)) {
    return `${where}: delayMs must be a number from 0 to ${MAX_TIMER_MS}`;
  }
  for (const flag of ["hang", "reset", "headersThenHang", "process"]) {
    if (step[flag] !== undefined && typeof step[flag] !== "boolean") return `${where}: ${flag} must be a boolean`;
  }
  if ([step.hang, step.reset, step.headersThenHang].filter(Boolean).length > 1) {
    return `${where}: hang, reset and headersThenHang exclude each other`;
  }
  if (step.requestId !== undefined && step.requestId !== null
    && !(typeof step.requestId === "string" && validHeaderValue(step.requestId))) {
    return `${where}: requestId must be a header-safe string or null`;
  }
  return headersProblem(step.headers, where);
}

function validHeaderValue(value) {
  try {
    http.validateHeaderValue("x", String(value));
    return typeof value === "string" || typeof value === "number";
  } catch {
    return false;
  }
}

function headersProblem(headers, where) {
  if (headers === undefined) return null;
  if (!isPlainObject(headers)) return `${where}: headers must be an object`;
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
    } catch {
      return `${where}: invalid header name ${quote(name)}`;
    }
    if (value !== null && !validHeaderValue(value)) return `${where}: invalid value for header ${quote(name)}`;
  }
  return null;
}

// ---------------------------------------------------------------------------
// The control API (/_mock/...)
// ---------------------------------------------------------------------------

const CONTROL_ROUTES = [
  { path: ["executions"], GET: listExecutions },
  { path: ["stats"], GET: getStats },
  { path: ["projects", ":project"], DELETE: deleteProject },
  { path: ["projects", ":project", "script"], POST: appendScript, GET: viewScript },
  { path: ["projects", ":project", "log"], GET: getLog },
  { path: ["projects", ":project", "nonce"], POST: mintNonceControl },
];

/** Match raw segments against a route pattern; returns decoded params or null. */
function matchPattern(pattern, segments) {
  if (pattern.length !== segments.length) return null;
  const params = {};
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i].startsWith(":")) {
      const value = safeDecode(segments[i]);
      if (!value) return null;
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== segments[i]) {
      return null;
    }
  }
  return params;
}

async function handleControl(ctx, segments, search) {
  const body = await readBody(ctx.req);
  if (body === null) return;
  if (body.tooLarge) return sendTooLarge(ctx);
  for (const route of CONTROL_ROUTES) {
    const params = matchPattern(route.path, segments);
    if (!params) continue;
    const handler = route[ctx.req.method];
    if (!handler) {
      const allow = ["GET", "POST", "DELETE"].filter((m) => route[m]).concat("OPTIONS").join(", ");
      return send(ctx, errorAnswer(405, `Method ${ctx.req.method} is not allowed here`, {}, { allow }));
    }
    return send(ctx, handler(ctx.state, { params, text: body.text, query: new URLSearchParams(search) }));
  }
  return send(ctx, errorAnswer(404, "Unknown control path"));
}

/** GET /_mock/executions[?project=p]: the seeded list, or a project's current statuses. */
function listExecutions(state, { query }) {
  const project = query.get("project");
  const source = project && state.projects.has(project)
    ? [...state.projects.get(project).executions.values()]
    : SEED_EXECUTIONS;
  const items = source.map(({ id, workflowExternalId, status }) => ({ id, workflowExternalId, status }));
  return jsonAnswer(200, { items });
}

function getStats(state) {
  return jsonAnswer(200, { ...state.stats });
}

function deleteProject(state, { params }) {
  resetProject(state, params.project);
  return { status: 204, headers: {}, body: "" };
}

/** POST /_mock/projects/{p}/script: append one step or an array of steps. */
function appendScript(state, { params, text }) {
  const parsed = parseJson(text);
  if (!parsed.ok) return errorAnswer(400, `Invalid JSON in script: ${parsed.error}`);
  const steps = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  for (const [index, step] of steps.entries()) {
    const problem = stepProblem(step, index);
    if (problem) return errorAnswer(400, problem);
  }
  const queue = projectState(state, params.project).queue;
  for (const step of steps) queue.push({ ...step, on: step.on ?? "any" });
  return jsonAnswer(200, { queued: queue.length, added: steps.length });
}

/** GET /_mock/projects/{p}/script: the steps still queued. */
function viewScript(state, { params }) {
  return jsonAnswer(200, { steps: projectState(state, params.project).queue });
}

function getLog(state, { params }) {
  return jsonAnswer(200, { requests: projectState(state, params.project).log });
}

/** POST /_mock/projects/{p}/nonce, body optional {"ttlMs": n}. */
function mintNonceControl(state, { params, text }) {
  let ttlMs = state.options.nonceTtlMs;
  if (text.trim() !== "") {
    const parsed = parseJson(text);
    if (!parsed.ok) return errorAnswer(400, `Invalid JSON: ${parsed.error}`);
    if (!isPlainObject(parsed.value)) return errorAnswer(400, "Body must be a JSON object");
    const extra = unexpectedKey(parsed.value, ["ttlMs"]);
    if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
    if (parsed.value.ttlMs !== undefined) {
      if (!Number.isFinite(parsed.value.ttlMs) || parsed.value.ttlMs < 0) {
        return errorAnswer(400, "ttlMs must be a non-negative number");
      }
      ttlMs = parsed.value.ttlMs;
    }
  }
  projectState(state, params.project);
  return jsonAnswer(200, { nonce: mintNonce(state, params.project, ttlMs) });
}

// ---------------------------------------------------------------------------
// Static files
// ---------------------------------------------------------------------------

/** Normalise opts.static into [{ prefix, dir }], longest prefix first. */
function normalizeStatic(map) {
  if (map === undefined || map === null) return [];
  if (!isPlainObject(map)) throw new TypeError("opts.static must be an object mapping URL prefixes to directories");
  return Object.entries(map)
    .map(([prefix, dir]) => {
      if (!prefix.startsWith("/")) throw new TypeError(`static prefix ${quote(prefix)} must start with "/"`);
      if (typeof dir !== "string" || dir === "") throw new TypeError(`static directory for ${quote(prefix)} must be a path`);
      return { prefix: prefix.replace(/\/+$/, ""), dir: path.resolve(dir) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/** The static mount serving `pathname`, with the rest of the path, or null. */
function matchStatic(mounts, pathname) {
  for (const { prefix, dir } of mounts) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
      return { dir, rest: pathname.slice(prefix.length) };
    }
  }
  return null;
}

/** Resolve a URL path inside `dir`; null if it is malformed or escapes `dir`. */
function resolveInside(dir, rest) {
  const segments = rest.split("/").filter((s) => s !== "");
  const decoded = [];
  for (const raw of segments) {
    const segment = safeDecode(raw);
    if (segment === null || segment === "." || segment === ".." || /[\\/\0]/.test(segment)) return null;
    decoded.push(segment);
  }
  const full = path.resolve(dir, ...decoded);
  return full === dir || full.startsWith(dir + path.sep) ? full : null;
}

/** Find the file to serve (a directory means its index.html). */
async function findFile(full) {
  try {
    let info = await stat(full);
    if (info.isDirectory()) {
      full = path.join(full, "index.html");
      info = await stat(full);
    }
    return info.isFile() ? { full, size: info.size } : null;
  } catch {
    return null;
  }
}

async function serveStatic(ctx, { dir, rest }) {
  const { req, res } = ctx;
  if (!(await drain(req))) return;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(ctx, errorAnswer(405, `Method ${req.method} is not allowed here`, {}, { allow: "GET, HEAD, OPTIONS" }));
  }
  const full = resolveInside(dir, rest);
  const file = full && (await findFile(full));
  if (!file) return send(ctx, errorAnswer(404, "File not found"));
  if (ctx.gone || res.destroyed) return;

  const type = CONTENT_TYPES[path.extname(file.full).toLowerCase()] ?? "application/octet-stream";
  const headers = buildHeaders(ctx, {
    "content-type": type,
    "content-length": String(file.size),
    "cache-control": "no-store",
  });
  logLine(ctx, 200);
  res.writeHead(200, headers);
  if (req.method === "HEAD") return res.end();
  const stream = createReadStream(file.full);
  stream.on("error", () => res.destroy());
  res.on("close", () => stream.destroy());
  stream.pipe(res);
}

// ---------------------------------------------------------------------------
// Server lifecycle
// ---------------------------------------------------------------------------

function normalizeOptions(opts) {
  if (!isPlainObject(opts)) throw new TypeError("startMockServer(opts): opts must be an object");
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError("opts.port must be an integer 0..65535");
  const host = opts.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new TypeError("opts.host must be a non-empty string");
  const nonceTtlMs = opts.nonceTtlMs ?? DEFAULT_NONCE_TTL_MS;
  if (!Number.isFinite(nonceTtlMs) || nonceTtlMs < 0) throw new TypeError("opts.nonceTtlMs must be a non-negative number");
  return {
    port,
    host,
    nonceTtlMs,
    quiet: Boolean(opts.quiet),
    keepAlive: opts.keepAlive ?? true,
    static: normalizeStatic(opts.static),
  };
}

/** The URL clients should use for a listening address. */
function urlFor(host, port) {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

/** Answer a request Node could not parse (still with request id and CORS). */
function onClientError(state, err, socket) {
  if (err.code === "ECONNRESET" || !socket.writable || socket.destroyed) return socket.destroy();
  const id = nextRequestId(state);
  const body = JSON.stringify(cdfError(400, "Malformed HTTP request"));
  socket.end(
    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\n` +
      `Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: ${CORS_EXPOSE_HEADERS}\r\n\r\n${body}`,
  );
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * Start the mock server.
 * @param {{port?: number, host?: string, static?: Record<string,string>, quiet?: boolean, nonceTtlMs?: number, keepAlive?: boolean}} opts
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
export async function startMockServer(opts = {}) {
  const options = normalizeOptions(opts);
  const state = createState(options);
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    req.on("error", () => {});
    res.on("error", () => {});
    // keepAlive: false answers every request with `Connection: close`. Browsers transparently
    // resend a request whose reused keep-alive connection was reset before any answer byte;
    // fault tests that reset sockets use it so that what the module sends is what arrives.
    if (!options.keepAlive) res.shouldKeepAlive = false;
    void handleRequest(state, req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (err, socket) => onClientError(state, err, socket));
  server.on("error", () => {}); // after listening, nothing to report to

  await listen(server, options.port, options.host);
  const { port } = server.address();

  let closing = null;
  const close = () => {
    closing ??= new Promise((resolve) => {
      state.closed = true;
      releaseWaits(state);
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  return { url: urlFor(options.host, port), port, close };
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/** Parse `--port N --host H --static PREFIX=DIR --quiet --nonce-ttl-ms N`. */
function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      static: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      "nonce-ttl-ms": { type: "string" },
    },
    strict: true,
  });
  const opts = { host: values.host, quiet: values.quiet };
  if (values.port !== undefined) opts.port = Number(values.port);
  if (values["nonce-ttl-ms"] !== undefined) opts.nonceTtlMs = Number(values["nonce-ttl-ms"]);
  if (values.static) {
    opts.static = {};
    for (const spec of values.static) {
      const eq = spec.indexOf("=");
      if (eq < 1) throw new TypeError(`--static expects PREFIX=DIR, got ${quote(spec)}`);
      opts.static[spec.slice(0, eq)] = spec.slice(eq + 1);
    }
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mock server: ${err.message}\n` +
      "usage: node tests/mock/server.mjs [--port N] [--host H] [--static PREFIX=DIR]... [--quiet] [--nonce-ttl-ms N]\n");
    process.exit(2);
  }
  const mock = await startMockServer(opts);
  process.stdout.write(`MOCK_URL=${mock.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    mock.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** True when this file is the script node was asked to run. */
function isRunDirectly() {
  const script = process.argv[1];
  if (!script) return false;
  try {
    if (import.meta.url === pathToFileURL(script).href) return true;
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isRunDirectly()) {
  main().catch((err) => {
    process.stderr.write(`mock server failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
