//! Codex's `config.toml`: hooks run only with `[features] hooks = true`. Edited with
//! `toml_edit`, so comments, order and formatting of everything else stay as they are.

use super::backup::{self, Slot};
use super::{io_err, read_opt, write_atomic, Action, FileReport, InstallError};
use std::path::Path;
use toml_edit::{value, DocumentMut, Item};

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

/// Whether the file turns hooks on.
pub fn hooks_enabled(text: &str) -> bool {
    text.parse::<DocumentMut>()
        .ok()
        .and_then(|d| {
            d.get("features")
                .and_then(|f| f.get("hooks"))
                .and_then(Item::as_bool)
        })
        .unwrap_or(false)
}

/// The config with `[features] hooks = true` (unchanged when it already is).
pub fn enable_hooks(path: &Path, current: Option<&str>) -> Result<String, InstallError> {
    let text = current.unwrap_or("");
    let mut doc = parse(path, text)?;
    if hooks_enabled(text) {
        return Ok(text.to_string());
    }
    match doc.get_mut("features") {
        None => {
            let mut t = toml_edit::Table::new();
            t.insert("hooks", value(true));
            doc.insert("features", Item::Table(t));
        }
        Some(Item::Table(t)) => {
            t.insert("hooks", value(true));
        }
        Some(Item::Value(toml_edit::Value::InlineTable(t))) => {
            t.insert("hooks", toml_edit::Value::from(true));
        }
        Some(_) => {
            return Err(InstallError::Shape {
                path: path.display().to_string(),
                message: "`features` is not a table".into(),
            })
        }
    }
    Ok(doc.to_string())
}

/// Marks a config.toml that install created, so uninstall may delete it (and only then).
pub fn created_marker(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".hookwarden.created");
    s.into()
}

/// Uninstall: puts the backup back (or deletes the file install created) if the file is
/// exactly what install made of it; otherwise keeps `hooks = true` (other hooks may need it).
/// The backup is the one in the data dir (`slot`), or one an older install left beside it.
pub fn revert(path: &Path, slot: Option<&Slot>) -> Result<FileReport, InstallError> {
    let report = |action| FileReport {
        path: path.to_path_buf(),
        action,
        backup: None,
    };
    let Some(cur) = read_opt(path)? else {
        return Ok(report(Action::Absent));
    };
    let marker = created_marker(path);
    if marker.exists() {
        if enable_hooks(path, None).ok().as_deref() == Some(cur.as_str()) {
            std::fs::remove_file(path).map_err(|e| io_err(path, e))?;
            let _ = std::fs::remove_file(&marker);
            return Ok(report(Action::Removed));
        }
    } else {
        for b in backup::find(slot, path)? {
            let replay = enable_hooks(path, Some(&b.text)).ok();
            if replay.as_deref() == Some(cur.as_str()) && b.text != cur {
                write_atomic(path, &b.text)?;
                b.discard();
                return Ok(report(Action::Restored));
            }
        }
    }
    Ok(report(Action::Kept(
        "`[features] hooks = true` was there before or the file changed since; other hooks may need it"
            .into(),
    )))
}

/// What install adds to a config.toml that has no `[features]` table (`hooks/codex.config.toml`).
pub const SNIPPET: &str = "[features]\nhooks = true\n";
