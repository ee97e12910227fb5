//! The retry rules, deadlines and cancellation, against scripted faults of
//! the mock server. A nonce that may have been bound is never sent again.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::HashSet;

use cdf_workflow_retry::retry_execution;
use common::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

fn retry_nonces(requests: &[JsValue]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| op_of(r) == "retry")
        .map(nonce_of)
        .collect()
}

#[wasm_bindgen_test]
async fn a_429_is_retried_with_the_same_nonce_after_retry_after() {
    let p = project("429");
    let nonce = mint_nonce(&p).await;
    script(
        &p,
        r#"{"on":"retry","status":429,"headers":{"retry-after":"1"}}"#,
    )
    .await;
    let start = now();
    let v = retry_execution(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#)))
        .await
        .expect("succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    assert!(now() - start >= 950.0, "Retry-After: 1 was honoured");
    let requests = log(&p).await;
    assert_eq!(
        retry_nonces(&requests),
        vec![nonce.clone(), nonce],
        "same nonce twice"
    );
}

#[wasm_bindgen_test]
async fn a_503_is_retried_with_a_fresh_session() {
    let p = project("503");
    script(
        &p,
        r#"{"on":"retry","status":503,"headers":{"retry-after":"0"}}"#,
    )
    .await;
    let v = retry_execution(options(&p, FAILED, "{}"))
        .await
        .expect("succeeds on the retry");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    let requests = log(&p).await;
    let ops: Vec<String> = requests.iter().map(op_of).collect();
    assert_eq!(ops, ["sessions", "retry", "sessions", "retry"]);
    let nonces = retry_nonces(&requests);
    assert_ne!(nonces[0], nonces[1], "a new nonce for the second retry");
}

#[wasm_bindgen_test]
async fn a_processed_503_never_resends_the_bound_nonce() {
    let p = project("503p");
    // The mock binds the nonce and restarts the execution, then answers 503.
    script(
        &p,
        r#"{"on":"retry","process":true,"status":503,"headers":{"retry-after":"0"}}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, "{}")).await;
    // The retry with a fresh session learns that the execution is already RUNNING.
    assert_eq!(get(&e, "status").as_f64(), Some(400.0));
    assert_eq!(attempts(&e), 4.0);
    let requests = log(&p).await;
    let nonces = retry_nonces(&requests);
    assert_eq!(nonces.len(), 2);
    assert_ne!(nonces[0], nonces[1]);
}

#[wasm_bindgen_test]
async fn a_503_with_the_callers_nonce_is_not_retried() {
    let p = project("503c");
    let nonce = mint_nonce(&p).await;
    script(&p, r#"{"on":"retry","process":true,"status":503}"#).await;
    let e = expect_error(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#))).await;
    assert_eq!(kind(&e), "api");
    assert_eq!(get(&e, "status").as_f64(), Some(503.0));
    assert_eq!(
        get(&e, "retryable").as_bool(),
        Some(true),
        "the caller may retry with a new nonce"
    );
    assert_eq!(attempts(&e), 1.0);
    assert_eq!(log(&p).await.len(), 1);
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn auto_retryable_header_with_our_nonce_gets_a_fresh_session() {
    let p = project("auto");
    script(&p, r#"{"on":"retry","status":500,"headers":{"cdf-is-auto-retryable":"true","retry-after":"0"}}"#).await;
    retry_execution(options(&p, FAILED, "{}"))
        .await
        .expect("succeeds");
    let requests = log(&p).await;
    assert_eq!(requests.len(), 4);
    let nonces = retry_nonces(&requests);
    assert_ne!(nonces[0], nonces[1]);
}

#[wasm_bindgen_test]
async fn auto_retryable_with_the_callers_nonce_is_not_retried_but_retryable() {
    let p = project("autoc");
    let nonce = mint_nonce(&p).await;
    script(
        &p,
        r#"{"on":"retry","status":409,"headers":{"cdf-is-auto-retryable":"true"}}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#))).await;
    assert_eq!(get(&e, "status").as_f64(), Some(409.0));
    assert_eq!(
        get(&e, "retryable").as_bool(),
        Some(true),
        "CDF said it may succeed later"
    );
    assert_eq!(attempts(&e), 1.0);
}

#[wasm_bindgen_test]
async fn a_huge_retry_after_fails_at_once() {
    let p = project("huge");
    script(
        &p,
        r#"{"on":"retry","status":429,"headers":{"retry-after":"99999999999"}}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, r#"{"timeoutMs":5000}"#)).await;
    assert_eq!(get(&e, "status").as_f64(), Some(429.0));
    assert_eq!(
        attempts(&e),
        2.0,
        "no retry: the wait would pass the deadline"
    );
}

#[wasm_bindgen_test]
async fn a_plain_500_is_not_retried_but_retryable() {
    let p = project("500");
    script(&p, r#"{"on":"retry","status":500}"#).await;
    let e = expect_error(options(&p, FAILED, "{}")).await;
    assert_eq!(get(&e, "status").as_f64(), Some(500.0));
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
    assert_eq!(attempts(&e), 2.0);
}

#[wasm_bindgen_test]
async fn session_creation_is_retried_on_502_503_504_and_429() {
    let p = project("sess");
    script(
        &p,
        r#"[{"on":"sessions","status":502,"headers":{"retry-after":"0"}},{"on":"sessions","status":503,"headers":{"retry-after":"0"}},{"on":"sessions","status":429,"headers":{"retry-after":"0"}}]"#,
    )
    .await;
    let v = retry_execution(options(&p, FAILED, "{}"))
        .await
        .expect("succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    let ops: Vec<String> = log(&p).await.iter().map(op_of).collect();
    assert_eq!(
        ops,
        ["sessions", "sessions", "sessions", "sessions", "retry"]
    );
}

#[wasm_bindgen_test]
async fn session_creation_is_retried_after_a_network_failure() {
    let p = project("sessreset");
    script(&p, r#"{"on":"sessions","reset":true}"#).await;
    let v = retry_execution(options(&p, FAILED, "{}"))
        .await
        .expect("succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    let ops: Vec<String> = log(&p).await.iter().map(op_of).collect();
    assert_eq!(ops, ["sessions", "sessions", "retry"]);
}

#[wasm_bindgen_test]
async fn a_retry_after_http_date_is_honoured() {
    let p = project("date");
    let nonce = mint_nonce(&p).await;
    // Three seconds ahead, to the second: a wait of 2 to 3 s (jitter alone would be at most 0.5 s).
    let when = js_eval("return new Date(Date.now() + 3000).toUTCString()");
    let when = when.as_string().expect("date string");
    script(
        &p,
        &format!(r#"{{"on":"retry","status":429,"headers":{{"retry-after":"{when}"}}}}"#),
    )
    .await;
    let start = now();
    retry_execution(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#)))
        .await
        .expect("succeeds after the wait");
    assert!(now() - start >= 1_500.0, "waited until the HTTP date");
    assert_eq!(retry_nonces(&log(&p).await), vec![nonce.clone(), nonce]);
}

#[wasm_bindgen_test]
async fn max_retries_bounds_the_attempts() {
    let p = project("max0");
    let nonce = mint_nonce(&p).await;
    script(
        &p,
        r#"{"on":"retry","status":429,"headers":{"retry-after":"0"}}"#,
    )
    .await;
    let e = expect_error(options(
        &p,
        FAILED,
        &format!(r#"{{"nonce":"{nonce}","maxRetries":0}}"#),
    ))
    .await;
    assert_eq!(get(&e, "status").as_f64(), Some(429.0));
    assert_eq!(attempts(&e), 1.0, "maxRetries 0 disables retries");

    let p = project("max2");
    let nonce = mint_nonce(&p).await;
    let step = r#"{"on":"retry","status":429,"headers":{"retry-after":"0"}}"#;
    script(&p, &format!("[{step},{step},{step},{step}]")).await;
    let e = expect_error(options(
        &p,
        FAILED,
        &format!(r#"{{"nonce":"{nonce}","maxRetries":2}}"#),
    ))
    .await;
    assert_eq!(attempts(&e), 3.0, "the first attempt and two retries");
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn a_reset_socket_is_a_network_error_or_a_fresh_session() {
    let p = project("reset");
    let nonce = mint_nonce(&p).await;
    script(&p, r#"{"on":"retry","reset":true}"#).await;
    let e = expect_error(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#))).await;
    assert_eq!(kind(&e), "network");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("retryExecution"));
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
    assert!(
        get(&e, "cause").is_instance_of::<js_sys::TypeError>(),
        "the fetch's TypeError is the cause"
    );
    assert_eq!(attempts(&e), 1.0);

    let p = project("reset2");
    script(&p, r#"{"on":"retry","reset":true,"process":true}"#).await;
    let v = retry_execution(options(&p, FAILED, "{}")).await;
    // The first retry was processed before the reset, so the mock now says RUNNING (400):
    // what matters is that a new session was made and no nonce was sent twice.
    let requests = log(&p).await;
    let nonces: HashSet<String> = retry_nonces(&requests).into_iter().collect();
    assert_eq!(nonces.len(), 2, "two different nonces");
    assert_eq!(
        requests.iter().map(op_of).collect::<Vec<_>>(),
        ["sessions", "retry", "sessions", "retry"]
    );
    assert!(v.is_err());
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn a_hanging_server_times_out_at_the_deadline() {
    let p = project("hang");
    script(&p, r#"{"on":"retry","hang":true}"#).await;
    let start = now();
    let e = expect_error(options(&p, FAILED, r#"{"timeoutMs":300}"#)).await;
    assert_eq!(kind(&e), "timeout");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("retryExecution"));
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
    assert!(now() - start < 5_000.0, "did not wait for the server");
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn headers_then_a_hanging_body_times_out() {
    let p = project("hbody");
    script(
        &p,
        r#"{"on":"sessions","status":200,"headersThenHang":true}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, r#"{"timeoutMs":300}"#)).await;
    assert_eq!(kind(&e), "timeout");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("createSession"));
}

#[wasm_bindgen_test]
async fn aborting_mid_request_with_a_string_reason() {
    let p = project("abort");
    script(&p, r#"{"on":"retry","hang":true}"#).await;
    let controller = web_sys::AbortController::new().expect("controller");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "signal", &controller.signal());
    let abort_later =
        js_sys::Function::new_with_args("c", "setTimeout(() => c.abort('user cancelled'), 100)");
    abort_later
        .call1(&JsValue::UNDEFINED, &controller)
        .expect("timer");
    let e = expect_error(opts).await;
    assert_eq!(kind(&e), "aborted");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("retryExecution"));
    assert_eq!(
        get(&e, "cause").as_string().as_deref(),
        Some("user cancelled"),
        "the abort reason is the cause"
    );
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn aborting_during_a_retry_after_wait() {
    let p = project("abwait");
    script(
        &p,
        r#"{"on":"retry","status":429,"headers":{"retry-after":"30"}}"#,
    )
    .await;
    let controller = web_sys::AbortController::new().expect("controller");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "signal", &controller.signal());
    let abort_later =
        js_sys::Function::new_with_args("c", "setTimeout(() => c.abort(new Error('stop')), 200)");
    abort_later
        .call1(&JsValue::UNDEFINED, &controller)
        .expect("timer");
    let start = now();
    let e = expect_error(opts).await;
    assert_eq!(kind(&e), "aborted");
    assert!(now() - start < 10_000.0, "the 30 s wait was cut short");
    assert_eq!(attempts(&e), 2.0);
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_sends_nothing() {
    for reason in [
        "undefined",
        "'why'",
        "new DOMException('x', 'AbortError')",
        "42",
    ] {
        let p = project("pre");
        let signal = js_eval(&format!(
            "const c = new AbortController(); c.abort({reason}); return c.signal"
        ));
        let opts = options(&p, FAILED, "{}");
        set(&opts, "signal", &signal);
        let e = expect_error(opts).await;
        assert_eq!(kind(&e), "aborted");
        assert_eq!(attempts(&e), 0.0);
        assert!(log(&p).await.is_empty());
        if reason == "'why'" {
            assert_eq!(
                get(&e, "cause").as_string().as_deref(),
                Some("why"),
                "the reason is the cause"
            );
        }
    }
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn a_retry_after_past_the_deadline_fails_at_once_with_the_last_error() {
    let p = project("late");
    script(
        &p,
        r#"{"on":"retry","status":429,"headers":{"retry-after":"120"}}"#,
    )
    .await;
    let start = now();
    let e = expect_error(options(&p, FAILED, r#"{"timeoutMs":5000}"#)).await;
    assert_eq!(kind(&e), "api");
    assert_eq!(get(&e, "status").as_f64(), Some(429.0));
    assert!(now() - start < 4_000.0, "the wait was not started");
}

#[wasm_bindgen_test]
async fn a_401_asks_a_token_provider_again() {
    let p = project("rot");
    let opts = options(&p, FAILED, "{}");
    let provider =
        js_eval("let n = 0; return () => (++n === 1 ? 'expired-token-1' : 'test-token-rotated')");
    set(&opts, "token", &provider);
    let v = retry_execution(opts)
        .await
        .expect("succeeds with the new token");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    let auth: Vec<String> = log(&p)
        .await
        .iter()
        .map(|r| get_str(&get(r, "headers"), "authorization").unwrap_or_default())
        .collect();
    assert_eq!(
        auth,
        [
            "Bearer expired-token-1",
            "Bearer test-token-rotated",
            "Bearer test-token-rotated"
        ]
    );

    // Each request may refresh once: a 401 on the session, then a 401 on the retry.
    let p = project("rot3");
    script(&p, r#"{"on":"retry","status":401}"#).await;
    let opts = options(&p, FAILED, "{}");
    let provider =
        js_eval("let n = 0; return () => (++n === 1 ? 'expired-token-3' : `test-token-r${n}`)");
    set(&opts, "token", &provider);
    retry_execution(opts)
        .await
        .expect("succeeds after two refreshes");
    let auth: Vec<String> = log(&p)
        .await
        .iter()
        .map(|r| get_str(&get(r, "headers"), "authorization").unwrap_or_default())
        .collect();
    assert_eq!(
        auth,
        [
            "Bearer expired-token-3",
            "Bearer test-token-r2",
            "Bearer test-token-r2",
            "Bearer test-token-r3"
        ]
    );

    // A provider that keeps giving the same rejected token: no resend.
    let p = project("rot2");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "token", &js_fn("return 'expired-token-2'"));
    let e = expect_error(opts).await;
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(attempts(&e), 1.0);
}

#[wasm_bindgen_test]
async fn other_4xx_are_never_retried() {
    for status in [400, 403, 404, 409, 422] {
        let p = project("4xx");
        script(
            &p,
            &format!(r#"{{"on":"retry","status":{status},"headers":{{"retry-after":"0"}}}}"#),
        )
        .await;
        let e = expect_error(options(&p, FAILED, "{}")).await;
        assert_eq!(get(&e, "status").as_f64(), Some(f64::from(status)));
        assert_eq!(attempts(&e), 2.0, "{status}");
    }
}
