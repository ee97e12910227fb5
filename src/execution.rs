//! [`WorkflowExecution`]: the retry endpoint's answer, checked against the
//! seed's `WorkflowExecutionResponse` schema.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::check;
use crate::json::{ObjectWriter, ToJson};
use crate::value::Value;

/// A workflow execution as CDF returns it (`WorkflowExecutionResponse` in
/// `seed/cdf-openapi-executions.json`). Optional fields are `None` when the
/// answer omits them or sets them to `null`.
///
/// Serialises (serde) with the contract's camelCase names, `metadata` as a
/// map and `None` fields skipped; [`crate::json::ToJson`] writes the same as
/// JSON text, which is what the wasm layer should `JSON.parse` (see [`crate::json`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecution {
    /// The execution's UUID.
    pub id: String,
    /// The workflow's external id.
    pub workflow_external_id: String,
    /// `RUNNING`, `COMPLETED`, `FAILED`, `TIMED_OUT`, `TERMINATED`, or a newer value passed through.
    pub status: String,
    /// The engine's UUID for the execution.
    pub engine_execution_id: String,
    /// Milliseconds since the Unix epoch: an integer from 0 to 2^53 - 1.
    pub created_time: f64,
    /// Metadata, string to string, in the answer's order.
    #[serde(serialize_with = "pairs_as_map")]
    pub metadata: Vec<(String, String)>,
    /// The workflow version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Milliseconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    /// Milliseconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<f64>,
    /// Why the execution did not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
}

/// A schema fault: the field (its path, e.g. `items[3].status`) and what is wrong with it.
pub type Fault = (String, &'static str);

/// Checks a 2xx answer of the retry endpoint. Unknown fields are dropped; a
/// `null` optional field counts as absent; the first fault is returned.
pub fn check_execution(body: &Value) -> Result<WorkflowExecution, Fault> {
    check_execution_at(body, "")
}

/// Checks a `WorkflowExecutionResponse` found at `prefix` of an answer
/// (`""` for a whole answer, `"items[3]"` for a list item): faults name
/// `prefix.field`, and a value that is not an object names `prefix` (`body` at the top).
pub fn check_execution_at(body: &Value, prefix: &str) -> Result<WorkflowExecution, Fault> {
    if !matches!(body, Value::Object(_)) {
        let at = if prefix.is_empty() { "body" } else { prefix };
        return Err((at.to_owned(), "is not a JSON object"));
    }
    let id = check::field(body, prefix, "id", check::uuid)?;
    let workflow_external_id = check::field(body, prefix, "workflowExternalId", check::string)?;
    let status = check::field(body, prefix, "status", check::string)?;
    let engine_execution_id = check::field(body, prefix, "engineExecutionId", check::uuid)?;
    let created_time = check::field(body, prefix, "createdTime", check::time)?;
    let metadata = check::field(body, prefix, "metadata", |v, field| match v {
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err((field.clone(), "has a value that is not a string")),
            })
            .collect::<Result<Vec<_>, _>>(),
        _ => Err((field, "is not an object")),
    })?;
    Ok(WorkflowExecution {
        id,
        workflow_external_id,
        status,
        engine_execution_id,
        created_time,
        metadata,
        version: check::optional(body, prefix, "version", check::string)?,
        start_time: check::optional(body, prefix, "startTime", check::time)?,
        end_time: check::optional(body, prefix, "endTime", check::time)?,
        reason_for_incompletion: check::optional(
            body,
            prefix,
            "reasonForIncompletion",
            check::string,
        )?,
    })
}

/// The identity rule: the answer's `id` must be the requested execution
/// (compared in lower case); otherwise a fault on `id`.
pub fn check_identity(execution: &WorkflowExecution, requested_id: &str) -> Result<(), Fault> {
    if execution.id.eq_ignore_ascii_case(requested_id) {
        Ok(())
    } else {
        Err(("id".to_owned(), "is not the requested executionId"))
    }
}

impl WorkflowExecution {
    /// Writes this execution's fields into an open JSON object (for results
    /// that extend it, such as the execution details).
    pub fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("id", &self.id)
            .field("workflowExternalId", &self.workflow_external_id)
            .field("status", &self.status)
            .field("engineExecutionId", &self.engine_execution_id)
            .field("createdTime", &self.created_time)
            .field("metadata", self.metadata.as_slice())
            .optional("version", &self.version)
            .optional("startTime", &self.start_time)
            .optional("endTime", &self.end_time)
            .optional("reasonForIncompletion", &self.reason_for_incompletion);
    }
}

impl ToJson for WorkflowExecution {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        self.write_fields(&mut o);
        o.end();
    }
}

/// Serialises `(key, value)` pairs as a map, in order (for `metadata`).
pub(crate) fn pairs_as_map<S: Serializer>(
    pairs: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
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
    fn times_beyond_max_safe_integer_fail() {
        for key in ["createdTime", "startTime", "endTime"] {
            let v = with(vec![(key, Some(Value::Number(9_007_199_254_740_992.0)))]);
            assert_eq!(check_execution(&v).expect_err("fails").0, key);
            let v = with(vec![(key, Some(Value::Number(9_007_199_254_740_991.0)))]);
            assert!(check_execution(&v).is_ok());
        }
    }

    #[test]
    fn prefixed_faults_name_the_path() {
        let v = with(vec![("status", None)]);
        assert_eq!(
            check_execution_at(&v, "items[3]").expect_err("fails").0,
            "items[3].status"
        );
        let v = with(vec![(
            "metadata",
            Some(Value::Object(vec![("k".into(), Value::Null)])),
        )]);
        assert_eq!(
            check_execution_at(&v, "items[0]").expect_err("fails").0,
            "items[0].metadata"
        );
        assert_eq!(
            check_execution_at(&Value::Null, "items[7]").expect_err("fails"),
            ("items[7]".to_owned(), "is not a JSON object")
        );
    }

    #[test]
    fn identity_is_compared_in_lower_case() {
        let e = check_execution(&with(vec![])).expect("valid");
        assert!(check_identity(&e, &ID.to_ascii_uppercase()).is_ok());
        assert_eq!(check_identity(&e, ENGINE).expect_err("other id").0, "id");
    }

    #[test]
    fn serialises_with_contract_names() {
        let e = check_execution(&with(vec![
            ("startTime", None),
            ("version", Some(Value::Null)),
        ]))
        .expect("valid");
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(json["workflowExternalId"], "wf");
        assert_eq!(json["metadata"]["k"], "v");
        assert_eq!(json["createdTime"], 1_730_204_346_000.0);
        assert!(json.get("startTime").is_none() && json.get("version").is_none());
        assert_eq!(json["reasonForIncompletion"], "r");
        let text = e.to_json();
        assert!(text.starts_with(
            r#"{"id":"059edaa4-a17a-4102-910e-2c3591500cce","workflowExternalId":"wf","#
        ));
        assert!(crate::json::tests::same_json(
            &text,
            &serde_json::to_string(&e).unwrap_or_default()
        ));
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
