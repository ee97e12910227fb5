//! Reading one option: the small helpers every options parser shares, so a
//! rule worded once reads the same in every function's errors.
//!
//! Every helper returns the `invalid_input` [`CdfError`] naming `field` (a key,
//! or a path such as `filter.status[1]`) when the value does not fit.

use crate::error::CdfError;
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

/// Whether the callback option `field` was given: absent is `false`, a
/// function `true`, anything else the error that it must be a function.
pub(crate) fn callback(v: Option<&Value>, field: &str) -> Result<bool, CdfError> {
    match v {
        None => Ok(false),
        Some(Value::Function) => Ok(true),
        Some(_) => Err(bad(field, "be a function")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: CdfError) -> String {
        e.field.unwrap_or_default()
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
}
