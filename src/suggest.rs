//! "Did you mean …?": the known option closest to an unknown key.
//!
//! An unknown key is compared with each known one after folding case and
//! dropping `_`, `-` and spaces (so `executionID`, `execution_id` and
//! `Execution-Id` all name `executionId`), then by edit distance (insertions,
//! deletions, substitutions and swaps of two neighbours, each counting 1).

/// Keys longer than this (in characters) get no suggestion: the work stays bounded.
pub const MAX_KEY_CHARS: usize = 64;

/// The characters of `s` without `_`, `-` and white space, ASCII letters in
/// lower case.
///
/// Known keys are ASCII, so any other character matches none of their
/// characters whatever its case: folding only ASCII gives every distance
/// Unicode folding gave, without the Unicode case tables in the `.wasm`. The
/// two exceptions are the characters whose lower case holds an ASCII letter,
/// folded as Unicode folds them: the Kelvin sign (`k`) and `İ` (`i` and a
/// combining dot). `tests` compare this with `char::to_lowercase`.
fn folded(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' | '-' => {}
            c if c.is_whitespace() => {}
            '\u{212A}' => out.push('k'),
            '\u{130}' => out.extend(['i', '\u{307}']),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// How far a folded key may be from a known key of `len` characters:
/// 1 up to 5 characters, 2 up to 9, then 3.
fn allowed(len: usize) -> usize {
    match len {
        0..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

fn cell(d: &[usize], index: usize) -> usize {
    d.get(index).copied().unwrap_or(usize::MAX / 2)
}

/// The optimal-string-alignment distance between `a` and `b`.
fn distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let at = |i: usize, j: usize| i * width + j;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (index, value) in d.iter_mut().enumerate() {
        let (i, j) = (index / width, index % width);
        if i == 0 || j == 0 {
            *value = i + j;
        }
    }
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (cell(&d, at(i, j + 1)) + 1)
                .min(cell(&d, at(i + 1, j)) + 1)
                .min(cell(&d, at(i, j)) + cost);
            let swapped =
                i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) && ca != cb;
            if swapped {
                best = best.min(cell(&d, at(i - 1, j - 1)) + 1);
            }
            if let Some(slot) = d.get_mut(at(i + 1, j + 1)) {
                *slot = best;
            }
        }
    }
    cell(&d, at(a.len(), b.len()))
}

/// The known key `key` most likely stands for, if any is close enough.
///
/// `None` for a key that is itself known, longer than [`MAX_KEY_CHARS`], or
/// not close to any known key. Ties go to the key listed first.
pub fn did_you_mean<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    closest(key, known, folded)
}

/// [`did_you_mean`] with the case folding `fold` (the tests compare
/// [`folded`] with Unicode folding through it).
fn closest<'a>(key: &str, known: &[&'a str], fold: fn(&str) -> Vec<char>) -> Option<&'a str> {
    if known.contains(&key) || key.chars().count() > MAX_KEY_CHARS {
        return None;
    }
    let typed = fold(key);
    if typed.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in known {
        let target = fold(candidate);
        if typed.len().abs_diff(target.len()) > allowed(target.len()) {
            continue;
        }
        let d = distance(&typed, &target);
        if d <= allowed(target.len()) && best.map_or(true, |(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, k)| k)
}

/// The reason an unknown option key is refused, completing "`key` must …":
/// names the function, and the closest known key when there is one.
pub fn unknown_key_reason(key: &str, known: &[&str], function: &str) -> String {
    match did_you_mean(key, known) {
        Some(k) => format!("not be set: it is not an option of {function} (did you mean {k}?)"),
        None => format!("not be set: it is not an option of {function} (check its spelling)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const KNOWN: [&str; 8] = [
        "project",
        "cluster",
        "baseUrl",
        "token",
        "executionId",
        "timeoutMs",
        "maxRetries",
        "pollIntervalMs",
    ];

    #[test]
    fn close_keys_are_suggested() {
        for (typed, want) in [
            ("executionID", "executionId"),
            ("execution_id", "executionId"),
            ("ExecutionId", "executionId"),
            ("exeuctionId", "executionId"),
            ("executionIds", "executionId"),
            ("timeout", "timeoutMs"),
            ("timeoutMS", "timeoutMs"),
            ("maxRetry", "maxRetries"),
            ("retries", "maxRetries"),
            ("projct", "project"),
            ("baseURL", "baseUrl"),
            ("base_url", "baseUrl"),
            ("tokne", "token"),
            ("pollInterval", "pollIntervalMs"),
        ] {
            assert_eq!(did_you_mean(typed, &KNOWN), Some(want), "{typed}");
        }
    }

    #[test]
    fn far_or_known_keys_are_not() {
        for typed in [
            "project",
            "x",
            "",
            "__proto__",
            "retry",
            "signal",
            "nonce",
            "-_ ",
            &"executionId".repeat(10),
        ] {
            assert_eq!(did_you_mean(typed, &KNOWN), None, "{typed}");
        }
    }

    #[test]
    fn reasons_name_the_function_and_the_suggestion() {
        assert_eq!(
            unknown_key_reason("executionID", &KNOWN, "getExecution"),
            "not be set: it is not an option of getExecution (did you mean executionId?)"
        );
        assert_eq!(
            unknown_key_reason("zzz", &KNOWN, "getExecution"),
            "not be set: it is not an option of getExecution (check its spelling)"
        );
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| {
            distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "ab"), 2);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("abcd", "acbd"), 1);
        assert_eq!(d("ca", "abc"), 3);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::tests::KNOWN;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_key_is_handled_and_suggestions_are_known(key in ".{0,80}") {
            if let Some(k) = did_you_mean(&key, &KNOWN) {
                prop_assert!(KNOWN.contains(&k));
                prop_assert_ne!(k, key.as_str());
            }
        }

        /// The same suggestion as with Unicode case folding (the code this replaces),
        /// for keys mixing ASCII, separators and letters of other scripts and cases.
        #[test]
        fn suggestions_as_with_unicode_folding(
            key in "([a-zA-Z_ -]|[\u{212A}\u{130}\u{131}\u{C9}\u{E9}\u{DF}\u{1E9E}\u{3A3}\u{3C3}\u{41A}\u{FB00}\u{A0}\u{2028}]){0,20}",
            i in 0usize..KNOWN.len(),
            pos in 0usize..20,
            insert in "[\u{212A}\u{130}\u{C9}K]",
        ) {
            fn unicode_folded(s: &str) -> Vec<char> {
                s.chars()
                    .filter(|c| !matches!(c, '_' | '-') && !c.is_whitespace())
                    .flat_map(char::to_lowercase)
                    .collect()
            }
            // A known key with one character replaced by an exotic one, and the generated key.
            let mut near: Vec<char> = KNOWN[i].chars().collect();
            let at = pos % near.len();
            near[at] = insert.chars().next().unwrap_or('K');
            let near: String = near.into_iter().collect();
            // Every k and i written as the Kelvin sign and İ, one character dropped.
            let mut exotic: Vec<char> = KNOWN[i]
                .chars()
                .map(|c| match c {
                    'k' => '\u{212A}',
                    'i' => '\u{130}',
                    c => c,
                })
                .collect();
            exotic.remove(pos % exotic.len());
            let exotic: String = exotic.into_iter().collect();
            for k in [key.as_str(), near.as_str(), exotic.as_str(), &KNOWN[i].to_uppercase()] {
                prop_assert_eq!(did_you_mean(k, &KNOWN), closest(k, &KNOWN, unicode_folded), "{:?}", k);
            }
        }

        #[test]
        fn one_edit_of_a_known_key_is_suggested_back(i in 0usize..KNOWN.len(), pos in 0usize..20, c in "[a-z]") {
            let known = KNOWN[i];
            let mut chars: Vec<char> = known.chars().collect();
            let pos = pos % chars.len();
            chars[pos] = c.chars().next().unwrap_or('q');
            let typed: String = chars.into_iter().collect();
            if typed != known {
                prop_assert!(did_you_mean(&typed, &KNOWN).is_some(), "{typed}");
            }
        }
    }
}
