//! What the JavaScript host does for the core on wasm32, where it already has
//! the code (so the `.wasm` does not carry a copy): reading and writing
//! numbers ([`crate::number`]) and reading IPv6 addresses (`endpoint`).
//! Natively (tests) Rust's own code stands in for the host, written to give
//! the same answers; the wasm tests (`tests/host.rs`) compare the host's
//! answers with Rust's.

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen]
    extern "C" {
        /// JavaScript's `Number(text)`.
        #[wasm_bindgen(js_name = Number)]
        pub fn parse_number(text: &str) -> f64;
        /// JavaScript's `String(n)`.
        #[wasm_bindgen(js_name = String)]
        pub fn format_number(n: f64) -> String;
    }

    #[wasm_bindgen(module = "/src/js/runtime.js")]
    extern "C" {
        /// `new URL(url).hostname`, or `undefined` when the URL parser refuses `url`.
        #[wasm_bindgen(js_name = hostOf)]
        fn host_of(url: &str) -> Option<String>;
    }

    /// The URL parser's serialisation of the IPv6 address `text` (hex digits,
    /// colons and dots only: checked by the caller), without brackets.
    pub fn ipv6(text: &str) -> Option<String> {
        let host = host_of(&format!("http://[{text}]/"))?;
        host.strip_prefix('[')?.strip_suffix(']').map(str::to_owned)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    /// Rust's parse (exact, as `Number(text)` is).
    pub fn parse_number(text: &str) -> f64 {
        text.parse().unwrap_or(f64::NAN)
    }

    /// Rust's shortest round-trip digits (as `String(n)` writes, without an exponent).
    pub fn format_number(n: f64) -> String {
        format!("{n}")
    }

    /// Rust's IPv6 parser and serialisation (RFC 5952, as the URL Standard
    /// writes it; Rust writes an IPv4-mapped address with dots, the URL
    /// Standard in hex, as here).
    pub fn ipv6(text: &str) -> Option<String> {
        let ip: std::net::Ipv6Addr = text.parse().ok()?;
        Some(match ip.segments() {
            [0, 0, 0, 0, 0, 0xffff, a, b] => format!("::ffff:{a:x}:{b:x}"),
            _ => ip.to_string(),
        })
    }
}

pub(crate) use imp::{format_number, ipv6, parse_number};
