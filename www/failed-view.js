// Rendering of the failed-executions view (failed.js holds the state and calls the package).
// Like view.js, text reaches the DOM only through text nodes, never as markup. The helpers at the
// top touch no DOM, so Node can test them (tests/e2e/failed-view.test.mjs).
import { h, badge, time, plain, explain } from "./view.js";

/** The statuses a retry accepts, and so the ones this view lists. */
export const RETRYABLE = ["FAILED", "TIMED_OUT", "TERMINATED"];
/** At most this many executions are listed (the newest first). */
export const LIST_LIMIT = 1000;

/** "11111111…": the start of an execution id, enough to tell rows apart. */
export const shortId = (id) => `${String(id).slice(0, 8)}…`;

/**
 * The options of `listExecutions` for the filters: `workflow` (an external id or ""),
 * `statuses` (some of RETRYABLE) and `sinceMs` (how far back, or 0 for any time).
 */
export function listOptions({ workflow = "", statuses = RETRYABLE, sinceMs = 0 }, now = Date.now()) {
  const options = { status: [...statuses], limit: LIST_LIMIT };
  if (workflow) options.workflows = [workflow];
  if (sinceMs > 0) options.createdTimeStart = Math.max(0, Math.floor(now - sinceMs));
  return options;
}

/** Task statuses that mean "this task is why the execution did not complete". */
const INCOMPLETE_TASK = new Set(["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT", "CANCELED", "COMPLETED_WITH_ERRORS"]);

export const isIncompleteTask = (task) => INCOMPLETE_TASK.has(task.status) || task.reasonForIncompletion !== undefined;

/** The tasks split in two: the ones that failed (with their reasons) first, then the others; each in run order. */
export function splitTasks(tasks) {
  return { failed: tasks.filter(isIncompleteTask), others: tasks.filter((t) => !isIncompleteTask(t)) };
}

/** "13 COMPLETED, 5 FAILED" from a list of statuses (most frequent first, then by name). */
export function countStatuses(statuses) {
  const counts = new Map();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

/** "1 execution", "3 executions". */
export const executions = (n) => `${n} execution${n === 1 ? "" : "s"}`;

// --- Why they failed (groupFailures), cancel, trigger runs: the DOM-free parts ----------------

/** The status filter may also list RUNNING executions: those can be cancelled, not retried. */
export const LISTABLE = [...RETRYABLE, "RUNNING"];
/** How many groups the panel shows before "Show all"; groupFailures is asked for at most GROUP_LIMIT. */
export const GROUPS_SHOWN = 5;
export const GROUP_LIMIT = 1000;
/** At most this many failed runs of a trigger are listed (the newest first). */
export const TRIGGER_RUNS_LIMIT = 100;

/** "12 FAILED, 3 TIMED_OUT" from a FailureGroup's `statuses` (most frequent first, then by name). */
export function statusSummary(statuses) {
  return Object.entries(statuses ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

/** What tells one group from another across a new grouping: its workflow and its signature. */
export const groupKey = (group) => JSON.stringify([group.workflowExternalId, group.signature]);

/**
 * Which of a group's executions a retry can take now: `isSelectable(id)` says whether its row
 * can be selected (listed, a retryable status, nothing in flight). In the group's order.
 */
export function selectableMembers(group, isSelectable) {
  return group.executionIds.filter((id) => isSelectable(id.toLowerCase()));
}

/**
 * Whether the selection is exactly a group's selectable executions (then that group is the
 * chosen one): `selectedIds` a Set of lower-case ids.
 */
export function isChosen(members, selectedIds) {
  return members.length > 0 && members.length === selectedIds.size && members.every((id) => selectedIds.has(id.toLowerCase()));
}

/** The groups to show: the first GROUPS_SHOWN, or all of them once expanded. */
export const shownGroups = (groups, expanded, shown = GROUPS_SHOWN) => (expanded ? groups : groups.slice(0, shown));

/** The options of `cancelExecution` beside the connection: the reason only when one was typed. */
export function cancelOptions(executionId, reason = "") {
  const text = String(reason).trim();
  return text ? { executionId, reason: text } : { executionId };
}

/** The options of `listTriggerRuns` beside the connection: the runs that failed to start an execution. */
export function triggerRunsOptions(triggerExternalId) {
  return { triggerExternalId: String(triggerExternalId).trim(), status: "failed", limit: TRIGGER_RUNS_LIMIT };
}

/** "1 run", "3 runs". */
export const runs = (n) => `${n} run${n === 1 ? "" : "s"}`;

// --- DOM --------------------------------------------------------------------------------------

/** A task status as a badge, coloured like the execution statuses it resembles. */
const TASK_COLOURS = {
  COMPLETED: "completed",
  IN_PROGRESS: "running",
  SCHEDULED: "running",
  FAILED: "failed",
  FAILED_WITH_TERMINAL_ERROR: "failed",
  TIMED_OUT: "timed-out",
  COMPLETED_WITH_ERRORS: "timed-out",
  CANCELED: "terminated",
  SKIPPED: "terminated",
};
export function taskBadge(status) {
  return h("span", { class: `badge badge--${TASK_COLOURS[status] ?? "other"}`, "data-status": status }, String(status));
}

const shortFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A compact `<time>` for a table cell (local time; the UTC ISO string as its value and tooltip). */
export function shortTime(ms) {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  const iso = date.toISOString();
  return h("time", { datetime: iso, title: iso }, shortFormat.format(date));
}

/** A cell with a label that shows only when the table is stacked (narrow screens). */
function cell(label, className, ...content) {
  return h("td", { class: className }, h("span", { class: "cell-label", "aria-hidden": "true" }, `${label}: `), ...content);
}

/**
 * The row of one execution: `{ tr, checkbox, statusCell, resultCell, tasksButton }`. The row
 * carries `data-id`, `data-status` (now) and `data-state` (what the view did with it).
 */
export function executionRow(execution) {
  const { id, workflowExternalId: workflow, version, status, createdTime } = execution;
  const name = `${workflow} execution ${shortId(id)}`;
  const checkbox = h("input", { type: "checkbox", class: "select", value: id, "aria-label": `Select ${name}` });
  const tasksButton = h(
    "button",
    { type: "button", class: "small tasks-button", "aria-haspopup": "dialog" },
    "Tasks",
    h("span", { class: "visually-hidden" }, ` of ${name}`),
  );
  // Only a RUNNING execution can be cancelled: the button shows while the row is RUNNING.
  const cancelButton = h(
    "button",
    { type: "button", class: "small cancel-button", "aria-haspopup": "dialog", hidden: status !== "RUNNING" },
    "Cancel",
    h("span", { class: "visually-hidden" }, ` ${name}`),
  );
  const statusCell = cell("Status", "status-cell", badge(status));
  const resultCell = h("td", { class: "result-cell" });
  const tr = h(
    "tr",
    { "data-id": id, "data-status": status },
    h("td", { class: "select-cell" }, checkbox),
    h(
      "td",
      { class: "workflow-cell" },
      h("strong", {}, workflow),
      h("span", { class: "sub" }, h("code", { title: id }, shortId(id)), version !== undefined ? ` · version ${version}` : ""),
    ),
    statusCell,
    cell("Created", "created-cell", shortTime(createdTime)),
    resultCell,
    h("td", { class: "tasks-cell" }, h("span", { class: "row-actions" }, tasksButton, cancelButton)),
  );
  return { tr, checkbox, statusCell, resultCell, tasksButton, cancelButton };
}

export function setRowStatus(row, status) {
  row.tr.dataset.status = status;
  const current = row.statusCell.querySelector(".badge");
  if (current?.dataset.status !== status) current.replaceWith(badge(status));
  if (row.cancelButton) row.cancelButton.hidden = status !== "RUNNING";
}

/** The error of a call, as one short sentence for a table cell. */
function errorSentence(e) {
  if (e?.kind === undefined) return String(e?.message ?? e);
  return `${explain(e).title}. ${plain(e.message)}`;
}

/**
 * What the view did with a row, in its Result cell:
 * - `{ state: "queued" }`: selected, waiting for its retry;
 * - `{ state: "following", polls }`: retried, being polled until it ends;
 * - `{ state: "ended", status, reason? }`: retried, and ended with `status`;
 * - `{ state: "not-retried", error }`: the retry failed;
 * - `{ state: "cancelled" }`: the batch was cancelled before this one was retried;
 * - `{ state: "stopped", error, status }`: retried, but following it stopped (cancelled, deadline, error);
 * - `{ state: "cancelling" }`: its cancel was sent;
 * - `{ state: "run-cancelled", execution }`: cancelled: CDF's answer (TERMINATED, with the reason);
 * - `{ state: "not-cancelled", error }`: the cancel failed.
 */
export function setRowResult(row, result) {
  row.tr.dataset.state = result.state;
  row.resultCell.replaceChildren(...resultContent(result));
}

function resultContent(result) {
  switch (result.state) {
    case "queued":
      return [h("span", { class: "pending" }, "Waiting for its retry…")];
    case "following":
      return [
        h(
          "span",
          { class: "pending" },
          "Retried; following until it ends",
          result.polls ? ` (checked ${result.polls} time${result.polls === 1 ? "" : "s"})` : "",
          "…",
        ),
      ];
    case "ended":
      if (result.status === "COMPLETED") return [h("strong", { class: "ok" }, "Retried: completed.")];
      return [
        h("strong", { class: "bad" }, `Retried, ended ${result.status} again`),
        result.reason ? `: ${result.reason}` : ".",
      ];
    case "not-retried":
      return [h("strong", { class: "bad" }, "Not retried. "), errorSentence(result.error)];
    case "cancelled":
      return [h("strong", {}, "Cancelled: "), "not retried."];
    case "stopped": {
      const why = result.error?.kind === "aborted" ? "you stopped it" : errorSentence(result.error);
      return [h("strong", {}, "Retried; "), `no longer followed while ${result.status} (${why}).`];
    }
    case "cancelling":
      return [h("span", { class: "pending" }, "Cancelling…")];
    case "run-cancelled": {
      const { status, reasonForIncompletion: reason } = result.execution;
      return [
        h("strong", {}, `Cancelled: now ${status}`),
        reason !== undefined ? ` (${reason})` : "",
        ". Tasks already running may still run to their end.",
      ];
    }
    case "not-cancelled":
      return [h("strong", { class: "bad" }, "Not cancelled. "), errorSentence(result.error)];
    default:
      return [];
  }
}

/** One task of an execution: its id, status, type, reason, times, and its input and output. */
function taskItem(task) {
  const facts = [
    ["Type", task.taskType],
    ["Started", task.startTime !== undefined ? time(task.startTime) : undefined],
    ["Ended", task.endTime !== undefined ? time(task.endTime) : undefined],
    ["Made by", task.parentTaskExternalId !== undefined ? h("code", {}, task.parentTaskExternalId) : undefined],
    ["Task id", h("code", {}, task.id)],
  ].filter(([, v]) => v !== undefined);
  return h(
    "li",
    { class: "task", "data-task": task.externalId, "data-status": task.status },
    h("div", { class: "task-head" }, h("strong", {}, task.externalId), taskBadge(task.status)),
    task.reasonForIncompletion !== undefined ? h("p", { class: "reason" }, task.reasonForIncompletion) : "",
    h("dl", { class: "facts" }, facts.map(([k, v]) => h("div", { class: "row" }, h("dt", {}, k), h("dd", {}, v)))),
    h(
      "details",
      { class: "raw" },
      h("summary", {}, "Input and output"),
      h("pre", { tabindex: "0" }, h("code", {}, JSON.stringify({ input: task.input, output: task.output }, null, 2))),
    ),
  );
}

/** The body of the task dialog for `getExecution`'s answer: the failed tasks first. */
export function tasksView(details, { asOf = Date.now() } = {}) {
  const { failed, others } = splitTasks(details.executedTasks);
  return h(
    "div",
    { class: "tasks-view", "data-id": details.id },
    h(
      "p",
      { class: "summary" },
      badge(details.status),
      " Workflow ",
      h("strong", {}, details.workflowExternalId),
      details.version !== undefined ? ` (version ${details.version})` : "",
      ", execution ",
      h("code", {}, details.id),
      ". As of ",
      time(asOf),
      ".",
    ),
    details.reasonForIncompletion !== undefined ? h("p", { class: "reason" }, details.reasonForIncompletion) : "",
    failed.length
      ? [h("h4", {}, `Failed tasks (${failed.length})`), h("ol", { class: "tasks tasks--failed" }, failed.map(taskItem))]
      : h("p", { class: "hint" }, "No task failed."),
    others.length
      ? [h("h4", {}, `Other tasks (${others.length})`), h("ol", { class: "tasks" }, others.map(taskItem))]
      : "",
    details.executedTasks.length === 0 ? h("p", { class: "hint" }, "No task has run.") : "",
  );
}

// --- Why they failed -----------------------------------------------------------------------------

/**
 * One group of `groupFailures` as a list item: `{ li, selectButton, retryButton }`. `index`: its
 * place (0-based) in the panel; `members`: the ids of its executions a retry can take now.
 * Everything from CDF (workflow, signature, example, task) goes in as text.
 */
export function groupItem(group, index, members) {
  const titleId = `group-title-${index}`;
  const which = ` (group ${index + 1}, ${group.workflowExternalId})`;
  const selectButton = h(
    "button",
    { type: "button", class: "small group-select", "aria-pressed": "false", disabled: members.length === 0 },
    members.length === group.count ? `Select ${group.count === 1 ? "it" : `these ${group.count}`}` : `Select the ${members.length} retryable`,
    h("span", { class: "visually-hidden" }, which),
  );
  const retryButton = h(
    "button",
    { type: "button", class: "small group-retry", disabled: members.length === 0 },
    `Retry this group (${members.length})`,
    h("span", { class: "visually-hidden" }, which),
  );
  const li = h(
    "li",
    { class: "group", "data-key": groupKey(group), "data-count": group.count, "aria-labelledby": titleId },
    h(
      "div",
      { class: "group-head" },
      h("span", { class: "group-count", "aria-hidden": "true" }, String(group.count)),
      h(
        "div",
        { class: "group-title" },
        h("h4", { id: titleId }, h("span", { class: "visually-hidden" }, `${group.count} × `), group.workflowExternalId),
        h(
          "span",
          { class: "group-statuses" },
          Object.entries(group.statuses)
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .map(([status, n]) => badge(status, `${n} ${status}`)),
        ),
      ),
    ),
    h(
      "dl",
      { class: "facts group-facts" },
      h("div", { class: "row", "data-key": "signature" }, h("dt", {}, "Signature"), h("dd", {}, h("code", {}, group.signature))),
      group.failedTask !== undefined
        ? h("div", { class: "row", "data-key": "failedTask" }, h("dt", {}, "Failed task"), h("dd", {}, h("code", {}, group.failedTask)))
        : "",
      h("div", { class: "row", "data-key": "example" }, h("dt", {}, "Example reason"), h("dd", {}, group.example)),
    ),
    h("div", { class: "group-actions" }, selectButton, retryButton),
  );
  return { li, selectButton, retryButton };
}

// --- Trigger runs ------------------------------------------------------------------------------

/** One run of a trigger that failed to start an execution, as a table row (text only). */
export function triggerRunRow(run) {
  return h(
    "tr",
    { "data-fire-time": run.fireTime, "data-status": run.status },
    cell("Fired", "fired-cell", shortTime(run.fireTime)),
    cell(
      "Workflow",
      "workflow-cell",
      h("strong", {}, run.workflowExternalId),
      h(
        "span",
        { class: "sub" },
        `version ${run.workflowVersion}`,
        run.status !== "failed" ? ` · ${run.status}` : "",
        run.workflowExecutionId !== undefined ? [" · execution ", h("code", {}, run.workflowExecutionId)] : "",
      ),
    ),
    cell(
      "Reason",
      "reason-cell",
      run.reasonForFailure !== undefined ? run.reasonForFailure : h("span", { class: "pending" }, "CDF gave no reason."),
    ),
  );
}
