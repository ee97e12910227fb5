//! [`WorkflowExecution`]: the retry endpoint's answer, checked against the
//! seed's `WorkflowExecutionResponse` schema.

use crate::value::Value;

/// A workflow execution as CDF returns it. Optional fields are `None` when
/// the answer omits them or sets them to `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowExecution {
    /// The execution's UUID.
    pub id: String,
    /// The workflow's external id.
    pub workflow_external_id: String,
    /// `RUNNING`, `COMPLETED`, `FAILED`, `TIMED_OUT`, `TERMINATED`, or a newer value passed through.
    pub status: String,
    /// The engine's UUID for the execution.
    pub engine_execution_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_time: f64,
    /// Metadata, string to string, in the answer's order.
    pub metadata: Vec<(String, String)>,
    /// The workflow version.
    pub version: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub start_time: Option<f64>,
    /// Milliseconds since the Unix epoch.
    pub end_time: Option<f64>,
    /// Why the execution did not complete.
    pub reason_for_incompletion: Option<String>,
}

/// A schema fault: the field (dotted path) and what is wrong with it.
pub type Fault = (String, &'static str);

fn fault(field: &str, problem: &'static str) -> Fault {
    (field.to_owned(), problem)
}

fn required<'a>(body: &'a Value, field: &str) -> Result<&'a Value, Fault> {
    match body.get(field) {
        None | Some(Value::Undefined) => Err(fault(field, "is missing")),
        Some(v) => Ok(v),
    }
}

fn string_field(v: &Value, field: &str) -> Result<String, Fault> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| fault(field, "is not a string"))
}

fn uuid_field(v: &Value, field: &str) -> Result<String, Fault> {
    let s = string_field(v, field)?;
    crate::validate::uuid(&s)
        .map(|_| s)
        .map_err(|_| fault(field, "is not a UUID"))
}

/// `Number.MAX_SAFE_INTEGER`: 2^53 - 1, the largest integer JavaScript holds exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A timestamp: an integer from 0 to [`MAX_SAFE_INTEGER`] (a larger one could
/// not be returned exactly, so it is refused rather than rounded).
pub fn time_field(v: &Value, field: &str) -> Result<f64, Fault> {
    match v {
        Value::Number(n) if (0.0..=MAX_SAFE_INTEGER).contains(n) && n.fract() == 0.0 => Ok(*n),
        _ => Err(fault(
            field,
            "is not an integer from 0 to 9007199254740991 (Number.MAX_SAFE_INTEGER)",
        )),
    }
}

fn optional<T>(
    body: &Value,
    field: &str,
    check: impl Fn(&Value, &str) -> Result<T, Fault>,
) -> Result<Option<T>, Fault> {
    body.get_present(field, true)
        .map(|v| check(v, field))
        .transpose()
}

/// Checks a 2xx answer about the execution `requested` (lower case): the
/// answer's `id` must be that execution's (contract: the answer's identity).
pub fn check_execution_of(body: &Value, requested: &str) -> Result<WorkflowExecution, Fault> {
    let execution = check_execution(body)?;
    if execution.id.eq_ignore_ascii_case(requested) {
        Ok(execution)
    } else {
        Err(fault("id", "is not the requested execution's id"))
    }
}

/// Checks a 2xx answer of the retry endpoint. Unknown fields are dropped; a
/// `null` optional field counts as absent; the first fault is returned.
pub fn check_execution(body: &Value) -> Result<WorkflowExecution, Fault> {
    if !matches!(body, Value::Object(_)) {
        return Err(fault("body", "is not a JSON object"));
    }
    let id = uuid_field(required(body, "id")?, "id")?;
    let workflow_external_id =
        string_field(required(body, "workflowExternalId")?, "workflowExternalId")?;
    let status = string_field(required(body, "status")?, "status")?;
    let engine_execution_id =
        uuid_field(required(body, "engineExecutionId")?, "engineExecutionId")?;
    let created_time = time_field(required(body, "createdTime")?, "createdTime")?;
    let metadata = match required(body, "metadata")? {
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(fault("metadata", "has a value that is not a string")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(fault("metadata", "is not an object")),
    };
    Ok(WorkflowExecution {
        id,
        workflow_external_id,
        status,
        engine_execution_id,
        created_time,
        metadata,
        version: optional(body, "version", string_field)?,
        start_time: optional(body, "startTime", time_field)?,
        end_time: optional(body, "endTime", time_field)?,
        reason_for_incompletion: optional(body, "reasonForIncompletion", string_field)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "059edaa4-a17a-4102-910e-2c3591500cce";
    const ENGINE: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn full() -> Vec<(String, Value)> {
        vec![
            ("id".into(), s(ID)),
            ("workflowExternalId".into(), s("wf")),
            ("status".into(), s("RUNNING")),
            ("engineExecutionId".into(), s(ENGINE)),
            ("createdTime".into(), Value::Number(1_730_204_346_000.0)),
            ("metadata".into(), Value::Object(vec![("k".into(), s("v"))])),
            ("version".into(), s("1")),
            ("startTime".into(), Value::Number(1.0)),
            ("endTime".into(), Value::Number(0.0)),
            ("reasonForIncompletion".into(), s("r")),
        ]
    }

    fn with(changes: Vec<(&str, Option<Value>)>) -> Value {
        let mut entries = full();
        for (key, value) in changes {
            entries.retain(|(k, _)| k != key);
            if let Some(v) = value {
                entries.push((key.to_owned(), v));
            }
        }
        Value::Object(entries)
    }

    #[test]
    fn the_answer_must_be_about_the_requested_execution() {
        let body = Value::Object(full());
        let id = check_execution(&body).map(|e| e.id).unwrap_or_default();
        assert!(check_execution_of(&body, &id.to_ascii_uppercase()).is_ok());
        let other = "00000000-0000-4000-8000-000000000000";
        assert_eq!(
            check_execution_of(&body, other)
                .map(|_| ())
                .map_err(|f| f.0),
            Err("id".to_owned())
        );
    }

    #[test]
    fn a_full_answer_passes() {
        let e = check_execution(&with(vec![])).expect("valid");
        assert_eq!(e.id, ID);
        assert_eq!(e.status, "RUNNING");
        assert_eq!(e.metadata, vec![("k".to_owned(), "v".to_owned())]);
        assert_eq!(e.version.as_deref(), Some("1"));
        assert_eq!(e.end_time, Some(0.0));
    }

    #[test]
    fn optional_fields_absent_or_null_are_none_and_extras_dropped() {
        let v = with(vec![
            ("version", None),
            ("startTime", Some(Value::Null)),
            ("endTime", Some(Value::Undefined)),
            ("reasonForIncompletion", Some(Value::Null)),
            ("surprise", Some(s("x"))),
        ]);
        let e = check_execution(&v).expect("valid");
        assert_eq!(
            (
                e.version,
                e.start_time,
                e.end_time,
                e.reason_for_incompletion
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn unknown_status_passes_through() {
        let e = check_execution(&with(vec![("status", Some(s("PAUSED")))])).expect("valid");
        assert_eq!(e.status, "PAUSED");
    }

    #[test]
    fn metadata_keys_are_plain_data() {
        let md = Value::Object(vec![
            ("__proto__".into(), s("x")),
            ("constructor".into(), s("y")),
        ]);
        let e = check_execution(&with(vec![("metadata", Some(md))])).expect("valid");
        assert_eq!(e.metadata[0].0, "__proto__");
    }

    #[test]
    fn faults_name_the_field() {
        let cases: Vec<(&str, Option<Value>)> = vec![
            ("id", None),
            ("id", Some(s("not-a-uuid"))),
            ("id", Some(Value::Null)),
            ("id", Some(Value::Number(1.0))),
            ("workflowExternalId", None),
            ("workflowExternalId", Some(Value::Number(1.0))),
            ("status", None),
            ("status", Some(Value::Null)),
            ("status", Some(Value::Array(vec![]))),
            ("engineExecutionId", Some(s("x"))),
            ("createdTime", None),
            ("createdTime", Some(Value::Number(-1.0))),
            ("createdTime", Some(Value::Number(1.5))),
            ("createdTime", Some(s("1"))),
            ("createdTime", Some(Value::Number(f64::INFINITY))),
            ("createdTime", Some(Value::Number(9_007_199_254_740_992.0))),
            ("createdTime", Some(Value::Number(1e308))),
            ("metadata", None),
            ("metadata", Some(Value::Null)),
            ("metadata", Some(Value::Array(vec![]))),
            (
                "metadata",
                Some(Value::Object(vec![("k".into(), Value::Number(1.0))])),
            ),
            ("version", Some(Value::Number(1.0))),
            ("startTime", Some(Value::Number(-5.0))),
            ("endTime", Some(s("x"))),
            ("reasonForIncompletion", Some(Value::Bool(false))),
        ];
        for (key, value) in cases {
            let (field, _) =
                check_execution(&with(vec![(key, value.clone())])).expect_err("should fail");
            assert_eq!(field, key, "{key} = {value:?}");
        }
    }

    #[test]
    fn non_objects_fail_as_body() {
        for v in [
            Value::Null,
            s("x"),
            Value::Array(vec![]),
            Value::Number(1.0),
        ] {
            assert_eq!(check_execution(&v).expect_err("fails").0, "body");
        }
    }
}
