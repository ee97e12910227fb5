//! [`ListQuery`]: which executions to list (`workflows`, `status`,
//! `createdTimeStart`, `createdTimeEnd`, `limit`), as `listExecutions` takes
//! them at the top of its options and `retryExecutions` inside `filter`.
//!
//! The filter is sent as `ListExecutionsFilter` of
//! `seed/cdf-openapi-executions.json`: `workflows` becomes `workflowFilters`.

use serde::Serialize;

use crate::error::CdfError;
use crate::fields::{bad, integer, object, only_known_keys, string};
use crate::json::{ObjectWriter, ToJson};
use crate::status::WorkflowStatus;
use crate::validate::{self, MAX_SAFE_INTEGER};
use crate::value::Value;

/// The query options, in the order they are checked.
pub const QUERY_KEYS: [&str; 5] = [
    "workflows",
    "status",
    "createdTimeStart",
    "createdTimeEnd",
    "limit",
];
/// Most `workflows` entries (`workflowFilters` allows 100).
pub const MAX_WORKFLOWS: usize = 100;
/// Largest `limit`: how many executions one call collects at most.
pub const MAX_LIMIT: u64 = 10_000;
/// `limit` when absent.
pub const DEFAULT_LIMIT: u32 = 100;

/// One workflow to list executions of (`WorkflowFilter`): all its versions
/// when `version` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowFilter {
    /// The workflow's external id.
    pub external_id: String,
    /// One version of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The `filter` of a list request (`ListExecutionsFilter`); absent parts are
/// not sent, so CDF does not filter on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionFilter {
    /// From the `workflows` option: 1 to 100 workflows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_filters: Option<Vec<WorkflowFilter>>,
    /// Created at or after, in milliseconds since the Unix epoch (0 to 2^53 - 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time_start: Option<u64>,
    /// Created at or before, in milliseconds since the Unix epoch (0 to 2^53 - 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time_end: Option<u64>,
    /// 1 to 5 distinct statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Vec<WorkflowStatus>>,
}

/// What to list: the filter, and how many executions to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// The filter sent with every page.
    pub filter: ExecutionFilter,
    /// How many executions to collect: 1 to 10000, default 100.
    pub limit: u32,
}

/// How a caller's query may use `status`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusRule {
    /// The statuses that may be selected.
    pub allowed: &'static [WorkflowStatus],
    /// The statuses used when `status` is absent (`None`: no status filter).
    pub default: Option<&'static [WorkflowStatus]>,
}

/// `listExecutions`: any status, no default.
pub(crate) const ANY_STATUS: StatusRule = StatusRule {
    allowed: &WorkflowStatus::ALL,
    default: None,
};

/// `retryExecutions`' filter: failed, timed out or terminated; all three by default.
pub(crate) const RETRYABLE_STATUS: StatusRule = StatusRule {
    allowed: &WorkflowStatus::RETRYABLE,
    default: Some(&WorkflowStatus::RETRYABLE),
};

/// Reads the query options of `v` (an object: the options, or `filter`);
/// faults name `{prefix}{key}` (`prefix` is `""` or `"filter."`). Unknown keys
/// are the caller's to check.
pub(crate) fn parse_query(
    v: &Value,
    prefix: &str,
    rule: StatusRule,
) -> Result<ListQuery, CdfError> {
    let get = |key: &str| v.get_present(key, false);
    let at = |key: &str| format!("{prefix}{key}");

    let workflow_filters = match get("workflows") {
        Some(w) => Some(workflows(w, &at("workflows"))?),
        None => None,
    };
    let status = match get("status") {
        Some(s) => Some(statuses(s, &at("status"), rule)?),
        None => rule.default.map(<[WorkflowStatus]>::to_vec),
    };
    const TIME: &str =
        "be an integer from 0 to 9007199254740991 (milliseconds since the Unix epoch)";
    let time = |key: &str| -> Result<Option<u64>, CdfError> {
        get(key)
            .map(|t| integer(t, &at(key), 0, MAX_SAFE_INTEGER as u64, TIME))
            .transpose()
    };
    let created_time_start = time("createdTimeStart")?;
    let created_time_end = time("createdTimeEnd")?;
    if let (Some(start), Some(end)) = (created_time_start, created_time_end) {
        if start > end {
            return Err(bad(&at("createdTimeEnd"), "not be before createdTimeStart"));
        }
    }
    let limit = match get("limit") {
        Some(l) => integer(
            l,
            &at("limit"),
            1,
            MAX_LIMIT,
            "be an integer from 1 to 10000",
        )? as u32,
        None => DEFAULT_LIMIT,
    };
    Ok(ListQuery {
        filter: ExecutionFilter {
            workflow_filters,
            created_time_start,
            created_time_end,
            status,
        },
        limit,
    })
}

fn workflows(v: &Value, field: &str) -> Result<Vec<WorkflowFilter>, CdfError> {
    const WORKFLOWS: &str = "be an array of 1 to 100 workflow external ids (strings) or { externalId, version } objects";
    let items = match v {
        Value::Array(items) if (1..=MAX_WORKFLOWS).contains(&items.len()) => items,
        _ => return Err(bad(field, WORKFLOWS)),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, entry)| workflow(entry, &format!("{field}[{i}]")))
        .collect()
}

fn workflow(v: &Value, field: &str) -> Result<WorkflowFilter, CdfError> {
    const ENTRY: &str = "be a workflow external id (a string) or an object { externalId, version }";
    const ID: &str =
        "be 1 to 255 characters without leading or trailing white space and without NUL characters";
    let id = |v: &Value, field: &str| -> Result<String, CdfError> {
        validate::workflow_id(string(v, field, ID)?)
            .map(str::to_owned)
            .map_err(|r| bad(field, r))
    };
    match v {
        Value::String(_) => Ok(WorkflowFilter {
            external_id: id(v, field)?,
            version: None,
        }),
        Value::Object(_) => {
            let entries = object(v, field, ENTRY)?;
            only_known_keys(
                entries,
                &["externalId", "version"],
                &format!("{field}."),
                "a workflows entry",
            )?;
            let external_id = match v.get_present("externalId", false) {
                Some(x) => id(x, &format!("{field}.externalId"))?,
                None => return Err(bad(&format!("{field}.externalId"), ID)),
            };
            let version = v
                .get_present("version", false)
                .map(|x| id(x, &format!("{field}.version")))
                .transpose()?;
            Ok(WorkflowFilter {
                external_id,
                version,
            })
        }
        _ => Err(bad(field, ENTRY)),
    }
}

fn statuses(v: &Value, field: &str, rule: StatusRule) -> Result<Vec<WorkflowStatus>, CdfError> {
    let names = rule
        .allowed
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let items = match v {
        Value::Array(items) if (1..=rule.allowed.len()).contains(&items.len()) => items,
        _ => {
            return Err(bad(
                field,
                &format!(
                    "be an array of 1 to {} distinct statuses from {names}",
                    rule.allowed.len()
                ),
            ))
        }
    };
    let mut out: Vec<WorkflowStatus> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let status = item
            .as_str()
            .and_then(WorkflowStatus::parse)
            .filter(|s| rule.allowed.contains(s))
            .ok_or_else(|| bad(&at, &format!("be one of {names}")))?;
        if out.contains(&status) {
            return Err(bad(&at, "not repeat an earlier status"));
        }
        out.push(status);
    }
    Ok(out)
}

impl ToJson for WorkflowFilter {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .field("externalId", &self.external_id)
            .optional("version", &self.version)
            .end();
    }
}

impl ToJson for ExecutionFilter {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .optional("workflowFilters", &self.workflow_filters)
            .optional("createdTimeStart", &self.created_time_start)
            .optional("createdTimeEnd", &self.created_time_end)
            .optional("status", &self.status)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(entries)
    }

    fn field_of(v: &Value, prefix: &str, rule: StatusRule) -> String {
        let e = parse_query(v, prefix, rule).expect_err("refused");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        e.field.unwrap_or_default()
    }

    #[test]
    fn defaults() {
        let q = parse_query(&obj(vec![]), "", ANY_STATUS).expect("valid");
        assert_eq!(q.limit, 100);
        assert_eq!(q.filter, ExecutionFilter::default());
        assert_eq!(q.filter.to_json(), "{}");
        let q = parse_query(&obj(vec![]), "filter.", RETRYABLE_STATUS).expect("valid");
        assert_eq!(q.filter.status, Some(WorkflowStatus::RETRYABLE.to_vec()));
    }

    #[test]
    fn everything_set() {
        let v = obj(vec![
            (
                "workflows",
                Value::Array(vec![
                    s("wf-a"),
                    obj(vec![("externalId", s("wf-b")), ("version", s("2"))]),
                    obj(vec![
                        ("externalId", s("wf-c")),
                        ("version", Value::Undefined),
                    ]),
                ]),
            ),
            ("status", Value::Array(vec![s("FAILED"), s("RUNNING")])),
            ("createdTimeStart", Value::Number(5.0)),
            ("createdTimeEnd", Value::Number(5.0)),
            ("limit", Value::Number(10_000.0)),
        ]);
        let q = parse_query(&v, "", ANY_STATUS).expect("valid");
        assert_eq!(q.limit, 10_000);
        assert_eq!(
            q.filter.to_json(),
            r#"{"workflowFilters":[{"externalId":"wf-a"},{"externalId":"wf-b","version":"2"},{"externalId":"wf-c"}],"createdTimeStart":5,"createdTimeEnd":5,"status":["FAILED","RUNNING"]}"#
        );
        assert_eq!(
            serde_json::to_string(&q.filter).ok(),
            Some(q.filter.to_json())
        );
    }

    #[test]
    fn faults_name_the_option() {
        let wf = |w: Value| obj(vec![("workflows", w)]);
        let cases: Vec<(Value, &str)> = vec![
            (wf(Value::Array(vec![])), "workflows"),
            (wf(Value::Array(vec![s("a"); 101])), "workflows"),
            (wf(s("a")), "workflows"),
            (wf(Value::Null), "workflows"),
            (wf(Value::Array(vec![s("a"), s(" b")])), "workflows[1]"),
            (wf(Value::Array(vec![s("")])), "workflows[0]"),
            (wf(Value::Array(vec![s(&"x".repeat(256))])), "workflows[0]"),
            (wf(Value::Array(vec![Value::Number(1.0)])), "workflows[0]"),
            (
                wf(Value::Array(vec![obj(vec![])])),
                "workflows[0].externalId",
            ),
            (
                wf(Value::Array(vec![obj(vec![("externalId", s("a\0"))])])),
                "workflows[0].externalId",
            ),
            (
                wf(Value::Array(vec![obj(vec![
                    ("externalId", s("a")),
                    ("version", s("")),
                ])])),
                "workflows[0].version",
            ),
            (
                wf(Value::Array(vec![obj(vec![
                    ("externalId", s("a")),
                    ("version", Value::Null),
                ])])),
                "workflows[0].version",
            ),
            (
                wf(Value::Array(vec![obj(vec![
                    ("externalId", s("a")),
                    ("versoin", s("1")),
                ])])),
                "workflows[0].versoin",
            ),
            (obj(vec![("status", Value::Array(vec![]))]), "status"),
            (obj(vec![("status", s("FAILED"))]), "status"),
            (
                obj(vec![("status", Value::Array(vec![s("failed")]))]),
                "status[0]",
            ),
            (
                obj(vec![(
                    "status",
                    Value::Array(vec![s("FAILED"), s("FAILED")]),
                )]),
                "status[1]",
            ),
            (
                obj(vec![("status", Value::Array(vec![s("FAILED"); 6]))]),
                "status",
            ),
            (
                obj(vec![("createdTimeStart", Value::Number(-1.0))]),
                "createdTimeStart",
            ),
            (
                obj(vec![(
                    "createdTimeStart",
                    Value::Number(9_007_199_254_740_992.0),
                )]),
                "createdTimeStart",
            ),
            (obj(vec![("createdTimeEnd", s("1"))]), "createdTimeEnd"),
            (
                obj(vec![("createdTimeEnd", Value::Number(0.5))]),
                "createdTimeEnd",
            ),
            (
                obj(vec![
                    ("createdTimeStart", Value::Number(6.0)),
                    ("createdTimeEnd", Value::Number(5.0)),
                ]),
                "createdTimeEnd",
            ),
            (obj(vec![("limit", Value::Number(0.0))]), "limit"),
            (obj(vec![("limit", Value::Number(10_001.0))]), "limit"),
            (obj(vec![("limit", Value::Number(1.5))]), "limit"),
            (obj(vec![("limit", Value::Null)]), "limit"),
        ];
        for (v, want) in cases {
            assert_eq!(field_of(&v, "", ANY_STATUS), want, "{v:?}");
            assert_eq!(
                field_of(&v, "filter.", ANY_STATUS),
                format!("filter.{want}")
            );
        }
        let e = parse_query(
            &wf(Value::Array(vec![obj(vec![("externalID", s("a"))])])),
            "",
            ANY_STATUS,
        )
        .expect_err("refused");
        assert!(
            e.message.contains("did you mean externalId?"),
            "{}",
            e.message
        );
    }

    #[test]
    fn retryable_filters_take_only_retryable_statuses() {
        let st = |items: Vec<&str>| {
            obj(vec![(
                "status",
                Value::Array(items.into_iter().map(s).collect()),
            )])
        };
        let q = parse_query(&st(vec!["TERMINATED"]), "filter.", RETRYABLE_STATUS).expect("valid");
        assert_eq!(q.filter.status, Some(vec![WorkflowStatus::Terminated]));
        assert_eq!(
            field_of(&st(vec!["FAILED", "RUNNING"]), "filter.", RETRYABLE_STATUS),
            "filter.status[1]"
        );
        let e =
            parse_query(&st(vec!["COMPLETED"]), "filter.", RETRYABLE_STATUS).expect_err("refused");
        assert!(
            e.message
                .contains("be one of FAILED, TIMED_OUT, TERMINATED"),
            "{}",
            e.message
        );
        assert_eq!(
            field_of(
                &st(vec!["FAILED", "TIMED_OUT", "TERMINATED", "FAILED"]),
                "filter.",
                RETRYABLE_STATUS
            ),
            "filter.status"
        );
    }
}
