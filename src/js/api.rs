//! The version 0.2 calls: `listExecutions`, `getExecution` and
//! `waitForExecution` are their options read and checked at the call and one
//! machine of [`crate::calls`] for the one driver ([`super::driver`]);
//! `retryExecutions` schedules one retry machine per execution with the pure
//! [`Batch`] scheduler (and lists them first with the listing machine).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::call::{retry_one, Ledger};
use super::client::{check_origin, refused, Callbacks, Client};
use super::convert::{snapshot, Snapshot};
use super::driver::{drive_call, knobs, notify, spawn, Prepared};
use super::guard::{CallGuard, Stop};
use super::output;
use crate::batch::{parse_retry_executions_options, Batch, Targets, RETRY_EXECUTIONS};
use crate::calls::{ListExecutions, OneRequest, WaitForExecution};
use crate::connection::{CallSpec, Connection};
use crate::details::{parse_get_execution_options, GET_EXECUTION};
use crate::endpoint::{execution_url, list_url};
use crate::error::{CdfError, Operation};
use crate::list::{parse_list_executions_options, LIST_EXECUTIONS};
use crate::options::NonceSource;
use crate::poll::{parse_wait_for_execution_options, WAIT_FOR_EXECUTION};
use crate::value::Value;

/// Reads and validates a call's options: the snapshot, the parsed options,
/// and a `baseUrl` checked against the runtime's URL parser.
pub fn read_options<T>(
    options: &JsValue,
    spec: &CallSpec,
    parse: fn(&Value) -> Result<T, CdfError>,
    connection: fn(&T) -> &Connection,
) -> Result<(Snapshot, T), JsValue> {
    let snap = read_snapshot(options, spec)?;
    let parsed = parse(&snap.value).map_err(|e| output::error(&e, None))?;
    check_base_url(&snap, connection(&parsed))?;
    Ok((snap, parsed))
}

/// The options object read once, its keys checked against `spec` (not generic:
/// compiled once for every call).
#[inline(never)]
fn read_snapshot(options: &JsValue, spec: &CallSpec) -> Result<Snapshot, JsValue> {
    snapshot(options, &|k| spec.check_key(k)).map_err(refused)
}

/// A given `baseUrl` checked against the runtime's URL parser.
#[inline(never)]
pub fn check_base_url(snap: &Snapshot, connection: &Connection) -> Result<(), JsValue> {
    if snap.raw("baseUrl").is_some() {
        check_origin(&connection.origin, "baseUrl").map_err(|e| output::error(&e, None))?;
    }
    Ok(())
}

/// The call's client for `connection`, with the callbacks `snap` holds.
#[inline(never)]
pub fn connect(snap: &Snapshot, connection: &Connection) -> Result<Client, JsValue> {
    Client::new(connection, &Callbacks::of(snap, connection))
}

/// `listExecutions(options)`: read and checked now; the listing machine.
pub fn list_executions(options: &JsValue) -> Result<Prepared, JsValue> {
    let (snap, o) = read_options(
        options,
        &LIST_EXECUTIONS,
        parse_list_executions_options,
        |o| &o.connection,
    )?;
    let client = connect(&snap, &o.connection)?;
    let url = list_url(&client.origin, &client.project);
    let call = ListExecutions::new(url, o.query, knobs(&client));
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress: None,
    })
}

/// `getExecution(options)`: read and checked now; one read-only request.
pub fn get_execution(options: &JsValue) -> Result<Prepared, JsValue> {
    let (snap, o) = read_options(options, &GET_EXECUTION, parse_get_execution_options, |o| {
        &o.connection
    })?;
    let client = connect(&snap, &o.connection)?;
    let url = execution_url(&client.origin, &client.project, &o.execution_id);
    let call = OneRequest::get_execution(url, o.execution_id, knobs(&client));
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress: None,
    })
}

/// `waitForExecution(options)`: read and checked now; the polling machine.
pub fn wait_for_execution(options: &JsValue) -> Result<Prepared, JsValue> {
    let (snap, o) = read_options(
        options,
        &WAIT_FOR_EXECUTION,
        parse_wait_for_execution_options,
        |o| &o.connection,
    )?;
    let on_progress = snap
        .raw("onProgress")
        .filter(|_| o.has_on_progress)
        .and_then(|f| f.dyn_ref::<Function>().cloned());
    let client = connect(&snap, &o.connection)?;
    let url = execution_url(&client.origin, &client.project, &o.execution_id);
    let call = WaitForExecution::new(
        url,
        o.execution_id,
        o.poll_interval_ms,
        on_progress.is_some(),
        knobs(&client),
    );
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress,
    })
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

/// `retryExecutions` with its options read and checked.
pub struct Batched {
    o: crate::batch::RetryExecutionsOptions,
    callbacks: Callbacks,
    on_progress: Option<Function>,
    batch_guard: CallGuard,
}

/// `retryExecutions(options)`: the options read and checked now, at the call.
pub fn retry_executions(options: &JsValue) -> Result<Batched, JsValue> {
    let (snap, o) = read_options(
        options,
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
    Ok(Batched {
        o,
        callbacks,
        on_progress,
        batch_guard,
    })
}

/// Runs a batch: lists the executions (filter), then retries them, at most
/// `concurrency` at once.
pub async fn run_batch(batched: Batched) -> Result<JsValue, JsValue> {
    let Batched {
        o,
        callbacks,
        on_progress,
        batch_guard,
    } = batched;
    let ids: Vec<String> = match &o.targets {
        Targets::Ids(ids) => ids.clone(),
        Targets::Filter(query) => {
            let mut client = Client::new(&o.connection, &callbacks)?;
            let url = list_url(&client.origin, &client.project);
            let mut listing = ListExecutions::new(url, query.clone(), knobs(&client));
            let listed = drive_call(&mut client, &mut listing, &Ledger::default(), None).await;
            let attempts = client.attempts;
            drop(client);
            match listed {
                Ok(_) => listing.executions().iter().map(|e| e.id.clone()).collect(),
                Err(f) => return Err(f.into_js(attempts)),
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
            let promise = spawn(Box::pin(async move {
                let (result, attempts) = retry_one(client, &id, &nonce, &ledger).await;
                if let Some(slot) = results.borrow_mut().get_mut(index) {
                    *slot = Some(result.map_err(|f| f.into_js(attempts)));
                }
                Ok(JsValue::from(index as u32))
            }));
            in_flight.push((index, promise));
        }
        if in_flight.is_empty() {
            break;
        }
        let race = Promise::race(&in_flight.iter().map(|(_, p)| p.clone()).collect::<Array>());
        match batch_guard.settle(race).await {
            Err(_) => {
                // Aborted: none starts from now on. Each execution in flight watches the same
                // signal and ends at once with its own result (kind aborted, unless it had
                // just succeeded) and its exact count of requests sent.
                for (_, promise) in in_flight.drain(..) {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                }
                let settled: Vec<(usize, Result<JsValue, JsValue>)> = results
                    .borrow_mut()
                    .iter_mut()
                    .enumerate()
                    .filter_map(|(i, r)| r.take().map(|r| (i, r)))
                    .collect();
                for (index, result) in settled {
                    let _ = batch.finish(index, result);
                }
                // The executions that never started: aborted, no request sent.
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
                    notify(on_progress.as_ref(), &event);
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
