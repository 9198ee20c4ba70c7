//! `hookwarden audit`: the monitor view of the audit log — what fired, where, on what input
//! (masked), with what effect; `--summary` counts by rule and effect; `audit verify` checks
//! the log's hash chain and names the first broken link. `audit export` writes the log for
//! other systems (OTLP/JSON, JSON Lines, CSV); `audit report` writes an HTML page.

use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use hookwarden::audit::AuditRecord;
use hookwarden::export::{for_each_selected, Brief, Filter};
use hookwarden::replay;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

mod export;
mod report;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Write decisions for other systems: OTLP/JSON log requests, JSON Lines or CSV.
    Export(export::ExportArgs),
    /// Write one self-contained HTML page of what fires.
    Report(report::ReportArgs),
    /// Check the log's hash chain: report the first deleted, edited, reordered or cut line.
    Verify {
        /// The audit log (default: the configured one).
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// Which decisions a view shows; the same flags on every view.
#[derive(Args, Clone, Default)]
pub struct FilterArgs {
    /// Only decisions at or after this time: a duration back from now (`30m`, `1h`, `7d`) or a
    /// time (`2026-01-31T18:00:00Z`, `2026-01-31`).
    #[arg(long)]
    since: Option<String>,
    /// Only decisions at or before this time (same forms as --since).
    #[arg(long)]
    until: Option<String>,
    /// Only decisions of this runtime (claude, codex, gemini, ...).
    #[arg(long)]
    runtime: Option<String>,
    /// Only decisions where this rule fired (glob: `secrets.*`).
    #[arg(long)]
    rule: Option<String>,
    /// Only decisions with this effect given to the runtime (allow, alert, redact, ask, deny,
    /// terminate) — or that an audit-only rule would have given.
    #[arg(long)]
    effect: Option<String>,
    /// Only this session.
    #[arg(long)]
    session: Option<String>,
    /// Only decisions made for this user (the `user` the decision was evaluated with).
    #[arg(long)]
    user: Option<String>,
}

impl FilterArgs {
    /// The filter; `all` keeps decisions where no rule fired.
    pub fn filter(&self, all: bool) -> Result<Filter> {
        let effect = match &self.effect {
            Some(e) => Some(hookwarden::decision::Effect::parse(e).ok_or_else(|| {
                anyhow!("--effect `{e}`: expected allow, alert, redact, ask, deny or terminate")
            })?),
            None => None,
        };
        let runtime = match &self.runtime {
            Some(r) => Some(
                hookwarden::runtime::parse_name(r)
                    .map_err(|e| anyhow!("--runtime: {e}"))?
                    .kind
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        Ok(Filter {
            window: export::window(self.since.as_deref(), self.until.as_deref())?,
            runtime,
            rule: self.rule.clone(),
            effect,
            session: self.session.clone(),
            user: self.user.clone(),
            all,
        })
    }
}

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Include decisions where no rule fired.
    #[arg(long)]
    all: bool,
    /// JSON: one record per line as stored, or the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Counts by effect, runtime and rule instead of entries.
    #[arg(long)]
    summary: bool,
    /// An audit log to read; repeat for several (default: the configured log and its rotated
    /// files).
    #[arg(long)]
    file: Vec<PathBuf>,
}

/// The files a view reads: the ones named, else the configured log and its rotated files,
/// oldest first.
pub(crate) fn view_files(files: &[PathBuf]) -> (Vec<PathBuf>, PathBuf) {
    if files.is_empty() {
        let p = hookwarden::dirs::audit_path();
        (hookwarden::audit::log_files(&p), p)
    } else {
        (files.to_vec(), files[0].clone())
    }
}

pub fn run(mut a: AuditArgs) -> Result<i32> {
    match a.command.take() {
        Some(AuditCommand::Export(e)) => return export::run(e),
        Some(AuditCommand::Report(r)) => return report::run(r),
        Some(AuditCommand::Verify { file }) => return verify(file),
        None => {}
    }
    let filter = a.filter.filter(a.all)?;
    let (files, path) = view_files(&a.file);
    if files.is_empty() {
        println!("no audit log at {} yet", path.display());
        return Ok(0);
    }
    for f in &files {
        if !f.is_file() {
            anyhow::bail!("no audit log at {}", f.display());
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut shown = 0usize;
    let mut counts = Summary::default();
    let result = for_each_selected(&files, &filter, |b, line| {
        shown += 1;
        if a.summary {
            counts.add(b);
            Ok(())
        } else if a.json {
            writeln!(out, "{line}")
        } else {
            match serde_json::from_str::<AuditRecord>(line) {
                Ok(r) => writeln!(out, "{}", entry(&r)),
                Err(_) => Ok(()),
            }
        }
    });
    let bad = match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
        r => r.with_context(|| format!("cannot read {}", path.display()))?,
    };
    if a.summary {
        counts.unreadable = bad;
        if a.json {
            writeln!(out, "{}", serde_json::to_string(&counts.to_json())?)?;
        } else {
            counts.print(&mut out)?;
        }
    } else if shown == 0 && !a.json {
        writeln!(out, "no matching decisions in {}", path.display())?;
    }
    out.flush()?;
    if bad > 0 {
        eprintln!(
            "hookwarden: {bad} line(s) of {} could not be read",
            path.display()
        );
    }
    Ok(0)
}

/// One line per decision: time, effect, rules, runtime, session, boundary, input, version.
fn entry(r: &AuditRecord) -> String {
    let d = &r.decision;
    let effect = if d.would_effect != d.effect {
        format!("{} (would {})", d.effect, d.would_effect)
    } else {
        d.effect.to_string()
    };
    let ev = replay::event_from_record(r);
    let rules = if d.rule_ids.is_empty() {
        "-".to_string()
    } else {
        d.rule_ids.join(",")
    };
    format!(
        "{}  {:<20} {:<28} {:<7} {:<20} {:<14} {}  [policy {}]",
        d.timestamp,
        effect,
        rules,
        d.runtime.as_str(),
        if d.session_id.is_empty() {
            "-"
        } else {
            &d.session_id
        },
        d.boundary.as_str(),
        replay::describe_input(&ev),
        if d.policy_version.is_empty() {
            "-"
        } else {
            &d.policy_version
        }
    )
}

#[derive(Default)]
struct RuleCounts {
    total: usize,
    by_effect: BTreeMap<String, usize>,
    audit_only: usize,
    sessions: BTreeSet<String>,
}

/// `--summary`: counts by effect given, by runtime, and per rule.
#[derive(Default)]
struct Summary {
    decisions: usize,
    by_effect: BTreeMap<String, usize>,
    by_runtime: BTreeMap<String, usize>,
    by_rule: BTreeMap<String, RuleCounts>,
    unreadable: usize,
}

impl Summary {
    fn add(&mut self, b: &Brief<'_>) {
        self.decisions += 1;
        *self.by_effect.entry(b.effect.to_string()).or_default() += 1;
        *self.by_runtime.entry(b.runtime.to_string()).or_default() += 1;
        for f in &b.fired {
            let c = self.by_rule.entry(f.rule_id.to_string()).or_default();
            c.total += 1;
            *c.by_effect.entry(f.effect.to_string()).or_default() += 1;
            if f.mode == hookwarden::decision::Mode::Audit {
                c.audit_only += 1;
            }
            if !c.sessions.contains(b.session_id.as_ref()) {
                c.sessions.insert(b.session_id.to_string());
            }
        }
    }

    /// Rules, most fired first.
    fn rows(&self) -> Vec<(&String, &RuleCounts)> {
        let mut rows: Vec<(&String, &RuleCounts)> = self.by_rule.iter().collect();
        rows.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
        rows
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "decisions": self.decisions,
            "by_effect": self.by_effect,
            "by_runtime": self.by_runtime,
            "rules": self.rows().iter().map(|(rule, c)| serde_json::json!({
                "rule": rule,
                "fired": c.total,
                "audit_only": c.audit_only,
                "sessions": c.sessions.len(),
                "effects": c.by_effect,
            })).collect::<Vec<_>>(),
            "unreadable": self.unreadable,
        })
    }

    fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        let list = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(e, n)| format!("{e} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "{} decision(s)", self.decisions)?;
        writeln!(out, "by effect given: {}", list(&self.by_effect))?;
        writeln!(out, "by runtime: {}", list(&self.by_runtime))?;
        if self.by_rule.is_empty() {
            return writeln!(out, "no rule fired");
        }
        writeln!(
            out,
            "{:<32} {:>6} {:>10} {:>8}  effects",
            "rule", "fired", "audit-only", "sessions"
        )?;
        for (rule, c) in self.rows() {
            writeln!(
                out,
                "{:<32} {:>6} {:>10} {:>8}  {}",
                rule,
                c.total,
                c.audit_only,
                c.sessions.len(),
                list(&c.by_effect)
            )?;
        }
        Ok(())
    }
}

/// `audit verify`: exit 0 when every link holds (and the end matches the recorded head), 1 at
/// the first broken link.
fn verify(file: Option<PathBuf>) -> Result<i32> {
    use hookwarden::audit::HeadCheck;
    let path = file.unwrap_or_else(hookwarden::dirs::audit_path);
    if hookwarden::audit::log_files(&path).is_empty() {
        println!("no audit log at {} yet", path.display());
        return Ok(0);
    }
    let head_path = hookwarden::dirs::audit_head_path(&path);
    let head = head_path.as_deref().and_then(hookwarden::audit::read_head);
    let retention = head_path
        .as_deref()
        .and_then(hookwarden::audit::read_retention);
    let v = hookwarden::audit::verify_rotated(&path, head.as_ref(), retention.as_ref())
        .with_context(|| format!("cannot read {}", path.display()))?;
    if v.files.is_empty() {
        println!("audit log {}: {} line(s)", path.display(), v.lines);
    } else {
        println!(
            "audit log {}: {} line(s) in {} files, oldest first: {}",
            path.display(),
            v.lines,
            v.files.len(),
            v.files.join(", ")
        );
    }
    if let (Some(from), Some(at)) = (v.retained_from, &v.retention_time) {
        println!(
            "older files were removed by retention (last at {at}); the retained chain starts at seq {from}"
        );
    }
    match (v.chain_start, v.unchained) {
        (Some(1), _) => {}
        (Some(_), n) => println!(
            "lines 1-{n} were written before the hash chain and are not protected; the chain starts at {}",
            v.chain_start_at.as_deref().unwrap_or_default()
        ),
        (None, n) if n > 0 => println!("no line carries the hash chain yet ({n} older line(s))"),
        (None, _) => {}
    }
    if let Some(b) = &v.broken {
        println!("BROKEN: {b}");
        return Ok(1);
    }
    match &v.head {
        HeadCheck::Broken(b) => {
            println!("BROKEN: {b}");
            return Ok(1);
        }
        HeadCheck::Missing => println!(
            "note: no chain head is recorded for this log{}; lines cut from its end cannot be detected",
            head_path
                .map(|p| format!(" (looked for {})", p.display()))
                .unwrap_or_default()
        ),
        HeadCheck::Behind { head_seq } => println!(
            "note: the recorded head (seq {head_seq}) is behind the log (seq {}): a write could not update it",
            v.last_seq.unwrap_or(0)
        ),
        HeadCheck::Matches => {}
    }
    match v.last_seq {
        Some(last) => println!("OK: seq {}-{last} intact", v.retained_from.unwrap_or(1)),
        None => println!("OK: nothing chained to check"),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use hookwarden::export::parse_bound;
    use hookwarden::time::{parse_rfc3339, rfc3339};

    #[test]
    fn since_takes_combined_durations() {
        let now = 1_795_000_000;
        let cutoff = parse_bound("1h30m", now).unwrap();
        assert_eq!(cutoff, now - 5400);
        let kept = |age: i64| parse_rfc3339(&rfc3339(now - age, 0)).is_some_and(|t| t >= cutoff);
        assert!(kept(5400));
        assert!(!kept(5401));
        assert_eq!(parse_bound("2w", now).unwrap(), now - 14 * 86_400);
        assert!(parse_bound("1.5h", now).is_none());
        assert!(parse_bound("90", now).is_none());
    }
}
