//! `hookwarden doctor`: whether the hooks that are wired will really run hookwarden and block
//! what the policy denies, and whether anything the agent's user could change undoes that.
//! Exit 0 only when nothing is wrong.
//!
//! It reads every hook config of every runtime (the managed one, the user's, the project's)
//! the way the runtime will run it, and reports: the policy and the machine's mode (managed,
//! personal, or an org directory that is refused); the audit log's hash chain; per config,
//! handlers whose command is not hookwarden's own (`FOO=bar hookwarden ...`, `... || true`,
//! another runtime's name) and matchers narrower than install's; per runtime, settings that
//! turn hooks off (`disableAllHooks`, Codex's `[features] hooks`) or ignore the layer
//! hookwarden is wired in (`allowManagedHooksOnly`); per wired binary, whether it is
//! hookwarden at all (not a wrapper script, not another program) and who could replace it.
//! Last, a self-test per runtime: the runtime's own pre-tool `rm -rf /` payload (its profile's
//! self-test) through [`hookwarden::engine::handle`], as a hook call, so it takes the cached,
//! pinned path and the environment rules real events take.

use anyhow::Result;
use clap::Args;
use hookwarden::event::{Boundary, RuntimeKind};
use hookwarden::install::inspect::{self, Handler, Verdict};
use hookwarden::install::managed::under;
use hookwarden::install::{self, Env, Scope};
use hookwarden::managed::Mode;
use hookwarden::runtime::profile::ManagedFormat;
use hookwarden::runtime::RuntimeProfile;
use serde_json::Value;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DoctorArgs {
    /// Only this runtime.
    #[arg(long)]
    runtime: Option<String>,
    /// The project root (default: the repository of the current dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Check a machine image in this directory as if it were `/` (managed configs, the org
    /// directory and the binaries they name).
    #[arg(long, hide = true)]
    root: Option<PathBuf>,
}

/// One line of the doctor's report.
struct Check {
    ok: bool,
    text: String,
    fix: Option<String>,
}

impl Check {
    fn ok(text: impl Into<String>) -> Check {
        Check {
            ok: true,
            text: text.into(),
            fix: None,
        }
    }

    fn fail(text: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            ok: false,
            text: text.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Prints checks under a heading and counts the failures.
#[derive(Default)]
struct Report {
    problems: usize,
}

impl Report {
    fn section(&mut self, heading: &str, checks: &[Check]) {
        println!("{heading}");
        for c in checks {
            println!("  [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.text);
            if let Some(f) = &c.fix {
                println!("        fix: {f}");
            }
        }
        self.problems += checks.iter().filter(|c| !c.ok).count();
    }
}

/// One hook config found on disk.
struct Config {
    label: &'static str,
    path: PathBuf,
    handlers: Result<Vec<Handler>, install::InstallError>,
}

impl Config {
    fn ours(&self, kind: RuntimeKind) -> Vec<(&Handler, String)> {
        match &self.handlers {
            Ok(hs) => hs
                .iter()
                .filter_map(|h| match inspect::classify(&h.command, kind) {
                    Verdict::Ours { binary } => Some((h, binary)),
                    _ => None,
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

fn read_toml(path: &Path) -> Option<toml::Value> {
    toml::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

pub fn run(a: DoctorArgs) -> Result<i32> {
    let env = Env::from_process(super::install::project_dir(a.dir)?);
    let root = a.root.unwrap_or_else(|| PathBuf::from("/"));
    let only = match &a.runtime {
        Some(r) => Some(hookwarden::runtime::parse_name(r)?.kind),
        None => None,
    };
    let mut out = Report::default();
    // The effective policy, once: every runtime's hook loads the same one.
    match hookwarden::policy::load_effective(&env.dir, &env.dir) {
        Ok(p) => {
            println!(
                "policy: ok (version {}, {} rules, {} layers)",
                p.version,
                p.rules.len(),
                p.layers.len()
            );
            // Relaxed rules are no problem, but every one is shown with its reason.
            print!("{}", super::policy_cmd::relaxations(&p));
        }
        Err(e) => {
            out.problems += 1;
            println!("policy: BROKEN: {e}\n  fix: correct the file (hookwarden policy validate); until then every pre-tool call is denied");
        }
    }
    let edited: Vec<Check> = super::policy_cmd::edited_in_place()
        .iter()
        .map(|e| {
            Check::fail(
                e.describe(),
                "review the change: deploy it as a version, or roll back",
            )
        })
        .collect();
    if !edited.is_empty() {
        out.section("deployed policy files:", &edited);
    }
    let mode = machine_mode(&root);
    out.section("machine:", &mode_checks(&mode));
    out.section("audit:", &[audit_check()]);
    let managed = matches!(mode, Mode::Managed { .. });
    let mut found = 0;
    for profile in hookwarden::runtime::profiles().iter().copied() {
        if only.is_some_and(|k| k != profile.kind) {
            continue;
        }
        let configs = configs_of(profile, &env, &root);
        if configs.is_empty() {
            continue;
        }
        found += 1;
        let wired_anywhere = configs.iter().any(|c| !c.ours(profile.kind).is_empty());
        for c in &configs {
            let heading = format!("{} ({}): {}", profile.display, c.label, c.path.display());
            out.section(&heading, &config_checks(profile, c, wired_anywhere, &env));
        }
        if !wired_anywhere {
            continue;
        }
        let mut checks = disabled_checks(profile, &configs, &env, &root);
        // A managed config names a binary of the machine under `root`; the others, of this
        // one, by its path or by its bare name, found on PATH.
        let mut binaries: Vec<(String, bool)> = configs
            .iter()
            .flat_map(|c| {
                let managed_config = c.label == "managed";
                c.ours(profile.kind)
                    .into_iter()
                    .map(move |(_, b)| (b, managed_config))
            })
            .collect();
        binaries.sort();
        binaries.dedup();
        for (b, managed_config) in &binaries {
            if *managed_config {
                checks.extend(binary_checks(profile, b, &under(&root, b), managed));
            } else if install::on_path(b) {
                checks.extend(path_checks(profile, b, managed));
            } else {
                checks.extend(binary_checks(profile, b, Path::new(b), managed));
            }
        }
        checks.push(self_test(profile, &env.dir));
        out.section(&format!("{}:", profile.display), &checks);
    }
    if found == 0 {
        println!(
            "no runtime config found in {} or your home directory; wire one with `hookwarden install --runtime <name>` ({})",
            env.dir.display(),
            hookwarden::runtime::known_names()
        );
        return Ok(1);
    }
    if out.problems > 0 {
        println!("{} problem(s) found", out.problems);
        return Ok(1);
    }
    println!("all good");
    Ok(0)
}

/// The mode of the machine (of the image under `root`).
fn machine_mode(root: &Path) -> Mode {
    if root == Path::new("/") {
        hookwarden::managed::mode().clone()
    } else {
        hookwarden::managed::detect(&under(root, hookwarden::managed::ORG_DIR), Some(0))
    }
}

fn mode_checks(mode: &Mode) -> Vec<Check> {
    let uid = hookwarden::managed::effective_uid();
    match mode {
        Mode::Personal => vec![Check::ok(format!(
            "personal mode: no org policy, managed.toml or approver key in {}. Hooks run as you; the built-in guard, not the OS, keeps an agent running as you from rewiring them (docs/threat-model.md)",
            hookwarden::managed::system_dir().display()
        ))],
        Mode::Broken(why) => vec![Check::fail(
            format!("managed mode is BROKEN: {why} Until it is fixed every pre-tool call is denied"),
            "make the org directory and its files root's and not writable by group or others",
        )],
        Mode::Managed { dir } => {
            let mut out = vec![Check::ok(format!(
                "managed mode: {} is root's and no one else can write it; hook calls ignore environment overrides",
                dir.display()
            ))];
            if uid != Some(0) && hookwarden::managed::writable_by(dir, uid) {
                out.push(Check::fail(
                    format!("{} is writable by you (uid {})", dir.display(), uid.unwrap_or(0)),
                    format!("sudo chown -R root:root {}", dir.display()),
                ));
            }
            if dir.join("approver.pub").symlink_metadata().is_err() {
                out.push(Check::fail(
                    format!(
                        "no managed approver key in {}: no approval can be granted",
                        dir.display()
                    ),
                    "sudo hookwarden approve --init-managed-key",
                ));
            }
            let set: Vec<&str> = hookwarden::managed::SECURITY_VARS
                .iter()
                .copied()
                .filter(|v| std::env::var_os(v).is_some())
                .collect();
            if !set.is_empty() {
                out.push(Check::ok(format!(
                    "{} set in this shell: hook calls ignore {} in managed mode (this report reads them)",
                    set.join(", "),
                    if set.len() == 1 { "it" } else { "them" }
                )));
            }
            out
        }
    }
}

fn audit_check() -> Check {
    use hookwarden::audit::HeadCheck;
    let path = hookwarden::dirs::audit_path();
    if hookwarden::audit::log_files(&path).is_empty() {
        return Check::ok(format!("no audit log at {} yet", path.display()));
    }
    let head_path = hookwarden::dirs::audit_head_path(&path);
    let head = head_path.as_deref().and_then(hookwarden::audit::read_head);
    let retention = head_path
        .as_deref()
        .and_then(hookwarden::audit::read_retention);
    let fix =
        "see what changed with `hookwarden audit verify`; keep the broken log for investigation";
    match hookwarden::audit::verify_rotated(&path, head.as_ref(), retention.as_ref()) {
        Err(e) => Check::fail(format!("cannot read {}: {e}", path.display()), fix),
        Ok(v) => match (&v.broken, &v.head) {
            (Some(b), _) | (None, HeadCheck::Broken(b)) => {
                Check::fail(format!("audit log {} is BROKEN: {b}", path.display()), fix)
            }
            _ => Check::ok(format!(
                "audit log {}: {} line(s), hash chain intact",
                path.display(),
                v.lines
            )),
        },
    }
}

/// The runtime's configs that exist: managed, project, local (where the runtime has one),
/// user.
fn configs_of(profile: &'static RuntimeProfile, env: &Env, root: &Path) -> Vec<Config> {
    let mut out = Vec::new();
    let read = |label, path: PathBuf, format: Option<ManagedFormat>| {
        let text = std::fs::read_to_string(&path).ok()?;
        let handlers = inspect::handlers_in(profile, format, &path, &text);
        Some(Config {
            label,
            path,
            handlers,
        })
    };
    if let Some(m) = &profile.install.managed {
        out.extend(read("managed", under(root, m.path), Some(m.format)));
    }
    for scope in install::scopes(profile) {
        if let Ok(path) = env.hooks_file(profile, scope) {
            out.extend(read(scope.as_str(), path, None));
        }
    }
    out
}

/// The scope to name for wiring one person's own binary by its path.
fn own_scope(profile: &RuntimeProfile) -> Scope {
    if profile.install.local_file.is_some() {
        Scope::Local
    } else {
        Scope::User
    }
}

fn reinstall(profile: &RuntimeProfile) -> String {
    match own_scope(profile) {
        Scope::Local => format!(
            "hookwarden install --runtime {} (add --scope local or --scope user for your own config)",
            profile.kind
        ),
        _ => format!(
            "hookwarden install --runtime {} (add --scope user for the user config)",
            profile.kind
        ),
    }
}

fn config_checks(
    profile: &'static RuntimeProfile,
    c: &Config,
    wired_anywhere: bool,
    env: &Env,
) -> Vec<Check> {
    let handlers = match &c.handlers {
        Err(e) => {
            return vec![Check::fail(
                format!("cannot read the config: {e}"),
                "fix the file by hand, then run install again",
            )]
        }
        Ok(h) => h,
    };
    let mut out = Vec::new();
    // A project's config is everyone's: it names hookwarden as PATH finds it.
    let project = c.label == Scope::Project.as_str();
    let fix_cmd = format!(
        "replace it with `{}`",
        install::hook_command(
            if project {
                install::PATH_NAME
            } else {
                "/path/to/hookwarden"
            },
            profile.kind
        )
    );
    for h in handlers {
        match inspect::classify(&h.command, profile.kind) {
            Verdict::EnvPrefix { vars } => out.push(Check::fail(
                format!(
                    "{}: `{}` sets {} before hookwarden: whoever edits this file chooses its settings",
                    h.event,
                    h.command,
                    vars.join(", ")
                ),
                fix_cmd.clone(),
            )),
            Verdict::Decoy(why) => out.push(Check::fail(
                format!("{}: `{}` is a decoy: {why}", h.event, h.command),
                fix_cmd.clone(),
            )),
            Verdict::Ours { .. } | Verdict::Foreign => {}
        }
    }
    let ours = c.ours(profile.kind);
    if ours.is_empty() {
        if wired_anywhere {
            out.push(Check::ok(
                "hookwarden is not wired in this file (it is at another scope)",
            ));
        } else {
            out.push(Check::fail(
                "hookwarden is not wired here",
                reinstall(profile),
            ));
        }
        return out;
    }
    let mut events: Vec<&str> = ours.iter().map(|(h, _)| h.event.as_str()).collect();
    events.dedup();
    out.push(Check::ok(format!("wired at {}", events.join(", "))));
    let missing: Vec<&str> = profile
        .installed()
        .filter(|(e, _)| !ours.iter().any(|(h, _)| h.boundary == e.boundary))
        .map(|(e, _)| e.name)
        .collect();
    if !missing.is_empty() {
        // A deliberate --events subset is fine; say what is not covered.
        out.push(Check::ok(format!(
            "not wired at {} (not checked there)",
            missing.join(", ")
        )));
    }
    if !ours
        .iter()
        .any(|(h, _)| h.boundary == Boundary::ToolRequest)
    {
        out.push(Check::fail(
            "no pre-tool hook: tool calls are not checked",
            reinstall(profile),
        ));
    }
    for (h, _) in &ours {
        let wants_all = profile
            .installed()
            .any(|(e, w)| e.name == h.event && w.matcher.is_some());
        if wants_all && !inspect::covers_all(h.matcher.as_deref()) {
            out.push(Check::fail(
                format!(
                    "{}: matcher `{}` leaves every tool it does not match unchecked",
                    h.event,
                    h.matcher.as_deref().unwrap_or_default()
                ),
                reinstall(profile),
            ));
        }
    }
    if project {
        let mut named: Vec<&str> = ours
            .iter()
            .map(|(_, b)| b.as_str())
            .filter(|b| !install::on_path(b))
            .collect();
        named.dedup();
        for b in named {
            if Path::new(b).starts_with(&env.home) {
                out.push(Check::fail(
                    format!(
                        "the project config names {b}, a path in your home directory: teammates who clone the repository have no such file, and {} then {}",
                        profile.display,
                        profile.install.on_failure.crash.verb()
                    ),
                    format!(
                        "hookwarden install --runtime {} --scope project (it then runs `{}` from each machine's PATH; keep your own path with --scope {})",
                        profile.kind,
                        install::PATH_NAME,
                        own_scope(profile).as_str()
                    ),
                ));
            } else {
                out.push(Check::ok(format!(
                    "the project config names {b}: everyone who uses this repository needs hookwarden at that path"
                )));
            }
        }
    }
    if let Some(key) = profile.install.on_failure.fail_closed_key {
        for (h, _) in &ours {
            let wants = profile
                .installed()
                .any(|(e, w)| e.name == h.event && w.fail_closed);
            if wants && !h.fail_closed {
                out.push(Check::fail(
                    format!(
                        "{}: no `{key}: true`: {} lets the call run when the hook crashes or times out",
                        h.event, profile.display
                    ),
                    reinstall(profile),
                ));
            }
        }
    }
    out
}

/// Settings that turn hookwarden's hooks off, or make the runtime skip the layer they are in.
fn disabled_checks(
    profile: &'static RuntimeProfile,
    configs: &[Config],
    env: &Env,
    root: &Path,
) -> Vec<Check> {
    let in_managed = configs
        .iter()
        .any(|c| c.label == "managed" && !c.ours(profile.kind).is_empty());
    let managed_fix = format!(
        "sudo hookwarden install --managed --runtime {}",
        profile.kind
    );
    let mut out = Vec::new();
    match profile.kind {
        RuntimeKind::Claude => {
            let managed_path = profile
                .install
                .managed
                .map(|m| under(root, m.path))
                .unwrap_or_default();
            let managed_settings = read_json(&managed_path);
            let layers = [
                managed_path.clone(),
                env.home.join(".claude/settings.json"),
                env.dir.join(".claude/settings.json"),
                env.dir.join(".claude/settings.local.json"),
            ];
            for (i, path) in layers.iter().enumerate() {
                let off = read_json(path)
                    .and_then(|v| v.get("disableAllHooks").and_then(Value::as_bool))
                    .unwrap_or(false);
                if !off {
                    continue;
                }
                if i == 0 {
                    out.push(Check::fail(
                        format!("{}: disableAllHooks is true: Claude Code runs no hook at all, hookwarden's included", path.display()),
                        format!("remove disableAllHooks from {}", path.display()),
                    ));
                } else if in_managed {
                    out.push(Check::ok(format!(
                        "{}: disableAllHooks turns off only non-managed hooks; hookwarden's managed hooks still run",
                        path.display()
                    )));
                } else {
                    out.push(Check::fail(
                        format!("{}: disableAllHooks is true: Claude Code runs none of the hooks in user or project settings, hookwarden's included", path.display()),
                        format!("remove disableAllHooks from {} (or wire hookwarden in managed settings: {managed_fix})", path.display()),
                    ));
                }
            }
            let managed_only = managed_settings
                .as_ref()
                .and_then(|v| v.get("allowManagedHooksOnly").and_then(Value::as_bool))
                .unwrap_or(false);
            if managed_only && !in_managed {
                out.push(Check::fail(
                    format!("{}: allowManagedHooksOnly is true, so the hookwarden hooks in user and project settings do not run", managed_path.display()),
                    managed_fix,
                ));
            }
        }
        RuntimeKind::Codex => {
            let req_path = profile
                .install
                .managed
                .map(|m| under(root, m.path))
                .unwrap_or_default();
            let req = read_toml(&req_path);
            let flag = |v: &toml::Value| {
                let f = v.get("features")?;
                f.get("hooks")
                    .or_else(|| f.get("codex_hooks"))
                    .and_then(toml::Value::as_bool)
            };
            let pinned = req.as_ref().and_then(flag);
            let managed_only = req
                .as_ref()
                .and_then(|v| v.get("allow_managed_hooks_only"))
                .and_then(toml::Value::as_bool)
                .unwrap_or(false);
            match pinned {
                Some(true) => out.push(Check::ok(format!(
                    "{}: [features] hooks = true pinned: no user config can turn hooks off",
                    req_path.display()
                ))),
                Some(false) => out.push(Check::fail(
                    format!(
                        "{}: [features] hooks = false: Codex runs no hook",
                        req_path.display()
                    ),
                    format!("set [features] hooks = true in {}", req_path.display()),
                )),
                None => {
                    let cfg = env.codex_config();
                    let user = read_toml(&cfg).as_ref().and_then(flag);
                    match user {
                        Some(true) => out.push(Check::ok(format!(
                            "{}: [features] hooks = true set",
                            cfg.display()
                        ))),
                        Some(false) => out.push(Check::fail(
                            format!(
                                "{}: [features] hooks = false: Codex runs no hook",
                                cfg.display()
                            ),
                            reinstall(profile),
                        )),
                        None => out.push(Check::fail(
                            format!("{}: [features] hooks = true missing", cfg.display()),
                            reinstall(profile),
                        )),
                    }
                    let project = env.dir.join(".codex/config.toml");
                    if read_toml(&project).as_ref().and_then(flag) == Some(false) {
                        out.push(Check::fail(
                            format!(
                                "{}: [features] hooks = false turns hooks off in this project",
                                project.display()
                            ),
                            format!(
                                "remove it from {} (or pin hooks on: {managed_fix})",
                                project.display()
                            ),
                        ));
                    }
                }
            }
            if managed_only && !in_managed {
                out.push(Check::fail(
                    format!("{}: allow_managed_hooks_only is true, so the hookwarden hooks in user and project configs do not run", req_path.display()),
                    managed_fix,
                ));
            }
        }
        _ => {}
    }
    out
}

/// A command that names hookwarden by its bare name (a project's config): what the PATH of
/// this shell finds, then the checks of [`binary_checks`] on that file. A runtime started
/// another way (from a desktop launcher) may have another PATH.
fn path_checks(profile: &RuntimeProfile, name: &str, managed: bool) -> Vec<Check> {
    let found = install::resolve::lookup(name, std::env::var_os("PATH").as_deref());
    let mut out = Vec::new();
    if !found.relative_before.is_empty() {
        let entries: Vec<String> = found
            .relative_before
            .iter()
            .map(|e| {
                if e.is_empty() {
                    "an empty entry".to_string()
                } else {
                    format!("`{e}`")
                }
            })
            .collect();
        out.push(Check::fail(
            format!(
                "PATH has relative entries before any `{name}` ({}): a `{name}` in the directory a hook runs in would run instead, and the guard protects only absolute PATH directories",
                entries.join(", ")
            ),
            "remove the relative entries from PATH (in your shell profile)",
        ));
    }
    let Some(path) = found.found else {
        out.push(Check::fail(
            format!(
                "`{name}` is not on PATH: the hook command cannot run here, and {} then {}",
                profile.display,
                profile.install.on_failure.crash.verb()
            ),
            format!(
                "install hookwarden on PATH (./install.sh), or wire this binary for yourself: hookwarden install --runtime {} --scope {}",
                profile.kind,
                own_scope(profile).as_str()
            ),
        ));
        return out;
    };
    let this = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let same = path.canonicalize().ok() == this;
    out.push(Check::ok(format!(
        "`{name}` on PATH is {}{}",
        path.display(),
        if same { " (this doctor's binary)" } else { "" }
    )));
    out.extend(binary_checks(
        profile,
        &path.display().to_string(),
        &path,
        managed,
    ));
    out
}

/// Whether a wired binary is hookwarden, runs, matches this doctor, and who could replace it.
fn binary_checks(profile: &RuntimeProfile, b: &str, path: &Path, managed: bool) -> Vec<Check> {
    let fix = format!("{} --binary /path/to/hookwarden", reinstall(profile));
    let mut out = Vec::new();
    let mut head = [0u8; 2];
    let is_script = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"#!";
    let version = std::process::Command::new(path)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let Some(v) = version else {
        out.push(Check::fail(
            format!(
                "binary {b} {}",
                if path.is_file() {
                    "does not run `--version`"
                } else {
                    "does not exist"
                }
            ),
            fix,
        ));
        return out;
    };
    if is_script {
        out.push(Check::fail(
            format!("binary {b} is a script, not hookwarden: a wrapper decides what the hook runs and what it answers"),
            fix,
        ));
        return out;
    }
    if !v.starts_with("hookwarden ") {
        out.push(Check::fail(
            format!("binary {b} is not hookwarden (`--version` printed `{v}`)"),
            fix,
        ));
        return out;
    }
    out.push(Check::ok(format!("binary {b} runs ({v})")));
    let mine = format!("hookwarden {}", env!("CARGO_PKG_VERSION"));
    if v != mine {
        out.push(Check::fail(
            format!("binary {b} is {v}, this doctor is {mine}: the self-test below checks this doctor's engine, not the wired one"),
            format!("run `{b} doctor`, or wire this version"),
        ));
    }
    let locked = hookwarden::managed::root_locked(path);
    match (managed, locked) {
        (_, Ok(())) => out.push(Check::ok(format!(
            "binary {b}: only root can replace it"
        ))),
        (true, Err(why)) => out.push(Check::fail(
            format!("binary {b} can be replaced without root ({why}): in managed mode the hook must run a root-owned binary"),
            format!("sudo hookwarden install --managed --runtime {}", profile.kind),
        )),
        (false, Err(why)) => {
            let others = std::fs::metadata(path).is_ok_and(|m| m.mode() & 0o022 != 0);
            if others {
                out.push(Check::fail(
                    format!("binary {b} is writable by group or others ({why})"),
                    format!("chmod go-w {b}"),
                ));
            } else {
                out.push(Check::ok(format!(
                    "binary {b} can be replaced by you ({why}); personal mode: the built-in guard denies agent writes to it, the OS does not"
                )));
            }
        }
    }
    out
}

/// The runtime's pre-tool `rm -rf /` through the engine, as a hook call, and whether the
/// answer blocks it.
fn self_test(profile: &RuntimeProfile, dir: &Path) -> Check {
    let payload = profile.selftest_payload(&dir.display().to_string());
    let bytes = payload.to_string();
    let outcome = hookwarden::managed::as_hook_call(|| {
        hookwarden::engine::handle(bytes.as_bytes(), Some(profile.kind), false)
    });
    // The self-test's session must not keep a pinned policy for the next run.
    if let Ok(ev) = profile.adapter.parse(&payload) {
        let ctx = hookwarden::signals::Context::for_cwd(&ev.cwd);
        hookwarden::policy::pin::end(&ev.session_id, &ctx.cwd, &ctx.project_root);
    }
    let a = outcome.answer;
    if profile.answer_blocks(&a.stdout, a.exit_code) {
        Check::ok("self-test: pre-tool `rm -rf /` is denied")
    } else {
        Check::fail(
            format!(
                "self-test: pre-tool `rm -rf /` was NOT denied (exit {}, stdout {})",
                a.exit_code,
                a.stdout.trim()
            ),
            "run `hookwarden check -- rm -rf /` to see why the default rule did not fire",
        )
    }
}
