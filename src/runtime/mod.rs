//! Runtime adapters: parse a runtime's hook stdin into an [`Event`], render a [`Decision`] in
//! that runtime's answer shape. One file per runtime; each implements [`Adapter`].
//!
//! What each runtime honours is recorded in ../shared/docs/hook-protocols.md; the rules that
//! matter most here: never send `allow` (it would bypass the runtime's own permission
//! prompts), never send Codex a field it does not know (it then runs the tool), never send
//! `ask` to Codex or Gemini (the tool runs, or the CLI hangs).

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod cursor;
pub mod factory;
pub mod gemini;
pub mod qwen;
#[cfg(test)]
pub(crate) mod testutil;

use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind};
use serde_json::{json, Map, Value};

/// What the hook process prints and how it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Answer {
    pub fn silent() -> Answer {
        Answer::default()
    }

    pub fn json(v: Value) -> Answer {
        Answer {
            stdout: v.to_string(),
            ..Answer::default()
        }
    }

    /// Exit 2 with the reason on stderr: every supported runtime reads this as "block" at
    /// pre-tool, which is why internal errors use it to fail closed.
    pub fn block_exit2(reason: &str) -> Answer {
        Answer {
            stdout: String::new(),
            stderr: reason.to_string(),
            exit_code: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the hook input is not a JSON object")]
    NotObject,
    #[error("the hook input has no `hook_event_name`")]
    NoEventName,
}

/// A runtime's hook protocol.
pub trait Adapter: Sync {
    fn kind(&self) -> RuntimeKind;
    /// Parses the hook payload. Unknown events parse to [`Boundary::Other`].
    fn parse(&self, raw: &Value) -> Result<Event, ParseError>;
    /// [`Adapter::parse`] of a payload the caller is done with: the tool response (megabytes,
    /// for a big output) moves into the event instead of being copied. Same event.
    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        self.parse(&raw)
    }
    /// The answer for a decision.
    fn render(&self, ev: &Event, d: &Decision) -> Answer;
    /// The answer when hookwarden itself failed at this boundary (fail closed at pre-tool).
    fn render_failure(&self, boundary: Option<Boundary>, message: &str) -> Answer {
        match boundary {
            Some(Boundary::ToolRequest) | None => Answer::block_exit2(message),
            _ => Answer {
                stderr: message.to_string(),
                ..Answer::default()
            },
        }
    }
}

pub fn adapter(kind: RuntimeKind) -> &'static dyn Adapter {
    match kind {
        RuntimeKind::Codex => &codex::Codex,
        RuntimeKind::Gemini => &gemini::Gemini,
        RuntimeKind::Cursor => &cursor::Cursor,
        RuntimeKind::Copilot => &copilot::Copilot,
        RuntimeKind::Qwen => &qwen::Qwen,
        RuntimeKind::Factory => &factory::Factory,
        _ => &claude::Claude,
    }
}

/// Guesses the runtime from a payload when `--runtime` is not given. Installed configs always
/// pass the flag; this is for people piping events by hand.
pub fn infer(raw: &Value) -> RuntimeKind {
    let event = raw
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if matches!(
        event,
        "BeforeTool" | "AfterTool" | "BeforeAgent" | "AfterAgent" | "BeforeModel" | "AfterModel"
    ) {
        return RuntimeKind::Gemini;
    }
    // Copilot's camelCase payloads carry no event name; Cursor's event names are camelCase.
    if raw.get("sessionId").is_some() || raw.get("toolName").is_some() {
        return RuntimeKind::Copilot;
    }
    if raw.get("conversation_id").is_some() && event.starts_with(|c: char| c.is_ascii_lowercase()) {
        return RuntimeKind::Cursor;
    }
    if raw.get("turn_id").is_some() || raw.get("tool_response").is_some_and(|v| v.is_string()) {
        return RuntimeKind::Codex;
    }
    RuntimeKind::Claude
}

/// The tool response with every string leaf redacted of the kinds the decision redacts.
/// The shape is unchanged, which is what Claude requires of `updatedToolOutput`.
pub fn redact_response(v: &Value, d: &Decision) -> Value {
    let kinds: Vec<&str> = d.redactions.iter().map(|r| r.kind.as_str()).collect();
    map_strings(v, &mut |s| {
        let findings = crate::redact::scan_kinds(s, &kinds);
        crate::redact::apply(s, &findings)
    })
}

/// The tool response with its content replaced by a message (output withheld).
pub fn withhold_response(v: &Value, message: &str) -> Value {
    const CONTENT_KEYS: &[&str] = &[
        "stdout",
        "stderr",
        "content",
        "output",
        "text",
        "result",
        "llmContent",
        "returnDisplay",
    ];
    let mut first = true;
    match v {
        Value::String(_) => Value::String(message.to_string()),
        Value::Object(_) => {
            let mut replaced_any = false;
            let out = map_keyed(v, &mut |key, s| {
                if CONTENT_KEYS.contains(&key) {
                    replaced_any = true;
                    if std::mem::take(&mut first) {
                        return message.to_string();
                    }
                    return String::new();
                }
                s.to_string()
            });
            if replaced_any {
                out
            } else {
                map_strings(v, &mut |_| message.to_string())
            }
        }
        _ => Value::String(message.to_string()),
    }
}

fn map_strings(v: &Value, f: &mut dyn FnMut(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(f(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_strings(x, f)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), map_strings(x, f));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn map_keyed(v: &Value, f: &mut dyn FnMut(&str, &str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let nx = match x {
                    Value::String(s) => Value::String(f(k, s)),
                    other => map_keyed(other, f),
                };
                out.insert(k.clone(), nx);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| map_keyed(x, f)).collect()),
        other => other.clone(),
    }
}

/// The redacted flat output text (for runtimes that take the output as a reason string).
pub fn redacted_output(ev: &Event, d: &Decision) -> String {
    let text = ev.output.as_deref().unwrap_or("");
    let findings: Vec<crate::signals::Finding> = d
        .redactions
        .iter()
        .map(|r| crate::signals::Finding {
            kind: r.kind.clone(),
            start: r.start,
            end: r.end,
            hash: r.hash.clone(),
        })
        .collect();
    crate::redact::apply(text, &findings)
}

/// Common fields of the Claude-shaped payloads (Claude, Codex, Qwen, Factory, Copilot's
/// PascalCase mode).
pub fn parse_claude_like(raw: &Value, runtime: RuntimeKind) -> Result<Event, ParseError> {
    let response = CLAUDE_RESPONSE.iter().find_map(|k| raw.get(*k)).cloned();
    claude_like(raw, runtime, response)
}

/// [`parse_claude_like`] of a payload the caller is done with (see [`Adapter::parse_owned`]).
pub fn parse_claude_like_owned(mut raw: Value, runtime: RuntimeKind) -> Result<Event, ParseError> {
    let response = take_first(&mut raw, CLAUDE_RESPONSE);
    claude_like(&raw, runtime, response)
}

/// Where Claude-like payloads carry a tool's result: its response, else its error.
const CLAUDE_RESPONSE: &[&str] = &["tool_response", "error"];

/// Moves out the value of the first of `keys` the object has, leaving null in its place.
pub fn take_first(raw: &mut Value, keys: &[&str]) -> Option<Value> {
    let obj = raw.as_object_mut()?;
    let key = keys.iter().find(|k| obj.contains_key(**k))?;
    obj.get_mut(*key).map(Value::take)
}

/// The Claude-like event of `raw`, with the tool `response` already taken from it.
fn claude_like(
    raw: &Value,
    runtime: RuntimeKind,
    response: Option<Value>,
) -> Result<Event, ParseError> {
    let obj = raw.as_object().ok_or(ParseError::NotObject)?;
    let name = obj
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .ok_or(ParseError::NoEventName)?;
    let boundary = match name {
        "PreToolUse" => Boundary::ToolRequest,
        "PostToolUse" | "PostToolUseFailure" => Boundary::ToolOutput,
        "UserPromptSubmit" => Boundary::Prompt,
        "Stop" | "SubagentStop" => Boundary::FinalResponse,
        _ => Boundary::Other,
    };
    let mut ev = Event::new(runtime, boundary, name);
    let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    ev.session_id = s("session_id").unwrap_or_default();
    ev.cwd = s("cwd").unwrap_or_default();
    ev.transcript_path = s("transcript_path");
    ev.model = s("model");
    ev.turn_id = s("turn_id");
    ev.action_id = s("tool_use_id");
    if let Some(tool) = s("tool_name") {
        ev.tool = Some(crate::event::classify_tool(&tool));
        let input = obj.get("tool_input").cloned().unwrap_or(Value::Null);
        crate::event::fill_from_input(&mut ev, &input);
        ev.tool_input = input;
    }
    match boundary {
        Boundary::ToolOutput => {
            let resp = response.unwrap_or(Value::Null);
            ev.output = Some(match &resp {
                Value::String(s) => s.clone(),
                other => crate::event::response_text(other),
            });
            ev.tool_response = resp;
        }
        Boundary::Prompt => ev.prompt = s("prompt"),
        Boundary::FinalResponse => ev.response = s("last_assistant_message"),
        _ => {}
    }
    ev.continuation = stop_hook_active(raw);
    Ok(ev)
}

/// Whether a Stop-style event is already a continuation forced by a hook; blocking again
/// would loop, so such events are only recorded.
pub fn stop_hook_active(raw: &Value) -> bool {
    raw.get("stop_hook_active")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The message for an approval that a runtime cannot ask for: deny, and say how to approve.
pub fn approval_message(d: &Decision) -> String {
    let role = d
        .approver_role
        .clone()
        .unwrap_or_else(|| "an approver".to_string());
    let mut msg = format!("{}\nApproval required from {role}.", d.message());
    if let Some(code) = d.approval_code() {
        msg.push_str(&format!(
            " A person can allow this exact action with `hookwarden approve {code}`; then retry it unchanged."
        ));
    }
    msg
}

/// A short warning for the model's context (alerts on PII or injected instructions).
pub fn context_warning(d: &Decision) -> Option<String> {
    if d.effect != Effect::Alert {
        return None;
    }
    let msg = d.message();
    Some(format!("hookwarden notice: {msg}"))
}

/// `json!` helper for the common hookSpecificOutput shape.
pub fn hook_specific(event: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("hookEventName".into(), json!(event));
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    json!({ "hookSpecificOutput": Value::Object(m) })
}
