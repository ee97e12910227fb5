//! The one async driver: it performs what a call's state machine
//! ([`crate::calls::Call`]) commands (begin, run an exchange through
//! [`Client::drive`], sleep, tell `onProgress`) and steps it with what
//! happened, until it is done. Every export is its options read and checked
//! synchronously at the call, one machine built, and this driver spawned
//! through the one shared [`spawn`] (one `future_to_promise` for the package).

use std::future::Future;
use std::pin::Pin;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::call::Ledger;
use super::client::{from_json, Client, Failure};
use crate::calls::{Call, CallCommand, CallEnded, CallEvent, Knobs, Output};
use crate::engine::Clock;
use crate::error::CdfError;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = callAndForget)]
    fn call_and_forget(f: &Function, arg: &JsValue) -> Result<(), JsValue>;
}

/// Calls a caller's callback (`onProgress`, `onRetry`) with `event`; what it
/// throws, or a promise it returns that rejects, is ignored.
pub fn notify(f: Option<&Function>, event: &JsValue) {
    if let Some(f) = f {
        let _ = call_and_forget(f, event);
    }
}

/// A promise of any of the package's futures: the one `future_to_promise` instance.
pub fn spawn(future: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    future_to_promise(future)
}

/// A call whose options passed: its client, its machine and its callbacks.
pub struct Prepared {
    /// The connection, deadline and bookkeeping.
    pub client: Client,
    /// The call's state machine.
    pub call: Box<dyn Call>,
    /// `onProgress`, when given.
    pub on_progress: Option<Function>,
}

/// What the machines need to know of `client`.
pub fn knobs(client: &Client) -> Knobs {
    Knobs {
        max_retries: client.max_retries(),
        has_provider: client.has_provider(),
    }
}

/// Starts a prepared call, or rejects with why its options were refused.
pub fn start(prepared: Result<Prepared, JsValue>) -> Promise {
    match prepared {
        Ok(p) => spawn(Box::pin(run(p))),
        Err(e) => Promise::reject(&e),
    }
}

/// Runs a prepared call to its end: the result, or the failure with the
/// number of requests sent.
async fn run(prepared: Prepared) -> Result<JsValue, JsValue> {
    let Prepared {
        mut client,
        mut call,
        on_progress,
    } = prepared;
    let result = drive_call(
        &mut client,
        call.as_mut(),
        &Ledger::default(),
        on_progress.as_ref(),
    )
    .await;
    let attempts = client.attempts;
    drop(client); // clears the timer and listeners before the promise settles
    result.map_err(|f| f.into_js(attempts))
}

/// Steps `call` to its end with `client`.
pub async fn drive_call(
    client: &mut Client,
    call: &mut dyn Call,
    ledger: &Ledger,
    on_progress: Option<&Function>,
) -> Result<JsValue, Failure> {
    let mut event = CallEvent::Start;
    // The failure a `Failed` event stands for (the machine holds no JS values).
    let mut last: Option<Failure> = None;
    // The value last given to onProgress: a settled wait resolves to that same object.
    let mut progressed: Option<JsValue> = None;
    loop {
        let clock = Clock {
            now_ms: js_sys::Date::now(),
            random: js_sys::Math::random(),
            deadline_ms: client.guard.deadline_ms,
        };
        let failed = |f: Failure, last: &mut Option<Failure>| {
            let kind = f.error.kind;
            *last = Some(f);
            CallEvent::Failed(kind)
        };
        event = match call.step(event, clock) {
            CallCommand::Begin(op) => match client.start(op).await {
                Ok(()) => CallEvent::Began,
                Err(f) => failed(f, &mut last),
            },
            CallCommand::Exchange(mut plan, target) => {
                match client.drive(&mut plan, &target, ledger).await {
                    Ok((answer, request_id)) => CallEvent::Answered(answer, request_id),
                    Err(f) => failed(f, &mut last),
                }
            }
            CallCommand::Sleep { ms, operation } => match client.guard.sleep(ms).await {
                Ok(()) => CallEvent::Slept,
                Err(stop) => failed(client.stopped(operation, stop), &mut last),
            },
            CallCommand::Progress(json) => {
                let value = from_json(&json);
                notify(on_progress, &value);
                progressed = Some(value);
                CallEvent::Progressed
            }
            CallCommand::Done(Ok(Output::Json(json))) => return Ok(from_json(&json)),
            CallCommand::Done(Ok(Output::LastProgress)) => {
                return Ok(progressed.take().unwrap_or(JsValue::UNDEFINED))
            }
            CallCommand::Done(Err(CallEnded::LastFailure)) => {
                return Err(last.take().unwrap_or_else(|| {
                    CdfError::network(
                        call.operation(),
                        "the call ended without an answer",
                        &client.secrets(),
                    )
                    .into()
                }))
            }
            CallCommand::Done(Err(CallEnded::Own(e))) => return Err(e.into()),
            CallCommand::Done(Err(CallEnded::WaitTimeout { last_status })) => {
                return Err(CdfError::wait_timeout(
                    client.timeout_ms,
                    last_status.as_deref(),
                    &client.secrets(),
                )
                .into())
            }
        };
    }
}
