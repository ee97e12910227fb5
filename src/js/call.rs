//! One `retryExecution` call: validate, (create a session), send the retry,
//! and follow [`crate::retry::decide`] after each failure.

use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::convert::{to_value, MAX_DEPTH};
use super::guard::{CallGuard, Stop};
use super::http::{post, Answer, SendError};
use super::output;
use crate::endpoint::{retry_url, sessions_url};
use crate::error::{CdfError, Operation};
use crate::execution::check_execution;
use crate::options::{parse_options, NonceSource, Options, TokenSource};
use crate::retry::{decide, wait_fits, wait_ms, Action, Outcome, Situation};
use crate::secret::{Redactor, Secret};
use crate::session::{nonce_from_answer, CreateSessionBody, RetryBody};
use crate::validate;
use crate::value::Value;

/// A failure with its JavaScript cause.
struct Failure {
    error: CdfError,
    cause: Option<JsValue>,
}

impl From<CdfError> for Failure {
    fn from(error: CdfError) -> Self {
        Failure { error, cause: None }
    }
}

/// A request that did not succeed: why, and what retrying needs to know.
enum Unanswered {
    /// Never retried: stopped by the deadline or the caller, or a 2xx answer that is not JSON.
    Final(Failure),
    /// An error status or a network failure.
    Failed {
        failure: Failure,
        outcome: Outcome,
        retry_after: Option<String>,
    },
}

/// Runs one call and converts the result for JavaScript.
pub async fn run(options: JsValue) -> Result<JsValue, JsValue> {
    let parsed =
        parse_options(&to_value(&options, MAX_DEPTH)).map_err(|e| output::error(&e, None))?;
    let signal = if parsed.has_signal {
        Reflect::get(&options, &JsValue::from_str("signal"))
            .ok()
            .and_then(|s| s.dyn_into::<AbortSignal>().ok())
    } else {
        None
    };
    let provider = match parsed.token {
        TokenSource::Provider => Reflect::get(&options, &JsValue::from_str("token"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok()),
        TokenSource::Fixed(_) => None,
    };
    let guard = CallGuard::new(parsed.timeout_ms, signal).map_err(|cause| {
        output::error(
            &CdfError::network(
                first_operation(&parsed),
                "could not set up the call",
                &Redactor::default(),
            ),
            Some(&cause),
        )
    })?;
    let mut call = Call {
        token: match &parsed.token {
            TokenSource::Fixed(t) => t.clone(),
            TokenSource::Provider => Secret::new(""),
        },
        options: parsed,
        provider,
        guard,
        attempts: 0,
        redactor: Redactor::default(),
    };
    let result = call.execute().await;
    let attempts = call.attempts;
    drop(call); // clears the timer and listeners before the promise settles
    result.map_err(|f| output::error(&f.error.with_attempts(attempts), f.cause.as_ref()))
}

fn first_operation(o: &Options) -> Operation {
    match o.nonce {
        NonceSource::Given(_) => Operation::RetryExecution,
        _ => Operation::CreateSession,
    }
}

struct Call {
    options: Options,
    token: Secret,
    provider: Option<Function>,
    guard: CallGuard,
    attempts: u32,
    redactor: Redactor,
}

impl Call {
    async fn execute(&mut self) -> Result<JsValue, Failure> {
        let first = first_operation(&self.options);
        if let Some(stop) = self.guard.stopped() {
            return Err(self.stopped(first, stop));
        }
        self.redactor.add(&self.token);
        match &self.options.nonce {
            NonceSource::Given(n) => self.redactor.add(n),
            NonceSource::ClientCredentials(c) => self.redactor.add(&c.client_secret),
            NonceSource::TokenExchange => {}
        }
        if let Some(provider) = self.provider.clone() {
            self.token = self.ask_provider(&provider, first).await?;
            self.redactor.add(&self.token);
        }
        self.retry_execution().await
    }

    /// The error for a call stopped during `op`.
    fn stopped(&self, op: Operation, stop: Stop) -> Failure {
        match stop {
            Stop::TimedOut => CdfError::timeout(op, self.options.timeout_ms).into(),
            Stop::Aborted => Failure {
                error: CdfError::aborted(op),
                cause: self.guard.abort_reason(),
            },
        }
    }

    /// Asks the token provider; anything but a valid token is `invalid_input` for `token`.
    async fn ask_provider(&self, provider: &Function, op: Operation) -> Result<Secret, Failure> {
        let refused = |reason: &str, cause: Option<JsValue>| Failure {
            error: CdfError::invalid_input("token", reason),
            cause,
        };
        let threw = "be a provider that returns a token, but it threw or rejected";
        let mut value = provider
            .call0(&JsValue::UNDEFINED)
            .map_err(|e| refused(threw, Some(e)))?;
        let then = Reflect::get(&value, &JsValue::from_str("then")).unwrap_or(JsValue::UNDEFINED);
        if value.is_object() && then.is_function() {
            value = match self.guard.settle(Promise::resolve(&value)).await {
                Err(stop) => return Err(self.stopped(op, stop)),
                Ok(Err(e)) => return Err(refused(threw, Some(e))),
                Ok(Ok(v)) => v,
            };
        }
        match value.as_string() {
            Some(s) if validate::token(&s).is_ok() => Ok(Secret::new(s)),
            _ => Err(refused(
                "be a provider that returns a non-empty string of visible ASCII characters without spaces, but it returned something else",
                None,
            )),
        }
    }

    /// Sends one request and reads the answer; a 2xx answer's body is returned
    /// parsed, with its `x-request-id`.
    async fn request(
        &mut self,
        op: Operation,
        url: &str,
        body: &str,
    ) -> Result<(Value, Option<String>), Unanswered> {
        self.attempts += 1;
        let app = self.options.app_name.as_deref();
        let answer = match post(url, self.token.expose(), app, body, &self.guard).await {
            Ok(answer) => answer,
            Err(SendError::Stopped(stop)) => return Err(Unanswered::Final(self.stopped(op, stop))),
            Err(SendError::Network { name, message }) => {
                // gloo-net keeps the platform error's name and message only: rebuild it,
                // as a real TypeError when it was one (fetch's network failures are).
                let text = self.redactor.redact(&message);
                let cause: js_sys::Error = if name == "TypeError" {
                    js_sys::TypeError::new(&text).into()
                } else {
                    let e = js_sys::Error::new(&text);
                    e.set_name(&name);
                    e
                };
                return Err(Unanswered::Failed {
                    failure: Failure {
                        error: CdfError::network(op, &format!("{name}: {message}"), &self.redactor),
                        cause: Some(cause.into()),
                    },
                    outcome: Outcome::Network,
                    retry_after: None,
                });
            }
        };
        let Answer {
            status,
            request_id,
            retry_after,
            auto_retryable,
            body,
        } = answer;
        let parsed = JSON::parse(&body).ok().map(|v| to_value(&v, MAX_DEPTH));
        if (200..300).contains(&status) {
            return match parsed {
                Some(v) => Ok((v, request_id)),
                None => {
                    let e = CdfError::invalid_response(op, "body", "is not JSON");
                    Err(Unanswered::Final(e.with_request_id(request_id).into()))
                }
            };
        }
        let error = CdfError::api(
            op,
            status,
            &body,
            parsed.as_ref(),
            request_id,
            &self.redactor,
        )
        .auto_retryable(auto_retryable);
        Err(Unanswered::Failed {
            failure: error.into(),
            outcome: Outcome::Status {
                status,
                auto_retryable,
            },
            retry_after,
        })
    }

    /// What to do after a failed request; `Ok(action)` to go on, `Err` to give up.
    async fn after_failure(
        &mut self,
        op: Operation,
        unanswered: Unanswered,
        retries: u32,
        nonce_is_ours: bool,
        refreshed: &mut bool,
    ) -> Result<Action, Failure> {
        let (failure, outcome, retry_after) = match unanswered {
            Unanswered::Final(f) => return Err(f),
            Unanswered::Failed {
                failure,
                outcome,
                retry_after,
            } => (failure, outcome, retry_after),
        };
        let situation = Situation {
            operation: op,
            nonce_is_ours,
            can_refresh_token: self.provider.is_some() && !*refreshed,
            retries,
            max_retries: self.options.max_retries,
        };
        match decide(outcome, situation) {
            Action::Fail => Err(failure),
            Action::RefreshToken => {
                // Asked again once per request; sent again only if the token changed.
                let Some(provider) = self.provider.clone() else {
                    return Err(failure);
                };
                *refreshed = true;
                let token = self.ask_provider(&provider, op).await?;
                if token == self.token {
                    return Err(failure);
                }
                self.token = token;
                self.redactor.add(&self.token);
                Ok(Action::RefreshToken)
            }
            action @ (Action::Resend | Action::ResendWithNewSession) => {
                let now = js_sys::Date::now();
                let wait = wait_ms(retries, retry_after.as_deref(), now, js_sys::Math::random());
                if !wait_fits(now, wait, self.guard.deadline_ms) {
                    return Err(failure);
                }
                if let Err(stop) = self.guard.sleep(wait).await {
                    return Err(self.stopped(op, stop));
                }
                Ok(action)
            }
        }
    }

    /// `POST /sessions` until it gives a nonce or the rules say stop.
    async fn create_session(&mut self) -> Result<Secret, Failure> {
        let op = Operation::CreateSession;
        let url = sessions_url(&self.options.origin, &self.options.project);
        let body = match &self.options.nonce {
            NonceSource::ClientCredentials(c) => json(&CreateSessionBody::client_credentials(c)),
            _ => json(&CreateSessionBody::token_exchange()),
        }
        .map_err(|e| Failure::from(CdfError::network(op, &e, &self.redactor)))?;
        let (mut retries, mut refreshed) = (0, false);
        loop {
            match self.request(op, &url, &body).await {
                Ok((answer, request_id)) => {
                    let nonce = nonce_from_answer(&answer).map_err(bad_answer(op, request_id))?;
                    let nonce = Secret::new(nonce);
                    self.redactor.add(&nonce);
                    return Ok(nonce);
                }
                Err(unanswered) => {
                    if self
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
        let url = retry_url(
            &self.options.origin,
            &self.options.project,
            &self.options.execution_id,
        );
        let (mut nonce, nonce_is_ours) = match &self.options.nonce {
            NonceSource::Given(n) => (Some(n.clone()), false),
            _ => (None, true),
        };
        let (mut retries, mut refreshed) = (0, false);
        loop {
            let current = match nonce.take() {
                Some(n) => n,
                None => self.create_session().await?,
            };
            let body = json(&RetryBody::new(current.expose()))
                .map_err(|e| Failure::from(CdfError::network(op, &e, &self.redactor)))?;
            match self.request(op, &url, &body).await {
                Ok((answer, request_id)) => {
                    let execution = check_execution(&answer).map_err(bad_answer(op, request_id))?;
                    return Ok(output::execution(&execution));
                }
                Err(unanswered) => match self
                    .after_failure(op, unanswered, retries, nonce_is_ours, &mut refreshed)
                    .await?
                {
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

/// Turns a schema fault of a 2xx answer into its `invalid_response` failure.
fn bad_answer(
    op: Operation,
    request_id: Option<String>,
) -> impl FnOnce((String, &'static str)) -> Failure {
    move |(field, problem)| {
        CdfError::invalid_response(op, field, problem)
            .with_request_id(request_id)
            .into()
    }
}

/// A request body as JSON text, through serde-wasm-bindgen and `JSON.stringify`.
fn json<T: serde::Serialize>(body: &T) -> Result<String, String> {
    let value = serde_wasm_bindgen::to_value(body).map_err(|e| e.to_string())?;
    JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "could not encode the request body".to_owned())
}
