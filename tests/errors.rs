//! Every failure is a `CdfError` with the contract's fields: CDF error
//! bodies, bodies that are not CDF errors, and 2xx answers that fail the schema.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_completed_execution_is_a_400_api_error() {
    let p = project("done");
    let e = expect_error(options(&p, COMPLETED, "{}")).await;
    assert_eq!(kind(&e), "api");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("retryExecution"));
    assert_eq!(get(&e, "status").as_f64(), Some(400.0));
    assert_eq!(get(&e, "code").as_f64(), Some(400.0));
    assert!(get_str(&e, "requestId").is_some_and(|id| id.starts_with("mock-")));
    assert!(get_str(&e, "message")
        .is_some_and(|m| m.contains("cannot be retried") && m.contains("400")));
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    assert_eq!(attempts(&e), 2.0, "session + retry");
    assert!(!has(&e, "field"));
    assert_eq!(log(&p).await.len(), 2, "a 400 is not retried");
}

#[wasm_bindgen_test]
async fn an_unknown_execution_is_a_404_with_missing() {
    let p = project("404");
    let e = expect_error(options(&p, UNKNOWN, "{}")).await;
    assert_eq!(get(&e, "status").as_f64(), Some(404.0));
    let missing = js_sys::Array::from(&get(&e, "missing"));
    assert_eq!(missing.length(), 1);
    assert_eq!(get_str(&missing.get(0), "id").as_deref(), Some(UNKNOWN));
}

#[wasm_bindgen_test]
async fn a_bad_token_is_a_401_on_create_session() {
    let p = project("401");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "token", &"expired-token-abc".into());
    let e = expect_error(opts).await;
    assert_eq!(kind(&e), "api");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("createSession"));
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(attempts(&e), 1.0, "401 with a fixed token is not retried");
    assert_no_secret(&e, &["expired-token-abc"]);
}

#[wasm_bindgen_test]
async fn a_used_nonce_fails_to_bind() {
    let p = project("used");
    let nonce = mint_nonce(&p).await;
    let opts = format!(r#"{{"nonce":"{nonce}"}}"#);
    cdf_workflow_retry::retry_execution(options(&p, FAILED, &opts))
        .await
        .expect("first use binds");
    let e = expect_error(options(&p, TIMED_OUT, &opts)).await;
    assert_eq!(get(&e, "status").as_f64(), Some(400.0));
    assert!(get_str(&e, "message").is_some_and(|m| m.contains("Failed to bind nonce")));
    assert_no_secret(&e, &[&nonce]);
}

#[wasm_bindgen_test]
async fn cdf_error_extras_are_kept() {
    let p = project("extra");
    script(
        &p,
        r#"{"on":"sessions","status":409,"body":{"error":{"code":409,"message":"Conflict","duplicated":[{"externalId":"a"}],"hint":"x","details":{"n":1}}}}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, "{}")).await;
    assert_eq!(get(&e, "status").as_f64(), Some(409.0));
    assert_eq!(js_sys::Array::from(&get(&e, "duplicated")).length(), 1);
    let extra = get(&e, "extra");
    assert_eq!(get_str(&extra, "hint").as_deref(), Some("x"));
    assert_eq!(get(&get(&extra, "details"), "n").as_f64(), Some(1.0));
    assert!(!has(&e, "missing"));
}

#[wasm_bindgen_test]
async fn an_html_error_page_gives_an_api_error_with_an_excerpt() {
    let p = project("html");
    script(
        &p,
        r#"{"on":"sessions","status":403,"headers":{"content-type":"text/html"},"body":"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden by proxy</h1></body></html>"}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, "{}")).await;
    assert_eq!(kind(&e), "api");
    assert_eq!(get(&e, "status").as_f64(), Some(403.0));
    let message = get_str(&e, "message").unwrap_or_default();
    assert!(message.contains("Forbidden by proxy"), "{message}");
    assert!(
        !message.contains('<') && !message.contains('\n'),
        "{message}"
    );
    assert!(!has(&e, "code"));
}

#[wasm_bindgen_test]
async fn invalid_answers_name_the_field() {
    let full = format!(
        r#"{{"id":"{FAILED}","workflowExternalId":"wf","status":"RUNNING","engineExecutionId":"{TIMED_OUT}","createdTime":1,"metadata":{{}}}}"#
    );
    let full: JsValue = json(&full);
    let cases: &[(&str, &str, &str)] = &[
        ("id", "delete", "id"),
        ("id", r#""nope""#, "id"),
        ("workflowExternalId", "7", "workflowExternalId"),
        ("status", "delete", "status"),
        ("status", "null", "status"),
        ("engineExecutionId", r#""x""#, "engineExecutionId"),
        ("createdTime", "-1", "createdTime"),
        ("createdTime", "1.5", "createdTime"),
        ("createdTime", r#""1""#, "createdTime"),
        ("metadata", "delete", "metadata"),
        ("metadata", r#"{"k":1}"#, "metadata"),
        ("metadata", "[]", "metadata"),
        ("version", "3", "version"),
        ("endTime", "-3", "endTime"),
    ];
    for (key, value, field) in cases {
        let p = project("schema");
        let body = js_sys::Object::assign(
            &js_sys::Object::new(),
            full.unchecked_ref::<js_sys::Object>(),
        );
        if *value == "delete" {
            js_sys::Reflect::delete_property(&body, &JsValue::from_str(key)).expect("delete");
        } else {
            set(&body, key, &json(value));
        }
        let step = js_sys::Object::new();
        set(&step, "on", &"retry".into());
        set(&step, "status", &200.into());
        set(&step, "body", &body);
        script(
            &p,
            &String::from(js_sys::JSON::stringify(&step).expect("json")),
        )
        .await;
        let e = expect_error(options(&p, FAILED, "{}")).await;
        assert_eq!(kind(&e), "invalid_response", "{key}={value}");
        assert!(
            get_str(&e, "requestId").is_some_and(|id| id.starts_with("mock-")),
            "the answer's x-request-id"
        );
        assert_eq!(
            get_str(&e, "field").as_deref(),
            Some(*field),
            "{key}={value}"
        );
        assert_eq!(get_str(&e, "operation").as_deref(), Some("retryExecution"));
    }
}

#[wasm_bindgen_test]
async fn non_json_and_truncated_2xx_bodies_are_invalid_responses() {
    for body in [r#""<html>ok</html>""#, r#""{\"id\":\"1111""#, r#""""#] {
        let p = project("trunc");
        script(
            &p,
            &format!(r#"{{"on":"retry","status":200,"body":{body}}}"#),
        )
        .await;
        let e = expect_error(options(&p, FAILED, "{}")).await;
        assert_eq!(kind(&e), "invalid_response", "{body}");
        assert_eq!(get_str(&e, "field").as_deref(), Some("body"));
        assert!(get_str(&e, "requestId").is_some());
    }
    assert_still_works().await;
}

#[wasm_bindgen_test]
async fn a_sessions_answer_without_a_nonce_is_an_invalid_response() {
    let p = project("nononce");
    script(
        &p,
        r#"{"on":"sessions","status":200,"body":{"items":[{"id":1,"status":"READY"}]}}"#,
    )
    .await;
    let e = expect_error(options(&p, FAILED, "{}")).await;
    assert_eq!(kind(&e), "invalid_response");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("createSession"));
    assert_eq!(get_str(&e, "field").as_deref(), Some("items[0].nonce"));
    assert_eq!(attempts(&e), 1.0);
    assert!(get_str(&e, "requestId").is_some());
}

#[wasm_bindgen_test]
async fn secrets_echoed_by_the_server_are_redacted() {
    let p = project("echo");
    let nonce = mint_nonce(&p).await;
    let secret = "test-secret-echo-42";
    script(
        &p,
        &format!(
            r#"{{"on":"retry","status":400,"body":{{"error":{{"code":400,"message":"bad {nonce} for {TOKEN} / {secret}","echo":"{nonce}"}}}}}}"#
        ),
    )
    .await;
    let e = expect_error(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#))).await;
    assert_no_secret(&e, &[&nonce, TOKEN]);
    let e2 = {
        let p = project("echo2");
        script(
            &p,
            &format!(
                r#"{{"on":"sessions","status":401,"body":"denied for {secret} <b>{TOKEN}</b>"}}"#
            ),
        )
        .await;
        expect_error(options(
            &p,
            FAILED,
            &format!(r#"{{"clientCredentials":{{"clientId":"test-client-x","clientSecret":"{secret}"}}}}"#),
        ))
        .await
    };
    assert_no_secret(&e2, &[secret, TOKEN]);
    assert!(get_str(&e2, "message").is_some_and(|m| m.contains("***")));
}

use wasm_bindgen::JsCast;
