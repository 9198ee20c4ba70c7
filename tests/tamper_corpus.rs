//! The tamper battery: what an agent (or a prompt-injected one) would try to switch the guard
//! off, forge its state or approve its own requests, as data (`tests/corpus/tamper/*.jsonl`),
//! run through the built binary in every tool shape of Claude Code, Codex and Gemini CLI.
//!
//! One JSON object a line: `id`, `family`, one of `shell` (a command), `write` (`path`,
//! `content`), `edit` (`path`, `old`, `new`) or `patch` (an apply_patch text), `expect`
//! (`deny`: denied outright; `stop`: denied or put to a person; `allow`: everyday work that
//! must pass) and `rule` (a prefix one of the fired rule ids must have; empty: any).
//! `~` is the test's home, `$BIN` the hookwarden binary under test; the home holds a
//! `~/.local/bin/hookwarden` link on PATH, as `install.sh` leaves it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
    bin: PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = home.join("work/proj");
        for d in [
            ".git/hooks",
            ".claude",
            ".gemini",
            ".cursor",
            ".qwen",
            ".factory",
            "src",
        ] {
            std::fs::create_dir_all(project.join(d)).unwrap();
        }
        for (f, text) in [
            (".claude/settings.json", "{\"hooks\": {}}\n"),
            (".gemini/settings.json", "{\"hooks\": {}}\n"),
            (".cursor/hooks.json", "{\"hooks\": {}}\n"),
            ("src/main.rs", "fn main() { println!(\"hello\"); }\n"),
            ("notes.txt", "hello\n"),
        ] {
            std::fs::write(project.join(f), text).unwrap();
        }
        for d in [
            ".claude",
            ".codex",
            ".gemini",
            ".cursor",
            ".local/bin",
            ".local/share/hookwarden",
            ".config/hookwarden",
            ".ssh",
        ] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        std::fs::write(home.join(".claude/settings.json"), "{}\n").unwrap();
        std::fs::write(
            home.join(".codex/config.toml"),
            "[features]\nhooks = true\n",
        )
        .unwrap();
        std::fs::write(home.join(".codex/hooks.json"), "{}\n").unwrap();
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_hookwarden"));
        std::os::unix::fs::symlink(&bin, home.join(".local/bin/hookwarden")).unwrap();
        Home {
            _dir: dir,
            home,
            project,
            bin,
        }
    }

    fn expand(&self, s: &str) -> String {
        let s = s.replace("$BIN", &self.bin.display().to_string());
        s.replace("~/", &format!("{}/", self.home.display()))
    }

    /// An absolute path for a file tool: `~/x` under the home, relative under the project.
    fn abs(&self, p: &str) -> String {
        let p = self.expand(p);
        if p.starts_with('/') {
            p
        } else {
            self.project.join(p).display().to_string()
        }
    }

    fn audit_path(&self) -> PathBuf {
        self.home.join(".local/share/hookwarden/audit.jsonl")
    }

    /// Runs one payload through the hook; the effect and fired rule ids from its audit line.
    fn run(&self, runtime: &str, payload: &Value) -> (String, Vec<String>, String) {
        let before = std::fs::read_to_string(self.audit_path())
            .map(|s| s.lines().count())
            .unwrap_or(0);
        let mut child = Command::new(&self.bin)
            .args(["hook", "--runtime", runtime])
            .env_clear()
            .env("HOME", &self.home)
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.home.join(".local/bin").display()
                ),
            )
            .current_dir(&self.project)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let answer = String::from_utf8_lossy(&out.stdout).to_string();
        let log = std::fs::read_to_string(self.audit_path()).unwrap_or_default();
        let Some(line) = log.lines().nth(before) else {
            return ("(no audit line)".into(), Vec::new(), answer);
        };
        let rec: Value = serde_json::from_str(line).unwrap();
        let effect = rec["effect"].as_str().unwrap_or("").to_string();
        let rules = rec["fired"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (effect, rules, answer)
    }
}

/// The payloads of one corpus line: (runtime, shape, payload).
fn shapes(h: &Home, case: &Value) -> Vec<(&'static str, &'static str, Value)> {
    let cwd = h.project.display().to_string();
    let claude = |tool: &str, input: Value| {
        json!({"session_id": "tamper", "cwd": cwd, "hook_event_name": "PreToolUse",
               "permission_mode": "default", "tool_name": tool, "tool_input": input,
               "tool_use_id": "toolu_tamper"})
    };
    let codex = |tool: &str, input: Value| {
        json!({"session_id": "tamper", "turn_id": "t1", "cwd": cwd,
               "hook_event_name": "PreToolUse", "model": "gpt-5.5",
               "permission_mode": "bypassPermissions", "tool_name": tool,
               "tool_input": input, "tool_use_id": "call_tamper"})
    };
    let gemini = |tool: &str, input: Value| {
        json!({"session_id": "tamper", "cwd": cwd, "hook_event_name": "BeforeTool",
               "timestamp": "2026-12-03T10:00:00.000Z", "tool_name": tool, "tool_input": input})
    };
    let mut out = Vec::new();
    if let Some(cmd) = case["shell"].as_str() {
        let cmd = h.expand(cmd);
        out.push(("claude", "shell", claude("Bash", json!({"command": cmd}))));
        out.push(("codex", "shell", codex("Bash", json!({"command": cmd}))));
        out.push((
            "gemini",
            "shell",
            gemini("run_shell_command", json!({"command": cmd})),
        ));
    }
    if let Some(w) = case.get("write") {
        let path = h.abs(w["path"].as_str().unwrap());
        let content = w["content"].as_str().unwrap();
        out.push((
            "claude",
            "write",
            claude("Write", json!({"file_path": path, "content": content})),
        ));
        out.push((
            "gemini",
            "write",
            gemini("write_file", json!({"file_path": path, "content": content})),
        ));
        let added: String = content.lines().map(|l| format!("+{l}\n")).collect();
        let patch = format!("*** Begin Patch\n*** Add File: {path}\n{added}*** End Patch\n");
        out.push((
            "codex",
            "patch",
            codex("apply_patch", json!({"command": patch})),
        ));
    }
    if let Some(e) = case.get("edit") {
        let path = h.abs(e["path"].as_str().unwrap());
        let (old, new) = (e["old"].as_str().unwrap(), e["new"].as_str().unwrap());
        out.push((
            "claude",
            "edit",
            claude(
                "Edit",
                json!({"file_path": path, "old_string": old, "new_string": new}),
            ),
        ));
        out.push((
            "gemini",
            "edit",
            gemini(
                "replace",
                json!({"file_path": path, "old_string": old, "new_string": new,
                       "instruction": "edit"}),
            ),
        ));
        let patch = format!(
            "*** Begin Patch\n*** Update File: {path}\n@@\n-{old}\n+{new}\n*** End Patch\n"
        );
        out.push((
            "codex",
            "patch",
            codex("apply_patch", json!({"command": patch})),
        ));
    }
    if let Some(p) = case["patch"].as_str() {
        let p = h.expand(p);
        out.push((
            "codex",
            "patch",
            codex("apply_patch", json!({"command": p})),
        ));
    }
    out
}

fn holds(expect: &str, rule: &str, effect: &str, rules: &[String]) -> bool {
    let stopped = matches!(effect, "ask" | "deny" | "terminate");
    let by_rule = rule.is_empty() || rules.iter().any(|r| r.starts_with(rule));
    match expect {
        "deny" => matches!(effect, "deny" | "terminate") && by_rule,
        "stop" => stopped && by_rule,
        "allow" => !stopped,
        other => panic!("unknown expect `{other}`"),
    }
}

#[test]
fn tamper_battery() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/tamper");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the tamper corpus is missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());
    let h = Home::new();
    // (family, runtime) -> (held, total)
    let mut tally: BTreeMap<(String, &str), (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut lines = 0;
    for file in &files {
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            lines += 1;
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            let expect = case["expect"].as_str().unwrap();
            let rule = case["rule"].as_str().unwrap_or("");
            let family = case["family"].as_str().unwrap_or("").to_string();
            let payloads = shapes(&h, &case);
            assert!(
                !payloads.is_empty(),
                "{}:{}: no shape",
                file.display(),
                n + 1
            );
            for (runtime, shape, payload) in payloads {
                let (effect, rules, answer) = h.run(runtime, &payload);
                let ok = holds(expect, rule, &effect, &rules);
                let t = tally.entry((family.clone(), runtime)).or_default();
                t.1 += 1;
                if ok {
                    t.0 += 1;
                } else {
                    misses.push(format!(
                        "{} [{runtime} {shape}] expected {expect} {rule}, got {effect} {rules:?} {}",
                        case["id"].as_str().unwrap_or("?"),
                        answer.trim().chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    let mut report = String::new();
    let (mut held, mut total) = (0, 0);
    for ((family, runtime), (ok, all)) in &tally {
        report.push_str(&format!("{family:>14} {runtime:>7}: {ok}/{all}\n"));
        held += ok;
        total += all;
    }
    eprintln!("tamper battery: {lines} lines, {held}/{total} payloads as expected\n{report}");
    assert!(
        misses.is_empty(),
        "{} of {total} payloads not as expected:\n{}",
        misses.len(),
        misses.join("\n")
    );
}
