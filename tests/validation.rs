//! Every option is validated before any traffic: a bad one rejects with
//! `invalid_input` naming the field, and the mock sees no request.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

/// Rejects `opts` as invalid_input on `field`, with nothing sent for `p`.
async fn refused(p: &str, opts: JsValue, field: &str) -> JsValue {
    let e = expect_error(opts).await;
    assert_eq!(kind(&e), "invalid_input");
    assert_eq!(get_str(&e, "field").as_deref(), Some(field));
    assert_eq!(attempts(&e), 0.0);
    assert!(!has(&e, "operation"), "no operation for invalid_input");
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    assert!(
        log(p).await.is_empty(),
        "nothing was sent for a bad {field}"
    );
    e
}

#[wasm_bindgen_test]
async fn non_objects_are_refused_as_options() {
    for v in [
        JsValue::NULL,
        JsValue::UNDEFINED,
        JsValue::from_str("x"),
        JsValue::from(3),
        js_sys::Array::new().into(),
    ] {
        let e = expect_error(v).await;
        assert_eq!(get_str(&e, "field").as_deref(), Some("options"));
    }
    let e = expect_error(js_eval("return new Map()")).await;
    assert_eq!(get_str(&e, "field").as_deref(), Some("options"));
}

#[wasm_bindgen_test]
async fn each_bad_option_names_its_field() {
    let cases: &[(&str, &str)] = &[
        (r#"{"executionID":"x"}"#, "executionID"),
        (r#"{"project":"ab"}"#, "project"),
        (r#"{"project":"-abc"}"#, "project"),
        (r#"{"project":"123"}"#, "project"),
        (r#"{"project":null}"#, "project"),
        (r#"{"cluster":"westeurope-1"}"#, "cluster"),
        (r#"{"executionId":"not-a-uuid"}"#, "executionId"),
        (
            r#"{"executionId":"11111111111141118111111111111111"}"#,
            "executionId",
        ),
        (r#"{"executionId":42}"#, "executionId"),
        (r#"{"token":""}"#, "token"),
        (r#"{"token":"has space"}"#, "token"),
        (r#"{"token":7}"#, "token"),
        (r#"{"nonce":""}"#, "nonce"),
        (r#"{"nonce":null}"#, "nonce"),
        (r#"{"nonce":"n","clientCredentials":{}}"#, "nonce"),
        (
            r#"{"nonce":"n","clientCredentials":{"clientId":"a","clientSecret":"b"}}"#,
            "nonce",
        ),
        (
            r#"{"clientCredentials":{"clientId":"","clientSecret":"b"}}"#,
            "clientCredentials.clientId",
        ),
        (
            r#"{"clientCredentials":{"clientId":"a"}}"#,
            "clientCredentials.clientSecret",
        ),
        (r#"{"clientCredentials":"a:b"}"#, "clientCredentials"),
        (r#"{"timeoutMs":0}"#, "timeoutMs"),
        (r#"{"timeoutMs":1.5}"#, "timeoutMs"),
        (r#"{"timeoutMs":2147483648}"#, "timeoutMs"),
        (r#"{"maxRetries":11}"#, "maxRetries"),
        (r#"{"maxRetries":-1}"#, "maxRetries"),
        (r#"{"appName":""}"#, "appName"),
        (r#"{"appName":"tab\there"}"#, "appName"),
        (r#"{"signal":{}}"#, "signal"),
    ];
    for (extra, field) in cases {
        let p = project("bad");
        refused(&p, options(&p, FAILED, extra), field).await;
    }
}

#[wasm_bindgen_test]
async fn cluster_and_base_url_rules() {
    let p = project("origin");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "baseUrl", &JsValue::UNDEFINED);
    refused(&p, opts.clone(), "cluster").await; // neither
    set(&opts, "cluster", &"West Europe".into());
    refused(&p, opts.clone(), "cluster").await;
    set(&opts, "cluster", &JsValue::UNDEFINED);
    for bad in [
        "http://example.com",
        "https://u:p@x.com",
        "https://x.com/api",
        "https://x.com?q",
        "x.com",
    ] {
        set(&opts, "baseUrl", &bad.into());
        refused(&p, opts.clone(), "baseUrl").await;
    }
}

#[wasm_bindgen_test]
async fn token_providers_that_fail_are_invalid_input() {
    for body in [
        "throw new Error('provider broke')",
        "return 42",
        "return ''",
        "return Promise.reject(new Error('no token'))",
        "return Promise.resolve('two words')",
        "return undefined",
    ] {
        let p = project("prov");
        let opts = options(&p, FAILED, "{}");
        set(&opts, "token", &js_fn(body));
        refused(&p, opts, "token").await;
    }
}

#[wasm_bindgen_test]
async fn a_throwing_getter_or_proxy_cannot_break_the_module() {
    let p = project("proxy");
    let opts = js_eval(&format!(
        "return {{ project: '{p}', baseUrl: '{MOCK}', token: 't', get executionId() {{ throw new Error('boom') }} }}"
    ));
    refused(&p, opts, "executionId").await;
    let proxy = js_eval("return new Proxy({}, { ownKeys() { throw new Error('trap') } })");
    let e = expect_error(proxy).await;
    assert_eq!(get_str(&e, "field").as_deref(), Some("options"));
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn secrets_are_not_in_validation_errors() {
    let p = project("sec");
    let secret = "sekret-Value-123";
    for extra in [
        format!(r#"{{"token":"{secret} x"}}"#),
        format!(r#"{{"nonce":"{secret} x"}}"#),
        format!(r#"{{"clientCredentials":{{"clientId":"","clientSecret":"{secret}"}}}}"#),
    ] {
        let e = expect_error(options(&p, FAILED, &extra)).await;
        assert_no_secret(&e, &[secret]);
    }
}
