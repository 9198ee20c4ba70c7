//! The test harness keeps the binary away from the host: a developer's own hookwarden
//! variables, org and user policy, home and agent variables (`CLAUDECODE`, `CODEX_*`, ...)
//! never reach a test, and everything the binary is told about lives in the sandbox.
//! This file is the only test that changes its own process environment, so it runs alone in
//! its own test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox;
use std::path::{Path, PathBuf};

/// A policy that denies `echo` outright: if it is ever loaded, `check -- echo` says so.
const LEAKED_POLICY: &str = r#"
[[rule]]
id = "host.leaked"
effect = "deny"
reason = "A host policy reached the test."
when = { program = "echo" }
"#;

#[test]
fn the_developers_environment_never_reaches_the_binary() {
    let env = Sandbox::new();
    // The sandbox's own policy stops any call made while an agent's variable is visible.
    env.write(
        "user-policy.toml",
        r#"
[[rule]]
id = "sandbox.agent-variable-leaked"
effect = "deny"
reason = "An agent variable of the developer's shell reached the test."
when = { program = "echo", env = { CLAUDECODE = "*" } }
"#,
    );
    let work = env.work().display().to_string();
    let check = ["check", "--cwd", work.as_str(), "--", "echo", "hi"];

    let host = tempfile::tempdir().unwrap();
    let host_policy = host.path().join("policy.toml");
    std::fs::write(&host_policy, LEAKED_POLICY).unwrap();
    let host_home = host.path().join("home");
    std::fs::create_dir_all(&host_home).unwrap();

    // Both probes work: each policy, when it does reach the binary, denies.
    let r = env.cmd(&check).env("CLAUDECODE", "1").run();
    assert!(r.stdout.contains("agent-variable-leaked"), "{}", r.all());
    let r = env
        .cmd(&check)
        .env("HOOKWARDEN_ORG_POLICY", &host_policy)
        .run();
    assert!(r.stdout.contains("host.leaked"), "{}", r.all());

    // A developer's shell with hookwarden configured and an agent running.
    let hostile: Vec<(&str, &std::ffi::OsStr)> = vec![
        ("HOOKWARDEN_ORG_POLICY", host_policy.as_os_str()),
        ("HOOKWARDEN_USER_POLICY", host_policy.as_os_str()),
        ("HOOKWARDEN_CONFIG_DIR", host.path().as_os_str()),
        ("HOOKWARDEN_DATA_DIR", host.path().as_os_str()),
        ("HOOKWARDEN_AUDIT", host_home.as_os_str()),
        ("HOOKWARDEN_ALERTS_FILE", host_home.as_os_str()),
        ("HOOKWARDEN_TEAM", "host-team".as_ref()),
        ("HOOKWARDEN_ENV", "freeze".as_ref()),
        ("HOOKWARDEN_PIN", "off".as_ref()),
        ("HOME", host_home.as_os_str()),
        ("XDG_CONFIG_HOME", host_home.as_os_str()),
        ("XDG_DATA_HOME", host_home.as_os_str()),
        ("CODEX_HOME", host_home.as_os_str()),
        ("TMPDIR", host_home.as_os_str()),
        ("CLAUDECODE", "1".as_ref()),
        ("CODEX_SANDBOX", "seatbelt".as_ref()),
        ("GEMINI_API_KEY", "host-key".as_ref()),
    ];
    for (k, v) in &hostile {
        std::env::set_var(k, v);
    }
    let r = env.run(&check);
    let hook = env.run(&["hook", "--runtime", "claude"]);
    for (k, _) in &hostile {
        std::env::remove_var(k);
    }

    assert_eq!(r.code, 0, "echo is allowed in the sandbox:\n{}", r.all());
    assert_eq!(hook.code, 2, "empty input fails closed: {}", hook.all());
    assert!(env.audit_path().is_file(), "the audit goes to the sandbox");
    assert_eq!(
        walk(host.path()),
        vec![host_policy.clone()],
        "nothing was written outside the sandbox"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
