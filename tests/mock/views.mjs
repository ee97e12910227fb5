// How an execution is shown: the list / retry item (WorkflowExecutionResponse) and the
// detailed execution (WorkflowExecution: definition, executed tasks, input).

import { sha256, uuidFor, intFor, isPlainObject } from "./util.mjs";
import { WORKFLOWS } from "./seed.mjs";

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

/** Why a task stopped, by its status (`failure`: the reason of the task the execution stops at). */
function taskReason(failure, def, status, isFailTask) {
  if (status === "FAILED" || status === "FAILED_WITH_TERMINAL_ERROR") {
    return isFailTask && failure ? failure : `Task ${def.externalId} failed`;
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
  const reason = taskReason(execution.mock.failure, def, status, isFailTask && def.type !== "dynamic");
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
export function slots(from, to, n) {
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
export function executionView(execution) {
  const view = {};
  for (const field of EXECUTION_FIELDS) {
    if (execution[field] !== undefined) view[field] = structuredClone(execution[field]);
  }
  return view;
}

/** The detailed execution (`WorkflowExecution` in the OpenAPI). */
export function detailedView(execution) {
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
