//! The whole detector catalogue against its own examples: each detector's fake example is
//! expanded with fresh random characters many times, and every expansion must be found (by
//! that detector's kind) and masked so that no 8-character piece of the secret survives.
//!
//! Template classes, written `{<class><count>}`:
//! `a` letters and digits, `l` lowercase, `u` uppercase, `L` letters, `d` digits, `h` lowercase
//! hex, `H` uppercase hex, `x` uppercase and digits, `z` lowercase and digits, `b` base64, `B`
//! base64url, `c` the crypt alphabet (`./` letters digits), `s` lowercase base32, `S`
//! uppercase base32, `e` uppercase bech32, `p` password characters. `«` and `»` mark the secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fake::{expand, Rng};
use hookwarden::redact;
use hookwarden::signals::secrets;
use hookwarden::signals::secrets::rules::RULES;
use std::collections::BTreeSet;

/// The text with every `[REDACTED:...]` marker cut out: a marker names the kind, and a kind
/// may spell part of its token's prefix (`rubygems`).
fn without_markers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("[REDACTED:") {
        out.push_str(&rest[..at]);
        rest = rest[at..].find(']').map_or("", |e| &rest[at + e + 1..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn the_catalogue_is_large_and_named_uniquely() {
    let mut names = BTreeSet::new();
    for r in RULES {
        assert!(names.insert(r.name()), "two detectors named {}", r.name());
        assert!(!r.example.is_empty(), "{} has no example", r.name());
        assert!(
            !r.exact.is_empty() || !r.folded.is_empty(),
            "{} has no keyword",
            r.name()
        );
    }
    println!(
        "{} detectors, {} kinds",
        RULES.len(),
        secrets::kinds().len()
    );
    assert!(RULES.len() >= 200, "only {} detectors", RULES.len());
}

#[test]
fn every_detector_finds_and_masks_its_generated_examples() {
    let mut failures = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        for round in 0..24u64 {
            let mut r = Rng::new(round * 1000 + i as u64);
            let (text, secret) = expand(rule.example, &mut r);
            let found = secrets::scan(&text);
            let right_kind = found.iter().any(|f| f.kind == rule.kind);
            let (out, _) = redact::redact_text(&text);
            let out = without_markers(&out);
            let left: Vec<&str> = (0..secret.len().saturating_sub(7))
                .filter_map(|k| secret.get(k..k + 8))
                .filter(|piece| out.contains(piece))
                .collect();
            if !right_kind || !left.is_empty() {
                let kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
                failures.push(format!(
                    "{} (round {round}): found {kinds:?}, left {:?} in {text:?}",
                    rule.name(),
                    left.first()
                ));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} detectors failed their examples:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The scanner matches each detector's pattern with ASCII classes over bytes, and with the
/// pattern's Unicode classes only where a window holds non-ASCII bytes: on ASCII text the two
/// must find the same matches, with the same secret group.
#[test]
fn ascii_and_unicode_forms_agree_on_ascii_text() {
    let mut failures = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        let unicode = regex::Regex::new(rule.pattern).unwrap();
        let ascii = regex::bytes::RegexBuilder::new(rule.pattern)
            .unicode(false)
            .build()
            .unwrap();
        for round in 0..8u64 {
            let mut r = Rng::new(round * 7919 + i as u64);
            let (example, _) = expand(rule.example, &mut r);
            let text = format!("log line one\n  {example} \"done\"\n{example}\n");
            assert!(text.is_ascii(), "{}: example is not ASCII", rule.name());
            let spans_u: Vec<Vec<Option<(usize, usize)>>> = unicode
                .captures_iter(&text)
                .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                .collect();
            let spans_a: Vec<Vec<Option<(usize, usize)>>> = ascii
                .captures_iter(text.as_bytes())
                .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                .collect();
            if spans_u != spans_a {
                failures.push(format!("{} (round {round}) in {text:?}", rule.name()));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A secret in a line of non-ASCII text is found by its detector: where the ASCII form
/// could split a character, the Unicode form answers.
#[test]
fn every_detector_finds_its_example_among_non_ascii_text() {
    let mut failures = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        let mut r = Rng::new(4242 + i as u64);
        let (example, _) = expand(rule.example, &mut r);
        let text = format!("Résumé — ниже ключ:\n{example}\nkönnen ✓ 完成\n");
        if !secrets::scan(&text).iter().any(|f| f.kind == rule.kind) {
            failures.push(format!("{} in {text:?}", rule.name()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
