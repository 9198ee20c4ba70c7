//! Qwen Code: Claude's hook protocol (`PreToolUse`, `PostToolUse`, `UserPromptSubmit`,
//! `Stop`, `permissionDecision`), with Gemini-style tool names (`run_shell_command`,
//! `read_file`, `write_file`, `edit`). It cannot replace tool output, so a post-tool redaction
//! is a block whose reason is added; the model still sees the output (see `policy compile`).

use super::claude::{render_claude_shape, CLAUDE_SHAPE_DENY};
use super::profile::{
    Cap::{No, Partial, Yes},
    Caps, ConfigFiles, DefaultScope, HookEvent, HookFormat, Install, OnFailure, Outcome,
    RuntimeProfile, SelfTest, UserBase,
};
use super::{parse_claude_like, parse_claude_like_owned, Adapter, Answer, ParseError};
use crate::decision::Decision;
use crate::event::{Boundary, Event, RuntimeKind, ToolKind};
use serde_json::{json, Value};

use Boundary::{FinalResponse as Fin, Other, Prompt, ToolOutput as Post, ToolRequest as Pre};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    kind: RuntimeKind::Qwen,
    aliases: &["qwen-code"],
    display: "Qwen Code",
    adapter: &Qwen,
    events: &[
        HookEvent::new("PreToolUse", Pre)
            .asks()
            .wired(Some(".*"), 60_000),
        HookEvent::new("PostToolUse", Post).wired(Some(".*"), 60_000),
        HookEvent::new("PostToolUseFailure", Post),
        HookEvent::new("UserPromptSubmit", Prompt).wired(None, 30_000),
        HookEvent::new("Stop", Fin).wired(None, 30_000),
        HookEvent::new("SubagentStop", Fin),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ],
    marker_keys: &[],
    exit2_blocks: true,
    caps: Caps {
        pre_deny: Yes("PreToolUse permissionDecision deny"),
        ask: Yes("PreToolUse permissionDecision ask (headless treats it as deny)"),
        post_replace: No("Qwen Code cannot replace tool output: the model sees it"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
    },
    sends_model: false,
    unshown_ask_modes: &[],
    tools: &[
        ("run_shell_command", ToolKind::Shell),
        ("read_file", ToolKind::FileRead),
        ("read_many_files", ToolKind::FileRead),
        ("write_file", ToolKind::FileWrite),
        ("edit", ToolKind::FileEdit),
        ("glob", ToolKind::Search),
        ("grep_search", ToolKind::Search),
        ("list_directory", ToolKind::Search),
        ("web_fetch", ToolKind::WebFetch),
        ("web_search", ToolKind::WebFetch),
    ],
    mcp_prefix: "mcp__",
    config: ConfigFiles {
        project: &[".qwen/settings.json"],
        local: &[],
        project_dirs: &[],
        user: &[".qwen/settings.json"],
        user_dirs: &[],
        user_base: UserBase::Home,
        managed: &[],
        env_files: &[".qwen/.env", "~/.qwen/.env"],
    },
    install: Install {
        format: HookFormat::Nested,
        project_file: ".qwen/settings.json",
        local_file: None,
        user_file: ".qwen/settings.json",
        timeout_unit: "ms",
        default_scope: DefaultScope::Project,
        on_failure: OnFailure {
            // Not documented.
            crash: Outcome::Undocumented,
            timeout: Outcome::Undocumented,
            fail_closed_key: None,
        },
        notes: &[],
        managed: None,
    },
    selftest: SelfTest {
        payload: |cwd| {
            json!({
                "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
                "tool_name": "run_shell_command", "tool_input": { "command": "rm -rf /" }
            })
        },
        deny: CLAUDE_SHAPE_DENY,
    },
};

pub struct Qwen;

impl Adapter for Qwen {
    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, &PROFILE)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, &PROFILE)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        render_claude_shape(ev, d, &PROFILE)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::decision::Effect;
    use crate::event::{Boundary, ToolKind};
    use crate::runtime::testutil::decision;
    use serde_json::json;

    #[test]
    fn shell_call_parses_and_deny_is_claude_shaped() {
        let raw = json!({
            "session_id": "s1", "cwd": "/w", "hook_event_name": "PreToolUse",
            "tool_name": "run_shell_command", "tool_input": { "command": "rm -rf build" }
        });
        let ev = Qwen.parse(&raw).unwrap();
        assert_eq!(ev.runtime, RuntimeKind::Qwen);
        assert_eq!(ev.boundary, Boundary::ToolRequest);
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("rm -rf build"));
        let a = Qwen.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(a.exit_code, 0);
    }

    #[test]
    fn post_tool_redaction_cannot_replace_output_so_it_blocks_with_reason() {
        let raw = json!({
            "session_id": "s1", "cwd": "/w", "hook_event_name": "PostToolUse",
            "tool_name": "read_file", "tool_input": { "absolute_path": "/w/a.txt" },
            "tool_response": { "llmContent": "token ghp_x" }
        });
        let ev = Qwen.parse(&raw).unwrap();
        assert_eq!(ev.boundary, Boundary::ToolOutput);
        assert_eq!(ev.paths, vec!["/w/a.txt".to_string()]);
        let a = Qwen.render(&ev, &decision(Effect::Redact, Boundary::ToolOutput));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["decision"], "block");
        assert!(v.get("hookSpecificOutput").is_none());
    }
}
