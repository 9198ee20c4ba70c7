//! Factory Droid: Claude's hook protocol and most of its tool names, except that the shell
//! tool is `Execute`. No output replacement, like Qwen Code.

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
    kind: RuntimeKind::Factory,
    aliases: &["droid"],
    display: "Factory Droid",
    adapter: &Factory,
    events: &[
        HookEvent::new("PreToolUse", Pre)
            .asks()
            .wired(Some("*"), 60),
        HookEvent::new("PostToolUse", Post).wired(Some("*"), 60),
        HookEvent::new("PostToolUseFailure", Post),
        HookEvent::new("UserPromptSubmit", Prompt).wired(None, 30),
        HookEvent::new("Stop", Fin).wired(None, 30),
        HookEvent::new("SubagentStop", Fin),
        HookEvent::new("SessionStart", Other),
        HookEvent::new("SessionEnd", Other),
    ],
    marker_keys: &[],
    exit2_blocks: true,
    caps: Caps {
        pre_deny: Yes("PreToolUse permissionDecision deny"),
        ask: Yes("PreToolUse permissionDecision ask"),
        post_replace: No("Factory Droid cannot replace tool output: the model sees it"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
    },
    sends_model: false,
    unshown_ask_modes: &[],
    tools: &[
        ("Execute", ToolKind::Shell),
        ("Read", ToolKind::FileRead),
        ("Create", ToolKind::FileWrite),
        ("Edit", ToolKind::FileEdit),
        ("MultiEdit", ToolKind::FileEdit),
        ("ApplyPatch", ToolKind::Patch),
        ("Glob", ToolKind::Search),
        ("Grep", ToolKind::Search),
        ("LS", ToolKind::Search),
        ("FetchUrl", ToolKind::WebFetch),
        ("WebSearch", ToolKind::WebFetch),
        ("Task", ToolKind::Other),
    ],
    mcp_prefix: "mcp__",
    config: ConfigFiles {
        project: &[
            ".factory/settings.json",
            ".factory/hooks.json",
            ".factory/mcp.json",
        ],
        local: &[],
        project_dirs: &[],
        user: &[
            ".factory/settings.json",
            ".factory/hooks.json",
            ".factory/mcp.json",
        ],
        user_dirs: &[],
        user_base: UserBase::Home,
        managed: &[],
        env_files: &[],
    },
    install: Install {
        format: HookFormat::Nested,
        project_file: ".factory/hooks.json",
        local_file: None,
        user_file: ".factory/hooks.json",
        timeout_unit: "s",
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
                "tool_name": "Execute", "tool_input": { "command": "rm -rf /" }
            })
        },
        deny: CLAUDE_SHAPE_DENY,
    },
};

pub struct Factory;

impl Adapter for Factory {
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
    fn execute_is_the_shell() {
        let raw = json!({
            "session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse",
            "tool_name": "Execute", "tool_input": { "command": "git push --force" }
        });
        let ev = Factory.parse(&raw).unwrap();
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("git push --force"));
        let a = Factory.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert!(v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("test.rule"));
    }

    #[test]
    fn stop_block_forces_continuation_once() {
        let raw = json!({ "session_id": "s", "cwd": "/w", "hook_event_name": "Stop",
            "stop_hook_active": false, "last_assistant_message": "done" });
        let ev = Factory.parse(&raw).unwrap();
        assert_eq!(ev.boundary, Boundary::FinalResponse);
        let a = Factory.render(&ev, &decision(Effect::Deny, Boundary::FinalResponse));
        assert!(a.stdout.contains("\"block\""));
        let raw2 = json!({ "session_id": "s", "cwd": "/w", "hook_event_name": "Stop",
            "stop_hook_active": true, "last_assistant_message": "done" });
        let ev2 = Factory.parse(&raw2).unwrap();
        let a2 = Factory.render(&ev2, &decision(Effect::Deny, Boundary::FinalResponse));
        assert!(
            a2.stdout.is_empty(),
            "a forced continuation is not blocked again"
        );
    }
}
