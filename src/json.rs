//! JSON text, written by hand: request bodies (the list query) and checked
//! answers for the wasm layer to `JSON.parse`.
//!
//! Why text rather than serde-wasm-bindgen for answers: serde-wasm-bindgen
//! writes each object key with `obj[key] = value`, so a key `__proto__` from an
//! answer (metadata, task input and output) would replace the object's
//! prototype; `JSON.parse` defines every key as plain data. It also keeps
//! serde_json out of the `.wasm` (about 14 KB gzip). The result types also
//! derive `serde::Serialize` with the same names; tests check that both agree.

use crate::value::Value;

/// A value that writes itself as JSON text.
pub trait ToJson {
    /// Appends this value's JSON text to `out`.
    fn write_json(&self, out: &mut String);

    /// This value as JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as
/// `\n`, `\t`… or `\u00XX` (RFC 8259 section 7), everything else as is.
/// A lone surrogate kept by [`crate::parse`] ([`SURROGATE_MARK`] and its
/// code) is written back as its `\uDXXX` escape, so `JSON.parse` returns the
/// string CDF sent, every code unit included.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == SURROGATE_MARK {
            match chars.next() {
                Some(SURROGATE_MARK) => out.push(SURROGATE_MARK),
                Some(code) => {
                    let unit = u32::from(code).saturating_sub(u32::from(SURROGATE_MARK) + 1);
                    out.push_str(&format!("\\u{:04x}", 0xD800 + unit));
                }
                None => out.push(SURROGATE_MARK),
            }
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as the text it marks (see [`SURROGATE_MARK`]): a doubled mark becomes
/// one U+F0000; `None` when `s` marks a lone surrogate, which UTF-8 (a URL)
/// cannot carry.
pub fn unmark(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !s.contains(SURROGATE_MARK) {
        return Some(std::borrow::Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == SURROGATE_MARK {
            match chars.next() {
                Some(SURROGATE_MARK) | None => out.push(SURROGATE_MARK),
                Some(_) => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// Marks a lone surrogate inside a Rust string (which cannot hold one): the
/// mark is followed by U+F0001 + (surrogate - 0xD800); a real U+F0000 is
/// doubled. Both are private-use characters of plane 15.
pub const SURROGATE_MARK: char = '\u{F0000}';

/// Appends a number: an integer below 2^53 as its digits (`1730204346000`),
/// any other number as the host writes it (`0.5`, shortest digits that read
/// back exactly; see [`crate::number`]); `null` for NaN and infinities, as
/// `JSON.stringify` does.
pub fn write_number(out: &mut String, n: f64) {
    crate::number::write(out, n);
}

/// Writes one JSON object, field by field.
#[derive(Debug)]
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object in `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Writes `"key":value`.
    pub fn field(&mut self, key: &str, value: &(impl ToJson + ?Sized)) -> &mut Self {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// Writes `"key":value` when `value` is `Some`; nothing for `None`.
    pub fn optional<T: ToJson>(&mut self, key: &str, value: &Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.field(key, v);
        }
        self
    }

    /// Closes the object.
    pub fn end(&mut self) {
        self.out.push('}');
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_string(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_string(out, self);
    }
}

impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        write_number(out, *self);
    }
}

impl ToJson for u32 {
    fn write_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ToJson for u64 {
    fn write_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

/// `(key, value)` pairs as an object, in order (for metadata).
impl ToJson for [(String, String)] {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        for (k, v) in self {
            o.field(k, v);
        }
        o.end();
    }
}

/// A [`Value`] as JSON: `undefined`, functions, signals and other
/// non-JSON values write `null` (a checked answer never holds them).
impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null | Value::Undefined | Value::Function | Value::Signal | Value::Other(_) => {
                out.push_str("null")
            }
            Value::Raw(text) => out.push_str(text),
            Value::Bool(b) => b.write_json(out),
            Value::Number(n) => write_number(out, *n),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => items.write_json(out),
            Value::Object(entries) => {
                let mut o = ObjectWriter::new(out);
                for (k, v) in entries {
                    o.field(k, v);
                }
                o.end();
            }
        }
    }
}

/// Serialises a [`Value`] (serde), as [`ToJson`] writes it.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null | Value::Undefined | Value::Function | Value::Signal | Value::Other(_) => {
                serializer.serialize_unit()
            }
            Value::Raw(text) => serializer.serialize_str(text),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `a` and `b` parse to the same JSON, numbers compared as `f64`.
    pub(crate) fn same_json(a: &str, b: &str) -> bool {
        fn norm(v: serde_json::Value) -> serde_json::Value {
            match v {
                serde_json::Value::Number(n) => n
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                serde_json::Value::Array(items) => {
                    serde_json::Value::Array(items.into_iter().map(norm).collect())
                }
                serde_json::Value::Object(map) => {
                    serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, norm(v))).collect())
                }
                other => other,
            }
        }
        match (
            serde_json::from_str::<serde_json::Value>(a),
            serde_json::from_str::<serde_json::Value>(b),
        ) {
            (Ok(x), Ok(y)) => norm(x) == norm(y),
            _ => false,
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        for s in [
            "",
            "plain",
            "quote \" and \\ backslash",
            "\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}",
            "ünïcödé 🚀 \u{2028}",
            "</script>",
        ] {
            assert_eq!(
                s.to_json(),
                serde_json::to_string(s).unwrap_or_default(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn numbers() {
        for (n, text) in [
            (0.0, "0"),
            (1_730_204_346_000.0, "1730204346000"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (f64::NAN, "null"),
            (f64::INFINITY, "1e999"),
        ] {
            assert_eq!(n.to_json(), text);
        }
        for n in [1e300, 1e-300, 0.1, 123.456, f64::MAX, f64::MIN_POSITIVE] {
            let text = n.to_json();
            assert_eq!(text.parse::<f64>().ok(), Some(n), "{text}");
        }
    }

    #[test]
    fn values_and_objects() {
        let v = Value::Object(vec![
            ("__proto__".into(), Value::Object(vec![])),
            (
                "a".into(),
                Value::Array(vec![
                    Value::Null,
                    Value::Bool(false),
                    Value::Number(1.0),
                    Value::String("x".into()),
                    Value::Undefined,
                ]),
            ),
        ]);
        assert_eq!(
            v.to_json(),
            r#"{"__proto__":{},"a":[null,false,1,"x",null]}"#
        );
        let serde = serde_json::to_string(&v).unwrap_or_default();
        assert!(same_json(&v.to_json(), &serde), "{serde}");
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .field("n", &3u32)
            .optional::<String>("absent", &None)
            .optional("present", &Some(true))
            .end();
        assert_eq!(out, r#"{"n":3,"present":true}"#);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_string_round_trips(s in ".{0,40}|[\\x00-\\x1f\"\\\\]{0,10}") {
            // U+F0000 is the parser's surrogate mark (it doubles a real one): a
            // string of the parser's, not any Rust string, may hold it.
            prop_assume!(!s.contains(SURROGATE_MARK));
            prop_assert_eq!(s.to_json(), serde_json::to_string(&s).unwrap_or_default());
            prop_assert_eq!(serde_json::from_str::<String>(&s.to_json()).ok(), Some(s));
        }

        #[test]
        fn any_finite_number_round_trips(n in any::<f64>().prop_filter("finite", |n| n.is_finite())) {
            let text = n.to_json();
            // Rust's parser is exact, as JSON.parse is (serde_json's default one is not).
            prop_assert_eq!(text.parse::<f64>().ok(), Some(n), "{}", text);
            prop_assert!(serde_json::from_str::<f64>(&text).is_ok(), "{}", text);
        }
    }

    #[test]
    fn unmark_gives_back_the_marked_text() {
        assert_eq!(unmark("plain").as_deref(), Some("plain"));
        assert_eq!(
            unmark("a\u{F0000}\u{F0000}b").as_deref(),
            Some("a\u{F0000}b")
        );
        assert_eq!(unmark("a\u{F0000}\u{F0001}b"), None, "a lone surrogate");
    }
}
