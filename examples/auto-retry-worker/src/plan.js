// The decisions of the auto-retry Worker, as pure functions (no I/O, no clock, no library):
// the configuration, the time window of a run, which failures are transient, which executions to
// retry, where the next run starts, the trigger run counts, and the summary line.
// `test/plan.test.mjs` tests them with `node --test`.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The statuses a run lists. TERMINATED is listed (and counted as skipped) unless RETRY_TERMINATED. */
export const RETRYABLE_STATUSES = ["FAILED", "TIMED_OUT", "TERMINATED"];

/** Defaults of the numeric settings: [variable, default, min, max]. */
const NUMBERS = [
  ["MAX_RETRIES", 3, 1, 100], // retries of one execution, across runs
  ["MAX_PER_RUN", 20, 1, 1000], // retries started by one run
  ["OVERLAP_MINUTES", 10, 0, 1440], // how far before the last run's end a run looks again
  ["LOOKBACK_HOURS", 24, 1, 8760], // how old (createdTime) an execution may be; also the first run's window
  ["LIST_LIMIT", 1000, 1, 10000], // executions listed per run at most (1000 per list request)
  ["CONCURRENCY", 4, 1, 16], // retries in flight at once
  ["TRIGGER_RUNS_LIMIT", 1000, 1, 10000], // trigger runs read per trigger and run at most (1000 per request)
];

/**
 * The causes a failure is retried for, when TRANSIENT_CAUSES is not set: timeouts, rate limits
 * (429), gateway and availability errors (502, 503, 504), dropped connections. Matched by
 * `causeMatches` against each failure group's signature and example.
 */
export const DEFAULT_TRANSIENT_CAUSES = Object.freeze([
  "timed out",
  "timeout",
  "ETIMEDOUT",
  "429",
  "Too Many Requests",
  "rate limit",
  "throttled",
  "throttling",
  "502",
  "503",
  "504",
  "Bad Gateway",
  "Service Unavailable",
  "Gateway Timeout",
  "temporarily unavailable",
  "connection reset",
  "ECONNRESET",
  "socket hang up",
]);

/** TRANSIENT_CAUSES: at most this many causes, each at most this long (a signature is cut at 200). */
const MAX_CAUSES = 100;
const MAX_CAUSE_CHARS = 200;
/** TRIGGERS: at most this many trigger external ids (each run reads each one's history). */
const MAX_TRIGGERS = 20;

/** A bad configuration. Its message names the variables, never their values. */
export class ConfigError extends Error {
  constructor(problems) {
    super(`bad configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.kind = "config";
    this.problems = problems;
  }
}

/**
 * The Worker's settings from its environment (wrangler.toml [vars], secrets, the KV binding).
 * Throws a ConfigError listing every problem. Empty strings count as unset.
 */
export function readConfig(env) {
  const problems = [];
  const text = (name) => {
    const value = env[name];
    if (value === undefined || value === null) return undefined;
    const s = String(value).trim();
    return s === "" ? undefined : s;
  };
  const required = (name) => text(name) ?? (problems.push(`${name} is required`), undefined);

  const config = {
    project: required("CDF_PROJECT"),
    cluster: text("CDF_CLUSTER"),
    baseUrl: text("CDF_BASE_URL"),
  };
  if ((config.cluster === undefined) === (config.baseUrl === undefined)) {
    problems.push("give exactly one of CDF_CLUSTER and CDF_BASE_URL");
  }

  const workflows = required("WORKFLOWS");
  if (workflows !== undefined) {
    const ids = workflows.split(",").map((s) => s.trim());
    if (workflows === "*") config.workflows = undefined; // every workflow of the project
    else if (ids.some((id) => id === "" || id === "*")) problems.push('WORKFLOWS is a comma-separated list of workflow external ids, or "*"');
    else if (new Set(ids).size > 100) problems.push("WORKFLOWS names at most 100 workflows");
    else config.workflows = [...new Set(ids)];
  }

  for (const [name, fallback, min, max] of NUMBERS) {
    const raw = text(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name} must be an integer from ${min} to ${max}`);
    config[camel(name)] = n;
  }
  config.overlapMs = config.overlapMinutes * MINUTE;
  config.lookbackMs = config.lookbackHours * HOUR;

  const terminated = (text("RETRY_TERMINATED") ?? "false").toLowerCase();
  if (terminated !== "true" && terminated !== "false") problems.push('RETRY_TERMINATED must be "true" or "false"');
  config.retryTerminated = terminated === "true";

  // The OAuth client credentials the token comes from (clientCredentialsToken).
  const origin = config.baseUrl ?? (config.cluster && `https://${config.cluster}.cognitedata.com`);
  const scopes = text("IDP_SCOPES")?.split(/[\s,]+/).filter(Boolean);
  const audience = text("IDP_AUDIENCE");
  config.idp = {
    tokenUrl: required("IDP_TOKEN_URL"),
    clientId: required("IDP_CLIENT_ID"),
    clientSecret: required("IDP_CLIENT_SECRET"),
    // Default scope: the CDF origin + /.default (Microsoft Entra ID); none with an audience (Auth0-style).
    scopes: scopes ?? (audience || !origin ? undefined : [`${origin.replace(/\/$/, "")}/.default`]),
    audience,
  };

  // A list setting may also be a TOML array in wrangler.toml [vars]: it arrives as a JS array.
  const listText = (name) => (Array.isArray(env[name]) ? JSON.stringify(env[name]) : text(name));

  // Which failures are retried: TRANSIENT_CAUSES (a list, or "*" for every failure).
  const causes = listText("TRANSIENT_CAUSES");
  if (causes === undefined) config.transientCauses = [...DEFAULT_TRANSIENT_CAUSES];
  else {
    const parsed = parseTransientCauses(causes);
    if (parsed.problem) problems.push(parsed.problem);
    config.transientCauses = parsed.causes;
  }

  // Whose failed trigger runs are counted: TRIGGERS (optional).
  const triggers = listText("TRIGGERS");
  if (triggers === undefined) config.triggers = [];
  else {
    const parsed = parseTriggers(triggers);
    if (parsed.problem) problems.push(parsed.problem);
    config.triggers = parsed.triggers;
  }

  config.statusSecret = text("STATUS_SECRET"); // optional: enables GET /status
  if (!env.RETRY_STATE || typeof env.RETRY_STATE.get !== "function") problems.push("the KV namespace binding RETRY_STATE is missing");

  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * A list setting: a JSON array of strings when the text starts with `[`, otherwise the text split
 * at `separator`, each entry trimmed, and empty entries dropped unless `keepEmpty`.
 * `{ list }` or `{ bad: true }`.
 */
function splitList(value, separator, keepEmpty = false) {
  if (value.startsWith("[")) {
    let list;
    try {
      list = JSON.parse(value);
    } catch {
      return { bad: true };
    }
    if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) return { bad: true };
    return { list, json: true };
  }
  const list = value.split(separator).map((s) => s.trim());
  return { list: keepEmpty ? list : list.filter((s) => s !== "") };
}

/**
 * TRANSIENT_CAUSES: a JSON array of strings, or causes separated by new lines or `|`; or `*`
 * alone for every failure. Each cause 1 to 200 characters (trimmed), at most 100 causes,
 * duplicates (in any case) once. `{ causes }` (an array, or "*") or `{ problem }`, which names
 * the variable and never its value.
 */
export function parseTransientCauses(value) {
  const shape = 'TRANSIENT_CAUSES must be a JSON array of strings, or causes separated by new lines or "|", or "*"';
  const { list, bad } = splitList(String(value).trim(), /\r?\n|\|/);
  if (bad) return { problem: shape };
  const causes = list.map((s) => s.trim());
  if (causes.length === 0) return { problem: `${shape}; it names no cause` };
  if (causes.includes("*")) return causes.length === 1 ? { causes: "*" } : { problem: 'TRANSIENT_CAUSES: "*" (every failure) must be alone' };
  if (causes.some((c) => c === "" || [...c].length > MAX_CAUSE_CHARS)) return { problem: `TRANSIENT_CAUSES: each cause is 1 to ${MAX_CAUSE_CHARS} characters` };
  const unique = [...new Map(causes.map((c) => [c.toLowerCase(), c])).values()];
  if (unique.length > MAX_CAUSES) return { problem: `TRANSIENT_CAUSES names at most ${MAX_CAUSES} causes` };
  return { causes: unique };
}

/**
 * TRIGGERS: trigger external ids, comma separated or one per line (each trimmed; an empty entry
 * is a problem, as in WORKFLOWS), or a JSON array of strings (for ids holding a comma). Each 1 to
 * 255 characters, no leading or trailing whitespace, no NUL; at most 20; duplicates once.
 * `{ triggers }` or `{ problem }`.
 */
export function parseTriggers(value) {
  const shape = "TRIGGERS is a comma-separated list of trigger external ids (1 to 255 characters each), or a JSON array of them";
  const { list, bad } = splitList(String(value).trim(), /,|\r?\n/, true);
  if (bad || list.length === 0) return { problem: shape };
  if (list.some((id) => id === "" || id !== id.trim() || [...id].length > 255 || id.includes("\0"))) return { problem: shape };
  const triggers = [...new Set(list)];
  if (triggers.length > MAX_TRIGGERS) return { problem: `TRIGGERS names at most ${MAX_TRIGGERS} triggers` };
  return { triggers };
}

function camel(name) {
  return name.toLowerCase().replace(/_(\w)/g, (_, c) => c.toUpperCase());
}

/** KV keys. One Worker per project, or several sharing one namespace: the project is in every key. */
export const stateKey = (project) => `state:${project}`;
export const countKey = (project, executionId) => `retries:${project}:${executionId.toLowerCase()}`;

/**
 * The window of a run at `now`. The list asks CDF for the executions created in the lookback
 * (the list filters on createdTime only); a run keeps those that failed since the previous run's
 * `since`, minus the overlap. The first run (no `since`) keeps the whole lookback.
 */
export function listWindow({ now, since, overlapMs, lookbackMs }) {
  const createdTimeStart = Math.max(0, now - lookbackMs);
  const failedSince = since === undefined ? createdTimeStart : Math.max(createdTimeStart, since - overlapMs);
  return { createdTimeStart, createdTimeEnd: now, failedSince };
}

/** When an execution last failed: its endTime (a retried execution gets a new one), else its start or creation. */
export function failedAt(execution) {
  return execution.endTime ?? execution.startTime ?? execution.createdTime;
}

/** The listed executions that failed in the window, oldest failure first (ties by id). */
export function selectFound(executions, window) {
  return executions
    .filter((e) => RETRYABLE_STATUSES.includes(e.status) && failedAt(e) >= window.failedSince)
    .sort((a, b) => failedAt(a) - failedAt(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The found executions the status rule lets through: TERMINATED ones only with RETRY_TERMINATED. */
export function byStatus(found, config) {
  return found.filter((e) => e.status !== "TERMINATED" || config.retryTerminated);
}

/**
 * Whether `cause` occurs in `text`, ignoring case. A cause that starts (ends) with a digit must
 * not have a letter or digit just before (after) it, so numbers match whole: "502" matches
 * "502 Bad Gateway" and "HTTP/502" but not "1502 rows" or "request id a5029bc1". Words match
 * anywhere: "timeout" matches "TimeoutError", "rate limit" matches "rate limited".
 */
export function causeMatches(cause, text) {
  const c = cause.toLowerCase();
  const t = String(text ?? "").toLowerCase();
  const digitStart = /^\d/.test(c);
  const digitEnd = /\d$/.test(c);
  for (let i = t.indexOf(c); i !== -1; i = t.indexOf(c, i + 1)) {
    if (digitStart && ALNUM.test(t[i - 1] ?? "")) continue;
    if (digitEnd && ALNUM.test(t[i + c.length] ?? "")) continue;
    return true;
  }
  return false;
}
const ALNUM = /^[\p{L}\p{N}]$/u;

/**
 * The first cause of `causes` that matches the group's signature or its example (the newest
 * member's original reason, where numbers are still numbers: a signature has "<n>" for "429"),
 * or undefined. `causes` "*" matches every group.
 */
export function transientCause(group, causes) {
  if (causes === "*") return "*";
  return causes.find((cause) => causeMatches(cause, group.signature) || causeMatches(cause, group.example));
}

/**
 * Every execution of `executions` in a failure group: `groupFailures` returns at most 1000
 * groups, the largest first, so the executions of the groups it left out are grouped again until
 * none is left. (A group is made of whole executions by workflow and signature, so a second
 * pass over the rest yields the groups the first left out.) `{ groups, ungrouped }`; ungrouped
 * stays empty for failed executions.
 */
export function groupAll(executions, groupFailures) {
  const groups = [];
  let rest = executions;
  while (rest.length) {
    const batch = groupFailures(rest, { limit: 1000 });
    if (!batch.length) break;
    groups.push(...batch);
    const grouped = new Set(batch.flatMap((g) => g.executionIds.map((id) => id.toLowerCase())));
    rest = rest.filter((e) => !grouped.has(e.id.toLowerCase()));
  }
  return { groups, ungrouped: rest };
}

/**
 * The groups split by cause: `transient` (each with the `cause` that matched), `notTransient`,
 * and `transientIds`, the lower-case ids of the executions in transient groups.
 */
export function classifyGroups(groups, causes) {
  const transient = [];
  const notTransient = [];
  const transientIds = new Set();
  for (const group of groups) {
    const cause = transientCause(group, causes);
    if (cause === undefined) notTransient.push(group);
    else {
      transient.push({ ...group, cause });
      for (const id of group.executionIds) transientIds.add(id.toLowerCase());
    }
  }
  return { transient, notTransient, transientIds };
}

/** The found executions whose retry count matters: let through by status, in a transient group. */
export function countable(found, config, transientIds) {
  return byStatus(found, config).filter((e) => transientIds.has(e.id.toLowerCase()));
}

/**
 * Which found executions to retry now. `counts` maps an execution id (lower case) to how many
 * times earlier runs retried it; `transientIds` holds the lower-case ids of the executions in
 * transient failure groups. Skipped, in this order: TERMINATED (unless configured), those whose
 * failure is not transient, those retried MAX_RETRIES times already, and those beyond
 * MAX_PER_RUN (deferred to the next run: the oldest failures go first).
 */
export function planRetries(found, counts, config, transientIds) {
  const skipped = { terminated: [], notTransient: [], maxRetries: [], perRunCap: [] };
  const eligible = [];
  for (const e of found) {
    const id = e.id.toLowerCase();
    if (e.status === "TERMINATED" && !config.retryTerminated) skipped.terminated.push(e);
    else if (!transientIds.has(id)) skipped.notTransient.push(e);
    else if ((counts.get(id) ?? 0) >= config.maxRetries) skipped.maxRetries.push(e);
    else eligible.push(e);
  }
  skipped.perRunCap = eligible.slice(config.maxPerRun);
  return { retry: eligible.slice(0, config.maxPerRun), skipped };
}

/**
 * The runs of one trigger's history (newest first, as `listTriggerRuns` returns them, at most
 * `limit`) counted in the run's window: `runs` fired in it, `failed` those with status "failed".
 * `truncated` when the history read stopped at `limit` while still inside the window (older
 * runs of the window were not read: the counts are at least these).
 */
export function countTriggerRuns(runs, window, limit) {
  const inWindow = runs.filter((r) => r.fireTime >= window.failedSince && r.fireTime <= window.createdTimeEnd);
  const out = { runs: inWindow.length, failed: inWindow.filter((r) => r.status === "failed").length };
  const oldest = runs.reduce((min, r) => Math.min(min, r.fireTime), Infinity);
  if (runs.length >= limit && oldest >= window.failedSince) out.truncated = true;
  return out;
}

/**
 * Whether a failed retry counts toward MAX_RETRIES. It counts when the retry request itself
 * failed in a way that may have restarted the execution (a 5xx, a network failure, a timeout,
 * an answer that could not be read). It does not when CDF refused the retry request (a 4xx such
 * as 400 "cannot be retried", 403, or 429 after the library's own retries), nor when the retry
 * request was never sent (the token or the session could not be had, or bad input).
 */
export function failureCounts(error) {
  if (error?.operation !== "retryExecution") return false;
  return !(error.kind === "api" && error.status < 500);
}

/**
 * Where the next run's window starts: the end of this one, unless executions are left for
 * later (beyond the per-run cap, or a failure that may pass: 429, 5xx, network, timeout);
 * then the earliest failure among them, so the next run finds them again.
 */
export function nextSince({ window, deferred, failures }) {
  let since = window.createdTimeEnd;
  for (const e of deferred) since = Math.min(since, failedAt(e));
  for (const { execution, error } of failures) if (error?.retryable) since = Math.min(since, failedAt(execution));
  return since;
}

const MAX_FAILURES_LOGGED = 10;
const MAX_NOT_TRANSIENT_LOGGED = 5;

/**
 * The one summary line of a run, as an object (the Worker logs it as JSON and keeps it in KV
 * for GET /status). Only counts, ids, times, the library's error fields (whose messages the
 * library keeps free of tokens, client secrets and nonces), the signatures of the largest
 * groups skipped as not transient and the configured trigger ids, these two with the Worker's
 * `secrets` masked. Never another configuration value.
 */
export function summarize({ project, scheduledTime, durationMs, window, listed, listLimit, found, groups, plan, failures, retried, triggerRuns, error, secrets = [] }) {
  const summary = {
    event: "auto-retry",
    project: project ?? null,
    ok: !error,
    found: found?.length ?? 0,
    retried: retried?.length ?? 0,
    skipped: plan ? Object.values(plan.skipped).reduce((n, list) => n + list.length, 0) : 0,
    failed: failures?.length ?? 0,
  };
  if (plan) {
    summary.skippedBecause = {
      terminated: plan.skipped.terminated.length,
      notTransient: plan.skipped.notTransient.length,
      maxRetries: plan.skipped.maxRetries.length,
      perRunCap: plan.skipped.perRunCap.length,
    };
  }
  if (groups) {
    summary.groups = { transient: groups.transient.length, notTransient: groups.notTransient.length };
    // The largest groups skipped as not transient (groupFailures' order): why, and how many.
    if (groups.notTransient.length) {
      summary.notTransientTop = groups.notTransient.slice(0, MAX_NOT_TRANSIENT_LOGGED).map((g) => ({
        workflowExternalId: mask(g.workflowExternalId, secrets),
        signature: mask(g.signature, secrets),
        count: g.count,
      }));
    }
  }
  if (failures?.length) {
    summary.failures = failures.slice(0, MAX_FAILURES_LOGGED).map(({ execution, error: e }) => ({
      executionId: execution.id,
      ...errorFields(e, secrets),
    }));
  }
  if (error) summary.error = errorFields(error, secrets);
  if (window) {
    summary.window = { failedSince: iso(window.failedSince), createdTimeStart: iso(window.createdTimeStart), end: iso(window.createdTimeEnd) };
  }
  if (listed !== undefined) summary.listed = listed.length;
  // The list stopped at LIST_LIMIT: older executions of the lookback were not seen.
  if (listed !== undefined && listed.length >= listLimit) summary.truncated = true;
  if (triggerRuns) {
    summary.triggerRuns = {
      failed: triggerRuns.reduce((n, t) => n + (t.failed ?? 0), 0),
      byTrigger: triggerRuns.map(({ trigger, runs, failed, truncated, error: e }) => {
        const out = { trigger: mask(trigger, secrets) };
        if (e) out.error = errorFields(e, secrets);
        else Object.assign(out, { runs, failed }, truncated ? { truncated } : {});
        return out;
      }),
    };
  }
  summary.scheduledTime = iso(scheduledTime);
  summary.durationMs = durationMs;
  return summary;
}

/**
 * The fields of an error worth logging (a CdfError, a ConfigError, or anything else thrown).
 * The library's messages never hold a token, client secret or nonce; any other message has the
 * Worker's own `secrets` masked.
 */
export function errorFields(e, secrets = []) {
  if (e?.kind === "config") return { kind: "config", message: e.message };
  if (e?.name === "CdfError") {
    const out = { kind: e.kind };
    for (const key of ["status", "code", "operation", "field", "requestId", "retryable"]) if (e[key] !== undefined) out[key] = e[key];
    out.message = e.message;
    return out;
  }
  // Not expected (a KV failure, a bug): its name and message, the Worker's secrets masked.
  const text = e instanceof Error ? `${e.name}: ${e.message}` : `thrown ${typeof e}`;
  return { kind: "internal", message: mask(text, secrets) };
}

/** `text` with every occurrence of each secret replaced by ***. */
export function mask(text, secrets) {
  let out = String(text);
  for (const secret of secrets) if (secret) out = out.split(secret).join("***");
  return out;
}

const iso = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
