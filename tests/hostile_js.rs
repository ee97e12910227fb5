//! Hostile JavaScript values at every option, generated: revoked Proxies,
//! throwing getters and traps, fake AbortSignals, throwing thenables, shared
//! and huge structures. Every call, all started together, settles with a
//! `CdfError`; none sends a request it should not; the next call works.
//! Also: a redirect is never followed (Node: kind api 3xx; Chrome: the status
//! is hidden, kind network), and nothing reaches its target.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

/// Sources of hostile values (bodies of functions returning one).
const HOSTILE: &[&str] = &[
    "const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy;",
    "const { proxy, revoke } = Proxy.revocable(function () {}, {}); revoke(); return proxy;",
    "return Object.defineProperty({}, 'clientId', { enumerable: true, get() { throw new Error('getter'); } });",
    "return new Proxy({}, { ownKeys() { throw new Error('ownKeys'); } });",
    "return new Proxy({}, { getPrototypeOf() { throw new Error('proto'); } });",
    "return new Proxy([], { get() { throw new Error('get'); } });",
    "return Object.create(AbortSignal.prototype);",
    "return { then() { throw new Error('then'); } };",
    "return { get then() { throw new Error('then getter'); } };",
    "return () => { throw 'thrown string'; };",
    "return () => ({ then(ok) { ok(undefined); } });",
    "return () => ({ get then() { throw new Error('x'); } });",
    "return async () => { throw Symbol('s'); };",
    "let a = [1]; for (let i = 0; i < 20; i++) a = [a, a]; return a;",
    "return new Array(10000000);",
    "return Symbol('s');",
    "return 10n;",
    "const o = {}; o.self = o; return o;",
    "return Object.defineProperty([], 0, { get() { throw new Error('index'); } });",
    "return new Map([['a', 1]]);",
    "return new Proxy({}, { get() { throw new Error('get'); }, has() { throw new Error('has'); } });",
];

const KEYS: &[&str] = &[
    "project",
    "baseUrl",
    "token",
    "executionId",
    "nonce",
    "clientCredentials",
    "signal",
    "timeoutMs",
    "maxRetries",
    "appName",
    "onRetry",
    "notAnOption",
];

/// xorshift32: a reproducible sequence.
fn next(state: &mut u32) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state
}

fn pick<'a>(items: &[&'a str], state: &mut u32) -> &'a str {
    let i = next(state) as usize % items.len();
    items.get(i).copied().unwrap_or("")
}

#[wasm_bindgen_test]
async fn hostile_values_at_every_option_always_settle() {
    let mut state = 0x9e37_79b9;
    let p = project("hjs");
    let calls = Array::new();
    let mut cases = Vec::new();
    for round in 0..120 {
        let opts = options(&p, FAILED, r#"{"timeoutMs":2000,"maxRetries":0}"#);
        // One to three hostile values per call.
        let n = 1 + next(&mut state) % 3;
        let mut desc = Vec::new();
        for _ in 0..n {
            let key = pick(KEYS, &mut state);
            let src = pick(HOSTILE, &mut state);
            set(&opts, key, &js_eval(src));
            desc.push(format!("{key}={src}"));
        }
        // Some calls get a hostile object as the options themselves.
        let opts = if round % 10 == 9 {
            js_eval(pick(HOSTILE, &mut state))
        } else {
            opts
        };
        cases.push(desc.join(" | "));
        // Started together: a value that crashed one call would strand the others.
        calls.push(&future_to_promise(cdf_workflow_retry::retry_execution(
            opts,
        )));
    }
    let settled = JsFuture::from(Promise::all_settled(&calls))
        .await
        .expect("allSettled resolves");
    let settled: Array = settled.unchecked_into();
    assert_eq!(settled.length(), 120);
    for (i, s) in settled.iter().enumerate() {
        let case = cases.get(i).cloned().unwrap_or_default();
        let status = get_str(&s, "status").unwrap_or_default();
        if status == "fulfilled" {
            // Possible only when every hostile value went to a key where it is harmless.
            continue;
        }
        let reason = get(&s, "reason");
        assert!(
            cdf_workflow_retry::is_cdf_error(reason.clone()),
            "case {i} ({case}): not a CdfError: {reason:?}"
        );
        assert!(
            ["invalid_input", "network", "api", "timeout"].contains(&kind(&reason).as_str()),
            "case {i} ({case}): kind {}",
            kind(&reason)
        );
    }
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn hostile_options_settle_without_traffic() {
    let p = project("hjs0");
    for src in HOSTILE {
        for key in ["clientCredentials", "notAnOption", "signal", "executionId"] {
            let opts = options(&p, FAILED, "{}");
            set(&opts, key, &js_eval(src));
            let e = expect_error(opts).await;
            assert_eq!(kind(&e), "invalid_input", "{key} = {src}");
        }
    }
    assert!(log(&p).await.is_empty(), "hostile options sent nothing");
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn a_redirect_is_never_followed() {
    let target = project("htarget");
    for (status, on, extra) in [
        (307, "sessions", r#"{}"#),
        (308, "retry", r#"{"maxRetries":0}"#),
        (
            302,
            "sessions",
            r#"{"clientCredentials":{"clientId":"test-client-r","clientSecret":"test-secret-r"}}"#,
        ),
    ] {
        let p = project("hredir");
        let location =
            format!("{MOCK}/api/v1/projects/{target}/workflows/executions/{FAILED}/retry");
        script(
            &p,
            &format!(r#"[{{"on":"{on}","status":{status},"headers":{{"location":"{location}"}},"body":""}}]"#),
        )
        .await;
        let e = expect_error(options(&p, FAILED, extra)).await;
        match kind(&e).as_str() {
            // Node keeps the status of a manual redirect.
            "api" => assert_eq!(get(&e, "status").as_f64(), Some(f64::from(status))),
            // A browser hides it (an opaque redirect).
            "network" => assert!(!has(&e, "status")),
            other => panic!("kind {other} for a redirect"),
        }
        assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    }
    assert!(
        log(&target).await.is_empty(),
        "nothing reached the redirect target"
    );
}

#[wasm_bindgen_test]
async fn a_getter_runs_once_and_its_value_is_what_is_used() {
    let p = project("honce");
    let opts = options(&p, TERMINATED, "{}");
    let counter = Object::new();
    set(&counter, "n", &JsValue::from(0));
    let getter = js_sys::Function::new_with_args(
        "c",
        "return { enumerable: true, get() { c.n += 1; return c.n === 1 ? () => 'test-token-once' : 42; } };",
    )
    .call1(&JsValue::UNDEFINED, &counter)
    .expect("descriptor");
    let _ = Reflect::delete_property(opts.unchecked_ref::<Object>(), &JsValue::from_str("token"));
    let _ = Reflect::define_property(
        opts.unchecked_ref::<Object>(),
        &JsValue::from_str("token"),
        getter.unchecked_ref::<Object>(),
    );
    let v = cdf_workflow_retry::retry_execution(opts)
        .await
        .expect("the first read's provider is used");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    assert_eq!(get(&counter, "n").as_f64(), Some(1.0));
}
