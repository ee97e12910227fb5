// A Cloudflare Worker that heals failed CDF workflow executions on a schedule.
//
// Each cron run lists the executions of the configured workflows that failed since the previous
// run (with an overlap), groups them by cause (groupFailures) and retries only the groups whose
// cause is transient (TRANSIENT_CAUSES, by default timeouts, 429, 502/503/504, dropped
// connections), each execution at most MAX_RETRIES times across runs (the count is kept in
// Workers KV by execution id), skips TERMINATED unless RETRY_TERMINATED, starts at most
// MAX_PER_RUN retries, counts the failed runs of the TRIGGERS in the window (listTriggerRuns), and
// logs one JSON summary line. GET /status answers the last run's summary to callers that send the
// STATUS_SECRET in the x-status-secret header.
//
// Settings: wrangler.toml [vars]; secrets with `wrangler secret put`; see README.md.
// The decisions (window, which failures are transient, who to retry, the caps, the trigger counts,
// the summary) are pure functions in plan.js.
import { listExecutions, retryExecutions, clientCredentialsToken, groupFailures, listTriggerRuns } from "cdf-workflow-retry";
import {
  RETRYABLE_STATUSES,
  readConfig,
  listWindow,
  selectFound,
  byStatus,
  groupAll,
  classifyGroups,
  countable,
  planRetries,
  countTriggerRuns,
  failureCounts,
  nextSince,
  summarize,
  errorFields,
  stateKey,
  countKey,
} from "./plan.js";

const APP_NAME = "cdf-auto-retry-worker";

export default {
  async scheduled(controller, env) {
    await runOnce(env, controller.scheduledTime);
  },

  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname !== "/status") return json(404, { error: "not found" });
    let config;
    try {
      config = readConfig(env);
    } catch (e) {
      return json(500, { error: errorFields(e) });
    }
    if (!config.statusSecret) return json(404, { error: "not found" }); // /status is off without STATUS_SECRET
    if (request.method !== "GET") return json(405, { error: "use GET" }, { allow: "GET" });
    if (!(await sameSecret(request.headers.get("x-status-secret"), config.statusSecret))) {
      return json(401, { error: "send the STATUS_SECRET in the x-status-secret header" });
    }
    const state = await env.RETRY_STATE.get(stateKey(config.project), "json");
    return json(200, { project: config.project, lastRun: state?.lastRun ?? null });
  },
};

/** One scheduled run at `now` (ms). Never throws: every outcome ends in one summary line. */
export async function runOnce(env, now) {
  const started = Date.now();
  const run = { scheduledTime: now };
  let config, state;
  try {
    config = readConfig(env);
    run.project = config.project;
    run.secrets = [config.idp.clientSecret, config.statusSecret];
    run.listLimit = config.listLimit;
    state = (await env.RETRY_STATE.get(stateKey(config.project), "json")) ?? {};

    // Every token this run uses is a secret too: masked wherever CDF's text reaches the summary.
    const provider = tokenProvider(config.idp);
    const token = async (context) => {
      const value = await provider(context);
      if (!run.secrets.includes(value)) run.secrets.push(value);
      return value;
    };
    const connection = {
      project: config.project,
      cluster: config.cluster,
      baseUrl: config.baseUrl,
      token,
      appName: APP_NAME,
    };
    run.window = listWindow({ now, since: state.since, overlapMs: config.overlapMs, lookbackMs: config.lookbackMs });
    run.listed = await listExecutions({
      ...connection,
      workflows: config.workflows,
      status: RETRYABLE_STATUSES,
      createdTimeStart: run.window.createdTimeStart,
      createdTimeEnd: run.window.createdTimeEnd,
      limit: config.listLimit,
    });
    run.found = selectFound(run.listed, run.window);
    // Why they failed: the groups of the executions the status rule lets through, split by cause.
    run.groups = classifyGroups(groupAll(byStatus(run.found, config), groupFailures).groups, config.transientCauses);
    const counts = await readCounts(env.RETRY_STATE, config.project, countable(run.found, config, run.groups.transientIds));
    run.plan = planRetries(run.found, counts, config, run.groups.transientIds);

    const byId = new Map(run.plan.retry.map((e) => [e.id.toLowerCase(), e]));
    const result = byId.size
      ? await retryExecutions({ ...connection, executionIds: [...byId.keys()], concurrency: config.concurrency })
      : { retried: [], failed: [] };
    run.retried = result.retried;
    run.failures = result.failed.map(({ executionId, error }) => ({ execution: byId.get(executionId.toLowerCase()), error }));

    // Count every retry that may have restarted an execution, then move the window on.
    const attempted = [...run.retried.map((e) => e.id), ...run.failures.filter((f) => failureCounts(f.error)).map((f) => f.execution.id)];
    const ttl = Math.max(60, Math.ceil(config.lookbackMs / 1000)); // a count outlives every list that can find its execution
    await Promise.all(
      attempted.map((id) => env.RETRY_STATE.put(countKey(config.project, id), String((counts.get(id.toLowerCase()) ?? 0) + 1), { expirationTtl: ttl })),
    );
    state.since = nextSince({ window: run.window, deferred: run.plan.skipped.perRunCap, failures: run.failures });

    // The failed runs of the configured triggers in the window: a report, it moves nothing.
    if (config.triggers.length) run.triggerRuns = await readTriggerRuns(connection, config, run.window);
  } catch (e) {
    run.error = e; // the window does not move: the next run looks at the same failures again
  }

  const summary = summarize({ ...run, durationMs: Date.now() - started });
  if (run.error) console.error(JSON.stringify(summary));
  else console.log(JSON.stringify(summary));
  if (config && state) {
    try {
      await env.RETRY_STATE.put(stateKey(config.project), JSON.stringify({ since: state.since, lastRun: summary }));
    } catch (e) {
      console.error(JSON.stringify({ event: "auto-retry-state", project: config.project, error: errorFields(e, run.secrets) }));
    }
  }
  return summary;
}

/**
 * Each configured trigger's runs in the window, counted (countTriggerRuns): one history read of
 * at most TRIGGER_RUNS_LIMIT runs per trigger, newest first, all statuses (the package's
 * `status: "failed"` filter is applied after reading, and its limit counts failed runs only, so
 * it would read a trigger's whole history when few runs failed). A trigger whose history cannot
 * be read is reported with its error; the others are still counted.
 */
async function readTriggerRuns(connection, config, window) {
  return Promise.all(
    config.triggers.map(async (trigger) => {
      try {
        const runs = await listTriggerRuns({ ...connection, triggerExternalId: trigger, limit: config.triggerRunsLimit });
        return { trigger, ...countTriggerRuns(runs, window, config.triggerRunsLimit) };
      } catch (error) {
        return { trigger, error };
      }
    }),
  );
}

/** The retry counts of `executions` from KV: a Map from lower-case id to count. */
async function readCounts(kv, project, executions) {
  const counts = new Map();
  await Promise.all(
    executions.map(async (e) => {
      const value = await kv.get(countKey(project, e.id));
      if (value !== null) counts.set(e.id.toLowerCase(), Number(value) || 0);
    }),
  );
  return counts;
}

// One token provider per isolate and settings: its token is cached across runs until it expires.
let provider;
function tokenProvider(idp) {
  const key = JSON.stringify(idp);
  if (provider?.key !== key) provider = { key, get: clientCredentialsToken(idp) };
  return provider.get;
}

/** Compares two strings in constant time (their SHA-256 digests). */
async function sameSecret(given, expected) {
  if (typeof given !== "string") return false;
  const digest = async (s) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
