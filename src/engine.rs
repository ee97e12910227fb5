//! The request engine: the requests of one call as a pure state machine
//! (sans-IO, as rustls's unbuffered API and quinn-proto do it). The machine
//! never sends, waits or reads a clock: [`Exchange::step`] takes what happened
//! ([`Event`]) and the time and random number the driver read ([`Clock`]),
//! and answers what to do next ([`Command`]). The one driver in the
//! wasm-bindgen layer performs the commands with gloo-net, the call's
//! deadline and signal, the token provider and `onRetry`; the tests here drive
//! the machine with made-up events and a fake clock.
//!
//! Two plans cover every request of the package:
//! - [`Exchange::read_only`]: one request that sends no nonce (list, get,
//!   cancel, trigger history, the token request), resent by the read-only rules;
//! - [`Exchange::retry`]: the retry of one execution, with a session created
//!   first when no nonce was given and again after every ambiguous failure
//!   when the nonce is the module's; no nonce is ever sent twice
//!   ([`NonceLedger`], shared by a batch).
//!
//! The decisions themselves (which outcome is retried how, how long to wait)
//! are [`crate::retry`]'s tables; the machine holds the counters and the
//! nonce, and orders the steps.

use crate::error::{CdfError, Operation};
use crate::retry::{decide, wait_fits, wait_ms, Action, Outcome, Situation};
use crate::secret::Secret;
use crate::session::{nonce_from_answer, NonceLedger};
use crate::value::Value;

/// What the driver read before a step: the time, a random number in [0, 1)
/// for the jitter, and the call's deadline (all in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Now, in ms since the epoch.
    pub now_ms: f64,
    /// A random number in [0, 1).
    pub random: f64,
    /// When the call's deadline passes, in ms since the epoch.
    pub deadline_ms: f64,
}

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `POST /sessions`, for a new nonce.
    Session,
    /// `POST …/retry` with this nonce.
    Retry(Secret),
    /// The one request of a read-only plan (its method, URL and body are the caller's).
    Plain,
}

/// What happened since the last command.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The call begins (its token is known).
    Start,
    /// The last request got a 2xx answer: its body, and its `x-request-id`.
    Answered(Value, Option<String>),
    /// The last request failed in a way the rules may retry: the error the
    /// call would end with, how it ended, and its `Retry-After`.
    Failed {
        /// The error.
        error: CdfError,
        /// The status (and `cdf-is-auto-retryable`), or a network failure.
        outcome: Outcome,
        /// The `Retry-After` header, when there was one.
        retry_after: Option<String>,
    },
    /// The token provider was asked again (after a 401): whether the token changed.
    TokenRefreshed {
        /// The provider gave another token than the one refused.
        changed: bool,
    },
    /// The wait asked for ended.
    Waited,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Send this request now (for [`Request::Retry`], record the nonce as a secret first).
    Send(Request),
    /// Ask the token provider again with `{ forceRefresh: true }`, then step
    /// [`Event::TokenRefreshed`].
    RefreshToken,
    /// Tell `onRetry` (with [`Exchange::last_error`]) and wait `ms`, then step
    /// [`Event::Waited`]. `new_session`: the next request creates a session.
    Wait {
        /// How long, in milliseconds.
        ms: f64,
        /// Whether the next request first creates a session.
        new_session: bool,
    },
    /// The call's requests are over: the last 2xx body with its request id,
    /// or the error to end with.
    Done(Result<(Value, Option<String>), Ended>),
}

/// Why a plan ended without an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// With the error of the last [`Event::Failed`] (the driver keeps that
    /// failure's underlying JS cause).
    LastFailure(CdfError),
    /// With an error of the machine's own (a session answer that is unusable or
    /// repeats a nonce already sent): no underlying cause.
    Own(CdfError),
}

impl Ended {
    /// The error, whichever way it ended.
    pub fn error(&self) -> &CdfError {
        match self {
            Ended::LastFailure(e) | Ended::Own(e) => e,
        }
    }
}

/// Which plan the machine follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    ReadOnly(Operation),
    Retry { nonce_is_ours: bool },
}

/// The retry counters of one request kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tries {
    /// Retries so far (`n` of the backoff).
    retries: u32,
    /// The provider was asked again after a 401 for this request.
    refreshed: bool,
}

/// The requests of one call. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    plan: Plan,
    max_retries: u32,
    has_provider: bool,
    /// The request whose answer is awaited (or that comes after a wait or refresh).
    current: Request,
    /// Counters of the current session request (each session starts afresh).
    session: Tries,
    /// Counters of the retry request (over the whole call) or the plain request.
    main: Tries,
    /// The error of the last failure, while a wait or refresh is under way.
    last_error: Option<CdfError>,
    done: bool,
}

impl Exchange {
    /// A read-only request of `operation`: resent on 429, 502, 503, 504, a
    /// network failure or `cdf-is-auto-retryable`, up to `max_retries` times;
    /// a 401 asks the provider again once (when there is one).
    pub fn read_only(operation: Operation, max_retries: u32, has_provider: bool) -> Self {
        Exchange::new(
            Plan::ReadOnly(operation),
            Request::Plain,
            max_retries,
            has_provider,
        )
    }

    /// The retry of one execution: with the caller's `nonce`, or (`None`) a
    /// session the module creates first.
    pub fn retry(nonce: Option<Secret>, max_retries: u32, has_provider: bool) -> Self {
        let nonce_is_ours = nonce.is_none();
        let first = nonce.map_or(Request::Session, Request::Retry);
        Exchange::new(
            Plan::Retry { nonce_is_ours },
            first,
            max_retries,
            has_provider,
        )
    }

    fn new(plan: Plan, first: Request, max_retries: u32, has_provider: bool) -> Self {
        Exchange {
            plan,
            max_retries,
            has_provider,
            current: first,
            session: Tries::default(),
            main: Tries::default(),
            last_error: None,
            done: false,
        }
    }

    /// The operation of `request` in this plan.
    pub fn operation_of(&self, request: &Request) -> Operation {
        match (request, self.plan) {
            (Request::Session, _) => Operation::CreateSession,
            (Request::Retry(_), _) => Operation::RetryExecution,
            (Request::Plain, Plan::ReadOnly(op)) => op,
            (Request::Plain, Plan::Retry { .. }) => Operation::RetryExecution,
        }
    }

    /// The operation of the request under way (for errors the driver makes:
    /// a deadline or an abort while it was sent or awaited).
    pub fn operation(&self) -> Operation {
        self.operation_of(&self.current)
    }

    /// The error of the failure that a [`Command::Wait`] or
    /// [`Command::RefreshToken`] follows (for `onRetry`).
    pub fn last_error(&self) -> Option<&CdfError> {
        self.last_error.as_ref()
    }

    /// One step: what `event` means, and what to do next. `ledger` holds
    /// every nonce this call (or batch) sent.
    pub fn step(&mut self, event: Event, clock: Clock, ledger: &mut NonceLedger) -> Command {
        if self.done {
            // A finished machine stays finished; the driver never steps it again.
            return Command::Done(Err(Ended::Own(CdfError::invalid_response(
                self.operation(),
                "body",
                "arrived after the call ended",
            ))));
        }
        match event {
            Event::Start => self.send_current(ledger),
            Event::Answered(body, request_id) => self.answered(body, request_id, ledger),
            Event::Failed {
                error,
                outcome,
                retry_after,
            } => self.failed(error, outcome, retry_after.as_deref(), clock),
            Event::TokenRefreshed { changed } => {
                if changed {
                    // Resent once with the new token (the same nonce: a plain 401
                    // did not bind it).
                    self.last_error = None;
                    self.send_current(ledger)
                } else {
                    self.finish_with_last()
                }
            }
            Event::Waited => {
                self.last_error = None;
                self.send_current(ledger)
            }
        }
    }

    /// Sends [`Exchange::current`]; a retry's nonce is recorded in the ledger
    /// (sending it again after a 429 or a plain 401 is not a new use).
    fn send_current(&mut self, ledger: &mut NonceLedger) -> Command {
        if let Request::Retry(nonce) = &self.current {
            let _ = ledger.record(nonce);
        }
        Command::Send(self.current.clone())
    }

    fn answered(
        &mut self,
        body: Value,
        request_id: Option<String>,
        ledger: &mut NonceLedger,
    ) -> Command {
        if self.current != Request::Session {
            self.done = true;
            return Command::Done(Ok((body, request_id)));
        }
        let op = Operation::CreateSession;
        let nonce = match nonce_from_answer(&body) {
            Ok(n) => Secret::new(n),
            Err((field, problem)) => {
                return self.end(Ended::Own(
                    CdfError::invalid_response(op, field, problem).with_request_id(request_id),
                ))
            }
        };
        if ledger.was_sent(&nonce) {
            return self.end(Ended::Own(
                CdfError::invalid_response(
                    op,
                    "items[0].nonce",
                    "is a nonce already sent, which must not be sent again",
                )
                .with_request_id(request_id),
            ));
        }
        self.current = Request::Retry(nonce);
        self.send_current(ledger)
    }

    fn failed(
        &mut self,
        error: CdfError,
        outcome: Outcome,
        retry_after: Option<&str>,
        clock: Clock,
    ) -> Command {
        let op = self.operation();
        let nonce_is_ours = matches!(
            self.plan,
            Plan::Retry {
                nonce_is_ours: true
            }
        );
        let tries = if self.current == Request::Session {
            self.session
        } else {
            self.main
        };
        let situation = Situation {
            operation: op,
            nonce_is_ours,
            can_refresh_token: self.has_provider && !tries.refreshed,
            retries: tries.retries,
            max_retries: self.max_retries,
        };
        self.last_error = Some(error);
        match decide(outcome, situation) {
            Action::Fail => self.finish_with_last(),
            Action::RefreshToken => {
                self.tries_mut().refreshed = true;
                Command::RefreshToken
            }
            action @ (Action::Resend | Action::ResendWithNewSession) => {
                let ms = wait_ms(tries.retries, retry_after, clock.now_ms, clock.random);
                if !wait_fits(clock.now_ms, ms, clock.deadline_ms) {
                    return self.finish_with_last();
                }
                self.tries_mut().retries += 1;
                let new_session = action == Action::ResendWithNewSession;
                if new_session {
                    // A nonce that may have been bound is never sent again.
                    self.current = Request::Session;
                    self.session = Tries::default();
                }
                Command::Wait { ms, new_session }
            }
        }
    }

    fn tries_mut(&mut self) -> &mut Tries {
        if self.current == Request::Session {
            &mut self.session
        } else {
            &mut self.main
        }
    }

    fn finish_with_last(&mut self) -> Command {
        let error = self.last_error.take().unwrap_or_else(|| {
            CdfError::invalid_response(self.operation(), "body", "was not answered")
        });
        self.end(Ended::LastFailure(error))
    }

    fn end(&mut self, ended: Ended) -> Command {
        self.done = true;
        Command::Done(Err(ended))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        now_ms: 1_000_000.0,
        random: 0.5,
        deadline_ms: 1_060_000.0,
    };

    fn err(op: Operation, status: u16) -> CdfError {
        CdfError::api(
            op,
            status,
            "",
            None,
            None,
            &crate::secret::Redactor::default(),
        )
    }

    fn status(op: Operation, status: u16) -> Event {
        Event::Failed {
            error: err(op, status),
            outcome: Outcome::Status {
                status,
                auto_retryable: false,
            },
            retry_after: None,
        }
    }

    fn auto(op: Operation, status: u16) -> Event {
        Event::Failed {
            error: err(op, status),
            outcome: Outcome::Status {
                status,
                auto_retryable: true,
            },
            retry_after: None,
        }
    }

    fn network(op: Operation) -> Event {
        Event::Failed {
            error: err(op, 599),
            outcome: Outcome::Network,
            retry_after: None,
        }
    }

    fn session(nonce: &str) -> Event {
        Event::Answered(
            Value::object([(
                "items",
                Value::Array(vec![Value::object([(
                    "nonce",
                    Value::String(nonce.into()),
                )])]),
            )]),
            None,
        )
    }

    fn ok() -> Event {
        Event::Answered(Value::object([("id", Value::String("x".into()))]), None)
    }

    fn retry_with(nonce: &str) -> Command {
        Command::Send(Request::Retry(Secret::new(nonce)))
    }

    /// Steps `m` through `events`, returning every command.
    fn run(m: &mut Exchange, ledger: &mut NonceLedger, events: Vec<Event>) -> Vec<Command> {
        events
            .into_iter()
            .map(|e| m.step(e, CLOCK, ledger))
            .collect()
    }

    fn is_wait(c: &Command, new_session: bool) -> bool {
        matches!(c, Command::Wait { new_session: n, .. } if *n == new_session)
    }

    #[test]
    fn a_module_nonce_is_replaced_after_every_ambiguous_failure_and_never_resent() {
        let op = Operation::RetryExecution;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::retry(None, 3, false);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                session("n1"),
                status(op, 503),
                Event::Waited,
                session("n2"),
                network(op),
                Event::Waited,
                session("n3"),
                auto(op, 429),
                Event::Waited,
                session("n4"),
                ok(),
            ],
        );
        assert_eq!(c[0], Command::Send(Request::Session));
        assert_eq!(c[1], retry_with("n1"));
        assert!(is_wait(&c[2], true));
        assert_eq!(c[3], Command::Send(Request::Session));
        assert_eq!(c[4], retry_with("n2"));
        assert!(is_wait(&c[5], true));
        assert_eq!(c[7], retry_with("n3"));
        // Ambiguity wins: a 429 with cdf-is-auto-retryable is not resent with n3.
        assert!(is_wait(&c[8], true));
        assert_eq!(c[10], retry_with("n4"));
        assert!(matches!(c[11], Command::Done(Ok(_))));
        assert_eq!(ledger.len(), 4);
    }

    #[test]
    fn a_429_or_a_plain_401_resends_the_same_nonce() {
        let op = Operation::RetryExecution;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::retry(Some(Secret::new("given")), 3, true);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                status(op, 429),
                Event::Waited,
                status(op, 401),
                Event::TokenRefreshed { changed: true },
                ok(),
            ],
        );
        assert_eq!(c[0], retry_with("given"));
        assert!(is_wait(&c[1], false));
        assert_eq!(c[2], retry_with("given"));
        assert_eq!(c[3], Command::RefreshToken);
        assert_eq!(c[4], retry_with("given"));
        assert!(matches!(c[5], Command::Done(Ok(_))));
        assert_eq!(
            ledger.len(),
            1,
            "one nonce, sent again only after 429 and 401"
        );
    }

    #[test]
    fn a_callers_nonce_is_never_resent_after_an_ambiguous_failure() {
        for event in [
            status(Operation::RetryExecution, 502),
            status(Operation::RetryExecution, 503),
            status(Operation::RetryExecution, 504),
            network(Operation::RetryExecution),
            auto(Operation::RetryExecution, 401),
            auto(Operation::RetryExecution, 429),
            auto(Operation::RetryExecution, 400),
        ] {
            let mut ledger = NonceLedger::default();
            let mut m = Exchange::retry(Some(Secret::new("given")), 3, true);
            let c = run(&mut m, &mut ledger, vec![Event::Start, event.clone()]);
            assert!(
                matches!(&c[1], Command::Done(Err(Ended::LastFailure(_)))),
                "{event:?}: {:?}",
                c[1]
            );
        }
    }

    #[test]
    fn a_401_refreshes_once_and_fails_when_the_token_did_not_change() {
        let op = Operation::GetExecution;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::read_only(op, 3, true);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                status(op, 401),
                Event::TokenRefreshed { changed: false },
            ],
        );
        assert_eq!(c[1], Command::RefreshToken);
        match &c[2] {
            Command::Done(Err(Ended::LastFailure(e))) => assert_eq!(e.status, Some(401)),
            other => panic!("{other:?}"),
        }
        // Asked again only once per request: a second 401 fails.
        let mut m = Exchange::read_only(op, 3, true);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                status(op, 401),
                Event::TokenRefreshed { changed: true },
                status(op, 401),
            ],
        );
        assert_eq!(c[2], Command::Send(Request::Plain));
        assert!(matches!(c[3], Command::Done(Err(_))));
        // Without a provider, a 401 fails at once.
        let mut m = Exchange::read_only(op, 3, false);
        let c = run(&mut m, &mut ledger, vec![Event::Start, status(op, 401)]);
        assert!(matches!(c[1], Command::Done(Err(_))));
    }

    #[test]
    fn read_only_requests_are_resent_up_to_max_retries() {
        for op in [
            Operation::ListExecutions,
            Operation::GetExecution,
            Operation::CancelExecution,
            Operation::ListTriggerRuns,
        ] {
            let mut ledger = NonceLedger::default();
            let mut m = Exchange::read_only(op, 2, false);
            let c = run(
                &mut m,
                &mut ledger,
                vec![
                    Event::Start,
                    status(op, 503),
                    Event::Waited,
                    auto(op, 400),
                    Event::Waited,
                    network(op),
                ],
            );
            assert!(is_wait(&c[1], false), "{op:?}");
            assert!(is_wait(&c[3], false), "{op:?}");
            assert!(matches!(c[5], Command::Done(Err(_))), "{op:?}: two retries");
            assert!(ledger.is_empty(), "no nonce");
            // Other 4xx are never resent.
            let mut m = Exchange::read_only(op, 2, false);
            let c = run(&mut m, &mut ledger, vec![Event::Start, status(op, 404)]);
            assert!(matches!(c[1], Command::Done(Err(_))));
        }
    }

    #[test]
    fn waits_follow_retry_after_and_never_pass_the_deadline() {
        let op = Operation::ListExecutions;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::read_only(op, 3, false);
        m.step(Event::Start, CLOCK, &mut ledger);
        let with_header = Event::Failed {
            error: err(op, 429),
            outcome: Outcome::Status {
                status: 429,
                auto_retryable: false,
            },
            retry_after: Some("7".into()),
        };
        assert_eq!(
            m.step(with_header.clone(), CLOCK, &mut ledger),
            Command::Wait {
                ms: 7000.0,
                new_session: false
            }
        );
        m.step(Event::Waited, CLOCK, &mut ledger);
        // Full jitter: random × min(30 s, 0.5 s × 2^n); n = 1 here.
        assert_eq!(
            m.step(status(op, 503), CLOCK, &mut ledger),
            Command::Wait {
                ms: 500.0,
                new_session: false
            }
        );
        m.step(Event::Waited, CLOCK, &mut ledger);
        let late = Clock {
            deadline_ms: CLOCK.now_ms + 6999.0,
            ..CLOCK
        };
        match m.step(with_header, late, &mut ledger) {
            Command::Done(Err(Ended::LastFailure(e))) => assert_eq!(e.status, Some(429)),
            other => panic!("a wait past the deadline is not started: {other:?}"),
        }
    }

    #[test]
    fn a_session_answering_a_nonce_already_sent_ends_the_call() {
        let op = Operation::RetryExecution;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::retry(None, 3, false);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                session("same"),
                status(op, 503),
                Event::Waited,
                session("same"),
            ],
        );
        match &c[4] {
            Command::Done(Err(Ended::Own(e))) => {
                assert_eq!(e.operation, Some(Operation::CreateSession));
                assert_eq!(e.field.as_deref(), Some("items[0].nonce"));
            }
            other => panic!("{other:?}"),
        }
        // A batch shares the ledger: another execution's session answering it fails too.
        let mut other = Exchange::retry(None, 3, false);
        let c = run(&mut other, &mut ledger, vec![Event::Start, session("same")]);
        assert!(matches!(c[1], Command::Done(Err(Ended::Own(_)))));
    }

    #[test]
    fn session_requests_have_their_own_retry_count_and_rules() {
        let op = Operation::CreateSession;
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::retry(None, 1, false);
        let c = run(
            &mut m,
            &mut ledger,
            vec![
                Event::Start,
                status(op, 503),
                Event::Waited,
                status(op, 503),
            ],
        );
        assert!(is_wait(&c[1], false), "a session is resent on 503");
        assert!(matches!(c[3], Command::Done(Err(_))), "maxRetries 1");
        let mut m = Exchange::retry(None, 3, false);
        let c = run(&mut m, &mut ledger, vec![Event::Start, status(op, 400)]);
        assert!(matches!(c[1], Command::Done(Err(_))), "other 4xx fail");
        // An unusable session answer is invalid_response on its field.
        let mut m = Exchange::retry(None, 3, false);
        let c = run(
            &mut m,
            &mut ledger,
            vec![Event::Start, Event::Answered(Value::object([]), None)],
        );
        match &c[1] {
            Command::Done(Err(Ended::Own(e))) => assert_eq!(e.field.as_deref(), Some("items")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_operation_follows_the_request_under_way() {
        let mut ledger = NonceLedger::default();
        let mut m = Exchange::retry(None, 3, false);
        assert_eq!(m.operation(), Operation::CreateSession);
        m.step(Event::Start, CLOCK, &mut ledger);
        m.step(session("n"), CLOCK, &mut ledger);
        assert_eq!(m.operation(), Operation::RetryExecution);
        m.step(status(Operation::RetryExecution, 503), CLOCK, &mut ledger);
        assert_eq!(m.last_error().and_then(|e| e.status), Some(503));
        assert_eq!(
            m.operation(),
            Operation::CreateSession,
            "a new session comes next"
        );
    }

    #[test]
    fn redirects_are_never_followed_nor_resent() {
        for code in [301, 302, 303, 307, 308] {
            let mut ledger = NonceLedger::default();
            let mut m = Exchange::retry(None, 3, true);
            let c = run(
                &mut m,
                &mut ledger,
                vec![
                    Event::Start,
                    session("n"),
                    status(Operation::RetryExecution, code),
                ],
            );
            assert!(
                matches!(c[2], Command::Done(Err(Ended::LastFailure(_)))),
                "{code}"
            );
            let mut m = Exchange::read_only(Operation::ListExecutions, 3, true);
            let c = run(
                &mut m,
                &mut ledger,
                vec![Event::Start, status(Operation::ListExecutions, code)],
            );
            assert!(matches!(c[1], Command::Done(Err(_))), "{code}");
            assert_eq!(ledger.len(), 1, "the one nonce, sent once");
        }
    }
}
