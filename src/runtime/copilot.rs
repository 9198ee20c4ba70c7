//! GitHub Copilot CLI: `preToolUse`, `postToolUse`, `agentStop`.
//!
//! With the camelCase config hookwarden installs, events carry no event name:
//! `{sessionId, timestamp, cwd, toolName, toolArgs}` (toolArgs a JSON string), post-tool adds
//! `toolResult {resultType, textResultForLlm}`. A PascalCase config sends Claude-like snake_case
//! payloads with `hook_event_name`; both are read.
//!
//! Copilot treats exit 2 as a warning and runs the tool, so every block, including a failure
//! of hookwarden itself, is a printed `permissionDecision: "deny"`. It cannot change tool
//! output or block prompts; `agentStop` `decision: "block"` forces another turn.

use super::profile::{
    Cap::{No, Partial, Yes},
    Caps, ConfigFiles, HookEvent, HookFormat, Install, RuntimeProfile, SelfTest, OnFailure, Outcome,
};
use super::{approval_message, parse_claude_like, Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{fill_from_input, Boundary, Event, RuntimeKind, ToolKind};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    aliases: &["copilot-cli"],
    events: &[
        // The camelCase config install writes; its payloads carry no event name, so the
        // adapter names them by their keys.
        HookEvent::new("preToolUse", Pre).asks().wired(None, 30),
        HookEvent::new("postToolUse", Post).wired(None, 30),
        // Its answer is ignored: not installed.
        HookEvent::new("userPromptSubmitted", Prompt),
        HookEvent::new("agentStop", Fin).wired(None, 30),
        HookEvent::new("sessionStart", Other),
        // A PascalCase config gets Claude's event names.
        HookEvent::new("PreToolUse", Pre).asks(),
        HookEvent::new("PostToolUse", Post),
        HookEvent::new("PostToolUseFailure", Post),
        HookEvent::new("UserPromptSubmit", Prompt),
        HookEvent::new("Stop", Fin),
        HookEvent::new("SubagentStop", Fin),
    ],
    marker_keys: &["sessionId", "toolName"],
    exit2_blocks: false,
    caps: Caps {
        pre_deny: Yes(
            "preToolUse permissionDecision deny, printed as JSON (exit 2 is only a warning there)",
        ),
        ask: Yes("preToolUse permissionDecision ask (the cloud agent treats it as deny)"),
        post_replace: No(
            "postToolUse cannot change the output the model sees (only through the SDK)",
        ),
        prompt_block: No(
            "Copilot has no prompt hook that can block (userPromptSubmitted's answer is ignored)",
        ),
        final_block: Partial("agentStop decision block = forced continuation (another turn)"),
        stop_session: Partial("no session stop: the action is denied and the session goes on"),
        pre_stop: Partial("no session stop: the action is denied and the session goes on"),
    },
    tools: &[
        ("bash", ToolKind::Shell),
        ("powershell", ToolKind::Shell),
        ("view", ToolKind::FileRead),
        ("create", ToolKind::FileWrite),
        ("edit", ToolKind::FileEdit),
        ("glob", ToolKind::Search),
        ("grep", ToolKind::Search),
        ("web_fetch", ToolKind::WebFetch),
        ("task", ToolKind::Other),
    ],
    mcp_prefix: "",
    config: ConfigFiles {
        project_dirs: &[".github/hooks"],
        user: &[".copilot/mcp-config.json"],
        user_dirs: &[".copilot/hooks"],
        ..ConfigFiles::in_project_and_home(&[])
    },
    install: Install {
        format: HookFormat::Copilot,
        user_file: ".copilot/hooks/hookwarden.json",
        notes: &[
            "Copilot ignores the answer of its prompt hook, so prompts are not checked there.",
        ],
        on_failure: OnFailure {
            // "Timeouts/other codes: proceed"; exit 2 is only a warning there.
            crash: Outcome::Proceeds,
            timeout: Outcome::Proceeds,
            fail_closed_key: None,
        },
        ..Install::in_file(".github/hooks/hookwarden.json", "s")
    },
    selftest: SelfTest {
        payload: |_, cwd| {
            json!({
                "sessionId": "hookwarden-doctor", "timestamp": 1_767_225_600_000_u64, "cwd": cwd,
                "toolName": "bash", "toolArgs": json!({ "command": "rm -rf /" }).to_string()
            })
        },
        // Exit 2 is only a warning: the printed JSON is what blocks.
        deny: &[("/permissionDecision", &["deny"])],
    },
    ..RuntimeProfile::base(RuntimeKind::Copilot, "GitHub Copilot CLI", &Copilot)
};

pub struct Copilot;

/// `toolArgs` arrives as a JSON string; an object is taken as it is.
fn tool_args(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| json!({ "command": s }))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn deny_json(reason: &str) -> Value {
    json!({ "permissionDecision": "deny", "permissionDecisionReason": reason })
}

impl Adapter for Copilot {
    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        let obj = raw.as_object().ok_or(ParseError::NotObject)?;
        if obj.contains_key("hook_event_name") {
            return parse_claude_like(raw, &PROFILE);
        }
        let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
        let name = if obj.contains_key("toolResult") {
            "postToolUse"
        } else if obj.contains_key("toolName") {
            "preToolUse"
        } else if obj.contains_key("prompt") {
            "userPromptSubmitted"
        } else if obj.contains_key("source") || obj.contains_key("initialPrompt") {
            "sessionStart"
        } else if obj.contains_key("sessionId") {
            "agentStop"
        } else {
            return Err(ParseError::NoEventName);
        };
        let boundary = PROFILE.boundary_of(name);
        let mut ev = Event::new(RuntimeKind::Copilot, boundary, name);
        ev.session_id = s("sessionId").unwrap_or_default();
        ev.cwd = s("cwd").unwrap_or_default();
        ev.transcript_path = s("transcriptPath");
        ev.continuation = obj
            .get("stopHookActive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(tool) = s("toolName") {
            ev.tool = Some(PROFILE.classify_tool(&tool));
            let input = tool_args(obj.get("toolArgs"));
            fill_from_input(&mut ev, &input);
            ev.tool_input = input;
        }
        match boundary {
            Boundary::ToolOutput => {
                let result = obj.get("toolResult").cloned().unwrap_or(Value::Null);
                ev.output = Some(match result.get("textResultForLlm") {
                    Some(Value::String(t)) => t.clone(),
                    _ => crate::event::response_text(&result),
                });
                ev.tool_response = result;
            }
            Boundary::Prompt => ev.prompt = s("prompt"),
            Boundary::FinalResponse => {
                ev.response = s("lastAssistantMessage").or_else(|| s("response"))
            }
            _ => {}
        }
        Ok(ev)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        let msg = d.message();
        match (ev.boundary, d.effect) {
            (Boundary::ToolRequest, Effect::Deny | Effect::Terminate) => {
                Answer::json(deny_json(&msg))
            }
            (Boundary::ToolRequest, Effect::Ask) => Answer::json(json!({
                "permissionDecision": "ask",
                "permissionDecisionReason": approval_message(d),
            })),
            (Boundary::FinalResponse, Effect::Deny | Effect::Ask | Effect::Redact)
                if !ev.continuation =>
            {
                Answer::json(json!({
                    "decision": "block",
                    "reason": format!("{msg}\nRewrite your final answer without it."),
                }))
            }
            // Output and prompts cannot be changed here: recorded only.
            _ => Answer::silent(),
        }
    }

    fn render_failure(&self, boundary: Option<Boundary>, message: &str) -> Answer {
        match boundary {
            Some(Boundary::ToolRequest) | None => Answer {
                stdout: deny_json(message).to_string(),
                stderr: message.to_string(),
                exit_code: 0,
            },
            _ => Answer {
                stderr: message.to_string(),
                ..Answer::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::event::ToolKind;
    use crate::runtime::testutil::decision;

    fn pre(tool: &str, args: Value) -> Value {
        json!({ "sessionId": "s1", "timestamp": 1_767_225_600_000_u64, "cwd": "/w",
                "toolName": tool, "toolArgs": args.to_string() })
    }

    #[test]
    fn camel_case_pre_tool_with_string_args() {
        let ev = Copilot
            .parse(&pre(
                "bash",
                json!({ "command": "rm -rf /", "description": "x" }),
            ))
            .unwrap();
        assert_eq!(ev.boundary, Boundary::ToolRequest);
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("rm -rf /"));
        assert_eq!(ev.session_id, "s1");
        let ev = Copilot
            .parse(&pre("view", json!({ "path": "/w/.env" })))
            .unwrap();
        assert_eq!(ev.tool_kind(), Some(ToolKind::FileRead));
        assert_eq!(ev.paths, vec!["/w/.env".to_string()]);
    }

    #[test]
    fn deny_is_printed_json_with_exit_0() {
        let ev = Copilot
            .parse(&pre("bash", json!({ "command": "x" })))
            .unwrap();
        let a = Copilot.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["permissionDecision"], "deny");
        assert!(v["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("test.rule"));
        assert_eq!(a.exit_code, 0);
    }

    #[test]
    fn failure_denies_by_json_not_exit_2() {
        let a = Copilot.render_failure(Some(Boundary::ToolRequest), "broken input");
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["permissionDecision"], "deny");
        assert_ne!(a.exit_code, 2);
        let a = Copilot.render_failure(Some(Boundary::ToolOutput), "broken");
        assert!(a.stdout.is_empty());
    }

    #[test]
    fn post_tool_reads_text_for_llm_and_agent_stop_blocks() {
        let raw = json!({ "sessionId": "s", "timestamp": 1, "cwd": "/w", "toolName": "bash",
            "toolArgs": "{\"command\":\"cat .env\"}",
            "toolResult": { "resultType": "success", "textResultForLlm": "KEY=1" } });
        let ev = Copilot.parse(&raw).unwrap();
        assert_eq!(ev.boundary, Boundary::ToolOutput);
        assert_eq!(ev.output.as_deref(), Some("KEY=1"));
        assert!(Copilot
            .render(&ev, &decision(Effect::Redact, Boundary::ToolOutput))
            .stdout
            .is_empty());
        let stop = json!({ "sessionId": "s", "timestamp": 1, "cwd": "/w" });
        let ev = Copilot.parse(&stop).unwrap();
        assert_eq!(ev.boundary, Boundary::FinalResponse);
        let a = Copilot.render(&ev, &decision(Effect::Deny, Boundary::FinalResponse));
        assert!(a.stdout.contains("\"block\""));
    }

    #[test]
    fn camel_case_payloads_are_recognised_without_runtime_flag() {
        let raw = pre("bash", json!({ "command": "ls" }));
        assert_eq!(crate::runtime::infer(&raw), Some(RuntimeKind::Copilot));
    }

    #[test]
    fn pascal_case_payloads_are_claude_like() {
        let raw = json!({ "session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse",
            "tool_name": "bash", "tool_input": { "command": "ls" } });
        let ev = Copilot.parse(&raw).unwrap();
        assert_eq!(ev.runtime, RuntimeKind::Copilot);
        assert_eq!(ev.command.as_deref(), Some("ls"));
    }
}
