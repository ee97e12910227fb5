//! Every call of the package as a pure state machine over the request engine
//! ([`crate::engine`]): [`Call::step`] takes what happened ([`CallEvent`]) and
//! the driver's [`Clock`], and answers what to do next ([`CallCommand`]):
//! begin (ask the token provider for the first token), run one exchange (a
//! request with its retry rules), sleep, tell `onProgress`, or finish with
//! the answer as JSON text (which the driver hands to `JSON.parse`). The one
//! async driver in the wasm-bindgen layer performs the commands; every
//! export is its options parsed, one of these machines built, and that driver.
//!
//! An endpoint is a declaration here: [`OneRequest`] serves `getExecution`,
//! `cancelExecution` and `retryExecution` (a target, an operation and an
//! answer check); [`ListExecutions`] and [`ListTriggerRuns`] follow cursors
//! with the shared [`Pager`]; [`WaitForExecution`] polls on the schedule of
//! [`crate::poll`]. Tests drive them with made-up events and a fake clock.

use crate::details::check_details;
use crate::engine::{Clock, Exchange};
use crate::error::{CdfError, ErrorKind, Operation};
use crate::execution::{check_execution, check_identity, Fault, WorkflowExecution};
use crate::filter::ListQuery;
use crate::json::ToJson;
use crate::list::{check_page, Pager};
use crate::poll::{is_settled, next_poll, PollStep};
use crate::secret::Secret;
use crate::triggers::{check_runs_page, history_url, keep_status, TriggerRun};
use crate::value::Value;

/// An HTTP method the package sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET` (no body).
    Get,
    /// `POST` (a JSON or form body).
    Post,
}

/// Where one exchange's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One request of a read-only plan.
    Plain {
        /// `GET` or `POST`.
        method: HttpMethod,
        /// The full URL.
        url: String,
        /// The body, for a `POST`.
        body: Option<String>,
    },
    /// The session and retry requests of one execution's retry.
    Retry {
        /// The execution (lower case).
        execution_id: String,
        /// The sessions request's body (token exchange or client credentials).
        session_body: String,
    },
}

/// What a call's request plans know of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    /// `maxRetries`.
    pub max_retries: u32,
    /// Whether `token` is a provider (asked again after a 401).
    pub has_provider: bool,
}

/// What happened since the last command.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// The call begins.
    Start,
    /// [`CallCommand::Begin`] is done (the first token is known).
    Began,
    /// The exchange ended with a 2xx answer: its body and `x-request-id`.
    Answered(Value, Option<String>),
    /// The exchange (or a sleep) failed with an error of this kind; the driver
    /// keeps the failure itself.
    Failed(ErrorKind),
    /// The sleep ended.
    Slept,
    /// `onProgress` was told.
    Progressed,
}

/// What the call's driver does next.
#[derive(Debug, Clone, PartialEq)]
pub enum CallCommand {
    /// Before the first request of `operation`: end at once when the call is
    /// already stopped, and ask the token provider for the first token.
    Begin(Operation),
    /// Run this exchange to its end (its retries included).
    Exchange(Exchange, Target),
    /// Wait `ms` (the deadline and signal still stop it: the stop is a
    /// failure of `operation`).
    Sleep {
        /// How long, in milliseconds.
        ms: f64,
        /// The operation the stop is reported for.
        operation: Operation,
    },
    /// Call `onProgress` with this JSON value.
    Progress(String),
    /// The call is over.
    Done(Result<Output, CallEnded>),
}

/// A call's result.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// This JSON text.
    Json(String),
    /// The value last given to `onProgress` (the same object).
    LastProgress,
}

/// Why a call ended without a result.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEnded {
    /// With the failure of the last exchange or sleep, as it was.
    LastFailure,
    /// With an error of the machine's own (an answer that failed its check).
    Own(CdfError),
    /// `waitForExecution`'s deadline passed: the timeout naming the last status seen.
    WaitTimeout {
        /// The status of the last successful poll.
        last_status: Option<String>,
    },
}

/// A call, stepped by the driver. (Not `Debug`: the vtable of `Box<dyn Call>`
/// would pull every machine's `Debug`, float printing included, into the wasm.)
pub trait Call {
    /// One step: what `event` means, and what to do next.
    fn step(&mut self, event: CallEvent, clock: Clock) -> CallCommand;
    /// The call's operation, for errors about the call as a whole.
    fn operation(&self) -> Operation;
}

/// A schema fault of a 2xx answer as the call's own `invalid_response`.
fn bad_answer(op: Operation, request_id: Option<String>, (field, problem): Fault) -> CallEnded {
    CallEnded::Own(CdfError::invalid_response(op, field, problem).with_request_id(request_id))
}

/// How a one-request call checks its 2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerCheck {
    /// An execution (retry, cancel): [`execution_answer`].
    Execution,
    /// An execution with its tasks (`getExecution`): [`details_answer`].
    Details,
}

impl AnswerCheck {
    fn run(self, answer: &Value, execution_id: &str) -> Result<String, Fault> {
        match self {
            AnswerCheck::Execution => execution_answer(answer, execution_id),
            AnswerCheck::Details => details_answer(answer, execution_id),
        }
    }
}

/// An execution answer (retry, cancel): the schema and the identity rule.
pub fn execution_answer(answer: &Value, execution_id: &str) -> Result<String, Fault> {
    let e: WorkflowExecution = check_execution(answer)?;
    check_identity(&e, execution_id)?;
    Ok(e.to_json())
}

/// A details answer (`getExecution`): the schema, tasks and the identity rule.
pub fn details_answer(answer: &Value, execution_id: &str) -> Result<String, Fault> {
    check_details(answer, execution_id).map(|d| d.to_json())
}

/// One exchange and its answer's check: `getExecution`, `cancelExecution`,
/// `retryExecution`.
#[derive(Debug, Clone, PartialEq)]
pub struct OneRequest {
    first: Operation,
    operation: Operation,
    plan: Exchange,
    target: Target,
    execution_id: String,
    check: AnswerCheck,
    began: bool,
}

impl OneRequest {
    /// `GET …/executions/{id}` (read-only), checked as details.
    pub fn get_execution(url: String, execution_id: String, knobs: Knobs) -> Self {
        let op = Operation::GetExecution;
        OneRequest::read_only(
            op,
            HttpMethod::Get,
            url,
            None,
            execution_id,
            AnswerCheck::Details,
            knobs,
        )
    }

    /// `POST …/executions/{id}/cancel` (read-only rules), checked as an execution.
    pub fn cancel_execution(url: String, body: String, execution_id: String, knobs: Knobs) -> Self {
        let op = Operation::CancelExecution;
        OneRequest::read_only(
            op,
            HttpMethod::Post,
            url,
            Some(body),
            execution_id,
            AnswerCheck::Execution,
            knobs,
        )
    }

    /// The retry of one execution (sessions and the nonce rules), with the
    /// caller's `nonce` or sessions made from `session_body`.
    pub fn retry_execution(
        execution_id: String,
        nonce: Option<Secret>,
        session_body: String,
        knobs: Knobs,
    ) -> Self {
        let first = if nonce.is_some() {
            Operation::RetryExecution
        } else {
            Operation::CreateSession
        };
        OneRequest {
            first,
            operation: Operation::RetryExecution,
            plan: Exchange::retry(nonce, knobs.max_retries, knobs.has_provider),
            target: Target::Retry {
                execution_id: execution_id.clone(),
                session_body,
            },
            execution_id,
            check: AnswerCheck::Execution,
            began: false,
        }
    }

    fn read_only(
        op: Operation,
        method: HttpMethod,
        url: String,
        body: Option<String>,
        execution_id: String,
        check: AnswerCheck,
        knobs: Knobs,
    ) -> Self {
        OneRequest {
            first: op,
            operation: op,
            plan: Exchange::read_only(op, knobs.max_retries, knobs.has_provider),
            target: Target::Plain { method, url, body },
            execution_id,
            check,
            began: false,
        }
    }
}

impl Call for OneRequest {
    fn step(&mut self, event: CallEvent, _clock: Clock) -> CallCommand {
        match event {
            CallEvent::Start => CallCommand::Begin(self.first),
            CallEvent::Began if !self.began => {
                self.began = true;
                CallCommand::Exchange(self.plan.clone(), self.target.clone())
            }
            CallEvent::Answered(answer, request_id) => CallCommand::Done(
                self.check
                    .run(&answer, &self.execution_id)
                    .map(Output::Json)
                    .map_err(|f| bad_answer(self.operation, request_id, f)),
            ),
            _ => CallCommand::Done(Err(CallEnded::LastFailure)),
        }
    }

    fn operation(&self) -> Operation {
        self.operation
    }
}

/// Writes `items` as a JSON array.
fn json_array<T: ToJson>(items: &[T]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.write_json(&mut out);
    }
    out.push(']');
    out
}

/// `listExecutions` (and the listing of `retryExecutions` with a filter):
/// `POST …/executions/list` page by page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListExecutions {
    url: String,
    query: ListQuery,
    pager: Pager,
    knobs: Knobs,
}

impl ListExecutions {
    /// A listing of `query` at `url` (`list_url`).
    pub fn new(url: String, query: ListQuery, knobs: Knobs) -> Self {
        let pager = Pager::new(query.limit);
        ListExecutions {
            url,
            query,
            pager,
            knobs,
        }
    }

    /// The executions listed so far (for `retryExecutions`).
    pub fn executions(&self) -> &[WorkflowExecution] {
        self.pager.items()
    }

    fn next_page(&self) -> CallCommand {
        let op = Operation::ListExecutions;
        match self.pager.body(&self.query.filter) {
            Some(body) => CallCommand::Exchange(
                Exchange::read_only(op, self.knobs.max_retries, self.knobs.has_provider),
                Target::Plain {
                    method: HttpMethod::Post,
                    url: self.url.clone(),
                    body: Some(body),
                },
            ),
            None => CallCommand::Done(Ok(Output::Json(json_array(self.pager.items())))),
        }
    }
}

impl Call for ListExecutions {
    fn step(&mut self, event: CallEvent, _clock: Clock) -> CallCommand {
        let op = Operation::ListExecutions;
        match event {
            CallEvent::Start => CallCommand::Begin(op),
            CallEvent::Began => self.next_page(),
            CallEvent::Answered(answer, request_id) => {
                let accepted = check_page(&answer, self.pager.offset())
                    .and_then(|page| self.pager.accept(page));
                match accepted {
                    Ok(()) => self.next_page(),
                    Err(f) => CallCommand::Done(Err(bad_answer(op, request_id, f))),
                }
            }
            _ => CallCommand::Done(Err(CallEnded::LastFailure)),
        }
    }

    fn operation(&self) -> Operation {
        Operation::ListExecutions
    }
}

/// `listTriggerRuns`: `GET …/triggers/{id}/history` page by page, the
/// `status` filter applied before the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTriggerRuns {
    origin: String,
    project: String,
    trigger: String,
    status: Option<String>,
    pager: Pager<TriggerRun>,
    /// Runs received so far, before the filter (for `items[i]` in faults).
    received: usize,
    knobs: Knobs,
}

impl ListTriggerRuns {
    /// The runs of `trigger`, at most `limit` after the `status` filter.
    pub fn new(
        origin: String,
        project: String,
        trigger: String,
        status: Option<String>,
        limit: u32,
        knobs: Knobs,
    ) -> Self {
        ListTriggerRuns {
            origin,
            project,
            trigger,
            status,
            pager: Pager::new(limit),
            received: 0,
            knobs,
        }
    }

    fn next_page(&self) -> CallCommand {
        let op = Operation::ListTriggerRuns;
        match self.pager.next_request() {
            Some(request) => CallCommand::Exchange(
                Exchange::read_only(op, self.knobs.max_retries, self.knobs.has_provider),
                Target::Plain {
                    method: HttpMethod::Get,
                    url: history_url(&self.origin, &self.project, &self.trigger, &request),
                    body: None,
                },
            ),
            None => CallCommand::Done(Ok(Output::Json(json_array(self.pager.items())))),
        }
    }
}

impl Call for ListTriggerRuns {
    fn step(&mut self, event: CallEvent, _clock: Clock) -> CallCommand {
        let op = Operation::ListTriggerRuns;
        match event {
            CallEvent::Start => CallCommand::Begin(op),
            CallEvent::Began => self.next_page(),
            CallEvent::Answered(answer, request_id) => {
                let page = match check_runs_page(&answer, self.received) {
                    Ok(page) => page,
                    Err(f) => return CallCommand::Done(Err(bad_answer(op, request_id, f))),
                };
                self.received = self.received.saturating_add(page.items.len());
                let kept = keep_status(page.items, self.status.as_deref());
                match self.pager.accept_items(kept, page.next_cursor) {
                    Ok(()) => self.next_page(),
                    Err(f) => CallCommand::Done(Err(bad_answer(op, request_id, f))),
                }
            }
            _ => CallCommand::Done(Err(CallEnded::LastFailure)),
        }
    }

    fn operation(&self) -> Operation {
        Operation::ListTriggerRuns
    }
}

/// `waitForExecution`: polls `getExecution` until the status is anything but
/// `RUNNING`; the first poll at once, then the schedule of [`next_poll`]; a
/// poll wait that would pass the deadline, or the deadline passing, ends it
/// with the timeout naming the last status seen.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitForExecution {
    url: String,
    execution_id: String,
    poll_interval_ms: u32,
    has_on_progress: bool,
    knobs: Knobs,
    polls: u32,
    last_status: Option<String>,
    /// The last poll's status was anything but `RUNNING`.
    settled: bool,
}

impl WaitForExecution {
    /// Waits for `execution_id` (details at `url`).
    pub fn new(
        url: String,
        execution_id: String,
        poll_interval_ms: u32,
        has_on_progress: bool,
        knobs: Knobs,
    ) -> Self {
        WaitForExecution {
            url,
            execution_id,
            poll_interval_ms,
            has_on_progress,
            knobs,
            polls: 0,
            last_status: None,
            settled: false,
        }
    }

    fn poll(&self) -> CallCommand {
        let op = Operation::GetExecution;
        CallCommand::Exchange(
            Exchange::read_only(op, self.knobs.max_retries, self.knobs.has_provider),
            Target::Plain {
                method: HttpMethod::Get,
                url: self.url.clone(),
                body: None,
            },
        )
    }

    fn next(&self, clock: Clock) -> CallCommand {
        match next_poll(
            self.poll_interval_ms,
            self.polls,
            clock.now_ms,
            clock.deadline_ms,
        ) {
            PollStep::Poll => self.poll(),
            PollStep::Wait(ms) => CallCommand::Sleep {
                ms,
                operation: Operation::GetExecution,
            },
            PollStep::GiveUp => self.timed_out(),
        }
    }

    fn timed_out(&self) -> CallCommand {
        CallCommand::Done(Err(CallEnded::WaitTimeout {
            last_status: self.last_status.clone(),
        }))
    }
}

impl Call for WaitForExecution {
    fn step(&mut self, event: CallEvent, clock: Clock) -> CallCommand {
        let op = Operation::GetExecution;
        match event {
            CallEvent::Start => CallCommand::Begin(op),
            // The first poll at once; after a wait, the poll it waited for.
            CallEvent::Began | CallEvent::Slept => self.poll(),
            CallEvent::Answered(answer, request_id) => {
                let details = match check_details(&answer, &self.execution_id) {
                    Ok(d) => d,
                    Err(f) => return CallCommand::Done(Err(bad_answer(op, request_id, f))),
                };
                self.polls = self.polls.saturating_add(1);
                self.settled = is_settled(&details.execution.status);
                if !self.settled {
                    self.last_status = Some(details.execution.status.clone());
                }
                let json = details.to_json();
                if self.has_on_progress {
                    CallCommand::Progress(json)
                } else if self.settled {
                    CallCommand::Done(Ok(Output::Json(json)))
                } else {
                    self.next(clock)
                }
            }
            // A settled wait resolves to the very object onProgress was given.
            CallEvent::Progressed if self.settled => CallCommand::Done(Ok(Output::LastProgress)),
            CallEvent::Progressed => self.next(clock),
            CallEvent::Failed(ErrorKind::Timeout) => self.timed_out(),
            CallEvent::Failed(_) => CallCommand::Done(Err(CallEnded::LastFailure)),
        }
    }

    fn operation(&self) -> Operation {
        Operation::GetExecution
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::ExecutionFilter;

    const ID: &str = "059edaa4-a17a-4102-910e-2c3591500cce";
    const KNOBS: Knobs = Knobs {
        max_retries: 3,
        has_provider: false,
    };

    fn clock(now_ms: f64) -> Clock {
        Clock {
            now_ms,
            random: 0.5,
            deadline_ms: 10_000.0,
        }
    }

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn execution(id: &str, status: &str) -> Value {
        Value::object([
            ("id", s(id)),
            ("workflowExternalId", s("wf")),
            ("status", s(status)),
            ("engineExecutionId", s(ID)),
            ("createdTime", Value::Number(1.0)),
            ("metadata", Value::object([])),
        ])
    }

    fn details(status: &str) -> Value {
        let Value::Object(mut entries) = execution(ID, status) else {
            return Value::Null;
        };
        entries.push(("executedTasks".into(), Value::Array(vec![])));
        entries.push((
            "workflowDefinition".into(),
            Value::object([("hash", s("h")), ("tasks", Value::Array(vec![]))]),
        ));
        Value::Object(entries)
    }

    fn sends(c: &CallCommand) -> Option<&Target> {
        match c {
            CallCommand::Exchange(_, t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn one_request_begins_sends_and_checks_its_answer() {
        let mut call = OneRequest::cancel_execution("u".into(), "{}".into(), ID.into(), KNOBS);
        assert_eq!(
            call.step(CallEvent::Start, clock(0.0)),
            CallCommand::Begin(Operation::CancelExecution)
        );
        let target = Target::Plain {
            method: HttpMethod::Post,
            url: "u".into(),
            body: Some("{}".into()),
        };
        assert_eq!(
            sends(&call.step(CallEvent::Began, clock(0.0))),
            Some(&target)
        );
        match call.step(
            CallEvent::Answered(execution(ID, "TERMINATED"), None),
            clock(0.0),
        ) {
            CallCommand::Done(Ok(Output::Json(json))) => assert!(json.contains("TERMINATED")),
            other => panic!("{other:?}"),
        }
        // The identity rule: an answer about another execution.
        let mut call = OneRequest::cancel_execution("u".into(), "{}".into(), ID.into(), KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        let other = "11111111-1111-4111-8111-111111111111";
        match call.step(
            CallEvent::Answered(execution(other, "TERMINATED"), Some("r".into())),
            clock(0.0),
        ) {
            CallCommand::Done(Err(CallEnded::Own(e))) => {
                assert_eq!(e.field.as_deref(), Some("id"));
                assert_eq!(e.operation, Some(Operation::CancelExecution));
                assert_eq!(e.request_id.as_deref(), Some("r"));
            }
            other => panic!("{other:?}"),
        }
        // A failed exchange ends the call with that failure.
        let mut call = OneRequest::get_execution("u".into(), ID.into(), KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        assert_eq!(
            call.step(CallEvent::Failed(ErrorKind::Api), clock(0.0)),
            CallCommand::Done(Err(CallEnded::LastFailure))
        );
    }

    #[test]
    fn a_retry_with_a_given_nonce_begins_with_the_retry_itself() {
        let mut call =
            OneRequest::retry_execution(ID.into(), Some(Secret::new("n")), "{}".into(), KNOBS);
        assert_eq!(
            call.step(CallEvent::Start, clock(0.0)),
            CallCommand::Begin(Operation::RetryExecution)
        );
        let mut call = OneRequest::retry_execution(ID.into(), None, "{}".into(), KNOBS);
        assert_eq!(
            call.step(CallEvent::Start, clock(0.0)),
            CallCommand::Begin(Operation::CreateSession)
        );
        assert!(matches!(
            call.step(CallEvent::Began, clock(0.0)),
            CallCommand::Exchange(_, Target::Retry { .. })
        ));
    }

    #[test]
    fn listing_follows_cursors_and_refuses_a_cycle() {
        let query = ListQuery {
            filter: ExecutionFilter::default(),
            limit: 10,
        };
        let mut call = ListExecutions::new("u".into(), query, KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        assert!(sends(&call.step(CallEvent::Began, clock(0.0))).is_some());
        let page = |cursor: &str| {
            Value::object([
                ("items", Value::Array(vec![execution(ID, "FAILED")])),
                ("nextCursor", s(cursor)),
            ])
        };
        let next = call.step(CallEvent::Answered(page("a"), None), clock(0.0));
        match sends(&next) {
            Some(Target::Plain { body: Some(b), .. }) => assert!(b.contains("\"cursor\":\"a\"")),
            other => panic!("{other:?}"),
        }
        call.step(CallEvent::Answered(page("b"), None), clock(0.0));
        match call.step(CallEvent::Answered(page("a"), None), clock(0.0)) {
            CallCommand::Done(Err(CallEnded::Own(e))) => {
                assert_eq!(e.field.as_deref(), Some("nextCursor"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(call.executions().len(), 3);
    }

    #[test]
    fn trigger_runs_are_filtered_before_the_limit() {
        let mut call = ListTriggerRuns::new(
            "o".into(),
            "p".into(),
            "t".into(),
            Some("failed".into()),
            2,
            KNOBS,
        );
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        let run = |status: &str| {
            Value::object([
                ("externalId", s("t")),
                ("fireTime", Value::Number(1.0)),
                ("workflowExternalId", s("wf")),
                ("workflowVersion", s("1")),
                ("status", s(status)),
            ])
        };
        let page = Value::object([
            ("items", Value::Array(vec![run("success"), run("failed")])),
            ("nextCursor", s("c")),
        ]);
        match sends(&call.step(CallEvent::Answered(page.clone(), None), clock(0.0))) {
            Some(Target::Plain { url, .. }) => assert!(url.ends_with("limit=1&cursor=c"), "{url}"),
            other => panic!("{other:?}"),
        }
        let page2 = Value::object([
            ("items", Value::Array(vec![run("failed"), run("failed")])),
            ("nextCursor", s("d")),
        ]);
        match call.step(CallEvent::Answered(page2, None), clock(0.0)) {
            CallCommand::Done(Ok(Output::Json(json))) => {
                assert_eq!(json.matches("\"failed\"").count(), 2)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn waiting_polls_on_the_schedule_and_names_the_last_status_when_it_gives_up() {
        let mut call = WaitForExecution::new("u".into(), ID.into(), 1000, true, KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        assert!(
            sends(&call.step(CallEvent::Began, clock(0.0))).is_some(),
            "first poll at once"
        );
        assert!(matches!(
            call.step(CallEvent::Answered(details("RUNNING"), None), clock(0.0)),
            CallCommand::Progress(_)
        ));
        assert_eq!(
            call.step(CallEvent::Progressed, clock(0.0)),
            CallCommand::Sleep {
                ms: 1000.0,
                operation: Operation::GetExecution
            }
        );
        assert!(sends(&call.step(CallEvent::Slept, clock(1000.0))).is_some());
        call.step(CallEvent::Answered(details("RUNNING"), None), clock(1000.0));
        // The next wait (2000 ms) would pass the 10 s deadline at 9 s: give up now.
        assert_eq!(
            call.step(CallEvent::Progressed, clock(9000.0)),
            CallCommand::Done(Err(CallEnded::WaitTimeout {
                last_status: Some("RUNNING".into())
            }))
        );
        // A deadline during an exchange is the same timeout; other failures end as they were.
        let mut call = WaitForExecution::new("u".into(), ID.into(), 1000, false, KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        assert!(matches!(
            call.step(CallEvent::Failed(ErrorKind::Timeout), clock(0.0)),
            CallCommand::Done(Err(CallEnded::WaitTimeout { last_status: None }))
        ));
        let mut call = WaitForExecution::new("u".into(), ID.into(), 1000, false, KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        match call.step(CallEvent::Answered(details("FAILED"), None), clock(0.0)) {
            CallCommand::Done(Ok(Output::Json(json))) => assert!(json.contains("FAILED")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_settled_wait_with_on_progress_resolves_to_the_same_object() {
        let mut call = WaitForExecution::new("u".into(), ID.into(), 1000, true, KNOBS);
        call.step(CallEvent::Start, clock(0.0));
        call.step(CallEvent::Began, clock(0.0));
        assert!(matches!(
            call.step(CallEvent::Answered(details("COMPLETED"), None), clock(0.0)),
            CallCommand::Progress(_)
        ));
        assert_eq!(
            call.step(CallEvent::Progressed, clock(0.0)),
            CallCommand::Done(Ok(Output::LastProgress))
        );
    }
}
