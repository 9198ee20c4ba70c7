//! The one way integration tests run the built `hookwarden` binary: in a [`Sandbox`], a temp
//! dir that holds everything the binary could read or write (home, XDG dirs, config, data,
//! audit log, org and user policy, temp dir), with an environment built from nothing, so
//! neither the host's `/etc/hookwarden` nor the developer's home or shell variables reach a
//! test. A [`TestCommand`] runs one invocation and captures it as a [`Run`].
//!
//! What the binary sees, unless a test says otherwise:
//!
//! | variable                     | value                            |
//! |------------------------------|----------------------------------|
//! | `PATH`                       | the test process's own           |
//! | `HOME`                       | `<root>/home`                    |
//! | `XDG_{CONFIG,DATA,CACHE,STATE}_HOME`, `XDG_RUNTIME_DIR` | `<root>/xdg/...` |
//! | `TMPDIR`                     | `<root>/tmp`                     |
//! | `USER`, `HOOKWARDEN_USER`    | `tester`                         |
//! | `HOOKWARDEN_CONFIG_DIR`      | `<root>/config`                  |
//! | `HOOKWARDEN_DATA_DIR`        | `<root>/data`                    |
//! | `HOOKWARDEN_AUDIT`           | `<root>/audit.jsonl`             |
//! | `HOOKWARDEN_ORG_POLICY`      | `<root>/org-policy.toml` (absent until a test writes it) |
//! | `HOOKWARDEN_USER_POLICY`     | `<root>/user-policy.toml` (absent until a test writes it) |
//! | `HOOKWARDEN_SYSLOG_SOCKET`   | `<root>/syslog.sock`             |
//! | `HOOKWARDEN_SYSTEM_DIR`      | `<root>/system` (approver keys and roles; absent until written) |
//!
//! Nothing else is set: `CODEX_HOME`, `HOOKWARDEN_TEAM`, `HOOKWARDEN_ENV`, `HOOKWARDEN_PIN`,
//! `HOOKWARDEN_POLICY_CACHE`, `HOOKWARDEN_ALERTS_FILE`, `CLAUDECODE`, `CODEX_*`, `GEMINI_*`,
//! `TZ`, ... are absent unless a test sets them on the sandbox or on one command.
//! The working directory is `<root>` unless the sandbox is given another.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fake;
pub mod pty;

use serde_json::Value;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The built binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_hookwarden");

/// The user name every sandbox runs as, unless a test names another.
pub const USER: &str = "tester";

/// A temp dir the binary runs in, isolated from the host; removed when dropped.
pub struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cwd: PathBuf,
    vars: Vec<(OsString, Option<OsString>)>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    /// A fresh sandbox with `home/`, `tmp/` and `work/` (the agent's project for events).
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        // Canonical, so paths the binary prints and paths the test builds compare equal.
        let root = tmp.path().canonicalize().unwrap();
        for d in ["home", "tmp", "work"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Sandbox {
            _tmp: tmp,
            cwd: root.clone(),
            root,
            vars: Vec::new(),
        }
    }

    /// Runs every command in `<root>/<rel>` (created).
    pub fn with_cwd(mut self, rel: &str) -> Sandbox {
        self.cwd = self.mkdir(rel);
        self
    }

    /// Sets a variable for every command of this sandbox (on top of the isolated defaults).
    pub fn with_env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Sandbox {
        self.vars
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// The sandbox root.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// A path inside the sandbox.
    pub fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The agent's working directory for events.
    pub fn work(&self) -> PathBuf {
        self.p("work")
    }

    pub fn home(&self) -> PathBuf {
        self.p("home")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.p("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.p("data")
    }

    pub fn audit_path(&self) -> PathBuf {
        self.p("audit.jsonl")
    }

    pub fn org_policy(&self) -> PathBuf {
        self.p("org-policy.toml")
    }

    pub fn user_policy(&self) -> PathBuf {
        self.p("user-policy.toml")
    }

    /// Writes `<root>/<rel>` (parents created) and returns its path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.p(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Creates `<root>/<rel>` and returns its path.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.p(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// A command for the binary with the sandbox's environment, to adjust and run.
    pub fn cmd(&self, args: &[&str]) -> TestCommand {
        self.program(BIN.as_ref(), args)
    }

    /// Runs `sh -c script` with the sandbox's environment and `hookwarden` first on PATH:
    /// commands as a person types them (the docs' tutorial).
    pub fn shell(&self, script: &str) -> TestCommand {
        let bin_dir = Path::new(BIN).parent().unwrap().to_owned();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin_dir];
        dirs.extend(std::env::split_paths(&path));
        self.program("sh".as_ref(), &["-c", script])
            .env("PATH", std::env::join_paths(dirs).unwrap())
    }

    fn program(&self, program: &OsStr, args: &[&str]) -> TestCommand {
        let mut c = Command::new(program);
        c.args(args).env_clear().current_dir(&self.cwd);
        for key in ["PATH", "LLVM_PROFILE_FILE"] {
            // PATH to find programs a policy names (alert commands); LLVM_PROFILE_FILE so
            // coverage tools still collect from the binary.
            if let Some(v) = std::env::var_os(key) {
                c.env(key, v);
            }
        }
        let r = &self.root;
        c.env("HOME", r.join("home"))
            .env("XDG_CONFIG_HOME", r.join("xdg/config"))
            .env("XDG_DATA_HOME", r.join("xdg/data"))
            .env("XDG_CACHE_HOME", r.join("xdg/cache"))
            .env("XDG_STATE_HOME", r.join("xdg/state"))
            .env("XDG_RUNTIME_DIR", r.join("xdg/runtime"))
            .env("TMPDIR", r.join("tmp"))
            .env("USER", USER)
            .env("HOOKWARDEN_USER", USER)
            .env("HOOKWARDEN_CONFIG_DIR", self.config_dir())
            .env("HOOKWARDEN_DATA_DIR", self.data_dir())
            .env("HOOKWARDEN_AUDIT", self.audit_path())
            .env("HOOKWARDEN_ORG_POLICY", self.org_policy())
            .env("HOOKWARDEN_USER_POLICY", self.user_policy())
            .env("HOOKWARDEN_SYSLOG_SOCKET", r.join("syslog.sock"))
            .env("HOOKWARDEN_SYSTEM_DIR", r.join("system"));
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        TestCommand {
            cmd: c,
            stdin: Vec::new(),
        }
    }

    /// Runs the binary with `args` and an empty stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.cmd(args).run()
    }

    /// Runs the binary with `args`, writing `stdin` to it.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.cmd(args).stdin(stdin).run()
    }

    /// Runs `hookwarden hook --runtime <rt>` with a JSON payload.
    pub fn hook(&self, runtime: &str, payload: &Value) -> Run {
        self.hook_with(runtime, payload, &[])
    }

    /// [`Sandbox::hook`] with extra variables for this one call.
    pub fn hook_with(&self, runtime: &str, payload: &Value, vars: &[(&str, &str)]) -> Run {
        let mut c = self.cmd(&["hook", "--runtime", runtime]);
        for (k, v) in vars {
            c = c.env(k, v);
        }
        c.stdin(payload.to_string().as_bytes()).run()
    }

    /// The audit log as text. A missing log is a failure: a test that checks what the audit
    /// does not contain must not pass because nothing was audited.
    pub fn audit_text(&self) -> String {
        let p = self.audit_path();
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("no audit log at {} ({e})", p.display()))
    }

    /// The audit log, one JSON value a line (see [`Sandbox::audit_text`]).
    pub fn audit_lines(&self) -> Vec<Value> {
        self.audit_text()
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("broken audit line ({e}): {l}"))
            })
            .collect()
    }
}

/// One invocation of the binary, built by [`Sandbox::cmd`].
pub struct TestCommand {
    cmd: Command,
    stdin: Vec<u8>,
}

impl TestCommand {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> TestCommand {
        self.cmd.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> TestCommand {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, data: &[u8]) -> TestCommand {
        self.stdin = data.to_vec();
        self
    }

    /// Starts the binary without waiting for it.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        let mut input = child.stdin.take().unwrap();
        let data = std::mem::take(&mut self.stdin);
        // A writer thread, so a child that answers before reading all its input (or a big
        // input) cannot deadlock the test; a child that stops reading is not an error here.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        Running { child, writer }
    }

    /// Runs the command on a pseudo-terminal, as a person typing `answer` at its prompt.
    pub fn on_tty(&self, answer: pty::Answer) -> pty::TtyRun {
        pty::on_tty(&self.cmd, answer)
    }

    /// Runs the binary to the end and captures what it answered.
    pub fn run(self) -> Run {
        self.spawn().wait()
    }
}

/// A started [`TestCommand`].
pub struct Running {
    child: std::process::Child,
    writer: std::thread::JoinHandle<()>,
}

impl Running {
    pub fn wait(self) -> Run {
        let out = self.child.wait_with_output().unwrap();
        self.writer.join().unwrap();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// What one run of the binary answered.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// The exit code; -1 when the process was killed by a signal.
    pub code: i32,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout then stderr.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Asserts exit code 0 and hands the run on.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "command failed:\n{}", self.all());
        self
    }

    /// stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {:?}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The repository's root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A recorded payload from tests/fixtures/<runtime>/<name>.json, with its cwd pointed at `cwd`.
pub fn fixture(runtime: &str, name: &str, cwd: &Path) -> Value {
    let p = repo_root()
        .join("tests/fixtures")
        .join(runtime)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["cwd"] = Value::String(cwd.display().to_string());
    v
}

/// A file from the shared data kept beside the repository (`../shared/<rel>`), read whole.
/// Missing data fails the test and says every place that was looked at: the `shared/` beside
/// this checkout, and, when this checkout is a linked git worktree, the one beside its main
/// checkout.
pub fn shared_file(rel: &str) -> (PathBuf, String) {
    let mut tried = Vec::new();
    for dir in shared_dirs() {
        let p = dir.join(rel);
        match std::fs::read_to_string(&p) {
            Ok(text) => return (p, text),
            Err(e) => tried.push(format!("  {} ({e})", p.display())),
        }
    }
    panic!(
        "shared test data `{rel}` not found; looked at:\n{}\n\
         CI keeps a copy of shared/ beside the repository; locally, put one (or a symlink) there.",
        tried.join("\n")
    )
}

fn shared_dirs() -> Vec<PathBuf> {
    let root = repo_root();
    let mut dirs = vec![root.join("../shared")];
    // A linked worktree's `.git` is a file `gitdir: <main>/.git/worktrees/<name>`, whose
    // `commondir` leads back to `<main>/.git`.
    let main_checkout = std::fs::read_to_string(root.join(".git"))
        .ok()
        .and_then(|s| Some(PathBuf::from(s.trim().strip_prefix("gitdir:")?.trim())))
        .and_then(|gitdir| {
            let common = std::fs::read_to_string(gitdir.join("commondir")).ok()?;
            let common = gitdir.join(common.trim());
            Some(common.canonicalize().ok()?.parent()?.to_path_buf())
        });
    if let Some(main) = main_checkout {
        dirs.push(main.join("../shared"));
    }
    dirs
}

/// A GitHub token shaped like the real thing (not a real credential).
pub const GH_TOKEN: &str = "ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo";
/// An AWS access key id (not the documented example key, which is suppressed).
pub const AWS_KEY: &str = "AKIAZ7QX3RTV5WMN2KPL";
