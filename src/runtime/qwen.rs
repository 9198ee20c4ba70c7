//! Qwen Code: Claude's hook protocol (`PreToolUse`, `PostToolUse`, `UserPromptSubmit`,
//! `Stop`, `permissionDecision`), with Gemini-style tool names (`run_shell_command`,
//! `read_file`, `write_file`, `edit`). It cannot replace tool output, so a post-tool redaction
//! is a block whose reason is added; the model still sees the output (see `policy compile`).

use super::claude::render_claude_shape;
use super::{parse_claude_like, parse_claude_like_owned, Adapter, Answer, ParseError};
use crate::decision::Decision;
use crate::event::{Event, RuntimeKind};
use serde_json::Value;

pub struct Qwen;

impl Adapter for Qwen {
    fn kind(&self) -> RuntimeKind {
        RuntimeKind::Qwen
    }

    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, RuntimeKind::Qwen)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, RuntimeKind::Qwen)
    }

    fn render(&self, ev: &Event, d: &Decision) -> Answer {
        render_claude_shape(ev, d, false)
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
