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

/// Which of the two CDF calls an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `POST /sessions`, to obtain a nonce.
    CreateSession,
    /// `POST /workflows/executions/{id}/retry`.
    RetryExecution,
}

impl Operation {
    /// The `operation` string JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::CreateSession => "createSession",
            Operation::RetryExecution => "retryExecution",
        }
    }
}

/// Longest CDF error message kept in an error's message.
const MAX_API_MESSAGE: usize = 300;
/// Longest excerpt of a body that is not a CDF error.
const MAX_EXCERPT: usize = 160;

/// A failure of `retryExecution`, with every field of the contract's `CdfError`
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
            format!("Invalid option `{shown}`: it must {reason}."),
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
                "CDF's answer to {} is not as documented: `{field}` {problem}.",
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
                "Could not reach CDF for {} ({detail}); check the network, the cluster or baseUrl, and CORS.",
                operation.as_str()
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
                            e.missing = Some(redact_value(v, redactor))
                        }
                        ("duplicated", v) if is_object_list(v) => {
                            e.duplicated = Some(redact_value(v, redactor))
                        }
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
            _ => {
                let text = outside(&excerpt(body, MAX_EXCERPT * 4), redactor, MAX_EXCERPT);
                if text.is_empty() {
                    "no error message in the answer".to_owned()
                } else {
                    format!("answer was not a CDF error: \"{text}\"")
                }
            }
        };
        e.message = format!(
            "CDF answered {status} to {}: {detail}{}",
            operation.as_str(),
            hint(status, operation)
        );
        e
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
    match (status, operation) {
        (401, _) => " (check the token: it is missing, expired or not valid for this project)",
        (403, Operation::CreateSession) => {
            " (the token lacks sessionsAcl:CREATE, or the client credentials are wrong)"
        }
        (403, Operation::RetryExecution) => " (the token lacks workflowOrchestrationACL:WRITE)",
        (404, _) => " (check project and executionId)",
        (429, _) => " (rate limited: try again later)",
        (500..=599, _) => " (a CDF server error: try again later)",
        _ => "",
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
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
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
}
