//! Managed mode: a machine whose security team deployed hookwarden as root, and what the
//! environment may still change.
//!
//! The org directory (`/etc/hookwarden` on Linux and macOS; `%ProgramData%\hookwarden` is the
//! place meant on Windows, where managed mode is not yet implemented) turns managed mode on
//! when it holds `policy.toml`, `managed.toml` or the managed approver key pair
//! (`approver.key`, `approver.pub`). That one test, [`mode`], decides both what the
//! environment may change and how approval grants are signed (`keys`): a machine is never
//! managed for one and personal for the other. The directory must then be owned by root and
//! not writable by group or others, and so must each of its files: an org policy the hook's
//! own user could rewrite is no boundary, so hookwarden refuses it and the hook fails closed
//! with a clear error ([`Mode::Broken`]).
//!
//! In managed mode, hook calls ignore every security-relevant environment override (the org
//! and user policy paths, the user and team names, the data, config, audit and system
//! locations, the alert file, the policy cache and pin switches): the agent can set the
//! environment its hooks run in (Claude's settings `env`, Gemini's `.env`, a prefix on the
//! hook command), so the environment is never a source of security settings there (`TMPDIR`
//! then adds no temp dir either). Commands a person runs (`policy show`, `doctor`)
//! still read the environment, and say so.
//!
//! Personal mode (no marked org directory) keeps the overrides: they are how tests and custom
//! layouts place files. `HOOKWARDEN_SYSTEM_DIR` moves the org directory itself; such a
//! directory may also belong to the user running hookwarden (the environment that named it
//! could as well have unset it), and it never takes the environment's say away.
//! docs/threat-model.md says what each mode guarantees.
//!
//! [`root_locked`] is the same ownership test for any path (a binary, a config): install and
//! `doctor` use it to tell whether a non-root user could replace what the hook runs.

use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The org directory.
pub const ORG_DIR: &str = "/etc/hookwarden";

/// The files whose presence turns managed mode on.
pub const MARKERS: &[&str] = &[
    "policy.toml",
    "managed.toml",
    "approver.key",
    "approver.pub",
];

/// The files of the org directory that must be root's when present (the markers, and who may
/// approve for which role).
const CHECKED: &[&str] = &[
    "policy.toml",
    "managed.toml",
    "approver.key",
    "approver.pub",
    "approvers.toml",
];

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
    "HOOKWARDEN_SYSTEM_DIR",
    "TMPDIR",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// No org directory with a policy or approver key: the user's own machine.
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

/// Runs `f` as a hook call would run (`doctor`'s self-test), then restores the flag.
pub fn as_hook_call<R>(f: impl FnOnce() -> R) -> R {
    let before = HOOK_CALL.swap(true, Ordering::Relaxed);
    let r = f();
    HOOK_CALL.store(before, Ordering::Relaxed);
    r
}

/// The mode of the real org directory, whatever the environment says; read once.
fn real_mode() -> &'static Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    MODE.get_or_init(|| detect(Path::new(ORG_DIR), None))
}

/// Whether the environment has lost its say: a hook call on a machine whose real org
/// directory is marked (managed, or refused). Who the user is then comes from the OS, not
/// from `USER`.
pub fn locked() -> bool {
    in_hook_call() && !matches!(real_mode(), Mode::Personal)
}

/// The org directory in use: `HOOKWARDEN_SYSTEM_DIR` where the environment counts, else
/// [`ORG_DIR`].
pub fn system_dir() -> PathBuf {
    match env("HOOKWARDEN_SYSTEM_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(ORG_DIR),
    }
}

/// The machine's mode (of [`system_dir`]), read once per process and kind of call.
pub fn mode() -> &'static Mode {
    static HOOK: OnceLock<Mode> = OnceLock::new();
    static PERSON: OnceLock<Mode> = OnceLock::new();
    let cell = if in_hook_call() { &HOOK } else { &PERSON };
    cell.get_or_init(|| {
        let dir = system_dir();
        if dir == Path::new(ORG_DIR) {
            real_mode().clone()
        } else {
            detect_moved(&dir, effective_uid())
        }
    })
}

/// Whether the machine is managed (or its org directory refused): grants are then signed
/// with the managed approver key, and a hook call ignores the environment's overrides.
pub fn is_managed() -> bool {
    !matches!(mode(), Mode::Personal)
}

/// An environment setting, or `None` where the mode says the environment does not count.
pub fn env(name: &str) -> Option<OsString> {
    if SECURITY_VARS.contains(&name) && locked() {
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

/// Decides the mode of an org directory: it and its files must be root's.
pub fn detect(dir: &Path, uid: Option<u32>) -> Mode {
    let _ = uid;
    detect_owned_by(dir, &[0])
}

/// [`detect`] for a directory the environment named (`HOOKWARDEN_SYSTEM_DIR`): the user
/// running hookwarden may own it too.
pub fn detect_moved(dir: &Path, uid: Option<u32>) -> Mode {
    match uid {
        Some(u) if u != 0 => detect_owned_by(dir, &[0, u]),
        _ => detect_owned_by(dir, &[0]),
    }
}

fn detect_owned_by(dir: &Path, owners: &[u32]) -> Mode {
    // Most machines have no org directory: one lookup settles it.
    if matches!(dir.symlink_metadata(), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
        return Mode::Personal;
    }
    let marked = MARKERS
        .iter()
        .any(|f| dir.join(f).symlink_metadata().is_ok());
    if !marked {
        return Mode::Personal;
    }
    let mut checked = vec![dir.to_path_buf()];
    for f in CHECKED {
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
        if !owners.contains(&meta.uid()) {
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

/// Checks that no user but root can replace `path`: it and every directory above it (after
/// resolving links) are root's and not writable by group or others. A sticky directory
/// (`/tmp`) above it counts as locked: its other users cannot rename or remove root's
/// entries. The error says which component is not, and why.
pub fn root_locked(path: &Path) -> Result<(), String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut first = true;
    for p in real.ancestors() {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.uid() != 0 {
            return Err(format!(
                "{} is owned by uid {}, not root",
                p.display(),
                meta.uid()
            ));
        }
        let sticky = meta.is_dir() && meta.mode() & 0o1000 != 0;
        if meta.mode() & 0o022 != 0 && (first || !sticky) {
            return Err(format!(
                "{} is writable by group or others (mode {:o})",
                p.display(),
                meta.mode() & 0o7777
            ));
        }
        first = false;
    }
    Ok(())
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
    fn the_approver_key_alone_turns_managed_mode_on() {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.path().join("approver.pub"), "00").unwrap();
        let owner = d.path().metadata().unwrap().uid();
        match detect_moved(d.path(), Some(owner)) {
            Mode::Managed { dir } => assert_eq!(dir, d.path()),
            other => panic!("{other:?}"),
        }
        // A moved org dir may be its user's; the real one never.
        if owner != 0 {
            assert!(matches!(detect(d.path(), Some(owner)), Mode::Broken(_)));
            assert!(matches!(
                detect_moved(d.path(), Some(owner + 1)),
                Mode::Broken(_)
            ));
        }
        // A roles file others could write is refused too.
        std::fs::write(d.path().join("approvers.toml"), "").unwrap();
        let roles = d.path().join("approvers.toml");
        std::fs::set_permissions(&roles, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            detect_moved(d.path(), Some(owner)),
            Mode::Broken(_)
        ));
    }

    #[test]
    fn root_locked_names_the_component_others_could_write() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("bin");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        let owner = f.metadata().unwrap().uid();
        let tmp_is_rooted = root_locked(d.path()).is_ok();
        if owner != 0 {
            let why = root_locked(&f).unwrap_err();
            assert!(why.contains("not root"), "{why}");
            return;
        }
        if tmp_is_rooted {
            assert_eq!(root_locked(&f), Ok(()));
        }
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o775)).unwrap();
        let why = root_locked(&f).unwrap_err();
        assert!(why.contains("writable by group or others"), "{why}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(root_locked(&f).is_err(), "a world-writable dir above it");
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        if tmp_is_rooted {
            assert_eq!(root_locked(&f), Ok(()), "a sticky dir above it is fine");
        }
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
