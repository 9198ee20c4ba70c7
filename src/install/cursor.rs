//! Cursor's `hooks.json`: `{"version":1,"hooks":{event:[{command,timeout,failClosed}]}}`.
//! No matcher: every tool reaches preToolUse (shell, file tools, MCP).

use super::Hook;
use serde_json::{json, Value};

pub const COMMAND_KEY: &str = "command";

/// One handler; `fail_closed_key` is the profile's (`failClosed`), set on the events wired to
/// fail closed.
pub fn entry(h: &Hook, cmd: &str, fail_closed_key: Option<&str>) -> Value {
    let mut v = json!({ COMMAND_KEY: cmd, "timeout": h.wiring.timeout });
    if let (true, Some(k)) = (h.wiring.fail_closed, fail_closed_key) {
        // Cursor fails open on a crash or timeout unless told otherwise.
        v[k] = json!(true);
    }
    v
}
