//! Wiring hookwarden into a runtime's own hook config: `install`, `uninstall`, and what
//! `doctor` reads back.
//!
//! Every runtime keeps its hooks in a JSON file (Codex also needs a feature flag in its TOML
//! config). Which file, which events, matchers and timeouts: the runtime's profile
//! (`runtime/<name>.rs`). Install merges one handler per boundary into that file without touching anything
//! else, so it is idempotent, and backs the file up before it changes it. Uninstall restores the
//! backup when the file is still exactly what install made of it (byte for byte); otherwise it
//! removes only the handlers whose command is hookwarden's.
//!
//! `install --managed` (`managed`) writes each runtime's administrator-owned config instead,
//! for every user of the machine; `inspect` reads any of these configs back the way the
//! runtime will run it (for `doctor`).
//!
//! What a handler is recognised by: its command, `<binary> hook --runtime <r>`. Nothing else
//! is added to the entries, because some runtimes reject unknown keys in their settings.

pub mod codex_requirements;
pub mod codex_toml;
pub mod copilot;
pub mod cursor;
pub mod inspect;
pub mod json;
pub mod managed;
pub mod nested;

use crate::event::{Boundary, RuntimeKind};
use crate::runtime::profile::{DefaultScope, HookEvent, UserBase, Wiring};
use crate::runtime::RuntimeProfile;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the hooks go: the project (checked in, per repository) or the user's home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Project,
    User,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "project" => Some(Scope::Project),
            "user" => Some(Scope::User),
            _ => None,
        }
    }
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

/// Where the config files are: project root, home, Codex home.
#[derive(Debug, Clone)]
pub struct Env {
    pub dir: PathBuf,
    pub home: PathBuf,
    /// `$CODEX_HOME`, else `<home>/.codex`.
    pub codex_home: PathBuf,
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
        }
    }

    /// Where a runtime's user-scope configs are rooted.
    pub fn user_base(&self, profile: &RuntimeProfile) -> &Path {
        match profile.config.user_base {
            UserBase::Home => &self.home,
            UserBase::CodexHome => &self.codex_home,
        }
    }

    /// The hooks file of a runtime at a scope.
    pub fn hooks_file(&self, profile: &RuntimeProfile, scope: Scope) -> PathBuf {
        match scope {
            Scope::Project => self.dir.join(profile.install.project_file),
            Scope::User => self.user_base(profile).join(profile.install.user_file),
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

/// The backup next to a file: `<file>.hookwarden.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".hookwarden.bak");
    PathBuf::from(s)
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
    /// Absolute path of the hookwarden binary the runtime runs.
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
    let path = env.hooks_file(profile, opts.scope);
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
    report
        .files
        .push(write_change(&path, current.as_deref(), &new)?);
    if let Some((cfg, cur, next)) = toml_plan {
        let r = write_change(&cfg, cur.as_deref(), &next)?;
        if r.action == Action::Created {
            let marker = codex_toml::created_marker(&cfg);
            std::fs::write(&marker, "").map_err(|e| io_err(&marker, e))?;
        }
        report.files.push(r);
    }
    report.notes = profile
        .install
        .notes
        .iter()
        .map(|s| s.to_string())
        .collect();
    Ok(report)
}

fn write_change(path: &Path, current: Option<&str>, new: &str) -> Result<FileReport, InstallError> {
    match current {
        Some(cur) if cur == new => Ok(FileReport {
            path: path.to_path_buf(),
            action: Action::Unchanged,
            backup: None,
        }),
        Some(_) => {
            let bak = backup_path(path);
            // A copy keeps the file's permissions: settings can hold tokens.
            std::fs::copy(path, &bak).map_err(|e| io_err(&bak, e))?;
            write_atomic(path, new)?;
            Ok(FileReport {
                path: path.to_path_buf(),
                action: Action::Updated,
                backup: Some(bak),
            })
        }
        None => {
            write_atomic(path, new)?;
            Ok(FileReport {
                path: path.to_path_buf(),
                action: Action::Created,
                backup: None,
            })
        }
    }
}

pub fn uninstall(opts: &Options, env: &Env) -> Result<Report, InstallError> {
    let profile = profile_for(opts.runtime)?;
    let path = env.hooks_file(profile, opts.scope);
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
    let binary = wired[0].binary.clone();
    let hooks: Vec<Hook> = hooks_of(profile)
        .into_iter()
        .filter(|h| wired.iter().any(|w| w.boundary == h.boundary()))
        .collect();
    let bak = backup_path(&path);
    let backup = read_opt(&bak)?;
    let replay = merged_text(profile, &path, backup.as_deref(), &hooks, &binary).ok();
    let action = if replay.as_deref() == Some(cur.as_str()) {
        match &backup {
            Some(orig) => {
                write_atomic(&path, orig)?;
                let _ = std::fs::remove_file(&bak);
                Action::Restored
            }
            None => {
                std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
                Action::Removed
            }
        }
    } else {
        match json::remove(profile, &path, &cur, ours)? {
            Some(text) => {
                std::fs::copy(&path, &bak).map_err(|e| io_err(&bak, e))?;
                write_atomic(&path, &text)?;
                Action::Updated
            }
            None => {
                std::fs::copy(&path, &bak).map_err(|e| io_err(&bak, e))?;
                std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
                Action::Removed
            }
        }
    };
    let backup_kept = matches!(action, Action::Updated | Action::Removed)
        .then_some(bak)
        .filter(|b| b.exists());
    report.files.push(FileReport {
        path,
        action,
        backup: backup_kept,
    });
    if profile.kind == RuntimeKind::Codex {
        report.files.push(codex_toml::revert(&env.codex_config())?);
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
    let path = env.hooks_file(profile, scope);
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
