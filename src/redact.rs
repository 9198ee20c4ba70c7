//! Redaction: replaces sensitive spans with `[REDACTED:<kind>#<hash>]`, keeping every other
//! byte.
//!
//! Used on tool output before the model sees it, on the audit log's copy of an event, and
//! anywhere a value must be shown without its secret. Redaction is idempotent: a marker holds
//! nothing any scanner reports, so redacting redacted text changes nothing.
//!
//! What to find is the built-in scanners' catalogue plus what the policy of the hook call
//! adds: its own detectors and the text regexes of the redact rules that fired. The engine
//! puts those in force for the call ([`with_policy_detectors`]), so every place that redacts
//! — the runtime's answer, every masked field of the audit line — finds the same secrets
//! without each being handed the policy.

use crate::signals::secrets::custom::Detectors;
use crate::signals::Finding;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    /// The policy's detectors in force on this thread (see [`with_policy_detectors`]).
    static POLICY: RefCell<Option<Arc<Detectors>>> = const { RefCell::new(None) };
}

/// Runs `f` with `detectors` (a policy's own, and its redact rules' regexes) found and masked
/// by every scan of this module, beside the built-in scanners; the previous set is back in
/// force afterwards.
pub fn with_policy_detectors<R>(detectors: Arc<Detectors>, f: impl FnOnce() -> R) -> R {
    let prev = POLICY.with(|p| p.replace(Some(detectors)));
    let out = f();
    POLICY.with(|p| *p.borrow_mut() = prev);
    out
}

/// The findings of the policy's detectors in force, if any: nothing to do without a policy
/// that declares some.
fn policy_findings(text: &str) -> Vec<Finding> {
    POLICY.with(|p| match p.borrow().as_deref() {
        Some(d) if !d.is_empty() => d.scan(text),
        _ => Vec::new(),
    })
}

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
    with_policy_findings(text, &mut f);
    f
}

/// Adds the findings of the policy's detectors in force to `f`; a generic finding inside one
/// of them gives way to it, as to a built-in detector.
fn with_policy_findings(text: &str, f: &mut Vec<Finding>) {
    let found = policy_findings(text);
    if !found.is_empty() {
        f.extend(found);
        crate::signals::secrets::drop_shadowed(f);
    }
}

/// Findings of the given kinds only; runs the personal-data scanner only when a PII kind is
/// asked for, so redacting secrets costs nothing more.
pub fn scan_kinds(text: &str, kinds: &[&str]) -> Vec<Finding> {
    let mut f: Vec<Finding> = if kinds.iter().any(|k| crate::signals::pii::KINDS.contains(k)) {
        scan_all(text)
    } else {
        let mut f = crate::signals::secrets::scan(text);
        with_policy_findings(text, &mut f);
        f
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

    /// A policy's detectors are found beside the catalogue while they are in force, and only
    /// then.
    #[test]
    fn policy_detectors_redact_while_in_force() {
        use crate::signals::secrets::custom::{Detector, DetectorSpec};
        let spec = DetectorSpec {
            id: "acme-token".into(),
            regex: "ACME-[0-9a-f]{32}".into(),
            keywords: vec!["ACME-".into()],
            ..DetectorSpec::default()
        };
        let rule = Detector::unguarded("internal.ticket", "TICKET-[0-9]{6}").unwrap();
        let mut all = vec![Detector::new(&spec).unwrap(), rule];
        let d = Arc::new(Detectors::from_detectors(std::mem::take(&mut all)));
        let t = "k=ACME-0123456789abcdef0123456789abcdef see TICKET-123456";
        let (masked, kinds) = with_policy_detectors(d, || {
            let (m, f) = redact_text(t);
            let only: Vec<String> = scan_kinds(t, &["acme-token"])
                .into_iter()
                .map(|f| f.kind)
                .collect();
            assert_eq!(only, ["acme-token"]);
            (m, f.into_iter().map(|f| f.kind).collect::<Vec<_>>())
        });
        assert!(kinds.contains(&"acme-token".to_string()), "{kinds:?}");
        assert!(!masked.contains("0123456789abcdef"), "{masked}");
        assert!(!masked.contains("TICKET-123456"), "{masked}");
        assert_eq!(
            redact_text(t).0,
            t,
            "out of force, nothing of the policy is found"
        );
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
