//! Numbers read and written by the host: JSON number text to `f64` and back.
//!
//! Rust's float parsing (`str::parse::<f64>`) and printing (`f64`'s `Display`)
//! bring their algorithms and tables into the `.wasm` (about 19 KB gzip).
//! JavaScript has both, exact in the same way (IEEE 754 round to nearest;
//! shortest digits that read back to the same number), so on wasm32 the
//! module asks the host: `Number(text)` and `String(n)`. Integers of up to 15
//! digits (times, codes, counts, limits: almost every number of an answer or
//! a request) are read and written here without crossing to JavaScript.
//! Natively the host is Rust's own parse and format.
//!
//! What changes on wasm32 is only the text of a number that is not an
//! integer below 2^53 (`1e+21` where Rust writes `1000000000000000000000`):
//! the text goes to `JSON.parse`, which reads the same number from both.
//! `tests` compare both paths with Rust's parse and format; the wasm tests
//! compare the host's with Rust's (`tests/host.rs`).

/// 2^53: every integer below it is an exact `f64`.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Digits read without the host: 10^15 - 1 < 2^53, so every such integer is exact.
const FAST_DIGITS: usize = 15;

/// The number a JSON number `text` stands for (RFC 8259 syntax, checked by the
/// caller), as `JSON.parse` reads it: ±Infinity when out of range, ±0 when too
/// small. Plain integers of up to 15 digits are read here; the rest by the host.
pub fn parse(text: &str) -> f64 {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty()
        && digits.len() <= FAST_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let n = digits
            .bytes()
            .fold(0.0, |n, d| n * 10.0 + f64::from(d - b'0'));
        return if digits.len() == text.len() { n } else { -n };
    }
    crate::host::parse_number(text)
}

/// Appends `n` as JSON: `null` for NaN and ±Infinity (as `JSON.stringify`
/// does); an integer below 2^53 as its digits (`-0` for negative zero, as
/// Rust writes it); any other number as the host writes it.
pub fn write(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("null");
    } else if n.is_infinite() {
        // What JSON.parse reads as ±Infinity: a number of an answer's user JSON
        // beyond f64 (`1e400`) reaches JavaScript as JSON.parse gives it.
        out.push_str(if n > 0.0 { "1e999" } else { "-1e999" });
    } else if n.fract() == 0.0 && n.abs() < EXACT {
        if n.is_sign_negative() {
            out.push('-');
        }
        // Exact: an integer below 2^53.
        out.push_str(&(n.abs() as u64).to_string());
    } else {
        out.push_str(&crate::host::format_number(n));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(n: f64) -> String {
        let mut out = String::new();
        write(&mut out, n);
        out
    }

    /// Same value, and the same sign of zero.
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn integers_and_edges() {
        for (text, n) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("7", 7.0),
            ("-12", -12.0),
            ("1730204346000", 1_730_204_346_000.0),
            ("999999999999999", 999_999_999_999_999.0),
            ("9007199254740991", 9_007_199_254_740_991.0),
            ("9007199254740993", 9_007_199_254_740_992.0),
            ("1e400", f64::INFINITY),
            ("-1e400", f64::NEG_INFINITY),
            ("1e-400", 0.0),
            ("-1e-400", -0.0),
            ("0.5", 0.5),
            ("007", 7.0),
        ] {
            assert!(same(parse(text), n), "{text}");
        }
        for (n, text) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1_730_204_346_000.0, "1730204346000"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (-9_007_199_254_740_991.0, "-9007199254740991"),
            (0.5, "0.5"),
            (f64::NAN, "null"),
            (f64::INFINITY, "1e999"),
            (f64::NEG_INFINITY, "-1e999"),
        ] {
            assert_eq!(written(n), text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, cases: 4000, ..ProptestConfig::default() })]

        /// The fast path reads what Rust's parse reads.
        #[test]
        fn parse_agrees_with_rust(text in "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?|-?[0-9]{1,16}") {
            let rust: f64 = text.parse().unwrap_or(f64::NAN);
            prop_assert!(same(parse(&text), rust), "{}", text);
        }

        /// Any integer that fits `i64` reads as Rust reads it.
        #[test]
        fn integers_agree_with_rust(n in any::<i64>()) {
            let text = n.to_string();
            prop_assert!(same(parse(&text), text.parse().unwrap_or(f64::NAN)), "{}", text);
        }

        /// Written as Rust writes it (same text, not only the same value), and read back exactly.
        #[test]
        fn write_agrees_with_rust(bits in any::<u64>(), int in -9_007_199_254_740_991i64..=9_007_199_254_740_991) {
            #[allow(clippy::cast_precision_loss)]
            for n in [f64::from_bits(bits), int as f64, -(int as f64)] {
                let text = written(n);
                if n.is_finite() {
                    prop_assert_eq!(&text, &format!("{n}"));
                    prop_assert!(same(text.parse::<f64>().unwrap_or(f64::NAN), n), "{}", text);
                } else if n.is_nan() {
                    prop_assert_eq!(text, "null");
                } else {
                    prop_assert_eq!(text, if n > 0.0 { "1e999" } else { "-1e999" });
                }
            }
        }
    }
}
