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
mod v3;

// The TypeScript declarations (options, results, CdfError, RetryEvent…) are
// hand-written in src/js/types.d.ts and merged into index.d.ts by the build.

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

/// Cancels a workflow execution (version 0.3): CDF marks it `TERMINATED`;
/// resolves to the execution as CDF answers it (checked, identity rule
/// included). Retried by the read-only rules: cancelling changes nothing twice.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/{executionId}/cancel`.
#[wasm_bindgen(js_name = cancelExecution, unchecked_return_type = "WorkflowExecution")]
pub async fn cancel_execution(
    #[wasm_bindgen(unchecked_param_type = "CancelExecutionOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    v3::cancel_execution(options).await
}

/// Lists a trigger's runs, newest first, following `nextCursor` until `limit`
/// runs (default 100, at most 10000; counted after the `status` filter) are
/// collected (version 0.3).
/// Source: `GET /api/v1/projects/{project}/workflows/triggers/{triggerExternalId}/history`.
#[wasm_bindgen(js_name = listTriggerRuns, unchecked_return_type = "TriggerRun[]")]
pub async fn list_trigger_runs(
    #[wasm_bindgen(unchecked_param_type = "ListTriggerRunsOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    v3::list_trigger_runs(options).await
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

/// Whether `value` is a `CdfError` of this package (for Rust callers and the
/// wasm tests; JavaScript imports `isCdfError` from errors.js, which never
/// loads the wasm).
pub fn is_cdf_error(value: JsValue) -> bool {
    output::is_cdf_error(&value)
}
