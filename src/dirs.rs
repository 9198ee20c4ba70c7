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

/// Where an administrator keeps machine-wide files (the managed approver key pair and
/// `approvers.toml`): [`crate::managed::system_dir`], `/etc/hookwarden` unless
/// `HOOKWARDEN_SYSTEM_DIR` moves it where the environment counts.
pub fn system_dir() -> PathBuf {
    crate::managed::system_dir()
}

/// The per-install key that authenticates grants in personal mode: `<data dir>/approval.key`.
pub fn approval_key_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("approval.key")
}

/// The managed approver's private key (root-only) and its public half (readable by all).
pub fn managed_key_paths() -> (PathBuf, PathBuf) {
    let d = system_dir();
    (d.join("approver.key"), d.join("approver.pub"))
}

/// Who may approve for which role: `<system dir>/approvers.toml`.
pub fn approvers_path() -> PathBuf {
    system_dir().join("approvers.toml")
}

/// Where the chain head of an audit log is kept: `<data dir>/audit-heads/<hash of its path>`,
/// so a log cut short at its end can be told from one that ends there.
pub fn audit_head_path(audit: &std::path::Path) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let abs = if audit.is_absolute() {
        audit.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(audit)
    };
    let d = Sha256::digest(abs.as_os_str().as_encoded_bytes());
    let name = format!("{}.json", crate::hex::hex(&d[..8]));
    Some(data_dir()?.join("audit-heads").join(name))
}
