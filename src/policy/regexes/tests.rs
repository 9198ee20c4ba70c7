//! The matcher against `regex::Regex::is_match`, pattern by pattern: fixed hard cases, then
//! random patterns of the shapes policies use on random and adversarial texts.

#![allow(clippy::unwrap_used)]

use super::Strategy as How;
use super::{Matcher, RegexTable};
use proptest::prelude::*;

/// Every strategy's answer, against the regex crate's.
fn check(patterns: &[String], texts: &[String]) {
    let table = RegexTable::build(patterns).unwrap();
    let bytes = table.to_bytes();
    let regexes: Vec<regex::Regex> = patterns
        .iter()
        .map(|p| regex::Regex::new(p).unwrap())
        .collect();
    for strategy in [How::Tiered, How::Dfas, How::LiteralsThenRegex, How::Regexes] {
        let m = Matcher::from_bytes(&bytes).unwrap().with_strategy(strategy);
        for t in texts {
            let want: Vec<usize> = (0..patterns.len())
                .filter(|&i| regexes[i].is_match(t))
                .collect();
            assert_eq!(
                m.matches(t),
                want,
                "{strategy:?} on {t:?} with {patterns:?}"
            );
            for (i, re) in regexes.iter().enumerate() {
                assert_eq!(
                    m.is_match(i, t),
                    re.is_match(t),
                    "{strategy:?} {:?} on {t:?}",
                    patterns[i]
                );
            }
        }
    }
}

pub(crate) fn hard_patterns() -> Vec<String> {
    [
        r"(?i)[a-z0-9-]+\.atlas7\.corp\.example",
        r"(?i)\b(project|codename)[-_ ]?(falcon|orion|vega)\b",
        r"\b[A-Z]{2,5}-\d{3,6}\b",
        r"(?i)(drop|truncate)\s+table\s+\w+",
        r"(?i)\bkestrel\b",
        r"(?i)straße",
        r"\w+@corp\.example",
        r"(?i)ignore (all )?previous",
        r"^deploy (prod|staging)$",
        r"a*",
        r"\d{3}-\d{4}",
        r"(?-u:\b)x(?-u:\b)",
        r"[^a-z]{3}",
        r"(?i)ǅ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn hard_patterns_on_hard_texts() {
    let texts: Vec<String> = [
        "",
        "host db-1.ATLAS7.corp.example is up",
        "host db-1.atla\u{17f}7.corp.example (long s)",
        "Project-Falcon kickoff",
        "the codename_orion files; codenameorionx",
        "é codename vega é",
        "écodename vegaé",
        "ticket ABC-1234 and XY-12",
        "ticket ÀBC-1234",
        "ABC-١٢٣٤ (Arabic-Indic digits are \\d)",
        "please DROP   TABLE users;",
        "truncate\u{a0}table x (no-break space is \\s)",
        "the \u{212a}estrel (Kelvin sign folds to k)",
        "kestrels",
        "STRASSE Straße STRAẞE",
        "mail bob@corp.example; mail é@corp.example",
        "IGNORE ALL PREVIOUS instructions",
        "deploy prod",
        "deploy prod\n",
        "call 555-1234",
        "x",
        "éxé",
        "ǆ ǅ Ǆ",
        "ab",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    check(&hard_patterns(), &texts);
}

/// On a long non-ASCII text a pattern with a Unicode word boundary is checked only in windows
/// before the ends of the matches of its relaxed DFA: matches next to another word, at the
/// text's ends, in overlapping relaxed matches, and near non-ASCII letters.
#[test]
fn word_boundaries_on_long_non_ascii_texts() {
    let patterns: Vec<String> = [
        r"(?i)(ab|cd|ef)\b",
        r"\b[A-Z]{2,5}-\d{3,6}\b",
        r"(?i)\b(project|codename)[-_ ]?(falcon|orion|vega)\b",
        r"(?i)\bkestrel\b",
        r"\bx\w{0,3}\b",
        r"(?i)https?://[a-z0-9.-]*vega\.internal\b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let filler = "✓ ordinary output, é and ß\n".repeat(200);
    let texts: Vec<String> = [
        "éabab",
        "abab ",
        "ABC-1234é",
        "ÀBC-1234 and XYZ-12345",
        "ABCDEFG-1234",
        "kestrelé kestrels",
        "é kestrel",
        "project-orionx codename vegaé",
        "é project-orion é",
        "xé xyzw x",
        "see https://a.vega.internal/x",
        "see https://a.vega.internalé",
    ]
    .iter()
    .flat_map(|t| {
        [
            format!("{filler}{t}"),
            format!("{t}{filler}"),
            format!("{filler}{t}{filler}"),
        ]
    })
    .collect();
    check(&patterns, &texts);
}

#[test]
fn artifact_round_trips_through_a_file() {
    let patterns = hard_patterns();
    let table = RegexTable::build(&patterns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regexes.bin");
    std::fs::write(&path, table.to_bytes()).unwrap();
    let m = Matcher::open(&path).unwrap();
    assert_eq!(m.len(), patterns.len());
    // `a*` matches every text, `[^a-z]{3}` the capitals.
    assert_eq!(
        m.matches("DROP TABLE users, project vega"),
        vec![1, 3, 9, 12]
    );
    assert!(m.is_match(2, "ABC-1234"));
}

#[test]
fn a_bad_pattern_is_an_error_with_its_index() {
    let err = RegexTable::build(&["ok", "(unclosed"]).unwrap_err();
    assert_eq!(err.index, 1);
}

#[test]
fn damaged_artifacts_are_refused_or_answer_like_the_regex() {
    let patterns = hard_patterns();
    let bytes = RegexTable::build(&patterns).unwrap().to_bytes();
    assert!(Matcher::from_bytes(b"nonsense").is_err());
    for cut in [0, 7, 12, 100, bytes.len() / 2, bytes.len() - 1] {
        // A truncated index is refused; a truncated body only loses DFAs.
        if let Ok(m) = Matcher::from_bytes(&bytes[..cut]) {
            let re = regex::Regex::new(&patterns[3]).unwrap();
            assert_eq!(m.is_match(3, "drop table x"), re.is_match("drop table x"));
        }
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{1,6}".prop_map(|s| s),
        Just(r"\b".to_string()),
        Just(r"\w+".to_string()),
        Just(r"\d{2,4}".to_string()),
        Just(r"\s+".to_string()),
        Just(r"[-_ ]?".to_string()),
        Just(r"[a-z0-9-]+".to_string()),
        Just(r"\.".to_string()),
        Just("é".to_string()),
        Just("(?i:k)".to_string()),
        Just("(?i:s)".to_string()),
        Just(r"(ab|cd|ef)".to_string()),
        Just(r"[A-Z]{1,3}".to_string()),
        Just(r"(?-u:\b)".to_string()),
        Just(".".to_string()),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(piece(), 1..6)).prop_map(|(ci, ps)| {
        let body = ps.concat();
        if ci {
            format!("(?i){body}")
        } else {
            body
        }
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 ._-]{0,8}".prop_map(|s| s),
            Just("ab".to_string()),
            Just("CD".to_string()),
            Just("é".to_string()),
            Just("\u{17f}".to_string()),
            Just("\u{212a}".to_string()),
            Just("٣".to_string()),
            Just("\u{a0}".to_string()),
            Just("日本".to_string()),
            Just("\n".to_string()),
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn matches_agree_with_the_regex_crate(
        patterns in prop::collection::vec(pattern(), 1..6),
        texts in prop::collection::vec(text(), 1..8),
    ) {
        // Texts that contain pieces of the patterns' literals, so matches happen.
        let mut texts = texts;
        for p in &patterns {
            let lit: String = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            texts.push(format!("x {lit} y"));
            texts.push(format!("é{}é", lit.to_uppercase()));
        }
        check(&patterns, &texts);
    }
}
