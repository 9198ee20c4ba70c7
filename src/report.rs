//! The audit report: one self-contained HTML page of what fires — decisions over time by
//! effect, top rules, top blocked commands, counts per runtime and per boundary, and the
//! recent denials with their reasons.
//!
//! Built from the audit log after the fact (`hookwarden audit report --html FILE`), never on a
//! hook call. Records are folded into a [`Report`] one at a time, so a large log is summarized
//! without being held in memory. The page carries its CSS and its chart (SVG) inline and runs
//! no script; its Content-Security-Policy forbids loading anything, so it opens the same from a
//! mail attachment, a ticket or a file share. Every text from the log (commands, reasons, rule
//! ids) is escaped: an agent-written command is shown, never interpreted.

use crate::audit::AuditRecord;
use crate::decision::{Effect, Mode};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt::Write as _;

/// Effects in the order they are counted, drawn and listed.
pub const EFFECTS: [Effect; 6] = [
    Effect::Allow,
    Effect::Alert,
    Effect::Redact,
    Effect::Ask,
    Effect::Deny,
    Effect::Terminate,
];

/// How many rows the ranked tables and the recent denials show.
pub const TOP: usize = 20;

/// Longest command shown, in characters.
const SHOWN: usize = 140;

fn slot(e: Effect) -> usize {
    match e {
        Effect::Allow => 0,
        Effect::Alert => 1,
        Effect::Redact => 2,
        Effect::Ask => 3,
        Effect::Deny => 4,
        Effect::Terminate => 5,
    }
}

fn color(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "#4c9a5f",
        Effect::Alert => "#d4a72c",
        Effect::Redact => "#8e6cc4",
        Effect::Ask => "#3b82c4",
        Effect::Deny => "#d1495b",
        Effect::Terminate => "#5c1a1b",
    }
}

type Counts = [usize; 6];

#[derive(Debug, Default, Clone)]
struct RuleCounts {
    by_effect: Counts,
    audit_only: usize,
}

/// One denial kept for the "recent denials" table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Denial {
    /// Nanoseconds since the epoch (first: the heap orders by time).
    at: i128,
    timestamp: String,
    effect: Effect,
    runtime: String,
    session: String,
    rules: Vec<String>,
    input: String,
    reasons: Vec<String>,
}

/// Counts of an audit log, folded one record at a time.
#[derive(Debug, Default)]
pub struct Report {
    total: usize,
    by_effect: Counts,
    /// Decisions per minute (seconds since the epoch of the minute's start).
    by_minute: BTreeMap<i64, Counts>,
    rules: HashMap<String, RuleCounts>,
    blocked: HashMap<String, Counts>,
    by_runtime: BTreeMap<String, Counts>,
    by_boundary: BTreeMap<String, Counts>,
    /// The latest denials: a min-heap by time, at most [`TOP`].
    denials: BinaryHeap<std::cmp::Reverse<Denial>>,
    /// Lines of the log that could not be read.
    pub unreadable: usize,
}

/// What an event acted on, as the log holds it (masked): the command, else the tool and its
/// paths, else the tool or event name. One line, cut to [`SHOWN`] characters.
pub fn input_of(r: &AuditRecord) -> String {
    let ev = &r.event;
    let tool = ev.tool.as_ref().map(|t| t.name.as_str());
    let s = if let Some(c) = &ev.command {
        c.clone()
    } else if !ev.paths.is_empty() {
        format!("{} {}", tool.unwrap_or(""), ev.paths.join(" "))
    } else {
        tool.unwrap_or(&ev.event_name).to_string()
    };
    let s = s.trim().replace(['\n', '\r', '\t'], " ");
    if s.chars().count() > SHOWN {
        format!("{}...", s.chars().take(SHOWN - 3).collect::<String>())
    } else {
        s
    }
}

impl Report {
    pub fn new() -> Report {
        Report::default()
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Adds one decision.
    pub fn add(&mut self, r: &AuditRecord) {
        let d = &r.decision;
        let e = slot(d.effect);
        self.total += 1;
        self.by_effect[e] += 1;
        let at = crate::time::parse_time(&d.timestamp);
        if let Some(t) = at {
            let minute = t.as_second().div_euclid(60) * 60;
            self.by_minute.entry(minute).or_default()[e] += 1;
        }
        for f in &d.fired {
            let c = self.rules.entry(f.rule_id.clone()).or_default();
            c.by_effect[slot(f.effect)] += 1;
            if f.mode == Mode::Audit {
                c.audit_only += 1;
            }
        }
        // Rules recorded without their fire list still count once, by the decision's effect.
        for id in &d.rule_ids {
            if !d.fired.iter().any(|f| &f.rule_id == id) {
                self.rules.entry(id.clone()).or_default().by_effect[e] += 1;
            }
        }
        self.by_runtime
            .entry(d.runtime.as_str().to_string())
            .or_default()[e] += 1;
        self.by_boundary
            .entry(d.boundary.as_str().to_string())
            .or_default()[e] += 1;
        if d.effect.blocks() {
            self.blocked.entry(input_of(r)).or_default()[e] += 1;
        }
        if d.effect >= Effect::Deny {
            let denial = Denial {
                at: at.map(|t| t.as_nanosecond()).unwrap_or(i128::MIN),
                timestamp: d.timestamp.clone(),
                effect: d.effect,
                runtime: d.runtime.as_str().to_string(),
                session: d.session_id.clone(),
                rules: d.rule_ids.clone(),
                input: input_of(r),
                reasons: d.reasons.clone(),
            };
            let keep = self.denials.len() < TOP
                || self
                    .denials
                    .peek()
                    .is_some_and(|oldest| denial.at > oldest.0.at);
            if keep {
                self.denials.push(std::cmp::Reverse(denial));
                if self.denials.len() > TOP {
                    self.denials.pop();
                }
            }
        }
    }

    /// The page. `source` says where the records came from; `generated` when the page was made.
    pub fn render_html(&self, source: &str, generated: &str) -> String {
        let mut h = String::with_capacity(64 * 1024);
        h.push_str(HEAD);
        let period = match (self.by_minute.keys().next(), self.by_minute.keys().last()) {
            (Some(a), Some(b)) => format!("{} to {}", minute_label(*a), minute_label(*b + 59)),
            _ => "no timestamps".into(),
        };
        let _ = writeln!(
            h,
            "<header><h1>hookwarden decisions</h1><p class=\"meta\">{} decision(s) from {} &middot; {} (UTC) &middot; generated {}</p></header>",
            self.total,
            esc(source),
            esc(&period),
            esc(generated)
        );
        if self.unreadable > 0 {
            let _ = writeln!(
                h,
                "<p class=\"warn\">{} line(s) of the log could not be read and are not counted.</p>",
                self.unreadable
            );
        }
        // Totals by effect, doubling as the chart's legend.
        h.push_str("<section class=\"cards\">");
        for (i, e) in EFFECTS.iter().enumerate() {
            let _ = write!(
                h,
                "<div class=\"card\"><span class=\"sw\" style=\"background:{}\"></span><b>{}</b> {}</div>",
                color(*e),
                self.by_effect[i],
                e
            );
        }
        h.push_str("</section>\n");
        h.push_str("<section><h2>Decisions over time, by effect</h2>\n");
        h.push_str(&self.chart());
        h.push_str("</section>\n");

        h.push_str("<div class=\"grid\">\n");
        // Top rules.
        let mut rules: Vec<(&String, &RuleCounts)> = self.rules.iter().collect();
        rules.sort_by(|a, b| {
            let (x, y) = (sum(&a.1.by_effect), sum(&b.1.by_effect));
            y.cmp(&x).then(a.0.cmp(b.0))
        });
        h.push_str("<section><h2>Top rules</h2>");
        if rules.is_empty() {
            h.push_str("<p class=\"none\">No rule fired.</p>");
        } else {
            h.push_str("<table><tr><th>rule</th><th class=\"n\">fired</th><th class=\"n\">audit-only</th><th>effects</th></tr>");
            for (id, c) in rules.iter().take(TOP) {
                let _ = write!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(id),
                    sum(&c.by_effect),
                    c.audit_only,
                    effect_list(&c.by_effect)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>\n");

        // Top blocked commands.
        let mut blocked: Vec<(&String, &Counts)> = self.blocked.iter().collect();
        blocked.sort_by(|a, b| sum(b.1).cmp(&sum(a.1)).then(a.0.cmp(b.0)));
        h.push_str("<section><h2>Top blocked commands</h2><p class=\"note\">ask, deny and terminate; masked as in the log</p>");
        if blocked.is_empty() {
            h.push_str("<p class=\"none\">Nothing was blocked.</p>");
        } else {
            h.push_str("<table><tr><th>command or input</th><th class=\"n\">blocked</th><th>effects</th></tr>");
            for (input, c) in blocked.iter().take(TOP) {
                let _ = write!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                    esc(input),
                    sum(c),
                    effect_list(c)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>\n");
        h.push_str(&breakdown("By runtime", &self.by_runtime));
        h.push_str(&breakdown("By boundary", &self.by_boundary));
        h.push_str("</div>\n");

        // Recent denials.
        let mut denials: Vec<&Denial> = self.denials.iter().map(|d| &d.0).collect();
        denials.sort_by(|a, b| b.cmp(a));
        h.push_str("<section><h2>Recent denials</h2>");
        if denials.is_empty() {
            h.push_str("<p class=\"none\">No denial.</p>");
        } else {
            h.push_str("<table class=\"denials\"><tr><th>time (UTC)</th><th>effect</th><th>runtime</th><th>session</th><th>rules</th><th>command or input</th><th>reasons</th></tr>");
            for d in denials {
                let reasons: Vec<String> = d.reasons.iter().map(|r| esc(r)).collect();
                let _ = write!(
                    h,
                    "<tr><td class=\"t\">{}</td><td class=\"e\"><span class=\"sw\" style=\"background:{}\"></span>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td class=\"r\">{}</td></tr>",
                    esc(&d.timestamp.replace('T', " ")),
                    color(d.effect),
                    d.effect,
                    esc(&d.runtime),
                    esc(&d.session),
                    esc(&d.rules.join(", ")),
                    esc(&d.input),
                    reasons.join("<br>")
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>\n</body>\n</html>\n");
        h
    }

    /// Stacked bars of decisions per time bucket, as inline SVG. The bucket is the smallest of
    /// 1 min .. 1 week that fits the period in at most 48 bars.
    fn chart(&self) -> String {
        let (Some(first), Some(last)) = (
            self.by_minute.keys().next().copied(),
            self.by_minute.keys().last().copied(),
        ) else {
            return "<p class=\"none\">No decision with a readable time.</p>".into();
        };
        const STEPS: [i64; 11] = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 4320, 10080];
        let span = (last - first) / 60 + 1;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span / s < 48)
            .unwrap_or(10080)
            * 60;
        let start = first.div_euclid(step) * step;
        let n = usize::try_from((last - start) / step + 1)
            .unwrap_or(1)
            .max(1);
        let mut buckets = vec![[0usize; 6]; n];
        for (m, c) in &self.by_minute {
            let i = usize::try_from((m - start) / step).unwrap_or(0).min(n - 1);
            for (k, v) in c.iter().enumerate() {
                buckets[i][k] += v;
            }
        }
        let max = buckets.iter().map(sum).max().unwrap_or(1).max(1);
        let top = nice_ceiling(max);
        let (w, hgt, left, right, up, down) = (960.0, 280.0, 56.0, 12.0, 12.0, 44.0);
        let plot_w = w - left - right;
        let plot_h = hgt - up - down;
        let bw = plot_w / n as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"chart\" viewBox=\"0 0 {w} {hgt}\" width=\"100%\" role=\"img\" aria-label=\"decisions over time by effect\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for k in 0..=4 {
            let v = top * k / 4;
            let y = up + plot_h - plot_h * v as f64 / top as f64;
            let _ = write!(
                s,
                "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"ylab\">{v}</text>",
                w - right,
                left - 6.0,
                y + 4.0
            );
        }
        for (i, b) in buckets.iter().enumerate() {
            let x = left + bw * i as f64;
            let mut y = up + plot_h;
            let at = start + step * i as i64;
            for (k, e) in EFFECTS.iter().enumerate() {
                if b[k] == 0 {
                    continue;
                }
                let bh = plot_h * b[k] as f64 / top as f64;
                y -= bh;
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {} {e}</title></rect>",
                    x + bw * 0.1,
                    (bw * 0.8).max(1.0),
                    color(*e),
                    minute_label(at),
                    step_label(step),
                    b[k]
                );
            }
        }
        let labels = n.clamp(1, 6);
        for j in 0..labels {
            let i = if labels == 1 {
                0
            } else {
                j * (n - 1) / (labels - 1)
            };
            let x = left + bw * (i as f64 + 0.5);
            // The first and last labels lean inward so neither is cut at the edge.
            let anchor = match (labels > 1, j) {
                (true, 0) => "start",
                (true, j) if j == labels - 1 => "end",
                _ => "middle",
            };
            let label = minute_label(start + step * i as i64);
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"xlab\" text-anchor=\"{anchor}\">{}</text>",
                hgt - down + 18.0,
                label.get(5..).unwrap_or(&label)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"xlab\" text-anchor=\"middle\">bars: {} each</text></svg>",
            left + plot_w / 2.0,
            hgt - 6.0,
            step_label(step)
        );
        s
    }
}

fn sum(c: &Counts) -> usize {
    c.iter().sum()
}

/// A round axis maximum at or above `max` (and at least 4, so the four grid steps are whole
/// numbers): 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten.
fn nice_ceiling(max: usize) -> usize {
    let max = max.max(4);
    let mut p = 1usize;
    loop {
        for m in [10, 12, 15, 20, 25, 30, 40, 50, 60, 80] {
            let v = m * p / 10;
            if v >= max {
                return v;
            }
        }
        p = p.saturating_mul(10);
    }
}

fn minute_label(secs: i64) -> String {
    let t = crate::time::rfc3339(secs, 0);
    // `YYYY-MM-DDTHH:MM:SS.mmmZ` -> `YYYY-MM-DD HH:MM`
    t.get(..16).unwrap_or(&t).replace('T', " ")
}

fn step_label(step: i64) -> String {
    let m = step / 60;
    if m % 1440 == 0 {
        format!("{} d", m / 1440)
    } else if m % 60 == 0 {
        format!("{} h", m / 60)
    } else {
        format!("{m} min")
    }
}

fn effect_list(c: &Counts) -> String {
    EFFECTS
        .iter()
        .enumerate()
        .filter(|(i, _)| c[*i] > 0)
        .map(|(i, e)| {
            format!(
                "<span class=\"e\"><span class=\"sw\" style=\"background:{}\"></span>{e} {}</span>",
                color(*e),
                c[i]
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn breakdown(title: &str, rows: &BTreeMap<String, Counts>) -> String {
    let mut s = format!("<section><h2>{}</h2>", esc(title));
    if rows.is_empty() {
        s.push_str("<p class=\"none\">No decision.</p></section>\n");
        return s;
    }
    s.push_str("<table><tr><th></th><th class=\"n\">total</th>");
    for e in EFFECTS {
        let _ = write!(s, "<th class=\"n\">{e}</th>");
    }
    s.push_str("</tr>");
    let mut rows: Vec<_> = rows.iter().collect();
    rows.sort_by(|a, b| sum(b.1).cmp(&sum(a.1)).then(a.0.cmp(b.0)));
    for (name, c) in rows {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            esc(name),
            sum(c)
        );
        for v in c {
            let _ = write!(s, "<td class=\"n\">{v}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table></section>\n");
    s
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookwarden decisions</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px 32px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
.meta,.note{color:#59636e;margin:0 0 8px}.warn{color:#9a6700}.none{color:#59636e;font-style:italic}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #d1d9e0;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{font-size:18px;margin-right:4px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:baseline}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:0 32px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;color:#59636e;font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.t{white-space:nowrap}td.r{font-size:12px;color:#3d444d;max-width:520px}
.e{white-space:nowrap;margin-right:8px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.chart{max-width:960px;display:block}
.chart .grid{stroke:#eaeef2}
.chart .ylab{font-size:11px;fill:#59636e;text-anchor:end}
.chart .xlab{font-size:11px;fill:#59636e}
</style>
</head>
<body>
"#;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rec(id: &str, effect: &str, ts: &str, command: &str, rules: &[&str]) -> AuditRecord {
        let fired: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| serde_json::json!({"rule_id": r, "effect": effect, "risk": 50, "mode": "enforce", "scope": "default", "reason": "because"}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "decision_id": id, "effect": effect, "would_effect": effect, "rule_ids": rules,
            "reasons": rules.iter().map(|r| format!("{r}: because")).collect::<Vec<_>>(),
            "risk": 50, "fired": fired, "policy_version": "v1", "timestamp": ts,
            "runtime": "claude", "boundary": "tool_request", "session_id": "s1",
            "event": {"event_name": "PreToolUse", "boundary": "tool_request", "cwd": "/w",
                      "tool": {"name": "Bash", "kind": "shell"}, "command": command}
        }))
        .unwrap()
    }

    #[test]
    fn counts_rules_blocked_commands_and_denials() {
        let mut r = Report::new();
        r.add(&rec("a", "allow", "2026-12-03T10:00:00Z", "ls", &[]));
        r.add(&rec(
            "b",
            "deny",
            "2026-12-03T10:05:00Z",
            "rm -rf /",
            &["fs.rm"],
        ));
        r.add(&rec(
            "c",
            "deny",
            "2026-12-03T10:06:00Z",
            "rm -rf /",
            &["fs.rm"],
        ));
        r.add(&rec(
            "d",
            "ask",
            "2026-12-03T11:00:00Z",
            "git push -f",
            &["git.force"],
        ));
        assert_eq!(r.total(), 4);
        assert_eq!(r.by_effect, [1, 0, 0, 1, 2, 0]);
        assert_eq!(r.blocked["rm -rf /"][4], 2);
        assert_eq!(r.blocked["git push -f"][3], 1);
        assert!(!r.blocked.contains_key("ls"));
        assert_eq!(r.rules["fs.rm"].by_effect[4], 2);
        assert_eq!(r.denials.len(), 2);
        let html = r.render_html("audit.jsonl", "now");
        assert!(html.contains("<code>fs.rm</code>"));
        assert!(html.contains("<svg"));
        assert!(html.contains("2026-12-03 10:00 to 2026-12-03 11:00"));
    }

    #[test]
    fn keeps_the_latest_denials_whatever_the_file_order() {
        let mut r = Report::new();
        for i in (0..50).rev() {
            let ts = format!("2026-12-03T10:{:02}:00Z", i);
            r.add(&rec(
                &format!("d{i}"),
                "deny",
                &ts,
                &format!("cmd {i}"),
                &["x"],
            ));
        }
        let mut kept: Vec<String> = r.denials.iter().map(|d| d.0.input.clone()).collect();
        kept.sort();
        assert_eq!(kept.len(), TOP);
        assert!(kept.contains(&"cmd 49".to_string()));
        assert!(kept.contains(&"cmd 30".to_string()));
        assert!(!kept.contains(&"cmd 29".to_string()));
    }

    #[test]
    fn log_text_is_shown_never_interpreted() {
        let mut r = Report::new();
        let evil = "echo '<script>alert(1)</script>' \"><img src=x onerror=alert(2)>";
        r.add(&rec(
            "e",
            "deny",
            "2026-12-03T10:00:00Z",
            evil,
            &["<b>rule</b>"],
        ));
        let html = r.render_html("<file>", "now");
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>rule"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;file&gt;"));
        // Nothing is loaded from anywhere and no script runs.
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("src=\"http"));
    }

    #[test]
    fn buckets_fit_the_period() {
        let mut r = Report::new();
        r.add(&rec("a", "allow", "2026-12-01T00:00:00Z", "ls", &[]));
        r.add(&rec("b", "deny", "2026-12-03T00:00:00Z", "rm", &["x"]));
        let svg = r.chart();
        assert!(svg.contains("bars: 3 h each"), "{svg}");
        assert_eq!(nice_ceiling(1), 4);
        assert_eq!(nice_ceiling(3), 4);
        assert_eq!(nice_ceiling(101), 120);
        assert_eq!(nice_ceiling(1030), 1200);
        assert_eq!(nice_ceiling(7001), 8000);
        assert_eq!(
            Report::new().chart(),
            "<p class=\"none\">No decision with a readable time.</p>"
        );
    }

    #[test]
    fn long_commands_are_cut_to_one_line() {
        let long = format!("echo {}\nnext", "x".repeat(400));
        let s = input_of(&rec("a", "deny", "2026-12-03T10:00:00Z", &long, &[]));
        assert_eq!(s.chars().count(), SHOWN);
        assert!(s.ends_with("..."));
        assert!(!s.contains('\n'));
    }
}
