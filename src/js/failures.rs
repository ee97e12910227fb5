//! `groupFailures(executions, options?)`: the caller's executions read under a
//! budget, a chunk at a time, and handed to the pure core
//! ([`crate::failures`]).
//!
//! `failures.js` walks the executions in JavaScript and writes only the fields
//! the core reads as JSON text (one crossing of the boundary per chunk of up
//! to 1000 executions or about 256 KB, instead of several per field); its
//! header says what it reads. Each chunk is parsed ([`crate::parse`]), each
//! execution checked by the core in input order, and dropped: memory stays
//! bounded by a chunk and the groups. Nothing the caller's values throw
//! unwinds through wasm. The budget (`MAX_EXECUTIONS`, `MAX_TASKS`,
//! `MAX_READS`, `MAX_STRING`, `MAX_TEXT` of [`crate::failures`]) bounds the
//! work whatever the input: past it the call throws `invalid_input`, it never
//! hangs.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::client::from_json;
use super::output;
use crate::error::CdfError;
use crate::failures::{
    check_option_key, invalid_execution, not_a_task, not_an_array, not_an_execution,
    parse_execution_from, parse_options, GroupOptions, Grouper, FAILED_TASK, MAX_EXECUTIONS,
    MAX_READS, MAX_STRING, MAX_TASKS, MAX_TEXT, NOT_FAILED, TOO_LONG, TOO_MANY_EXECUTIONS,
    TOO_MANY_READS, TOO_MANY_TASKS, TOO_MUCH_TEXT,
};
use crate::json::ToJson;
use crate::parse::parse_json;
use crate::value::Value;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = readOptions)]
    fn read_options(options: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/js/failures.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = startReading)]
    fn start_reading(
        executions: &JsValue,
        not_failed: &str,
        failed_task: &str,
        max_executions: u32,
        max_tasks: u32,
        max_reads: u32,
        max_string: u32,
        max_text: u32,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = readChunk)]
    fn read_chunk(state: &JsValue) -> Result<String, JsValue>;
}

/// The reason for a field whose getter or Proxy trap threw.
const THREW: &str = "be readable, but reading it threw";

/// The error for a fault `failures.js` reported (its codes), with what was thrown.
fn fault(fault: &Value, cause: Option<JsValue>) -> JsValue {
    let field = fault
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or("executions");
    let detail = fault
        .get("detail")
        .and_then(Value::as_str)
        .unwrap_or("a value");
    let code = match fault.get("code") {
        Some(Value::Number(n)) => *n,
        _ => 0.0,
    };
    let e = match code as u32 {
        2 => not_an_array(detail),
        3 => not_an_execution(field, detail),
        4 => not_a_task(field, detail),
        code => invalid_execution(
            field,
            match code {
                5 => TOO_MANY_EXECUTIONS,
                6 => "be an array with a valid length",
                7 => TOO_LONG,
                8 => TOO_MUCH_TEXT,
                9 => TOO_MANY_READS,
                10 => TOO_MANY_TASKS,
                _ => THREW,
            },
        ),
    };
    output::error(&e, cause.as_ref())
}

/// `options` read once (`runtime.readOptions`: own enumerable keys, each
/// getter run once), unknown keys refused before any value is looked at.
fn group_options(options: &JsValue) -> Result<GroupOptions, JsValue> {
    let fail = |e: CdfError, cause: Option<JsValue>| output::error(&e, cause.as_ref());
    if options.is_undefined() {
        return Ok(GroupOptions::default());
    }
    let read = read_options(options).unwrap_or(JsValue::NULL);
    if !read.is_object() {
        return parse_options(&Value::Null).map_err(|e| fail(e, None));
    }
    if !Array::is_array(&read) {
        let get =
            |k: &str| Reflect::get(&read, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let key = get("key")
            .as_string()
            .unwrap_or_else(|| "options".to_owned());
        let e = CdfError::invalid_input(key.as_str(), THREW);
        return Err(fail(e, Some(get("threw"))));
    }
    let pairs: Array = read.unchecked_into();
    let name = |i: u32| pairs.get(i).as_string().unwrap_or_default();
    // Every key first: an unknown one is refused before any value is looked at.
    for i in (0..pairs.length()).step_by(2) {
        check_option_key(&name(i)).map_err(|e| fail(e, None))?;
    }
    let mut entries = Vec::new();
    for i in (0..pairs.length()).step_by(2) {
        let value = pairs.get(i + 1).as_f64();
        entries.push((
            name(i),
            value.map_or(Value::Other("not a number"), Value::Number),
        ));
    }
    parse_options(&Value::Object(entries)).map_err(|e| fail(e, None))
}

/// `groupFailures(executions, options)`: the groups as plain objects, or a
/// thrown `CdfError` of kind `invalid_input`.
pub fn group_failures(executions: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = group_options(&options)?;
    let threw =
        |cause: JsValue| output::error(&invalid_execution("executions", THREW), Some(&cause));
    let state = start_reading(
        &executions,
        &NOT_FAILED.join(","),
        &FAILED_TASK.join(","),
        MAX_EXECUTIONS,
        MAX_TASKS,
        MAX_READS,
        MAX_STRING,
        MAX_TEXT,
    )
    .map_err(threw)?;
    let mut grouper = Grouper::new();
    loop {
        let text = read_chunk(&state).map_err(threw)?;
        let unreadable = || {
            let e = invalid_execution("executions", "be readable (the reader failed)");
            output::error(&e, None)
        };
        let chunk = parse_json(&text).ok_or_else(unreadable)?;
        let first = match chunk.get("first") {
            Some(Value::Number(n)) => *n as usize,
            _ => return Err(unreadable()),
        };
        let items = match chunk.get("items") {
            Some(Value::Array(items)) => items.as_slice(),
            _ => &[],
        };
        for (k, item) in items.iter().enumerate() {
            let tasks_from = match item.get("tasksFrom") {
                Some(Value::Number(n)) => *n as usize,
                _ => 0,
            };
            if let Some(failure) = parse_execution_from(first + k, item, tasks_from)
                .map_err(|e| output::error(&e, None))?
            {
                grouper.add(failure);
            }
        }
        if let Some(f @ Value::Object(_)) = chunk.get("fault") {
            let cause = Reflect::get(&state, &JsValue::from_str("cause"))
                .ok()
                .filter(|c| !c.is_undefined());
            return Err(fault(f, cause));
        }
        if matches!(chunk.get("done"), Some(Value::Bool(true))) {
            break;
        }
        if items.is_empty() {
            return Err(unreadable()); // never: a chunk that is not the last holds an execution
        }
    }
    Ok(from_json(&grouper.finish(options.limit).to_json()))
}
