// Fault injection: the scripted steps queued with POST /_mock/projects/{p}/script, how a
// request picks one, and how a step changes (or replaces) the answer.

import http from "node:http";
import { MAX_TIMER_MS, isPlainObject, quote, safeDecode, cdfError, unexpectedKey } from "./util.mjs";
import { sleep } from "./state.mjs";
import { logLine, send, sendHeadersOnly, sendTruncated, resetSocket } from "./io.mjs";

/** Fields a script step may have. */
const STEP_KEYS = new Set([
  "on", "path", "times", "status", "headers", "body", "delayMs", "hang", "reset", "headersThenHang",
  "truncateAfter", "process", "requestId",
]);
/** Values of a step's `on`. */
const STEP_ONS = ["sessions", "retry", "list", "get", "cancel", "triggerRuns", "token", "any"];

/** Whether a step's `path` names the request: its full path or the part after the project. */
function pathMatches(stepPath, route) {
  const want = (safeDecode(stepPath) ?? stepPath).toLowerCase();
  return want === route.fullPath.toLowerCase() || (route.relPath !== "" && want === route.relPath.toLowerCase());
}

/**
 * Take the first queued step matching the request (its `on` and `path`): a step with
 * `times` above 1 stays queued with one use less; otherwise it is removed. Null if none.
 */
export function takeStep(project, route) {
  const index = project.queue.findIndex((s) =>
    (s.on === "any" || s.on === route.op) && (s.path === undefined || pathMatches(s.path, route)));
  if (index < 0) return null;
  const step = project.queue[index];
  if (step.times > 1) {
    step.times -= 1;
    return { ...step, times: 1 };
  }
  return project.queue.splice(index, 1)[0];
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
export async function applyStep(ctx, step, run, op) {
  const normal = step.process ? run() : null;
  if (step.delayMs) await sleep(ctx.state, step.delayMs);
  if (ctx.state.closed || ctx.gone) return;
  if (step.reset) return resetSocket(ctx);
  if (step.hang) return logLine(ctx, "hang"); // keep the socket, never answer

  const answer = isPassThrough(step) ? (normal ?? run()) : scriptedAnswer(step, normal, op);
  const headers = { ...answer.headers, ...(step.headers ?? {}) };
  if (step.requestId !== undefined) headers["x-request-id"] = step.requestId;
  const final = { ...answer, headers };
  if (step.headersThenHang) return sendHeadersOnly(ctx, final);
  if (step.truncateAfter !== undefined) return sendTruncated(ctx, final, step.truncateAfter);
  return send(ctx, final);
}

/** The default body of a scripted error status: a CDF error, or an OAuth one for the token endpoint. */
function scriptedErrorBody(status, op) {
  if (op !== "token") return cdfError(status, `Scripted ${status}`);
  const error = status === 401 ? "invalid_client" : status === 503 ? "temporarily_unavailable"
    : status >= 500 ? "server_error" : "invalid_request";
  return { error, error_description: `Scripted ${status}` };
}

/** The answer a step describes (status/body), falling back to the normal answer's parts. */
function scriptedAnswer(step, normal, op) {
  const status = step.status ?? normal?.status ?? 200;
  let body;
  if (typeof step.body === "string") body = step.body;
  else if (step.body !== undefined) body = JSON.stringify(step.body);
  else if (step.status !== undefined && step.status >= 400) body = JSON.stringify(scriptedErrorBody(status, op));
  else body = normal?.body ?? "";
  const headers = { "content-type": "application/json" };
  if (op === "token") headers["cache-control"] = "no-store"; // as every answer of an OAuth token endpoint
  if (normal?.headers && step.body === undefined && !(step.status >= 400)) Object.assign(headers, normal.headers);
  return { status, headers, body };
}

/** The problem with one script step, or null. */
export function stepProblem(step, index) {
  const where = `step ${index}`;
  if (!isPlainObject(step)) return `${where} must be an object`;
  const extra = unexpectedKey(step, [...STEP_KEYS]);
  if (extra !== undefined) return `${where}: unknown field ${quote(extra)}`;
  if (step.on !== undefined && !STEP_ONS.includes(step.on)) {
    return `${where}: on must be one of ${STEP_ONS.map((o) => `"${o}"`).join(", ")}`;
  }
  if (step.path !== undefined && !(typeof step.path === "string" && step.path.startsWith("/") && step.path.length <= 2048)) {
    return `${where}: path must be a string starting with "/"`;
  }
  if (step.times !== undefined && !(Number.isInteger(step.times) && step.times >= 1 && step.times <= 1_000_000)) {
    return `${where}: times must be an integer from 1 to 1000000`;
  }
  if (step.truncateAfter !== undefined && !(Number.isInteger(step.truncateAfter) && step.truncateAfter >= 0)) {
    return `${where}: truncateAfter must be a non-negative integer (bytes)`;
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
  if ([step.hang, step.reset, step.headersThenHang, step.truncateAfter !== undefined].filter(Boolean).length > 1) {
    return `${where}: hang, reset, headersThenHang and truncateAfter exclude each other`;
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
