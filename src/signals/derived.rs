//! Flags that combine facts from several signals, raised once every signal has run.
//!
//! `Event -> signals -> derived -> flags -> policy`. Each signal reads only the event and its
//! context, so signals can run side by side (see [`super::run`]); a flag that needs facts from
//! more than one of them is raised here, from the joined flags:
//! - `secret.egress`: a secret (the secret signal's findings, or a secret in a fetched URL;
//!   raised again when a policy's own detectors add findings, see `secrets::add_policy_findings`)
//!   travelling with a network action (the shell signal's `net.*` flags or an egress
//!   program's `shell.exec`, a fetched URL, or a written line that calls out);
//! - `file.persistence`: a write, from any signal, to a path that runs code or grants access
//!   later ([`paths::persistence_class`]), a crontab installed, a git hooks path changed, or
//!   a user service enabled.

use super::egress::{arg_host, url_host};
use super::paths;
use super::secrets::{self, detected_flag, UNSCANNED};
use super::{Finding, Flag, PathFact};
use crate::event::{Boundary, Event, ToolKind};
use serde_json::Value;

/// Appends the derived flags of `event` to `flags`, the joined flags of every signal.
pub fn derive(event: &Event, flags: &mut Vec<Flag>) {
    if let Some(f) = secret_egress(event, flags) {
        flags.push(f);
    }
    let persistence = persistence(flags);
    flags.extend(persistence);
}

/// Commands that install something run later: `(program, subcommands, class, where)`;
/// an empty subcommand list means any invocation but the read-only options.
const PERSISTENCE_COMMANDS: &[(&str, &[&str], &str, &str)] = &[
    ("crontab", &[], "autostart", "/var/spool/cron/crontabs"),
    (
        "systemctl",
        &["enable", "link", "reenable", "preset"],
        "autostart",
        "(systemd unit)",
    ),
    (
        "launchctl",
        &["load", "bootstrap", "enable", "submit"],
        "autostart",
        "(launchd job)",
    ),
];
/// Options of those commands that only read, list or remove.
const PERSISTENCE_READ_ONLY: &[&str] = &["-l", "-r", "-h", "--help", "-V", "--version", "list"];

/// `file.persistence` for every write to a persistence path that no such flag covers yet,
/// and for commands that install jobs, services or git hooks paths.
fn persistence(flags: &[Flag]) -> Vec<Flag> {
    let covered: Vec<&str> = flags
        .iter()
        .filter(|f| f.name == "file.persistence")
        .flat_map(|f| f.paths.iter().map(|p| p.resolved.as_str()))
        .collect();
    let mut out: Vec<Flag> = Vec::new();
    for f in flags {
        match f.name.as_str() {
            "file.write" => {
                let persistent: Vec<PathFact> = f
                    .paths
                    .iter()
                    .filter(|p| !covered.contains(&p.resolved.as_str()))
                    .filter_map(|p| {
                        // A directory written into (`cp x ~/.config/autostart/`) counts too.
                        let class = paths::persistence_class(&p.resolved)
                            .or_else(|| paths::persistence_class(&format!("{}/x", p.resolved)))?;
                        let mut p = p.clone();
                        p.classes.push(class.to_string());
                        Some(p)
                    })
                    .collect();
                if !persistent.is_empty() {
                    out.push(
                        Flag::new("file.persistence")
                            .detail(f.detail.clone())
                            .paths(persistent),
                    );
                }
            }
            "shell.exec" => out.extend(persistence_command(f)),
            _ => {}
        }
    }
    out
}

/// A crontab installed, a service enabled, a git hooks path set: persistence without a
/// file write the shell can see.
fn persistence_command(f: &Flag) -> Option<Flag> {
    let program = f.attrs.get("program").and_then(Value::as_str)?;
    let args: Vec<&str> = f
        .attrs
        .get("args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fact = |resolved: &str, class: &str| PathFact {
        real: None,
        raw: program.to_string(),
        resolved: resolved.to_string(),
        classes: vec![class.to_string()],
    };
    if program == "git" {
        // `git config [--global] core.hooksPath DIR`, `git -c core.hooksPath=DIR …`
        let sets = args.windows(2).any(|w| {
            w[0].eq_ignore_ascii_case("core.hookspath") && !w[1].starts_with('-')
                || w[0] == "-c" && w[1].to_ascii_lowercase().starts_with("core.hookspath=")
        });
        let reads = args
            .iter()
            .any(|a| a.starts_with("--get") || *a == "--unset" || *a == "-l");
        return (sets && !reads).then(|| {
            Flag::new("file.persistence")
                .detail(f.detail.clone())
                .paths(vec![fact("(git core.hooksPath)", "git_hook")])
        });
    }
    let (_, subs, class, place) = PERSISTENCE_COMMANDS.iter().find(|(p, ..)| *p == program)?;
    if args.iter().any(|a| PERSISTENCE_READ_ONLY.contains(a)) {
        return None;
    }
    let installs = if subs.is_empty() {
        // `crontab FILE`, `crontab -` (stdin), `crontab -u USER FILE`
        !args.is_empty() || f.detail.contains('|') || f.detail.contains('<')
    } else {
        args.iter().any(|a| subs.contains(a))
    };
    installs.then(|| {
        Flag::new("file.persistence")
            .detail(f.detail.clone())
            .paths(vec![fact(place, class)])
    })
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
pub(super) fn secret_egress(event: &Event, flags: &[Flag]) -> Option<Flag> {
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
