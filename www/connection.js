// The connection fields of the page (where CDF is, the project, the access token), shared by the
// single retry (app.js) and the failed-executions view (failed.js), and the way both mark a field
// the module or CDF blamed: aria-invalid, a message under it, and the focus.
import { FIELD_LABELS } from "./view.js";

export const $ = (id) => document.getElementById(id);

export const APP_NAME = "cdf-workflow-retry demo";
/** The fields an error can point at: cluster, baseUrl, project, token, executionId, nonce, timeoutMs. */
export const FIELDS = Object.keys(FIELD_LABELS);

/** "cluster" or "baseUrl": which endpoint field is showing. */
export function mode() {
  return $("retry-form").elements.target.value === "baseUrl" ? "baseUrl" : "cluster";
}

/**
 * The connection options every call of the package takes, read from the form now:
 * `{ project, token, cluster | baseUrl, appName }`. An empty value still goes in, so the
 * module's `invalid_input` error names that field.
 */
export function connectionOptions() {
  const m = mode();
  return {
    project: $("project").value.trim(),
    token: $("token").value.trim(),
    [m]: $(m).value.trim(),
    appName: APP_NAME,
  };
}

export function clearFieldError(field) {
  const input = $(field);
  const message = $(`${field}-error`);
  if (!input || !message) return;
  input.removeAttribute("aria-invalid");
  message.textContent = "";
  message.hidden = true;
}

export function clearFieldErrors() {
  for (const field of FIELDS) clearFieldError(field);
}

/** The input an `invalid_input` error points at, given which endpoint field is showing. */
function inputFor(field) {
  if (field === "cluster" || field === "baseUrl") return mode();
  return FIELDS.includes(field) ? field : null;
}

/**
 * Marks the field an error names (`aria-invalid`, the message under it) and moves the focus
 * there. Returns false when the error names no field of the connection form.
 */
export function markFieldError(field, message) {
  const id = inputFor(field);
  if (!id) return false;
  const input = $(id);
  const messageEl = $(`${id}-error`);
  input.setAttribute("aria-invalid", "true");
  messageEl.textContent = message;
  messageEl.hidden = false;
  input.focus();
  if (typeof input.select === "function" && input.type !== "password") input.select();
  return true;
}

/** What the token field says after CDF refused the token (HTTP 401). */
export const TOKEN_REFUSED =
  "CDF refused this token (HTTP 401): it is missing, expired or not valid for this project. Paste a fresh one.";

export function watchFieldErrors() {
  for (const field of FIELDS) $(field).addEventListener("input", () => clearFieldError(field));
}
