//! Redaction: replaces secret spans with `[REDACTED:<kind>]`, keeping every other byte.
//!
//! Used on tool output before the model sees it, on the audit log's copy of an event, and
//! anywhere a value must be shown without its secret.

use crate::signals::Finding;
use sha2::{Digest, Sha256};

/// A short salted hash of a value, so two findings of the same secret can be correlated
/// without the value being recoverable from the log.
pub fn short_hash(value: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hookwarden-finding-v1:");
    h.update(value.as_bytes());
    let d = h.finalize();
    d.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Replaces each finding's span with its marker. Overlapping spans are merged; the merged
/// span takes the kind of the first finding in it.
pub fn apply(text: &str, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return text.to_string();
    }
    let mut spans: Vec<(usize, usize, &str)> = findings
        .iter()
        .filter(|f| f.start < f.end && f.end <= text.len())
        .filter(|f| text.is_char_boundary(f.start) && text.is_char_boundary(f.end))
        .map(|f| (f.start, f.end, f.kind.as_str()))
        .collect();
    spans.sort();
    let mut merged: Vec<(usize, usize, &str)> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => merged.push(s),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (start, end, kind) in merged {
        out.push_str(&text[pos..start]);
        out.push_str("[REDACTED:");
        out.push_str(kind);
        out.push(']');
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Scans and redacts in one step.
pub fn redact_text(text: &str) -> (String, Vec<Finding>) {
    let findings = crate::signals::secrets::scan(text);
    (apply(text, &findings), findings)
}
