//! Agent transcripts: the tool calls a runtime recorded in its own session files, read back as
//! request events. Replay re-evaluates them under a candidate policy; evaluation counts what
//! agents actually did. Both read transcripts through this module, so a call found by one is
//! found by the other, in the same shape.
//!
//! Formats, read best-effort (a line that is not JSON is counted and skipped):
//! - Claude Code: JSONL, one record per line with `sessionId` and `cwd`; calls are
//!   `{"type": "tool_use", "name", "input"}` items of `message.content`.
//! - Codex: rollout JSONL; `session_meta` / `turn_context` payloads carry `id` and `cwd`; calls
//!   are `function_call` (JSON-encoded `arguments`), `custom_tool_call` (`apply_patch` sends the
//!   patch as a plain string `input`) and `local_shell_call` (`action.command` argv) payloads.
//! - Gemini CLI: a JSON document (`sessionId`, `messages: [...]`) or, in newer versions, JSONL
//!   (a session metadata line, then one message per line, and `$set` updates); calls are
//!   `toolCalls: [{name, args}]` of a message, or `functionCall: {name, args}` parts.
//!
//! A call's time is the `timestamp` of the call or of the nearest record around it.

use crate::event::{self, Boundary, Event, RuntimeKind};
use serde_json::Value;
use std::path::Path;

/// One tool call found in a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub runtime: RuntimeKind,
    /// The tool name as the runtime recorded it (`Bash`, `shell`, `read_file`, `mcp__x__y`).
    pub tool: String,
    /// The tool input; a shell argv `["bash", "-lc", "<script>"]` is reduced to the script.
    pub input: Value,
    /// The session the call belongs to, when the transcript says.
    pub session: String,
    /// The working directory last recorded before the call; empty when none was.
    pub cwd: String,
    /// RFC 3339 as written, or empty.
    pub time_text: String,
}

impl Call {
    /// The request event the call was: tool classified, input read the way the hook reads it.
    pub fn event(&self) -> Event {
        let mut ev = Event::new(self.runtime, Boundary::ToolRequest, "transcript");
        ev.session_id = self.session.clone();
        ev.cwd = self.cwd.clone();
        ev.tool = Some(event::classify_tool(&self.tool));
        event::fill_from_input(&mut ev, &self.input);
        ev.tool_input = self.input.clone();
        ev
    }

    /// Seconds since the epoch, when the call has a time.
    pub fn time(&self) -> Option<i64> {
        crate::time::parse_rfc3339(&self.time_text)
    }
}

/// The calls of one transcript, and how many of its lines were not JSON.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub calls: Vec<Call>,
    pub bad_lines: usize,
}

/// Why a transcript could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("not JSON: {0}")]
    NotJson(String),
}

/// Reads a transcript file.
pub fn read(path: &Path) -> Result<Transcript, ReadError> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    parse(&text)
}

/// Parses a transcript: one JSON document (Gemini's chat file), else one JSON value per line.
/// Fails only when there is text and none of it is JSON.
pub fn parse(text: &str) -> Result<Transcript, ReadError> {
    let mut out = Transcript::default();
    let values: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(v) => vec![v],
        Err(whole) => {
            let mut values = Vec::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                match serde_json::from_str(line) {
                    Ok(v) => values.push(v),
                    Err(_) => out.bad_lines += 1,
                }
            }
            if values.is_empty() && out.bad_lines > 0 {
                return Err(ReadError::NotJson(whole.to_string()));
            }
            values
        }
    };
    let mut at = Position::default();
    for v in &values {
        at.observe(v);
        let time = str_of(v, "timestamp").unwrap_or_default();
        find_calls(v, &at, &time, 0, &mut out.calls);
    }
    Ok(out)
}

/// Session and cwd as the transcript has said so far.
#[derive(Debug, Default)]
struct Position {
    session: String,
    cwd: String,
}

impl Position {
    fn observe(&mut self, v: &Value) {
        // Claude lines carry sessionId/cwd; Codex's session_meta payload carries id/cwd and
        // its turn_context payload cwd; Gemini's chat file (or first JSONL line) sessionId.
        let payload = v.get("payload").unwrap_or(&Value::Null);
        let session = str_of(v, "sessionId")
            .or_else(|| str_of(v, "session_id"))
            .or_else(|| {
                (str_of(v, "type").as_deref() == Some("session_meta"))
                    .then(|| str_of(payload, "id"))
                    .flatten()
            });
        if let Some(id) = session {
            self.session = id;
        }
        if let Some(c) = str_of(v, "cwd").or_else(|| str_of(payload, "cwd")) {
            self.cwd = c;
        }
    }
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(|x| x.to_string())
}

/// Deep enough for every known layout (Claude: line.message.content[i]), bounded for input
/// that nests without end.
const MAX_DEPTH: usize = 32;

/// Tool calls anywhere in a transcript value. `time` is the nearest enclosing `timestamp`.
fn find_calls(v: &Value, at: &Position, time: &str, depth: usize, out: &mut Vec<Call>) {
    if depth > MAX_DEPTH {
        return;
    }
    let m = match v {
        Value::Object(m) => m,
        Value::Array(a) => {
            for x in a {
                find_calls(x, at, time, depth + 1, out);
            }
            return;
        }
        _ => return,
    };
    let own_time = m.get("timestamp").and_then(|t| t.as_str());
    let time = own_time.unwrap_or(time);
    let call = |runtime, tool: &str, input: Value| Call {
        runtime,
        tool: tool.to_string(),
        input,
        session: at.session.clone(),
        cwd: at.cwd.clone(),
        time_text: time.to_string(),
    };
    let name = m.get("name").and_then(|n| n.as_str());
    match (m.get("type").and_then(|t| t.as_str()), name) {
        (Some("tool_use"), Some(n)) => {
            let input = m.get("input").cloned().unwrap_or(Value::Null);
            out.push(call(RuntimeKind::Claude, n, input));
            return;
        }
        (Some("function_call" | "custom_tool_call"), Some(n)) => {
            let input = codex_arguments(m.get("arguments").or_else(|| m.get("input")));
            out.push(call(RuntimeKind::Codex, n, input));
            return;
        }
        (Some("local_shell_call"), _) => {
            let mut input = m.get("action").cloned().unwrap_or(Value::Null);
            shell_script(&mut input);
            out.push(call(RuntimeKind::Codex, "local_shell", input));
            return;
        }
        _ => {}
    }
    // Gemini: `toolCalls: [{name, args}]` of a message, or a `functionCall: {name, args}` part.
    let mut gemini = false;
    for key in ["toolCalls", "functionCall"] {
        let calls: Vec<&Value> = match m.get(key) {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(o @ Value::Object(_)) => vec![o],
            _ => continue,
        };
        gemini = true;
        for c in calls {
            if let Some(n) = c.get("name").and_then(|x| x.as_str()) {
                let t = c.get("timestamp").and_then(|t| t.as_str()).unwrap_or(time);
                let mut found = call(
                    RuntimeKind::Gemini,
                    n,
                    c.get("args").cloned().unwrap_or(Value::Null),
                );
                found.time_text = t.to_string();
                out.push(found);
            }
        }
    }
    if gemini {
        // A call's `result` echoes it; it is not another call.
        return;
    }
    for x in m.values() {
        find_calls(x, at, time, depth + 1, out);
    }
}

/// Codex arguments: a JSON-encoded object, or (for `apply_patch` as a custom tool) the raw
/// patch text, which becomes `{"input": text}` as the hook sees it.
fn codex_arguments(raw: Option<&Value>) -> Value {
    let args = match raw {
        Some(Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let mut args = match args {
        Value::String(s) => serde_json::json!({ "input": s }),
        other => other,
    };
    shell_script(&mut args);
    args
}

/// Reduces a shell argv `["bash", "-lc", "<script>"]` (bash, sh or zsh; `-c` or `-lc`) to the
/// script, so the command is what the shell ran. Other argvs (`python -c ...`) stay as they are.
fn shell_script(input: &mut Value) {
    let Some(arr) = input.get("command").and_then(|c| c.as_array()) else {
        return;
    };
    let parts: Vec<&str> = arr.iter().filter_map(|x| x.as_str()).collect();
    if parts.len() == 3
        && arr.len() == 3
        && matches!(parts[0].rsplit('/').next(), Some("bash" | "sh" | "zsh"))
        && matches!(parts[1], "-c" | "-lc")
    {
        let script = parts[2].to_string();
        input["command"] = Value::String(script);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn calls(text: &str) -> Vec<Call> {
        parse(text).unwrap().calls
    }

    #[test]
    fn claude_tool_use_with_session_cwd_and_time() {
        let got = calls(concat!(
            r#"{"type":"user","sessionId":"s1","cwd":"/w","message":{"role":"user","content":"hi"}}"#,
            "\n",
            r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-11-20T10:00:00Z","message":{"content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"rm -rf /"}}]}}"#,
            "\n",
        ));
        assert_eq!(got.len(), 1);
        let c = &got[0];
        assert_eq!(
            (
                c.runtime,
                c.tool.as_str(),
                c.session.as_str(),
                c.cwd.as_str()
            ),
            (RuntimeKind::Claude, "Bash", "s1", "/w")
        );
        assert_eq!(c.time_text, "2026-11-20T10:00:00Z");
        assert_eq!(c.event().command.as_deref(), Some("rm -rf /"));
    }

    #[test]
    fn codex_function_custom_and_local_shell_calls() {
        let got = calls(concat!(
            r#"{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"s2","cwd":"/w"}}"#,
            "\n",
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"git push --force\"]}","call_id":"c1"}}"#,
            "\n",
            r#"{"timestamp":"2026-11-20T10:00:02Z","type":"response_item","payload":{"type":"custom_tool_call","name":"apply_patch","input":"*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch"}}"#,
            "\n",
            r#"{"timestamp":"2026-11-20T10:00:03Z","type":"turn_context","payload":{"cwd":"/w/sub"}}"#,
            "\n",
            r#"{"timestamp":"2026-11-20T10:00:04Z","type":"response_item","payload":{"type":"local_shell_call","action":{"type":"exec","command":["/bin/sh","-c","ls -la"]}}}"#,
            "\n",
            r#"{"timestamp":"2026-11-20T10:00:05Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"python3\",\"-c\",\"print(1)\"]}"}}"#,
            "\n",
        ));
        assert_eq!(got.len(), 4);
        assert!(got
            .iter()
            .all(|c| c.runtime == RuntimeKind::Codex && c.session == "s2"));
        assert_eq!(got[0].event().command.as_deref(), Some("git push --force"));
        assert_eq!(got[0].time_text, "2026-11-20T10:00:01Z");
        assert_eq!(
            got[1].input["input"].as_str().map(|s| &s[..15]),
            Some("*** Begin Patch")
        );
        assert_eq!(got[1].event().paths, vec!["a.txt".to_string()]);
        assert_eq!(got[2].tool, "local_shell");
        assert_eq!(got[2].cwd, "/w/sub");
        assert_eq!(got[2].event().command.as_deref(), Some("ls -la"));
        // Only a shell's `-c` script is the command: a Python argv stays an argv.
        assert!(got[3].input["command"].is_array());
    }

    #[test]
    fn gemini_chat_json_and_jsonl_take_message_times() {
        let json = r#"{"sessionId":"s3","startTime":"2026-11-20T09:00:00Z","messages":[
            {"id":"u1","type":"user","timestamp":"2026-11-20T09:00:01Z","content":"read it"},
            {"id":"g1","type":"gemini","timestamp":"2026-11-20T09:00:02Z","content":"","toolCalls":[
                {"id":"1","name":"read_file","args":{"absolute_path":"/w/.env"},
                 "result":[{"functionResponse":{"id":"1","name":"read_file","response":{"output":"x"}}}]}]}]}"#;
        let got = calls(json);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].runtime, RuntimeKind::Gemini);
        assert_eq!(got[0].session, "s3");
        assert_eq!(got[0].time_text, "2026-11-20T09:00:02Z");
        assert_eq!(got[0].event().paths, vec!["/w/.env".to_string()]);

        let jsonl = concat!(
            r#"{"sessionId":"s4","projectHash":"ab","startTime":"2026-11-20T09:00:00Z","lastUpdated":"2026-11-20T09:00:00Z","kind":"main"}"#,
            "\n",
            r#"{"id":"u1","timestamp":"2026-11-20T09:00:01Z","type":"user","content":[{"text":"list"}]}"#,
            "\n",
            r#"{"id":"g1","timestamp":"2026-11-20T09:00:02Z","type":"gemini","content":"","toolCalls":[{"id":"a","name":"run_shell_command","args":{"command":"ls"},"timestamp":"2026-11-20T09:00:03Z"}]}"#,
            "\n",
            r#"{"$set":{"lastUpdated":"2026-11-20T09:00:04Z"}}"#,
            "\n",
            r#"{"role":"model","parts":[{"functionCall":{"name":"write_file","args":{"file_path":"/w/a","content":"x"}}}]}"#,
            "\n",
        );
        let got = calls(jsonl);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|c| c.session == "s4"));
        assert_eq!(got[0].time_text, "2026-11-20T09:00:03Z");
        assert_eq!(got[0].event().command.as_deref(), Some("ls"));
        assert_eq!(got[1].tool, "write_file");
    }

    #[test]
    fn bad_lines_are_counted_and_all_bad_is_an_error() {
        let t =
            parse("not json\n{\"type\":\"tool_use\",\"name\":\"Bash\",\"input\":{}}\n").unwrap();
        assert_eq!((t.calls.len(), t.bad_lines), (1, 1));
        assert!(matches!(parse("{"), Err(ReadError::NotJson(_))));
        assert!(parse("").unwrap().calls.is_empty());
        assert!(parse("\n\n").unwrap().calls.is_empty());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(calls(&deep).is_empty());
    }
}
