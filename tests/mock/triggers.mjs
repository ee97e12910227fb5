// GET /api/v1/projects/{project}/workflows/triggers/{triggerExternalId}/history: the run history
// of a trigger, newest first, `limit` per page, opaque cursors; the seeded triggers; and what the
// control API does with triggers (add runs, script the cursors a paging answers).

import { randomBytes } from "node:crypto";
import {
  MAX_CURSORS, deepFreeze, errorAnswer, has, identifierProblem, isPlainObject, jsonAnswer, quote, unexpectedKey, uuidFor,
} from "./util.mjs";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Field order of a trigger run in answers (the fields of `getTriggerHistory`'s items). */
const RUN_FIELDS = [
  "externalId", "fireTime", "workflowExternalId", "workflowVersion", "status", "workflowExecutionId", "reasonForFailure",
];

/** Why a trigger run failed: the texts the seeded history uses. */
export const TRIGGER_FAILURES = deepFreeze({
  nonceExpired: "Failed to create session: the nonce has expired",
  versionNotFound: "Workflow version 3 not found",
  rateLimited: "Rate limit exceeded",
});

/**
 * One seeded run. A success started an execution (`workflowExecutionId`, `reasonForFailure`
 * null); a failure did not (`workflowExecutionId` null). Null, as the API's schema allows.
 */
function seededRun(trigger, fireTime, { version = trigger.workflowVersion, failure, executionId } = {}) {
  return {
    externalId: trigger.externalId,
    fireTime,
    workflowExternalId: trigger.workflowExternalId,
    workflowVersion: version,
    status: failure ? "failed" : "success",
    workflowExecutionId: failure ? null : executionId ?? uuidFor(`trigger-run/${trigger.externalId}/${fireTime}`),
    reasonForFailure: failure ?? null,
  };
}

/**
 * The triggers every project starts with, and their runs (fixed times in 2026, oldest first).
 * A few successful runs started seeded executions; the others name executions the mock does
 * not have (older ones, as in a real project).
 */
function buildSeedTriggers() {
  const triggers = [];
  const add = (externalId, workflowExternalId, workflowVersion, makeRuns) => {
    const trigger = { externalId, workflowExternalId, workflowVersion, runs: [] };
    trigger.runs = makeRuns(trigger);
    triggers.push(trigger);
  };

  // Every day at 02:00 UTC, 1 February to 10 March 2026 (38 runs, 3 failed).
  add("nightly-ingest-schedule", "nightly-ingest", "v3", (t) => {
    const failures = {
      "2026-02-14": TRIGGER_FAILURES.nonceExpired,
      "2026-02-15": TRIGGER_FAILURES.nonceExpired,
      "2026-02-27": TRIGGER_FAILURES.rateLimited,
    };
    const runs = [];
    for (let day = Date.UTC(2026, 1, 1); day <= Date.UTC(2026, 2, 10); day += DAY) {
      const date = new Date(day).toISOString().slice(0, 10);
      const executionId = date === "2026-03-10" ? "11111111-1111-4111-8111-111111111111" : undefined;
      runs.push(seededRun(t, day + 2 * HOUR, { failure: failures[date], executionId }));
    }
    return runs;
  });

  // Every hour, 4 March 00:00 to 10 March 10:00 UTC (155 runs: more than one default page).
  // On 7 March someone pointed it at version 3 before deploying it (6 runs failed); on 9 March
  // the project hit its rate limit three times.
  add("hourly-sync-hourly", "hourly-sync", "1", (t) => {
    const runs = [];
    for (let time = Date.UTC(2026, 2, 4); time <= Date.UTC(2026, 2, 10, 10); time += HOUR) {
      const at = new Date(time).toISOString().slice(0, 13);
      if (at >= "2026-03-07T12" && at <= "2026-03-07T17") {
        runs.push(seededRun(t, time, { version: "3", failure: TRIGGER_FAILURES.versionNotFound }));
      } else if (["2026-03-09T14", "2026-03-09T15", "2026-03-09T17"].includes(at)) {
        runs.push(seededRun(t, time, { failure: TRIGGER_FAILURES.rateLimited }));
      } else {
        const executionId = at === "2026-03-10T09" ? "22222222-2222-4222-8222-222222222222" : undefined;
        runs.push(seededRun(t, time, { executionId }));
      }
    }
    return runs;
  });

  // Fired by uploads, at irregular times; a burst on 5 March (two runs in the same millisecond)
  // ran into the rate limit. 12 runs, 4 failed.
  add("asset-hierarchy-on-upload", "asset-hierarchy", "2", (t) => {
    const at = (d, h, m, s = 0, ms = 0) => Date.UTC(2026, 2, d, h, m, s, ms);
    return [
      seededRun(t, at(1, 8, 12, 4, 120)),
      seededRun(t, at(2, 13, 47, 51, 9)),
      seededRun(t, at(3, 9, 5, 30, 640)),
      seededRun(t, at(5, 10, 0, 1, 250)),
      seededRun(t, at(5, 10, 0, 1, 250), { failure: TRIGGER_FAILURES.rateLimited }),
      seededRun(t, at(5, 10, 0, 2, 17), { failure: TRIGGER_FAILURES.rateLimited }),
      seededRun(t, at(5, 10, 0, 2, 980), { failure: TRIGGER_FAILURES.rateLimited }),
      seededRun(t, at(5, 10, 4, 45, 311)),
      seededRun(t, at(6, 16, 30, 0, 502), { failure: TRIGGER_FAILURES.nonceExpired }),
      seededRun(t, at(7, 7, 58, 12, 77)),
      seededRun(t, at(7, 21, 3, 9, 430)),
      seededRun(t, at(8, 6, 30, 0), { executionId: "66666666-6666-4666-8666-666666666666" }),
    ];
  });

  // An external id that must be percent-encoded in the path. Daily at 06:15 UTC, 3 to 10 March.
  add("quality-checks/daily pumps", "quality-checks", "1", (t) => {
    const runs = [];
    for (let d = 3; d <= 10; d += 1) {
      runs.push(seededRun(t, Date.UTC(2026, 2, d, 6, 15), d === 6 ? { failure: TRIGGER_FAILURES.nonceExpired } : {}));
    }
    return runs;
  });

  // Created, never fired: its history is empty.
  add("backfill-monthly", "backfill", "1", () => []);
  return deepFreeze(triggers);
}

/** The seeded triggers (the same for every server and project). */
export const SEED_TRIGGERS = buildSeedTriggers();

/** A project's own copy of the seeded triggers: externalId -> { …, runs: [{ seq, run }], paging }. */
export function cloneSeedTriggers() {
  const triggers = new Map();
  for (const t of SEED_TRIGGERS) {
    triggers.set(t.externalId, {
      externalId: t.externalId,
      workflowExternalId: t.workflowExternalId,
      workflowVersion: t.workflowVersion,
      runs: t.runs.map((run, seq) => ({ seq, run: structuredClone(run) })),
      nextSeq: t.runs.length,
      paging: null, // scripted cursors: { cursors: [...], offsets: Map(page -> offset) }
    });
  }
  return triggers;
}

/** Newest fireTime first; equal times in the order they were added (the API: then by externalId, the same here). */
function newestRunFirst(a, b) {
  return b.run.fireTime - a.run.fireTime || a.seq - b.seq;
}

/** A run as the API shows it: known fields in order, the ones given (null included). */
function runView(run) {
  const view = {};
  for (const field of RUN_FIELDS) if (has(run, field)) view[field] = run[field];
  return view;
}

/** Every run of a trigger in API order (the control API's view). */
export function allRuns(trigger) {
  return [...trigger.runs].sort(newestRunFirst).map((r) => runView(r.run));
}

/** `limit` and `cursor` from the query string, or `{ problem }`. Strict: nothing else, nothing twice. */
function historyQuery(search) {
  const query = {};
  for (const [name, value] of new URLSearchParams(search)) {
    if (name !== "limit" && name !== "cursor") return { problem: `Unexpected query parameter ${quote(name)}` };
    if (has(query, name)) return { problem: `Query parameter ${quote(name)} is repeated` };
    query[name] = value;
  }
  if (has(query, "limit")) {
    if (!/^\d{1,7}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > 1000) {
      return { problem: "limit must be an integer from 1 to 1000" };
    }
    query.limit = Number(query.limit);
  }
  if (has(query, "cursor") && query.cursor === "") return { problem: "cursor must be a non-empty string" };
  return { query };
}

function newRunsCursor(project, externalId, after) {
  const cursor = randomBytes(24).toString("base64url");
  project.triggerCursors.set(cursor, { externalId, after });
  if (project.triggerCursors.size > MAX_CURSORS) project.triggerCursors.delete(project.triggerCursors.keys().next().value);
  return cursor;
}

/**
 * GET /workflows/triggers/{triggerExternalId}/history[?limit=&cursor=]. Checks, in order: the
 * external id (decoded from the path), the query, the trigger exists (404), the cursor (400).
 * Real paging with opaque cursors, unless the trigger's paging is scripted (`paging.cursors`).
 */
export function listTriggerRunsApi(project, externalId, search) {
  if (externalId === null) return errorAnswer(400, "Invalid triggerExternalId in path: malformed percent-encoding");
  const idProblem = identifierProblem(externalId, "triggerExternalId");
  if (idProblem) return errorAnswer(400, idProblem);
  const { query, problem } = historyQuery(search);
  if (problem) return errorAnswer(400, problem);
  const trigger = project.triggers.get(externalId);
  if (!trigger) return errorAnswer(404, `Trigger ${quote(externalId)} not found`, { missing: [{ externalId }] });
  const limit = query.limit ?? 100;
  const sorted = [...trigger.runs].sort(newestRunFirst);
  if (trigger.paging) return scriptedPage(trigger, sorted, limit, query.cursor);

  let rest = sorted;
  if (has(query, "cursor")) {
    const saved = project.triggerCursors.get(query.cursor);
    if (!saved) return errorAnswer(400, "Invalid cursor");
    if (saved.externalId !== externalId) return errorAnswer(400, "The cursor was made for another trigger");
    rest = sorted.filter((r) => newestRunFirst(r, saved.after) > 0);
  }
  const page = rest.slice(0, limit);
  const answer = { items: page.map((r) => runView(r.run)) };
  if (rest.length > limit) {
    const last = page[page.length - 1];
    answer.nextCursor = newRunsCursor(project, externalId, { run: { fireTime: last.run.fireTime }, seq: last.seq });
  }
  return jsonAnswer(200, answer);
}

/**
 * A page when the cursors are scripted: the first page answers `cursors[0]`; a request with
 * `cursors[i]` (its first occurrence) gets page i + 1, which answers `cursors[i + 1]`, or no
 * cursor after the last. Each page holds the next `limit` runs after the ones the page before
 * it held (none when the runs are used up), so ["a", "b", "a"] answers a, then b, then a again.
 */
function scriptedPage(trigger, sorted, limit, cursor) {
  const { cursors, offsets } = trigger.paging;
  let page = 0;
  if (cursor !== undefined) {
    const i = cursors.indexOf(cursor);
    if (i < 0) return errorAnswer(400, "Invalid cursor");
    page = i + 1;
  }
  const offset = offsets.get(page) ?? 0;
  const items = sorted.slice(offset, offset + limit);
  offsets.set(page + 1, offset + items.length);
  const answer = { items: items.map((r) => runView(r.run)) };
  if (page < cursors.length) answer.nextCursor = cursors[page];
  return jsonAnswer(200, answer);
}

// --- control -------------------------------------------------------------------

const RUN_KEYS = ["fireTime", "workflowExternalId", "workflowVersion", "status", "workflowExecutionId", "reasonForFailure"];

/** A run of a control body, normalised (externalId set), or `{ problem }`. */
function parseRun(value, where, defaults) {
  if (!isPlainObject(value)) return { problem: `${where} must be an object` };
  const extra = unexpectedKey(value, RUN_KEYS);
  if (extra !== undefined) return { problem: `${where}: unknown field ${quote(extra)}` };
  if (!(Number.isSafeInteger(value.fireTime) && value.fireTime >= 0)) {
    return { problem: `${where}.fireTime must be an integer of milliseconds, at least 0` };
  }
  const run = { externalId: defaults.externalId, fireTime: value.fireTime };
  for (const field of ["workflowExternalId", "workflowVersion"]) {
    const v = has(value, field) ? value[field] : defaults[field];
    if (typeof v !== "string" || v === "") return { problem: `${where}.${field} must be a non-empty string (or be given for the trigger)` };
    run[field] = v;
  }
  if (typeof value.status !== "string" || value.status === "") return { problem: `${where}.status must be a non-empty string` };
  run.status = value.status;
  for (const field of ["workflowExecutionId", "reasonForFailure"]) {
    if (!has(value, field)) continue;
    if (value[field] !== null && typeof value[field] !== "string") return { problem: `${where}.${field} must be a string or null` };
    run[field] = value[field];
  }
  return { run };
}

/**
 * POST /_mock/projects/{p}/triggers/{t}/runs, body
 * { runs: [run…], replace?: boolean, workflowExternalId?: string, workflowVersion?: string }:
 * adds the runs to trigger t (created when unknown), or replaces its runs. A run has `fireTime`
 * and `status`, `workflowExternalId` and `workflowVersion` (else the body's, else the
 * trigger's), and optionally `workflowExecutionId` and `reasonForFailure` (a string or null;
 * left out when not given). All or nothing. Returns the answer, or the problem as a 400.
 */
export function addTriggerRuns(project, externalId, value) {
  const idProblem = identifierProblem(externalId, "the trigger external id");
  if (idProblem) return errorAnswer(400, idProblem);
  const extra = unexpectedKey(value, ["runs", "replace", "workflowExternalId", "workflowVersion"]);
  if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
  if (!Array.isArray(value.runs)) return errorAnswer(400, "runs must be an array of runs");
  if (has(value, "replace") && typeof value.replace !== "boolean") return errorAnswer(400, "replace must be a boolean");
  for (const field of ["workflowExternalId", "workflowVersion"]) {
    if (has(value, field) && (typeof value[field] !== "string" || value[field] === "")) {
      return errorAnswer(400, `${field} must be a non-empty string`);
    }
  }
  const existing = project.triggers.get(externalId);
  const defaults = {
    externalId,
    workflowExternalId: value.workflowExternalId ?? existing?.workflowExternalId,
    workflowVersion: value.workflowVersion ?? existing?.workflowVersion,
  };
  const runs = [];
  for (const [i, item] of value.runs.entries()) {
    const { run, problem } = parseRun(item, `runs[${i}]`, defaults);
    if (problem) return errorAnswer(400, problem);
    runs.push(run);
  }
  const trigger = existing ?? { externalId, runs: [], nextSeq: 0, paging: null };
  trigger.workflowExternalId = defaults.workflowExternalId ?? trigger.workflowExternalId;
  trigger.workflowVersion = defaults.workflowVersion ?? trigger.workflowVersion;
  if (value.replace) trigger.runs = [];
  for (const run of runs) trigger.runs.push({ seq: trigger.nextSeq++, run });
  project.triggers.set(externalId, trigger);
  return jsonAnswer(200, { externalId, runs: trigger.runs.length, added: runs.length });
}

/**
 * POST /_mock/projects/{p}/triggers/{t}/paging, body { cursors: [string…] | null }: script the
 * `nextCursor` values the history of t answers (see scriptedPage), or go back to real paging.
 */
export function setTriggerPaging(trigger, value) {
  const extra = unexpectedKey(value, ["cursors"]);
  if (extra !== undefined) return errorAnswer(400, `Unexpected field ${quote(extra)}`);
  if (!has(value, "cursors")) return errorAnswer(400, "cursors is required: a list of cursors, or null");
  const { cursors } = value;
  if (cursors !== null) {
    if (!Array.isArray(cursors) || cursors.length < 1 || cursors.length > 100) {
      return errorAnswer(400, "cursors must be a list of 1 to 100 strings, or null");
    }
    if (!cursors.every((c) => typeof c === "string" && c !== "" && c.length <= 1000)) {
      return errorAnswer(400, "cursors must be non-empty strings of at most 1000 characters");
    }
  }
  trigger.paging = cursors === null ? null : { cursors: [...cursors], offsets: new Map() };
  return pagingAnswer(trigger);
}

export function pagingAnswer(trigger) {
  return jsonAnswer(200, { cursors: trigger.paging ? [...trigger.paging.cursors] : null });
}

/** The control list of a project's triggers: { externalId, workflowExternalId, workflowVersion, runs, failed, scriptedCursors }. */
export function triggerSummaries(project) {
  return [...project.triggers.values()]
    .sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0))
    .map((t) => ({
      externalId: t.externalId,
      workflowExternalId: t.workflowExternalId ?? null,
      workflowVersion: t.workflowVersion ?? null,
      runs: t.runs.length,
      failed: t.runs.filter((r) => r.run.status === "failed").length,
      scriptedCursors: t.paging ? [...t.paging.cursors] : null,
    }));
}
