//! JSON text (RFC 8259) to [`Value`], as `JSON.parse` reads it: the answers
//! are parsed here rather than by `JSON.parse` and a walk over the object
//! (about 100 crossings of the wasm boundary per answer).
//!
//! A lone surrogate escape (`"\ud800"`), which a Rust string cannot hold, is
//! kept as [`SURROGATE_MARK`] and a code that `json::write_string` turns back
//! into the escape, so answers reach JavaScript with every code unit. Values
//! nested deeper than [`MAX_DEPTH`] are checked for syntax (without recursion)
//! and kept as their text ([`Value::Raw`]), so user JSON of any depth reaches
//! `JSON.parse` as CDF sent it. Duplicate keys keep the first key's place and
//! the last value, as `JSON.parse` does, found in O(n log n) (never one scan
//! per key). Every step is linear in the text but for that sort: `tests`
//! compare it with serde_json and bound its work on hostile shapes.

use crate::json::SURROGATE_MARK;
use crate::value::Value;

/// Nesting kept as values; deeper values are validated and described only.
pub const MAX_DEPTH: usize = 64;

/// Objects up to this size look for a duplicate key by scanning (no sort).
const SMALL_OBJECT: usize = 8;

/// `text` as a [`Value`], or `None` when it is not JSON.
pub fn parse_json(text: &str) -> Option<Value> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    (p.pos == p.bytes.len()).then_some(v)
}

/// `entries` with each duplicate key kept once, at its first place, with its
/// last value (as `JSON.parse` does); O(n log n) for any keys.
fn dedupe(entries: Vec<(String, Value)>) -> Vec<(String, Value)> {
    if entries.len() <= SMALL_OBJECT {
        return entries; // already deduplicated while parsing
    }
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    // A stable sort: equal keys stay in the order they came.
    let order = crate::value::stable_order(&keys);
    let key = |i: &usize| keys.get(*i);
    let mut keep = vec![true; entries.len()];
    let mut moves: Vec<(usize, usize)> = Vec::new();
    for run in order.chunk_by(|a, b| key(a) == key(b)) {
        if let (Some(&first), Some(&last)) = (run.first(), run.last()) {
            if first != last {
                moves.push((first, last));
                for i in run.iter().skip(1) {
                    if let Some(k) = keep.get_mut(*i) {
                        *k = false;
                    }
                }
            }
        }
    }
    drop(keys);
    if moves.is_empty() {
        return entries;
    }
    let mut slots: Vec<Option<(String, Value)>> = entries.into_iter().map(Some).collect();
    for (first, last) in moves {
        let value = slots.get_mut(last).and_then(Option::take).map(|(_, v)| v);
        if let (Some(value), Some(Some(slot))) = (value, slots.get_mut(first)) {
            slot.1 = value;
        }
    }
    slots
        .into_iter()
        .zip(keep)
        .filter_map(|(slot, k)| if k { slot } else { None })
        .collect()
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'{' | b'[' if depth >= MAX_DEPTH => {
                let start = self.pos;
                self.skip_nested()?;
                let text = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
                Some(Value::Raw(text.to_owned()))
            }
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true").map(|()| Value::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Value::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Value::Null),
            _ => self.number().map(Value::Number),
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        self.pos += 1;
        let mut entries: Vec<(String, Value)> = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Some(Value::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return None;
            }
            self.skip_ws();
            let value = self.value(depth + 1)?;
            if entries.len() < SMALL_OBJECT {
                match entries.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 = value,
                    None => entries.push((key, value)),
                }
            } else {
                entries.push((key, value));
            }
            self.skip_ws();
            if self.eat(b'}') {
                return Some(Value::Object(dedupe(entries)));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Some(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            if self.eat(b']') {
                return Some(Value::Array(items));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// Checks the syntax of a nested value without recursion or building it.
    fn skip_nested(&mut self) -> Option<()> {
        // The open brackets, and whether the next token must be a value.
        let mut stack: Vec<u8> = Vec::new();
        let mut expect_value = true;
        loop {
            self.skip_ws();
            let b = self.peek()?;
            if expect_value {
                match b {
                    b'{' | b'[' => {
                        self.pos += 1;
                        stack.push(b);
                        self.skip_ws();
                        let close = if b == b'{' { b'}' } else { b']' };
                        if self.eat(close) {
                            stack.pop();
                            expect_value = false;
                        } else if b == b'{' {
                            self.key_colon()?;
                        }
                    }
                    b'"' => {
                        self.string()?;
                        expect_value = false;
                    }
                    b't' => self.literal(b"true").map(|()| expect_value = false)?,
                    b'f' => self.literal(b"false").map(|()| expect_value = false)?,
                    b'n' => self.literal(b"null").map(|()| expect_value = false)?,
                    _ => self.number().map(|_| expect_value = false)?,
                }
            } else {
                let top = *stack.last()?;
                self.pos += 1;
                match (b, top) {
                    (b',', b'{') => {
                        self.skip_ws();
                        self.key_colon()?;
                        expect_value = true;
                    }
                    (b',', _) => expect_value = true,
                    (b'}', b'{') | (b']', b'[') => {
                        stack.pop();
                    }
                    _ => return None,
                }
            }
            if !expect_value && stack.is_empty() {
                return Some(());
            }
        }
    }

    /// `"key" :` inside an object being skipped.
    fn key_colon(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        self.skip_ws();
        self.eat(b':').then_some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.pos.checked_add(4)?;
        let digits = self.bytes.get(self.pos..end)?;
        let mut n = 0u32;
        for d in digits {
            n = n * 16 + char::from(*d).to_digit(16)?;
        }
        self.pos = end;
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy a run of plain characters at once.
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            let run = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
            if run.contains(SURROGATE_MARK) {
                // The mark itself, doubled, so that it never reads as a surrogate.
                for c in run.chars() {
                    out.push(c);
                    if c == SURROGATE_MARK {
                        out.push(c);
                    }
                }
            } else {
                out.push_str(run);
            }
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            match self.code_point(unit) {
                                Some(SURROGATE_MARK) => {
                                    out.push(SURROGATE_MARK);
                                    out.push(SURROGATE_MARK);
                                }
                                Some(c) => out.push(c),
                                // A lone surrogate: kept for json::write_string.
                                None => {
                                    out.push(SURROGATE_MARK);
                                    let code = u32::from(SURROGATE_MARK) + 1 + (unit - 0xD800);
                                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                                }
                            }
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// The character a `\uXXXX` escape stands for, taking the low half of a
    /// surrogate pair when it follows; `None` for a lone surrogate.
    fn code_point(&mut self, unit: u32) -> Option<char> {
        if (0xD800..0xDC00).contains(&unit)
            && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
        {
            let save = self.pos;
            self.pos += 2;
            if let Some(low @ 0xDC00..=0xDFFF) = self.hex4() {
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(c);
            }
            self.pos = save;
        }
        char::from_u32(unit)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<f64> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
        // Plain integers here, the rest by the host (no float parser in the wasm).
        Some(crate::number::parse(text))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// serde_json's reading of `text` as a [`Value`]-comparable tree.
    fn serde(text: &str) -> Option<Value> {
        fn conv(v: serde_json::Value) -> Value {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(a) => Value::Array(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => {
                    let mut entries: Vec<(String, Value)> =
                        o.into_iter().map(|(k, v)| (k, conv(v))).collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(entries)
                }
            }
        }
        serde_json::from_str(text).ok().map(conv)
    }

    /// Object keys sorted, to compare with serde_json's sorted maps.
    fn sorted(v: Value) -> Value {
        match v {
            Value::Object(mut e) => {
                e.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(e.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
            // A real U+F0000 is kept doubled (see json::SURROGATE_MARK).
            Value::String(s) => Value::String(s.replace("\u{F0000}\u{F0000}", "\u{F0000}")),
            other => other,
        }
    }

    /// JSON.parse (and this parser) read an out-of-range number as ±Infinity;
    /// serde_json refuses it: such texts are not compared.
    fn has_infinity(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_infinite(),
            Value::Array(a) => a.iter().any(has_infinity),
            Value::Object(e) => e.iter().any(|(_, v)| has_infinity(v)),
            _ => false,
        }
    }

    /// An exponent of three digits or more: a number that may be out of range.
    fn big_exponent(text: &str) -> bool {
        let b = text.as_bytes();
        b.iter().enumerate().any(|(i, c)| {
            let rest = b.get(i + 1..).unwrap_or(&[]);
            let rest = rest
                .strip_prefix(b"-")
                .or(rest.strip_prefix(b"+"))
                .unwrap_or(rest);
            matches!(c, b'e' | b'E') && rest.iter().take_while(|d| d.is_ascii_digit()).count() >= 3
        })
    }

    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:e}")),
            "-?(0|[1-9][0-9]{0,19})(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?",
            any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            "\"(\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|[a-z ])*\"",
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-z_]{0,4}", inner), 0..6).prop_map(|v| {
                    let fields: Vec<String> = v
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\" : {v}"))
                        .collect();
                    format!("{{ {} }}", fields.join(" , "))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("HOSTILE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000)
        ))]

        /// Valid JSON: the same tree as serde_json (lone surrogates aside).
        #[test]
        fn agrees_with_serde_json_on_valid_text(text in json_text()) {
            let ours = parse_json(&text);
            let theirs = serde(&text);
            match theirs {
                // The text is valid JSON by construction: serde_json refuses only
                // a lone surrogate or an out-of-range number, which JSON.parse reads.
                None => prop_assert!(ours.is_some(), "{}", text),
                Some(theirs) if !ours.as_ref().is_some_and(has_infinity) => {
                    prop_assert_eq!(ours.map(sorted), Some(theirs), "{}", text)
                }
                Some(_) => {}
            }
        }

        /// Any text: accepted exactly when serde_json accepts it (lone surrogates aside).
        #[test]
        fn agrees_with_serde_json_on_mutated_text(text in json_text(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
            let mut bytes = text.into_bytes();
            let i = at.index(bytes.len().max(1));
            if cut { bytes.truncate(i) } else if let Some(b) = bytes.get_mut(i) { *b = byte }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let parsed = parse_json(&text);
            let ours = parsed.is_some();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            if !(ours && !theirs && (text.contains("\\u") || big_exponent(&text))) {
                prop_assert_eq!(ours, theirs, "{}", text);
            }
        }
    }

    #[test]
    fn reads_what_json_parse_reads() {
        assert_eq!(parse_json(" 1 "), Some(Value::Number(1.0)));
        assert_eq!(
            parse_json("9007199254740993"),
            Some(Value::Number(9_007_199_254_740_992.0))
        );
        assert_eq!(parse_json("-0.5e1"), Some(Value::Number(-5.0)));
        let lone = parse_json(
            r#""\ud83d\ude00 \ud800 \udfff \u{F0000}""#.replace("\\u{F0000}", "\u{F0000}").as_str(),
        );
        let Some(Value::String(lone)) = lone else {
            panic!("a string")
        };
        let mut written = String::new();
        crate::json::write_string(&mut written, &lone);
        assert_eq!(written, "\"😀 \\ud800 \\udfff \u{F0000}\"");
        assert_eq!(
            parse_json(r#"{"a":1,"b":2,"a":3}"#),
            Some(Value::Object(vec![
                ("a".into(), Value::Number(3.0)),
                ("b".into(), Value::Number(2.0))
            ]))
        );
        assert_eq!(
            parse_json(r#"{"__proto__":{"x":1}}"#).and_then(|v| v.get("__proto__").cloned()),
            Some(Value::Object(vec![("x".into(), Value::Number(1.0))]))
        );
        for bad in [
            "",
            "01",
            "1.",
            ".1",
            "[1,]",
            "{\"a\"}",
            "\"\u{1}\"",
            "tru",
            "[1]x",
            "{'a':1}",
            "-",
            "1e",
            "\"\\x\"",
        ] {
            assert_eq!(parse_json(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_checked_without_recursion() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            parse_json(&deep).map(|v| matches!(v, Value::Array(_))),
            Some(true)
        );
        let broken = "[".repeat(100_000) + &"]".repeat(99_999);
        assert_eq!(parse_json(&broken), None);
        let objects = "{\"a\":".repeat(50) + "1" + &"}".repeat(50);
        assert!(parse_json(&objects).is_some());
        let bad_objects = "{\"a\":".repeat(50) + "1" + &"}".repeat(49) + ",}";
        assert_eq!(parse_json(&bad_objects), None);
    }

    /// The duplicate rule as `JSON.parse` has it, one scan per key (the old way).
    fn naive(pairs: &[(String, u32)]) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = Vec::new();
        for (k, v) in pairs {
            let v = Value::Number(f64::from(*v));
            match out.iter_mut().find(|(key, _)| key == k) {
                Some(e) => e.1 = v,
                None => out.push((k.clone(), v)),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn duplicate_keys_of_large_objects_as_json_parse(
            pairs in prop::collection::vec(("[a-e]{1,2}", 0u32..1000), 0..80)
        ) {
            let text = format!("{{{}}}", pairs
                .iter()
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect::<Vec<_>>()
                .join(","));
            prop_assert_eq!(parse_json(&text), Some(Value::Object(naive(&pairs))));
        }
    }

    #[test]
    fn values_deeper_than_max_depth_are_kept_as_their_text() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 500, 20_000] {
            let inner = "{\"k\": [1, \"\\u0041\", {\"a\":1,\"a\":2}]}";
            let text = "{\"x\":".repeat(depth) + inner + &"}".repeat(depth);
            let v = parse_json(&text).expect("valid JSON");
            let mut out = String::new();
            crate::json::ToJson::write_json(&v, &mut out);
            if depth < 100 {
                assert!(crate::json::tests::same_json(&out, &text), "depth {depth}");
            } else {
                // serde_json stops at 128 levels: compare the text itself.
                assert_eq!(out.replace(' ', ""), text.replace(' ', ""), "depth {depth}");
            }
        }
    }

    /// Work per byte stays flat whatever the shape: each 1 MiB body parses
    /// within a bound far above the linear cost (seconds in a debug build) and
    /// far below what one scan per key cost (77 s for 80 000 keys).
    #[test]
    fn hostile_shapes_parse_in_linear_time() {
        let mib = 1 << 20;
        let keys = |n: usize, dup: bool| {
            let mut s = String::from("{");
            for i in 0..n {
                if i > 0 {
                    s.push(',');
                }
                let k = if dup { i % 2 } else { i };
                s.push_str(&format!("\"k{k}\":\"v\""));
            }
            s.push('}');
            s
        };
        let shapes: Vec<(&str, String)> = vec![
            ("80 000 keys", keys(80_000, false)),
            ("80 000 duplicate keys", keys(80_000, true)),
            ("one long string", format!("\"{}\"", "a".repeat(mib - 2))),
            ("escapes", format!("\"{}\"", "\\u0041\\n".repeat(mib / 8))),
            (
                "numbers",
                format!("[{}1]", "12345.678e-3,".repeat(mib / 14)),
            ),
            ("nesting", "[".repeat(mib / 2) + &"]".repeat(mib / 2)),
            (
                "objects",
                format!("[{}{{}}]", "{\"a\":{\"b\":[]}},".repeat(mib / 16)),
            ),
        ];
        for (name, text) in shapes {
            assert!(text.len() <= mib + 16, "{name}: {}", text.len());
            let t = std::time::Instant::now();
            assert!(parse_json(&text).is_some(), "{name}");
            let secs = t.elapsed().as_secs_f64();
            assert!(secs < 3.0, "{name}: {secs:.2} s");
        }
    }
}
