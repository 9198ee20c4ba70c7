//! Merging hook entries into a JSON hooks file and taking them out again, keeping every other
//! key, its order and the file's indentation.

use super::{copilot, cursor, hook_command, nested, Hook, InstallError, Ours, Wired};
use crate::runtime::profile::HookFormat as Format;
use crate::runtime::RuntimeProfile;
use serde_json::{Map, Value};
use std::path::Path;

/// Parses a config, reporting where it is broken.
pub fn parse(path: &Path, text: &str) -> Result<Map<String, Value>, InstallError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(InstallError::Shape {
            path: path.display().to_string(),
            message: "the top level is not a JSON object".into(),
        }),
        Err(e) => Err(InstallError::Malformed {
            path: path.display().to_string(),
            line: e.line(),
            col: e.column(),
            message: format!("invalid JSON: {e}"),
        }),
    }
}

/// The indentation the file already uses (two spaces when it has none).
fn indent_of(text: &str) -> String {
    for line in text.lines().skip(1) {
        let ws: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if !ws.is_empty() {
            return ws;
        }
    }
    "  ".into()
}

fn render(root: &Map<String, Value>, original: Option<&str>) -> String {
    use serde::Serialize;
    let indent = original.map(indent_of).unwrap_or_else(|| "  ".into());
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    // Serializing a Map of Values into a Vec cannot fail.
    let _ = root.serialize(&mut ser);
    let mut s = String::from_utf8_lossy(&buf).into_owned();
    let trailing_newline = original.map(|o| o.ends_with('\n')).unwrap_or(true);
    if trailing_newline {
        s.push('\n');
    }
    if original.is_some_and(|o| o.contains("\r\n")) {
        s = s.replace('\n', "\r\n");
    }
    if original.is_some_and(|o| o.starts_with('\u{feff}')) {
        s.insert(0, '\u{feff}');
    }
    s
}

fn shape_err(path: &Path, message: String) -> InstallError {
    InstallError::Shape {
        path: path.display().to_string(),
        message,
    }
}

/// The `hooks` object, created when absent.
fn hooks_mut<'a>(
    root: &'a mut Map<String, Value>,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, InstallError> {
    let v = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    v.as_object_mut()
        .ok_or_else(|| shape_err(path, "`hooks` is not an object".into()))
}

fn entry_for(profile: &RuntimeProfile, h: &Hook, cmd: &str) -> Value {
    match profile.install.format {
        Format::Nested => nested::entry(h, cmd),
        Format::Cursor => cursor::entry(h, cmd, profile.install.on_failure.fail_closed_key),
        Format::Copilot => copilot::entry(h, cmd),
    }
}

/// The command strings of one entry, mutable (a nested group holds several handlers).
fn commands_mut(format: Format, entry: &mut Value) -> Vec<&mut Value> {
    match format {
        Format::Nested => nested::commands_mut(entry),
        Format::Cursor => entry.get_mut(cursor::COMMAND_KEY).into_iter().collect(),
        Format::Copilot => entry.get_mut(copilot::COMMAND_KEY).into_iter().collect(),
    }
}

fn commands(format: Format, entry: &Value) -> Vec<&str> {
    match format {
        Format::Nested => nested::commands(entry),
        Format::Cursor => entry
            .get(cursor::COMMAND_KEY)
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
        Format::Copilot => entry
            .get(copilot::COMMAND_KEY)
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
    }
}

/// The file with hookwarden's entries in it: an existing hookwarden handler of the event is
/// kept (its command updated if the binary moved), otherwise one entry is appended.
pub fn merge(
    profile: &RuntimeProfile,
    path: &Path,
    current: Option<&str>,
    hooks: &[Hook],
    binary: &str,
) -> Result<String, InstallError> {
    let format = profile.install.format;
    let cmd = &hook_command(binary, profile.kind);
    let ours = Ours {
        runtime: profile.kind,
        binary: Some(binary),
    };
    let mut root = match current {
        Some(text) => parse(path, text)?,
        None => Map::new(),
    };
    if matches!(format, Format::Cursor | Format::Copilot) && !root.contains_key("version") {
        root.insert("version".into(), Value::from(1));
    }
    let hooks_obj = hooks_mut(&mut root, path)?;
    for h in hooks {
        let arr = hooks_obj
            .entry(h.name())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| shape_err(path, format!("`hooks.{}` is not a list", h.name())))?;
        let mut found = false;
        for entry in arr.iter_mut() {
            let mut here = false;
            for c in commands_mut(format, entry) {
                if c.as_str().and_then(|s| ours.binary_of(s)).is_some() {
                    here = true;
                    if c.as_str() != Some(cmd) {
                        *c = Value::String(cmd.to_string());
                    }
                }
            }
            found |= here;
            // An entry of ours that should fail closed and does not is set to, whoever
            // wrote it: a crashed hook must not let the call through.
            if let (true, true, Format::Cursor, Some(k)) = (
                here,
                h.wiring.fail_closed,
                format,
                profile.install.on_failure.fail_closed_key,
            ) {
                if let Some(obj) = entry.as_object_mut() {
                    if obj.get(k) != Some(&Value::Bool(true)) {
                        obj.insert(k.to_string(), Value::Bool(true));
                    }
                }
            }
        }
        if !found {
            arr.push(entry_for(profile, h, cmd));
        }
    }
    Ok(render(&root, current))
}

/// The file with each of `keys` set to `true` at the top level (the managed configs'
/// switches such as `allowManagedHooksOnly`); unchanged when they already are.
pub fn set_true(path: &Path, text: &str, keys: &[&str]) -> Result<String, InstallError> {
    let mut root = parse(path, text)?;
    let mut changed = false;
    for k in keys {
        if root.get(*k) != Some(&Value::Bool(true)) {
            root.insert((*k).to_string(), Value::Bool(true));
            changed = true;
        }
    }
    if !changed {
        return Ok(text.to_string());
    }
    Ok(render(&root, Some(text)))
}

/// The file without hookwarden's entries; `None` when nothing else is left in it.
pub fn remove(
    profile: &RuntimeProfile,
    path: &Path,
    text: &str,
    ours: Ours,
) -> Result<Option<String>, InstallError> {
    let format = profile.install.format;
    let mut root = parse(path, text)?;
    let mut removed_any = false;
    if let Some(Value::Object(hooks_obj)) = root.get_mut("hooks") {
        let mut emptied = Vec::new();
        for (event, v) in hooks_obj.iter_mut() {
            let Some(arr) = v.as_array_mut() else {
                continue;
            };
            let before = arr.len();
            // Only entries that hookwarden's removal emptied go; an empty group the user
            // wrote stays.
            let mut keep = Vec::with_capacity(arr.len());
            let mut touched = false;
            for mut entry in std::mem::take(arr) {
                let ours_gone = match format {
                    Format::Nested => {
                        let removed = nested::remove_ours(&mut entry, ours);
                        touched |= removed;
                        removed && nested::is_empty_group(&entry)
                    }
                    _ => commands(format, &entry)
                        .iter()
                        .any(|c| ours.binary_of(c).is_some()),
                };
                if !ours_gone {
                    keep.push(entry);
                }
            }
            *arr = keep;
            let changed = touched || arr.len() < before;
            removed_any |= changed;
            if arr.is_empty() && changed {
                emptied.push(event.clone());
            }
        }
        for e in emptied {
            hooks_obj.shift_remove(&e);
        }
        if hooks_obj.is_empty() && removed_any {
            root.shift_remove("hooks");
        }
    }
    if !removed_any {
        return Ok(Some(text.to_string()));
    }
    let only_version = root.len() == 1 && root.contains_key("version") && format != Format::Nested;
    if root.is_empty() || only_version {
        return Ok(None);
    }
    Ok(Some(render(&root, Some(text))))
}

/// Every hookwarden handler in the file.
pub fn wired(
    profile: &RuntimeProfile,
    path: &Path,
    text: &str,
    ours: Ours,
) -> Result<Vec<Wired>, InstallError> {
    let root = parse(path, text)?;
    let mut out = Vec::new();
    let Some(Value::Object(hooks_obj)) = root.get("hooks") else {
        return Ok(out);
    };
    for (event, v) in hooks_obj {
        let Some(arr) = v.as_array() else { continue };
        for entry in arr {
            for c in commands(profile.install.format, entry) {
                if let Some(binary) = ours.binary_of(c) {
                    let boundary = profile
                        .installed()
                        .find(|(h, _)| h.name == event)
                        .map_or(crate::event::Boundary::Other, |(h, _)| h.boundary);
                    out.push(Wired {
                        boundary,
                        event: event.clone(),
                        binary,
                        command: c.to_string(),
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::event::RuntimeKind;
    use crate::install::{hook_command, hooks_of};
    use proptest::prelude::*;
    use serde_json::json;

    fn other_hook(cmd: String, matcher: Option<String>) -> Value {
        let mut g = json!({ "hooks": [{ "type": "command", "command": cmd }] });
        if let Some(m) = matcher {
            g["matcher"] = json!(m);
        }
        g
    }

    /// A canonical (as `render` writes it) config with other keys and other hooks.
    fn config() -> impl Strategy<Value = String> {
        let events = prop::sample::subsequence(
            vec![
                "PreToolUse",
                "PostToolUse",
                "Stop",
                "SessionStart",
                "Notification",
            ],
            0..5,
        );
        (
            prop::collection::vec(("[a-z]{1,8}", "[ -~]{0,12}"), 0..4),
            events,
            prop::collection::vec(
                ("[a-z./ -]{1,20}", prop::option::of("[A-Za-z|*]{1,8}")),
                1..4,
            ),
            any::<bool>(),
        )
            .prop_map(|(keys, events, hooks, hooks_first)| {
                let mut root = Map::new();
                let mut h = Map::new();
                for e in events {
                    let groups: Vec<Value> = hooks
                        .iter()
                        .map(|(c, m)| other_hook(c.clone(), m.clone()))
                        .collect();
                    h.insert(e.to_string(), Value::Array(groups));
                }
                if hooks_first && !h.is_empty() {
                    root.insert("hooks".into(), Value::Object(h.clone()));
                }
                for (k, v) in keys {
                    if k != "hooks" {
                        root.insert(k, json!(v));
                    }
                }
                if !hooks_first && !h.is_empty() {
                    root.insert("hooks".into(), Value::Object(h));
                }
                render(&root, None)
            })
    }

    proptest! {
        #[test]
        fn merge_is_idempotent_and_remove_gives_the_original_back(original in config()) {
            for kind in [RuntimeKind::Claude, RuntimeKind::Gemini, RuntimeKind::Qwen] {
                let profile = crate::runtime::profile(kind).unwrap();
                let hooks = hooks_of(profile);
                let bin = "/opt/hw/hookwarden";
                let ours = Ours { runtime: kind, binary: None };
                let p = Path::new("t.json");
                let once = merge(profile, p, Some(&original), &hooks, bin).unwrap();
                let twice = merge(profile, p, Some(&once), &hooks, bin).unwrap();
                prop_assert_eq!(&once, &twice);
                let back = remove(profile, p, &once, ours).unwrap();
                let root = parse(p, &original).unwrap();
                if root.is_empty() {
                    prop_assert!(back.is_none());
                } else {
                    prop_assert_eq!(back.as_deref(), Some(original.as_str()));
                }
            }
        }
    }

    #[test]
    fn commands_with_quotes_and_spaces_are_recognised() {
        let cmd = hook_command("/Users/a b/it's/hookwarden", RuntimeKind::Claude);
        assert_eq!(
            crate::install::our_binary(&cmd, RuntimeKind::Claude).as_deref(),
            Some("/Users/a b/it's/hookwarden")
        );
        assert_eq!(
            crate::install::our_binary("hookwarden hook --runtime claude", RuntimeKind::Gemini),
            None
        );
        // same arguments, another program: not ours, unless it is the binary being installed
        let ours = Ours {
            runtime: RuntimeKind::Claude,
            binary: None,
        };
        assert_eq!(ours.binary_of("other-guard hook --runtime claude"), None);
        let wrapper = Ours {
            runtime: RuntimeKind::Claude,
            binary: Some("/t/wrap.sh"),
        };
        assert_eq!(
            wrapper
                .binary_of("/t/wrap.sh hook --runtime claude")
                .as_deref(),
            Some("/t/wrap.sh")
        );
    }
}
