//! Answer checks shared by every endpoint: one field at a time, each fault
//! naming its full path (`items[3].status`, `executedTasks[2].input`).
//!
//! A path is built from a prefix (`""` at the top of the answer) and a key.

use crate::execution::Fault;
use crate::validate::MAX_SAFE_INTEGER;
use crate::value::Value;

/// `prefix.key`, or `key` at the top.
pub(crate) fn path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `prefix[index]`.
pub(crate) fn item(prefix: &str, index: usize) -> String {
    format!("{prefix}[{index}]")
}

pub(crate) fn fault(field: String, problem: &'static str) -> Fault {
    (field, problem)
}

/// The field `key` of `obj`; missing (or `undefined`) is a fault. `null` is
/// returned, for the type check to refuse.
pub(crate) fn required<'a>(obj: &'a Value, prefix: &str, key: &str) -> Result<&'a Value, Fault> {
    match obj.get(key) {
        None | Some(Value::Undefined) => Err(fault(path(prefix, key), "is missing")),
        Some(v) => Ok(v),
    }
}

/// The field `key` of `obj` checked by `check`; absent or `null` is `None`.
pub(crate) fn optional<T>(
    obj: &Value,
    prefix: &str,
    key: &str,
    check: impl Fn(&Value, String) -> Result<T, Fault>,
) -> Result<Option<T>, Fault> {
    obj.get_present(key, true)
        .map(|v| check(v, path(prefix, key)))
        .transpose()
}

/// The field `key` of `obj`, required, checked by `check`.
pub(crate) fn field<T>(
    obj: &Value,
    prefix: &str,
    key: &str,
    check: impl Fn(&Value, String) -> Result<T, Fault>,
) -> Result<T, Fault> {
    check(required(obj, prefix, key)?, path(prefix, key))
}

/// A string.
pub(crate) fn string(v: &Value, field: String) -> Result<String, Fault> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| fault(field, "is not a string"))
}

/// A hyphenated UUID, kept as sent.
pub(crate) fn uuid(v: &Value, field: String) -> Result<String, Fault> {
    let s = v
        .as_str()
        .ok_or_else(|| fault(field.clone(), "is not a string"))?;
    match crate::validate::uuid(s) {
        Ok(_) => Ok(s.to_owned()),
        Err(_) => Err(fault(field, "is not a UUID")),
    }
}

/// A time in milliseconds since the Unix epoch: an integer from 0 to
/// `Number.MAX_SAFE_INTEGER` (2^53 - 1), so JavaScript holds it exactly.
pub(crate) fn time(v: &Value, field: String) -> Result<f64, Fault> {
    match v {
        Value::Number(n) if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(n) => Ok(*n),
        _ => Err(fault(
            field,
            "is not an integer from 0 to 9007199254740991 (2^53 - 1)",
        )),
    }
}

/// An array's items.
pub(crate) fn array(v: &Value, field: String) -> Result<&[Value], Fault> {
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(fault(field, "is not an array")),
    }
}

/// Whether `v` is plain JSON: null, a boolean, a number (one beyond f64, such
/// as `1e400`, is ±Infinity, as `JSON.parse` reads it), a string, or arrays
/// and objects of those.
fn is_json(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) | Value::Raw(_) => true,
        Value::Number(n) => !n.is_nan(),
        Value::Array(items) => items.iter().all(is_json),
        Value::Object(entries) => entries.iter().all(|(_, v)| is_json(v)),
        Value::Undefined | Value::Function | Value::Signal | Value::Other(_) => false,
    }
}

/// A plain JSON object (its keys kept as data, whatever they are), returned whole.
pub(crate) fn json_object(v: &Value, field: String) -> Result<Value, Fault> {
    match v {
        Value::Object(_) if is_json(v) => Ok(v.clone()),
        Value::Object(_) => Err(fault(field, "holds a value that is not plain JSON")),
        _ => Err(fault(field, "is not an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(entries)
    }

    #[test]
    fn paths() {
        assert_eq!(path("", "id"), "id");
        assert_eq!(path("items[3]", "id"), "items[3].id");
        assert_eq!(item("executedTasks", 2), "executedTasks[2]");
    }

    #[test]
    fn required_and_optional() {
        let o = obj(vec![
            ("a", Value::Null),
            ("u", Value::Undefined),
            ("s", Value::String("x".into())),
        ]);
        assert_eq!(required(&o, "p", "a"), Ok(&Value::Null));
        assert_eq!(
            required(&o, "p", "u"),
            Err(("p.u".to_owned(), "is missing"))
        );
        assert_eq!(required(&o, "", "zz"), Err(("zz".to_owned(), "is missing")));
        assert_eq!(optional(&o, "", "a", string), Ok(None));
        assert_eq!(optional(&o, "", "u", string), Ok(None));
        assert_eq!(optional(&o, "", "s", string), Ok(Some("x".to_owned())));
        assert_eq!(
            field(&o, "q", "a", string),
            Err(("q.a".to_owned(), "is not a string"))
        );
    }

    #[test]
    fn times_are_safe_integers() {
        let t = |n: f64| time(&Value::Number(n), "t".into());
        assert_eq!(t(0.0), Ok(0.0));
        assert_eq!(t(MAX_SAFE_INTEGER), Ok(MAX_SAFE_INTEGER));
        for bad in [
            -1.0,
            0.5,
            MAX_SAFE_INTEGER + 1.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
        assert!(time(&Value::String("1".into()), "t".into()).is_err());
    }

    #[test]
    fn json_objects() {
        let good = obj(vec![
            ("__proto__", obj(vec![("x", Value::Number(1.5))])),
            (
                "list",
                Value::Array(vec![
                    Value::Null,
                    Value::Bool(true),
                    Value::String("s".into()),
                ]),
            ),
        ]);
        assert_eq!(json_object(&good, "f".into()), Ok(good.clone()));
        // A number beyond f64 (1e400) is Infinity, as JSON.parse reads it: plain JSON.
        let big = obj(vec![("v", Value::Number(f64::INFINITY))]);
        assert_eq!(json_object(&big, "f".into()), Ok(big.clone()));
        assert_eq!(
            json_object(&Value::Array(vec![]), "f".into()),
            Err(("f".to_owned(), "is not an object"))
        );
        for odd in [
            Value::Undefined,
            Value::Function,
            Value::Signal,
            Value::Other("a value nested too deep"),
            Value::Number(f64::NAN),
        ] {
            let v = obj(vec![("deep", Value::Array(vec![odd]))]);
            assert!(json_object(&v, "f".into()).is_err());
        }
    }
}
