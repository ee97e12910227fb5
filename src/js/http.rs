//! One POST through gloo-net's fetch, with the contract's headers and the
//! call's abort signal; the answer read in full.

use gloo_net::http::Request;

use super::guard::{CallGuard, Stop};
use crate::SDK_HEADER;

/// A complete HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `x-request-id` header.
    pub request_id: Option<String>,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// `cdf-is-auto-retryable: true` was present.
    pub auto_retryable: bool,
    /// The body as text.
    pub body: String,
}

/// Why no complete answer arrived.
#[derive(Debug)]
pub enum SendError {
    /// The call was stopped (deadline or caller's signal).
    Stopped(Stop),
    /// The fetch failed: the platform error's name and message.
    Network {
        /// The JS error's `name`, e.g. "TypeError".
        name: String,
        /// The JS error's `message`.
        message: String,
    },
}

fn failed(guard: &CallGuard, e: gloo_net::Error) -> SendError {
    guard.fetching(false);
    if let Some(stop) = guard.stopped() {
        return SendError::Stopped(stop);
    }
    match e {
        gloo_net::Error::JsError(js) => SendError::Network {
            name: js.name,
            message: js.message,
        },
        other => SendError::Network {
            name: "Error".to_owned(),
            message: other.to_string(),
        },
    }
}

/// POSTs `body` (JSON text) to `url` with the bearer `token`.
pub async fn post(
    url: &str,
    token: &str,
    app_name: Option<&str>,
    body: &str,
    guard: &CallGuard,
) -> Result<Answer, SendError> {
    if let Some(stop) = guard.stopped() {
        return Err(SendError::Stopped(stop));
    }
    let mut builder = Request::post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("x-cdp-sdk", SDK_HEADER);
    if let Some(app) = app_name {
        builder = builder.header("x-cdp-app", app);
    }
    let signal = guard.signal();
    let request = builder
        .abort_signal(Some(&signal))
        .body(body)
        .map_err(|e| failed(guard, e))?;
    guard.fetching(true);
    let response = request.send().await.map_err(|e| failed(guard, e))?;
    let headers = response.headers();
    let status = response.status();
    let request_id = headers.get("x-request-id");
    let retry_after = headers.get("retry-after");
    let auto_retryable = headers
        .get("cdf-is-auto-retryable")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let body = response.text().await.map_err(|e| failed(guard, e))?;
    guard.fetching(false);
    Ok(Answer {
        status,
        request_id,
        retry_after,
        auto_retryable,
        body,
    })
}
