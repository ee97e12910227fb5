//! What the module leaves to the JavaScript host, compared with the Rust code
//! it replaces (differential, in the runtime that ships it): numbers read with
//! `Number(text)` and written with `String(n)` (`src/number.rs`) against
//! Rust's `str::parse::<f64>` and `f64` formatting; IPv6 addresses of a
//! `baseUrl` read by the URL parser (`src/endpoint.rs`) against Rust's
//! `Ipv6Addr`.
#![cfg(target_arch = "wasm32")]

use cdf_workflow_retry::number;
use wasm_bindgen_test::*;

#[cfg(feature = "browser-tests")]
wasm_bindgen_test_configure!(run_in_browser);

/// xorshift64*: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, n: u64) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// A JSON number: sign, 1 to 25 digits, fraction, exponent up to ±350.
    fn json_number(&mut self) -> String {
        let mut s = String::new();
        if self.below(2) == 0 {
            s.push('-');
        }
        let len = 1 + self.below(25);
        let int = self.digits(len);
        s.push_str(if int.len() > 1 {
            int.trim_start_matches('0')
        } else {
            &int
        });
        if s.ends_with('-') || s.is_empty() {
            s.push('0');
        }
        if self.below(2) == 0 {
            s.push('.');
            let n = 1 + self.below(25);
            s.push_str(&self.digits(n));
        }
        if self.below(2) == 0 {
            s.push(if self.below(2) == 0 { 'e' } else { 'E' });
            match self.below(3) {
                0 => s.push('-'),
                1 => s.push('+'),
                _ => {}
            }
            s.push_str(&self.below(351).to_string());
        }
        s
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn rust_parse(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

fn written(n: f64) -> String {
    let mut out = String::new();
    number::write(&mut out, n);
    out
}

#[wasm_bindgen_test]
fn numbers_read_by_the_host_as_rust_reads_them() {
    let edges = [
        "0",
        "-0",
        "-0.0e5",
        "9007199254740991",
        "9007199254740993",
        "4503599627370496.5",
        "1.00000000000000001",
        "1e400",
        "-1e400",
        "1e-400",
        "-1e-400",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "4.9406564584124654e-324",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
        "0.1",
        "123456789012345678901234567890",
        "1E2",
        "1e+2",
        "3599.5",
        "007",
    ];
    for text in edges {
        assert!(same(number::parse(text), rust_parse(text)), "{text}");
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let text = rng.json_number();
        assert!(same(number::parse(&text), rust_parse(&text)), "{text}");
    }
    for _ in 0..20_000 {
        let n = f64::from_bits(rng.next());
        if n.is_finite() {
            for text in [format!("{n}"), format!("{n:e}"), format!("{n:E}")] {
                assert!(same(number::parse(&text), n), "{text}");
            }
        }
    }
}

#[wasm_bindgen_test]
fn numbers_written_by_the_host_read_back_as_rust_wrote_them() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let mut cases: Vec<f64> = vec![
        0.0,
        -0.0,
        0.5,
        0.1,
        1e21,
        1e-7,
        123.456,
        9_007_199_254_740_991.0,
        9_007_199_254_740_992.0,
        -9_007_199_254_740_993.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        5e-324,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for _ in 0..20_000 {
        cases.push(f64::from_bits(rng.next()));
        #[allow(clippy::cast_precision_loss)]
        cases.push(
            (rng.next() >> rng.below(64)) as f64 * if rng.below(2) == 0 { 1.0 } else { -1.0 },
        );
    }
    for n in cases {
        let text = written(n);
        if n.is_nan() {
            assert_eq!(text, "null", "{n}");
            continue;
        }
        if n.is_infinite() {
            // What JSON.parse reads as ±Infinity (a user JSON number beyond f64).
            assert_eq!(text, if n > 0.0 { "1e999" } else { "-1e999" }, "{n}");
            continue;
        }
        // Valid JSON (the parser that reads answers accepts it), the same number for Rust,
        // and the same text where it is an integer below 2^53.
        let parsed = cdf_workflow_retry::parse::parse_json(&text);
        assert!(
            matches!(parsed, Some(cdf_workflow_retry::value::Value::Number(m)) if same(m, n)),
            "{n}: {text}"
        );
        assert!(same(rust_parse(&text), n), "{n}: {text}");
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            assert_eq!(text, format!("{n}"));
        }
    }
}

/// What `origin_from_base_url` made of `[text]` with Rust's `Ipv6Addr` (the code
/// the URL parser replaces): the origin, and whether plain http was allowed.
fn ipv6_reference(text: &str) -> (Option<String>, bool) {
    let lower = text.to_ascii_lowercase();
    match lower.parse::<std::net::Ipv6Addr>() {
        Ok(ip) => (Some(format!("https://[{ip}]:8443")), ip.is_loopback()),
        Err(_) => (None, false),
    }
}

fn ipv6_now(text: &str) -> (Option<String>, bool) {
    use cdf_workflow_retry::endpoint::origin_from_base_url;
    (
        origin_from_base_url(&format!("https://[{text}]:8443/")).ok(),
        origin_from_base_url(&format!("http://[{text}]")).is_ok(),
    )
}

impl Rng {
    /// An IPv6-like text: eight groups (some cut short by `::`, some with
    /// leading zeros, too long or empty), maybe an IPv4 tail, maybe mangled.
    fn ipv6_text(&mut self) -> String {
        const HEX: &[u8] = b"0123456789abcdefABCDEF";
        let groups = match self.below(4) {
            0 => 8,
            1 => 6,
            _ => self.below(10) as usize,
        };
        let mut parts: Vec<String> = (0..groups)
            .map(|_| match self.below(6) {
                0 => "0".to_owned(),
                1 => "ffff".to_owned(),
                2 => String::new(),
                _ => {
                    let max = if self.below(8) == 0 { 6 } else { 4 };
                    let n = 1 + self.below(max);
                    (0..n)
                        .map(|_| char::from(HEX[self.below(HEX.len() as u64) as usize]))
                        .collect()
                }
            })
            .collect();
        if self.below(3) == 0 && !parts.is_empty() {
            // A `::` somewhere.
            let at = self.below(parts.len() as u64 + 1) as usize;
            let cut = (self.below(4) as usize).min(parts.len() - at.min(parts.len()));
            parts.splice(at..at + cut, [String::new()]);
            if at == 0 {
                parts.insert(0, String::new());
            }
            if at + 1 >= parts.len() {
                parts.push(String::new());
            }
        }
        if self.below(4) == 0 {
            let octet = |r: &mut Rng| match r.below(5) {
                0 => "0".to_owned(),
                1 => format!("0{}", r.below(10)),
                2 => r.below(300).to_string(),
                _ => r.below(256).to_string(),
            };
            let n = 3 + self.below(3);
            let v4: Vec<String> = (0..n).map(|_| octet(self)).collect();
            if let Some(last) = parts.last_mut() {
                *last = v4.join(".");
            } else {
                parts.push(v4.join("."));
            }
        }
        let mut text = parts.join(":");
        if self.below(6) == 0 && !text.is_empty() {
            // One byte replaced by a character an address may (not) hold.
            const ODD: &[u8] = b":.0fFx%]-/ ";
            let i = self.below(text.len() as u64) as usize;
            if text.is_char_boundary(i) && text.is_char_boundary(i + 1) {
                let c = char::from(ODD[self.below(ODD.len() as u64) as usize]);
                text.replace_range(i..=i, &c.to_string());
            }
        }
        text
    }
}

#[wasm_bindgen_test]
fn ipv6_addresses_read_by_the_url_parser_as_rust_read_them() {
    for text in [
        "::1",
        "0:0:0:0:0:0:0:1",
        "0000:0000:0000:0000:0000:0000:0000:0001",
        "::0:1",
        "::",
        "::2",
        "2001:DB8::1",
        "2001:db8:0:0:1:0:0:1",
        "2001:db8::1:0:0:1",
        "1:0:0:2:0:0:0:3",
        "::ffff:1.2.3.4",
        "::ffff:102:304",
        "::ffff:0:0",
        "::1.2.3.4",
        "1::2:3:4:5:6:7",
        "1:2:3:4:5:6:7::",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4",
        "::01.2.3.4",
        "::1.2.3",
        "::256.1.1.1",
        "12345::",
        ":::",
        "1:::2",
        "",
        "::1%25eth0",
        "fe80::1%eth0",
        "v1.x",
    ] {
        assert_eq!(ipv6_now(text), ipv6_reference(text), "{text:?}");
    }
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let text = rng.ipv6_text();
        let now = ipv6_now(&text);
        assert_eq!(now, ipv6_reference(&text), "{text:?}");
        accepted += usize::from(now.0.is_some());
    }
    // The generator reaches both sides.
    assert!((2_000..18_000).contains(&accepted), "{accepted}");
}
