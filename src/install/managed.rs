//! `sudo hookwarden install --managed`: wiring hookwarden for every user of a machine, in each
//! runtime's administrator-owned config (its profile's [`ManagedInstall`]), and
//! `uninstall --managed`, which takes it out again.
//!
//! What makes it a boundary against the agent (which runs as an ordinary user): every file
//! the runtime reads to find the hook, the binary the hook runs and the org directory are
//! root's and not writable by anyone else ([`crate::managed::root_locked`]). So install
//! refuses to run without root, wires only a binary no other user can replace (copying it to
//! a root-owned directory when it is not in one), writes configs `0644` root-owned whatever
//! the umask, and creates `/etc/hookwarden` with `managed.toml`, which turns managed mode on.
//!
//! `root` is where the machine's `/` is: `/`, or an image being prepared. Paths written into
//! configs are always the machine's own (without `root`).

use super::backup::beside as backup_path;
use super::{
    codex_requirements, hook_command, io_err, json, read_opt, selected_hooks, Action, FileReport,
    Hook, InstallError, Ours, Report,
};
use crate::event::{Boundary, RuntimeKind};
use crate::runtime::profile::{ManagedFormat, ManagedInstall};
use crate::runtime::RuntimeProfile;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where install puts the binary when the one given is not in a root-owned directory.
pub const DEFAULT_BIN_DIR: &str = "/usr/local/bin";

/// What `managed.toml` says when install creates it.
pub const MANAGED_TOML: &str = "# hookwarden managed mode: this directory is root's, and hook calls on this machine\n# ignore security-relevant environment overrides (see docs/threat-model.md).\n# The org policy goes in policy.toml beside this file.\n";

/// What to install for every user.
#[derive(Debug, Clone)]
pub struct ManagedOptions {
    pub runtime: RuntimeKind,
    /// Boundaries to wire; empty = every one the runtime has.
    pub events: Vec<Boundary>,
    /// The hookwarden binary, as the machine will run it (absolute, without `root`).
    pub binary: String,
    /// Where the machine's `/` is.
    pub root: PathBuf,
}

/// `abs` (an absolute path on the machine) under `root`.
pub fn under(root: &Path, abs: &str) -> PathBuf {
    root.join(abs.trim_start_matches('/'))
}

/// Refuses unless this process runs as root.
pub fn require_root(what: &str) -> Result<(), InstallError> {
    if rustix::process::geteuid().is_root() {
        return Ok(());
    }
    Err(InstallError::Usage(format!(
        "{what} writes root-owned files that users (and the agents they run) cannot change: run it as root (`sudo hookwarden {what} ...`)"
    )))
}

/// The runtime's managed config, or why it has none.
pub fn managed_of(
    profile: &'static RuntimeProfile,
) -> Result<&'static ManagedInstall, InstallError> {
    profile.install.managed.as_ref().ok_or_else(|| {
        InstallError::Usage(format!(
            "{} documents no administrator-owned hook config, so it cannot be wired with --managed (runtimes that can: {})",
            profile.display,
            crate::runtime::profiles()
                .iter()
                .filter(|p| p.install.managed.is_some())
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn locked(path: &Path) -> Result<(), InstallError> {
    crate::managed::root_locked(path).map_err(|why| {
        InstallError::Usage(format!(
            "{}: {why}; a user who can change it could replace what every hook runs. Choose a root-owned directory no one else can write (--bin-dir)",
            path.display()
        ))
    })
}

/// Creates a directory (and those above it) `0755`, root's.
fn mkdir_public(dir: &Path) -> Result<(), InstallError> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| io_err(dir, e))
}

/// Writes `text` to `path` through a temp file and a rename: `mode`, root's, whatever the
/// umask. Never follows a symlink at `path` (a link could point anywhere).
fn write_owned(path: &Path, text: &[u8], mode: u32) -> Result<(), InstallError> {
    if let Some(parent) = path.parent() {
        mkdir_public(parent)?;
    }
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".hookwarden.tmp");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .map_err(|e| io_err(&tmp, e))?;
    f.write_all(text).map_err(|e| io_err(&tmp, e))?;
    f.sync_all().map_err(|e| io_err(&tmp, e))?;
    drop(f);
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_err(&tmp, e))?;
    std::os::unix::fs::chown(&tmp, Some(0), Some(0)).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// The binary the hooks will run: `source` itself when no user but root can replace it,
/// else a copy in `bin_dir` (root's, `0755`). Refuses a `bin_dir` others could write.
/// Returns the path as the machine sees it, and what happened to the file.
pub fn place_binary(
    source: &Path,
    bin_dir: &str,
    root: &Path,
) -> Result<(String, FileReport), InstallError> {
    let source = std::fs::canonicalize(source).map_err(|e| io_err(source, e))?;
    let in_place = root == Path::new("/") && crate::managed::root_locked(&source).is_ok();
    if in_place {
        return Ok((
            source.display().to_string(),
            FileReport {
                path: source,
                action: Action::Unchanged,
                backup: None,
            },
        ));
    }
    let dir = under(root, bin_dir);
    mkdir_public(&dir)?;
    locked(&dir)?;
    let dest = dir.join("hookwarden");
    let bytes = std::fs::read(&source).map_err(|e| io_err(&source, e))?;
    let action = match std::fs::read(&dest) {
        Ok(cur) if cur == bytes => Action::Unchanged,
        Ok(_) => Action::Updated,
        Err(_) => Action::Created,
    };
    if action != Action::Unchanged {
        write_owned(&dest, &bytes, 0o755)?;
    } else {
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| io_err(&dest, e))?;
        std::os::unix::fs::chown(&dest, Some(0), Some(0)).map_err(|e| io_err(&dest, e))?;
    }
    locked(&dest)?;
    let wired = Path::new(bin_dir).join("hookwarden").display().to_string();
    Ok((
        wired,
        FileReport {
            path: dest,
            action,
            backup: None,
        },
    ))
}

/// `/etc/hookwarden`, `0755` and root's, with `managed.toml` when it has none. An org
/// directory that exists but is not locked is refused, not fixed: someone else made it.
pub fn ensure_org_dir(root: &Path) -> Result<Vec<FileReport>, InstallError> {
    let dir = under(root, crate::managed::ORG_DIR);
    let mut out = Vec::new();
    if dir.symlink_metadata().is_err() {
        mkdir_public(&dir)?;
        std::os::unix::fs::chown(&dir, Some(0), Some(0)).map_err(|e| io_err(&dir, e))?;
        out.push(FileReport {
            path: dir.clone(),
            action: Action::Created,
            backup: None,
        });
    }
    if let crate::managed::Mode::Broken(why) = crate::managed::detect(&dir, Some(0)) {
        return Err(InstallError::Usage(format!(
            "the org directory is not safe: {why}"
        )));
    }
    locked(&dir)?;
    let marker = dir.join("managed.toml");
    if marker.symlink_metadata().is_err() {
        write_owned(&marker, MANAGED_TOML.as_bytes(), 0o644)?;
        out.push(FileReport {
            path: marker,
            action: Action::Created,
            backup: None,
        });
    }
    Ok(out)
}

/// The runtime's managed config as install leaves it, from its current text.
pub fn merged_text(
    profile: &'static RuntimeProfile,
    m: &ManagedInstall,
    path: &Path,
    current: Option<&str>,
    hooks: &[Hook],
    binary: &str,
) -> Result<String, InstallError> {
    let ours = Ours {
        runtime: profile.kind,
        binary: Some(binary),
    };
    match m.format {
        ManagedFormat::CodexRequirements => {
            let cmd = hook_command(binary, profile.kind);
            codex_requirements::merge(path, current, hooks, &cmd, m.locks, ours)
        }
        ManagedFormat::Json => {
            let text = json::merge(profile, path, current, hooks, binary)?;
            json::set_true(path, &text, m.locks)
        }
    }
}

/// Wires hookwarden into the runtime's managed config (and creates the org directory).
pub fn install(opts: &ManagedOptions) -> Result<Report, InstallError> {
    require_root("install --managed")?;
    let profile = super::profile_for(opts.runtime)?;
    let m = managed_of(profile)?;
    let hooks = selected_hooks(profile, &opts.events)?;
    let path = under(&opts.root, m.path);
    if path.is_symlink() {
        return Err(InstallError::Shape {
            path: path.display().to_string(),
            message: "a managed config must be a plain file, not a symbolic link".into(),
        });
    }
    let current = read_opt(&path)?;
    let new = merged_text(profile, m, &path, current.as_deref(), &hooks, &opts.binary)?;
    let mut report = Report {
        events: hooks.iter().map(Hook::name).collect(),
        ..Report::default()
    };
    report.files.extend(ensure_org_dir(&opts.root)?);
    let file = match current.as_deref() {
        Some(cur) if cur == new => FileReport {
            path: path.clone(),
            action: Action::Unchanged,
            backup: None,
        },
        Some(cur) => {
            let bak = backup_path(&path);
            write_owned(&bak, cur.as_bytes(), 0o644)?;
            write_owned(&path, new.as_bytes(), 0o644)?;
            FileReport {
                path: path.clone(),
                action: Action::Updated,
                backup: Some(bak),
            }
        }
        None => {
            write_owned(&path, new.as_bytes(), 0o644)?;
            FileReport {
                path: path.clone(),
                action: Action::Created,
                backup: None,
            }
        }
    };
    report.files.push(file);
    report.notes = m.notes.iter().map(|s| s.to_string()).collect();
    Ok(report)
}

/// Takes hookwarden out of the runtime's managed config: the backup comes back (or the file
/// goes) when the file is still exactly what install made of it; otherwise only hookwarden's
/// handlers go, and the switches install set stay (other managed hooks may rely on them).
/// The binary and the org directory stay: other runtimes and the org policy use them.
pub fn uninstall(opts: &ManagedOptions) -> Result<Report, InstallError> {
    require_root("uninstall --managed")?;
    let profile = super::profile_for(opts.runtime)?;
    let m = managed_of(profile)?;
    let path = under(&opts.root, m.path);
    let mut report = Report::default();
    let Some(cur) = read_opt(&path)? else {
        report.files.push(FileReport {
            path,
            action: Action::Absent,
            backup: None,
        });
        return Ok(report);
    };
    let handlers = super::inspect::handlers_in(profile, Some(m.format), &path, &cur)?;
    let ours = Ours {
        runtime: profile.kind,
        binary: Some(&opts.binary),
    };
    let wired: Vec<_> = handlers
        .iter()
        .filter_map(|h| ours.binary_of(&h.command).map(|b| (h, b)))
        .collect();
    let Some((_, binary)) = wired.first() else {
        report.files.push(FileReport {
            path,
            action: Action::Unchanged,
            backup: None,
        });
        return Ok(report);
    };
    let hooks: Vec<Hook> = super::hooks_of(profile)
        .into_iter()
        .filter(|h| wired.iter().any(|(w, _)| w.boundary == h.boundary()))
        .collect();
    let bak = backup_path(&path);
    let backup = read_opt(&bak)?;
    let replay = merged_text(profile, m, &path, backup.as_deref(), &hooks, binary).ok();
    let action = if replay.as_deref() == Some(cur.as_str()) {
        match &backup {
            Some(orig) => {
                write_owned(&path, orig.as_bytes(), 0o644)?;
                let _ = std::fs::remove_file(&bak);
                Action::Restored
            }
            None => {
                std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
                Action::Removed
            }
        }
    } else {
        let text = match m.format {
            ManagedFormat::CodexRequirements => {
                Some(codex_requirements::remove(&path, &cur, ours)?)
            }
            ManagedFormat::Json => json::remove(profile, &path, &cur, ours)?,
        };
        write_owned(&bak, cur.as_bytes(), 0o644)?;
        let Some(text) = text else {
            std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
            report.files.push(FileReport {
                path,
                action: Action::Removed,
                backup: Some(bak),
            });
            return Ok(report);
        };
        write_owned(&path, text.as_bytes(), 0o644)?;
        if !m.locks.is_empty() {
            report.notes.push(format!(
                "{} still sets {} = true: remove it by hand if no other managed hook needs it",
                path.display(),
                m.locks.join(", ")
            ));
        }
        Action::Updated
    };
    let backup_kept = (action == Action::Updated).then_some(bak);
    report.files.push(FileReport {
        path,
        action,
        backup: backup_kept,
    });
    Ok(report)
}
