//! Secrets at every boundary, through the built binary on payloads recorded from the real CLIs
//! (tests/fixtures/<runtime>/): tool output is redacted in each runtime's own answer shape, a
//! secret in the prompt or in the final answer is blocked, the audit log keeps kind, position
//! and hash but never the value, and a huge output is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{fixture, Sandbox, AWS_KEY, GH_TOKEN};
use serde_json::{json, Value};

/// Not real credentials: shaped like the real formats.
const STRIPE_KEY: &str = "sk_live_51Hx9QzLkR4mT7vB2nW8pY3cD6fG0jK5sA1eU";
const DB_PASSWORD: &str = "Tq7!vR2#pL9w";
const PRIVATE_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDk7Q2vX9pL3mR8tY1wZ6nB4cF0hJ5kS2aE7uI9oP3qGwAAAJhT8xYvU/\n-----END OPENSSH PRIVATE KEY-----";

/// The text with every `[REDACTED:...]` marker replaced by `<R>`, so the rest can be compared
/// byte for byte.
fn unmark(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("[REDACTED:") {
        out.push_str(&rest[..i]);
        out.push_str("<R>");
        let end = rest[i..].find(']').map_or(rest.len(), |j| i + j + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn assert_no_secret(s: &str, secrets: &[&str]) {
    for sec in secrets {
        assert!(!s.contains(sec), "secret {sec:?} survived in {s:?}");
        // Not even a piece of it.
        for w in sec.as_bytes().windows(12) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(!s.contains(piece), "piece {piece:?} of a secret survived");
        }
    }
}

/// The audit log names what was found and where, never the value.
fn assert_audit_clean(env: &Sandbox, secrets: &[&str]) {
    let text = env.audit_text();
    assert!(!text.is_empty(), "nothing audited");
    assert_no_secret(&text, secrets);
}

fn post_tool(env: &Sandbox, name: &str, tool: &str, input: Value, response: Value) -> Value {
    let mut ev = fixture("claude", name, &env.work());
    ev["tool_name"] = json!(tool);
    ev["tool_input"] = input;
    ev["tool_response"] = response;
    ev
}

// ---------------------------------------------------------------- Claude: tool output

#[test]
fn claude_bash_stdout_and_stderr_are_redacted_in_the_bash_shape() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!(format!(
        "$ printenv\nHOME=/home/dev\nGITHUB_TOKEN={GH_TOKEN}\nSTRIPE={STRIPE_KEY}\nLANG=C.UTF-8\n"
    ));
    ev["tool_response"]["stderr"] = json!(format!(
        "error: connect to postgres://app:{DB_PASSWORD}@db.internal:5432/app failed\n"
    ));
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PostToolUse");
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    // Same keys and non-text values as the tool's own response.
    let keys_in: Vec<&String> = ev["tool_response"].as_object().unwrap().keys().collect();
    let keys_out: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys_in, keys_out);
    assert_eq!(out["interrupted"], ev["tool_response"]["interrupted"]);
    let stdout = out["stdout"].as_str().unwrap();
    let stderr = out["stderr"].as_str().unwrap();
    assert_eq!(
        unmark(stdout),
        "$ printenv\nHOME=/home/dev\nGITHUB_TOKEN=<R>\nSTRIPE=<R>\nLANG=C.UTF-8\n"
    );
    assert_eq!(
        unmark(stderr),
        "error: connect to postgres://app:<R>@db.internal:5432/app failed\n"
    );
    assert!(stdout.contains("[REDACTED:github-pat#"), "{stdout}");
    assert!(stdout.contains("[REDACTED:stripe-secret-key#"), "{stdout}");
    assert_no_secret(&v.to_string(), &[GH_TOKEN, STRIPE_KEY, DB_PASSWORD]);
    assert_audit_clean(&env, &[GH_TOKEN, STRIPE_KEY, DB_PASSWORD]);
}

#[test]
fn claude_read_of_a_private_key_is_redacted_in_the_read_shape() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PostToolUse_Read", &env.work());
    let content = format!("# deploy key\n{PRIVATE_KEY}\n# end\n");
    ev["tool_response"]["file"]["content"] = json!(content);
    let v = env.hook("claude", &ev).json();
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    assert_eq!(out["type"], ev["tool_response"]["type"]);
    for k in ["filePath", "numLines", "startLine", "totalLines"] {
        assert_eq!(out["file"][k], ev["tool_response"]["file"][k], "{k}");
    }
    let got = out["file"]["content"].as_str().unwrap();
    assert_eq!(unmark(got), "# deploy key\n<R>\n# end\n");
    assert!(got.contains("[REDACTED:openssh-private-key"), "{got}");
    assert_audit_clean(&env, &[&PRIVATE_KEY[40..100]]);
}

#[test]
fn claude_grep_matches_are_redacted_in_the_grep_shape() {
    let env = Sandbox::new();
    let response = json!({
        "mode": "content",
        "numFiles": 2,
        "filenames": ["config/production.yml", "scripts/deploy.sh"],
        "content": format!(
            "config/production.yml:12:  stripe_key: {STRIPE_KEY}\nscripts/deploy.sh:4:export AWS_ACCESS_KEY_ID={AWS_KEY}"
        ),
        "numLines": 2
    });
    let ev = post_tool(
        &env,
        "PostToolUse_Read",
        "Grep",
        json!({"pattern": "key", "output_mode": "content", "path": "."}),
        response.clone(),
    );
    let v = env.hook("claude", &ev).json();
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    assert_eq!(out["mode"], "content");
    assert_eq!(out["numFiles"], 2);
    assert_eq!(out["filenames"], response["filenames"]);
    assert_eq!(out["numLines"], 2);
    assert_eq!(
        unmark(out["content"].as_str().unwrap()),
        "config/production.yml:12:  stripe_key: <R>\nscripts/deploy.sh:4:export AWS_ACCESS_KEY_ID=<R>"
    );
    assert_audit_clean(&env, &[STRIPE_KEY, AWS_KEY]);
}

#[test]
fn claude_web_fetch_result_is_redacted_in_the_web_fetch_shape() {
    let env = Sandbox::new();
    let page = format!("The gist contains:\n\n    SLACK_TOKEN=xoxb-2048301774-5512937451022-Zq8xY3vT6pK1mN4rS7wBcD2f\n\nand {GH_TOKEN}.");
    let response = json!({
        "bytes": 5120, "code": 200, "codeText": "OK", "result": page,
        "durationMs": 412, "url": "https://gist.example.org/u/abc"
    });
    let ev = post_tool(
        &env,
        "PostToolUse_Read",
        "WebFetch",
        json!({"url": "https://gist.example.org/u/abc", "prompt": "summarize"}),
        response.clone(),
    );
    let v = env.hook("claude", &ev).json();
    let out = &v["hookSpecificOutput"]["updatedToolOutput"];
    for k in ["bytes", "code", "codeText", "durationMs", "url"] {
        assert_eq!(out[k], response[k], "{k}");
    }
    assert_eq!(
        unmark(out["result"].as_str().unwrap()),
        "The gist contains:\n\n    SLACK_TOKEN=<R>\n\nand <R>."
    );
    assert_audit_clean(&env, &[GH_TOKEN, "5512937451022-Zq8xY3vT6pK1mN4rS7wBcD2f"]);
}

#[test]
fn claude_mcp_output_is_redacted_through_the_mcp_field() {
    let env = Sandbox::new();
    let response = json!([
        {"type": "text", "text": format!("secret value: {STRIPE_KEY}")},
        {"type": "text", "text": "nothing here"}
    ]);
    let ev = post_tool(
        &env,
        "PostToolUse_Read",
        "mcp__vault__read_secret",
        json!({"path": "kv/payments"}),
        response,
    );
    let v = env.hook("claude", &ev).json();
    let hso = &v["hookSpecificOutput"];
    assert!(hso.get("updatedToolOutput").is_none(), "{v}");
    let out = &hso["updatedMCPToolOutput"];
    assert_eq!(out[0]["type"], "text");
    assert_eq!(
        unmark(out[0]["text"].as_str().unwrap()),
        "secret value: <R>"
    );
    assert_eq!(out[1]["text"], "nothing here");
    assert_audit_clean(&env, &[STRIPE_KEY]);
}

#[test]
fn claude_clean_and_look_alike_output_is_left_alone() {
    let env = Sandbox::new();
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!(
        "commit 43fc912ef59a83054ea7f6706df4d53a7dea4d80\nrequest_id: 0736f5ef-7e88-499a-80cc-90c85d2a5180\nAPI_KEY=${API_KEY}\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    );
    let r = env.hook("claude", &ev);
    assert_eq!((r.code, r.stdout.trim()), (0, ""), "{}", r.stdout);
}

// ---------------------------------------------------------------- Codex and Gemini: tool output

#[test]
fn codex_output_is_replaced_by_the_redacted_output_as_block_reason() {
    let env = Sandbox::new();
    let mut ev = fixture("codex", "PostToolUse_Bash", &env.work());
    ev["tool_response"] = json!(format!(
        "Output:\nGITHUB_TOKEN={GH_TOKEN}\nDATABASE_URL=mysql://root:{DB_PASSWORD}@127.0.0.1:3306/shop\nExit code: 0\n"
    ));
    let v = env.hook("codex", &ev).json();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["decision", "reason"], "{v}");
    assert_eq!(v["decision"], "block");
    assert_eq!(
        unmark(v["reason"].as_str().unwrap()),
        "Output:\nGITHUB_TOKEN=<R>\nDATABASE_URL=mysql://root:<R>@127.0.0.1:3306/shop\nExit code: 0\n"
    );
    assert_audit_clean(&env, &[GH_TOKEN, DB_PASSWORD]);
}

#[test]
fn gemini_output_is_replaced_by_the_redacted_output_as_deny_reason() {
    let env = Sandbox::new();
    for name in ["AfterTool_run_shell_command", "AfterTool_read_file"] {
        let mut ev = fixture("gemini", name, &env.work());
        ev["tool_response"]["llmContent"] = json!(format!("stripe: {STRIPE_KEY}\nok"));
        let v = env.hook("gemini", &ev).json();
        assert_eq!(v["decision"], "deny", "{name}: {v}");
        assert!(v.get("hookSpecificOutput").is_none());
        assert_eq!(unmark(v["reason"].as_str().unwrap()), "stripe: <R>\nok");
    }
    assert_audit_clean(&env, &[STRIPE_KEY]);
}

// ---------------------------------------------------------------- prompt

#[test]
fn a_secret_in_the_prompt_is_blocked_on_every_runtime() {
    let env = Sandbox::new();
    let prompt = format!("deploy with this key {STRIPE_KEY} please");
    // Claude and Codex: top-level decision block.
    for rt in ["claude", "codex"] {
        let mut ev = fixture(rt, "UserPromptSubmit", &env.work());
        ev["prompt"] = json!(prompt);
        let r = env.hook(rt, &ev);
        assert_eq!(r.code, 0, "{rt}: {}", r.stderr);
        let v = r.json();
        assert_eq!(v["decision"], "block", "{rt}: {v}");
        let reason = v["reason"].as_str().unwrap();
        assert!(reason.contains("secret"), "{rt}: {reason}");
        assert!(!reason.contains(STRIPE_KEY));
    }
    // Gemini: BeforeAgent deny.
    let mut ev = fixture("gemini", "BeforeAgent", &env.work());
    ev["prompt"] = json!(prompt);
    let v = env.hook("gemini", &ev).json();
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("secret"));
    for line in env.audit_lines() {
        assert_eq!(line["effect"], "deny");
        assert_eq!(line["rule_ids"], json!(["secrets.prompt"]));
    }
    assert_audit_clean(&env, &[STRIPE_KEY]);
    // The same prompt without the value goes through.
    let mut ev = fixture("claude", "UserPromptSubmit", &env.work());
    ev["prompt"] = json!("deploy with the key in $STRIPE_KEY please");
    assert_eq!(env.hook("claude", &ev).stdout.trim(), "");
}

// ---------------------------------------------------------------- final response

#[test]
fn a_secret_in_the_final_answer_is_blocked_on_every_runtime() {
    let env = Sandbox::new();
    let answer = format!("Done. The new deploy token is {GH_TOKEN}.");
    for rt in ["claude", "codex"] {
        let mut ev = fixture(rt, "Stop", &env.work());
        ev["last_assistant_message"] = json!(answer);
        let v = env.hook(rt, &ev).json();
        assert_eq!(v["decision"], "block", "{rt}: {v}");
        let reason = v["reason"].as_str().unwrap();
        assert!(reason.contains("Rewrite your final answer"), "{reason}");
        assert!(!reason.contains(GH_TOKEN));
        // A second stop after the block is let through: no endless loop.
        ev["stop_hook_active"] = json!(true);
        assert_eq!(env.hook(rt, &ev).stdout.trim(), "", "{rt}");
    }
    let mut ev = fixture("gemini", "AfterAgent", &env.work());
    ev["prompt_response"] = json!(answer);
    let v = env.hook("gemini", &ev).json();
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(!v["reason"].as_str().unwrap().contains(GH_TOKEN));
    assert_audit_clean(&env, &[GH_TOKEN]);
}

// ---------------------------------------------------------------- audit

#[test]
fn audit_records_kind_position_and_hash_never_the_value() {
    let env = Sandbox::new();
    let stdout = format!("a={GH_TOKEN}\nb={GH_TOKEN}\nc={STRIPE_KEY}\n");
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!(stdout);
    env.hook("claude", &ev);
    let line = &env.audit_lines()[0];
    assert_eq!(line["effect"], "redact");
    assert_eq!(line["boundary"], "tool_output");
    let findings = line["findings"].as_array().unwrap();
    let spans: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["start"].as_u64().unwrap(),
                f["end"].as_u64().unwrap(),
                f["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let gh_at = 2u64;
    let second_gh_at = (2 + GH_TOKEN.len() + 3) as u64;
    let expect_gh = (
        "github-pat".to_string(),
        gh_at,
        gh_at + GH_TOKEN.len() as u64,
    );
    let first = spans
        .iter()
        .find(|s| (s.0.clone(), s.1, s.2) == expect_gh)
        .unwrap_or_else(|| panic!("{spans:?}"));
    let second = spans
        .iter()
        .find(|s| s.0 == "github-pat" && s.1 == second_gh_at)
        .unwrap_or_else(|| panic!("{spans:?}"));
    let stripe = spans
        .iter()
        .find(|s| s.0 == "stripe-secret-key")
        .unwrap_or_else(|| panic!("{spans:?}"));
    // The same value hashes the same (correlation), different values differently.
    assert_eq!(first.3, second.3);
    assert_ne!(first.3, stripe.3);
    assert!(first.3.len() >= 8 && first.3.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_audit_clean(&env, &[GH_TOKEN, STRIPE_KEY]);
}

// ---------------------------------------------------------------- bounds

#[test]
fn a_20_mb_output_is_scanned_up_to_the_bound_and_the_rest_withheld() {
    let env = Sandbox::new();
    let line = "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/items\n";
    let mut stdout = String::with_capacity(21 << 20);
    while stdout.len() < 1 << 20 {
        stdout.push_str(line);
    }
    let early = format!("GITHUB_TOKEN={GH_TOKEN}\n");
    stdout.push_str(&early);
    while stdout.len() < 19 << 20 {
        stdout.push_str(line);
    }
    // Beyond the 16 MiB scan bound.
    stdout.push_str(&format!("STRIPE={STRIPE_KEY}\n"));
    while stdout.len() < 20 << 20 {
        stdout.push_str(line);
    }
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!(stdout);
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let out = v["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
        .as_str()
        .unwrap();
    assert!(!out.contains(GH_TOKEN) && !out.contains(STRIPE_KEY));
    assert!(out.contains("[REDACTED:github-pat#"));
    // The scanned head is kept as it was (but for the marker); the unscanned tail is replaced
    // by one marker saying how much was withheld.
    assert!(out.starts_with(line));
    assert!(
        out.ends_with("bytes beyond the 16 MiB scan bound withheld]"),
        "{}",
        &out[out.len().saturating_sub(200)..]
    );
    assert!(out.len() <= 16 << 20, "answer is {} bytes", out.len());
    assert!(out.len() >= 15 << 20, "answer is {} bytes", out.len());
    let audit = env.audit_text();
    assert!(audit.contains("unscanned-output"));
    assert!(audit.len() < 1 << 20, "audit line is {} bytes", audit.len());
    assert_audit_clean(&env, &[GH_TOKEN, STRIPE_KEY]);
}
