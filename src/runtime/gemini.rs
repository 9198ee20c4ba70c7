//! Gemini CLI: `BeforeTool`, `AfterTool`, `BeforeAgent` (prompt), `AfterAgent` (final answer).
//!
//! Gemini ignores Claude's `permissionDecision` shape (verified: the command runs), so every
//! block is top-level `decision: "deny"` + `reason`. Headless Gemini hangs on `ask`, so an
//! approval is a deny whose reason says how to approve. AfterTool cannot rewrite output, but
//! `deny` replaces it with the reason: redaction sends the redacted output as the reason.

use super::profile::{
    Cap::{Partial, Yes},
    Caps, ConfigFiles, HookEvent, Install, ManagedFormat, ManagedInstall, RuntimeProfile, SelfTest, OnFailure, Outcome,
};
use super::{approval_message, context_warning, redacted_output, stop_hook_active, take_first};
use super::{Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{
    fill_from_input, response_text, Boundary, Event, RuntimeKind, ToolKind,
};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    aliases: &["gemini-cli"],
    events: &[
        // Headless Gemini hangs on `ask`: no event here asks.
        HookEvent::new("BeforeTool", Pre).wired(Some(".*"), 60_000),
        HookEvent::new("AfterTool", Post).wired(Some(".*"), 60_000),
        HookEvent::new("BeforeAgent", Prompt).wired(None, 30_000),
        HookEvent::new("AfterAgent", Fin).wired(None, 30_000),
        HookEvent::new("BeforeModel", Other),
        HookEvent::new("AfterModel", Other),
        HookEvent::new("BeforeToolSelection", Other),
        HookEvent::new("PreCompress", Other),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ],
    caps: Caps {
        pre_deny: Yes("BeforeTool decision deny; the reason reaches the model as a tool error"),
        ask: Partial("ask→deny with an approval code: headless Gemini hangs on ask, so hookwarden denies and says how to approve"),
        post_replace: Partial("redact via block reason: AfterTool cannot rewrite output, so the redacted output is sent as the deny reason, which replaces the result (the model sees it as a tool error)"),
        prompt_block: Yes("BeforeAgent deny discards the prompt"),
        final_block: Yes("AfterAgent deny rejects the response and retries with the reason"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
    },
    tools: &[
        ("run_shell_command", ToolKind::Shell),
        ("read_file", ToolKind::FileRead),
        ("read_many_files", ToolKind::FileRead),
        ("write_file", ToolKind::FileWrite),
        ("replace", ToolKind::FileEdit),
        ("glob", ToolKind::Search),
        ("grep_search", ToolKind::Search),
        ("list_directory", ToolKind::Search),
        ("web_fetch", ToolKind::WebFetch),
        ("google_web_search", ToolKind::WebFetch),
        ("save_memory", ToolKind::Other),
    ],
    mcp_prefix: "mcp_",
    config: ConfigFiles {
        env_files: &[".gemini/.env", "~/.gemini/.env"],
        ..ConfigFiles::in_project_and_home(&[".gemini/settings.json"])
    },
    install: Install {
        notes: &[
            "Gemini CLI runs project hooks (.gemini/settings.json) only in a trusted folder: trust this folder when Gemini asks, or with /permissions. User-scope hooks (--scope user) run everywhere.",
        ],
        managed: Some(ManagedInstall {
            path: "/etc/gemini-cli/settings.json",
            format: ManagedFormat::Json,
            locks: &[],
            notes: &[
                "Gemini CLI's system settings override user and project settings, but Gemini has no documented switch that stops users' own hooks from running beside hookwarden's.",
            ],
        }),
        on_failure: OnFailure {
            // Text that is not JSON with exit code 2 or more is a deny (a crash, a command not
            // found); a timeout lets the action proceed.
            crash: Outcome::Blocks,
            timeout: Outcome::Proceeds,
            fail_closed_key: None,
        },
        ..Install::in_file(".gemini/settings.json", "ms")
    },
    selftest: SelfTest {
        payload: |_, cwd| {
            json!({
                "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "BeforeTool",
                "timestamp": "2026-01-01T00:00:00Z", "tool_name": "run_shell_command",
                "tool_input": { "command": "rm -rf /" }
            })
        },
        deny: &[("/decision", &["deny", "block"])],
    },
    ..RuntimeProfile::base(RuntimeKind::Gemini, "Gemini CLI", &Gemini)
};

pub struct Gemini;

impl Adapter for Gemini {
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
    let boundary = PROFILE.boundary_of(name);
    let s = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(|s| s.to_string());
    let mut ev = Event::new(RuntimeKind::Gemini, boundary, name);
    ev.session_id = s("session_id").unwrap_or_default();
    ev.cwd = s("cwd").unwrap_or_default();
    ev.transcript_path = s("transcript_path");
    ev.model = s("model");
    ev.continuation = stop_hook_active(raw);
    if let Some(tool) = s("tool_name") {
        ev.tool = Some(PROFILE.classify_tool(&tool));
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
