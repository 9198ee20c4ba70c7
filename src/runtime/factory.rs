//! Factory Droid: Claude's hook protocol and most of its tool names, except that the shell
//! tool is `Execute`. No output replacement, like Qwen Code.

use super::claude::render_claude_shape;
use super::{parse_claude_like, parse_claude_like_owned, Adapter, Answer, ParseError};
use crate::decision::Decision;
use crate::event::{Event, RuntimeKind};
use serde_json::Value;

pub struct Factory;

impl Adapter for Factory {
    fn kind(&self) -> RuntimeKind {
        RuntimeKind::Factory
    }

    fn parse(&self, raw: &Value) -> Result<Event, ParseError> {
        parse_claude_like(raw, RuntimeKind::Factory)
    }

    fn parse_owned(&self, raw: Value) -> Result<Event, ParseError> {
        parse_claude_like_owned(raw, RuntimeKind::Factory)
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
