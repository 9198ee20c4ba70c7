//! Wiring hookwarden into a runtime's own hook config: `install`, `uninstall`, and what
//! `doctor` reads back.
//!
//! Every runtime keeps its hooks in a JSON file (Codex also needs a feature flag in its TOML
//! config). Which file per scope, which events, matchers, timeouts and fail-closed setting:
//! the runtime's profile (`runtime/<name>.rs`). Install merges one handler per boundary into
//! that file without touching anything else, so it is idempotent, and backs the file up (in
//! hookwarden's data dir, `backup`) before it changes it. Uninstall restores the backup when
//! the file is still exactly what install made of it (byte for byte); otherwise it removes
//! only the handlers whose command is hookwarden's.
//!
//! The command a handler runs depends on the scope. A project's config is committed and run
//! on every teammate's machine, so it names hookwarden by its bare name, found on each
//! machine's `PATH` ([`PATH_NAME`]); the user's and the local (uncommitted) configs are one
//! person's, and name the binary by its absolute path, which nothing earlier on `PATH` can
//! shadow (`resolve` says what each form does and does not guarantee).
//!
//! `install --managed` (`managed`) writes each runtime's administrator-owned config instead,
//! for every user of the machine; `inspect` reads any of these configs back the way the
//! runtime will run it (for `doctor`).
//!
//! What a handler is recognised by: its command, `<binary> hook --runtime <r>`. Nothing else
//! is added to the entries, because some runtimes reject unknown keys in their settings.

pub mod backup;
pub mod codex_requirements;
pub mod codex_toml;
pub mod copilot;
pub mod cursor;
pub mod inspect;
pub mod json;
pub mod managed;
pub mod nested;
pub mod resolve;

use crate::event::{Boundary, RuntimeKind};
use crate::runtime::profile::{DefaultScope, HookEvent, UserBase, Wiring};
use crate::runtime::RuntimeProfile;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the hooks go: the project (checked in, for everyone who works in the repository),
/// the project for one person (the runtime's local settings, kept out of version control),
/// or the user's home (every project of one person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Project,
    Local,
    User,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "project" => Some(Scope::Project),
            "local" => Some(Scope::Local),
            "user" => Some(Scope::User),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::Local => "local",
            Scope::User => "user",
        }
    }
}

/// The scopes a runtime has a hooks file for, in the order doctor reads them.
pub fn scopes(profile: &RuntimeProfile) -> Vec<Scope> {
    let mut out = vec![Scope::Project];
    if profile.install.local_file.is_some() {
        out.push(Scope::Local);
    }
    out.push(Scope::User);
    out
}

/// The name a project's config runs hookwarden by: found on each machine's `PATH`.
pub const PATH_NAME: &str = "hookwarden";

/// The binary a hook command names at a scope: the one given (`--binary`) as given; else, in
/// a project's config, [`PATH_NAME`] (the config is committed, and `this`, the running
/// binary's path, is only this machine's); else `this`.
pub fn wired_binary(scope: Scope, given: Option<String>, this: String) -> String {
    match (given, scope) {
        (Some(b), _) => b,
        (None, Scope::Project) => PATH_NAME.to_string(),
        (None, Scope::Local | Scope::User) => this,
    }
}

/// Whether a hook command's binary is a bare name, found through `PATH` when it runs.
pub fn on_path(binary: &str) -> bool {
    !binary.contains('/')
}

/// One hook entry install writes: a runtime's event (from its profile) and how it is wired.
#[derive(Debug, Clone, Copy)]
pub struct Hook {
    pub event: &'static HookEvent,
    pub wiring: &'static Wiring,
}

impl Hook {
    pub fn name(&self) -> &'static str {
        self.event.name
    }

    pub fn boundary(&self) -> Boundary {
        self.event.boundary
    }
}

/// Every hook install writes for a runtime, in the order it writes them.
pub fn hooks_of(profile: &'static RuntimeProfile) -> Vec<Hook> {
    profile
        .installed()
        .map(|(event, wiring)| Hook { event, wiring })
        .collect()
}

/// The scope install uses when none is given (the profile's: the project, except for Codex,
/// which runs project hooks only in a trusted project and reads its feature flag from the
/// user config).
pub fn default_scope(profile: &RuntimeProfile) -> Scope {
    match profile.install.default_scope {
        DefaultScope::Project => Scope::Project,
        DefaultScope::User => Scope::User,
    }
}

/// Where the config files are: project root, home, Codex home; and where backups go.
#[derive(Debug, Clone)]
pub struct Env {
    pub dir: PathBuf,
    pub home: PathBuf,
    /// `$CODEX_HOME`, else `<home>/.codex`.
    pub codex_home: PathBuf,
    /// hookwarden's data dir, which holds the backups (`None`: no home to find it in).
    pub data_dir: Option<PathBuf>,
}

impl Env {
    /// From the process environment; `dir` is the project root.
    pub fn from_process(dir: PathBuf) -> Env {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let codex_home = std::env::var_os("CODEX_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".codex"));
        Env {
            dir,
            home,
            codex_home,
            data_dir: crate::dirs::data_dir(),
        }
    }

    /// Where a runtime's user-scope configs are rooted.
    pub fn user_base(&self, profile: &RuntimeProfile) -> &Path {
        match profile.config.user_base {
            UserBase::Home => &self.home,
            UserBase::CodexHome => &self.codex_home,
        }
    }

    /// The hooks file of a runtime at a scope, or why it has none there.
    pub fn hooks_file(
        &self,
        profile: &RuntimeProfile,
        scope: Scope,
    ) -> Result<PathBuf, InstallError> {
        match scope {
            Scope::Project => Ok(self.dir.join(profile.install.project_file)),
            Scope::Local => match profile.install.local_file {
                Some(f) => Ok(self.dir.join(f)),
                None => Err(InstallError::Usage(format!(
                    "{} has no local settings file kept out of version control, so there is no --scope local for it; its scopes: {} (project: committed, for everyone in the repository; user: yours, in every project)",
                    profile.display,
                    scopes(profile)
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
            Scope::User => Ok(self.user_base(profile).join(profile.install.user_file)),
        }
    }

    /// Where a config's backup is kept.
    fn backup_slot(&self, config: &Path) -> Result<backup::Slot, InstallError> {
        match &self.data_dir {
            Some(d) => Ok(backup::Slot::of(d, config)),
            None => Err(InstallError::Usage(
                "no data dir to keep the backup in (no home directory): set HOOKWARDEN_DATA_DIR"
                    .into(),
            )),
        }
    }

    pub fn codex_config(&self) -> PathBuf {
        self.codex_home.join("config.toml")
    }
}

/// The command a runtime runs: `<binary> hook --runtime <r>`, the binary quoted for a shell
/// when it needs to be.
pub fn hook_command(binary: &str, runtime: RuntimeKind) -> String {
    format!(
        "{} hook --runtime {}",
        shell_quote(binary),
        runtime.as_str()
    )
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The binary of a hookwarden command for this runtime, or `None` when the command is not
/// hookwarden's.
pub fn our_binary(command: &str, runtime: RuntimeKind) -> Option<String> {
    let suffix = format!(" hook --runtime {}", runtime.as_str());
    let bin = command.trim().strip_suffix(&suffix)?.trim_end();
    if bin.is_empty() {
        return None;
    }
    if let Some(inner) = bin.strip_prefix('\'').and_then(|b| b.strip_suffix('\'')) {
        return Some(inner.replace("'\\''", "'"));
    }
    if bin.contains(char::is_whitespace) {
        return None;
    }
    Some(bin.to_string())
}

/// Which commands are hookwarden's: `<binary> hook --runtime <r>` where the binary is named
/// like hookwarden or is the one this run installs (`--binary` may be a wrapper script).
/// Another tool that happens to take the same arguments is left alone.
#[derive(Debug, Clone, Copy)]
pub struct Ours<'a> {
    pub runtime: RuntimeKind,
    pub binary: Option<&'a str>,
}

impl Ours<'_> {
    pub fn binary_of(&self, command: &str) -> Option<String> {
        let b = our_binary(command, self.runtime)?;
        let named = Path::new(&b)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("hookwarden"));
        (named || self.binary == Some(b.as_str())).then_some(b)
    }
}

/// A config problem that stops install: the file is left as it is.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{path}:{line}:{col}: {message}; the file was left untouched: fix it and run again")]
    Malformed {
        path: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{path}: {message}; the file was left untouched")]
    Shape { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

fn io_err(path: &Path, source: std::io::Error) -> InstallError {
    InstallError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    /// Uninstall put the backup back (the file was exactly what install had made of it).
    Restored,
    Removed,
    /// Uninstall left it as it is, with why.
    Kept(String),
    Absent,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Created => f.write_str("created"),
            Action::Updated => f.write_str("updated"),
            Action::Unchanged => f.write_str("unchanged (already installed)"),
            Action::Restored => f.write_str("restored from backup"),
            Action::Removed => f.write_str("removed"),
            Action::Kept(why) => write!(f, "kept ({why})"),
            Action::Absent => f.write_str("not present"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub action: Action,
    pub backup: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub events: Vec<&'static str>,
    pub notes: Vec<String>,
}

fn read_opt(path: &Path) -> Result<Option<String>, InstallError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| InstallError::Shape {
                path: path.display().to_string(),
                message: "not UTF-8 text".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Writes through a temp file and a rename, so a crash never leaves half a config. A symlinked
/// config (dotfiles) is written at its target, so the link survives.
fn write_atomic(path: &Path, text: &str) -> Result<(), InstallError> {
    let resolved;
    let path = if path.is_symlink() {
        resolved = std::fs::canonicalize(path).map_err(|e| io_err(path, e))?;
        resolved.as_path()
    } else {
        path
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".hookwarden.tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| io_err(&tmp, e))?;
    // Keep the permissions of the file being replaced (settings can hold tokens).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// Parses `--events pre,post,prompt,final` (boundary names also accepted).
pub fn parse_events(s: &str) -> Result<Vec<Boundary>, InstallError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let b = match part {
            "pre" | "pre-tool" | "pre_tool" | "tool_request" => Boundary::ToolRequest,
            "post" | "post-tool" | "post_tool" | "tool_output" => Boundary::ToolOutput,
            "prompt" => Boundary::Prompt,
            "final" | "final-response" | "final_response" | "stop" => Boundary::FinalResponse,
            other => {
                return Err(InstallError::Usage(format!(
                    "unknown event `{other}` (use pre, post, prompt, final)"
                )))
            }
        };
        if !out.contains(&b) {
            out.push(b);
        }
    }
    Ok(out)
}

/// What to install.
#[derive(Debug, Clone)]
pub struct Options {
    pub runtime: RuntimeKind,
    pub scope: Scope,
    /// Boundaries to wire; empty = every one the runtime has.
    pub events: Vec<Boundary>,
    /// The hookwarden binary the runtime runs, as the command names it: an absolute path, or
    /// [`PATH_NAME`] ([`wired_binary`]).
    pub binary: String,
}

fn profile_for(kind: RuntimeKind) -> Result<&'static RuntimeProfile, InstallError> {
    crate::runtime::profile(kind).ok_or_else(|| {
        InstallError::Usage(format!(
            "runtime `{kind}` is not supported by install (supported: {})",
            crate::runtime::known_names()
        ))
    })
}

/// The hooks for a set of boundaries (empty: all). Boundaries the runtime has no hook for
/// are reported, not silently dropped.
pub fn selected_hooks(
    profile: &'static RuntimeProfile,
    events: &[Boundary],
) -> Result<Vec<Hook>, InstallError> {
    if events.is_empty() {
        return Ok(hooks_of(profile));
    }
    let mut out = Vec::new();
    for b in events {
        match profile.installed_at(*b) {
            Some((event, wiring)) => out.push(Hook { event, wiring }),
            None => {
                return Err(InstallError::Usage(format!(
                    "{} has no hook event for the {b} boundary",
                    profile.display
                )))
            }
        }
    }
    Ok(out)
}

/// The hooks file as install would leave it, from its current text (`None`: absent).
pub fn merged_text(
    profile: &'static RuntimeProfile,
    path: &Path,
    current: Option<&str>,
    hooks: &[Hook],
    binary: &str,
) -> Result<String, InstallError> {
    json::merge(profile, path, current, hooks, binary)
}

/// The ready-made snippet for a runtime (the files in `hooks/`): the hooks file install
/// writes into an empty project, with `hookwarden` found on PATH.
pub fn snippet(kind: RuntimeKind) -> Option<String> {
    let profile = crate::runtime::profile(kind)?;
    merged_text(
        profile,
        Path::new("<snippet>"),
        None,
        &hooks_of(profile),
        "hookwarden",
    )
    .ok()
}

pub fn install(opts: &Options, env: &Env) -> Result<Report, InstallError> {
    let profile = profile_for(opts.runtime)?;
    let hooks = selected_hooks(profile, &opts.events)?;
    let path = env.hooks_file(profile, opts.scope)?;
    let mut report = Report {
        events: hooks.iter().map(Hook::name).collect(),
        ..Report::default()
    };
    // Check every file before writing any, so a malformed one stops the whole install.
    let current = read_opt(&path)?;
    let new = merged_text(profile, &path, current.as_deref(), &hooks, &opts.binary)?;
    let toml_plan = if profile.kind == RuntimeKind::Codex {
        let cfg = env.codex_config();
        let cur = read_opt(&cfg)?;
        let next = codex_toml::enable_hooks(&cfg, cur.as_deref())?;
        Some((cfg, cur, next))
    } else {
        None
    };
    report.notes = profile
        .install
        .notes
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ours = Ours {
        runtime: profile.kind,
        binary: Some(&opts.binary),
    };
    // An earlier backup is still the original when install makes this very file of it and it
    // holds none of hookwarden's handlers (a copy of an installed file would bring them back
    // on uninstall).
    let is_origin = |orig: &str| {
        json::wired(profile, &path, orig, ours).is_ok_and(|w| w.is_empty())
            && merged_text(profile, &path, Some(orig), &hooks, &opts.binary).is_ok_and(|t| t == new)
    };
    let r = write_change(
        env,
        &path,
        current.as_deref(),
        &new,
        &is_origin,
        &mut report.notes,
    )?;
    report.files.push(r);
    if let Some((cfg, cur, next)) = toml_plan {
        let is_origin = |orig: &str| {
            !codex_toml::hooks_enabled(orig)
                && codex_toml::enable_hooks(&cfg, Some(orig)).is_ok_and(|t| t == next)
        };
        let r = write_change(
            env,
            &cfg,
            cur.as_deref(),
            &next,
            &is_origin,
            &mut report.notes,
        )?;
        if r.action == Action::Created {
            let marker = codex_toml::created_marker(&cfg);
            std::fs::write(&marker, "").map_err(|e| io_err(&marker, e))?;
        }
        report.files.push(r);
    }
    Ok(report)
}

/// Writes `new` over a file that holds `current`, backing the file up first in the data dir.
/// A backup already there (or beside the file, from an older install) that `is_origin`
/// accepts is the file as it was before hookwarden touched it: it is kept (moved into the
/// data dir) instead of being replaced by a copy of an installed file.
fn write_change(
    env: &Env,
    path: &Path,
    current: Option<&str>,
    new: &str,
    is_origin: &dyn Fn(&str) -> bool,
    notes: &mut Vec<String>,
) -> Result<FileReport, InstallError> {
    let report = |action, backup| FileReport {
        path: path.to_path_buf(),
        action,
        backup,
    };
    match current {
        Some(cur) if cur == new => Ok(report(Action::Unchanged, None)),
        Some(_) => {
            let slot = env.backup_slot(path)?;
            let earlier = backup::find(Some(&slot), path)?
                .into_iter()
                .find(|b| is_origin(&b.text));
            let kept = match earlier {
                Some(b) => match &b.origin {
                    backup::Origin::Slot(s) => s.file(),
                    backup::Origin::Beside(old) => {
                        let f = slot.store(old)?;
                        b.discard();
                        notes.push(format!(
                            "the backup an older install left beside the file, {}, is now {}",
                            old.display(),
                            f.display()
                        ));
                        f
                    }
                },
                None => slot.store(path)?,
            };
            write_atomic(path, new)?;
            Ok(report(Action::Updated, Some(kept)))
        }
        None => {
            write_atomic(path, new)?;
            // A backup kept for an earlier file at this path describes nothing now.
            if let Ok(slot) = env.backup_slot(path) {
                slot.discard();
            }
            Ok(report(Action::Created, None))
        }
    }
}

pub fn uninstall(opts: &Options, env: &Env) -> Result<Report, InstallError> {
    let profile = profile_for(opts.runtime)?;
    let path = env.hooks_file(profile, opts.scope)?;
    let mut report = Report::default();
    let current = read_opt(&path)?;
    let Some(cur) = current else {
        report.files.push(FileReport {
            path,
            action: Action::Absent,
            backup: None,
        });
        return Ok(report);
    };
    let ours = Ours {
        runtime: profile.kind,
        binary: Some(&opts.binary),
    };
    let wired = json::wired(profile, &path, &cur, ours)?;
    if wired.is_empty() {
        report.files.push(FileReport {
            path,
            action: Action::Unchanged,
            backup: None,
        });
        return Ok(report);
    }
    // Reproduce the install from the backup (same binary, same events): if that gives the
    // file as it is now, nothing else changed it since, and the backup is the exact original.
    // The data dir's backup is tried first, then one an older install left beside the file.
    let binary = wired[0].binary.clone();
    let hooks: Vec<Hook> = hooks_of(profile)
        .into_iter()
        .filter(|h| wired.iter().any(|w| w.boundary == h.boundary()))
        .collect();
    let replays = |orig: Option<&str>| {
        merged_text(profile, &path, orig, &hooks, &binary).is_ok_and(|t| t == cur)
    };
    let slot = env.backup_slot(&path).ok();
    let backups = backup::find(slot.as_ref(), &path)?;
    let mut backup_kept = None;
    let action = if let Some(b) = backups.iter().find(|b| replays(Some(&b.text))) {
        write_atomic(&path, &b.text)?;
        b.discard();
        Action::Restored
    } else if backups.is_empty() && replays(None) {
        std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        Action::Removed
    } else {
        let text = json::remove(profile, &path, &cur, ours)?;
        let slot = env.backup_slot(&path)?;
        backup_kept = Some(slot.store(&path)?);
        match text {
            Some(text) => {
                write_atomic(&path, &text)?;
                Action::Updated
            }
            None => {
                std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
                Action::Removed
            }
        }
    };
    report.files.push(FileReport {
        path,
        action,
        backup: backup_kept,
    });
    if profile.kind == RuntimeKind::Codex {
        let cfg = env.codex_config();
        let slot = env.backup_slot(&cfg).ok();
        report.files.push(codex_toml::revert(&cfg, slot.as_ref())?);
    }
    Ok(report)
}

/// One hookwarden handler found in a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wired {
    pub boundary: Boundary,
    pub event: String,
    pub binary: String,
    pub command: String,
}

/// The hookwarden handlers in a runtime's hooks file at a scope (`None`: no file).
pub fn read_wired(
    profile: &'static RuntimeProfile,
    env: &Env,
    scope: Scope,
) -> Result<Option<(PathBuf, Vec<Wired>)>, InstallError> {
    let path = env.hooks_file(profile, scope)?;
    match read_opt(&path)? {
        None => Ok(None),
        Some(text) => {
            let ours = Ours {
                runtime: profile.kind,
                binary: None,
            };
            let w = json::wired(profile, &path, &text, ours)?;
            Ok(Some((path, w)))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    struct Sandbox {
        _t: tempfile::TempDir,
        env: Env,
    }

    fn sandbox() -> Sandbox {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        let env = Env {
            dir: root.join("proj"),
            home: root.join("home"),
            codex_home: root.join("home/.codex"),
            data_dir: Some(root.join("data")),
        };
        std::fs::create_dir_all(&env.dir).unwrap();
        Sandbox { _t: t, env }
    }

    fn opts(runtime: RuntimeKind, scope: Scope, binary: &str) -> Options {
        Options {
            runtime,
            scope,
            events: Vec::new(),
            binary: binary.into(),
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_project_config_names_hookwarden_on_path_and_personal_ones_this_binary() {
        let this = "/opt/hw/hookwarden".to_string();
        assert_eq!(wired_binary(Scope::Project, None, this.clone()), PATH_NAME);
        assert_eq!(wired_binary(Scope::Local, None, this.clone()), this);
        assert_eq!(wired_binary(Scope::User, None, this.clone()), this);
        let given = Some("/t/wrap.sh".to_string());
        assert_eq!(wired_binary(Scope::Project, given, this), "/t/wrap.sh");
        assert!(on_path("hookwarden") && !on_path("/usr/bin/hookwarden"));
        assert_eq!(
            hook_command(PATH_NAME, RuntimeKind::Claude),
            "hookwarden hook --runtime claude"
        );
    }

    #[test]
    fn the_local_scope_is_the_profiles_file_or_an_error_naming_the_scopes() {
        let sb = sandbox();
        let claude = crate::runtime::profile(RuntimeKind::Claude).unwrap();
        assert_eq!(
            sb.env.hooks_file(claude, Scope::Local).unwrap(),
            sb.env.dir.join(".claude/settings.local.json")
        );
        assert_eq!(scopes(claude), [Scope::Project, Scope::Local, Scope::User]);
        for p in crate::runtime::profiles() {
            if p.install.local_file.is_none() {
                let e = sb.env.hooks_file(p, Scope::Local).unwrap_err().to_string();
                assert!(e.contains("its scopes: project, user"), "{e}");
                assert_eq!(scopes(p), [Scope::Project, Scope::User]);
            }
        }
    }

    #[test]
    fn a_reinstall_keeps_the_original_backup_so_uninstall_gives_the_original_back() {
        let sb = sandbox();
        let path = sb.env.dir.join(".claude/settings.json");
        let original = "{\"model\": \"sonnet\"}\n";
        write(&path, original);
        let first = install(
            &opts(RuntimeKind::Claude, Scope::Project, "/a/hookwarden"),
            &sb.env,
        )
        .unwrap();
        let bak = first.files[0].backup.clone().unwrap();
        assert!(bak.starts_with(sb.env.data_dir.as_ref().unwrap()));
        // the binary moves: the file changes again, the backup stays the original
        let second = install(
            &opts(RuntimeKind::Claude, Scope::Project, PATH_NAME),
            &sb.env,
        )
        .unwrap();
        assert_eq!(second.files[0].action, Action::Updated);
        assert_eq!(second.files[0].backup.as_deref(), Some(bak.as_path()));
        assert_eq!(read(&bak), original);
        let r = uninstall(
            &opts(RuntimeKind::Claude, Scope::Project, PATH_NAME),
            &sb.env,
        )
        .unwrap();
        assert_eq!(r.files[0].action, Action::Restored);
        assert_eq!(read(&path), original);
        assert!(!bak.exists());
    }

    #[test]
    fn a_backup_of_an_installed_file_is_not_taken_for_the_original() {
        let sb = sandbox();
        let path = sb.env.dir.join(".claude/settings.json");
        write(&path, "{\"model\": \"sonnet\"}\n");
        let o = opts(RuntimeKind::Claude, Scope::Project, PATH_NAME);
        install(&o, &sb.env).unwrap();
        // the user edits the file; uninstall takes out only hookwarden's handlers and keeps
        // a copy of the edited, installed file
        let edited = read(&path).replace("sonnet", "opus");
        write(&path, &edited);
        let r = uninstall(&o, &sb.env).unwrap();
        assert_eq!(r.files[0].action, Action::Updated);
        let after_uninstall = read(&path);
        assert!(!after_uninstall.contains("hookwarden"));
        // installing again must not keep that copy as the original: uninstalling then
        // would bring hookwarden's handlers back
        let again = install(&o, &sb.env).unwrap();
        assert_eq!(
            read(&again.files[0].backup.clone().unwrap()),
            after_uninstall
        );
        uninstall(&o, &sb.env).unwrap();
        assert_eq!(read(&path), after_uninstall);
    }

    #[test]
    fn a_backup_beside_the_file_from_an_older_install_is_honoured_and_moved() {
        let sb = sandbox();
        let path = sb.env.dir.join(".gemini/settings.json");
        let original = "{\"ui\": {}}\n";
        let profile = crate::runtime::profile(RuntimeKind::Gemini).unwrap();
        let old = merged_text(
            profile,
            &path,
            Some(original),
            &hooks_of(profile),
            "/old/hookwarden",
        )
        .unwrap();
        write(&path, &old);
        write(&backup::beside(&path), original);
        // uninstall restores from it
        let o = opts(RuntimeKind::Gemini, Scope::Project, PATH_NAME);
        let r = uninstall(&o, &sb.env).unwrap();
        assert_eq!(r.files[0].action, Action::Restored);
        assert_eq!(read(&path), original);
        assert!(!backup::beside(&path).exists());
        // install moves it into the data dir, and says so
        write(&path, &old);
        write(&backup::beside(&path), original);
        let r = install(&o, &sb.env).unwrap();
        assert!(!backup::beside(&path).exists());
        assert_eq!(read(&r.files[0].backup.clone().unwrap()), original);
        assert!(
            r.notes.iter().any(|n| n.contains("older install")),
            "{:?}",
            r.notes
        );
        uninstall(&o, &sb.env).unwrap();
        assert_eq!(read(&path), original);
    }
}
