//! The hook binary on real payloads recorded from Claude Code, Codex CLI and Gemini CLI
//! (tests/fixtures/<runtime>/): every answer shape each runtime honours.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{fixture, Sandbox, AWS_KEY, GH_TOKEN};
use serde_json::{json, Value};

fn with_command(mut v: Value, cmd: &str) -> Value {
    v["tool_input"]["command"] = json!(cmd);
    v
}

// ---------------------------------------------------------------- Claude

#[test]
fn claude_harmless_command_gets_no_answer() {
    let env = Sandbox::new();
    let r = env.hook("claude", &fixture("claude", "PreToolUse_Bash", &env.work()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // An explicit allow would skip Claude's own permission prompts: say nothing.
    assert_eq!(r.stdout.trim(), "");
    assert_eq!(env.audit_lines().len(), 1);
    assert_eq!(env.audit_lines()[0]["effect"], "allow");
}

#[test]
fn claude_rm_rf_is_denied_with_a_reason_naming_the_rule() {
    let env = Sandbox::new();
    let ev = with_command(
        fixture("claude", "PreToolUse_Bash", &env.work()),
        "rm -rf ./victim_dir",
    );
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0);
    let v = r.json();
    let hso = &v["hookSpecificOutput"];
    assert_eq!(hso["hookEventName"], "PreToolUse");
    assert_eq!(hso["permissionDecision"], "deny");
    let reason = hso["permissionDecisionReason"].as_str().unwrap();
    assert!(reason.contains("fs.recursive-delete"), "{reason}");
    assert!(
        reason.contains("instead") || reason.contains("Delete specific files"),
        "{reason}"
    );
    let line = &env.audit_lines()[0];
    assert_eq!(line["effect"], "deny");
    assert_eq!(line["rule_ids"], json!(["fs.recursive-delete"]));
    assert_eq!(line["action_id"], ev["tool_use_id"]);
    assert_eq!(line["runtime"], "claude");
    assert_eq!(line["session_id"], ev["session_id"]);
    assert!(line["policy_version"].as_str().unwrap().len() >= 8);
    assert!(line["decision_id"].as_str().unwrap().starts_with("d-"));
    assert_eq!(line["risk"], 90);
}

#[test]
fn claude_read_of_env_file_is_denied_but_example_allowed() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PreToolUse_Read", &env.work());
    ev["tool_input"]["file_path"] = json!(env.work().join(".env").display().to_string());
    let r = env.hook("claude", &ev);
    assert_eq!(r.json()["hookSpecificOutput"]["permissionDecision"], "deny");

    ev["tool_input"]["file_path"] = json!(env.work().join(".env.example").display().to_string());
    let r = env.hook("claude", &ev);
    assert_eq!(r.stdout.trim(), "");
}

#[test]
fn claude_force_push_is_denied() {
    let env = Sandbox::new();
    let ev = with_command(
        fixture("claude", "PreToolUse_Bash", &env.work()),
        "git push --force origin main",
    );
    let v = env.hook("claude", &ev).json();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap()
        .contains("git.force-push"));
}

#[test]
fn claude_bash_output_is_redacted_in_its_own_shape() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    let stdout = format!("config loaded\nGITHUB_TOKEN={GH_TOKEN}\naws {AWS_KEY} done\n");
    ev["tool_response"]["stdout"] = json!(stdout);
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0);
    let v = r.json();
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PostToolUse");
    // Same keys as the tool's response: Claude ignores any other shape.
    let keys_in: Vec<&String> = ev["tool_response"].as_object().unwrap().keys().collect();
    let keys_out: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys_in, keys_out);
    assert_eq!(out["interrupted"], false);
    let s = out["stdout"].as_str().unwrap();
    assert!(!s.contains(GH_TOKEN) && !s.contains(AWS_KEY), "{s}");
    assert!(s.contains("[REDACTED:"), "{s}");
    assert!(s.starts_with("config loaded\nGITHUB_TOKEN="), "{s}");
    assert!(s.ends_with(" done\n"), "{s}");
    // The audit line records the findings, never the value.
    let audit = env.audit_text();
    assert!(!audit.contains(GH_TOKEN) && !audit.contains(AWS_KEY));
    let line = &env.audit_lines()[0];
    assert_eq!(line["effect"], "redact");
    assert!(!line["redactions"].as_array().unwrap().is_empty());
    assert!(line["findings"][0]["hash"].is_string());
}

#[test]
fn claude_read_output_is_redacted_in_the_read_shape() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PostToolUse_Read", &env.work());
    ev["tool_response"]["file"]["content"] = json!(format!("a=1\ntoken = \"{GH_TOKEN}\"\n"));
    let v = env.hook("claude", &ev).json();
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    assert_eq!(out["type"], "text");
    assert_eq!(
        out["file"]["filePath"],
        ev["tool_response"]["file"]["filePath"]
    );
    assert_eq!(
        out["file"]["numLines"],
        ev["tool_response"]["file"]["numLines"]
    );
    let content = out["file"]["content"].as_str().unwrap();
    assert!(
        content.starts_with("a=1\ntoken = \"[REDACTED:"),
        "{content}"
    );
    assert!(!content.contains(GH_TOKEN));
}

#[test]
fn claude_mcp_output_uses_the_mcp_field() {
    let env = Sandbox::new();
    let ev = json!({
        "session_id": "s1", "cwd": env.work(), "hook_event_name": "PostToolUse",
        "tool_name": "mcp__github__get_secret", "tool_input": {},
        "tool_response": [{"type": "text", "text": format!("value {GH_TOKEN}")}],
        "tool_use_id": "t1"
    });
    let v = env.hook("claude", &ev).json();
    let out = &v["hookSpecificOutput"]["updatedMCPToolOutput"];
    assert_eq!(out[0]["type"], "text");
    assert!(out[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("value [REDACTED:"));
}

#[test]
fn claude_clean_output_is_left_alone() {
    let env = Sandbox::new();
    let r = env.hook(
        "claude",
        &fixture("claude", "PostToolUse_Bash", &env.work()),
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.trim(), "");
}

#[test]
fn claude_other_events_pass_through() {
    let env = Sandbox::new();
    for name in [
        "SessionStart",
        "SessionEnd",
        "PostToolBatch",
        "UserPromptSubmit",
        "Stop",
        "PostToolUseFailure_Bash",
    ] {
        let r = env.hook("claude", &fixture("claude", name, &env.work()));
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert_eq!(r.stdout.trim(), "", "{name}");
    }
    assert_eq!(env.audit_lines().len(), 6);
}

#[test]
fn claude_prompt_with_secret_is_blocked() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "UserPromptSubmit", &env.work());
    ev["prompt"] = json!(format!("use this token {GH_TOKEN} to push"));
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Claude blocks a prompt through a top-level decision; the reason never quotes the secret.
    let v = r.json();
    assert_eq!(v["decision"], "block", "{v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.contains("secret"), "{reason}");
    assert!(!reason.contains(GH_TOKEN));
    let line = &env.audit_lines()[0];
    assert_eq!(line["effect"], "deny");
    assert_eq!(line["rule_ids"], json!(["secrets.prompt"]));
    assert!(!env.audit_text().contains(GH_TOKEN));
}

// ---------------------------------------------------------------- Codex

/// Codex rejects unknown fields, and a rejected answer runs the tool.
fn assert_codex_pre_tool_shape(v: &Value) {
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(top, vec!["hookSpecificOutput"], "{v}");
    let mut inner: Vec<&String> = v["hookSpecificOutput"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    inner.sort();
    assert_eq!(
        inner,
        vec![
            "hookEventName",
            "permissionDecision",
            "permissionDecisionReason"
        ],
        "{v}"
    );
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
}

#[test]
fn codex_rm_is_denied_with_known_fields_only() {
    let env = Sandbox::new();
    let ev = with_command(
        fixture("codex", "PreToolUse_Bash", &env.work()),
        "rm -r ./victim_dir",
    );
    let r = env.hook("codex", &ev);
    assert_eq!(r.code, 0);
    assert_codex_pre_tool_shape(&r.json());
    let line = &env.audit_lines()[0];
    assert_eq!(line["runtime"], "codex");
    assert_eq!(line["event"]["turn_id"], ev["turn_id"]);
    assert_eq!(line["event"]["model"], "gpt-5.5");
}

#[test]
fn codex_cat_env_is_denied() {
    let env = Sandbox::new();
    let ev = with_command(fixture("codex", "PreToolUse_Bash", &env.work()), "cat .env");
    assert_codex_pre_tool_shape(&env.hook("codex", &ev).json());
}

#[test]
fn codex_patch_paths_are_all_seen() {
    let env = Sandbox::new();
    let mut ev = fixture("codex", "PreToolUse_apply_patch", &env.work());
    let r = env.hook("codex", &ev);
    assert_eq!(r.stdout.trim(), "", "an ordinary patch is allowed");
    assert_eq!(env.audit_lines()[0]["event"]["paths"], json!(["notes.txt"]));
    ev["tool_input"]["command"] = json!(
        "*** Begin Patch\n*** Update File: notes.txt\n@@\n-a\n+b\n*** Add File: .env\n+X=1\n*** End Patch\n"
    );
    env.hook("codex", &ev);
    assert_eq!(
        env.audit_lines()[1]["event"]["paths"],
        json!(["notes.txt", ".env"])
    );
}

#[test]
fn codex_output_is_redacted_through_the_block_reason() {
    let env = Sandbox::new();
    let mut ev = fixture("codex", "PostToolUse_Bash", &env.work());
    ev["tool_response"] = json!(format!("API_TOKEN={GH_TOKEN}\nok\n"));
    let v = env.hook("codex", &ev).json();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["decision", "reason"]);
    assert_eq!(v["decision"], "block");
    let reason = v["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        "API_TOKEN=[REDACTED:github-pat]\nok\n"
            .replace("github-pat", kind_of(reason))
            .as_str()
    );
}

fn kind_of(s: &str) -> &str {
    let start = s.find("[REDACTED:").unwrap() + "[REDACTED:".len();
    let end = start + s[start..].find(']').unwrap();
    &s[start..end]
}

#[test]
fn codex_other_events_pass_through() {
    let env = Sandbox::new();
    for name in [
        "SessionStart",
        "SessionEnd",
        "UserPromptSubmit",
        "Stop",
        "PreToolUse_apply_patch_2",
        "PostToolUse_apply_patch",
    ] {
        let r = env.hook("codex", &fixture("codex", name, &env.work()));
        assert_eq!((r.code, r.stdout.trim()), (0, ""), "{name}: {}", r.stderr);
    }
}

// ---------------------------------------------------------------- Gemini

#[test]
fn gemini_rm_is_denied_in_gemini_shape() {
    let env = Sandbox::new();
    let ev = with_command(
        fixture("gemini", "BeforeTool_run_shell_command", &env.work()),
        "rm -rf ./victim_dir",
    );
    let v = env.hook("gemini", &ev).json();
    // Gemini ignores Claude's permissionDecision shape: only top-level decision counts.
    assert_eq!(v["decision"], "deny");
    assert!(v["reason"]
        .as_str()
        .unwrap()
        .contains("fs.recursive-delete"));
    assert!(v.get("hookSpecificOutput").is_none());
}

#[test]
fn gemini_read_file_env_local_is_denied() {
    let env = Sandbox::new();
    let mut ev = fixture("gemini", "BeforeTool_read_file", &env.work());
    ev["tool_input"]["file_path"] = json!(env.work().join(".env.local").display().to_string());
    assert_eq!(env.hook("gemini", &ev).json()["decision"], "deny");
}

#[test]
fn gemini_write_and_replace_are_allowed() {
    let env = Sandbox::new();
    for name in [
        "BeforeTool_write_file",
        "BeforeTool_replace",
        "BeforeTool_run_shell_command",
    ] {
        let r = env.hook("gemini", &fixture("gemini", name, &env.work()));
        assert_eq!((r.code, r.stdout.trim()), (0, ""), "{name}");
    }
}

#[test]
fn gemini_output_is_redacted_through_the_deny_reason() {
    let env = Sandbox::new();
    let mut ev = fixture("gemini", "AfterTool_run_shell_command", &env.work());
    ev["tool_response"]["llmContent"] = json!(format!("Output: key {AWS_KEY}\nExit Code: 0"));
    let v = env.hook("gemini", &ev).json();
    assert_eq!(v["decision"], "deny");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Output: key [REDACTED:") && reason.ends_with("\nExit Code: 0"),
        "{reason}"
    );
}

#[test]
fn gemini_other_events_pass_through() {
    let env = Sandbox::new();
    for name in [
        "BeforeAgent",
        "AfterAgent",
        "BeforeModel",
        "AfterModel",
        "BeforeToolSelection",
        "PreCompress",
        "AfterTool_read_file",
    ] {
        let r = env.hook("gemini", &fixture("gemini", name, &env.work()));
        assert_eq!((r.code, r.stdout.trim()), (0, ""), "{name}: {}", r.stderr);
    }
}

// ---------------------------------------------------------------- runtime inference

#[test]
fn runtime_is_inferred_without_the_flag() {
    let env = Sandbox::new();
    let g = with_command(
        fixture("gemini", "BeforeTool_run_shell_command", &env.work()),
        "rm -rf /",
    );
    let r = env.run_with_stdin(&["hook"], g.to_string().as_bytes());
    assert_eq!(r.json()["decision"], "deny");
    let c = with_command(fixture("codex", "PreToolUse_Bash", &env.work()), "rm -rf /");
    let r = env.run_with_stdin(&["hook"], c.to_string().as_bytes());
    assert_codex_pre_tool_shape(&r.json());
    let lines = env.audit_lines();
    assert_eq!(lines[0]["runtime"], "gemini");
    assert_eq!(lines[1]["runtime"], "codex");
}
