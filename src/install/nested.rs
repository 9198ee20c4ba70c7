//! The Claude Code hooks layout, which Codex, Gemini CLI, Qwen Code and Factory Droid share:
//! per event a list of groups, each a `matcher` and a list of `command` handlers.

use super::{Hook, Ours};
use serde_json::{json, Map, Value};

/// One group with one handler. Events without a matcher get none (a matcher there is
/// ignored at best).
pub fn entry(h: &Hook, cmd: &str) -> Value {
    let mut group = Map::new();
    if let Some(m) = h.wiring.matcher {
        group.insert("matcher".into(), json!(m));
    }
    group.insert(
        "hooks".into(),
        json!([{ "type": "command", "command": cmd, "timeout": h.wiring.timeout }]),
    );
    Value::Object(group)
}

pub fn commands(group: &Value) -> Vec<&str> {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .map(|hs| {
            hs.iter()
                .filter_map(|h| h.get("command").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

pub fn commands_mut(group: &mut Value) -> Vec<&mut Value> {
    match group.get_mut("hooks").and_then(Value::as_array_mut) {
        Some(hs) => hs.iter_mut().filter_map(|h| h.get_mut("command")).collect(),
        None => Vec::new(),
    }
}

/// Drops hookwarden's handlers from a group; true if any was there.
pub fn remove_ours(group: &mut Value, ours: Ours) -> bool {
    let Some(hs) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = hs.len();
    hs.retain(|h| {
        h.get("command")
            .and_then(Value::as_str)
            .and_then(|c| ours.binary_of(c))
            .is_none()
    });
    hs.len() < before
}

pub fn is_empty_group(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hs| hs.is_empty())
}
