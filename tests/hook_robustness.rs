//! Bad input never crashes or hangs the hook: it gets a clear message, a documented answer,
//! and an audit line. Concurrent hooks never lose or interleave audit lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{fixture, Sandbox, GH_TOKEN};
use serde_json::json;

#[test]
fn empty_stdin_fails_closed_with_a_message() {
    let env = Sandbox::new();
    let r = env.run(&["hook", "--runtime", "claude"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("empty hook input"), "{}", r.stderr);
    let lines = env.audit_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["rule_ids"], json!(["hookwarden.input-error"]));
}

#[test]
fn invalid_json_fails_closed_on_every_runtime() {
    let env = Sandbox::new();
    for rt in ["claude", "codex", "gemini"] {
        let r = env.run_with_stdin(
            &["hook", "--runtime", rt],
            b"{\"hook_event_name\": \"PreToolUse\", ",
        );
        assert_eq!(r.code, 2, "{rt}");
        assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
    }
    assert_eq!(env.audit_lines().len(), 3);
}

#[test]
fn json_without_event_name_fails_closed() {
    let env = Sandbox::new();
    let r = env.run_with_stdin(&["hook", "--runtime", "claude"], b"[1,2,3]");
    assert_eq!(r.code, 2);
    let r = env.run_with_stdin(
        &["hook", "--runtime", "claude"],
        b"{\"tool_name\":\"Bash\"}",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("hook_event_name"), "{}", r.stderr);
}

#[test]
fn unknown_runtime_flag_fails_closed() {
    let env = Sandbox::new();
    let r = env.run_with_stdin(&["hook", "--runtime", "nosuch"], b"{}");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown runtime"));
}

#[test]
fn unknown_fields_and_unknown_tools_are_fine() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PreToolUse_Bash", &env.work());
    ev["brand_new_field"] = json!({"x": [1, 2]});
    ev["tool_name"] = json!("SomeFutureTool");
    ev["tool_input"] = json!({"whatever": true});
    let r = env.hook("claude", &ev);
    assert_eq!((r.code, r.stdout.trim()), (0, ""), "{}", r.stderr);
}

#[test]
fn binary_bytes_in_tool_output_are_survived() {
    let env = Sandbox::new();
    let ev = fixture("claude", "PostToolUse_Bash", &env.work());
    let mut bytes = ev.to_string().into_bytes();
    // Splice raw invalid UTF-8 into the stdout string.
    let pos = bytes
        .windows(15)
        .position(|w| w == b"harness-bash-ok")
        .unwrap();
    bytes.splice(pos..pos, [0xff, 0xfe, 0x00u8.wrapping_add(0x80), 0xc3]);
    let r = env.run_with_stdin(&["hook", "--runtime", "claude"], &bytes);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn fifty_megabyte_output_is_handled_and_secret_redacted() {
    let env = Sandbox::new();
    let mut ev = fixture("codex", "PostToolUse_Bash", &env.work());
    let line = "2026-11-23T10:00:00Z INFO request handled in 3ms path=/api/v1/items status=200\n";
    let mut out = line.repeat(50 * 1024 * 1024 / line.len());
    out.push_str(&format!("leaked {GH_TOKEN}\n"));
    ev["tool_response"] = json!(out);
    let r = env.hook("codex", &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["decision"], "block");
    let reason = v["reason"].as_str().unwrap();
    assert!(!reason.contains(GH_TOKEN));
    assert!(reason.ends_with("leaked [REDACTED:github-pat]\n") || reason.contains("[REDACTED:"));
    // The audit keeps a bounded, masked copy.
    let audit = env.audit_text();
    assert!(
        audit.len() < 64 * 1024,
        "audit line is {} bytes",
        audit.len()
    );
    assert!(!audit.contains(GH_TOKEN));
}

#[test]
fn broken_policy_fails_closed_at_pre_tool_with_file_line_col() {
    let env = Sandbox::new();
    let dir = env.work().join(".hookwarden");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "[policy]\nname = \"p\"\n\n[[rule]]\nid = \"x\"\neffect = \"dney\"\n",
    )
    .unwrap();
    let ev = fixture("claude", "PreToolUse_Bash", &env.work());
    let v = env.hook("claude", &ev).json();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    let reason = v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("policy.toml:6:"), "{reason}");
    assert!(reason.contains("hookwarden.policy-broken"), "{reason}");

    // Other boundaries keep the embedded default's protection: secrets are still redacted.
    let mut post = fixture("claude", "PostToolUse_Bash", &env.work());
    post["tool_response"]["stdout"] = json!(format!("t={GH_TOKEN}"));
    let v = env.hook("claude", &post).json();
    assert!(v["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
        .as_str()
        .unwrap()
        .contains("[REDACTED:"));
    let lines = env.audit_lines();
    assert!(lines[1]["errors"][0]
        .as_str()
        .unwrap()
        .contains("policy file is broken"));
}

#[test]
fn unknown_policy_field_is_an_error_not_ignored() {
    let env = Sandbox::new();
    let dir = env.work().join(".hookwarden");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "[[rule]]\nid = \"x\"\neffect = \"deny\"\nwhen = { progam = \"git\" }\n",
    )
    .unwrap();
    let ev = fixture("claude", "PreToolUse_Bash", &env.work());
    let v = env.hook("claude", &ev).json();
    let reason = v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("progam"), "{reason}");
}

#[test]
fn no_secret_reaches_the_audit_log_from_commands() {
    let env = Sandbox::new();
    let ev = json!({
        "session_id": "s", "cwd": env.work(), "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": format!("curl -H 'Authorization: token {GH_TOKEN}' https://api.github.com/user")},
        "tool_use_id": "t"
    });
    env.hook("claude", &ev);
    assert!(!env.audit_text().contains(GH_TOKEN));
    assert_eq!(env.audit_lines().len(), 1);
}

#[test]
fn fifty_concurrent_hooks_append_fifty_intact_lines() {
    let env = Sandbox::new();
    let env = std::sync::Arc::new(env);
    let mut handles = Vec::new();
    for i in 0..50 {
        let env = env.clone();
        handles.push(std::thread::spawn(move || {
            let mut ev = fixture("claude", "PreToolUse_Bash", &env.work());
            // Long commands make interleaving visible if the lock did not hold.
            ev["tool_input"]["command"] = json!(format!("echo {} {}", i, "x".repeat(20_000)));
            ev["tool_use_id"] = json!(format!("call-{i}"));
            let r = env.hook("claude", &ev);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let lines = env.audit_lines();
    assert_eq!(lines.len(), 50);
    let mut ids: Vec<String> = lines
        .iter()
        .map(|l| l["action_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
}

#[test]
fn check_explains_a_decision() {
    let env = Sandbox::new();
    let out = env.run(&[
        "check",
        "--cwd",
        "/home/dev/project",
        "--",
        "rm",
        "-rf",
        "/",
    ]);
    let text = &out.stdout;
    assert_eq!(out.code, 1);
    assert!(text.contains("decision: deny"), "{text}");
    assert!(text.contains("fs.recursive-delete"), "{text}");
    assert!(text.contains("shell.recursive_delete"), "{text}");
    assert!(text.contains("[root"), "{text}");

    let out = env.run(&["check", "--json", "--read", ".env"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["decision"]["effect"], "deny");
    assert_eq!(
        v["decision"]["rule_ids"],
        json!(["secrets.read-secret-file"])
    );
}

#[test]
fn default_policy_passes_its_own_tests() {
    let env = Sandbox::new();
    let out = env.run(&["policy", "test"]);
    let text = &out.stdout;
    assert!(out.success(), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
}
