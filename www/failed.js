// The failed-executions view: lists the executions that ended FAILED, TIMED_OUT or TERMINATED
// (listExecutions), groups them by why they failed (groupFailures: "Why they failed", where a
// group can be selected or retried), retries the selected ones in one go (retryExecutions, with a
// progress bar and a result per row), follows each retried one until it ends (waitForExecution),
// shows an execution's tasks (getExecution), the failed ones first, cancels a RUNNING one after a
// confirmation (cancelExecution), and lists the runs of a trigger that started no execution
// (listTriggerRuns, in the "Trigger runs" panel below the view).
//
// It uses the connection fields of the page's form (connection.js) and the package app.js
// imported. Everything it shows goes through failed-view.js and view.js (text nodes only).
import { h, badge, errorCard, explain, plain } from "./view.js";
import { $, TOKEN_REFUSED, clearFieldError, connectionOptions, markFieldError } from "./connection.js";
import {
  RETRYABLE, LIST_LIMIT, GROUPS_SHOWN, GROUP_LIMIT, TRIGGER_RUNS_LIMIT, cancelOptions, countStatuses, executionRow,
  executions, groupItem, groupKey, isChosen, listOptions, runs, selectableMembers, setRowResult, setRowStatus, shortId,
  shownGroups, tasksView, triggerRunRow, triggerRunsOptions,
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
const groupsEl = $("groups");
const groupsList = $("groups-list");
const groupsMore = $("groups-more");
const cancelDialog = $("cancel-dialog");
const cancelForm = $("cancel-form");
const cancelTitle = $("cancel-title");
const cancelTarget = $("cancel-target");
const reasonInput = $("cancel-reason");
const cancelError = $("cancel-error");
const cancelConfirm = $("cancel-confirm");
const cancelConfirmLabel = $("cancel-confirm-label");
const triggerForm = $("trigger-form");
const triggerInput = $("trigger-id");
const triggerButton = $("trigger-load");
const triggerLabel = $("trigger-load-label");
const triggerStatus = $("trigger-status");
const triggerError = $("trigger-error");
const triggerTable = $("trigger-table");
const triggerCaption = $("trigger-caption");
const triggerRows = $("trigger-rows");

let lib = null;
/**
 * id → the row's elements and what the view knows: `{ execution, tr, checkbox, …, status, latest }`
 * (`execution`: as listed; `latest`: the newest answer about it, what "Why they failed" groups).
 */
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

/** "Why they failed": groupFailures' answer for the rows, and the items shown. */
let groups = [];
let groupsExpanded = false;
let groupItems = []; // [{ group, members, li, selectButton, retryButton }]

let cancelRow = null; // the row whose cancel dialog is open (or was last)
let cancelFieldOnClose = null; // a field to mark once the cancel dialog has closed: [field, message]

let triggerController = null; // the listTriggerRuns call in flight

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
  updateGroupControls();
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
  groups = [];
  renderGroups();
}

function render(items, filter) {
  rows = new Map();
  for (const execution of items) {
    knownWorkflows.add(execution.workflowExternalId);
    const row = { ...executionRow(execution), execution, status: execution.status, latest: execution };
    row.checkbox.addEventListener("change", updateSelection);
    row.tasksButton.addEventListener("click", () => openTasks(row));
    row.cancelButton.addEventListener("click", () => openCancel(row));
    // A click anywhere else on the row opens its tasks too (the button is the keyboard's way).
    row.tr.addEventListener("click", (event) => {
      if (!event.target.closest("input, button, a, summary, label, .select-cell")) openTasks(row);
    });
    rows.set(execution.id.toLowerCase(), row);
  }
  workflowList.replaceChildren(...[...knownWorkflows].sort().map((w) => new Option(w)));
  tbody.replaceChildren(...[...rows.values()].map((row) => row.tr));
  batchEl.hidden = true;
  caption.textContent = `Executions that are ${filter.statuses.join(", ")}`;
  listEl.hidden = items.length === 0;
  groupsExpanded = false;
  regroup();
  const what = describeFilters(filter);
  if (items.length === 0) {
    say(`No execution matches (${what}).`);
  } else {
    const more = items.length === LIST_LIMIT ? ` These are the newest ${LIST_LIMIT}: narrow the filters to see older ones.` : "";
    const why = groups.length ? ` Why they failed: ${groups.length} group${groups.length === 1 ? "" : "s"}.` : "";
    const running = filter.statuses.includes("RUNNING") ? " A RUNNING one can be cancelled." : "";
    say(`${executions(items.length)} listed (${what}).${why} Select some and press Retry selected.${running}${more}`);
  }
}

/** The project or endpoint changed: the list shown belongs to the old one. */
function invalidate() {
  clearTriggerRuns(); // the trigger panel reads the connection at each call
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
function retrySelected() {
  return retryRows(selected());
}

/** Retries `chosen` (rows) in one batch: the progress bar, a result per row, each retried one followed. */
async function retryRows(chosen) {
  if (!lib || busy()) return;
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
    row.cancelled = false;
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
      row.latest = execution;
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
        if (row.cancelled && details.status === "RUNNING") return; // an answer from before the cancel
        row.status = details.status;
        row.latest = details;
        setRowStatus(row, details.status);
        if (details.status === "RUNNING") setRowResult(row, { state: "following", polls });
      },
    });
    row.status = final.status;
    row.latest = final;
    setRowStatus(row, final.status);
    // Cancelled from its row while followed: the row keeps saying so.
    if (!row.cancelled) setRowResult(row, { state: "ended", status: final.status, reason: final.reasonForIncompletion });
  } catch (e) {
    if (!row.cancelled) setRowResult(row, { state: "stopped", error: e, status: row.status });
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
  regroup(); // what failed now, and why
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

// --- Why they failed ---------------------------------------------------------------------------
/** A listed row whose execution a retry can take (its status now is FAILED, TIMED_OUT or TERMINATED). */
const retryableId = (id) => RETRYABLE.includes(rows.get(id)?.status);

/** Groups the rows' executions as known now (groupFailures leaves out RUNNING and COMPLETED ones). */
function regroup() {
  let error = null;
  try {
    const known = [...rows.values()].map((row) => row.latest);
    groups = known.length ? lib.groupFailures(known, { limit: GROUP_LIMIT }) : [];
  } catch (e) {
    groups = [];
    error = e;
  }
  renderGroups(error);
}

/** The panel for `groups` (hidden when there is none); keeps the keyboard on the button it was on. */
function renderGroups(error = null) {
  const active = document.activeElement;
  const focused = groupItems.find((item) => item.li.contains(active));
  const focusedButton = focused && (active === focused.retryButton ? "retryButton" : "selectButton");
  const moreHadFocus = active === groupsMore;
  groupItems = [];
  if (error) {
    groupsEl.hidden = false;
    groupsMore.hidden = true;
    const text = lib?.isCdfError(error) ? plain(error.message) : String(error?.message ?? error);
    groupsList.replaceChildren(h("li", { class: "group group--error" }, h("p", {}, "Could not group the failures: ", text)));
    return;
  }
  groupsEl.hidden = groups.length === 0;
  groupItems = shownGroups(groups, groupsExpanded).map((group, index) => {
    const members = selectableMembers(group, retryableId);
    const item = { group, members, ...groupItem(group, index, members) };
    item.selectButton.addEventListener("click", () => chooseGroup(item));
    item.retryButton.addEventListener("click", () => retryGroup(item));
    return item;
  });
  groupsList.replaceChildren(...groupItems.map((item) => item.li));
  groupsMore.hidden = groups.length <= GROUPS_SHOWN;
  groupsMore.setAttribute("aria-expanded", String(groupsExpanded));
  groupsMore.textContent = groupsExpanded ? `Show the ${GROUPS_SHOWN} largest groups only` : `Show all ${groups.length} groups`;
  updateGroupControls();
  if (focused) {
    const again = groupItems.find((item) => item.li.dataset.key === focused.li.dataset.key);
    (again?.[focusedButton].disabled === false ? again[focusedButton] : groupsEl).focus();
  } else if (moreHadFocus) {
    groupsMore.focus();
  }
}

/** Each group's buttons: usable when nothing is in flight; Select is pressed while the selection is that group. */
function updateGroupControls() {
  const chosen = new Set(selected().map((row) => row.execution.id.toLowerCase()));
  for (const item of groupItems) {
    const pressed = isChosen(item.members, chosen);
    item.selectButton.setAttribute("aria-pressed", String(pressed));
    item.li.classList.toggle("group--chosen", pressed);
    item.selectButton.disabled = busy() || item.members.length === 0;
    item.retryButton.disabled = busy() || item.members.length === 0;
  }
  // A group button that turns disabled under the keyboard: updateControls moves it on (Cancel, …).
}

/** Selects exactly the group's executions in the list (pressed again: selects none). */
function chooseGroup(item) {
  if (busy()) return;
  const members = new Set(item.members.map((id) => id.toLowerCase()));
  const wasChosen = item.selectButton.getAttribute("aria-pressed") === "true";
  for (const row of selectable()) row.checkbox.checked = !wasChosen && members.has(row.execution.id.toLowerCase());
  updateSelection();
  const { workflowExternalId: workflow, signature } = item.group;
  if (wasChosen) say("Selection cleared.");
  else say(`Selected the ${executions(members.size)} of ${workflow} that failed with “${signature}”. Press Retry selected or Retry this group.`);
}

/** Retries exactly the group's executions, with the progress of any bulk retry. */
function retryGroup(item) {
  if (busy()) return;
  const chosen = item.members.map((id) => rows.get(id.toLowerCase())).filter((row) => row && !row.checkbox.disabled);
  for (const row of selectable()) row.checkbox.checked = false;
  return retryRows(chosen);
}

// --- Cancel a RUNNING execution -----------------------------------------------------------------
function openCancel(row) {
  if (!lib) return;
  cancelRow = row;
  cancelFieldOnClose = null;
  const { workflowExternalId: workflow, id, version } = row.execution;
  cancelTitle.textContent = `Cancel ${workflow} execution ${shortId(id)}?`;
  cancelTarget.replaceChildren(
    badge(row.status),
    " Workflow ",
    h("strong", {}, workflow),
    version !== undefined ? ` (version ${version})` : "",
    ", execution ",
    h("code", {}, id),
    ".",
  );
  reasonInput.value = "";
  clearReasonError();
  cancelError.replaceChildren();
  setCancelBusy(row.cancelling === true);
  cancelDialog.showModal();
}

function setCancelBusy(working) {
  cancelConfirm.setAttribute("aria-disabled", String(working));
  cancelConfirm.classList.toggle("busy", working);
  cancelConfirmLabel.textContent = working ? "Cancelling…" : "Cancel the execution";
  reasonInput.readOnly = working;
  cancelForm.setAttribute("aria-busy", String(working));
}

function clearReasonError() {
  reasonInput.removeAttribute("aria-invalid");
  $("cancel-reason-error").textContent = "";
  $("cancel-reason-error").hidden = true;
}

async function confirmCancel(event) {
  event.preventDefault();
  const row = cancelRow;
  if (!lib || !row || row.cancelling) return;
  clearReasonError();
  cancelError.replaceChildren();
  const name = `${row.execution.workflowExternalId} execution ${shortId(row.execution.id)}`;
  const before = { state: row.tr.dataset.state, nodes: [...row.resultCell.childNodes] };
  row.cancelling = true;
  setCancelBusy(true);
  setRowResult(row, { state: "cancelling" });
  say(`Cancelling ${name}…`);
  try {
    const execution = await lib.cancelExecution({ ...rowConnection(), ...cancelOptions(row.execution.id, reasonInput.value) });
    row.cancelled = true;
    row.status = execution.status;
    row.latest = execution;
    setRowStatus(row, execution.status);
    setRowResult(row, { state: "run-cancelled", execution });
    say(`Cancelled: ${name} is now ${execution.status}. Tasks already running may still run to their end.`);
    if (cancelRow === row && cancelDialog.open) cancelDialog.close();
    regroup(); // it ended: one more failure to group
  } catch (e) {
    const field = e?.kind === "invalid_input" ? String(e.field ?? "") : "";
    if (field) {
      // Nothing was sent: the row is as it was.
      if (before.state) row.tr.dataset.state = before.state;
      else row.tr.removeAttribute("data-state");
      row.resultCell.replaceChildren(...before.nodes);
    } else {
      setRowResult(row, { state: "not-cancelled", error: e });
    }
    const title = lib.isCdfError(e) ? explain(e).title : "unexpected error";
    say(`Could not cancel ${name}: ${title}.`);
    const open = cancelRow === row && cancelDialog.open;
    if (field === "reason" && open) {
      reasonInput.setAttribute("aria-invalid", "true");
      $("cancel-reason-error").textContent = plain(e.message);
      $("cancel-reason-error").hidden = false;
      reasonInput.focus();
    } else if (field) {
      // A connection field (above the dialog): marked once the dialog is closed.
      cancelFieldOnClose = [field, plain(e.message)];
      if (open) cancelDialog.close();
      else markFieldError(...cancelFieldOnClose);
    } else {
      if (isRefusedToken(e)) cancelFieldOnClose = ["token", TOKEN_REFUSED];
      if (open) {
        cancelError.replaceChildren(
          lib.isCdfError(e) ? errorCard(e, { titleId: "cancel-error-title" }) : h("p", {}, String(e?.message ?? e)),
        );
        $("cancel-keep").focus();
      } else if (cancelFieldOnClose) {
        markFieldError(...cancelFieldOnClose);
      }
    }
  } finally {
    row.cancelling = false;
    if (cancelRow === row) setCancelBusy(false);
    updateControls();
  }
}

function onCancelDialogClose() {
  const row = cancelRow;
  if (cancelFieldOnClose) {
    markFieldError(...cancelFieldOnClose);
    cancelFieldOnClose = null;
    return;
  }
  if (!row || !tbody.contains(row.tr)) return;
  (row.cancelButton.hidden ? row.tasksButton : row.cancelButton).focus();
}

// --- Trigger runs -------------------------------------------------------------------------------
const triggerSay = (text) => {
  triggerStatus.textContent = text;
};

function clearTriggerError() {
  triggerError.replaceChildren();
  triggerInput.removeAttribute("aria-invalid");
  $("trigger-id-error").textContent = "";
  $("trigger-id-error").hidden = true;
}

function clearTriggerRuns() {
  triggerController?.abort(new DOMException("The project changed", "AbortError"));
  triggerController = null;
  setTriggerBusy(false);
  if (triggerTable.hidden && !triggerError.hasChildNodes()) return;
  triggerTable.hidden = true;
  triggerRows.replaceChildren();
  clearTriggerError();
  triggerSay("The connection changed: press Show failed runs again.");
}

function setTriggerBusy(working) {
  triggerButton.setAttribute("aria-disabled", String(working));
  triggerButton.classList.toggle("busy", working);
  triggerLabel.textContent = working ? "Reading its history…" : "Show failed runs";
  $("trigger-runs").setAttribute("aria-busy", String(working));
}

async function loadTriggerRuns(event) {
  event?.preventDefault();
  if (!lib || triggerController) return;
  clearTriggerError();
  for (const field of ["project", "token", "cluster", "baseUrl"]) clearFieldError(field);
  const options = triggerRunsOptions(triggerInput.value);
  const controller = new AbortController();
  triggerController = controller;
  setTriggerBusy(true);
  triggerSay(`Reading the history of trigger ${options.triggerExternalId || "(none given)"}…`);
  try {
    const found = await lib.listTriggerRuns({ ...connectionOptions(), ...options, signal: controller.signal });
    if (triggerController !== controller) return;
    const id = options.triggerExternalId;
    triggerRows.replaceChildren(...found.map(triggerRunRow));
    triggerTable.hidden = found.length === 0;
    triggerCaption.textContent = `Runs of trigger ${id} that failed to start an execution, newest first`;
    if (found.length === 0) {
      triggerSay(`No run of trigger ${id} failed to start an execution.`);
    } else {
      const more = found.length === TRIGGER_RUNS_LIMIT ? ` These are the newest ${TRIGGER_RUNS_LIMIT}.` : "";
      triggerSay(`${runs(found.length)} of trigger ${id} failed to start an execution, newest first.${more}`);
    }
  } catch (e) {
    if (triggerController !== controller) return;
    triggerTable.hidden = true;
    triggerRows.replaceChildren();
    const cdf = lib.isCdfError(e);
    triggerError.replaceChildren(
      cdf ? errorCard(e, { titleId: "trigger-error-title" }) : h("p", {}, String(e?.message ?? e)),
    );
    const title = cdf ? explain(e).title : "unexpected error";
    triggerStatus.replaceChildren(`Could not read the trigger's history: ${title}.`, h("span", { class: "visually-hidden" }, ` ${plain(e?.message ?? e)}`));
    triggerController = null;
    setTriggerBusy(false);
    if (e?.kind === "invalid_input" && e.field === "triggerExternalId") {
      triggerInput.setAttribute("aria-invalid", "true");
      $("trigger-id-error").textContent = plain(e.message);
      $("trigger-id-error").hidden = false;
      triggerInput.focus();
    } else if (e?.kind === "invalid_input") {
      markFieldError(String(e.field ?? ""), plain(e.message));
    } else if (isRefusedToken(e)) {
      blameToken();
    }
    return;
  } finally {
    if (triggerController === controller) {
      triggerController = null;
      setTriggerBusy(false);
    }
  }
}

/** With the mock: its triggers as suggestions (a real CDF project's are not listed by this page). */
async function suggestTriggers() {
  const project = $("project").value.trim();
  try {
    const res = await fetch(`/_mock/projects/${encodeURIComponent(project)}/triggers`, { headers: { accept: "application/json" } });
    if (!res.ok) return;
    const body = await res.json();
    const ids = (Array.isArray(body?.items) ? body.items : []).map((t) => t?.externalId).filter((x) => typeof x === "string");
    $("trigger-id-list").replaceChildren(...ids.map((id) => new Option(id)));
  } catch {
    /* suggestions are a convenience */
  }
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
  groupsMore.addEventListener("click", () => {
    groupsExpanded = !groupsExpanded;
    renderGroups();
  });
  cancelForm.addEventListener("submit", confirmCancel);
  $("cancel-keep").addEventListener("click", () => cancelDialog.close());
  cancelDialog.addEventListener("close", onCancelDialogClose);
  reasonInput.addEventListener("input", clearReasonError);
  triggerForm.addEventListener("submit", loadTriggerRuns);
  triggerInput.addEventListener("input", () => {
    triggerInput.removeAttribute("aria-invalid");
    $("trigger-id-error").hidden = true;
  });
  workflowInput.addEventListener("input", clearFilterErrors);
  for (const box of statusBoxes) box.addEventListener("change", clearFilterErrors);
  for (const id of ["project", "cluster", "baseUrl"]) $(id).addEventListener("change", invalidate);
  for (const radio of $("retry-form").elements.target) radio.addEventListener("change", invalidate);

  if (!lib) {
    loadButton.setAttribute("aria-disabled", "true");
    triggerButton.setAttribute("aria-disabled", "true");
    say("The package did not load, so this view cannot work (see the status above).");
    return;
  }
  updateControls();
  if (mockDetected) {
    suggestTriggers();
    $("project").addEventListener("change", suggestTriggers);
  }
  if (mockDetected) load();
  else say("Fill in where CDF is, the project and an access token above, then press Show failed executions.");
}
