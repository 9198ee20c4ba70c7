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

use common::fake::Rng;
use hookwarden::redact;
use hookwarden::signals::secrets;
use hookwarden::signals::secrets::rules::RULES;
use std::collections::BTreeSet;

fn class(c: char) -> Option<&'static str> {
    Some(match c {
        'a' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        'l' => "abcdefghijklmnopqrstuvwxyz",
        'u' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        'L' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        'd' => "0123456789",
        'h' => "0123456789abcdef",
        'H' => "0123456789ABCDEF",
        'x' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        'z' => "abcdefghijklmnopqrstuvwxyz0123456789",
        'b' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        'B' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        'c' => "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        's' => "abcdefghijklmnopqrstuvwxyz234567",
        'S' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        'e' => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        'p' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%^*_+=~",
        _ => return None,
    })
}

/// Expands a template: `(text, secret)`.
pub fn expand(template: &str, r: &mut Rng) -> (String, String) {
    let mut out = String::new();
    let (mut s, mut e) = (None, None);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '«' {
            s = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '»' {
            e = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '{' {
            if let Some(close) = rest.find('}') {
                let inner = &rest[1..close];
                let mut chars = inner.chars();
                if let Some(alphabet) = chars.next().and_then(class) {
                    if let Ok(n) = chars.as_str().parse::<usize>() {
                        out.push_str(&r.pick(alphabet, n));
                        rest = &rest[close + 1..];
                        continue;
                    }
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let (s, e) = (s.unwrap_or(0), e.unwrap_or(out.len()));
    let secret = out[s..e].to_string();
    (out, secret)
}

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
