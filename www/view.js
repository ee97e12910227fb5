// Rendering of results and errors. Text goes into the DOM only through textContent
// (never innerHTML), so nothing an answer contains can become markup.

/** `h("p", { class: "x" }, "text", childNode)`: a small element builder. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const KNOWN_STATUSES = new Set(["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"]);

/**
 * A coloured status badge; unknown statuses (the API may add some) get a neutral colour.
 * `label`: its text, when it says more than the status (e.g. "3 FAILED").
 */
export function badge(status, label = status) {
  const known = KNOWN_STATUSES.has(status);
  return h(
    "span",
    { class: `badge badge--${known ? status.toLowerCase().replace("_", "-") : "other"}`, "data-status": status },
    String(label),
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

/** A `<time>` in local time, with the UTC ISO string as its machine value and tooltip. */
export function time(ms) {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  const iso = date.toISOString();
  return h("time", { datetime: iso, title: iso }, dateFormat.format(date));
}

/** One row of a definition list; skipped when the value is absent. */
function row(key, label, value) {
  if (value === undefined || value === null || value === "") return null;
  return h("div", { class: "row", "data-key": key }, h("dt", {}, label), h("dd", {}, value));
}

const code = (text) => h("code", {}, String(text));

/**
 * A message as plain sentences: the module quotes names in backticks ("Invalid option `x`"),
 * shown here as code, never as a literal backtick.
 */
export function prose(text) {
  const parts = String(text).split("`");
  if (parts.length % 2 === 0) return [String(text).replaceAll("`", "")]; // unbalanced: plain text
  return parts.map((part, i) => (i % 2 ? code(part) : part)).filter((part) => part !== "");
}

/** The same message as one plain string (for the live status line). */
export const plain = (text) => String(text).replaceAll("`", "");

/** One retry the module made (an `onRetry` event), as a sentence. */
function retryLine({ operation, attempt, waitMs, kind, status, requestId, newSession }) {
  const what = kind === "api" && status !== undefined ? `HTTP ${status}` : "a network failure";
  return h(
    "li",
    {},
    `Request ${attempt} (${operation}) got ${what}`,
    requestId ? [" (request id ", code(requestId), ")"] : "",
    `; waited ${formatMs(waitMs)}`,
    newSession ? " and created a new session" : "",
    ".",
  );
}

/** The retries row: one line per `onRetry` event, or nothing when there was none. */
function retriesRow(retries) {
  if (!retries?.length) return null;
  return row("retries", "Retries", h("ul", { class: "retries" }, retries.map(retryLine)));
}

function rawJson(value, summary = "Raw JSON") {
  return h(
    "details",
    { class: "raw" },
    h("summary", {}, summary),
    h("pre", { tabindex: "0" }, h("code", {}, JSON.stringify(value, null, 2))),
  );
}

function metadataTable(metadata) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return h("p", { class: "hint", "data-key": "metadata" }, "No metadata.");
  return h(
    "table",
    { class: "metadata", "data-key": "metadata" },
    h("caption", {}, "Metadata"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Value"))),
    h("tbody", {}, entries.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, code(k)), h("td", {}, String(v))))),
  );
}

/** The result card of a successful retry; `retries`: the module's `onRetry` events, if any. */
export function executionCard(execution, { retries, elapsedMs } = {}) {
  return h(
    "article",
    { class: "card result result--ok", "aria-labelledby": "result-title" },
    h(
      "header",
      { class: "result-head" },
      badge(execution.status),
      h("h3", { id: "result-title" }, "Retry accepted"),
    ),
    h(
      "p",
      { class: "summary" },
      "Workflow ",
      h("strong", {}, execution.workflowExternalId),
      execution.version !== undefined ? ` (version ${execution.version})` : "",
      ` is ${execution.status} again.`,
    ),
    h(
      "dl",
      { class: "facts" },
      row("id", "Execution id", code(execution.id)),
      row("workflowExternalId", "Workflow", code(execution.workflowExternalId)),
      row("version", "Version", execution.version),
      row("engineExecutionId", "Engine execution id", code(execution.engineExecutionId)),
      row("createdTime", "Created", time(execution.createdTime)),
      row("startTime", "Started", execution.startTime !== undefined ? time(execution.startTime) : undefined),
      row("endTime", "Ended", execution.endTime !== undefined ? time(execution.endTime) : undefined),
      row("reasonForIncompletion", "Reason for incompletion", execution.reasonForIncompletion),
      retriesRow(retries),
    ),
    metadataTable(execution.metadata),
    elapsedMs !== undefined ? h("p", { class: "hint" }, `Answered in ${formatMs(elapsedMs)}.`) : null,
    rawJson(execution),
  );
}

export function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Labels of the form fields an `invalid_input` error can name. */
export const FIELD_LABELS = {
  cluster: "cluster",
  baseUrl: "base URL",
  project: "project",
  token: "access token",
  executionId: "execution id",
  nonce: "nonce",
  timeoutMs: "timeout",
};

/** Labels of the other options an `invalid_input` error can name (fields of the failed-executions view). */
const OTHER_LABELS = {
  reason: "reason",
  triggerExternalId: "trigger external id",
};

const HTTP_REASONS = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const OPERATIONS = {
  createSession: "creating the session (POST …/sessions)",
  retryExecution: "retrying the execution (POST …/retry)",
  listExecutions: "listing the executions (POST …/executions/list)",
  getExecution: "reading the execution (GET …/executions/{id})",
  cancelExecution: "cancelling the execution (POST …/executions/{id}/cancel)",
  listTriggerRuns: "reading the trigger's history (GET …/triggers/{id}/history)",
};

/** A title and the advice for a CdfError: what happened, and what the person can do. */
export function explain(e) {
  const status = e.status;
  if (e.kind === "network" && e.operation === undefined && e.attempts === 0) {
    return {
      title: "The WebAssembly module did not load",
      advice: "The message says what failed: the .wasm file's URL and status, or what the page's Content-Security-Policy must allow. Nothing was sent to CDF; press Retry to try loading it again.",
    };
  }
  switch (e.kind) {
    case "invalid_input":
      return {
        title: `Check the ${FIELD_LABELS[e.field] ?? OTHER_LABELS[e.field] ?? e.field ?? "input"}`,
        advice: "Fix the highlighted field and try again. Nothing was sent to CDF.",
      };
    case "api": {
      const reason = HTTP_REASONS[status] ? ` ${HTTP_REASONS[status]}` : "";
      const title = `CDF answered HTTP ${status}${reason}`;
      if (status === 401) {
        return { title, advice: "The token is missing, expired or not valid for this project: get a fresh one and try again." };
      }
      if (status === 403) {
        let advice =
          "The token is valid but may not retry executions: its groups need workflowOrchestrationAcl:WRITE in this project (and access to the workflow's data set).";
        if (e.operation === "createSession") {
          advice = "The token is valid but may not create sessions: its groups need sessionsAcl:CREATE in this project (or give a nonce).";
        } else if (e.operation === "listExecutions" || e.operation === "getExecution") {
          advice = "The token is valid but may not read workflow executions: its groups need workflowOrchestrationAcl:READ in this project.";
        } else if (e.operation === "listTriggerRuns") {
          advice = "The token is valid but may not read workflow triggers: its groups need workflowOrchestrationAcl:READ in this project.";
        } else if (e.operation === "cancelExecution") {
          advice = "The token is valid but may not cancel executions: its groups need workflowOrchestrationAcl:WRITE in this project (and access to the workflow's data set).";
        }
        return { title, advice };
      }
      if (status === 404 && e.operation === "listTriggerRuns") {
        return { title, advice: "CDF knows no trigger with this external id in this project: check the id (case matters), the project and the cluster." };
      }
      if (status === 404) {
        return { title, advice: "CDF does not know this execution in this project: check the execution id, the project and the cluster." };
      }
      if (status === 429) return { title, advice: "CDF is rate-limiting: wait a little and try again." };
      if (status >= 500) {
        return { title, advice: "CDF had a problem. Try again later; quote the request id if you contact support." };
      }
      if (/cannot be retried/i.test(e.message)) {
        return { title, advice: "Only FAILED, TIMED_OUT or TERMINATED executions can be retried." };
      }
      if (e.operation === "cancelExecution" && /cannot be cancelled|already ended/i.test(e.message)) {
        return { title, advice: "Only a RUNNING execution can be cancelled: this one has already ended. List the executions again to see how." };
      }
      return { title, advice: "CDF refused the request as sent: sending it again unchanged will not help." };
    }
    case "network":
      return {
        title: "Could not reach CDF",
        advice:
          "Check the cluster or base URL and your connection. From a browser, CDF must also allow this page's origin (CORS): a refusal looks the same as a network failure.",
      };
    case "timeout":
      return {
        title: "No answer before the deadline",
        advice: "Try again, perhaps with a longer timeout. If the retry request was already sent, check the execution's status first.",
      };
    case "aborted":
      return {
        title: "Cancelled (aborted)",
        advice: "You cancelled the call. If the retry request had already reached CDF, the execution may be running anyway.",
      };
    case "invalid_response":
      return {
        title: "Unexpected answer from CDF",
        advice: `The answer's ${e.field ? `field ${e.field}` : "body"} is not as documented. Report it with the request id.`,
      };
    default:
      return { title: "Something went wrong", advice: "See the message below." };
  }
}

/** A JSON-safe copy of a CdfError's public fields (for the raw view). */
export function errorFields(e) {
  const out = { name: e.name };
  for (const key of [
    "kind", "message", "operation", "status", "code", "missing", "duplicated", "extra",
    "requestId", "field", "retryable", "attempts",
  ]) {
    if (e[key] !== undefined) out[key] = e[key];
  }
  if (e.cause !== undefined) out.cause = String(e.cause?.message ?? e.cause);
  return out;
}

/** Whether sending the same call again may help, in words. */
function retryableText(e) {
  if (e.kind === "aborted") return "You cancelled this call: press Retry to send it again";
  return e.retryable ? "Yes: the same call may succeed later" : "No: this call will fail the same way until something changes";
}

/**
 * The error card of a CdfError; `retries`: the module's `onRetry` events before it gave up, if any;
 * `titleId`: the id of its heading (one per view, so ids stay unique on the page).
 */
export function errorCard(e, { elapsedMs, retries, titleId = "result-title" } = {}) {
  const { title, advice } = explain(e);
  return h(
    "article",
    { class: `card result result--error result--${e.kind}`, "aria-labelledby": titleId, "data-kind": e.kind },
    h("header", { class: "result-head" }, h("span", { class: "badge badge--error" }, "ERROR"), h("h3", { id: titleId }, title)),
    h("p", { class: "message", "data-key": "message" }, prose(e.message)),
    h("p", { class: "advice" }, advice),
    h(
      "dl",
      { class: "facts" },
      row("kind", "Kind", code(e.kind)),
      row("operation", "While", OPERATIONS[e.operation] ?? e.operation),
      row("status", "HTTP status", e.status !== undefined ? String(e.status) : undefined),
      row("code", "CDF error code", e.code !== undefined && e.code !== e.status ? String(e.code) : undefined),
      row("requestId", "Request id", e.requestId ? code(e.requestId) : undefined),
      row("field", "Field", e.field ? code(e.field) : undefined),
      row("retryable", "Retryable", retryableText(e)),
      row("attempts", "HTTP requests sent", String(e.attempts ?? 0)),
      retriesRow(retries),
      row("missing", "Missing", e.missing ? code(JSON.stringify(e.missing)) : undefined),
      row("duplicated", "Duplicated", e.duplicated ? code(JSON.stringify(e.duplicated)) : undefined),
      row("extra", "Other details", e.extra ? code(JSON.stringify(e.extra)) : undefined),
    ),
    elapsedMs !== undefined ? h("p", { class: "hint" }, `Failed after ${formatMs(elapsedMs)}.`) : null,
    rawJson(errorFields(e), "Raw error"),
  );
}

/** A card for something that is not a CdfError (should not happen; shown rather than hidden). */
export function unexpectedCard(err) {
  return h(
    "article",
    { class: "card result result--error", "aria-labelledby": "result-title", "data-kind": "unexpected" },
    h("header", { class: "result-head" }, h("span", { class: "badge badge--error" }, "ERROR"), h("h3", { id: "result-title" }, "Unexpected error")),
    h("p", { class: "message" }, String(err?.message ?? err)),
  );
}
