// The mock's state: per project (created lazily: executions, triggers, script queue, log,
// cursors, outcomes, token and cancel settings, counts), nonces and stats (server-wide), how
// runs end, waits.

import { randomBytes } from "node:crypto";
import { WORKFLOWS, executionReason, buildSeed } from "./seed.mjs";
import { slots } from "./views.mjs";
import { cloneSeedTriggers } from "./triggers.mjs";

/** Operations a request can be (`op` in the log and in script steps). */
export const OPS = ["sessions", "retry", "list", "get", "cancel", "triggerRuns", "token", "other"];

export function createState(options) {
  return {
    options,
    closed: false,
    // the executions every project starts with: [{ record, mock }]
    seed: buildSeed({ seed: options.seed, count: options.generatedExecutions, now: options.seedTime }),
    projects: new Map(), // name -> see projectState
    nonces: new Map(), // nonce -> { project, expiresAt, bound }
    tokens: new Map(), // access token -> { tenant, expiresAt, revoked }
    stats: { noncesIssued: 0, noncesBound: 0, nonceReuseAttempts: 0 },
    waits: new Set(), // pending delays: { timer, resolve }, released on close
    requestCounter: 0,
    sessionCounter: 0,
  };
}

function cloneSeedExecutions(state) {
  return new Map(state.seed.map(({ record, mock }) => [record.id, { ...structuredClone(record), mock: structuredClone(mock) }]));
}

const countersByOp = (extra = []) => Object.fromEntries([...OPS, ...extra].map((op) => [op, 0]));

/**
 * The state of one project, created on first use. Runs whose end is due are ended first,
 * so that every reader (API or control) sees the current statuses.
 */
export function projectState(state, name) {
  let project = state.projects.get(name);
  if (!project) {
    project = {
      executions: cloneSeedExecutions(state), // id -> execution (public fields + hidden `mock`)
      queue: [], // script steps
      log: [], // API requests
      cursors: new Map(), // list cursor -> { filterKey, after: { createdTime, id } }
      triggers: cloneSeedTriggers(), // trigger external id -> { workflowExternalId, workflowVersion, runs, paging }
      triggerCursors: new Map(), // trigger history cursor -> { externalId, after }
      outcomes: new Map(), // execution id or "*" -> { statuses: [...], delayMs?, reasonForIncompletion? }
      oauth: { expiresIn: state.options.tokenExpiresIn, lifetimeSeconds: null }, // token endpoint settings
      cancel: { whenEnded: "error" }, // how a cancel of an execution that already ended is answered
      counts: { requests: countersByOp(), tokensIssued: 0 },
      inFlight: { now: countersByOp(["all"]), max: countersByOp(["all"]) },
    };
    state.projects.set(name, project);
  }
  settleDue(project);
  return project;
}

/** Forget a project: executions, queue, log, cursors, outcomes, counts and the nonces made for it. */
export function resetProject(state, name) {
  state.projects.delete(name);
  for (const [nonce, record] of state.nonces) {
    if (record.project === name) state.nonces.delete(nonce);
  }
}

// --- how retried executions end ------------------------------------------------

/** When the task an execution stopped at started in its first run. */
function firstTaskStart(m) {
  if (m.first.end === undefined) return m.first.start + m.failAt * 60_000;
  return slots(m.first.start, m.first.end, m.failAt + 1)[m.failAt].start;
}

/** End the current run of every execution whose end is due (lazily, on every read). */
export function settleDue(project, now = Date.now()) {
  for (const execution of project.executions.values()) {
    const { pending } = execution.mock;
    if (pending && pending.at <= now) settle(execution, pending);
  }
}

/** End the current run as `pending` says: status, endTime, reason, and the tasks with them. */
export function settle(execution, pending) {
  const m = execution.mock;
  const wf = WORKFLOWS[m.workflow];
  m.run ??= { attempt: 0, taskStart: firstTaskStart(m) };
  const end = Math.max(pending.at, m.run.taskStart);
  Object.assign(m.run, { status: pending.status, end });
  m.pending = null;
  execution.status = pending.status;
  execution.endTime = end;
  const reason = pending.reason ?? executionReason(pending.status, wf.tasks[m.failAt].externalId);
  if (reason !== undefined) execution.reasonForIncompletion = reason;
  else delete execution.reasonForIncompletion;
}

/**
 * How the run starting now ends: the execution's own outcome, else the project's "*",
 * else the built-in rule (a generated execution marked failsAgain fails again, any
 * other completes). A list of statuses is used one per run; its last one sticks.
 * Returns the pending end, or null for RUNNING (the run never ends by itself).
 */
export function takeOutcome(state, project, execution, now) {
  const rule = project.outcomes.get(execution.id) ?? project.outcomes.get("*");
  let status = execution.mock.failsAgain ? "FAILED" : "COMPLETED";
  let delayMs = state.options.retryOutcomeDelayMs;
  let reason;
  if (rule) {
    status = rule.statuses.length > 1 ? rule.statuses.shift() : rule.statuses[0];
    delayMs = rule.delayMs ?? delayMs;
    reason = rule.reasonForIncompletion;
  }
  return status === "RUNNING" ? null : { at: now + delayMs, status, reason };
}

// --- request ids, nonces, waits ----------------------------------------------

export function nextRequestId(state) {
  state.requestCounter += 1;
  return `mock-${state.requestCounter}-${randomBytes(4).toString("hex")}`;
}

/** Make a fresh nonce (24 base64url characters) bound to `project`, valid for `ttlMs`. */
export function mintNonce(state, project, ttlMs) {
  const nonce = randomBytes(18).toString("base64url");
  state.nonces.set(nonce, { project, expiresAt: Date.now() + ttlMs, bound: false });
  state.stats.noncesIssued += 1;
  return nonce;
}

/** The nonce's record if it can be bound now for `project`, else null. */
export function usableNonce(state, project, nonce) {
  const record = state.nonces.get(nonce);
  if (!record || record.bound || record.project !== project || Date.now() >= record.expiresAt) return null;
  return record;
}

/** Wait `ms`; resolves early (with state.closed set) when the server closes. */
export function sleep(state, ms) {
  return new Promise((resolve) => {
    const wait = { resolve, timer: null };
    wait.timer = setTimeout(() => {
      state.waits.delete(wait);
      resolve();
    }, ms);
    state.waits.add(wait);
  });
}

export function releaseWaits(state) {
  for (const wait of state.waits) {
    clearTimeout(wait.timer);
    wait.resolve();
  }
  state.waits.clear();
}
