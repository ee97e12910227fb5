//! JavaScript values to [`Value`], without letting anything the caller's
//! values throw unwind through wasm: every read goes through `runtime.js`,
//! whose functions catch and report as data.
//!
//! The options object is read once ([`snapshot`]): its keys first, unknown
//! keys rejected before any value is converted, then each known key's value
//! read once (one getter call) and converted under a [`Budget`], so a
//! hostile value (a shared array graph, millions of elements, a huge string)
//! costs bounded work and never grows wasm memory.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::CdfError;
use crate::json::SURROGATE_MARK;
use crate::value::Value;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn describe(v: &JsValue) -> Result<u32, JsValue>;
    #[wasm_bindgen(catch)]
    fn keys(v: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = readOptions)]
    fn read_options(options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    fn read(v: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = stringLength)]
    fn string_length(s: &JsValue) -> Result<f64, JsValue>;
}

const PLAIN: u32 = 0;
const ARRAY: u32 = 1;
const SIGNAL: u32 = 2;

/// Deepest nesting converted; deeper parts become `Other`.
pub const MAX_DEPTH: u32 = 8;
/// Most values (nodes) one options object may hold.
const MAX_NODES: u32 = 20_000;
/// Most UTF-16 code units of all strings of one options object together.
const MAX_STRING_UNITS: f64 = 262_144.0;
/// Longest single string converted, in UTF-16 code units: more than any valid
/// option needs (a token is a few KB); a longer one is refused uncopied.
pub const MAX_STRING_LEN: f64 = 65_536.0;
/// Longest array converted.
const MAX_ARRAY_LEN: f64 = 10_000.0;

/// How much converting may still do.
struct Budget {
    nodes: u32,
    string_units: f64,
    max_string: f64,
}

/// A string longer than [`MAX_STRING_LEN`] (or than what is left of the budget).
const TOO_LONG: &str = "a string too long";

/// Why conversion stopped: the value is described, not converted.
const TOO_BIG: &str = "a value too large or too deeply nested";

/// `{ ok }` / `{ threw }` of `runtime.read`: the value, or what the getter threw.
pub fn read_key(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    let r = read(obj, &JsValue::from_str(key))?;
    let ok = Reflect::get(&r, &JsValue::from_str("ok")).unwrap_or(JsValue::UNDEFINED);
    if Reflect::has(&r, &JsValue::from_str("threw")).unwrap_or(false) {
        return Err(Reflect::get(&r, &JsValue::from_str("threw")).unwrap_or(JsValue::UNDEFINED));
    }
    Ok(ok)
}

/// The options object read once: each known key's raw value and its [`Value`].
#[derive(Debug)]
pub struct Snapshot {
    /// The known keys' values as data (an `Object`), for the pure core.
    pub value: Value,
    raw: Vec<(String, JsValue)>,
}

impl Snapshot {
    /// The raw JS value that was read (and validated) for `key`.
    pub fn raw(&self, key: &str) -> Option<&JsValue> {
        self.raw.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// A refused options object, with the JS value that was thrown, if any.
pub type Refusal = (CdfError, Option<JsValue>);

fn refuse(field: &str, reason: &str, cause: Option<JsValue>) -> Refusal {
    (CdfError::invalid_input(field, reason), cause)
}

/// Reads `options` once: keys, then each known key's value. A key that
/// `check` refuses (unknown, or refused on purpose) with a value other than
/// `undefined` is refused before anything is converted.
#[inline(never)]
pub fn snapshot(
    options: &JsValue,
    check: &dyn Fn(&str) -> Result<(), CdfError>,
) -> Result<Snapshot, Refusal> {
    let read = read_options(options).unwrap_or(JsValue::NULL);
    if !read.is_object() {
        return Err(refuse("options", "be a plain object", None));
    }
    if !Array::is_array(&read) {
        let get =
            |k: &str| Reflect::get(&read, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let key = get("key")
            .as_string()
            .unwrap_or_else(|| "options".to_owned());
        return Err(refuse(
            &key,
            "be readable, but reading it threw",
            Some(get("threw")),
        ));
    }
    let pairs: Array = read.unchecked_into();
    let mut raw: Vec<(String, JsValue)> = Vec::new();
    let mut i = 0;
    while i + 1 < pairs.length() {
        let (name, value) = (pairs.get(i), pairs.get(i + 1));
        i += 2;
        let Some(name) = name.as_string() else {
            continue;
        };
        check(&name).map_err(|e| (e, None))?;
        raw.push((name, value));
    }
    let mut budget = Budget {
        nodes: MAX_NODES,
        string_units: MAX_STRING_UNITS,
        max_string: MAX_STRING_LEN,
    };
    let mut entries = Vec::with_capacity(raw.len());
    for (name, v) in &raw {
        let value = to_value(v, MAX_DEPTH, &mut budget);
        if let Value::Other("a value that threw when read") = value {
            return Err(refuse(name, "be readable, but reading it threw", None));
        }
        if holds(&value, TOO_LONG) {
            return Err(refuse(
                name,
                "hold strings of at most 65536 characters (262144 in all the options)",
                None,
            ));
        }
        entries.push((name.clone(), value));
    }
    Ok(Snapshot {
        value: Value::Object(entries),
        raw,
    })
}

/// Whether `v` is, or holds, `Value::Other(what)`.
fn holds(v: &Value, what: &str) -> bool {
    match v {
        Value::Other(w) => *w == what,
        Value::Array(items) => items.iter().any(|i| holds(i, what)),
        Value::Object(entries) => entries.iter().any(|(_, i)| holds(i, what)),
        _ => false,
    }
}

/// `v` as a [`Value`], `depth` levels deep at most, within `budget`.
fn to_value(v: &JsValue, depth: u32, budget: &mut Budget) -> Value {
    if budget.nodes == 0 {
        return Value::Other(TOO_BIG);
    }
    budget.nodes -= 1;
    if v.is_undefined() {
        Value::Undefined
    } else if v.is_null() {
        Value::Null
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Value::Number(n)
    } else if v.is_string() {
        let units = string_length(v).unwrap_or(f64::INFINITY);
        if units < 0.0 {
            // A lone surrogate: UTF-8 (a URL, a JSON body) cannot carry it.
            return Value::Other("a string that is not well-formed Unicode (a lone surrogate)");
        }
        if units > budget.string_units || units > budget.max_string {
            return Value::Other(TOO_LONG);
        }
        budget.string_units -= units;
        v.as_string().map_or(Value::Other("a string"), |s| {
            // The JSON writer reads U+F0000 as the mark of a lone surrogate (see
            // json::SURROGATE_MARK): a real one is doubled, as the answer parser does.
            if s.contains(SURROGATE_MARK) {
                Value::String(s.replace(SURROGATE_MARK, "\u{F0000}\u{F0000}"))
            } else {
                Value::String(s)
            }
        })
    } else if v.is_function() {
        Value::Function
    } else if !v.is_object() {
        Value::Other("a symbol or bigint")
    } else {
        match describe(v).unwrap_or(4) {
            SIGNAL => Value::Signal,
            _ if depth == 0 => Value::Other(TOO_BIG),
            ARRAY => array(v, depth, budget),
            PLAIN => object(v, depth, budget),
            4 => Value::Other("a value that threw when read"),
            _ => Value::Other("an object that is not a plain object"),
        }
    }
}

fn array(v: &JsValue, depth: u32, budget: &mut Budget) -> Value {
    let length = read_key(v, "length")
        .ok()
        .and_then(|l| l.as_f64())
        .unwrap_or(f64::NAN);
    if !(0.0..=MAX_ARRAY_LEN).contains(&length) || length > f64::from(budget.nodes) {
        return Value::Other(TOO_BIG);
    }
    let length = length as u32;
    let mut items = Vec::with_capacity(length as usize);
    for i in 0..length {
        match read_key(v, &i.to_string()) {
            Ok(item) => items.push(to_value(&item, depth - 1, budget)),
            Err(_) => return Value::Other("a value that threw when read"),
        }
        if budget.nodes == 0 {
            return Value::Other(TOO_BIG);
        }
    }
    Value::Array(items)
}

fn object(v: &JsValue, depth: u32, budget: &mut Budget) -> Value {
    let names = match keys(v) {
        Ok(k) if Array::is_array(&k) => Array::from(&k),
        _ => return Value::Other("a value that threw when read"),
    };
    if names.length() > budget.nodes {
        return Value::Other(TOO_BIG);
    }
    let mut entries = Vec::with_capacity(names.length() as usize);
    for key in names.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        let value = match read_key(v, &name) {
            Ok(value) => to_value(&value, depth - 1, budget),
            Err(_) => return Value::Other("a value that threw when read"),
        };
        entries.push((name, value));
        if budget.nodes == 0 {
            return Value::Other(TOO_BIG);
        }
    }
    Value::Object(entries)
}
