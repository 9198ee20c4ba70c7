//! Flags that combine facts from several signals, raised once every signal has run.
//!
//! `Event -> signals -> derived -> flags -> policy`. Each signal reads only the event and its
//! context, so signals can run side by side (see [`super::run`]); a flag that needs facts from
//! more than one of them is raised here, from the joined flags. Today that is `secret.egress`:
//! a secret (the secret signal's findings, or a secret in a fetched URL) travelling with a
//! network action (the shell signal's `net.*` flags or an egress program's `shell.exec`, a
//! fetched URL, or a written line that calls out).

use super::egress::{arg_host, url_host};
use super::secrets::{self, detected_flag, UNSCANNED};
use super::{Finding, Flag};
use crate::event::{Boundary, Event, ToolKind};
use serde_json::Value;

/// Appends the derived flags of `event` to `flags`, the joined flags of every signal.
pub fn derive(event: &Event, flags: &mut Vec<Flag>) {
    if let Some(f) = secret_egress(event, flags) {
        flags.push(f);
    }
}

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

/// `secret.egress`: at the tool-request boundary, a secret that leaves with the request.
fn secret_egress(event: &Event, flags: &[Flag]) -> Option<Flag> {
    if event.boundary != Boundary::ToolRequest {
        return None;
    }
    let findings: &[Finding] = flags
        .iter()
        .find(|f| f.name == "secret.detected")
        .map_or(&[], |f| f.findings.as_slice());
    // Secrets in fetched URLs (`?token=...`) leave with the request.
    let url_findings: Vec<Finding> = event.urls.iter().flat_map(|u| secrets::scan(u)).collect();
    let mut egress_hosts: Vec<String> = Vec::new();
    let mut egress = false;
    if !url_findings.is_empty() {
        egress = true;
        egress_hosts.extend(event.urls.iter().filter_map(|u| url_host(u)));
    }
    if findings.iter().any(|f| f.kind != UNSCANNED) {
        let text = event.boundary_text().unwrap_or("");
        let (is_egress, hosts) = match event.tool_kind() {
            Some(ToolKind::Shell) => shell_egress(flags, text),
            Some(k) if k.writes_files() => written_egress(text, findings),
            _ => (false, Vec::new()),
        };
        egress |= is_egress;
        egress_hosts.extend(hosts);
    }
    if !egress {
        return None;
    }
    let mut all = findings.to_vec();
    all.extend(url_findings);
    egress_hosts.sort();
    egress_hosts.dedup();
    if egress_hosts.is_empty() {
        // Unknown destination: never on an allowlist.
        egress_hosts.push("<unknown>".to_string());
    }
    let mut flag = detected_flag("secret.egress", &all).hosts(egress_hosts.clone());
    flag.detail = format!("{} to {}", flag.detail, egress_hosts.join(", "));
    Some(flag)
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
