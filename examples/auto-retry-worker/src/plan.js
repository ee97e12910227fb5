// The decisions of the auto-retry Worker, as pure functions (no I/O, no clock, no library):
// the configuration, the time window of a run, which executions to retry, where the next run
// starts, and the summary line. `test/plan.test.mjs` tests them with `node --test`.

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
];

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

  config.statusSecret = text("STATUS_SECRET"); // optional: enables GET /status
  if (!env.RETRY_STATE || typeof env.RETRY_STATE.get !== "function") problems.push("the KV namespace binding RETRY_STATE is missing");

  if (problems.length) throw new ConfigError(problems);
  return config;
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

/** The found executions whose retry count matters (TERMINATED ones only when they are retried). */
export function countable(found, config) {
  return found.filter((e) => e.status !== "TERMINATED" || config.retryTerminated);
}

/**
 * Which found executions to retry now. `counts` maps an execution id (lower case) to how many
 * times earlier runs retried it. Skipped: TERMINATED (unless configured), those retried
 * MAX_RETRIES times already, and those beyond MAX_PER_RUN (deferred to the next run: the
 * oldest failures go first).
 */
export function planRetries(found, counts, config) {
  const skipped = { terminated: [], maxRetries: [], perRunCap: [] };
  const eligible = [];
  for (const e of found) {
    if (e.status === "TERMINATED" && !config.retryTerminated) skipped.terminated.push(e);
    else if ((counts.get(e.id.toLowerCase()) ?? 0) >= config.maxRetries) skipped.maxRetries.push(e);
    else eligible.push(e);
  }
  skipped.perRunCap = eligible.slice(config.maxPerRun);
  return { retry: eligible.slice(0, config.maxPerRun), skipped };
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

/**
 * The one summary line of a run, as an object (the Worker logs it as JSON and keeps it in KV
 * for GET /status). Only counts, ids, times and the library's error fields, whose messages the
 * library keeps free of tokens, client secrets and nonces; never a configuration value.
 */
export function summarize({ project, scheduledTime, durationMs, window, listed, listLimit, found, plan, failures, retried, error, secrets = [] }) {
  const summary = {
    event: "auto-retry",
    project: project ?? null,
    ok: !error,
    found: found?.length ?? 0,
    retried: retried?.length ?? 0,
    skipped: plan ? plan.skipped.terminated.length + plan.skipped.maxRetries.length + plan.skipped.perRunCap.length : 0,
    failed: failures?.length ?? 0,
  };
  if (plan) {
    summary.skippedBecause = {
      terminated: plan.skipped.terminated.length,
      maxRetries: plan.skipped.maxRetries.length,
      perRunCap: plan.skipped.perRunCap.length,
    };
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
