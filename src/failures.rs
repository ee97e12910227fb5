//! `groupFailures(executions, options?)`: why executions failed, grouped.
//!
//! Synchronous and offline. The executions (as `listExecutions` or
//! `getExecution` return them) are read one at a time ([`parse_execution`]),
//! each that is neither `RUNNING` nor `COMPLETED` is reduced to a [`Failure`]
//! (its workflow, the *signature* of its failure and what the group shows of
//! it), and a [`Grouper`] collects them into [`FailureGroup`]s.
//!
//! The signature ([`signature`], [`task_signature`]) is the reason with what
//! varies between runs replaced, in this order:
//!
//! 1. UUIDs, and runs of 8 or more hex digits holding at least one letter
//!    a–f (bare or `0x`-prefixed), become `<id>`;
//! 2. ISO 8601 date-times with `Z` or an offset (optional seconds and
//!    fraction; `T`, `t` or a space between date and time) and 13-digit epoch
//!    milliseconds become `<time>`;
//! 3. text in double quotes, or in single quotes that open after whitespace,
//!    `(`, `:` or the start and close before whitespace, ASCII punctuation or
//!    the end, becomes `"<value>"` / `'<value>'` (inside the quotes a
//!    backslash escapes the next character);
//! 4. every other run of ASCII digits, with an optional decimal part, becomes
//!    `<n>`, also inside a word (`300s` → `<n>s`).
//!
//! Ids, times and epoch milliseconds are whole tokens: neither end touches an
//! ASCII letter or digit (so `x0123abcd` stays a word, and its digits become
//! `<n>`). Then runs of whitespace become one space, the ends are trimmed,
//! and the result is cut at 200 characters (Unicode scalar values, never a
//! split character).
//!
//! Written as a hand-made scanner over the UTF-8 bytes (every pattern is
//! ASCII, so a match always starts and ends on a character boundary): no
//! regex engine in the `.wasm`.

use std::cmp::Ordering;

use crate::error::CdfError;
use crate::fields::{bad, integer, only_known_keys};
use crate::json::{ObjectWriter, ToJson, SURROGATE_MARK};
use crate::value::Value;

/// The function's name, for messages.
pub const GROUP_FAILURES: &str = "groupFailures";
/// The keys of `options`.
pub const OPTION_KEYS: [&str; 1] = ["limit"];
/// Groups returned when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 1000;
/// Longest signature, in characters.
pub const MAX_SIGNATURE_CHARS: usize = 200;
/// Longest `example`, in characters.
pub const MAX_EXAMPLE_CHARS: usize = 500;
/// Most executions in one call (the wasm layer's reader enforces the budget).
pub const MAX_EXECUTIONS: u32 = 100_000;
/// Most tasks read of one execution (up to its first failed one).
pub const MAX_TASKS: u32 = 10_000;
/// Most property reads in one call (array elements, fields and `length`s).
pub const MAX_READS: u32 = 4_000_000;
/// Longest string read, in UTF-16 code units (a CDF answer is at most 1 MiB).
pub const MAX_STRING: u32 = 1_048_576;
/// Most UTF-16 code units of all strings read together.
pub const MAX_TEXT: u32 = 16_777_216;
/// Why `executions` is refused past [`MAX_EXECUTIONS`] (a test checks the numbers).
pub const TOO_MANY_EXECUTIONS: &str = "hold at most 100000 executions";
/// Why `executions[i].executedTasks` is refused past [`MAX_TASKS`].
pub const TOO_MANY_TASKS: &str =
    "have its first failed task within its first 10000 tasks (tasks are read up to the first failed one)";
/// Why `executions` is refused past [`MAX_READS`].
pub const TOO_MANY_READS: &str =
    "be smaller: reading it took more than 4000000 property reads (tasks are read up to the first failed one)";
/// Why a string is refused past [`MAX_STRING`].
pub const TOO_LONG: &str = "be at most 1048576 characters long";
/// Why `executions` is refused past [`MAX_TEXT`].
pub const TOO_MUCH_TEXT: &str =
    "hold at most 16777216 characters of text in all (ids, statuses, workflows and reasons)";

/// Statuses of an execution that is not grouped (it has not failed).
pub const NOT_FAILED: [&str; 2] = ["RUNNING", "COMPLETED"];
/// Statuses of a task that make it the execution's failed task.
pub const FAILED_TASK: [&str; 3] = ["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"];

/// The validated options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupOptions {
    /// How many groups to return at most (1 to 1000).
    pub limit: u32,
}

impl Default for GroupOptions {
    fn default() -> Self {
        GroupOptions {
            limit: DEFAULT_LIMIT,
        }
    }
}

/// The error for an options key `groupFailures` does not take; `Ok` for
/// `limit`. Lets the wasm layer refuse keys before converting any value.
pub fn check_option_key(key: &str) -> Result<(), CdfError> {
    only_known_keys(
        &[(key.to_owned(), Value::Null)],
        &OPTION_KEYS,
        "",
        GROUP_FAILURES,
    )
}

/// Reads `options`: absent (`undefined`) gives the defaults; otherwise a plain
/// object whose only key is `limit` (an integer from 1 to 1000).
pub fn parse_options(options: &Value) -> Result<GroupOptions, CdfError> {
    let entries = match options {
        Value::Undefined => return Ok(GroupOptions::default()),
        Value::Object(entries) => entries,
        _ => {
            return Err(bad(
                "options",
                "be a plain object such as { limit: 10 }, or absent",
            ))
        }
    };
    only_known_keys(entries, &OPTION_KEYS, "", GROUP_FAILURES)?;
    let limit = match options.get_present("limit", false) {
        None => DEFAULT_LIMIT,
        Some(v) => integer(
            v,
            "limit",
            1,
            u64::from(MAX_LIMIT),
            "be an integer from 1 to 1000 (the most groups returned)",
        )? as u32,
    };
    Ok(GroupOptions { limit })
}

/// Whether an execution with this status is grouped (it is neither `RUNNING`
/// nor `COMPLETED`; unknown statuses are grouped).
pub fn is_grouped(status: &str) -> bool {
    !NOT_FAILED.contains(&status)
}

/// Whether a task with this status is a failed task.
pub fn is_failed_task(status: &str) -> bool {
    FAILED_TASK.contains(&status)
}

/// One grouped execution, reduced to what its group needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The execution id, as given.
    pub id: String,
    /// Its workflow (`""` when absent).
    pub workflow_external_id: String,
    /// Its status, as given.
    pub status: String,
    /// `createdTime`, when given.
    pub created_time: Option<f64>,
    /// The signature of its failure.
    pub signature: String,
    /// The first 500 characters of the reason the signature was made from.
    pub example: String,
    /// The failed task's `externalId`, when the signature is the task's.
    pub failed_task: Option<String>,
}

/// The `invalid_input` error for `field`, a path inside the `executions`
/// argument (`executions[3].status`); `reason` completes "`field` must …".
pub fn invalid_execution(field: &str, reason: &str) -> CdfError {
    let mut e = CdfError::invalid_input(field, reason);
    e.message = format!("Invalid argument \"{field}\": it must {reason}.");
    e
}

/// Where a value is inside the `executions` argument: `executions[3]`,
/// `executions[3].status`, `executions[3].executedTasks[1]` or
/// `executions[3].executedTasks[1].externalId`. Written out only for an error.
#[derive(Debug, Clone, Copy)]
struct Place<'a> {
    index: usize,
    task: Option<usize>,
    key: Option<&'a str>,
}

impl<'a> Place<'a> {
    fn key(self, key: &'a str) -> Self {
        Place {
            key: Some(key),
            ..self
        }
    }

    fn path(self) -> String {
        let mut path = format!("executions[{}]", self.index);
        if let Some(k) = self.task {
            path.push_str(&format!(".executedTasks[{k}]"));
        }
        if let Some(key) = self.key {
            path.push('.');
            path.push_str(key);
        }
        path
    }

    fn refuse(self, reason: &str) -> CdfError {
        invalid_execution(&self.path(), reason)
    }

    /// The string at this place of `obj`: `Ok(None)` when absent (`undefined`
    /// or `null`) and `optional`; anything else is refused with `reason`.
    fn string(
        self,
        obj: &'a Value,
        optional: bool,
        reason: &str,
    ) -> Result<Option<&'a str>, CdfError> {
        let key = self.key.unwrap_or("");
        match obj.get_present(key, true) {
            Some(Value::String(s)) => Ok(Some(s)),
            None if optional => Ok(None),
            _ => Err(self.refuse(reason)),
        }
    }
}

const STRING_WHEN_PRESENT: &str = "be a string when present";

/// Reads the execution at `index` of the `executions` array. `Ok(None)` for
/// one that is `RUNNING` or `COMPLETED` (only its `id` and `status` are
/// checked); otherwise its [`Failure`]. A field of the wrong type is
/// `invalid_input` naming it, e.g. `executions[3].status`.
///
/// Fields are checked where they are used: `id` and `status` always;
/// `workflowExternalId`, `createdTime` (a finite number),
/// `reasonForIncompletion` and `executedTasks` for grouped executions, each
/// optional (`undefined` or `null` is absent); tasks in order up to the first
/// failed one (an object with a string `status`; the failed one also a string
/// `externalId`, and `reasonForIncompletion` a string when present).
pub fn parse_execution(index: usize, execution: &Value) -> Result<Option<Failure>, CdfError> {
    parse_execution_from(index, execution, 0)
}

/// [`parse_execution`] for an execution whose `executedTasks` holds its tasks
/// from index `tasks_from` on: a reader that already found the tasks before it
/// to be objects with a string `status` that is not a failed one gives only
/// the rest (error paths keep the caller's indices).
pub fn parse_execution_from(
    index: usize,
    execution: &Value,
    tasks_from: usize,
) -> Result<Option<Failure>, CdfError> {
    let at = Place {
        index,
        task: None,
        key: None,
    };
    if !matches!(execution, Value::Object(_)) {
        return Err(not_an_execution(&at.path(), execution.type_name()));
    }
    let id = at
        .key("id")
        .string(execution, false, "be a string (the execution id)")?
        .unwrap_or("");
    let status = at
        .key("status")
        .string(
            execution,
            false,
            "be a string (the execution status, e.g. \"FAILED\")",
        )?
        .unwrap_or("");
    if !is_grouped(status) {
        return Ok(None);
    }
    let workflow = at
        .key("workflowExternalId")
        .string(execution, true, STRING_WHEN_PRESENT)?;
    let created_time = match execution.get_present("createdTime", true) {
        None => None,
        Some(Value::Number(n)) if n.is_finite() => Some(*n),
        Some(_) => {
            return Err(at
                .key("createdTime")
                .refuse("be a finite number (milliseconds since the epoch) when present"))
        }
    };
    let reason = at
        .key("reasonForIncompletion")
        .string(execution, true, STRING_WHEN_PRESENT)?;
    let task = match execution.get_present("executedTasks", true) {
        None => None,
        Some(Value::Array(tasks)) => failed_task(at, tasks, tasks_from)?,
        Some(_) => {
            return Err(at
                .key("executedTasks")
                .refuse("be an array of task objects when present"))
        }
    };
    let (signature, source, failed_task) = match task {
        Some((external_id, task_reason)) => (
            task_signature(external_id, task_reason),
            task_reason,
            Some(external_id.to_owned()),
        ),
        None => {
            let reason = reason.unwrap_or("");
            (self::signature(reason), reason, None)
        }
    };
    Ok(Some(Failure {
        id: id.to_owned(),
        workflow_external_id: workflow.unwrap_or("").to_owned(),
        status: status.to_owned(),
        created_time,
        signature,
        example: cut(source, MAX_EXAMPLE_CHARS).to_owned(),
        failed_task,
    }))
}

/// The first failed task of `tasks` (the execution's tasks from index
/// `from` on): its `externalId` and reason (`""` when absent). Tasks after it
/// are not looked at.
fn failed_task<'a>(
    at: Place<'a>,
    tasks: &'a [Value],
    from: usize,
) -> Result<Option<(&'a str, &'a str)>, CdfError> {
    for (k, task) in tasks.iter().enumerate() {
        let here = Place {
            task: Some(from + k),
            ..at
        };
        if !matches!(task, Value::Object(_)) {
            return Err(not_a_task(&here.path(), task.type_name()));
        }
        let status = here
            .key("status")
            .string(
                task,
                false,
                "be a string (the task status, e.g. \"FAILED\")",
            )?
            .unwrap_or("");
        if !is_failed_task(status) {
            continue;
        }
        let external_id = here
            .key("externalId")
            .string(task, false, "be a string (the failed task's external id)")?
            .unwrap_or("");
        let reason = here
            .key("reasonForIncompletion")
            .string(task, true, STRING_WHEN_PRESENT)?;
        return Ok(Some((external_id, reason.unwrap_or(""))));
    }
    Ok(None)
}

// ---- Signatures -------------------------------------------------------------------------

/// The signature of an execution's reason: placeholders, whitespace
/// collapsed and trimmed, cut at 200 characters. An absent or empty reason
/// gives `""`.
pub fn signature(reason: &str) -> String {
    cut(&collapse(&placeholders(reason)), MAX_SIGNATURE_CHARS).to_owned()
}

/// The signature of a failed task: `{externalId}: {the task's normalised
/// reason}`, whitespace collapsed and trimmed as a whole (so a task without a
/// reason gives `{externalId}:`), cut at 200 characters. The external id gets
/// no placeholders.
pub fn task_signature(external_id: &str, reason: &str) -> String {
    let text = format!("{external_id}: {}", placeholders(reason));
    cut(&collapse(&text), MAX_SIGNATURE_CHARS).to_owned()
}

/// The four replacement passes, in order, without collapsing whitespace.
pub fn placeholders(text: &str) -> String {
    let text = replace(text, is_hex, ids);
    let text = replace(&text, is_ascii_digit, times);
    let text = quoted(&text);
    replace(&text, is_ascii_digit, numbers)
}

/// The first `max` characters of `s` (all of it when shorter). A lone
/// surrogate kept by [`crate::parse`] ([`SURROGATE_MARK`] and its code) is
/// one character, never split.
pub fn cut(s: &str, max: usize) -> &str {
    let mut count = 0;
    let mut chars = s.char_indices();
    while let Some((at, c)) = chars.next() {
        if count == max {
            return s.get(..at).unwrap_or(s);
        }
        count += 1;
        if c == SURROGATE_MARK {
            chars.next();
        }
    }
    s
}

/// Runs of whitespace (`char::is_whitespace`) as one space, without leading or
/// trailing whitespace. Non-whitespace is copied a run at a time.
pub fn collapse(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut word) = (0, 0);
    while i < b.len() {
        let c = byte(b, i);
        let (space, len) = if c.is_ascii() {
            (matches!(c, b' ' | b'\t'..=b'\r'), 1)
        } else {
            let ch = char_at(s, i).unwrap_or('\0');
            (ch.is_whitespace(), ch.len_utf8())
        };
        if space {
            if word < i {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(s.get(word..i).unwrap_or(""));
            }
            word = i + len;
        }
        i += len;
    }
    if word < b.len() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s.get(word..).unwrap_or(""));
    }
    out
}

/// What a pass replaces at one position: the end of the match and its placeholder.
type Match = Option<(usize, &'static str)>;

/// `s` with every match of `at` replaced by its placeholder: tried at each
/// byte for which `start` holds, left to right, a match consuming its text.
fn replace(s: &str, start: fn(u8) -> bool, at: fn(&[u8], usize) -> Match) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut copied) = (0, 0);
    while let Some(skip) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| start(c)))
    {
        i += skip;
        match at(b, i) {
            Some((end, placeholder)) => {
                out.push_str(s.get(copied..i).unwrap_or(""));
                out.push_str(placeholder);
                i = end;
                copied = end;
            }
            None => i += 1,
        }
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn is_alnum(b: &[u8], i: usize) -> bool {
    byte(b, i).is_ascii_alphanumeric()
}

fn is_digit(b: &[u8], i: usize) -> bool {
    byte(b, i).is_ascii_digit()
}

/// Whether a token may start at `i`: the character before it is not an ASCII
/// letter or digit.
fn starts_token(b: &[u8], i: usize) -> bool {
    i == 0 || !is_alnum(b, i - 1)
}

/// Whether a token may end at `end`: no ASCII letter or digit follows.
fn ends_token(b: &[u8], end: usize) -> bool {
    !is_alnum(b, end)
}

/// The end of the run of bytes from `i` for which `f` holds.
fn run(b: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    let mut j = i;
    while j < b.len() && f(byte(b, j)) {
        j += 1;
    }
    j
}

/// Exactly `n` bytes of `f` at `i`: the end.
fn exactly(b: &[u8], i: usize, n: usize, f: impl Fn(u8) -> bool) -> Option<usize> {
    (i..i + n).all(|j| f(byte(b, j))).then_some(i + n)
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn is_ascii_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// Pass 1: a UUID, or 8+ hex digits with a letter, bare or `0x`-prefixed.
fn ids(b: &[u8], i: usize) -> Match {
    if !is_hex(byte(b, i)) || !starts_token(b, i) {
        return None;
    }
    const ID: &str = "<id>";
    // 8-4-4-4-12 hex digits.
    let mut end = Some(i);
    for (k, n) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        end = end
            .and_then(|j| {
                if k == 0 {
                    Some(j)
                } else {
                    (byte(b, j) == b'-').then_some(j + 1)
                }
            })
            .and_then(|j| exactly(b, j, n, is_hex));
    }
    if let Some(end) = end.filter(|&e| ends_token(b, e)) {
        return Some((end, ID));
    }
    let digits = if byte(b, i) == b'0' && matches!(byte(b, i + 1), b'x' | b'X') {
        i + 2
    } else {
        i
    };
    let end = run(b, digits, is_hex);
    let letter = b
        .get(digits..end)
        .is_some_and(|h| h.iter().any(u8::is_ascii_alphabetic));
    (end - digits >= 8 && letter && ends_token(b, end)).then_some((end, ID))
}

/// Two digits at `i` whose value is in `range`: the end.
fn two_digits(b: &[u8], i: usize, range: std::ops::RangeInclusive<u8>) -> Option<usize> {
    let end = exactly(b, i, 2, |c| c.is_ascii_digit())?;
    let value = (byte(b, i) - b'0') * 10 + (byte(b, i + 1) - b'0');
    range.contains(&value).then_some(end)
}

/// An ISO 8601 date-time at `i` with `Z` or an offset: the end.
fn iso_time(b: &[u8], i: usize) -> Option<usize> {
    let j = exactly(b, i, 4, |c| c.is_ascii_digit())?;
    let j = (byte(b, j) == b'-').then_some(j + 1)?;
    let j = two_digits(b, j, 1..=12)?;
    let j = (byte(b, j) == b'-').then_some(j + 1)?;
    let j = two_digits(b, j, 1..=31)?;
    let j = matches!(byte(b, j), b'T' | b't' | b' ').then_some(j + 1)?;
    let j = two_digits(b, j, 0..=23)?;
    let j = (byte(b, j) == b':').then_some(j + 1)?;
    let mut j = two_digits(b, j, 0..=59)?;
    if byte(b, j) == b':' {
        if let Some(s) = two_digits(b, j + 1, 0..=60) {
            j = s;
            if matches!(byte(b, j), b'.' | b',') && is_digit(b, j + 1) {
                j = run(b, j + 1, |c| c.is_ascii_digit());
            }
        }
    }
    match byte(b, j) {
        b'Z' | b'z' => Some(j + 1).filter(|&e| ends_token(b, e)),
        b'+' | b'-' => {
            let h = two_digits(b, j + 1, 0..=23)?;
            // +hh:mm, +hhmm or +hh: the first that ends the token.
            let with_colon = (byte(b, h) == b':')
                .then(|| two_digits(b, h + 1, 0..=59))
                .flatten();
            [with_colon, two_digits(b, h, 0..=59), Some(h)]
                .into_iter()
                .flatten()
                .find(|&e| ends_token(b, e))
        }
        _ => None,
    }
}

/// Pass 2: an ISO 8601 date-time, or 13 digits of epoch milliseconds.
fn times(b: &[u8], i: usize) -> Match {
    if !is_digit(b, i) || !starts_token(b, i) {
        return None;
    }
    const TIME: &str = "<time>";
    if let Some(end) = iso_time(b, i) {
        return Some((end, TIME));
    }
    // Epoch milliseconds: exactly 13 digits, not the decimal part or the
    // integer part of a decimal number.
    let end = run(b, i, |c| c.is_ascii_digit());
    let fraction_before = i >= 2 && byte(b, i - 1) == b'.' && is_digit(b, i - 2);
    let fraction_after = byte(b, end) == b'.' && is_digit(b, end + 1);
    (end - i == 13 && ends_token(b, end) && !fraction_before && !fraction_after)
        .then_some((end, TIME))
}

/// Pass 4: a run of digits with an optional decimal part.
fn numbers(b: &[u8], i: usize) -> Match {
    if !is_digit(b, i) {
        return None;
    }
    let mut end = run(b, i, |c| c.is_ascii_digit());
    if byte(b, end) == b'.' && is_digit(b, end + 1) {
        end = run(b, end + 1, |c| c.is_ascii_digit());
    }
    Some((end, "<n>"))
}

/// The character before byte `i` of `s`.
fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i).and_then(|p| p.chars().next_back())
}

/// The character at byte `i` of `s`.
fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|p| p.chars().next())
}

/// Whether a single quote at `i` opens a quoted text: after whitespace, `(`,
/// `:` or at the start (an apostrophe inside a word does not).
fn opens_single(s: &str, i: usize) -> bool {
    match char_before(s, i) {
        None => true,
        Some(c) => c.is_whitespace() || c == '(' || c == ':',
    }
}

/// Whether a single quote at `i` closes a quoted text: before whitespace,
/// ASCII punctuation or the end.
fn closes_single(s: &str, i: usize) -> bool {
    match char_at(s, i + 1) {
        None => true,
        Some(c) => c.is_whitespace() || c.is_ascii_punctuation(),
    }
}

/// The end of the quoted text opened by the quote at `open`, if it closes:
/// the first `quote` after it (a backslash escaping the next character) for
/// which `closes` holds.
fn closing(s: &str, open: usize, quote: u8, closes: impl Fn(&str, usize) -> bool) -> Option<usize> {
    let b = s.as_bytes();
    let mut j = open + 1;
    while j < b.len() {
        match byte(b, j) {
            b'\\' => j += 2,
            c if c == quote && closes(s, j) => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// Pass 3: quoted texts as `"<value>"` / `'<value>'`.
///
/// Once a search for the closing quote of one kind fails, every later one
/// fails too (it walks the same characters from the same alignment), so it is
/// not tried again: the pass stays linear.
fn quoted(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut i, mut copied) = (0, 0);
    let (mut double_open, mut single_open) = (true, true);
    while let Some(skip) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'"' || c == b'\''))
    {
        i += skip;
        let found = match byte(b, i) {
            b'"' if double_open => {
                let end = closing(s, i, b'"', |_, _| true);
                double_open = end.is_some();
                end.map(|e| (e, "\"<value>\""))
            }
            b'\'' if single_open && opens_single(s, i) => {
                let end = closing(s, i, b'\'', closes_single);
                single_open = end.is_some();
                end.map(|e| (e, "'<value>'"))
            }
            _ => None,
        };
        match found {
            Some((end, placeholder)) => {
                out.push_str(s.get(copied..i).unwrap_or(""));
                out.push_str(placeholder);
                i = end;
                copied = end;
            }
            None => i += 1,
        }
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

// ---- Groups -----------------------------------------------------------------------------

/// One group of failed executions, as `groupFailures` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureGroup {
    /// The workflow (`""` for executions without one).
    pub workflow_external_id: String,
    /// The normalised reason.
    pub signature: String,
    /// How many executions of each status, by status name.
    pub statuses: Vec<(String, u32)>,
    /// How many executions.
    pub count: u32,
    /// Their ids, newest first (`createdTime` descending; ties and executions
    /// without `createdTime`, which come last, in input order).
    pub execution_ids: Vec<String>,
    /// The newest member's original reason, its first 500 characters.
    pub example: String,
    /// The newest member's failed task, when its signature is the task's.
    pub failed_task: Option<String>,
}

/// Whether `a` is newer than `b` (`None`, no `createdTime`, is oldest).
fn newer(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Newest first; equal times (and no times) are equal.
fn newest_first(a: Option<f64>, b: Option<f64>) -> Ordering {
    if newer(a, b) {
        Ordering::Less
    } else if newer(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Collects [`Failure`]s, in input order, and groups them by workflow and
/// signature at the end (one sort: no map in the `.wasm`; memory is what the
/// failures hold, bounded by the text they were made from).
#[derive(Debug, Default)]
pub struct Grouper {
    failures: Vec<Failure>,
}

impl Grouper {
    /// An empty grouper.
    pub fn new() -> Self {
        Grouper::default()
    }

    /// Adds the next failure (in input order).
    pub fn add(&mut self, f: Failure) {
        self.failures.push(f);
    }

    /// The groups, largest first (then by `workflowExternalId`, then by
    /// signature, both by Unicode code points), at most `limit`.
    pub fn finish(self, limit: u32) -> Vec<FailureGroup> {
        let mut failures = self.failures;
        // By group, and within a group newest first; equal times, and no
        // times (last), in input order.
        let mut order: Vec<usize> = (0..failures.len()).collect();
        order.sort_unstable_by(|&a, &b| match (failures.get(a), failures.get(b)) {
            (Some(fa), Some(fb)) => (&fa.workflow_external_id, &fa.signature)
                .cmp(&(&fb.workflow_external_id, &fb.signature))
                .then(newest_first(fa.created_time, fb.created_time))
                .then(a.cmp(&b)),
            _ => a.cmp(&b),
        });
        let mut groups: Vec<FailureGroup> = Vec::new();
        for i in order {
            let Some(f) = failures.get_mut(i) else {
                continue;
            };
            let group = match groups.last_mut() {
                Some(g)
                    if g.workflow_external_id == f.workflow_external_id
                        && g.signature == f.signature =>
                {
                    g
                }
                _ => {
                    // The first of its group is the newest: its example.
                    groups.push(FailureGroup {
                        workflow_external_id: std::mem::take(&mut f.workflow_external_id),
                        signature: std::mem::take(&mut f.signature),
                        statuses: Vec::new(),
                        count: 0,
                        execution_ids: Vec::new(),
                        example: std::mem::take(&mut f.example),
                        failed_task: f.failed_task.take(),
                    });
                    match groups.last_mut() {
                        Some(g) => g,
                        None => continue,
                    }
                }
            };
            group.count += 1;
            group.execution_ids.push(std::mem::take(&mut f.id));
            // Statuses stay sorted by name.
            match group
                .statuses
                .binary_search_by(|(s, _)| s.as_str().cmp(&f.status))
            {
                Ok(at) => {
                    if let Some((_, n)) = group.statuses.get_mut(at) {
                        *n += 1;
                    }
                }
                Err(at) => group
                    .statuses
                    .insert(at, (std::mem::take(&mut f.status), 1)),
            }
        }
        groups.sort_unstable_by(|a, b| {
            (b.count, &a.workflow_external_id, &a.signature).cmp(&(
                a.count,
                &b.workflow_external_id,
                &b.signature,
            ))
        });
        groups.truncate(limit as usize);
        groups
    }
}

/// The error for `executions` that is not an array but `type_name` (as
/// [`Value::type_name`] words it: "an object").
pub fn not_an_array(type_name: &str) -> CdfError {
    invalid_execution(
        "executions",
        &format!(
            "be an array of executions (as listExecutions or getExecution return them), not {type_name}"
        ),
    )
}

/// The error for an element of `executions` (`field`) that is not an object.
pub fn not_an_execution(field: &str, type_name: &str) -> CdfError {
    invalid_execution(
        field,
        &format!("be an execution object with a string id and status, not {type_name}"),
    )
}

/// The error for an element of `executedTasks` (`field`) that is not an object.
pub fn not_a_task(field: &str, type_name: &str) -> CdfError {
    invalid_execution(field, &format!("be a task object, not {type_name}"))
}

/// `groupFailures(executions, options)` on values: the options, then each
/// execution in order (the first fault is the error), then the groups.
pub fn group_failures(executions: &Value, options: &Value) -> Result<Vec<FailureGroup>, CdfError> {
    let options = parse_options(options)?;
    let Value::Array(items) = executions else {
        return Err(not_an_array(executions.type_name()));
    };
    let mut grouper = Grouper::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(failure) = parse_execution(i, item)? {
            grouper.add(failure);
        }
    }
    Ok(grouper.finish(options.limit))
}

/// Strings are written as [`crate::parse`] reads them: a lone surrogate it
/// kept goes back out as its `\uDXXX` escape.
impl ToJson for FailureGroup {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.field("workflowExternalId", &self.workflow_external_id);
        o.field("signature", &self.signature);
        o.field("statuses", &Statuses(&self.statuses));
        o.field("count", &self.count);
        o.field("executionIds", &self.execution_ids);
        o.field("example", &self.example);
        o.optional("failedTask", &self.failed_task);
        o.end();
    }
}

struct Statuses<'a>(&'a [(String, u32)]);

impl ToJson for Statuses<'_> {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        for (status, n) in self.0 {
            o.field(status, n);
        }
        o.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    fn sig(reason: &str) -> String {
        signature(reason)
    }

    #[test]
    fn uuids_and_hex_ids_become_id() {
        assert_eq!(
            sig("Execution 059edaa4-a17a-4102-910e-2C3591500CCE not found"),
            "Execution <id> not found"
        );
        // A UUID of digits only is still a UUID.
        assert_eq!(sig("id 11111111-1111-4111-8111-111111111111."), "id <id>.");
        assert_eq!(
            sig("sha deadbeef0123 and 3f2a9c81e0aa"),
            "sha <id> and <id>"
        );
        assert_eq!(sig("ptr 0x7ffee4b3c9a8 bad"), "ptr <id> bad");
        assert_eq!(sig("ptr 0X7FFEE4B3C9A8"), "ptr <id>");
        // Hyphens, underscores and slashes end a token; letters and digits do not.
        assert_eq!(sig("job-a1b2c3d4e5f6/x_a1b2c3d4e5f6"), "job-<id>/x_<id>");
        assert_eq!(
            sig("run-059edaa4-a17a-4102-910e-2c3591500cce-retry"),
            "run-<id>-retry"
        );
        // Touching a letter: a word, whose digits become numbers.
        assert_eq!(sig("xa1b2c3d4e5f6"), "xa<n>b<n>c<n>d<n>e<n>f<n>");
        assert_eq!(sig("a1b2c3d4e5f6g"), "a<n>b<n>c<n>d<n>e<n>f<n>g");
    }

    #[test]
    fn hex_runs_without_letters_or_shorter_than_8_are_numbers() {
        assert_eq!(sig("code 12345678 and 123456789012"), "code <n> and <n>");
        assert_eq!(sig("0x12345678"), "<n>x<n>");
        assert_eq!(sig("short abc1234 ok"), "short abc<n> ok");
        assert_eq!(sig("short 0xabc123 ok"), "short <n>xabc<n> ok");
        // Eight letters a–f are an id: the rule does not know words.
        assert_eq!(sig("deadbeef"), "<id>");
        assert_eq!(sig("accede"), "accede");
    }

    #[test]
    fn iso_date_times_with_a_zone_become_time() {
        assert_eq!(sig("at 2024-10-29T12:19:06Z."), "at <time>.");
        assert_eq!(sig("at 2024-10-29T12:19:06.123456Z"), "at <time>");
        assert_eq!(sig("at 2024-10-29T12:19:06+02:00 x"), "at <time> x");
        assert_eq!(sig("at 2024-10-29T12:19:06.5-0530"), "at <time>");
        assert_eq!(sig("at 2024-10-29T12:19+01"), "at <time>");
        assert_eq!(sig("at 2024-10-29 12:19:06,25+00:00"), "at <time>");
        assert_eq!(sig("(2024-10-29t12:19:06z)"), "(<time>)");
        // Without a zone it is not a date-time: its numbers become numbers.
        assert_eq!(sig("at 2024-10-29T12:19:06"), "at <n>-<n>-<n>T<n>:<n>:<n>");
        // Out of range: not a date.
        assert_eq!(sig("2024-13-29T12:19:06Z"), "<n>-<n>-<n>T<n>:<n>:<n>Z");
        // An offset that runs into more digits is not one.
        assert_eq!(
            sig("2024-10-29T12:19:06+023"),
            "<n>-<n>-<n>T<n>:<n>:<n>+<n>"
        );
    }

    #[test]
    fn epoch_milliseconds_are_13_digits() {
        assert_eq!(sig("created 1730204346000 ms"), "created <time> ms");
        assert_eq!(sig("t=1730204346000,"), "t=<time>,");
        // 12 or 14 digits, a decimal, or touching a letter: numbers.
        assert_eq!(sig("173020434600 17302043460001"), "<n> <n>");
        assert_eq!(sig("1730204346000.5 0.1730204346000"), "<n> <n>");
        assert_eq!(sig("1730204346000ms"), "<n>ms");
    }

    #[test]
    fn double_quoted_text_becomes_value() {
        assert_eq!(
            sig(r#"Column "temperature" not in table "raw_2""#),
            r#"Column "<value>" not in table "<value>""#
        );
        assert_eq!(sig(r#"empty "" here"#), r#"empty "<value>" here"#);
        assert_eq!(
            sig(r#"escaped "a \"b\" c" done"#),
            r#"escaped "<value>" done"#
        );
        // Unclosed: left as it is (its digits still become numbers).
        assert_eq!(sig(r#"open "quote 42"#), r#"open "quote <n>"#);
        // Ids and times inside quotes were replaced first; the quote wins anyway.
        assert_eq!(
            sig(r#"file "059edaa4-a17a-4102-910e-2c3591500cce.csv""#),
            r#"file "<value>""#
        );
        // A quote inside a word opens too: double quotes have no word rule.
        assert_eq!(sig(r#"a"b"c"#), r#"a"<value>"c"#);
    }

    #[test]
    fn single_quotes_open_after_space_paren_colon_or_start_and_close_before_space_punctuation_or_end(
    ) {
        assert_eq!(sig("KeyError: 'temperature'"), "KeyError: '<value>'");
        assert_eq!(sig("'x' is missing"), "'<value>' is missing");
        assert_eq!(sig("call('x')"), "call('<value>')");
        assert_eq!(sig("key:'x', next"), "key:'<value>', next");
        assert_eq!(sig("value 'x'."), "value '<value>'.");
        // Apostrophes inside words are not quotes.
        assert_eq!(
            sig("can't find the user's file"),
            "can't find the user's file"
        );
        assert_eq!(sig("don't retry 'x'"), "don't retry '<value>'");
        // An apostrophe inside the quoted text does not close it.
        assert_eq!(sig("name 'O'Brien' unknown"), "name '<value>' unknown");
        assert_eq!(sig("say 'it\\'s' now"), "say '<value>' now");
        // No opening after a letter, `=` or `[`; no closing before a letter.
        assert_eq!(sig("x='a' y"), "x='a' y");
        assert_eq!(sig("['a']"), "['a']");
        assert_eq!(sig("'abc"), "'abc");
        assert_eq!(sig("it 'was fine"), "it 'was fine");
        // Multi-byte whitespace opens and closes.
        assert_eq!(sig("a\u{a0}'x'\u{3000}b"), "a '<value>' b");
        // Double quotes inside single-quoted text are part of it, and the other way round.
        assert_eq!(
            sig(r#"'say "hi"' and "it's""#),
            r#"'<value>' and "<value>""#
        );
    }

    #[test]
    fn other_digit_runs_become_n_even_inside_words() {
        assert_eq!(sig("timed out after 300s"), "timed out after <n>s");
        assert_eq!(
            sig("took 1.5 s, retry 3 of 10"),
            "took <n> s, retry <n> of <n>"
        );
        assert_eq!(sig("version 1.2.3"), "version <n>.<n>");
        assert_eq!(sig("-5 and 1e-7 and 5."), "-<n> and <n>e-<n> and <n>.");
        assert_eq!(sig("http2 step3b"), "http<n> step<n>b");
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed_then_cut_at_200_characters() {
        assert_eq!(sig("  a \n\t b\r\n  "), "a b");
        assert_eq!(sig(""), "");
        assert_eq!(sig(" \n "), "");
        let long = "é".repeat(300);
        let cut_sig = sig(&long);
        assert_eq!(cut_sig.chars().count(), 200);
        assert_eq!(cut_sig, "é".repeat(200));
        // Cut after the placeholders, on characters: a 4-byte character is never split.
        let emoji = format!("{} {}", "😀".repeat(199), "x");
        assert_eq!(sig(&emoji), format!("{} ", "😀".repeat(199)));
        let ids = "059edaa4-a17a-4102-910e-2c3591500cce ".repeat(60);
        assert_eq!(sig(&ids).chars().count(), 200);
        assert!(sig(&ids).starts_with("<id> <id> "));
    }

    #[test]
    fn a_task_signature_is_its_external_id_and_normalised_reason() {
        assert_eq!(
            task_signature("load-assets", "Timed out after 300 s"),
            "load-assets: Timed out after <n> s"
        );
        // No placeholders in the external id; no reason gives `{externalId}:`.
        assert_eq!(task_signature("step2", ""), "step2:");
        assert_eq!(task_signature("step2", "  \n"), "step2:");
        let long = task_signature("t", &"x".repeat(500));
        assert_eq!(long.chars().count(), 200);
        assert!(long.starts_with("t: xxx"));
    }

    #[test]
    fn hostile_texts_stay_linear() {
        // Thousands of quotes that never close, escapes, and digits.
        let text = "\"\\".repeat(100_000) + &"'a ".repeat(100_000) + &"9".repeat(100_000);
        let start = std::time::Instant::now();
        let out = signature(&text);
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
        assert_eq!(out.chars().count(), 200);
    }

    #[test]
    fn the_budget_reasons_name_the_budget() {
        for (reason, n) in [
            (TOO_MANY_EXECUTIONS, MAX_EXECUTIONS),
            (TOO_MANY_TASKS, MAX_TASKS),
            (TOO_MANY_READS, MAX_READS),
            (TOO_LONG, MAX_STRING),
            (TOO_MUCH_TEXT, MAX_TEXT),
        ] {
            assert!(reason.contains(&format!(" {n} ")), "{reason}");
        }
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(
            parse_options(&Value::Undefined).ok(),
            Some(GroupOptions { limit: 100 })
        );
        assert_eq!(
            parse_options(&Value::object([("limit", Value::Number(1000.0))])).ok(),
            Some(GroupOptions { limit: 1000 })
        );
        assert_eq!(
            parse_options(&Value::object([("limit", Value::Undefined)])).ok(),
            Some(GroupOptions { limit: 100 })
        );
        for bad in [0.0, 1001.0, 1.5, f64::NAN, -1.0] {
            let e = parse_options(&Value::object([("limit", Value::Number(bad))]))
                .expect_err("refused");
            assert_eq!(e.field.as_deref(), Some("limit"), "{bad}");
        }
        let e = parse_options(&Value::object([("limit", s("10"))])).expect_err("a string");
        assert_eq!(e.field.as_deref(), Some("limit"));
        let e = parse_options(&Value::object([("limt", Value::Number(1.0))])).expect_err("typo");
        assert_eq!(e.field.as_deref(), Some("limt"));
        assert!(e.message.contains("did you mean limit?"), "{}", e.message);
        assert_eq!(
            check_option_key("Limit").map_err(|e| e.field),
            Err(Some("Limit".into()))
        );
        assert!(check_option_key("limit").is_ok());
        let e = parse_options(&Value::Null).expect_err("null");
        assert_eq!(e.field.as_deref(), Some("options"));
    }

    fn execution(id: &str, status: &str, workflow: &str, time: f64, reason: &str) -> Value {
        Value::object([
            ("id", s(id)),
            ("status", s(status)),
            ("workflowExternalId", s(workflow)),
            ("createdTime", Value::Number(time)),
            ("reasonForIncompletion", s(reason)),
        ])
    }

    fn task(external_id: &str, status: &str, reason: Option<&str>) -> Value {
        let mut entries = vec![("externalId", s(external_id)), ("status", s(status))];
        if let Some(r) = reason {
            entries.push(("reasonForIncompletion", s(r)));
        }
        Value::object(entries)
    }

    fn with_tasks(mut e: Value, tasks: Vec<Value>) -> Value {
        if let Value::Object(entries) = &mut e {
            entries.push(("executedTasks".into(), Value::Array(tasks)));
        }
        e
    }

    fn field_of(executions: Value) -> Option<String> {
        group_failures(&executions, &Value::Undefined)
            .expect_err("refused")
            .field
    }

    #[test]
    fn executions_are_checked_where_used() {
        let ok = execution("a", "FAILED", "w", 1.0, "r");
        assert_eq!(field_of(Value::Null), Some("executions".into()));
        assert_eq!(field_of(Value::object([])), Some("executions".into()));
        assert_eq!(
            field_of(Value::Array(vec![ok.clone(), s("x")])),
            Some("executions[1]".into())
        );
        assert_eq!(
            field_of(Value::Array(vec![Value::Array(vec![])])),
            Some("executions[0]".into())
        );
        let no_id = Value::object([("status", s("FAILED"))]);
        assert_eq!(
            field_of(Value::Array(vec![no_id])),
            Some("executions[0].id".into())
        );
        let bad_status = Value::object([("id", s("a")), ("status", Value::Number(1.0))]);
        assert_eq!(
            field_of(Value::Array(vec![
                ok.clone(),
                ok.clone(),
                ok.clone(),
                bad_status
            ])),
            Some("executions[3].status".into())
        );
        let bad = |key: &str, v: Value| {
            let mut e = ok.clone();
            if let Value::Object(entries) = &mut e {
                entries.retain(|(k, _)| k != key);
                entries.push((key.to_owned(), v));
            }
            field_of(Value::Array(vec![e]))
        };
        assert_eq!(
            bad("workflowExternalId", Value::Number(1.0)),
            Some("executions[0].workflowExternalId".into())
        );
        assert_eq!(
            bad("createdTime", s("1")),
            Some("executions[0].createdTime".into())
        );
        assert_eq!(
            bad("createdTime", Value::Number(f64::NAN)),
            Some("executions[0].createdTime".into())
        );
        assert_eq!(
            bad("reasonForIncompletion", Value::Bool(true)),
            Some("executions[0].reasonForIncompletion".into())
        );
        assert_eq!(
            bad("executedTasks", Value::object([])),
            Some("executions[0].executedTasks".into())
        );
        assert_eq!(
            bad(
                "executedTasks",
                Value::Array(vec![task("a", "COMPLETED", None), Value::Null])
            ),
            Some("executions[0].executedTasks[1]".into())
        );
        assert_eq!(
            bad(
                "executedTasks",
                Value::Array(vec![Value::object([("status", s("FAILED"))])])
            ),
            Some("executions[0].executedTasks[0].externalId".into())
        );
        assert_eq!(
            bad(
                "executedTasks",
                Value::Array(vec![Value::object([("externalId", s("t"))])])
            ),
            Some("executions[0].executedTasks[0].status".into())
        );
        let bad_task_reason = Value::object([
            ("externalId", s("t")),
            ("status", s("TIMED_OUT")),
            ("reasonForIncompletion", Value::Number(3.0)),
        ]);
        assert_eq!(
            bad("executedTasks", Value::Array(vec![bad_task_reason])),
            Some("executions[0].executedTasks[0].reasonForIncompletion".into())
        );
        // Null and undefined optional fields are absent.
        for key in [
            "workflowExternalId",
            "createdTime",
            "reasonForIncompletion",
            "executedTasks",
        ] {
            for v in [Value::Null, Value::Undefined] {
                let mut e = ok.clone();
                if let Value::Object(entries) = &mut e {
                    entries.retain(|(k, _)| k != key);
                    entries.push((key.to_owned(), v));
                }
                let groups = group_failures(&Value::Array(vec![e]), &Value::Undefined);
                assert_eq!(groups.map(|g| g.len()), Ok(1), "{key}");
            }
        }
        // RUNNING and COMPLETED executions: only id and status are read.
        let running = Value::object([
            ("id", s("r")),
            ("status", s("RUNNING")),
            ("createdTime", s("not a number")),
            ("executedTasks", Value::Null),
        ]);
        assert_eq!(
            group_failures(&Value::Array(vec![running]), &Value::Undefined),
            Ok(vec![])
        );
        // Tasks after the failed one are not looked at.
        let later = with_tasks(
            ok.clone(),
            vec![task("a", "FAILED", Some("x")), Value::Number(1.0)],
        );
        assert!(group_failures(&Value::Array(vec![later]), &Value::Undefined).is_ok());
        assert_eq!(
            group_failures(&Value::Array(vec![]), &Value::Undefined),
            Ok(vec![])
        );
    }

    #[test]
    fn tasks_given_from_an_offset_keep_their_indices() {
        let e = with_tasks(
            execution("a", "FAILED", "w", 1.0, "r"),
            vec![Value::object([("status", s("FAILED"))])],
        );
        let err = parse_execution_from(2, &e, 7).expect_err("no externalId");
        assert_eq!(
            err.field.as_deref(),
            Some("executions[2].executedTasks[7].externalId")
        );
        let ok = with_tasks(
            execution("a", "FAILED", "w", 1.0, "r"),
            vec![task("load", "TIMED_OUT", Some("slow"))],
        );
        let f = parse_execution_from(0, &ok, 3)
            .expect("ok")
            .expect("grouped");
        assert_eq!(f.signature, "load: slow");
        assert_eq!(f.failed_task.as_deref(), Some("load"));
    }

    #[test]
    fn optional_null_fields_count_as_absent() {
        let e = Value::object([
            ("id", s("a")),
            ("status", s("TERMINATED")),
            ("workflowExternalId", Value::Null),
            ("createdTime", Value::Null),
            ("reasonForIncompletion", Value::Null),
            ("executedTasks", Value::Null),
        ]);
        let groups = group_failures(&Value::Array(vec![e]), &Value::Undefined).expect("ok");
        assert_eq!(
            groups,
            vec![FailureGroup {
                workflow_external_id: String::new(),
                signature: String::new(),
                statuses: vec![("TERMINATED".into(), 1)],
                count: 1,
                execution_ids: vec!["a".into()],
                example: String::new(),
                failed_task: None,
            }]
        );
    }

    #[test]
    fn groups_follow_the_rules() {
        let executions = Value::Array(vec![
            execution(
                "e1",
                "FAILED",
                "ingest",
                100.0,
                "Function call timed out after 300 seconds",
            ),
            execution(
                "e2",
                "TIMED_OUT",
                "ingest",
                300.0,
                "Function call timed out after 600 seconds",
            ),
            execution("e3", "COMPLETED", "ingest", 400.0, ""),
            execution("e4", "RUNNING", "ingest", 500.0, ""),
            execution(
                "e5",
                "FAILED",
                "ingest",
                200.0,
                "Function call timed out after 5 seconds",
            ),
            with_tasks(
                execution("e6", "FAILED", "ingest", 50.0, "Task load failed"),
                vec![
                    task("extract", "COMPLETED", None),
                    task(
                        "load",
                        "FAILED_WITH_TERMINAL_ERROR",
                        Some("Table 'raw' missing"),
                    ),
                    task("notify", "FAILED", Some("later")),
                ],
            ),
            with_tasks(
                execution("e7", "FAILED", "ingest", 60.0, "Task load failed"),
                vec![task("load", "TIMED_OUT", Some("Table 'assets' missing"))],
            ),
            with_tasks(
                execution("e8", "FAILED", "sync", 60.0, "Sync failed: 'x'"),
                vec![task("extract", "COMPLETED", None)],
            ),
            execution("e9", "FAILED", "sync", 60.0, "Sync failed: 'y'"),
            execution("e10", "FAILED", "sync", 60.0, "Sync failed: 'z'"),
        ]);
        let groups = group_failures(&executions, &Value::Undefined).expect("ok");
        let summary: Vec<(&str, &str, u32)> = groups
            .iter()
            .map(|g| {
                (
                    g.workflow_external_id.as_str(),
                    g.signature.as_str(),
                    g.count,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("ingest", "Function call timed out after <n> seconds", 3),
                ("sync", "Sync failed: '<value>'", 3),
                ("ingest", "load: Table '<value>' missing", 2),
            ]
        );
        let timeouts = &groups[0];
        assert_eq!(timeouts.execution_ids, ["e2", "e5", "e1"]);
        assert_eq!(
            timeouts.statuses,
            [("FAILED".into(), 2), ("TIMED_OUT".into(), 1)]
        );
        assert_eq!(
            timeouts.example,
            "Function call timed out after 600 seconds"
        );
        assert_eq!(timeouts.failed_task, None);
        // Equal times: input order, and the example is the first one's.
        assert_eq!(groups[1].execution_ids, ["e8", "e9", "e10"]);
        assert_eq!(groups[1].example, "Sync failed: 'x'");
        let load = &groups[2];
        assert_eq!(load.execution_ids, ["e7", "e6"]);
        assert_eq!(load.example, "Table 'assets' missing");
        assert_eq!(load.failed_task.as_deref(), Some("load"));
        assert_eq!(load.statuses, [("FAILED".into(), 2)]);
        // The limit keeps the first groups.
        let one = group_failures(&executions, &Value::object([("limit", Value::Number(1.0))]))
            .expect("ok");
        assert_eq!(one, groups[..1].to_vec());
    }

    #[test]
    fn equal_groups_are_ordered_by_workflow_then_signature_and_times_before_no_times() {
        let no_time = |id: &str, w: &str, reason: &str| {
            Value::object([
                ("id", s(id)),
                ("status", s("FAILED")),
                ("workflowExternalId", s(w)),
                ("reasonForIncompletion", s(reason)),
            ])
        };
        let executions = Value::Array(vec![
            no_time("n1", "b", "x"),
            execution("t1", "FAILED", "b", 5.0, "x"),
            no_time("n2", "b", "x"),
            execution("t2", "FAILED", "b", 7.0, "x"),
            no_time("a1", "a", "y"),
            no_time("a2", "a", "x"),
            no_time("a3", "Z", "x"),
        ]);
        let groups = group_failures(&executions, &Value::Undefined).expect("ok");
        let ids: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.execution_ids.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            ids,
            [
                vec!["t2", "t1", "n1", "n2"],
                vec!["a3"],
                vec!["a2"],
                vec!["a1"]
            ]
        );
        assert_eq!(groups[0].example, "x");
    }

    #[test]
    fn the_example_is_the_original_reason_cut_at_500_characters() {
        let reason = format!("  Error 42:\n{}", "é".repeat(600));
        let groups = group_failures(
            &Value::Array(vec![execution("a", "FAILED", "w", 1.0, &reason)]),
            &Value::Undefined,
        )
        .expect("ok");
        assert_eq!(groups[0].example.chars().count(), 500);
        assert!(groups[0].example.starts_with("  Error 42:\né"));
        assert!(!groups[0].example.ends_with('…'));
    }

    #[test]
    fn json_is_plain_and_keeps_the_callers_text() {
        let g = FailureGroup {
            workflow_external_id: "w\"".into(),
            signature: "s".into(),
            statuses: vec![("FAILED".into(), 2), ("__proto__".into(), 1)],
            count: 3,
            execution_ids: vec!["a".into(), "b".into()],
            example: "e\n".into(),
            failed_task: Some("t".into()),
        };
        let json = g.to_json();
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(parsed["workflowExternalId"], "w\"");
        assert_eq!(parsed["statuses"]["__proto__"], 1);
        assert_eq!(parsed["count"], 3);
        assert_eq!(parsed["executionIds"][1], "b");
        assert_eq!(parsed["example"], "e\n");
        assert_eq!(parsed["failedTask"], "t");
        let keys: Vec<&str> = parsed
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 7);
        let none = FailureGroup {
            failed_task: None,
            ..g
        };
        assert!(!none.to_json().contains("failedTask"));
    }

    #[test]
    fn lone_surrogates_from_parsed_json_go_back_as_they_came() {
        // An id, a reason and an example holding lone surrogates (as JSON.stringify writes them).
        let text =
            r#"[{"id":"a\ud800b","status":"FAILED","reasonForIncompletion":"x\udc00 \ud83d"}]"#;
        let executions = crate::parse::parse_json(text).expect("JSON");
        let groups = group_failures(&executions, &Value::Undefined).expect("ok");
        let json = groups.to_json();
        assert!(json.contains(r#""executionIds":["a\ud800b"]"#), "{json}");
        assert!(json.contains(r#""example":"x\udc00 \ud83d""#), "{json}");
        assert!(json.contains(r#""signature":"x\udc00 \ud83d""#), "{json}");
        // A cut never separates a kept surrogate from its mark: it counts as one character.
        let reason = format!("{}{SURROGATE_MARK}\u{F0005}z", "y".repeat(499));
        assert_eq!(
            cut(&reason, 500),
            format!("{}{SURROGATE_MARK}\u{F0005}", "y".repeat(499))
        );
        assert_eq!(cut(&reason, 499), "y".repeat(499));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// One piece of a reason: a word, or something a placeholder replaces.
    #[derive(Debug, Clone)]
    enum Piece {
        Word(String),
        Uuid,
        Hex,
        Number,
        Iso,
        Epoch,
        Double,
        Single,
    }

    impl Piece {
        /// What the signature shows for it.
        fn shown(&self) -> &str {
            match self {
                Piece::Word(w) => w,
                Piece::Uuid | Piece::Hex => "<id>",
                Piece::Number => "<n>",
                Piece::Iso | Piece::Epoch => "<time>",
                Piece::Double => "\"<value>\"",
                Piece::Single => "'<value>'",
            }
        }

        /// A random text for it.
        fn text(&self) -> BoxedStrategy<String> {
            match self {
                Piece::Word(w) => Just(w.clone()).boxed(),
                Piece::Uuid => {
                    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                        .boxed()
                }
                Piece::Hex => ("(0x)?", "[0-9a-f]{7,12}", "[a-fA-F]", "[0-9a-f]{0,12}")
                    .prop_map(|(p, a, l, b)| format!("{p}{a}{l}{b}"))
                    .boxed(),
                Piece::Number => "[0-9]{1,12}(\\.[0-9]{1,4})?".boxed(),
                Piece::Iso => (
                    1000u32..9999,
                    1u32..=12,
                    1u32..=28,
                    0u32..24,
                    0u32..60,
                    0u32..60,
                    "(\\.[0-9]{1,9})?",
                    "(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])",
                )
                    .prop_map(|(y, mo, d, h, mi, s, f, z)| {
                        format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{z}")
                    })
                    .boxed(),
                Piece::Epoch => "[1-9][0-9]{12}".boxed(),
                Piece::Double => "\"[^\"\\\\]{0,12}\"".boxed(),
                Piece::Single => "'[a-zA-Z0-9 .,]{0,12}'".boxed(),
            }
        }
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof!["[g-z]{1,8}", "[g-z]{1,5}'[g-z]{1,3}", "[g-z]{1,6}[:,.;]"]
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            4 => word().prop_map(Piece::Word),
            1 => Just(Piece::Uuid),
            1 => Just(Piece::Hex),
            1 => Just(Piece::Number),
            1 => Just(Piece::Iso),
            1 => Just(Piece::Epoch),
            1 => Just(Piece::Double),
            1 => Just(Piece::Single),
        ]
    }

    /// A template and two random reasons made from it, with random whitespace between pieces.
    fn two_reasons(template: Vec<Piece>) -> impl Strategy<Value = (Vec<Piece>, String, String)> {
        let one = |t: &Vec<Piece>| {
            t.iter()
                .map(|p| (p.text(), "[ \t\n]{1,3}"))
                .collect::<Vec<_>>()
                .prop_map(|parts| {
                    parts
                        .into_iter()
                        .map(|(t, ws)| format!("{t}{ws}"))
                        .collect::<String>()
                })
        };
        (one(&template), one(&template)).prop_map(move |(a, b)| (template.clone(), a, b))
    }

    fn execution(id: String, status: &str, workflow: &str, time: f64, reason: String) -> Value {
        Value::object([
            ("id", Value::String(id)),
            ("status", Value::String(status.to_owned())),
            ("workflowExternalId", Value::String(workflow.to_owned())),
            ("createdTime", Value::Number(time)),
            ("reasonForIncompletion", Value::String(reason)),
        ])
    }

    const STATUSES: [&str; 5] = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];
    const REASONS: [&str; 4] = [
        "Function call timed out after {} seconds",
        "Row {} of table 'raw{}' rejected",
        "HTTP {} from upstream",
        "",
    ];

    /// Executions with unique ids; `times` gives each one's createdTime.
    fn executions(times: impl Strategy<Value = f64> + Clone) -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec(
            (0usize..5, 0usize..3, 0usize..4, 0u32..100_000, times),
            0..60,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (s, w, r, n, t))| {
                    let reason = REASONS
                        .get(r)
                        .copied()
                        .unwrap_or("")
                        .replace("{}", &n.to_string());
                    let workflow = ["ingest", "sync", "rollup"].get(w).copied().unwrap_or("");
                    execution(
                        format!("e{i}"),
                        STATUSES.get(s).copied().unwrap_or(""),
                        workflow,
                        t,
                        reason,
                    )
                })
                .collect()
        })
    }

    fn groups(executions: &[Value]) -> Vec<FailureGroup> {
        group_failures(
            &Value::Array(executions.to_vec()),
            &Value::object([("limit", Value::Number(1000.0))]),
        )
        .unwrap_or_default()
    }

    fn time_of(executions: &[Value], id: &str) -> (f64, usize) {
        executions
            .iter()
            .enumerate()
            .find(|(_, e)| e.get("id").and_then(Value::as_str) == Some(id))
            .map(|(i, e)| match e.get("createdTime") {
                Some(Value::Number(t)) => (*t, i),
                _ => (f64::NAN, i),
            })
            .unwrap_or((f64::NAN, usize::MAX))
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn one_reason_with_other_ids_numbers_times_and_values_gives_one_signature(
            (template, a, b) in prop::collection::vec(piece(), 1..12).prop_flat_map(two_reasons)
        ) {
            let expected = template.iter().map(Piece::shown).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(signature(&a), expected.clone());
            prop_assert_eq!(signature(&b), expected.clone());
            prop_assert_eq!(task_signature("task-1", &a), format!("task-1: {expected}"));
        }

        #[test]
        fn reasons_that_differ_in_a_word_never_merge(
            ((before, a), (after, b)) in (prop::collection::vec(piece(), 1..12), any::<prop::sample::Index>(), word())
                .prop_flat_map(|(template, at, other)| {
                    // One piece becomes a word it was not.
                    let mut changed = template.clone();
                    if let Some(p) = changed.get_mut(at.index(template.len())) {
                        *p = Piece::Word(if p.shown() == other { format!("{other}q") } else { other });
                    }
                    (two_reasons(template), two_reasons(changed))
                })
                .prop_map(|((t, a, _), (c, b, _))| {
                    let shown = |t: &[Piece]| t.iter().map(Piece::shown).collect::<Vec<_>>().join(" ");
                    ((shown(&t), a), (shown(&c), b))
                })
        ) {
            prop_assert_ne!(&before, &after);
            prop_assert_eq!(signature(&a), before);
            prop_assert_eq!(signature(&b), after);
            prop_assert_ne!(signature(&a), signature(&b));
        }

        #[test]
        fn collapse_is_split_whitespace_joined(text in "[ a\t\n\u{a0}\u{85}\u{2028}\u{3000}é😀\r\u{b}\u{c}x]{0,40}") {
            prop_assert_eq!(collapse(&text), text.split_whitespace().collect::<Vec<_>>().join(" "));
        }

        #[test]
        fn counts_add_up_and_every_failed_execution_is_in_one_group(
            executions in executions(prop::num::f64::NORMAL.prop_map(|t| t.abs() % 1e13))
        ) {
            let groups = groups(&executions);
            let failed: Vec<&str> = executions
                .iter()
                .filter(|e| e.get("status").and_then(Value::as_str).is_some_and(is_grouped))
                .filter_map(|e| e.get("id").and_then(Value::as_str))
                .collect();
            prop_assert_eq!(groups.iter().map(|g| g.count as usize).sum::<usize>(), failed.len());
            let mut seen: Vec<&str> = groups.iter().flat_map(|g| g.execution_ids.iter().map(String::as_str)).collect();
            seen.sort_unstable();
            let mut want = failed.clone();
            want.sort_unstable();
            prop_assert_eq!(seen, want);
            for g in &groups {
                prop_assert_eq!(g.statuses.iter().map(|(_, n)| *n).sum::<u32>(), g.count);
                prop_assert_eq!(g.execution_ids.len(), g.count as usize);
            }
            // Sorted: size, then workflow, then signature; no two groups share a key.
            for w in groups.windows(2) {
                if let [a, b] = w {
                    let ka = (std::cmp::Reverse(a.count), &a.workflow_external_id, &a.signature);
                    let kb = (std::cmp::Reverse(b.count), &b.workflow_external_id, &b.signature);
                    prop_assert!(ka < kb, "{:?} before {:?}", ka, kb);
                }
            }
        }

        #[test]
        fn the_result_does_not_depend_on_the_input_order_when_times_differ(
            (executions, shuffled) in executions(Just(0.0)).prop_flat_map(|e| {
                // Distinct times: the index, scaled.
                let e: Vec<Value> = e.into_iter().enumerate().map(|(i, mut v)| {
                    if let Value::Object(entries) = &mut v {
                        for (k, t) in entries.iter_mut() {
                            if k == "createdTime" {
                                *t = Value::Number(1_700_000_000_000.0 + (i as f64) * 7.0);
                            }
                        }
                    }
                    v
                }).collect();
                (Just(e.clone()), Just(e).prop_shuffle())
            })
        ) {
            prop_assert_eq!(groups(&executions), groups(&shuffled));
        }

        #[test]
        fn equal_times_keep_input_order_and_the_example_is_the_first_newest(
            executions in executions((0u8..3).prop_map(f64::from)).prop_shuffle()
        ) {
            for g in groups(&executions) {
                let keys: Vec<(f64, usize)> = g.execution_ids.iter().map(|id| time_of(&executions, id)).collect();
                for w in keys.windows(2) {
                    if let [(ta, ia), (tb, ib)] = w {
                        prop_assert!(ta > tb || (ta == tb && ia < ib), "{:?}", keys);
                    }
                }
                let newest = g.execution_ids.first().and_then(|id| {
                    executions.iter().find(|e| e.get("id").and_then(Value::as_str) == Some(id.as_str()))
                });
                let reason = newest.and_then(|e| e.get("reasonForIncompletion")).and_then(Value::as_str);
                prop_assert_eq!(Some(g.example.as_str()), reason);
            }
        }
    }
}
