//! The version 0.3 calls, each its options read and checked at the call and
//! one machine of [`crate::calls`] for the one driver: `cancelExecution` (one
//! `POST`, read-only retry rules) and `listTriggerRuns` (the trigger history,
//! paged by the same [`Pager`](crate::list::Pager) as `listExecutions`).
//! Adding an endpoint is a core declaration ([`crate::cancel`],
//! [`crate::triggers`]) plus these few lines and one export line.

use wasm_bindgen::prelude::*;

use super::api::{connect, read_options};
use super::driver::{knobs, Prepared};
use crate::calls::{ListTriggerRuns, OneRequest};
use crate::cancel::{cancel_url, parse_cancel_execution_options, CancelBody, CANCEL_EXECUTION};
use crate::json::ToJson;
use crate::triggers::{parse_list_trigger_runs_options, LIST_TRIGGER_RUNS};

/// `cancelExecution(options)`.
pub fn cancel_execution(options: &JsValue) -> Result<Prepared, JsValue> {
    let (snap, o) = read_options(
        options,
        &CANCEL_EXECUTION,
        parse_cancel_execution_options,
        |o| &o.connection,
    )?;
    let client = connect(&snap, &o.connection)?;
    let url = cancel_url(&client.origin, &client.project, &o.execution_id);
    let body = CancelBody {
        reason: o.reason.as_deref(),
    }
    .to_json();
    let call = OneRequest::cancel_execution(url, body, o.execution_id, knobs(&client));
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress: None,
    })
}

/// `listTriggerRuns(options)`.
pub fn list_trigger_runs(options: &JsValue) -> Result<Prepared, JsValue> {
    let (snap, o) = read_options(
        options,
        &LIST_TRIGGER_RUNS,
        parse_list_trigger_runs_options,
        |o| &o.connection,
    )?;
    let client = connect(&snap, &o.connection)?;
    let call = ListTriggerRuns::new(
        client.origin.clone(),
        client.project.clone(),
        o.trigger_external_id,
        o.status,
        o.limit,
        knobs(&client),
    );
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress: None,
    })
}
