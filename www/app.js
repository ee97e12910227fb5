// The demo page: reads the form, calls retryExecution from the package in /pkg/, shows the
// execution or an error a person can act on. No framework, no build step.
//
// The token lives only in the password input (and in sessionStorage when "Remember" is ticked).
// It is never written into any other element, attribute or log.
import { h, executionCard, errorCard, unexpectedCard, explain, plain, formatMs } from "./view.js";
import {
  $, TOKEN_REFUSED, clearFieldError, clearFieldErrors, connectionOptions, markFieldError, mode, watchFieldErrors,
} from "./connection.js";
import { initFailedView } from "./failed.js";

const form = $("retry-form");
const inputs = $("inputs");
const retryButton = $("retry");
const retryLabel = $("retry-label");
const cancelButton = $("cancel");
const elapsedEl = $("elapsed");
const statusEl = $("status");
const resultEl = $("result");
const tokenInput = $("token");
const rememberBox = $("remember");
const seededSelect = $("seeded");
const executionInput = $("executionId");
const projectInput = $("project");

const TOKEN_KEY = "cdf-workflow-retry-demo:token";

let lib = null; // the package's exports once imported (its wasm loads on the first call)
let controller = null; // AbortController of the call in flight
let mockDetected = false;

// --- Endpoint toggle ------------------------------------------------------------------------
function showMode() {
  const m = mode();
  $("cluster-field").hidden = m !== "cluster";
  $("baseUrl-field").hidden = m !== "baseUrl";
}

function setMode(m) {
  $(m === "baseUrl" ? "target-baseUrl" : "target-cluster").checked = true;
  showMode();
}

function showClusterHost() {
  const cluster = $("cluster").value.trim();
  $("cluster-host").textContent = `https://${cluster || "{cluster}"}.cognitedata.com`;
}

for (const radio of form.elements.target) radio.addEventListener("change", showMode);
$("cluster").addEventListener("input", showClusterHost);

// --- Token memory (sessionStorage, only when asked) -----------------------------------------
function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

function saveToken() {
  const s = storage();
  if (!s) return;
  try {
    const token = tokenInput.value.trim();
    if (rememberBox.checked && token) s.setItem(TOKEN_KEY, token);
    else s.removeItem(TOKEN_KEY);
  } catch {
    /* quota or privacy mode: remembering is best effort */
  }
}

function restoreToken() {
  try {
    const saved = storage()?.getItem(TOKEN_KEY);
    if (saved) {
      tokenInput.value = saved;
      rememberBox.checked = true;
      return true;
    }
  } catch {
    /* ignore */
  }
  return false;
}

rememberBox.addEventListener("change", saveToken);
tokenInput.addEventListener("input", () => {
  if (rememberBox.checked) saveToken();
});

// --- Field errors (connection.js marks them; typing clears them) ----------------------------
watchFieldErrors();

// --- Mock server: detection and its seeded executions ---------------------------------------
async function mockExecutions(project) {
  const query = project ? `?project=${encodeURIComponent(project)}` : "";
  try {
    const res = await fetch(`/_mock/executions${query}`, { headers: { accept: "application/json" } });
    if (!res.ok || !(res.headers.get("content-type") ?? "").includes("application/json")) return null;
    const body = await res.json();
    if (!Array.isArray(body?.items)) return null;
    return body.items.filter((x) => typeof x?.id === "string");
  } catch {
    return null;
  }
}

function fillSeeded(items) {
  const chosen = executionInput.value.trim().toLowerCase();
  seededSelect.replaceChildren(h("option", { value: "" }, "Choose one to fill in the id…"));
  for (const { id, workflowExternalId, status } of items) {
    seededSelect.append(
      h("option", { value: id, selected: id === chosen }, `${workflowExternalId} · ${status} · ${id.slice(0, 8)}…`),
    );
  }
}

async function refreshSeeded() {
  if (!mockDetected) return;
  const items = await mockExecutions(projectInput.value.trim());
  if (items) fillSeeded(items);
}

seededSelect.addEventListener("change", () => {
  if (!seededSelect.value) return;
  executionInput.value = seededSelect.value;
  clearFieldError("executionId");
});
executionInput.addEventListener("input", () => {
  const id = executionInput.value.trim().toLowerCase();
  seededSelect.value = [...seededSelect.options].some((o) => o.value === id) ? id : "";
});
projectInput.addEventListener("change", refreshSeeded);

async function detectMock() {
  const items = await mockExecutions();
  if (!items) return;
  mockDetected = true;
  // Fill only what the person has not typed yet.
  if (!$("baseUrl").value) $("baseUrl").value = location.origin;
  if (!$("cluster").value) setMode("baseUrl");
  if (!tokenInput.value) tokenInput.value = "demo-token";
  $("mock-note").hidden = false;
  $("seeded-field").hidden = false;
  fillSeeded(items);
  await refreshSeeded();
}

// --- The call -------------------------------------------------------------------------------
function readOptions() {
  const options = { ...connectionOptions(), executionId: executionInput.value.trim() };
  const nonce = $("nonce").value.trim();
  if (nonce) options.nonce = nonce;
  const timeout = $("timeoutMs").value.trim();
  if (timeout) options.timeoutMs = Number(timeout);
  return options;
}

let ticker = null;

function setBusy(busy, started = 0) {
  form.setAttribute("aria-busy", String(busy));
  document.documentElement.dataset.busy = String(busy);
  const hadFocus = document.activeElement;
  inputs.disabled = busy;
  retryButton.disabled = busy;
  retryButton.classList.toggle("busy", busy);
  retryLabel.textContent = busy ? "Retrying…" : "Retry execution";
  cancelButton.disabled = !busy;
  clearInterval(ticker);
  elapsedEl.textContent = "";
  if (busy) {
    ticker = setInterval(() => {
      elapsedEl.textContent = formatMs(performance.now() - started);
    }, 100);
    // The control that had focus is now disabled: keep the keyboard on Cancel.
    if (hadFocus === retryButton || inputs.contains(hadFocus) || hadFocus === document.body) cancelButton.focus({ preventScroll: true });
  } else if (document.activeElement === cancelButton || document.activeElement === document.body) {
    retryButton.focus({ preventScroll: true });
  }
}

/** Show a result card; the live status line gets a short summary (and, for screen readers, the detail). */
function show(card, summary, detail = "") {
  resultEl.replaceChildren(card);
  statusEl.replaceChildren(summary, detail ? h("span", { class: "visually-hidden" }, ` ${detail}`) : "");
  // On a phone the card is below the form: bring it into view (not for field errors, which
  // move the focus to the field instead).
  const box = card.getBoundingClientRect();
  if (!card.matches('[data-kind="invalid_input"]') && (box.top < 0 || box.top > window.innerHeight - 80)) {
    card.scrollIntoView({ block: "start", behavior: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }
}

async function onSubmit(event) {
  event.preventDefault();
  if (!lib || controller) return;
  clearFieldErrors();
  saveToken();
  const options = readOptions();
  controller = new AbortController();
  options.signal = controller.signal;
  // The module tells what it retries (and the request id of each failed answer) before each wait.
  const retries = [];
  options.onRetry = (event) => {
    retries.push(event);
    const what = event.status !== undefined ? `HTTP ${event.status}` : "a network failure";
    statusEl.textContent = `Retrying… request ${event.attempt} got ${what}; trying again in ${formatMs(event.waitMs)}.`;
  };

  const started = performance.now();
  setBusy(true, started);
  statusEl.textContent = "Retrying…";
  let fieldToFocus = null;
  let fieldMessage = "";
  try {
    const execution = await lib.retryExecution(options);
    const elapsedMs = performance.now() - started;
    show(
      executionCard(execution, { retries, elapsedMs }),
      `Retried: ${execution.workflowExternalId} is now ${execution.status}.`,
      `Execution ${execution.id}.`,
    );
  } catch (e) {
    const elapsedMs = performance.now() - started;
    if (lib.isCdfError(e)) {
      const { title } = explain(e);
      show(errorCard(e, { elapsedMs, retries }), `Failed: ${title}.`, plain(e.message));
      if (e.kind === "invalid_input") {
        fieldToFocus = e.field;
        fieldMessage = resultEl.querySelector('[data-key="message"]')?.textContent ?? "";
      } else if (e.kind === "api" && e.status === 401) {
        fieldToFocus = "token";
        fieldMessage = TOKEN_REFUSED;
      }
    } else {
      show(unexpectedCard(e), "Failed: unexpected error.", String(e?.message ?? e));
    }
  } finally {
    controller = null;
    setBusy(false);
  }
  // After the form is enabled again, so the field can take focus.
  if (fieldToFocus) markFieldError(fieldToFocus, fieldMessage);
  refreshSeeded();
}

function cancel() {
  controller?.abort(new DOMException("Cancelled from the demo page", "AbortError"));
}

form.addEventListener("submit", onSubmit);
cancelButton.addEventListener("click", cancel);
document.addEventListener("keydown", (event) => {
  // Escape inside the task dialog closes the dialog, nothing else.
  if (event.key === "Escape" && controller && !event.target.closest?.("dialog")) {
    event.preventDefault();
    cancel();
  }
});

// --- Start ----------------------------------------------------------------------------------
// Importing the package loads no WebAssembly: the first retry does (a .wasm that cannot be
// loaded is then a CdfError in the result card, and the next retry tries again).
async function loadLibrary() {
  try {
    lib = await import("./pkg/browser.js");
    return true;
  } catch (err) {
    statusEl.textContent =
      `Could not load the package from /pkg/ (${String(err?.message ?? err)}). ` +
      "If pkg/ is missing, build it with npm run build, or start the page with npm start.";
    retryLabel.textContent = "Module not loaded";
    document.documentElement.dataset.state = "error";
    return false;
  }
}

showMode();
showClusterHost();
restoreToken();
const [loaded] = await Promise.all([loadLibrary(), detectMock()]);
showMode();
if (loaded) {
  retryButton.disabled = false;
  retryLabel.textContent = "Retry execution";
  statusEl.textContent = mockDetected
    ? "Ready. Mock CDF server detected: pick an execution and press Retry."
    : "Ready.";
}
// The failed-executions view (failed.js) uses the same connection fields and the same package.
initFailedView({ lib, mockDetected });
if (loaded) document.documentElement.dataset.state = "ready";
