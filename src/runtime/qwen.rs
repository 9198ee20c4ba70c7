//! Qwen Code: Claude's hook protocol (`PreToolUse`, `PostToolUse`, `UserPromptSubmit`,
//! `Stop`, `permissionDecision`), with Gemini-style tool names (`run_shell_command`,
//! `read_file`, `write_file`, `edit`). It cannot replace tool output, so a post-tool redaction
//! is a block whose reason is added; the model still sees the output (see `policy compile`).

use super::claude::{follower_events, ClaudeShaped, FOLLOWER_CAPS, FOLLOWER_SELFTEST};
use super::profile::{
    Cap::{No, Yes},
    Caps, ConfigFiles, Install, RuntimeProfile,
};
use crate::event::{RuntimeKind, ToolKind};

pub static PROFILE: RuntimeProfile = RuntimeProfile {
    aliases: &["qwen-code"],
    events: &follower_events(".*", 60_000, 30_000),
    caps: Caps {
        ask: Yes("PreToolUse permissionDecision ask (headless treats it as deny)"),
        post_replace: No("Qwen Code cannot replace tool output: the model sees it"),
        ..FOLLOWER_CAPS
    },
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
    config: ConfigFiles {
        env_files: &[".qwen/.env", "~/.qwen/.env"],
        ..ConfigFiles::in_project_and_home(&[".qwen/settings.json"])
    },
    install: Install::in_file(".qwen/settings.json", "ms"),
    selftest: FOLLOWER_SELFTEST,
    ..RuntimeProfile::base(RuntimeKind::Qwen, "Qwen Code", &ADAPTER)
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
    fn shell_call_parses_and_deny_is_claude_shaped() {
        let raw = json!({
            "session_id": "s1", "cwd": "/w", "hook_event_name": "PreToolUse",
            "tool_name": "run_shell_command", "tool_input": { "command": "rm -rf build" }
        });
        let ev = PROFILE.adapter.parse(&raw).unwrap();
        assert_eq!(ev.runtime, RuntimeKind::Qwen);
        assert_eq!(ev.boundary, Boundary::ToolRequest);
        assert_eq!(ev.tool_kind(), Some(ToolKind::Shell));
        assert_eq!(ev.command.as_deref(), Some("rm -rf build"));
        let a = PROFILE.adapter.render(&ev, &decision(Effect::Deny, Boundary::ToolRequest));
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
        let ev = PROFILE.adapter.parse(&raw).unwrap();
        assert_eq!(ev.boundary, Boundary::ToolOutput);
        assert_eq!(ev.paths, vec!["/w/a.txt".to_string()]);
        let a = PROFILE.adapter.render(&ev, &decision(Effect::Redact, Boundary::ToolOutput));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["decision"], "block");
        assert!(v.get("hookSpecificOutput").is_none());
    }
}
