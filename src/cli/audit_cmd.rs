//! `hookwarden audit`: the monitor view of the audit log — what fired, where, on what input
//! (masked), with what effect; `--summary` counts by rule and effect; `audit verify` checks
//! the log's hash chain and names the first broken link. `audit export` writes the log for
//! other systems (OTLP/JSON, JSON Lines, CSV); `audit report` writes an HTML page.

use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use hookwarden::audit::AuditRecord;
use hookwarden::replay;
use std::collections::BTreeMap;
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

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
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
    /// Only this recent period (`30m`, `1h`, `7d`).
    #[arg(long)]
    since: Option<String>,
    /// Include decisions where no rule fired.
    #[arg(long)]
    all: bool,
    /// One JSON record per line, as stored.
    #[arg(long)]
    json: bool,
    /// Counts by rule and effect instead of entries.
    #[arg(long)]
    summary: bool,
    /// The audit log (default: the configured one).
    #[arg(long)]
    file: Option<PathBuf>,
}

/// The earliest decision time `--since DURATION` keeps, in seconds since the epoch.
fn since_cutoff(since: &str, now: i64) -> Result<i64> {
    let d = hookwarden::time::parse_duration(since)
        .ok_or_else(|| anyhow!("--since `{since}`: expected a duration like 30m, 1h30m, 7d"))?;
    Ok(now - d)
}

pub fn run(mut a: AuditArgs) -> Result<i32> {
    match a.command.take() {
        Some(AuditCommand::Export(e)) => return export::run(e),
        Some(AuditCommand::Report(r)) => return report::run(r),
        Some(AuditCommand::Verify { file }) => return verify(file),
        None => {}
    }
    let path = a.file.clone().unwrap_or_else(hookwarden::dirs::audit_path);
    if !path.is_file() {
        println!("no audit log at {} yet", path.display());
        return Ok(0);
    }
    let (records, bad) = hookwarden::audit::read_all(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let since = match &a.since {
        Some(s) => Some(since_cutoff(s, hookwarden::time::now_secs())?),
        None => None,
    };
    let effect = match &a.effect {
        Some(e) => Some(hookwarden::decision::Effect::parse(e).ok_or_else(|| {
            anyhow!("--effect `{e}`: expected allow, alert, redact, ask, deny or terminate")
        })?),
        None => None,
    };
    let selected: Vec<&AuditRecord> = records
        .iter()
        .filter(|r| {
            let d = &r.decision;
            if !a.all && d.rule_ids.is_empty() && a.rule.is_none() && effect.is_none() {
                return false;
            }
            if let Some(rule) = &a.rule {
                if !d
                    .rule_ids
                    .iter()
                    .any(|id| hookwarden::policy::glob::matches(rule, id))
                {
                    return false;
                }
            }
            if let Some(e) = effect {
                if d.effect != e && d.would_effect != e {
                    return false;
                }
            }
            if let Some(s) = &a.session {
                if &d.session_id != s {
                    return false;
                }
            }
            if let Some(s) = since {
                match hookwarden::time::parse_rfc3339(&d.timestamp) {
                    Some(t) if t >= s => {}
                    _ => return false,
                }
            }
            true
        })
        .collect();
    if a.summary {
        summary(&selected);
    } else if a.json {
        for r in &selected {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        for r in &selected {
            println!("{}", entry(r));
        }
        if selected.is_empty() {
            println!("no matching decisions in {}", path.display());
        }
    }
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
struct Counts {
    total: usize,
    by_effect: BTreeMap<String, usize>,
    audit_only: usize,
    sessions: std::collections::BTreeSet<String>,
}

fn summary(records: &[&AuditRecord]) {
    let mut by_rule: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_effect: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let d = &r.decision;
        *by_effect.entry(d.effect.to_string()).or_default() += 1;
        for f in &d.fired {
            let c = by_rule.entry(f.rule_id.clone()).or_default();
            c.total += 1;
            *c.by_effect.entry(f.effect.to_string()).or_default() += 1;
            if f.mode == hookwarden::decision::Mode::Audit {
                c.audit_only += 1;
            }
            c.sessions.insert(d.session_id.clone());
        }
    }
    println!("{} decision(s)", records.len());
    println!(
        "by effect given: {}",
        by_effect
            .iter()
            .map(|(e, n)| format!("{e} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if by_rule.is_empty() {
        println!("no rule fired");
        return;
    }
    let mut rows: Vec<(&String, &Counts)> = by_rule.iter().collect();
    rows.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
    println!(
        "{:<32} {:>6} {:>10} {:>8}  effects",
        "rule", "fired", "audit-only", "sessions"
    );
    for (rule, c) in rows {
        println!(
            "{:<32} {:>6} {:>10} {:>8}  {}",
            rule,
            c.total,
            c.audit_only,
            c.sessions.len(),
            c.by_effect
                .iter()
                .map(|(e, n)| format!("{e} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
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
    use super::*;
    use hookwarden::time::{parse_rfc3339, rfc3339};

    #[test]
    fn since_takes_combined_durations() {
        let now = 1_795_000_000;
        let cutoff = since_cutoff("1h30m", now).unwrap();
        assert_eq!(cutoff, now - 5400);
        let kept = |age: i64| parse_rfc3339(&rfc3339(now - age, 0)).is_some_and(|t| t >= cutoff);
        assert!(kept(5400));
        assert!(!kept(5401));
        assert_eq!(since_cutoff("2w", now).unwrap(), now - 14 * 86_400);
        assert!(since_cutoff("1.5h", now).is_err());
        assert!(since_cutoff("90", now).is_err());
    }
}
