//! Cursor's `hooks.json`: `{"version":1,"hooks":{event:[{command,timeout,failClosed}]}}`.
//! No matcher: every tool reaches preToolUse (shell, file tools, MCP).

use super::Hook;
use serde_json::{json, Value};

pub const COMMAND_KEY: &str = "command";

pub fn entry(h: &Hook, cmd: &str) -> Value {
    let mut v = json!({ COMMAND_KEY: cmd, "timeout": h.wiring.timeout });
    if h.wiring.fail_closed {
        // Cursor fails open on a crash or timeout unless told otherwise.
        v["failClosed"] = json!(true);
    }
    v
}
