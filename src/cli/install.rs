//! `hookwarden install`, `uninstall` and `doctor`: wire hookwarden into a runtime's hook
//! config (a user's or project's, or with `--managed` the machine's administrator-owned one),
//! take it out again, and check that the wiring works and cannot be quietly undone.

use anyhow::{bail, Context as _, Result};
use clap::Args;
use hookwarden::install::{self, Env, Options, Scope};
use hookwarden::runtime::RuntimeProfile;
use std::path::PathBuf;

#[derive(Args)]
pub struct InstallArgs {
    /// claude, codex, gemini, cursor, copilot, qwen or factory (or an alias: claude-code, droid, ...).
    #[arg(long)]
    runtime: String,
    /// `project` (the runtime's config in the project, committed: runs `hookwarden` from each
    /// teammate's PATH), `local` (the project's settings kept out of version control: Claude
    /// Code's .claude/settings.local.json) or `user` (in your home; `$CODEX_HOME` for Codex).
    /// Default: project, except Codex: user (its project hooks need a trusted project).
    #[arg(long)]
    scope: Option<String>,
    /// Which hooks: pre, post, prompt, final (comma-separated; default: all the runtime has).
    #[arg(long, value_delimiter = ',')]
    events: Vec<String>,
    /// The hookwarden binary the runtime runs, named by its absolute path (default: this one
    /// at local and user scope; `hookwarden` found on PATH at project scope).
    #[arg(long)]
    binary: Option<PathBuf>,
    /// The project root for `--scope project` and `local` (default: the repository of the
    /// current dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Wire it for every user of this machine, in the runtime's administrator-owned config
    /// (run as root): Claude Code managed settings, Codex requirements.toml, Gemini CLI system
    /// settings, Cursor /etc/cursor/hooks.json. Also creates /etc/hookwarden (managed mode).
    #[arg(long, conflicts_with_all = ["scope", "dir"])]
    managed: bool,
    /// With --managed: the root-owned directory the binary is copied to when it is not in one
    /// already.
    #[arg(long, requires = "managed", default_value = install::managed::DEFAULT_BIN_DIR)]
    bin_dir: String,
    /// With --managed: write into this directory as if it were `/` (preparing an image).
    #[arg(long, requires = "managed", hide = true)]
    root: Option<PathBuf>,
}

pub(super) fn project_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    Ok(match dir {
        Some(d) if d.is_absolute() => d,
        Some(d) => cwd.join(d),
        None => hookwarden::signals::find_repo_root(&cwd).unwrap_or(cwd),
    })
}

fn options(a: &InstallArgs, need_binary: bool) -> Result<(Options, Env)> {
    let profile = hookwarden::runtime::parse_name(&a.runtime)?;
    let runtime = profile.kind;
    let scope = match &a.scope {
        Some(s) => Scope::parse(s)
            .with_context(|| format!("unknown scope `{s}` (project, local or user)"))?,
        None => install::default_scope(profile),
    };
    let events = install::parse_events(&a.events.join(","))?;
    let absolute = |b: PathBuf| -> Result<String> {
        let b = b.canonicalize().unwrap_or(b);
        if need_binary && !b.is_file() {
            bail!(
                "{}: no such file; pass the hookwarden binary with --binary",
                b.display()
            );
        }
        Ok(b.display().to_string())
    };
    let given = match &a.binary {
        Some(b) => Some(absolute(std::path::absolute(b)?)?),
        None => None,
    };
    let this = match (&given, scope) {
        (None, Scope::Local | Scope::User) => absolute(std::env::current_exe()?)?,
        _ => String::new(),
    };
    let env = Env::from_process(project_dir(a.dir.clone())?);
    Ok((
        Options {
            runtime,
            scope,
            events,
            binary: install::wired_binary(scope, given, this),
        },
        env,
    ))
}

/// What the person installing must know about the command the config now runs (`note:` and
/// `warning:` lines): a project's `hookwarden` must be on every teammate's PATH (and is it on
/// this one?); a path given for a project is everyone's path; a local file must stay out of
/// version control.
fn command_notes(
    profile: &RuntimeProfile,
    opts: &Options,
    env: &Env,
    file: &std::path::Path,
) -> Vec<String> {
    let mut out = Vec::new();
    if install::on_path(&opts.binary) {
        out.push(format!(
            "note: the project config runs `{}` from the PATH of whoever works in this repository: everyone needs hookwarden installed (./install.sh); `hookwarden doctor` checks it",
            install::PATH_NAME
        ));
        let found = install::resolve::lookup(&opts.binary, std::env::var_os("PATH").as_deref());
        match found.found {
            None => out.push(format!(
                "warning: `{}` is not on your PATH, so these hooks cannot run on this machine yet ({} then {}): install it (./install.sh), or wire this binary for yourself with --scope {}",
                opts.binary,
                profile.display,
                profile.install.on_failure.crash.verb(),
                if profile.install.local_file.is_some() { "local" } else { "user" }
            )),
            Some(p) => {
                let this = std::env::current_exe().ok().and_then(|e| e.canonicalize().ok());
                if p.canonicalize().ok() != this {
                    out.push(format!(
                        "note: `{}` on your PATH is {}, not this binary: `hookwarden doctor` checks that it runs and is this version",
                        opts.binary,
                        p.display()
                    ));
                }
            }
        }
    } else if opts.scope == Scope::Project {
        out.push(format!(
            "note: the project config names {}: everyone who uses this repository needs hookwarden at that path (without --binary it runs `{}` from each machine's PATH)",
            opts.binary,
            install::PATH_NAME
        ));
    }
    if opts.scope == Scope::Local && !git_ignores(&env.dir, file) {
        out.push(format!(
            "warning: git does not ignore {}: add it to .gitignore, or it may be committed with this machine's path in it",
            file.display()
        ));
    }
    out
}

/// Whether `file` is ignored by git in `dir`'s repository (`true` outside one, or without git:
/// nothing would commit it there).
fn git_ignores(dir: &std::path::Path, file: &std::path::Path) -> bool {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    // 0: ignored, 1: not ignored, anything else: not a repository (or no git).
    !matches!(out.map(|s| s.code()), Ok(Some(1)))
}

fn print_files(report: &install::Report) {
    for f in &report.files {
        match &f.backup {
            Some(b) => println!(
                "  {}: {} (backup: {})",
                f.path.display(),
                f.action,
                b.display()
            ),
            None => println!("  {}: {}", f.path.display(), f.action),
        }
    }
}

fn managed_options(a: &InstallArgs) -> Result<(install::managed::ManagedOptions, PathBuf)> {
    let profile = hookwarden::runtime::parse_name(&a.runtime)?;
    install::managed::managed_of(profile)?;
    let events = install::parse_events(&a.events.join(","))?;
    let source = match &a.binary {
        Some(b) => std::path::absolute(b)?,
        None => std::env::current_exe()?,
    };
    let root = a.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    Ok((
        install::managed::ManagedOptions {
            runtime: profile.kind,
            events,
            binary: String::new(),
            root,
        },
        source,
    ))
}

fn run_install_managed(a: &InstallArgs) -> Result<i32> {
    let (mut opts, source) = managed_options(a)?;
    install::managed::require_root("install --managed")?;
    let (binary, placed) = install::managed::place_binary(&source, &a.bin_dir, &opts.root)?;
    opts.binary = binary;
    let report = install::managed::install(&opts)?;
    let profile = hookwarden::runtime::profile(opts.runtime).context("unsupported runtime")?;
    println!(
        "hookwarden install --managed: {} (every user of this machine), events {}",
        profile.display,
        report.events.join(", ")
    );
    println!("  {}: binary {}", placed.path.display(), placed.action);
    print_files(&report);
    println!(
        "  command: {}",
        install::hook_command(&opts.binary, opts.runtime)
    );
    for n in &report.notes {
        println!("note: {n}");
    }
    println!(
        "note: {}",
        profile.install.on_failure.describe(profile.display)
    );
    println!(
        "write the org policy to {}/policy.toml, set up approvals with `sudo hookwarden approve --init-managed-key`, and check it with `hookwarden doctor`",
        hookwarden::managed::ORG_DIR
    );
    Ok(0)
}

fn run_uninstall_managed(a: &InstallArgs) -> Result<i32> {
    let (mut opts, source) = managed_options(a)?;
    opts.binary = std::path::Path::new(&a.bin_dir)
        .join("hookwarden")
        .display()
        .to_string();
    if a.binary.is_some() {
        opts.binary = source.display().to_string();
    }
    let report = install::managed::uninstall(&opts)?;
    let profile = hookwarden::runtime::profile(opts.runtime).context("unsupported runtime")?;
    println!("hookwarden uninstall --managed: {}", profile.display);
    print_files(&report);
    for n in &report.notes {
        println!("note: {n}");
    }
    Ok(0)
}

pub fn run_install(a: InstallArgs) -> Result<i32> {
    if a.managed {
        return run_install_managed(&a);
    }
    let (opts, env) = options(&a, true)?;
    let report = install::install(&opts, &env)?;
    let profile = hookwarden::runtime::profile(opts.runtime).context("unsupported runtime")?;
    println!(
        "hookwarden install: {} ({}), events {}",
        profile.display,
        opts.scope.as_str(),
        report.events.join(", ")
    );
    print_files(&report);
    println!(
        "  command: {}",
        install::hook_command(&opts.binary, opts.runtime)
    );
    for n in &report.notes {
        println!("note: {n}");
    }
    println!(
        "note: {}",
        profile.install.on_failure.describe(profile.display)
    );
    if let Some(f) = report.files.first() {
        for line in command_notes(profile, &opts, &env, &f.path) {
            println!("{line}");
        }
    }
    println!(
        "check it with `hookwarden doctor`; see what the policy can enforce here with `hookwarden policy compile --runtime {}`",
        opts.runtime
    );
    Ok(0)
}

pub fn run_uninstall(a: InstallArgs) -> Result<i32> {
    if a.managed {
        return run_uninstall_managed(&a);
    }
    let (opts, env) = options(&a, false)?;
    let report = install::uninstall(&opts, &env)?;
    let profile = hookwarden::runtime::profile(opts.runtime).context("unsupported runtime")?;
    println!("hookwarden uninstall: {}", profile.display);
    print_files(&report);
    Ok(0)
}
