//! `listTriggerRuns` (version 0.3): its options, the URL of each page of
//! `GET {origin}/api/v1/projects/{project}/workflows/triggers/{triggerExternalId}/history`
//! (`seed/cdf-openapi-executions.json`), and the answer pages checked against
//! the `WorkflowTriggerRun` schema. Pages are followed with the same
//! [`Pager`](crate::list::Pager) as `listExecutions` (cycles refused); the
//! `status` option filters runs in the module (the API has no such filter),
//! and `limit` counts the runs returned, after that filter.

use crate::check;
use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::execution::Fault;
use crate::fields::{bad, integer, string};
use crate::filter::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::json::{unmark, ObjectWriter, ToJson};
use crate::list::{check_page_of, Page, PageRequest};
use crate::options::DEFAULT_TIMEOUT_MS;
use crate::validate;
use crate::value::Value;

/// What `listTriggerRuns` adds to the connection options.
pub const LIST_TRIGGER_RUNS: CallSpec = CallSpec {
    name: "listTriggerRuns",
    own_keys: &["triggerExternalId", "status", "limit"],
    refused: &[],
    example: "{ project, cluster, token, triggerExternalId, status?, limit? }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Validated `listTriggerRuns` options.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTriggerRunsOptions {
    /// The connection options (`timeoutMs` default 60000).
    pub connection: Connection,
    /// The trigger: 1 to 255 characters, no leading or trailing white space, no NUL.
    pub trigger_external_id: String,
    /// Only runs whose `status` equals this (e.g. `"failed"`), when given.
    pub status: Option<String>,
    /// Most runs returned (after the status filter): 1 to 10000, default 100.
    pub limit: u32,
}

/// Validates `listTriggerRuns`'s options.
pub fn parse_list_trigger_runs_options(
    options: &Value,
) -> Result<ListTriggerRunsOptions, CdfError> {
    let (connection, (trigger_external_id, status, limit)) = parse_call(
        options,
        &LIST_TRIGGER_RUNS,
        |o| {
            const ID: &str = "be a trigger external id: 1 to 255 characters without leading or trailing white space and without NUL characters";
            let id = match o.get_present("triggerExternalId", false) {
                Some(v) => validate::workflow_id(string(v, "triggerExternalId", ID)?)
                    .map_err(|_| bad("triggerExternalId", ID))?,
                None => return Err(bad("triggerExternalId", ID)),
            };
            // A URL parser resolves "." and ".." segments (also as %2E): they cannot
            // be sent as a path segment.
            if id == "." || id == ".." {
                return Err(bad(
                    "triggerExternalId",
                    "not be \".\" or \"..\" (a URL path cannot carry them)",
                ));
            }
            const STATUS: &str =
                "be a non-empty string such as \"failed\" or \"success\" (compared exactly)";
            let status = match o.get_present("status", false) {
                Some(v) => {
                    let s = string(v, "status", STATUS)?;
                    if s.is_empty() {
                        return Err(bad("status", STATUS));
                    }
                    Some(s.to_owned())
                }
                None => None,
            };
            let limit = match o.get_present("limit", false) {
                Some(l) => {
                    integer(l, "limit", 1, MAX_LIMIT, "be an integer from 1 to 10000")? as u32
                }
                None => DEFAULT_LIMIT,
            };
            Ok((id.to_owned(), status, limit))
        },
    )?;
    Ok(ListTriggerRunsOptions {
        connection,
        trigger_external_id,
        status,
        limit,
    })
}

/// `s` percent-encoded for a URL path segment or query value: every byte of
/// its UTF-8 but the RFC 3986 unreserved characters (`A–Z a–z 0–9 - . _ ~`).
pub fn percent_encode(s: &str) -> String {
    let hex = |n: u8| char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 });
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 15));
        }
    }
    out
}

/// The URL of one history page: `…/workflows/triggers/{id}/history?limit=n[&cursor=c]`.
pub fn history_url(origin: &str, project: &str, trigger: &str, page: &PageRequest<'_>) -> String {
    // The text a string marks (a doubled U+F0000 is one; see json::SURROGATE_MARK).
    let text = |s: &str| percent_encode(&unmark(s).unwrap_or(std::borrow::Cow::Borrowed(s)));
    let mut url = format!(
        "{origin}/api/v1/projects/{project}/workflows/triggers/{}/history?limit={}",
        text(trigger),
        page.size
    );
    if let Some(cursor) = page.cursor {
        url.push_str("&cursor=");
        url.push_str(&text(cursor));
    }
    url
}

/// One run of a trigger (`WorkflowTriggerRun`).
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRun {
    /// The trigger's external id.
    pub external_id: String,
    /// When it fired, in ms since the epoch.
    pub fire_time: f64,
    /// The workflow it runs.
    pub workflow_external_id: String,
    /// The workflow version it runs.
    pub workflow_version: String,
    /// `success`, `failed`, or a newer value passed through.
    pub status: String,
    /// The execution it started; absent when none started.
    pub workflow_execution_id: Option<String>,
    /// Why it failed to start one.
    pub reason_for_failure: Option<String>,
}

impl ToJson for TriggerRun {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.field("externalId", &self.external_id)
            .field("fireTime", &self.fire_time)
            .field("workflowExternalId", &self.workflow_external_id)
            .field("workflowVersion", &self.workflow_version)
            .field("status", &self.status)
            .optional("workflowExecutionId", &self.workflow_execution_id)
            .optional("reasonForFailure", &self.reason_for_failure);
        o.end();
    }
}

/// One checked history page: its runs, and the next cursor.
pub type RunsPage = Page<TriggerRun>;

/// Checks a 2xx history page as [`check_page_of`] does; faults name
/// `items[offset + i].field`, the index counting the runs received across all
/// pages. A `nextCursor` holding a lone surrogate cannot go into a URL: a fault.
pub fn check_runs_page(body: &Value, offset: usize) -> Result<RunsPage, Fault> {
    let page = check_page_of(body, offset, check_run)?;
    if page
        .next_cursor
        .as_deref()
        .is_some_and(|c| unmark(c).is_none())
    {
        return Err((
            "nextCursor".to_owned(),
            "is not well-formed Unicode (a lone surrogate), which a URL cannot carry",
        ));
    }
    Ok(page)
}

fn check_run(run: &Value, at: &str) -> Result<TriggerRun, Fault> {
    if !matches!(run, Value::Object(_)) {
        return Err((at.to_owned(), "is not a JSON object"));
    }
    Ok(TriggerRun {
        external_id: check::field(run, at, "externalId", check::string)?,
        fire_time: check::field(run, at, "fireTime", check::time)?,
        workflow_external_id: check::field(run, at, "workflowExternalId", check::string)?,
        workflow_version: check::field(run, at, "workflowVersion", check::string)?,
        status: check::field(run, at, "status", check::string)?,
        workflow_execution_id: check::optional(run, at, "workflowExecutionId", check::string)?,
        reason_for_failure: check::optional(run, at, "reasonForFailure", check::string)?,
    })
}

/// The runs of a page that the `status` option keeps (all without one).
pub fn keep_status(runs: Vec<TriggerRun>, status: Option<&str>) -> Vec<TriggerRun> {
    match status {
        Some(s) => runs.into_iter().filter(|r| r.status == s).collect(),
        None => runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::list::Pager;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn options(extra: Vec<(&str, Value)>) -> Value {
        let mut entries = vec![
            ("project", s("my-project")),
            ("baseUrl", s("https://api.cognitedata.com")),
            ("token", s("t")),
            ("triggerExternalId", s("nightly/ingest ü")),
        ];
        for (k, v) in extra {
            entries.retain(|(key, _)| *key != k);
            entries.push((k, v));
        }
        Value::object(entries)
    }

    fn run(n: u32, status: &str) -> Value {
        Value::object([
            ("externalId", s("t")),
            ("fireTime", Value::Number(f64::from(n))),
            ("workflowExternalId", s("wf")),
            ("workflowVersion", s("1")),
            ("status", s(status)),
            ("workflowExecutionId", Value::Null),
            ("reasonForFailure", s("Workflow version 3 not found")),
        ])
    }

    #[test]
    fn options_defaults_and_urls() {
        let o = parse_list_trigger_runs_options(&options(vec![])).expect("valid");
        assert_eq!(o.limit, 100);
        assert_eq!(o.status, None);
        let page = PageRequest {
            size: 100,
            cursor: None,
        };
        assert_eq!(
            history_url("https://a.com", "p", &o.trigger_external_id, &page),
            "https://a.com/api/v1/projects/p/workflows/triggers/nightly%2Fingest%20%C3%BC/history?limit=100"
        );
        let page = PageRequest {
            size: 7,
            cursor: Some("a+b/c=&d"),
        };
        assert_eq!(
            history_url("https://a.com", "p", "x", &page),
            "https://a.com/api/v1/projects/p/workflows/triggers/x/history?limit=7&cursor=a%2Bb%2Fc%3D%26d"
        );
        let o = parse_list_trigger_runs_options(&options(vec![
            ("status", s("failed")),
            ("limit", Value::Number(10_000.0)),
        ]))
        .expect("valid");
        assert_eq!((o.status.as_deref(), o.limit), (Some("failed"), 10_000));
    }

    #[test]
    fn bad_options_name_their_field() {
        for (extra, field) in [
            (vec![("triggerExternalId", s(""))], "triggerExternalId"),
            (vec![("triggerExternalId", s(" x"))], "triggerExternalId"),
            (vec![("triggerExternalId", s("a\0"))], "triggerExternalId"),
            (vec![("triggerExternalId", s(".."))], "triggerExternalId"),
            (
                vec![("triggerExternalId", s(&"a".repeat(256)))],
                "triggerExternalId",
            ),
            (
                vec![("triggerExternalId", Value::Number(1.0))],
                "triggerExternalId",
            ),
            (vec![("status", s(""))], "status"),
            (vec![("status", Value::Array(vec![]))], "status"),
            (vec![("limit", Value::Number(0.0))], "limit"),
            (vec![("limit", Value::Number(10_001.0))], "limit"),
            (vec![("limit", Value::Number(1.5))], "limit"),
            (vec![("cursor", s("c"))], "cursor"),
        ] {
            let e = parse_list_trigger_runs_options(&options(extra)).expect_err(field);
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert_eq!(e.field.as_deref(), Some(field), "{}", e.message);
        }
        let mut without = options(vec![]);
        if let Value::Object(entries) = &mut without {
            entries.retain(|(k, _)| k != "triggerExternalId");
        }
        let e = parse_list_trigger_runs_options(&without).expect_err("missing");
        assert_eq!(e.field.as_deref(), Some("triggerExternalId"));
    }

    #[test]
    fn pages_are_checked_with_their_index_across_pages() {
        let page = Value::object([
            (
                "items",
                Value::Array(vec![run(1, "failed"), run(2, "success")]),
            ),
            ("nextCursor", s("c")),
        ]);
        let p = check_runs_page(&page, 0).expect("valid");
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[0].workflow_execution_id, None, "null is absent");
        assert_eq!(p.next_cursor.as_deref(), Some("c"));
        let mut json = String::new();
        p.items[0].write_json(&mut json);
        assert_eq!(
            json,
            r#"{"externalId":"t","fireTime":1,"workflowExternalId":"wf","workflowVersion":"1","status":"failed","reasonForFailure":"Workflow version 3 not found"}"#
        );
        let bad = Value::object([(
            "items",
            Value::Array(vec![
                run(1, "failed"),
                Value::object([("externalId", s("t"))]),
            ]),
        )]);
        assert_eq!(
            check_runs_page(&bad, 40).expect_err("bad").0,
            "items[41].fireTime"
        );
        let bad = Value::object([("items", Value::Array(vec![Value::Null]))]);
        assert_eq!(check_runs_page(&bad, 0).expect_err("bad").0, "items[0]");
        assert_eq!(
            check_runs_page(&Value::object([]), 0)
                .expect_err("no items")
                .0,
            "items"
        );
    }

    #[test]
    fn the_limit_counts_runs_after_the_status_filter() {
        let mut pager: Pager<TriggerRun> = Pager::new(3);
        let mut received = 0;
        let mut pages = 0;
        while let Some(request) = pager.next_request() {
            assert!(request.size <= 3);
            let body = Value::object([
                (
                    "items",
                    Value::Array(vec![run(1, "success"), run(2, "failed"), run(3, "success")]),
                ),
                ("nextCursor", Value::String(format!("c{pages}"))),
            ]);
            let page = check_runs_page(&body, received).expect("valid");
            received += page.items.len();
            pages += 1;
            pager
                .accept_items(keep_status(page.items, Some("failed")), page.next_cursor)
                .expect("new cursor");
        }
        assert_eq!(pages, 3);
        assert!(pager.items().iter().all(|r| r.status == "failed"));
        assert_eq!(pager.into_items().len(), 3);
    }

    #[test]
    fn marked_text_is_sent_as_the_text_it_marks() {
        let page = PageRequest {
            size: 1,
            cursor: Some("c\u{F0000}\u{F0000}1"),
        };
        assert_eq!(
            history_url("https://a.com", "p", "t\u{F0000}\u{F0000}", &page),
            "https://a.com/api/v1/projects/p/workflows/triggers/t%F3%B0%80%80/history?limit=1&cursor=c%F3%B0%80%801"
        );
        let lone = Value::object([
            ("items", Value::Array(vec![])),
            ("nextCursor", s("c\u{F0000}\u{F0001}")),
        ]);
        assert_eq!(
            check_runs_page(&lone, 0).expect_err("lone surrogate").0,
            "nextCursor"
        );
    }
}
