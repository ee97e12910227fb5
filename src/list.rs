//! `listExecutions`: its options, the request body of
//! `POST {origin}/api/v1/projects/{project}/workflows/executions/list`
//! (`ListExecutionsQuery` of `seed/cdf-openapi-executions.json`), the check of
//! each answer page, and [`Pager`], which follows `nextCursor`.

use serde::Serialize;

use crate::check::{self, item};
use crate::connection::{parse_call, CallSpec, Connection};
use crate::error::CdfError;
use crate::execution::{check_execution_at, Fault, WorkflowExecution};
use crate::filter::{parse_query, ExecutionFilter, ListQuery, ANY_STATUS, QUERY_KEYS};
use crate::json::{ObjectWriter, ToJson};
use crate::options::DEFAULT_TIMEOUT_MS;
use crate::value::Value;

/// What `listExecutions` adds to the connection options: `workflows`,
/// `status`, `createdTimeStart`, `createdTimeEnd`, `limit`.
pub const LIST_EXECUTIONS: CallSpec = CallSpec {
    name: "listExecutions",
    own_keys: &QUERY_KEYS,
    refused: &[],
    example: "{ project, cluster, token, status: [\"FAILED\"] }",
    default_timeout_ms: DEFAULT_TIMEOUT_MS,
};

/// Largest page CDF returns (`limit` of `ListExecutionsQuery`).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Validated `listExecutions` options.
#[derive(Debug, Clone, PartialEq)]
pub struct ListExecutionsOptions {
    /// The connection options (`timeoutMs` default 60000, for the whole listing).
    pub connection: Connection,
    /// What to list, and how many.
    pub query: ListQuery,
}

/// Validates `listExecutions`' options: the connection options around
/// `workflows`, `status`, `createdTimeStart`, `createdTimeEnd`, `limit`
/// (in that order, between `token` and `timeoutMs`).
pub fn parse_list_executions_options(options: &Value) -> Result<ListExecutionsOptions, CdfError> {
    let (connection, query) = parse_call(options, &LIST_EXECUTIONS, |o| {
        parse_query(o, "", ANY_STATUS)
    })?;
    Ok(ListExecutionsOptions { connection, query })
}

/// One list request's body: `{"filter":{…},"limit":n,"cursor":"…"}`, the
/// cursor only after the first page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListBody<'a> {
    /// The filter, the same on every page.
    pub filter: &'a ExecutionFilter,
    /// This page's size: 1 to 1000.
    pub limit: u32,
    /// The previous page's `nextCursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

impl ToJson for ListBody<'_> {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.field("filter", self.filter).field("limit", &self.limit);
        if let Some(cursor) = self.cursor {
            o.field("cursor", cursor);
        }
        o.end();
    }
}

/// One checked answer page of a listing (executions by default).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T = WorkflowExecution> {
    /// The page's items, in the answer's order.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` when the answer has none (absent,
    /// `null` or the empty string): no more results.
    pub next_cursor: Option<String>,
}

/// Checks a 2xx answer page: `items` must be an array, each item checked as
/// the retry answer is (without the identity rule), its faults naming
/// `items[offset + i].field`, so the index counts items across all pages;
/// `nextCursor` is optional and must be a string when present.
pub fn check_page(body: &Value, offset: usize) -> Result<Page, Fault> {
    check_page_of(body, offset, check_execution_at)
}

/// Checks a 2xx page of any listing: an object whose `items` array holds
/// items that `check_item` accepts (given each item's path,
/// `items[offset + i]`), and an optional string `nextCursor` (`null` and `""`
/// end the listing).
pub fn check_page_of<T>(
    body: &Value,
    offset: usize,
    check_item: fn(&Value, &str) -> Result<T, Fault>,
) -> Result<Page<T>, Fault> {
    if !matches!(body, Value::Object(_)) {
        return Err(("body".to_owned(), "is not a JSON object"));
    }
    let items = check::field(body, "", "items", |v, field| {
        check::array(v, field)?
            .iter()
            .enumerate()
            .map(|(i, e)| check_item(e, &item("items", offset.saturating_add(i))))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let next_cursor =
        check::optional(body, "", "nextCursor", check::string)?.filter(|c| !c.is_empty());
    Ok(Page { items, next_cursor })
}

/// The next request of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<'a> {
    /// The page size to ask for: `min(1000, limit - collected)`.
    pub size: u32,
    /// The cursor to send; `None` for the first page.
    pub cursor: Option<&'a str>,
}

/// Follows `nextCursor` until `limit` executions are collected or no cursor
/// is left, as octokit's `paginate` does. Used by `listExecutions` and by
/// `retryExecutions` with a filter:
///
/// ```
/// # use cdf_workflow_retry::list::{Pager, check_page};
/// # use cdf_workflow_retry::filter::ExecutionFilter;
/// # use cdf_workflow_retry::value::Value;
/// let filter = ExecutionFilter::default();
/// let mut pager = Pager::new(250);
/// while let Some(body) = pager.body(&filter) {
///     // POST `body` to list_url(…); check the 2xx answer:
///     let answer = Value::Object(vec![("items".into(), Value::Array(vec![]))]);
///     let page = check_page(&answer, pager.offset()).expect("as documented");
///     pager.accept(page).expect("a new cursor");
/// }
/// assert!(pager.items().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pager<T = WorkflowExecution> {
    limit: usize,
    items: Vec<T>,
    cursor: Option<String>,
    /// A 64-bit hash of every cursor this listing sent (or is about to send),
    /// sorted: a `nextCursor` among them would list pages in a cycle. Hashes,
    /// not the cursors: a server's huge cursors are not all kept.
    sent: Vec<u64>,
    done: bool,
}

impl<T> Pager<T> {
    /// A listing of at most `limit` items (0 lists nothing).
    pub fn new(limit: u32) -> Self {
        Pager {
            limit: limit as usize,
            items: Vec::new(),
            cursor: None,
            sent: Vec::new(),
            done: limit == 0,
        }
    }

    /// The next request, or `None` when the listing is complete.
    pub fn next_request(&self) -> Option<PageRequest<'_>> {
        if self.done {
            return None;
        }
        let remaining = self.limit.saturating_sub(self.items.len());
        let size = u32::try_from(remaining)
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE);
        Some(PageRequest {
            size,
            cursor: self.cursor.as_deref(),
        })
    }

    /// How many items are collected: the `offset` for checking the next page.
    pub fn offset(&self) -> usize {
        self.items.len()
    }

    /// Takes a checked page: its items up to the limit, and its `nextCursor`.
    /// The cursor is judged only when another page would be requested (the
    /// limit not reached): one this listing already sent (not only the last)
    /// would list pages in a cycle for ever, a fault on `nextCursor`, and no
    /// further page is requested.
    pub fn accept_items(
        &mut self,
        items: Vec<T>,
        next_cursor: Option<String>,
    ) -> Result<(), Fault> {
        if self.done {
            return Ok(());
        }
        let room = self.limit.saturating_sub(self.items.len());
        self.items.extend(items.into_iter().take(room));
        self.cursor = None;
        self.done = true;
        match next_cursor {
            Some(_) if self.items.len() >= self.limit => Ok(()),
            None => Ok(()),
            Some(next) => match self.sent.binary_search(&fnv1a(&next)) {
                Ok(_) => Err((
                    "nextCursor".to_owned(),
                    "repeats a cursor this listing already sent",
                )),
                Err(at) => {
                    self.sent.insert(at, fnv1a(&next));
                    self.cursor = Some(next);
                    self.done = false;
                    Ok(())
                }
            },
        }
    }

    /// Whether the listing is complete.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The items collected so far, in the order CDF listed them.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The items collected.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

/// FNV-1a, 64 bits: a cursor's fingerprint for the cycle check.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Pager<WorkflowExecution> {
    /// The next request's body as JSON text, or `None` when the listing is complete.
    pub fn body(&self, filter: &ExecutionFilter) -> Option<String> {
        self.next_request().map(|r| {
            ListBody {
                filter,
                limit: r.size,
                cursor: r.cursor,
            }
            .to_json()
        })
    }

    /// Takes a checked page of executions (see [`Pager::accept_items`]).
    pub fn accept(&mut self, page: Page) -> Result<(), Fault> {
        self.accept_items(page.items, page.next_cursor)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::status::WorkflowStatus;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    /// A valid list item whose id ends in `n`.
    pub(crate) fn execution(n: usize) -> Value {
        Value::Object(vec![
            ("id".into(), s(&format!("059edaa4-a17a-4102-910e-{n:012}"))),
            ("workflowExternalId".into(), s("wf")),
            ("status".into(), s("FAILED")),
            (
                "engineExecutionId".into(),
                s("3c90c3cc-0d44-4b50-8888-8dd25736052a"),
            ),
            ("createdTime".into(), Value::Number(n as f64)),
            ("metadata".into(), Value::Object(vec![])),
        ])
    }

    pub(crate) fn page(items: Vec<Value>, cursor: Option<&str>) -> Value {
        let mut entries = vec![("items".to_owned(), Value::Array(items))];
        if let Some(c) = cursor {
            entries.push(("nextCursor".into(), s(c)));
        }
        Value::Object(entries)
    }

    #[test]
    fn bodies() {
        let filter = ExecutionFilter {
            status: Some(vec![WorkflowStatus::Failed]),
            ..ExecutionFilter::default()
        };
        let first = ListBody {
            filter: &filter,
            limit: 100,
            cursor: None,
        };
        assert_eq!(
            first.to_json(),
            r#"{"filter":{"status":["FAILED"]},"limit":100}"#
        );
        let next = ListBody {
            filter: &filter,
            limit: 7,
            cursor: Some("c\"1"),
        };
        assert_eq!(
            next.to_json(),
            r#"{"filter":{"status":["FAILED"]},"limit":7,"cursor":"c\"1"}"#
        );
        assert_eq!(serde_json::to_string(&next).ok(), Some(next.to_json()));
    }

    #[test]
    fn pages_are_checked_with_indexes_across_pages() {
        let p = check_page(&page(vec![execution(1), execution(2)], Some("c")), 0).expect("valid");
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.next_cursor.as_deref(), Some("c"));
        let mut bad = execution(3);
        if let Value::Object(entries) = &mut bad {
            entries.retain(|(k, _)| k != "status");
        }
        let e = check_page(&page(vec![execution(1), bad], None), 1000).expect_err("fails");
        assert_eq!(e.0, "items[1001].status");
        let e = check_page(&page(vec![Value::Null], None), 5).expect_err("fails");
        assert_eq!(e.0, "items[5]");
        for (v, field) in [
            (Value::Null, "body"),
            (Value::Object(vec![]), "items"),
            (Value::Object(vec![("items".into(), Value::Null)]), "items"),
            (
                Value::Object(vec![("items".into(), Value::Object(vec![]))]),
                "items",
            ),
            (
                Value::Object(vec![
                    ("items".into(), Value::Array(vec![])),
                    ("nextCursor".into(), Value::Number(1.0)),
                ]),
                "nextCursor",
            ),
        ] {
            assert_eq!(check_page(&v, 0).expect_err("fails").0, field, "{v:?}");
        }
        // null and "" cursors end the listing.
        for c in [Value::Null, s(""), Value::Undefined] {
            let v = Value::Object(vec![
                ("items".into(), Value::Array(vec![])),
                ("nextCursor".into(), c),
            ]);
            assert_eq!(check_page(&v, 0).expect("valid").next_cursor, None);
        }
    }

    fn checked(items: Vec<Value>, cursor: Option<&str>, offset: usize) -> Page {
        check_page(&page(items, cursor), offset).expect("valid")
    }

    #[test]
    fn the_pager_follows_cursors_up_to_the_limit() {
        let filter = ExecutionFilter::default();
        let mut p = Pager::new(2500);
        assert_eq!(
            p.next_request(),
            Some(PageRequest {
                size: 1000,
                cursor: None
            })
        );
        assert_eq!(
            p.body(&filter).as_deref(),
            Some(r#"{"filter":{},"limit":1000}"#)
        );
        p.accept(checked((0..1000).map(execution).collect(), Some("a"), 0))
            .expect("new cursor");
        assert_eq!(p.offset(), 1000);
        assert_eq!(
            p.next_request(),
            Some(PageRequest {
                size: 1000,
                cursor: Some("a")
            })
        );
        p.accept(checked((0..1000).map(execution).collect(), Some("b"), 1000))
            .expect("new cursor");
        assert_eq!(
            p.next_request(),
            Some(PageRequest {
                size: 500,
                cursor: Some("b")
            })
        );
        assert_eq!(
            p.body(&filter).as_deref(),
            Some(r#"{"filter":{},"limit":500,"cursor":"b"}"#)
        );
        // A server that returns more than asked: kept up to the limit.
        p.accept(checked((0..600).map(execution).collect(), Some("c"), 2000))
            .expect("new cursor");
        assert!(p.is_done());
        assert_eq!(p.next_request(), None);
        assert_eq!(p.into_items().len(), 2500);
    }

    #[test]
    fn the_pager_stops_without_a_cursor_or_on_a_repeated_one() {
        let mut p = Pager::new(100);
        p.accept(checked(vec![execution(1)], None, 0)).expect("ok");
        assert!(p.is_done());
        assert_eq!(p.items().len(), 1);

        let mut p = Pager::new(100);
        p.accept(checked(vec![], Some("x"), 0))
            .expect("first cursor");
        assert!(!p.is_done());
        let e = p
            .accept(checked(vec![], Some("x"), 0))
            .expect_err("repeated");
        assert_eq!(e.0, "nextCursor");
        assert!(p.is_done());
        assert!(Pager::<u32>::new(0).next_request().is_none());
    }

    #[test]
    fn any_cursor_already_sent_ends_the_listing() {
        // a → b → a: the cycle is caught on the first repeat, not only a → a.
        let mut p = Pager::new(100);
        p.accept(checked(vec![execution(1)], Some("a"), 0))
            .expect("a is new");
        p.accept(checked(vec![execution(2)], Some("b"), 1))
            .expect("b is new");
        let e = p
            .accept(checked(vec![execution(3)], Some("a"), 2))
            .expect_err("a again");
        assert_eq!(e.0, "nextCursor");
        assert!(p.is_done());
        assert_eq!(p.next_request(), None, "no further page");

        // Longer cycles too, however far back the cursor was sent.
        let mut p: Pager<u32> = Pager::new(10_000);
        for i in 0..500u32 {
            p.accept_items(vec![i], Some(format!("c{i}"))).expect("new");
        }
        assert!(p.accept_items(vec![0], Some("c17".into())).is_err());
    }

    #[test]
    fn a_repeated_cursor_is_judged_only_when_another_page_would_be_requested() {
        let mut p = Pager::new(2);
        p.accept(checked(vec![execution(1)], Some("a"), 0))
            .expect("new");
        // The limit is reached: the repeated cursor would never be sent.
        p.accept(checked(vec![execution(2)], Some("a"), 1))
            .expect("limit reached, cursor not judged");
        assert!(p.is_done());
        assert_eq!(p.items().len(), 2);
    }

    #[test]
    fn options() {
        let base = |extra: Vec<(&str, Value)>| {
            let mut entries: Vec<(String, Value)> = vec![
                ("project".into(), s("my-project")),
                ("cluster".into(), s("api")),
                ("token".into(), s("t")),
            ];
            entries.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
            Value::Object(entries)
        };
        let o = parse_list_executions_options(&base(vec![])).expect("valid");
        assert_eq!(o.query.limit, 100);
        assert_eq!(o.query.filter, ExecutionFilter::default());
        let o = parse_list_executions_options(&base(vec![
            ("status", Value::Array(vec![s("RUNNING")])),
            ("limit", Value::Number(3.0)),
            ("onRetry", Value::Function),
        ]))
        .expect("valid");
        assert_eq!(o.query.limit, 3);
        assert!(o.connection.has_on_retry);
        let field = |v: Value| {
            let e = parse_list_executions_options(&v).expect_err("refused");
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            (e.field.unwrap_or_default(), e.message)
        };
        let (f, m) = field(base(vec![("stauts", Value::Array(vec![]))]));
        assert_eq!(f, "stauts");
        assert!(
            m.contains("not an option of listExecutions (did you mean status?)"),
            "{m}"
        );
        assert_eq!(field(base(vec![("executionId", s("x"))])).0, "executionId");
        assert_eq!(field(base(vec![("limit", Value::Number(0.0))])).0, "limit");
        assert_eq!(
            field(base(vec![("filter", Value::Object(vec![]))])).0,
            "filter"
        );
        // Own options come before timeoutMs.
        assert_eq!(
            field(base(vec![
                ("timeoutMs", Value::Null),
                ("limit", Value::Null)
            ]))
            .0,
            "limit"
        );
    }
}
