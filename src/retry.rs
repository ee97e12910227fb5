//! Retry decisions: what to do after which outcome, and how long to wait.
//!
//! A nonce binds at most once, so an answer that leaves open whether the retry
//! was processed (502, 503, 504, a network failure, `cdf-is-auto-retryable`)
//! is only retried with a fresh session, and never when the caller owns the nonce.
//! Read-only requests (`listExecutions`, `getExecution`, `getToken`) send no
//! nonce: one [`decide`] serves every request loop, and they are simply resent.

use std::time::{Duration, UNIX_EPOCH};

use crate::error::Operation;

/// Longest wait between attempts without a `Retry-After`, in milliseconds.
pub const MAX_BACKOFF_MS: f64 = 30_000.0;
/// Wait before the first retry, doubled for each later one, in milliseconds.
pub const BASE_BACKOFF_MS: f64 = 500.0;

/// How one HTTP request ended, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with a non-2xx status.
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer had `cdf-is-auto-retryable: true`.
        auto_retryable: bool,
    },
    /// The fetch failed before a complete answer (DNS, refused, reset).
    Network,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send the same request again (same nonce).
    Resend,
    /// Create a new session, then send the retry with the new nonce.
    ResendWithNewSession,
    /// Ask the token provider again, and resend if the token changed.
    RefreshToken,
    /// Give up with this outcome's error.
    Fail,
}

/// What the call knows beyond the outcome itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    /// The request that ended.
    pub operation: Operation,
    /// The module created the nonce (so it may make another).
    pub nonce_is_ours: bool,
    /// The token comes from a provider that has not been asked again yet.
    pub can_refresh_token: bool,
    /// Retries of this request so far (`n`).
    pub retries: u32,
    /// `maxRetries`.
    pub max_retries: u32,
}

/// The contract's retry rules, in one place, for every request.
///
/// - Read-only requests ([`Operation::is_read_only`]: `listExecutions`,
///   `getExecution`, `getToken`) send no nonce: they are resent on 429, 502,
///   503, 504, a network failure and `cdf-is-auto-retryable: true`, up to
///   `max_retries` times; a 401 asks the token provider again
///   ([`Action::RefreshToken`]) when `can_refresh_token` (never for
///   `getToken`, which carries no bearer token). `nonce_is_ours` is ignored.
/// - `createSession` and `retryExecution` follow the nonce rules (module docs).
pub fn decide(outcome: Outcome, s: Situation) -> Action {
    if s.operation.is_read_only() {
        read_only(outcome, s)
    } else {
        with_nonce(outcome, s)
    }
}

/// The rules of a request that sends no nonce.
fn read_only(outcome: Outcome, s: Situation) -> Action {
    if let Outcome::Status { status: 401, .. } = outcome {
        if s.can_refresh_token && s.operation.uses_bearer_token() {
            return Action::RefreshToken;
        }
    }
    if s.retries >= s.max_retries {
        return Action::Fail;
    }
    let may_pass = match outcome {
        Outcome::Network => true,
        Outcome::Status {
            status,
            auto_retryable,
        } => auto_retryable || matches!(status, 429 | 502..=504),
    };
    if may_pass {
        Action::Resend
    } else {
        Action::Fail
    }
}

/// The rules of `createSession` and `retryExecution`.
fn with_nonce(outcome: Outcome, s: Situation) -> Action {
    if let Outcome::Status {
        status: 401,
        auto_retryable,
    } = outcome
    {
        // Ambiguity wins: a retry answer with `cdf-is-auto-retryable: true` may
        // have bound the nonce, so it is never resent after a token refresh
        // (the next session's request refreshes the token if it needs to).
        let ambiguous = auto_retryable && s.operation == Operation::RetryExecution;
        if !ambiguous {
            return if s.can_refresh_token {
                Action::RefreshToken
            } else {
                Action::Fail
            };
        }
    }
    if s.retries >= s.max_retries {
        return Action::Fail;
    }
    let ambiguous_status = |status: u16| matches!(status, 502..=504);
    match (s.operation, outcome) {
        // `cdf-is-auto-retryable: true` makes any answer of the retry call ambiguous,
        // a 429 included: never resend that nonce.
        (
            Operation::RetryExecution,
            Outcome::Status {
                auto_retryable: true,
                ..
            },
        ) => {
            if s.nonce_is_ours {
                Action::ResendWithNewSession
            } else {
                Action::Fail
            }
        }
        (_, Outcome::Status { status: 429, .. }) => Action::Resend,
        (Operation::CreateSession, Outcome::Network) => Action::Resend,
        (Operation::CreateSession, Outcome::Status { status, .. }) if ambiguous_status(status) => {
            Action::Resend
        }
        (Operation::CreateSession, Outcome::Status { .. }) => Action::Fail,
        // Only `retryExecution` is left: see `decide`.
        (_, outcome) => {
            let ambiguous = match outcome {
                Outcome::Network => true,
                Outcome::Status {
                    status,
                    auto_retryable,
                } => ambiguous_status(status) || auto_retryable,
            };
            if ambiguous && s.nonce_is_ours {
                Action::ResendWithNewSession
            } else {
                Action::Fail
            }
        }
    }
}

/// The wait a `Retry-After` value asks for, in milliseconds: delta-seconds,
/// or an HTTP date compared with `now_ms`. `None` when it is neither.
pub fn retry_after_ms(header: &str, now_ms: f64) -> Option<f64> {
    let header = header.trim();
    if !header.is_empty() && header.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a huge value saturates (and then passes any deadline).
        let secs = header.parse::<u64>().unwrap_or(u64::MAX);
        return Some(secs as f64 * 1000.0);
    }
    let when = httpdate::parse_http_date(header).ok()?;
    let when_ms = when
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as f64;
    Some((when_ms - now_ms).max(0.0))
}

/// The wait before retry `n` (counted from 0): `Retry-After` when given and
/// valid, else full jitter, `random01 × min(30 s, 0.5 s × 2^n)` with `random01` in [0, 1).
pub fn wait_ms(n: u32, retry_after: Option<&str>, now_ms: f64, random01: f64) -> f64 {
    if let Some(ms) = retry_after.and_then(|h| retry_after_ms(h, now_ms)) {
        return ms;
    }
    let cap = (BASE_BACKOFF_MS * 2f64.powi(n.min(30) as i32)).min(MAX_BACKOFF_MS);
    let r = if random01.is_nan() {
        0.0
    } else {
        random01.clamp(0.0, 1.0)
    };
    r * cap
}

/// Whether a wait started at `now_ms` ends before the deadline. A wait that
/// would pass it is not started: the call fails at once with the last error.
pub fn wait_fits(now_ms: f64, wait_ms: f64, deadline_ms: f64) -> bool {
    now_ms + wait_ms < deadline_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sit(operation: Operation, nonce_is_ours: bool) -> Situation {
        Situation {
            operation,
            nonce_is_ours,
            can_refresh_token: false,
            retries: 0,
            max_retries: 3,
        }
    }

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            auto_retryable: false,
        }
    }

    #[test]
    fn retry_call_rules() {
        let ours = sit(Operation::RetryExecution, true);
        let theirs = sit(Operation::RetryExecution, false);
        assert_eq!(decide(status(429), ours), Action::Resend);
        assert_eq!(decide(status(429), theirs), Action::Resend);
        for s in [502, 503, 504] {
            assert_eq!(decide(status(s), ours), Action::ResendWithNewSession, "{s}");
            assert_eq!(decide(status(s), theirs), Action::Fail, "{s}");
        }
        assert_eq!(decide(Outcome::Network, ours), Action::ResendWithNewSession);
        assert_eq!(decide(Outcome::Network, theirs), Action::Fail);
        let auto = Outcome::Status {
            status: 500,
            auto_retryable: true,
        };
        assert_eq!(decide(auto, ours), Action::ResendWithNewSession);
        assert_eq!(decide(auto, theirs), Action::Fail);
        let auto429 = Outcome::Status {
            status: 429,
            auto_retryable: true,
        };
        assert_eq!(decide(auto429, ours), Action::ResendWithNewSession);
        assert_eq!(decide(auto429, theirs), Action::Fail);
        let auto400 = Outcome::Status {
            status: 409,
            auto_retryable: true,
        };
        assert_eq!(decide(auto400, ours), Action::ResendWithNewSession);
        for s in [400, 403, 404, 409, 422, 500, 501, 505, 599] {
            assert_eq!(decide(status(s), ours), Action::Fail, "{s}");
        }
    }

    #[test]
    fn session_call_rules() {
        let s = sit(Operation::CreateSession, true);
        for st in [429, 502, 503, 504] {
            assert_eq!(decide(status(st), s), Action::Resend, "{st}");
        }
        assert_eq!(decide(Outcome::Network, s), Action::Resend);
        for st in [400, 403, 404, 500, 501] {
            assert_eq!(decide(status(st), s), Action::Fail, "{st}");
        }
        assert_eq!(
            decide(
                Outcome::Status {
                    status: 500,
                    auto_retryable: true
                },
                s
            ),
            Action::Fail
        );
    }

    #[test]
    fn unauthorized_refreshes_a_provider_token_once() {
        let mut s = sit(Operation::RetryExecution, false);
        assert_eq!(decide(status(401), s), Action::Fail);
        s.can_refresh_token = true;
        assert_eq!(decide(status(401), s), Action::RefreshToken);
        s.retries = 3; // a refresh is not a retry: the budget does not matter
        assert_eq!(decide(status(401), s), Action::RefreshToken);
    }

    #[test]
    fn read_only_rules() {
        for op in [
            Operation::ListExecutions,
            Operation::GetExecution,
            Operation::GetToken,
        ] {
            for nonce_is_ours in [true, false] {
                let s = sit(op, nonce_is_ours);
                for st in [429, 502, 503, 504] {
                    assert_eq!(decide(status(st), s), Action::Resend, "{op:?} {st}");
                }
                assert_eq!(decide(Outcome::Network, s), Action::Resend);
                for st in [400, 401, 403, 404, 409, 500, 501, 505] {
                    assert_eq!(decide(status(st), s), Action::Fail, "{op:?} {st}");
                    let auto = Outcome::Status {
                        status: st,
                        auto_retryable: true,
                    };
                    assert_eq!(decide(auto, s), Action::Resend, "{op:?} auto {st}");
                }
                let mut spent = s;
                spent.retries = 3;
                assert_eq!(decide(status(503), spent), Action::Fail);
                assert_eq!(decide(Outcome::Network, spent), Action::Fail);
            }
        }
    }

    #[test]
    fn read_only_401_refreshes_a_provider_token_but_never_for_get_token() {
        let mut s = sit(Operation::GetExecution, false);
        s.can_refresh_token = true;
        s.retries = 3; // a refresh is not a retry
        assert_eq!(decide(status(401), s), Action::RefreshToken);
        s.operation = Operation::ListExecutions;
        assert_eq!(decide(status(401), s), Action::RefreshToken);
        s.operation = Operation::GetToken;
        assert_eq!(decide(status(401), s), Action::Fail);
        s.retries = 0;
        let auto401 = Outcome::Status {
            status: 401,
            auto_retryable: true,
        };
        assert_eq!(decide(auto401, s), Action::Resend);
    }

    #[test]
    fn an_ambiguous_401_never_resends_the_nonce() {
        let auto401 = Outcome::Status {
            status: 401,
            auto_retryable: true,
        };
        let mut ours = sit(Operation::RetryExecution, true);
        ours.can_refresh_token = true;
        assert_eq!(decide(auto401, ours), Action::ResendWithNewSession);
        let mut theirs = sit(Operation::RetryExecution, false);
        theirs.can_refresh_token = true;
        assert_eq!(decide(auto401, theirs), Action::Fail);
        ours.retries = 3;
        assert_eq!(decide(auto401, ours), Action::Fail);
        // The session call has no nonce to protect: its 401 refreshes as before.
        let mut session = sit(Operation::CreateSession, true);
        session.can_refresh_token = true;
        assert_eq!(decide(auto401, session), Action::RefreshToken);
    }

    #[test]
    fn max_retries_bounds_every_retry() {
        let mut s = sit(Operation::RetryExecution, true);
        s.max_retries = 0;
        assert_eq!(decide(status(429), s), Action::Fail);
        assert_eq!(decide(status(503), s), Action::Fail);
        s.max_retries = 2;
        s.retries = 1;
        assert_eq!(decide(status(429), s), Action::Resend);
        s.retries = 2;
        assert_eq!(decide(status(429), s), Action::Fail);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after_ms("3", 0.0), Some(3000.0));
        assert_eq!(retry_after_ms(" 0 ", 0.0), Some(0.0));
        let now = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:39 GMT", now),
            Some(2000.0)
        );
        assert_eq!(
            retry_after_ms("Sunday, 06-Nov-94 08:49:40 GMT", now),
            Some(3000.0)
        );
        assert_eq!(
            retry_after_ms("Sun Nov  6 08:49:41 1994", now),
            Some(4000.0)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(0.0)
        );
        for bad in ["", "-1", "1.5", "soon", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            assert_eq!(retry_after_ms(bad, now), None, "{bad}");
        }
        assert_eq!(
            retry_after_ms("99999999999", 0.0),
            Some(99_999_999_999_000.0)
        );
        assert_eq!(
            retry_after_ms(&"9".repeat(40), 0.0),
            Some(u64::MAX as f64 * 1000.0)
        );
    }

    #[test]
    fn full_jitter_bounds() {
        assert_eq!(wait_ms(0, None, 0.0, 0.0), 0.0);
        assert_eq!(wait_ms(0, None, 0.0, 1.0), 500.0);
        assert_eq!(wait_ms(1, None, 0.0, 1.0), 1000.0);
        assert_eq!(wait_ms(3, None, 0.0, 0.5), 2000.0);
        assert_eq!(wait_ms(6, None, 0.0, 1.0), 30_000.0);
        assert_eq!(wait_ms(100, None, 0.0, 1.0), 30_000.0);
        assert_eq!(wait_ms(0, Some("2"), 0.0, 0.9), 2000.0);
        assert_eq!(wait_ms(0, Some("junk"), 0.0, 1.0), 500.0);
        assert_eq!(wait_ms(0, None, 0.0, f64::NAN), 0.0);
    }

    #[test]
    fn deadline() {
        assert!(wait_fits(0.0, 10.0, 11.0));
        assert!(!wait_fits(0.0, 10.0, 10.0));
        assert!(!wait_fits(5.0, 10.0, 11.0));
    }
}
