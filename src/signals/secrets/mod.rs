//! Secret detection signal: finds credentials in the text a boundary carries.
//!
//! Pipeline: keyword prefilter ([`crate::keywords`]) -> per-kind regex (compiled on first use,
//! only for kinds whose keyword occurs) run on a bounded window around each keyword hit ->
//! value checks (placeholders, variable references, hashes, UUIDs, entropy). The catalogue is
//! in [`rules`]; the `scan` module runs it, `generic` finds secret-like names assigned random values,
//! `values` holds the value checks, and `words` the word lists both read.
//!
//! Raises `secret.detected` with one [`Finding`] per secret (kind, byte span, salted hash —
//! never the value) and attrs `kinds`, `count`. At the tool-request boundary it also raises
//! `secret.egress` when the secret travels with a network action (a `net.upload`/`net.download`
//! or egress-program `shell.exec` flag of the same command, a fetched URL, or a written line that
//! calls out), and `secret.write` when a file tool writes it. Redaction lives in [`crate::redact`].
//!
//! Bounds: text up to [`MAX_SCAN_BYTES`] is scanned whole, in time linear in its size (each
//! keyword hit costs one window of at most a few KB per rule, and the total window work is
//! capped). Anything beyond the bound, or beyond the work cap, is reported as one
//! `unscanned-output` finding covering the rest, so redaction withholds it rather than passing a
//! secret it did not look at.

mod generic;
pub mod rules;
mod scan;
mod values;
mod words;

use super::{Context, Finding, Flag, Signal};
use crate::event::{Boundary, Event, ToolKind};
use rules::RULES;
use scan::{floor_boundary, scan_into};
use serde_json::Value;

pub const FLAGS: &[&str] = &["secret.detected", "secret.egress", "secret.write"];

/// Text beyond this many bytes is not scanned: it is withheld as `unscanned-output`.
pub const MAX_SCAN_BYTES: usize = 16 * 1024 * 1024;

/// The finding kind that covers text that was not scanned.
pub const UNSCANNED: &str = "unscanned-output";

/// Longest span a single rule can match; the withheld tail starts this far before the cut so
/// a secret straddling it is never left half-visible.
pub(super) const MAX_SPAN: usize = 17 * 1024;

/// Programs that send data over the network (or fetch with credentials).
const EGRESS_PROGRAMS: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "httpie",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "scp",
    "sftp",
    "rsync",
    "ftp",
    "ssh",
    "aws",
    "gsutil",
    "gcloud",
    "az",
    "gh",
    "git",
    "docker",
    "podman",
    "npm",
    "twine",
    "openssl",
    "mail",
    "sendmail",
    "mutt",
    "s3cmd",
    "rclone",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "iwr",
    "irm",
];

pub struct SecretSignal;

impl Signal for SecretSignal {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn applies(&self, event: &Event) -> bool {
        event.boundary_text().is_some_and(|t| !t.is_empty())
            || (event.boundary == Boundary::ToolRequest && !event.urls.is_empty())
    }

    fn inspect(&self, event: &Event, _ctx: &Context, out: &mut Vec<Flag>) {
        let text = event.boundary_text().unwrap_or("");
        let findings = scan(text);
        if !findings.is_empty() {
            out.push(detected_flag("secret.detected", &findings));
        }
        if event.boundary != Boundary::ToolRequest {
            return;
        }
        // Secrets in fetched URLs (`?token=...`) leave with the request.
        let url_findings: Vec<Finding> = event.urls.iter().flat_map(|u| scan(u)).collect();
        let mut egress_hosts: Vec<String> = Vec::new();
        let mut egress = false;
        if !url_findings.is_empty() {
            egress = true;
            egress_hosts.extend(event.urls.iter().filter_map(|u| url_host(u)));
        }
        let secret_findings: Vec<&Finding> =
            findings.iter().filter(|f| f.kind != UNSCANNED).collect();
        if !secret_findings.is_empty() {
            match event.tool_kind() {
                Some(ToolKind::Shell) => {
                    let (is_egress, hosts) = shell_egress(out, text);
                    egress |= is_egress;
                    egress_hosts.extend(hosts);
                }
                Some(k) if k.writes_files() => {
                    let (is_egress, hosts) = written_egress(text, &findings);
                    egress |= is_egress;
                    egress_hosts.extend(hosts);
                    let facts: Vec<super::PathFact> = event
                        .paths
                        .iter()
                        .map(|p| super::paths::fact(p, _ctx))
                        .collect();
                    let mut flag = detected_flag("secret.write", &findings).paths(facts);
                    flag.detail = format!("{} into {}", flag.detail, event.paths.join(" "));
                    out.push(flag);
                }
                _ => {}
            }
        }
        if egress {
            let mut all = findings.clone();
            all.extend(url_findings);
            egress_hosts.sort();
            egress_hosts.dedup();
            if egress_hosts.is_empty() {
                // Unknown destination: never on an allowlist.
                egress_hosts.push("<unknown>".to_string());
            }
            let mut flag = detected_flag("secret.egress", &all).hosts(egress_hosts.clone());
            flag.detail = format!("{} to {}", flag.detail, egress_hosts.join(", "));
            out.push(flag);
        }
    }
}

fn detected_flag(name: &str, findings: &[Finding]) -> Flag {
    let mut kinds: Vec<String> = findings.iter().map(|f| f.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    Flag::new(name)
        .detail(kinds.join(", "))
        .attr("kinds", kinds)
        .attr("count", findings.len())
        .findings(findings.to_vec())
}

/// Whether the command's own flags say it talks to the network, and to which hosts.
fn shell_egress(flags: &[Flag], command: &str) -> (bool, Vec<String>) {
    let mut egress = false;
    let mut hosts = Vec::new();
    for f in flags {
        match f.name.as_str() {
            "net.upload" | "net.download" | "net.connect" | "net.egress" => {
                egress = true;
                hosts.extend(f.hosts.iter().cloned());
            }
            "shell.exec" => {
                let program = f
                    .attrs
                    .get("program")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                if EGRESS_PROGRAMS.contains(&program) {
                    egress = true;
                    let args = f.attrs.get("args").and_then(|a| a.as_array());
                    for a in args.into_iter().flatten().filter_map(Value::as_str) {
                        hosts.extend(arg_host(a));
                    }
                }
            }
            _ => {}
        }
    }
    if egress && hosts.is_empty() {
        hosts.extend(command.split_whitespace().filter_map(arg_host));
    }
    (egress, hosts)
}

/// Written content that calls out with a secret on the same line (`curl -H "... <token>" url`).
fn written_egress(text: &str, findings: &[Finding]) -> (bool, Vec<String>) {
    let mut egress = false;
    let mut hosts = Vec::new();
    for f in findings {
        let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[f.end..].find('\n').map_or(text.len(), |i| f.end + i);
        let line = &text[line_start..line_end];
        let calls_out = line
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(|w| {
                EGRESS_PROGRAMS.contains(&w)
                    || matches!(w, "fetch" | "requests" | "urlopen" | "axios")
            });
        let line_hosts: Vec<String> = line
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '(' || c == ')')
            .filter_map(url_host)
            .collect();
        if calls_out && !line_hosts.is_empty() {
            egress = true;
            hosts.extend(line_hosts);
        }
    }
    (egress, hosts)
}

/// The host of a URL-like or `user@host:` argument.
fn arg_host(arg: &str) -> Option<String> {
    let arg = arg.trim_matches(|c| c == '"' || c == '\'');
    if arg.contains("://") {
        return url_host(arg);
    }
    // scp/rsync/ssh style `user@host:path` or `host:path`.
    if arg.starts_with('-') || arg.starts_with('/') || arg.starts_with('.') {
        return None;
    }
    let (head, _) = arg.split_once(':')?;
    let host = head.rsplit('@').next()?;
    let looks_like_host = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    looks_like_host.then(|| host.to_ascii_lowercase())
}

/// The host part of a URL.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
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

/// Generic findings fully inside a specific one add nothing but noise.
fn drop_shadowed(out: &mut Vec<Finding>) {
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
