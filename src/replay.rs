//! Replay: re-evaluate recorded events under a candidate policy and say which decisions would
//! change, by rule, with examples. The dry-run preview of a deploy.
//!
//! Sources: the audit log (each record holds the masked event and the decision it got, and the
//! identity/context it was evaluated with), and agent transcripts (Claude Code, Codex and
//! Gemini CLI JSONL/JSON at `transcript_path`), from which tool calls are taken best-effort.
//! Audit events are compared with the decision they really got; transcript events with what the
//! current policy decides for them.

use crate::audit::AuditRecord;
use crate::decision::Effect;
use crate::event::{Boundary, Event};
use crate::policy::eval::{self, EvalEnv};
use crate::policy::CompiledPolicy;
use crate::signals::{self, Context};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// An event to replay with what it got at the time (if known).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub source: String,
    pub time: Option<i64>,
    pub time_text: String,
    pub event: Event,
    pub context: serde_json::Map<String, Value>,
    pub baseline: Option<Baseline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Baseline {
    pub effect: Effect,
    pub would_effect: Effect,
    pub rule_ids: Vec<String>,
    pub policy_version: String,
}

/// The environment an event was decided in, from its record.
struct RecordedEnv<'a> {
    rec: &'a Recorded,
}

impl EvalEnv for RecordedEnv<'_> {
    fn now(&self) -> i64 {
        self.rec.time.unwrap_or(0)
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.rec
            .context
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.as_str())
            .map(|s| s.to_string())
    }
    fn branch(&self) -> Option<String> {
        self.str("branch")
    }
    fn user(&self) -> Option<String> {
        self.str("user")
    }
    fn team(&self) -> Option<String> {
        self.str("team")
    }
}

impl RecordedEnv<'_> {
    fn str(&self, k: &str) -> Option<String> {
        self.rec
            .context
            .get(k)
            .and_then(|v| v.as_str())
            .map(|s| s.to_string())
    }
}

/// Rebuilds the event of an audit record.
pub fn event_from_record(rec: &AuditRecord) -> Event {
    let e = &rec.event;
    let d = &rec.decision;
    let mut ev = Event::new(d.runtime, e.boundary, &e.event_name);
    ev.session_id = d.session_id.clone();
    ev.action_id = d.action_id.clone();
    ev.cwd = e.cwd.clone();
    ev.tool = e.tool.clone();
    ev.model = e.model.clone();
    ev.turn_id = e.turn_id.clone();
    ev.transcript_path = e.transcript_path.clone();
    ev.tool_input = e.tool_input.clone();
    if e.boundary == Boundary::ToolRequest && ev.tool_input.is_object() {
        // Write content and URLs live in the tool input.
        let input = ev.tool_input.clone();
        crate::event::fill_from_input(&mut ev, &input);
    }
    ev.command = e.command.clone().or(ev.command);
    for p in &e.paths {
        if !ev.paths.contains(p) {
            ev.paths.push(p.clone());
        }
    }
    match e.boundary {
        Boundary::ToolOutput => ev.output = e.text.clone(),
        Boundary::Prompt => ev.prompt = e.text.clone(),
        Boundary::FinalResponse => ev.response = e.text.clone(),
        _ => {}
    }
    ev
}

/// Reads the audit log; records older than `since` (seconds since the epoch) and records of
/// events that were never evaluated (unreadable input, non-boundary events) are left out.
pub fn from_audit(path: &Path, since: Option<i64>) -> std::io::Result<(Vec<Recorded>, usize)> {
    let (records, bad) = crate::audit::read_all(path)?;
    let mut out = Vec::new();
    for rec in records {
        if rec.event.boundary == Boundary::Other
            || rec
                .decision
                .rule_ids
                .iter()
                .any(|r| r == "hookwarden.input-error")
        {
            continue;
        }
        let time = crate::time::parse_rfc3339(&rec.decision.timestamp);
        if let (Some(s), Some(t)) = (since, time) {
            if t < s {
                continue;
            }
        }
        let d = &rec.decision;
        out.push(Recorded {
            source: "audit".into(),
            time,
            time_text: d.timestamp.clone(),
            event: event_from_record(&rec),
            context: rec.context.clone(),
            baseline: Some(Baseline {
                effect: d.effect,
                would_effect: d.would_effect,
                rule_ids: d.rule_ids.clone(),
                policy_version: d.policy_version.clone(),
            }),
        });
    }
    Ok((out, bad))
}

/// Tool calls found in a transcript (Claude Code JSONL, Codex rollout JSONL, Gemini chat JSON
/// or JSONL; see [`crate::transcript`]), and how many lines were not JSON and were skipped.
pub fn from_transcript(
    path: &Path,
    since: Option<i64>,
) -> Result<(Vec<Recorded>, usize), crate::transcript::ReadError> {
    let transcript = crate::transcript::read(path)?;
    let origin = format!("transcript {}", path.display());
    let mut out = Vec::new();
    for call in &transcript.calls {
        let time = call.time();
        if let (Some(s), Some(t)) = (since, time) {
            if t < s {
                continue;
            }
        }
        let mut ev = call.event();
        ev.transcript_path = Some(path.display().to_string());
        out.push(Recorded {
            source: origin.clone(),
            time,
            time_text: call.time_text.clone(),
            event: ev,
            context: serde_json::Map::new(),
            baseline: None,
        });
    }
    Ok((out, transcript.bad_lines))
}

/// One decision that would change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub source: String,
    pub time: String,
    pub runtime: String,
    pub session: String,
    pub boundary: String,
    /// What was acted on (masked): the command, paths, or tool and input.
    pub input: String,
    pub old_effect: Effect,
    pub new_effect: Effect,
    pub old_rules: Vec<String>,
    pub new_rules: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleImpact {
    /// Events where the rule fires under the candidate and did not before.
    pub newly_fires: usize,
    /// Events where it fired before and does not under the candidate.
    pub stops_firing: usize,
    pub effect: Option<Effect>,
    pub examples: Vec<Change>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub candidate_version: String,
    pub replayed: usize,
    pub from_audit: usize,
    pub from_transcripts: usize,
    pub unchanged: usize,
    pub changes: Vec<Change>,
    /// `allow -> deny` style transitions and their counts.
    pub transitions: BTreeMap<String, usize>,
    pub by_rule: BTreeMap<String, RuleImpact>,
}

/// The masked, one-line description of what an event acted on.
pub fn describe_input(ev: &Event) -> String {
    let s = if let Some(c) = &ev.command {
        c.clone()
    } else if !ev.paths.is_empty() {
        format!("{} {}", ev.tool_name().unwrap_or(""), ev.paths.join(" "))
    } else if let Some(t) = ev.boundary_text() {
        t.to_string()
    } else {
        format!(
            "{} {}",
            ev.tool_name().unwrap_or(""),
            if ev.tool_input.is_null() {
                String::new()
            } else {
                ev.tool_input.to_string()
            }
        )
    };
    let s = crate::audit::mask(s.trim()).replace('\n', " ");
    if s.chars().count() > 100 {
        format!("{}...", s.chars().take(97).collect::<String>())
    } else {
        s
    }
}

/// Replays events under `candidate`. Events without a recorded outcome are compared with what
/// `current` decides for them.
pub fn replay(candidate: &CompiledPolicy, current: &CompiledPolicy, events: &[Recorded]) -> Report {
    let mut report = Report {
        candidate_version: candidate.version.clone(),
        ..Report::default()
    };
    for rec in events {
        report.replayed += 1;
        if rec.baseline.is_some() {
            report.from_audit += 1;
        } else {
            report.from_transcripts += 1;
        }
        let ctx = Context::for_cwd(&rec.event.cwd);
        let flags = signals::run(&rec.event, &ctx);
        let env = RecordedEnv { rec };
        // Each policy sees what its own detectors add.
        let with_detectors = |p: &CompiledPolicy| -> std::borrow::Cow<'_, [signals::Flag]> {
            if p.detectors.is_empty() {
                return std::borrow::Cow::Borrowed(&flags);
            }
            let mut f = flags.clone();
            p.add_detector_flags(&rec.event, &ctx, &mut f);
            std::borrow::Cow::Owned(f)
        };
        let new = eval::evaluate(candidate, &rec.event, &with_detectors(candidate), &env);
        let old = match &rec.baseline {
            Some(b) => b.clone(),
            None => {
                let d = eval::evaluate(current, &rec.event, &with_detectors(current), &env);
                Baseline {
                    effect: d.effect,
                    would_effect: d.would_effect,
                    rule_ids: d.rule_ids,
                    policy_version: d.policy_version,
                }
            }
        };
        if old.effect == new.effect
            && old.would_effect == new.would_effect
            && old.rule_ids == new.rule_ids
        {
            report.unchanged += 1;
            continue;
        }
        let change = Change {
            source: rec.source.clone(),
            time: rec.time_text.clone(),
            runtime: rec.event.runtime.as_str().to_string(),
            session: rec.event.session_id.clone(),
            boundary: rec.event.boundary.as_str().to_string(),
            input: describe_input(&rec.event),
            old_effect: old.effect,
            new_effect: new.effect,
            old_rules: old.rule_ids.clone(),
            new_rules: new.rule_ids.clone(),
        };
        if old.effect != new.effect {
            *report
                .transitions
                .entry(format!("{} -> {}", old.effect, new.effect))
                .or_default() += 1;
        }
        for r in &new.rule_ids {
            if !old.rule_ids.contains(r) {
                let imp = report.by_rule.entry(r.clone()).or_default();
                imp.newly_fires += 1;
                imp.effect = new.fired.iter().find(|f| &f.rule_id == r).map(|f| f.effect);
                if imp.examples.len() < 3 {
                    imp.examples.push(change.clone());
                }
            }
        }
        for r in &old.rule_ids {
            if !new.rule_ids.contains(r) {
                let imp = report.by_rule.entry(r.clone()).or_default();
                imp.stops_firing += 1;
                if imp.examples.len() < 3 {
                    imp.examples.push(change.clone());
                }
            }
        }
        report.changes.push(change);
    }
    report
}

impl Report {
    /// Decisions whose effect would change.
    pub fn effect_changes(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.old_effect != c.new_effect)
            .count()
    }

    pub fn render(&self) -> String {
        let mut out = format!(
            "replayed {} event(s) ({} from the audit log, {} from transcripts) under candidate policy {}\n",
            self.replayed, self.from_audit, self.from_transcripts, self.candidate_version
        );
        if self.changes.is_empty() {
            out.push_str("no decision would change\n");
            return out;
        }
        out.push_str(&format!(
            "{} decision(s) would change ({} in effect, {} in rules fired only); {} unchanged\n",
            self.changes.len(),
            self.effect_changes(),
            self.changes.len() - self.effect_changes(),
            self.unchanged
        ));
        for (t, n) in &self.transitions {
            out.push_str(&format!("  {t}: {n}\n"));
        }
        out.push_str("by rule:\n");
        for (rule, imp) in &self.by_rule {
            let mut what = Vec::new();
            if imp.newly_fires > 0 {
                what.push(format!(
                    "newly fires on {} event(s){}",
                    imp.newly_fires,
                    imp.effect.map(|e| format!(" ({e})")).unwrap_or_default()
                ));
            }
            if imp.stops_firing > 0 {
                what.push(format!("no longer fires on {} event(s)", imp.stops_firing));
            }
            out.push_str(&format!("  {rule}: {}\n", what.join(", ")));
            for ex in &imp.examples {
                out.push_str(&format!(
                    "    {} {} {} {}: {}  {} -> {}\n",
                    if ex.time.is_empty() { "-" } else { &ex.time },
                    ex.runtime,
                    if ex.session.is_empty() {
                        "-"
                    } else {
                        &ex.session
                    },
                    ex.boundary,
                    ex.input,
                    ex.old_effect,
                    ex.new_effect
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tool_calls_from_each_transcript_shape() {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join("c.jsonl");
        std::fs::write(&claude, concat!(
            r#"{"type":"user","sessionId":"s1","cwd":"/w","message":{"role":"user","content":"hi"}}"#, "\n",
            r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-11-20T10:00:00Z","message":{"content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"rm -rf /"}}]}}"#, "\n",
            "not json\n",
        )).unwrap();
        let (got, bad) = from_transcript(&claude, None).unwrap();
        assert_eq!(bad, 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event.command.as_deref(), Some("rm -rf /"));
        assert_eq!(got[0].event.session_id, "s1");
        assert_eq!(got[0].event.cwd, "/w");

        let codex = dir.path().join("x.jsonl");
        std::fs::write(&codex, concat!(
            r#"{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"s2","cwd":"/w"}}"#, "\n",
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"git push --force\"]}","call_id":"c1"}}"#, "\n",
        )).unwrap();
        let (got, _) = from_transcript(&codex, None).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event.command.as_deref(), Some("git push --force"));
        assert_eq!(got[0].event.runtime, crate::event::RuntimeKind::Codex);

        let gemini = dir.path().join("g.json");
        std::fs::write(&gemini, r#"{"sessionId":"s3","messages":[{"type":"gemini","toolCalls":[{"id":"1","name":"read_file","args":{"absolute_path":"/w/.env"}}]}]}"#).unwrap();
        let (got, _) = from_transcript(&gemini, None).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event.paths, vec!["/w/.env".to_string()]);

        // `--since` reads the time of each Gemini message, not of the whole chat file.
        std::fs::write(&gemini, r#"{"sessionId":"s3","messages":[
            {"type":"gemini","timestamp":"2026-11-01T10:00:00Z","toolCalls":[{"name":"read_file","args":{"absolute_path":"/w/old"}}]},
            {"type":"gemini","timestamp":"2026-11-20T10:00:00Z","toolCalls":[{"name":"read_file","args":{"absolute_path":"/w/new"}}]}]}"#).unwrap();
        let since = crate::time::parse_rfc3339("2026-11-10T00:00:00Z");
        let (got, _) = from_transcript(&gemini, since).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event.paths, vec!["/w/new".to_string()]);
        assert_eq!(got[0].event.session_id, "s3");

        // A file with text and no JSON at all is an error, not an empty replay.
        let junk = dir.path().join("junk.jsonl");
        std::fs::write(&junk, "not json\nstill not\n").unwrap();
        assert!(from_transcript(&junk, None).is_err());
    }
}
