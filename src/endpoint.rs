//! Where requests go: the origin from `cluster` or `baseUrl`, and the two API URLs.

use crate::validate::{cluster_host, Reason};

/// The `https://{cluster}.cognitedata.com` origin of a cluster name.
pub fn origin_from_cluster(cluster: &str) -> Result<String, Reason> {
    cluster_host(cluster).map(|host| format!("https://{host}"))
}

const BASE_URL_REASON: Reason = "be an absolute https origin such as \"https://api.cognitedata.com\" (http only for localhost, 127.0.0.0/8 or [::1]), without user info, path, query or fragment";

/// The origin a `baseUrl` names, normalised to lower-case scheme and host and no
/// trailing slash.
///
/// Accepted: `https://host[:port][/]`, and `http://` only for a loopback host
/// (`localhost`, `127.0.0.0/8`, `[::1]`). No user info, query, fragment or path.
pub fn origin_from_base_url(base_url: &str) -> Result<String, Reason> {
    let lower = base_url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(BASE_URL_REASON);
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = split_host_port(authority).ok_or(BASE_URL_REASON)?;
    let loopback = match &host {
        Host::Name(name) => name == "localhost",
        Host::V4(_, first) => *first == 127,
        Host::V6(ip) => ip == "::1",
    };
    if !secure && !loopback {
        return Err(BASE_URL_REASON);
    }
    let scheme = if secure { "https" } else { "http" };
    Ok(match port {
        Some(port) => format!(
            "{scheme}://{authority_host}:{port}",
            authority_host = host.text()
        ),
        None => format!("{scheme}://{}", host.text()),
    })
}

const TOKEN_URL_REASON: Reason = "be an absolute https URL such as \"https://login.microsoftonline.com/my-tenant/oauth2/v2.0/token\" (http only for localhost, 127.0.0.0/8 or [::1]), without user info or fragment; its path and query (such as Azure AD B2C's \"?p=policy\") may hold letters, digits, percent-escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @ / (and ? in the query), and the path no . or .. segments";

/// An identity provider's token URL (`tokenUrl` of `clientCredentialsToken`),
/// normalised: the origin as [`origin_from_base_url`] accepts it (lower-case
/// scheme and host, `https`, or `http` only for a loopback host, no user info),
/// followed by a path and an optional query kept as written.
///
/// The path may hold only RFC 3986 path characters (unreserved, `%XX`
/// escapes, sub-delimiters, `:`, `@`, `/`), and no `.` or `..` segment (in any
/// spelling a URL parser would resolve); the query (after `?`, e.g. Azure AD
/// B2C's `?p=policy`) the same characters and `?`. No fragment, white space or
/// non-ASCII, so the URL fetched is the URL validated.
pub fn token_url(url: &str) -> Result<String, Reason> {
    let scheme_len = if url
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    {
        8
    } else if url
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        7
    } else {
        return Err(TOKEN_URL_REASON);
    };
    let (scheme, rest) = url.split_at(scheme_len);
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    let origin =
        origin_from_base_url(&format!("{scheme}{authority}")).map_err(|_| TOKEN_URL_REASON)?;
    if !path_is_clean(path) || !query.map_or(true, query_is_clean) {
        return Err(TOKEN_URL_REASON);
    }
    Ok(match query {
        Some(query) => format!("{origin}{path}?{query}"),
        None => format!("{origin}{path}"),
    })
}

/// Only RFC 3986 query characters (those of a path and `?`), well-formed `%XX` escapes.
fn query_is_clean(query: &str) -> bool {
    query
        .split('?')
        .all(|part| only_path_characters(part.as_bytes()))
}

/// Only RFC 3986 path characters, well-formed `%XX` escapes, and no dot segments.
fn path_is_clean(path: &str) -> bool {
    only_path_characters(path.as_bytes())
        && !path.split('/').any(|segment| {
            let s = segment.to_ascii_lowercase().replace("%2e", ".");
            s == "." || s == ".."
        })
}

/// Unreserved characters, well-formed `%XX` escapes, sub-delimiters, `:`, `@` and `/`.
fn only_path_characters(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let ok = match b {
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 2;
                true
            }
            b if b.is_ascii_alphanumeric() => true,
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' | b'@' | b'/' => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

enum Host {
    Name(String),
    /// As written (the only spelling [`ipv4`] accepts), and its first part.
    V4(String, u8),
    /// As [`ipv6`] writes it, without brackets.
    V6(String),
}

impl Host {
    fn text(&self) -> String {
        match self {
            Host::Name(name) => name.clone(),
            Host::V4(ip, _) => ip.clone(),
            Host::V6(ip) => format!("[{ip}]"),
        }
    }
}

/// Splits `host[:port]`; `None` when either part is malformed.
fn split_host_port(authority: &str) -> Option<(Host, Option<u16>)> {
    let (host_text, port_text) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        return Some((Host::V6(ipv6(inside)?), parse_port(port)?));
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = parse_port(port_text)?;
    if host_text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        // All digits and dots: it must be a full dotted IPv4 address.
        return Some((Host::V4(host_text.to_owned(), ipv4(host_text)?), port));
    }
    let labels_ok = host_text.len() <= 253
        && host_text.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    labels_ok.then(|| (Host::Name(host_text.to_owned()), port))
}

/// The first part of a dotted IPv4 address, or `None`: four decimal parts
/// from 0 to 255 without leading zeros, as `std::net::Ipv4Addr` reads them
/// (`tests` compare), so the address is written back as it came.
fn ipv4(text: &str) -> Option<u8> {
    let mut parts = text.split('.');
    let mut first = None;
    for _ in 0..4 {
        let part = parts.next()?;
        let digits = part.len();
        if digits == 0
            || digits > 3
            || (digits > 1 && part.starts_with('0'))
            || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let n = part.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        let n = u8::try_from(n).ok()?;
        first.get_or_insert(n);
    }
    if parts.next().is_some() {
        return None;
    }
    first
}

/// An IPv6 address (the text between brackets, in lower case) as the URL
/// Standard serialises it (RFC 5952: `::1`), read by the host's URL parser,
/// the one that checks every origin before a request (`js::client`); only
/// hex digits, colons and dots reach it.
///
/// An IPv4-mapped address is written with dots (`::ffff:1.2.3.4`), as Rust's
/// `Ipv6Addr` wrote it before: the URL parser writes it in hex, so the origin
/// check refuses it, as it always did.
fn ipv6(text: &str) -> Option<String> {
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    {
        return None;
    }
    // An embedded IPv4 part is read as std reads IPv4 (four parts 0–255, no
    // leading zeros): URL parsers differ there (Chromium accepts `::01.2.3.4`).
    if let Some((_, tail)) = text.rsplit_once(':').filter(|(_, t)| t.contains('.')) {
        ipv4(tail)?;
    }
    let ip = crate::host::ipv6(text)?;
    if let Some((a, b)) = ip.strip_prefix("::ffff:").and_then(|g| g.split_once(':')) {
        if let (Ok(a), Ok(b)) = (u16::from_str_radix(a, 16), u16::from_str_radix(b, 16)) {
            let [a1, a2] = a.to_be_bytes();
            let [b1, b2] = b.to_be_bytes();
            return Some(format!("::ffff:{a1}.{a2}.{b1}.{b2}"));
        }
    }
    Some(ip)
}

/// `None` for a malformed port; `Some(None)` when there is none.
#[allow(clippy::option_option)]
fn parse_port(port: Option<&str>) -> Option<Option<u16>> {
    match port {
        None => Some(None),
        Some(p) if !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()) => {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => None,
                Ok(n) => Some(Some(n)),
            }
        }
        Some(_) => None,
    }
}

/// `POST {origin}/api/v1/projects/{project}/sessions`.
pub fn sessions_url(origin: &str, project: &str) -> String {
    format!("{origin}/api/v1/projects/{project}/sessions")
}

/// `POST {origin}/api/v1/projects/{project}/workflows/executions/{executionId}/retry`.
pub fn retry_url(origin: &str, project: &str, execution_id: &str) -> String {
    format!("{origin}/api/v1/projects/{project}/workflows/executions/{execution_id}/retry")
}

/// `POST {origin}/api/v1/projects/{project}/workflows/executions/list`.
pub fn list_url(origin: &str, project: &str) -> String {
    format!("{origin}/api/v1/projects/{project}/workflows/executions/list")
}

/// `GET {origin}/api/v1/projects/{project}/workflows/executions/{executionId}`.
pub fn execution_url(origin: &str, project: &str, execution_id: &str) -> String {
    format!("{origin}/api/v1/projects/{project}/workflows/executions/{execution_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_as_std_reads_it() {
        let std = |t: &str| {
            t.parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|ip| ip.octets()[0])
        };
        for text in [
            "127.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.02.3.4",
            "256.1.1.1",
            "1.2.3.",
            ".1.2.3",
            "1..2.3",
            "",
            "1.2.3.04",
            "1.2.3.255",
            "1000.1.1.1",
            "00.1.1.1",
            "127.000.0.1",
        ] {
            assert_eq!(ipv4(text), std(text), "{text}");
        }
    }

    #[test]
    fn cluster_origins() {
        assert_eq!(
            origin_from_cluster("westeurope-1").as_deref(),
            Ok("https://westeurope-1.cognitedata.com")
        );
        assert!(origin_from_cluster("evil.com/").is_err());
    }

    #[test]
    fn good_base_urls() {
        for (input, want) in [
            ("https://api.cognitedata.com", "https://api.cognitedata.com"),
            (
                "https://api.cognitedata.com/",
                "https://api.cognitedata.com",
            ),
            ("HTTPS://API.CogniteData.com", "https://api.cognitedata.com"),
            ("https://example.com:8443", "https://example.com:8443"),
            ("https://10.0.0.1", "https://10.0.0.1"),
            ("https://[2001:db8::1]:443/", "https://[2001:db8::1]:443"),
            ("http://localhost", "http://localhost"),
            ("http://localhost:8080/", "http://localhost:8080"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://127.200.3.4", "http://127.200.3.4"),
            ("http://[::1]:9000", "http://[::1]:9000"),
            ("https://a-b.c", "https://a-b.c"),
        ] {
            assert_eq!(origin_from_base_url(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_base_urls() {
        for bad in [
            "",
            "api.cognitedata.com",
            "//api.cognitedata.com",
            "ftp://api.cognitedata.com",
            "http://api.cognitedata.com",
            "http://128.0.0.1",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.evil.com",
            "https://user:pw@api.cognitedata.com",
            "https://user@api.cognitedata.com",
            "https://api.cognitedata.com/api/v1",
            "https://api.cognitedata.com//",
            "https://api.cognitedata.com?x=1",
            "https://api.cognitedata.com/?x=1",
            "https://api.cognitedata.com#f",
            "https://api.cognitedata.com:",
            "https://api.cognitedata.com:0",
            "https://api.cognitedata.com:65536",
            "https://api.cognitedata.com:12a",
            "https://",
            "https:///",
            "https://exa mple.com",
            "https://-a.com",
            "https://a..com",
            "https://a.com.",
            "https://[::1",
            "https://[zz]",
            "https://[::1]x",
            "https://1.2.3",
            "https://999.1.1.1",
            "https://ex_ample.com",
            " https://api.cognitedata.com",
            "https://api.cognitedata.com\n",
            "https://\u{0}",
            "https://bücher.de",
            "https:\\\\api.cognitedata.com",
        ] {
            assert!(origin_from_base_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn token_urls() {
        for (input, want) in [
            (
                "https://login.microsoftonline.com/0a1b-2c/oauth2/v2.0/token",
                "https://login.microsoftonline.com/0a1b-2c/oauth2/v2.0/token",
            ),
            (
                "HTTPS://Login.Example.COM/OAuth/Token",
                "https://login.example.com/OAuth/Token",
            ),
            ("https://idp.example.com", "https://idp.example.com"),
            ("https://idp.example.com/", "https://idp.example.com/"),
            (
                "https://idp.example.com:8443/t%20x/~a_b!$&'()*+,;=:@",
                "https://idp.example.com:8443/t%20x/~a_b!$&'()*+,;=:@",
            ),
            ("http://localhost:9000/token", "http://localhost:9000/token"),
            (
                "http://127.0.0.1/oauth/token",
                "http://127.0.0.1/oauth/token",
            ),
            ("http://[::1]:1/t", "http://[::1]:1/t"),
            (
                "https://a.com/x.y/..z/.well-known",
                "https://a.com/x.y/..z/.well-known",
            ),
            // A query is kept as written (Azure AD B2C's user-flow policy).
            (
                "https://Tenant.b2clogin.com/tenant.onmicrosoft.com/oauth2/v2.0/token?p=B2C_1_signin",
                "https://tenant.b2clogin.com/tenant.onmicrosoft.com/oauth2/v2.0/token?p=B2C_1_signin",
            ),
            ("https://a.com/token?x=1&y=%20/?", "https://a.com/token?x=1&y=%20/?"),
            ("https://a.com?x=1", "https://a.com?x=1"),
            ("https://a.com/t?", "https://a.com/t?"),
        ] {
            assert_eq!(token_url(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "",
            "login.microsoftonline.com/t",
            "ftp://a.com/t",
            "http://a.com/token",
            "https://user:pw@a.com/token",
            "https://a.com@b.com/token",
            "https://a.com/token#f",
            "https://a.com/token?p=x#f",
            "https://a.com/token?p=a b",
            "https://a.com/token?p=ö",
            "https://a.com/token?p=%zz",
            "https://a.com/token?p=[x]",
            "https://user@a.com?p=x",
            "https://a.com/../t?p=x",
            "https://a.com/to ken",
            "https://a.com/tök",
            "https://a.com/a\\b",
            "https://a.com/a%2",
            "https://a.com/a%zz",
            "https://a.com/../token",
            "https://a.com/./token",
            "https://a.com/x/%2e%2E/token",
            "https://a.com/x/.%2e",
            "https://a.com/x/..",
            "https://a.com/{tenant}/token",
            "https://a.com/t\n",
            "https:///token",
            "https://a.com:0/t",
            " https://a.com/t",
        ] {
            assert!(token_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            sessions_url("https://api.cognitedata.com", "proj"),
            "https://api.cognitedata.com/api/v1/projects/proj/sessions"
        );
        assert_eq!(
            retry_url("http://127.0.0.1:1", "p-1", "059edaa4-a17a-4102-910e-2c3591500cce"),
            "http://127.0.0.1:1/api/v1/projects/p-1/workflows/executions/059edaa4-a17a-4102-910e-2c3591500cce/retry"
        );
        assert_eq!(
            list_url("https://api.cognitedata.com", "proj"),
            "https://api.cognitedata.com/api/v1/projects/proj/workflows/executions/list"
        );
        assert_eq!(
            execution_url("https://api.cognitedata.com", "proj", "059edaa4-a17a-4102-910e-2c3591500cce"),
            "https://api.cognitedata.com/api/v1/projects/proj/workflows/executions/059edaa4-a17a-4102-910e-2c3591500cce"
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, cases: 5000, ..ProptestConfig::default() })]

        /// `ipv4` accepts what `Ipv4Addr` accepts, and reads the same first part.
        #[test]
        fn ipv4_agrees_with_std(text in "[0-9.]{0,17}|([0-9]{1,4}\\.){3}[0-9]{1,4}|(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}") {
            let std = text.parse::<std::net::Ipv4Addr>().ok().map(|ip| ip.octets()[0]);
            prop_assert_eq!(ipv4(&text), std, "{}", text);
        }
    }
}
