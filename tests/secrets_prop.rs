//! Properties of redaction: a secret embedded anywhere in random text leaves no 8-character
//! piece behind; text without secrets comes back byte for byte; redaction is idempotent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fake::{self, Rng};
use hookwarden::redact;
use proptest::prelude::*;

/// Random prose and log-like text that holds no secret: words, numbers, punctuation, newlines.
/// A number ends with a comma: bare numbers next to each other made runs like `4504076908620`,
/// a Luhn-valid Visa number that the personal-data scanner rightly redacts.
fn clean_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-z]{1,10}",
            "[A-Z][a-z]{1,8}",
            "[0-9]{1,4},",
            Just(" ".to_string()),
            Just(", ".to_string()),
            Just(".\n".to_string()),
            Just(" - ".to_string()),
            Just("\t".to_string()),
            Just("(ok) ".to_string()),
            Just("é ".to_string()),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(" "),
        Just("\n"),
        Just("\t"),
        Just(" \""),
        Just("\n> "),
        Just(": ")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_piece_of_a_secret_survives(
        seed in any::<u64>(),
        which in any::<prop::sample::Index>(),
        before in clean_text(),
        after in clean_text(),
        sep1 in separator(),
        sep2 in separator(),
    ) {
        let mut r = Rng::new(seed);
        let all = fake::all(&mut r);
        let f = &all[which.index(all.len())];
        let text = format!("{before}{sep1}{}{sep2}{after}", f.text);
        let (out, _) = redact::redact_text(&text);
        let secret = f.secret.as_bytes();
        for w in secret.windows(8) {
            let piece = std::str::from_utf8(w).unwrap_or("");
            prop_assert!(
                piece.is_empty() || !out.contains(piece),
                "{} left {:?} in {:?}", f.kind, piece, out
            );
        }
        let (again, _) = redact::redact_text(&out);
        prop_assert_eq!(again, out);
    }

    #[test]
    fn text_without_secrets_is_unchanged(text in clean_text()) {
        let (out, found) = redact::redact_text(&text);
        prop_assert!(found.is_empty(), "{:?}", found);
        prop_assert_eq!(out, text);
    }
}

/// An env-style assignment whose value starts with `=` (`KEY==value`, no blanks) is an
/// assignment, not a comparison: the value is masked whole.
#[test]
fn env_assignment_of_a_value_starting_with_equals_is_masked() {
    for text in [
        " DB_PASSWORD==+87z_yQut66aldq ",
        "DB_PASSWORD==upaBOEq7Zr2xk",
    ] {
        let (out, _) = hookwarden::redact::redact_text(text);
        let secret = text.trim().trim_start_matches("DB_PASSWORD==");
        for w in secret.as_bytes().windows(8) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(!out.contains(piece), "{piece:?} left in {out:?}");
        }
    }
}
