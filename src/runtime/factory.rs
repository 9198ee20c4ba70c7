//! Factory Droid: Claude's hook protocol and most of its tool names, except that the shell
//! tool is `Execute`. No output replacement, like Qwen Code.

use super::claude::{follower_events, ClaudeShaped, FOLLOWER_CAPS, FOLLOWER_SELFTEST};
use super::profile::{Cap::No, Caps, ConfigFiles, Install, RuntimeProfile};
use crate::event::{RuntimeKind, ToolKind};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    aliases: &["droid"],
    events: &follower_events("*", 60, 30),
    caps: Caps {
        post_replace: No("Factory Droid cannot replace tool output: the model sees it"),
        ..FOLLOWER_CAPS
    },
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
    config: ConfigFiles::in_project_and_home(&[
        ".factory/settings.json",
        ".factory/hooks.json",
        ".factory/mcp.json",
    ]),
    install: Install::in_file(".factory/hooks.json", "s"),
    selftest: FOLLOWER_SELFTEST,
    ..RuntimeProfile::base(RuntimeKind::Factory, "Factory Droid", &ADAPTER)
};

static ADAPTER: ClaudeShaped = ClaudeShaped(&PROFILE);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::decision::Effect;
    use crate::event::{Boundary, ToolKind};
    use crate::runtime::testutil::decision;
    use serde_json::{json, Value};

    #[test]
    fn execute_is_the_shell() {
        let raw = json!({
            "session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse",
            "tool_name": "Execute", "tool_input": { "command": "git push --force" }
        });
        let ev = PROFILE.adapter.parse(&raw).unwrap();
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("git push --force"));
        let a = PROFILE.adapter.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
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
        let ev = PROFILE.adapter.parse(&raw).unwrap();
        assert_eq!(ev.boundary, Boundary::FinalResponse);
        let a = PROFILE.adapter.render(&ev, &decision(Effect::Deny, Boundary::FinalResponse));
        assert!(a.stdout.contains("\"block\""));
        let raw2 = json!({ "session_id": "s", "cwd": "/w", "hook_event_name": "Stop",
            "stop_hook_active": true, "last_assistant_message": "done" });
        let ev2 = PROFILE.adapter.parse(&raw2).unwrap();
        let a2 = PROFILE.adapter.render(&ev2, &decision(Effect::Deny, Boundary::FinalResponse));
        assert!(
            a2.stdout.is_empty(),
            "a forced continuation is not blocked again"
        );
    }
}
