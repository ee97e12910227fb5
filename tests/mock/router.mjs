// The one router of the mock: every request goes through handleRequest. It answers CORS
// preflights, sends /_mock/ to the control API, and gives every API and token request the same
// treatment: in-flight count, request log, scripted faults, then auth, path, method, headers and
// the endpoint's own handler.

import { UUID_RE, isPlainObject, quote, safeDecode, parseJson, errorAnswer, acceptsJson } from "./util.mjs";
import { projectState, settleDue, nextRequestId } from "./state.mjs";
import { send, readBody, sendTooLarge, parseTarget, drain } from "./io.mjs";
import { takeStep, applyStep } from "./faults.mjs";
import { createSession } from "./sessions.mjs";
import { listExecutionsApi, getExecution, retryExecution, cancelExecution } from "./executions.mjs";
import { processToken } from "./oauth.mjs";
import { listTriggerRunsApi } from "./triggers.mjs";
import { handleControl } from "./control.mjs";
import { matchStatic, serveStatic } from "./static.mjs";

/** `cdf-workflow-retry:<semver>` (semver 2.0 with optional pre-release and build). */
const SDK_RE =
  /^cdf-workflow-retry:(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

const CORS_DEFAULT_ALLOW_HEADERS = "authorization, content-type, accept, x-cdp-sdk, x-cdp-app";

export async function handleRequest(state, req, res) {
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

  const fullPath = safeDecode(target.pathname) ?? target.pathname;
  const isApi = segments[0] === "api" && segments[1] === "v1" && segments[2] === "projects";
  const project = isApi && segments[3] ? safeDecode(segments[3]) : null;
  if (project) return handleApi(ctx, project, { ...matchApiRoute(segments.slice(4)), fullPath, search: target.search });

  const tenant = segments[0] === "oauth2" ? tokenTenant(segments) : null;
  if (tenant) return handleApi(ctx, tenant, { op: "token", method: "POST", fullPath, relPath: "" });

  const staticMatch = matchStatic(ctx.state.options.static, target.pathname);
  if (staticMatch) return serveStatic(ctx, staticMatch);

  await drain(ctx.req);
  return send(ctx, errorAnswer(404, "Not found"));
}

/** `/oauth2/token` → "default"; `/oauth2/{tenant}/token` → tenant; anything else null. */
function tokenTenant(segments) {
  if (segments.length === 2 && segments[1] === "token") return "default";
  if (segments.length === 3 && segments[2] === "token") return safeDecode(segments[1]) || null;
  return null;
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

/**
 * Which operation a path below /api/v1/projects/{project}/ is, and its method:
 * `{ op, method, executionId?, triggerExternalId?, bodyOptional?, relPath }` (ids percent-decoded;
 * null when their encoding is malformed).
 */
function matchApiRoute(rest) {
  const relPath = rest.length ? safeDecode(`/${rest.join("/")}`) ?? `/${rest.join("/")}` : "";
  if (rest.length === 1 && rest[0] === "sessions") return { op: "sessions", method: "POST", relPath };
  if (rest.length >= 3 && rest[0] === "workflows" && rest[1] === "executions") {
    if (rest.length === 3 && rest[2] === "list") return { op: "list", method: "POST", relPath };
    if (rest.length === 3) return { op: "get", method: "GET", executionId: safeDecode(rest[2]), relPath };
    if (rest.length === 4 && rest[3] === "retry") {
      return { op: "retry", method: "POST", executionId: safeDecode(rest[2]), relPath };
    }
    if (rest.length === 4 && rest[3] === "cancel") {
      // The API's request body is optional here (no body: as `{}`).
      return { op: "cancel", method: "POST", executionId: safeDecode(rest[2]), bodyOptional: true, relPath };
    }
  }
  if (rest.length === 4 && rest[0] === "workflows" && rest[1] === "triggers" && rest[3] === "history") {
    return { op: "triggerRuns", method: "GET", triggerExternalId: safeDecode(rest[2]), relPath };
  }
  return { op: "other", method: null, relPath };
}

/** Count a request in flight for the project until its answer ends or the client leaves. */
function trackInFlight(ctx, project, op) {
  const { now, max } = project.inFlight;
  for (const key of [op, "all"]) {
    now[key] += 1;
    max[key] = Math.max(max[key], now[key]);
  }
  let done = false;
  ctx.res.on("close", () => {
    if (done) return;
    done = true;
    for (const key of [op, "all"]) now[key] -= 1;
  });
}

async function handleApi(ctx, projectName, route) {
  const { state, req } = ctx;
  trackInFlight(ctx, projectState(state, projectName), route.op);
  const body = await readBody(req);
  if (body === null) return; // the client went away mid-request
  const project = projectState(state, projectName);

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
  project.counts.requests[route.op] += 1;
  countNonceReuse(state, route, body.text);

  if (body.tooLarge) return sendTooLarge(ctx);
  const run = () => (route.op === "token"
    ? processToken(ctx, projectName, project, body.text)
    : processApi(ctx, projectName, project, route, body.text));
  const step = takeStep(project, route);
  if (!step) return send(ctx, run());
  return applyStep(ctx, step, run, route.op);
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
 * nonce binding, execution state) happen here. Checks: auth, path, method, headers, path id, body.
 */
function processApi(ctx, projectName, project, route, bodyText) {
  const { req, state } = ctx;
  settleDue(project);
  if (!isAuthorized(state, req.headers.authorization)) return errorAnswer(401, "Unauthorized");
  if (route.op === "other") return errorAnswer(404, `Unknown API path ${quote(req.url)}`);
  if (req.method !== route.method) {
    return errorAnswer(405, `Method ${req.method} is not allowed here; use ${route.method}`, {}, {
      allow: `${route.method}, OPTIONS`,
    });
  }
  const noBody = Boolean(route.bodyOptional) && bodyText === "";
  const headerProblem = checkApiHeaders(req.headers, route.method, bodyText, noBody);
  if (headerProblem) return errorAnswer(400, headerProblem);
  if (route.executionId !== undefined && !(route.executionId && UUID_RE.test(route.executionId))) {
    return errorAnswer(400, "Invalid executionId in path: expected a UUID of 36 characters");
  }
  if (route.op === "get") return getExecution(project, route.executionId);
  if (route.op === "triggerRuns") return listTriggerRunsApi(project, route.triggerExternalId, route.search);
  const parsed = noBody ? { ok: true, value: {} } : parseJson(bodyText);
  if (!parsed.ok) return errorAnswer(400, `Invalid JSON in request body: ${parsed.error}`);
  if (route.op === "sessions") return createSession(state, projectName, parsed.value);
  if (route.op === "list") return listExecutionsApi(project, parsed.value);
  if (route.op === "cancel") return cancelExecution(project, route.executionId, parsed.value);
  return retryExecution(state, projectName, project, route.executionId, parsed.value);
}

/** `Authorization: Bearer <t>`: `demo-token`, `test-token…`, or a live token of the token endpoint. */
function isAuthorized(state, header) {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? "");
  if (!match) return false;
  const token = match[1];
  if (token.startsWith("expired-")) return false;
  if (token === "demo-token" || token.startsWith("test-token")) return true;
  const issued = state.tokens.get(token);
  return Boolean(issued && !issued.revoked && Date.now() < issued.expiresAt);
}

/**
 * The problem with the request headers, or null. A POST needs `Content-Type: application/json`
 * (unless it has no body where the body is optional: `noBody`); a GET has no body and no
 * Content-Type. Both need Accept and x-cdp-sdk.
 */
function checkApiHeaders(headers, method, bodyText, noBody = false) {
  const contentType = headers["content-type"];
  if (method === "GET") {
    if (contentType !== undefined) return "Unexpected Content-Type header: a GET request has no body";
    if (bodyText !== "" || headers["transfer-encoding"] !== undefined) return "A GET request must not have a body";
  } else if (noBody && contentType === undefined) {
    // a POST without a body needs no Content-Type
  } else {
    if (!contentType) return "Missing Content-Type header: expected application/json";
    if (contentType.split(";")[0].trim().toLowerCase() !== "application/json") {
      return "Unsupported Content-Type: expected application/json";
    }
  }
  const accept = headers.accept;
  if (!accept) return "Missing Accept header: it must include application/json";
  if (!acceptsJson(accept)) return "Accept header must include application/json";
  const sdk = headers["x-cdp-sdk"];
  if (!sdk) return "Missing x-cdp-sdk header: expected cdf-workflow-retry:<semver>";
  if (!SDK_RE.test(sdk)) return "Invalid x-cdp-sdk header: expected cdf-workflow-retry:<semver>";
  return null;
}
