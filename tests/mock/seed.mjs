// The mock's seeded data: the hand-written executions (SEED_EXECUTIONS), the workflows they
// run, and the generated executions (deterministic for a seed and a "now").

import { prng, randomUuid, deepFreeze, intFor, sha256 } from "./util.mjs";

export const RETRYABLE_STATUSES = new Set(["FAILED", "TIMED_OUT", "TERMINATED"]);
export const WORKFLOW_STATUSES = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];

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
    reasonForIncompletion: "Task load-assets failed: Transformation sap-assets-to-cdf failed: 12 rows violate the unique constraint on externalId",
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
    reasonForIncompletion: "Transformation 'asset-hierarchy-build' failed: 429 Too Many Requests, request id 5f3c1e8a9b0d7c24",
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
    reasonForIncompletion: "Transformation rollup-daily failed: query timed out after 900 s",
    metadata: {},
  },
]);

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
 * failed (or running) execution stopped at; `failure` the reason that task gives (for the
 * hand-written executions; the generated FAILED ones take theirs from FAILURE_MODES).
 */
export const WORKFLOWS = deepFreeze({
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
    failure: "Transformation 'asset-hierarchy-build' failed: 429 Too Many Requests, request id 5f3c1e8a9b0d7c24",
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

/** The detail of a generated failure: numbers, a request id and a host that vary with the execution. */
function failureDetail(id) {
  const n = (name, max) => intFor(`${id}/failure/${name}`, max);
  return {
    seconds: [900, 600, 540, 300][n("seconds", 4) - 1],
    requestId: `5f3c${sha256(`${id}/request`).slice(0, 12)}`, // hex, with letters: an id, not a number
    host: `10.0.${n("subnet", 3) - 1}.${n("host", 250) + 3}`,
    rows: n("rows", 60) + 1,
    pump: n("pump", 24),
    iterations: [200, 500, 1000][n("iterations", 3) - 1],
  };
}

const timedOut = (d) => `Function call timed out after ${d.seconds} seconds`;
const rateLimited = (transformation) => (d) =>
  `Transformation '${transformation}' failed: 429 Too Many Requests, request id ${d.requestId}`;
const unreachable = {
  task: (d) => `OperationalError: could not connect to server: Connection refused. Is the server running on host "${d.host}" and accepting TCP/IP connections on port 5432?`,
  execution: (task) => (d) => `Task ${task} failed: Could not connect to host ${d.host}:5432`,
};
const unavailable = {
  task: () => "CDF request failed: 503 Service Unavailable",
  execution: () => "Service temporarily unavailable",
};

/**
 * Why the generated FAILED executions failed, per workflow: the task that failed, how often
 * (weight), its reason, and the execution's (the task's own when not given). Chosen from the
 * execution's id, so a grouping by normalised reason finds groups of several sizes.
 */
const FAILURE_MODES = {
  "nightly-ingest": [
    { task: "extract-sap", weight: 4, reason: timedOut },
    { task: "load-assets", weight: 3, reason: rateLimited("sap-assets-to-cdf") },
    {
      task: "load-assets",
      weight: 2,
      reason: (d) => `Transformation sap-assets-to-cdf failed: ${d.rows} rows violate the unique constraint on externalId`,
      execution: (d) => `Task load-assets failed: Transformation sap-assets-to-cdf failed: ${d.rows} rows violate the unique constraint on externalId`,
    },
  ],
  "hourly-sync": [
    { task: "sync-timeseries", weight: 4, reason: timedOut },
    { task: "sync-timeseries", weight: 2, reason: unreachable.task, execution: unreachable.execution("sync-timeseries") },
    { task: "update-metadata", weight: 2, reason: unavailable.task, execution: unavailable.execution },
  ],
  "asset-hierarchy": [
    { task: "build-hierarchy", weight: 3, reason: rateLimited("asset-hierarchy-build") },
    { task: "fetch-source", weight: 2, reason: unreachable.task, execution: unreachable.execution("fetch-source") },
    {
      task: "build-hierarchy",
      weight: 1,
      reason: (d) => `Transformation asset-hierarchy-build failed: parent asset plant-oslo/pump-${d.pump} does not exist`,
    },
  ],
  "quality-checks": [
    { task: "simulate-pumps", weight: 2, reason: (d) => `Simulation pump-efficiency failed: the solver did not converge after ${d.iterations} iterations` },
    { task: "load-sample", weight: 2, reason: unavailable.task, execution: unavailable.execution },
    { task: "report", weight: 1, reason: timedOut },
  ],
};

/** How a generated FAILED execution failed: `{ failAt, task reason, execution reason }`. */
function generatedFailure(workflow, id) {
  const modes = FAILURE_MODES[workflow];
  let r = intFor(`${id}/failure`, modes.reduce((sum, m) => sum + m.weight, 0)) - 1;
  const mode = modes.find((m) => (r -= m.weight) < 0);
  const d = failureDetail(id);
  const failure = mode.reason(d);
  return {
    failAt: WORKFLOWS[workflow].tasks.findIndex((t) => t.externalId === mode.task),
    failure,
    reason: mode.execution ? mode.execution(d) : failure,
  };
}

/** Why a generated TERMINATED execution was stopped: by a user in the UI, or cancelled through the API. */
const terminatedReason = (id) => (intFor(`${id}/terminated`, 3) === 1 ? "cancelled" : "Terminated by user");

/** The workflow-level reason for a stop at task `taskId`. */
export function executionReason(status, taskId) {
  if (status === "FAILED") return `Task ${taskId} failed`;
  if (status === "TIMED_OUT") return `Task ${taskId} timed out`;
  if (status === "TERMINATED") return "Terminated by user";
  return undefined;
}

/**
 * Hidden bookkeeping of one execution (never part of an answer): its workflow, where it
 * stops, its first run, its retries and the pending end of the current run.
 */
function mockInfo(record, { workflow, generated, failsAgain, failStatus, failAt, failure }) {
  const wf = WORKFLOWS[workflow];
  return {
    workflow,
    generated,
    failsAgain,
    failAt: failAt ?? wf.failAt,
    failure: failure ?? wf.failure, // the reason the task at failAt gives when it fails
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
export function buildSeed({ seed, count, now }) {
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
  let failedCount = 0;
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
    const failed = status === "FAILED" ? generatedFailure(workflow, id) : null;
    const reason = failed?.reason
      ?? (status === "TERMINATED" ? terminatedReason(id) : executionReason(status, wf.tasks[wf.failAt].externalId));
    if (reason) record.reasonForIncompletion = reason;
    record.metadata = structuredClone(GENERATED_METADATA[Math.floor(rand() * GENERATED_METADATA.length)]);
    let failsAgain = false;
    if (RETRYABLE_STATUSES.has(status)) failsAgain = retryable++ % 3 === 1;
    let failStatus = "FAILED";
    if (status === "FAILED" && failedCount++ % 3 === 2) failStatus = "FAILED_WITH_TERMINAL_ERROR";
    const where = failed ? { failAt: failed.failAt, failure: failed.failure } : {};
    out.push({ record, mock: mockInfo(record, { workflow, generated: true, failsAgain, failStatus, ...where }) });
  }
  return out;
}
