//! Retry decisions: what to do after which outcome, and how long to wait.
//!
//! A nonce binds at most once, so an answer that leaves open whether the retry
//! was processed (502, 503, 504, a network failure, `cdf-is-auto-retryable`)
//! is only retried with a fresh session, and never when the caller owns the nonce.
//! Read-only requests (`listExecutions`, `getExecution`, `getToken`) send no
//! nonce: one [`decide`] serves every request loop, and they are simply resent.

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
    let when_ms = http_date_ms(header)?;
    Some((when_ms - now_ms).max(0.0))
}

/// An HTTP date (RFC 9110 section 5.6.7) in milliseconds since the Unix
/// epoch, or `None`: the three forms a recipient must accept, in GMT only,
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday,
/// 06-Nov-94 08:49:37 GMT`, years 70–99 read as 19xx, 00–69 as 20xx) and
/// asctime (`Sun Nov  6 08:49:37 1994`); a real date from 1970 to 9999 whose
/// day of the week is right. Exactly what the httpdate crate (1.0) accepts,
/// with the same value (a differential test compares them); written here
/// because that crate's parser, validity round trip and `SystemTime`
/// arithmetic cost about 2.5 KB gzip of the `.wasm`.
pub fn http_date_ms(text: &str) -> Option<f64> {
    if !text.is_ascii() {
        return None;
    }
    let s = text.trim().as_bytes();
    let date = match s.len() {
        // IMF-fixdate.
        29 => {
            let wday = short_day(s.get(..3)?)?;
            expect(
                s,
                &[(3, b','), (4, b' '), (7, b' '), (11, b' '), (16, b' ')],
            )?;
            (s.get(25..)? == b" GMT").then_some(())?;
            Date {
                wday,
                day: two(s, 5)?,
                mon: month(s.get(8..11)?)?,
                year: two(s, 12)? * 100 + two(s, 14)?,
                secs: time(s, 17)?,
            }
        }
        // asctime.
        24 => {
            let wday = short_day(s.get(..3)?)?;
            expect(s, &[(3, b' '), (7, b' '), (10, b' '), (19, b' ')])?;
            let day = match s.get(8)? {
                b' ' => digit(s, 9)?,
                _ => two(s, 8)?,
            };
            Date {
                wday,
                day,
                mon: month(s.get(4..7)?)?,
                year: two(s, 20)? * 100 + two(s, 22)?,
                secs: time(s, 11)?,
            }
        }
        // RFC 850: a full day name, then 22 bytes.
        _ => {
            let comma = s.iter().position(|&b| b == b',')?;
            let wday = long_day(s.get(..comma)?)?;
            let s = s.get(comma + 1..)?;
            // The day name as httpdate matches it: "Name, " then exactly 22 bytes.
            (s.len() == 23 && s.first() == Some(&b' ')).then_some(())?;
            let s = s.get(1..)?;
            expect(s, &[(2, b'-'), (6, b'-')])?;
            (s.get(18..)? == b" GMT").then_some(())?;
            // httpdate does not look at the byte between the year and the hour.
            let yy = two(s, 7)?;
            Date {
                wday,
                day: two(s, 0)?,
                mon: month(s.get(3..6)?)?,
                year: if yy < 70 { 2000 + yy } else { 1900 + yy },
                secs: time(s, 10)?,
            }
        }
    };
    date.ms()
}

/// A date an HTTP-date names; [`Date::ms`] checks it is real.
struct Date {
    /// Day of the week, Monday = 1 … Sunday = 7.
    wday: u32,
    day: u32,
    mon: u32,
    year: u32,
    /// Seconds since midnight.
    secs: u32,
}

impl Date {
    /// Milliseconds since the Unix epoch, or `None` when the date does not
    /// exist (day of the month, day of the week, years 1970 to 9999).
    fn ms(&self) -> Option<f64> {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let month_days = match self.mon {
            2 => 28 + u32::from(leap),
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1970..=9999).contains(&self.year) || self.day == 0 || self.day > month_days {
            return None;
        }
        // Days since 1970-01-01 (H. Hinnant's days_from_civil, years from March).
        let y = if self.mon <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let (era, yoe) = (y / 400, y % 400);
        let doy = (153 * ((self.mon + 9) % 12) + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        // 1970-01-01 was a Thursday.
        ((days + 3) % 7 + 1 == self.wday)
            .then(|| (f64::from(days) * 86_400.0 + f64::from(self.secs)) * 1000.0)
    }
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `Mon` … `Sun` as 1 … 7.
fn short_day(name: &[u8]) -> Option<u32> {
    DAYS.iter()
        .position(|d| d.as_bytes().get(..3) == Some(name))
        .map(|i| i as u32 + 1)
}

/// `Monday` … `Sunday` as 1 … 7.
fn long_day(name: &[u8]) -> Option<u32> {
    DAYS.iter()
        .position(|d| d.as_bytes() == name)
        .map(|i| i as u32 + 1)
}

/// `Jan` … `Dec` as 1 … 12.
fn month(name: &[u8]) -> Option<u32> {
    b"JanFebMarAprMayJunJulAugSepOctNovDec"
        .chunks(3)
        .position(|m| m == name)
        .map(|i| i as u32 + 1)
}

/// The digit at `at`.
fn digit(s: &[u8], at: usize) -> Option<u32> {
    s.get(at)
        .filter(|b| b.is_ascii_digit())
        .map(|b| u32::from(b - b'0'))
}

/// Two digits at `at`.
fn two(s: &[u8], at: usize) -> Option<u32> {
    Some(digit(s, at)? * 10 + digit(s, at + 1)?)
}

/// Each `(index, byte)` is there.
fn expect(s: &[u8], bytes: &[(usize, u8)]) -> Option<()> {
    bytes
        .iter()
        .all(|&(i, b)| s.get(i) == Some(&b))
        .then_some(())
}

/// `hh:mm:ss` at `at`, as seconds since midnight.
fn time(s: &[u8], at: usize) -> Option<u32> {
    expect(s, &[(at + 2, b':'), (at + 5, b':')])?;
    let (h, m, sec) = (two(s, at)?, two(s, at + 3)?, two(s, at + 6)?);
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
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

/// `http_date_ms` against the httpdate crate it replaces: the same strings
/// accepted and refused, the same instants, for the three forms, the GMT-only
/// rule, wrong days of the week, impossible dates, two-digit years and
/// mutated text.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod http_dates {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{select, Index};
    use std::time::{Duration, UNIX_EPOCH};

    /// What `retry_after_ms` read with httpdate (the code this replaces).
    fn reference(text: &str) -> Option<f64> {
        let when = httpdate::parse_http_date(text).ok()?;
        Some(
            when.duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_millis() as f64,
        )
    }

    /// `retry_after_ms` as it was, with httpdate.
    fn reference_retry_after(header: &str, now_ms: f64) -> Option<f64> {
        let header = header.trim();
        if !header.is_empty() && header.bytes().all(|b| b.is_ascii_digit()) {
            let secs = header.parse::<u64>().unwrap_or(u64::MAX);
            return Some(secs as f64 * 1000.0);
        }
        Some((reference(header)? - now_ms).max(0.0))
    }

    /// The instant `secs` in each form: IMF-fixdate, RFC 850, asctime.
    fn forms(secs: u64) -> [String; 3] {
        let imf = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        let part = |a: usize, b: usize| imf.get(a..b).unwrap_or_default().to_owned();
        let (wd, day, mon, year, time) = (
            part(0, 3),
            part(5, 7),
            part(8, 11),
            part(12, 16),
            part(17, 25),
        );
        let long = DAYS.iter().find(|d| d.starts_with(&wd)).unwrap_or(&"?");
        let yy = part(14, 16);
        let day_sp = match day.strip_prefix('0') {
            Some(d) => format!(" {d}"),
            None => day.clone(),
        };
        [
            imf.clone(),
            format!("{long}, {day}-{mon}-{yy} {time} GMT"),
            format!("{wd} {mon} {day_sp} {time} {year}"),
        ]
    }

    const BYTES: &[u8] = b"0123456789 ,:-\tGMTUCSunMonTueWedThuFriSatJanFebNovDecday+Zx";
    const ZONES: &[&str] = &[
        "GMT", "UTC", "gmt", "Gmt", "UT", "Z", "+0000", "-0000", "GMT+1", "EST", "PST", "CET", "",
    ];
    const DAY_NAMES: &[&str] = &[
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "mon",
        "SUN",
        "Sunday ",
        "Thurs",
    ];

    fn mutate(
        mut s: String,
        mutation: u8,
        at: &Index,
        byte: u8,
        zone: &str,
        name: &str,
        digits: u8,
    ) -> String {
        let i = at.index(s.len() + 1);
        match mutation {
            1 if i < s.len() => s.replace_range(i..=i, &char::from(byte).to_string()),
            2 => s.truncate(i),
            3 => s.insert(i, char::from(byte)),
            4 if s.ends_with("GMT") => s = format!("{}{zone}", &s[..s.len() - 3]),
            4 => s = format!("{s} {zone}"),
            5 => s = format!(" \t{s}\r\n "),
            6 => {
                // Two digits of a field set to anything from 00 to 99.
                let starts: Vec<usize> = (0..s.len().saturating_sub(1))
                    .filter(|&j| {
                        s.as_bytes()[j].is_ascii_digit() && s.as_bytes()[j + 1].is_ascii_digit()
                    })
                    .collect();
                if !starts.is_empty() {
                    let j = starts[at.index(starts.len())];
                    s.replace_range(j..j + 2, &format!("{digits:02}"));
                }
            }
            7 => {
                let end = s.find([',', ' ']).unwrap_or(0);
                s.replace_range(..end, name);
            }
            8 => s = s.replace(' ', "  "),
            _ => {}
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, cases: 20_000, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_httpdate(
            // 1970-01-01 … 9999-12-31, and outside it by way of the digit mutations.
            secs in 0u64..253_402_300_800,
            form in 0usize..3,
            mutation in 0u8..9,
            at in any::<Index>(),
            byte in select(BYTES),
            zone in select(ZONES),
            name in select(DAY_NAMES),
            digits in 0u8..100,
            now in 0f64..1e13,
        ) {
            let text = mutate(forms(secs)[form].clone(), mutation, &at, byte, zone, name, digits);
            prop_assert_eq!(http_date_ms(&text), reference(&text), "{:?}", text);
            prop_assert_eq!(retry_after_ms(&text, now), reference_retry_after(&text, now), "{:?}", text);
        }

        #[test]
        fn agrees_with_httpdate_on_any_text(text in "[ -~\t]{0,34}|[0-9a-zA-Z ,:-]{20,34}") {
            prop_assert_eq!(http_date_ms(&text), reference(&text), "{:?}", text);
        }
    }

    #[test]
    fn the_three_forms_and_their_edges() {
        let sunday = Some(784_111_777_000.0);
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
            "  Sun, 06 Nov 1994 08:49:37 GMT\t",
        ] {
            assert_eq!(http_date_ms(text), sunday, "{text}");
            assert_eq!(reference(text), sunday, "{text}");
        }
        for text in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Thu, 29 Feb 2001 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{a0}",
            "2024-01-01T00:00:00Z",
            "Sun, 06 Nov 1994",
        ] {
            assert_eq!(http_date_ms(text), None, "{text}");
            assert_eq!(reference(text), None, "{text}");
        }
        // Leap days, two-digit years, the last instant accepted.
        for text in [
            "Tue, 29 Feb 2000 12:00:00 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Tuesday, 31-Dec-69 23:59:59 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Thu Jan  1 00:00:00 1970",
            // httpdate does not look at the byte between an RFC 850 year and hour.
            "Sunday, 06-Nov-94x08:49:37 GMT",
        ] {
            assert!(http_date_ms(text).is_some(), "{text}");
            assert_eq!(http_date_ms(text), reference(text), "{text}");
        }
    }
}
