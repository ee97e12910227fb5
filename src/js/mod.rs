//! The thin wasm-bindgen layer: the exports, their TypeScript types, and
//! the glue that converts values and awaits fetch.

use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

mod api;
mod call;
mod client;
mod convert;
mod guard;
mod http;
mod output;
mod provider;

/// One call of an export: resolves to its result, rejects with a `CdfError`.
type Call = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs `call` as a Promise. Every export and the inner calls (the token
/// provider's request, each execution of a batch) share this one instance
/// of `future_to_promise`, rather than one per future type (`async fn`
/// exports make one each): about 2 KB gzip less of the `.wasm`.
pub(crate) fn spawn(call: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let call: Call = Box::pin(call);
    wasm_bindgen_futures::future_to_promise(call)
}

// The TypeScript declarations (options, results, CdfError, RetryEvent…) are
// hand-written in src/js/types.d.ts and merged into index.d.ts by the build.

/// Retries a failed, timed-out or terminated CDF workflow execution.
///
/// Validates every option before any traffic, creates a session nonce when
/// none is given, retries safely, and resolves to the execution as a plain
/// object; every failure rejects with a `CdfError`.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/{executionId}/retry`.
#[wasm_bindgen(js_name = retryExecution, unchecked_return_type = "Promise<WorkflowExecution>")]
pub fn retry_execution_promise(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionOptions")] options: JsValue,
) -> Promise {
    spawn(call::run(options))
}

/// `retryExecution` for Rust callers (the wasm tests).
pub async fn retry_execution(options: JsValue) -> Result<JsValue, JsValue> {
    call::run(options).await
}

/// Lists workflow executions, newest first, following `nextCursor` until
/// `limit` (default 100, at most 10000) are collected.
/// Source: `POST /api/v1/projects/{project}/workflows/executions/list`.
#[wasm_bindgen(js_name = listExecutions, unchecked_return_type = "Promise<WorkflowExecution[]>")]
pub fn list_executions_promise(
    #[wasm_bindgen(unchecked_param_type = "ListExecutionsOptions")] options: JsValue,
) -> Promise {
    spawn(api::list_executions(options))
}

/// `listExecutions` for Rust callers (the wasm tests).
pub async fn list_executions(options: JsValue) -> Result<JsValue, JsValue> {
    api::list_executions(options).await
}

/// One execution with its tasks.
/// Source: `GET /api/v1/projects/{project}/workflows/executions/{executionId}`.
#[wasm_bindgen(js_name = getExecution, unchecked_return_type = "Promise<WorkflowExecutionDetails>")]
pub fn get_execution_promise(
    #[wasm_bindgen(unchecked_param_type = "GetExecutionOptions")] options: JsValue,
) -> Promise {
    spawn(api::get_execution(options))
}

/// `getExecution` for Rust callers (the wasm tests).
pub async fn get_execution(options: JsValue) -> Result<JsValue, JsValue> {
    api::get_execution(options).await
}

/// Polls an execution until its status is anything but `RUNNING`, and
/// resolves with that last answer.
#[wasm_bindgen(js_name = waitForExecution, unchecked_return_type = "Promise<WorkflowExecutionDetails>")]
pub fn wait_for_execution_promise(
    #[wasm_bindgen(unchecked_param_type = "WaitForExecutionOptions")] options: JsValue,
) -> Promise {
    spawn(api::wait_for_execution(options))
}

/// `waitForExecution` for Rust callers (the wasm tests).
pub async fn wait_for_execution(options: JsValue) -> Result<JsValue, JsValue> {
    api::wait_for_execution(options).await
}

/// Retries many executions, at most `concurrency` at once, each with its own
/// session; resolves to `{ retried, failed }` in input (or list) order.
#[wasm_bindgen(js_name = retryExecutions, unchecked_return_type = "Promise<RetryExecutionsResult>")]
pub fn retry_executions_promise(
    #[wasm_bindgen(unchecked_param_type = "RetryExecutionsOptions")] options: JsValue,
) -> Promise {
    spawn(api::retry_executions(options))
}

/// `retryExecutions` for Rust callers (the wasm tests).
pub async fn retry_executions(options: JsValue) -> Result<JsValue, JsValue> {
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

/// Whether `value` is a `CdfError` of this package (for Rust callers and the
/// wasm tests; JavaScript imports `isCdfError` from errors.js, which never
/// loads the wasm).
pub fn is_cdf_error(value: JsValue) -> bool {
    output::is_cdf_error(&value)
}
