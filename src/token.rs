//! `clientCredentialsToken`: its options, the OAuth 2.0 client-credentials
//! token request (RFC 6749 section 4.4), the check of its answer (section
//! 5.1), and the token cache's arithmetic. Sharing one request in flight
//! among concurrent callers is the wasm layer's; when to reuse, join or fetch
//! is decided here ([`token_step`]).
//!
//! Failures carry `operation: "getToken"`; an error status is
//! [`crate::error::CdfError::oauth`]. Each provider call has a 60 s deadline
//! ([`TOKEN_TIMEOUT_MS`]) and follows the read-only retry rules with at most
//! [`TOKEN_MAX_RETRIES`] retries.

use crate::endpoint::token_url;
use crate::error::CdfError;
use crate::execution::Fault;
use crate::fields::{bad, integer, only_known_keys, string};
use crate::secret::Secret;
use crate::validate;
use crate::value::Value;

/// Every option `clientCredentialsToken` knows, in the order they are checked.
pub const TOKEN_KEYS: [&str; 6] = [
    "tokenUrl",
    "clientId",
    "clientSecret",
    "scopes",
    "audience",
    "leewaySeconds",
];
/// `leewaySeconds` when absent: refresh this long before expiry.
pub const DEFAULT_LEEWAY_SECONDS: u32 = 30;
/// Largest `leewaySeconds`.
pub const MAX_LEEWAY_SECONDS: u64 = 3600;
/// The lifetime assumed when an answer has no `expires_in`, in seconds.
pub const DEFAULT_EXPIRES_IN_SECONDS: f64 = 3600.0;
/// The deadline of one provider call, retries included, in milliseconds.
pub const TOKEN_TIMEOUT_MS: u32 = 60_000;
/// Extra attempts of the token request after the first.
pub const TOKEN_MAX_RETRIES: u32 = 3;
/// The token request's `Content-Type` (it carries no bearer token and no `x-cdp-*` header).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Validated `clientCredentialsToken` options.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenOptions {
    /// The identity provider's token endpoint, as [`token_url`] normalises it.
    pub token_url: String,
    /// The OAuth client id: a non-empty string.
    pub client_id: String,
    /// The client secret: a non-empty string, never shown.
    pub client_secret: Secret,
    /// Scopes, sent space-separated as `scope` (not sent when empty).
    pub scopes: Vec<String>,
    /// Sent as `audience` (Auth0-style identity providers).
    pub audience: Option<String>,
    /// Refresh this many seconds before expiry: 0 to 3600, default 30.
    pub leeway_seconds: u32,
}

/// Validates `clientCredentialsToken`'s options: a plain object with only
/// `tokenUrl`, `clientId`, `clientSecret` (required), `scopes`, `audience`,
/// `leewaySeconds`, checked in that order. No connection options: the token
/// request goes to the identity provider, not to CDF.
pub fn parse_token_options(options: &Value) -> Result<TokenOptions, CdfError> {
    let Value::Object(entries) = options else {
        return Err(bad(
            "options",
            "be a plain object such as { tokenUrl, clientId, clientSecret, scopes }",
        ));
    };
    only_known_keys(entries, &TOKEN_KEYS, "", "clientCredentialsToken")?;
    let get = |key: &str| options.get_present(key, false);

    const URL: &str =
        "be a string such as \"https://login.microsoftonline.com/my-tenant/oauth2/v2.0/token\"";
    let token_url = match get("tokenUrl") {
        Some(v) => token_url(string(v, "tokenUrl", URL)?).map_err(|r| bad("tokenUrl", r))?,
        None => return Err(bad("tokenUrl", URL)),
    };
    let non_empty = |key: &str| -> Result<String, CdfError> {
        match get(key) {
            Some(Value::String(s)) => validate::non_empty(s)
                .map(str::to_owned)
                .map_err(|r| bad(key, r)),
            _ => Err(bad(key, "be a non-empty string")),
        }
    };
    let client_id = non_empty("clientId")?;
    let client_secret = Secret::new(non_empty("clientSecret")?);
    let scopes = match get("scopes") {
        Some(v) => scopes(v)?,
        None => Vec::new(),
    };
    let audience = match get("audience") {
        Some(_) => Some(non_empty("audience")?),
        None => None,
    };
    let leeway_seconds = match get("leewaySeconds") {
        Some(v) => integer(
            v,
            "leewaySeconds",
            0,
            MAX_LEEWAY_SECONDS,
            "be an integer from 0 to 3600 (seconds)",
        )? as u32,
        None => DEFAULT_LEEWAY_SECONDS,
    };
    Ok(TokenOptions {
        token_url,
        client_id,
        client_secret,
        scopes,
        audience,
        leeway_seconds,
    })
}

fn scopes(v: &Value) -> Result<Vec<String>, CdfError> {
    const SCOPE: &str = "be a non-empty string without white space or control characters, e.g. \"https://westeurope-1.cognitedata.com/.default\"";
    let Value::Array(items) = v else {
        return Err(bad("scopes", "be an array of scope strings"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("scopes[{i}]");
            match item {
                Value::String(s)
                    if !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    Ok(s.clone())
                }
                _ => Err(bad(&field, SCOPE)),
            }
        })
        .collect()
}

/// Appends `s` encoded as the URL standard's `application/x-www-form-urlencoded`
/// serializer does: each UTF-8 byte kept when it is an ASCII letter, digit or
/// one of `*-._`, a space as `+`, every other byte as `%XX` (upper case).
pub fn form_encode(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') => {
                out.push(char::from(b))
            }
            b => {
                out.push('%');
                for nibble in [b >> 4, b & 0xf] {
                    out.push(HEX.get(usize::from(nibble)).map_or('0', |h| char::from(*h)));
                }
            }
        }
    }
}

/// The token request's body (it holds the client secret: send it, never
/// show it): `grant_type=client_credentials&client_id=…&client_secret=…`,
/// then `&scope=…` (the scopes joined by spaces) when there are scopes, and
/// `&audience=…` when given; each value form-encoded ([`form_encode`]).
pub fn token_form(o: &TokenOptions) -> String {
    let mut out = String::from("grant_type=client_credentials");
    let mut pair = |key: &str, value: &str| {
        out.push('&');
        out.push_str(key);
        out.push('=');
        form_encode(&mut out, value);
    };
    pair("client_id", &o.client_id);
    pair("client_secret", o.client_secret.expose());
    if !o.scopes.is_empty() {
        pair("scope", &o.scopes.join(" "));
    }
    if let Some(audience) = &o.audience {
        pair("audience", audience);
    }
    out
}

/// A checked token answer.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenAnswer {
    /// `access_token`: non-empty visible ASCII without spaces (it becomes a header).
    pub access_token: Secret,
    /// `expires_in`, in seconds (finite, not negative); 3600 when absent or `null`.
    pub expires_in_seconds: f64,
}

/// `expires_in`: a number, or a string of decimal digits with an optional
/// fraction (some identity providers send `"3599"`); finite and not negative.
fn seconds(v: &Value, field: String) -> Result<f64, Fault> {
    const PROBLEM: &str = "is not a number of seconds";
    let n = match v {
        Value::Number(n) => *n,
        Value::String(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
            let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if !(digits(whole) && digits(fraction)) {
                return Err((field, PROBLEM));
            }
            crate::number::parse(s)
        }
        _ => return Err((field, PROBLEM)),
    };
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err((field, PROBLEM))
    }
}

/// Checks a 2xx answer of the token request: `access_token` must be a usable
/// bearer token, `expires_in` (optional) a number of seconds. Other fields
/// (`token_type`, `scope`, …) are ignored. The fault never holds the token.
pub fn check_token_answer(body: &Value) -> Result<TokenAnswer, Fault> {
    if !matches!(body, Value::Object(_)) {
        return Err(("body".to_owned(), "is not a JSON object"));
    }
    let access_token = match body.get("access_token") {
        None | Some(Value::Undefined) => {
            return Err(("access_token".to_owned(), "is missing"));
        }
        Some(Value::String(t)) if validate::token(t).is_ok() => Secret::new(t.as_str()),
        Some(_) => return Err((
            "access_token".to_owned(),
            "is not a usable token (a non-empty string of visible ASCII characters without spaces)",
        )),
    };
    let expires_in_seconds = match body.get_present("expires_in", true) {
        Some(v) => seconds(v, "expires_in".to_owned())?,
        None => DEFAULT_EXPIRES_IN_SECONDS,
    };
    Ok(TokenAnswer {
        access_token,
        expires_in_seconds,
    })
}

/// A token kept for later callers, and until when it may be handed out.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedToken {
    token: Secret,
    requested_at_ms: f64,
    refresh_at_ms: f64,
}

impl CachedToken {
    /// A token requested at `requested_at_ms` (take the time the request was
    /// sent, not answered: the lifetime counts from the provider's clock)
    /// living `expires_in_seconds`; it is handed out until `leeway_seconds`
    /// before it expires. A lifetime no longer than the leeway is never reused
    /// (the call that fetched it still uses it).
    pub fn new(
        token: Secret,
        requested_at_ms: f64,
        expires_in_seconds: f64,
        leeway_seconds: u32,
    ) -> Self {
        let usable_s = (expires_in_seconds - f64::from(leeway_seconds)).max(0.0);
        CachedToken {
            token,
            requested_at_ms,
            refresh_at_ms: requested_at_ms + usable_s * 1000.0,
        }
    }

    /// The token.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// When it stops being handed out, in the clock of `requested_at_ms`.
    pub fn refresh_at_ms(&self) -> f64 {
        self.refresh_at_ms
    }

    /// Whether it may be handed out at `now_ms`: not before it was requested
    /// (a clock that went back refetches), and before the refresh time.
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms >= self.requested_at_ms && now_ms < self.refresh_at_ms
    }
}

/// What a provider call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStep {
    /// Resolve with the cached token.
    UseCached,
    /// Wait for the request in flight and resolve with its result.
    JoinInFlight,
    /// Send a new token request (and let later callers join it).
    Fetch,
}

/// Whether a provider call forgets the cached token before it fetches: a
/// forced refresh does (that token was refused; it is never handed out again).
pub fn forgets_cache(step: TokenStep, force_refresh: bool) -> bool {
    step == TokenStep::Fetch && force_refresh
}

/// The cache's rule for one provider call at `now_ms`: a request in flight is
/// joined by every caller, whatever its `force_refresh` (a forced refresh means
/// the cached token was refused: no caller gets it while its replacement is
/// on the way); otherwise a fresh cached token is reused unless
/// `force_refresh`; otherwise a new request is sent. A fetch started by a
/// forced refresh also drops the cached token ([`forgets_cache`]).
pub fn token_step(
    cached: Option<&CachedToken>,
    now_ms: f64,
    force_refresh: bool,
    in_flight: bool,
) -> TokenStep {
    let fresh = cached.is_some_and(|c| c.is_fresh(now_ms));
    if in_flight {
        // Every caller shares the request in flight, whatever its forceRefresh:
        // one started by a forced refresh replaces a token that was refused.
        TokenStep::JoinInFlight
    } else if fresh && !force_refresh {
        TokenStep::UseCached
    } else {
        TokenStep::Fetch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn with(changes: Vec<(&str, Value)>) -> Value {
        let mut entries: Vec<(String, Value)> = vec![
            (
                "tokenUrl".into(),
                s("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"),
            ),
            ("clientId".into(), s("my-client")),
            ("clientSecret".into(), s("s3cr3t value&=+")),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            entries.push((key.to_owned(), value));
        }
        Value::Object(entries)
    }

    fn field_of(v: &Value) -> String {
        let e = parse_token_options(v).expect_err("refused");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert_eq!(e.operation, None);
        assert!(!format!("{e:?}").contains("s3cr3t"), "secret in {e:?}");
        e.field.unwrap_or_default()
    }

    #[test]
    fn options_and_defaults() {
        let o = parse_token_options(&with(vec![])).expect("valid");
        assert_eq!(
            o.token_url,
            "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
        );
        assert_eq!(o.client_id, "my-client");
        assert_eq!(o.client_secret, Secret::new("s3cr3t value&=+"));
        assert!(o.scopes.is_empty());
        assert_eq!(o.audience, None);
        assert_eq!(o.leeway_seconds, 30);
        assert!(!format!("{o:?}").contains("s3cr3t"));
        let o = parse_token_options(&with(vec![
            (
                "scopes",
                Value::Array(vec![
                    s("https://westeurope-1.cognitedata.com/.default"),
                    s("offline"),
                ]),
            ),
            ("audience", s("https://api.example.com/")),
            ("leewaySeconds", Value::Number(0.0)),
            ("ignored", Value::Undefined),
        ]))
        .expect("valid");
        assert_eq!(o.scopes.len(), 2);
        assert_eq!(o.audience.as_deref(), Some("https://api.example.com/"));
        assert_eq!(o.leeway_seconds, 0);
    }

    #[test]
    fn faults_name_the_option() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::Null, "options"),
            (Value::Function, "options"),
            (with(vec![("tokenURL", s("x"))]), "tokenURL"),
            (with(vec![("project", s("x"))]), "project"),
            (with(vec![("tokenUrl", Value::Undefined)]), "tokenUrl"),
            (
                with(vec![("tokenUrl", s("http://idp.example.com/token"))]),
                "tokenUrl",
            ),
            (
                with(vec![("tokenUrl", s("https://idp.example.com/token#x"))]),
                "tokenUrl",
            ),
            (with(vec![("tokenUrl", Value::Number(1.0))]), "tokenUrl"),
            (with(vec![("clientId", s(""))]), "clientId"),
            (with(vec![("clientId", Value::Undefined)]), "clientId"),
            (with(vec![("clientSecret", Value::Null)]), "clientSecret"),
            (with(vec![("clientSecret", s(""))]), "clientSecret"),
            (with(vec![("scopes", s("a b"))]), "scopes"),
            (
                with(vec![("scopes", Value::Array(vec![s("a"), s("")]))]),
                "scopes[1]",
            ),
            (
                with(vec![("scopes", Value::Array(vec![s("a b")]))]),
                "scopes[0]",
            ),
            (
                with(vec![("scopes", Value::Array(vec![s("a\tb")]))]),
                "scopes[0]",
            ),
            (
                with(vec![("scopes", Value::Array(vec![Value::Null]))]),
                "scopes[0]",
            ),
            (with(vec![("audience", s(""))]), "audience"),
            (with(vec![("audience", Value::Number(1.0))]), "audience"),
            (
                with(vec![("leewaySeconds", Value::Number(-1.0))]),
                "leewaySeconds",
            ),
            (
                with(vec![("leewaySeconds", Value::Number(3601.0))]),
                "leewaySeconds",
            ),
            (
                with(vec![("leewaySeconds", Value::Number(1.5))]),
                "leewaySeconds",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(field_of(&v), want, "{v:?}");
        }
        let e = parse_token_options(&with(vec![("scope", Value::Array(vec![]))])).expect_err("x");
        assert!(
            e.message
                .contains("not an option of clientCredentialsToken (did you mean scopes?)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn form_encoding_follows_the_url_standard() {
        let enc = |s: &str| {
            let mut out = String::new();
            form_encode(&mut out, s);
            out
        };
        assert_eq!(enc("aZ09*-._"), "aZ09*-._");
        assert_eq!(enc("a b"), "a+b");
        assert_eq!(
            enc("+&=%/:?#~!'()"),
            "%2B%26%3D%25%2F%3A%3F%23%7E%21%27%28%29"
        );
        assert_eq!(enc("é€🚀"), "%C3%A9%E2%82%AC%F0%9F%9A%80");
        assert_eq!(enc("\n\0"), "%0A%00");
        assert_eq!(enc(""), "");
    }

    #[test]
    fn the_token_form() {
        let o = parse_token_options(&with(vec![])).expect("valid");
        assert_eq!(
            token_form(&o),
            "grant_type=client_credentials&client_id=my-client&client_secret=s3cr3t+value%26%3D%2B"
        );
        let o = parse_token_options(&with(vec![
            (
                "scopes",
                Value::Array(vec![
                    s("https://westeurope-1.cognitedata.com/.default"),
                    s("x"),
                ]),
            ),
            ("audience", s("aud ü")),
        ]))
        .expect("valid");
        assert_eq!(
            token_form(&o),
            "grant_type=client_credentials&client_id=my-client&client_secret=s3cr3t+value%26%3D%2B&scope=https%3A%2F%2Fwesteurope-1.cognitedata.com%2F.default+x&audience=aud+%C3%BC"
        );
    }

    fn answer(entries: Vec<(&str, Value)>) -> Value {
        Value::object(entries)
    }

    #[test]
    fn token_answers() {
        let a = check_token_answer(&answer(vec![
            ("access_token", s("eyJ.x-y_z")),
            ("token_type", s("Bearer")),
            ("expires_in", Value::Number(3599.0)),
        ]))
        .expect("valid");
        assert_eq!(a.access_token, Secret::new("eyJ.x-y_z"));
        assert_eq!(a.expires_in_seconds, 3599.0);
        for (v, want) in [
            (Value::Null, 3600.0),
            (Value::Undefined, 3600.0),
            (s("3599"), 3599.0),
            (s("1.5"), 1.5),
            (Value::Number(0.0), 0.0),
            (Value::Number(86_400.5), 86_400.5),
        ] {
            let a = check_token_answer(&answer(vec![("access_token", s("t")), ("expires_in", v)]))
                .expect("valid");
            assert_eq!(a.expires_in_seconds, want);
        }
        let a = check_token_answer(&answer(vec![("access_token", s("t"))])).expect("valid");
        assert_eq!(a.expires_in_seconds, 3600.0);
        for (v, want) in [
            (Value::Null, "body"),
            (Value::Array(vec![]), "body"),
            (answer(vec![]), "access_token"),
            (answer(vec![("access_token", Value::Null)]), "access_token"),
            (answer(vec![("access_token", s(""))]), "access_token"),
            (answer(vec![("access_token", s("a b"))]), "access_token"),
            (
                answer(vec![("access_token", Value::Number(1.0))]),
                "access_token",
            ),
            (
                answer(vec![
                    ("access_token", s("t")),
                    ("expires_in", Value::Number(-1.0)),
                ]),
                "expires_in",
            ),
            (
                answer(vec![
                    ("access_token", s("t")),
                    ("expires_in", Value::Number(f64::INFINITY)),
                ]),
                "expires_in",
            ),
            (
                answer(vec![("access_token", s("t")), ("expires_in", s(""))]),
                "expires_in",
            ),
            (
                answer(vec![("access_token", s("t")), ("expires_in", s("-1"))]),
                "expires_in",
            ),
            (
                answer(vec![("access_token", s("t")), ("expires_in", s("1e3"))]),
                "expires_in",
            ),
            (
                answer(vec![("access_token", s("t")), ("expires_in", s(" 5"))]),
                "expires_in",
            ),
            (
                answer(vec![("access_token", s("t")), ("expires_in", s("5."))]),
                "expires_in",
            ),
            (
                answer(vec![
                    ("access_token", s("t")),
                    ("expires_in", s(&"9".repeat(400))),
                ]),
                "expires_in",
            ),
            (
                answer(vec![
                    ("access_token", s("t")),
                    ("expires_in", Value::Bool(true)),
                ]),
                "expires_in",
            ),
        ] {
            assert_eq!(check_token_answer(&v).expect_err("fails").0, want, "{v:?}");
        }
        // The fault never holds the token.
        let e = check_token_answer(&answer(vec![("access_token", s("sek ret"))])).expect_err("x");
        assert!(!format!("{e:?}").contains("sek"));
    }

    #[test]
    fn cache_arithmetic() {
        let t = CachedToken::new(Secret::new("t"), 1_000.0, 3600.0, 30);
        assert_eq!(t.refresh_at_ms(), 1_000.0 + 3_570_000.0);
        assert!(t.is_fresh(1_000.0));
        assert!(t.is_fresh(3_570_999.0));
        assert!(!t.is_fresh(3_571_000.0));
        assert!(!t.is_fresh(999.0), "a clock that went back refetches");
        assert_eq!(t.token(), &Secret::new("t"));
        // A lifetime within the leeway is never reused.
        let short = CachedToken::new(Secret::new("t"), 0.0, 20.0, 30);
        assert!(!short.is_fresh(0.0));
        let exact = CachedToken::new(Secret::new("t"), 0.0, 30.0, 30);
        assert!(!exact.is_fresh(0.0));
    }

    #[test]
    fn cache_steps() {
        let t = CachedToken::new(Secret::new("t"), 0.0, 100.0, 0);
        use TokenStep::*;
        assert_eq!(token_step(None, 0.0, false, false), Fetch);
        assert_eq!(token_step(None, 0.0, false, true), JoinInFlight);
        assert_eq!(token_step(Some(&t), 50.0, false, false), UseCached);
        // A request in flight is shared by every caller (it may be a forced
        // refresh replacing the cached token).
        assert_eq!(token_step(Some(&t), 50.0, false, true), JoinInFlight);
        assert!(forgets_cache(Fetch, true));
        assert!(!forgets_cache(Fetch, false));
        assert!(!forgets_cache(JoinInFlight, true));
        assert_eq!(token_step(Some(&t), 50.0, true, false), Fetch);
        assert_eq!(token_step(Some(&t), 50.0, true, true), JoinInFlight);
        assert_eq!(token_step(Some(&t), 100_000.0, false, false), Fetch);
        assert_eq!(token_step(Some(&t), 100_000.0, false, true), JoinInFlight);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Decodes `application/x-www-form-urlencoded` text as the URL standard does.
    fn form_decode(s: &str) -> Option<String> {
        let mut bytes = Vec::new();
        let mut it = s.bytes();
        while let Some(b) = it.next() {
            match b {
                b'+' => bytes.push(b' '),
                b'%' => {
                    let hi = char::from(it.next()?).to_digit(16)?;
                    let lo = char::from(it.next()?).to_digit(16)?;
                    bytes.push(u8::try_from(hi * 16 + lo).ok()?);
                }
                b => bytes.push(b),
            }
        }
        String::from_utf8(bytes).ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn form_encoding_round_trips_and_is_safe(v in ".{0,40}") {
            let mut out = String::new();
            form_encode(&mut out, &v);
            prop_assert!(out.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._+%".contains(&b)), "{}", out);
            prop_assert_eq!(form_decode(&out), Some(v));
        }

        #[test]
        fn the_form_holds_each_value_once(id in ".{1,20}", secret in ".{1,20}", scopes in prop::collection::vec("[!-~]{1,10}", 0..4)) {
            let o = TokenOptions {
                token_url: "https://idp.example.com/token".into(),
                client_id: id.clone(),
                client_secret: Secret::new(secret.clone()),
                scopes: scopes.clone(),
                audience: None,
                leeway_seconds: 30,
            };
            let form = token_form(&o);
            let pairs: Vec<(String, String)> = form
                .split('&')
                .filter_map(|p| p.split_once('='))
                .filter_map(|(k, v)| Some((k.to_owned(), form_decode(v)?)))
                .collect();
            let want_len = if scopes.is_empty() { 3 } else { 4 };
            prop_assert_eq!(pairs.len(), want_len);
            prop_assert_eq!(&pairs[0], &("grant_type".to_owned(), "client_credentials".to_owned()));
            prop_assert_eq!(&pairs[1], &("client_id".to_owned(), id));
            prop_assert_eq!(&pairs[2], &("client_secret".to_owned(), secret));
            if !scopes.is_empty() {
                prop_assert_eq!(&pairs[3], &("scope".to_owned(), scopes.join(" ")));
            }
        }

        #[test]
        fn a_cached_token_is_never_handed_out_past_expiry_minus_leeway(
            at in 0f64..1e13, expires in 0f64..1e6, leeway in 0u32..=3600, later in 0f64..2e9,
        ) {
            let t = CachedToken::new(Secret::new("t"), at, expires, leeway);
            if t.is_fresh(at + later) {
                prop_assert!(later < (expires - f64::from(leeway)) * 1000.0);
            }
        }

        #[test]
        fn any_token_answer_is_checked_without_panicking(
            token in prop_oneof![".{0,20}".prop_map(Value::String), Just(Value::Null), any::<f64>().prop_map(Value::Number)],
            expires in prop_oneof![".{0,12}".prop_map(Value::String), "[0-9]{1,5}(\\.[0-9]{1,3})?".prop_map(Value::String), any::<f64>().prop_map(Value::Number), Just(Value::Undefined)],
        ) {
            let v = Value::Object(vec![("access_token".into(), token), ("expires_in".into(), expires)]);
            match check_token_answer(&v) {
                Ok(a) => {
                    prop_assert!(a.expires_in_seconds.is_finite() && a.expires_in_seconds >= 0.0);
                    prop_assert!(validate::token(a.access_token.expose()).is_ok());
                }
                Err((field, _)) => prop_assert!(field == "access_token" || field == "expires_in"),
            }
        }
    }
}
