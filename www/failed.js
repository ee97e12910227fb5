// The failed-executions view: lists the executions that ended FAILED, TIMED_OUT or TERMINATED
// (listExecutions), retries the selected ones in one go (retryExecutions, with a progress bar and
// a result per row), follows each retried one until it ends (waitForExecution), and shows an
// execution's tasks (getExecution), the failed ones first.
//
// It uses the connection fields of the page's form (connection.js) and the package app.js
// imported. Everything it shows goes through failed-view.js and view.js (text nodes only).
import { h, errorCard, explain, plain } from "./view.js";
import { $, TOKEN_REFUSED, clearFieldError, connectionOptions, markFieldError } from "./connection.js";
import {
  RETRYABLE, LIST_LIMIT, countStatuses, executionRow, executions, listOptions, setRowResult, setRowStatus, shortId,
  tasksView,
} from "./failed-view.js";

/** How many retries are in flight at once, and how often a retried execution is polled at first. */
const CONCURRENCY = 4;
const POLL_INTERVAL_MS = 1000;

const section = $("failed-view");
const filters = $("failed-filters");
const workflowInput = $("filter-workflow");
const statusBoxes = [...filters.querySelectorAll('input[name="status"]')];
const sinceSelect = $("filter-since");
const loadButton = $("failed-load");
const loadLabel = $("failed-load-label");
const statusEl = $("failed-status");
const errorEl = $("failed-error");
const listEl = $("failed-list");
const selectAll = $("select-all");
const selectAllLabel = $("select-all-label");
const retryButton = $("retry-selected");
const retryLabel = $("retry-selected-label");
const cancelButton = $("failed-cancel");
const batchEl = $("batch");
const batchLabel = $("batch-label");
const progress = $("batch-progress");
const caption = $("failed-caption");
const tbody = $("failed-rows");
const workflowList = $("filter-workflow-list");
const dialog = $("tasks-dialog");
const dialogTitle = $("tasks-title");
const dialogBody = $("tasks-body");

let lib = null;
/** id → the row's elements and what the view knows: `{ execution, tr, checkbox, …, status }`. */
let rows = new Map();
/** The connection the list was read with: retries and task views use it (with the token typed now). */
let listedConnection = null;
const knownWorkflows = new Set();

let listController = null; // the listing in flight
let batchController = null; // the retryExecutions call in flight
let followController = null; // every waitForExecution of the last batch
let following = 0; // waits in flight
let tasksController = null; // the getExecution of the open dialog
let tasksOpener = null; // the button that opened the dialog (the focus goes back there)
let focusTokenOnClose = false;

// --- Small helpers ----------------------------------------------------------------------------
const say = (text) => {
  statusEl.textContent = text;
};

function showError(e, context) {
  if (!e) {
    errorEl.replaceChildren();
    return;
  }
  const card = lib.isCdfError(e)
    ? errorCard(e, { titleId: "failed-error-title" })
    : errorCard({ kind: "unexpected", message: String(e?.message ?? e), attempts: 0 }, { titleId: "failed-error-title" });
  errorEl.replaceChildren(card);
  // The card below has the detail; screen readers get it with the summary.
  const title = lib.isCdfError(e) ? explain(e).title : "unexpected error";
  statusEl.replaceChildren(`${context}: ${title}.`, h("span", { class: "visually-hidden" }, ` ${plain(e?.message ?? e)}`));
}

/** The connection for a call on the listed rows: the listed project and endpoint, the token typed now. */
function rowConnection() {
  return { ...listedConnection, token: connectionOptions().token };
}

const isRefusedToken = (e) => e?.kind === "api" && e.status === 401;

/** After CDF refused the token: the token field says so and takes the focus. */
function blameToken() {
  markFieldError("token", TOKEN_REFUSED);
}

/** Marks a filter field of this view (or a connection field) named by an invalid_input error. */
function blameField(e) {
  const message = plain(e.message);
  const field = String(e.field ?? "");
  if (field.startsWith("workflows")) return markFilter(workflowInput, "filter-workflow-error", message);
  if (field === "status") return markFilter(statusBoxes[0], "filter-status-error", message);
  return markFieldError(field, message);
}

function markFilter(input, errorId, message) {
  input.setAttribute("aria-invalid", "true");
  $(errorId).textContent = message;
  $(errorId).hidden = false;
  input.focus();
  return true;
}

function clearFilterErrors() {
  for (const input of [workflowInput, ...statusBoxes]) input.removeAttribute("aria-invalid");
  for (const id of ["filter-workflow-error", "filter-status-error"]) {
    $(id).textContent = "";
    $(id).hidden = true;
  }
}

// --- Busy state -------------------------------------------------------------------------------
const busy = () => Boolean(listController || batchController || following);

/**
 * Enables what can be used now, and keeps the keyboard on a control that stays usable. The
 * Show button is never disabled (so it keeps the focus while it lists): it says aria-disabled.
 */
function updateControls() {
  const hadFocus = document.activeElement;
  const working = busy();
  loadButton.setAttribute("aria-disabled", String(working));
  loadButton.classList.toggle("busy", Boolean(listController));
  loadLabel.textContent = listController ? "Listing…" : "Show failed executions";
  section.setAttribute("aria-busy", String(working));
  for (const row of rows.values()) row.checkbox.disabled = working || !RETRYABLE.includes(row.status);
  updateSelection();
  retryButton.classList.toggle("busy", Boolean(batchController));
  cancelButton.disabled = !(batchController || following);
  cancelButton.textContent = following && !batchController ? "Stop following" : "Cancel";
  if (!section.contains(hadFocus) || !hadFocus.disabled) return;
  if (!cancelButton.disabled) cancelButton.focus();
  else if (!selectAll.disabled && !listEl.hidden) selectAll.focus();
  else loadButton.focus();
}

function selectable() {
  return [...rows.values()].filter((row) => !row.checkbox.disabled);
}

function selected() {
  return [...rows.values()].filter((row) => row.checkbox.checked && !row.checkbox.disabled);
}

/** The select-all box (checked, mixed or clear) and the Retry button follow the selection. */
function updateSelection() {
  const can = selectable().length;
  const n = selected().length;
  selectAll.disabled = busy() || can === 0;
  selectAll.checked = can > 0 && n === can;
  selectAll.indeterminate = n > 0 && n < can;
  selectAllLabel.textContent = `Select all (${can})`;
  retryButton.disabled = busy() || n === 0;
  retryLabel.textContent = batchController ? "Retrying…" : `Retry selected (${n})`;
}

// --- Listing ----------------------------------------------------------------------------------
function readFilters() {
  return {
    workflow: workflowInput.value.trim(),
    statuses: statusBoxes.filter((box) => box.checked).map((box) => box.value),
    sinceMs: Number(sinceSelect.value) || 0,
  };
}

function describeFilters({ workflow, statuses, sinceMs }) {
  const since = sinceSelect.selectedOptions[0]?.textContent ?? "any time";
  return `${statuses.join(", ")}; ${workflow ? `workflow ${workflow}` : "every workflow"}; created ${sinceMs ? `in ${since}` : "at any time"}`;
}

async function load(event) {
  event?.preventDefault();
  if (!lib || busy()) return;
  clearFilterErrors();
  for (const field of ["project", "token", "cluster", "baseUrl"]) clearFieldError(field);
  showError(null);
  const filter = readFilters();
  if (filter.statuses.length === 0) {
    markFilter(statusBoxes[0], "filter-status-error", "Choose at least one status.");
    say("Choose at least one status to list.");
    return;
  }
  const connection = connectionOptions();
  const controller = new AbortController();
  listController = controller;
  updateControls();
  say("Listing the executions…");
  try {
    const items = await lib.listExecutions({ ...connection, ...listOptions(filter), signal: controller.signal });
    if (listController !== controller) return; // superseded (the project changed)
    listedConnection = { ...connection };
    render(items, filter);
  } catch (e) {
    if (listController !== controller) return;
    clearList();
    showError(e, "Could not list the executions");
    listController = null;
    updateControls();
    if (e?.kind === "invalid_input") blameField(e);
    else if (isRefusedToken(e)) blameToken();
    return;
  } finally {
    if (listController === controller) listController = null;
  }
  updateControls();
}

function clearList() {
  rows = new Map();
  tbody.replaceChildren();
  listEl.hidden = true;
  batchEl.hidden = true;
}

function render(items, filter) {
  rows = new Map();
  for (const execution of items) {
    knownWorkflows.add(execution.workflowExternalId);
    const row = { ...executionRow(execution), execution, status: execution.status };
    row.checkbox.addEventListener("change", updateSelection);
    row.tasksButton.addEventListener("click", () => openTasks(row));
    // A click anywhere else on the row opens its tasks too (the button is the keyboard's way).
    row.tr.addEventListener("click", (event) => {
      if (!event.target.closest("input, button, a, summary, label, .select-cell")) openTasks(row);
    });
    rows.set(execution.id.toLowerCase(), row);
  }
  workflowList.replaceChildren(...[...knownWorkflows].sort().map((w) => new Option(w)));
  tbody.replaceChildren(...[...rows.values()].map((row) => row.tr));
  batchEl.hidden = true;
  caption.textContent = `Executions that ended ${filter.statuses.join(", ")}`;
  listEl.hidden = items.length === 0;
  const what = describeFilters(filter);
  if (items.length === 0) {
    say(`No execution matches (${what}).`);
  } else {
    const more = items.length === LIST_LIMIT ? ` These are the newest ${LIST_LIMIT}: narrow the filters to see older ones.` : "";
    say(`${executions(items.length)} listed (${what}). Select some and press Retry selected.${more}`);
  }
}

/** The project or endpoint changed: the list shown belongs to the old one. */
function invalidate() {
  if (batchController || following) return; // those calls keep their own connection
  if (listController) {
    listController.abort(new DOMException("The project changed", "AbortError"));
    listController = null;
  }
  if (!listEl.hidden || rows.size) {
    clearList();
    say("The connection changed: press Show failed executions to list that project's executions.");
  }
  updateControls();
}

// --- Bulk retry -------------------------------------------------------------------------------
async function retrySelected() {
  if (!lib || busy()) return;
  const chosen = selected();
  if (chosen.length === 0) return;
  showError(null);
  clearFieldError("token");
  const connection = rowConnection();
  const ids = chosen.map((row) => row.execution.id);
  const batch = new AbortController();
  const follow = new AbortController();
  batchController = batch;
  followController = follow;
  let done = 0;
  let refused = false;
  const retriedIds = [];
  for (const row of chosen) {
    row.checkbox.checked = false;
    setRowResult(row, { state: "queued" });
  }
  progress.max = ids.length;
  progress.value = 0;
  batchLabel.textContent = `Retrying: 0 of ${ids.length} done`;
  batchEl.hidden = false;
  updateControls();
  say(`Retrying ${executions(ids.length)}, ${CONCURRENCY} at a time…`);

  const onProgress = ({ done: n, total, executionId, execution, error }) => {
    done = n;
    progress.value = n;
    batchLabel.textContent = `Retrying: ${n} of ${total} done`;
    const row = rows.get(executionId.toLowerCase());
    if (!row) return;
    if (execution) {
      retriedIds.push(executionId);
      row.status = execution.status;
      setRowStatus(row, execution.status);
      followRow(row, connection, follow.signal);
    } else {
      setRowResult(row, { state: "not-retried", error });
      if (isRefusedToken(error)) refused = true;
    }
  };

  let outcome;
  try {
    outcome = await lib.retryExecutions({
      ...connection,
      executionIds: ids,
      concurrency: CONCURRENCY,
      signal: batch.signal,
      onProgress,
    });
  } catch (e) {
    // Only invalid_input (nothing was sent) or an abort before the start: the rows are as they were.
    for (const row of chosen) {
      row.tr.removeAttribute("data-state");
      row.resultCell.replaceChildren();
    }
    batchController = null;
    batchEl.hidden = true;
    showError(e, "Could not retry");
    updateControls();
    if (e?.kind === "invalid_input") blameField(e);
    return;
  }
  batchController = null;
  // onProgress is not called for the executions an abort stopped: they are still "queued".
  const cancelled = [];
  for (const { executionId, error } of outcome.failed) {
    const row = rows.get(executionId.toLowerCase());
    if (row?.tr.dataset.state !== "queued") continue;
    if (error.kind === "aborted") cancelled.push(row);
    setRowResult(row, error.kind === "aborted" ? { state: "cancelled" } : { state: "not-retried", error });
  }
  const notRetried = outcome.failed.length - cancelled.length;
  const retried = outcome.retried.length;
  if (cancelled.length) {
    batchLabel.textContent = `Cancelled: ${done} of ${ids.length} done, ${cancelled.length} not retried`;
    say(
      `Cancelled. ${executions(retried)} retried, ${cancelled.length} not retried` +
        `${notRetried ? `, ${notRetried} refused` : ""}. A retry that was already on its way may have reached CDF: list again to see.`,
    );
  } else {
    batchLabel.textContent = `Done: ${ids.length} of ${ids.length}`;
    say(
      `${executions(retried)} retried${notRetried ? `, ${notRetried} could not be retried` : ""}.` +
        (following ? ` Following ${following} until they end…` : ""),
    );
  }
  updateControls();
  if (refused) blameToken();
  if (!following) followsEnded();
}

/** Polls one retried execution until it ends (or the person stops following). */
async function followRow(row, connection, signal) {
  following += 1;
  let polls = 0;
  setRowResult(row, { state: "following", polls });
  try {
    const final = await lib.waitForExecution({
      ...connection,
      executionId: row.execution.id,
      pollIntervalMs: POLL_INTERVAL_MS,
      signal,
      onProgress: (details) => {
        polls += 1;
        row.status = details.status;
        setRowStatus(row, details.status);
        if (details.status === "RUNNING") setRowResult(row, { state: "following", polls });
      },
    });
    row.status = final.status;
    setRowStatus(row, final.status);
    setRowResult(row, { state: "ended", status: final.status, reason: final.reasonForIncompletion });
  } catch (e) {
    setRowResult(row, { state: "stopped", error: e, status: row.status });
    if (isRefusedToken(e)) blameToken();
  } finally {
    following -= 1;
  }
  if (!following && !batchController) followsEnded();
  else updateControls();
}

function followsEnded() {
  const ended = [...rows.values()].filter((row) => row.tr.dataset.state === "ended").map((row) => row.status);
  const stopped = [...rows.values()].filter((row) => row.tr.dataset.state === "stopped").length;
  if (ended.length || stopped) {
    const parts = [];
    if (ended.length) parts.push(`${executions(ended.length)} ended: ${countStatuses(ended)}`);
    if (stopped) parts.push(`${executions(stopped)} no longer followed`);
    const again = ended.filter((s) => RETRYABLE.includes(s)).length;
    say(`${parts.join("; ")}.${again ? " The ones that failed again can be selected and retried." : ""}`);
  }
  followController = null;
  updateControls();
}

function cancel() {
  if (batchController) batchController.abort(new DOMException("Cancelled from the demo page", "AbortError"));
  else followController?.abort(new DOMException("Stopped following from the demo page", "AbortError"));
}

// --- Tasks ------------------------------------------------------------------------------------
async function openTasks(row) {
  if (!lib) return;
  tasksController?.abort();
  const controller = new AbortController();
  tasksController = controller;
  tasksOpener = row.tasksButton;
  focusTokenOnClose = false;
  const { workflowExternalId, id } = row.execution;
  dialogTitle.textContent = `Tasks of ${workflowExternalId}, execution ${shortId(id)}`;
  dialogBody.replaceChildren(h("p", { class: "status" }, "Reading the execution…"));
  dialogBody.setAttribute("aria-busy", "true");
  if (!dialog.open) dialog.showModal();
  try {
    const details = await lib.getExecution({ ...rowConnection(), executionId: id, signal: controller.signal });
    if (tasksController !== controller) return;
    dialogBody.replaceChildren(tasksView(details));
  } catch (e) {
    if (tasksController !== controller || e?.kind === "aborted") return;
    dialogBody.replaceChildren(lib.isCdfError(e) ? errorCard(e, { titleId: "tasks-error-title" }) : String(e?.message ?? e));
    focusTokenOnClose = isRefusedToken(e);
  } finally {
    if (tasksController === controller) dialogBody.setAttribute("aria-busy", "false");
  }
}

function onDialogClose() {
  tasksController?.abort();
  tasksController = null;
  if (focusTokenOnClose) blameToken();
  else tasksOpener?.focus();
}

// --- Start ------------------------------------------------------------------------------------
/** Wires the view up; `lib`: the package (null when it did not load); lists at once when the mock answered. */
export function initFailedView({ lib: pkg, mockDetected }) {
  lib = pkg;
  filters.addEventListener("submit", load);
  selectAll.addEventListener("change", () => {
    for (const row of selectable()) row.checkbox.checked = selectAll.checked;
    updateSelection();
  });
  retryButton.addEventListener("click", retrySelected);
  cancelButton.addEventListener("click", cancel);
  $("tasks-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", onDialogClose);
  workflowInput.addEventListener("input", clearFilterErrors);
  for (const box of statusBoxes) box.addEventListener("change", clearFilterErrors);
  for (const id of ["project", "cluster", "baseUrl"]) $(id).addEventListener("change", invalidate);
  for (const radio of $("retry-form").elements.target) radio.addEventListener("change", invalidate);

  if (!lib) {
    loadButton.setAttribute("aria-disabled", "true");
    say("The package did not load, so this view cannot work (see the status above).");
    return;
  }
  updateControls();
  if (mockDetected) load();
  else say("Fill in where CDF is, the project and an access token above, then press Show failed executions.");
}
