//! Managed mode: a machine whose security team deployed hookwarden as root, and what the
//! environment may still change.
//!
//! The org directory (`/etc/hookwarden` on Linux and macOS; `%ProgramData%\hookwarden` is the
//! place meant on Windows, where managed mode is not yet implemented) turns managed mode on
//! when it holds `policy.toml` or `managed.toml`. It must then be owned by root and not
//! writable by group or others, and so must each of those files: an org policy the hook's own
//! user could rewrite is no boundary, so hookwarden refuses it and the hook fails closed with
//! a clear error ([`Mode::Broken`]).
//!
//! In managed mode, hook calls ignore every security-relevant environment override (the org
//! and user policy paths, the user and team names, the data, config and audit locations, the
//! alert file, the policy cache and pin switches): the agent can set the environment its hooks
//! run in (Claude's settings `env`, Gemini's `.env`, a prefix on the hook command), so the
//! environment is never a source of security settings there. `TMPDIR` never widens what
//! counts as a temp dir. Commands a person runs (`policy show`, `doctor`) still read the
//! environment, and say so.
//!
//! Personal mode (no org directory) keeps the overrides: they are how tests and custom
//! layouts place files. docs/threat-model.md says what each mode guarantees.

use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The org directory.
pub const ORG_DIR: &str = "/etc/hookwarden";

/// Environment variables that a hook call in managed mode ignores.
pub const SECURITY_VARS: &[&str] = &[
    "HOOKWARDEN_ORG_POLICY",
    "HOOKWARDEN_USER_POLICY",
    "HOOKWARDEN_USER",
    "HOOKWARDEN_TEAM",
    "HOOKWARDEN_DATA_DIR",
    "HOOKWARDEN_CONFIG_DIR",
    "HOOKWARDEN_AUDIT",
    "HOOKWARDEN_ALERTS_FILE",
    "HOOKWARDEN_SYSLOG_SOCKET",
    "HOOKWARDEN_POLICY_CACHE",
    "HOOKWARDEN_PIN",
    "TMPDIR",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// No org directory with a policy: the user's own machine.
    Personal,
    /// A root-owned org directory the hook's user cannot write.
    Managed { dir: PathBuf },
    /// An org directory the hook's user could write (or that cannot be checked): refused.
    Broken(String),
}

static HOOK_CALL: AtomicBool = AtomicBool::new(false);

/// Marks this process as a hook call: environment overrides then follow the mode.
pub fn enter_hook_call() {
    HOOK_CALL.store(true, Ordering::Relaxed);
}

pub fn in_hook_call() -> bool {
    HOOK_CALL.load(Ordering::Relaxed)
}

/// The machine's mode, read once per process.
pub fn mode() -> &'static Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    MODE.get_or_init(|| detect(Path::new(ORG_DIR), effective_uid()))
}

pub fn is_managed() -> bool {
    matches!(mode(), Mode::Managed { .. } | Mode::Broken(_))
}

/// An environment setting, or `None` where the mode says the environment does not count.
pub fn env(name: &str) -> Option<OsString> {
    if in_hook_call() && is_managed() && SECURITY_VARS.contains(&name) {
        return None;
    }
    std::env::var_os(name)
}

/// [`env`] as UTF-8 text.
pub fn env_str(name: &str) -> Option<String> {
    env(name).and_then(|v| v.into_string().ok())
}

/// The effective user id of this process (Linux: `/proc/self/status`; elsewhere the owner
/// of a file this process just created is not available without libc, so `None`).
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    // Uid: real effective saved filesystem
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Decides the mode of an org directory for a process running as `uid`.
pub fn detect(dir: &Path, uid: Option<u32>) -> Mode {
    let marked = ["policy.toml", "managed.toml"]
        .iter()
        .any(|f| dir.join(f).symlink_metadata().is_ok());
    if !marked {
        return Mode::Personal;
    }
    let mut checked = vec![dir.to_path_buf()];
    for f in ["policy.toml", "managed.toml", "approver.pub"] {
        let p = dir.join(f);
        if p.symlink_metadata().is_ok() {
            checked.push(p);
        }
    }
    for p in &checked {
        let meta = match p.symlink_metadata() {
            Ok(m) => m,
            Err(e) => return Mode::Broken(format!("cannot check {}: {e}", p.display())),
        };
        if meta.file_type().is_symlink() {
            return Mode::Broken(format!(
                "{} is a symbolic link; the org directory's files must be plain root-owned files",
                p.display()
            ));
        }
        if meta.uid() != 0 {
            return Mode::Broken(format!(
                "{} is owned by uid {}, not root: an org policy its users can rewrite is refused. Run `sudo chown root:root {}`.",
                p.display(),
                meta.uid(),
                p.display()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Mode::Broken(format!(
                "{} is writable by group or others (mode {:o}): an org policy its users can rewrite is refused. Run `sudo chmod go-w {}`.",
                p.display(),
                meta.mode() & 0o7777,
                p.display()
            ));
        }
    }
    let _ = uid;
    Mode::Managed {
        dir: dir.to_path_buf(),
    }
}

/// Whether a process running as `uid` could rewrite the org directory (root can): managed
/// mode then protects nothing from that process, which `doctor` reports.
pub fn writable_by(dir: &Path, uid: Option<u32>) -> bool {
    match uid {
        Some(0) => true,
        Some(u) => dir.metadata().is_ok_and(|m| m.uid() == u),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn no_org_policy_is_personal_mode() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(detect(d.path(), Some(1000)), Mode::Personal);
    }

    #[test]
    fn an_org_policy_the_user_owns_is_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("policy.toml"), "").unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let owner = d.path().metadata().unwrap().uid();
        match detect(d.path(), Some(owner)) {
            // Tests run as root in CI: a root-owned temp dir passes the ownership check.
            Mode::Managed { .. } => assert_eq!(owner, 0),
            Mode::Broken(why) => assert!(why.contains("not root"), "{why}"),
            Mode::Personal => panic!("an org policy was not seen"),
        }
    }

    #[test]
    fn a_group_writable_org_file_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("policy.toml");
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(matches!(detect(d.path(), Some(0)), Mode::Broken(_)));
    }

    #[test]
    fn overrides_count_outside_hook_calls() {
        assert!(!in_hook_call());
        std::env::set_var("HOOKWARDEN_TEST_SETTING_PROBE", "x");
        assert_eq!(
            env_str("HOOKWARDEN_TEST_SETTING_PROBE").as_deref(),
            Some("x")
        );
    }
}
