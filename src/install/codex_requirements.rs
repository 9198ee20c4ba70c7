//! Codex's administrator-owned `requirements.toml` (`/etc/codex/requirements.toml`): the
//! managed hooks as inline `[[hooks.<Event>]]` tables (the `hooks.json` layout in TOML),
//! `allow_managed_hooks_only = true` so users' and projects' hooks no longer run, and
//! `[features] hooks = true` pinned so no user config can turn hooks off. Codex runs managed
//! hooks without the trust review its other hooks need.
//!
//! Edited with `toml_edit`: every other requirement, comment and table stays as it is.

use super::{Hook, InstallError, Ours};
use std::path::Path;
use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Table};

fn parse(path: &Path, text: &str) -> Result<DocumentMut, InstallError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, col) = crate::policy::line_col(text, offset);
        InstallError::Malformed {
            path: path.display().to_string(),
            line,
            col,
            message: format!(
                "invalid TOML: {}",
                e.message().lines().next().unwrap_or("parse error")
            ),
        }
    })
}

fn shape(path: &Path, message: String) -> InstallError {
    InstallError::Shape {
        path: path.display().to_string(),
        message,
    }
}

/// A table under `parent`, created (without a header of its own) when absent.
fn table_mut<'a>(
    parent: &'a mut Table,
    key: &str,
    path: &Path,
    implicit: bool,
) -> Result<&'a mut Table, InstallError> {
    let item = parent.entry(key).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(implicit);
        Item::Table(t)
    });
    item.as_table_mut()
        .ok_or_else(|| shape(path, format!("`{key}` is not a table")))
}

/// The file with hookwarden's hooks in it and the switches set: an existing hookwarden
/// handler of an event is kept (its command updated if the binary moved), otherwise one group
/// is appended.
pub fn merge(
    path: &Path,
    current: Option<&str>,
    hooks: &[Hook],
    cmd: &str,
    locks: &[&str],
    ours: Ours,
) -> Result<String, InstallError> {
    let mut doc = parse(path, current.unwrap_or(""))?;
    let root = doc.as_table_mut();
    for key in locks {
        if root.get(key).and_then(Item::as_bool) != Some(true) {
            root.insert(key, value(true));
        }
    }
    let features = table_mut(root, "features", path, false)?;
    if features.get("hooks").and_then(Item::as_bool) != Some(true) {
        features.insert("hooks", value(true));
    }
    let hooks_tbl = table_mut(root, "hooks", path, true)?;
    for h in hooks {
        let groups = hooks_tbl
            .entry(h.name())
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or_else(|| {
                shape(
                    path,
                    format!("`hooks.{}` is not a list of tables", h.name()),
                )
            })?;
        let mut found = false;
        for group in groups.iter_mut() {
            let Some(handlers) = group
                .get_mut("hooks")
                .and_then(Item::as_array_of_tables_mut)
            else {
                continue;
            };
            for handler in handlers.iter_mut() {
                let is_ours = handler
                    .get("command")
                    .and_then(Item::as_str)
                    .and_then(|c| ours.binary_of(c))
                    .is_some();
                if is_ours {
                    found = true;
                    if handler.get("command").and_then(Item::as_str) != Some(cmd) {
                        handler.insert("command", value(cmd));
                    }
                }
            }
        }
        if !found {
            let mut group = Table::new();
            if let Some(m) = h.wiring.matcher {
                group.insert("matcher", value(m));
            }
            let mut handler = Table::new();
            handler.insert("type", value("command"));
            handler.insert("command", value(cmd));
            handler.insert("timeout", value(h.wiring.timeout as i64));
            let mut handlers = ArrayOfTables::new();
            handlers.push(handler);
            group.insert("hooks", Item::ArrayOfTables(handlers));
            groups.push(group);
        }
    }
    Ok(doc.to_string())
}

/// The file without hookwarden's handlers (the switches stay: other managed hooks may rely
/// on them); unchanged text when there were none.
pub fn remove(path: &Path, text: &str, ours: Ours) -> Result<String, InstallError> {
    let mut doc = parse(path, text)?;
    let Some(hooks_tbl) = doc.get_mut("hooks").and_then(Item::as_table_mut) else {
        return Ok(text.to_string());
    };
    let mut removed_any = false;
    let mut emptied = Vec::new();
    for (event, item) in hooks_tbl.iter_mut() {
        let Some(groups) = item.as_array_of_tables_mut() else {
            continue;
        };
        let mut removed_here = false;
        groups.retain(|group| {
            let Some(handlers) = group.get("hooks").and_then(Item::as_array_of_tables) else {
                return true;
            };
            let theirs = handlers
                .iter()
                .filter(|h| {
                    h.get("command")
                        .and_then(Item::as_str)
                        .and_then(|c| ours.binary_of(c))
                        .is_none()
                })
                .count();
            if theirs == handlers.len() {
                return true;
            }
            removed_here = true;
            theirs > 0
        });
        // Groups that also hold other handlers keep those.
        for group in groups.iter_mut() {
            if let Some(handlers) = group
                .get_mut("hooks")
                .and_then(Item::as_array_of_tables_mut)
            {
                let before = handlers.len();
                handlers.retain(|h| {
                    h.get("command")
                        .and_then(Item::as_str)
                        .and_then(|c| ours.binary_of(c))
                        .is_none()
                });
                removed_here |= handlers.len() < before;
            }
        }
        removed_any |= removed_here;
        if removed_here && groups.is_empty() {
            emptied.push(event.get().to_string());
        }
    }
    for e in emptied {
        hooks_tbl.remove(&e);
    }
    if !removed_any {
        return Ok(text.to_string());
    }
    if hooks_tbl.is_empty() {
        doc.remove("hooks");
    }
    Ok(doc.to_string())
}

/// The file's `hooks` table in the JSON layout of `hooks.json` (for reading handlers back).
pub fn hooks_as_json(path: &Path, text: &str) -> Result<serde_json::Value, InstallError> {
    let v: toml::Value = toml::from_str(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|s| crate::policy::line_col(text, s.start))
            .unwrap_or((1, 1));
        InstallError::Malformed {
            path: path.display().to_string(),
            line,
            col,
            message: format!("invalid TOML: {}", e.message()),
        }
    })?;
    let json = serde_json::to_value(&v).map_err(|e| shape(path, e.to_string()))?;
    Ok(json)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::event::RuntimeKind;
    use crate::install::{hook_command, hooks_of};

    #[test]
    fn merge_is_idempotent_keeps_other_requirements_and_remove_takes_only_ours() {
        let profile = crate::runtime::profile(RuntimeKind::Codex).unwrap();
        let hooks = hooks_of(profile);
        let ours = Ours {
            runtime: RuntimeKind::Codex,
            binary: None,
        };
        let cmd = hook_command("/usr/local/bin/hookwarden", RuntimeKind::Codex);
        let original = "# org requirements\nallowed_approval_policies = [\"untrusted\"]\n\n[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = \"command\"\ncommand = \"/opt/notify\"\n";
        let p = Path::new("requirements.toml");
        let locks = ["allow_managed_hooks_only"];
        let once = merge(p, Some(original), &hooks, &cmd, &locks, ours).unwrap();
        let twice = merge(p, Some(&once), &hooks, &cmd, &locks, ours).unwrap();
        assert_eq!(once, twice);
        let v: toml::Value = toml::from_str(&once).unwrap();
        assert_eq!(v["allow_managed_hooks_only"].as_bool(), Some(true));
        assert_eq!(v["features"]["hooks"].as_bool(), Some(true));
        assert_eq!(
            v["allowed_approval_policies"][0].as_str(),
            Some("untrusted")
        );
        let pre = &v["hooks"]["PreToolUse"][0];
        assert_eq!(pre["matcher"].as_str(), Some(".*"));
        assert_eq!(pre["hooks"][0]["command"].as_str(), Some(cmd.as_str()));
        assert_eq!(pre["hooks"][0]["type"].as_str(), Some("command"));
        // The org's own Stop hook stays, ours is added beside it.
        assert_eq!(v["hooks"]["Stop"].as_array().unwrap().len(), 2);
        assert!(once.starts_with("# org requirements\n"));

        let back = remove(p, &once, ours).unwrap();
        let v: toml::Value = toml::from_str(&back).unwrap();
        assert!(v["hooks"].get("PreToolUse").is_none());
        assert_eq!(
            v["hooks"]["Stop"][0]["hooks"][0]["command"].as_str(),
            Some("/opt/notify")
        );
        let json = hooks_as_json(p, &once).unwrap();
        assert_eq!(
            json["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            cmd.as_str()
        );
    }
}
