//! Where hookwarden keeps its files: config (user policy, policy store), data (audit log,
//! state). `HOOKWARDEN_CONFIG_DIR` / `HOOKWARDEN_DATA_DIR` override, for tests and for teams
//! that keep them elsewhere.

use std::path::PathBuf;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "hookwarden")
}

pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = crate::managed::env("HOOKWARDEN_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    project_dirs().map(|p| p.config_dir().to_path_buf())
}

pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = crate::managed::env("HOOKWARDEN_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    project_dirs().map(|p| p.data_dir().to_path_buf())
}

/// The audit log: `HOOKWARDEN_AUDIT`, else `<data dir>/audit.jsonl`.
pub fn audit_path() -> PathBuf {
    if let Some(p) = crate::managed::env("HOOKWARDEN_AUDIT") {
        return PathBuf::from(p);
    }
    data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("hookwarden"))
        .join("audit.jsonl")
}
