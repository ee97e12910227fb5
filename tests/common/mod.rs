//! Helpers for the wasm-bindgen-test suites: the mock CDF server's address
//! (`MOCK_URL` at build time, set by `scripts/test.mjs`), its control API, and
//! small JS helpers.
#![allow(dead_code)]

use js_sys::{Function, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

/// The mock CDF server that `scripts/test.mjs` starts.
pub const MOCK: &str = match option_env!("MOCK_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:18080",
};
pub const TOKEN: &str = "test-token-wasm";
pub const FAILED: &str = "11111111-1111-4111-8111-111111111111";
pub const TIMED_OUT: &str = "22222222-2222-4222-8222-222222222222";
pub const TERMINATED: &str = "33333333-3333-4333-8333-333333333333";
pub const COMPLETED: &str = "44444444-4444-4444-8444-444444444444";
pub const RUNNING: &str = "55555555-5555-4555-8555-555555555555";
pub const UNKNOWN: &str = "99999999-9999-4999-8999-999999999999";

/// A project name no other test uses: the mock keeps state per project.
pub fn project(tag: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    let mut name = format!("w-{tag}-{n:x}");
    name.truncate(32);
    name.trim_end_matches('-').to_owned()
}

/// `JSON.parse(text)`.
pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("valid JSON in test")
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("readable")
}

pub fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

pub fn set(v: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(v, &JsValue::from_str(key), value).expect("settable");
}

pub fn has(v: &JsValue, key: &str) -> bool {
    Reflect::has(v, &JsValue::from_str(key)).unwrap_or(false)
}

/// Options for `project` against the mock, with `extra` (JSON) merged in.
pub fn options(project: &str, execution_id: &str, extra: &str) -> JsValue {
    let base = json(&format!(
        r#"{{"project":"{project}","baseUrl":"{MOCK}","token":"{TOKEN}","executionId":"{execution_id}"}}"#
    ));
    let extra = json(extra);
    Object::assign(
        base.unchecked_ref::<Object>(),
        extra.unchecked_ref::<Object>(),
    )
    .into()
}

/// A JS function from source, e.g. `js_fn("return 'x'")`.
pub fn js_fn(body: &str) -> Function {
    Function::new_no_args(body)
}

/// A JS value computed by `body` (the body of a function with no arguments).
pub fn js_eval(body: &str) -> JsValue {
    js_fn(body)
        .call0(&JsValue::UNDEFINED)
        .expect("test JS runs")
}

async fn control(method: &str, path: &str, body: Option<String>) -> JsValue {
    let url = format!("{MOCK}/_mock{path}");
    let builder = gloo_net::http::RequestBuilder::new(&url).method(match method {
        "POST" => gloo_net::http::Method::POST,
        "DELETE" => gloo_net::http::Method::DELETE,
        _ => gloo_net::http::Method::GET,
    });
    let response = match body {
        Some(b) => builder
            .header("content-type", "application/json")
            .body(b)
            .expect("request")
            .send()
            .await
            .expect("mock control reachable"),
        None => builder.send().await.expect("mock control reachable"),
    };
    assert!(
        response.ok(),
        "mock control {method} {path} answered {}",
        response.status()
    );
    let text = response.text().await.expect("body");
    if text.is_empty() {
        JsValue::UNDEFINED
    } else {
        json(&text)
    }
}

/// Queues scripted answers (a JSON step or array of steps) for `project`.
pub async fn script(project: &str, steps: &str) {
    control(
        "POST",
        &format!("/projects/{project}/script"),
        Some(steps.to_owned()),
    )
    .await;
}

/// The API requests the mock received for `project`.
pub async fn log(project: &str) -> Vec<JsValue> {
    let v = control("GET", &format!("/projects/{project}/log"), None).await;
    js_sys::Array::from(&get(&v, "requests")).iter().collect()
}

/// A valid nonce for `project`, minted without a logged request.
pub async fn mint_nonce(project: &str) -> String {
    let v = control(
        "POST",
        &format!("/projects/{project}/nonce"),
        Some("{}".into()),
    )
    .await;
    get_str(&v, "nonce").expect("nonce")
}

/// The API requests of one op (`list`, `get`, `sessions`, `retry`, `token`) the mock received for `project`.
pub async fn log_of(project: &str, op: &str) -> Vec<JsValue> {
    let v = control("GET", &format!("/projects/{project}/log?op={op}"), None).await;
    js_sys::Array::from(&get(&v, "requests")).iter().collect()
}

/// The project's stats: `{requests, tokensIssued, inFlight, maxInFlight}` (per op).
pub async fn project_stats(project: &str) -> JsValue {
    control("GET", &format!("/projects/{project}/stats"), None).await
}

/// Sets how retried (or running) executions of `project` end: a JSON object of outcomes.
pub async fn set_outcomes(project: &str, outcomes: &str) {
    control(
        "POST",
        &format!("/projects/{project}/outcomes"),
        Some(outcomes.to_owned()),
    )
    .await;
}

/// Every execution of `project` now, newest first (`{id, status, ...}`).
pub async fn executions(project: &str) -> Vec<JsValue> {
    let v = control("GET", &format!("/projects/{project}/executions"), None).await;
    js_sys::Array::from(&get(&v, "items")).iter().collect()
}

/// `{noncesIssued, noncesBound, nonceReuseAttempts}`.
pub async fn stats() -> JsValue {
    control("GET", "/stats", None).await
}

/// The body of a logged request, parsed.
pub fn body_of(request: &JsValue) -> JsValue {
    json(&get_str(request, "body").expect("body"))
}

/// The nonce a logged retry request carried.
pub fn nonce_of(request: &JsValue) -> String {
    get_str(&get(&body_of(request), "authentication"), "nonce").expect("nonce in body")
}

pub fn op_of(request: &JsValue) -> String {
    get_str(request, "op").expect("op")
}

/// Runs `retryExecution` and returns its rejection, checking it is a CdfError.
pub async fn expect_error(options: JsValue) -> JsValue {
    match cdf_workflow_retry::retry_execution(options).await {
        Ok(v) => panic!("expected a rejection, got {v:?}"),
        Err(e) => {
            assert!(
                cdf_workflow_retry::is_cdf_error(e.clone()),
                "not a CdfError: {e:?}"
            );
            assert!(e.is_instance_of::<js_sys::Error>(), "not an Error");
            assert_eq!(get_str(&e, "name").as_deref(), Some("CdfError"));
            assert!(
                get_str(&e, "stack").is_some_and(|s| !s.is_empty()),
                "no stack"
            );
            e
        }
    }
}

pub fn kind(e: &JsValue) -> String {
    get_str(e, "kind").unwrap_or_default()
}

pub fn attempts(e: &JsValue) -> f64 {
    get(e, "attempts").as_f64().expect("attempts is a number")
}

/// Every way the error could show a secret: message, toString, JSON of its fields.
pub fn assert_no_secret(e: &JsValue, secrets: &[&str]) {
    let message = get_str(e, "message").unwrap_or_default();
    let text = js_sys::Error::from(e.clone())
        .to_string()
        .as_string()
        .unwrap_or_default();
    let fields = JSON::stringify(e).map(String::from).unwrap_or_default();
    let stack = get_str(e, "stack").unwrap_or_default();
    for secret in secrets {
        for (what, s) in [
            ("message", &message),
            ("toString", &text),
            ("fields", &fields),
            ("stack", &stack),
        ] {
            assert!(!s.contains(secret), "secret {secret:?} in {what}: {s}");
        }
    }
}

/// A normal call on a fresh project succeeds: nothing is poisoned.
pub async fn assert_still_works() {
    let p = project("ok");
    let v = cdf_workflow_retry::retry_execution(options(&p, TERMINATED, "{}"))
        .await
        .expect("a normal call after a failure succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
}

/// Milliseconds since the epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// `Object.prototype` of this realm.
pub fn object_prototype() -> JsValue {
    js_sys::Reflect::get_prototype_of(&Object::new())
        .expect("prototype")
        .into()
}
