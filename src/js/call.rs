//! Retrying one execution: the engine's retry plan ([`Exchange::retry`]:
//! sessions, the retry, the nonce rules after each failure), driven by the
//! one driver ([`Client::drive`]). Used by `retryExecution` and, once per
//! execution, by `retryExecutions`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::client::{
    bad_answer, check_origin, from_json, refused, Callbacks, Client, Failure, Routes,
};
use super::convert::snapshot;
use super::output;
use crate::engine::Exchange;
use crate::error::Operation;
use crate::execution::{check_execution, check_identity};
use crate::json::ToJson;
use crate::options::{parse_options, NonceSource, RETRY_EXECUTION};
use crate::session::{CreateSessionBody, NonceLedger};

/// Every nonce sent by a call or a batch: none is sent twice.
pub type Ledger = Rc<RefCell<NonceLedger>>;

/// `retryExecution(options)`.
pub async fn run(options: JsValue) -> Result<JsValue, JsValue> {
    let snap = snapshot(&options, |k| RETRY_EXECUTION.check_key(k)).map_err(refused)?;
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
    let callbacks = Callbacks::of(&snap, &conn);
    let client = Client::new(&conn, &callbacks)?;
    let ledger = Ledger::default();
    let (result, attempts) = retry_one(client, &parsed.execution_id, &parsed.nonce, &ledger).await;
    result.map_err(|f| f.into_js(attempts))
}

/// Retries `execution_id` with `client`; the result and the number of requests sent.
pub async fn retry_one(
    client: Client,
    execution_id: &str,
    nonce: &NonceSource,
    ledger: &Ledger,
) -> (Result<JsValue, Failure>, u32) {
    let mut call = RetryCall {
        client,
        execution_id,
        nonce,
        ledger,
    };
    let result = call.execute().await;
    let attempts = call.client.attempts;
    drop(call); // clears the timer and listeners before the promise settles
    (result, attempts)
}

struct RetryCall<'a> {
    client: Client,
    execution_id: &'a str,
    nonce: &'a NonceSource,
    ledger: &'a Ledger,
}

impl RetryCall<'_> {
    async fn execute(&mut self) -> Result<JsValue, Failure> {
        let (given, first) = match self.nonce {
            NonceSource::Given(n) => {
                self.client.learn(n);
                (Some(n.clone()), Operation::RetryExecution)
            }
            NonceSource::ClientCredentials(c) => {
                self.client.learn(&c.client_secret);
                (None, Operation::CreateSession)
            }
            NonceSource::TokenExchange => (None, Operation::CreateSession),
        };
        self.client.start(first).await?;
        let session_body = match self.nonce {
            NonceSource::ClientCredentials(c) => CreateSessionBody::client_credentials(c).to_json(),
            _ => CreateSessionBody::token_exchange().to_json(),
        };
        // The engine's retry plan: sessions and the retry, the nonce rules, the ledger.
        let mut machine =
            Exchange::retry(given, self.client.max_retries(), self.client.has_provider());
        let routes = Routes::Retry {
            execution_id: self.execution_id,
            session_body: &session_body,
        };
        let (answer, request_id) = self
            .client
            .drive(&mut machine, &routes, self.ledger)
            .await?;
        let op = Operation::RetryExecution;
        let execution = check_execution(&answer)
            .and_then(|e| check_identity(&e, self.execution_id).map(|()| e))
            .map_err(bad_answer(op, request_id))?;
        Ok(from_json(&execution.to_json()))
    }
}
