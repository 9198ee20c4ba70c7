//! OpenAI Codex CLI: Claude's event names and field names, but `turn_id`, `model`, a string
//! `tool_response`, and `apply_patch` whose `command` is the patch text.
//!
//! Codex rejects unknown output fields, and a rejected answer lets the tool run; it cannot
//! ask (an `ask` answer runs the tool) and ignores `updatedToolOutput`. So: deny for deny,
//! ask and terminate at pre-tool (ask's reason says how to get approval); post-tool
//! redaction by `decision: "block"` whose reason is the redacted output (verified: it
//! replaces what the model sees).

use super::claude::CLAUDE_SHAPE_DENY;
use super::profile::{
    Cap::{Partial, Yes},
    Caps, ConfigFiles, DefaultScope, HookEvent, Install, ManagedFormat, ManagedInstall,
    RuntimeProfile, SelfTest, UserBase, OnFailure, Outcome,
};
use super::{
    approval_message, context_warning, hook_specific, parse_claude_like, parse_claude_like_owned,
    redacted_output,
};
use super::{Adapter, Answer, ParseError};
use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind, ToolKind};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    events: &[
        // Codex matchers are regular expressions over tool_name. No event here can ask: an
        // `ask` answer runs the tool.
        HookEvent::new("PreToolUse", Pre).wired(Some(".*"), 60),
        HookEvent::new("PostToolUse", Post).wired(Some(".*"), 60),
        HookEvent::new("UserPromptSubmit", Prompt).wired(None, 30),
        HookEvent::new("Stop", Fin).wired(None, 30),
        HookEvent::new("PermissionRequest", Other),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ],
    // Claude Code sends neither.
    marker_keys: &["turn_id", "model"],
    caps: Caps {
        pre_deny: Yes("PreToolUse permissionDecision deny; the reason reaches the model"),
        ask: Partial("ask→deny with an approval code: Codex runs the tool on an ask answer, so hookwarden denies and says how to approve (`hookwarden approve <code>`, then retry)"),
        post_replace: Partial("redact via block reason: updatedToolOutput is unsupported, so the redacted output is sent as the PostToolUse block reason, which replaces what the model sees"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation: the reason becomes a new prompt; the answer was already shown"),
        stop_session: Partial("continue:false works after the tool ran; at pre-tool the call is denied and the session goes on"),
        pre_stop: Partial("continue:false works after the tool ran; at pre-tool the call is denied and the session goes on"),
    },
    sends_model: true,
    // Hooks name the shell `Bash`; transcripts name it `shell`, `exec_command` or
    // `local_shell`.
    tools: &[
        ("Bash", ToolKind::Shell),
        ("shell", ToolKind::Shell),
        ("exec_command", ToolKind::Shell),
        ("local_shell", ToolKind::Shell),
        ("apply_patch", ToolKind::Patch),
        ("web_search", ToolKind::WebFetch),
    ],
    config: ConfigFiles {
        project: &[".codex/config.toml", ".codex/hooks.json"],
        user: &["config.toml", "hooks.json"],
        user_base: UserBase::CodexHome,
        ..ConfigFiles::in_project_and_home(&[])
    },
    install: Install {
        user_file: "hooks.json",
        // Project hooks run only in a trusted project, and the feature flag is read from
        // the user config.
        default_scope: DefaultScope::User,
        notes: &[
            "Codex runs a hook only after you review and trust it: start `codex` once and approve the hookwarden hooks when it asks (they are trusted by content hash, so re-approve after a reinstall with another binary path).",
            "Project hooks in .codex/hooks.json run only in a trusted project.",
        ],
        managed: Some(ManagedInstall {
            path: "/etc/codex/requirements.toml",
            format: ManagedFormat::CodexRequirements,
            locks: &["allow_managed_hooks_only"],
            notes: &[
                "allow_managed_hooks_only is set and [features] hooks = true is pinned: Codex runs only managed hooks (they need no trust review), and no user config can turn hooks off.",
            ],
        }),
        on_failure: OnFailure {
            // "crash, timeout, other exit codes, unknown fields ...: action continues".
            crash: Outcome::Proceeds,
            timeout: Outcome::Proceeds,
            fail_closed_key: None,
        },
        ..Install::in_file(".codex/hooks.json", "s")
    },
    selftest: SelfTest {
        payload: |_, cwd| {
            json!({
                "session_id": "hookwarden-doctor", "turn_id": "t", "cwd": cwd, "hook_event_name": "PreToolUse",
                "model": "gpt-5", "tool_name": "Bash", "tool_use_id": "c1", "tool_input": { "command": "rm -rf /" }
            })
        },
        deny: CLAUDE_SHAPE_DENY,
    },
    ..RuntimeProfile::base(RuntimeKind::Codex, "Codex CLI", &Codex)
};

pub struct Codex;

impl Adapter for Codex {
    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, &PROFILE)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, &PROFILE)
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
