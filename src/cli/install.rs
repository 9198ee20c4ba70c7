//! `hookwarden install`, `uninstall` and `doctor`: wire hookwarden into a runtime's hook
//! config (a user's or project's, or with `--managed` the machine's administrator-owned one),
//! take it out again, and check that the wiring works and cannot be quietly undone.

use anyhow::{bail, Context as _, Result};
use clap::Args;
use hookwarden::install::{self, Env, Options, Scope};
use std::path::PathBuf;

#[derive(Args)]
pub struct InstallArgs {
    /// claude, codex, gemini, cursor, copilot, qwen or factory (or an alias: claude-code, droid, ...).
    #[arg(long)]
    runtime: String,
    /// `project` (the runtime's config in the project) or `user` (in your home; `$CODEX_HOME`
    /// for Codex). Default: project, except Codex: user (its project hooks need a trusted project).
    #[arg(long)]
    scope: Option<String>,
    /// Which hooks: pre, post, prompt, final (comma-separated; default: all the runtime has).
    #[arg(long, value_delimiter = ',')]
    events: Vec<String>,
    /// The hookwarden binary the runtime runs (default: this one).
    #[arg(long)]
    binary: Option<PathBuf>,
    /// The project root for `--scope project` (default: the repository of the current dir).
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
        Some(s) => {
            Scope::parse(s).with_context(|| format!("unknown scope `{s}` (project or user)"))?
        }
        None => install::default_scope(profile),
    };
    let events = install::parse_events(&a.events.join(","))?;
    let binary = match &a.binary {
        Some(b) => std::path::absolute(b)?,
        None => std::env::current_exe()?,
    };
    let binary = binary.canonicalize().unwrap_or(binary);
    if need_binary && !binary.is_file() {
        bail!(
            "{}: no such file; pass the hookwarden binary with --binary",
            binary.display()
        );
    }
    let env = Env::from_process(project_dir(a.dir.clone())?);
    Ok((
        Options {
            runtime,
            scope,
            events,
            binary: binary.display().to_string(),
        },
        env,
    ))
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
        if opts.scope == Scope::User {
            "user"
        } else {
            "project"
        },
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
