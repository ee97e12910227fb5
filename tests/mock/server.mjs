/**
 * Mock Cognite Data Fusion (CDF) server for the `cdf-workflow-retry` tests and demo page.
 *
 * Emulates, strictly, the CDF endpoints the package calls:
 *   POST /api/v1/projects/{project}/sessions
 *   POST /api/v1/projects/{project}/workflows/executions/list
 *   GET  /api/v1/projects/{project}/workflows/executions/{executionId}
 *   POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry
 * an OAuth 2.0 client-credentials token endpoint (POST /oauth2/token, /oauth2/{tenant}/token),
 * plus a control API under /_mock/ (scripted faults, request log, nonce minting, retry
 * outcomes, token settings, per-project reset, stats) and an optional static file server.
 *
 * Zero dependencies: only node: built-ins. See README.md beside this file.
 *
 * Library use:   const mock = await startMockServer({ quiet: true }); ... await mock.close();
 * Command line:  node tests/mock/server.mjs [--port N] [--host H] [--static /prefix/=dir]... [--quiet] [--seed N] …
 *                prints exactly one line `MOCK_URL=http://HOST:PORT` to stdout.
 */
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
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
const DEFAULT_RETRY_OUTCOME_DELAY_MS = 5_000;
const DEFAULT_TOKEN_EXPIRES_IN = 3600;
const DEFAULT_GENERATED_EXECUTIONS = 30;
const MAX_GENERATED_EXECUTIONS = 1000;
/** Lifetime of a token whose `expires_in` is omitted or not numeric (what clients assume). */
const ASSUMED_TOKEN_LIFETIME_S = 3600;
/** Cursors kept per project (the oldest are forgotten first). */
const MAX_CURSORS = 10_000;
const MAX_TIMER_MS = 2_147_483_647;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `cdf-workflow-retry:<semver>` (semver 2.0 with optional pre-release and build). */
const SDK_RE =
  /^cdf-workflow-retry:(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const RETRYABLE_STATUSES = new Set(["FAILED", "TIMED_OUT", "TERMINATED"]);
const WORKFLOW_STATUSES = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];
/** Operations a request can be (`op` in the log and in script steps). */
const OPS = ["sessions", "retry", "list", "get", "token", "other"];

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

/** Field order of a detailed execution (`WorkflowExecution` in the OpenAPI). */
const DETAILED_FIELDS = [
  "id", "workflowExternalId", "workflowDefinition", "version", "status", "engineExecutionId",
  "executedTasks", "input", "metadata", "createdTime", "startTime", "endTime", "reasonForIncompletion",
];

/** Fields a script step may have. */
const STEP_KEYS = new Set([
  "on", "path", "times", "status", "headers", "body", "delayMs", "hang", "reset", "headersThenHang",
  "truncateAfter", "process", "requestId",
]);
/** Values of a step's `on`. */
const STEP_ONS = ["sessions", "retry", "list", "get", "token", "any"];
/** What a retry can end as (`RUNNING`: it never ends by itself). */
const OUTCOME_STATUSES = ["COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "RUNNING"];

// ---------------------------------------------------------------------------
// Workflows: definitions, generated executions, executed tasks
// ---------------------------------------------------------------------------

/** A task definition (`TaskDefinition` in the OpenAPI). */
function taskDef(externalId, type, parameters, dependsOn = [], extra = {}) {
  return {
    externalId,
    type,
    name: externalId.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join(" "),
    parameters,
    retries: 3,
    timeout: 3600,
    onFailure: "abortWorkflow",
    dependsOn: dependsOn.map((id) => ({ externalId: id })),
    ...extra,
  };
}

const fnParams = (externalId, data = "${workflow.input}") => ({ function: { externalId, data }, isAsyncComplete: false });
const trParams = (externalId) => ({
  transformation: { externalId, concurrencyPolicy: "fail", useTransformationCredentials: false },
});
const cdfParams = (resourcePath, method, body) => ({
  cdfRequest: { resourcePath, method, ...(body ? { body } : {}), requestTimeoutInMillis: 10000 },
});
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * The workflows the seeded executions belong to. `failAt` is the index of the task a
 * failed (or running) execution stopped at; `failure` the reason that task gives.
 */
const WORKFLOWS = deepFreeze({
  "nightly-ingest": {
    description: "Extract the day's SAP data, load it as assets, tell the operators",
    input: (t) => ({ date: isoDate(t), plant: "oslo", fullReload: false }),
    tasks: [
      taskDef("extract-sap", "function", fnParams("sap-extractor")),
      taskDef("load-assets", "transformation", trParams("sap-assets-to-cdf"), ["extract-sap"]),
      taskDef("notify", "cdf", cdfParams("/events", "POST", {
        items: [{ externalId: "ingest-${workflow.input.date}", type: "ingest", subtype: "${workflow.input.plant}" }],
      }), ["load-assets"], { retries: 1, onFailure: "skipTask" }),
    ],
    failAt: 1,
    failure: "Transformation sap-assets-to-cdf failed: 12 rows violate the unique constraint on externalId",
  },
  "hourly-sync": {
    description: "Copy the last hour of time series from the historian",
    input: (t) => ({ from: new Date(t - 3_600_000).toISOString(), to: new Date(t).toISOString() }),
    tasks: [
      taskDef("sync-timeseries", "function", fnParams("historian-sync"), [], { timeout: 3600 }),
      taskDef("update-metadata", "cdf", cdfParams("/timeseries/update", "POST", { items: [] }), ["sync-timeseries"]),
    ],
    failAt: 0,
    failure: "Function historian-sync failed: ConnectionError: historian.example.net:443 refused the connection",
  },
  backfill: {
    description: "Reprocess a range of months, one task per month",
    input: () => ({ from: "2026-01", to: "2026-02" }),
    tasks: [
      taskDef("plan-ranges", "function", fnParams("backfill-planner")),
      taskDef("backfill-ranges", "dynamic", { dynamic: { tasks: "${plan-ranges.output.response.tasks}" } }, ["plan-ranges"]),
    ],
    dynamicTasks: [
      taskDef("backfill-2026-01", "function", fnParams("backfill-worker", { month: "2026-01" })),
      taskDef("backfill-2026-02", "function", fnParams("backfill-worker", { month: "2026-02" })),
    ],
    failAt: 1,
    failure: "Function backfill-worker failed: MemoryError",
  },
  "asset-hierarchy": {
    description: "Rebuild the asset hierarchy from the source system",
    input: () => ({ rootExternalId: "plant-oslo" }),
    tasks: [
      taskDef("fetch-source", "function", fnParams("hierarchy-source")),
      taskDef("build-hierarchy", "transformation", trParams("asset-hierarchy-build"), ["fetch-source"]),
    ],
    failAt: 1,
    failure: "Transformation asset-hierarchy-build failed: parent asset plant-oslo/pump-7 does not exist",
  },
  "timeseries-rollup": {
    // no description: it is optional in the API
    input: null,
    tasks: [
      taskDef("rollup-hourly", "transformation", trParams("rollup-hourly")),
      taskDef("rollup-daily", "transformation", trParams("rollup-daily"), ["rollup-hourly"]),
    ],
    failAt: 1,
    failure: "Transformation rollup-daily failed: query timed out after 900 s",
  },
  "quality-checks": {
    description: "Sample the latest data, simulate the pumps, report deviations",
    input: () => ({ sampleSize: 500, threshold: 0.05 }),
    tasks: [
      taskDef("load-sample", "cdf", cdfParams("/timeseries/data/list", "POST", { items: [{ externalId: "pump-7-flow" }], limit: 500 })),
      taskDef("simulate-pumps", "simulation", { simulation: { routineExternalId: "pump-efficiency", inputs: [] } }, ["load-sample"]),
      taskDef("report", "function", fnParams("quality-report"), ["simulate-pumps"]),
    ],
    failAt: 1,
    failure: "Simulation pump-efficiency failed: the solver did not converge",
  },
});

/** Which workflow each hand-written seed execution runs. */
const SEED_WORKFLOW = {
  "11111111-1111-4111-8111-111111111111": "nightly-ingest",
  "22222222-2222-4222-8222-222222222222": "hourly-sync",
  "33333333-3333-4333-8333-333333333333": "backfill",
  "44444444-4444-4444-8444-444444444444": "nightly-ingest",
  "55555555-5555-4555-8555-555555555555": "nightly-ingest",
  "66666666-6666-4666-8666-666666666666": "asset-hierarchy",
  "77777777-7777-4777-8777-777777777777": "timeseries-rollup",
};

/** The workflow versions the generated executions run. */
const GENERATED_WORKFLOWS = [
  ["nightly-ingest", "v3"], ["nightly-ingest", "v4"], ["hourly-sync", "1"], ["hourly-sync", "2"],
  ["asset-hierarchy", "2"], ["quality-checks", "1"],
];
const GENERATED_METADATA = [{}, { team: "data" }, { trigger: "schedule" }, { team: "ops", trigger: "manual" }, { owner: "demo" }];
/** Status weights of the generated executions beyond the first five (one of each). */
const GENERATED_WEIGHTS = [["FAILED", 35], ["COMPLETED", 30], ["RUNNING", 13], ["TIMED_OUT", 11], ["TERMINATED", 11]];

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** A UUID (version 4 layout) from 32 hex digits. */
function uuidFromHex(h) {
  const variant = "89ab"[parseInt(h[16], 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
/** A stable UUID for a name (task execution ids). */
const uuidFor = (name) => uuidFromHex(sha256(name));
/** A stable integer from 1 to max for a name (call ids, job ids…). */
const intFor = (name, max) => 1 + (parseInt(sha256(name).slice(0, 12), 16) % max);

/** mulberry32: a small deterministic PRNG, floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUuid(rand) {
  let hex = "";
  for (let i = 0; i < 32; i += 1) hex += Math.floor(rand() * 16).toString(16);
  return uuidFromHex(hex);
}

/** The workflow-level reason for a stop at task `taskId`. */
function executionReason(status, taskId) {
  if (status === "FAILED") return `Task ${taskId} failed`;
  if (status === "TIMED_OUT") return `Task ${taskId} timed out`;
  if (status === "TERMINATED") return "Terminated by user";
  return undefined;
}

/**
 * Hidden bookkeeping of one execution (never part of an answer): its workflow, where it
 * stops, its first run, its retries and the pending end of the current run.
 */
function mockInfo(record, { workflow, generated, failsAgain, failStatus }) {
  const wf = WORKFLOWS[workflow];
  return {
    workflow,
    generated,
    failsAgain,
    failAt: wf.failAt,
    failStatus, // the task status of a FAILED first run: FAILED or FAILED_WITH_TERMINAL_ERROR
    input: wf.input ? wf.input(record.createdTime) : undefined,
    first: { status: record.status, start: record.startTime ?? record.createdTime, end: record.endTime },
    attempt: 0, // successful retries so far
    run: null, // the run after the first: { attempt, taskStart, status, end?, reason? }
    pending: null, // how and when the current run ends: { at, status, reason? }
  };
}

/**
 * The executions every project starts with: the hand-written SEED_EXECUTIONS, then `count`
 * generated ones (deterministic for a `seed` and a `now`), created over the 7 days before `now`.
 * Returns [{ record, mock }].
 */
function buildSeed({ seed, count, now }) {
  const out = SEED_EXECUTIONS.map((e) => ({
    record: structuredClone(e),
    mock: mockInfo(e, { workflow: SEED_WORKFLOW[e.id], generated: false, failsAgain: false, failStatus: "FAILED" }),
  }));
  const rand = prng(seed);
  const statuses = [];
  const totalWeight = GENERATED_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (let i = 0; i < count; i += 1) {
    if (i < WORKFLOW_STATUSES.length) {
      statuses.push(WORKFLOW_STATUSES[i]);
      continue;
    }
    let r = rand() * totalWeight;
    const [status] = GENERATED_WEIGHTS.find(([, w]) => (r -= w) < 0) ?? GENERATED_WEIGHTS[0];
    statuses.push(status);
  }
  for (let i = statuses.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [statuses[i], statuses[j]] = [statuses[j], statuses[i]];
  }
  let retryable = 0;
  let failed = 0;
  for (const status of statuses) {
    const [workflow, version] = GENERATED_WORKFLOWS[Math.floor(rand() * GENERATED_WORKFLOWS.length)];
    const wf = WORKFLOWS[workflow];
    const id = randomUuid(rand);
    const engineExecutionId = randomUuid(rand);
    const age = status === "RUNNING"
      ? 120_000 + rand() * 88 * 60_000 // 2 to 90 minutes ago
      : 2 * 3_600_000 + rand() * (7 * 86_400_000 - 2 * 3_600_000); // 2 hours to 7 days ago
    const createdTime = Math.floor(now - age);
    const startTime = createdTime + 200 + Math.floor(rand() * 2800);
    const record = { id, workflowExternalId: workflow, version, status, engineExecutionId, createdTime, startTime };
    if (status !== "RUNNING") {
      const duration = status === "TIMED_OUT" ? 3_600_000 + Math.floor(rand() * 5000) : 60_000 + Math.floor(rand() * 39 * 60_000);
      record.endTime = startTime + duration;
    }
    const reason = executionReason(status, wf.tasks[wf.failAt].externalId);
    if (reason) record.reasonForIncompletion = reason;
    record.metadata = structuredClone(GENERATED_METADATA[Math.floor(rand() * GENERATED_METADATA.length)]);
    let failsAgain = false;
    if (RETRYABLE_STATUSES.has(status)) failsAgain = retryable++ % 3 === 1;
    let failStatus = "FAILED";
    if (status === "FAILED" && failed++ % 3 === 2) failStatus = "FAILED_WITH_TERMINAL_ERROR";
    out.push({ record, mock: mockInfo(record, { workflow, generated: true, failsAgain, failStatus }) });
  }
  return out;
}

/** Replace `${workflow.input}` and `${workflow.input.key}` references in a definition. */
function resolveRefs(value, input) {
  if (typeof value === "string") {
    if (value === "${workflow.input}") return structuredClone(input ?? {});
    return value.replace(/\$\{workflow\.input\.([A-Za-z0-9_]+)\}/g, (_, key) => String(input?.[key] ?? ""));
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, input));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, input)]));
  return value;
}

/** The resolved input of a task execution. */
function taskInput(execution, wf, def) {
  const input = resolveRefs(structuredClone(def.parameters), execution.mock.input);
  if (input.dynamic) input.dynamic.tasks = structuredClone(wf.dynamicTasks ?? []);
  return input;
}

/** The output of a task execution, by task type and status (`{}` before it starts). */
function taskOutput(wf, def, id, status, started) {
  if (!started) return {};
  const done = status === "COMPLETED";
  const running = status === "IN_PROGRESS";
  switch (def.type) {
    case "function": {
      const out = { callId: intFor(`${id}/call`, 9_000_000_000), functionId: intFor(`${def.externalId}/fn`, 9_000_000) };
      if (done) out.response = { ok: true, processed: intFor(`${id}/rows`, 5000) };
      return out;
    }
    case "transformation":
      return { jobId: intFor(`${id}/job`, 9_000_000) };
    case "cdf":
      if (running) return {};
      return done ? { statusCode: 200, response: { items: [] } } : { statusCode: 503, response: "Service Unavailable" };
    case "dynamic":
      return { dynamicTasks: structuredClone(wf.dynamicTasks ?? []) };
    case "simulation":
      return {
        runId: intFor(`${id}/run`, 9_000_000),
        logId: intFor(`${id}/log`, 9_000_000),
        statusMessage: done ? "Success" : running ? "Running" : "Simulation failed: the solver did not converge",
      };
    default:
      return {};
  }
}

/** Why a task stopped, by its status. */
function taskReason(wf, def, status, isFailTask) {
  if (status === "FAILED" || status === "FAILED_WITH_TERMINAL_ERROR") {
    return isFailTask && wf.failure ? wf.failure : `Task ${def.externalId} failed`;
  }
  if (status === "TIMED_OUT") return `Task timed out after ${def.timeout} s`;
  if (status === "CANCELED") return "Canceled: the workflow execution was terminated";
  return undefined;
}

/** The task status that a workflow status leaves on the task it stopped at. */
function stopStatus(status, failStatus) {
  return { FAILED: failStatus, TIMED_OUT: "TIMED_OUT", TERMINATED: "CANCELED", COMPLETED: "COMPLETED", RUNNING: "IN_PROGRESS" }[status]
    ?? "FAILED";
}

/**
 * One task execution (`TaskExecution` in the OpenAPI), plus the tasks a dynamic task made.
 * `start`/`end` undefined: not started / not ended.
 */
function taskExecutions(execution, wf, def, { attempt, status, start, end, isFailTask }) {
  const id = uuidFor(`${execution.id}/${def.externalId}/${attempt}`);
  const started = start !== undefined;
  const task = { id, externalId: def.externalId, status, taskType: def.type };
  if (started) task.startTime = start;
  if (end !== undefined) task.endTime = end;
  task.input = taskInput(execution, wf, def);
  task.output = taskOutput(wf, def, id, status, started);
  const reason = taskReason(wf, def, status, isFailTask && def.type !== "dynamic");
  if (reason) task.reasonForIncompletion = reason;
  const tasks = [task];
  if (def.type === "dynamic" && started) {
    const [a, b] = wf.dynamicTasks;
    const child = (d, s, from, to) => {
      const t = taskExecutions(execution, wf, d, { attempt, status: s, start: from, end: to, isFailTask: true })[0];
      return { id: t.id, externalId: t.externalId, parentTaskExternalId: def.externalId, ...t };
    };
    if (status === "IN_PROGRESS") {
      tasks.push(child(a, "IN_PROGRESS", start, undefined), child(b, "SCHEDULED", undefined, undefined));
    } else {
      const mid = start + Math.floor((end - start) / 2);
      tasks.push(child(a, "COMPLETED", start, mid), child(b, status, mid, end));
    }
  }
  return tasks;
}

/** Split [from, to] into `n` consecutive slots. */
function slots(from, to, n) {
  const size = Math.max(0, Math.floor((to - from) / n));
  return Array.from({ length: n }, (_, i) => ({ start: from + i * size, end: i === n - 1 ? to : from + (i + 1) * size }));
}

/** The executed tasks of an execution as it is now: first run, then the latest retry. */
function executedTasks(execution) {
  const m = execution.mock;
  const wf = WORKFLOWS[m.workflow];
  const defs = wf.tasks;
  const k = m.failAt;
  const { first } = m;
  const out = [];
  const push = (def, opts) => out.push(...taskExecutions(execution, wf, def, opts));

  if (first.status === "COMPLETED") {
    slots(first.start, first.end, defs.length).forEach((slot, i) =>
      push(defs[i], { attempt: 0, status: "COMPLETED", ...slot }));
    return out;
  }
  // The first run: tasks before k completed; k stopped (or still runs).
  const firstSlots = first.end === undefined
    ? Array.from({ length: k + 1 }, (_, i) => ({ start: first.start + i * 60_000, end: first.start + (i + 1) * 60_000 }))
    : slots(first.start, first.end, k + 1);
  for (let i = 0; i < k; i += 1) push(defs[i], { attempt: 0, status: "COMPLETED", ...firstSlots[i] });

  const run = m.run ?? { attempt: 0, taskStart: firstSlots[k].start, status: first.status, end: first.end };
  const status = stopStatus(run.status, run.attempt === 0 ? m.failStatus : "FAILED");
  if (run.status === "COMPLETED") {
    slots(run.taskStart, run.end, defs.length - k).forEach((slot, i) =>
      push(defs[k + i], { attempt: run.attempt, status: "COMPLETED", ...slot }));
  } else {
    push(defs[k], { attempt: run.attempt, status, start: run.taskStart, end: run.end, isFailTask: true });
  }
  return out;
}

/** The definition part of a detailed execution (`WorkflowDefinitionResponse`). */
function workflowDefinition(execution) {
  const wf = WORKFLOWS[execution.mock.workflow];
  const definition = { hash: sha256(`${execution.workflowExternalId}@${execution.version ?? ""}`).slice(0, 32).toUpperCase() };
  if (wf.description) definition.description = wf.description;
  definition.tasks = structuredClone(wf.tasks);
  return definition;
}

/** An execution as the API shows it: known fields in doc order, absent ones omitted. */
function executionView(execution) {
  const view = {};
  for (const field of EXECUTION_FIELDS) {
    if (execution[field] !== undefined) view[field] = structuredClone(execution[field]);
  }
  return view;
}

/** The detailed execution (`WorkflowExecution` in the OpenAPI). */
function detailedView(execution) {
  const view = {};
  for (const field of DETAILED_FIELDS) {
    if (field === "workflowDefinition") view.workflowDefinition = workflowDefinition(execution);
    else if (field === "executedTasks") view.executedTasks = executedTasks(execution);
    else if (field === "input") {
      if (execution.mock.input !== undefined) view.input = structuredClone(execution.mock.input);
    } else if (execution[field] !== undefined) view[field] = structuredClone(execution[field]);
  }
  return view;
}

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
function projectState(state, name) {
  let project = state.projects.get(name);
  if (!project) {
    project = {
      executions: cloneSeedExecutions(state), // id -> execution (public fields + hidden `mock`)
      queue: [], // script steps
      log: [], // API requests
      cursors: new Map(), // list cursor -> { filterKey, after: { createdTime, id } }
      outcomes: new Map(), // execution id or "*" -> { statuses: [...], delayMs?, reasonForIncompletion? }
      oauth: { expiresIn: state.options.tokenExpiresIn, lifetimeSeconds: null }, // token endpoint settings
      counts: { requests: countersByOp(), tokensIssued: 0 },
      inFlight: { now: countersByOp(["all"]), max: countersByOp(["all"]) },
    };
    state.projects.set(name, project);
  }
  settleDue(project);
  return project;
}

/** Forget a project: executions, queue, log, cursors, outcomes, counts and the nonces made for it. */
function resetProject(state, name) {
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
function settleDue(project, now = Date.now()) {
  for (const execution of project.executions.values()) {
    const { pending } = execution.mock;
    if (pending && pending.at <= now) settle(execution, pending);
  }
}

/** End the current run as `pending` says: status, endTime, reason, and the tasks with them. */
function settle(execution, pending) {
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
function takeOutcome(state, project, execution, now) {
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

/**
 * Send status, headers (with the full Content-Length) and only the first `bytes` bytes of the
 * body (at most all but its last byte), then drop the connection: a body that cannot be read
 * to the end (scripted `truncateAfter`).
 */
function sendTruncated(ctx, answer, bytes) {
  const { res } = ctx;
  if (res.headersSent || res.destroyed || ctx.gone) return;
  const headers = buildHeaders(ctx, answer.headers);
  const body = Buffer.from(answer.body ?? "");
  const cut = body.subarray(0, Math.min(bytes, Math.max(0, body.length - 1)));
  headers["content-length"] = String(Math.max(body.length, cut.length + 1));
  recordStatus(ctx, answer.status);
  logLine(ctx, `${answer.status} (truncated after ${cut.length} bytes)`);
  res.writeHead(answer.status, headers);
  res.write(cut, () => ctx.req.socket.destroy());
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

  const fullPath = safeDecode(target.pathname) ?? target.pathname;
  const isApi = segments[0] === "api" && segments[1] === "v1" && segments[2] === "projects";
  const project = isApi && segments[3] ? safeDecode(segments[3]) : null;
  if (project) return handleApi(ctx, project, { ...matchApiRoute(segments.slice(4)), fullPath });

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
// The CDF API (and the token endpoint, which shares its logging and scripting)
// ---------------------------------------------------------------------------

/**
 * Which operation a path below /api/v1/projects/{project}/ is, and its method:
 * `{ op, method, executionId?, relPath }`.
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
  const headerProblem = checkApiHeaders(req.headers, route.method, bodyText);
  if (headerProblem) return errorAnswer(400, headerProblem);
  if ((route.op === "retry" || route.op === "get") && !(route.executionId && UUID_RE.test(route.executionId))) {
    return errorAnswer(400, "Invalid executionId in path: expected a UUID of 36 characters");
  }
  if (route.op === "get") return getExecution(project, route.executionId);
  const parsed = parseJson(bodyText);
  if (!parsed.ok) return errorAnswer(400, `Invalid JSON in request body: ${parsed.error}`);
  if (route.op === "sessions") return createSession(state, projectName, parsed.value);
  if (route.op === "list") return listExecutionsApi(project, parsed.value);
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
 * The problem with the request headers, or null. A POST needs `Content-Type: application/json`;
 * a GET has no body and no Content-Type. Both need Accept and x-cdp-sdk.
 */
function checkApiHeaders(headers, method, bodyText) {
  const contentType = headers["content-type"];
  if (method === "GET") {
    if (contentType !== undefined) return "Unexpected Content-Type header: a GET request has no body";
    if (bodyText !== "" || headers["transfer-encoding"] !== undefined) return "A GET request must not have a body";
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

/** An Accept list that names application/json itself (`*\/*` alone is not enough). */
function acceptsJson(accept) {
  return accept.split(",").map((r) => r.split(";")[0].trim().toLowerCase()).includes("application/json");
}

/** The first key of `obj` not in `allowed`, or undefined. */
function unexpectedKey(obj, allowed) {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

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

// --- list ------------------------------------------------------------------

/** The problem with a workflow external id or version, or null (the API's rules). */
function identifierProblem(value, where) {
  if (typeof value !== "string") return `${where} must be a string`;
  if (value.length < 1 || value.length > 255) return `${where} must be 1 to 255 characters`;
  if (value.trim() !== value) return `${where} must not have leading or trailing whitespace`;
  if (value.includes("\0")) return `${where} must not contain NUL characters`;
  return null;
}

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
function newestFirst(a, b) {
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
function listExecutionsApi(project, body) {
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

// --- get -------------------------------------------------------------------

function getExecution(project, executionId) {
  const id = executionId.toLowerCase();
  const execution = project.executions.get(id);
  if (!execution) return errorAnswer(404, "Workflow execution not found", { missing: [{ id }] });
  return jsonAnswer(200, detailedView(execution));
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

/**
 * Order: body shape, execution exists (404), retryable (400), nonce (400).
 * The nonce is bound only when the retry succeeds. The execution then runs again, and
 * ends as its outcome says, `delayMs` later.
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

// --- token endpoint (OAuth 2.0 client credentials, RFC 6749 §4.4) -----------

const TOKEN_PARAMS = ["grant_type", "client_id", "client_secret", "scope", "audience"];

/** An OAuth error answer (RFC 6749 §5.2). */
function oauthError(status, error, description, headers = {}) {
  return jsonAnswer(status, { error, error_description: description }, { "cache-control": "no-store", ...headers });
}

/**
 * The form parameters of a token request, or `{ problem }`. Strict: every parameter once,
 * only the known ones, well-formed percent-encoding.
 */
function parseTokenForm(text) {
  if (text === "") return { problem: "The request body is empty" };
  const params = {};
  for (const pair of text.split("&")) {
    if (/%(?![0-9a-fA-F]{2})/.test(pair)) return { problem: "The request body is not well-formed form data" };
    const eq = pair.indexOf("=");
    const decode = (s) => safeDecode(s.replace(/\+/g, " "));
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? "" : pair.slice(eq + 1));
    if (name === null || value === null) return { problem: "The request body is not well-formed form data" };
    if (!TOKEN_PARAMS.includes(name)) return { problem: `Unexpected parameter ${quote(name)}` };
    if (has(params, name)) return { problem: `Parameter ${quote(name)} is repeated` };
    params[name] = value;
  }
  return { params };
}

/** The `expires_in` to answer (number, string, or undefined to omit) and the real lifetime in s. */
function tokenExpiry(oauth) {
  const { expiresIn, lifetimeSeconds } = oauth;
  let lifetime = ASSUMED_TOKEN_LIFETIME_S;
  if (typeof expiresIn === "number") lifetime = expiresIn;
  else if (typeof expiresIn === "string" && /^\d+$/.test(expiresIn.trim())) lifetime = Number(expiresIn.trim());
  return { expiresIn: expiresIn ?? undefined, lifetime: lifetimeSeconds ?? lifetime };
}

/**
 * POST /oauth2/token or /oauth2/{tenant}/token. Checks, in order: method, headers (form
 * Content-Type, Accept with application/json, no Authorization and no x-cdp-* header),
 * the form, grant_type, client credentials. The secret is never echoed.
 */
function processToken(ctx, tenant, project, bodyText) {
  const { req, state } = ctx;
  if (req.method !== "POST") {
    return oauthError(405, "invalid_request", `Method ${req.method} is not allowed here; use POST`, { allow: "POST, OPTIONS" });
  }
  const { headers } = req;
  const contentType = headers["content-type"];
  if (!contentType || contentType.split(";")[0].trim().toLowerCase() !== "application/x-www-form-urlencoded") {
    return oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  }
  if (!headers.accept || !acceptsJson(headers.accept)) {
    return oauthError(400, "invalid_request", "The Accept header must include application/json");
  }
  if (headers.authorization !== undefined) {
    return oauthError(400, "invalid_request", "A token request must not carry an Authorization header (the client authenticates in the body)");
  }
  const cdp = Object.keys(headers).find((name) => name.startsWith("x-cdp-"));
  if (cdp) return oauthError(400, "invalid_request", `Unexpected header ${quote(cdp)}: the identity provider is not CDF`);
  const { params, problem } = parseTokenForm(bodyText);
  if (problem) return oauthError(400, "invalid_request", problem);
  if (!params.grant_type) return oauthError(400, "invalid_request", "Missing grant_type");
  if (params.grant_type !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported");
  }
  for (const name of ["client_id", "client_secret"]) {
    if (!params[name]) return oauthError(400, "invalid_request", `Missing ${name}`);
  }
  for (const name of ["scope", "audience"]) {
    if (has(params, name) && params[name].trim() === "") return oauthError(400, "invalid_request", `${name} must not be empty when present`);
  }
  if (!validClientCredentials({ clientId: params.client_id, clientSecret: params.client_secret })) {
    return oauthError(401, "invalid_client", "Client authentication failed");
  }
  const { expiresIn, lifetime } = tokenExpiry(project.oauth);
  const accessToken = `mock-at-${randomBytes(24).toString("base64url")}`;
  state.tokens.set(accessToken, { tenant, expiresAt: Date.now() + lifetime * 1000, revoked: false });
  project.counts.tokensIssued += 1;
  const answer = { access_token: accessToken, token_type: "Bearer" };
  if (expiresIn !== undefined) answer.expires_in = expiresIn;
  return jsonAnswer(200, answer, { "cache-control": "no-store", pragma: "no-cache" });
}

// ---------------------------------------------------------------------------
// Scripted steps
// ---------------------------------------------------------------------------

/** Whether a step's `path` names the request: its full path or the part after the project. */
function pathMatches(stepPath, route) {
  const want = (safeDecode(stepPath) ?? stepPath).toLowerCase();
  return want === route.fullPath.toLowerCase() || (route.relPath !== "" && want === route.relPath.toLowerCase());
}

/**
 * Take the first queued step matching the request (its `on` and `path`): a step with
 * `times` above 1 stays queued with one use less; otherwise it is removed. Null if none.
 */
function takeStep(project, route) {
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
async function applyStep(ctx, step, run, op) {
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
function stepProblem(step, index) {
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

// ---------------------------------------------------------------------------
// The control API (/_mock/...)
// ---------------------------------------------------------------------------

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

async function handleControl(ctx, segments, search) {
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

const OPTION_KEYS = [
  "port", "host", "quiet", "nonceTtlMs", "keepAlive", "static",
  "seed", "generatedExecutions", "seedTime", "retryOutcomeDelayMs", "tokenExpiresIn",
];

/** An optional integer option from `min` to `max`, or its default. */
function intOption(opts, name, min, max, fallback) {
  const value = opts[name] ?? fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`opts.${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function normalizeOptions(opts) {
  if (!isPlainObject(opts)) throw new TypeError("startMockServer(opts): opts must be an object");
  const unknown = Object.keys(opts).find((k) => !OPTION_KEYS.includes(k) && opts[k] !== undefined);
  if (unknown !== undefined) throw new TypeError(`startMockServer(opts): unknown option ${quote(unknown)}`);
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
    seed: intOption(opts, "seed", 0, 0xffffffff, 1),
    generatedExecutions: intOption(opts, "generatedExecutions", 0, MAX_GENERATED_EXECUTIONS, DEFAULT_GENERATED_EXECUTIONS),
    seedTime: intOption(opts, "seedTime", 0, Number.MAX_SAFE_INTEGER, Date.now()),
    retryOutcomeDelayMs: intOption(opts, "retryOutcomeDelayMs", 0, MAX_TIMER_MS, DEFAULT_RETRY_OUTCOME_DELAY_MS),
    tokenExpiresIn: intOption(opts, "tokenExpiresIn", 0, 10 * 365 * 86_400, DEFAULT_TOKEN_EXPIRES_IN),
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
 * Run a control call in process (no HTTP, no fetch): the same answers as `/_mock/…`.
 * `path` is below /_mock (with or without that prefix, query allowed); `body` is a JSON
 * value (a string is sent as is). Returns `{ status, body }`, body parsed (null when empty).
 */
function controlInProcess(state, method, path, body) {
  if (typeof method !== "string" || typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError("control(method, path, body?): method and a path starting with / are required");
  }
  const target = parseTarget(path.startsWith("/_mock/") ? path : `/_mock${path}`);
  if (!target) throw new TypeError(`control: malformed path ${quote(path)}`);
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const answer = runControl(state, method.toUpperCase(), target.pathname.split("/").slice(2), target.search, text);
  return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : null };
}

/**
 * Start the mock server.
 * @param {{port?: number, host?: string, static?: Record<string,string>, quiet?: boolean, nonceTtlMs?: number,
 *   keepAlive?: boolean, seed?: number, generatedExecutions?: number, seedTime?: number,
 *   retryOutcomeDelayMs?: number, tokenExpiresIn?: number}} opts
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>,
 *   control: (method: string, path: string, body?: unknown) => {status: number, body: any}}>}
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
  const control = (method, path, body) => controlInProcess(state, method, path, body);
  return { url: urlFor(options.host, port), port, close, control };
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/** Numeric command-line flags and the option each sets. */
const CLI_NUMBERS = {
  port: "port",
  "nonce-ttl-ms": "nonceTtlMs",
  seed: "seed",
  "generated-executions": "generatedExecutions",
  "seed-time": "seedTime",
  "retry-outcome-delay-ms": "retryOutcomeDelayMs",
  "token-expires-in": "tokenExpiresIn",
};
const CLI_USAGE = "usage: node tests/mock/server.mjs [--port N] [--host H] [--static PREFIX=DIR]... [--quiet] [--nonce-ttl-ms N]\n" +
  "       [--seed N] [--generated-executions N] [--seed-time MS] [--retry-outcome-delay-ms N] [--token-expires-in S]\n";

/** Parse `--port N --host H --static PREFIX=DIR --quiet` and the numeric flags of CLI_NUMBERS. */
function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      static: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      ...Object.fromEntries(Object.keys(CLI_NUMBERS).map((flag) => [flag, { type: "string" }])),
    },
    strict: true,
  });
  const opts = { host: values.host, quiet: values.quiet };
  for (const [flag, option] of Object.entries(CLI_NUMBERS)) {
    if (values[flag] === undefined) continue;
    if (!/^\d+$/.test(values[flag])) throw new TypeError(`--${flag} expects a non-negative integer, got ${quote(values[flag])}`);
    opts[option] = Number(values[flag]);
  }
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
    process.stderr.write(`mock server: ${err.message}\n${CLI_USAGE}`);
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
