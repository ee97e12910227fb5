//! # cdf-workflow-retry
//!
//! Retry failed Cognite Data Fusion (CDF) workflow executions from any
//! JavaScript runtime. Compiled to WebAssembly, the crate exports
//! `retryExecution(options)`, the type guard `isCdfError(e)`, and (version
//! 0.2) `listExecutions`, `getExecution`, `waitForExecution`,
//! `retryExecutions` and `clientCredentialsToken`.
//!
//! ```js
//! import { retryExecution, isCdfError } from "cdf-workflow-retry";
//! const execution = await retryExecution({
//!   project: "my-project",
//!   cluster: "westeurope-1",
//!   token: () => getAccessToken(),
//!   executionId: "059edaa4-a17a-4102-910e-2c3591500cce",
//! });
//! ```
//!
//! The crate is two layers:
//! - a pure Rust core with no JavaScript types, tested natively with `cargo test`:
//!   - values and options: [`value`] (JS values as data), [`validate`] (one
//!     rule per option), [`connection`] (the options every call shares, and
//!     how a call's own options fit around them), [`suggest`] ("did you mean"),
//!     [`options`] (`retryExecution`), [`filter`] (what to list);
//!   - one file per call: [`list`] (`listExecutions`: body, pages, [`list::Pager`]),
//!     [`details`] (`getExecution`), [`poll`] (`waitForExecution`), [`batch`]
//!     (`retryExecutions`: [`batch::Batch`] scheduler), [`token`]
//!     (`clientCredentialsToken`: form, answer, cache), [`failures`]
//!     (`groupFailures`, offline: failure signatures and groups);
//!   - requests and answers: [`endpoint`] (URLs), [`session`] and [`execution`]
//!     (bodies and answer checks), [`status`], [`json`] (JSON text for bodies
//!     and results), [`number`] (numbers read and written by the host);
//!   - failures: [`error`] (the error model), [`retry`] (retry decisions for
//!     every request), [`secret`] (secrets that never print);
//! - `js`, the thin wasm-bindgen layer (only on `wasm32`): converts values,
//!   drives fetch through gloo-net, waits, and builds the JavaScript error.
#![deny(missing_docs, missing_debug_implementations)]
// A `CdfError` is built at most once per call, on the way out: its size costs nothing.
#![allow(clippy::result_large_err)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::exit
    )
)]

pub mod batch;
pub mod calls;
pub mod cancel;
mod check;
pub mod connection;
pub mod details;
pub mod endpoint;
pub mod engine;
pub mod error;
pub mod execution;
pub mod failures;
mod fields;
pub mod filter;
mod host;
pub mod json;
pub mod list;
pub mod number;
pub mod options;
pub mod parse;
pub mod poll;
pub mod retry;
pub mod secret;
pub mod session;
pub mod status;
pub mod suggest;
pub mod token;
pub mod triggers;
pub mod validate;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod js;

/// Talc instead of dlmalloc: smaller and faster on wasm (wasm32 has no atomics here).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
#[cfg(target_arch = "wasm32")]
pub use js::{
    cancel_execution, client_credentials_token, get_execution, group_failures, is_cdf_error,
    list_executions, list_trigger_runs, retry_execution, retry_executions, wait_for_execution,
};

/// The `x-cdp-sdk` header value: `cdf-workflow-retry:<version>`.
pub const SDK_HEADER: &str = concat!("cdf-workflow-retry:", env!("CARGO_PKG_VERSION"));
