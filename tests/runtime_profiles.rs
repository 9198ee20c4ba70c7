//! What a runtime is comes from its profile, whichever command asks: the hook's approvals,
//! its runtime names and payload recognition, and the evaluation's inventory. Each test here
//! runs the built binary on a payload in the runtime's documented or recorded shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{fixture, Sandbox as Env};
use hookwarden::event::Boundary;
use serde_json::{json, Value};

/// A project policy that asks before anything under `deploy/` is read.
fn ask_on_deploy_reads(env: &Env) {
    let dir = env.work().join(".hookwarden");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "[[rule]]\nid = \"x.ask-deploy-read\"\nboundary = \"tool_request\"\neffect = \"ask\"\nreason = \"Deploy files need a second pair of eyes.\"\nwhen = { tool_kind = \"file_read\", path_glob = \"**/deploy/**\" }\n\n[[rule]]\nid = \"x.ask-kubectl\"\nboundary = \"tool_request\"\neffect = \"ask\"\nreason = \"Cluster changes need a second pair of eyes.\"\nwhen = { program = \"kubectl\" }\n",
    )
    .unwrap();
}

fn cursor(event: &str, env: &Env) -> serde_json::Map<String, Value> {
    let v = json!({ "conversation_id": "c1", "generation_id": "g1", "model": "gpt-5",
        "hook_event_name": event, "cursor_version": "2.0",
        "workspace_roots": [env.work()], "cwd": env.work(),
        "user_email": null, "transcript_path": null });
    v.as_object().unwrap().clone()
}

#[test]
fn cursor_ask_on_a_file_read_denies_with_an_approval_code() {
    let env = Env::new();
    ask_on_deploy_reads(&env);
    let mut m = cursor("preToolUse", &env);
    m.insert("tool_name".into(), json!("Read"));
    m.insert(
        "tool_input".into(),
        json!({ "target_file": env.work().join("deploy/prod.yaml") }),
    );
    m.insert("tool_use_id".into(), json!("t1"));
    let r = env.hook("cursor", &Value::Object(m));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    // preToolUse cannot ask: the call is denied, and the message says how to approve it.
    assert_eq!(v["permission"], "deny", "{v}");
    let msg = v["agent_message"].as_str().unwrap();
    assert!(msg.contains("hookwarden approve "), "{msg}");
    let line = &env.audit_lines()[0];
    assert!(line["approval_code"].is_string(), "{line}");
}

#[test]
fn cursor_ask_at_shell_execution_is_shown_without_a_code() {
    let env = Env::new();
    ask_on_deploy_reads(&env);
    let mut m = cursor("beforeShellExecution", &env);
    m.insert("command".into(), json!("kubectl apply -f deploy/prod.yaml"));
    let r = env.hook("cursor", &Value::Object(m));
    let v = r.json();
    assert_eq!(v["permission"], "ask", "{v}");
    assert!(!v["agent_message"]
        .as_str()
        .unwrap()
        .contains("hookwarden approve"));
}

#[test]
fn inventory_names_geminis_grep_tool_as_the_hook_sends_it() {
    let env = Env::new();
    let repo = env.path().join("repo");
    std::fs::create_dir_all(repo.join(".gemini")).unwrap();
    std::fs::write(repo.join(".gemini/settings.json"), "{}\n").unwrap();
    let out = env.run(&["evaluate", "--repo", repo.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", out.stderr);
    });
    let gemini = v["inventory"]["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["runtime"] == "gemini")
        .unwrap();
    let tools: Vec<&str> = gemini["builtin_tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"grep_search"), "{tools:?}");
    assert!(!tools.contains(&"search_file_content"), "{tools:?}");
}

#[test]
fn an_unknown_runtime_name_is_an_error_listing_the_known_ones() {
    let env = Env::new();
    let ev = fixture("claude", "PreToolUse_Bash", &env.work());
    let r = env.hook("nosuch", &ev);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown runtime `nosuch`"),
        "{}",
        r.stderr
    );
    for name in [
        "claude", "codex", "gemini", "cursor", "copilot", "qwen", "factory",
    ] {
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
    }
    // Aliases are names too.
    let r = env.hook("claude-code", &ev);
    assert_eq!((r.code, r.stdout.trim()), (0, ""), "{}", r.stderr);
    let out = env.run(&["check", "--runtime", "nosuch", "--", "ls"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("known: claude"), "{}", out.stderr);
}

#[test]
fn a_payload_of_no_known_runtime_fails_closed_without_the_flag() {
    let env = Env::new();
    let ev = json!({ "hook_event_name": "BeforeShell", "cwd": env.work(),
        "command": "rm -rf /" });
    let r = env.run_with_stdin(&["hook"], ev.to_string().as_bytes());
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("cannot tell which runtime"),
        "{}",
        r.stderr
    );
    assert_eq!(env.audit_lines()[0]["runtime"], "none");
}

#[test]
fn a_cursor_shell_event_sent_as_claude_fails_closed_naming_cursor() {
    let env = Env::new();
    let mut m = cursor("beforeShellExecution", &env);
    m.insert("command".into(), json!("rm -rf ./victim_dir"));
    let r = env.hook("claude", &Value::Object(m));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("Cursor"), "{}", r.stderr);
    assert!(r.stderr.contains("--runtime claude"), "{}", r.stderr);
}

#[test]
fn a_copilot_event_sent_as_claude_is_denied_the_way_copilot_reads_it() {
    let env = Env::new();
    let ev = json!({ "sessionId": "s1", "timestamp": 1_767_225_600_000_u64, "cwd": env.work(),
        "toolName": "bash", "toolArgs": "{\"command\":\"ls\"}" });
    let r = env.hook("claude", &ev);
    // Copilot reads exit 2 as a warning: only a printed deny blocks there.
    let v = r.json();
    assert_eq!(v["permissionDecision"], "deny", "{v}");
    assert!(r.stderr.contains("GitHub Copilot CLI"), "{}", r.stderr);
}

#[test]
fn recorded_events_sent_under_another_runtimes_name_fail_closed_before_tools() {
    let env = Env::new();
    let gemini = fixture("gemini", "BeforeTool_run_shell_command", &env.work());
    let r = env.hook("claude", &gemini);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Gemini CLI"), "{}", r.stderr);
    let claude = fixture("claude", "PreToolUse_Bash", &env.work());
    let r = env.hook("gemini", &claude);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Claude Code"), "{}", r.stderr);
    // After the tool ran there is nothing to block: the message is all.
    let after = fixture("gemini", "AfterTool_run_shell_command", &env.work());
    let r = env.hook("codex", &after);
    assert_eq!((r.code, r.stdout.trim()), (0, ""));
    assert!(r.stderr.contains("Gemini CLI"), "{}", r.stderr);
    // Its own recorded events are not a mismatch, nor a Codex event sent as Claude (same
    // protocol).
    let codex = fixture("codex", "PreToolUse_Bash", &env.work());
    let r = env.hook("claude", &codex);
    assert_eq!((r.code, r.stdout.trim()), (0, ""), "{}", r.stderr);
}

/// Every recorded payload is recognised as its runtime's without the flag, and is not taken
/// for another runtime's with it.
#[test]
fn recorded_payloads_are_recognised_as_their_runtimes() {
    use hookwarden::runtime;
    let mut checked = 0;
    for p in runtime::profiles() {
        let dir = format!("{}/tests/fixtures/{}", env!("CARGO_MANIFEST_DIR"), p.name());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let raw: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let name = raw["hook_event_name"].as_str().unwrap();
            assert!(
                p.event(name).is_some(),
                "{}: {name} is not in the profile",
                path.display()
            );
            // A session event with no key of its runtime's own (Codex's SessionEnd) may be
            // taken for another runtime's: it decides nothing, and parses the same.
            let inferred = runtime::infer(&raw).unwrap();
            if p.boundary_of(name) != Boundary::Other {
                assert_eq!(inferred, p.kind, "{}", path.display());
            }
            assert!(
                runtime::mismatch(p.kind, &raw).is_none(),
                "{}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 50, "{checked}");
}
