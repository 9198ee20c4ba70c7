//! `hookwarden install`, `uninstall` and `doctor`: wire hookwarden into a runtime's hook
//! config, take it out again, and check that the wiring works.

use anyhow::{bail, Context as _, Result};
use clap::Args;
use hookwarden::event::{Boundary, RuntimeKind};
use hookwarden::install::{self, Env, Options, Scope};
use hookwarden::runtime::RuntimeProfile;
use std::path::{Path, PathBuf};

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
}

fn project_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
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

pub fn run_install(a: InstallArgs) -> Result<i32> {
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
    let (opts, env) = options(&a, false)?;
    let report = install::uninstall(&opts, &env)?;
    let profile = hookwarden::runtime::profile(opts.runtime).context("unsupported runtime")?;
    println!("hookwarden uninstall: {}", profile.display);
    print_files(&report);
    Ok(0)
}

#[derive(Args)]
pub struct DoctorArgs {
    /// Only this runtime.
    #[arg(long)]
    runtime: Option<String>,
    /// The project root (default: the repository of the current dir).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// One line of the doctor's report.
struct Check {
    ok: bool,
    text: String,
    fix: Option<String>,
}

pub fn run_doctor(a: DoctorArgs) -> Result<i32> {
    let env = Env::from_process(project_dir(a.dir)?);
    let only = match &a.runtime {
        Some(r) => Some(hookwarden::runtime::parse_name(r)?.kind),
        None => None,
    };
    let mut broken = 0;
    let mut found = 0;
    // The effective policy, once: every runtime's hook loads the same one.
    let policy = hookwarden::policy::load_effective(&env.dir, &env.dir);
    match &policy {
        Ok(p) => println!(
            "policy: ok (version {}, {} rules, {} layers)",
            p.version,
            p.rules.len(),
            p.layers.len()
        ),
        Err(e) => {
            broken += 1;
            println!("policy: BROKEN: {e}\n  fix: correct the file (hookwarden policy validate); until then every pre-tool call is denied");
        }
    }
    for profile in hookwarden::runtime::profiles().iter().copied() {
        if only.is_some_and(|k| k != profile.kind) {
            continue;
        }
        let mut scopes = Vec::new();
        for scope in [Scope::Project, Scope::User] {
            let path = env.hooks_file(profile, scope);
            let name = if scope == Scope::User {
                "user"
            } else {
                "project"
            };
            match install::read_wired(profile, &env, scope) {
                Ok(None) => {}
                Ok(Some((_, w))) => scopes.push((name, path, Ok(w))),
                Err(e) => scopes.push((name, path, Err(e))),
            }
        }
        if scopes.is_empty() {
            continue;
        }
        found += 1;
        let wired_anywhere = scopes
            .iter()
            .any(|(_, _, w)| w.as_ref().is_ok_and(|w| !w.is_empty()));
        for (scope_name, path, wired) in &scopes {
            println!("{} ({scope_name}): {}", profile.display, path.display());
            let checks = match wired {
                Err(e) => vec![Check {
                    ok: false,
                    text: format!("cannot read the config: {e}"),
                    fix: Some("fix the file by hand, then run install again".into()),
                }],
                // Wired at the other scope: this file is just another config of the runtime.
                Ok(w) if w.is_empty() && wired_anywhere => vec![Check {
                    ok: true,
                    text: "hookwarden is not wired in this file (it is at the other scope)".into(),
                    fix: None,
                }],
                Ok(w) => check_runtime(profile, &env, w),
            };
            for c in &checks {
                println!("  [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.text);
                if let Some(f) = &c.fix {
                    println!("        fix: {f}");
                }
            }
            broken += checks.iter().filter(|c| !c.ok).count();
        }
    }
    if found == 0 {
        println!(
            "no runtime config found in {} or your home directory; wire one with `hookwarden install --runtime <name>` ({})",
            env.dir.display(),
            hookwarden::runtime::known_names()
        );
        return Ok(1);
    }
    if broken > 0 {
        println!("{broken} problem(s) found");
        return Ok(1);
    }
    println!("all good");
    Ok(0)
}

fn check_runtime(
    profile: &'static RuntimeProfile,
    env: &Env,
    wired: &[install::Wired],
) -> Vec<Check> {
    let mut out = Vec::new();
    let reinstall = format!(
        "hookwarden install --runtime {} (add --scope user for the user config)",
        profile.kind
    );
    if wired.is_empty() {
        out.push(Check {
            ok: false,
            text: "hookwarden is not wired here".into(),
            fix: Some(reinstall),
        });
        return out;
    }
    let events: Vec<&str> = wired.iter().map(|w| w.event.as_str()).collect();
    let missing: Vec<&str> = profile
        .installed()
        .filter(|(h, _)| !wired.iter().any(|w| w.boundary == h.boundary))
        .map(|(h, _)| h.name)
        .collect();
    out.push(Check {
        ok: true,
        text: format!("wired at {}", events.join(", ")),
        fix: None,
    });
    if !missing.is_empty() {
        // A deliberate --events subset is fine; say what is not covered.
        out.push(Check {
            ok: true,
            text: format!("not wired at {} (not checked there)", missing.join(", ")),
            fix: None,
        });
    }
    if !wired.iter().any(|w| w.boundary == Boundary::ToolRequest) {
        out.push(Check {
            ok: false,
            text: "no pre-tool hook: tool calls are not checked".into(),
            fix: Some(reinstall.clone()),
        });
    }
    let mut binaries: Vec<&str> = wired.iter().map(|w| w.binary.as_str()).collect();
    binaries.dedup();
    for b in binaries {
        let path = Path::new(b);
        let version = std::process::Command::new(path)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        match version {
            Some(v) => out.push(Check {
                ok: true,
                text: format!("binary {b} runs ({v})"),
                fix: None,
            }),
            None => {
                out.push(Check {
                    ok: false,
                    text: format!(
                        "binary {b} {}",
                        if path.is_file() {
                            "does not run `--version`"
                        } else {
                            "does not exist"
                        }
                    ),
                    fix: Some(format!("{reinstall} --binary /path/to/hookwarden")),
                });
                continue;
            }
        }
        out.push(self_test(profile, b, &env.dir));
    }
    if profile.kind == RuntimeKind::Codex {
        let cfg = env.codex_config();
        let on = std::fs::read_to_string(&cfg)
            .map(|t| install::codex_toml::hooks_enabled(&t))
            .unwrap_or(false);
        out.push(Check {
            ok: on,
            text: format!(
                "{}: [features] hooks = true {}",
                cfg.display(),
                if on { "set" } else { "missing" }
            ),
            fix: (!on).then(|| reinstall.clone()),
        });
    }
    out
}

/// Runs the wired binary on a `rm -rf /` pre-tool event in the runtime's own shape and checks
/// that the answer blocks it.
fn self_test(profile: &RuntimeProfile, binary: &str, dir: &Path) -> Check {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let payload = (profile.selftest.payload)(&dir.display().to_string());
    let child = Command::new(binary)
        .args(["hook", "--runtime", profile.name()])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let result = child.and_then(|mut c| {
        if let Some(mut stdin) = c.stdin.take() {
            let _ = stdin.write_all(payload.to_string().as_bytes());
        }
        c.wait_with_output()
    });
    let fix = Some(
        "run `hookwarden check -- rm -rf /` to see why the default rule did not fire".to_string(),
    );
    match result {
        Ok(o) => {
            let stdout = String::from_utf8_lossy(&o.stdout).to_string();
            let code = o.status.code().unwrap_or(-1);
            if profile.answer_blocks(&stdout, code) {
                Check {
                    ok: true,
                    text: "self-test: pre-tool `rm -rf /` is denied".into(),
                    fix: None,
                }
            } else {
                Check {
                    ok: false,
                    text: format!(
                        "self-test: pre-tool `rm -rf /` was NOT denied (exit {code}, stdout {})",
                        stdout.trim()
                    ),
                    fix,
                }
            }
        }
        Err(e) => Check {
            ok: false,
            text: format!("self-test: could not run the hook: {e}"),
            fix,
        },
    }
}
