//! `hookwarden evaluate` (build-time review of a repo's agents) and `hookwarden policy draft`
//! (a candidate policy from an evaluation).

use anyhow::{Context as _, Result};
use clap::Args;
use hookwarden::evaluate::draft;
use hookwarden::evaluate::{self, exposure::Category, Evaluation};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Args)]
pub struct EvaluateArgs {
    /// Repository to evaluate (default: the repo containing the current dir).
    #[arg(long)]
    repo: Option<PathBuf>,
    /// An audit log to read observed actions from.
    #[arg(long)]
    audit: Option<PathBuf>,
    /// A dir (or file) of runtime transcripts (JSONL) to read tool calls from.
    #[arg(long)]
    transcripts: Option<PathBuf>,
    /// Print the evaluation as JSON (the input of `policy draft`).
    #[arg(long)]
    json: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Skip user-level configs (`~/.claude`, `~/.codex`, ...).
    #[arg(long)]
    no_user: bool,
}

pub fn run(a: EvaluateArgs) -> Result<i32> {
    let repo = match a.repo {
        Some(r) => r,
        None => {
            let cwd = std::env::current_dir()?;
            hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd)
        }
    };
    let home = if a.no_user {
        None
    } else {
        std::env::var_os("HOME").map(PathBuf::from)
    };
    let codex_home = if a.no_user {
        None
    } else {
        std::env::var_os("CODEX_HOME").map(PathBuf::from)
    };
    let opts = evaluate::Options {
        repo,
        home,
        codex_home,
        audit: a.audit,
        transcripts: a.transcripts,
        limits: Default::default(),
    };
    let ev = evaluate::evaluate(&opts)?;
    let text = if a.json {
        let mut s = serde_json::to_string_pretty(&ev)?;
        s.push('\n');
        s
    } else {
        render_text(&ev)
    };
    let to_file = a.output.is_some();
    match a.output {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "evaluation written to {} ({} priorities, {} warnings)",
                path.display(),
                ev.priorities.len(),
                ev.warnings.len()
            );
        }
        None => print!("{text}"),
    }
    // The text report lists warnings itself; JSON and file output get them on stderr.
    if a.json || to_file {
        for w in &ev.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(0)
}

fn labels(l: &[evaluate::Capability]) -> String {
    l.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

/// The human-readable report. Stable order, no timestamps, so two runs diff cleanly.
pub fn render_text(ev: &Evaluation) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "hookwarden evaluation of {}", ev.repo);
    let _ = writeln!(o, "(schema {}, {})", ev.schema_version, ev.generator);

    let _ = writeln!(o, "\n== Runtimes");
    if ev.inventory.runtimes.is_empty() {
        let _ = writeln!(o, "  no agent runtime configured");
    }
    for r in &ev.inventory.runtimes {
        let _ = writeln!(
            o,
            "  {} ({}): hookwarden {}   [{}]",
            r.runtime,
            r.scope,
            if r.hookwarden_wired {
                "wired"
            } else {
                "NOT WIRED"
            },
            r.id
        );
        let _ = writeln!(o, "    config: {}", r.config_files.join(", "));
        if !r.hook_events.is_empty() {
            let _ = writeln!(o, "    hooks on: {}", r.hook_events.join(", "));
        }
        if !r.permissions.is_empty() {
            let _ = writeln!(o, "    permissions: {}", r.permissions.join("; "));
        }
        if !r.permissive.is_empty() {
            let _ = writeln!(o, "    permissive: {}", r.permissive.join("; "));
        }
        for t in &r.builtin_tools {
            let _ = writeln!(o, "    tool {:<20} {}", t.name, labels(&t.labels));
        }
    }

    let _ = writeln!(o, "\n== MCP servers");
    if ev.inventory.mcp_servers.is_empty() {
        let _ = writeln!(o, "  none declared");
    }
    for s in &ev.inventory.mcp_servers {
        let _ = writeln!(
            o,
            "  {} ({}, {})   [{}]",
            s.name,
            s.transport,
            s.runtimes.join(", "),
            s.id
        );
        if let Some(c) = &s.command {
            let _ = writeln!(o, "    command: {c}");
        }
        if let Some(u) = &s.url {
            let _ = writeln!(o, "    url: {u}");
        }
        let _ = writeln!(o, "    declared in: {}", s.declared_in.join(", "));
        let _ = writeln!(
            o,
            "    labels: {}",
            if s.labels.is_empty() {
                "unknown".to_string()
            } else {
                labels(&s.labels)
            }
        );
        if !s.tools.is_empty() {
            let _ = writeln!(o, "    tools: {}", s.tools.join(", "));
        }
        if !s.auto_approved.is_empty() {
            let _ = writeln!(o, "    runs without asking: {}", s.auto_approved.join(", "));
        }
        if !s.env_keys.is_empty() {
            let _ = writeln!(o, "    env/headers (keys only): {}", s.env_keys.join(", "));
        }
        if !s.inline_credentials.is_empty() {
            let _ = writeln!(
                o,
                "    CREDENTIAL WRITTEN INLINE: {}",
                s.inline_credentials.join(", ")
            );
        }
    }

    let x = &ev.exposure;
    let _ = writeln!(
        o,
        "\n== Static exposure ({} files seen, {} bytes scanned{})",
        x.files_seen,
        x.bytes_scanned,
        if x.truncated {
            ", PARTIAL: a walk cap was hit"
        } else {
            ""
        }
    );
    for c in Category::ALL {
        let items: Vec<_> = x.of(c).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(o, "  {} ({})", c.title(), items.len());
        for i in items.iter().take(25) {
            let mut line = format!("    {}", i.path);
            let classes: Vec<&String> = i.classes.iter().filter(|c| *c != "secret_file").collect();
            if !classes.is_empty() {
                let _ = write!(
                    line,
                    "  [{}]",
                    classes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if !i.secret_kinds.is_empty() {
                let kinds: Vec<String> = i
                    .secret_kinds
                    .iter()
                    .map(|(k, n)| format!("{k} x{n}"))
                    .collect();
                let _ = write!(line, "  secrets: {}", kinds.join(", "));
            }
            let _ = writeln!(o, "{line}");
        }
        if items.len() > 25 {
            let _ = writeln!(o, "    ... and {} more (see --json)", items.len() - 25);
        }
    }
    if x.items.is_empty() {
        let _ = writeln!(o, "  nothing sensitive found");
    }

    let ob = &ev.observed;
    let _ = writeln!(o, "\n== Observed");
    if ob.is_empty() {
        let _ = writeln!(
            o,
            "  no audit log or transcripts given (--audit, --transcripts)"
        );
    } else {
        let _ = writeln!(
            o,
            "  {} audit record(s), {} transcript tool call(s), {} blocked, {} tool output(s) with secrets",
            ob.audit_records, ob.transcript_calls, ob.blocked, ob.secret_outputs
        );
        let _ = writeln!(o, "  sources: {}", ob.sources.join(", "));
        let list = |o: &mut String, title: &str, v: &[evaluate::observed::Count]| {
            if v.is_empty() {
                return;
            }
            let items: Vec<String> = v
                .iter()
                .take(15)
                .map(|c| {
                    if c.detail.is_empty() {
                        format!("{} x{}", c.name, c.count)
                    } else {
                        format!("{} x{} ({})", c.name, c.count, c.detail.join(", "))
                    }
                })
                .collect();
            let _ = writeln!(o, "  {title}:");
            for i in items {
                let _ = writeln!(o, "    {i}");
            }
        };
        list(&mut o, "tools", &ob.tools);
        list(&mut o, "commands", &ob.commands);
        list(&mut o, "MCP calls", &ob.mcp_calls);
        list(&mut o, "rules fired", &ob.rules_fired);
        list(&mut o, "sensitive paths touched", &ob.sensitive_paths);
        list(&mut o, "hosts contacted", &ob.hosts);
    }

    let _ = writeln!(o, "\n== Remediation priorities");
    if ev.priorities.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for p in &ev.priorities {
        let _ = writeln!(o, "  {}. [{}] {}", p.rank, p.severity, p.title);
        let _ = writeln!(o, "     evidence: {}", p.evidence.join(", "));
        let _ = writeln!(o, "     action: {}", p.action);
    }
    if !ev.warnings.is_empty() {
        let _ = writeln!(
            o,
            "\n== Warnings (the report is partial where these say so)"
        );
        for w in &ev.warnings {
            let _ = writeln!(o, "  {w}");
        }
    }
    o
}

#[derive(Args)]
pub struct DraftArgs {
    /// An evaluation written by `hookwarden evaluate --json -o FILE`.
    #[arg(long)]
    pub evaluation: Option<PathBuf>,
    /// Risk class of the use case: sets what is ask and what is deny.
    #[arg(long, default_value = "medium")]
    risk: String,
    /// An org preset (TOML) overriding effects per control family.
    #[arg(long)]
    preset: Option<PathBuf>,
    /// The use-case context (TOML): expected behaviour, sensitive data, trusted destinations,
    /// business exceptions.
    #[arg(long)]
    context: Option<PathBuf>,
    /// Write the draft here instead of stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

pub fn run_draft(a: DraftArgs) -> Result<i32> {
    let risk = draft::RiskClass::parse(&a.risk)
        .ok_or_else(|| anyhow::anyhow!("--risk must be low, medium or high, not `{}`", a.risk))?;
    let Some(path) = &a.evaluation else {
        anyhow::bail!(
            "`policy draft` needs a subcommand (new, clone, delete) or --evaluation FILE"
        );
    };
    let ev = evaluate::load(path)?;
    let preset = match &a.preset {
        Some(p) => Some(draft::Preset::load(p)?),
        None => None,
    };
    let context = match &a.context {
        Some(p) => Some(draft::UseCase::load(p)?),
        None => None,
    };
    let input = draft::DraftInput {
        evaluation: &ev,
        evaluation_path: path.display().to_string(),
        risk,
        preset: preset.as_ref(),
        context: context.as_ref(),
        context_path: a.context.as_ref().map(|p| p.display().to_string()),
    };
    let out = draft::generate(&input)?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, &out.text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "draft written to {}: {} control(s), {} test(s); next: review it, then `hookwarden policy test {}`",
                path.display(),
                out.controls,
                out.tests,
                path.display()
            );
        }
        None => print!("{}", out.text),
    }
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    Ok(0)
}
