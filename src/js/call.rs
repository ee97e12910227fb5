//! Retrying one execution: (create a session), send the retry, and follow
//! the nonce rules after each failure. Used by `retryExecution` and, once per
//! execution, by `retryExecutions`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::client::{bad_answer, check_origin, from_json, refused, Callbacks, Client, Failure};
use super::convert::snapshot;
use super::http::Method;
use super::output;
use crate::endpoint::{retry_url, sessions_url};
use crate::error::{CdfError, Operation};
use crate::execution::{check_execution, check_identity};
use crate::json::ToJson;
use crate::options::{parse_options, ClientCredentials, NonceSource, RETRY_EXECUTION};
use crate::retry::Action;
use crate::secret::Secret;
use crate::session::{nonce_from_answer, CreateSessionBody, RetryBody};

/// Every nonce sent by a call or a batch: none is sent twice.
pub type Ledger = Rc<RefCell<Vec<Secret>>>;

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
        let first = match self.nonce {
            NonceSource::Given(n) => {
                self.client.learn(n);
                Operation::RetryExecution
            }
            NonceSource::ClientCredentials(c) => {
                self.client.learn(&c.client_secret);
                Operation::CreateSession
            }
            NonceSource::TokenExchange => Operation::CreateSession,
        };
        self.client.start(first).await?;
        self.retry_execution().await
    }

    /// `POST /sessions` until it gives a nonce or the rules say stop.
    async fn create_session(&mut self) -> Result<Secret, Failure> {
        let op = Operation::CreateSession;
        let url = sessions_url(&self.client.origin, &self.client.project);
        let credentials: Option<&ClientCredentials> = match self.nonce {
            NonceSource::ClientCredentials(c) => Some(c),
            _ => None,
        };
        let body = match credentials {
            Some(c) => CreateSessionBody::client_credentials(c).to_json(),
            None => CreateSessionBody::token_exchange().to_json(),
        };
        let (mut retries, mut refreshed) = (0, false);
        loop {
            match self
                .client
                .send_once(op, Method::Post, &url, Some(&body))
                .await
            {
                Ok((answer, request_id)) => {
                    let nonce =
                        nonce_from_answer(&answer).map_err(bad_answer(op, request_id.clone()))?;
                    let nonce = Secret::new(nonce);
                    self.client.learn(&nonce);
                    if self.ledger.borrow().contains(&nonce) {
                        return Err(CdfError::invalid_response(
                            op,
                            "items[0].nonce",
                            "is a nonce already sent, which must not be sent again",
                        )
                        .with_request_id(request_id)
                        .into());
                    }
                    return Ok(nonce);
                }
                Err(unanswered) => {
                    if self
                        .client
                        .after_failure(op, unanswered, retries, true, &mut refreshed)
                        .await?
                        != Action::RefreshToken
                    {
                        retries += 1;
                    }
                }
            }
        }
    }

    /// `POST /workflows/executions/{id}/retry`, with a fresh session after
    /// every ambiguous failure when the nonce is ours.
    async fn retry_execution(&mut self) -> Result<JsValue, Failure> {
        let op = Operation::RetryExecution;
        let url = retry_url(&self.client.origin, &self.client.project, self.execution_id);
        let (mut nonce, nonce_is_ours) = match self.nonce {
            NonceSource::Given(n) => (Some(n.clone()), false),
            _ => (None, true),
        };
        let (mut retries, mut refreshed) = (0, false);
        loop {
            let current = match nonce.take() {
                Some(n) => n,
                None => self.create_session().await?,
            };
            let body = RetryBody::new(current.expose()).to_json();
            {
                let mut ledger = self.ledger.borrow_mut();
                if !ledger.contains(&current) {
                    ledger.push(current.clone());
                }
            }
            match self
                .client
                .send_once(op, Method::Post, &url, Some(&body))
                .await
            {
                Ok((answer, request_id)) => {
                    let execution = check_execution(&answer)
                        .and_then(|e| check_identity(&e, self.execution_id).map(|()| e))
                        .map_err(bad_answer(op, request_id))?;
                    return Ok(from_json(&execution.to_json()));
                }
                Err(unanswered) => match self
                    .client
                    .after_failure(op, unanswered, retries, nonce_is_ours, &mut refreshed)
                    .await?
                {
                    // Only after a plain 401 or a 429 is the same nonce sent again.
                    Action::RefreshToken => nonce = Some(current),
                    Action::Resend => {
                        retries += 1;
                        nonce = Some(current);
                    }
                    // A nonce that may have been bound is never sent again.
                    Action::ResendWithNewSession | Action::Fail => retries += 1,
                },
            }
        }
    }
}
