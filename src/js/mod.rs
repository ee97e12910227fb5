//! The thin wasm-bindgen layer: the two exports, their TypeScript types, and
//! the glue that converts values and awaits fetch.

use wasm_bindgen::prelude::*;

mod api;
mod call;
mod client;
mod convert;
mod guard;
mod http;
mod output;
mod provider;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** The status of a workflow execution. */
export type WorkflowStatus = "RUNNING" | "COMPLETED" | "FAILED" | "TIMED_OUT" | "TERMINATED";

/** Options of {@link retryExecution}. Unknown keys are rejected; a key set to `undefined` counts as absent. */
export interface RetryExecutionOptions {
  /** CDF project URL name: 3 to 32 letters, digits and hyphens. */
  project: string;
  /** Cluster name, e.g. "westeurope-1": the host is https://{cluster}.cognitedata.com. Give this or `baseUrl`. */
  cluster?: string | undefined;
  /** A full https origin, e.g. "https://api.cognitedata.com" (http only for loopback hosts). Give this or `cluster`. */
  baseUrl?: string | undefined;
  /**
   * Bearer token (without the "Bearer " prefix), or a provider returning one (sync or async).
   * A provider is called with `{ forceRefresh }`: `false` first, `true` when asked again once after a 401.
   * A `CdfError` it throws passes through unchanged; anything else thrown is `invalid_input` for `token`.
   */
  token: string | TokenFunction;
  /** The execution to retry: a UUID, any case. */
  executionId: string;
  /** A session nonce. Omitted: the module creates a session (token exchange, or `clientCredentials`). */
  nonce?: string | undefined;
  /** Create the session with client credentials instead of token exchange. Not together with `nonce`. */
  clientCredentials?: { clientId: string; clientSecret: string } | undefined;
  /** Cancels everything, waits included; the promise rejects with kind "aborted". */
  signal?: AbortSignal | undefined;
  /** Deadline for the whole call, retries and waits included, in ms. Default 60000. */
  timeoutMs?: number | undefined;
  /** Extra attempts after the first, per request. Default 3; 0 disables retries. */
  maxRetries?: number | undefined;
  /** Sent as the x-cdp-app header: 1 to 255 visible ASCII characters or spaces. */
  appName?: string | undefined;
  /** Called before each wait between attempts (see {@link RetryEvent}); what it throws is ignored. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/**
 * A bearer-token function for the `token` option (sync or async): called with
 * `{ forceRefresh: true }` only on the second ask after a 401.
 */
export type TokenFunction = (context: { forceRefresh: boolean }) => string | Promise<string>;

/**
 * What {@link clientCredentialsToken} returns: resolves to a bearer token, cached until it
 * expires; `{ forceRefresh: true }` fetches a new one unless a request is already in flight.
 * Usable as the `token` option of every call.
 */
export type TokenProvider = (context?: { forceRefresh?: boolean }) => Promise<string>;

/** What {@link RetryExecutionOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  /** The request that failed and will be sent again. */
  operation: "createSession" | "retryExecution" | "listExecutions" | "getExecution" | "getToken";
  /** How many requests this call has sent so far (from 1): the failed one's number. */
  attempt: number;
  /** How long the module waits before the next request, in ms (Retry-After or full jitter). */
  waitMs: number;
  /** The kind of the failure ("api" or "network"). */
  kind: CdfErrorKind;
  /** The HTTP status, when CDF answered. */
  status?: number;
  /** The x-request-id answer header, when there was one. */
  requestId?: string;
  /** Whether the next request first creates a new session (the failed nonce may have been bound). */
  newSession: boolean;
}

/** A workflow execution as CDF returns it. Optional fields are absent when the API omits them. */
export interface WorkflowExecution {
  id: string;
  workflowExternalId: string;
  status: WorkflowStatus;
  engineExecutionId: string;
  /** Milliseconds since the Unix epoch. */
  createdTime: number;
  /** A plain object, never a Map. */
  metadata: Record<string, string>;
  version?: string;
  startTime?: number;
  endTime?: number;
  reasonForIncompletion?: string;
}

/** What went wrong. */
export type CdfErrorKind = "invalid_input" | "api" | "network" | "timeout" | "aborted" | "invalid_response";

/** Every rejection of {@link retryExecution}: a real `Error` named "CdfError". Recognise it with {@link isCdfError}. */
export interface CdfError extends Error {
  name: "CdfError";
  kind: CdfErrorKind;
  /** Which request failed; absent for "invalid_input". */
  operation?: "createSession" | "retryExecution" | "listExecutions" | "getExecution" | "getToken";
  /** The HTTP status, for "api". */
  status?: number;
  /** `error.code` of the CDF error body (a number), or the OAuth `error` of an identity provider (a string, e.g. "invalid_client"). */
  code?: number | string;
  /** `error.missing` of the CDF error body. */
  missing?: Record<string, unknown>[];
  /** `error.duplicated` of the CDF error body. */
  duplicated?: Record<string, unknown>[];
  /** Other keys of the CDF error body's `error` object. */
  extra?: Record<string, unknown>;
  /** The x-request-id answer header, when there was one. */
  requestId?: string;
  /** The option ("invalid_input") or answer field ("invalid_response") at fault. */
  field?: string;
  /** Whether the same call later may succeed (429, 5xx, network, timeout). */
  retryable: boolean;
  /** How many HTTP requests this call sent, session requests included. */
  attempts: number;
  /** The underlying JS error (or abort reason), where there was one. */
  cause?: unknown;
}

/** The connection options every call takes (see {@link RetryExecutionOptions}). */
export interface ConnectionOptions {
  project: string;
  cluster?: string | undefined;
  baseUrl?: string | undefined;
  token: string | TokenFunction;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  appName?: string | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** A workflow to list: its external id, or `{ externalId, version? }` (1 to 255 characters each). */
export type WorkflowFilter = string | { externalId: string; version?: string | undefined };

/** What {@link listExecutions} selects (and the `filter` of {@link retryExecutions}). */
export interface ListExecutionsQuery {
  /** 1 to 100 workflows; sent as `workflowFilters`. */
  workflows?: WorkflowFilter[] | undefined;
  /** 1 to 5 distinct statuses. */
  status?: WorkflowStatus[] | undefined;
  /** Milliseconds since the Unix epoch, inclusive. */
  createdTimeStart?: number | undefined;
  /** Milliseconds since the Unix epoch, inclusive; not before `createdTimeStart`. */
  createdTimeEnd?: number | undefined;
  /** 1 to 10000; default 100. */
  limit?: number | undefined;
}

/** Options of {@link listExecutions}. */
export interface ListExecutionsOptions extends ConnectionOptions, ListExecutionsQuery {}

/** Options of {@link getExecution}. */
export interface GetExecutionOptions extends ConnectionOptions {
  /** A UUID, any case. */
  executionId: string;
}

/** Options of {@link waitForExecution}. `timeoutMs` is the deadline of the whole wait (default 900000). */
export interface WaitForExecutionOptions extends GetExecutionOptions {
  /** The first wait between polls, doubled after each poll up to 15000 (or this, when larger); 100 to 60000, default 1000. */
  pollIntervalMs?: number | undefined;
  /** Called after each successful poll; what it throws is ignored. */
  onProgress?: ((details: WorkflowExecutionDetails) => void) | undefined;
}

/** The status of a task; values CDF adds later are passed through. */
export type TaskStatus = "IN_PROGRESS" | "CANCELED" | "FAILED" | "FAILED_WITH_TERMINAL_ERROR" | "COMPLETED" | "COMPLETED_WITH_ERRORS" | "SCHEDULED" | "TIMED_OUT" | "SKIPPED" | (string & {});

/** One executed task of a workflow execution. */
export interface TaskExecution {
  id: string;
  externalId: string;
  status: TaskStatus;
  /** "function" | "transformation" | "cdf" | "dynamic" | "subworkflow" | "simulation"; other values are passed through. */
  taskType: string;
  parentTaskExternalId?: string;
  startTime?: number;
  endTime?: number;
  reasonForIncompletion?: string;
  /** Plain JSON, as sent by CDF. */
  input: Record<string, unknown>;
  /** Plain JSON, as sent by CDF. */
  output: Record<string, unknown>;
}

/** A workflow execution with its tasks and definition ({@link getExecution}, {@link waitForExecution}). */
export interface WorkflowExecutionDetails extends WorkflowExecution {
  executedTasks: TaskExecution[];
  workflowDefinition: { hash: string; description?: string; tasks: Record<string, unknown>[] };
  input?: Record<string, unknown>;
}

/** The `filter` of {@link retryExecutions}: `status` holds only retryable statuses (default: all three). */
export interface RetryExecutionsFilter extends Omit<ListExecutionsQuery, "status"> {
  status?: ("FAILED" | "TIMED_OUT" | "TERMINATED")[] | undefined;
}

/** What {@link RetryExecutionsOptions.onProgress} is told once per finished execution. */
export interface RetryExecutionsProgress {
  done: number;
  total: number;
  executionId: string;
  execution?: WorkflowExecution;
  error?: CdfError;
}

/** Options of {@link retryExecutions}: exactly one of `executionIds` and `filter`. `timeoutMs` and `maxRetries` apply to each execution. */
export interface RetryExecutionsOptions extends ConnectionOptions {
  /** 1 to 1000 UUIDs; duplicates (in any case) are retried once. */
  executionIds?: string[] | undefined;
  /** List the executions to retry instead. */
  filter?: RetryExecutionsFilter | undefined;
  /** Create each session with client credentials instead of token exchange. */
  clientCredentials?: { clientId: string; clientSecret: string } | undefined;
  /** 1 to 16; default 4: executions in flight at once. */
  concurrency?: number | undefined;
  /** Called once per finished execution; what it throws is ignored. */
  onProgress?: ((event: RetryExecutionsProgress) => void) | undefined;
}

/** What {@link retryExecutions} resolves to, both lists in input (or list) order. */
export interface RetryExecutionsResult {
  retried: WorkflowExecution[];
  failed: { executionId: string; error: CdfError }[];
}

/** Options of {@link clientCredentialsToken}. */
export interface ClientCredentialsTokenOptions {
  /** https (http only for a loopback host), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Sent space-separated as `scope`, e.g. ["https://westeurope-1.cognitedata.com/.default"]. */
  scopes?: string[] | undefined;
  /** Sent as `audience` (Auth0-style identity providers). */
  audience?: string | undefined;
  /** 0 to 3600, default 30: refresh this long before expiry. */
  leewaySeconds?: number | undefined;
}
"#;

/// Retries a failed, timed-out or terminated CDF workflow execution.
///
/// Validates every option before any traffic, creates a session nonce when
/// none is given, retries safely, and resolves to the execution as a plain
/// object; every failure rejects with a `CdfError`.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry`.
#[wasm_bindgen(js_name = retryExecution, unchecked_return_type = "WorkflowExecution")]
pub async fn retry_execution(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    call::run(options).await
}

/// Lists workflow executions, newest first, following `nextCursor` until
/// `limit` (default 100, at most 10000) are collected.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/list`.
#[wasm_bindgen(js_name = listExecutions, unchecked_return_type = "WorkflowExecution[]")]
pub async fn list_executions(
    #[wasm_bindgen(unchecked_param_type = "ListExecutionsOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    api::list_executions(options).await
}

/// One execution with its tasks.
/// Source: `GET /api/v1/projects/{project}/workflows/executions/{executionId}`.
#[wasm_bindgen(js_name = getExecution, unchecked_return_type = "WorkflowExecutionDetails")]
pub async fn get_execution(
    #[wasm_bindgen(unchecked_param_type = "GetExecutionOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    api::get_execution(options).await
}

/// Polls an execution until its status is anything but `RUNNING`, and
/// resolves with that last answer.
#[wasm_bindgen(js_name = waitForExecution, unchecked_return_type = "WorkflowExecutionDetails")]
pub async fn wait_for_execution(
    #[wasm_bindgen(unchecked_param_type = "WaitForExecutionOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    api::wait_for_execution(options).await
}

/// Retries many executions, at most `concurrency` at once, each with its own
/// session; resolves to `{ retried, failed }` in input (or list) order.
#[wasm_bindgen(js_name = retryExecutions, unchecked_return_type = "RetryExecutionsResult")]
pub async fn retry_executions(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionsOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    api::retry_executions(options).await
}

/// A token provider for the OAuth 2.0 client-credentials grant (RFC 6749
/// section 4.4), cached until `expires_in` minus `leewaySeconds`, one request
/// in flight at a time. Options are validated on the provider's first call.
#[wasm_bindgen(js_name = clientCredentialsToken, unchecked_return_type = "TokenProvider")]
pub fn client_credentials_token(
    #[wasm_bindgen(unchecked_param_type = "ClientCredentialsTokenOptions")] options: JsValue,
) -> JsValue {
    provider::client_credentials_token(options)
}

/// Whether `value` is a `CdfError` thrown by this package (works across realms
/// and across copies of the module).
#[wasm_bindgen(js_name = isCdfError, unchecked_return_type = "value is CdfError")]
pub fn is_cdf_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue) -> bool {
    output::is_cdf_error(&value)
}
