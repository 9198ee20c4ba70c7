//! The audit log: one JSON line per decision, appended under an exclusive file lock.
//!
//! Hooks of one runtime run in parallel processes; the lock makes every line whole and keeps
//! every line. Each record holds the decision and enough of the event to replay it under
//! another policy — with every secret masked first: no raw secret is ever written here.

use crate::decision::Decision;
use crate::event::{Boundary, Event};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// At most this much of a tool output, prompt or answer is kept (masked) for replay.
pub const KEPT_TEXT: usize = 4096;

/// The event as recorded: masked and bounded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRecord {
    pub event_name: String,
    pub boundary: Boundary,
    #[serde(default)]
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<crate::event::Tool>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub tool_input: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Length of the boundary text before it was cut to [`KEPT_TEXT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditRecord {
    #[serde(flatten)]
    pub decision: Decision,
    pub event: EventRecord,
    /// Identity and context the decision was evaluated with (user, team, branch, ...).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub context: serde_json::Map<String, Value>,
    /// What a flag found, by kind and position and hash: never the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRecord {
    pub flag: String,
    pub kind: String,
    pub start: usize,
    pub end: usize,
    pub hash: String,
}

/// Masks every secret in a string.
pub fn mask(s: &str) -> String {
    crate::redact::redact_text(s).0
}

/// Masks every string leaf of a JSON value.
pub fn mask_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(a) => Value::Array(a.iter().map(mask_value).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), mask_value(x))).collect())
        }
        other => other.clone(),
    }
}

/// Cuts a string to at most `max` bytes on a char boundary.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether a JSON value's text reaches `limit` bytes, counted until it does (a 10 MB Write's
/// content is not serialized just to learn that it is big). Counts string and key bytes and a
/// few for each value: an estimate, close enough for a bound.
fn json_exceeds(v: &Value, limit: usize) -> bool {
    fn size(v: &Value, left: &mut usize) -> bool {
        let n = match v {
            Value::String(s) => s.len() + 2,
            Value::Array(a) => {
                for x in a {
                    if size(x, left) {
                        return true;
                    }
                }
                a.len() + 2
            }
            Value::Object(m) => {
                for (k, x) in m {
                    if size(x, left) {
                        return true;
                    }
                    *left = left.saturating_sub(k.len() + 4);
                }
                2
            }
            _ => 8,
        };
        *left = left.saturating_sub(n);
        *left == 0
    }
    let mut left = limit;
    size(v, &mut left)
}

impl EventRecord {
    pub fn from_event(ev: &Event) -> EventRecord {
        let text = match ev.boundary {
            Boundary::ToolOutput => ev.output.as_deref(),
            Boundary::Prompt => ev.prompt.as_deref(),
            Boundary::FinalResponse => ev.response.as_deref(),
            _ => None,
        };
        // Mask before cutting so a secret straddling the cut is still found whole.
        let (text, text_len) = match text {
            Some(t) => {
                let head = cut(t, KEPT_TEXT * 2);
                let masked = mask(head);
                (Some(cut(&masked, KEPT_TEXT).to_string()), Some(t.len()))
            }
            None => (None, None),
        };
        // Big tool inputs (a 10 MB Write) are kept bounded too.
        let tool_input = if json_exceeds(&ev.tool_input, KEPT_TEXT * 4) {
            serde_json::json!({ "_truncated": true })
        } else {
            mask_value(&ev.tool_input)
        };
        EventRecord {
            event_name: ev.event_name.clone(),
            boundary: ev.boundary,
            cwd: ev.cwd.clone(),
            tool: ev.tool.clone(),
            tool_input,
            command: ev.command.as_deref().map(mask),
            paths: ev.paths.clone(),
            text,
            text_len,
            model: ev.model.clone(),
            turn_id: ev.turn_id.clone(),
            transcript_path: ev.transcript_path.clone(),
        }
    }
}

/// Appends one line to the log under an exclusive lock; creates the file and its directory.
pub fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.lock_exclusive()?;
    // One write of the whole line, newline included, so even a reader without the lock
    // never sees half a record.
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    let res = f.write_all(buf.as_bytes()).and_then(|_| f.flush());
    let _ = FileExt::unlock(&f);
    res
}

/// Writes a record to the audit log; if that fails, to a fallback file in the temp dir, so
/// the decision is never lost. Returns where it went.
pub fn write(record: &AuditRecord) -> Result<PathBuf, String> {
    let line =
        serde_json::to_string(record).map_err(|e| format!("cannot encode audit record: {e}"))?;
    let path = crate::dirs::audit_path();
    match append_line(&path, &line) {
        Ok(()) => Ok(path),
        Err(e) => {
            let fallback = std::env::temp_dir().join("hookwarden-audit-fallback.jsonl");
            append_line(&fallback, &line)
                .map(|_| fallback.clone())
                .map_err(|e2| {
                    format!(
                        "cannot write audit log {}: {e}; fallback {}: {e2}",
                        path.display(),
                        fallback.display()
                    )
                })
        }
    }
}

/// Reads every record of an audit log; lines that do not parse are skipped and counted.
pub fn read_all(path: &Path) -> std::io::Result<(Vec<AuditRecord>, usize)> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<AuditRecord>(line) {
            Ok(r) => out.push(r),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}
