//! The thin wasm-bindgen layer: the exports (each its options read at the
//! call, one machine of [`crate::calls`], and the one driver), and the glue
//! that converts values and awaits fetch.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

mod api;
mod call;
mod client;
mod convert;
mod driver;
mod failures;
mod guard;
mod http;
mod output;
mod provider;
mod v3;

// The TypeScript declarations (options, results, CdfError, RetryEvent…) are
// hand-written in src/js/types.d.ts and merged into index.d.ts by the build.

/// One export: the options read and checked synchronously at the call (a bad
/// one rejects the promise, nothing sent), then the one driver.
fn export(prepared: Result<driver::Prepared, JsValue>) -> Promise {
    driver::start(prepared)
}

/// Awaits an export's promise (the Rust API of the exports, for Rust callers
/// and the wasm tests: the same path as JavaScript's).
async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise).await
}

/// Retries a failed, timed-out or terminated CDF workflow execution.
///
/// Validates every option before any traffic, creates a session nonce when
/// none is given, retries safely, and resolves to the execution as a plain
/// object; every failure rejects with a `CdfError`.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry`.
#[wasm_bindgen(js_name = retryExecution, unchecked_return_type = "Promise<WorkflowExecution>")]
pub fn retry_execution_js(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionOptions")] options: JsValue,
) -> Promise {
    export(call::run(&options))
}

/// Lists workflow executions, newest first, following `nextCursor` until
/// `limit` (default 100, at most 10000) are collected.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/list`.
#[wasm_bindgen(js_name = listExecutions, unchecked_return_type = "Promise<WorkflowExecution[]>")]
pub fn list_executions_js(
    #[wasm_bindgen(unchecked_param_type = "ListExecutionsOptions")] options: JsValue,
) -> Promise {
    export(api::list_executions(&options))
}

/// One execution with its tasks.
/// Source: `GET /api/v1/projects/{project}/workflows/executions/{executionId}`.
#[wasm_bindgen(js_name = getExecution, unchecked_return_type = "Promise<WorkflowExecutionDetails>")]
pub fn get_execution_js(
    #[wasm_bindgen(unchecked_param_type = "GetExecutionOptions")] options: JsValue,
) -> Promise {
    export(api::get_execution(&options))
}

/// Polls an execution until its status is anything but `RUNNING`, and
/// resolves with that last answer.
#[wasm_bindgen(js_name = waitForExecution, unchecked_return_type = "Promise<WorkflowExecutionDetails>")]
pub fn wait_for_execution_js(
    #[wasm_bindgen(unchecked_param_type = "WaitForExecutionOptions")] options: JsValue,
) -> Promise {
    export(api::wait_for_execution(&options))
}

/// Retries many executions, at most `concurrency` at once, each with its own
/// session; resolves to `{ retried, failed }` in input (or list) order.
#[wasm_bindgen(js_name = retryExecutions, unchecked_return_type = "Promise<RetryExecutionsResult>")]
pub fn retry_executions_js(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionsOptions")] options: JsValue,
) -> Promise {
    match api::retry_executions(&options) {
        Ok(batched) => driver::spawn(Box::pin(api::run_batch(batched))),
        Err(e) => Promise::reject(&e),
    }
}

/// Cancels a workflow execution (version 0.3): CDF marks it `TERMINATED`;
/// resolves to the execution as CDF answers it (checked, identity rule
/// included). Retried by the read-only rules: cancelling changes nothing twice.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/{executionId}/cancel`.
#[wasm_bindgen(js_name = cancelExecution, unchecked_return_type = "Promise<WorkflowExecution>")]
pub fn cancel_execution_js(
    #[wasm_bindgen(unchecked_param_type = "CancelExecutionOptions")] options: JsValue,
) -> Promise {
    export(v3::cancel_execution(&options))
}

/// Lists a trigger's runs, newest first, following `nextCursor` until `limit`
/// runs (default 100, at most 10000; counted after the `status` filter) are
/// collected (version 0.3).
/// Source: `GET /api/v1/projects/{project}/workflows/triggers/{triggerExternalId}/history`.
#[wasm_bindgen(js_name = listTriggerRuns, unchecked_return_type = "Promise<TriggerRun[]>")]
pub fn list_trigger_runs_js(
    #[wasm_bindgen(unchecked_param_type = "ListTriggerRunsOptions")] options: JsValue,
) -> Promise {
    export(v3::list_trigger_runs(&options))
}

/// `retryExecution` for Rust callers.
pub async fn retry_execution(options: JsValue) -> Result<JsValue, JsValue> {
    settle(retry_execution_js(options)).await
}

/// `listExecutions` for Rust callers.
pub async fn list_executions(options: JsValue) -> Result<JsValue, JsValue> {
    settle(list_executions_js(options)).await
}

/// `getExecution` for Rust callers.
pub async fn get_execution(options: JsValue) -> Result<JsValue, JsValue> {
    settle(get_execution_js(options)).await
}

/// `waitForExecution` for Rust callers.
pub async fn wait_for_execution(options: JsValue) -> Result<JsValue, JsValue> {
    settle(wait_for_execution_js(options)).await
}

/// `retryExecutions` for Rust callers.
pub async fn retry_executions(options: JsValue) -> Result<JsValue, JsValue> {
    settle(retry_executions_js(options)).await
}

/// `cancelExecution` for Rust callers.
pub async fn cancel_execution(options: JsValue) -> Result<JsValue, JsValue> {
    settle(cancel_execution_js(options)).await
}

/// `listTriggerRuns` for Rust callers.
pub async fn list_trigger_runs(options: JsValue) -> Result<JsValue, JsValue> {
    settle(list_trigger_runs_js(options)).await
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

/// Groups executions that are neither RUNNING nor COMPLETED by workflow and
/// failure signature (synchronous, no network); throws a `CdfError` of kind
/// `invalid_input` for a bad argument.
#[wasm_bindgen(js_name = groupFailures, unchecked_return_type = "FailureGroup[]")]
pub fn group_failures(
    #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<GroupFailuresExecution>")]
    executions: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GroupFailuresOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    failures::group_failures(executions, options)
}

/// Whether `value` is a `CdfError` of this package (for Rust callers and the
/// wasm tests; JavaScript imports `isCdfError` from errors.js, which never
/// loads the wasm).
pub fn is_cdf_error(value: JsValue) -> bool {
    output::is_cdf_error(&value)
}
