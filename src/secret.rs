//! [`Secret`] strings (token, client secret, nonce) that never print, and
//! [`Redactor`], which removes them from text that came from a server.

use std::fmt;

/// A string that must never appear in a message, log line or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret string.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The replacement for a secret found in server-supplied text: no letters or
/// digits, so the mask itself can never spell (part of) a secret.
pub const REDACTED: &str = "***";

/// Removes known secrets from text before it goes into an error.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    /// Adds a secret to hide from now on.
    pub fn add(&mut self, secret: &Secret) {
        if !secret.expose().is_empty() && !self.secrets.contains(secret) {
            self.secrets.push(secret.clone());
            // Longest first: a secret inside a longer one never splits it.
            self.secrets
                .sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
        }
    }

    /// `text` with every occurrence of every known secret replaced by
    /// [`REDACTED`] in one left-to-right pass (the longest secret wins where
    /// several start at the same place). If the result still contains a
    /// secret (masks next to text can rebuild one), the whole text becomes
    /// [`WITHHELD`].
    pub fn redact(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let hit = self
                .secrets
                .iter()
                .map(Secret::expose)
                .filter(|s| rest.starts_with(s))
                .max_by_key(|s| s.len());
            match hit {
                Some(s) => {
                    out.push_str(REDACTED);
                    rest = rest.get(s.len()..).unwrap_or("");
                }
                None => {
                    out.push(c);
                    rest = rest.get(c.len_utf8()..).unwrap_or("");
                }
            }
        }
        if self.contains_secret(&out) {
            WITHHELD.to_owned()
        } else {
            out
        }
    }

    /// Adds every secret `other` knows.
    pub fn merge(&mut self, other: &Redactor) {
        for secret in &other.secrets {
            self.add(secret);
        }
    }

    /// Whether `text` contains any known secret.
    pub fn contains_secret(&self, text: &str) -> bool {
        self.secrets.iter().any(|s| text.contains(s.expose()))
    }
}

/// Text that came from outside the module (an answer body, a header, a
/// thrown error's message) as the contract wants it in a message: normalised
/// to one line with its markup removed (so a secret split by tags is whole
/// again), then redacted, then cut to `max_chars`.
pub fn outside(text: &str, redactor: &Redactor, max_chars: usize) -> String {
    let limit = max_chars.saturating_mul(8).max(1024);
    let normal = if text.contains('<') {
        excerpt(text, limit)
    } else {
        one_line(text, limit)
    };
    one_line(&redactor.redact(&normal), max_chars)
}

/// What replaces a whole outside text that masking could not clean.
pub const WITHHELD: &str = "[redacted]";
/// The same as [`WITHHELD`].
pub const REDACTED_TEXT: &str = WITHHELD;

/// One clean line of at most `max_chars` characters: terminal escape
/// sequences removed whole ([`strip_escapes`]), bidirectional controls
/// removed, other control characters and runs of white space one space, and
/// a cut line ends with "…".
pub fn one_line(text: &str, max_chars: usize) -> String {
    let text = strip_escapes(text);
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if is_bidi_control(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        let extra = usize::from(pending_space);
        if count + extra + 1 > max_chars {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        count += extra + 1;
    }
    out
}

/// The bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069), which can make a line read differently than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without terminal escape sequences (ECMA-48), so that no part of
/// one reaches a terminal or reads as text: CSI (`ESC [` or U+009B, then
/// parameters, to a final byte), OSC, DCS, SOS, PM and APC strings (`ESC ]`,
/// `ESC P`, `ESC X`, `ESC ^`, `ESC _` or U+009D, U+0090, U+0098, U+009E,
/// U+009F, to BEL or ST), and other two-character `ESC` sequences. A string
/// without its terminator loses only its introducer (it cannot swallow the
/// text after it). Linear in the length of `text`.
pub fn strip_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = text
        .chars()
        .any(|c| c == '\u{1b}' || ('\u{80}'..='\u{9f}').contains(&c));
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Past this index no string terminator follows (found by an earlier search).
    let mut no_terminator_from = usize::MAX;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let (kind, body_start) = match (c, chars.get(i + 1)) {
            ('\u{1b}', Some('[')) => (Kind::Csi, i + 2),
            ('\u{9b}', _) => (Kind::Csi, i + 1),
            ('\u{1b}', Some(']' | 'P' | 'X' | '^' | '_')) => (Kind::Str, i + 2),
            ('\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}', _) => (Kind::Str, i + 1),
            ('\u{1b}', Some(_)) => {
                i += 2; // a two-character sequence (ESC c, ESC 7, ESC ( B's first part…)
                continue;
            }
            ('\u{1b}', None) => {
                i += 1;
                continue;
            }
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        match kind {
            Kind::Csi => {
                // Parameter and intermediate bytes (0x20–0x3F), then one final byte (0x40–0x7E).
                let mut j = body_start;
                while chars.get(j).is_some_and(|c| (' '..='?').contains(c)) {
                    j += 1;
                }
                i = if chars.get(j).is_some_and(|c| ('@'..='~').contains(c)) {
                    j + 1
                } else {
                    j
                };
            }
            Kind::Str => {
                let mut end = None;
                if body_start < no_terminator_from {
                    let mut j = body_start;
                    while let Some(&d) = chars.get(j) {
                        if d == '\u{7}' || d == '\u{9c}' {
                            end = Some(j + 1);
                            break;
                        }
                        if d == '\u{1b}' && chars.get(j + 1) == Some(&'\\') {
                            end = Some(j + 2);
                            break;
                        }
                        j += 1;
                    }
                    if end.is_none() {
                        no_terminator_from = body_start;
                    }
                }
                i = end.unwrap_or(body_start);
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What an escape sequence's introducer starts.
enum Kind {
    Csi,
    Str,
}

/// Elements that sit inside a line of text.
const INLINE: [&str; 22] = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
];

/// Elements whose content is never visible text.
const HIDDEN: [&str; 6] = ["script", "style", "head", "title", "template", "noscript"];

/// The readable text of an HTML (or other) body: tags, comments and the
/// content of `script`, `style`, `head`, `title`, `template` and `noscript`
/// dropped, the common entities decoded, as one line of at most `max_chars`
/// characters.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let limit = max_chars.saturating_mul(40);
    let mut text = String::with_capacity(body.len().min(4096));
    let mut rest = body;
    let mut hidden: Option<&str> = None;
    while !rest.is_empty() && text.len() < limit {
        let Some(lt) = rest.find('<') else {
            if hidden.is_none() {
                text.push_str(rest);
            }
            break;
        };
        if hidden.is_none() {
            text.push_str(rest.get(..lt).unwrap_or(""));
        }
        rest = rest.get(lt..).unwrap_or("");
        if rest.starts_with("<!--") {
            rest = match rest.find("-->") {
                Some(end) => rest.get(end + 3..).unwrap_or(""),
                None => "",
            };
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = rest.get(1..gt).unwrap_or("").trim();
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match hidden {
            Some(h) if closing && name == h => hidden = None,
            Some(_) => {}
            None if !closing && !tag.ends_with('/') => {
                hidden = HIDDEN.iter().copied().find(|h| *h == name);
            }
            None => {}
        }
        // An inline element's tags join its text to what is around it (so a
        // secret split by `<b>` is whole again); any other tag separates words.
        if !INLINE.contains(&name.as_str()) {
            text.push(' ');
        }
        rest = rest.get(gt + 1..).unwrap_or("");
    }
    one_line(&decode_entities(&text), max_chars)
}

/// The few HTML entities an error page uses, decoded.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn redactor_replaces_every_occurrence() {
        let mut r = Redactor::default();
        r.add(&Secret::new("tok-123"));
        assert_eq!(r.redact("a tok-123 b tok-123"), "a *** b ***");
        r.add(&Secret::new("Zq")); // short secrets too
        assert_eq!(r.redact("nonce Zq rejected"), "nonce *** rejected");
    }

    #[test]
    fn excerpt_keeps_visible_text_only() {
        let html = "<!doctype html><html><head><title>Oops</title><style>body { color: red }</style>\
            <script>var x = '<b>';</script></head><body><!-- note --><p>Service &amp; gateway down</p>\
            <script src=a.js></script><STYLE>p{}</STYLE>try later</body></html>";
        assert_eq!(excerpt(html, 200), "Service & gateway down try later");
    }

    #[test]
    fn redaction_is_one_pass_and_withholds_rebuilt_secrets() {
        let mut r = Redactor::default();
        r.add(&Secret::new("ab"));
        r.add(&Secret::new("abc"));
        assert_eq!(r.redact("xabcx ab"), "x***x ***");
        let mut r = Redactor::default();
        r.add(&Secret::new("*a"));
        // "**a" -> "*" + "***": the mask rebuilt nothing, but "*a" masked leaves "****"…
        assert!(!r.redact("**a*a").contains("*a"));
        let mut r = Redactor::default();
        r.add(&Secret::new("***x"));
        r.add(&Secret::new("q"));
        assert_eq!(r.redact("qx"), WITHHELD);
    }

    #[test]
    fn a_secret_rebuilt_by_masks_redacts_the_whole_text() {
        let mut r = Redactor::default();
        // Masking "b" in "a" + "b" + "c" rebuilds the other secret "a***c".
        r.add(&Secret::new("a***c"));
        r.add(&Secret::new("b"));
        assert_eq!(r.redact("xabcx"), REDACTED_TEXT);
        assert_eq!(r.redact("a***c b"), "*** ***");
    }

    #[test]
    fn longer_secrets_are_masked_whole() {
        let mut r = Redactor::default();
        r.add(&Secret::new("abc"));
        r.add(&Secret::new("abcdef"));
        assert_eq!(r.redact("abcdef abc"), "*** ***");
    }

    #[test]
    fn outside_text_loses_its_markup_before_redaction() {
        let mut r = Redactor::default();
        r.add(&Secret::new("test-token-SeCrEt42"));
        let shown = outside(
            "<img src=x onerror=alert(1)>Denied for test-tok<b>en-SeCrEt42</b>",
            &r,
            300,
        );
        assert!(!shown.contains('<'), "{shown}");
        assert!(!shown.contains("SeCrEt42"), "{shown}");
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("  a\n\tb  c ", 100), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("", 3), "");
        assert_eq!(one_line("\u{0}\u{7}x", 3), "x");
    }

    #[test]
    fn excerpt_strips_tags() {
        let html = "<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad   Gateway</h1></body></html>";
        assert_eq!(excerpt(html, 200), "Bad Gateway");
        assert_eq!(excerpt("plain text", 5), "plain…");
    }

    #[test]
    fn escape_sequences_go_whole() {
        for (input, want) in [
            ("a\u{1b}[2Jb", "ab"),
            ("a\u{1b}[1;31mred\u{1b}[0m", "ared"),
            ("t\u{1b}]0;pwned\u{7}x", "tx"),
            ("t\u{1b}]0;pwned\u{1b}\\x", "tx"),
            ("t\u{9b}31mx", "tx"),
            ("t\u{9d}0;title\u{9c}x", "tx"),
            ("t\u{1b}Pdcs\u{1b}\\x", "tx"),
            ("a\u{1b}cb", "ab"),
            (
                "unterminated \u{1b}]title and then text",
                "unterminated title and then text",
            ),
            ("right\u{202E}to-left\u{2066}x", "rightto-leftx"),
            ("bell\u{7}s", "bell s"),
        ] {
            assert_eq!(one_line(input, 200), want, "{input:?}");
        }
    }

    #[test]
    fn stripping_escapes_is_linear_on_hostile_text() {
        let text = "\u{1b}]".repeat(200_000) + &"\u{1b}[".repeat(200_000);
        let t = std::time::Instant::now();
        let out = strip_escapes(&text);
        assert!(t.elapsed().as_secs_f64() < 3.0);
        assert!(!out.contains('\u{1b}'));
    }
}
