//! Observed exposure: what agents actually did, from the audit log and runtime transcripts.
//!
//! Every recorded tool call is rebuilt as an [`Event`] and run through the same signals the hook
//! uses, so "touched a secret file" means exactly what a rule's `paths_any = ["secret_file"]`
//! means. Transcripts are read by [`crate::transcript`], as replay reads them (Claude Code,
//! Codex, Gemini CLI); a file that cannot be read is a warning and the others still count. Commands are reduced to program and subcommand, hosts to host
//! names: no argument values, so no secret, reaches the report.

use super::{id_part, scrub};
use crate::event::{Boundary, Event, ToolKind};
use crate::signals::{self, Context};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Something seen, and how often.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Count {
    pub id: String,
    pub name: String,
    pub count: usize,
    /// For rules: the effect; for paths: the classes; for MCP: the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Observed {
    /// Files read (the audit log, transcripts).
    pub sources: Vec<String>,
    /// Audit records read.
    pub audit_records: usize,
    /// Tool calls found in transcripts.
    pub transcript_calls: usize,
    /// Actions blocked (ask, deny, terminate) in the audit log.
    pub blocked: usize,
    /// Tool outputs in which the hook found secrets.
    pub secret_outputs: usize,
    pub tools: Vec<Count>,
    pub commands: Vec<Count>,
    pub mcp_calls: Vec<Count>,
    pub rules_fired: Vec<Count>,
    /// Sensitive paths touched (secret files, keys, credentials), with the classes.
    pub sensitive_paths: Vec<Count>,
    pub hosts: Vec<Count>,
    #[serde(skip)]
    acc: Acc,
}

#[derive(Debug, Clone, Default)]
struct Acc {
    tools: BTreeMap<String, usize>,
    commands: BTreeMap<String, usize>,
    mcp: BTreeMap<String, usize>,
    rules: BTreeMap<String, (usize, BTreeSet<String>)>,
    paths: BTreeMap<String, (usize, BTreeSet<String>)>,
    hosts: BTreeMap<String, usize>,
}

/// Reads an audit log into `obs`. The file must exist; lines that do not parse are counted in
/// a warning.
pub fn add_audit(
    obs: &mut Observed,
    path: &Path,
    warnings: &mut Vec<String>,
) -> std::io::Result<()> {
    let (records, bad) = crate::audit::read_all(path)?;
    obs.sources.push(path.display().to_string());
    if bad > 0 {
        warnings.push(format!(
            "{}: {bad} line(s) are not audit records and were skipped",
            path.display()
        ));
    }
    for r in &records {
        obs.audit_records += 1;
        if r.decision.would_effect.blocks() {
            obs.blocked += 1;
        }
        for f in &r.decision.fired {
            let e = obs.acc.rules.entry(f.rule_id.clone()).or_default();
            e.0 += 1;
            e.1.insert(f.effect.to_string());
        }
        if r.event.boundary == Boundary::ToolOutput
            && r.findings.iter().any(|f| f.flag == "secret.detected")
        {
            obs.secret_outputs += 1;
        }
        // Count each action once: at its request.
        if r.event.boundary != Boundary::ToolRequest {
            continue;
        }
        let mut ev = Event::new(r.decision.runtime, r.event.boundary, &r.event.event_name);
        ev.cwd = r.event.cwd.clone();
        ev.tool = r.event.tool.clone();
        ev.tool_input = r.event.tool_input.clone();
        ev.command = r.event.command.clone();
        ev.paths = r.event.paths.clone();
        if let Some(u) = ev.tool_input.get("url").and_then(|v| v.as_str()) {
            ev.urls.push(u.to_string());
        }
        record_action(obs, &ev);
    }
    Ok(())
}

/// Reads every `.jsonl` / `.json` file under `dir` (or `dir` itself if it is a file).
pub fn add_transcripts(
    obs: &mut Observed,
    dir: &Path,
    warnings: &mut Vec<String>,
) -> std::io::Result<()> {
    let mut files = Vec::new();
    if dir.is_file() {
        files.push(dir.to_path_buf());
    } else {
        // Fails on a missing dir: that is the caller's clear error.
        std::fs::read_dir(dir)?;
        collect_files(dir, 0, &mut files);
    }
    files.sort();
    for f in files {
        match read_transcript(&f) {
            Ok(t) => {
                obs.sources.push(f.display().to_string());
                if t.bad_lines > 0 {
                    warnings.push(format!(
                        "{}: {} line(s) are not JSON and were skipped",
                        f.display(),
                        t.bad_lines
                    ));
                }
                for call in &t.calls {
                    obs.transcript_calls += 1;
                    record_action(obs, &call.event());
                }
            }
            Err(e) => warnings.push(format!(
                "{}: cannot read transcript ({e}); skipped",
                f.display()
            )),
        }
    }
    Ok(())
}

const MAX_TRANSCRIPT_FILES: usize = 2_000;
const MAX_TRANSCRIPT_BYTES: u64 = 64 * 1024 * 1024;

fn collect_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 8 || out.len() >= MAX_TRANSCRIPT_FILES {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect_files(&p, depth + 1, out);
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "jsonl" || x == "json") {
            out.push(p);
        }
        if out.len() >= MAX_TRANSCRIPT_FILES {
            return;
        }
    }
}

/// One transcript file, read through [`crate::transcript`]; a file too large to scan is skipped.
fn read_transcript(path: &Path) -> Result<crate::transcript::Transcript, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_TRANSCRIPT_BYTES {
        return Err(format!("larger than {MAX_TRANSCRIPT_BYTES} bytes"));
    }
    crate::transcript::read(path).map_err(|e| e.to_string())
}

/// Counts one tool call: tool, command, MCP call, sensitive paths, hosts.
fn record_action(obs: &mut Observed, ev: &Event) {
    let Some(tool) = &ev.tool else { return };
    *obs.acc.tools.entry(tool.name.clone()).or_insert(0) += 1;
    if tool.kind == ToolKind::Mcp {
        let key = format!(
            "{}/{}",
            tool.mcp_server.clone().unwrap_or_default(),
            tool.mcp_tool.clone().unwrap_or_default()
        );
        *obs.acc.mcp.entry(key).or_insert(0) += 1;
    }
    let ctx = context(&ev.cwd);
    let flags = signals::run(ev, &ctx);
    for f in &flags {
        if f.name == "shell.exec" {
            let program = f
                .attrs
                .get("program")
                .and_then(|p| p.as_str())
                .unwrap_or("");
            let sub = f
                .attrs
                .get("args")
                .and_then(|a| a.as_array())
                .and_then(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .find(|x| !x.starts_with('-'))
                })
                .filter(|s| {
                    s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                })
                .filter(|_| SUBCOMMAND_PROGRAMS.contains(&program))
                .unwrap_or("");
            let cmd = if sub.is_empty() {
                program.to_string()
            } else {
                format!("{program} {sub}")
            };
            if !cmd.is_empty() {
                *obs.acc.commands.entry(scrub(&cmd)).or_insert(0) += 1;
            }
        }
        for p in &f.paths {
            let sensitive: Vec<&String> = p
                .classes
                .iter()
                .filter(|c| {
                    crate::signals::paths::sensitive_classes(&p.resolved)
                        .iter()
                        .any(|s| s == *c)
                })
                .collect();
            if !sensitive.is_empty() {
                let e = obs.acc.paths.entry(scrub(&p.resolved)).or_default();
                e.0 += 1;
                e.1.extend(sensitive.into_iter().cloned());
                e.1.insert(f.name.clone());
            }
        }
    }
    // Hosts the signals report, and those in URLs of the command and tool input; each host
    // counts once per action.
    let mut hosts: BTreeSet<String> = flags.iter().flat_map(|f| f.hosts.iter().cloned()).collect();
    if let Some(c) = &ev.command {
        hosts.extend(hosts_in(c));
    }
    for u in &ev.urls {
        hosts.extend(hosts_in(u));
    }
    if tool.kind == ToolKind::Mcp {
        hosts.extend(hosts_in(&ev.tool_input.to_string()));
    }
    for h in hosts {
        *obs.acc.hosts.entry(h).or_insert(0) += 1;
    }
}

/// Programs whose first operand is a subcommand worth counting (`git push`, `terraform apply`);
/// for the rest the operand is data (a path, a URL, a variable name) and is not shown.
const SUBCOMMAND_PROGRAMS: &[&str] = &[
    "git",
    "terraform",
    "tofu",
    "terragrunt",
    "pulumi",
    "kubectl",
    "helm",
    "docker",
    "npm",
    "pnpm",
    "yarn",
    "cargo",
    "go",
    "gh",
    "aws",
    "gcloud",
    "az",
    "pip",
    "make",
    "psql",
    "systemctl",
];

fn context(cwd: &str) -> Context {
    let cwd = if cwd.is_empty() {
        PathBuf::from("/")
    } else {
        PathBuf::from(cwd)
    };
    Context {
        project_root: cwd.clone(),
        cwd,
        home: std::env::var_os("HOME").map(PathBuf::from),
        temp_dirs: vec![PathBuf::from("/tmp"), PathBuf::from("/var/tmp")],
    }
}

/// Host names of `http(s)://` URLs in a text (see [`crate::signals::egress::url_host`]).
pub fn hosts_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let at = from + i;
        let before = &text[..at];
        if before.ends_with("http") || before.ends_with("https") {
            out.extend(crate::signals::egress::url_host(&text[at..]));
        }
        from = at + 3;
    }
    out
}

impl Observed {
    /// Turns the tallies into the sorted lists the report shows.
    pub fn finish(&mut self) {
        let acc = std::mem::take(&mut self.acc);
        let simple = |m: BTreeMap<String, usize>, prefix: &str| -> Vec<Count> {
            let mut v: Vec<Count> = m
                .into_iter()
                .map(|(name, count)| Count {
                    id: format!("obs:{prefix}:{}", id_part(&name)),
                    name,
                    count,
                    detail: Vec::new(),
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
            v
        };
        let detailed =
            |m: BTreeMap<String, (usize, BTreeSet<String>)>, prefix: &str| -> Vec<Count> {
                let mut v: Vec<Count> = m
                    .into_iter()
                    .map(|(name, (count, d))| Count {
                        id: format!("obs:{prefix}:{}", id_part(&name)),
                        name,
                        count,
                        detail: d.into_iter().collect(),
                    })
                    .collect();
                v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
                v
            };
        self.tools = simple(acc.tools, "tool");
        self.commands = simple(acc.commands, "cmd");
        self.mcp_calls = simple(acc.mcp, "mcp");
        self.hosts = simple(acc.hosts, "host");
        self.rules_fired = detailed(acc.rules, "rule");
        self.sensitive_paths = detailed(acc.paths, "path");
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_text() {
        assert_eq!(
            hosts_in("curl -s https://user:pw@Example.com:8443/x && wget http://a.b/c"),
            vec!["example.com".to_string(), "a.b".to_string()]
        );
        assert!(hosts_in("ftp://x.y/").is_empty());
    }
}
