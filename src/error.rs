//! [`CdfError`]: every failure, as data. The wasm-bindgen layer turns it into a
//! JavaScript `Error` named `"CdfError"` in one place (`js/output.rs`).

use crate::secret::{excerpt, one_line, outside, Redactor};
use crate::value::Value;

/// What went wrong, as the contract's `kind` field names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An option was refused before any request.
    InvalidInput,
    /// CDF answered with an error status.
    Api,
    /// The fetch failed: DNS, refused, reset, CORS.
    Network,
    /// The call's deadline (`timeoutMs`) passed.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// A 2xx answer did not match the documented schema.
    InvalidResponse,
}

impl ErrorKind {
    /// The `kind` string JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Api => "api",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::InvalidResponse => "invalid_response",
        }
    }
}

/// Which request an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `POST /sessions`, to obtain a nonce.
    CreateSession,
    /// `POST /workflows/executions/{id}/retry`.
    RetryExecution,
    /// `POST /workflows/executions/list` (`listExecutions`, and `retryExecutions` with a filter).
    ListExecutions,
    /// `GET /workflows/executions/{id}` (`getExecution`, and each poll of `waitForExecution`).
    GetExecution,
    /// `POST {tokenUrl}`: the OAuth client-credentials grant of `clientCredentialsToken`.
    GetToken,
    /// `POST /workflows/executions/{id}/cancel` (`cancelExecution`).
    CancelExecution,
    /// `GET /workflows/triggers/{triggerExternalId}/history` (`listTriggerRuns`).
    ListTriggerRuns,
}

impl Operation {
    /// The `operation` string JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::CreateSession => "createSession",
            Operation::RetryExecution => "retryExecution",
            Operation::ListExecutions => "listExecutions",
            Operation::GetExecution => "getExecution",
            Operation::GetToken => "getToken",
            Operation::CancelExecution => "cancelExecution",
            Operation::ListTriggerRuns => "listTriggerRuns",
        }
    }

    /// Whether the request is read-only: it sends no nonce and changes nothing,
    /// so it may be sent again after any failure that may pass (429, 502, 503,
    /// 504, a network failure, `cdf-is-auto-retryable`). The token request counts
    /// as read-only: asking for another token is harmless; so does a cancel,
    /// which changes nothing twice.
    pub fn is_read_only(self) -> bool {
        matches!(
            self,
            Operation::ListExecutions
                | Operation::GetExecution
                | Operation::GetToken
                | Operation::CancelExecution
                | Operation::ListTriggerRuns
        )
    }

    /// Whether the request carries the caller's bearer token (every CDF request
    /// does; the token request to the identity provider does not).
    pub fn uses_bearer_token(self) -> bool {
        self != Operation::GetToken
    }

    /// Who answers this request, for messages.
    fn server(self) -> &'static str {
        match self {
            Operation::GetToken => "the identity provider",
            _ => "CDF",
        }
    }
}

/// Longest CDF error message kept in an error's message.
const MAX_API_MESSAGE: usize = 300;
/// Longest excerpt of a body that is not a CDF error.
const MAX_EXCERPT: usize = 160;
/// Longest OAuth `error` code kept.
const MAX_OAUTH_CODE: usize = 100;
/// Most keys of a CDF or OAuth error object kept in `extra` (the first ones, in
/// the answer's order): a hostile answer's thousands of keys cost no more.
const MAX_EXTRA_KEYS: usize = 100;
/// Most entries of `missing` and `duplicated` kept (CDF lists at most 1000).
const MAX_LISTED: usize = 1000;
/// Longest status shown in a wait's timeout message.
const MAX_STATUS: usize = 40;

/// A failure of any call, with every field of the contract's `CdfError`
/// except `cause` (a JavaScript value the wasm layer attaches).
#[derive(Debug, Clone, PartialEq)]
pub struct CdfError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// One line a person can act on; never holds a secret.
    pub message: String,
    /// The call that failed; `None` for `invalid_input`.
    pub operation: Option<Operation>,
    /// The HTTP status, for `api`.
    pub status: Option<u16>,
    /// `error.code` of a CDF error body, when it is a number (else it goes to `extra`).
    pub code: Option<f64>,
    /// The `error` string of an OAuth error body (`getToken`), e.g. `"invalid_client"`:
    /// JavaScript's `code` when [`CdfError::code`] is `None` (at most one of the two
    /// is set; [`CdfError::code_value`] gives whichever is).
    pub code_text: Option<String>,
    /// `error.missing` of a CDF error body, when it is an array of objects (else it goes to `extra`).
    pub missing: Option<Value>,
    /// `error.duplicated` of a CDF error body, when it is an array of objects (else it goes to `extra`).
    pub duplicated: Option<Value>,
    /// Other keys of a CDF error body's `error` object.
    pub extra: Option<Vec<(String, Value)>>,
    /// The `x-request-id` answer header.
    pub request_id: Option<String>,
    /// The option (`invalid_input`) or answer field (`invalid_response`) at fault.
    pub field: Option<String>,
    /// Whether the same call later may succeed.
    pub retryable: bool,
    /// How many HTTP requests the call sent, session requests included.
    pub attempts: u32,
}

impl CdfError {
    fn new(kind: ErrorKind, operation: Option<Operation>, message: String) -> Self {
        CdfError {
            kind,
            message,
            operation,
            status: None,
            code: None,
            code_text: None,
            missing: None,
            duplicated: None,
            extra: None,
            request_id: None,
            field: None,
            retryable: matches!(kind, ErrorKind::Network | ErrorKind::Timeout),
            attempts: 0,
        }
    }

    /// An option was refused: `field` names it, `reason` completes "`field` must …".
    pub fn invalid_input(field: impl Into<String>, reason: &str) -> Self {
        let field = field.into();
        // The field may be any key of the caller's object: shown as one short line.
        let shown = one_line(&field, 64);
        let mut e = CdfError::new(
            ErrorKind::InvalidInput,
            None,
            format!("Invalid option \"{shown}\": it must {reason}."),
        );
        e.field = Some(field);
        e
    }

    /// A 2xx answer failed the schema check at `field`.
    pub fn invalid_response(operation: Operation, field: impl Into<String>, problem: &str) -> Self {
        let field = field.into();
        let mut e = CdfError::new(
            ErrorKind::InvalidResponse,
            Some(operation),
            format!(
                "{} answer to {} is not as documented: {field} {problem}.",
                capitalised_possessive(operation.server()),
                operation.as_str()
            ),
        );
        e.field = Some(field);
        e
    }

    /// The fetch failed before an answer; `detail` is the platform's message.
    pub fn network(operation: Operation, detail: &str, redactor: &Redactor) -> Self {
        let detail = outside(detail, redactor, MAX_EXCERPT);
        let detail = if detail.is_empty() {
            "fetch failed".to_owned()
        } else {
            detail
        };
        CdfError::new(
            ErrorKind::Network,
            Some(operation),
            format!(
                "Could not reach {} for {} ({detail}); check the network, {}, and CORS.",
                operation.server(),
                operation.as_str(),
                if operation == Operation::GetToken {
                    "tokenUrl"
                } else {
                    "the cluster or baseUrl"
                }
            ),
        )
    }

    /// The deadline passed during `operation`.
    pub fn timeout(operation: Operation, timeout_ms: u32) -> Self {
        CdfError::new(
            ErrorKind::Timeout,
            Some(operation),
            format!(
                "Gave up on {} after the {timeout_ms} ms deadline (timeoutMs); try again or allow more time.",
                operation.as_str()
            ),
        )
    }

    /// The caller's signal fired during `operation`.
    pub fn aborted(operation: Operation) -> Self {
        CdfError::new(
            ErrorKind::Aborted,
            Some(operation),
            format!("{} was aborted by the caller's signal.", operation.as_str()),
        )
    }

    /// CDF answered `status`. `parsed` is the body as JSON when it was JSON;
    /// `body` the raw text, for an excerpt when it is not a CDF error.
    pub fn api(
        operation: Operation,
        status: u16,
        body: &str,
        parsed: Option<&Value>,
        request_id: Option<String>,
        redactor: &Redactor,
    ) -> Self {
        let mut e = CdfError::new(ErrorKind::Api, Some(operation), String::new());
        e.status = Some(status);
        e.request_id = request_id;
        e.retryable = status == 429 || (500..=599).contains(&status);
        let cdf_message = match parsed.and_then(|v| v.get("error")) {
            Some(Value::Object(fields)) => {
                let mut message = None;
                let mut extra = Vec::new();
                for (key, value) in fields {
                    match (key.as_str(), value) {
                        ("message", Value::String(m)) => message = Some(m.clone()),
                        ("code", Value::Number(n)) => e.code = Some(*n),
                        ("missing", v) if is_object_list(v) => {
                            e.missing = Some(redact_value(&first_listed(v), redactor))
                        }
                        ("duplicated", v) if is_object_list(v) => {
                            e.duplicated = Some(redact_value(&first_listed(v), redactor))
                        }
                        _ if extra.len() >= MAX_EXTRA_KEYS => {}
                        (k, v) => extra.push((redact_str(k, redactor), redact_value(v, redactor))),
                    }
                }
                if !extra.is_empty() {
                    e.extra = Some(extra);
                }
                message.map(|m| outside(&m, redactor, MAX_API_MESSAGE))
            }
            _ => None,
        };
        let detail = match cdf_message {
            Some(m) if !m.is_empty() => m,
            _ => body_excerpt(body, redactor, "a CDF error"),
        };
        e.message = format!(
            "CDF answered {status} to {}: {detail}{}",
            operation.as_str(),
            hint(status, operation)
        );
        e
    }

    /// The identity provider answered `status` to the token request
    /// (`getToken`). An OAuth error body (RFC 6749 section 5.2,
    /// `{"error":"invalid_client","error_description":"…"}`) gives
    /// [`CdfError::code_text`] (the `error` string) and the message (from
    /// `error_description`); its other keys (`error_uri`, `trace_id`, …) go to
    /// `extra`. Any other body gives a short cleaned excerpt. Every text from
    /// the answer is redacted.
    pub fn oauth(
        status: u16,
        body: &str,
        parsed: Option<&Value>,
        request_id: Option<String>,
        redactor: &Redactor,
    ) -> Self {
        let operation = Operation::GetToken;
        let mut e = CdfError::new(ErrorKind::Api, Some(operation), String::new());
        e.status = Some(status);
        e.request_id = request_id;
        e.retryable = status == 429 || (500..=599).contains(&status);
        let oauth = match parsed {
            Some(Value::Object(fields)) => match parsed.and_then(|p| p.get("error")) {
                Some(Value::String(code)) => Some((code, fields)),
                _ => None,
            },
            _ => None,
        };
        let detail = match oauth {
            Some((code, fields)) => {
                let code = outside(code, redactor, MAX_OAUTH_CODE);
                let mut description = None;
                let mut extra = Vec::new();
                for (key, value) in fields {
                    match (key.as_str(), value) {
                        ("error", _) => {}
                        ("error_description", Value::String(d)) => {
                            description = Some(outside(d, redactor, MAX_API_MESSAGE))
                        }
                        _ if extra.len() >= MAX_EXTRA_KEYS => {}
                        (k, v) => extra.push((redact_str(k, redactor), redact_value(v, redactor))),
                    }
                }
                if !extra.is_empty() {
                    e.extra = Some(extra);
                }
                let detail = match description {
                    Some(d) if !d.is_empty() => format!("{code}: {d}"),
                    _ if code.is_empty() => "an OAuth error without a code".to_owned(),
                    _ => code.clone(),
                };
                if !code.is_empty() {
                    e.code_text = Some(code);
                }
                detail
            }
            None => body_excerpt(body, redactor, "an OAuth error"),
        };
        e.message = format!(
            "The identity provider answered {status} to {}: {detail}{}",
            operation.as_str(),
            hint(status, operation)
        );
        e
    }

    /// `waitForExecution` gave up: its deadline passed, or the next poll's
    /// wait would pass it. `last_status` is the status of the last successful
    /// poll (redacted and cut to one short line).
    pub fn wait_timeout(timeout_ms: u32, last_status: Option<&str>, redactor: &Redactor) -> Self {
        let seen =
            match last_status.map(|s| outside(&excerpt(s, MAX_STATUS * 4), redactor, MAX_STATUS)) {
                Some(s) if !s.is_empty() => format!("its last seen status was {s}"),
                _ => "no poll succeeded".to_owned(),
            };
        CdfError::new(
            ErrorKind::Timeout,
            Some(Operation::GetExecution),
            format!(
                "Gave up waiting for the execution after the {timeout_ms} ms deadline (timeoutMs): {seen}; try again or allow more time."
            ),
        )
    }

    /// JavaScript's `code`: [`CdfError::code`] as a number, else
    /// [`CdfError::code_text`] as a string.
    pub fn code_value(&self) -> Option<Value> {
        match (self.code, &self.code_text) {
            (Some(n), _) => Some(Value::Number(n)),
            (None, Some(text)) => Some(Value::String(text.clone())),
            (None, None) => None,
        }
    }

    /// This error for an answer that carried `cdf-is-auto-retryable: true`:
    /// CDF says the same request may succeed later, whatever its status.
    pub fn auto_retryable(mut self, auto_retryable: bool) -> Self {
        self.retryable |= auto_retryable;
        self
    }

    /// This error with the answer's `x-request-id`.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// This error with the number of requests sent so far.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }
}

/// What a person can do about a status, as a sentence after the message.
fn hint(status: u16, operation: Operation) -> &'static str {
    use Operation::*;
    match (status, operation) {
        (400 | 401 | 403, GetToken) => {
            " (check tokenUrl, clientId, clientSecret, scopes and audience)"
        }
        (404, GetToken) => " (check tokenUrl)",
        (500..=599, GetToken) => " (an identity provider error: try again later)",
        (401, _) => " (check the token: it is missing, expired or not valid for this project)",
        (403, CreateSession) => {
            " (the token lacks sessionsAcl:CREATE, or the client credentials are wrong)"
        }
        (403, RetryExecution | CancelExecution) => {
            " (the token lacks workflowOrchestrationACL:WRITE)"
        }
        (403, ListExecutions | GetExecution | ListTriggerRuns) => {
            " (the token lacks workflowOrchestrationACL:READ)"
        }
        (404, ListExecutions) => " (check project)",
        (404, ListTriggerRuns) => " (check project and triggerExternalId)",
        (404, _) => " (check project and executionId)",
        (429, _) => " (rate limited: try again later)",
        (500..=599, _) => " (a CDF server error: try again later)",
        _ => "",
    }
}

/// `"CDF's"` or `"The identity provider's"`.
fn capitalised_possessive(server: &str) -> String {
    let mut chars = server.chars();
    match chars.next() {
        Some(first) => format!("{}{}'s", first.to_ascii_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A short cleaned excerpt of an error body that is not `what`, or a note that it was empty.
fn body_excerpt(body: &str, redactor: &Redactor, what: &str) -> String {
    let text = outside(&excerpt(body, MAX_EXCERPT * 4), redactor, MAX_EXCERPT);
    if text.is_empty() {
        "no error message in the answer".to_owned()
    } else {
        format!("answer was not {what}: \"{text}\"")
    }
}

/// The first [`MAX_LISTED`] entries of a `missing` or `duplicated` array.
fn first_listed(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().take(MAX_LISTED).cloned().collect()),
        other => other.clone(),
    }
}

/// An array of objects, as CDF's `missing` and `duplicated` are documented.
fn is_object_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(|i| matches!(i, Value::Object(_))))
}

fn redact_str(s: &str, redactor: &Redactor) -> String {
    redactor.redact(s)
}

/// `v` with every string (keys included) passed through the redactor.
fn redact_value(v: &Value, redactor: &Redactor) -> Value {
    match v {
        Value::String(s) => Value::String(redactor.redact(s)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| redact_value(i, redactor)).collect())
        }
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (redactor.redact(k), redact_value(v, redactor)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(entries)
    }

    #[test]
    fn invalid_input_names_the_field() {
        let e = CdfError::invalid_input("executionId", "be a UUID");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("executionId"));
        assert_eq!(e.operation, None);
        assert!(!e.retryable);
        assert_eq!(e.attempts, 0);
        assert!(e.message.contains("executionId"));
    }

    #[test]
    fn api_error_from_a_cdf_body() {
        let body = obj(vec![(
            "error",
            obj(vec![
                ("code", Value::Number(404.0)),
                (
                    "message",
                    Value::String("Workflow execution not found".into()),
                ),
                (
                    "missing",
                    Value::Array(vec![obj(vec![("id", Value::String("x".into()))])]),
                ),
                ("duplicated", Value::Array(vec![])),
                ("hint", Value::String("h".into())),
            ]),
        )]);
        let e = CdfError::api(
            Operation::RetryExecution,
            404,
            "{}",
            Some(&body),
            Some("req-1".into()),
            &Redactor::default(),
        );
        assert_eq!(e.kind, ErrorKind::Api);
        assert_eq!(e.status, Some(404));
        assert_eq!(e.code, Some(404.0));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(
            e.missing,
            Some(Value::Array(vec![obj(vec![(
                "id",
                Value::String("x".into())
            )])]))
        );
        assert_eq!(e.duplicated, Some(Value::Array(vec![])));
        assert_eq!(
            e.extra,
            Some(vec![("hint".to_owned(), Value::String("h".into()))])
        );
        assert!(!e.retryable);
        assert!(e.message.contains("404"));
        // `missing` that is not a list of objects goes to `extra`, as the types promise.
        let odd = obj(vec![(
            "error",
            obj(vec![(
                "missing",
                Value::Array(vec![Value::String("a".into())]),
            )]),
        )]);
        let e2 = CdfError::api(
            Operation::RetryExecution,
            404,
            "",
            Some(&odd),
            None,
            &Redactor::default(),
        );
        assert_eq!(e2.missing, None);
        assert_eq!(e2.extra.map(|x| x.len()), Some(1));
        assert!(e.message.contains("Workflow execution not found"));
        assert!(!e.message.contains('\n'));
    }

    #[test]
    fn api_error_from_html() {
        let html = "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>";
        let e = CdfError::api(
            Operation::CreateSession,
            502,
            html,
            None,
            None,
            &Redactor::default(),
        );
        assert_eq!(e.status, Some(502));
        assert!(e.retryable);
        assert_eq!(e.code, None);
        assert!(e.message.contains("502 Bad Gateway nginx"), "{}", e.message);
        assert!(!e.message.contains('<'));
    }

    #[test]
    fn api_error_from_json_that_is_not_a_cdf_error() {
        let v = obj(vec![("error", Value::String("nope".into()))]);
        let e = CdfError::api(
            Operation::RetryExecution,
            500,
            "{\"error\":\"nope\"}",
            Some(&v),
            None,
            &Redactor::default(),
        );
        assert!(e.message.contains("nope"));
        assert_eq!(e.code, None);
        let e = CdfError::api(
            Operation::RetryExecution,
            400,
            "",
            None,
            None,
            &Redactor::default(),
        );
        assert!(e.message.contains("no error message"));
    }

    #[test]
    fn api_error_redacts_echoed_secrets() {
        let mut r = Redactor::default();
        r.add(&Secret::new("sekret-nonce"));
        let body = obj(vec![(
            "error",
            obj(vec![
                ("message", Value::String("bad nonce sekret-nonce".into())),
                ("echo", Value::String("sekret-nonce".into())),
            ]),
        )]);
        let e = CdfError::api(Operation::RetryExecution, 400, "", Some(&body), None, &r);
        assert!(!format!("{e:?}").contains("sekret-nonce"));
        let e = CdfError::api(
            Operation::RetryExecution,
            400,
            "<b>sekret-nonce</b>",
            None,
            None,
            &r,
        );
        assert!(!e.message.contains("sekret-nonce"));
    }

    #[test]
    fn the_auto_retryable_header_makes_any_status_retryable() {
        let e = CdfError::api(
            Operation::RetryExecution,
            409,
            "",
            None,
            None,
            &Redactor::default(),
        );
        assert!(!e.clone().auto_retryable(false).retryable);
        assert!(e.auto_retryable(true).retryable);
    }

    #[test]
    fn retryable_statuses() {
        for (status, retryable) in [
            (400, false),
            (401, false),
            (404, false),
            (429, true),
            (500, true),
            (503, true),
            (599, true),
        ] {
            let e = CdfError::api(
                Operation::RetryExecution,
                status,
                "",
                None,
                None,
                &Redactor::default(),
            );
            assert_eq!(e.retryable, retryable, "{status}");
        }
        assert!(CdfError::network(Operation::CreateSession, "x", &Redactor::default()).retryable);
        assert!(CdfError::timeout(Operation::CreateSession, 5).retryable);
        assert!(!CdfError::aborted(Operation::CreateSession).retryable);
        assert!(
            !CdfError::invalid_response(Operation::CreateSession, "id", "is missing").retryable
        );
    }

    #[test]
    fn oauth_errors_carry_the_code_as_text() {
        let mut r = Redactor::default();
        r.add(&Secret::new("s3cret-value"));
        let body = obj(vec![
            ("error", Value::String("invalid_client".into())),
            (
                "error_description",
                Value::String(
                    "AADSTS7000215: Invalid client secret s3cret-value\nprovided.".into(),
                ),
            ),
            (
                "error_codes",
                Value::Array(vec![Value::Number(7_000_215.0)]),
            ),
            ("trace_id", Value::String("t-1".into())),
        ]);
        let e = CdfError::oauth(401, "{}", Some(&body), Some("rq".into()), &r);
        assert_eq!(e.kind, ErrorKind::Api);
        assert_eq!(e.operation, Some(Operation::GetToken));
        assert_eq!(e.status, Some(401));
        assert_eq!(e.code, None);
        assert_eq!(e.code_text.as_deref(), Some("invalid_client"));
        assert_eq!(e.code_value(), Some(Value::String("invalid_client".into())));
        assert_eq!(e.request_id.as_deref(), Some("rq"));
        assert!(!e.retryable);
        assert_eq!(
            e.message,
            "The identity provider answered 401 to getToken: invalid_client: AADSTS7000215: Invalid client secret *** provided. (check tokenUrl, clientId, clientSecret, scopes and audience)"
        );
        assert_eq!(e.extra.as_ref().map(Vec::len), Some(2));
        assert!(!format!("{e:?}").contains("s3cret-value"));

        // Only a code.
        let body = obj(vec![("error", Value::String("invalid_scope".into()))]);
        let e = CdfError::oauth(400, "", Some(&body), None, &r);
        assert!(
            e.message.contains("400 to getToken: invalid_scope ("),
            "{}",
            e.message
        );
        assert_eq!(e.extra, None);

        // Not an OAuth error: an excerpt, no code.
        let e = CdfError::oauth(503, "<h1>Service Unavailable</h1>", None, None, &r);
        assert_eq!(e.code_value(), None);
        assert!(e.retryable);
        assert!(
            e.message
                .contains("answer was not an OAuth error: \"Service Unavailable\""),
            "{}",
            e.message
        );
        let odd = obj(vec![("error", obj(vec![("code", Value::Number(1.0))]))]);
        let e = CdfError::oauth(400, "{}", Some(&odd), None, &r);
        assert_eq!(e.code_value(), None);
        // A secret as the code is masked.
        let body = obj(vec![("error", Value::String("s3cret-value".into()))]);
        let e = CdfError::oauth(400, "", Some(&body), None, &r);
        assert_eq!(e.code_text.as_deref(), Some("***"));
    }

    #[test]
    fn code_value_prefers_the_number() {
        let body = obj(vec![(
            "error",
            obj(vec![
                ("code", Value::Number(400.0)),
                ("message", Value::String("m".into())),
            ]),
        )]);
        let e = CdfError::api(
            Operation::ListExecutions,
            400,
            "",
            Some(&body),
            None,
            &Redactor::default(),
        );
        assert_eq!(e.code_value(), Some(Value::Number(400.0)));
        assert_eq!(CdfError::aborted(Operation::GetToken).code_value(), None);
    }

    #[test]
    fn new_operations_and_their_words() {
        for (op, name) in [
            (Operation::ListExecutions, "listExecutions"),
            (Operation::GetExecution, "getExecution"),
            (Operation::GetToken, "getToken"),
        ] {
            assert_eq!(op.as_str(), name);
            assert!(op.is_read_only());
        }
        assert!(!Operation::CreateSession.is_read_only());
        assert!(!Operation::RetryExecution.is_read_only());
        assert!(!Operation::GetToken.uses_bearer_token());
        assert!(Operation::GetExecution.uses_bearer_token());
        let r = Redactor::default();
        let e = CdfError::network(Operation::GetToken, "TypeError: fetch failed", &r);
        assert!(e
            .message
            .starts_with("Could not reach the identity provider for getToken"));
        assert!(e.message.contains("tokenUrl"));
        let e = CdfError::invalid_response(Operation::GetToken, "access_token", "is missing");
        assert!(e
            .message
            .starts_with("The identity provider's answer to getToken"));
        let e =
            CdfError::invalid_response(Operation::ListExecutions, "items[3].status", "is missing");
        assert_eq!(
            e.message,
            "CDF's answer to listExecutions is not as documented: items[3].status is missing."
        );
        let api = |op, status| CdfError::api(op, status, "", None, None, &r).message;
        assert!(api(Operation::GetExecution, 403).contains("workflowOrchestrationACL:READ"));
        assert!(api(Operation::ListExecutions, 403).contains("workflowOrchestrationACL:READ"));
        assert!(api(Operation::ListExecutions, 404).ends_with("(check project)"));
        assert!(api(Operation::GetExecution, 404).ends_with("(check project and executionId)"));
    }

    #[test]
    fn wait_timeouts_name_the_last_status() {
        let mut r = Redactor::default();
        r.add(&Secret::new("tok"));
        let e = CdfError::wait_timeout(900_000, Some("RUNNING"), &r);
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert_eq!(e.operation, Some(Operation::GetExecution));
        assert!(e.retryable);
        assert!(e.message.contains("900000 ms"));
        assert!(e.message.contains("its last seen status was RUNNING"));
        let e = CdfError::wait_timeout(5, None, &r);
        assert!(e.message.contains("no poll succeeded"));
        let e = CdfError::wait_timeout(5, Some("tok\n<b>x</b>"), &r);
        assert!(
            e.message.contains("its last seen status was *** x;"),
            "{}",
            e.message
        );
    }

    #[test]
    fn huge_error_objects_keep_bounded_details() {
        let mut fields: Vec<(String, Value)> = vec![
            ("code".into(), Value::Number(400.0)),
            ("message".into(), Value::String("bad".into())),
        ];
        for i in 0..5000 {
            fields.push((format!("k{i}"), Value::Number(1.0)));
        }
        let missing = Value::Array((0..3000).map(|_| Value::object([])).collect());
        fields.push(("missing".into(), missing));
        let body = Value::object([("error", Value::Object(fields))]);
        let e = CdfError::api(
            Operation::GetExecution,
            400,
            "",
            Some(&body),
            None,
            &Redactor::default(),
        );
        assert_eq!(e.extra.as_ref().map(Vec::len), Some(MAX_EXTRA_KEYS));
        assert!(matches!(&e.missing, Some(Value::Array(items)) if items.len() == MAX_LISTED));
        assert!(e
            .message
            .starts_with("CDF answered 400 to getExecution: bad"));
    }
}
