//! Redaction markers carry a keyed fingerprint: the key is this install's own (created in the
//! data dir, `0600`, only once something is found), repeats of a secret get the same marker
//! across hook calls, and another install's markers for the same secret differ.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, Sandbox, GH_TOKEN};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

fn marker(env: &Sandbox, stdout: &str) -> String {
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!(stdout);
    let r = env.hook("claude", &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json()["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let at = out.find("[REDACTED:github-pat#").expect("redacted");
    out[at..at + out[at..].find(']').unwrap() + 1].to_string()
}

#[test]
fn markers_correlate_within_an_install_only() {
    let env = Sandbox::new();
    let key = env.data_dir().join("fingerprint.key");
    // A clean output: nothing fingerprinted, no key read or made.
    let mut ev = fixture("claude", "PostToolUse_Bash", &env.work());
    ev["tool_response"]["stdout"] = json!("all tests passed\n");
    assert_eq!(env.hook("claude", &ev).code, 0);
    assert!(!key.exists(), "a clean call made the fingerprint key");

    let first = marker(&env, &format!("GITHUB_TOKEN={GH_TOKEN}\n"));
    assert!(key.exists());
    assert_eq!(key.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    let again = marker(&env, &format!("token: {GH_TOKEN}\n"));
    assert_eq!(first, again, "the same secret, the same marker");

    let other = Sandbox::new();
    assert_ne!(first, marker(&other, &format!("GITHUB_TOKEN={GH_TOKEN}\n")));
}
