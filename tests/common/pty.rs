//! Runs a built command on a pseudo-terminal, as a person at a terminal would: through
//! python3's `pty` module (tests/common/pty_drive.py), which reads the `Type <NONCE> to
//! approve: ` prompt and types the nonce (or a wrong one, or nothing).

use std::process::Command;

/// What the terminal showed and how the command exited.
pub struct TtyRun {
    pub screen: String,
    pub code: i32,
}

#[derive(Clone, Copy)]
pub enum Answer {
    /// Type the nonce the prompt shows.
    Nonce,
    /// Type something else.
    Wrong,
    /// Type nothing (for commands that refuse before prompting).
    Nothing,
}

/// Runs `cmd` (its program, arguments, environment changes and directory) on a fresh
/// pseudo-terminal. Variables that mark a coding agent's tool call are removed, so the suite
/// behaves the same when an agent runs it; a test that wants one sets it on `cmd`.
pub fn on_tty(cmd: &Command, answer: Answer) -> TtyRun {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/pty_drive.py");
    let mode = match answer {
        Answer::Nonce => "nonce",
        Answer::Wrong => "wrong",
        Answer::Nothing => "none",
    };
    let mut py = Command::new("python3");
    py.arg(script)
        .arg(mode)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, _) in std::env::vars_os() {
        if hookwarden::approvers::agent_marker([&k]).is_some() {
            py.env_remove(&k);
        }
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => py.env(k, v),
            None => py.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        py.current_dir(d);
    }
    let out = py.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (screen, code) = text
        .rsplit_once("__EXIT__=")
        .map(|(s, c)| (s.to_string(), c.trim().parse().unwrap_or(-1)))
        .unwrap_or_else(|| {
            panic!(
                "pty driver failed: {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    TtyRun {
        screen: screen.replace("\r\n", "\n"),
        code,
    }
}

/// The approval code in a runtime's deny reason (`hookwarden approve K7M2QX`).
pub fn code_in(reason: &str) -> String {
    reason
        .split("hookwarden approve ")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .unwrap_or_else(|| panic!("no approval code in: {reason}"))
        .to_string()
}
