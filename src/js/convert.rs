//! JavaScript values to [`Value`], without running user code that could throw
//! through wasm: every property read goes through `Reflect`, which reports a
//! throwing getter or proxy as an `Err`.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::value::Value;

/// How deep options and answers are converted; deeper parts become `Other`.
pub const MAX_DEPTH: u32 = 32;
/// Longest array converted (a proxy could claim any length).
const MAX_ARRAY_LEN: f64 = 1_000_000.0;

/// `v` as a [`Value`], `depth` levels deep at most.
pub fn to_value(v: &JsValue, depth: u32) -> Value {
    if v.is_undefined() {
        Value::Undefined
    } else if v.is_null() {
        Value::Null
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Value::Number(n)
    } else if let Some(s) = v.as_string() {
        Value::String(s)
    } else if v.is_function() {
        Value::Function
    } else if v.is_instance_of::<AbortSignal>() {
        Value::Signal
    } else if !v.is_object() {
        Value::Other("a symbol or bigint")
    } else if depth == 0 {
        Value::Other("a value nested too deep")
    } else if Array::is_array(v) {
        array(v, depth)
    } else if is_plain_object(v) {
        object(v, depth)
    } else {
        Value::Other("an object that is not a plain object")
    }
}

/// An object whose prototype is `null` or a realm's `Object.prototype`.
fn is_plain_object(v: &JsValue) -> bool {
    match Reflect::get_prototype_of(v) {
        Ok(proto) => {
            let proto: &JsValue = proto.as_ref();
            proto.is_null()
                || Reflect::get_prototype_of(proto)
                    .map(|p| JsValue::from(p).is_null())
                    .unwrap_or(false)
        }
        Err(_) => false,
    }
}

fn array(v: &JsValue, depth: u32) -> Value {
    let length = Reflect::get(v, &JsValue::from_str("length"))
        .ok()
        .and_then(|l| l.as_f64())
        .unwrap_or(0.0);
    if !(0.0..=MAX_ARRAY_LEN).contains(&length) {
        return Value::Other("an array too long");
    }
    let length = length as u32;
    let mut items = Vec::new();
    for i in 0..length {
        match Reflect::get_u32(v, i) {
            Ok(item) => items.push(to_value(&item, depth - 1)),
            Err(_) => return Value::Other("an unreadable array"),
        }
    }
    Value::Array(items)
}

#[wasm_bindgen]
extern "C" {
    /// `Object.keys(v)`: own enumerable string keys. With `catch`, a proxy's
    /// throwing `ownKeys` trap is an `Err`, not an exception unwinding through wasm.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(v: &JsValue) -> Result<Array, JsValue>;
}

fn object(v: &JsValue, depth: u32) -> Value {
    let Ok(keys) = object_keys(v) else {
        return Value::Other("an unreadable object");
    };
    let mut entries = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        let value = match Reflect::get(v, &key) {
            Ok(value) => to_value(&value, depth - 1),
            Err(_) => Value::Other("an unreadable property"),
        };
        entries.push((name, value));
    }
    Value::Object(entries)
}
