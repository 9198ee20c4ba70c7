//! Secret detection signal: finds credentials in the text a boundary carries.
//!
//! Pipeline: keyword prefilter ([`crate::keywords`]) -> per-kind regex (compiled on first use,
//! only for kinds whose keyword occurs) run on a bounded window around each keyword hit ->
//! value checks (placeholders, variable references, hashes, UUIDs, entropy, checksums). The
//! catalogue is in [`rules`] (one entry per detector, each with a fake example its test
//! expands and redacts); the `scan` module runs it, `generic` finds secret-like names assigned
//! random values or written-out passwords, `values` holds the value checks, and `words` the
//! word lists both read. Detectors a policy declares are built at run time by [`custom`] and
//! run beside the catalogue by [`scan_with`].
//!
//! Raises `secret.detected` with one [`Finding`] per secret (kind, byte span, keyed hash —
//! never the value) and attrs `kinds`, `count`; at the tool-request boundary, `secret.write`
//! when a file tool writes it. `secret.egress`, a secret travelling with a network action,
//! combines these findings with other signals' facts and is raised by
//! [`super::derived`]. Redaction lives in [`crate::redact`].
//!
//! Bounds: text up to [`MAX_SCAN_BYTES`] is scanned whole, in time linear in its size (each
//! keyword hit costs one window of at most a few KB per rule, and the total window work is
//! capped). Anything beyond the bound, or beyond the work cap, is reported as one
//! `unscanned-output` finding covering the rest, so redaction withholds it rather than passing a
//! secret it did not look at.

pub mod custom;
mod generic;
pub mod rules;
mod scan;
mod values;
mod words;

use super::{Context, Finding, Flag, Signal};
use crate::event::{Boundary, Event, ToolKind};
use rules::RULES;
use scan::{floor_boundary, scan_into};
/// Base64 (and base64url) decoding, which the shell signal uses for encoded PowerShell.
pub use values::b64decode;

pub const FLAGS: &[&str] = &["secret.detected", "secret.egress", "secret.write"];

/// Text beyond this many bytes is not scanned: it is withheld as `unscanned-output`.
pub const MAX_SCAN_BYTES: usize = 16 * 1024 * 1024;

/// The finding kind that covers text that was not scanned.
pub const UNSCANNED: &str = "unscanned-output";

/// Longest span a single rule can match; the withheld tail starts this far before the cut so
/// a secret straddling it is never left half-visible.
pub(super) const MAX_SPAN: usize = 17 * 1024;

pub struct SecretSignal;

impl Signal for SecretSignal {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn applies(&self, event: &Event) -> bool {
        event.scan_texts().iter().any(|t| !t.is_empty())
            || (event.boundary == Boundary::ToolRequest && !event.urls.is_empty())
    }

    fn inspect(&self, event: &Event, ctx: &Context, out: &mut Vec<Flag>) {
        let findings: Vec<Finding> = event.scan_texts().iter().flat_map(|t| scan(t)).collect();
        if !findings.is_empty() {
            out.push(detected_flag("secret.detected", &findings));
        }
        if event.boundary != Boundary::ToolRequest || !findings.iter().any(|f| f.kind != UNSCANNED)
        {
            return;
        }
        if event.tool_kind().is_some_and(ToolKind::writes_files) {
            let facts: Vec<super::PathFact> = event
                .paths
                .iter()
                .map(|p| super::paths::fact(p, ctx))
                .collect();
            let mut flag = detected_flag("secret.write", &findings).paths(facts);
            flag.detail = format!("{} into {}", flag.detail, event.paths.join(" "));
            out.push(flag);
        }
    }
}

/// Adds what a policy's own `detectors` find in the event's texts to the flags of this
/// signal (`secret.detected`, and `secret.write` when a file tool writes it), as if the
/// catalogue had found it: the policy is known only after the signals ran. Returns the names
/// of the flags this raised that were not raised before.
pub fn add_policy_findings(
    event: &Event,
    ctx: &Context,
    detectors: &custom::Detectors,
    flags: &mut Vec<Flag>,
) -> Vec<&'static str> {
    let mut raised = Vec::new();
    if detectors.is_empty() {
        return raised;
    }
    let found: Vec<Finding> = event
        .scan_texts()
        .iter()
        .flat_map(|t| detectors.scan(t))
        .collect();
    if found.is_empty() {
        return raised;
    }
    let writes = event.boundary == Boundary::ToolRequest
        && event.tool_kind().is_some_and(ToolKind::writes_files);
    for name in ["secret.detected", "secret.write"] {
        if name == "secret.write" && !writes {
            continue;
        }
        let at = flags.iter().position(|f| f.name == name);
        let mut findings = at.map(|i| flags[i].findings.clone()).unwrap_or_default();
        findings.extend(found.iter().cloned());
        findings.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
        findings.dedup();
        drop_shadowed(&mut findings);
        let mut flag = detected_flag(name, &findings);
        if name == "secret.write" {
            let facts: Vec<super::PathFact> = event
                .paths
                .iter()
                .map(|p| super::paths::fact(p, ctx))
                .collect();
            flag = flag.paths(facts);
            flag.detail = format!("{} into {}", flag.detail, event.paths.join(" "));
        }
        match at {
            Some(i) => flags[i] = flag,
            None => {
                flags.push(flag);
                raised.push(name);
            }
        }
    }
    // The policy's own secrets leave with a request as the catalogue's do.
    if let Some(flag) = super::derived::secret_egress(event, flags) {
        match flags.iter().position(|f| f.name == flag.name) {
            Some(i) => flags[i] = flag,
            None => {
                flags.push(flag);
                raised.push("secret.egress");
            }
        }
    }
    raised
}

pub(super) fn detected_flag(name: &str, findings: &[Finding]) -> Flag {
    let mut kinds: Vec<String> = findings.iter().map(|f| f.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    Flag::new(name)
        .detail(kinds.join(", "))
        .attr("kinds", kinds)
        .attr("count", findings.len())
        .findings(findings.to_vec())
}

/// The kinds this scanner can report (every rule's kind, once).
pub fn kinds() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = RULES.iter().map(|r| r.kind).collect();
    v.extend(["openssh-private-key", "pgp-private-key", UNSCANNED]);
    v.sort();
    v.dedup();
    v
}

/// Finds secrets in `text`. Findings are sorted by start and may overlap.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if text.len() < 8 {
        return out;
    }
    let limit = floor_boundary(text, text.len().min(MAX_SCAN_BYTES));
    let head = &text[..limit];
    let budget = head.len().saturating_mul(8) + (4 << 20);
    let unscanned_from = scan_into(head, budget, &mut out);
    let withheld_from = match unscanned_from {
        Some(p) => Some(p),
        None if limit < text.len() => Some(limit.saturating_sub(MAX_SPAN)),
        None => None,
    };
    if let Some(from) = withheld_from {
        let from = floor_boundary(text, from);
        out.retain(|f| f.start < from);
        out.push(Finding {
            kind: UNSCANNED.to_string(),
            start: from,
            end: text.len(),
            hash: String::new(),
        });
    }
    out.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.kind == b.kind);
    drop_shadowed(&mut out);
    out
}

/// Finds secrets in `text` with the catalogue and with run-time `detectors` (a policy's own,
/// see [`custom`]); findings sorted by start.
pub fn scan_with(text: &str, detectors: &custom::Detectors) -> Vec<Finding> {
    let mut out = scan(text);
    if detectors.is_empty() {
        return out;
    }
    let unscanned = out.iter().find(|f| f.kind == UNSCANNED).map(|f| f.start);
    out.extend(
        detectors
            .scan(text)
            .into_iter()
            .filter(|f| unscanned.is_none_or(|u| f.start < u)),
    );
    out.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
    out
}

/// Generic findings fully inside a specific one add nothing but noise: dropped.
pub fn drop_shadowed(out: &mut Vec<Finding>) {
    const WEAK: &[&str] = &["generic-secret", "authorization-header", "url-credentials"];
    if out.len() < 2 {
        return;
    }
    let strong: Vec<(usize, usize)> = out
        .iter()
        .filter(|f| !WEAK.contains(&f.kind.as_str()))
        .map(|f| (f.start, f.end))
        .collect();
    out.retain(|f| {
        !WEAK.contains(&f.kind.as_str()) || !strong.iter().any(|&(s, e)| s <= f.start && f.end <= e)
    });
}

#[cfg(test)]
mod tests;
