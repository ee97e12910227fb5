//! Version 0.2 in wasm, under Node and in a headless browser (CORS against the
//! mock): `listExecutions`, `getExecution`, `waitForExecution`,
//! `retryExecutions` and `clientCredentialsToken`, a representative subset of
//! tests/node/v2.test.mjs for each.
#![cfg(target_arch = "wasm32")]

mod common;

use cdf_workflow_retry::{
    client_credentials_token, get_execution, is_cdf_error, list_executions, retry_executions,
    wait_for_execution,
};
use common::*;
use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

const ENGINE: &str = "9b2f4c1e-3a7d-4e8b-9c10-5d6e7f8a9b01";
const RETRYABLE: [&str; 3] = ["FAILED", "TIMED_OUT", "TERMINATED"];

/// `{project, baseUrl, token}` with `extra` (JSON) merged in.
fn conn(p: &str, extra: &str) -> JsValue {
    let base = json(&format!(
        r#"{{"project":"{p}","baseUrl":"{MOCK}","token":"{TOKEN}"}}"#
    ));
    Object::assign(
        base.unchecked_ref::<Object>(),
        json(extra).unchecked_ref::<Object>(),
    )
    .into()
}

/// `options` with `key` set to a JS value.
fn with(options: JsValue, key: &str, value: &JsValue) -> JsValue {
    set(&options, key, value);
    options
}

/// The rejection of a call, checked to be a real CdfError.
fn rejected(result: Result<JsValue, JsValue>) -> JsValue {
    match result {
        Ok(v) => panic!(
            "expected a rejection, got {}",
            js_sys::JSON::stringify(&v)
                .map(String::from)
                .unwrap_or_default()
        ),
        Err(e) => {
            assert!(is_cdf_error(e.clone()), "not a CdfError: {e:?}");
            assert!(e.is_instance_of::<js_sys::Error>(), "not an Error");
            assert_eq!(get_str(&e, "name").as_deref(), Some("CdfError"));
            e
        }
    }
}

/// A JS callback that pushes its argument onto the returned array.
fn recorder() -> (Array, Function) {
    let events = Array::new();
    let f = Function::new_with_args("events", "return (x) => { events.push(x); }")
        .call1(&JsValue::NULL, &events)
        .expect("recorder")
        .unchecked_into();
    (events, f)
}

/// `JSON.stringify(v)`.
fn text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v)
        .map(String::from)
        .unwrap_or_default()
}

/// A `WorkflowExecutionResponse` for a scripted list page.
fn item(id: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","workflowExternalId":"wf","status":{status},"engineExecutionId":"{ENGINE}","createdTime":1,"metadata":{{}}}}"#
    )
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A scripted list answer.
fn page(items: &[String], cursor: Option<&str>) -> String {
    let cursor = cursor.map_or(String::new(), |c| format!(r#","nextCursor":"{c}""#));
    format!(
        r#"{{"on":"list","status":200,"body":{{"items":[{}]{cursor}}}}}"#,
        items.join(",")
    )
}

/// A detailed execution body with these executed tasks.
fn details(id: &str, tasks: &[String]) -> String {
    format!(
        r#"{{"id":"{id}","workflowExternalId":"wf","workflowDefinition":{{"hash":"H","tasks":[]}},"status":"FAILED","engineExecutionId":"{ENGINE}","executedTasks":[{}],"metadata":{{}},"createdTime":1}}"#,
        tasks.join(",")
    )
}

fn task(status: &str, input: &str) -> String {
    format!(
        r#"{{"id":"t","externalId":"x","status":{status},"taskType":"function","input":{input},"output":{{}}}}"#
    )
}

/// Ids of the project's retryable executions, newest first.
async fn retryable_ids(p: &str, n: usize) -> Vec<String> {
    executions(p)
        .await
        .iter()
        .filter(|e| RETRYABLE.contains(&get_str(e, "status").unwrap_or_default().as_str()))
        .filter_map(|e| get_str(e, "id"))
        .take(n)
        .collect()
}

fn ids_of(items: &JsValue) -> Vec<String> {
    Array::from(items)
        .iter()
        .filter_map(|e| get_str(&e, "id"))
        .collect()
}

async fn call_provider(provider: &Function, context: &JsValue) -> Result<JsValue, JsValue> {
    let promise: Promise = provider
        .call1(&JsValue::NULL, context)
        .expect("the provider does not throw")
        .dyn_into()
        .expect("the provider returns a Promise");
    JsFuture::from(promise).await
}

fn token_url(p: &str) -> String {
    format!("{MOCK}/oauth2/{p}/token")
}

fn provider(p: &str, extra: &str) -> Function {
    let options = json(&format!(
        r#"{{"tokenUrl":"{}","clientId":"test-client-w","clientSecret":"test-secret-w-SECRET"}}"#,
        token_url(p)
    ));
    let options: JsValue = Object::assign(
        options.unchecked_ref::<Object>(),
        json(extra).unchecked_ref::<Object>(),
    )
    .into();
    client_credentials_token(options)
        .dyn_into()
        .expect("clientCredentialsToken returns a function at once")
}

// ───────────────────────────────────────────────────────────── listExecutions

#[wasm_bindgen_test]
async fn list_sends_the_filter_and_follows_cursors_up_to_the_limit() {
    let p = project("v2-list");
    script(
        &p,
        &format!(
            "[{},{},{}]",
            page(
                &[item(&uuid(0), "\"FAILED\""), item(&uuid(1), "\"FAILED\"")],
                Some("c1")
            ),
            page(&[item(&uuid(2), "\"FAILED\"")], Some("c2")),
            page(
                &[item(&uuid(3), "\"FAILED\""), item(&uuid(4), "\"FAILED\"")],
                None
            ),
        ),
    )
    .await;
    let items = list_executions(conn(
        &p,
        r#"{"status":["FAILED","TIMED_OUT"],"workflows":["wf",{"externalId":"other","version":"2"}],"createdTimeStart":0,"createdTimeEnd":9007199254740991,"limit":4}"#,
    ))
    .await
    .expect("lists");
    assert_eq!(
        ids_of(&items),
        (0..4).map(uuid).collect::<Vec<_>>(),
        "cut at the limit"
    );
    let requests = log_of(&p, "list").await;
    assert_eq!(requests.len(), 3);
    let bodies: Vec<JsValue> = requests.iter().map(body_of).collect();
    let limits: Vec<f64> = bodies
        .iter()
        .map(|b| get(b, "limit").as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(limits, [4.0, 2.0, 1.0], "page size is what remains");
    let cursors: Vec<Option<String>> = bodies.iter().map(|b| get_str(b, "cursor")).collect();
    assert_eq!(cursors, [None, Some("c1".into()), Some("c2".into())]);
    for b in &bodies {
        let filter = get(b, "filter");
        assert_eq!(
            text(&get(&filter, "workflowFilters")),
            r#"[{"externalId":"wf"},{"externalId":"other","version":"2"}]"#
        );
        assert_eq!(text(&get(&filter, "status")), r#"["FAILED","TIMED_OUT"]"#);
        assert_eq!(get(&filter, "createdTimeStart").as_f64(), Some(0.0));
        assert_eq!(
            get(&filter, "createdTimeEnd").as_f64(),
            Some(9007199254740991.0)
        );
    }
    let r = &requests[0];
    assert_eq!(get_str(r, "method").as_deref(), Some("POST"));
    let headers = get(r, "headers");
    assert_eq!(
        get_str(&headers, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        get_str(&headers, "authorization"),
        Some(format!("Bearer {TOKEN}"))
    );
}

#[wasm_bindgen_test]
async fn list_defaults_to_100_and_names_a_bad_item_across_pages() {
    let p = project("v2-listdef");
    let items = list_executions(conn(&p, "{}")).await.expect("lists");
    assert_eq!(
        Array::from(&items).length() as usize,
        executions(&p).await.len()
    );
    let body = body_of(&log_of(&p, "list").await[0]);
    assert_eq!(text(&body), r#"{"filter":{},"limit":100}"#);

    let p = project("v2-listbad");
    script(
        &p,
        &format!(
            "[{},{}]",
            page(
                &[item(&uuid(0), "\"FAILED\""), item(&uuid(1), "\"FAILED\"")],
                Some("c1")
            ),
            page(&[item(&uuid(2), "\"FAILED\""), item(&uuid(3), "7")], None),
        ),
    )
    .await;
    let e = rejected(list_executions(conn(&p, "{}")).await);
    assert_eq!(kind(&e), "invalid_response");
    assert_eq!(get_str(&e, "field").as_deref(), Some("items[3].status"));
    assert_eq!(get_str(&e, "operation").as_deref(), Some("listExecutions"));

    let p = project("v2-listnone");
    script(
        &p,
        r#"{"on":"list","status":200,"body":{"nextCursor":"x"}}"#,
    )
    .await;
    let e = rejected(list_executions(conn(&p, "{}")).await);
    assert_eq!(kind(&e), "invalid_response");
    assert_eq!(get_str(&e, "field").as_deref(), Some("items"));
}

#[wasm_bindgen_test]
async fn list_is_retried_by_the_read_only_rules() {
    let p = project("v2-listrr");
    script(
        &p,
        r#"[{"on":"list","status":503,"headers":{"retry-after":"0"}},{"on":"list","status":500,"headers":{"cdf-is-auto-retryable":"true","retry-after":"0"}},{"on":"list","reset":true}]"#,
    )
    .await;
    let (events, on_retry) = recorder();
    let items = list_executions(with(conn(&p, r#"{"limit":3}"#), "onRetry", &on_retry))
        .await
        .expect("succeeds on the fourth request");
    assert_eq!(Array::from(&items).length(), 3);
    assert_eq!(log_of(&p, "list").await.len(), 4);
    assert_eq!(events.length(), 3);
    for e in events.iter() {
        assert_eq!(get_str(&e, "operation").as_deref(), Some("listExecutions"));
        assert_eq!(get(&e, "newSession").as_bool(), Some(false));
    }

    let p = project("v2-list401");
    script(&p, r#"{"on":"list","status":401}"#).await;
    let (contexts, token) = recorder();
    let token = Function::new_with_args(
        "record",
        "let n = 0; return (ctx) => { record(ctx); n += 1; return 'test-token-v2w-' + n; }",
    )
    .call1(&JsValue::NULL, &token)
    .expect("provider")
    .unchecked_into::<Function>();
    list_executions(with(conn(&p, r#"{"limit":1}"#), "token", &token))
        .await
        .expect("asks the provider again");
    assert_eq!(
        text(&contexts),
        r#"[{"forceRefresh":false},{"forceRefresh":true}]"#
    );
}

#[wasm_bindgen_test]
async fn list_validates_before_any_request() {
    let p = project("v2-listval");
    for (extra, field) in [
        (r#"{"stauts":["FAILED"]}"#, "stauts"),
        (r#"{"limit":0}"#, "limit"),
        (r#"{"limit":10001}"#, "limit"),
        (r#"{"workflows":[]}"#, "workflows"),
        (r#"{"status":["PAUSED"]}"#, "status[0]"),
        (r#"{"createdTimeStart":-1}"#, "createdTimeStart"),
        (r#"{"executionId":"x"}"#, "executionId"),
    ] {
        let e = rejected(list_executions(conn(&p, extra)).await);
        assert_eq!(kind(&e), "invalid_input", "{extra}");
        assert!(
            get_str(&e, "field").is_some_and(|f| f.starts_with(field.trim_end_matches("[0]"))),
            "{extra}: field {:?}",
            get_str(&e, "field")
        );
    }
    let e =
        rejected(list_executions(with(conn(&p, "{}"), "onRetry", &JsValue::from_str("x"))).await);
    assert_eq!(get_str(&e, "field").as_deref(), Some("onRetry"));
    assert!(log(&p).await.is_empty(), "nothing was sent");
}

// ─────────────────────────────────────────────────────────────── getExecution

#[wasm_bindgen_test]
async fn get_is_a_get_without_body_or_content_type() {
    let p = project("v2-get");
    let v = get_execution(conn(
        &p,
        &format!(
            r#"{{"executionId":"{}","appName":"v2 app"}}"#,
            FAILED.to_ascii_uppercase()
        ),
    ))
    .await
    .expect("gets");
    assert_eq!(get_str(&v, "id").as_deref(), Some(FAILED));
    assert_eq!(get_str(&v, "status").as_deref(), Some("FAILED"));
    assert!(Array::is_array(&get(&v, "executedTasks")));
    assert!(get_str(&get(&v, "workflowDefinition"), "hash").is_some());
    let requests = log(&p).await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(get_str(r, "method").as_deref(), Some("GET"));
    assert_eq!(
        get_str(r, "path"),
        Some(format!(
            "/api/v1/projects/{p}/workflows/executions/{FAILED}"
        ))
    );
    assert_eq!(get_str(r, "body").as_deref(), Some(""));
    let headers = get(r, "headers");
    assert!(!has(&headers, "content-type"), "a GET has no Content-Type");
    assert_eq!(
        get_str(&headers, "authorization"),
        Some(format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        get_str(&headers, "accept").as_deref(),
        Some("application/json")
    );
    assert_eq!(get_str(&headers, "x-cdp-app").as_deref(), Some("v2 app"));
    assert!(get_str(&headers, "x-cdp-sdk").is_some_and(|s| s.starts_with("cdf-workflow-retry:")));
}

#[wasm_bindgen_test]
async fn get_checks_identity_and_names_nested_faults() {
    let p = project("v2-getid");
    script(
        &p,
        &format!(
            r#"{{"on":"get","status":200,"body":{}}}"#,
            details(TIMED_OUT, &[task("\"COMPLETED\"", "{}")])
        ),
    )
    .await;
    let e = rejected(get_execution(conn(&p, &format!(r#"{{"executionId":"{FAILED}"}}"#))).await);
    assert_eq!(kind(&e), "invalid_response");
    assert_eq!(get_str(&e, "field").as_deref(), Some("id"));
    assert_eq!(get_str(&e, "operation").as_deref(), Some("getExecution"));

    let p = project("v2-getnest");
    let tasks = [
        task("\"COMPLETED\"", "{}"),
        task("\"COMPLETED\"", "{}"),
        task("7", "{}"),
    ];
    script(
        &p,
        &format!(
            r#"{{"on":"get","status":200,"body":{}}}"#,
            details(FAILED, &tasks)
        ),
    )
    .await;
    let e = rejected(get_execution(conn(&p, &format!(r#"{{"executionId":"{FAILED}"}}"#))).await);
    assert_eq!(
        get_str(&e, "field").as_deref(),
        Some("executedTasks[2].status")
    );
}

#[wasm_bindgen_test]
async fn get_keeps_proto_keys_as_plain_data_and_drops_null_optionals() {
    let p = project("v2-getproto");
    let input =
        r#"{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}"#;
    let body = details(FAILED, &[task("\"FAILED\"", input)]).replacen(
        r#""status":"FAILED""#,
        r#""status":"FAILED","version":null,"endTime":null"#,
        1,
    );
    // The body is sent raw, as text, so that `__proto__` reaches the module as a key.
    script(
        &p,
        &format!(
            r#"{{"on":"get","status":200,"body":{}}}"#,
            text(&JsValue::from_str(&body))
        ),
    )
    .await;
    let v = get_execution(conn(&p, &format!(r#"{{"executionId":"{FAILED}"}}"#)))
        .await
        .expect("gets");
    let input = get(&Array::from(&get(&v, "executedTasks")).get(0), "input");
    let plain = Function::new_with_args(
        "o",
        "return Object.prototype.hasOwnProperty.call(o, '__proto__') && Object.getPrototypeOf(o) === Object.prototype && o.polluted === undefined && ({}).polluted === undefined && o.constructor.prototype.polluted === true",
    )
    .call1(&JsValue::NULL, &input)
    .expect("check runs");
    assert_eq!(
        plain.as_bool(),
        Some(true),
        "__proto__ is an own key, nothing polluted"
    );
    assert!(
        !has(&v, "version") && !has(&v, "endTime"),
        "null optionals are absent"
    );
}

// ─────────────────────────────────────────────────────────── waitForExecution

#[wasm_bindgen_test]
async fn wait_polls_until_the_status_is_final() {
    let p = project("v2-wait");
    set_outcomes(
        &p,
        &format!(r#"{{"{RUNNING}":{{"status":"FAILED","delayMs":500}}}}"#),
    )
    .await;
    let (progress, on_progress) = recorder();
    let v = wait_for_execution(with(
        conn(
            &p,
            &format!(r#"{{"executionId":"{RUNNING}","pollIntervalMs":100}}"#),
        ),
        "onProgress",
        &on_progress,
    ))
    .await
    .expect("resolves with the final status, FAILED included");
    assert_eq!(get_str(&v, "status").as_deref(), Some("FAILED"));
    let gets = log_of(&p, "get").await;
    assert!(gets.len() >= 3, "polls: {}", gets.len());
    assert_eq!(
        progress.length() as usize,
        gets.len(),
        "onProgress after each poll"
    );
    let times: Vec<f64> = gets
        .iter()
        .map(|r| get(r, "time").as_f64().unwrap_or(0.0))
        .collect();
    assert!(
        times[1] - times[0] >= 90.0,
        "first gap {}",
        times[1] - times[0]
    );
    assert!(
        times[2] - times[1] >= 190.0,
        "the interval doubles: {}",
        times[2] - times[1]
    );

    // Already final: one poll, at once.
    let p = project("v2-waitnow");
    let start = now();
    let v = wait_for_execution(conn(&p, &format!(r#"{{"executionId":"{TIMED_OUT}"}}"#)))
        .await
        .expect("resolves");
    assert_eq!(get_str(&v, "status").as_deref(), Some("TIMED_OUT"));
    assert!(now() - start < 800.0);
    assert_eq!(log(&p).await.len(), 1);
}

#[wasm_bindgen_test]
async fn wait_times_out_with_the_last_status_and_validates() {
    let p = project("v2-waitto");
    let e = rejected(
        wait_for_execution(conn(
            &p,
            &format!(r#"{{"executionId":"{RUNNING}","pollIntervalMs":100,"timeoutMs":500}}"#),
        ))
        .await,
    );
    assert_eq!(kind(&e), "timeout");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("getExecution"));
    assert!(get_str(&e, "message").is_some_and(|m| m.contains("RUNNING")));
    assert_no_secret(&e, &[TOKEN]);

    let p = project("v2-waitval");
    for (extra, field) in [
        (r#"{"pollIntervalMs":99}"#, "pollIntervalMs"),
        (r#"{"pollIntervalMs":60001}"#, "pollIntervalMs"),
        (r#"{"onProgress":"x"}"#, "onProgress"),
    ] {
        let options = Object::assign(
            conn(&p, &format!(r#"{{"executionId":"{RUNNING}"}}"#)).unchecked_ref::<Object>(),
            json(extra).unchecked_ref::<Object>(),
        );
        let e = rejected(wait_for_execution(options.into()).await);
        assert_eq!(kind(&e), "invalid_input");
        assert_eq!(get_str(&e, "field").as_deref(), Some(field));
    }
    assert!(log(&p).await.is_empty());
}

// ──────────────────────────────────────────────────────────── retryExecutions

#[wasm_bindgen_test]
async fn retry_executions_dedups_bounds_concurrency_and_reports_progress() {
    let p = project("v2-batch");
    let ids = retryable_ids(&p, 6).await;
    assert_eq!(ids.len(), 6);
    script(&p, r#"{"on":"retry","delayMs":150,"times":20}"#).await;
    let mut input: Vec<String> = ids.clone();
    input.insert(2, ids[0].to_ascii_uppercase());
    input.push(ids[3].clone());
    let (events, on_progress) = recorder();
    let result = retry_executions(with(
        conn(
            &p,
            &format!(
                r#"{{"executionIds":{},"concurrency":2}}"#,
                text(&JsValue::from(
                    input
                        .iter()
                        .map(|s| JsValue::from_str(s))
                        .collect::<Array>()
                ))
            ),
        ),
        "onProgress",
        &on_progress,
    ))
    .await
    .expect("resolves");
    assert_eq!(
        ids_of(&get(&result, "retried")),
        ids,
        "each once, in input order"
    );
    assert_eq!(Array::from(&get(&result, "failed")).length(), 0);
    let retries = log_of(&p, "retry").await;
    assert_eq!(retries.len(), 6, "duplicates retried once");
    let nonces: std::collections::HashSet<String> = retries.iter().map(nonce_of).collect();
    assert_eq!(nonces.len(), 6, "each retry its own session and nonce");
    assert_eq!(log_of(&p, "sessions").await.len(), 6);
    let stats = project_stats(&p).await;
    assert_eq!(
        get(&get(&stats, "maxInFlight"), "retry").as_f64(),
        Some(2.0)
    );
    assert_eq!(events.length(), 6, "onProgress once per execution");
    let done: Vec<f64> = events
        .iter()
        .map(|e| get(&e, "done").as_f64().unwrap_or(0.0))
        .collect();
    assert_eq!(done, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert!(events
        .iter()
        .all(|e| get(&e, "total").as_f64() == Some(6.0)));
}

#[wasm_bindgen_test]
async fn retry_executions_reports_failures_in_input_order() {
    let p = project("v2-batchfail");
    let result = retry_executions(conn(
        &p,
        &format!(r#"{{"executionIds":["{COMPLETED}","{FAILED}","{UNKNOWN}"]}}"#),
    ))
    .await
    .expect("resolves");
    assert_eq!(ids_of(&get(&result, "retried")), [FAILED]);
    let failed = Array::from(&get(&result, "failed"));
    let ids: Vec<String> = failed
        .iter()
        .filter_map(|f| get_str(&f, "executionId"))
        .collect();
    assert_eq!(ids, [COMPLETED, UNKNOWN]);
    let errors: Vec<JsValue> = failed.iter().map(|f| get(&f, "error")).collect();
    assert!(errors.iter().all(|e| is_cdf_error(e.clone())));
    assert_eq!(get(&errors[0], "status").as_f64(), Some(400.0));
    assert_eq!(get(&errors[1], "status").as_f64(), Some(404.0));
    for e in &errors {
        assert_no_secret(e, &[TOKEN]);
    }
}

#[wasm_bindgen_test]
async fn retry_executions_refuses_a_nonce_and_an_aborted_signal() {
    let p = project("v2-batchval");
    for (extra, field) in [
        (
            format!(r#"{{"executionIds":["{FAILED}"],"nonce":"abc"}}"#),
            "nonce",
        ),
        (
            format!(r#"{{"executionIds":["{FAILED}"],"filter":{{}}}}"#),
            "executionIds",
        ),
        ("{}".to_owned(), "executionIds"),
        (
            format!(r#"{{"executionIds":["{FAILED}"],"concurrency":17}}"#),
            "concurrency",
        ),
    ] {
        let e = rejected(retry_executions(conn(&p, &extra)).await);
        assert_eq!(kind(&e), "invalid_input", "{extra}");
        assert_eq!(get_str(&e, "field").as_deref(), Some(field), "{extra}");
    }
    let e = rejected(
        retry_executions(with(
            conn(&p, &format!(r#"{{"executionIds":["{FAILED}"]}}"#)),
            "signal",
            &js_eval("return AbortSignal.abort('early')"),
        ))
        .await,
    );
    assert_eq!(kind(&e), "aborted");
    assert!(log(&p).await.is_empty(), "nothing was sent");
}

#[wasm_bindgen_test]
async fn retry_executions_with_a_filter_lists_the_retryable_ones() {
    let p = project("v2-batchfilter");
    let expected = retryable_ids(&p, 2).await;
    let result = retry_executions(conn(&p, r#"{"filter":{"limit":2}}"#))
        .await
        .expect("resolves");
    assert_eq!(ids_of(&get(&result, "retried")), expected, "in list order");
    let list = body_of(&log_of(&p, "list").await[0]);
    let mut statuses: Vec<String> = Array::from(&get(&get(&list, "filter"), "status"))
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        ["FAILED", "TERMINATED", "TIMED_OUT"],
        "the default statuses"
    );

    let p = project("v2-batchfilter2");
    let e = rejected(retry_executions(conn(&p, r#"{"filter":{"status":["RUNNING"]}}"#)).await);
    assert_eq!(kind(&e), "invalid_input");
    assert!(log(&p).await.is_empty());
}

// ───────────────────────────────────────────────────── clientCredentialsToken

#[wasm_bindgen_test]
async fn client_credentials_token_posts_the_form_and_caches_the_token() {
    let p = project("v2-token");
    let f = provider(
        &p,
        r#"{"scopes":["https://api.cognitedata.com/.default","b"],"audience":"aud"}"#,
    );
    assert!(log(&p).await.is_empty(), "no request before the first call");
    let token = call_provider(&f, &JsValue::UNDEFINED)
        .await
        .expect("a token")
        .as_string()
        .expect("a string");
    assert!(token.starts_with("mock-at-"));
    let again = call_provider(&f, &json(r#"{"forceRefresh":false}"#))
        .await
        .expect("cached");
    assert_eq!(again.as_string(), Some(token.clone()));
    let requests = log_of(&p, "token").await;
    assert_eq!(requests.len(), 1, "cached");
    let r = &requests[0];
    assert_eq!(
        get_str(r, "body").as_deref(),
        Some("grant_type=client_credentials&client_id=test-client-w&client_secret=test-secret-w-SECRET&scope=https%3A%2F%2Fapi.cognitedata.com%2F.default+b&audience=aud")
    );
    let headers = get(r, "headers");
    assert_eq!(
        get_str(&headers, "content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        get_str(&headers, "accept").as_deref(),
        Some("application/json")
    );
    let names: Vec<String> = Object::keys(headers.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n == "authorization" || n.starts_with("x-cdp-")),
        "{names:?}"
    );

    let fresh = call_provider(&f, &json(r#"{"forceRefresh":true}"#))
        .await
        .expect("a new token");
    assert_ne!(fresh.as_string(), Some(token));
    assert_eq!(log_of(&p, "token").await.len(), 2);
}

#[wasm_bindgen_test]
async fn client_credentials_token_shares_one_request_in_flight() {
    let p = project("v2-tokenflight");
    script(&p, r#"{"on":"token","delayMs":200}"#).await;
    let f = provider(&p, "{}");
    let calls: Array = (0..20)
        .map(|_| f.call0(&JsValue::NULL).expect("no throw"))
        .collect();
    let tokens = JsFuture::from(Promise::all(&calls))
        .await
        .expect("all resolve");
    let tokens: std::collections::HashSet<String> = Array::from(&tokens)
        .iter()
        .filter_map(|t| t.as_string())
        .collect();
    assert_eq!(tokens.len(), 1);
    let stats = project_stats(&p).await;
    assert_eq!(get(&get(&stats, "requests"), "token").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn client_credentials_token_is_the_token_of_the_other_calls() {
    let p = project("v2-tokenuse");
    let f = provider(&p, "{}");
    let items = list_executions(with(conn(&p, r#"{"limit":2}"#), "token", &f))
        .await
        .expect("lists with the provider's token");
    assert_eq!(Array::from(&items).length(), 2);
    let token = call_provider(&f, &JsValue::UNDEFINED)
        .await
        .expect("cached")
        .as_string()
        .unwrap_or_default();
    let list = &log_of(&p, "list").await[0];
    assert_eq!(
        get_str(&get(list, "headers"), "authorization"),
        Some(format!("Bearer {token}"))
    );
    let result = retry_executions(with(
        conn(&p, &format!(r#"{{"executionIds":["{FAILED}"]}}"#)),
        "token",
        &f,
    ))
    .await
    .expect("retries with it");
    assert_eq!(ids_of(&get(&result, "retried")), [FAILED]);
    let details = wait_for_execution(with(
        conn(&p, &format!(r#"{{"executionId":"{TIMED_OUT}"}}"#)),
        "token",
        &f,
    ))
    .await
    .expect("waits with it");
    assert_eq!(get_str(&details, "status").as_deref(), Some("TIMED_OUT"));
    assert_eq!(log_of(&p, "token").await.len(), 1, "one token for all");
}

#[wasm_bindgen_test]
async fn client_credentials_token_errors() {
    let p = project("v2-tokenerr");
    script(
        &p,
        r#"{"on":"token","status":401,"body":{"error":"invalid_client","error_description":"bad secret test-secret-w-SECRET"}}"#,
    )
    .await;
    let e = rejected(call_provider(&provider(&p, "{}"), &JsValue::UNDEFINED).await);
    assert_eq!(kind(&e), "api");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(get_str(&e, "code").as_deref(), Some("invalid_client"));
    assert_eq!(get_str(&e, "operation").as_deref(), Some("getToken"));
    assert!(get_str(&e, "message").is_some_and(|m| m.contains("bad secret")));
    assert_no_secret(&e, &["test-secret-w-SECRET"]);

    let p = project("v2-tokennoat");
    script(
        &p,
        r#"{"on":"token","status":200,"body":{"token_type":"Bearer"}}"#,
    )
    .await;
    let e = rejected(call_provider(&provider(&p, "{}"), &JsValue::UNDEFINED).await);
    assert_eq!(kind(&e), "invalid_response");
    assert_eq!(get_str(&e, "operation").as_deref(), Some("getToken"));

    // Bad options: every call rejects with invalid_input, before any request.
    let p = project("v2-tokenbad");
    let bad = provider(&p, r#"{"leewaySeconds":3601}"#);
    for _ in 0..2 {
        let e = rejected(call_provider(&bad, &JsValue::UNDEFINED).await);
        assert_eq!(kind(&e), "invalid_input");
        assert_eq!(get_str(&e, "field").as_deref(), Some("leewaySeconds"));
    }
    let unknown: Function = client_credentials_token(json(r#"{"tokenURL":"x"}"#)).unchecked_into();
    let e = rejected(call_provider(&unknown, &JsValue::UNDEFINED).await);
    assert_eq!(get_str(&e, "field").as_deref(), Some("tokenURL"));
    assert!(log(&p).await.is_empty());
}

#[wasm_bindgen_test]
async fn client_credentials_token_keeps_the_tokens_it_returned_secret() {
    let p = project("v2-tokenprev");
    let f = provider(&p, "{}");
    let first = call_provider(&f, &JsValue::UNDEFINED)
        .await
        .expect("a token")
        .as_string()
        .unwrap_or_default();
    assert!(first.starts_with("mock-at-"));
    script(
        &p,
        &format!(
            r#"{{"on":"token","status":400,"body":{{"error":"invalid_grant","error_description":"token {first} was revoked"}}}}"#
        ),
    )
    .await;
    let e = rejected(call_provider(&f, &json(r#"{"forceRefresh":true}"#)).await);
    assert_eq!(kind(&e), "api");
    assert_eq!(get_str(&e, "code").as_deref(), Some("invalid_grant"));
    assert_no_secret(&e, &[&first, "test-secret-w-SECRET"]);
}
