//! [`Value`]: a JavaScript value as the pure core sees it.
//!
//! The wasm-bindgen layer turns options objects and parsed JSON answers into
//! this tree, so validation and answer checks are plain Rust, testable natively.

/// A JavaScript value, reduced to what validation and answer checks need.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `undefined` (for an option: absent).
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (always an `f64` in JavaScript).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// A plain object: its own enumerable keys, in order.
    Object(Vec<(String, Value)>),
    /// A function (a token provider).
    Function,
    /// An `AbortSignal`.
    Signal,
    /// JSON text kept as it came: an answer's value nested deeper than
    /// [`crate::parse::MAX_DEPTH`] (user JSON such as a task's `input`), its
    /// syntax checked, written back verbatim for `JSON.parse`.
    Raw(String),
    /// Anything else (a symbol, a bigint, a `Map`, an object nested too deep…),
    /// described by its type name.
    Other(&'static str),
}

impl Value {
    /// An object of `entries`, in order (for building values in code and tests).
    pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The property `key` of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The property `key`, treating `undefined` (and, for answers, `null`) as absent.
    pub fn get_present(&self, key: &str, null_is_absent: bool) -> Option<&Value> {
        match self.get(key) {
            None | Some(Value::Undefined) => None,
            Some(Value::Null) if null_is_absent => None,
            Some(v) => Some(v),
        }
    }

    /// A short name of the value's type, for messages (never the value itself).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::Function => "a function",
            Value::Signal => "an AbortSignal",
            Value::Raw(_) => "a value nested deeply",
            Value::Other(name) => name,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// The indexes of `keys` in key order, equal keys in the order they came (a
/// stable sort): one sorted index finds repeats in O(n log n) without a hash
/// table in the wasm, shared by every caller so the sort is compiled once.
pub(crate) fn stable_order(keys: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys.get(*a).cmp(&keys.get(*b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_finds_keys_and_ignores_non_objects() {
        let v = Value::Object(vec![
            ("a".into(), Value::Number(1.0)),
            ("u".into(), Value::Undefined),
            ("n".into(), Value::Null),
        ]);
        assert_eq!(v.get("a"), Some(&Value::Number(1.0)));
        assert_eq!(v.get("b"), None);
        assert_eq!(v.get_present("u", false), None);
        assert_eq!(v.get_present("n", false), Some(&Value::Null));
        assert_eq!(v.get_present("n", true), None);
        assert_eq!(Value::Array(vec![]).get("a"), None);
        assert_eq!(Value::Signal.type_name(), "an AbortSignal");
    }
}
