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

    /// `text` with every known secret replaced by [`REDACTED`], longest
    /// secrets first. If the result still holds a secret (masks next to
    /// other text can rebuild one), the whole text is [`REDACTED_TEXT`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), REDACTED);
            }
        }
        if self.secrets.iter().any(|s| out.contains(s.expose())) {
            return REDACTED_TEXT.to_owned();
        }
        out
    }
}

/// What replaces a whole outside text that masking could not clean.
pub const REDACTED_TEXT: &str = "[redacted]";

/// One clean line of at most `max_chars` characters: control characters and
/// runs of white space become one space, and a cut line ends with "…".
pub fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
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

/// The readable text of an HTML (or other) body: tags and entities dropped,
/// as one line of at most `max_chars` characters.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let mut text = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    // Only the start of a large body is looked at.
    for c in body.chars().take(max_chars.saturating_mul(20)) {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    one_line(&text, max_chars)
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
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("  a\n\tb  c ", 100), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("", 3), "");
        assert_eq!(one_line("\u{0}\u{7}x", 3), "x");
    }

    #[test]
    fn excerpt_strips_tags() {
        let html = "<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad   Gateway</h1></body></html>";
        assert_eq!(excerpt(html, 200), "502 Bad Gateway Bad Gateway");
        assert_eq!(excerpt("plain text", 5), "plain…");
    }
}
