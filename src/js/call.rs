//! Retrying one execution: the retry machine ([`OneRequest::retry_execution`]
//! over the engine's retry plan: sessions, the retry, the nonce rules after
//! each failure), driven by the one driver. Used by `retryExecution` and,
//! once per execution, by `retryExecutions`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::client::{check_origin, refused, Callbacks, Client, Failure};
use super::convert::snapshot;
use super::driver::{drive_call, knobs, Prepared};
use super::output;
use crate::calls::OneRequest;
use crate::json::ToJson;
use crate::options::{parse_options, NonceSource, RETRY_EXECUTION};
use crate::session::{CreateSessionBody, NonceLedger};

/// Every nonce sent by a call or a batch: none is sent twice.
pub type Ledger = Rc<RefCell<NonceLedger>>;

/// `retryExecution(options)`: the options read and checked now, at the call.
pub fn run(options: &JsValue) -> Result<Prepared, JsValue> {
    let snap = snapshot(options, &|k| RETRY_EXECUTION.check_key(k)).map_err(refused)?;
    let parsed = parse_options(&snap.value).map_err(|e| output::error(&e, None))?;
    if snap.raw("baseUrl").is_some() {
        check_origin(&parsed.origin, "baseUrl").map_err(|e| output::error(&e, None))?;
    }
    let conn = crate::connection::Connection {
        project: parsed.project.clone(),
        origin: parsed.origin.clone(),
        token: parsed.token.clone(),
        has_signal: parsed.has_signal,
        timeout_ms: parsed.timeout_ms,
        max_retries: parsed.max_retries,
        app_name: parsed.app_name.clone(),
        has_on_retry: parsed.has_on_retry,
    };
    let mut client = Client::new(&conn, &Callbacks::of(&snap, &conn))?;
    let call = retry_machine(&mut client, &parsed.execution_id, &parsed.nonce);
    Ok(Prepared {
        client,
        call: Box::new(call),
        on_progress: None,
    })
}

/// The retry machine of `execution_id`; the nonce or client secret becomes a
/// secret of `client` first.
fn retry_machine(client: &mut Client, execution_id: &str, nonce: &NonceSource) -> OneRequest {
    let given = match nonce {
        NonceSource::Given(n) => {
            client.learn(n);
            Some(n.clone())
        }
        NonceSource::ClientCredentials(c) => {
            client.learn(&c.client_secret);
            None
        }
        NonceSource::TokenExchange => None,
    };
    let session_body = match nonce {
        NonceSource::ClientCredentials(c) => CreateSessionBody::client_credentials(c).to_json(),
        _ => CreateSessionBody::token_exchange().to_json(),
    };
    OneRequest::retry_execution(execution_id.to_owned(), given, session_body, knobs(client))
}

/// Retries `execution_id` with `client` (one execution of a batch, sharing
/// its `ledger`); the result and the number of requests sent.
pub async fn retry_one(
    mut client: Client,
    execution_id: &str,
    nonce: &NonceSource,
    ledger: &Ledger,
) -> (Result<JsValue, Failure>, u32) {
    let mut call = retry_machine(&mut client, execution_id, nonce);
    let result = drive_call(&mut client, &mut call, ledger, None).await;
    let attempts = client.attempts;
    drop(client); // clears the timer and listeners before the promise settles
    (result, attempts)
}
