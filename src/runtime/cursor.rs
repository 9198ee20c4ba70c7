//! Cursor: `preToolUse`, `beforeShellExecution`, `beforeMCPExecution`, `beforeReadFile`,
//! `postToolUse`, `beforeSubmitPrompt`, `stop`, `afterAgentResponse`.
//!
//! Answers: `{permission: allow|deny|ask, user_message, agent_message}` before an action (ask
//! only at shell and MCP execution), `{continue: false, user_message}` for a prompt, and
//! `updated_mcp_tool_output` after an MCP tool (the only output Cursor lets a hook replace).
//! Allow is said explicitly at the gating events (`{"permission":"allow"}`, and
//! `{"continue":true}` for a prompt): hookwarden is installed with `failClosed: true`, and a
//! gating hook that answers without a decision is treated as failed there, which would block
//! every call. Elsewhere the no-opinion answer is `{}`.

use super::profile::{
    Cap::{No, Partial, Yes},
    Caps, ConfigFiles, HookEvent, HookFormat, Install, ManagedFormat, ManagedInstall,
    RuntimeProfile, SelfTest, OnFailure, Outcome,
};
use super::{approval_message, redact_response, withhold_response, Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{
    fill_from_input, response_text, Boundary, Event, RuntimeKind, Tool, ToolKind,
};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    events: &[
        // Cursor fails open on a crash or timeout unless told otherwise.
        HookEvent::new("preToolUse", Pre).wired(None, 30).fail_closed(),
        HookEvent::new("beforeShellExecution", Pre)
            .only(ToolKind::Shell)
            .asks(),
        HookEvent::new("beforeMCPExecution", Pre)
            .only(ToolKind::Mcp)
            .asks(),
        HookEvent::new("beforeReadFile", Pre).only(ToolKind::FileRead),
        HookEvent::new("postToolUse", Post).wired(None, 30),
        HookEvent::new("beforeSubmitPrompt", Prompt)
            .wired(None, 30)
            .fail_closed(),
        HookEvent::new("afterAgentResponse", Fin).wired(None, 30),
        HookEvent::new("stop", Fin),
        HookEvent::new("afterFileEdit", Other),
    ],
    marker_keys: &["conversation_id", "cursor_version"],
    caps: Caps {
        pre_deny: Yes("preToolUse permission deny (installed with failClosed: a crashed hook blocks too)"),
        ask: Partial("ask→deny with an approval code: preToolUse has no ask (only beforeShellExecution and beforeMCPExecution ask, for shell and MCP calls)"),
        post_replace: No("Cursor replaces only MCP tool output (updated_mcp_tool_output); built-in tools' output reaches the model unmasked (recorded)"),
        prompt_block: Yes("beforeSubmitPrompt continue:false"),
        final_block: No("afterAgentResponse only observes: the answer is recorded, not blocked"),
        stop_session: No("no hook answer ends a Cursor session: the action is only denied"),
        pre_stop: No("no hook answer ends a Cursor session: the action is only denied"),
    },
    sends_model: true,
    tools: &[
        ("Shell", ToolKind::Shell),
        ("Read", ToolKind::FileRead),
        ("Write", ToolKind::FileWrite),
        ("Edit", ToolKind::FileEdit),
        ("Grep", ToolKind::Search),
        ("Delete", ToolKind::FileWrite),
        ("Task", ToolKind::Other),
    ],
    mcp_prefix: "MCP:",
    config: ConfigFiles::in_project_and_home(&[".cursor/hooks.json", ".cursor/mcp.json"]),
    install: Install {
        format: HookFormat::Cursor,
        notes: &[
            "Cursor also runs the hooks in .claude/settings.json: do not wire hookwarden there for Claude and here for Cursor in the same project unless you want both to run.",
        ],
        managed: Some(ManagedInstall {
            path: "/etc/cursor/hooks.json",
            format: ManagedFormat::Json,
            locks: &[],
            notes: &[
                "Cursor runs the hooks in /etc/cursor/hooks.json for every user; it has no documented switch that stops users' own hooks from running beside them.",
            ],
        }),
        on_failure: OnFailure {
            // Fails open unless `failClosed: true` (least certain in hook-protocols.md: confirm
            // against a live build).
            crash: Outcome::Blocks,
            timeout: Outcome::Blocks,
            fail_closed_key: Some("failClosed"),
        },
        ..Install::in_file(".cursor/hooks.json", "s")
    },
    selftest: SelfTest {
        payload: |_, cwd| {
            json!({
                "conversation_id": "hookwarden-doctor", "generation_id": "g", "hook_event_name": "preToolUse",
                "workspace_roots": [cwd], "cwd": cwd, "tool_name": "Shell",
                "tool_input": { "command": "rm -rf /" }, "tool_use_id": "t1"
            })
        },
        deny: &[("/permission", &["deny"])],
    },
    ..RuntimeProfile::base(RuntimeKind::Cursor, "Cursor", &Cursor)
};

pub struct Cursor;

/// Inputs and outputs sometimes arrive as JSON strings.
fn maybe_json(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

impl Adapter for Cursor {
    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        let obj = raw.as_object().ok_or(ParseError::NotObject)?;
        let name = obj
            .get("hook_event_name")
            .and_then(|v| v.as_str())
            .ok_or(ParseError::NoEventName)?;
        let boundary = PROFILE.boundary_of(name);
        let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
        let mut ev = Event::new(RuntimeKind::Cursor, boundary, name);
        ev.session_id = s("conversation_id").unwrap_or_default();
        ev.turn_id = s("generation_id");
        ev.model = s("model");
        ev.transcript_path = s("transcript_path");
        ev.action_id = s("tool_use_id");
        ev.cwd = s("cwd")
            .or_else(|| {
                obj.get("workspace_roots")
                    .and_then(|r| r.get(0))
                    .and_then(|r| r.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        match name {
            "beforeShellExecution" => {
                ev.tool = Some(Tool::new("Shell", ToolKind::Shell));
                ev.command = s("command");
                ev.tool_input = json!({ "command": s("command") });
            }
            "beforeReadFile" => {
                ev.tool = Some(Tool::new("Read", ToolKind::FileRead));
                if let Some(p) = s("file_path") {
                    ev.tool_input = json!({ "file_path": p });
                    ev.paths.push(p);
                }
            }
            _ => {
                if let Some(tool) = s("tool_name") {
                    let mut t = PROFILE.classify_tool(&tool);
                    if name == "beforeMCPExecution" && t.kind != ToolKind::Mcp {
                        let server = s("server").unwrap_or_default();
                        t = Tool::mcp(&format!("MCP:{tool}"), &server, &tool);
                    }
                    ev.tool = Some(t);
                    let input = maybe_json(obj.get("tool_input"));
                    fill_from_input(&mut ev, &input);
                    // Cursor's file tools name the file `target_file`.
                    if let Some(p) = input.get("target_file").and_then(Value::as_str) {
                        if !ev.paths.iter().any(|x| x == p) {
                            ev.paths.push(p.to_string());
                        }
                    }
                    ev.tool_input = input;
                }
            }
        }
        match boundary {
            Boundary::ToolOutput => {
                let out = maybe_json(obj.get("tool_output"));
                ev.output = Some(match &out {
                    Value::String(t) => t.clone(),
                    other => response_text(other),
                });
                ev.tool_response = out;
            }
            Boundary::Prompt => ev.prompt = s("prompt"),
            Boundary::FinalResponse => ev.response = s("text"),
            _ => {}
        }
        Ok(ev)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        let msg = d.message();
        let none = || Answer::json(json!({}));
        let deny = |m: &str| {
            Answer::json(json!({ "permission": "deny", "user_message": m, "agent_message": m }))
        };
        let can_ask = PROFILE.can_ask(&ev.event_name, ev.tool_kind());
        match (ev.boundary, d.effect) {
            (Boundary::ToolRequest, Effect::Deny | Effect::Terminate) => deny(&msg),
            (Boundary::ToolRequest, Effect::Ask) if can_ask => Answer::json(json!({
                "permission": "ask", "user_message": msg, "agent_message": msg
            })),
            (Boundary::ToolRequest, Effect::Ask) => deny(&approval_message(d)),
            (Boundary::ToolOutput, Effect::Redact | Effect::Deny | Effect::Ask)
                if ev.tool_kind() == Some(ToolKind::Mcp) =>
            {
                let replaced = if d.effect == Effect::Redact {
                    redact_response(ev, d)
                } else {
                    withhold_response(
                        &ev.tool_response,
                        &format!("[output withheld by hookwarden]\n{msg}"),
                    )
                };
                Answer::json(json!({ "updated_mcp_tool_output": replaced }))
            }
            (Boundary::Prompt, Effect::Deny | Effect::Ask | Effect::Redact | Effect::Terminate) => {
                Answer::json(json!({ "continue": false, "user_message": msg }))
            }
            (Boundary::ToolRequest, _) => Answer::json(json!({ "permission": "allow" })),
            (Boundary::Prompt, _) => Answer::json(json!({ "continue": true })),
            _ if ev.boundary == Boundary::Other => Answer::silent(),
            _ => none(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::runtime::testutil::decision;

    fn common(event: &str) -> serde_json::Map<String, Value> {
        let v = json!({ "conversation_id": "c1", "generation_id": "g1", "model": "gpt-5",
            "hook_event_name": event, "cursor_version": "2.0", "workspace_roots": ["/w"],
            "user_email": null, "transcript_path": null });
        v.as_object().unwrap().clone()
    }

    #[test]
    fn pre_tool_shell_and_read_parse() {
        let mut m = common("preToolUse");
        m.insert("tool_name".into(), json!("Shell"));
        m.insert("tool_input".into(), json!({ "command": "rm -rf /" }));
        m.insert("tool_use_id".into(), json!("t1"));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.boundary, Boundary::ToolRequest);
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("rm -rf /"));
        assert_eq!(ev.cwd, "/w");
        assert_eq!(ev.session_id, "c1");
        let mut m = common("preToolUse");
        m.insert("tool_name".into(), json!("Read"));
        m.insert("tool_input".into(), json!({ "target_file": "/w/.env" }));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.tool_kind(), Some(ToolKind::FileRead));
        assert_eq!(ev.paths, vec!["/w/.env".to_string()]);
    }

    #[test]
    fn cursor_payloads_are_recognised_without_runtime_flag() {
        let m = common("beforeSubmitPrompt");
        assert_eq!(
            crate::runtime::infer(&Value::Object(m)),
            Some(RuntimeKind::Cursor)
        );
    }

    #[test]
    fn deny_names_the_rule_for_user_and_agent() {
        let mut m = common("preToolUse");
        m.insert("tool_name".into(), json!("Shell"));
        m.insert("tool_input".into(), json!({ "command": "x" }));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        let a = Cursor.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["permission"], "deny");
        assert!(v["agent_message"].as_str().unwrap().contains("test.rule"));
        assert!(v["user_message"].as_str().unwrap().contains("test.rule"));
        // ask: preToolUse has no ask, so deny with how to approve
        let a = Cursor.render(&ev, &decision(Effect::Ask, Boundary::ToolRequest));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["permission"], "deny");
        assert!(v["agent_message"].as_str().unwrap().contains("ABC123"));
        // allow: said explicitly, never an empty or decision-less answer (failClosed)
        let a = Cursor.render(&ev, &decision(Effect::Allow, Boundary::ToolRequest));
        assert_eq!(a.stdout, r#"{"permission":"allow"}"#);
    }

    #[test]
    fn shell_execution_can_ask_and_prompt_can_be_blocked() {
        let mut m = common("beforeShellExecution");
        m.insert("command".into(), json!("git push --force"));
        m.insert("cwd".into(), json!("/w/sub"));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.command.as_deref(), Some("git push --force"));
        assert_eq!(ev.cwd, "/w/sub");
        let a = Cursor.render(&ev, &decision(Effect::Ask, Boundary::ToolRequest));
        assert!(a.stdout.contains("\"ask\""));
        let mut m = common("beforeSubmitPrompt");
        m.insert("prompt".into(), json!("my key is sk-..."));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.boundary, Boundary::Prompt);
        let a = Cursor.render(&ev, &decision(Effect::Deny, Boundary::Prompt));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["continue"], false);
    }

    #[test]
    fn post_tool_output_is_read_and_only_mcp_output_replaced() {
        let mut m = common("postToolUse");
        m.insert("tool_name".into(), json!("Shell"));
        m.insert("tool_input".into(), json!({ "command": "env" }));
        m.insert("tool_output".into(), json!("{\"output\":\"TOKEN=abc\"}"));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.boundary, Boundary::ToolOutput);
        assert_eq!(ev.output.as_deref(), Some("TOKEN=abc"));
        let a = Cursor.render(&ev, &decision(Effect::Deny, Boundary::ToolOutput));
        assert_eq!(a.stdout, "{}");
        let mut m = common("postToolUse");
        m.insert("tool_name".into(), json!("MCP:get_secret"));
        m.insert("tool_input".into(), json!("{}"));
        m.insert("tool_output".into(), json!("{\"text\":\"s3cr3t\"}"));
        let ev = Cursor.parse(&Value::Object(m)).unwrap();
        assert_eq!(ev.tool_kind(), Some(ToolKind::Mcp));
        let a = Cursor.render(&ev, &decision(Effect::Deny, Boundary::ToolOutput));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert!(!v["updated_mcp_tool_output"].to_string().contains("s3cr3t"));
    }
}
