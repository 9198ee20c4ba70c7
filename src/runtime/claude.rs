//! Claude Code: `PreToolUse`, `PostToolUse`, `UserPromptSubmit`, `Stop`.
//!
//! Answers (verified in the real CLI, see ../shared/docs/hook-protocols.md):
//! deny/ask via `hookSpecificOutput.permissionDecision`; post-tool redaction only via
//! `updatedToolOutput` in the tool's own shape (`updatedMCPToolOutput` for MCP tools);
//! prompt and stop blocks via top-level `decision: "block"`; terminate via `continue: false`.
//! Allow prints nothing: an explicit allow would skip Claude's own permission prompts.

use super::{
    approval_message, context_warning, hook_specific, parse_claude_like, parse_claude_like_owned,
    redact_response, withhold_response, Adapter, Answer, ParseError,
};
use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind, ToolKind};
use serde_json::{json, Value};

pub struct Claude;

impl Adapter for Claude {
    fn kind(&self) -> RuntimeKind {
        RuntimeKind::Claude
    }

    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, RuntimeKind::Claude)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, RuntimeKind::Claude)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        render_claude_shape(ev, d, true)
    }
}

/// Claude's answer shape, shared by runtimes that copied it (Qwen, Factory).
/// `can_replace_output` is false where the runtime has no `updatedToolOutput`.
pub fn render_claude_shape(ev: &Event, d: &Decision, can_replace_output: bool) -> Answer {
    let msg = d.message();
    if d.effect == Effect::Terminate {
        let mut v = json!({ "continue": false, "stopReason": msg, "systemMessage": msg });
        if ev.boundary == Boundary::ToolRequest {
            v["hookSpecificOutput"] = json!({
                "hookEventName": ev.event_name,
                "permissionDecision": "deny",
                "permissionDecisionReason": msg,
            });
        }
        return Answer::json(v);
    }
    match ev.boundary {
        Boundary::ToolRequest => match d.effect {
            Effect::Deny => Answer::json(hook_specific(
                "PreToolUse",
                json!({ "permissionDecision": "deny", "permissionDecisionReason": msg }),
            )),
            Effect::Ask => {
                let role = d
                    .approver_role
                    .clone()
                    .unwrap_or_else(|| "a reviewer".into());
                Answer::json(hook_specific(
                    "PreToolUse",
                    json!({
                        "permissionDecision": "ask",
                        "permissionDecisionReason": format!("{msg}\nApproval required from {role}."),
                    }),
                ))
            }
            Effect::Alert => match context_warning(d) {
                Some(w) => Answer::json(hook_specific(
                    "PreToolUse",
                    json!({ "additionalContext": w }),
                )),
                None => Answer::silent(),
            },
            _ => Answer::silent(),
        },
        Boundary::ToolOutput => {
            let is_mcp = ev.tool_kind() == Some(ToolKind::Mcp);
            let field = if is_mcp {
                "updatedMCPToolOutput"
            } else {
                "updatedToolOutput"
            };
            match d.effect {
                Effect::Redact if can_replace_output => {
                    let redacted = redact_response(&ev.tool_response, d);
                    Answer::json(hook_specific("PostToolUse", json!({ field: redacted })))
                }
                Effect::Deny | Effect::Ask if can_replace_output => {
                    let withheld = withhold_response(
                        &ev.tool_response,
                        &format!("[output withheld by hookwarden]\n{msg}"),
                    );
                    Answer::json(hook_specific("PostToolUse", json!({ field: withheld })))
                }
                Effect::Redact | Effect::Deny | Effect::Ask => Answer::json(json!({
                    "decision": "block",
                    "reason": approval_or(d, &msg),
                })),
                Effect::Alert => match context_warning(d) {
                    Some(w) => Answer::json(hook_specific(
                        "PostToolUse",
                        json!({ "additionalContext": w }),
                    )),
                    None => Answer::silent(),
                },
                _ => Answer::silent(),
            }
        }
        Boundary::Prompt => match d.effect {
            // The prompt cannot be rewritten: a prompt that must be redacted is blocked.
            Effect::Deny | Effect::Ask | Effect::Redact => {
                Answer::json(json!({ "decision": "block", "reason": msg }))
            }
            Effect::Alert => match context_warning(d) {
                Some(w) => Answer::json(hook_specific(
                    "UserPromptSubmit",
                    json!({ "additionalContext": w }),
                )),
                None => Answer::silent(),
            },
            _ => Answer::silent(),
        },
        Boundary::FinalResponse => match d.effect {
            Effect::Deny | Effect::Ask | Effect::Redact if !ev.continuation => {
                Answer::json(json!({
                    "decision": "block",
                    "reason": format!("{msg}\nRewrite your final answer without it."),
                }))
            }
            _ => Answer::silent(),
        },
        Boundary::Other => Answer::silent(),
    }
}

fn approval_or(d: &Decision, msg: &str) -> String {
    if d.effect == Effect::Ask {
        approval_message(d)
    } else {
        msg.to_string()
    }
}
