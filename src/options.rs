//! [`Options`]: the `retryExecution` options object, validated.
//!
//! [`parse_options`] applies every rule of the contract's validation table to
//! the options as a [`Value`] and returns them clean, or the first fault as an
//! `invalid_input` [`CdfError`] naming the option.

use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::fields::{bad, string};
use crate::secret::Secret;
use crate::suggest::did_you_mean;
use crate::validate::{self, Reason};
use crate::value::Value;

/// Default deadline for the whole call, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;
/// Default number of extra attempts after the first.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// Every option `retryExecution` knows: the connection options
/// ([`crate::connection::CONNECTION_KEYS`]) and `executionId`, `nonce`,
/// `clientCredentials`.
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
    /// Deadline of the whole call, in milliseconds.
    pub timeout_ms: u32,
    /// Extra attempts after the first.
    pub max_retries: u32,
    /// The `x-cdp-app` header.
    pub app_name: Option<String>,
    /// Whether an `onRetry` function was given.
    pub has_on_retry: bool,
}

/// What `retryExecution` adds to the connection options.
pub const RETRY_EXECUTION: CallSpec = CallSpec {
    name: "retryExecution",
    own_keys: &["executionId", "nonce", "clientCredentials"],
    refused: &[],
    example: "{ project, cluster, token, executionId }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Validates the options object. Checks run in the order of the contract's
/// table, so the first fault reported is stable: unknown keys, project,
/// cluster/baseUrl, token, executionId, nonce (and nonce with
/// clientCredentials), clientCredentials, timeoutMs, maxRetries, appName,
/// signal, onRetry.
pub fn parse_options(options: &Value) -> Result<Options, CdfError> {
    let (connection, (execution_id, nonce)) = parse_call(options, &RETRY_EXECUTION, |options| {
        let get = |key: &str| options.get_present(key, false);
        let execution_id = execution_id(get("executionId"))?;

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
        Ok((execution_id, nonce))
    })?;
    let Connection {
        project,
        origin,
        token,
        has_signal,
        timeout_ms,
        max_retries,
        app_name,
        has_on_retry,
    } = connection;
    Ok(Options {
        project,
        origin,
        token,
        execution_id,
        nonce,
        has_signal,
        timeout_ms,
        max_retries,
        app_name,
        has_on_retry,
    })
}

/// The `executionId` option (absent is an error): a UUID, returned in lower case.
pub(crate) fn execution_id(v: Option<&Value>) -> Result<String, CdfError> {
    const UUID: Reason =
        "be a UUID of 36 characters with hyphens, e.g. \"059edaa4-a17a-4102-910e-2c3591500cce\"";
    match v {
        Some(v) => {
            validate::uuid(string(v, "executionId", UUID)?).map_err(|r| bad("executionId", r))
        }
        None => Err(bad("executionId", UUID)),
    }
}

/// The `clientCredentials` option: `{ clientId, clientSecret }`, both non-empty
/// strings, no other keys (`field` is `clientCredentials.<key>`).
pub(crate) fn client_credentials(v: &Value) -> Result<ClientCredentials, CdfError> {
    const FIELD: &str = "clientCredentials";
    let Value::Object(entries) = v else {
        return Err(bad(FIELD, "be an object { clientId, clientSecret }"));
    };
    const KEYS: [&str; 2] = ["clientId", "clientSecret"];
    for (key, value) in entries {
        if !KEYS.contains(&key.as_str()) && *value != Value::Undefined {
            const ONLY: &str = "not be set: clientCredentials takes only clientId and clientSecret";
            let reason = match did_you_mean(key, &KEYS) {
                Some(k) => format!("{ONLY} (did you mean {k}?)"),
                None => ONLY.to_owned(),
            };
            return Err(bad(&format!("{FIELD}.{key}"), &reason));
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
        assert!(!o.has_on_retry);
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
            ("onRetry", Value::Function),
        ]))
        .expect("valid");
        assert!(o.has_on_retry);
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
    fn known_keys_are_the_spec_keys() {
        let mut a = KNOWN_KEYS.to_vec();
        let mut b = RETRY_EXECUTION.known_keys();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }

    #[test]
    fn unknown_keys_are_named() {
        assert_eq!(field_of(&with(vec![("executionID", s(ID))])), "executionID");
        let e = parse_options(&with(vec![("executionID", s(ID))])).expect_err("refused");
        assert_eq!(
            e.message,
            "Invalid option \"executionID\": it must not be set: it is not an option of retryExecution (did you mean executionId?)."
        );
        let e = parse_options(&with(vec![("zzz", s(ID))])).expect_err("refused");
        assert!(
            e.message.ends_with("(check its spelling)."),
            "{}",
            e.message
        );
        let cc = Value::Object(vec![
            ("clientID".into(), s("x")),
            ("clientSecret".into(), s("y")),
        ]);
        let e = parse_options(&with(vec![("clientCredentials", cc)])).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("clientCredentials.clientID"));
        assert!(
            e.message.contains("(did you mean clientId?)"),
            "{}",
            e.message
        );
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
            ("onRetry", Value::Null, "onRetry"),
            ("onRetry", s("f"), "onRetry"),
            ("onRetry", Value::Signal, "onRetry"),
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
