//! Gemini CLI: `BeforeTool`, `AfterTool`, `BeforeAgent` (prompt), `AfterAgent` (final answer).
//!
//! Gemini ignores Claude's `permissionDecision` shape (verified: the command runs), so every
//! block is top-level `decision: "deny"` + `reason`. Headless Gemini hangs on `ask`, so an
//! approval is a deny whose reason says how to approve. AfterTool cannot rewrite output, but
//! `deny` replaces it with the reason: redaction sends the redacted output as the reason.

use super::{approval_message, context_warning, redacted_output, stop_hook_active, take_first};
use super::{Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{classify_tool, fill_from_input, response_text, Boundary, Event, RuntimeKind};
use serde_json::{json, Value};

pub struct Gemini;

impl Adapter for Gemini {
    fn kind(&self) -> RuntimeKind {
        RuntimeKind::Gemini
    }

    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_gemini(raw, raw.get("tool_response").cloned())
    }

    fn parse_owned(&self, mut raw: Value) -> Result<Event, ParseError> {
        let response = take_first(&mut raw, &["tool_response"]);
        parse_gemini(&raw, response)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        let msg = d.message();
        let deny = |reason: String| Answer::json(json!({ "decision": "deny", "reason": reason }));
        match (ev.boundary, d.effect) {
            (_, Effect::Terminate) => Answer::json(json!({
                "decision": "deny",
                "reason": msg,
                "continue": false,
                "stopReason": msg,
            })),
            (Boundary::ToolRequest, Effect::Deny) => deny(msg),
            (Boundary::ToolRequest, Effect::Ask) => deny(approval_message(d)),
            (Boundary::ToolOutput, Effect::Redact) => deny(redacted_output(ev, d)),
            (Boundary::ToolOutput, Effect::Deny | Effect::Ask) => {
                deny(format!("[output withheld by hookwarden]\n{msg}"))
            }
            (Boundary::Prompt, Effect::Deny | Effect::Ask | Effect::Redact) => deny(msg),
            (Boundary::FinalResponse, Effect::Deny | Effect::Ask | Effect::Redact)
                if !ev.continuation =>
            {
                deny(format!("{msg}\nRewrite your final answer without it."))
            }
            (Boundary::ToolOutput | Boundary::ToolRequest | Boundary::Prompt, Effect::Alert) => {
                match context_warning(d) {
                    Some(w) => Answer::json(json!({
                        "hookSpecificOutput": { "hookEventName": ev.event_name, "additionalContext": w }
                    })),
                    None => Answer::silent(),
                }
            }
            _ => Answer::silent(),
        }
    }
}

/// The Gemini event of `raw`, with the tool `response` already taken from it.
fn parse_gemini(raw: &Value, response: Option<Value>) -> Result<Event, ParseError> {
    let obj = raw.as_object().ok_or(ParseError::NotObject)?;
    let name = obj
        .get("hook_event_name")
        .and_then(|v| v.as_str())
        .ok_or(ParseError::NoEventName)?;
    let boundary = match name {
        "BeforeTool" => Boundary::ToolRequest,
        "AfterTool" => Boundary::ToolOutput,
        "BeforeAgent" => Boundary::Prompt,
        "AfterAgent" => Boundary::FinalResponse,
        _ => Boundary::Other,
    };
    let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    let mut ev = Event::new(RuntimeKind::Gemini, boundary, name);
    ev.session_id = s("session_id").unwrap_or_default();
    ev.cwd = s("cwd").unwrap_or_default();
    ev.transcript_path = s("transcript_path");
    ev.model = s("model");
    ev.continuation = stop_hook_active(raw);
    if let Some(tool) = s("tool_name") {
        ev.tool = Some(classify_tool(&tool));
        let input = obj.get("tool_input").cloned().unwrap_or(Value::Null);
        fill_from_input(&mut ev, &input);
        ev.tool_input = input;
    }
    match boundary {
        Boundary::ToolOutput => {
            let resp = response.unwrap_or(Value::Null);
            // What the model reads is `llmContent`; `returnDisplay` is for the user.
            let text = match resp.get("llmContent") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => response_text(other),
                None => response_text(&resp),
            };
            let err = resp.get("error").and_then(|e| e.as_str()).unwrap_or("");
            ev.output = Some(if err.is_empty() {
                text
            } else {
                format!("{text}\n{err}")
            });
            ev.tool_response = resp;
        }
        Boundary::Prompt => ev.prompt = s("prompt"),
        Boundary::FinalResponse => ev.response = s("prompt_response"),
        _ => {}
    }
    Ok(ev)
}
