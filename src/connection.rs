//! [`Connection`]: the connection options every call takes (`project`,
//! `cluster` | `baseUrl`, `token`, `appName`, `signal`, `timeoutMs`,
//! `maxRetries`, `onRetry`), validated exactly as `retryExecution` always has.
//!
//! `parse_call` reads one call's options object: the object itself, unknown
//! keys (refused with a "did you mean" hint), then `project`, `cluster` /
//! `baseUrl` and `token`, then the call's own options in its table order, then
//! `timeoutMs`, `maxRetries`, `appName`, `signal` and `onRetry`. The first
//! fault is returned, so which one is reported is stable.

use crate::endpoint::{origin_from_base_url, origin_from_cluster};
use crate::error::CdfError;
use crate::fields::{bad, callback, exactly_one, number, string, OneOf};
use crate::options::{TokenSource, DEFAULT_MAX_RETRIES};
use crate::secret::Secret;
use crate::suggest::unknown_key_reason;
use crate::validate::{self, Reason};
use crate::value::Value;

/// The connection options, in the order they are checked around a call's own.
pub const CONNECTION_KEYS: [&str; 9] = [
    "project",
    "cluster",
    "baseUrl",
    "token",
    "signal",
    "timeoutMs",
    "maxRetries",
    "appName",
    "onRetry",
];

/// The validated connection options.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// The CDF project URL name.
    pub project: String,
    /// `https://{cluster}.cognitedata.com` or the `baseUrl` origin, without a trailing slash.
    pub origin: String,
    /// The bearer token or its provider.
    pub token: TokenSource,
    /// Whether a `signal` (an `AbortSignal`) was given.
    pub has_signal: bool,
    /// The deadline, in milliseconds (1 to 2147483647); the call's default when absent.
    pub timeout_ms: u32,
    /// Extra attempts after the first, per request (0 to 10; default 3).
    pub max_retries: u32,
    /// The `x-cdp-app` header.
    pub app_name: Option<String>,
    /// Whether an `onRetry` function was given.
    pub has_on_retry: bool,
}

/// What one function adds to the connection options.
#[derive(Debug, Clone, Copy)]
pub struct CallSpec {
    /// The function's name, for messages (`"listExecutions"`).
    pub name: &'static str,
    /// Its own option keys.
    pub own_keys: &'static [&'static str],
    /// Keys refused with a reason of their own (e.g. `nonce` for `retryExecutions`).
    pub refused: &'static [(&'static str, Reason)],
    /// An example shape for the message when the options are not an object.
    pub example: &'static str,
    /// `timeoutMs` when absent, in milliseconds.
    pub default_timeout_ms: u32,
}

impl CallSpec {
    /// Every option key the function takes: the connection options, then its own.
    pub fn known_keys(&self) -> Vec<&'static str> {
        CONNECTION_KEYS
            .iter()
            .chain(self.own_keys)
            .copied()
            .collect()
    }

    /// The error for an options key the function does not take (refused, or
    /// unknown with a "did you mean" hint); `Ok` for a known key. A key set to
    /// `undefined` counts as absent: check only keys with a value. Lets the
    /// wasm layer refuse keys before converting any value.
    pub fn check_key(&self, key: &str) -> Result<(), CdfError> {
        if let Some((_, reason)) = self.refused.iter().find(|(k, _)| *k == key) {
            return Err(bad(key, reason));
        }
        let known = self.known_keys();
        if known.contains(&key) {
            Ok(())
        } else {
            Err(bad(key, &unknown_key_reason(key, &known, self.name)))
        }
    }
}

/// Reads a call's options: the connection options around the call's own,
/// which `own` reads (it is given the whole options object).
pub(crate) fn parse_call<T>(
    options: &Value,
    spec: &CallSpec,
    own: impl FnOnce(&Value) -> Result<T, CdfError>,
) -> Result<(Connection, T), CdfError> {
    // Generic only here: the connection's own checks are compiled once.
    let (project, origin, token) = parse_head(options, spec)?;
    let own = own(options)?;
    let connection = parse_tail(options, spec, project, origin, token)?;
    Ok((connection, own))
}

/// The options object, its keys, then `project`, `cluster` / `baseUrl`, `token`.
#[inline(never)]
fn parse_head(options: &Value, spec: &CallSpec) -> Result<(String, String, TokenSource), CdfError> {
    let Value::Object(entries) = options else {
        return Err(bad(
            "options",
            &format!("be a plain object such as {}", spec.example),
        ));
    };
    for (key, value) in entries {
        if *value != Value::Undefined {
            spec.check_key(key)?;
        }
    }
    let get = |key: &str| options.get_present(key, false);

    // project
    const PROJECT: Reason = "be 3 to 32 letters, digits or hyphens, with at least one letter and no leading or trailing hyphen";
    let project = match get("project") {
        Some(v) => {
            validate::project(string(v, "project", PROJECT)?).map_err(|r| bad("project", r))?
        }
        None => return Err(bad("project", PROJECT)),
    };

    // cluster / baseUrl: exactly one
    let origin = match exactly_one(options, "cluster", "baseUrl")? {
        OneOf::First(c) => {
            const CLUSTER: Reason = "be a cluster name such as \"westeurope-1\"";
            origin_from_cluster(string(c, "cluster", CLUSTER)?).map_err(|r| bad("cluster", r))?
        }
        OneOf::Second(b) => {
            const BASE: Reason = "be a string such as \"https://api.cognitedata.com\"";
            origin_from_base_url(string(b, "baseUrl", BASE)?).map_err(|r| bad("baseUrl", r))?
        }
    };

    // token
    const TOKEN: Reason = "be a non-empty string of visible ASCII characters without spaces, or a function returning one";
    let token = match get("token") {
        Some(Value::Function) => TokenSource::Provider,
        Some(Value::String(s)) => TokenSource::Fixed(Secret::new(
            validate::token(s).map_err(|r| bad("token", r))?,
        )),
        _ => return Err(bad("token", TOKEN)),
    };
    Ok((project.to_owned(), origin, token))
}

/// `timeoutMs`, `maxRetries`, `appName`, `signal`, `onRetry`, after the call's own options.
#[inline(never)]
fn parse_tail(
    options: &Value,
    spec: &CallSpec,
    project: String,
    origin: String,
    token: TokenSource,
) -> Result<Connection, CdfError> {
    let get = |key: &str| options.get_present(key, false);

    // timeoutMs, maxRetries
    const TIMEOUT: Reason = "be an integer from 1 to 2147483647 (milliseconds)";
    let timeout_ms = match get("timeoutMs") {
        Some(v) => validate::timeout_ms(number(v, "timeoutMs", TIMEOUT)?)
            .map_err(|r| bad("timeoutMs", r))?,
        None => spec.default_timeout_ms,
    };
    const RETRIES: Reason = "be an integer from 0 to 10";
    let max_retries = match get("maxRetries") {
        Some(v) => validate::max_retries(number(v, "maxRetries", RETRIES)?)
            .map_err(|r| bad("maxRetries", r))?,
        None => DEFAULT_MAX_RETRIES,
    };

    // appName
    const APP: Reason = "be 1 to 255 visible ASCII characters or spaces";
    let app_name = match get("appName") {
        Some(v) => Some(
            validate::app_name(string(v, "appName", APP)?)
                .map_err(|r| bad("appName", r))?
                .to_owned(),
        ),
        None => None,
    };

    // signal, onRetry
    let has_signal = match get("signal") {
        Some(Value::Signal) => true,
        Some(_) => return Err(bad("signal", "be an AbortSignal")),
        None => false,
    };
    let has_on_retry = callback(get("onRetry"), "onRetry")?;

    Ok(Connection {
        project,
        origin,
        token,
        has_signal,
        timeout_ms,
        max_retries,
        app_name,
        has_on_retry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const SPEC: CallSpec = CallSpec {
        name: "testCall",
        own_keys: &["thing"],
        refused: &[("nonce", "not be given here")],
        example: "{ project, cluster, token, thing }",
        default_timeout_ms: 1234,
    };

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn with(changes: Vec<(&str, Value)>) -> Value {
        let mut entries: Vec<(String, Value)> = vec![
            ("project".into(), s("my-project")),
            ("cluster".into(), s("westeurope-1")),
            ("token".into(), s("tok")),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            entries.push((key.to_owned(), value));
        }
        Value::Object(entries)
    }

    fn parse(v: &Value) -> Result<(Connection, Option<f64>), CdfError> {
        parse_call(v, &SPEC, |o| match o.get_present("thing", false) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(*n)),
            Some(_) => Err(bad("thing", "be a number")),
        })
    }

    fn field_of(v: &Value) -> String {
        let e = parse(v).expect_err("should be refused");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        e.field.unwrap_or_default()
    }

    #[test]
    fn defaults_come_from_the_spec() {
        let (c, own) = parse(&with(vec![])).expect("valid");
        assert_eq!(c.timeout_ms, 1234);
        assert_eq!(c.max_retries, 3);
        assert!(!c.has_on_retry && !c.has_signal);
        assert_eq!(c.origin, "https://westeurope-1.cognitedata.com");
        assert_eq!(own, None);
        let (c, own) = parse(&with(vec![
            ("onRetry", Value::Function),
            ("thing", Value::Number(2.0)),
            ("timeoutMs", Value::Number(9.0)),
        ]))
        .expect("valid");
        assert!(c.has_on_retry);
        assert_eq!((c.timeout_ms, own), (9, Some(2.0)));
    }

    #[test]
    fn order_is_head_own_tail() {
        // A bad token is reported before the call's own option, which comes before timeoutMs.
        let v = with(vec![
            ("token", s("")),
            ("thing", s("x")),
            ("timeoutMs", Value::Null),
        ]);
        assert_eq!(field_of(&v), "token");
        let v = with(vec![("thing", s("x")), ("timeoutMs", Value::Null)]);
        assert_eq!(field_of(&v), "thing");
        let v = with(vec![("onRetry", Value::Null), ("timeoutMs", Value::Null)]);
        assert_eq!(field_of(&v), "timeoutMs");
        assert_eq!(field_of(&with(vec![("onRetry", s("f"))])), "onRetry");
    }

    #[test]
    fn unknown_and_refused_keys() {
        let e = parse(&with(vec![("thnig", Value::Number(1.0))])).expect_err("unknown");
        assert_eq!(e.field.as_deref(), Some("thnig"));
        assert!(e
            .message
            .contains("option of testCall (did you mean thing?)"));
        let e = parse(&with(vec![("nonce", s("n"))])).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("nonce"));
        assert!(e.message.contains("not be given here"));
        assert!(parse(&with(vec![("nonce", Value::Undefined)])).is_ok());
        assert!(SPEC.check_key("thing").is_ok() && SPEC.check_key("onRetry").is_ok());
        assert_eq!(
            SPEC.check_key("nonce")
                .expect_err("refused")
                .field
                .as_deref(),
            Some("nonce")
        );
        assert_eq!(SPEC.known_keys().len(), CONNECTION_KEYS.len() + 1);
        let e = parse(&Value::Null).expect_err("not an object");
        assert_eq!(e.field.as_deref(), Some("options"));
        assert!(e.message.contains("{ project, cluster, token, thing }"));
    }
}
