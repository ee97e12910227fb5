//! [`Client`]: what every call shares. It holds the connection (origin,
//! project, token or provider, `appName`, `maxRetries`), the call's
//! [`CallGuard`] (deadline and signal), the secrets to redact, and the count
//! of requests sent. It sends one request ([`Client::send_once`]), and is the
//! one driver of the request engine ([`Client::drive`]): it performs what the
//! pure state machine of [`crate::engine`] commands (send, ask the token
//! provider again, tell `onRetry` and wait) and steps it with what happened.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::convert::Snapshot;
use super::guard::{CallGuard, Stop};
use super::http::{describe_thrown, send, Answer, Body, Method, SendError, Target};
use super::output;
use crate::calls::{HttpMethod, Target as Route};
use crate::connection::Connection;
use crate::endpoint::{retry_url, sessions_url};
use crate::engine::{Clock, Command, Ended, Event, Exchange, Request};
use crate::error::{CdfError, Operation};
use crate::json::ToJson;
use crate::options::TokenSource;
use crate::parse::parse_json;
use crate::retry::Outcome;
use crate::secret::{excerpt, outside, Redactor, Secret};
use crate::session::{NonceLedger, RetryBody};
use crate::validate;
use crate::value::Value;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = callAsync)]
    fn call_async(f: &Function, arg: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = hostOf)]
    fn host_of(url: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = stringLength)]
    fn string_length(s: &JsValue) -> Result<f64, JsValue>;
}

/// What `onRetry` is told before each wait (serialised by serde-wasm-bindgen
/// as a plain object; absent fields are left out).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RetryEvent<'a> {
    operation: &'static str,
    attempt: u32,
    wait_ms: f64,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    new_session: bool,
}

/// A failure with its JavaScript cause, or an error to pass through as it is.
#[derive(Debug)]
pub struct Failure {
    /// The error.
    pub error: Box<CdfError>,
    /// The underlying JS value, kept as thrown.
    pub cause: Option<JsValue>,
    /// A `CdfError` a token provider threw: rejected with unchanged.
    pub passthrough: Option<JsValue>,
}

impl From<CdfError> for Failure {
    fn from(error: CdfError) -> Self {
        Failure {
            error: Box::new(error),
            cause: None,
            passthrough: None,
        }
    }
}

impl Failure {
    /// A failure caused by the JS value `cause`.
    pub fn with_cause(error: CdfError, cause: JsValue) -> Self {
        Failure {
            error: Box::new(error),
            cause: Some(cause),
            passthrough: None,
        }
    }

    /// This failure as the JS value a promise rejects with.
    pub fn into_js(self, attempts: u32) -> JsValue {
        match self.passthrough {
            Some(e) => e,
            None => output::error(&(*self.error).with_attempts(attempts), self.cause.as_ref()),
        }
    }
}

/// A refused options object as the JS error to reject with.
pub fn refused((e, cause): (CdfError, Option<JsValue>)) -> JsValue {
    output::error(&e, cause.as_ref())
}

/// A request that did not succeed: why, and what retrying needs to know.
pub enum Unanswered {
    /// Never retried: stopped by the deadline or the caller, a redirect, or a
    /// 2xx answer that could not be used.
    Final(Failure),
    /// An error status or a network failure.
    Failed {
        /// The error, should the call give up.
        failure: Failure,
        /// What happened, for the retry rules.
        outcome: Outcome,
        /// The `Retry-After` header.
        retry_after: Option<String>,
    },
}

/// The JS values of the connection options, read once by the snapshot.
#[derive(Debug, Clone)]
pub struct Callbacks {
    /// The token provider, when `token` is a function.
    pub provider: Option<Function>,
    /// `onRetry`.
    pub on_retry: Option<Function>,
    /// The caller's `signal`.
    pub signal: Option<JsValue>,
}

impl Callbacks {
    /// The functions and signal of `snap` that `conn` says were given.
    pub fn of(snap: &Snapshot, conn: &Connection) -> Self {
        let function = |key: &str| snap.raw(key).and_then(|f| f.dyn_ref::<Function>().cloned());
        Callbacks {
            provider: match conn.token {
                TokenSource::Provider => function("token"),
                TokenSource::Fixed(_) => None,
            },
            on_retry: function("onRetry"),
            signal: snap.raw("signal").filter(|_| conn.has_signal).cloned(),
        }
    }
}

/// A `baseUrl` origin must survive the runtime's URL parser unchanged in its host
/// (`https://ex%61mple.com`, `https://0x7f.1`, IDN forms…): otherwise the request
/// would go elsewhere than what was validated.
pub fn check_origin(origin: &str, field: &str) -> Result<(), CdfError> {
    thread_local! {
        /// The last origin that passed: most programs talk to one CDF cluster.
        static PASSED: RefCell<String> = const { RefCell::new(String::new()) };
    }
    if PASSED.with(|p| *p.borrow() == origin) {
        return Ok(());
    }
    check_origin_now(origin, field)?;
    PASSED.with(|p| origin.clone_into(&mut p.borrow_mut()));
    Ok(())
}

fn check_origin_now(origin: &str, field: &str) -> Result<(), CdfError> {
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    let authority = authority.split('/').next().unwrap_or(authority);
    let ours = match authority.find(']') {
        Some(end) if authority.starts_with('[') => authority.get(..=end).unwrap_or(authority),
        _ => authority.split(':').next().unwrap_or(authority),
    };
    let parsed = host_of(origin).ok().and_then(|h| h.as_string());
    if parsed.as_deref() == Some(ours) {
        Ok(())
    } else {
        Err(CdfError::invalid_input(
            field,
            "be a URL whose host URL parsing keeps as it is (plain ASCII host, no percent-encoding, no numeric shorthand)",
        ))
    }
}

/// One call's connection, deadline and bookkeeping.
pub struct Client {
    /// `https://{cluster}.cognitedata.com` or the `baseUrl` origin.
    pub origin: String,
    /// The CDF project.
    pub project: String,
    /// The current bearer token (empty until a provider was asked).
    pub token: Secret,
    provider: Option<Function>,
    on_retry: Option<Function>,
    /// The call's deadline and abort machinery.
    pub guard: CallGuard,
    /// Requests sent so far.
    pub attempts: u32,
    /// Every secret this call knows (in a batch: every secret of the batch).
    redactor: Rc<RefCell<Redactor>>,
    app_name: Option<String>,
    max_retries: u32,
    /// `timeoutMs`, for the timeout message.
    pub timeout_ms: u32,
}

impl Client {
    /// A client for `conn` with its own deadline; the caller's signal is watched.
    pub fn new(conn: &Connection, callbacks: &Callbacks) -> Result<Client, JsValue> {
        let guard = CallGuard::new(conn.timeout_ms, callbacks.signal.clone()).map_err(|cause| {
            output::error(
                &CdfError::invalid_input("signal", "be an AbortSignal that can be listened to"),
                Some(&cause),
            )
        })?;
        let token = match &conn.token {
            TokenSource::Fixed(t) => t.clone(),
            TokenSource::Provider => Secret::new(""),
        };
        let mut redactor = Redactor::default();
        redactor.add(&token);
        Ok(Client {
            origin: conn.origin.clone(),
            project: conn.project.clone(),
            token,
            provider: callbacks.provider.clone(),
            on_retry: callbacks.on_retry.clone(),
            guard,
            attempts: 0,
            redactor: Rc::new(RefCell::new(redactor)),
            app_name: conn.app_name.clone(),
            max_retries: conn.max_retries,
            timeout_ms: conn.timeout_ms,
        })
    }

    /// A client for the identity provider's token URL: no bearer token, no
    /// provider, no `onRetry`.
    pub fn for_token(
        url_origin: &str,
        timeout_ms: u32,
        max_retries: u32,
        secret: &Secret,
    ) -> Result<Client, JsValue> {
        let guard = CallGuard::new(timeout_ms, None).map_err(|cause| {
            output::error(
                &CdfError::network(
                    Operation::GetToken,
                    "could not set up the call",
                    &Redactor::default(),
                ),
                Some(&cause),
            )
        })?;
        let mut redactor = Redactor::default();
        redactor.add(secret);
        Ok(Client {
            origin: url_origin.to_owned(),
            project: String::new(),
            token: Secret::new(""),
            provider: None,
            on_retry: None,
            guard,
            attempts: 0,
            redactor: Rc::new(RefCell::new(redactor)),
            app_name: None,
            max_retries,
            timeout_ms,
        })
    }

    /// This client as one execution of a batch: every secret any execution of
    /// the batch learns is hidden from every execution's errors.
    pub fn sharing(mut self, shared: Rc<RefCell<Redactor>>) -> Self {
        if let Ok(mut s) = shared.try_borrow_mut() {
            s.merge(&self.secrets());
        }
        self.redactor = shared;
        self
    }

    /// Remembers a secret (for the whole batch, in one).
    pub fn learn(&mut self, secret: &Secret) {
        // Borrows are never held across an await or a call that learns, so this
        // cannot be busy; `try_` keeps even that impossible case from trapping.
        if let Ok(mut r) = self.redactor.try_borrow_mut() {
            r.add(secret);
        }
    }

    /// Learns the credentials a token or sessions answer holds (`access_token`,
    /// `items[].nonce`, when strings).
    fn learn_credentials(&self, answer: &Value) {
        if let Ok(mut r) = self.redactor.try_borrow_mut() {
            if let Some(Value::String(t)) = answer.get("access_token") {
                r.add(&Secret::new(t.as_str()));
            }
            if let Some(Value::Array(items)) = answer.get("items") {
                for item in items {
                    if let Some(Value::String(n)) = item.get("nonce") {
                        r.add(&Secret::new(n.as_str()));
                    }
                }
            }
        }
    }

    /// The secrets to hide from what this call reports.
    pub fn secrets(&self) -> std::cell::Ref<'_, Redactor> {
        self.redactor.borrow()
    }

    /// Before the first request: stops at once when already stopped, and asks
    /// the token provider for the first token.
    pub async fn start(&mut self, first: Operation) -> Result<(), Failure> {
        if let Some(stop) = self.guard.stopped() {
            return Err(self.stopped(first, stop));
        }
        if let Some(provider) = self.provider.clone() {
            self.token = self.ask_provider(&provider, first, false).await?;
        }
        Ok(())
    }

    /// The error for a call stopped during `op`.
    pub fn stopped(&self, op: Operation, stop: Stop) -> Failure {
        match stop {
            Stop::TimedOut => CdfError::timeout(op, self.timeout_ms).into(),
            Stop::Aborted => Failure {
                error: Box::new(CdfError::aborted(op)),
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
        let not_callable = "be a provider that can be called";
        let promise = call_async(provider, &context)
            .map_err(|e| Failure::with_cause(CdfError::invalid_input("token", not_callable), e))?;
        let result = match self.guard.settle(promise).await {
            Err(stop) => return Err(self.stopped(op, stop)),
            Ok(Err(e)) => {
                return Err(Failure::with_cause(
                    CdfError::invalid_input("token", not_callable),
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
                    error: Box::new(CdfError::invalid_input("token", "be a provider")),
                    cause: None,
                    passthrough: Some(thrown),
                });
            }
            let what = outside(&describe_thrown(&thrown), &self.secrets(), 200);
            let reason = format!("be a provider that returns a token, but it threw ({what})");
            return Err(Failure::with_cause(
                CdfError::invalid_input("token", &reason),
                thrown,
            ));
        }
        let value = Reflect::get(&result, &JsValue::from_str("ok")).unwrap_or(JsValue::UNDEFINED);
        // Measured before it is copied into wasm memory: a huge string is refused uncopied.
        let short = value.is_string()
            && string_length(&value).is_ok_and(|n| n <= super::convert::MAX_STRING_LEN);
        let token = Some(value)
            .filter(|_| short)
            .and_then(|v| v.as_string())
            .ok_or("be a provider that returns a non-empty string of visible ASCII characters without spaces, but it returned something else")
            .and_then(|s| match validate::token(&s) {
                Ok(_) => Ok(Secret::new(s)),
                Err(r) => Err(r),
            });
        match token {
            Ok(t) => {
                self.learn(&t);
                Ok(t)
            }
            Err(reason) => Err(CdfError::invalid_input("token", reason).into()),
        }
    }

    /// Tells `onRetry` what is about to happen; what it throws is ignored.
    fn tell_retry(&self, wait: f64, error: &CdfError, new_session: bool) {
        let Some(f) = &self.on_retry else {
            return;
        };
        let event = RetryEvent {
            operation: error.operation.map_or("", Operation::as_str),
            attempt: self.attempts,
            wait_ms: wait.round(),
            kind: error.kind.as_str(),
            status: error.status,
            request_id: error.request_id.as_deref(),
            new_session,
        };
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        if let Ok(event) = event.serialize(&serializer) {
            super::driver::notify(Some(f), &event);
        }
    }

    /// Sends one request and reads the answer; a 2xx answer's body is returned
    /// as a [`Value`], with its `x-request-id`. `body` is JSON text, or a form
    /// for the token request.
    pub async fn send_once(
        &mut self,
        op: Operation,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Value, Option<String>), Unanswered> {
        self.attempts += 1;
        let target = if op.uses_bearer_token() {
            Target::Cdf {
                token: self.token.expose(),
                app_name: self.app_name.as_deref(),
            }
        } else {
            Target::IdentityProvider
        };
        let sent = send(method, url, target, body, &self.guard).await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(SendError::Stopped(stop)) => return Err(Unanswered::Final(self.stopped(op, stop))),
            Err(SendError::Network { detail, cause }) => {
                return Err(Unanswered::Failed {
                    failure: Failure::with_cause(
                        CdfError::network(op, &detail, &self.secrets()),
                        cause,
                    ),
                    outcome: Outcome::Network,
                    retry_after: None,
                });
            }
        };
        self.answered(op, answer)
    }

    /// What an answer means: a 2xx body, or why not.
    fn answered(
        &self,
        op: Operation,
        answer: Answer,
    ) -> Result<(Value, Option<String>), Unanswered> {
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
        let request_id = request_id.filter(|id| !self.secrets().contains_secret(id));
        // Any status the runtime delivers is an answer (Node's fetch delivers 600 to 999 as they are).
        if !(100..=999).contains(&status) && !redirect {
            // Not an HTTP answer (Response.error(), a stub's junk): what came from fetch.
            let e = CdfError::network(
                op,
                "fetch gave a response without an HTTP status",
                &self.secrets(),
            );
            return Err(Unanswered::Failed {
                failure: e.into(),
                outcome: Outcome::Network,
                retry_after: None,
            });
        }
        if redirect && status == 0 {
            // A browser hides a manual redirect's status: nothing is followed.
            let mut e = CdfError::network(
                op,
                "the server answered with a redirect, which is never followed",
                &self.secrets(),
            );
            e.retryable = false;
            return Err(Unanswered::Final(e.into()));
        }
        if (200..300).contains(&status) {
            return self.success(op, status, request_id, &content_type, body);
        }
        let (text, cause) = match body {
            Body::Text(text) => (text, None),
            Body::TooLarge => (String::new(), None),
            Body::Unreadable(cause) => (String::new(), Some(cause)),
        };
        let parsed = if text.is_empty() {
            None
        } else {
            parse_json(&text)
        };
        let error = if op == Operation::GetToken {
            CdfError::oauth(status, &text, parsed.as_ref(), request_id, &self.secrets())
        } else {
            CdfError::api(
                op,
                status,
                &text,
                parsed.as_ref(),
                request_id,
                &self.secrets(),
            )
        }
        .auto_retryable(auto_retryable);
        Err(Unanswered::Failed {
            failure: Failure {
                error: Box::new(error),
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

    /// A 2xx answer: its body as JSON, or `invalid_response` on `body` (never retried).
    #[inline(never)]
    fn success(
        &self,
        op: Operation,
        status: u16,
        request_id: Option<String>,
        content_type: &str,
        body: Body,
    ) -> Result<(Value, Option<String>), Unanswered> {
        // Only an answer that cannot be used names its Content-Type (redacted, shortened).
        let ct = || match outside(content_type, &self.secrets(), 60) {
            c if c.is_empty() => "no Content-Type".to_owned(),
            c => format!("Content-Type {c}"),
        };
        // The 2xx answers of the token and session requests carry credentials: a
        // token or nonce they hold is a secret from now on (also when the answer is
        // refused), and their text is never quoted.
        let carries_credentials = matches!(op, Operation::GetToken | Operation::CreateSession);
        let (problem, cause) = match body {
            Body::Text(text) => match parse_json(&text) {
                Some(v) => {
                    if carries_credentials {
                        self.learn_credentials(&v);
                    }
                    // An identity provider's 2xx answer carrying an OAuth `error` is an
                    // error answer (the error wins over an access_token beside it); not retried.
                    if op == Operation::GetToken && v.get_present("error", true).is_some() {
                        let mut e =
                            CdfError::oauth(status, &text, Some(&v), request_id, &self.secrets());
                        e.retryable = false;
                        return Err(Unanswered::Final(e.into()));
                    }
                    return Ok((v, request_id));
                }
                None if carries_credentials => (
                    format!(
                        "is not JSON ({}; its text is not shown: it may carry credentials)",
                        ct()
                    ),
                    None,
                ),
                None => {
                    let shown = outside(&excerpt(&text, 400), &self.secrets(), 120);
                    (
                        format!("is not JSON ({}; it began \"{shown}\")", ct()),
                        None,
                    )
                }
            },
            Body::TooLarge => (
                format!("is larger than 1 MiB ({}) and was not read", ct()),
                None,
            ),
            Body::Unreadable(cause) => {
                let why = outside(&describe_thrown(&cause), &self.secrets(), 120);
                (
                    format!("could not be read to the end ({}; {why})", ct()),
                    Some(cause),
                )
            }
        };
        let mut e = CdfError::invalid_response(op, "body", &problem);
        e.status = Some(status);
        e.retryable = false;
        Err(Unanswered::Final(Failure {
            error: Box::new(e.with_request_id(request_id)),
            cause,
            passthrough: None,
        }))
    }

    /// The one driver of the request engine: performs each [`Command`] of
    /// `machine` (send a request of `routes`, ask the token provider again,
    /// tell `onRetry` and wait) and steps it with what happened, until it is
    /// done. The deadline and the caller's signal stop it at any await.
    /// `ledger` holds every nonce the call (or batch) sent.
    pub async fn drive(
        &mut self,
        machine: &mut Exchange,
        routes: &Route,
        ledger: &RefCell<NonceLedger>,
    ) -> Result<(Value, Option<String>), Failure> {
        let mut event = Event::Start;
        // The JS cause of the last failure, kept here: the machine holds no JS values.
        let mut last_cause: Option<JsValue> = None;
        loop {
            let clock = Clock {
                now_ms: js_sys::Date::now(),
                random: js_sys::Math::random(),
                deadline_ms: self.guard.deadline_ms,
            };
            let command = match ledger.try_borrow_mut() {
                Ok(mut l) => machine.step(event, clock, &mut l),
                Err(_) => machine.step(event, clock, &mut NonceLedger::default()),
            };
            event = match command {
                Command::Send(request) => {
                    if let Request::Retry(nonce) = &request {
                        self.learn(nonce);
                    }
                    let op = machine.operation_of(&request);
                    let (method, url, body) =
                        resolve(routes, &request, &self.origin, &self.project);
                    match self.send_once(op, method, &url, body.as_deref()).await {
                        Ok((answer, request_id)) => Event::Answered(answer, request_id),
                        Err(Unanswered::Final(f)) => return Err(f),
                        Err(Unanswered::Failed {
                            failure,
                            outcome,
                            retry_after,
                        }) => {
                            last_cause = failure.cause;
                            Event::Failed {
                                error: *failure.error,
                                outcome,
                                retry_after,
                            }
                        }
                    }
                }
                Command::RefreshToken => {
                    let op = machine.operation();
                    let Some(provider) = self.provider.clone() else {
                        // The machine asks only when there is a provider.
                        return Err(CdfError::invalid_input("token", "be a provider").into());
                    };
                    let token = self.ask_provider(&provider, op, true).await?;
                    let changed = token != self.token;
                    if changed {
                        self.token = token;
                    }
                    Event::TokenRefreshed { changed }
                }
                Command::Wait { ms, new_session } => {
                    let op = match machine.last_error() {
                        Some(error) => {
                            self.tell_retry(ms, error, new_session);
                            error.operation.unwrap_or_else(|| machine.operation())
                        }
                        None => machine.operation(),
                    };
                    if let Err(stop) = self.guard.sleep(ms).await {
                        return Err(self.stopped(op, stop));
                    }
                    Event::Waited
                }
                Command::Done(Ok(answer)) => return Ok(answer),
                Command::Done(Err(Ended::LastFailure(error))) => {
                    return Err(Failure {
                        error: Box::new(error),
                        cause: last_cause,
                        passthrough: None,
                    })
                }
                Command::Done(Err(Ended::Own(error))) => return Err(error.into()),
            };
        }
    }

    /// A request that sends no nonce, retried by the read-only rules (429,
    /// 502, 503, 504, network, `cdf-is-auto-retryable`; a 401 asks the
    /// provider again): the engine's read-only plan.
    pub async fn read_only(
        &mut self,
        op: Operation,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Value, Option<String>), Failure> {
        let mut machine = Exchange::read_only(op, self.max_retries, self.provider.is_some());
        let method = match method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
        };
        let target = Route::Plain {
            method,
            url: url.to_owned(),
            body: body.map(str::to_owned),
        };
        self.drive(&mut machine, &target, &RefCell::default()).await
    }

    /// Whether this call has a token provider.
    pub fn has_provider(&self) -> bool {
        self.provider.is_some()
    }

    /// `maxRetries`.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }
}

/// The method, URL and body of the engine's `request` to `target`.
fn resolve(
    target: &Route,
    request: &Request,
    origin: &str,
    project: &str,
) -> (Method, String, Option<String>) {
    match (target, request) {
        (Route::Plain { method, url, body }, _) => {
            let method = match method {
                HttpMethod::Get => Method::Get,
                HttpMethod::Post => Method::Post,
            };
            (method, url.clone(), body.clone())
        }
        (Route::Retry { session_body, .. }, Request::Session) => (
            Method::Post,
            sessions_url(origin, project),
            Some(session_body.clone()),
        ),
        (Route::Retry { execution_id, .. }, Request::Retry(nonce)) => (
            Method::Post,
            retry_url(origin, project, execution_id),
            Some(RetryBody::new(nonce.expose()).to_json()),
        ),
        // A retry plan sends no plain request; were it asked to, the retry URL
        // without a body is refused by CDF, never sent a nonce.
        (Route::Retry { execution_id, .. }, Request::Plain) => {
            (Method::Post, retry_url(origin, project, execution_id), None)
        }
    }
}

/// Turns a schema fault of a 2xx answer into its `invalid_response` failure.
pub fn bad_answer(
    op: Operation,
    request_id: Option<String>,
) -> impl FnOnce((String, &'static str)) -> Failure {
    move |(field, problem)| {
        CdfError::invalid_response(op, field, problem)
            .with_request_id(request_id)
            .into()
    }
}

/// Checked JSON text as a JS value (`JSON.parse` keeps every key as plain data).
pub fn from_json(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}
