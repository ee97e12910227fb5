//! [`Options`]: the `retryExecution` options object, validated.
//!
//! [`parse_options`] applies every rule of the contract's validation table to
//! the options as a [`Value`] and returns them clean, or the first fault as an
//! `invalid_input` [`CdfError`] naming the option.

use crate::endpoint::{origin_from_base_url, origin_from_cluster};
use crate::error::CdfError;
use crate::secret::Secret;
use crate::validate::{self, Reason};
use crate::value::Value;

/// Default deadline for the whole call, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;
/// Default number of extra attempts after the first.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// Every option `retryExecution` knows.
pub const KNOWN_KEYS: [&str; 12] = [
    "project",
    "cluster",
    "baseUrl",
    "token",
    "executionId",
    "nonce",
    "clientCredentials",
    "signal",
    "timeoutMs",
    "maxRetries",
    "appName",
    "onRetry",
];

/// Where the bearer token comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// A token given as a string.
    Fixed(Secret),
    /// A function to call for it (the wasm layer holds the function).
    Provider,
}

/// Client credentials for creating the session.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCredentials {
    /// The identity provider's client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
}

/// How the session nonce is obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum NonceSource {
    /// The caller gave it: used once, never resent after an ambiguous failure.
    Given(Secret),
    /// Created by token exchange with the caller's token.
    TokenExchange,
    /// Created with client credentials.
    ClientCredentials(ClientCredentials),
}

/// Validated options.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The CDF project URL name.
    pub project: String,
    /// `https://{cluster}.cognitedata.com` or the `baseUrl` origin, without a trailing slash.
    pub origin: String,
    /// The bearer token or its provider.
    pub token: TokenSource,
    /// The execution to retry, in lower case.
    pub execution_id: String,
    /// Where the nonce comes from.
    pub nonce: NonceSource,
    /// Whether a `signal` was given.
    pub has_signal: bool,
    /// Whether an `onRetry` callback was given.
    pub has_on_retry: bool,
    /// Deadline of the whole call, in milliseconds.
    pub timeout_ms: u32,
    /// Extra attempts after the first.
    pub max_retries: u32,
    /// The `x-cdp-app` header.
    pub app_name: Option<String>,
}

fn bad(field: &str, reason: Reason) -> CdfError {
    CdfError::invalid_input(field, reason)
}

/// The string option `field`, or the error that it is not a string.
fn string<'a>(v: &'a Value, field: &str, reason: Reason) -> Result<&'a str, CdfError> {
    v.as_str().ok_or_else(|| bad(field, reason))
}

/// The number option `field`, or the error that it is not a number.
fn number(v: &Value, field: &str, reason: Reason) -> Result<f64, CdfError> {
    match v {
        Value::Number(n) => Ok(*n),
        _ => Err(bad(field, reason)),
    }
}

/// Whether the callback option `field` was given; anything but a function is refused.
pub fn callback(v: Option<&Value>, field: &str) -> Result<bool, CdfError> {
    match v {
        Some(Value::Function) => Ok(true),
        Some(_) => Err(bad(field, "be a function")),
        None => Ok(false),
    }
}

/// The error for an unknown option `key`, suggesting the known option it is
/// closest to (same letters in another case, or one or two edits away).
pub fn unknown_key(key: &str, known: &[&str]) -> CdfError {
    let lower = key.to_ascii_lowercase();
    let best = known
        .iter()
        .map(|k| {
            let d = if k.to_ascii_lowercase() == lower {
                0
            } else {
                edit_distance(&lower, &k.to_ascii_lowercase())
            };
            (d, *k)
        })
        .min_by_key(|(d, _)| *d);
    let reason = match best {
        Some((d, k)) if d <= 2 && key.chars().count() > 2 => {
            format!("not be set: it is not an option (did you mean {k}?)")
        }
        _ => "not be set: it is not an option (check its spelling)".to_owned(),
    };
    CdfError::invalid_input(key.to_owned(), &reason)
}

/// Levenshtein distance between two short strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let (Some(&up), Some(&left)) = (row.get(j + 1), row.get(j)) else {
                break;
            };
            let cost = usize::from(ca != *cb);
            let value = (up + 1).min(left + 1).min(prev + cost);
            prev = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Validates the options object. Checks run in the order of the contract's
/// table, so the first fault reported is stable.
pub fn parse_options(options: &Value) -> Result<Options, CdfError> {
    let Value::Object(entries) = options else {
        return Err(bad(
            "options",
            "be a plain object such as { project, cluster, token, executionId }",
        ));
    };
    for (key, value) in entries {
        if !KNOWN_KEYS.contains(&key.as_str()) && *value != Value::Undefined {
            return Err(unknown_key(key, &KNOWN_KEYS));
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
    let origin = match (get("cluster"), get("baseUrl")) {
        (Some(c), None) => {
            const CLUSTER: Reason = "be a cluster name such as \"westeurope-1\"";
            origin_from_cluster(string(c, "cluster", CLUSTER)?).map_err(|r| bad("cluster", r))?
        }
        (None, Some(b)) => {
            const BASE: Reason = "be a string such as \"https://api.cognitedata.com\"";
            origin_from_base_url(string(b, "baseUrl", BASE)?).map_err(|r| bad("baseUrl", r))?
        }
        (None, None) => {
            return Err(bad(
                "cluster",
                "be given (or baseUrl, but exactly one of the two)",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(bad(
                "cluster",
                "not be given together with baseUrl: give exactly one of the two",
            ))
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

    // executionId
    const UUID: Reason =
        "be a UUID of 36 characters with hyphens, e.g. \"059edaa4-a17a-4102-910e-2c3591500cce\"";
    let execution_id = match get("executionId") {
        Some(v) => {
            validate::uuid(string(v, "executionId", UUID)?).map_err(|r| bad("executionId", r))?
        }
        None => return Err(bad("executionId", UUID)),
    };

    // nonce / clientCredentials
    const NONCE: Reason = "be a non-empty string of at most 4096 visible ASCII characters";
    let given_nonce = match get("nonce") {
        Some(v) => Some(Secret::new(
            validate::nonce(string(v, "nonce", NONCE)?).map_err(|r| bad("nonce", r))?,
        )),
        None => None,
    };
    if given_nonce.is_some() && get("clientCredentials").is_some() {
        return Err(bad(
            "nonce",
            "not be given together with clientCredentials (ambiguous: give a nonce, or credentials to create one)",
        ));
    }
    let credentials = match get("clientCredentials") {
        Some(v) => Some(client_credentials(v)?),
        None => None,
    };
    let nonce = match (given_nonce, credentials) {
        (Some(n), _) => NonceSource::Given(n),
        (None, Some(c)) => NonceSource::ClientCredentials(c),
        (None, None) => NonceSource::TokenExchange,
    };

    // timeoutMs, maxRetries
    const TIMEOUT: Reason = "be an integer from 1 to 2147483647 (milliseconds)";
    let timeout_ms = match get("timeoutMs") {
        Some(v) => validate::timeout_ms(number(v, "timeoutMs", TIMEOUT)?)
            .map_err(|r| bad("timeoutMs", r))?,
        None => DEFAULT_TIMEOUT_MS,
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

    // signal
    let has_signal = match get("signal") {
        Some(Value::Signal) => true,
        Some(_) => return Err(bad("signal", "be an AbortSignal")),
        None => false,
    };

    // onRetry
    let has_on_retry = callback(get("onRetry"), "onRetry")?;

    Ok(Options {
        project: project.to_owned(),
        origin,
        token,
        execution_id,
        nonce,
        has_signal,
        has_on_retry,
        timeout_ms,
        max_retries,
        app_name,
    })
}

fn client_credentials(v: &Value) -> Result<ClientCredentials, CdfError> {
    const FIELD: &str = "clientCredentials";
    let Value::Object(entries) = v else {
        return Err(bad(FIELD, "be an object { clientId, clientSecret }"));
    };
    for (key, value) in entries {
        if key != "clientId" && key != "clientSecret" && *value != Value::Undefined {
            return Err(CdfError::invalid_input(
                format!("{FIELD}.{key}"),
                "not be set: clientCredentials takes only clientId and clientSecret",
            ));
        }
    }
    let field = |key: &str| -> Result<String, CdfError> {
        let name = format!("{FIELD}.{key}");
        match v.get_present(key, false) {
            Some(Value::String(s)) => validate::non_empty(s)
                .map(str::to_owned)
                .map_err(|r| bad(&name, r)),
            _ => Err(bad(&name, "be a non-empty string")),
        }
    };
    let client_id = field("clientId")?;
    let client_secret = Secret::new(field("clientSecret")?);
    Ok(ClientCredentials {
        client_id,
        client_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const ID: &str = "059EDAA4-A17A-4102-910E-2C3591500CCE";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn base() -> Vec<(String, Value)> {
        vec![
            ("project".into(), s("my-project")),
            ("cluster".into(), s("westeurope-1")),
            ("token".into(), s("tok")),
            ("executionId".into(), s(ID)),
        ]
    }

    fn with(changes: Vec<(&str, Value)>) -> Value {
        let mut entries = base();
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            entries.push((key.to_owned(), value));
        }
        Value::Object(entries)
    }

    fn field_of(v: &Value) -> String {
        let e = parse_options(v).expect_err("should be refused");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert_eq!(e.attempts, 0);
        e.field.unwrap_or_default()
    }

    #[test]
    fn minimal_options_and_defaults() {
        let o = parse_options(&with(vec![])).expect("valid");
        assert_eq!(o.project, "my-project");
        assert_eq!(o.origin, "https://westeurope-1.cognitedata.com");
        assert_eq!(o.token, TokenSource::Fixed(Secret::new("tok")));
        assert_eq!(o.execution_id, ID.to_ascii_lowercase());
        assert_eq!(o.nonce, NonceSource::TokenExchange);
        assert_eq!(o.timeout_ms, 60_000);
        assert_eq!(o.max_retries, 3);
        assert_eq!(o.app_name, None);
        assert!(!o.has_signal);
    }

    #[test]
    fn every_option_set() {
        let o = parse_options(&with(vec![
            ("cluster", Value::Undefined),
            ("baseUrl", s("http://127.0.0.1:8080/")),
            ("token", Value::Function),
            ("nonce", s("abc")),
            ("signal", Value::Signal),
            ("timeoutMs", Value::Number(5.0)),
            ("maxRetries", Value::Number(0.0)),
            ("appName", s("my app")),
        ]))
        .expect("valid");
        assert_eq!(o.origin, "http://127.0.0.1:8080");
        assert_eq!(o.token, TokenSource::Provider);
        assert_eq!(o.nonce, NonceSource::Given(Secret::new("abc")));
        assert!(o.has_signal);
        assert_eq!((o.timeout_ms, o.max_retries), (5, 0));
        assert_eq!(o.app_name.as_deref(), Some("my app"));
    }

    #[test]
    fn client_credentials_are_parsed() {
        let cc = Value::Object(vec![
            ("clientId".into(), s("id")),
            ("clientSecret".into(), s("sec")),
        ]);
        let o = parse_options(&with(vec![("clientCredentials", cc)])).expect("valid");
        assert_eq!(
            o.nonce,
            NonceSource::ClientCredentials(ClientCredentials {
                client_id: "id".into(),
                client_secret: Secret::new("sec")
            })
        );
    }

    #[test]
    fn non_objects_are_refused_as_options() {
        for v in [
            Value::Undefined,
            Value::Null,
            s("x"),
            Value::Number(1.0),
            Value::Array(vec![]),
            Value::Function,
            Value::Other("a Map"),
        ] {
            assert_eq!(field_of(&v), "options");
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        assert_eq!(field_of(&with(vec![("executionID", s(ID))])), "executionID");
        // undefined counts as absent, also for unknown keys
        assert!(parse_options(&with(vec![("extra", Value::Undefined)])).is_ok());
    }

    #[test]
    fn undefined_counts_as_absent_but_null_does_not() {
        assert_eq!(
            field_of(&with(vec![("project", Value::Undefined)])),
            "project"
        );
        assert!(parse_options(&with(vec![
            ("nonce", Value::Undefined),
            ("timeoutMs", Value::Undefined)
        ]))
        .is_ok());
        assert_eq!(field_of(&with(vec![("nonce", Value::Null)])), "nonce");
        assert_eq!(
            field_of(&with(vec![("timeoutMs", Value::Null)])),
            "timeoutMs"
        );
    }

    #[test]
    fn each_field_is_named() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("project", s("ab"), "project"),
            ("project", Value::Number(1.0), "project"),
            ("cluster", s("West"), "cluster"),
            ("cluster", Value::Number(1.0), "cluster"),
            ("cluster", Value::Undefined, "cluster"),
            ("baseUrl", s("https://x.com"), "cluster"),
            ("token", s(""), "token"),
            ("token", s("a b"), "token"),
            ("token", Value::Number(1.0), "token"),
            ("token", Value::Null, "token"),
            ("executionId", s("nope"), "executionId"),
            ("executionId", Value::Number(1.0), "executionId"),
            ("nonce", s(""), "nonce"),
            ("nonce", s(&"n".repeat(4097)), "nonce"),
            ("clientCredentials", s("x"), "clientCredentials"),
            ("clientCredentials", Value::Null, "clientCredentials"),
            ("timeoutMs", Value::Number(0.0), "timeoutMs"),
            ("timeoutMs", s("5"), "timeoutMs"),
            ("maxRetries", Value::Number(11.0), "maxRetries"),
            ("maxRetries", Value::Number(1.5), "maxRetries"),
            ("appName", s(""), "appName"),
            ("appName", Value::Bool(true), "appName"),
            ("signal", Value::Object(vec![]), "signal"),
            ("signal", Value::Null, "signal"),
        ];
        for (key, value, want) in cases {
            assert_eq!(
                field_of(&with(vec![(key, value.clone())])),
                want,
                "{key} = {value:?}"
            );
        }
    }

    #[test]
    fn base_url_alone_is_checked() {
        let v = with(vec![
            ("cluster", Value::Undefined),
            ("baseUrl", s("http://example.com")),
        ]);
        assert_eq!(field_of(&v), "baseUrl");
    }

    #[test]
    fn client_credentials_fields() {
        let cc = |entries: Vec<(&str, Value)>| {
            with(vec![(
                "clientCredentials",
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                ),
            )])
        };
        assert_eq!(
            field_of(&cc(vec![("clientSecret", s("x"))])),
            "clientCredentials.clientId"
        );
        assert_eq!(
            field_of(&cc(vec![("clientId", s("")), ("clientSecret", s("x"))])),
            "clientCredentials.clientId"
        );
        assert_eq!(
            field_of(&cc(vec![("clientId", s("x"))])),
            "clientCredentials.clientSecret"
        );
        assert_eq!(
            field_of(&cc(vec![
                ("clientId", s("x")),
                ("clientSecret", Value::Number(1.0))
            ])),
            "clientCredentials.clientSecret"
        );
        assert_eq!(
            field_of(&cc(vec![
                ("clientId", s("x")),
                ("clientSecret", s("y")),
                ("tenant", s("t"))
            ])),
            "clientCredentials.tenant"
        );
        let both = with(vec![
            ("nonce", s("n")),
            (
                "clientCredentials",
                Value::Object(vec![
                    ("clientId".into(), s("x")),
                    ("clientSecret".into(), s("y")),
                ]),
            ),
        ]);
        assert_eq!(field_of(&both), "nonce");
        // Ambiguous even when the credentials are malformed.
        assert_eq!(
            field_of(&with(vec![
                ("nonce", s("n")),
                ("clientCredentials", Value::Object(vec![]))
            ])),
            "nonce"
        );
    }

    #[test]
    fn messages_never_hold_secrets() {
        let secret = "super-secret-value";
        for v in [
            with(vec![("token", s(&format!("{secret} x")))]),
            with(vec![("nonce", s(&format!("{secret}\n")))]),
            with(vec![(
                "clientCredentials",
                Value::Object(vec![
                    ("clientId".into(), s("")),
                    ("clientSecret".into(), s(secret)),
                ]),
            )]),
        ] {
            let e = parse_options(&v).expect_err("refused");
            assert!(!format!("{e:?}").contains(secret));
        }
        let o = parse_options(&with(vec![("token", s(secret))])).expect("valid");
        assert!(!format!("{o:?}").contains(secret));
    }
}
