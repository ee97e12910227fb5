//! Rust results to JavaScript: the execution as a plain object, and a
//! [`CdfError`] as a real JS `Error` named "CdfError".

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::CdfError;
use crate::value::Value;

/// Defines `key` as an own data property: unlike `obj[key] = v`, a key such as
/// `__proto__` stays plain data and cannot change the object's prototype.
fn define(obj: &Object, key: &str, value: &JsValue, enumerable: bool) {
    let descriptor = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&descriptor, &JsValue::from_str(k), v);
    };
    set("value", value);
    set("writable", &JsValue::TRUE);
    set("enumerable", &JsValue::from_bool(enumerable));
    set("configurable", &JsValue::TRUE);
    let _ = Reflect::define_property(obj, &JsValue::from_str(key), &descriptor);
}

fn put(obj: &Object, key: &str, value: &JsValue) {
    define(obj, key, value, true);
}

/// A [`Value`] back to JavaScript (for `missing`, `duplicated`, `extra`).
pub fn value(v: &Value) -> JsValue {
    match v {
        Value::Undefined | Value::Function | Value::Signal | Value::Other(_) => JsValue::UNDEFINED,
        Value::Raw(text) => js_sys::JSON::parse(text).unwrap_or(JsValue::UNDEFINED),
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(value).collect::<Array>().into(),
        Value::Object(entries) => object(entries).into(),
    }
}

fn object(entries: &[(String, Value)]) -> Object {
    let obj = Object::new();
    for (k, v) in entries {
        put(&obj, k, &value(v));
    }
    obj
}

#[wasm_bindgen(module = "/src/js/errors.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = newCdfError)]
    fn new_cdf_error(message: &str, has_cause: bool, cause: &JsValue) -> Result<Object, JsValue>;
    #[wasm_bindgen(js_name = isCdfError)]
    fn is_cdf_error_js(value: &JsValue) -> bool;
}

/// The JavaScript `CdfError` for `e` (an instance of the exported class), with
/// `cause` when there is one.
pub fn error(e: &CdfError, cause: Option<&JsValue>) -> JsValue {
    let cause = cause.filter(|c| !c.is_undefined());
    let obj = new_cdf_error(
        &e.message,
        cause.is_some(),
        cause.unwrap_or(&JsValue::UNDEFINED),
    )
    .unwrap_or_else(|_| js_sys::Error::new(&e.message).unchecked_into());
    put(&obj, "kind", &JsValue::from_str(e.kind.as_str()));
    if let Some(op) = e.operation {
        put(&obj, "operation", &JsValue::from_str(op.as_str()));
    }
    if let Some(status) = e.status {
        put(&obj, "status", &JsValue::from(status));
    }
    if let Some(code) = e.code_value() {
        put(&obj, "code", &value(&code));
    }
    if let Some(v) = &e.missing {
        put(&obj, "missing", &value(v));
    }
    if let Some(v) = &e.duplicated {
        put(&obj, "duplicated", &value(v));
    }
    if let Some(entries) = &e.extra {
        put(&obj, "extra", &object(entries));
    }
    if let Some(id) = &e.request_id {
        put(&obj, "requestId", &JsValue::from_str(id));
    }
    if let Some(field) = &e.field {
        put(&obj, "field", &JsValue::from_str(field));
    }
    put(&obj, "retryable", &JsValue::from_bool(e.retryable));
    put(&obj, "attempts", &JsValue::from(e.attempts));
    obj.into()
}

/// Whether `v` is a `CdfError` (the brand `errors.js` sets; never throws).
pub fn is_cdf_error(v: &JsValue) -> bool {
    is_cdf_error_js(v)
}
