//! Shared test harness: runs the built `hookwarden` binary in an isolated environment
//! (its own audit log, data, config and policy locations) and captures what it answers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fake;
pub mod pty;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {:?}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The agent's working directory for events.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn audit_path(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hookwarden"));
        c.args(args)
            .env("HOOKWARDEN_AUDIT", self.audit_path())
            .env("HOOKWARDEN_DATA_DIR", self.dir.path().join("data"))
            .env("HOOKWARDEN_CONFIG_DIR", self.dir.path().join("config"))
            .env(
                "HOOKWARDEN_ORG_POLICY",
                self.dir.path().join("org-policy.toml"),
            )
            .env(
                "HOOKWARDEN_USER_POLICY",
                self.dir.path().join("user-policy.toml"),
            )
            .env("HOOKWARDEN_SYSTEM_DIR", self.dir.path().join("system"))
            .env("HOME", self.dir.path().join("home"))
            .env_remove("TMPDIR")
            .current_dir(self.dir.path());
        c
    }

    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs `hookwarden hook --runtime <rt>` with a JSON payload.
    pub fn hook(&self, runtime: &str, payload: &Value) -> Run {
        self.run(
            &["hook", "--runtime", runtime],
            payload.to_string().as_bytes(),
        )
    }

    pub fn audit_lines(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.audit_path()).unwrap_or_default();
        text.lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("broken audit line ({e}): {l}"))
            })
            .collect()
    }

    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.audit_path()).unwrap_or_default()
    }
}

/// A recorded payload from tests/fixtures/<runtime>/<name>.json, with its cwd pointed at `cwd`.
pub fn fixture(runtime: &str, name: &str, cwd: &Path) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(runtime)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["cwd"] = Value::String(cwd.display().to_string());
    v
}

/// A GitHub token shaped like the real thing (not a real credential).
pub const GH_TOKEN: &str = "ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo";
/// An AWS access key id (not the documented example key, which is suppressed).
pub const AWS_KEY: &str = "AKIAZ7QX3RTV5WMN2KPL";
