//! The version 0.2 calls: `listExecutions`, `getExecution`,
//! `waitForExecution` and `retryExecutions`, on the same [`Client`] as the
//! retry. The decisions (paging, polling, batch scheduling) are the pure
//! core's; this layer only sends, waits and converts.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::call::{retry_one, Ledger};
use super::client::{bad_answer, check_origin, from_json, refused, Callbacks, Client, Failure};
use super::convert::{snapshot, Snapshot};
use super::guard::{CallGuard, Stop};
use super::http::Method;
use super::output;
use crate::batch::{parse_retry_executions_options, Batch, Targets, RETRY_EXECUTIONS};
use crate::connection::{CallSpec, Connection};
use crate::details::{check_details, parse_get_execution_options, GET_EXECUTION};
use crate::endpoint::{execution_url, list_url};
use crate::error::{CdfError, ErrorKind, Operation};
use crate::execution::WorkflowExecution;
use crate::filter::ListQuery;
use crate::json::ToJson;
use crate::list::{check_page, parse_list_executions_options, Pager, LIST_EXECUTIONS};
use crate::options::NonceSource;
use crate::poll::{
    is_settled, next_poll, parse_wait_for_execution_options, PollStep, WAIT_FOR_EXECUTION,
};
use crate::value::Value;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = callAndForget)]
    fn call_and_forget(f: &Function, arg: &JsValue) -> Result<(), JsValue>;
}

/// Reads and validates a call's options: the snapshot, the parsed options,
/// and a `baseUrl` checked against the runtime's URL parser.
fn read_options<T>(
    options: &JsValue,
    spec: &CallSpec,
    parse: impl FnOnce(&Value) -> Result<T, CdfError>,
    connection: impl Fn(&T) -> &Connection,
) -> Result<(Snapshot, T), JsValue> {
    let snap = snapshot(options, |k| spec.check_key(k)).map_err(refused)?;
    let parsed = parse(&snap.value).map_err(|e| output::error(&e, None))?;
    if snap.raw("baseUrl").is_some() {
        check_origin(&connection(&parsed).origin, "baseUrl")
            .map_err(|e| output::error(&e, None))?;
    }
    Ok((snap, parsed))
}

/// Calls an `onProgress` callback; what it throws is ignored.
fn progress(f: &Option<Function>, event: &JsValue) {
    if let Some(f) = f {
        let _ = call_and_forget(f, event);
    }
}

/// Ends a call: the result, or the failure with the number of requests sent.
fn finish(client: Client, result: Result<JsValue, Failure>) -> Result<JsValue, JsValue> {
    let attempts = client.attempts;
    drop(client); // clears the timer and listeners before the promise settles
    result.map_err(|f| f.into_js(attempts))
}

/// Collects the executions `query` selects, following `nextCursor`.
async fn list(client: &mut Client, query: &ListQuery) -> Result<Vec<WorkflowExecution>, Failure> {
    let op = Operation::ListExecutions;
    let url = list_url(&client.origin, &client.project);
    let mut pager = Pager::new(query.limit);
    while let Some(body) = pager.body(&query.filter) {
        let (answer, request_id) = client
            .read_only(op, Method::Post, &url, Some(&body))
            .await?;
        let page =
            check_page(&answer, pager.offset()).map_err(bad_answer(op, request_id.clone()))?;
        pager.accept(page).map_err(bad_answer(op, request_id))?;
    }
    Ok(pager.into_items())
}

/// `listExecutions(options)`.
pub async fn list_executions(options: JsValue) -> Result<JsValue, JsValue> {
    let (snap, o) = read_options(
        &options,
        &LIST_EXECUTIONS,
        parse_list_executions_options,
        |o| &o.connection,
    )?;
    let mut client = Client::new(&o.connection, &Callbacks::of(&snap, &o.connection))?;
    let result = match client.start(Operation::ListExecutions).await {
        Ok(()) => list(&mut client, &o.query).await.map(|items| {
            let mut out = String::from("[");
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                e.write_json(&mut out);
            }
            out.push(']');
            from_json(&out)
        }),
        Err(f) => Err(f),
    };
    finish(client, result)
}

/// One `GET` of the execution's details.
async fn get_details(client: &mut Client, id: &str) -> Result<(JsValue, String), Failure> {
    let op = Operation::GetExecution;
    let url = execution_url(&client.origin, &client.project, id);
    let (answer, request_id) = client.read_only(op, Method::Get, &url, None).await?;
    let details = check_details(&answer, id).map_err(bad_answer(op, request_id))?;
    let status = details.execution.status.clone();
    Ok((from_json(&details.to_json()), status))
}

/// `getExecution(options)`.
pub async fn get_execution(options: JsValue) -> Result<JsValue, JsValue> {
    let (snap, o) = read_options(&options, &GET_EXECUTION, parse_get_execution_options, |o| {
        &o.connection
    })?;
    let mut client = Client::new(&o.connection, &Callbacks::of(&snap, &o.connection))?;
    let result = match client.start(Operation::GetExecution).await {
        Ok(()) => get_details(&mut client, &o.execution_id)
            .await
            .map(|(v, _)| v),
        Err(f) => Err(f),
    };
    finish(client, result)
}

/// `waitForExecution(options)`.
pub async fn wait_for_execution(options: JsValue) -> Result<JsValue, JsValue> {
    let (snap, o) = read_options(
        &options,
        &WAIT_FOR_EXECUTION,
        parse_wait_for_execution_options,
        |o| &o.connection,
    )?;
    let on_progress = snap
        .raw("onProgress")
        .filter(|_| o.has_on_progress)
        .and_then(|f| f.dyn_ref::<Function>().cloned());
    let mut client = Client::new(&o.connection, &Callbacks::of(&snap, &o.connection))?;
    let op = Operation::GetExecution;
    let mut last_status: Option<String> = None;
    let result = async {
        client.start(op).await?;
        let mut polls = 0;
        loop {
            match next_poll(
                o.poll_interval_ms,
                polls,
                js_sys::Date::now(),
                client.guard.deadline_ms,
            ) {
                PollStep::Poll => {}
                PollStep::Wait(ms) => {
                    if let Err(stop) = client.guard.sleep(ms).await {
                        return Err(client.stopped(op, stop));
                    }
                }
                PollStep::GiveUp => {
                    return Err(Failure::from(CdfError::wait_timeout(
                        client.timeout_ms,
                        last_status.as_deref(),
                        &client.secrets(),
                    )))
                }
            }
            let (details, status) = get_details(&mut client, &o.execution_id).await?;
            polls += 1;
            progress(&on_progress, &details);
            if is_settled(&status) {
                return Ok(details);
            }
            last_status = Some(status);
        }
    }
    .await;
    // Past the deadline: a timeout that names the last status seen.
    let result = result.map_err(|f| match f.error.kind {
        ErrorKind::Timeout => Failure::from(CdfError::wait_timeout(
            client.timeout_ms,
            last_status.as_deref(),
            &client.secrets(),
        )),
        _ => f,
    });
    finish(client, result)
}

/// `{ done, total, executionId, execution?, error? }` for `onProgress`.
fn progress_event(
    done: usize,
    total: usize,
    id: &str,
    result: &Result<JsValue, JsValue>,
) -> JsValue {
    let event = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&event, &JsValue::from_str(k), v);
    };
    set("done", &JsValue::from(done as u32));
    set("total", &JsValue::from(total as u32));
    set("executionId", &JsValue::from_str(id));
    match result {
        Ok(execution) => set("execution", execution),
        Err(error) => set("error", error),
    }
    event.into()
}

/// Each execution's result, written by its own task when it settles.
type Settled = Rc<RefCell<Vec<Option<Result<JsValue, JsValue>>>>>;

/// `retryExecutions(options)`.
pub async fn retry_executions(options: JsValue) -> Result<JsValue, JsValue> {
    let (snap, o) = read_options(
        &options,
        &RETRY_EXECUTIONS,
        parse_retry_executions_options,
        |o| &o.connection,
    )?;
    let callbacks = Callbacks::of(&snap, &o.connection);
    let on_progress = snap
        .raw("onProgress")
        .filter(|_| o.has_on_progress)
        .and_then(|f| f.dyn_ref::<Function>().cloned());
    // The batch's own guard: only the caller's signal (timeoutMs is per execution).
    let batch_guard = CallGuard::new(i32::MAX as u32, callbacks.signal.clone()).map_err(|_| {
        output::error(
            &CdfError::invalid_input("signal", "be an AbortSignal that can be listened to"),
            None,
        )
    })?;
    let ids: Vec<String> = match &o.targets {
        Targets::Ids(ids) => ids.clone(),
        Targets::Filter(query) => {
            let mut client = Client::new(&o.connection, &callbacks)?;
            let listed = match client.start(Operation::ListExecutions).await {
                Ok(()) => list(&mut client, query).await,
                Err(f) => Err(f),
            };
            match listed {
                Ok(items) => {
                    drop(client);
                    items.into_iter().map(|e| e.id).collect()
                }
                Err(f) => return finish(client, Err(f)),
            }
        }
    };
    if let Some(Stop::Aborted) = batch_guard.stopped() {
        let e = CdfError::aborted(Operation::RetryExecution);
        return Err(output::error(&e, batch_guard.abort_reason().as_ref()));
    }
    let nonce = match &o.credentials {
        Some(c) => NonceSource::ClientCredentials(c.clone()),
        None => NonceSource::TokenExchange,
    };
    let mut batch: Batch<JsValue, JsValue> = Batch::new(&ids, o.concurrency);
    let ledger = Ledger::default();
    let results: Settled = Rc::new(RefCell::new(vec![None; batch.total()]));
    let mut in_flight: Vec<(usize, Promise)> = Vec::new();
    let secrets = Rc::new(RefCell::new(crate::secret::Redactor::default()));
    loop {
        while let Some((index, id)) = batch.start_next() {
            let id = id.to_owned();
            let client = match Client::new(&o.connection, &callbacks) {
                Ok(c) => c.sharing(secrets.clone()),
                Err(e) => {
                    let _ = batch.finish(index, Err(e));
                    continue;
                }
            };
            let (nonce, ledger, results) = (nonce.clone(), ledger.clone(), results.clone());
            let promise = super::spawn(async move {
                let (result, attempts) = retry_one(client, &id, &nonce, &ledger).await;
                if let Some(slot) = results.borrow_mut().get_mut(index) {
                    *slot = Some(result.map_err(|f| f.into_js(attempts)));
                }
                Ok(JsValue::from(index as u32))
            });
            in_flight.push((index, promise));
        }
        if in_flight.is_empty() {
            break;
        }
        let race = Promise::race(&in_flight.iter().map(|(_, p)| p.clone()).collect::<Array>());
        match batch_guard.settle(race).await {
            Err(_) => {
                // Aborted: every unfinished execution fails with kind aborted, none starts.
                let reason = batch_guard.abort_reason();
                batch.abort(|_, _| {
                    output::error(
                        &CdfError::aborted(Operation::RetryExecution),
                        reason.as_ref(),
                    )
                });
                break;
            }
            Ok(done) => {
                let Some(index) = done.ok().and_then(|v| v.as_f64()).map(|i| i as usize) else {
                    continue;
                };
                in_flight.retain(|(i, _)| *i != index);
                let result = results
                    .borrow_mut()
                    .get_mut(index)
                    .and_then(Option::take)
                    .unwrap_or(Err(JsValue::UNDEFINED));
                let event_result = result.clone();
                if let Some(p) = batch.finish(index, result) {
                    let event = progress_event(p.done, p.total, p.execution_id, &event_result);
                    progress(&on_progress, &event);
                }
            }
        }
    }
    drop(batch_guard);
    let outcome = match batch.into_outcome() {
        Ok(o) => o,
        Err(_) => {
            return Err(output::error(
                &CdfError::aborted(Operation::RetryExecution),
                None,
            ))
        }
    };
    let retried: Array = outcome.retried.into_iter().collect();
    let failed = Array::new();
    for (id, error) in outcome.failed {
        let entry = Object::new();
        let _ = Reflect::set(
            &entry,
            &JsValue::from_str("executionId"),
            &JsValue::from_str(&id),
        );
        let _ = Reflect::set(&entry, &JsValue::from_str("error"), &error);
        failed.push(&entry);
    }
    let out = Object::new();
    let _ = Reflect::set(&out, &JsValue::from_str("retried"), &retried);
    let _ = Reflect::set(&out, &JsValue::from_str("failed"), &failed);
    Ok(out.into())
}
