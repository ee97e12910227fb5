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
  token: string | TokenProvider;
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

/** A bearer-token provider: called with `{ forceRefresh: true }` only on the second ask after a 401. */
export type TokenProvider = (context: { forceRefresh: boolean }) => string | Promise<string>;

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
  /** Which call failed; absent for "invalid_input". */
  operation?: "createSession" | "retryExecution";
  /** The HTTP status, for "api". */
  status?: number;
  /** `error.code` of the CDF error body. */
  code?: number;
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
