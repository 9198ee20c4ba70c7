//! Team approvals through the built binary, against a stand-in for the service: every
//! runtime files an enforced ask with the org's service and follows its answer (pending,
//! approved, rejected, unreachable); a user policy cannot name a service.
//! The real service, in a real browser: tests/serve/run.sh.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// Answers every filing with the current `status`; keeps what was sent.
struct FakeService {
    url: String,
    status: Arc<Mutex<String>>,
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

impl FakeService {
    fn start() -> FakeService {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let status = Arc::new(Mutex::new("pending".to_string()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (st, sn) = (status.clone(), seen.clone());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut s) = conn else { continue };
                let mut got = Vec::new();
                let mut buf = [0u8; 8192];
                let (head, body) = loop {
                    let n = s.read(&mut buf).unwrap_or(0);
                    if n == 0 {
                        break (String::new(), String::new());
                    }
                    got.extend_from_slice(&buf[..n]);
                    let t = String::from_utf8_lossy(&got).to_string();
                    if let Some((h, b)) = t.split_once("\r\n\r\n") {
                        let len: usize = h
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if b.len() >= len {
                            break (h.to_string(), b.to_string());
                        }
                    }
                };
                let auth = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Authorization: "))
                    .unwrap_or("")
                    .to_string();
                let filed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                sn.lock().unwrap().push((auth, filed.clone()));
                let status = st.lock().unwrap().clone();
                // As the service does: the request as it was filed, with its outcome.
                let mut answer = json!({
                    "id": "rtest1", "status": status, "path": "/requests/rtest1",
                    "approver_role": "release-manager", "decided_by": "alice",
                    "decided_role": "release-manager", "decided_at": 1_800_000_000,
                    "until": 1_800_003_600, "once": true, "note": "ticket 7 / not today"
                });
                for k in [
                    "runtime",
                    "session_id",
                    "tool",
                    "summary",
                    "detail",
                    "rule_ids",
                    "approver_role",
                ] {
                    answer[k] = filed[k].clone();
                }
                if status == "approved-forged" {
                    answer["status"] = json!("approved");
                    answer["detail"] = json!("ls");
                }
                let answer = answer.to_string();
                let _ = s.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    )
                    .as_bytes(),
                );
            }
        });
        FakeService { url, status, seen }
    }

    fn set(&self, status: &str) {
        *self.status.lock().unwrap() = status.to_string();
    }
}

const RULE: &str = r#"
[[rule]]
id = "deploy.production"
description = "Production deploys need a release manager."
boundary = "tool_request"
effect = "ask"
risk = 70
approver_role = "release-manager"
reason = "Deploying needs a release manager's approval."
when = { program = ["make"], args_regex = '(^| )deploy( |$)' }
"#;

fn sandbox(url: &str) -> Sandbox {
    let sb = Sandbox::new();
    let cred = sb.write("machine.token", "hwm_machine_secret\n");
    sb.write(
        "org-policy.toml",
        &format!(
            "[approvals.service]\nurl = \"{url}\"\ncredential_file = \"{}\"\n{RULE}",
            cred.display()
        ),
    );
    sb
}

fn fixture(path: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap()
}

/// A pre-tool shell call of `make deploy` in each runtime's own shape.
fn calls(sb: &Sandbox) -> Vec<(&'static str, Value)> {
    let work = sb.work().display().to_string();
    let mut codex = fixture("codex/PreToolUse_Bash.json");
    codex["tool_input"] = json!({ "command": "make deploy" });
    codex["cwd"] = json!(work);
    let mut claude = fixture("claude/PreToolUse_Bash.json");
    claude["tool_input"]["command"] = json!("make deploy");
    claude["cwd"] = json!(work);
    // The recorded payload is headless (bypassPermissions), where Claude shows no ask; an
    // interactive session's mode is what the ask path needs.
    claude["permission_mode"] = json!("default");
    let mut gemini = fixture("gemini/BeforeTool_run_shell_command.json");
    gemini["tool_input"]["command"] = json!("make deploy");
    gemini["cwd"] = json!(work);
    let cursor = |event: &str| {
        let mut v = json!({ "conversation_id": "c1", "generation_id": "g1", "model": "gpt-5",
            "hook_event_name": event, "cursor_version": "2.0",
            "workspace_roots": [work], "cwd": work, "user_email": null, "transcript_path": null });
        if event == "beforeShellExecution" {
            v["command"] = json!("make deploy");
        } else {
            v["tool_name"] = json!("Shell");
            v["tool_input"] = json!({ "command": "make deploy" });
            v["tool_use_id"] = json!("t1");
        }
        v
    };
    vec![
        ("codex", codex),
        ("claude", claude),
        ("gemini", gemini),
        ("cursor", cursor("preToolUse")),
        ("cursor", cursor("beforeShellExecution")),
    ]
}

fn last(sb: &Sandbox) -> Value {
    sb.audit_lines().pop().unwrap()
}

#[test]
fn every_runtime_files_with_the_service_and_follows_its_answer() {
    let svc = FakeService::start();
    let sb = sandbox(&svc.url);
    for (runtime, payload) in calls(&sb) {
        let event = payload["hook_event_name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        svc.set("pending");
        let r = sb.hook(runtime, &payload);
        let line = last(&sb);
        let pending = format!("Team approval pending: {}/requests/rtest1", svc.url);
        assert!(
            r.stdout.contains(&pending),
            "{runtime} {event}: {}",
            r.all()
        );
        // Where the runtime shows an ask (Claude, Cursor's shell execution) it stays one;
        // elsewhere the call is denied until the team approves.
        let can_ask = runtime == "claude" || event == "beforeShellExecution";
        let want = if can_ask { "ask" } else { "deny" };
        assert_eq!(line["effect"], want, "{runtime} {event}: {line}");
        assert!(line["approval_code"].is_null(), "no local code: {line}");

        svc.set("approved");
        let r = sb.hook(runtime, &payload);
        let line = last(&sb);
        assert_eq!(
            line["effect"],
            "allow",
            "{runtime} {event}: {} {line}",
            r.all()
        );
        assert_eq!(line["would_effect"], "ask");
        let text = line.to_string();
        assert!(
            text.contains("Approved by alice (role release-manager)"),
            "{text}"
        );
        assert!(
            text.contains("/requests/rtest1 (once); note: ticket 7"),
            "{text}"
        );

        // A request filed for this fingerprint by something else, describing another
        // command, grants nothing.
        svc.set("approved-forged");
        let r = sb.hook(runtime, &payload);
        assert_eq!(last(&sb)["effect"], "deny", "{runtime} {event}");
        assert!(
            r.stdout
                .contains("does not describe this action (its command differs)"),
            "{}",
            r.all()
        );

        svc.set("rejected");
        let r = sb.hook(runtime, &payload);
        let line = last(&sb);
        assert_eq!(line["effect"], "deny", "{runtime} {event}: {line}");
        assert!(
            r.stdout.contains(
                "Rejected by alice (role release-manager) in the team inbox: ticket 7 / not today"
            ),
            "{runtime} {event}: {}",
            r.all()
        );
    }
    // What the service was sent: the machine credential, the action's fingerprint, and what
    // a person needs to judge it.
    let seen = svc.seen.lock().unwrap();
    assert_eq!(seen.len(), 20);
    let (auth, body) = &seen[0];
    assert_eq!(auth, "Bearer hwm_machine_secret");
    assert_eq!(body["runtime"], "codex");
    assert_eq!(body["rule_ids"], json!(["deploy.production"]));
    assert_eq!(body["approver_role"], "release-manager");
    assert_eq!(body["detail"], "make deploy");
    assert_eq!(body["user"], "tester");
    assert!(body["action"].as_str().unwrap().len() >= 16);
    // The same call again is the same action.
    assert_eq!(seen[0].1["action"], seen[1].1["action"]);
}

#[test]
fn an_unreachable_service_denies_naming_it() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let sb = sandbox(&url);
    for (runtime, payload) in calls(&sb) {
        let r = sb.hook(runtime, &payload);
        assert!(
            r.stdout.contains(&format!(
                "the team approval service at {url} cannot be reached"
            )),
            "{runtime}: {}",
            r.all()
        );
        assert_eq!(last(&sb)["effect"], "deny", "{runtime}");
    }
}

/// A user policy (which the agent's user can write) cannot send approvals elsewhere: it is
/// ignored with a warning, and the local approval code is used.
#[test]
fn a_user_policy_cannot_name_the_service() {
    let svc = FakeService::start();
    let sb = Sandbox::new();
    let cred = sb.write("machine.token", "hwm_x\n");
    sb.write("org-policy.toml", RULE);
    sb.write(
        "user-policy.toml",
        &format!(
            "[approvals.service]\nurl = \"{}\"\ncredential_file = \"{}\"\n",
            svc.url,
            cred.display()
        ),
    );
    let codex = &calls(&sb)[0].1;
    let r = sb.hook("codex", codex);
    assert!(r.stdout.contains("hookwarden approve "), "{}", r.all());
    assert!(
        r.stderr
            .contains("[approvals] is only read from the org policy"),
        "{}",
        r.all()
    );
    assert!(svc.seen.lock().unwrap().is_empty());
}
