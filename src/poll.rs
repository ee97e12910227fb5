//! `waitForExecution`: its options, and when to poll `getExecution` next.
//!
//! The first poll is immediate; then the wait is `pollIntervalMs`, doubled
//! after each poll up to 15 s (or up to `pollIntervalMs` when that is larger).
//! A wait that would pass the deadline is not started: the call fails at once
//! with kind `timeout` (`operation: "getExecution"`, see
//! [`crate::error::CdfError::wait_timeout`]). One poll is one `getExecution`
//! request loop, its read-only retries included.

use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::fields::{callback, integer};
use crate::options::execution_id;
use crate::retry::wait_fits;
use crate::value::Value;

/// `timeoutMs` of `waitForExecution` when absent: the deadline of the whole wait (15 minutes).
pub const DEFAULT_WAIT_TIMEOUT_MS: u32 = 900_000;
/// `pollIntervalMs` when absent.
pub const DEFAULT_POLL_INTERVAL_MS: u32 = 1000;
/// Smallest `pollIntervalMs`.
pub const MIN_POLL_INTERVAL_MS: u64 = 100;
/// Largest `pollIntervalMs`.
pub const MAX_POLL_INTERVAL_MS: u64 = 60_000;
/// The wait between polls stops doubling here (unless `pollIntervalMs` is larger).
pub const MAX_POLL_BACKOFF_MS: u32 = 15_000;

/// What `waitForExecution` adds to the connection options.
pub const WAIT_FOR_EXECUTION: CallSpec = CallSpec {
    name: "waitForExecution",
    own_keys: &["executionId", "pollIntervalMs", "onProgress"],
    refused: &[],
    example: "{ project, cluster, token, executionId }",
    default_timeout_ms: DEFAULT_WAIT_TIMEOUT_MS,
};

/// Validated `waitForExecution` options.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitForExecutionOptions {
    /// The connection options; `timeoutMs` (default 900000) is the deadline of the whole wait.
    pub connection: Connection,
    /// The execution to wait for: a UUID, in lower case.
    pub execution_id: String,
    /// The first wait between polls, in milliseconds: 100 to 60000, default 1000.
    pub poll_interval_ms: u32,
    /// Whether an `onProgress` function was given (called after each successful poll).
    pub has_on_progress: bool,
}

/// Validates `waitForExecution`'s options: the connection options around
/// `executionId`, `pollIntervalMs`, `onProgress` (in that order).
pub fn parse_wait_for_execution_options(
    options: &Value,
) -> Result<WaitForExecutionOptions, CdfError> {
    let (connection, (execution_id, poll_interval_ms, has_on_progress)) =
        parse_call(options, &WAIT_FOR_EXECUTION, |o| {
            let get = |key: &str| o.get_present(key, false);
            let id = execution_id(get("executionId"))?;
            let interval = match get("pollIntervalMs") {
                Some(v) => integer(
                    v,
                    "pollIntervalMs",
                    MIN_POLL_INTERVAL_MS,
                    MAX_POLL_INTERVAL_MS,
                    "be an integer from 100 to 60000 (milliseconds)",
                )? as u32,
                None => DEFAULT_POLL_INTERVAL_MS,
            };
            let on_progress = callback(get("onProgress"), "onProgress")?;
            Ok((id, interval, on_progress))
        })?;
    Ok(WaitForExecutionOptions {
        connection,
        execution_id,
        poll_interval_ms,
        has_on_progress,
    })
}

/// Whether a polled status ends the wait: anything but `RUNNING` (a newer
/// status too), so `COMPLETED`, `FAILED`, `TIMED_OUT` and `TERMINATED` all do.
pub fn is_settled(status: &str) -> bool {
    status != "RUNNING"
}

/// The wait before the next poll, in milliseconds, after `polls_done` polls:
/// 0 before the first, then `poll_interval_ms × 2^(polls_done - 1)`, at most
/// `max(15000, poll_interval_ms)`.
pub fn poll_wait_ms(poll_interval_ms: u32, polls_done: u32) -> f64 {
    if polls_done == 0 {
        return 0.0;
    }
    let cap = f64::from(MAX_POLL_BACKOFF_MS.max(poll_interval_ms));
    let doubled = f64::from(poll_interval_ms) * 2f64.powi((polls_done - 1).min(30) as i32);
    doubled.min(cap)
}

/// What to do next while waiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PollStep {
    /// Poll now (the first poll).
    Poll,
    /// Wait this many milliseconds, then poll.
    Wait(f64),
    /// The wait would pass the deadline: fail now with
    /// [`CdfError::wait_timeout`] and the last seen status.
    GiveUp,
}

/// The next step after `polls_done` polls, at `now_ms`, for a call whose
/// deadline is `deadline_ms` (both on the same clock).
pub fn next_poll(
    poll_interval_ms: u32,
    polls_done: u32,
    now_ms: f64,
    deadline_ms: f64,
) -> PollStep {
    if polls_done == 0 {
        return PollStep::Poll;
    }
    let wait = poll_wait_ms(poll_interval_ms, polls_done);
    if wait_fits(now_ms, wait, deadline_ms) {
        PollStep::Wait(wait)
    } else {
        PollStep::GiveUp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const ID: &str = "059edaa4-a17a-4102-910e-2c3591500cce";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn with(changes: Vec<(&str, Value)>) -> Value {
        let mut entries: Vec<(String, Value)> = vec![
            ("project".into(), s("my-project")),
            ("cluster".into(), s("westeurope-1")),
            ("token".into(), s("tok")),
            ("executionId".into(), s(ID)),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            entries.push((key.to_owned(), value));
        }
        Value::Object(entries)
    }

    #[test]
    fn options_and_defaults() {
        let o = parse_wait_for_execution_options(&with(vec![])).expect("valid");
        assert_eq!(o.connection.timeout_ms, 900_000);
        assert_eq!(o.poll_interval_ms, 1000);
        assert!(!o.has_on_progress);
        assert_eq!(o.execution_id, ID);
        let o = parse_wait_for_execution_options(&with(vec![
            ("pollIntervalMs", Value::Number(100.0)),
            ("onProgress", Value::Function),
            ("timeoutMs", Value::Number(5.0)),
        ]))
        .expect("valid");
        assert_eq!((o.poll_interval_ms, o.connection.timeout_ms), (100, 5));
        assert!(o.has_on_progress);
        let field = |v: Value| {
            let e = parse_wait_for_execution_options(&v).expect_err("refused");
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            e.field.unwrap_or_default()
        };
        for bad in [99.0, 60_001.0, 150.5, f64::NAN] {
            assert_eq!(
                field(with(vec![("pollIntervalMs", Value::Number(bad))])),
                "pollIntervalMs"
            );
        }
        assert_eq!(
            field(with(vec![("pollIntervalMs", s("1000"))])),
            "pollIntervalMs"
        );
        assert_eq!(
            field(with(vec![("onProgress", Value::Object(vec![]))])),
            "onProgress"
        );
        assert_eq!(
            field(with(vec![("executionId", Value::Undefined)])),
            "executionId"
        );
        assert_eq!(
            field(with(vec![("pollInterval", Value::Number(1000.0))])),
            "pollInterval"
        );
        let e = parse_wait_for_execution_options(&with(vec![("pollInterval", Value::Number(1.0))]))
            .expect_err("unknown");
        assert!(e
            .message
            .contains("waitForExecution (did you mean pollIntervalMs?)"));
    }

    #[test]
    fn waits_double_up_to_the_cap() {
        let waits: Vec<f64> = (0..8).map(|n| poll_wait_ms(1000, n)).collect();
        assert_eq!(
            waits,
            vec![0.0, 1000.0, 2000.0, 4000.0, 8000.0, 15_000.0, 15_000.0, 15_000.0]
        );
        assert_eq!(poll_wait_ms(100, 1), 100.0);
        assert_eq!(poll_wait_ms(100, 9), 15_000.0);
        // A larger interval is its own cap.
        assert_eq!(poll_wait_ms(60_000, 1), 60_000.0);
        assert_eq!(poll_wait_ms(60_000, 5), 60_000.0);
        assert_eq!(poll_wait_ms(20_000, 2), 20_000.0);
        assert_eq!(poll_wait_ms(1000, u32::MAX), 15_000.0);
    }

    #[test]
    fn steps() {
        assert_eq!(next_poll(1000, 0, 0.0, 0.0), PollStep::Poll);
        assert_eq!(next_poll(1000, 1, 0.0, 1001.0), PollStep::Wait(1000.0));
        assert_eq!(next_poll(1000, 1, 0.0, 1000.0), PollStep::GiveUp);
        assert_eq!(next_poll(1000, 3, 1000.0, 5000.0), PollStep::GiveUp);
        assert_eq!(next_poll(1000, 3, 10.0, 4011.0), PollStep::Wait(4000.0));
    }

    #[test]
    fn only_running_keeps_waiting() {
        assert!(!is_settled("RUNNING"));
        for s in [
            "COMPLETED",
            "FAILED",
            "TIMED_OUT",
            "TERMINATED",
            "PAUSED",
            "running",
        ] {
            assert!(is_settled(s), "{s}");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn waits_grow_and_stay_bounded(interval in 100u32..=60_000, n in 1u32..200) {
            let w = poll_wait_ms(interval, n);
            let cap = f64::from(interval.max(MAX_POLL_BACKOFF_MS));
            prop_assert!(w >= f64::from(interval).min(cap) && w <= cap);
            prop_assert!(poll_wait_ms(interval, n + 1) >= w);
        }

        #[test]
        fn a_wait_is_only_started_when_it_ends_before_the_deadline(
            interval in 100u32..=60_000, n in 0u32..50, now in 0f64..1e13, left in -1e6f64..1e6,
        ) {
            match next_poll(interval, n, now, now + left) {
                PollStep::Poll => prop_assert_eq!(n, 0),
                PollStep::Wait(w) => prop_assert!(now + w < now + left),
                PollStep::GiveUp => prop_assert!(now + poll_wait_ms(interval, n) >= now + left),
            }
        }
    }
}
