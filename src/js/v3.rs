//! The version 0.3 calls on the same [`Client`] and request loop as the
//! others: `cancelExecution` (one `POST`, read-only retry rules) and
//! `listTriggerRuns` (the trigger history, paged by the same
//! [`Pager`](crate::list::Pager) as `listExecutions`). Each is one
//! declaration in the core ([`crate::cancel`], [`crate::triggers`]) plus the
//! few lines here that send, check and convert.

use wasm_bindgen::prelude::*;

use super::client::{bad_answer, check_origin, from_json, refused, Callbacks, Client, Failure};
use super::convert::snapshot;
use super::http::Method;
use super::output;
use crate::cancel::{cancel_url, parse_cancel_execution_options, CancelBody, CANCEL_EXECUTION};
use crate::connection::Connection;
use crate::error::Operation;
use crate::execution::{check_execution, check_identity};
use crate::json::ToJson;
use crate::list::Pager;
use crate::triggers::{
    check_runs_page, history_url, keep_status, parse_list_trigger_runs_options, TriggerRun,
    LIST_TRIGGER_RUNS,
};

/// Ends a call: the result, or the failure with the number of requests sent.
fn finish(client: Client, result: Result<JsValue, Failure>) -> Result<JsValue, JsValue> {
    let attempts = client.attempts;
    drop(client); // clears the timer and listeners before the promise settles
    result.map_err(|f| f.into_js(attempts))
}

/// The connection's `baseUrl`, when given, checked against the runtime's URL parser.
fn checked_origin(given_base_url: bool, connection: &Connection) -> Result<(), JsValue> {
    if given_base_url {
        check_origin(&connection.origin, "baseUrl").map_err(|e| output::error(&e, None))?;
    }
    Ok(())
}

/// `cancelExecution(options)`.
pub async fn cancel_execution(options: JsValue) -> Result<JsValue, JsValue> {
    let snap = snapshot(&options, |k| CANCEL_EXECUTION.check_key(k)).map_err(refused)?;
    let o = parse_cancel_execution_options(&snap.value).map_err(|e| output::error(&e, None))?;
    checked_origin(snap.raw("baseUrl").is_some(), &o.connection)?;
    let mut client = Client::new(&o.connection, &Callbacks::of(&snap, &o.connection))?;
    let op = Operation::CancelExecution;
    let result = async {
        client.start(op).await?;
        let url = cancel_url(&client.origin, &client.project, &o.execution_id);
        let body = CancelBody {
            reason: o.reason.as_deref(),
        }
        .to_json();
        let (answer, request_id) = client
            .read_only(op, Method::Post, &url, Some(&body))
            .await?;
        let execution = check_execution(&answer)
            .and_then(|e| check_identity(&e, &o.execution_id).map(|()| e))
            .map_err(bad_answer(op, request_id))?;
        Ok(from_json(&execution.to_json()))
    }
    .await;
    finish(client, result)
}

/// `listTriggerRuns(options)`.
pub async fn list_trigger_runs(options: JsValue) -> Result<JsValue, JsValue> {
    let snap = snapshot(&options, |k| LIST_TRIGGER_RUNS.check_key(k)).map_err(refused)?;
    let o = parse_list_trigger_runs_options(&snap.value).map_err(|e| output::error(&e, None))?;
    checked_origin(snap.raw("baseUrl").is_some(), &o.connection)?;
    let mut client = Client::new(&o.connection, &Callbacks::of(&snap, &o.connection))?;
    let op = Operation::ListTriggerRuns;
    let result = async {
        client.start(op).await?;
        let mut pager: Pager<TriggerRun> = Pager::new(o.limit);
        let mut received = 0usize;
        while let Some(request) = pager.next_request() {
            let url = history_url(
                &client.origin,
                &client.project,
                &o.trigger_external_id,
                &request,
            );
            let (answer, request_id) = client.read_only(op, Method::Get, &url, None).await?;
            let page =
                check_runs_page(&answer, received).map_err(bad_answer(op, request_id.clone()))?;
            received = received.saturating_add(page.items.len());
            pager
                .accept_items(
                    keep_status(page.items, o.status.as_deref()),
                    page.next_cursor,
                )
                .map_err(bad_answer(op, request_id))?;
        }
        let mut out = String::from("[");
        for (i, run) in pager.items().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            run.write_json(&mut out);
        }
        out.push(']');
        Ok(from_json(&out))
    }
    .await;
    finish(client, result)
}
