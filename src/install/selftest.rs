//! The doctor's self-test: a `rm -rf /` pre-tool event in each runtime's own payload shape,
//! and whether an answer blocks it the way that runtime reads answers.

use crate::event::RuntimeKind;
use serde_json::{json, Value};

/// A pre-tool shell call of `rm -rf /` as the runtime sends it.
pub fn payload(kind: RuntimeKind, cwd: &str) -> Value {
    let cmd = "rm -rf /";
    match kind {
        RuntimeKind::Gemini => json!({
            "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "BeforeTool",
            "timestamp": "2026-01-01T00:00:00Z", "tool_name": "run_shell_command",
            "tool_input": { "command": cmd }
        }),
        RuntimeKind::Cursor => json!({
            "conversation_id": "hookwarden-doctor", "generation_id": "g", "hook_event_name": "preToolUse",
            "workspace_roots": [cwd], "cwd": cwd, "tool_name": "Shell",
            "tool_input": { "command": cmd }, "tool_use_id": "t1"
        }),
        RuntimeKind::Copilot => json!({
            "sessionId": "hookwarden-doctor", "timestamp": 1_767_225_600_000_u64, "cwd": cwd,
            "toolName": "bash", "toolArgs": json!({ "command": cmd }).to_string()
        }),
        RuntimeKind::Qwen => json!({
            "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": "run_shell_command", "tool_input": { "command": cmd }
        }),
        RuntimeKind::Factory => json!({
            "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": "Execute", "tool_input": { "command": cmd }
        }),
        RuntimeKind::Codex => json!({
            "session_id": "hookwarden-doctor", "turn_id": "t", "cwd": cwd, "hook_event_name": "PreToolUse",
            "model": "gpt-5", "tool_name": "Bash", "tool_use_id": "c1", "tool_input": { "command": cmd }
        }),
        _ => json!({
            "session_id": "hookwarden-doctor", "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_use_id": "t1", "tool_input": { "command": cmd }
        }),
    }
}

/// Whether a hook answer blocks a pre-tool call in this runtime.
pub fn answer_blocks(kind: RuntimeKind, stdout: &str, exit_code: i32) -> bool {
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("");
    match kind {
        // Copilot treats exit 2 as a warning: only the JSON counts.
        RuntimeKind::Copilot => s("/permissionDecision") == "deny",
        RuntimeKind::Gemini => exit_code == 2 || matches!(s("/decision"), "deny" | "block"),
        RuntimeKind::Cursor => exit_code == 2 || s("/permission") == "deny",
        _ => {
            exit_code == 2
                || s("/hookSpecificOutput/permissionDecision") == "deny"
                || s("/decision") == "block"
        }
    }
}
