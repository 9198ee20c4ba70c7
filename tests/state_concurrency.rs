//! State across hook processes, through the built binary: rate limits under 50 parallel
//! calls, recovery from a damaged state file, approvals for Claude (ask) and Codex (code),
//! escalation, alerts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::pty::Answer;
use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::path::Path;

/// A sandbox running as `alice` under `policy` as the user policy, with `project/` for events.
fn sandbox(policy: &str) -> Sandbox {
    let env = Sandbox::new().with_env("HOOKWARDEN_USER", "alice");
    env.mkdir("project");
    env.write("user-policy.toml", policy);
    env
}

/// A Claude Bash call in `project/`.
fn shell(env: &Sandbox, session: &str, command: &str) -> Value {
    json!({
        "session_id": session,
        "cwd": env.p("project"),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": command },
    })
}

/// The same call as Codex sends it.
fn codex_shell(env: &Sandbox, session: &str, command: &str) -> Value {
    let mut v = shell(env, session, command);
    v["turn_id"] = json!("turn-1");
    v["model"] = json!("gpt-5-codex");
    v
}

fn stdout_json(o: &Run) -> Value {
    let s = &o.stdout;
    if s.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {s}"))
}

fn decision(o: &Run) -> String {
    stdout_json(o)["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn reason(o: &Run) -> String {
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
    let env = sandbox(RATE_POLICY);
    let payload = shell(&env, "sess-rate", "echo hello");
    let outputs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| s.spawn(|| env.hook("claude", &payload)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let denied = outputs.iter().filter(|o| decision(o) == "deny").count();
    let passed = outputs
        .iter()
        .filter(|o| o.success() && o.stdout.is_empty())
        .count();
    assert_eq!(denied, 30, "the 21st to 50th call are over the limit");
    assert_eq!(passed, 20);
    for o in &outputs {
        assert!(
            !o.stderr.contains("unreadable"),
            "no call saw a damaged state file"
        );
    }
    // Every decision is in the audit log, whole, once.
    let audit = env.audit_lines();
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
    assert!(
        verify.code == 0 && verify.stdout.contains("OK: seq 1-50 intact"),
        "{}",
        verify.stdout
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
    let other = env.hook("claude", &shell(&env, "sess-other", "echo hello"));
    assert_eq!(decision(&other), "");
}

#[test]
fn a_truncated_state_file_is_recovered_with_a_warning() {
    let env = sandbox(RATE_POLICY);
    let payload = shell(&env, "sess-trunc", "echo hello");
    for _ in 0..3 {
        assert!(env.hook("claude", &payload).success());
    }
    let path = env.p("data/state.json");
    let text = std::fs::read(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let o = env.hook("claude", &payload);
    assert!(o.success());
    let stderr = o.stderr;
    assert!(
        stderr.contains("warning") && stderr.contains("unreadable"),
        "{stderr}"
    );
    assert!(env.p("data/state.json.corrupt").exists());
    // Counting goes on from empty state, and the file is whole again.
    let state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(state["rates"].as_object().unwrap().len(), 1);
    let o = env.hook("claude", &payload);
    assert!(o.stderr.is_empty());
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
    let env = sandbox(APPROVAL_POLICY);
    let o = env.hook("claude", &shell(&env, "claude-s1", "make deploy"));
    assert_eq!(decision(&o), "ask");
    assert!(reason(&o).contains("release-manager"), "{}", reason(&o));
    assert!(!reason(&o).contains("hookwarden approve"));
    let list = env.run(&["approvals"]);
    assert!(list.stdout.contains("No pending"));
}

#[test]
fn codex_deny_approve_then_the_same_call_passes() {
    let env = sandbox(APPROVAL_POLICY);
    let call = codex_shell(&env, "codex-s1", "make deploy");
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
    let text = list.stdout;
    assert!(
        text.contains(&code) && text.contains("pending") && text.contains("make deploy"),
        "{text}"
    );

    let bad = env.cmd(&["approve", "ZZZZZZ"]).on_tty(Answer::Nonce);
    assert_eq!(bad.code, 1);
    assert!(bad.screen.contains("no approval request has code ZZZZZZ"));

    let ok = env
        .cmd(&["approve", &code.to_lowercase(), "--note", "CHG-42"])
        .on_tty(Answer::Nonce);
    assert_eq!(ok.code, 0, "{}", ok.screen);
    assert!(ok.screen.contains("Approved"));

    // Another session, or another command, is not covered.
    assert_eq!(
        decision(&env.hook("codex", &codex_shell(&env, "codex-s2", "make deploy"))),
        "deny"
    );
    assert_eq!(
        decision(&env.hook(
            "codex",
            &codex_shell(&env, "codex-s1", "make deploy VERSION=2")
        )),
        "deny"
    );
    // A deny from another rule still stands, and does not use up the approval.
    let frozen = env.hook_with("codex", &call, &[("HOOKWARDEN_ENV", "freeze")]);
    assert_eq!(decision(&frozen), "deny");
    assert!(reason(&frozen).contains("no-deploy-in-freeze"));

    // The same call passes.
    let pass = env.hook("codex", &call);
    assert!(pass.success());
    assert_eq!(stdout_json(&pass), Value::Null, "allow is silent");
    // --once: the next identical call needs a new approval.
    let again = env.hook("codex", &call);
    assert_eq!(decision(&again), "deny");
    assert!(!reason(&again).contains(&code));
    assert_eq!(env.cmd(&["approve", &code]).on_tty(Answer::Nonce).code, 1);

    // The audit log says who approved what, and that the retry passed because of it.
    let audit = env.audit_lines();
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
    let env = sandbox(APPROVAL_POLICY);
    let call = codex_shell(&env, "codex-t", "make deploy");
    let r = reason(&env.hook("codex", &call));
    let code = r.split("hookwarden approve ").nth(1).unwrap()[..6].to_string();
    assert_eq!(
        env.cmd(&["approve", &code, "--for", "30m"])
            .on_tty(Answer::Nonce)
            .code,
        0
    );
    for _ in 0..3 {
        assert_eq!(stdout_json(&env.hook("codex", &call)), Value::Null);
    }
    let list = env.run(&["approvals"]).stdout;
    let me = hookwarden::approvers::user_name(rustix::process::getuid().as_raw()).unwrap();
    assert!(list.contains("granted") && list.contains(&me), "{list}");
    let bad = env.run(&["approve", &code, "--for", "soon"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn repeated_denials_stop_the_session() {
    let env = sandbox(
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
    let bad = shell(&env, "esc-1", "curl http://example.com");
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
    let harmless = stdout_json(&env.hook("claude", &shell(&env, "esc-1", "ls")));
    assert_eq!(harmless["continue"], false);
    let codex = env.hook("codex", &codex_shell(&env, "esc-1", "ls"));
    assert_eq!(decision(&codex), "deny");
    assert!(reason(&codex).contains("stopped"));
    assert_eq!(
        stdout_json(&env.hook("claude", &shell(&env, "esc-2", "ls"))),
        Value::Null
    );
    let audit = env.audit_lines();
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
    let env = sandbox("");
    let alerts = env.p("alerts.jsonl");
    let forwarded = env.p("forwarded.jsonl");
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
    env.write("user-policy.toml", &policy);
    for _ in 0..3 {
        assert!(env
            .hook("claude", &shell(&env, "al-1", "wget http://example.com/x"))
            .success());
    }
    env.hook("claude", &shell(&env, "al-2", "wget http://example.com/x"));
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
    let env = sandbox(
        r#"
[alerts]
command = ["/nonexistent/alert-forwarder"]

[[rule]]
id = "wget-watched"
effect = "alert"
when = { program = "wget" }
"#,
    );
    let o = env.hook("claude", &shell(&env, "al-x", "wget http://example.com/x"));
    assert!(o.success());
    assert!(o.stderr.contains("alert command"));
}

#[test]
fn a_project_policy_cannot_name_alert_sinks() {
    let env = sandbox("");
    let proj = env.p("project/.hookwarden");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("policy.toml"),
        "[alerts]\ncommand = [\"sh\", \"-c\", \"touch pwned\"]\n[[rule]]\nid = \"w\"\neffect = \"alert\"\nwhen = { program = \"wget\" }\n",
    )
    .unwrap();
    let o = env.hook("claude", &shell(&env, "p-1", "wget http://example.com"));
    assert!(o.success());
    assert!(o
        .stderr
        .contains("[alerts] is only read from org and user policies"));
}
