//! Redaction: replaces sensitive spans with `[REDACTED:<kind>#<hash>]`, keeping every other
//! byte.
//!
//! Used on tool output before the model sees it, on the audit log's copy of an event, and
//! anywhere a value must be shown without its secret. Redaction is idempotent: a marker holds
//! nothing any scanner reports, so redacting redacted text changes nothing.

use crate::signals::Finding;

/// Replaces each finding's span with its marker. Overlapping or touching spans are merged
/// into one marker (so no fragment of either survives between them); the merged span takes
/// the kind and hash of the first finding in it.
pub fn apply(text: &str, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return text.to_string();
    }
    let mut spans: Vec<(usize, usize, &str, &str)> = findings
        .iter()
        .filter(|f| f.start < f.end && f.end <= text.len())
        .map(|f| {
            (
                floor(text, f.start),
                ceil(text, f.end),
                f.kind.as_str(),
                f.hash.as_str(),
            )
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(usize, usize, &str, &str)> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => merged.push(s),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (start, end, kind, hash) in merged {
        out.push_str(&text[pos..start]);
        out.push_str(&marker(kind, hash, end - start));
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The text that replaces a span.
pub fn marker(kind: &str, hash: &str, len: usize) -> String {
    if kind == crate::signals::secrets::UNSCANNED {
        return format!(
            "[REDACTED:{kind}: {len} bytes beyond the {} MiB scan bound withheld]",
            crate::signals::secrets::MAX_SCAN_BYTES >> 20
        );
    }
    if hash.is_empty() {
        format!("[REDACTED:{kind}]")
    } else {
        format!("[REDACTED:{kind}#{hash}]")
    }
}

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Every finding of every redactable scanner: the secret scan's, then the personal-data
/// scan's. On a big text the personal-data scan runs on a second thread meanwhile (see
/// [`crate::signals::PARALLEL_FROM_BYTES`]).
pub fn scan_all(text: &str) -> Vec<Finding> {
    use crate::signals::{beside, pii, secrets, PARALLEL_FROM_BYTES};
    let (personal, mut f) = if text.len() < PARALLEL_FROM_BYTES {
        (pii::scan(text), secrets::scan(text))
    } else {
        beside(|| pii::scan(text), || secrets::scan(text))
    };
    f.extend(personal);
    f
}

/// Findings of the given kinds only; runs the personal-data scanner only when a PII kind is
/// asked for, so redacting secrets costs nothing more.
pub fn scan_kinds(text: &str, kinds: &[&str]) -> Vec<Finding> {
    let mut f: Vec<Finding> = if kinds.iter().any(|k| crate::signals::pii::KINDS.contains(k)) {
        scan_all(text)
    } else {
        crate::signals::secrets::scan(text)
    };
    if kinds
        .iter()
        .any(|k| crate::signals::injection::KINDS.contains(k))
    {
        f.extend(crate::signals::injection::scan_hidden(text));
    }
    f.retain(|x| kinds.contains(&x.kind.as_str()));
    f
}

/// Scans for secrets and personal data and redacts them in one step (the audit log's mask).
pub fn redact_text(text: &str) -> (String, Vec<Finding>) {
    let findings = scan_all(text);
    (apply(text, &findings), findings)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn f(kind: &str, start: usize, end: usize) -> Finding {
        Finding {
            kind: kind.into(),
            start,
            end,
            hash: "abcd1234".into(),
        }
    }

    /// A big text's two scans run on two threads and find what they find one after another.
    #[test]
    fn big_texts_scan_as_one_scan_after_the_other() {
        let mut t = String::new();
        while t.len() < crate::signals::PARALLEL_FROM_BYTES + 100 {
            t.push_str("token=ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo mail ops@example.org\n");
        }
        let mut one_then_other = crate::signals::secrets::scan(&t);
        one_then_other.extend(crate::signals::pii::scan(&t));
        assert!(one_then_other.len() > 100);
        assert_eq!(scan_all(&t), one_then_other);
        assert_eq!(scan_kinds(&t, &["email", "github-pat"]), one_then_other);
    }

    #[test]
    fn merges_overlaps_and_keeps_the_rest() {
        let t = "aaa SECRETSECRET bbb";
        let out = apply(t, &[f("x", 4, 12), f("y", 8, 16)]);
        assert_eq!(out, "aaa [REDACTED:x#abcd1234] bbb");
    }

    #[test]
    fn redaction_is_idempotent() {
        let t = "export GITHUB_TOKEN=ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu and a@b.co";
        let (once, _) = redact_text(t);
        let (twice, found) = redact_text(&once);
        assert_eq!(once, twice);
        assert!(found.is_empty(), "{found:?}");
    }
}
