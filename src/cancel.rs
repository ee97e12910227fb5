//! `cancelExecution` (version 0.3): its options and request body, for
//! `POST {origin}/api/v1/projects/{project}/workflows/executions/{executionId}/cancel`
//! (`seed/cdf-openapi-executions.json`). The answer is checked like the
//! retry's, identity rule included ([`crate::execution`]). Cancelling changes
//! nothing twice, so the request follows the read-only retry rules
//! ([`crate::error::Operation::is_read_only`]).

use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::fields::{bad, string};
use crate::json::{ObjectWriter, ToJson};
use crate::options::{execution_id, DEFAULT_TIMEOUT_MS};
use crate::value::Value;

/// What `cancelExecution` adds to the connection options.
pub const CANCEL_EXECUTION: CallSpec = CallSpec {
    name: "cancelExecution",
    own_keys: &["executionId", "reason"],
    refused: &[],
    example: "{ project, cluster, token, executionId, reason? }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Longest `reason`, in characters (CDF's limit).
pub const MAX_REASON_CHARS: usize = 500;

/// Validated `cancelExecution` options.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelExecutionOptions {
    /// The connection options (`timeoutMs` default 60000).
    pub connection: Connection,
    /// The execution to cancel: a UUID, in lower case.
    pub execution_id: String,
    /// Why, as CDF records it: 1 to 500 characters, no NUL.
    pub reason: Option<String>,
}

/// Validates `cancelExecution`'s options: the connection options,
/// `executionId` as for the retry, and the optional `reason`.
pub fn parse_cancel_execution_options(options: &Value) -> Result<CancelExecutionOptions, CdfError> {
    let (connection, (execution_id, reason)) = parse_call(options, &CANCEL_EXECUTION, |o| {
        let id = execution_id(o.get_present("executionId", false))?;
        const REASON: &str = "be a string of 1 to 500 characters without NUL characters";
        let reason = match o.get_present("reason", false) {
            None => None,
            Some(v) => {
                let r = string(v, "reason", REASON)?;
                if !(1..=MAX_REASON_CHARS).contains(&r.chars().count()) || r.contains('\0') {
                    return Err(bad("reason", REASON));
                }
                Some(r.to_owned())
            }
        };
        Ok((id, reason))
    })?;
    Ok(CancelExecutionOptions {
        connection,
        execution_id,
        reason,
    })
}

/// The cancel request's body: `{"reason":…}`, or `{}` without a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelBody<'a> {
    /// The reason given, if any.
    pub reason: Option<&'a str>,
}

impl ToJson for CancelBody<'_> {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        if let Some(reason) = self.reason {
            o.field("reason", reason);
        }
        o.end();
    }
}

/// `POST {origin}/api/v1/projects/{project}/workflows/executions/{executionId}/cancel`.
pub fn cancel_url(origin: &str, project: &str, execution_id: &str) -> String {
    format!("{origin}/api/v1/projects/{project}/workflows/executions/{execution_id}/cancel")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn options(extra: Vec<(&str, Value)>) -> Value {
        let mut entries = vec![
            ("project", s("my-project")),
            ("cluster", s("westeurope-1")),
            ("token", s("t")),
            ("executionId", s("059EDAA4-A17A-4102-910E-2C3591500CCE")),
        ];
        for (k, v) in extra {
            entries.retain(|(key, _)| *key != k);
            entries.push((k, v));
        }
        Value::object(entries)
    }

    #[test]
    fn options_and_body() {
        let o = parse_cancel_execution_options(&options(vec![])).expect("valid");
        assert_eq!(o.execution_id, "059edaa4-a17a-4102-910e-2c3591500cce");
        assert_eq!(o.reason, None);
        assert_eq!(CancelBody { reason: None }.to_json(), "{}");
        let o = parse_cancel_execution_options(&options(vec![("reason", s("stuck \"x\""))]))
            .expect("valid");
        assert_eq!(
            CancelBody {
                reason: o.reason.as_deref()
            }
            .to_json(),
            r#"{"reason":"stuck \"x\""}"#
        );
        let long = "é".repeat(MAX_REASON_CHARS);
        assert!(parse_cancel_execution_options(&options(vec![("reason", s(&long))])).is_ok());
        assert_eq!(
            cancel_url("https://a.com", "p", "id"),
            "https://a.com/api/v1/projects/p/workflows/executions/id/cancel"
        );
    }

    #[test]
    fn bad_options_name_their_field() {
        let too_long = "a".repeat(MAX_REASON_CHARS + 1);
        for (extra, field) in [
            (vec![("reason", s(""))], "reason"),
            (vec![("reason", s(&too_long))], "reason"),
            (vec![("reason", s("a\0b"))], "reason"),
            (vec![("reason", Value::Number(1.0))], "reason"),
            (vec![("executionId", s("nope"))], "executionId"),
            (vec![("nonce", s("n"))], "nonce"),
            (vec![("reasons", s("x"))], "reasons"),
        ] {
            let e = parse_cancel_execution_options(&options(extra)).expect_err(field);
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert_eq!(e.field.as_deref(), Some(field), "{}", e.message);
        }
        // A reason set to undefined counts as absent.
        assert!(
            parse_cancel_execution_options(&options(vec![("reason", Value::Undefined)])).is_ok()
        );
    }
}
