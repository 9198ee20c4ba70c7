//! Claude Code: `PreToolUse`, `PostToolUse`, `UserPromptSubmit`, `Stop`.
//!
//! Answers (verified in the real CLI, see ../shared/docs/hook-protocols.md):
//! deny/ask via `hookSpecificOutput.permissionDecision`; post-tool redaction only via
//! `updatedToolOutput` in the tool's own shape (`updatedMCPToolOutput` for MCP tools);
//! prompt and stop blocks via top-level `decision: "block"`; terminate via `continue: false`.
//! Allow prints nothing: an explicit allow would skip Claude's own permission prompts.

use super::profile::{
    Cap::{No, Partial, Yes},
    Caps, ConfigFiles, HookEvent, Install, ManagedFormat, ManagedInstall, RuntimeProfile, SelfTest, OnFailure, Outcome,
};
use super::{
    approval_message, context_warning, hook_specific, parse_claude_like, parse_claude_like_owned,
    redact_response, withhold_response, Adapter, Answer, ParseError,
};
use crate::decision::{Decision, Effect};
use crate::event::{Boundary, Event, RuntimeKind, ToolKind};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    aliases: &["claude-code", "claude_code"],
    events: &[
        HookEvent::new("PreToolUse", Pre).asks().wired(Some("*"), 60),
        HookEvent::new("PostToolUse", Post).wired(Some("*"), 60),
        HookEvent::new("PostToolUseFailure", Post),
        HookEvent::new("UserPromptSubmit", Prompt).wired(None, 30),
        HookEvent::new("Stop", Fin).wired(None, 30),
        HookEvent::new("SubagentStop", Fin),
        HookEvent::new("PermissionRequest", Other),
        HookEvent::new("PostToolBatch", Other),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ],
    caps: Caps {
        pre_deny: Yes("PreToolUse permissionDecision deny; the reason reaches the model"),
        ask: Yes("PreToolUse permissionDecision ask (headless `-p` treats it as deny)"),
        post_replace: Yes("PostToolUse updatedToolOutput in the tool's own shape (updatedMCPToolOutput for MCP)"),
        prompt_block: Yes("UserPromptSubmit decision block erases the prompt"),
        final_block: Partial("Stop decision block = forced continuation: the agent must rewrite its answer, which was already shown"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Partial("Claude Code 2.1.197 ignores continue:false next to a deny; hookwarden denies every later call of the session"),
    },
    // Headless and bypass sessions treat a hook's ask as a deny or accept it unseen: "Claude
    // Code 2.1.197 headless (-p, bypassPermissions): the tool did not run" (hook-protocols.md).
    unshown_ask_modes: &["bypassPermissions", "dontAsk"],
    tools: &[
        ("Bash", ToolKind::Shell),
        ("Read", ToolKind::FileRead),
        ("Write", ToolKind::FileWrite),
        ("Edit", ToolKind::FileEdit),
        ("MultiEdit", ToolKind::FileEdit),
        ("NotebookEdit", ToolKind::FileEdit),
        ("NotebookRead", ToolKind::FileRead),
        ("Glob", ToolKind::Search),
        ("Grep", ToolKind::Search),
        ("LS", ToolKind::Search),
        ("WebFetch", ToolKind::WebFetch),
        ("WebSearch", ToolKind::WebFetch),
        ("Task", ToolKind::Other),
        ("Agent", ToolKind::Other),
        ("TodoWrite", ToolKind::Other),
    ],
    config: ConfigFiles {
        project: &[".claude/settings.json", ".mcp.json"],
        local: &[".claude/settings.local.json"],
        user: &[".claude/settings.json", ".claude.json"],
        managed: &["/Library/Application Support/ClaudeCode/managed-settings.json"],
        ..ConfigFiles::in_project_and_home(&[])
    },
    install: Install {
        managed: Some(ManagedInstall {
            path: "/etc/claude-code/managed-settings.json",
            format: ManagedFormat::Json,
            locks: &["allowManagedHooksOnly"],
            notes: &[
                "allowManagedHooksOnly is set: Claude Code now runs only the hooks in managed settings; the hooks in users' and projects' settings (and plugins') no longer run. A disableAllHooks in their settings cannot turn managed hooks off.",
            ],
        }),
        local_file: Some(".claude/settings.local.json"),
        on_failure: OnFailure {
            // "Timeout, other exit codes, non-JSON or schema-invalid JSON: non-blocking, the action
            // proceeds" (hook-protocols.md); no setting changes that.
            crash: Outcome::Proceeds,
            timeout: Outcome::Proceeds,
            fail_closed_key: None,
        },
        ..Install::in_file(".claude/settings.json", "s")
    },
    selftest: SelfTest {
        payload: |_, cwd| {
            json!({
                "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
                "tool_name": "Bash", "tool_use_id": "t1", "tool_input": { "command": "rm -rf /" }
            })
        },
        deny: CLAUDE_SHAPE_DENY,
    },
    ..RuntimeProfile::base(RuntimeKind::Claude, "Claude Code", &ADAPTER)
};

static ADAPTER: ClaudeShaped = ClaudeShaped(&PROFILE);

/// The answers that block a pre-tool call in Claude's answer shape (and the runtimes that
/// copied it).
pub const CLAUDE_SHAPE_DENY: &[(&str, &[&str])] = &[
    ("/hookSpecificOutput/permissionDecision", &["deny"]),
    ("/decision", &["block"]),
];

/// The hook events of a runtime that follows Claude Code's hook protocol (Qwen Code, Factory
/// Droid): Claude's names and boundaries, installed with a `matcher` that covers every tool,
/// timeouts in the runtime's own unit.
pub const fn follower_events(
    matcher: &'static str,
    tool_timeout: u64,
    turn_timeout: u64,
) -> [HookEvent; 8] {
    [
        HookEvent::new("PreToolUse", Pre)
            .asks()
            .wired(Some(matcher), tool_timeout),
        HookEvent::new("PostToolUse", Post).wired(Some(matcher), tool_timeout),
        HookEvent::new("PostToolUseFailure", Post),
        HookEvent::new("UserPromptSubmit", Prompt).wired(None, turn_timeout),
        HookEvent::new("Stop", Fin).wired(None, turn_timeout),
        HookEvent::new("SubagentStop", Fin),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ]
}

/// What Claude's answers do in a runtime that follows its protocol but cannot replace tool
/// output; each follower says its own `ask` and `post_replace`.
pub const FOLLOWER_CAPS: Caps = Caps {
    pre_deny: Yes("PreToolUse permissionDecision deny"),
    ask: Yes("PreToolUse permissionDecision ask"),
    post_replace: No("the runtime cannot replace tool output: the model sees it"),
    prompt_block: Yes("UserPromptSubmit decision block"),
    final_block: Partial("Stop decision block = forced continuation"),
    stop_session: Yes("continue:false stops the session"),
    pre_stop: Yes("continue:false stops the session"),
};

/// The doctor's self-test of a follower: Claude's pre-tool payload naming the runtime's own
/// shell tool (the first in its profile), blocked by a Claude-shaped deny.
pub const FOLLOWER_SELFTEST: SelfTest = SelfTest {
    payload: |p, cwd| {
        let shell = p
            .tools
            .iter()
            .find(|(_, k)| *k == ToolKind::Shell)
            .map_or("Bash", |(name, _)| name);
        json!({
            "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": shell, "tool_input": { "command": "rm -rf /" }
        })
    },
    deny: CLAUDE_SHAPE_DENY,
};

/// The adapter of a runtime that speaks Claude's hook protocol (Claude Code, Qwen Code,
/// Factory Droid): Claude's payloads and answers, read and written with the runtime's own
/// profile (its tools, events and capabilities).
pub struct ClaudeShaped(pub &'static RuntimeProfile);

impl Adapter for ClaudeShaped {
    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, self.0)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, self.0)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        render_claude_shape(ev, d, self.0)
    }
}

/// Claude's answer shape, shared by runtimes that copied it (Qwen, Factory). Output is
/// replaced only where the profile says the runtime can (`updatedToolOutput`); elsewhere a
/// post-tool block adds the reason.
pub fn render_claude_shape(ev: &Event, d: &Decision, profile: &RuntimeProfile) -> Answer {
    let can_replace_output = profile.caps.post_replace.is_yes();
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
            Effect::Ask if !profile.shows_ask(ev) => Answer::json(hook_specific(
                "PreToolUse",
                json!({ "permissionDecision": "deny", "permissionDecisionReason": approval_message(d) }),
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
                    let redacted = redact_response(ev, d);
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
