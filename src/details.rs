//! `getExecution`: its options, and [`WorkflowExecutionDetails`], the answer
//! of `GET {origin}/api/v1/projects/{project}/workflows/executions/{executionId}`
//! checked against the `WorkflowExecution` schema of
//! `seed/cdf-openapi-executions.json`.

use serde::Serialize;

use crate::check::{self, item};
use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::execution::{check_execution, check_identity, Fault, WorkflowExecution};
use crate::json::{ObjectWriter, ToJson};
use crate::options::{execution_id, DEFAULT_TIMEOUT_MS};
use crate::value::Value;

/// What `getExecution` adds to the connection options: `executionId`.
pub const GET_EXECUTION: CallSpec = CallSpec {
    name: "getExecution",
    own_keys: &["executionId"],
    refused: &[],
    example: "{ project, cluster, token, executionId }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Validated `getExecution` options.
#[derive(Debug, Clone, PartialEq)]
pub struct GetExecutionOptions {
    /// The connection options (`timeoutMs` default 60000).
    pub connection: Connection,
    /// The execution to read: a UUID, in lower case.
    pub execution_id: String,
}

/// Validates `getExecution`'s options: the connection options, and
/// `executionId` as for `retryExecution` (between `token` and `timeoutMs`).
pub fn parse_get_execution_options(options: &Value) -> Result<GetExecutionOptions, CdfError> {
    let (connection, execution_id) = parse_call(options, &GET_EXECUTION, |o| {
        execution_id(o.get_present("executionId", false))
    })?;
    Ok(GetExecutionOptions {
        connection,
        execution_id,
    })
}

/// One task of an execution (`TaskExecution`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskExecution {
    /// The task execution's id (a string; CDF documents 36 characters).
    pub id: String,
    /// The task's external id in the workflow definition.
    pub external_id: String,
    /// `IN_PROGRESS`, `CANCELED`, `FAILED`, `FAILED_WITH_TERMINAL_ERROR`,
    /// `COMPLETED`, `COMPLETED_WITH_ERRORS`, `SCHEDULED`, `TIMED_OUT`,
    /// `SKIPPED`, or a newer value passed through.
    pub status: String,
    /// `function`, `transformation`, `cdf`, `dynamic`, `subworkflow`,
    /// `simulation`, or a newer value passed through.
    pub task_type: String,
    /// The parent task, for a task inside a dynamic task or subworkflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_task_external_id: Option<String>,
    /// Milliseconds since the Unix epoch (integer, 0 to 2^53 - 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    /// Milliseconds since the Unix epoch (integer, 0 to 2^53 - 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<f64>,
    /// Why the task did not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// The task's input, references resolved: always a plain JSON
    /// [`Value::Object`], its keys kept as data.
    pub input: Value,
    /// The task's output: always a plain JSON [`Value::Object`].
    pub output: Value,
}

/// The workflow version the execution ran (`WorkflowDefinitionResponse`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowDefinition {
    /// The definition's hash.
    pub hash: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The task definitions, each a plain JSON [`Value::Object`] as CDF sent it.
    pub tasks: Vec<Value>,
}

/// A workflow execution with its tasks (`WorkflowExecution` in the seed):
/// what `getExecution` and `waitForExecution` resolve to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowExecutionDetails {
    /// The execution's own fields, as `retryExecution` returns them.
    #[serde(flatten)]
    pub execution: WorkflowExecution,
    /// The tasks run so far, in the answer's order.
    pub executed_tasks: Vec<TaskExecution>,
    /// The workflow definition.
    pub workflow_definition: WorkflowDefinition,
    /// The execution's input: a plain JSON [`Value::Object`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// Checks one task at `prefix` (`executedTasks[2]`).
fn check_task(v: &Value, prefix: &str) -> Result<TaskExecution, Fault> {
    if !matches!(v, Value::Object(_)) {
        return Err((prefix.to_owned(), "is not a JSON object"));
    }
    Ok(TaskExecution {
        id: check::field(v, prefix, "id", check::string)?,
        external_id: check::field(v, prefix, "externalId", check::string)?,
        status: check::field(v, prefix, "status", check::string)?,
        task_type: check::field(v, prefix, "taskType", check::string)?,
        parent_task_external_id: check::optional(v, prefix, "parentTaskExternalId", check::string)?,
        start_time: check::optional(v, prefix, "startTime", check::time)?,
        end_time: check::optional(v, prefix, "endTime", check::time)?,
        reason_for_incompletion: check::optional(
            v,
            prefix,
            "reasonForIncompletion",
            check::string,
        )?,
        input: check::field(v, prefix, "input", check::json_object)?,
        output: check::field(v, prefix, "output", check::json_object)?,
    })
}

fn check_definition(v: &Value, field: String) -> Result<WorkflowDefinition, Fault> {
    if !matches!(v, Value::Object(_)) {
        return Err((field, "is not a JSON object"));
    }
    let tasks = check::field(v, &field, "tasks", |tasks, at| {
        check::array(tasks, at.clone())?
            .iter()
            .enumerate()
            .map(|(i, t)| check::json_object(t, item(&at, i)))
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(WorkflowDefinition {
        hash: check::field(v, &field, "hash", check::string)?,
        description: check::optional(v, &field, "description", check::string)?,
        tasks,
    })
}

/// Checks a 2xx answer of `GET /workflows/executions/{executionId}`: the
/// execution's fields as for the retry answer, then the identity rule (`id`
/// equals `requested_id`, compared in lower case), then `executedTasks`,
/// `workflowDefinition` and `input`. A `null` optional field counts as absent;
/// unknown fields are dropped; the first fault names its path
/// (`executedTasks[2].status`, `workflowDefinition.tasks[0]`).
pub fn check_details(body: &Value, requested_id: &str) -> Result<WorkflowExecutionDetails, Fault> {
    let execution = check_execution(body)?;
    check_identity(&execution, requested_id)?;
    let executed_tasks = check::field(body, "", "executedTasks", |tasks, at| {
        check::array(tasks, at.clone())?
            .iter()
            .enumerate()
            .map(|(i, t)| check_task(t, &item(&at, i)))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let workflow_definition = check::field(body, "", "workflowDefinition", check_definition)?;
    let input = check::optional(body, "", "input", check::json_object)?;
    Ok(WorkflowExecutionDetails {
        execution,
        executed_tasks,
        workflow_definition,
        input,
    })
}

impl ToJson for TaskExecution {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .field("id", &self.id)
            .field("externalId", &self.external_id)
            .field("status", &self.status)
            .field("taskType", &self.task_type)
            .optional("parentTaskExternalId", &self.parent_task_external_id)
            .optional("startTime", &self.start_time)
            .optional("endTime", &self.end_time)
            .optional("reasonForIncompletion", &self.reason_for_incompletion)
            .field("input", &self.input)
            .field("output", &self.output)
            .end();
    }
}

impl ToJson for WorkflowDefinition {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .field("hash", &self.hash)
            .optional("description", &self.description)
            .field("tasks", &self.tasks)
            .end();
    }
}

/// The execution's fields first (as [`WorkflowExecution`] writes them), then
/// `executedTasks`, `workflowDefinition` and `input`.
impl ToJson for WorkflowExecutionDetails {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        self.execution.write_fields(&mut o);
        o.field("executedTasks", &self.executed_tasks)
            .field("workflowDefinition", &self.workflow_definition)
            .optional("input", &self.input)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const ID: &str = "059edaa4-a17a-4102-910e-2c3591500cce";
    const ENGINE: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(entries)
    }

    fn task(changes: Vec<(&str, Option<Value>)>) -> Value {
        let mut entries = vec![
            ("id", s("a4f5bb85-1f4c-4a4b-8d0a-8c7bb0a7cb3e")),
            ("externalId", s("step-1")),
            ("status", s("FAILED")),
            ("taskType", s("function")),
            ("startTime", Value::Number(10.0)),
            ("endTime", Value::Null),
            ("reasonForIncompletion", s("boom")),
            (
                "input",
                obj(vec![(
                    "function",
                    obj(vec![("externalId", s("fn")), ("data", obj(vec![]))]),
                )]),
            ),
            ("output", obj(vec![("callId", Value::Number(1.0))])),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| *k != key);
            if let Some(v) = value {
                entries.push((key, v));
            }
        }
        obj(entries)
    }

    fn details(changes: Vec<(&str, Option<Value>)>) -> Value {
        let mut entries = vec![
            ("id", s(ID)),
            ("workflowExternalId", s("wf")),
            ("status", s("FAILED")),
            ("engineExecutionId", s(ENGINE)),
            ("createdTime", Value::Number(1.0)),
            ("metadata", obj(vec![])),
            (
                "executedTasks",
                Value::Array(vec![task(vec![]), task(vec![]), task(vec![])]),
            ),
            (
                "workflowDefinition",
                obj(vec![
                    ("hash", s("H")),
                    ("description", Value::Null),
                    (
                        "tasks",
                        Value::Array(vec![obj(vec![
                            ("externalId", s("step-1")),
                            ("type", s("function")),
                            ("parameters", obj(vec![])),
                        ])]),
                    ),
                ]),
            ),
            (
                "input",
                obj(vec![("__proto__", obj(vec![("x", Value::Bool(true))]))]),
            ),
            ("surprise", s("dropped")),
        ];
        for (key, value) in changes {
            entries.retain(|(k, _)| *k != key);
            if let Some(v) = value {
                entries.push((key, v));
            }
        }
        obj(entries)
    }

    #[test]
    fn a_full_answer_passes() {
        let d = check_details(&details(vec![]), &ID.to_ascii_uppercase()).expect("valid");
        assert_eq!(d.execution.id, ID);
        assert_eq!(d.executed_tasks.len(), 3);
        let t = &d.executed_tasks[0];
        assert_eq!(t.status, "FAILED");
        assert_eq!(t.start_time, Some(10.0));
        assert_eq!(t.end_time, None);
        assert_eq!(t.parent_task_external_id, None);
        assert_eq!(d.workflow_definition.hash, "H");
        assert_eq!(d.workflow_definition.description, None);
        assert_eq!(d.workflow_definition.tasks.len(), 1);
        assert_eq!(
            d.input,
            Some(obj(vec![(
                "__proto__",
                obj(vec![("x", Value::Bool(true))])
            )]))
        );
    }

    #[test]
    fn unknown_statuses_and_types_pass_through_and_null_optionals_are_absent() {
        let t = task(vec![
            ("status", Some(s("PAUSED"))),
            ("taskType", Some(s("quantum"))),
            ("parentTaskExternalId", Some(Value::Null)),
            ("reasonForIncompletion", Some(Value::Null)),
        ]);
        let d = check_details(
            &details(vec![
                ("executedTasks", Some(Value::Array(vec![t]))),
                ("input", Some(Value::Null)),
            ]),
            ID,
        )
        .expect("valid");
        let t = &d.executed_tasks[0];
        assert_eq!(
            (t.status.as_str(), t.task_type.as_str()),
            ("PAUSED", "quantum")
        );
        assert_eq!(t.reason_for_incompletion, None);
        assert_eq!(d.input, None);
    }

    #[test]
    fn the_identity_rule_holds() {
        let other = "00000000-0000-4000-8000-000000000000";
        assert_eq!(
            check_details(&details(vec![]), other).expect_err("not the requested id"),
            ("id".to_owned(), "is not the requested executionId")
        );
    }

    #[test]
    fn nested_faults_name_their_path() {
        let with_task = |t: Value| {
            details(vec![(
                "executedTasks",
                Some(Value::Array(vec![task(vec![]), task(vec![]), t])),
            )])
        };
        let cases: Vec<(Value, &str)> = vec![
            (details(vec![("executedTasks", None)]), "executedTasks"),
            (
                details(vec![("executedTasks", Some(Value::Null))]),
                "executedTasks",
            ),
            (
                details(vec![("executedTasks", Some(obj(vec![])))]),
                "executedTasks",
            ),
            (with_task(Value::Null), "executedTasks[2]"),
            (
                with_task(task(vec![("status", None)])),
                "executedTasks[2].status",
            ),
            (
                with_task(task(vec![("status", Some(Value::Number(1.0)))])),
                "executedTasks[2].status",
            ),
            (with_task(task(vec![("id", None)])), "executedTasks[2].id"),
            (
                with_task(task(vec![("externalId", Some(Value::Null))])),
                "executedTasks[2].externalId",
            ),
            (
                with_task(task(vec![("taskType", None)])),
                "executedTasks[2].taskType",
            ),
            (
                with_task(task(vec![(
                    "parentTaskExternalId",
                    Some(Value::Bool(true)),
                )])),
                "executedTasks[2].parentTaskExternalId",
            ),
            (
                with_task(task(vec![("startTime", Some(Value::Number(-1.0)))])),
                "executedTasks[2].startTime",
            ),
            (
                with_task(task(vec![(
                    "endTime",
                    Some(Value::Number(9_007_199_254_740_992.0)),
                )])),
                "executedTasks[2].endTime",
            ),
            (
                with_task(task(vec![(
                    "reasonForIncompletion",
                    Some(Value::Number(1.0)),
                )])),
                "executedTasks[2].reasonForIncompletion",
            ),
            (
                with_task(task(vec![("input", None)])),
                "executedTasks[2].input",
            ),
            (
                with_task(task(vec![("input", Some(Value::Null))])),
                "executedTasks[2].input",
            ),
            (
                with_task(task(vec![("output", Some(Value::Array(vec![])))])),
                "executedTasks[2].output",
            ),
            (
                with_task(task(vec![(
                    "output",
                    Some(obj(vec![("deep", Value::Other("a value nested too deep"))])),
                )])),
                "executedTasks[2].output",
            ),
            (
                details(vec![("workflowDefinition", None)]),
                "workflowDefinition",
            ),
            (
                details(vec![("workflowDefinition", Some(s("x")))]),
                "workflowDefinition",
            ),
            (
                details(vec![(
                    "workflowDefinition",
                    Some(obj(vec![("tasks", Value::Array(vec![]))])),
                )]),
                "workflowDefinition.hash",
            ),
            (
                details(vec![(
                    "workflowDefinition",
                    Some(obj(vec![("hash", s("h"))])),
                )]),
                "workflowDefinition.tasks",
            ),
            (
                details(vec![(
                    "workflowDefinition",
                    Some(obj(vec![
                        ("hash", s("h")),
                        ("tasks", Value::Array(vec![obj(vec![]), Value::Number(1.0)])),
                    ])),
                )]),
                "workflowDefinition.tasks[1]",
            ),
            (
                details(vec![(
                    "workflowDefinition",
                    Some(obj(vec![
                        ("hash", s("h")),
                        ("description", Value::Number(1.0)),
                        ("tasks", Value::Array(vec![])),
                    ])),
                )]),
                "workflowDefinition.description",
            ),
            (details(vec![("input", Some(s("x")))]), "input"),
            (
                details(vec![("createdTime", Some(Value::Number(0.5)))]),
                "createdTime",
            ),
            (details(vec![("status", None)]), "status"),
            (Value::Array(vec![]), "body"),
        ];
        for (v, want) in cases {
            assert_eq!(check_details(&v, ID).expect_err(want).0, want);
        }
    }

    #[test]
    fn json_text_and_serde_agree() {
        let d = check_details(&details(vec![]), ID).expect("valid");
        let text = d.to_json();
        let serde = serde_json::to_string(&d).unwrap_or_default();
        assert!(
            crate::json::tests::same_json(&text, &serde),
            "{text}\n{serde}"
        );
        assert!(
            text.contains(r#""input":{"__proto__":{"x":true}}"#),
            "{text}"
        );
        assert!(text.contains(r#""executedTasks":[{"id":"#), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(parsed["workflowDefinition"]["hash"], "H");
        assert!(parsed["workflowDefinition"].get("description").is_none());
        assert!(parsed["executedTasks"][0].get("endTime").is_none());
    }

    #[test]
    fn options() {
        let base = |extra: Vec<(&str, Value)>| {
            let mut entries = vec![
                ("project", s("my-project")),
                ("baseUrl", s("http://localhost:8080")),
                ("token", Value::Function),
                ("executionId", s(&ID.to_ascii_uppercase())),
            ];
            for (key, value) in extra {
                entries.retain(|(k, _)| *k != key);
                entries.push((key, value));
            }
            obj(entries)
        };
        let o = parse_get_execution_options(&base(vec![])).expect("valid");
        assert_eq!(o.execution_id, ID);
        assert_eq!(o.connection.timeout_ms, 60_000);
        let field = |v: Value| {
            let e = parse_get_execution_options(&v).expect_err("refused");
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            e.field.unwrap_or_default()
        };
        assert_eq!(field(base(vec![("executionID", s(ID))])), "executionID");
        assert_eq!(field(base(vec![("nonce", s("n"))])), "nonce");
        assert_eq!(field(base(vec![("executionId", s("x"))])), "executionId");
        assert_eq!(field(base(vec![("onRetry", s("x"))])), "onRetry");
        let e = parse_get_execution_options(&base(vec![("executionID", s(ID))])).expect_err("x");
        assert!(e
            .message
            .contains("not an option of getExecution (did you mean executionId?)"));
    }
}
