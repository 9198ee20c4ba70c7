//! OpenAI Codex CLI: Claude's event names and field names, but `turn_id`, `model`, a string
//! `tool_response`, and `apply_patch` whose `command` is the patch text.
//!
//! Codex rejects unknown output fields, and a rejected answer lets the tool run; it cannot
//! ask (an `ask` answer runs the tool) and ignores `updatedToolOutput`. So: deny for deny,
//! ask and terminate at pre-tool (ask's reason says how to get approval); post-tool
//! redaction by `decision: "block"` whose reason is the redacted output (verified: it
//! replaces what the model sees).

use super::{
    approval_message, context_warning, hook_specific, parse_claude_like, parse_claude_like_owned,
    redacted_output,
};
use super::{Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind};
use serde_json::{json, Value};

pub struct Codex;

impl Adapter for Codex {
    fn kind(&self) -> RuntimeKind {
        RuntimeKind::Codex
    }

    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, RuntimeKind::Codex)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, RuntimeKind::Codex)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        let msg = d.message();
        match ev.boundary {
            Boundary::ToolRequest => match d.effect {
                Effect::Deny | Effect::Terminate => deny(&msg),
                Effect::Ask => deny(&approval_message(d)),
                // No additionalContext at PreToolUse: not in Codex's schema for that event.
                _ => Answer::silent(),
            },
            Boundary::ToolOutput => match d.effect {
                Effect::Redact => Answer::json(json!({
                    "decision": "block",
                    "reason": redacted_output(ev, d),
                })),
                Effect::Deny | Effect::Ask => Answer::json(json!({
                    "decision": "block",
                    "reason": format!("[output withheld by hookwarden]\n{msg}"),
                })),
                Effect::Terminate => Answer::json(json!({
                    "continue": false,
                    "stopReason": msg,
                })),
                Effect::Alert => match context_warning(d) {
                    Some(w) => Answer::json(hook_specific(
                        "PostToolUse",
                        json!({ "additionalContext": w }),
                    )),
                    None => Answer::silent(),
                },
                Effect::Allow => Answer::silent(),
            },
            Boundary::Prompt => match d.effect {
                Effect::Deny | Effect::Ask | Effect::Redact => {
                    Answer::json(json!({ "decision": "block", "reason": msg }))
                }
                Effect::Terminate => Answer::json(json!({ "continue": false, "stopReason": msg })),
                _ => Answer::silent(),
            },
            Boundary::FinalResponse => match d.effect {
                Effect::Deny | Effect::Ask | Effect::Redact if !ev.continuation => {
                    Answer::json(json!({
                        "decision": "block",
                        "reason": format!("{msg}\nRewrite your final answer without it."),
                    }))
                }
                Effect::Terminate => Answer::json(json!({ "continue": false, "stopReason": msg })),
                _ => Answer::silent(),
            },
            Boundary::Other => Answer::silent(),
        }
    }
}

fn deny(reason: &str) -> Answer {
    Answer::json(json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }))
}
