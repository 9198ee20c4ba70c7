//! GitHub Copilot CLI's hook files (`.github/hooks/*.json`, `~/.copilot/hooks/*.json`):
//! `{"version":1,"hooks":{event:[{"type":"command","bash":C,"timeoutSec":T}]}}`. hookwarden
//! gets a file of its own, so the user's other hook files are never touched.

use super::Hook;
use serde_json::{json, Value};

pub const COMMAND_KEY: &str = "bash";

pub fn entry(h: &Hook, cmd: &str) -> Value {
    json!({ "type": "command", COMMAND_KEY: cmd, "timeoutSec": h.wiring.timeout })
}
