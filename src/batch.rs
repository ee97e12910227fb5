//! `retryExecutions`: its options, and [`Batch`], the scheduler that keeps at
//! most `concurrency` retries in flight (a small pure state machine in the
//! manner of `p-limit`'s queue, driven by the wasm layer).
//!
//! Each execution is retried exactly as `retryExecution` does with a session
//! the module creates; `timeoutMs` and `maxRetries` apply to each one.

use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::fields::{bad, callback, exactly_one, integer, object, only_known_keys, OneOf};
use crate::filter::{parse_query, ListQuery, QUERY_KEYS, RETRYABLE_STATUS};
use crate::options::{client_credentials, ClientCredentials, DEFAULT_TIMEOUT_MS};
use crate::validate;
use crate::value::Value;

/// What `retryExecutions` adds to the connection options. `nonce` is refused
/// on its own terms: a nonce binds once, so each retry creates its session.
pub const RETRY_EXECUTIONS: CallSpec = CallSpec {
    name: "retryExecutions",
    own_keys: &[
        "executionIds",
        "filter",
        "clientCredentials",
        "concurrency",
        "onProgress",
    ],
    refused: &[(
        "nonce",
        "not be given: retryExecutions creates one session per execution (a nonce binds only once)",
    )],
    example:
        "{ project, cluster, token, executionIds: [\"059edaa4-a17a-4102-910e-2c3591500cce\"] }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Most `executionIds`.
pub const MAX_EXECUTION_IDS: usize = 1000;
/// Largest `concurrency`.
pub const MAX_CONCURRENCY: u64 = 16;
/// `concurrency` when absent.
pub const DEFAULT_CONCURRENCY: u32 = 4;

/// Which executions to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// These executions: 1 to 1000 UUIDs in lower case, each once, in the
    /// order of their first occurrence.
    Ids(Vec<String>),
    /// The executions `listExecutions` finds with this query (`status` only
    /// `FAILED`, `TIMED_OUT`, `TERMINATED`; all three by default).
    Filter(ListQuery),
}

/// Validated `retryExecutions` options.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryExecutionsOptions {
    /// The connection options; `timeoutMs` (default 60000) and `maxRetries` apply to each execution.
    pub connection: Connection,
    /// The executions to retry.
    pub targets: Targets,
    /// Create each session with these instead of by token exchange.
    pub credentials: Option<ClientCredentials>,
    /// How many executions are in flight at once: 1 to 16, default 4.
    pub concurrency: u32,
    /// Whether an `onProgress` function was given.
    pub has_on_progress: bool,
}

/// Validates `retryExecutions`' options: the connection options around
/// `executionIds` or `filter` (exactly one: otherwise `field` is
/// `"executionIds"`), `clientCredentials`, `concurrency`, `onProgress`.
pub fn parse_retry_executions_options(options: &Value) -> Result<RetryExecutionsOptions, CdfError> {
    let (connection, (targets, credentials, concurrency, has_on_progress)) =
        parse_call(options, &RETRY_EXECUTIONS, |o| {
            let get = |key: &str| o.get_present(key, false);
            let targets = match exactly_one(o, "executionIds", "filter")? {
                OneOf::First(ids) => Targets::Ids(execution_ids(ids)?),
                OneOf::Second(f) => Targets::Filter(filter(f)?),
            };
            let credentials = get("clientCredentials")
                .map(client_credentials)
                .transpose()?;
            let concurrency = match get("concurrency") {
                Some(c) => integer(
                    c,
                    "concurrency",
                    1,
                    MAX_CONCURRENCY,
                    "be an integer from 1 to 16",
                )? as u32,
                None => DEFAULT_CONCURRENCY,
            };
            let has_on_progress = callback(get("onProgress"), "onProgress")?;
            Ok((targets, credentials, concurrency, has_on_progress))
        })?;
    Ok(RetryExecutionsOptions {
        connection,
        targets,
        credentials,
        concurrency,
        has_on_progress,
    })
}

fn execution_ids(v: &Value) -> Result<Vec<String>, CdfError> {
    let items = match v {
        Value::Array(items) if (1..=MAX_EXECUTION_IDS).contains(&items.len()) => items,
        _ => {
            return Err(bad(
                "executionIds",
                "be an array of 1 to 1000 execution ids (UUIDs)",
            ))
        }
    };
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("executionIds[{i}]");
        const UUID: &str =
            "be a UUID of 36 characters with hyphens, e.g. \"059edaa4-a17a-4102-910e-2c3591500cce\"";
        let id = item.as_str().ok_or_else(|| bad(&field, UUID))?;
        ids.push(validate::uuid(id).map_err(|r| bad(&field, r))?);
    }
    Ok(unique_ids(ids))
}

fn filter(v: &Value) -> Result<ListQuery, CdfError> {
    let entries = object(
        v,
        "filter",
        "be an object such as { status: [\"FAILED\"], limit: 100 }",
    )?;
    only_known_keys(
        entries,
        &QUERY_KEYS,
        "filter.",
        "the retryExecutions filter",
    )?;
    parse_query(v, "filter.", RETRYABLE_STATUS)
}

/// `ids` in lower case, each once, in the order of its first occurrence
/// (for execution ids given, and for those a listing found).
pub fn unique_ids<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Vec<String> {
    // A sorted index finds repeats in O(n log n) without a hash table in the wasm.
    let all: Vec<String> = ids
        .into_iter()
        .map(|id| id.as_ref().to_ascii_lowercase())
        .collect();
    // Stable: among equal ids, the first occurrence comes first.
    let order = crate::value::stable_order(&all.iter().map(String::as_str).collect::<Vec<_>>());
    let mut keep = vec![false; all.len()];
    let mut previous: Option<&String> = None;
    for i in order {
        let id = all.get(i);
        if id != previous {
            if let Some(k) = keep.get_mut(i) {
                *k = true;
            }
        }
        previous = id;
    }
    all.into_iter()
        .zip(keep)
        .filter_map(|(id, k)| k.then_some(id))
        .collect()
}

/// Where one execution of a batch stands.
#[derive(Debug, Clone, PartialEq)]
enum Slot<T, E> {
    Waiting,
    Running,
    Retried(T),
    Failed(E),
}

/// One execution finished: what `onProgress` is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// How many executions have finished, this one included (aborted ones not counted).
    pub done: usize,
    /// How many executions the batch holds.
    pub total: usize,
    /// The execution that finished.
    pub execution_id: &'a str,
}

/// The batch's result: `retried` and `failed`, each in input (or list) order.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome<T, E> {
    /// The retried executions.
    pub retried: Vec<T>,
    /// The executions that failed (or were aborted), with their error.
    pub failed: Vec<(String, E)>,
}

/// The scheduling bookkeeping of `retryExecutions`: which execution starts
/// next, at most `concurrency` in flight, results kept in input order, and
/// after [`Batch::abort`] every unfinished execution failed and none started.
///
/// `T` is a retried execution, `E` an error (the wasm layer's, with its cause).
///
/// ```
/// # use cdf_workflow_retry::batch::Batch;
/// let mut batch: Batch<&str, &str> = Batch::new(["A", "b", "a"], 2);
/// assert_eq!(batch.total(), 2); // "A" and "a" are one execution
/// while let Some((index, _id)) = batch.start_next() {
///     // spawn the retry of `_id`; when it settles:
///     let progress = batch.finish(index, Ok("retried"));
///     assert!(progress.is_some()); // call onProgress
/// }
/// let outcome = batch.into_outcome().expect("all settled");
/// assert_eq!(outcome.retried.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T, E> {
    ids: Vec<String>,
    slots: Vec<Slot<T, E>>,
    next: usize,
    running: usize,
    concurrency: usize,
    done: usize,
    aborted: bool,
}

impl<T, E> Batch<T, E> {
    /// A batch of `ids` (deduplicated as [`unique_ids`] does), at most
    /// `concurrency` (at least 1) in flight.
    pub fn new<S: AsRef<str>>(ids: impl IntoIterator<Item = S>, concurrency: u32) -> Self {
        let ids = unique_ids(ids);
        let slots = ids.iter().map(|_| Slot::Waiting).collect();
        Batch {
            ids,
            slots,
            next: 0,
            running: 0,
            concurrency: (concurrency as usize).max(1),
            done: 0,
            aborted: false,
        }
    }

    /// How many executions the batch holds.
    pub fn total(&self) -> usize {
        self.ids.len()
    }

    /// How many are in flight.
    pub fn in_flight(&self) -> usize {
        self.running
    }

    /// The next execution to start, as `(index, execution id)`; `None` when
    /// `concurrency` are in flight, none is waiting, or the batch was aborted.
    pub fn start_next(&mut self) -> Option<(usize, &str)> {
        if self.aborted || self.running >= self.concurrency {
            return None;
        }
        let index = self.next;
        let slot = self.slots.get_mut(index)?;
        *slot = Slot::Running;
        self.next += 1;
        self.running += 1;
        self.ids.get(index).map(|id| (index, id.as_str()))
    }

    /// Records how the execution at `index` ended, and returns what to tell
    /// `onProgress`. `None` (nothing recorded) when it is not in flight: an
    /// unknown index, one finished already, or one the abort has settled.
    pub fn finish(&mut self, index: usize, result: Result<T, E>) -> Option<Progress<'_>> {
        let slot = self.slots.get_mut(index)?;
        if !matches!(slot, Slot::Running) {
            return None;
        }
        *slot = match result {
            Ok(t) => Slot::Retried(t),
            Err(e) => Slot::Failed(e),
        };
        self.running -= 1;
        self.done += 1;
        Some(Progress {
            done: self.done,
            total: self.ids.len(),
            execution_id: self.ids.get(index).map_or("", String::as_str),
        })
    }

    /// The caller's signal fired: every execution not finished (waiting, or
    /// in flight) fails with `aborted(execution_id, was_in_flight)`, none
    /// starts from now on, and a later [`Batch::finish`] is ignored.
    pub fn abort(&mut self, mut aborted: impl FnMut(&str, bool) -> E) {
        self.aborted = true;
        for (slot, id) in self.slots.iter_mut().zip(&self.ids) {
            let was_running = match slot {
                Slot::Waiting => false,
                Slot::Running => true,
                Slot::Retried(_) | Slot::Failed(_) => continue,
            };
            *slot = Slot::Failed(aborted(id, was_running));
        }
        self.running = 0;
        self.next = self.slots.len();
    }

    /// Whether [`Batch::abort`] was called.
    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// Whether every execution has settled (finished or aborted).
    pub fn is_finished(&self) -> bool {
        self.slots
            .iter()
            .all(|s| matches!(s, Slot::Retried(_) | Slot::Failed(_)))
    }

    /// The result, in input order; `Err(self)` while an execution is unsettled.
    pub fn into_outcome(self) -> Result<BatchOutcome<T, E>, Self> {
        if !self.is_finished() {
            return Err(self);
        }
        let mut outcome = BatchOutcome {
            retried: Vec::new(),
            failed: Vec::new(),
        };
        for (slot, id) in self.slots.into_iter().zip(self.ids) {
            match slot {
                Slot::Retried(t) => outcome.retried.push(t),
                Slot::Failed(e) => outcome.failed.push((id, e)),
                Slot::Waiting | Slot::Running => {}
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::status::WorkflowStatus;

    const A: &str = "059edaa4-a17a-4102-910e-2c3591500cce";
    const B: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn with(changes: Vec<(&str, Value)>) -> Value {
        let mut entries: Vec<(String, Value)> = vec![
            ("project".into(), s("my-project")),
            ("cluster".into(), s("westeurope-1")),
            ("token".into(), s("tok")),
            ("executionIds".into(), Value::Array(vec![s(A)])),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            entries.push((key.to_owned(), value));
        }
        Value::Object(entries)
    }

    fn field_of(v: &Value) -> String {
        let e = parse_retry_executions_options(v).expect_err("refused");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        e.field.unwrap_or_default()
    }

    #[test]
    fn ids_are_deduplicated_in_any_case() {
        let o = parse_retry_executions_options(&with(vec![(
            "executionIds",
            Value::Array(vec![
                s(B),
                s(&A.to_ascii_uppercase()),
                s(&B.to_ascii_uppercase()),
                s(A),
            ]),
        )]))
        .expect("valid");
        assert_eq!(o.targets, Targets::Ids(vec![B.to_owned(), A.to_owned()]));
        assert_eq!(o.concurrency, 4);
        assert_eq!(o.credentials, None);
        assert!(!o.has_on_progress);
        assert_eq!(o.connection.timeout_ms, 60_000);
    }

    #[test]
    fn a_filter_defaults_to_the_retryable_statuses() {
        let o = parse_retry_executions_options(&with(vec![
            ("executionIds", Value::Undefined),
            (
                "filter",
                Value::Object(vec![("limit".into(), Value::Number(5.0))]),
            ),
            ("concurrency", Value::Number(16.0)),
            ("onProgress", Value::Function),
            (
                "clientCredentials",
                Value::Object(vec![
                    ("clientId".into(), s("id")),
                    ("clientSecret".into(), s("secret")),
                ]),
            ),
        ]))
        .expect("valid");
        let Targets::Filter(q) = o.targets else {
            panic!("a filter")
        };
        assert_eq!(q.limit, 5);
        assert_eq!(q.filter.status, Some(WorkflowStatus::RETRYABLE.to_vec()));
        assert_eq!(o.concurrency, 16);
        assert!(o.has_on_progress);
        assert_eq!(o.credentials.map(|c| c.client_id).as_deref(), Some("id"));
    }

    #[test]
    fn faults_name_the_option() {
        let obj = |entries: Vec<(&str, Value)>| {
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        };
        let cases: Vec<(Value, &str)> = vec![
            (
                with(vec![("executionIds", Value::Undefined)]),
                "executionIds",
            ),
            (with(vec![("filter", obj(vec![]))]), "executionIds"),
            (
                with(vec![("executionIds", Value::Array(vec![]))]),
                "executionIds",
            ),
            (
                with(vec![("executionIds", Value::Array(vec![s(A); 1001]))]),
                "executionIds",
            ),
            (with(vec![("executionIds", s(A))]), "executionIds"),
            (
                with(vec![("executionIds", Value::Array(vec![s(A), s("x")]))]),
                "executionIds[1]",
            ),
            (
                with(vec![("executionIds", Value::Array(vec![Value::Null]))]),
                "executionIds[0]",
            ),
            (
                with(vec![("executionIds", Value::Undefined), ("filter", s("x"))]),
                "filter",
            ),
            (
                with(vec![
                    ("executionIds", Value::Undefined),
                    ("filter", obj(vec![("stauts", Value::Null)])),
                ]),
                "filter.stauts",
            ),
            (
                with(vec![
                    ("executionIds", Value::Undefined),
                    (
                        "filter",
                        obj(vec![("status", Value::Array(vec![s("RUNNING")]))]),
                    ),
                ]),
                "filter.status[0]",
            ),
            (
                with(vec![
                    ("executionIds", Value::Undefined),
                    ("filter", obj(vec![("limit", Value::Number(0.0))])),
                ]),
                "filter.limit",
            ),
            (
                with(vec![("concurrency", Value::Number(0.0))]),
                "concurrency",
            ),
            (
                with(vec![("concurrency", Value::Number(17.0))]),
                "concurrency",
            ),
            (
                with(vec![("concurrency", Value::Number(2.5))]),
                "concurrency",
            ),
            (with(vec![("onProgress", Value::Null)]), "onProgress"),
            (with(vec![("onRetry", Value::Bool(true))]), "onRetry"),
            (
                with(vec![("clientCredentials", Value::Null)]),
                "clientCredentials",
            ),
            (with(vec![("nonce", s("n"))]), "nonce"),
            (with(vec![("executionId", s(A))]), "executionId"),
        ];
        for (v, want) in cases {
            assert_eq!(field_of(&v), want, "{v:?}");
        }
        let e = parse_retry_executions_options(&with(vec![("nonce", s("n"))])).expect_err("x");
        assert!(
            e.message.contains("a nonce binds only once"),
            "{}",
            e.message
        );
        let e = parse_retry_executions_options(&with(vec![("executionId", s(A))])).expect_err("x");
        assert!(
            e.message.contains("(did you mean executionIds?)"),
            "{}",
            e.message
        );
        // nonce set to undefined counts as absent.
        assert!(parse_retry_executions_options(&with(vec![("nonce", Value::Undefined)])).is_ok());
    }

    #[test]
    fn unique_ids_keep_the_first_occurrence() {
        assert_eq!(unique_ids(["B", "a", "b", "A", "c"]), vec!["b", "a", "c"]);
        assert!(unique_ids(Vec::<String>::new()).is_empty());
    }

    #[test]
    fn at_most_concurrency_in_flight_and_results_in_input_order() {
        let mut b: Batch<String, String> = Batch::new(["a", "b", "c", "d", "e"], 2);
        assert_eq!(b.start_next(), Some((0, "a")));
        assert_eq!(b.start_next(), Some((1, "b")));
        assert_eq!(b.start_next(), None);
        assert_eq!(b.in_flight(), 2);
        // b finishes first; its progress is reported.
        let p = b.finish(1, Err("boom".into())).expect("in flight");
        assert_eq!((p.done, p.total, p.execution_id), (1, 5, "b"));
        assert_eq!(b.finish(1, Ok("again".into())), None);
        assert_eq!(b.start_next(), Some((2, "c")));
        assert_eq!(b.start_next(), None);
        assert_eq!(b.finish(0, Ok("A".into())).map(|p| p.done), Some(2));
        assert_eq!(b.start_next(), Some((3, "d")));
        assert_eq!(b.finish(3, Ok("D".into())).map(|p| p.done), Some(3));
        assert_eq!(b.finish(2, Ok("C".into())).map(|p| p.done), Some(4));
        assert!(!b.is_finished());
        assert_eq!(b.start_next(), Some((4, "e")));
        assert_eq!(b.start_next(), None);
        assert_eq!(b.finish(4, Err("E".into())).map(|p| p.done), Some(5));
        assert_eq!(b.finish(99, Ok("x".into())), None);
        let o = b.into_outcome().expect("finished");
        assert_eq!(o.retried, vec!["A", "C", "D"]);
        assert_eq!(
            o.failed,
            vec![
                ("b".to_owned(), "boom".to_owned()),
                ("e".to_owned(), "E".to_owned())
            ]
        );
    }

    #[test]
    fn an_abort_fails_every_unfinished_execution_and_starts_none() {
        let mut b: Batch<&str, String> = Batch::new(["a", "b", "c", "d"], 2);
        b.start_next();
        b.start_next();
        b.finish(0, Ok("A"));
        b.start_next(); // c
        assert!(!b.is_finished());
        let b = match b.into_outcome() {
            Err(b) => b,
            Ok(_) => panic!("not finished yet"),
        };
        let mut b = b;
        b.abort(|id, running| format!("aborted {id} {running}"));
        assert!(b.is_aborted() && b.is_finished());
        assert_eq!(b.in_flight(), 0);
        assert_eq!(b.start_next(), None);
        // A retry that settles after the abort is ignored.
        assert_eq!(b.finish(1, Ok("B")), None);
        let o = b.into_outcome().expect("finished");
        assert_eq!(o.retried, vec!["A"]);
        assert_eq!(
            o.failed,
            vec![
                ("b".to_owned(), "aborted b true".to_owned()),
                ("c".to_owned(), "aborted c true".to_owned()),
                ("d".to_owned(), "aborted d false".to_owned()),
            ]
        );
    }

    #[test]
    fn empty_and_zero_concurrency() {
        let mut b: Batch<(), ()> = Batch::new(Vec::<String>::new(), 4);
        assert!(b.is_finished());
        assert_eq!(b.start_next(), None);
        let mut b: Batch<(), ()> = Batch::new(["x"], 0);
        assert_eq!(b.start_next(), Some((0, "x")));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A step of a fake driver: start what may start, or finish the `n`-th in
    /// flight (ok or not), or abort.
    #[derive(Debug, Clone)]
    enum Step {
        Start,
        Finish(usize, bool),
        Abort,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => Just(Step::Start),
            4 => (0usize..16, any::<bool>()).prop_map(|(n, ok)| Step::Finish(n, ok)),
            1 => Just(Step::Abort),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_scheduler_keeps_its_promises(
            ids in prop::collection::vec("[a-dA-D]{1,2}", 0..30),
            concurrency in 1u32..6,
            steps in prop::collection::vec(step(), 0..120),
        ) {
            let total = unique_ids(&ids).len();
            let mut b: Batch<usize, usize> = Batch::new(&ids, concurrency);
            prop_assert_eq!(b.total(), total);
            let mut in_flight: Vec<usize> = Vec::new();
            let mut started = Vec::new();
            let mut progress_calls = 0;
            for st in steps {
                match st {
                    Step::Start => {
                        while let Some((i, _)) = b.start_next() {
                            prop_assert!(!b.is_aborted());
                            in_flight.push(i);
                            started.push(i);
                        }
                    }
                    Step::Finish(n, ok) => {
                        if !in_flight.is_empty() {
                            let i = in_flight.remove(n % in_flight.len());
                            let aborted = b.is_aborted();
                            let p = b.finish(i, if ok { Ok(i) } else { Err(i) });
                            if aborted {
                                prop_assert!(p.is_none());
                            } else {
                                progress_calls += 1;
                                let p = p.expect("in flight");
                                prop_assert_eq!(p.done, progress_calls);
                                prop_assert_eq!(p.total, total);
                            }
                        }
                    }
                    Step::Abort => b.abort(|_, _| usize::MAX),
                }
                prop_assert!(b.in_flight() <= concurrency as usize);
            }
            // Every execution started at most once, in input order.
            let mut sorted = started.clone();
            sorted.dedup();
            prop_assert_eq!(&sorted, &started);
            prop_assert!(started.windows(2).all(|w| w[0] < w[1]));
            // Drain: finish what is in flight, start the rest.
            loop {
                while let Some((i, _)) = b.start_next() {
                    in_flight.push(i);
                }
                match in_flight.pop() {
                    Some(i) => { b.finish(i, Ok(i)); }
                    None => break,
                }
            }
            prop_assert!(b.is_finished());
            let o = b.into_outcome().map_err(|_| TestCaseError::fail("unsettled"))?;
            prop_assert_eq!(o.retried.len() + o.failed.len(), total);
            prop_assert!(o.retried.windows(2).all(|w| w[0] < w[1]), "input order");
        }
    }
}
