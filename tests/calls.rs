//! `retryExecution` against the mock CDF server: the success paths, and the
//! exact requests sent (URL, headers, body). Runs under Node and headless Chrome.
#![cfg(target_arch = "wasm32")]

mod common;

use cdf_workflow_retry::retry_execution;
use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn retries_with_a_given_nonce_in_one_request() {
    let p = project("nonce");
    let nonce = mint_nonce(&p).await;
    let upper = FAILED.to_ascii_uppercase();
    let v = retry_execution(options(
        &p,
        &upper,
        &format!(r#"{{"nonce":"{nonce}","appName":"my app 1"}}"#),
    ))
    .await
    .expect("retry succeeds");
    assert_eq!(get_str(&v, "id").as_deref(), Some(FAILED));
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    assert_eq!(
        get_str(&v, "workflowExternalId").as_deref(),
        Some("nightly-ingest")
    );
    assert_eq!(get_str(&v, "version").as_deref(), Some("v3"));
    assert!(get(&v, "createdTime").as_f64().is_some());
    assert!(get(&v, "startTime").as_f64().is_some());
    assert!(
        !has(&v, "endTime"),
        "absent optional fields are absent, not undefined"
    );
    assert!(!has(&v, "reasonForIncompletion"));
    let metadata = get(&v, "metadata");
    assert_eq!(
        js_sys::Reflect::get_prototype_of(&metadata)
            .map(JsValue::from)
            .ok(),
        Some(object_prototype()),
        "metadata is a plain object"
    );
    assert_eq!(get_str(&metadata, "team").as_deref(), Some("data"));

    let requests = log(&p).await;
    assert_eq!(requests.len(), 1, "only the retry request");
    let r = &requests[0];
    assert_eq!(get_str(r, "method").as_deref(), Some("POST"));
    assert_eq!(
        get_str(r, "path").as_deref(),
        Some(format!("/api/v1/projects/{p}/workflows/executions/{FAILED}/retry").as_str()),
        "lower-case execution id in the URL"
    );
    assert_eq!(
        get_str(r, "body").as_deref(),
        Some(format!(r#"{{"authentication":{{"nonce":"{nonce}"}}}}"#).as_str())
    );
    let headers = get(r, "headers");
    assert_eq!(
        get_str(&headers, "authorization").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        get_str(&headers, "accept").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        get_str(&headers, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        get_str(&headers, "x-cdp-sdk").as_deref(),
        Some(cdf_workflow_retry::SDK_HEADER)
    );
    assert_eq!(get_str(&headers, "x-cdp-app").as_deref(), Some("my app 1"));
}

#[wasm_bindgen_test]
async fn creates_a_session_by_token_exchange_when_no_nonce_is_given() {
    let p = project("auto");
    let v = retry_execution(options(&p, TIMED_OUT, "{}"))
        .await
        .expect("retry succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
    assert_eq!(get_str(&v, "version").as_deref(), Some("1"));
    let requests = log(&p).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(op_of(&requests[0]), "sessions");
    assert_eq!(
        get_str(&requests[0], "path").as_deref(),
        Some(format!("/api/v1/projects/{p}/sessions").as_str())
    );
    assert_eq!(
        get_str(&requests[0], "body").as_deref(),
        Some(r#"{"items":[{"tokenExchange":true}]}"#)
    );
    assert!(
        !has(&get(&requests[0], "headers"), "x-cdp-app"),
        "no x-cdp-app without appName"
    );
    assert_eq!(op_of(&requests[1]), "retry");
    assert_eq!(
        nonce_of(&requests[1]).len(),
        24,
        "the nonce the sessions answer gave"
    );
}

#[wasm_bindgen_test]
async fn creates_a_session_with_client_credentials() {
    let p = project("cc");
    let v = retry_execution(options(
        &p,
        TERMINATED,
        r#"{"clientCredentials":{"clientId":"test-client-1","clientSecret":"test-secret-1"}}"#,
    ))
    .await
    .expect("retry succeeds");
    assert_eq!(get_str(&v, "id").as_deref(), Some(TERMINATED));
    assert!(!has(&v, "version"));
    let requests = log(&p).await;
    assert_eq!(
        get_str(&requests[0], "body").as_deref(),
        Some(r#"{"items":[{"clientId":"test-client-1","clientSecret":"test-secret-1"}]}"#)
    );
    assert_eq!(requests.len(), 2);
}

#[wasm_bindgen_test]
async fn accepts_a_sync_token_provider() {
    let p = project("sync");
    let opts = options(&p, FAILED, "{}");
    set(&opts, "token", &js_fn("return 'test-token-sync'"));
    retry_execution(opts).await.expect("retry succeeds");
    let requests = log(&p).await;
    for r in &requests {
        assert_eq!(
            get_str(&get(r, "headers"), "authorization").as_deref(),
            Some("Bearer test-token-sync")
        );
    }
}

#[wasm_bindgen_test]
async fn accepts_an_async_token_provider() {
    let p = project("async");
    let opts = options(&p, FAILED, "{}");
    set(
        &opts,
        "token",
        &js_fn("return new Promise(r => setTimeout(() => r('test-token-async'), 10))"),
    );
    retry_execution(opts).await.expect("retry succeeds");
    let requests = log(&p).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        get_str(&get(&requests[1], "headers"), "authorization").as_deref(),
        Some("Bearer test-token-async")
    );
}

#[wasm_bindgen_test]
async fn a_null_prototype_options_object_is_a_plain_object() {
    let p = project("nullproto");
    let opts = options(&p, FAILED, "{}");
    let bare = js_eval("return Object.create(null)");
    js_sys::Object::assign(
        bare.unchecked_ref::<js_sys::Object>(),
        opts.unchecked_ref::<js_sys::Object>(),
    );
    let v = retry_execution(bare).await.expect("retry succeeds");
    assert_eq!(get_str(&v, "status").as_deref(), Some("RUNNING"));
}

#[wasm_bindgen_test]
async fn keys_set_to_undefined_count_as_absent() {
    let p = project("undef");
    let opts = options(&p, FAILED, "{}");
    // Every option these options do not set, and an unknown key.
    let given = ["project", "baseUrl", "token", "executionId"];
    let unset = cdf_workflow_retry::options::KNOWN_KEYS
        .iter()
        .filter(|k| !given.contains(k));
    for key in unset.chain(&["typo"]) {
        set(&opts, key, &JsValue::UNDEFINED);
    }
    retry_execution(opts).await.expect("retry succeeds");
}

#[wasm_bindgen_test]
async fn answer_fields_are_checked_and_cleaned() {
    let p = project("clean");
    let nonce = mint_nonce(&p).await;
    let body = format!(
        r#"{{"id":"{FAILED}","workflowExternalId":"wf","status":"PAUSED_NEW","engineExecutionId":"{TIMED_OUT}",
        "createdTime":5,"metadata":{{"__proto__":"x","constructor":"y"}},"version":null,"startTime":null,
        "reasonForIncompletion":"r","surprise":{{"deep":[1,2]}}}}"#
    );
    script(
        &p,
        &format!(
            r#"{{"on":"retry","status":200,"body":{}}}"#,
            JSON_string(&body)
        ),
    )
    .await;
    let v = retry_execution(options(&p, FAILED, &format!(r#"{{"nonce":"{nonce}"}}"#)))
        .await
        .expect("valid answer");
    assert_eq!(
        get_str(&v, "status").as_deref(),
        Some("PAUSED_NEW"),
        "unknown status passed through"
    );
    assert!(!has(&v, "surprise"), "unknown fields dropped");
    assert!(
        !has(&v, "version") && !has(&v, "startTime"),
        "null optional fields are absent"
    );
    assert_eq!(get_str(&v, "reasonForIncompletion").as_deref(), Some("r"));
    let md = get(&v, "metadata");
    let keys: Vec<String> = js_sys::Object::keys(md.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    assert_eq!(
        keys,
        vec!["__proto__".to_owned(), "constructor".to_owned()],
        "keys kept as plain data"
    );
    assert_eq!(get_str(&md, "__proto__").as_deref(), Some("x"));
    assert_eq!(
        js_sys::Reflect::get_prototype_of(&md)
            .map(JsValue::from)
            .ok(),
        Some(object_prototype()),
        "the prototype did not change"
    );
}

#[allow(non_snake_case)]
fn JSON_string(s: &str) -> String {
    String::from(js_sys::JSON::stringify(&JsValue::from_str(s)).expect("stringify"))
}

use wasm_bindgen::JsCast;
