//! Audit records as OpenTelemetry log records, and the batch export of the audit log.
//!
//! Sits after [`crate::audit`]: it reads what the hook wrote and renders it for other
//! systems, never on a hook call. One mapping of a decision to an OTel log record
//! ([`log_record`], documented in docs/otel.md) serves both shipping paths: the collector
//! pipeline in deploy/otel/collector.yaml implements the same mapping with filelog operators,
//! and `hookwarden audit export --format otlp-json` writes it for backfills and teams without
//! a collector. The decision id is the dedup key on both paths.
//!
//! The log is read as a stream ([`for_each_line`]): a year of decisions is exported without
//! holding it in memory. The `audit` views, `audit export` and `audit report` select decisions
//! with one [`Filter`]; it looks at a line's raw text first ([`Filter::may_match`]) and at the
//! few fields a view needs ([`Brief`]) before any full parse, so a filter that keeps a few of
//! a million lines parses a few.

use crate::audit::AuditRecord;
use crate::decision::{Effect, Mode};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::path::Path;

/// The instrumentation scope every hookwarden log record is emitted under.
pub const SCOPE_NAME: &str = "hookwarden.audit";
/// The resource's `service.name`.
pub const SERVICE_NAME: &str = "hookwarden";

/// OTel severity number for the effect given to the runtime: INFO for allow, WARN..WARN3 for
/// the effects that let the action run changed or pending (alert, redact, ask), ERROR for deny,
/// FATAL for terminate. The severity text is the effect's own name.
pub fn severity_number(effect: Effect) -> u8 {
    match effect {
        Effect::Allow => 9,
        Effect::Alert => 13,
        Effect::Redact => 14,
        Effect::Ask => 15,
        Effect::Deny => 17,
        Effect::Terminate => 21,
    }
}

/// The one-line body of a decision's log record:
/// `deny tool_request Bash (claude): fs.recursive-delete, hookwarden.guard.tamper`,
/// `allow (would deny) ...` under audit-only rules.
pub fn summary(r: &AuditRecord) -> String {
    let d = &r.decision;
    let mut s = String::from(d.effect.as_str());
    if d.would_effect != d.effect {
        s.push_str(" (would ");
        s.push_str(d.would_effect.as_str());
        s.push(')');
    }
    s.push(' ');
    s.push_str(d.boundary.as_str());
    s.push(' ');
    match &r.event.tool {
        Some(t) => s.push_str(&t.name),
        None => s.push_str(&r.event.event_name),
    }
    s.push_str(" (");
    s.push_str(d.runtime.as_str());
    s.push(')');
    if !d.rule_ids.is_empty() {
        s.push_str(": ");
        s.push_str(&d.rule_ids.join(", "));
    }
    s
}

/// An OTLP/JSON `AnyValue`: `{"stringValue": ..}`, `{"intValue": ".."}` (64-bit integers are
/// strings in OTLP/JSON), `{"arrayValue": {"values": [..]}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AnyValue<'a> {
    StringValue(&'a str),
    IntValue(String),
    ArrayValue(ArrayValue<'a>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArrayValue<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<AnyValue<'a>>,
}

/// An OTLP/JSON `KeyValue`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyValue<'a> {
    pub key: &'static str,
    pub value: AnyValue<'a>,
}

/// A log record's body: the one-line summary, as an OTLP/JSON string `AnyValue`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    pub string_value: String,
}

/// An OTLP/JSON `LogRecord`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_unix_nano: Option<String>,
    pub observed_time_unix_nano: String,
    pub severity_number: u8,
    pub severity_text: &'static str,
    pub body: Body,
    pub attributes: Vec<KeyValue<'a>>,
}

fn strings(v: &[String]) -> AnyValue<'_> {
    AnyValue::ArrayValue(ArrayValue {
        values: v.iter().map(|s| AnyValue::StringValue(s)).collect(),
    })
}

/// Nanoseconds since the epoch of an RFC 3339 time, as OTLP/JSON writes them (a string).
pub fn unix_nanos(rfc3339: &str) -> Option<String> {
    crate::time::parse_time(rfc3339).map(|t| t.as_nanosecond().to_string())
}

/// The `hookwarden.*` attributes of a decision, in the order docs/otel.md lists them.
/// Optional fields (action id, tool, command, user, team, errors) are left out when the
/// record has none, as the collector pipeline leaves them out.
pub fn attributes(r: &AuditRecord) -> Vec<KeyValue<'_>> {
    let d = &r.decision;
    let s = AnyValue::StringValue;
    let mut a: Vec<KeyValue<'_>> = Vec::with_capacity(20);
    let mut put = |key: &'static str, value| a.push(KeyValue { key, value });
    put("hookwarden.decision_id", s(&d.decision_id));
    if let Some(id) = &d.action_id {
        put("hookwarden.action_id", s(id));
    }
    put("hookwarden.effect", s(d.effect.as_str()));
    put("hookwarden.would_effect", s(d.would_effect.as_str()));
    put("hookwarden.rule_ids", strings(&d.rule_ids));
    put("hookwarden.reasons", strings(&d.reasons));
    put("hookwarden.risk", AnyValue::IntValue(d.risk.to_string()));
    put("hookwarden.runtime", s(d.runtime.as_str()));
    put("hookwarden.boundary", s(d.boundary.as_str()));
    put("hookwarden.event_name", s(&r.event.event_name));
    put("hookwarden.session_id", s(&d.session_id));
    if let Some(t) = &r.event.tool {
        put("hookwarden.tool", s(&t.name));
    }
    if let Some(c) = &r.event.command {
        put("hookwarden.command", s(c));
    }
    put("hookwarden.cwd", s(&r.event.cwd));
    if let Some(u) = r.context.get("user").and_then(|v| v.as_str()) {
        put("hookwarden.user", s(u));
    }
    if let Some(t) = r.context.get("team").and_then(|v| v.as_str()) {
        put("hookwarden.team", s(t));
    }
    put("hookwarden.policy_version", s(&d.policy_version));
    if !d.errors.is_empty() {
        put("hookwarden.errors", strings(&d.errors));
    }
    a
}

/// One decision as an OTLP/JSON log record. `observed` is when it was read (nanoseconds since
/// the epoch, as a string); the record's own time is the decision's timestamp.
pub fn log_record<'a>(r: &'a AuditRecord, observed: &str) -> LogRecord<'a> {
    LogRecord {
        time_unix_nano: unix_nanos(&r.decision.timestamp),
        observed_time_unix_nano: observed.to_string(),
        severity_number: severity_number(r.decision.effect),
        severity_text: r.decision.effect.as_str(),
        body: Body {
            string_value: summary(r),
        },
        attributes: attributes(r),
    }
}

/// Writes one OTLP/JSON `ExportLogsServiceRequest` holding `records`, on one line: the shape
/// `POST /v1/logs` takes, and the line format of the collector's file exporter.
pub fn write_request<W: Write>(
    out: &mut W,
    host: &str,
    records: &[AuditRecord],
    observed: &str,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Request<'a> {
        resource_logs: [ResourceLogs<'a>; 1],
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ResourceLogs<'a> {
        resource: Resource<'a>,
        scope_logs: [ScopeLogs<'a>; 1],
    }
    #[derive(Serialize)]
    struct Resource<'a> {
        attributes: [KeyValue<'a>; 2],
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ScopeLogs<'a> {
        scope: Scope,
        log_records: Vec<LogRecord<'a>>,
    }
    #[derive(Serialize)]
    struct Scope {
        name: &'static str,
    }
    let req = Request {
        resource_logs: [ResourceLogs {
            resource: Resource {
                attributes: [
                    KeyValue {
                        key: "service.name",
                        value: AnyValue::StringValue(SERVICE_NAME),
                    },
                    KeyValue {
                        key: "host.name",
                        value: AnyValue::StringValue(host),
                    },
                ],
            },
            scope_logs: [ScopeLogs {
                scope: Scope { name: SCOPE_NAME },
                log_records: records.iter().map(|r| log_record(r, observed)).collect(),
            }],
        }],
    };
    serde_json::to_writer(&mut *out, &req)?;
    out.write_all(b"\n")
}

/// The machine's name for `host.name`: `HOOKWARDEN_HOST_NAME` (what deploy/otel/run.sh gives
/// the collector), else the kernel's hostname, else `unknown`.
pub fn host_name() -> String {
    if let Ok(h) = std::env::var("HOOKWARDEN_HOST_NAME") {
        if !h.trim().is_empty() {
            return h.trim().to_string();
        }
    }
    for p in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(h) = std::fs::read_to_string(p) {
            if !h.trim().is_empty() {
                return h.trim().to_string();
            }
        }
    }
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// A time window on decision timestamps, in seconds since the epoch, bounds included.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    /// Whether a decision stamped `timestamp` falls in the window. With no bound every
    /// record does; with a bound, a record whose time does not parse does not.
    pub fn contains(&self, timestamp: &str) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(t) = crate::time::parse_rfc3339(timestamp) else {
            return false;
        };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

/// A bound of `--since` / `--until`: a duration back from `now` (`30m`, `7d`) or a point in
/// time (`2026-01-31T18:00:00Z`, `2026-01-31`).
pub fn parse_bound(s: &str, now: i64) -> Option<i64> {
    if let Some(d) = crate::time::parse_duration(s) {
        return Some(now - d);
    }
    if let Some(t) = crate::time::parse_rfc3339(s) {
        return Some(t);
    }
    crate::time::parse_rfc3339(&format!("{}T00:00:00Z", s.trim()))
}

/// Calls `f` with each record of an audit log (and its line as stored), in file order, reading
/// one line at a time. Lines that do not parse are skipped; their count is returned.
pub fn for_each_line(
    path: &Path,
    mut f: impl FnMut(AuditRecord, &str) -> std::io::Result<()>,
) -> std::io::Result<usize> {
    let file = std::fs::File::open(path)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    let mut bad = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditRecord>(text) {
            Ok(r) => f(r, text)?,
            Err(_) => bad += 1,
        }
    }
    Ok(bad)
}

/// The columns of `audit export --format csv`, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "timestamp",
    "decision_id",
    "effect",
    "would_effect",
    "rule_ids",
    "risk",
    "runtime",
    "boundary",
    "event_name",
    "session_id",
    "tool",
    "command",
    "user",
    "team",
    "policy_version",
    "reasons",
];

/// One CSV field: quoted when it holds a separator, quote or line break; a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a `'` first so a spreadsheet shows a logged command
/// as text instead of running it as a formula.
pub fn csv_field(s: &str) -> String {
    let guarded;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One decision as a CSV row (no line end); lists are joined with `;` (rules) and ` | `
/// (reasons).
pub fn csv_row(r: &AuditRecord) -> String {
    let d = &r.decision;
    let ctx = |k: &str| {
        r.context
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let fields = [
        d.timestamp.clone(),
        d.decision_id.clone(),
        d.effect.to_string(),
        d.would_effect.to_string(),
        d.rule_ids.join(";"),
        d.risk.to_string(),
        d.runtime.as_str().to_string(),
        d.boundary.as_str().to_string(),
        r.event.event_name.clone(),
        d.session_id.clone(),
        r.event
            .tool
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        r.event.command.clone().unwrap_or_default(),
        ctx("user"),
        ctx("team"),
        d.policy_version.clone(),
        d.reasons.join(" | "),
    ];
    fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record(line: &str) -> AuditRecord {
        serde_json::from_str(line).unwrap()
    }

    const DENY: &str = r#"{"decision_id":"d-1","action_id":"toolu_1","effect":"deny","would_effect":"deny","rule_ids":["fs.recursive-delete","hookwarden.guard.tamper"],"reasons":["fs.recursive-delete: no"],"risk":100,"fired":[],"policy_version":"91d664f0240c","timestamp":"2026-12-03T18:37:23.648Z","runtime":"claude","boundary":"tool_request","session_id":"s1","event":{"event_name":"PreToolUse","boundary":"tool_request","cwd":"/w","tool":{"name":"Bash","kind":"shell"},"command":"rm -rf /"},"context":{"user":"alice"}}"#;
    const AUDIT_ONLY: &str = r#"{"decision_id":"d-2","effect":"allow","would_effect":"deny","rule_ids":[],"reasons":[],"risk":0,"fired":[],"policy_version":"v","timestamp":"2026-12-03T18:37:24Z","runtime":"codex","boundary":"prompt","session_id":"","event":{"event_name":"UserPromptSubmit","boundary":"prompt"}}"#;

    #[test]
    fn severity_grows_with_the_effect() {
        let all = [
            Effect::Allow,
            Effect::Alert,
            Effect::Redact,
            Effect::Ask,
            Effect::Deny,
            Effect::Terminate,
        ];
        let n: Vec<u8> = all.iter().map(|e| severity_number(*e)).collect();
        assert_eq!(n, [9, 13, 14, 15, 17, 21]);
    }

    #[test]
    fn summary_names_effect_boundary_tool_runtime_and_rules() {
        assert_eq!(
            summary(&record(DENY)),
            "deny tool_request Bash (claude): fs.recursive-delete, hookwarden.guard.tamper"
        );
        assert_eq!(
            summary(&record(AUDIT_ONLY)),
            "allow (would deny) prompt UserPromptSubmit (codex)"
        );
    }

    #[test]
    fn a_log_record_is_otlp_json() {
        let r = record(DENY);
        let v = serde_json::to_value(log_record(&r, "5")).unwrap();
        assert_eq!(v["timeUnixNano"], "1796323043648000000");
        assert_eq!(v["observedTimeUnixNano"], "5");
        assert_eq!(v["severityNumber"], 17);
        assert_eq!(v["severityText"], "deny");
        assert_eq!(
            v["body"]["stringValue"],
            "deny tool_request Bash (claude): fs.recursive-delete, hookwarden.guard.tamper"
        );
        let attr = |k: &str| {
            v["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == k)
                .map(|a| a["value"].clone())
        };
        assert_eq!(
            attr("hookwarden.decision_id").unwrap()["stringValue"],
            "d-1"
        );
        assert_eq!(attr("hookwarden.risk").unwrap()["intValue"], "100");
        assert_eq!(
            attr("hookwarden.rule_ids").unwrap()["arrayValue"]["values"][1]["stringValue"],
            "hookwarden.guard.tamper"
        );
        assert_eq!(attr("hookwarden.user").unwrap()["stringValue"], "alice");
        assert_eq!(
            attr("hookwarden.command").unwrap()["stringValue"],
            "rm -rf /"
        );
        // Left out when absent, as the collector leaves them out.
        let r = record(AUDIT_ONLY);
        let keys: Vec<&str> = attributes(&r).iter().map(|a| a.key).collect();
        assert!(!keys.contains(&"hookwarden.tool"));
        assert!(!keys.contains(&"hookwarden.user"));
        assert!(!keys.contains(&"hookwarden.action_id"));
        // An empty list is an empty arrayValue, as the collector writes it.
        let v = serde_json::to_value(&attributes(&r)[3]).unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"key":"hookwarden.rule_ids","value":{"arrayValue":{}}}"#
        );
    }

    #[test]
    fn a_request_holds_resource_scope_and_records() {
        let recs = vec![record(DENY), record(AUDIT_ONLY)];
        let mut out = Vec::new();
        write_request(&mut out, "build-7", &recs, "9").unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let rl = &v["resourceLogs"][0];
        assert_eq!(rl["resource"]["attributes"][0]["key"], "service.name");
        assert_eq!(
            rl["resource"]["attributes"][0]["value"]["stringValue"],
            "hookwarden"
        );
        assert_eq!(
            rl["resource"]["attributes"][1]["value"]["stringValue"],
            "build-7"
        );
        assert_eq!(rl["scopeLogs"][0]["scope"]["name"], "hookwarden.audit");
        assert_eq!(
            rl["scopeLogs"][0]["logRecords"].as_array().unwrap().len(),
            2
        );
    }

    #[test]
    fn window_bounds_are_inclusive_and_need_a_time() {
        let t = crate::time::parse_rfc3339("2026-12-03T18:37:23Z").unwrap();
        let w = Window {
            since: Some(t),
            until: Some(t),
        };
        assert!(w.contains("2026-12-03T18:37:23.648Z"));
        assert!(!w.contains("2026-12-03T18:37:24Z"));
        assert!(!w.contains("not a time"));
        assert!(Window::default().contains("not a time"));
    }

    #[test]
    fn bounds_take_durations_times_and_dates() {
        let now = 1_800_000_000;
        assert_eq!(parse_bound("1h", now), Some(now - 3600));
        assert_eq!(
            parse_bound("2026-01-31", now),
            parse_bound("2026-01-31T00:00:00Z", now)
        );
        assert!(parse_bound("2026-01-31T18:00:00+01:00", now).is_some());
        assert_eq!(parse_bound("yesterday", now), None);
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-rf"), "'-rf");
        let row = csv_row(&record(DENY));
        assert!(row.starts_with("2026-12-03T18:37:23.648Z,d-1,deny,deny,"));
        assert!(row.contains(",fs.recursive-delete;hookwarden.guard.tamper,100,claude,"));
        assert_eq!(row.split(',').count(), CSV_COLUMNS.len());
    }
}

/// The fields of an audit line that filters and summaries read, borrowed from the line: the
/// event, reasons and findings are skipped, not built.
#[derive(Debug, Deserialize)]
pub struct Brief<'a> {
    #[serde(borrow, default)]
    pub timestamp: Cow<'a, str>,
    pub effect: Effect,
    #[serde(default)]
    pub would_effect: Option<Effect>,
    #[serde(borrow, default)]
    pub rule_ids: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub fired: Vec<BriefFire<'a>>,
    #[serde(borrow, default)]
    pub runtime: Cow<'a, str>,
    #[serde(borrow, default)]
    pub boundary: Cow<'a, str>,
    #[serde(borrow, default)]
    pub session_id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub policy_version: Cow<'a, str>,
    #[serde(borrow, default)]
    pub context: BriefContext<'a>,
}

#[derive(Debug, Deserialize)]
pub struct BriefFire<'a> {
    #[serde(borrow)]
    pub rule_id: Cow<'a, str>,
    pub effect: Effect,
    #[serde(default)]
    pub mode: Mode,
}

#[derive(Debug, Default, Deserialize)]
pub struct BriefContext<'a> {
    #[serde(borrow, default)]
    pub user: Option<Cow<'a, str>>,
}

impl Brief<'_> {
    /// The effect an audit-only rule would have given, else the effect given.
    pub fn would(&self) -> Effect {
        self.would_effect.unwrap_or(self.effect)
    }
}

/// Which decisions a view shows: every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub window: Window,
    /// The runtime (`claude`, `codex`, ...).
    pub runtime: Option<String>,
    /// A rule id glob (`secrets.*`): a rule that fired matches it.
    pub rule: Option<String>,
    /// The effect given, or the one an audit-only rule would have given.
    pub effect: Option<Effect>,
    pub session: Option<String>,
    pub user: Option<String>,
    /// Keep decisions where no rule fired (otherwise dropped unless a rule or effect is asked
    /// for).
    pub all: bool,
}

/// `"value"` as any JSON writer writes it, when that is sure (plain ASCII needs no escape):
/// what a raw line must contain for a field to equal `value`. `None`: no test on the text.
fn quoted(value: &str) -> Option<String> {
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-_:@+ ,=#".contains(&b));
    plain.then(|| format!("\"{value}\""))
}

impl Filter {
    /// Whether only the time window (if any) selects: then every decision in it is kept, and
    /// a reader that parses whole records anyway checks the window on them.
    pub fn only_window(&self) -> bool {
        self.all
            && self.runtime.is_none()
            && self.rule.is_none()
            && self.effect.is_none()
            && self.session.is_none()
            && self.user.is_none()
    }

    /// Whether a raw line can match, from its text alone: `false` is sure, `true` is a maybe
    /// that [`Filter::matches`] settles. Cheap substring tests, no JSON parse.
    pub fn may_match(&self, line: &str) -> bool {
        let has = |v: &Option<String>| match v.as_deref().and_then(quoted) {
            Some(q) => memchr::memmem::find(line.as_bytes(), q.as_bytes()).is_some(),
            None => true,
        };
        if !has(&self.session) || !has(&self.user) || !has(&self.runtime) {
            return false;
        }
        if let Some(q) = self.effect.and_then(|e| quoted(e.as_str())) {
            if !line.contains(&q) {
                return false;
            }
        }
        if let Some(rule) = &self.rule {
            // The literal start of the glob must be in the line.
            let lit: String = rule
                .chars()
                .take_while(|c| !matches!(c, '*' | '?' | '[' | '{' | '\\'))
                .collect();
            if quoted(&lit).is_some() && !lit.is_empty() && !line.contains(&lit) {
                return false;
            }
        }
        true
    }

    /// Whether a decision matches every condition.
    pub fn matches(&self, b: &Brief<'_>) -> bool {
        if !self.all && b.rule_ids.is_empty() && self.rule.is_none() && self.effect.is_none() {
            return false;
        }
        if let Some(rule) = &self.rule {
            if !b
                .rule_ids
                .iter()
                .any(|id| crate::policy::glob::matches(rule, id))
            {
                return false;
            }
        }
        if let Some(e) = self.effect {
            if b.effect != e && b.would() != e {
                return false;
            }
        }
        if self.session.as_deref().is_some_and(|s| b.session_id != s) {
            return false;
        }
        if self.runtime.as_deref().is_some_and(|r| b.runtime != r) {
            return false;
        }
        if let Some(u) = &self.user {
            if b.context.user.as_deref() != Some(u.as_str()) {
                return false;
            }
        }
        self.window.contains(&b.timestamp)
    }
}

/// Calls `f` with each whole record of the logs that passes `filter` and its line as stored,
/// in file order: a filter on more than the time is tried on the raw line and the record's
/// [`Brief`] first, so lines it rejects are never parsed whole. Returns the count of lines that
/// could not be read.
pub fn for_each_record(
    files: &[std::path::PathBuf],
    filter: &Filter,
    mut f: impl FnMut(AuditRecord, &str) -> std::io::Result<()>,
) -> std::io::Result<usize> {
    let mut bad = 0;
    if filter.only_window() {
        for path in files {
            bad += for_each_line(path, |r, line| {
                if filter.window.contains(&r.decision.timestamp) {
                    f(r, line)?;
                }
                Ok(())
            })?;
        }
        return Ok(bad);
    }
    bad += for_each_selected(files, filter, |_, line| {
        match serde_json::from_str::<AuditRecord>(line) {
            Ok(r) => f(r, line)?,
            Err(_) => bad += 1,
        }
        Ok(())
    })?;
    Ok(bad)
}

/// Calls `f` with each line of the logs that passes `filter`, its [`Brief`] and the line as
/// stored, in file order. Returns the count of lines that could not be read.
pub fn for_each_selected(
    files: &[std::path::PathBuf],
    filter: &Filter,
    mut f: impl FnMut(&Brief<'_>, &str) -> std::io::Result<()>,
) -> std::io::Result<usize> {
    let mut bad = 0;
    for path in files {
        let file = std::fs::File::open(path)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() || !filter.may_match(text) {
                continue;
            }
            match serde_json::from_str::<Brief<'_>>(text) {
                Ok(b) if filter.matches(&b) => f(&b, text)?,
                Ok(_) => {}
                Err(_) => bad += 1,
            }
        }
    }
    Ok(bad)
}
