//! Approvals only a person can grant, through the built binary: `hookwarden approve` on a
//! pseudo-terminal shows the request and asks for a fresh nonce; without a terminal, or
//! under a coding agent, it refuses; a grant written into the state file by hand is ignored
//! and audited as tampering; Codex and Gemini round trips; approver roles; the managed key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::pty::{code_in, Answer};
use common::Sandbox as Env;
use serde_json::{json, Value};

const POLICY: &str = r#"
[[rule]]
id = "harness-echo-needs-approval"
effect = "ask"
risk = 60
reason = "Echoing the harness marker needs a person's approval."
when = { program = "echo", args_any = ["harness-bash-ok"] }
"#;

fn env_with(policy: &str) -> Env {
    let env = Env::new();
    std::fs::write(env.path().join("user-policy.toml"), policy).unwrap();
    env
}

/// The deny reason a runtime got, whatever its answer shape.
fn reason(runtime: &str, out: &Value) -> String {
    let v = match runtime {
        "gemini" => &out["reason"],
        _ => &out["hookSpecificOutput"]["permissionDecisionReason"],
    };
    v.as_str().unwrap_or("").to_string()
}

fn denied(runtime: &str, out: &Value) -> bool {
    match runtime {
        "gemini" => out["decision"] == "deny",
        _ => out["hookSpecificOutput"]["permissionDecision"] == "deny",
    }
}

fn os_user() -> (u32, String) {
    let uid = rustix::process::getuid().as_raw();
    (uid, hookwarden::approvers::user_name(uid).unwrap())
}

/// Asks, approves on a terminal by typing the nonce, retries: the retry passes, once.
fn round_trip(runtime: &str, fixture: &str) {
    let env = env_with(POLICY);
    let call = common::fixture(runtime, fixture, &env.work());
    let first = env.hook(runtime, &call);
    let out = first.json();
    assert!(denied(runtime, &out), "{out}");
    let code = code_in(&reason(runtime, &out));

    let approve = env
        .cmd(&["approve", &code, "--note", "CHG-7"])
        .env("HOOKWARDEN_USER", "mallory");
    let tty = approve.on_tty(Answer::Nonce);
    assert_eq!(tty.code, 0, "{}", tty.screen);
    let s = &tty.screen;
    assert!(s.contains(&format!("Approval request {code}")), "{s}");
    assert!(s.contains(runtime), "{s}");
    assert!(s.contains(call["session_id"].as_str().unwrap()), "{s}");
    assert!(s.contains("echo harness-bash-ok"), "{s}");
    assert!(s.contains("harness-echo-needs-approval"), "{s}");
    assert!(s.contains("needs a person's approval"), "{s}");
    assert!(s.contains("60"), "{s}");
    let nonce = s
        .split("Type ")
        .nth(1)
        .and_then(|r| r.split(" to approve: ").next())
        .unwrap();
    assert_eq!(nonce.len(), 6);
    assert!(s.contains("Approved"), "{s}");

    let retry = env.hook(runtime, &call);
    assert_eq!(retry.code, 0);
    assert!(
        retry.stdout.trim().is_empty() || !denied(runtime, &retry.json()),
        "{}",
        retry.stdout
    );
    // Once: the next identical call needs a new approval.
    let again = env.hook(runtime, &call).json();
    assert!(denied(runtime, &again));
    assert_ne!(code_in(&reason(runtime, &again)), code);

    // The approver is the OS user, not $HOOKWARDEN_USER.
    let (uid, name) = os_user();
    let audit = env.audit_lines();
    let grant = audit
        .iter()
        .find(|r| r["event"]["event_name"] == "hookwarden approve")
        .expect("the approval is audited");
    assert_eq!(grant["context"]["approved_by"], name.as_str());
    assert_eq!(grant["context"]["approved_uid"], uid);
    assert_eq!(grant["context"]["note"], "CHG-7");
    assert!(audit.iter().any(
        |r| r["effect"] == "allow" && r["rule_ids"].to_string().contains("hookwarden.approval")
    ));
    assert!(!env.audit_text().contains("mallory"));
}

#[test]
fn codex_round_trip_through_a_terminal() {
    round_trip("codex", "PreToolUse_Bash");
}

#[test]
fn gemini_round_trip_through_a_terminal() {
    round_trip("gemini", "BeforeTool_run_shell_command");
}

fn pending(env: &Env) -> (Value, String) {
    let call = common::fixture("codex", "PreToolUse_Bash", &env.work());
    let out = env.hook("codex", &call).json();
    let code = code_in(&reason("codex", &out));
    (call, code)
}

fn still_denied(env: &Env, call: &Value) -> bool {
    let r = env.hook("codex", call);
    !r.stdout.trim().is_empty() && denied("codex", &r.json())
}

#[test]
fn a_wrong_nonce_approves_nothing() {
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    let tty = env.cmd(&["approve", &code]).on_tty(Answer::Wrong);
    assert_eq!(tty.code, 1, "{}", tty.screen);
    assert!(tty.screen.contains("did not match"), "{}", tty.screen);
    assert!(still_denied(&env, &call));
}

#[test]
fn without_a_terminal_approve_refuses() {
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    let r = env.run(&["approve", &code]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "approvals must be given by a person at a terminal, outside the agent session"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stdin is not a terminal"), "{}", r.stderr);
    assert!(!r.stdout.contains("Type "));
    assert!(still_denied(&env, &call));
}

#[test]
fn under_a_coding_agent_approve_refuses_even_on_a_terminal() {
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    for var in [
        "CLAUDECODE",
        "CODEX_THREAD_ID",
        "GEMINI_CLI",
        "CURSOR_AGENT",
    ] {
        let tty = env
            .cmd(&["approve", &code])
            .env(var, "1")
            .on_tty(Answer::Nothing);
        assert_eq!(tty.code, 1, "{var}: {}", tty.screen);
        assert!(
            tty.screen.contains(
                "approvals must be given by a person at a terminal, outside the agent session"
            ),
            "{var}: {}",
            tty.screen
        );
        assert!(tty.screen.contains(var));
        assert!(!tty.screen.contains("to approve:"), "no nonce is shown");
    }
    assert!(still_denied(&env, &call));
}

#[test]
fn a_grant_written_into_the_state_file_is_ignored_and_audited() {
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    let path = env.path().join("data/state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let now = state["approvals"][&code]["requested_at"].as_i64().unwrap();
    state["approvals"][&code]["grant"] = json!({
        "by": "alice", "at": now, "until": now + 3600, "once": false, "uses": 0
    });
    std::fs::write(&path, state.to_string()).unwrap();

    let r = env.hook("codex", &call);
    assert!(denied("codex", &r.json()), "{}", r.stdout);
    assert!(r.stderr.contains("failed verification"), "{}", r.stderr);
    let audit = env.audit_lines();
    let last = audit.last().unwrap();
    assert!(
        last["rule_ids"].to_string().contains("hookwarden.tamper"),
        "{last}"
    );
    assert!(last["reasons"].to_string().contains(&code));

    // A grant with a made-up signature fares no better.
    let (_, code2) = pending(&env);
    let mut state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    state["approvals"][&code2]["grant"] = json!({
        "by": "alice", "at": now, "until": now + 3600, "once": false, "uses": 0,
        "sig": format!("hmac-sha256:{}", "ab".repeat(32))
    });
    std::fs::write(&path, state.to_string()).unwrap();
    assert!(still_denied(&env, &call));
    assert!(env
        .audit_lines()
        .last()
        .unwrap()
        .to_string()
        .contains("hookwarden.tamper"));
}

#[test]
fn approver_roles_limit_who_may_grant() {
    let policy = POLICY.replace(
        "risk = 60",
        "risk = 60\napprover_role = \"release-manager\"",
    );
    let env = env_with(&policy);
    let (_, name) = os_user();
    std::fs::create_dir_all(env.path().join("system")).unwrap();
    let roles = env.path().join("system/approvers.toml");
    std::fs::write(
        &roles,
        "[roles.release-manager]\nusers = [\"nobody-we-know\"]\n",
    )
    .unwrap();
    let (call, code) = pending(&env);
    let tty = env.cmd(&["approve", &code]).on_tty(Answer::Nonce);
    assert_eq!(tty.code, 1, "{}", tty.screen);
    assert!(tty.screen.contains("not a member"), "{}", tty.screen);
    assert!(still_denied(&env, &call));

    std::fs::write(
        &roles,
        format!("[roles.release-manager]\nusers = [\"{name}\"]\n"),
    )
    .unwrap();
    let tty = env.cmd(&["approve", &code]).on_tty(Answer::Nonce);
    assert_eq!(tty.code, 0, "{}", tty.screen);
    assert!(tty.screen.contains("release-manager"));
    assert!(!still_denied(&env, &call));
}

#[test]
fn managed_mode_accepts_only_grants_signed_with_the_managed_key() {
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    // A timed grant signed with the personal key works until managed mode is switched on.
    let tty = env
        .cmd(&["approve", &code, "--for", "1h"])
        .on_tty(Answer::Nonce);
    assert_eq!(tty.code, 0, "{}", tty.screen);
    assert!(!still_denied(&env, &call));

    let init = env.run(&["approve", "--init-managed-key"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let system = env.path().join("system");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(system.join("approver.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the private key is for its owner only");
    assert!(system.join("approver.pub").exists());
    // A second init does not replace the key.
    assert_ne!(env.run(&["approve", "--init-managed-key"]).code, 0);

    // The personal grant no longer counts.
    let r = env.hook("codex", &call);
    assert!(denied("codex", &r.json()));
    assert!(r.stderr.contains("managed approver key"), "{}", r.stderr);
    let code = code_in(&reason("codex", &r.json()));

    // Signed with the managed key (the tests run as the key's owner), it does.
    let tty = env.cmd(&["approve", &code]).on_tty(Answer::Nonce);
    assert_eq!(tty.code, 0, "{}", tty.screen);
    assert!(tty.screen.contains("managed key"), "{}", tty.screen);
    let state: Value =
        serde_json::from_slice(&std::fs::read(env.path().join("data/state.json")).unwrap())
            .unwrap();
    let sig = state["approvals"][&code]["grant"]["sig"].as_str().unwrap();
    assert!(sig.starts_with("ed25519:"), "{sig}");
    assert!(!still_denied(&env, &call));
}

/// `sudo hookwarden approve` acts for the user who ran sudo, and only makes sense with the
/// managed key (root would otherwise sign with a personal key the user's hooks cannot read).
/// Runs only where the tests run as root, with `SUDO_UID` standing in for sudo.
#[test]
fn sudo_approvals_name_the_invoking_user_and_need_the_managed_key() {
    if rustix::process::getuid().as_raw() != 0 {
        return;
    }
    let Some(nobody) = hookwarden::approvers::user_name(65534) else {
        return;
    };
    let env = env_with(POLICY);
    let (call, code) = pending(&env);
    let tty = env
        .cmd(&["approve", &code])
        .env("SUDO_UID", "65534")
        .on_tty(Answer::Nonce);
    assert_eq!(tty.code, 1, "{}", tty.screen);
    assert!(
        tty.screen.contains("no managed approver key"),
        "{}",
        tty.screen
    );

    assert_eq!(env.run(&["approve", "--init-managed-key"]).code, 0);
    let code = code_in(&reason("codex", &env.hook("codex", &call).json()));
    let tty = env
        .cmd(&["approve", &code])
        .env("SUDO_UID", "65534")
        .on_tty(Answer::Nonce);
    assert_eq!(tty.code, 0, "{}", tty.screen);
    assert!(!still_denied(&env, &call));
    let audit = env.audit_lines();
    let grant = audit
        .iter()
        .rev()
        .find(|r| r["event"]["event_name"] == "hookwarden approve")
        .unwrap();
    assert_eq!(grant["context"]["approved_by"], nobody.as_str());
    assert_eq!(grant["context"]["approved_uid"], 65534);
    assert_eq!(grant["context"]["via_sudo"], true);
}
