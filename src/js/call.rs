//! One `retryExecution` call: read the options once, validate, (create a
//! session), send the retry, and follow [`crate::retry::decide`] after each
//! failure.

use js_sys::{Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

use super::convert::{answer_value, snapshot, Snapshot};
use super::guard::{CallGuard, Stop};
use super::http::{describe_thrown, send, Answer, Body, Method, SendError};
use super::output;
use crate::endpoint::{retry_url, sessions_url};
use crate::error::{CdfError, Operation};
use crate::execution::{check_execution, check_identity};
use crate::options::{parse_options, NonceSource, Options, TokenSource, RETRY_EXECUTION};
use crate::retry::{decide, wait_fits, wait_ms, Action, Outcome, Situation};
use crate::secret::{excerpt, outside, Redactor, Secret};
use crate::session::{nonce_from_answer, CreateSessionBody, RetryBody};
use crate::validate;
use crate::value::Value;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = callAsync)]
    fn call_async(f: &Function, arg: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = callAndForget)]
    fn call_and_forget(f: &Function, arg: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = hostOf)]
    fn host_of(url: &str) -> Result<JsValue, JsValue>;
}

/// A failure with its JavaScript cause, or an error to pass through as it is.
pub struct Failure {
    error: CdfError,
    cause: Option<JsValue>,
    /// A `CdfError` a token provider threw: rejected with unchanged.
    passthrough: Option<JsValue>,
}

impl From<CdfError> for Failure {
    fn from(error: CdfError) -> Self {
        Failure {
            error,
            cause: None,
            passthrough: None,
        }
    }
}

impl Failure {
    fn with_cause(error: CdfError, cause: JsValue) -> Self {
        Failure {
            error,
            cause: Some(cause),
            passthrough: None,
        }
    }
}

/// A request that did not succeed: why, and what retrying needs to know.
enum Unanswered {
    /// Never retried: stopped by the deadline or the caller, a redirect, or a
    /// 2xx answer that could not be used.
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
    let refused = |(e, cause): (CdfError, Option<JsValue>)| output::error(&e, cause.as_ref());
    let snap = snapshot(&options, |k| RETRY_EXECUTION.check_key(k)).map_err(refused)?;
    let parsed = parse_options(&snap.value).map_err(|e| output::error(&e, None))?;
    check_origin(&parsed.origin, &snap).map_err(|e| output::error(&e, None))?;
    let function = |key: &str| snap.raw(key).and_then(|f| f.dyn_ref::<Function>().cloned());
    let provider = match parsed.token {
        TokenSource::Provider => function("token"),
        TokenSource::Fixed(_) => None,
    };
    let on_retry = function("onRetry");
    let signal = snap.raw("signal").filter(|_| parsed.has_signal).cloned();
    let guard = CallGuard::new(parsed.timeout_ms, signal).map_err(|cause| {
        output::error(
            &CdfError::invalid_input("signal", "be an AbortSignal that can be listened to"),
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
        on_retry,
        guard,
        attempts: 0,
        redactor: Redactor::default(),
        sent_nonces: Vec::new(),
    };
    let result = call.execute().await;
    let attempts = call.attempts;
    drop(call); // clears the timer and listeners before the promise settles
    result.map_err(|f| match f.passthrough {
        Some(e) => e,
        None => output::error(&f.error.with_attempts(attempts), f.cause.as_ref()),
    })
}

/// A `baseUrl` origin must survive the runtime's URL parser unchanged in its host
/// (`https://ex%61mple.com`, `https://0x7f.1`, IDN forms…): otherwise the request
/// would go elsewhere than what was validated.
fn check_origin(origin: &str, snap: &Snapshot) -> Result<(), CdfError> {
    if snap.raw("baseUrl").is_none() {
        return Ok(());
    }
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    let ours = match authority.find(']') {
        Some(end) if authority.starts_with('[') => authority.get(..=end).unwrap_or(authority),
        _ => authority.split(':').next().unwrap_or(authority),
    };
    let parsed = host_of(origin).ok().and_then(|h| h.as_string());
    if parsed.as_deref() == Some(ours) {
        Ok(())
    } else {
        Err(CdfError::invalid_input(
            "baseUrl",
            "be an origin that URL parsing keeps as it is (plain ASCII host, no percent-encoding, no numeric shorthand)",
        ))
    }
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
    on_retry: Option<Function>,
    guard: CallGuard,
    attempts: u32,
    redactor: Redactor,
    /// Every nonce this call has sent: none is sent twice.
    sent_nonces: Vec<Secret>,
}

impl Call {
    async fn execute(&mut self) -> Result<JsValue, Failure> {
        let first = first_operation(&self.options);
        self.redactor.add(&self.token);
        match &self.options.nonce {
            NonceSource::Given(n) => self.redactor.add(n),
            NonceSource::ClientCredentials(c) => self.redactor.add(&c.client_secret),
            NonceSource::TokenExchange => {}
        }
        if let Some(stop) = self.guard.stopped() {
            return Err(self.stopped(first, stop));
        }
        if let Some(provider) = self.provider.clone() {
            self.token = self.ask_provider(&provider, first, false).await?;
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
                passthrough: None,
            },
        }
    }

    /// Asks the token provider with `{ forceRefresh }`. A `CdfError` it throws
    /// passes through; anything else thrown, or a value that is not a valid
    /// token, is `invalid_input` for `token`.
    async fn ask_provider(
        &mut self,
        provider: &Function,
        op: Operation,
        force_refresh: bool,
    ) -> Result<Secret, Failure> {
        let context = Object::new();
        let _ = Reflect::set(
            &context,
            &JsValue::from_str("forceRefresh"),
            &JsValue::from_bool(force_refresh),
        );
        let promise = call_async(provider, &context).map_err(|e| {
            Failure::with_cause(
                CdfError::invalid_input("token", "be a provider that can be called"),
                e,
            )
        })?;
        let result = match self.guard.settle(promise).await {
            Err(stop) => return Err(self.stopped(op, stop)),
            Ok(Err(e)) => {
                return Err(Failure::with_cause(
                    CdfError::invalid_input("token", "be a provider that returns a token"),
                    e,
                ))
            }
            Ok(Ok(v)) => v,
        };
        if Reflect::has(&result, &JsValue::from_str("threw")).unwrap_or(false) {
            let thrown =
                Reflect::get(&result, &JsValue::from_str("threw")).unwrap_or(JsValue::UNDEFINED);
            if output::is_cdf_error(&thrown) {
                return Err(Failure {
                    error: CdfError::invalid_input("token", "be a provider"),
                    cause: None,
                    passthrough: Some(thrown),
                });
            }
            let what = outside(&describe_thrown(&thrown), &self.redactor, 200);
            let reason = format!("be a provider that returns a token, but it threw ({what})");
            return Err(Failure::with_cause(
                CdfError::invalid_input("token", &reason),
                thrown,
            ));
        }
        let value = Reflect::get(&result, &JsValue::from_str("ok")).unwrap_or(JsValue::UNDEFINED);
        let token = value
            .as_string()
            .filter(|s| s.len() <= 65_536)
            .ok_or("be a provider that returns a non-empty string of visible ASCII characters without spaces, but it returned something else")
            .and_then(|s| match validate::token(&s) {
                Ok(_) => Ok(Secret::new(s)),
                Err(r) => Err(r),
            });
        match token {
            Ok(t) => {
                self.redactor.add(&t);
                Ok(t)
            }
            Err(reason) => Err(CdfError::invalid_input("token", reason).into()),
        }
    }

    /// Tells `onRetry` what is about to happen; what it throws is ignored.
    fn tell_retry(&self, op: Operation, wait: f64, failure: &Failure, new_session: bool) {
        let Some(f) = &self.on_retry else {
            return;
        };
        let event = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&event, &JsValue::from_str(k), &v);
        };
        set("operation", JsValue::from_str(op.as_str()));
        set("attempt", JsValue::from(self.attempts));
        set("waitMs", JsValue::from_f64(wait.round()));
        set("kind", JsValue::from_str(failure.error.kind.as_str()));
        if let Some(status) = failure.error.status {
            set("status", JsValue::from(status));
        }
        if let Some(id) = &failure.error.request_id {
            set("requestId", JsValue::from_str(id));
        }
        set("newSession", JsValue::from_bool(new_session));
        let _ = call_and_forget(f, &event);
    }

    /// Sends one request and reads the answer; a 2xx answer's body is returned
    /// as a [`Value`], with its `x-request-id`.
    async fn request(
        &mut self,
        op: Operation,
        url: &str,
        body: &str,
    ) -> Result<(Value, Option<String>), Unanswered> {
        self.attempts += 1;
        let app = self.options.app_name.as_deref();
        let sent = send(
            Method::Post,
            url,
            self.token.expose(),
            app,
            Some(body),
            &self.guard,
        )
        .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(SendError::Stopped(stop)) => return Err(Unanswered::Final(self.stopped(op, stop))),
            Err(SendError::Network { detail, cause }) => {
                return Err(Unanswered::Failed {
                    failure: Failure::with_cause(
                        CdfError::network(op, &detail, &self.redactor),
                        cause,
                    ),
                    outcome: Outcome::Network,
                    retry_after: None,
                });
            }
        };
        let Answer {
            status,
            redirect,
            request_id,
            retry_after,
            auto_retryable,
            content_type,
            body,
        } = answer;
        // A request id that echoes a secret is dropped.
        let request_id = request_id.filter(|id| !self.redactor.contains_secret(id));
        if redirect && status == 0 {
            // A browser hides a manual redirect's status: nothing is followed.
            let mut e = CdfError::network(
                op,
                "the server answered with a redirect, which is never followed",
                &self.redactor,
            );
            e.retryable = false;
            return Err(Unanswered::Final(e.into()));
        }
        let content_type = outside(&content_type, &self.redactor, 60);
        if (200..300).contains(&status) {
            let unusable = |problem: String, cause: Option<JsValue>| {
                let mut e = CdfError::invalid_response(op, "body", &problem);
                e.status = Some(status);
                e.retryable = false;
                Unanswered::Final(Failure {
                    error: e.with_request_id(request_id.clone()),
                    cause,
                    passthrough: None,
                })
            };
            let ct = if content_type.is_empty() {
                "no Content-Type".to_owned()
            } else {
                format!("Content-Type {content_type}")
            };
            return match body {
                Body::Text(text) => match JSON::parse(&text) {
                    Ok(v) => Ok((answer_value(&v), request_id)),
                    Err(_) => {
                        let shown = outside(&excerpt(&text, 400), &self.redactor, 120);
                        Err(unusable(
                            format!("is not JSON ({ct}; it began \"{shown}\")"),
                            None,
                        ))
                    }
                },
                Body::TooLarge => Err(unusable(
                    format!("is larger than 1 MiB ({ct}) and was not read"),
                    None,
                )),
                Body::Unreadable(cause) => {
                    let why = outside(&describe_thrown(&cause), &self.redactor, 120);
                    Err(unusable(
                        format!("could not be read to the end ({ct}; {why})"),
                        Some(cause),
                    ))
                }
            };
        }
        let (text, cause) = match body {
            Body::Text(text) => (text, None),
            Body::TooLarge => (String::new(), None),
            Body::Unreadable(cause) => (String::new(), Some(cause)),
        };
        let parsed = if text.is_empty() {
            None
        } else {
            JSON::parse(&text).ok().map(|v| answer_value(&v))
        };
        let error = CdfError::api(
            op,
            status,
            &text,
            parsed.as_ref(),
            request_id,
            &self.redactor,
        )
        .auto_retryable(auto_retryable);
        Err(Unanswered::Failed {
            failure: Failure {
                error,
                cause,
                passthrough: None,
            },
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
                let token = self.ask_provider(&provider, op, true).await?;
                if token == self.token {
                    return Err(failure);
                }
                self.token = token;
                Ok(Action::RefreshToken)
            }
            action @ (Action::Resend | Action::ResendWithNewSession) => {
                let now = js_sys::Date::now();
                let wait = wait_ms(retries, retry_after.as_deref(), now, js_sys::Math::random());
                if !wait_fits(now, wait, self.guard.deadline_ms) {
                    return Err(failure);
                }
                self.tell_retry(op, wait, &failure, action == Action::ResendWithNewSession);
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
                    let nonce =
                        nonce_from_answer(&answer).map_err(bad_answer(op, request_id.clone()))?;
                    let nonce = Secret::new(nonce);
                    self.redactor.add(&nonce);
                    if self.sent_nonces.contains(&nonce) {
                        return Err(CdfError::invalid_response(
                            op,
                            "items[0].nonce",
                            "is a nonce this call already sent, which must not be sent again",
                        )
                        .with_request_id(request_id)
                        .into());
                    }
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
            if !self.sent_nonces.contains(&current) {
                self.sent_nonces.push(current.clone());
            }
            match self.request(op, &url, &body).await {
                Ok((answer, request_id)) => {
                    let execution = check_execution(&answer)
                        .and_then(|e| check_identity(&e, &self.options.execution_id).map(|()| e))
                        .map_err(bad_answer(op, request_id))?;
                    return Ok(output::execution(&execution));
                }
                Err(unanswered) => match self
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
