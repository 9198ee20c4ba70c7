//! Payloads the in-process benches share.

use serde_json::json;
use std::path::Path;

/// A Claude Code PostToolUse event: Bash ran `cargo test` in `cwd` and printed `output`.
pub fn post_tool(output: &str, cwd: &Path) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "session_id": "96bd369a-d05f-4c32-9b51-09d5abe75f3e",
        "transcript_path": "/home/dev/.claude/projects/p/96bd369a.jsonl",
        "cwd": cwd.display().to_string(),
        "permission_mode": "default",
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": "cargo test 2>&1", "description": "bench" },
        "tool_response": { "stdout": output, "stderr": "", "interrupted": false, "isImage": false },
        "tool_use_id": "toolu_bench_0002"
    }))
    .unwrap_or_default()
}
