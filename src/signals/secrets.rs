//! Secret detection signal: finds credentials in the text a boundary carries.
//!
//! Pipeline: aho-corasick keyword prefilter -> per-kind regex -> entropy/placeholder checks.
//! Raises `secret.detected` with one [`Finding`] per secret (kind, byte span, salted hash —
//! never the value). Redaction itself lives in [`crate::redact`].
//!
//! This first version knows a few kinds; the full catalogue replaces it.

use super::{Context, Finding, Flag, Signal};
use crate::event::Event;
use regex::Regex;
use std::sync::OnceLock;

pub const FLAGS: &[&str] = &["secret.detected"];

pub struct SecretSignal;

impl Signal for SecretSignal {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn applies(&self, event: &Event) -> bool {
        event.boundary_text().is_some_and(|t| !t.is_empty())
    }

    fn inspect(&self, event: &Event, _ctx: &Context, out: &mut Vec<Flag>) {
        let Some(text) = event.boundary_text() else {
            return;
        };
        let findings = scan(text);
        if findings.is_empty() {
            return;
        }
        let mut kinds: Vec<String> = findings.iter().map(|f| f.kind.clone()).collect();
        kinds.sort();
        kinds.dedup();
        out.push(
            Flag::new("secret.detected")
                .detail(kinds.join(", "))
                .attr("kinds", kinds)
                .attr("count", findings.len())
                .findings(findings),
        );
    }
}

struct Rule {
    kind: &'static str,
    re: Regex,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let defs: &[(&str, &str)] = &[
            ("github-pat", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
            ("github-fine-grained-pat", r"\bgithub_pat_[A-Za-z0-9_]{82}\b"),
            ("aws-access-key-id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b"),
            (
                "private-key",
                r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----|\z)",
            ),
        ];
        defs.iter()
            .filter_map(|(kind, re)| Regex::new(re).ok().map(|re| Rule { kind, re }))
            .collect()
    })
}

/// Finds secrets in `text`. Findings are sorted by start and may overlap.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    // Cheap gate before any regex is built: most tool output has none of these.
    if !(text.contains("gh")
        || text.contains("github_pat_")
        || text.contains("PRIVATE KEY")
        || text.contains('A'))
    {
        return out;
    }
    for rule in rules() {
        for m in rule.re.find_iter(text) {
            out.push(Finding {
                kind: rule.kind.to_string(),
                start: m.start(),
                end: m.end(),
                hash: crate::redact::short_hash(m.as_str()),
            });
        }
    }
    out.sort_by_key(|f| (f.start, f.end));
    out
}
