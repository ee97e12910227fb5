// The workflow executions endpoints: list (filters, opaque cursors), get (details), retry
// (nonce binding; how the run ends is in state.mjs) and cancel.

import { randomBytes } from "node:crypto";
import {
  MAX_CURSORS, isPlainObject, quote, jsonAnswer, errorAnswer, unexpectedKey, has, identifierProblem,
} from "./util.mjs";
import { RETRYABLE_STATUSES, WORKFLOW_STATUSES } from "./seed.mjs";
import { executionView, detailedView } from "./views.mjs";
import { settle, takeOutcome, usableNonce } from "./state.mjs";

/** The problem with a list-executions filter, or null. */
function listFilterProblem(filter) {
  if (!isPlainObject(filter)) return "filter must be an object";
  const extra = unexpectedKey(filter, ["workflowFilters", "status", "createdTimeStart", "createdTimeEnd"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in filter`;
  if (has(filter, "workflowFilters")) {
    const list = filter.workflowFilters;
    if (!Array.isArray(list) || list.length < 1 || list.length > 100) {
      return "filter.workflowFilters must be an array of 1 to 100 items";
    }
    for (const [i, item] of list.entries()) {
      const where = `filter.workflowFilters[${i}]`;
      if (!isPlainObject(item)) return `${where} must be an object`;
      const other = unexpectedKey(item, ["externalId", "version"]);
      if (other !== undefined) return `Unexpected field ${quote(other)} in ${where}`;
      if (!has(item, "externalId")) return `${where}.externalId is required`;
      const problem = identifierProblem(item.externalId, `${where}.externalId`)
        ?? (has(item, "version") ? identifierProblem(item.version, `${where}.version`) : null);
      if (problem) return problem;
    }
  }
  if (has(filter, "status")) {
    const list = filter.status;
    // Stricter than the schema (which allows []): the package never sends an empty list.
    if (!Array.isArray(list) || list.length < 1) return "filter.status must be a non-empty array";
    for (const [i, status] of list.entries()) {
      if (!WORKFLOW_STATUSES.includes(status)) {
        return `filter.status[${i}] must be one of ${WORKFLOW_STATUSES.join(", ")}`;
      }
    }
    if (new Set(list).size !== list.length) return "filter.status must not repeat a status";
  }
  for (const field of ["createdTimeStart", "createdTimeEnd"]) {
    if (has(filter, field) && !(Number.isSafeInteger(filter[field]) && filter[field] >= 0)) {
      return `filter.${field} must be an integer of milliseconds, at least 0`;
    }
  }
  if (has(filter, "createdTimeStart") && has(filter, "createdTimeEnd") && filter.createdTimeStart > filter.createdTimeEnd) {
    return "filter.createdTimeStart must not be after filter.createdTimeEnd";
  }
  return null;
}

/** The problem with a list-executions body, or null. */
function listBodyProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object";
  const extra = unexpectedKey(body, ["filter", "limit", "cursor"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in request body`;
  if (has(body, "filter")) {
    const problem = listFilterProblem(body.filter);
    if (problem) return problem;
  }
  if (has(body, "limit") && !(Number.isInteger(body.limit) && body.limit >= 1 && body.limit <= 1000)) {
    return "limit must be an integer from 1 to 1000";
  }
  if (has(body, "cursor") && !(typeof body.cursor === "string" && body.cursor !== "")) {
    return "cursor must be a non-empty string";
  }
  return null;
}

/** JSON with object keys sorted, so equal filters give equal keys. */
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function matchesFilter(execution, filter) {
  if (filter.workflowFilters && !filter.workflowFilters.some((w) =>
    w.externalId === execution.workflowExternalId && (w.version === undefined || w.version === execution.version))) {
    return false;
  }
  if (filter.status && !filter.status.includes(execution.status)) return false;
  if (filter.createdTimeStart !== undefined && execution.createdTime < filter.createdTimeStart) return false;
  if (filter.createdTimeEnd !== undefined && execution.createdTime > filter.createdTimeEnd) return false;
  return true;
}

/** Newest first; equal times by id, descending. */
export function newestFirst(a, b) {
  return b.createdTime - a.createdTime || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** A new opaque cursor (random, not an offset) that resumes after `after`. */
function newCursor(project, filterKey, after) {
  const cursor = randomBytes(24).toString("base64url");
  project.cursors.set(cursor, { filterKey, after });
  if (project.cursors.size > MAX_CURSORS) project.cursors.delete(project.cursors.keys().next().value);
  return cursor;
}

/** POST /workflows/executions/list: filtered, newest first, `limit` per page, opaque cursors. */
export function listExecutionsApi(project, body) {
  const problem = listBodyProblem(body);
  if (problem) return errorAnswer(400, problem);
  const filter = body.filter ?? {};
  const filterKey = canonicalJson(filter);
  let after = null;
  if (has(body, "cursor")) {
    const saved = project.cursors.get(body.cursor);
    if (!saved) return errorAnswer(400, "Invalid cursor");
    if (saved.filterKey !== filterKey) return errorAnswer(400, "The cursor was made for another filter");
    after = saved.after;
  }
  const limit = body.limit ?? 100;
  const matching = [...project.executions.values()]
    .filter((e) => matchesFilter(e, filter))
    .sort(newestFirst)
    .filter((e) => !after || newestFirst(e, after) > 0);
  const page = matching.slice(0, limit);
  const answer = { items: page.map(executionView) };
  if (matching.length > limit) {
    const last = page[page.length - 1];
    answer.nextCursor = newCursor(project, filterKey, { createdTime: last.createdTime, id: last.id });
  }
  return jsonAnswer(200, answer);
}

export function getExecution(project, executionId) {
  const id = executionId.toLowerCase();
  const execution = project.executions.get(id);
  if (!execution) return errorAnswer(404, "Workflow execution not found", { missing: [{ id }] });
  return jsonAnswer(200, detailedView(execution));
}

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

/**
 * Order: body shape, execution exists (404), retryable (400), nonce (400).
 * The nonce is bound only when the retry succeeds. The execution then runs again, and
 * ends as its outcome says, `delayMs` later.
 */
export function retryExecution(state, projectName, project, executionId, body) {
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
  const now = Date.now();
  const m = execution.mock;
  m.attempt += 1;
  m.run = { attempt: m.attempt, taskStart: now, status: "RUNNING" };
  m.pending = takeOutcome(state, project, execution, now);
  execution.status = "RUNNING";
  execution.startTime = now;
  delete execution.endTime;
  delete execution.reasonForIncompletion;
  return jsonAnswer(200, executionView(execution));
}

/** What a cancel without a reason leaves as `reasonForIncompletion` (the API's default). */
export const DEFAULT_CANCEL_REASON = "cancelled";
/** How a cancel of an execution that already ended is answered (`whenEnded` of the control). */
export const CANCEL_WHEN_ENDED = ["error", "unchanged"];

/**
 * The problem with a cancel body, or null. `{}` or `{"reason": "…"}`; the reason is 1 to 500
 * characters (code points) without NUL: the schema allows "" but the package never sends it.
 */
function cancelBodyProblem(body) {
  if (!isPlainObject(body)) return "Request body must be a JSON object";
  const extra = unexpectedKey(body, ["reason"]);
  if (extra !== undefined) return `Unexpected field ${quote(extra)} in request body`;
  if (has(body, "reason")) {
    const { reason } = body;
    if (typeof reason !== "string") return "reason must be a string";
    const length = [...reason].length;
    if (length < 1 || length > 500) return "reason must be 1 to 500 characters";
    if (reason.includes("\0")) return "reason must not contain NUL characters";
  }
  return null;
}

/**
 * POST /workflows/executions/{id}/cancel. Order: body shape (400), execution exists (404),
 * still RUNNING. A RUNNING execution ends now: TERMINATED, `endTime` now, the reason (default
 * "cancelled") as `reasonForIncompletion`, its running task CANCELED, and a pending end of a
 * retry dropped. One that already ended is refused with a 400 (`whenEnded: "error"`, the
 * default) or answered as it is (`"unchanged"`), as the project's cancel settings say.
 */
export function cancelExecution(project, executionId, body) {
  const problem = cancelBodyProblem(body);
  if (problem) return errorAnswer(400, problem);
  const id = executionId.toLowerCase();
  const execution = project.executions.get(id);
  if (!execution) return errorAnswer(404, "Workflow execution not found", { missing: [{ id }] });
  if (execution.status !== "RUNNING") {
    if (project.cancel.whenEnded === "unchanged") return jsonAnswer(200, executionView(execution));
    return errorAnswer(400, `Execution ${id} is ${execution.status} and cannot be cancelled: it has already ended`);
  }
  settle(execution, { at: Date.now(), status: "TERMINATED", reason: body.reason ?? DEFAULT_CANCEL_REASON });
  return jsonAnswer(200, executionView(execution));
}
