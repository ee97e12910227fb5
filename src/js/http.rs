//! One request through gloo-net's fetch, with the contract's headers, the
//! call's abort signal and `redirect: "manual"`; the answer read to its end or
//! to the 1 MiB cap by `runtime.readAnswer`, which never throws.

use gloo_net::http::Request;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::guard::{CallGuard, Stop};
use crate::SDK_HEADER;

/// Bodies larger than this are not read further (contract: 1 MiB).
pub const MAX_BODY_BYTES: u32 = 1024 * 1024;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = readAnswer)]
    fn read_answer(response: &web_sys::Response, cap: u32) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = takeFailure)]
    fn take_failure(request: &web_sys::Request) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = errorText)]
    fn error_text(e: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = makeRequest)]
    fn make_request(
        url: &str,
        authorization: Option<&str>,
        sdk: Option<&str>,
        app: Option<&str>,
        content_type: Option<&str>,
        body: Option<&str>,
        signal: &web_sys::AbortSignal,
    ) -> Result<web_sys::Request, JsValue>;
}

/// An HTTP answer: status, the headers the module needs, and the body.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status (0 for an opaque redirect in a browser).
    pub status: u16,
    /// A redirect answer (3xx, or the browser's opaque redirect).
    pub redirect: bool,
    /// The `x-request-id` header.
    pub request_id: Option<String>,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// `cdf-is-auto-retryable: true` was present.
    pub auto_retryable: bool,
    /// The `Content-Type` header ("" when absent).
    pub content_type: String,
    /// The body as text, or why it could not be read.
    pub body: Body,
}

/// What became of an answer's body.
#[derive(Debug)]
pub enum Body {
    /// Read to the end: the text.
    Text(String),
    /// Larger than [`MAX_BODY_BYTES`]: not read further.
    TooLarge,
    /// The connection dropped, or the bytes were not UTF-8: what was thrown.
    Unreadable(JsValue),
}

/// Why no answer arrived.
#[derive(Debug)]
pub enum SendError {
    /// The call was stopped (deadline or caller's signal).
    Stopped(Stop),
    /// The fetch failed: a description, and the runtime's own error as thrown.
    Network {
        /// "name: message" of what fetch threw.
        detail: String,
        /// The thrown value itself.
        cause: JsValue,
    },
}

/// Who a request goes to, which decides its headers.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// CDF: `Authorization: Bearer`, `x-cdp-sdk`, `x-cdp-app`, JSON bodies.
    Cdf {
        /// The bearer token.
        token: &'a str,
        /// The `x-cdp-app` header.
        app_name: Option<&'a str>,
    },
    /// An identity provider's token URL: only `Accept` and a form `Content-Type`.
    IdentityProvider,
}

/// The method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: no body, no `Content-Type`.
    Get,
    /// `POST` with a JSON body.
    Post,
}

/// `name: message` of a thrown value, read without running anything that can throw.
pub fn describe_thrown(e: &JsValue) -> String {
    let text = error_text(e).unwrap_or(JsValue::UNDEFINED);
    let field = |k: &str| {
        Reflect::get(&text, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (field("name"), field("message"));
    match (name.is_empty(), message.is_empty()) {
        (true, _) => message,
        (false, true) => name,
        (false, false) => format!("{name}: {message}"),
    }
}

fn network(guard: &CallGuard, cause: JsValue) -> SendError {
    guard.fetching(false);
    if let Some(stop) = guard.stopped() {
        return SendError::Stopped(stop);
    }
    SendError::Network {
        detail: describe_thrown(&cause),
        cause,
    }
}

/// The request, built once (no second `Request`, no URL parse in between) by
/// `runtime.makeRequest` in one call across the boundary.
fn build(
    method: Method,
    url: &str,
    target: Target<'_>,
    body: Option<&str>,
    guard: &CallGuard,
) -> Result<web_sys::Request, JsValue> {
    let (authorization, sdk, app, content_type) = match target {
        Target::Cdf { token, app_name } => (
            Some(format!("Bearer {token}")),
            Some(SDK_HEADER),
            app_name,
            "application/json",
        ),
        Target::IdentityProvider => (None, None, None, crate::token::FORM_CONTENT_TYPE),
    };
    let body = match method {
        Method::Post => Some(body.unwrap_or("")),
        Method::Get => None,
    };
    make_request(
        url,
        authorization.as_deref(),
        sdk,
        app,
        body.map(|_| content_type),
        body,
        &guard.signal(),
    )
}

/// Sends one request and reads its answer.
pub async fn send(
    method: Method,
    url: &str,
    target: Target<'_>,
    body: Option<&str>,
    guard: &CallGuard,
) -> Result<Answer, SendError> {
    if let Some(stop) = guard.stopped() {
        return Err(SendError::Stopped(stop));
    }
    let request: web_sys::Request = match build(method, url, target, body, guard) {
        Ok(r) => r,
        Err(e) => return Err(network(guard, e)),
    };
    guard.fetching(true);
    let sent = guard
        .until_stopped(Request::from(Clone::clone(&request)).send())
        .await;
    let sent = match sent {
        Ok(sent) => sent,
        Err(stop) => {
            guard.fetching(false);
            return Err(SendError::Stopped(stop));
        }
    };
    let response = match sent {
        Ok(r) => web_sys::Response::from(r),
        Err(e) => {
            // The package build routes gloo-net's fetch through runtime.guardedFetch,
            // which keeps what the runtime threw; elsewhere only gloo's copy is left.
            let thrown = take_failure(&request)
                .ok()
                .filter(|f| f.is_object())
                .and_then(|f| Reflect::get(&f, &JsValue::from_str("thrown")).ok());
            let cause = thrown.unwrap_or_else(|| match e {
                gloo_net::Error::JsError(js) => {
                    let err = js_sys::TypeError::new(&js.message);
                    JsValue::from(err)
                }
                other => JsValue::from(js_sys::TypeError::new(&other.to_string())),
            });
            return Err(network(guard, cause));
        }
    };
    let read = match read_answer(&response, MAX_BODY_BYTES) {
        Ok(promise) => match guard
            .until_stopped(wasm_bindgen_futures::JsFuture::from(promise))
            .await
        {
            Ok(read) => read.unwrap_or(JsValue::UNDEFINED),
            Err(stop) => {
                guard.fetching(false);
                return Err(SendError::Stopped(stop));
            }
        },
        Err(e) => return Err(network(guard, e)),
    };
    guard.fetching(false);
    if let Some(stop) = guard.stopped() {
        return Err(SendError::Stopped(stop));
    }
    if !js_sys::Array::is_array(&read) {
        return Err(network(guard, read));
    }
    let read: js_sys::Array = read.unchecked_into();
    let at = |i: u32| read.get(i);
    let text = |i: u32| at(i).as_string();
    let body = if at(7).as_bool() == Some(true) {
        Body::TooLarge
    } else if let Some(t) = text(6) {
        Body::Text(t)
    } else {
        Body::Unreadable(at(8))
    };
    Ok(Answer {
        status: at(0).as_f64().map_or(0, |s| s as u16),
        redirect: at(1).as_bool() == Some(true),
        request_id: text(2),
        retry_after: text(3),
        auto_retryable: at(4).as_bool() == Some(true),
        content_type: text(5).unwrap_or_default(),
        body,
    })
}
