//! Runs the shell corpus (`tests/corpus/shell/*.jsonl`) through the default policy and reports,
//! per category, how many dangerous commands were stopped and how many safe ones were allowed.
//!
//! One JSON object a line: `{"cmd": ..., "expect": "deny|ask|alert|allow", "category": ...,
//! "cwd": optional}`. Any line whose effect differs from `expect` fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::decision::Effect;
use hookwarden::event::RuntimeKind;
use hookwarden::policy::{self, model::PolicyTest, testing};
use hookwarden::runtime;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Default)]
struct Tally {
    dangerous: usize,
    stopped: usize,
    safe: usize,
    allowed: usize,
}

fn stops(e: Effect) -> bool {
    matches!(e, Effect::Ask | Effect::Deny | Effect::Terminate)
}

#[test]
fn shell_corpus() {
    let layer = policy::default_layer().unwrap();
    let compiled = policy::compile(&[layer]).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/shell");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("shell corpus missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            let cmd = v["cmd"].as_str().unwrap().to_string();
            let expect: Effect = serde_json::from_value(v["expect"].clone()).unwrap();
            let category = v["category"]
                .as_str()
                .unwrap_or("uncategorized")
                .to_string();
            let t = PolicyTest {
                command: Some(cmd.clone()),
                cwd: v["cwd"].as_str().map(|s| s.to_string()),
                expect,
                ..PolicyTest::default()
            };
            let ev = testing::event_for(&t);
            let d = testing::decide(&compiled, &ev);
            let got = d.would_effect;
            total += 1;
            let tally = tallies.entry(category.clone()).or_default();
            if stops(expect) {
                tally.dangerous += 1;
                tally.stopped += usize::from(stops(got));
            } else {
                tally.safe += 1;
                tally.allowed += usize::from(!stops(got));
            }
            if got != expect {
                failures.push(format!(
                    "{}:{} [{category}] expected {expect}, got {got} (rules: {}): {cmd}",
                    file.file_name().unwrap().to_string_lossy(),
                    n + 1,
                    d.rule_ids.join(", ")
                ));
            }
        }
    }
    let (mut d_all, mut s_all, mut safe_all, mut a_all) = (0, 0, 0, 0);
    println!(
        "\n{:<28} {:>16} {:>16}",
        "category", "dangerous stopped", "safe allowed"
    );
    for (cat, t) in &tallies {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "-".to_string()
            } else {
                format!("{a}/{b} {:.0}%", 100.0 * a as f64 / b as f64)
            }
        };
        println!(
            "{:<28} {:>16} {:>16}",
            cat,
            pct(t.stopped, t.dangerous),
            pct(t.allowed, t.safe)
        );
        d_all += t.dangerous;
        s_all += t.stopped;
        safe_all += t.safe;
        a_all += t.allowed;
    }
    println!(
        "{:<28} {:>16} {:>16}\n{total} commands; catch rate {:.1}%, false-positive rate {:.1}%",
        "TOTAL",
        format!("{s_all}/{d_all}"),
        format!("{a_all}/{safe_all}"),
        100.0 * s_all as f64 / d_all.max(1) as f64,
        100.0 * (safe_all - a_all) as f64 / safe_all.max(1) as f64
    );
    assert!(total >= 400, "corpus has only {total} commands");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every corpus command (file, line, command, expected effect).
fn corpus() -> Vec<(String, usize, String, Effect)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/shell");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("shell corpus missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line).unwrap();
            if v.get("cwd").is_some() {
                continue;
            }
            let expect: Effect = serde_json::from_value(v["expect"].clone()).unwrap();
            rows.push((
                name.clone(),
                n + 1,
                v["cmd"].as_str().unwrap().to_string(),
                expect,
            ));
        }
    }
    assert!(
        !rows.is_empty(),
        "no corpus commands without a cwd in {}",
        dir.display()
    );
    rows
}

fn recorded(runtime: &str, name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(runtime)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["cwd"] = json!(testing::TEST_CWD);
    v
}

/// The same command reaches the same decision whichever runtime sends it, in the payload
/// shapes recorded from the real CLIs: Codex's `Bash` (a string) and `shell` (an argv such as
/// `["bash", "-lc", cmd]`), and Gemini's `run_shell_command`.
#[test]
fn every_runtime_decides_the_corpus_alike() {
    let layer = policy::default_layer().unwrap();
    let compiled = policy::compile(&[layer]).unwrap();
    let codex = recorded("codex", "PreToolUse_Bash");
    let gemini = recorded("gemini", "BeforeTool_run_shell_command");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (file, line, cmd, expect) in corpus() {
        let mut shapes: Vec<(&str, RuntimeKind, Value)> = Vec::new();
        let mut v = codex.clone();
        v["tool_input"]["command"] = json!(cmd);
        shapes.push(("codex Bash", RuntimeKind::Codex, v));
        let mut v = codex.clone();
        v["tool_name"] = json!("shell");
        v["tool_input"] = json!({ "command": ["bash", "-lc", cmd] });
        shapes.push(("codex shell argv", RuntimeKind::Codex, v));
        let mut v = gemini.clone();
        v["tool_input"]["command"] = json!(cmd);
        shapes.push(("gemini run_shell_command", RuntimeKind::Gemini, v));
        for (label, kind, raw) in shapes {
            let ev = runtime::profile(kind).unwrap().adapter.parse(&raw).unwrap();
            let got = testing::decide(&compiled, &ev).would_effect;
            checked += 1;
            if got != expect {
                failures.push(format!(
                    "{file}:{line} via {label}: expected {expect}, got {got}: {cmd}"
                ));
            }
        }
    }
    println!("{checked} runtime payloads checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
