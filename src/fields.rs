//! Reading one option: the small helpers every options parser shares, so a
//! rule worded once reads the same in every function's errors.
//!
//! Every helper returns the `invalid_input` [`CdfError`] naming `field` (a key,
//! or a path such as `filter.status[1]`) when the value does not fit.

use crate::error::CdfError;
use crate::suggest::unknown_key_reason;
use crate::value::Value;

/// The `invalid_input` error for `field`; `reason` completes "`field` must …".
pub(crate) fn bad(field: &str, reason: &str) -> CdfError {
    CdfError::invalid_input(field, reason)
}

/// The string in `v`, or the error that `field` is not one.
pub(crate) fn string<'a>(v: &'a Value, field: &str, reason: &str) -> Result<&'a str, CdfError> {
    v.as_str().ok_or_else(|| bad(field, reason))
}

/// The number in `v`, or the error that `field` is not one.
pub(crate) fn number(v: &Value, field: &str, reason: &str) -> Result<f64, CdfError> {
    match v {
        Value::Number(n) => Ok(*n),
        _ => Err(bad(field, reason)),
    }
}

/// An integer number from `min` to `max` (both included), as `u64`.
pub(crate) fn integer(
    v: &Value,
    field: &str,
    min: u64,
    max: u64,
    reason: &str,
) -> Result<u64, CdfError> {
    let n = number(v, field, reason)?;
    if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 {
        Ok(n as u64)
    } else {
        Err(bad(field, reason))
    }
}

/// Whether the callback option `field` was given: absent is `false`, a
/// function `true`, anything else the error that it must be a function.
pub(crate) fn callback(v: Option<&Value>, field: &str) -> Result<bool, CdfError> {
    match v {
        None => Ok(false),
        Some(Value::Function) => Ok(true),
        Some(_) => Err(bad(field, "be a function")),
    }
}

/// The entries of a plain object, or the error that `field` is not one.
pub(crate) fn object<'a>(
    v: &'a Value,
    field: &str,
    reason: &str,
) -> Result<&'a [(String, Value)], CdfError> {
    match v {
        Value::Object(entries) => Ok(entries),
        _ => Err(bad(field, reason)),
    }
}

/// Refuses the first key of `entries` that is neither in `known` nor set to
/// `undefined`. `prefix` is prepended to the field (`"filter."`), `function`
/// names the call in the message, which suggests the closest known key.
pub(crate) fn only_known_keys(
    entries: &[(String, Value)],
    known: &[&str],
    prefix: &str,
    function: &str,
) -> Result<(), CdfError> {
    match entries
        .iter()
        .find(|(key, value)| !known.contains(&key.as_str()) && *value != Value::Undefined)
    {
        Some((key, _)) => Err(bad(
            &format!("{prefix}{key}"),
            &unknown_key_reason(key, known, function),
        )),
        None => Ok(()),
    }
}

/// Which of two options that exclude each other was given.
pub(crate) enum OneOf<'a> {
    /// The first (e.g. `cluster`), with its value.
    First(&'a Value),
    /// The second (e.g. `baseUrl`), with its value.
    Second(&'a Value),
}

/// Exactly one of the options `first` and `second` (a key set to `undefined`
/// counts as absent); neither or both is `invalid_input` for `first`.
pub(crate) fn exactly_one<'a>(
    options: &'a Value,
    first: &str,
    second: &str,
) -> Result<OneOf<'a>, CdfError> {
    let get = |key: &str| options.get_present(key, false);
    match (get(first), get(second)) {
        (Some(v), None) => Ok(OneOf::First(v)),
        (None, Some(v)) => Ok(OneOf::Second(v)),
        (None, None) => Err(bad(
            first,
            &format!("be given (or {second}, but exactly one of the two)"),
        )),
        (Some(_), Some(_)) => Err(bad(
            first,
            &format!("not be given together with {second}: give exactly one of the two"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: CdfError) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn integers_are_bounded_and_whole() {
        let v = |n: f64| Value::Number(n);
        assert_eq!(integer(&v(5.0), "f", 1, 10, "r").ok(), Some(5));
        assert_eq!(integer(&v(1.0), "f", 1, 10, "r").ok(), Some(1));
        assert_eq!(integer(&v(10.0), "f", 1, 10, "r").ok(), Some(10));
        for bad in [0.0, 11.0, 1.5, f64::NAN, f64::INFINITY, -1.0] {
            assert!(integer(&v(bad), "f", 1, 10, "r").is_err(), "{bad}");
        }
        let e = integer(&Value::String("5".into()), "limit", 1, 10, "r").expect_err("string");
        assert_eq!(field_of(e), "limit");
    }

    #[test]
    fn callbacks_must_be_functions() {
        assert_eq!(callback(None, "onRetry").ok(), Some(false));
        assert_eq!(callback(Some(&Value::Function), "onRetry").ok(), Some(true));
        for v in [Value::Null, Value::Object(vec![]), Value::Bool(true)] {
            let e = callback(Some(&v), "onProgress").expect_err("refused");
            assert_eq!(field_of(e.clone()), "onProgress");
            assert!(e.message.contains("be a function"));
        }
    }

    #[test]
    fn unknown_keys_are_named_with_their_prefix_and_a_suggestion() {
        let entries = vec![
            ("limit".to_owned(), Value::Number(1.0)),
            ("ignored".to_owned(), Value::Undefined),
            ("stauts".to_owned(), Value::Null),
        ];
        let e = only_known_keys(&entries, &["limit", "status"], "filter.", "retryExecutions")
            .expect_err("refused");
        assert!(e.message.contains("did you mean status?"), "{}", e.message);
        assert_eq!(field_of(e), "filter.stauts");
        assert!(only_known_keys(&entries[..2], &["limit"], "", "x").is_ok());
    }
}
