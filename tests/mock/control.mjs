// The control API under /_mock/ (no auth, JSON), also callable in process (controlInProcess).

import {
  MAX_TIMER_MS, isPlainObject, quote, safeDecode, parseJson, jsonAnswer, errorAnswer, unexpectedKey, has,
} from "./util.mjs";
import { SEED_EXECUTIONS } from "./seed.mjs";
import { OPS, projectState, resetProject, settleDue, takeOutcome, mintNonce } from "./state.mjs";
import { send, readBody, sendTooLarge, parseTarget } from "./io.mjs";
import { stepProblem } from "./faults.mjs";
import { CANCEL_WHEN_ENDED, newestFirst } from "./executions.mjs";
import { tokenExpiry } from "./oauth.mjs";
import { addTriggerRuns, allRuns, pagingAnswer, setTriggerPaging, triggerSummaries } from "./triggers.mjs";

/** What a retry can end as (`RUNNING`: it never ends by itself). */
const OUTCOME_STATUSES = ["COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "RUNNING"];

const CONTROL_ROUTES = [
  { path: ["executions"], GET: listSeedExecutions },
  { path: ["stats"], GET: getStats },
  { path: ["projects", ":project"], DELETE: deleteProject },
  { path: ["projects", ":project", "script"], POST: appendScript, GET: viewScript },
  { path: ["projects", ":project", "log"], GET: getLog },
  { path: ["projects", ":project", "nonce"], POST: mintNonceControl },
  { path: ["projects", ":project", "executions"], GET: listProjectExecutions },
  { path: ["projects", ":project", "outcomes"], POST: setOutcomes, GET: viewOutcomes },
  { path: ["projects", ":project", "stats"], GET: getProjectStats },
  { path: ["projects", ":project", "oauth"], POST: setOauth, GET: viewOauth },
  { path: ["projects", ":project", "oauth", "revoke"], POST: revokeTokens },
  { path: ["projects", ":project", "cancel"], POST: setCancel, GET: viewCancel },
  { path: ["projects", ":project", "triggers"], GET: listTriggers },
  { path: ["projects", ":project", "triggers", ":trigger"], DELETE: deleteTrigger },
  { path: ["projects", ":project", "triggers", ":trigger", "runs"], POST: postTriggerRuns, GET: viewTriggerRuns },
  { path: ["projects", ":project", "triggers", ":trigger", "paging"], POST: postTriggerPaging, GET: viewTriggerPaging },
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

/** Run a control call: the answer for `method` on the raw path segments below /_mock/. */
function runControl(state, method, segments, search, text) {
  for (const route of CONTROL_ROUTES) {
    const params = matchPattern(route.path, segments);
    if (!params) continue;
    const handler = route[method];
    if (!handler) {
      const allow = ["GET", "POST", "DELETE"].filter((m) => route[m]).concat("OPTIONS").join(", ");
      return errorAnswer(405, `Method ${method} is not allowed here`, {}, { allow });
    }
    return handler(state, { params, text, query: new URLSearchParams(search) });
  }
  return errorAnswer(404, "Unknown control path");
}

export async function handleControl(ctx, segments, search) {
  const body = await readBody(ctx.req);
  if (body === null) return;
  if (body.tooLarge) return sendTooLarge(ctx);
  return send(ctx, runControl(ctx.state, ctx.req.method, segments, search, body.text));
}

/** Parse a control body that must be a JSON object: `{ value }` or `{ answer }` (a 400). */
function controlObject(text) {
  const parsed = parseJson(text);
  if (!parsed.ok) return { answer: errorAnswer(400, `Invalid JSON: ${parsed.error}`) };
  if (!isPlainObject(parsed.value)) return { answer: errorAnswer(400, "Body must be a JSON object") };
  return { value: parsed.value };
}

/**
 * GET /_mock/executions[?project=p]: the hand-written seed (SEED_EXECUTIONS), or the current
 * statuses of those executions in p. The generated executions are listed by
 * GET /_mock/projects/{p}/executions.
 */
function listSeedExecutions(state, { query }) {
  const project = query.get("project");
  const source = project && state.projects.has(project)
    ? [...projectState(state, project).executions.values()].filter((e) => !e.mock.generated)
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

/** GET /_mock/projects/{p}/log[?op=retry]: the API requests, optionally of one op only. */
function getLog(state, { params, query }) {
  const op = query.get("op");
  if (op !== null && !OPS.includes(op)) return errorAnswer(400, `op must be one of ${OPS.join(", ")}`);
  const log = projectState(state, params.project).log;
  return jsonAnswer(200, { requests: op === null ? log : log.filter((entry) => entry.op === op) });
}

/** POST /_mock/projects/{p}/nonce, body optional {"ttlMs": n}. */
function mintNonceControl(state, { params, text }) {
  let ttlMs = state.options.nonceTtlMs;
  if (text.trim() !== "") {
    const { value, answer } = controlObject(text);
    if (answer) return answer;
    const extra = unexpectedKey(value, ["ttlMs"]);
    if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
    if (value.ttlMs !== undefined) {
      if (!Number.isFinite(value.ttlMs) || value.ttlMs < 0) {
        return errorAnswer(400, "ttlMs must be a non-negative number");
      }
      ttlMs = value.ttlMs;
    }
  }
  projectState(state, params.project);
  return jsonAnswer(200, { nonce: mintNonce(state, params.project, ttlMs) });
}

/**
 * GET /_mock/projects/{p}/executions: every execution of p, newest first, as
 * { id, workflowExternalId, version?, status, createdTime, generated, failsAgain, retries,
 *   endsAt, endsAs } (endsAt/endsAs: when and how the current run ends, or null).
 */
function listProjectExecutions(state, { params }) {
  const project = projectState(state, params.project);
  const items = [...project.executions.values()].sort(newestFirst).map((e) => {
    const item = { id: e.id, workflowExternalId: e.workflowExternalId };
    if (e.version !== undefined) item.version = e.version;
    Object.assign(item, {
      status: e.status,
      createdTime: e.createdTime,
      generated: e.mock.generated,
      failsAgain: e.mock.failsAgain,
      retries: e.mock.attempt,
      endsAt: e.mock.pending?.at ?? null,
      endsAs: e.mock.pending?.status ?? null,
    });
    return item;
  });
  return jsonAnswer(200, { items });
}

/** The outcome value of a control body, normalised, or `{ problem }`. */
function parseOutcome(value, where) {
  const spec = typeof value === "string" || Array.isArray(value) ? { status: value } : value;
  if (!isPlainObject(spec)) return { problem: `${where} must be a status, a list of statuses, an object or null` };
  const extra = unexpectedKey(spec, ["status", "delayMs", "reasonForIncompletion"]);
  if (extra !== undefined) return { problem: `${where}: unknown field ${quote(extra)}` };
  const statuses = Array.isArray(spec.status) ? spec.status : [spec.status];
  if (statuses.length < 1 || statuses.length > 100 || !statuses.every((s) => OUTCOME_STATUSES.includes(s))) {
    return { problem: `${where}.status must be one of ${OUTCOME_STATUSES.join(", ")}, or a list of 1 to 100 of them` };
  }
  const outcome = { statuses: [...statuses] };
  if (spec.delayMs !== undefined) {
    if (!(Number.isFinite(spec.delayMs) && spec.delayMs >= 0 && spec.delayMs <= MAX_TIMER_MS)) {
      return { problem: `${where}.delayMs must be a number from 0 to ${MAX_TIMER_MS}` };
    }
    outcome.delayMs = spec.delayMs;
  }
  if (spec.reasonForIncompletion !== undefined) {
    const r = spec.reasonForIncompletion;
    if (typeof r !== "string" || r === "" || r.length > 1000) {
      return { problem: `${where}.reasonForIncompletion must be a string of 1 to 1000 characters` };
    }
    outcome.reasonForIncompletion = r;
  }
  return { outcome };
}

function outcomesAnswer(project) {
  return jsonAnswer(200, { outcomes: Object.fromEntries(project.outcomes) });
}

/**
 * POST /_mock/projects/{p}/outcomes, body { "<executionId>" | "*": outcome | null, … }:
 * how later retries end. An outcome given for an execution that is RUNNING also ends its
 * current run, `delayMs` after this call. All or nothing: a bad entry changes nothing.
 */
function setOutcomes(state, { params, text }) {
  const { value, answer } = controlObject(text);
  if (answer) return answer;
  const project = projectState(state, params.project);
  const changes = [];
  for (const [key, spec] of Object.entries(value)) {
    const id = key === "*" ? key : key.toLowerCase();
    if (id !== "*" && !project.executions.has(id)) {
      return errorAnswer(400, `Unknown execution ${quote(key)} (a key is an execution id of the project or "*")`);
    }
    if (spec === null) {
      changes.push([id, null]);
      continue;
    }
    const { outcome, problem } = parseOutcome(spec, quote(key));
    if (problem) return errorAnswer(400, problem);
    changes.push([id, outcome]);
  }
  const now = Date.now();
  for (const [id, outcome] of changes) {
    if (outcome === null) {
      project.outcomes.delete(id);
      continue;
    }
    project.outcomes.set(id, outcome);
    const execution = project.executions.get(id);
    if (execution?.status === "RUNNING") execution.mock.pending = takeOutcome(state, project, execution, now);
  }
  settleDue(project);
  return outcomesAnswer(project);
}

function viewOutcomes(state, { params }) {
  return outcomesAnswer(projectState(state, params.project));
}

/**
 * GET /_mock/projects/{p}/stats: requests per op (token requests included), tokens issued,
 * requests in flight now and the most at once, per op and in all ("all").
 */
function getProjectStats(state, { params }) {
  const project = projectState(state, params.project);
  return jsonAnswer(200, {
    requests: { ...project.counts.requests },
    tokensIssued: project.counts.tokensIssued,
    inFlight: { ...project.inFlight.now },
    maxInFlight: { ...project.inFlight.max },
  });
}

function oauthAnswer(project) {
  return jsonAnswer(200, { expiresIn: project.oauth.expiresIn, lifetimeSeconds: tokenExpiry(project.oauth).lifetime });
}

/**
 * POST /_mock/projects/{p}/oauth, body { expiresIn?: number | string | null, lifetimeSeconds?: number | null }:
 * how p's token endpoint answers `expires_in` (a number, that exact string, or omitted for null)
 * and how long its tokens really live (default: the numeric value of expiresIn, else 3600).
 */
function setOauth(state, { params, text }) {
  const { value, answer } = controlObject(text);
  if (answer) return answer;
  const extra = unexpectedKey(value, ["expiresIn", "lifetimeSeconds"]);
  if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
  const project = projectState(state, params.project);
  if (has(value, "expiresIn")) {
    const v = value.expiresIn;
    const ok = v === null || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && v.length <= 100);
    if (!ok) return errorAnswer(400, "expiresIn must be a non-negative integer, a string or null");
  }
  if (has(value, "lifetimeSeconds")) {
    const v = value.lifetimeSeconds;
    if (!(v === null || (Number.isFinite(v) && v >= 0))) return errorAnswer(400, "lifetimeSeconds must be a non-negative number or null");
  }
  if (has(value, "expiresIn")) project.oauth.expiresIn = value.expiresIn;
  if (has(value, "lifetimeSeconds")) project.oauth.lifetimeSeconds = value.lifetimeSeconds;
  return oauthAnswer(project);
}

function viewOauth(state, { params }) {
  return oauthAnswer(projectState(state, params.project));
}

/**
 * POST /_mock/projects/{p}/cancel, body {"whenEnded": "error" | "unchanged"}: how a cancel of an
 * execution that already ended is answered: 400 (the default), or 200 with the execution as it is.
 */
function setCancel(state, { params, text }) {
  const { value, answer } = controlObject(text);
  if (answer) return answer;
  const extra = unexpectedKey(value, ["whenEnded"]);
  if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
  if (has(value, "whenEnded") && !CANCEL_WHEN_ENDED.includes(value.whenEnded)) {
    return errorAnswer(400, `whenEnded must be one of ${CANCEL_WHEN_ENDED.map((w) => `"${w}"`).join(", ")}`);
  }
  const project = projectState(state, params.project);
  if (has(value, "whenEnded")) project.cancel.whenEnded = value.whenEnded;
  return jsonAnswer(200, { ...project.cancel });
}

function viewCancel(state, { params }) {
  return jsonAnswer(200, { ...projectState(state, params.project).cancel });
}

/**
 * GET /_mock/projects/{p}/triggers: the project's triggers (seeded and added), by external id:
 * { items: [{ externalId, workflowExternalId, workflowVersion, runs, failed, scriptedCursors }] }.
 */
function listTriggers(state, { params }) {
  return jsonAnswer(200, { items: triggerSummaries(projectState(state, params.project)) });
}

/** DELETE /_mock/projects/{p}/triggers/{t}: forget the trigger (its history answers 404). */
function deleteTrigger(state, { params }) {
  projectState(state, params.project).triggers.delete(params.trigger);
  return { status: 204, headers: {}, body: "" };
}

/** The trigger `params.trigger` of the project, or `{ answer }` (a 404). */
function knownTrigger(state, params) {
  const trigger = projectState(state, params.project).triggers.get(params.trigger);
  return trigger ? { trigger } : { answer: errorAnswer(404, `Unknown trigger ${quote(params.trigger)}`) };
}

/** POST /_mock/projects/{p}/triggers/{t}/runs: see addTriggerRuns in triggers.mjs. */
function postTriggerRuns(state, { params, text }) {
  const { value, answer } = controlObject(text);
  if (answer) return answer;
  return addTriggerRuns(projectState(state, params.project), params.trigger, value);
}

/** GET /_mock/projects/{p}/triggers/{t}/runs: { items: every run, newest first, as the API shows them }. */
function viewTriggerRuns(state, { params }) {
  const { trigger, answer } = knownTrigger(state, params);
  return answer ?? jsonAnswer(200, { items: allRuns(trigger) });
}

/** POST /_mock/projects/{p}/triggers/{t}/paging, body { cursors: [...] | null }: see setTriggerPaging. */
function postTriggerPaging(state, { params, text }) {
  const { value, answer } = controlObject(text);
  if (answer) return answer;
  const known = knownTrigger(state, params);
  return known.answer ?? setTriggerPaging(known.trigger, value);
}

function viewTriggerPaging(state, { params }) {
  const { trigger, answer } = knownTrigger(state, params);
  return answer ?? pagingAnswer(trigger);
}

/** POST /_mock/projects/{p}/oauth/revoke: every token p's endpoint issued stops working (401). */
function revokeTokens(state, { params }) {
  let revoked = 0;
  for (const token of state.tokens.values()) {
    if (token.tenant === params.project && !token.revoked) {
      token.revoked = true;
      revoked += 1;
    }
  }
  return jsonAnswer(200, { revoked });
}

/**
 * Run a control call in process (no HTTP, no fetch): the same answers as `/_mock/…`.
 * `path` is below /_mock (with or without that prefix, query allowed); `body` is a JSON
 * value (a string is sent as is). Returns `{ status, body }`, body parsed (null when empty).
 */
export function controlInProcess(state, method, path, body) {
  if (typeof method !== "string" || typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError("control(method, path, body?): method and a path starting with / are required");
  }
  const target = parseTarget(path.startsWith("/_mock/") ? path : `/_mock${path}`);
  if (!target) throw new TypeError(`control: malformed path ${quote(path)}`);
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const answer = runControl(state, method.toUpperCase(), target.pathname.split("/").slice(2), target.search, text);
  return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : null };
}
