//! The rule for each option's value, as the contract's validation table fixes it.
//!
//! Each check returns the cleaned value or a reason (a phrase completing
//! "`<field>` must …"); [`crate::options`] turns a reason into an error naming the field.

use uuid::Uuid;

/// A reason a value was refused: completes the sentence "`field` must …".
pub type Reason = &'static str;

/// Largest `timeoutMs` (the largest delay `setTimeout` accepts).
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;
/// Largest `maxRetries`.
pub const MAX_RETRIES: f64 = 10.0;
/// Longest nonce accepted.
pub const MAX_NONCE_LEN: usize = 4096;
/// Longest `appName`.
pub const MAX_APP_NAME_LEN: usize = 255;
/// `Number.MAX_SAFE_INTEGER` (2^53 - 1): the largest time in milliseconds
/// accepted in options and answers, since JavaScript holds it exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn is_visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

/// A CDF project URL name: 3 to 32 letters, digits and hyphens, at least one
/// letter, no leading or trailing hyphen.
pub fn project(s: &str) -> Result<&str, Reason> {
    const REASON: Reason = "be 3 to 32 letters, digits or hyphens, with at least one letter and no leading or trailing hyphen";
    let ok = (3..=32).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err(REASON)
    }
}

/// One DNS label: 1 to 63 lower-case letters, digits and inner hyphens.
fn dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The host a cluster name stands for.
pub fn cluster_host(cluster: &str) -> Result<String, Reason> {
    const REASON: Reason = "be one or more dot-separated DNS labels (lower-case letters, digits and inner hyphens, 1 to 63 characters each), e.g. \"westeurope-1\"";
    let lower = cluster.to_ascii_lowercase();
    if lower.contains("://") || lower.contains('/') {
        return Err("be only the cluster name, e.g. \"westeurope-1\"; to give a full URL, use baseUrl instead");
    }
    if lower == "cognitedata.com" || lower.ends_with(".cognitedata.com") {
        return Err("be only the cluster name without \".cognitedata.com\" (e.g. \"westeurope-1\"), or give the full origin as baseUrl");
    }
    let host = format!("{cluster}.cognitedata.com");
    if cluster.split('.').all(dns_label) && host.len() <= 253 {
        Ok(host)
    } else {
        Err(REASON)
    }
}

/// A bearer token: non-empty visible ASCII without spaces (it becomes a header).
pub fn token(s: &str) -> Result<&str, Reason> {
    if s.len() > 7
        && s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
    {
        Err("be the token alone: drop the \"Bearer \" prefix (the module adds it)")
    } else if !s.is_empty() && s.chars().all(is_visible_ascii) {
        Ok(s)
    } else {
        Err("be a non-empty string of visible ASCII characters without spaces, or a function returning one")
    }
}

/// A hyphenated UUID, 36 characters, any case; returned in lower case.
pub fn uuid(s: &str) -> Result<String, Reason> {
    const REASON: Reason =
        "be a UUID of 36 characters with hyphens, e.g. \"059edaa4-a17a-4102-910e-2c3591500cce\"";
    if s.len() != 36 {
        return Err(REASON);
    }
    // At 36 characters, the only form `Uuid` parses is the hyphenated one.
    // `encode_lower` writes it without `core::fmt` (smaller than `to_string`).
    let uuid = Uuid::try_parse(s).map_err(|_| REASON)?;
    Ok(uuid
        .hyphenated()
        .encode_lower(&mut Uuid::encode_buffer())
        .to_owned())
}

/// A session nonce: non-empty visible ASCII, at most 4096 characters.
pub fn nonce(s: &str) -> Result<&str, Reason> {
    if !s.is_empty() && s.len() <= MAX_NONCE_LEN && s.chars().all(is_visible_ascii) {
        Ok(s)
    } else {
        Err("be a non-empty string of at most 4096 visible ASCII characters")
    }
}

/// A client id or secret: a non-empty string.
pub fn non_empty(s: &str) -> Result<&str, Reason> {
    if s.is_empty() {
        Err("be a non-empty string")
    } else {
        Ok(s)
    }
}

/// Longest workflow external id or version, in characters.
pub const MAX_WORKFLOW_ID_CHARS: usize = 255;

/// A workflow external id or version (`WorkflowExternalId`, `Version` in the
/// seed): 1 to 255 characters, no leading or trailing white space (including
/// U+FEFF, as JavaScript's `trim` sees it), no NUL.
pub fn workflow_id(s: &str) -> Result<&str, Reason> {
    let space = |c: char| c.is_whitespace() || c == '\u{feff}';
    let ok = (1..=MAX_WORKFLOW_ID_CHARS).contains(&s.chars().count())
        && !s.starts_with(space)
        && !s.ends_with(space)
        && !s.contains('\0');
    if ok {
        Ok(s)
    } else {
        Err("be 1 to 255 characters without leading or trailing white space and without NUL characters")
    }
}

/// `timeoutMs`: an integer from 1 to 2147483647.
pub fn timeout_ms(n: f64) -> Result<u32, Reason> {
    if n.fract() == 0.0 && (1.0..=MAX_TIMEOUT_MS).contains(&n) {
        Ok(n as u32)
    } else {
        Err("be an integer from 1 to 2147483647 (milliseconds)")
    }
}

/// `maxRetries`: an integer from 0 to 10.
pub fn max_retries(n: f64) -> Result<u32, Reason> {
    if n.fract() == 0.0 && (0.0..=MAX_RETRIES).contains(&n) {
        Ok(n as u32)
    } else {
        Err("be an integer from 0 to 10")
    }
}

/// `appName`: 1 to 255 visible ASCII characters or spaces.
pub fn app_name(s: &str) -> Result<&str, Reason> {
    if (1..=MAX_APP_NAME_LEN).contains(&s.len())
        && s.chars().all(|c| c == ' ' || is_visible_ascii(c))
    {
        Ok(s)
    } else {
        Err("be 1 to 255 visible ASCII characters or spaces")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_rule() {
        for good in [
            "abc",
            "my-project",
            "A1b",
            "x23",
            "publicdata",
            &"a".repeat(32),
            "1a1",
        ] {
            assert!(project(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "",
            "-abc",
            "abc-",
            "123",
            "a_b",
            "a.b",
            "ab c",
            &"a".repeat(33),
            "ábc",
            "---",
        ] {
            assert!(project(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cluster_rule() {
        assert_eq!(
            cluster_host("westeurope-1").as_deref(),
            Ok("westeurope-1.cognitedata.com")
        );
        assert_eq!(cluster_host("api").as_deref(), Ok("api.cognitedata.com"));
        assert_eq!(
            cluster_host("a.b-c.d1").as_deref(),
            Ok("a.b-c.d1.cognitedata.com")
        );
        assert!(cluster_host(&"a".repeat(63)).is_ok());
        for bad in [
            "",
            ".",
            "a.",
            ".a",
            "a..b",
            "-a",
            "a-",
            "A",
            "West",
            "a_b",
            "a b",
            "a/b",
            "a:1",
            "a@b",
            &"a".repeat(64),
            "ü",
            "a.b.",
            "api.cognitedata.com/x",
        ] {
            assert!(cluster_host(bad).is_err(), "{bad}");
        }
        // Host over 253 characters.
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(cluster_host(&long).is_err());
    }

    #[test]
    fn token_rule() {
        assert!(token("eyJ.abc-_~+/=").is_ok());
        for bad in ["", " ", "a b", "a\tb", "a\nb", "tök", "a\u{7f}"] {
            assert!(token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uuid_rule() {
        assert_eq!(
            uuid("059EDAA4-A17A-4102-910E-2C3591500CCE").as_deref(),
            Ok("059edaa4-a17a-4102-910e-2c3591500cce")
        );
        for bad in [
            "",
            "059edaa4a17a4102910e2c3591500cce",
            "{059edaa4-a17a-4102-910e-2c3591500cce}",
            "urn:uuid:059edaa4-a17a-4102-910e-2c3591500cce",
            "059edaa4-a17a-4102-910e-2c3591500ccg",
            "059edaa4-a17a-4102-910e-2c3591500cc",
            "059edaa4-a17a-4102-910e-2c3591500cce ",
            "059edaa4+a17a-4102-910e-2c3591500cce",
            "059edaa4-a17a4-102-910e-2c3591500cce",
        ] {
            assert!(uuid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nonce_rule() {
        assert!(nonce("hOfy4Zop4N2SPRfl").is_ok());
        assert!(nonce(&"n".repeat(4096)).is_ok());
        for bad in [
            String::new(),
            "n".repeat(4097),
            "a b".into(),
            "é".into(),
            "a\n".into(),
        ] {
            assert!(nonce(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn number_rules() {
        assert_eq!(timeout_ms(1.0), Ok(1));
        assert_eq!(timeout_ms(MAX_TIMEOUT_MS), Ok(2_147_483_647));
        for bad in [
            0.0,
            -1.0,
            1.5,
            MAX_TIMEOUT_MS + 1.0,
            f64::NAN,
            f64::INFINITY,
            -0.5,
        ] {
            assert!(timeout_ms(bad).is_err(), "{bad}");
        }
        assert_eq!(max_retries(0.0), Ok(0));
        assert_eq!(max_retries(10.0), Ok(10));
        for bad in [-1.0, 11.0, 2.5, f64::NAN, f64::NEG_INFINITY] {
            assert!(max_retries(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn app_name_rule() {
        assert!(app_name("My App 1.0").is_ok());
        assert!(app_name(&"x".repeat(255)).is_ok());
        for bad in [
            String::new(),
            "x".repeat(256),
            "tab\there".into(),
            "ünï".into(),
        ] {
            assert!(app_name(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn workflow_id_rule() {
        for good in ["wf", "a b", "ü", &"x".repeat(255), "é".repeat(255).as_str()] {
            assert!(workflow_id(good).is_ok(), "{good}");
        }
        for bad in [
            String::new(),
            " wf".into(),
            "wf ".into(),
            "\twf".into(),
            "wf\n".into(),
            "\u{feff}wf".into(),
            "\u{a0}wf".into(),
            "w\0f".into(),
            "x".repeat(256),
        ] {
            assert!(workflow_id(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn non_empty_rule() {
        assert!(non_empty("x").is_ok());
        assert!(non_empty("").is_err());
    }
}
