//! The built-in guard: hookwarden protecting itself from the agent it guards.
//!
//! Evaluated on every tool request before the policy's effect is combined, independent of the
//! policy cache, pins and scopes, and also when the policy is broken or missing: no policy
//! layer can switch it off. It denies (never asks) two things:
//!
//! - **tamper** (`hookwarden.guard.tamper`): an agent tool action that writes, deletes, moves,
//!   truncates, links or changes the mode of what keeps the hook in force: every supported
//!   runtime's hook and settings files (project, local, user and managed locations),
//!   hookwarden's config dir, policy files, data dir (state, pins, compiled cache, audit log),
//!   the org directory, and the hookwarden binary (the running one and `hookwarden` in every
//!   PATH directory, existing or not: a new one there shadows the real one). Deleting or
//!   moving a directory that holds such a file counts too. Paths are resolved through the
//!   file system (symlinks in existing prefixes), not compared by name only.
//! - **control** (`hookwarden.guard.control`): running hookwarden's control commands
//!   (approve, install, uninstall, policy deploy/rollback/import/deprecate/draft/except) from
//!   an agent tool, however spelled: the shell analysis sees through quoting, variables,
//!   wrappers, `sh -c`, pipes into shells and `xargs`; code handed to an interpreter or an
//!   unknown program that names hookwarden with a control verb is treated the same.
//!
//! The reason tells the agent a person must do this outside the agent session. What this
//! raises the cost of and what it cannot stop (a same-user agent that writes and runs its own
//! program) is in docs/threat-model.md.

use crate::decision::{Effect, Fire, Mode};
use crate::event::{Boundary, Event, ToolKind};
use crate::runtime::profile::UserBase;
use crate::signals::{Context, Flag};
use std::path::{Component, Path, PathBuf};

/// Writes to what keeps the hook in force.
pub const TAMPER: &str = "hookwarden.guard.tamper";
/// Running hookwarden's control commands from an agent tool.
pub const CONTROL: &str = "hookwarden.guard.control";

/// The guard's rules, for `policy show` and the docs: (id, what it denies).
pub const RULES: &[(&str, &str)] = &[
    (
        TAMPER,
        "Agent writes, deletes, moves, links, truncates or chmods hook wiring, hookwarden's config, policy, data (state, pins, cache, audit) or binary",
    ),
    (
        CONTROL,
        "Agent runs hookwarden approve, install, uninstall, policy deploy/rollback/import/deprecate/draft/except or policy pins --clear",
    ),
];

/// hookwarden's own files outside the config and data dirs: the project policy directory
/// and the org directory. Runtime wiring comes from each runtime's profile.
const OWN_FILES: &[&str] = &[".hookwarden/", "/etc/hookwarden/"];

/// hookwarden subcommands a person runs, never the agent.
const CONTROL_COMMANDS: &[&[&str]] = &[
    &["approve"],
    &["install"],
    &["uninstall"],
    &["policy", "deploy"],
    &["policy", "rollback"],
    &["policy", "import"],
    &["policy", "deprecate"],
    &["policy", "draft"],
    &["policy", "except"],
    &["policy", "pins", "--clear"],
];

/// Words that, next to `hookwarden` in code handed to an interpreter, mean a control command.
const CONTROL_WORDS: &[&str] = &[
    "approve",
    "install",
    "uninstall",
    "deploy",
    "rollback",
    "import",
    "deprecate",
    "draft",
    "except",
    "clear",
];

/// Programs that never write the files they are given: a protected path among their
/// operands is a read. Every other program naming a protected path is taken to change it.
const READERS: &[&str] = &[
    "cat",
    "less",
    "more",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "ack",
    "jq",
    "ls",
    "stat",
    "file",
    "wc",
    "diff",
    "cmp",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "bat",
    "batcat",
    "test",
    "[",
    "realpath",
    "readlink",
    "dirname",
    "basename",
    "echo",
    "printf",
    "od",
    "xxd",
    "hexdump",
    "strings",
    "nl",
    "sort",
    "uniq",
    "cut",
    "column",
    "tree",
    "du",
    "view",
    "which",
    "type",
    "command",
    "whereis",
    "ldd",
];

/// `git` subcommands that only read the paths they are given.
const GIT_READERS: &[&str] = &[
    "diff",
    "show",
    "log",
    "status",
    "blame",
    "add",
    "grep",
    "ls-files",
    "cat-file",
    "annotate",
    "shortlog",
    "whatchanged",
    "check-ignore",
    "check-attr",
];

/// Programs that run code handed to them as a string (or read it from stdin).
const CODE_RUNNERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "python",
    "python3",
    "python2",
    "node",
    "deno",
    "bun",
    "perl",
    "ruby",
    "php",
    "lua",
    "Rscript",
    "pwsh",
    "powershell",
    "julia",
    "tclsh",
    "osascript",
    "eval",
    "source",
    ".",
    "awk",
    "gawk",
    "mawk",
];

/// The protected places of one hook call.
struct Protected {
    /// Exact files (lexically normalized).
    files: Vec<PathBuf>,
    /// Whole trees.
    dirs: Vec<PathBuf>,
}

impl Protected {
    fn for_context(ctx: &Context) -> Protected {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let home = ctx.home.as_deref();
        let codex_home = crate::managed::env("CODEX_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".codex")));
        let mut place = |entry: &str, base: Option<&Path>, is_dir: bool| {
            let (rel, is_dir) = match entry.strip_suffix('/') {
                Some(d) => (d, true),
                None => (entry, is_dir),
            };
            let path = if let Some(r) = rel.strip_prefix("~/") {
                match home {
                    Some(h) => h.join(r),
                    None => return,
                }
            } else if rel.starts_with('/') {
                PathBuf::from(rel)
            } else {
                match base {
                    Some(b) => b.join(rel),
                    None => return,
                }
            };
            if is_dir {
                dirs.push(path);
            } else {
                files.push(path);
            }
        };
        let root = Some(ctx.project_root.as_path());
        for p in crate::runtime::profiles() {
            let c = &p.config;
            let user_base = match c.user_base {
                UserBase::Home => home,
                UserBase::CodexHome => codex_home.as_deref(),
            };
            for f in c.project.iter().chain(c.local).chain(c.env_files) {
                place(f, root, false);
            }
            for d in c.project_dirs {
                place(d, root, true);
            }
            for f in c.user {
                place(f, user_base, false);
            }
            for d in c.user_dirs {
                place(d, user_base, true);
            }
            // A managed file's whole directory: what else the administrator keeps there.
            for m in p.managed_files() {
                if let Some(parent) = Path::new(m).parent() {
                    place(&format!("{}/", parent.display()), None, true);
                }
            }
        }
        for entry in OWN_FILES {
            place(entry, root, true);
        }
        // Also the project files of the cwd, when the agent works below the repo root.
        if ctx.cwd != ctx.project_root {
            for p in crate::runtime::profiles() {
                for f in p.config.project.iter().chain(p.config.local) {
                    files.push(ctx.cwd.join(f));
                }
            }
            dirs.push(ctx.cwd.join(".hookwarden"));
        }
        dirs.extend(crate::dirs::config_dir());
        dirs.extend(crate::dirs::data_dir());
        files.push(crate::dirs::audit_path());
        // On Linux this is /proc/self/exe, already resolved by the kernel.
        if let Ok(exe) = std::env::current_exe() {
            files.push(exe);
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                if dir.is_absolute() {
                    files.push(dir.join("hookwarden"));
                }
            }
        }
        if let Some(h) = home {
            for d in [".local/bin", ".cargo/bin", "bin"] {
                files.push(h.join(d).join("hookwarden"));
            }
        }
        files.push(PathBuf::from("/usr/local/bin/hookwarden"));
        files.push(PathBuf::from("/usr/bin/hookwarden"));
        Protected {
            files: files.into_iter().map(normalized).collect(),
            dirs: dirs.into_iter().map(normalized).collect(),
        }
    }

    /// Whether changing `path` touches something protected. `whole` (a delete, move or mode
    /// change) also counts a directory that holds a protected file.
    fn hit(&self, path: &Path, whole: bool) -> Option<PathBuf> {
        for candidate in resolutions(path) {
            if let Some(p) = self.hit_one(&candidate, whole) {
                return Some(p);
            }
        }
        None
    }

    fn hit_one(&self, path: &Path, whole: bool) -> Option<PathBuf> {
        for f in &self.files {
            if path == f || (whole && f.starts_with(path)) {
                return Some(f.clone());
            }
        }
        for d in &self.dirs {
            if path.starts_with(d) || (whole && d.starts_with(path)) {
                return Some(d.clone());
            }
        }
        None
    }

    /// Protected names as they would appear in code: the paths relative to the home or the
    /// project, and the last two components of absolute ones.
    fn mentioned_in(&self, code: &str, ctx: &Context) -> Option<String> {
        for p in crate::runtime::profiles() {
            let c = &p.config;
            let names = c
                .project
                .iter()
                .chain(c.local)
                .chain(c.env_files)
                .chain(c.user);
            for name in names.chain(c.project_dirs).chain(c.user_dirs) {
                let rel = name.trim_start_matches("~/");
                if rel.contains('/') && code.contains(rel) {
                    return Some(rel.to_string());
                }
            }
        }
        for p in self.files.iter().chain(&self.dirs) {
            let shown = ctx
                .home
                .as_deref()
                .and_then(|h| p.strip_prefix(h).ok())
                .or_else(|| p.strip_prefix(&ctx.project_root).ok())
                .map(Path::to_path_buf)
                .or_else(|| last_two(p));
            if let Some(rel) = shown {
                let rel = rel.to_string_lossy();
                if rel.contains('/') && code.contains(rel.as_ref()) {
                    return Some(rel.into_owned());
                }
            }
        }
        None
    }
}

/// Whether a write to `path` changes what a directory holds, so that a protected file below
/// it counts: a directory written into (`rsync -a x/ ~/.claude/`, `tar -x -C DIR`) may get any
/// name in it. Not the home, the project, the working directory or one above them: writes
/// land there every day, and a protected file deep below is not at stake.
fn written_into(path: &Path, ctx: &Context) -> bool {
    let broad = [
        Some(ctx.project_root.as_path()),
        Some(ctx.cwd.as_path()),
        ctx.home.as_deref(),
    ];
    path.is_dir() && !broad.iter().flatten().any(|b| b.starts_with(path))
}

/// The last two names of a path (`/var/lib/hookwarden` -> `lib/hookwarden`): how code names
/// a protected path outside the home and the project (a data dir set elsewhere, `/etc/...`,
/// an install dir). `None` for a path of fewer names.
fn last_two(p: &Path) -> Option<PathBuf> {
    let names: Vec<&std::ffi::OsStr> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [.., a, b] => Some(Path::new(a).join(b)),
        _ => None,
    }
}

/// A path as written, and as the file system resolves it: the longest existing prefix
/// canonicalized (symlinks followed), the rest appended.
fn resolutions(path: &Path) -> Vec<PathBuf> {
    let lexical = normalize(path);
    let mut out = vec![lexical.clone()];
    let mut prefix = lexical.clone();
    let mut rest = Vec::new();
    loop {
        // A symlink as the last component is itself what a write replaces or follows: both
        // the link and its target count.
        if let Ok(real) = prefix.canonicalize() {
            let mut full = real;
            for r in rest.iter().rev() {
                full.push(r);
            }
            if full != lexical {
                out.push(full);
            }
            break;
        }
        match (
            prefix.file_name().map(|n| n.to_os_string()),
            prefix.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                prefix = parent.to_path_buf();
            }
            _ => break,
        }
    }
    out
}

/// [`normalize`] of an owned path, which most often is normal already and is then kept.
fn normalized(p: PathBuf) -> PathBuf {
    let b = p.as_os_str().as_encoded_bytes();
    let clean = !b.windows(2).any(|w| w == b"//")
        && !b.windows(3).any(|w| w == b"/./")
        && !b.windows(4).any(|w| w == b"/../")
        && !b.ends_with(b"/")
        && !b.ends_with(b"/.")
        && !b.ends_with(b"/..")
        && b.first() == Some(&b'/');
    if clean {
        p
    } else {
        normalize(&p)
    }
}

/// Absolute and lexically normalized (`.` and `..` removed).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn expand(raw: &str, ctx: &Context) -> PathBuf {
    let home = ctx.home.as_deref();
    let p = if raw == "~" {
        home.map(Path::to_path_buf)
    } else if let Some(r) = raw.strip_prefix("~/") {
        home.map(|h| h.join(r))
    } else if let Some(r) = raw
        .strip_prefix("$HOME/")
        .or_else(|| raw.strip_prefix("${HOME}/"))
    {
        home.map(|h| h.join(r))
    } else {
        None
    };
    let p = p.unwrap_or_else(|| PathBuf::from(raw));
    if p.is_absolute() {
        p
    } else {
        ctx.cwd.join(p)
    }
}

fn fire(rule: &str, reason: String, matched: String) -> Fire {
    Fire {
        rule_id: rule.into(),
        effect: Effect::Deny,
        risk: 100,
        mode: Mode::Enforce,
        scope: "hookwarden".into(),
        reason,
        matched: vec![matched],
        approver_role: None,
        lineage: None,
    }
}

fn tamper(what: &Path, via: &str) -> Fire {
    fire(
        TAMPER,
        format!(
            "This would change {}, which keeps hookwarden's protection in force. An agent may not change hook wiring, hookwarden's policy, state, audit log or binary; a person must do this outside the agent session.",
            what.display()
        ),
        format!("{TAMPER}: {via}"),
    )
}

fn control(cmd: &str) -> Fire {
    fire(
        CONTROL,
        "hookwarden's control commands (approve, install, uninstall, policy changes) are for a person at a terminal, outside the agent session; an agent may not run them. Tell the user what you need and let them decide.".into(),
        format!("{CONTROL}: {cmd}"),
    )
}

fn attr_strs<'a>(f: &'a Flag, key: &str) -> Vec<&'a str> {
    f.attrs
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

fn base(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Whether `args` (after the program) spell a control command.
fn is_control(args: &[&str]) -> bool {
    // `--clear=SESSION` is `--clear` with its value.
    let words: Vec<&str> = args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((flag, _)) if flag.starts_with("--") => flag,
            _ => a,
        })
        .filter(|a| !a.is_empty())
        .collect();
    CONTROL_COMMANDS.iter().any(|cmd| {
        let mut it = words
            .iter()
            .filter(|w| !w.starts_with('-') || cmd.contains(w));
        cmd.iter().all(|c| it.next().is_some_and(|w| w == c))
    })
}

/// Code that names hookwarden next to a control verb.
fn code_runs_control(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    let Some(at) = lower.find("hookwarden") else {
        return false;
    };
    let after = &lower[at..];
    CONTROL_WORDS.iter().any(|w| {
        after.match_indices(w).any(|(i, _)| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            i < 80
                && !after[..i].contains('\n')
                && !word(after[..i].chars().last())
                && !word(after[i + w.len()..].chars().next())
        })
    })
}

/// The guard's fires for one event: empty for everything but tool requests that touch what
/// it protects.
pub fn check(ev: &Event, flags: &[Flag], ctx: &Context) -> Vec<Fire> {
    if ev.boundary != Boundary::ToolRequest {
        return Vec::new();
    }
    let kind = ev.tool_kind().unwrap_or(ToolKind::Other);
    let file_tool_writes = kind.writes_files() || (kind == ToolKind::Mcp && mcp_writes(ev));
    let interesting = file_tool_writes
        || flags.iter().any(|f| {
            matches!(
                f.name.as_str(),
                "file.write" | "file.delete" | "shell.recursive_delete" | "shell.exec"
            )
        });
    if !interesting {
        return Vec::new();
    }
    // Built on first need: most shell events (`git status`, `cargo test`) are decided
    // without it.
    let protected_cell = std::cell::OnceCell::new();
    let protected = || protected_cell.get_or_init(|| Protected::for_context(ctx));
    let mut out = Vec::new();
    if file_tool_writes {
        // A patch that deletes or moves a file changes it as a whole.
        let whole = kind == ToolKind::Patch || kind == ToolKind::Mcp;
        for p in &ev.paths {
            let path = expand(p, ctx);
            if let Some(hit) = protected().hit(&path, whole) {
                out.push(tamper(
                    &hit,
                    &format!("{} {p}", ev.tool_name().unwrap_or("tool")),
                ));
                return out;
            }
        }
        if let Some(content) = &ev.write_content {
            if sets_hook_environment(content) {
                out.push(tamper(
                    Path::new("the environment hooks run in"),
                    "content sets HOOKWARDEN_* or disables hooks",
                ));
                return out;
            }
        }
    }
    for f in flags {
        match f.name.as_str() {
            "file.write" | "file.delete" | "shell.recursive_delete" => {
                let whole = f.name != "file.write" || f.detail.contains("mv ");
                for fact in &f.paths {
                    let path = expand(&fact.resolved, ctx);
                    // `rsync -a x/ ~/.claude/`, `tar -x -C DIR`, a recursive copy.
                    let whole = whole || written_into(&path, ctx);
                    if let Some(hit) = protected().hit(&path, whole) {
                        out.push(tamper(&hit, &f.detail));
                        return out;
                    }
                    // A target the analysis could not resolve (a loop variable, a command
                    // substitution) in a command that names a protected place or the binary
                    // is taken to be that place.
                    if fact.raw.contains('$') || fact.resolved.contains('$') {
                        let text = ev.command.as_deref().unwrap_or(&f.detail);
                        let named = protected()
                            .mentioned_in(text, ctx)
                            .or_else(|| text.contains("hookwarden").then(|| "hookwarden".into()));
                        if let Some(rel) = named {
                            out.push(tamper(Path::new(&rel), &f.detail));
                            return out;
                        }
                    }
                }
            }
            "shell.exec" => {
                if let Some(fire) = check_exec(f, &protected, ctx) {
                    out.push(fire);
                    return out;
                }
            }
            _ => {}
        }
    }
    if let Some(cmd) = &ev.command {
        // A command the analysis could not follow (a variable program, text piped into a
        // shell) that names hookwarden with a control verb is taken at its word.
        let opaque = flags.iter().any(|f| {
            matches!(
                f.name.as_str(),
                "shell.dynamic_command" | "shell.pipe_to_shell" | "shell.parse_limit"
            )
        });
        if opaque && code_runs_control(cmd) {
            out.push(control(cmd));
        } else if opaque && sets_hook_environment(cmd) {
            out.push(tamper(Path::new("the environment hooks run in"), cmd));
        }
    }
    out
}

fn check_exec<'p>(f: &Flag, protected: &dyn Fn() -> &'p Protected, ctx: &Context) -> Option<Fire> {
    let program = f.attrs.get("program").and_then(|v| v.as_str())?;
    let args = attr_strs(f, "args");
    let name = base(program);
    if name == "hookwarden" || is_our_binary(program, ctx) {
        return is_control(&args).then(|| control(&f.detail));
    }
    // `sudo hookwarden ...`, `env hookwarden ...` are unwrapped by the analysis; code strings
    // handed to interpreters are not always: read them here.
    let runs_code = CODE_RUNNERS.contains(&name) || !known(name);
    if runs_code {
        for a in &args {
            if code_runs_control(a) {
                return Some(control(&f.detail));
            }
            if a.contains(' ') || a.contains('(') || a.contains(';') {
                if let Some(rel) = protected().mentioned_in(a, ctx) {
                    return Some(tamper(Path::new(&rel), &f.detail));
                }
                if sets_hook_environment(a) {
                    return Some(tamper(Path::new("the environment hooks run in"), &f.detail));
                }
            }
        }
    }
    if READERS.contains(&name) {
        return None;
    }
    if name == "git" {
        let sub = args.iter().find(|a| !a.starts_with('-'));
        if sub.is_some_and(|s| GIT_READERS.contains(s)) {
            return None;
        }
    }
    // The operands of any other program: a protected path among them is taken as changed.
    // `cp SRC DST` only changes its last operand.
    let operands: Vec<&str> = args
        .iter()
        .filter_map(|a| {
            if let Some((_, v)) = a
                .split_once('=')
                .filter(|_| a.starts_with("--") || a.starts_with("of="))
            {
                Some(v)
            } else if a.starts_with('-') {
                None
            } else {
                Some(*a)
            }
        })
        .collect();
    let written: &[&str] = match name {
        "cp" | "rsync" | "scp" => operands.last().map(std::slice::from_ref).unwrap_or(&[]),
        _ => &operands,
    };
    let whole = matches!(
        name,
        "rm" | "mv" | "chmod" | "chown" | "chgrp" | "chattr" | "unlink" | "rmdir" | "shred"
    );
    for op in written {
        if op.is_empty() || op.contains('\n') {
            continue;
        }
        let path = expand(op, ctx);
        // `git restore --source=X .claude/`.
        if let Some(hit) = protected().hit(&path, whole || written_into(&path, ctx)) {
            return Some(tamper(&hit, &f.detail));
        }
    }
    None
}

/// Programs whose arguments are known not to be code.
fn known(name: &str) -> bool {
    READERS.contains(&name)
        || matches!(
            name,
            "git"
                | "cp"
                | "mv"
                | "rm"
                | "mkdir"
                | "touch"
                | "chmod"
                | "chown"
                | "ln"
                | "tee"
                | "truncate"
                | "dd"
                | "install"
                | "sed"
                | "cargo"
                | "npm"
                | "npx"
                | "yarn"
                | "pnpm"
                | "make"
                | "go"
                | "rustc"
                | "gcc"
                | "cc"
                | "pip"
                | "pip3"
                | "docker"
                | "kubectl"
                | "curl"
                | "wget"
                | "tar"
                | "zip"
                | "unzip"
                | "find"
                | "xargs"
                | "env"
                | "sudo"
                | "nohup"
                | "timeout"
                | "time"
                | "nice"
                | "rmdir"
                | "unlink"
                | "shred"
                | "chgrp"
                | "chattr"
                | "rsync"
                | "scp"
                | "ssh"
                | "pytest"
                | "true"
                | "false"
                | "cd"
                | "export"
                | "set"
                | "unset"
                | "exit"
                | "sleep"
                | "date"
                | "pwd"
                | "whoami"
                | "id"
                | "uname"
                | "hostname"
                | "ps"
                | "kill"
                | "top"
                | "crontab"
                | "systemctl"
                | "journalctl"
                | "terraform"
                | "helm"
                | "gh"
        )
}

fn is_our_binary(program: &str, ctx: &Context) -> bool {
    if !program.contains('/') {
        return false;
    }
    let Ok(exe) = std::env::current_exe().and_then(|e| e.canonicalize()) else {
        return false;
    };
    expand(program, ctx).canonicalize().is_ok_and(|p| p == exe)
}

/// MCP tools whose name says they change files (`write_file`, `edit_file`, `move_file`, ...).
fn mcp_writes(ev: &Event) -> bool {
    let name = ev.tool_name().unwrap_or("").to_ascii_lowercase();
    [
        "write", "edit", "move", "delete", "remove", "rename", "create", "patch", "chmod",
        "replace", "append", "truncate",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// Text that sets hookwarden's own environment variables or switches hooks off: whatever file
/// it lands in, it changes the environment or settings the hook runs under.
fn sets_hook_environment(text: &str) -> bool {
    text.contains("disableAllHooks")
        || text.match_indices("HOOKWARDEN_").any(|(i, _)| {
            let rest = &text[i..];
            let name_end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
                .unwrap_or(rest.len());
            rest[name_end..]
                .trim_start_matches(['"', '\''])
                .starts_with('=')
                || rest[name_end..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(':')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_commands_are_recognized_with_options_between() {
        assert!(is_control(&["approve", "K7M2QX"]));
        assert!(is_control(&["policy", "deploy", "x.toml"]));
        assert!(is_control(&["--quiet", "install", "--runtime", "codex"]));
        assert!(!is_control(&["policy", "show"]));
        assert!(is_control(&["policy", "pins", "--clear"]));
        assert!(is_control(&["policy", "pins", "--json", "--clear", "s1"]));
        assert!(is_control(&["policy", "pins", "--clear=s1"]));
        assert!(is_control(&["policy", "deploy", "--now", "x.toml"]));
        assert!(!is_control(&["policy", "pins"]));
        assert!(!is_control(&["policy", "pins", "--json"]));
        assert!(!is_control(&["check", "--", "install"]));
        assert!(!is_control(&["approvals"]));
    }

    #[test]
    fn code_naming_a_control_command() {
        assert!(code_runs_control(
            "import subprocess; subprocess.run(['hookwarden','approve','X'])"
        ));
        assert!(!code_runs_control("print('hookwarden is installed')"));
        assert!(!code_runs_control("hookwarden\n\n# install deps"));
    }

    /// Code names a protected path outside the home and the project (a data dir set
    /// elsewhere, an install dir) by its last two names, as it does one inside them.
    #[test]
    fn code_naming_a_protected_path_outside_home_and_project() {
        let ctx = crate::signals::Context::for_cwd("/proc");
        let protected = Protected {
            files: vec![PathBuf::from("/usr/local/bin/hookwarden")],
            dirs: vec![PathBuf::from("/var/lib/hookwarden")],
        };
        for code in [
            "open('/var/lib/hookwarden/compiled/a.bin','wb').write(b'x')",
            "os.remove('/usr/local/bin/hookwarden')",
        ] {
            assert!(protected.mentioned_in(code, &ctx).is_some(), "{code}");
        }
        assert_eq!(
            protected.mentioned_in("print(open('README.md').read())", &ctx),
            None
        );
        assert_eq!(last_two(Path::new("/hookwarden")), None);
    }

    #[test]
    fn hook_environment_in_text() {
        assert!(sets_hook_environment("HOOKWARDEN_ORG_POLICY=/dev/null\n"));
        assert!(sets_hook_environment(
            "{\"env\": {\"HOOKWARDEN_USER\": \"x\"}}"
        ));
        assert!(sets_hook_environment("{\"disableAllHooks\": true}"));
        assert!(!sets_hook_environment("see the HOOKWARDEN_USER docs"));
    }
}
