//! State across hook processes, through the built binary: rate limits under 50 parallel
//! calls, recovery from a damaged state file, approvals for Claude (ask) and Codex (code),
//! escalation, alerts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::pty::{on_tty, Answer, TtyRun};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(policy: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        std::fs::write(dir.path().join("user-policy.toml"), policy).unwrap();
        Env { dir }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hookwarden"));
        c.args(args)
            .env("HOOKWARDEN_DATA_DIR", self.p("data"))
            .env("HOOKWARDEN_AUDIT", self.p("audit.jsonl"))
            .env("HOOKWARDEN_USER_POLICY", self.p("user-policy.toml"))
            .env("HOOKWARDEN_ORG_POLICY", self.p("no-org-policy.toml"))
            .env("HOOKWARDEN_CONFIG_DIR", self.p("config"))
            .env("HOOKWARDEN_USER", "alice")
            .env("HOOKWARDEN_SYSTEM_DIR", self.p("system"))
            .env_remove("HOOKWARDEN_ALERTS_FILE")
            .env_remove("HOOKWARDEN_ENV");
        c
    }

    fn hook_with(&self, runtime: &str, payload: &Value, extra: &[(&str, &str)]) -> Output {
        let mut c = self.cmd(&["hook", "--runtime", runtime]);
        for (k, v) in extra {
            c.env(k, v);
        }
        let mut child = c
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
        child.wait_with_output().unwrap()
    }

    fn hook(&self, runtime: &str, payload: &Value) -> Output {
        self.hook_with(runtime, payload, &[])
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// `hookwarden approve ...` typed by a person at a terminal.
    fn approve(&self, args: &[&str]) -> TtyRun {
        let mut a = vec!["approve"];
        a.extend_from_slice(args);
        on_tty(&self.cmd(&a), Answer::Nonce)
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.p("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every audit line is whole JSON"))
            .collect()
    }

    fn shell(&self, session: &str, command: &str) -> Value {
        json!({
            "session_id": session,
            "cwd": self.p("project"),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": { "command": command },
        })
    }

    fn codex_shell(&self, session: &str, command: &str) -> Value {
        let mut v = self.shell(session, command);
        v["turn_id"] = json!("turn-1");
        v["model"] = json!("gpt-5-codex");
        v
    }
}

fn stdout_json(o: &Output) -> Value {
    let s = String::from_utf8_lossy(&o.stdout);
    if s.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {s}"))
}

fn decision(o: &Output) -> String {
    stdout_json(o)["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn reason(o: &Output) -> String {
    stdout_json(o)["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

const RATE_POLICY: &str = r#"
[policy]
name = "rate"

[[rule]]
id = "too-many-echoes"
effect = "deny"
reason = "More than 20 echo commands per hour in one session."
when = { program = "echo" }
rate_limit = { max = 20, window = "1h" }
"#;

#[test]
fn fifty_parallel_hook_calls_count_exactly() {
    let env = Env::new(RATE_POLICY);
    let payload = env.shell("sess-rate", "echo hello");
    let outputs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| s.spawn(|| env.hook("claude", &payload)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let denied = outputs.iter().filter(|o| decision(o) == "deny").count();
    let passed = outputs
        .iter()
        .filter(|o| o.status.success() && o.stdout.is_empty())
        .count();
    assert_eq!(denied, 30, "the 21st to 50th call are over the limit");
    assert_eq!(passed, 20);
    for o in &outputs {
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("unreadable"),
            "no call saw a damaged state file"
        );
    }
    // Every decision is in the audit log, whole, once.
    let audit = env.audit();
    assert_eq!(audit.len(), 50);
    let mut ids: Vec<&str> = audit
        .iter()
        .map(|r| r["decision_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    // Parallel appends still form one unbroken chain.
    let verify = env.run(&["audit", "verify"]);
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && out.contains("OK: seq 1-50 intact"),
        "{out}"
    );
    let fired = audit
        .iter()
        .filter(|r| r["rule_ids"].to_string().contains("too-many-echoes"))
        .count();
    assert_eq!(fired, 30);
    // The state file is whole and holds the bounded counter.
    let state: Value =
        serde_json::from_slice(&std::fs::read(env.p("data/state.json")).unwrap()).unwrap();
    let rates = state["rates"].as_object().unwrap();
    assert_eq!(rates.len(), 1);
    assert_eq!(rates.values().next().unwrap().as_array().unwrap().len(), 21);
    // Another session has its own count.
    let other = env.hook("claude", &env.shell("sess-other", "echo hello"));
    assert_eq!(decision(&other), "");
}

#[test]
fn a_truncated_state_file_is_recovered_with_a_warning() {
    let env = Env::new(RATE_POLICY);
    let payload = env.shell("sess-trunc", "echo hello");
    for _ in 0..3 {
        assert!(env.hook("claude", &payload).status.success());
    }
    let path = env.p("data/state.json");
    let text = std::fs::read(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let o = env.hook("claude", &payload);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("unreadable"),
        "{stderr}"
    );
    assert!(env.p("data/state.json.corrupt").exists());
    // Counting goes on from empty state, and the file is whole again.
    let state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(state["rates"].as_object().unwrap().len(), 1);
    let o = env.hook("claude", &payload);
    assert!(String::from_utf8_lossy(&o.stderr).is_empty());
}

const APPROVAL_POLICY: &str = r#"
[policy]
name = "approvals"

[[rule]]
id = "deploy-needs-approval"
effect = "ask"
approver_role = "release-manager"
reason = "Production deploys need a release manager's approval."
when = { program = "make", args_any = ["deploy"] }

[[rule]]
id = "no-deploy-in-freeze"
effect = "deny"
reason = "Deploy freeze."
when = { program = "make", args_any = ["deploy"], env = { HOOKWARDEN_ENV = "freeze" } }
"#;

#[test]
fn claude_gets_ask_with_the_approver_role_and_no_code() {
    let env = Env::new(APPROVAL_POLICY);
    let o = env.hook("claude", &env.shell("claude-s1", "make deploy"));
    assert_eq!(decision(&o), "ask");
    assert!(reason(&o).contains("release-manager"), "{}", reason(&o));
    assert!(!reason(&o).contains("hookwarden approve"));
    let list = env.run(&["approvals"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("No pending"));
}

#[test]
fn codex_deny_approve_then_the_same_call_passes() {
    let env = Env::new(APPROVAL_POLICY);
    let call = env.codex_shell("codex-s1", "make deploy");
    let o = env.hook("codex", &call);
    assert_eq!(decision(&o), "deny");
    let r = reason(&o);
    assert!(r.contains("release-manager"), "{r}");
    let code = r
        .split("hookwarden approve ")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .unwrap_or_else(|| panic!("no code in: {r}"))
        .to_string();
    assert_eq!(code.len(), 6);
    // A retry before approval is denied with the same code.
    assert!(reason(&env.hook("codex", &call)).contains(&code));

    let list = env.run(&["approvals"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains(&code) && text.contains("pending") && text.contains("make deploy"),
        "{text}"
    );

    let bad = env.approve(&["ZZZZZZ"]);
    assert_eq!(bad.code, 1);
    assert!(bad.screen.contains("no approval request has code ZZZZZZ"));

    let ok = env.approve(&[&code.to_lowercase(), "--note", "CHG-42"]);
    assert_eq!(ok.code, 0, "{}", ok.screen);
    assert!(ok.screen.contains("Approved"));

    // Another session, or another command, is not covered.
    assert_eq!(
        decision(&env.hook("codex", &env.codex_shell("codex-s2", "make deploy"))),
        "deny"
    );
    assert_eq!(
        decision(&env.hook(
            "codex",
            &env.codex_shell("codex-s1", "make deploy VERSION=2")
        )),
        "deny"
    );
    // A deny from another rule still stands, and does not use up the approval.
    let frozen = env.hook_with("codex", &call, &[("HOOKWARDEN_ENV", "freeze")]);
    assert_eq!(decision(&frozen), "deny");
    assert!(reason(&frozen).contains("no-deploy-in-freeze"));

    // The same call passes.
    let pass = env.hook("codex", &call);
    assert!(pass.status.success());
    assert_eq!(stdout_json(&pass), Value::Null, "allow is silent");
    // --once: the next identical call needs a new approval.
    let again = env.hook("codex", &call);
    assert_eq!(decision(&again), "deny");
    assert!(!reason(&again).contains(&code));
    assert_eq!(env.approve(&[&code]).code, 1);

    // The audit log says who approved what, and that the retry passed because of it.
    let audit = env.audit();
    let grant = audit
        .iter()
        .find(|r| r["event"]["event_name"] == "hookwarden approve")
        .expect("the approval is audited");
    // The approver is the OS user, whatever $HOOKWARDEN_USER says.
    let uid = rustix::process::getuid().as_raw();
    let me = hookwarden::approvers::user_name(uid).unwrap();
    assert_eq!(grant["context"]["approved_by"], me.as_str());
    assert_eq!(grant["context"]["approved_uid"], uid);
    assert_eq!(grant["context"]["note"], "CHG-42");
    assert_eq!(grant["approval_code"], code.as_str());
    assert!(audit.iter().any(|r| r["effect"] == "allow"
        && r["rule_ids"].to_string().contains("hookwarden.approval")
        && r["would_effect"] == "ask"));
}

#[test]
fn a_timed_approval_covers_retries_until_it_lapses() {
    let env = Env::new(APPROVAL_POLICY);
    let call = env.codex_shell("codex-t", "make deploy");
    let r = reason(&env.hook("codex", &call));
    let code = r.split("hookwarden approve ").nth(1).unwrap()[..6].to_string();
    assert_eq!(env.approve(&[&code, "--for", "30m"]).code, 0);
    for _ in 0..3 {
        assert_eq!(stdout_json(&env.hook("codex", &call)), Value::Null);
    }
    let list = String::from_utf8_lossy(&env.run(&["approvals"]).stdout).to_string();
    let me = hookwarden::approvers::user_name(rustix::process::getuid().as_raw()).unwrap();
    assert!(list.contains("granted") && list.contains(&me), "{list}");
    let bad = env.run(&["approve", &code, "--for", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn repeated_denials_stop_the_session() {
    let env = Env::new(
        r#"
[policy]
name = "escalation"
escalation = { max_denials = 3, window = "10m" }

[[rule]]
id = "no-curl"
effect = "deny"
reason = "No curl."
when = { program = "curl" }
"#,
    );
    let bad = env.shell("esc-1", "curl http://example.com");
    for _ in 0..2 {
        let o = env.hook("claude", &bad);
        assert_eq!(decision(&o), "deny");
        assert_ne!(stdout_json(&o)["continue"], false);
    }
    let third = stdout_json(&env.hook("claude", &bad));
    assert_eq!(third["continue"], false, "{third}");
    assert!(third["stopReason"]
        .as_str()
        .unwrap()
        .contains("hookwarden.escalation"));
    // Everything else in that session is refused too; other sessions are not affected.
    let harmless = stdout_json(&env.hook("claude", &env.shell("esc-1", "ls")));
    assert_eq!(harmless["continue"], false);
    let codex = env.hook("codex", &env.codex_shell("esc-1", "ls"));
    assert_eq!(decision(&codex), "deny");
    assert!(reason(&codex).contains("stopped"));
    assert_eq!(
        stdout_json(&env.hook("claude", &env.shell("esc-2", "ls"))),
        Value::Null
    );
    let audit = env.audit();
    let stops = audit
        .iter()
        .filter(|r| r["rule_ids"].to_string().contains("hookwarden.escalation"))
        .count();
    assert_eq!(stops, 3);
    assert!(audit.iter().any(|r| r["effect"] == "terminate"));
}

fn wait_for_lines(path: &Path, n: usize) -> Vec<Value> {
    // The command sink runs detached; poll for its output instead of sleeping a fixed time.
    for _ in 0..200 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= n {
            return text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("{} never got {n} lines", path.display());
}

#[test]
fn alerts_go_to_file_and_command_once_per_rule_and_session() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.jsonl");
    let forwarded = dir.path().join("forwarded.jsonl");
    let policy = format!(
        r#"
[policy]
name = "alerts"

[alerts]
on = ["alert", "deny"]
file = "{}"
command = ["sh", "-c", "cat >> {}"]
dedup_window = "10m"

[[rule]]
id = "wget-watched"
effect = "alert"
reason = "wget downloads are watched."
when = {{ program = "wget" }}
"#,
        alerts.display(),
        forwarded.display()
    );
    let env = Env::new(&policy);
    for _ in 0..3 {
        assert!(env
            .hook("claude", &env.shell("al-1", "wget http://example.com/x"))
            .status
            .success());
    }
    env.hook("claude", &env.shell("al-2", "wget http://example.com/x"));
    // The default policy's alert on downloads from unlisted hosts fires too: two rules.
    let lines = wait_for_lines(&alerts, 4);
    assert_eq!(lines.len(), 4, "{lines:?}");
    let ours: Vec<_> = lines
        .iter()
        .filter(|l| l["rule_id"] == "wget-watched")
        .collect();
    assert_eq!(ours.len(), 2, "one alert per rule and session: {lines:?}");
    assert_eq!(ours[0]["session_id"], "al-1");
    assert_eq!(ours[1]["session_id"], "al-2");
    let fwd = wait_for_lines(&forwarded, 4);
    assert!(fwd.iter().any(|l| l["rule_id"] == "wget-watched"));
}

#[test]
fn a_broken_alert_command_does_not_break_the_hook() {
    let env = Env::new(
        r#"
[alerts]
command = ["/nonexistent/alert-forwarder"]

[[rule]]
id = "wget-watched"
effect = "alert"
when = { program = "wget" }
"#,
    );
    let o = env.hook("claude", &env.shell("al-x", "wget http://example.com/x"));
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("alert command"));
}

#[test]
fn a_project_policy_cannot_name_alert_sinks() {
    let env = Env::new("");
    let proj = env.p("project/.hookwarden");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("policy.toml"),
        "[alerts]\ncommand = [\"sh\", \"-c\", \"touch pwned\"]\n[[rule]]\nid = \"w\"\neffect = \"alert\"\nwhen = { program = \"wget\" }\n",
    )
    .unwrap();
    let o = env.hook("claude", &env.shell("p-1", "wget http://example.com"));
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("[alerts] is only read from org and user policies"));
}
