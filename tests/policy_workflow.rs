//! The policy workflow end to end, through the built binary, in a temp config/data/store:
//! draft -> validate -> replay against a recorded audit log -> deploy (dry run, then real) ->
//! a running session stays pinned -> rollback; and the failure cases that must change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Run, Sandbox};
use std::path::{Path, PathBuf};

const TEAM_POLICY: &str = r#"
[policy]
name = "team"
use_case = "coding"
version = "1.0.0"

[[rule]]
id = "team.no-curl"
description = "Downloads from the agent go through the proxy, not curl."
boundary = "tool_request"
effect = "deny"
risk = 50
reason = "Use the package manager instead of curl."
when = { program = "curl" }

[[test]]
command = "curl https://example.invalid/x.sh"
expect = "deny"
fires = ["team.no-curl"]

[[test]]
command = "git status"
expect = "allow"
"#;

/// A sandbox whose commands run in `proj/` as `sec-eng`.
fn sandbox() -> Sandbox {
    Sandbox::new()
        .with_cwd("proj")
        .with_env("HOOKWARDEN_USER", "sec-eng")
}

/// One Claude PreToolUse Bash call; returns the hook's stdout.
fn bash(env: &Sandbox, session: &str, command: &str) -> String {
    env.hook(
        "claude",
        &serde_json::json!({
            "session_id": session,
            "transcript_path": null,
            "cwd": env.p("proj").display().to_string(),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": { "command": command },
            "tool_use_id": "toolu_1",
        }),
    )
    .stdout
}

/// A prompt in session `session`; the hook's stdout.
fn prompt(env: &Sandbox, session: &str, text: &str) -> String {
    env.hook(
        "claude",
        &serde_json::json!({
            "session_id": session,
            "transcript_path": null,
            "cwd": env.p("proj").display().to_string(),
            "hook_event_name": "UserPromptSubmit",
            "prompt": text,
        }),
    )
    .stdout
}

fn end_session(env: &Sandbox, session: &str) {
    env.hook(
        "claude",
        &serde_json::json!({
            "session_id": session,
            "cwd": env.p("proj").display().to_string(),
            "hook_event_name": "SessionEnd",
            "reason": "exit",
        }),
    );
}

fn store_dir(env: &Sandbox) -> PathBuf {
    env.config_dir().join("store")
}

fn denied(hook_stdout: &str) -> bool {
    hook_stdout.contains("\"permissionDecision\":\"deny\"")
}

/// The id `draft new` / `draft clone` printed.
fn draft_id(out: &str) -> String {
    out.split_whitespace()
        .skip_while(|w| *w != "draft")
        .nth(1)
        .unwrap()
        .to_string()
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("no store to compare at {} ({e})", dir.display()));
    for e in entries {
        let p = e.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".lock") {
            continue;
        }
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn draft_validate_replay_deploy_pin_rollback() {
    let env = sandbox();

    // A recorded history: an allowed curl and a denied rm -rf, under the embedded default.
    assert!(!denied(&bash(
        &env,
        "recorded",
        "curl https://example.invalid/x.sh"
    )));
    assert!(denied(&bash(&env, "recorded", "rm -rf /")));

    // Draft from a file; the draft is an editable file in the store.
    let src = env.write("team.toml", TEAM_POLICY);
    let out = env
        .run(&[
            "policy",
            "draft",
            "new",
            "--from",
            src.to_str().unwrap(),
            "-m",
            "block curl",
        ])
        .ok();
    let v1 = draft_id(&out.stdout);
    let draft_file = store_dir(&env).join("drafts").join(format!("{v1}.toml"));
    assert!(draft_file.is_file(), "{}", out.stdout);

    // Validate it.
    let out = env
        .run(&["policy", "validate", draft_file.to_str().unwrap()])
        .ok();
    assert!(out.stdout.contains("0 error(s)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("inline tests: 2 passed, 0 failed"),
        "{}",
        out.stdout
    );

    // Replay the recorded audit log under it: the curl (recorded as the default policy's
    // alert on a download from an unlisted host) would now be denied.
    let out = env.run(&["policy", "replay", &v1]).ok();
    assert!(out.stdout.contains("replayed 2 event(s)"), "{}", out.stdout);
    assert!(out.stdout.contains("alert -> deny: 1"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("team.no-curl: newly fires on 1 event(s) (deny)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("curl https://example.invalid/x.sh"),
        "{}",
        out.stdout
    );

    // Dry run: diff and impact, nothing written.
    let out = env.run(&["policy", "deploy", &v1, "--dry-run"]).ok();
    assert!(out.stdout.contains("replay impact"), "{}", out.stdout);
    assert!(
        out.stdout.contains("team.no-curl: newly fires"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("nothing was changed (dry run)"),
        "{}",
        out.stdout
    );
    assert!(!env.user_policy().exists());

    // A session that starts before the deploy.
    assert!(!denied(&bash(
        &env,
        "running",
        "curl https://example.invalid/a"
    )));

    // Deploy for real.
    let out = env.run(&["policy", "deploy", &v1, "-m", "block curl"]).ok();
    assert!(
        out.stdout.contains(&format!("deployed {v1}")),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(env.user_policy()).unwrap(),
        TEAM_POLICY
    );
    assert!(
        !draft_file.exists(),
        "a deployed draft is no longer a draft"
    );

    // The running session keeps its version; a new session gets the new one.
    assert!(!denied(&bash(
        &env,
        "running",
        "curl https://example.invalid/b"
    )));
    assert!(denied(&bash(
        &env,
        "fresh",
        "curl https://example.invalid/c"
    )));
    let recs = env.audit_lines();
    let version_of = |session: &str| -> Vec<String> {
        recs.iter()
            .filter(|r| r["session_id"] == session)
            .map(|r| r["policy_version"].as_str().unwrap().to_string())
            .collect()
    };
    let running = version_of("running");
    assert_eq!(running.len(), 2);
    assert_eq!(running[0], running[1], "the session stayed pinned");
    assert!(recs
        .iter()
        .all(|r| !r["policy_version"].as_str().unwrap().is_empty()));
    assert_ne!(version_of("fresh")[0], running[0]);

    // Clone, change, deploy v2.
    let out = env.run(&["policy", "draft", "clone", &v1]).ok();
    let v2 = draft_id(&out.stdout);
    let draft2 = store_dir(&env).join("drafts").join(format!("{v2}.toml"));
    let changed = std::fs::read_to_string(&draft2)
        .unwrap()
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace(
            "when = { program = \"curl\" }",
            "when = { program = [\"curl\", \"wget\"] }",
        );
    std::fs::write(&draft2, &changed).unwrap();
    env.run(&["policy", "deploy", &v2, "-m", "and wget"]).ok();
    assert!(denied(&bash(
        &env,
        "fresh2",
        "wget https://example.invalid/c"
    )));

    let out = env.run(&["policy", "diff", &v1, &v2]).ok();
    assert!(
        out.stdout.contains("rule team.no-curl changed"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("wget"), "{}", out.stdout);

    // Active versions are immutable.
    let out = env.run(&["policy", "draft", "delete", &v2]);
    assert_ne!(out.code, 0);
    assert!(
        out.all().contains("only drafts can be deleted"),
        "{}",
        out.all()
    );

    // Roll back to v1: the file the hook reads is v1 again.
    let out = env.run(&["policy", "rollback"]).ok();
    assert!(
        out.stdout.contains(&format!("{v2} -> {v1}")),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(env.user_policy()).unwrap(),
        TEAM_POLICY
    );
    assert!(!denied(&bash(
        &env,
        "fresh3",
        "wget https://example.invalid/c"
    )));

    let out = env.run(&["policy", "history"]).ok();
    assert!(
        out.stdout.contains(&format!("{v1}    active")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("{v2}    inactive")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("sec-eng"), "{}", out.stdout);
    assert!(out.stdout.contains("rollback"), "{}", out.stdout);

    // Deprecate the replaced version; the active one cannot be.
    env.run(&["policy", "deprecate", &v2]).ok();
    let out = env.run(&["policy", "deprecate", &v1]);
    assert_ne!(out.code, 0);
    assert!(out.all().contains("is the active version"), "{}", out.all());

    // The pinned session ends; its next life gets the active policy.
    end_session(&env, "running");
    assert!(denied(&bash(
        &env,
        "running",
        "curl https://example.invalid/d"
    )));
}

#[test]
fn invalid_policy_is_not_deployed_and_nothing_changes() {
    let env = sandbox();
    env.write("good.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", "../good.toml"]).ok();
    let before_store = snapshot(&store_dir(&env));
    let before_file = std::fs::read(env.user_policy()).unwrap();

    let bad = TEAM_POLICY.replace(
        "when = { program = \"curl\" }",
        "when = { program = \"curl\", args_regex = \"(unclosed\" }",
    );
    env.write("bad.toml", &bad);
    let out = env.run(&["policy", "deploy", "../bad.toml"]);
    assert_ne!(out.code, 0);
    assert!(out.all().contains("bad.toml:14:28:"), "{}", out.all());
    assert!(out.all().contains("not a valid regex"), "{}", out.all());
    assert!(out.all().contains("nothing was changed"), "{}", out.all());

    // Unknown fields are schema errors with a position.
    env.write("typo.toml", &TEAM_POLICY.replace("risk = 50", "rsik = 50"));
    let out = env.run(&["policy", "deploy", "../typo.toml"]);
    assert_ne!(out.code, 0);
    assert!(out.all().contains("typo.toml:12:1"), "{}", out.all());
    assert!(out.all().contains("rsik"), "{}", out.all());

    // A policy whose own example fails.
    let failing = TEAM_POLICY.replace(
        "command = \"git status\"\nexpect = \"allow\"",
        "command = \"git status\"\nexpect = \"deny\"",
    );
    env.write("failing.toml", &failing);
    let out = env.run(&["policy", "deploy", "../failing.toml"]);
    assert_ne!(out.code, 0);
    assert!(
        out.all()
            .contains("inline test `command `git status`` fails: expected deny, got allow"),
        "{}",
        out.all()
    );
    assert!(out.all().contains("1 failing inline test"), "{}", out.all());

    assert_eq!(snapshot(&store_dir(&env)), before_store);
    assert_eq!(std::fs::read(env.user_policy()).unwrap(), before_file);
}

#[test]
fn validate_reports_every_problem_with_its_position() {
    let env = sandbox();
    let text = r#"[policy]
name = "p"

[lists]
hosts = ["example.com"]

[[rule]]
id = "a"
description = "d"
effect = "deny"
when = { flag = "shell.teleport" }

[[rule]]
id = "a"
effect = "ask"
when = { hosts_any = "@nowhere", flag = "secret.detected" }

[[rule]]
id = "c"
description = "dead"
boundary = "prompt"
effect = "deny"
when = { program = "git" }
"#;
    let f = env.write("p.toml", text);
    let out = env.run(&["policy", "validate", f.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.all());
    let s = out.stdout;
    let name = f.display().to_string();
    assert!(
        s.contains(&format!(
            "error: {name}:11:17: rule `a`: no signal raises flag `shell.teleport`"
        )),
        "{s}"
    );
    assert!(
        s.contains(&format!("error: {name}:14:6: duplicate rule id `a`")),
        "{s}"
    );
    assert!(
        s.contains("`@nowhere` refers to a list that does not exist (lists: allowed_hosts, hosts)"),
        "{s}"
    );
    assert!(s.contains("rule `c` can never fire"), "{s}");
    assert!(s.contains("rule `a` has no description"), "{s}");

    // A valid file still gets warnings: a rule without an example.
    let lonely = TEAM_POLICY.replace("[[test]]\ncommand = \"curl https://example.invalid/x.sh\"\nexpect = \"deny\"\nfires = [\"team.no-curl\"]\n", "");
    let f = env.write("lonely.toml", &lonely);
    let out = env.run(&["policy", "validate", f.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("warning: "), "{}", out.stdout);
    assert!(
        out.stdout.contains("rule `team.no-curl` has no example"),
        "{}",
        out.stdout
    );

    // `policy flags` lists what `flag` may name.
    let flags = env.run(&["policy", "flags"]).ok().stdout;
    assert!(
        flags.lines().any(|l| l == "shell.recursive_delete"),
        "{flags}"
    );
    assert!(flags.lines().any(|l| l == "secret.detected"), "{flags}");

    // The default policy passes its own tests.
    let out = env.run(&["policy", "validate"]).ok();
    assert!(out.stdout.contains("0 error(s)"), "{}", out.stdout);
}

#[test]
fn concurrent_deploys_one_wins_the_other_is_told() {
    let env = sandbox();
    env.write("a.toml", TEAM_POLICY);
    env.write(
        "b.toml",
        &TEAM_POLICY.replace("version = \"1.0.0\"", "version = \"2.0.0\""),
    );

    // Another deploy holds the store: this one is refused at once and changes nothing.
    std::fs::create_dir_all(store_dir(&env)).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(store_dir(&env).join(".lock"))
        .unwrap();
    fs2::FileExt::lock_exclusive(&lock).unwrap();
    let out = env.run(&["policy", "deploy", "../a.toml"]);
    assert_ne!(out.code, 0);
    assert!(
        out.all()
            .contains("another hookwarden policy command is changing the store"),
        "{}",
        out.all()
    );
    assert!(!env.user_policy().exists());
    assert!(!store_dir(&env).join("store.json").exists());
    fs2::FileExt::unlock(&lock).unwrap();
    drop(lock);

    // Two real deploys at once: each either wins or is told; the store stays consistent.
    let spawn = |f: &str| env.cmd(&["policy", "deploy", f]).spawn();
    let (a, b) = (spawn("../a.toml"), spawn("../b.toml"));
    let runs: [Run; 2] = [a.wait(), b.wait()];
    assert!(runs.iter().any(|r| r.code == 0));
    for r in &runs {
        if r.code != 0 {
            let m = r.all();
            assert!(
                m.contains("another hookwarden policy command") || m.contains("another deploy won"),
                "{m}"
            );
        }
    }
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store_dir(&env).join("store.json")).unwrap())
            .unwrap();
    let active_id = index["active"]["coding"].as_str().unwrap();
    let actives: Vec<_> = index["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "active")
        .collect();
    assert_eq!(actives.len(), 1);
    assert_eq!(actives[0]["id"], active_id);
    let live = std::fs::read_to_string(env.user_policy()).unwrap();
    let hash = actives[0]["hash"].as_str().unwrap();
    let stored = std::fs::read_to_string(
        store_dir(&env)
            .join("versions")
            .join(format!("{hash}.toml")),
    )
    .unwrap();
    assert_eq!(
        live, stored,
        "the file the hook reads is the active version"
    );
}

#[test]
fn corrupted_store_is_a_clear_error_and_changes_nothing() {
    let env = sandbox();
    env.write("a.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", "../a.toml"]).ok();
    std::fs::write(
        store_dir(&env).join("store.json"),
        "{\"format\": 1, \"versions\": [tru",
    )
    .unwrap();
    let before_store = snapshot(&store_dir(&env));
    let before_file = std::fs::read(env.user_policy()).unwrap();
    for args in [
        vec!["policy", "deploy", "../a.toml"],
        vec!["policy", "rollback"],
        vec!["policy", "history"],
        vec!["policy", "draft", "new"],
    ] {
        let out = env.run(&args);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(
            out.all().contains("store.json is corrupted"),
            "{}",
            out.all()
        );
        assert!(out.all().contains("nothing was changed"), "{}", out.all());
    }
    assert_eq!(snapshot(&store_dir(&env)), before_store);
    assert_eq!(std::fs::read(env.user_policy()).unwrap(), before_file);

    // A version file edited behind the store's back is detected too.
    let env = sandbox();
    env.write("a.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", "../a.toml"]).ok();
    let versions = store_dir(&env).join("versions");
    let f = std::fs::read_dir(&versions)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&f, "[policy]\nname = \"tampered\"\n").unwrap();
    let out = env.run(&["policy", "draft", "clone", "v1"]);
    assert_ne!(out.code, 0);
    assert!(
        out.all().contains("does not match the recorded hash"),
        "{}",
        out.all()
    );
}

#[test]
fn scope_is_fixed_after_first_activation() {
    let env = sandbox();
    env.write("a.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", "../a.toml", "--scope", "user"])
        .ok();
    let out = env.run(&["policy", "deploy", "../a.toml", "--scope", "org"]);
    assert_ne!(out.code, 0);
    assert!(
        out.all().contains("fixed to the user scope"),
        "{}",
        out.all()
    );
    assert!(!env.p("org-policy.toml").exists());

    // The project scope writes the project's .hookwarden/policy.toml.
    let other = TEAM_POLICY.replace("use_case = \"coding\"", "use_case = \"repo\"");
    env.write("p.toml", &other);
    env.run(&[
        "policy",
        "deploy",
        "../p.toml",
        "--scope",
        "project",
        "--project-dir",
        env.p("proj").to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(env.p("proj/.hookwarden/policy.toml")).unwrap(),
        other
    );
}

#[test]
fn audit_only_rules_record_would_deny_and_allow() {
    let env = sandbox();
    let audit_rule = TEAM_POLICY.replace("risk = 50", "risk = 50\nmode = \"audit\"");
    env.write("user-policy.toml", &audit_rule);
    let out = bash(&env, "s", "curl https://example.invalid/x.sh");
    assert!(!denied(&out), "audit-only must not block: {out}");
    let rec = env.audit_lines().pop().unwrap();
    // The enforced default still alerts on a download from an unlisted host; the audit-only
    // deny is recorded as what would have happened.
    assert_eq!(rec["effect"], "alert");
    assert_eq!(rec["would_effect"], "deny");
    let team = rec["fired"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "team.no-curl")
        .unwrap_or_else(|| panic!("team.no-curl not in the fire list: {rec}"));
    assert_eq!(team["mode"], "audit");

    // A whole policy in audit mode.
    let whole = TEAM_POLICY.replace(
        "version = \"1.0.0\"",
        "version = \"1.0.0\"\nmode = \"audit\"",
    );
    env.write("user-policy.toml", &whole);
    assert!(!denied(&bash(
        &env,
        "s2",
        "curl https://example.invalid/y.sh"
    )));
    // The enforced default still applies next to it.
    assert!(denied(&bash(&env, "s3", "rm -rf /")));

    let out = env.run(&["audit", "--effect", "deny"]).ok();
    assert!(out.stdout.contains("alert (would deny)"), "{}", out.stdout);
    assert!(out.stdout.contains("team.no-curl"), "{}", out.stdout);
    assert!(
        out.stdout.contains("curl https://example.invalid/x.sh"),
        "{}",
        out.stdout
    );

    let out = env.run(&["audit", "--summary"]).ok();
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("team.no-curl"))
        .unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cols[1..4], &["2", "2", "2"], "{}", out.stdout);

    let out = env
        .run(&["audit", "--rule", "fs.*", "--session", "s3", "--json"])
        .ok();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}

#[test]
fn audit_log_masks_secrets_and_replay_keeps_them_masked() {
    let env = sandbox();
    bash(&env, "s", "curl -H 'Authorization: token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' https://example.invalid");
    let log = std::fs::read_to_string(env.p("audit.jsonl")).unwrap();
    assert!(!log.contains("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"));
    env.write("team.toml", TEAM_POLICY);
    let out = env.run(&["policy", "replay", "../team.toml"]).ok();
    assert!(
        out.stdout.contains("team.no-curl: newly fires"),
        "{}",
        out.stdout
    );
    assert!(!out
        .stdout
        .contains("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"));
    let out = env.run(&["audit", "--all"]).ok();
    assert!(!out
        .stdout
        .contains("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"));
}

#[test]
fn replay_reads_transcripts() {
    let env = sandbox();
    let t = env.write(
        "transcript.jsonl",
        &format!(
            "{}\n{}\n",
            r#"{"type":"user","sessionId":"t1","cwd":"/w","message":{"role":"user","content":"fetch it"}}"#,
            r#"{"type":"assistant","sessionId":"t1","timestamp":"2026-11-20T10:00:00Z","message":{"content":[{"type":"tool_use","id":"x","name":"Bash","input":{"command":"curl https://example.invalid/i.sh"}}]}}"#
        ),
    );
    env.write("team.toml", TEAM_POLICY);
    let out = env
        .run(&[
            "policy",
            "replay",
            "../team.toml",
            "--transcript",
            t.to_str().unwrap(),
            "--since",
            "all",
        ])
        .ok();
    assert!(
        out.stdout
            .contains("0 from the audit log, 1 from transcripts"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("alert -> deny: 1"), "{}", out.stdout);
}

#[test]
fn show_effective_says_where_each_rule_came_from() {
    let env = sandbox();
    env.write(
        "org-policy.toml",
        r#"[policy]
name = "acme-org"
version = "3"

[teams]
contractors = ["alice"]

[[rule]]
id = "org.contractors-no-push"
description = "Contractors open pull requests; they do not push."
boundary = "tool_request"
effect = "deny"
when = { program = "git", subcommand = "push", team = "contractors" }

[[test]]
command = "git push"
user = "alice"
expect = "deny"

[[test]]
command = "git push"
user = "bob"
expect = "allow"
"#,
    );
    env.write(
        "user-policy.toml",
        r#"[policy]
name = "mine"

[[rule]]
id = "org.contractors-no-push"
description = "try to weaken"
effect = "allow"
when = { program = "git" }
"#,
    );
    let out = env.run(&["policy", "show", "--effective"]).ok();
    let s = out.stdout;
    assert!(s.contains("org      acme-org@3"), "{s}");
    assert!(s.contains("user     mine@0"), "{s}");
    assert!(s.contains("org.contractors-no-push"), "{s}");
    assert!(s.contains("from org"), "{s}");
    assert!(
        s.contains("is not overridable; this definition is ignored"),
        "{s}"
    );
    assert!(s.contains("teams: contractors (alice)"), "{s}");
    let toml_out = env
        .run(&["policy", "show", "--effective", "--toml"])
        .ok()
        .stdout;
    assert!(toml_out.contains("# from org scope"), "{toml_out}");
    assert!(toml_out.contains("[[rule]]"), "{toml_out}");

    // Team membership from the org policy applies in the hook.
    let push = |user: &str| {
        env.hook_with(
            "claude",
            &serde_json::json!({
                "session_id": format!("push-{user}"),
                "cwd": env.p("proj").display().to_string(),
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_input": { "command": "git push origin main" },
            }),
            &[("HOOKWARDEN_USER", user)],
        )
        .stdout
    };
    assert!(denied(&push("alice")));
    assert!(!denied(&push("bob")));
}

#[test]
fn export_and_import_between_stores() {
    let env = sandbox();
    env.write("a.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", "../a.toml", "-m", "first"])
        .ok();
    let exported = env.p("export.json");
    env.run(&["policy", "export", "-o", exported.to_str().unwrap()])
        .ok();
    let other = env.p("other-store");
    let out = env
        .run(&[
            "policy",
            "import",
            exported.to_str().unwrap(),
            "--store",
            other.to_str().unwrap(),
        ])
        .ok();
    assert!(
        out.stdout.contains("imported 1 version(s)"),
        "{}",
        out.stdout
    );
    let out = env
        .run(&["policy", "history", "--store", other.to_str().unwrap()])
        .ok();
    assert!(
        out.stdout.contains("inactive"),
        "imports never activate: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("first (imported; was v1)"),
        "{}",
        out.stdout
    );

    // A tampered export is refused whole.
    let text = std::fs::read_to_string(&exported)
        .unwrap()
        .replace("team.no-curl", "team.no-kurl");
    std::fs::write(&exported, text).unwrap();
    let third = env.p("third-store");
    let out = env.run(&[
        "policy",
        "import",
        exported.to_str().unwrap(),
        "--store",
        third.to_str().unwrap(),
    ]);
    assert_ne!(out.code, 0);
    assert!(
        out.all().contains("does not match its recorded hash"),
        "{}",
        out.all()
    );
    assert!(!third.join("store.json").exists());
}

#[test]
fn every_example_in_the_policy_docs_parses_and_passes_its_tests() {
    use hookwarden::policy::{self, testing, validate, Scope};
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/policy.md")).unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").unwrap();
        let text = &body[..end];
        blocks += 1;
        // Org scope: the one where every table (teams too) is honoured.
        let name = format!("docs/policy.md block {blocks}");
        let layer = policy::parse_layer(Scope::Org, &name, text.to_string())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        let compiled = policy::compile(&[policy::default_layer().unwrap(), layer]).unwrap();
        for r in testing::run_tests(&compiled)
            .iter()
            .filter(|r| r.origin == name)
        {
            assert!(r.passed, "{name}: {} {:?}\n{text}", r.name, r.problem);
        }
        let report = validate::validate_text(text, &name, Scope::Org, &[]);
        assert_eq!(report.errors(), 0, "{name}:\n{}", report.render());
        rest = &body[end + 3..];
    }
    assert!(blocks >= 10, "found {blocks} examples");
}

#[test]
fn replay_sees_the_environment_the_decision_was_made_in() {
    let env = sandbox();
    let rule = |effect: &str| {
        format!(
            r#"[policy]
name = "envs"

[[rule]]
id = "ops.prod-terraform"
description = "Production infrastructure changes go through the pipeline."
boundary = "tool_request"
effect = "{effect}"
when = {{ program = "terraform", env = {{ DEPLOY_ENV = "prod*" }} }}

[[test]]
command = "terraform apply"
env = {{ DEPLOY_ENV = "prod-eu" }}
expect = "{effect}"
"#
        )
    };
    // Recorded while the rule only alerted (the default policy asks before `terraform apply`
    // anywhere): the hook records DEPLOY_ENV because a rule tests it.
    env.write("user-policy.toml", &rule("alert"));
    let payload = serde_json::json!({
        "session_id": "e1",
        "cwd": env.p("proj").display().to_string(),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": "terraform apply -auto-approve" },
    });
    env.hook_with("claude", &payload, &[("DEPLOY_ENV", "prod-eu")]);
    let mut staging = payload.clone();
    staging["session_id"] = "e2".into();
    env.hook_with("claude", &staging, &[("DEPLOY_ENV", "staging")]);
    let recs = env.audit_lines();
    assert_eq!(recs[0]["context"]["deploy_env"], "prod-eu");

    env.write("candidate.toml", &rule("deny"));
    let out = env.run(&["policy", "replay", "../candidate.toml"]).ok();
    assert!(out.stdout.contains("ask -> deny: 1"), "{}", out.stdout);
    assert!(out.stdout.contains("1 unchanged"), "{}", out.stdout);
}

/// `policy test FILE` runs the file's examples with the layers `policy validate` gives it: the
/// embedded default below it, so an example may count on a default rule.
#[test]
fn policy_test_uses_the_layers_validate_uses() {
    let env = sandbox();
    let text = r#"[policy]
name = "team"

[[rule]]
id = "team.no-telnet"
description = "telnet sends credentials in clear text"
boundary = "tool_request"
effect = "deny"
when = { program = "telnet" }

[[test]]
command = "telnet example.com"
expect = "deny"
fires = ["team.no-telnet"]

[[test]]
command = "rm -rf /"
expect = "deny"
fires = ["fs.recursive-delete"]
"#;
    let f = env.write("team.toml", text);
    let path = f.to_str().unwrap();
    let out = env.run(&["policy", "validate", path]);
    assert_eq!(out.code, 0, "{}", out.all());
    let out = env.run(&["policy", "test", path]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("2 passed, 0 failed"), "{}", out.all());

    // A rule that cannot load is reported with its position, not run.
    let broken = text.replace("program = \"telnet\"", "runtime = \"claude-code\"");
    let f = env.write("broken.toml", &broken);
    let out = env.run(&["policy", "test", f.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("broken.toml:9:20: rule `team.no-telnet`: unknown runtime `claude-code`"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("did you mean `claude`?"),
        "{}",
        out.all()
    );
}

/// `policy compile` writes the hook's compiled-policy cache for every boundary, with the
/// regex matchers beside each entry: the hook calls that follow, of a pinned session or not,
/// decide from it and write nothing.
#[test]
fn policy_compile_prebuilds_the_hook_cache() {
    let env = sandbox();
    std::fs::write(
        env.user_policy(),
        r#"
[policy]
name = "regexes"
version = "1.0.0"

[[rule]]
id = "team.codename"
boundary = "prompt"
effect = "deny"
reason = "Codenames stay out of prompts."
when = { text_regex = '(?i)\b(project|codename)[-_ ]?(falcon|orion)\b' }

[[rule]]
id = "team.drop-table"
boundary = "tool_request"
effect = "deny"
reason = "No dropping tables."
when = { program = "psql", args_regex = '(?i)(drop|truncate)\s+table\s+\w+' }
"#,
    )
    .unwrap();
    env.run(&["policy", "compile", "--runtime", "claude"]).ok();
    let compiled = env.data_dir().join("compiled");
    let before = snapshot(&compiled);
    let names: Vec<String> = before
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let count = |suffix: &str| names.iter().filter(|n| n.ends_with(suffix)).count();
    // Five boundaries, each under the texts' key and under the key of the layer set a
    // session pins them to; text regexes at the prompt, value regexes at tool requests.
    assert_eq!(count(".bin"), 10, "{names:?}");
    assert_eq!(count(".prompt.text.rx"), 2, "{names:?}");
    assert_eq!(count(".tool_request.value.rx"), 2, "{names:?}");
    assert_eq!(names.len(), 14, "{names:?}");

    let prompt = |session: &str, text: &str| prompt(&env, session, text);
    // The first event of a session pins it; the next ones read the pinned set's entries.
    assert!(!prompt("s1", "Refactor the parser.").contains("Codenames"));
    assert!(prompt("s1", "Status of Project-Falcon?").contains("Codenames"));
    assert!(!prompt("s1", "Status of Project-Falconry?").contains("Codenames"));
    assert!(prompt("", "é codename orion é").contains("Codenames"));
    assert!(denied(&bash(&env, "s1", "psql -c 'DROP TABLE users'")));
    assert!(!denied(&bash(&env, "s1", "psql -c 'select 1'")));
    assert_eq!(snapshot(&compiled), before, "a hook call rewrote the cache");
}

#[test]
fn decisions_name_the_deployed_version_as_history_shows_it() {
    let env = sandbox();
    let file = env.write("team.toml", TEAM_POLICY);
    env.run(&["policy", "deploy", file.to_str().unwrap()]).ok();
    let history = env.run(&["policy", "history"]).ok().stdout;
    let row = history
        .lines()
        .find(|l| l.contains(" active "))
        .unwrap_or_else(|| panic!("{history}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    let (id, sha) = (cols[0], cols[5]);
    assert_eq!(sha.len(), 12, "{row}");
    assert!(denied(&bash(
        &env,
        "s-version",
        "curl https://example.invalid/x"
    )));
    let recs = env.audit_lines();
    let version = recs.last().unwrap()["policy_version"].as_str().unwrap();
    assert_eq!(version, format!("{id} sha256 {sha}"), "history:\n{history}");
    // The audit view shows it the same way.
    let view = env.run(&["audit"]).ok().stdout;
    assert!(
        view.contains(&format!("[policy {id} sha256 {sha}]")),
        "{view}"
    );
    // A file edited by hand is no stored version: its scope and hash are named instead.
    let target = env.user_policy();
    let edited = std::fs::read_to_string(&target)
        .unwrap()
        .replace("Use the package manager", "Use the proxy");
    std::fs::write(&target, &edited).unwrap();
    assert!(denied(&bash(
        &env,
        "s-edited",
        "curl https://example.invalid/y"
    )));
    let recs = env.audit_lines();
    let version = recs.last().unwrap()["policy_version"].as_str().unwrap();
    assert!(version.starts_with("user sha256 "), "{version}");
    assert_ne!(version, format!("user sha256 {sha}"));
}

/// A running session keeps the user layer it started with, however the file changes and
/// even when its pinned layer set is damaged once the session's entries exist; an org
/// policy still reaches it.
#[test]
fn a_pinned_session_keeps_its_layers_and_takes_the_org_policy() {
    let env = sandbox();
    env.mkdir("proj");
    std::fs::write(env.user_policy(), TEAM_POLICY).unwrap();
    let denied = |out: &str| out.contains("\"deny\"");
    assert!(denied(&bash(
        &env,
        "s1",
        "curl https://example.invalid/x.sh"
    )));
    assert!(denied(&bash(
        &env,
        "s1",
        "curl https://example.invalid/y.sh"
    )));
    std::fs::write(
        env.user_policy(),
        TEAM_POLICY.replace("\"deny\"", "\"allow\""),
    )
    .unwrap();
    assert!(
        !denied(&bash(&env, "s2", "curl https://example.invalid/x.sh")),
        "a new session takes the edited file"
    );
    assert!(
        denied(&bash(&env, "s1", "curl https://example.invalid/x.sh")),
        "the running session keeps its pinned layer"
    );
    for set in std::fs::read_dir(store_dir(&env).join("layersets")).unwrap() {
        std::fs::write(set.unwrap().path(), "{ damaged").unwrap();
    }
    assert!(
        denied(&bash(&env, "s1", "curl https://example.invalid/x.sh")),
        "a damaged set does not undo the session's pin"
    );
    std::fs::write(
        env.org_policy(),
        "[policy]\nname = \"org\"\nversion = \"1.0.0\"\n\n[[rule]]\nid = \"org.no-wget\"\ndescription = \"No wget.\"\nboundary = \"tool_request\"\neffect = \"deny\"\nreason = \"No wget.\"\nwhen = { program = \"wget\" }\n",
    )
    .unwrap();
    let out = bash(&env, "s1", "wget https://example.invalid/x.sh");
    assert!(denied(&out) && out.contains("org.no-wget"), "{out}");
}

/// A big text (the secret signal then runs on a thread of its own, and the policy's text
/// matcher beside it) is decided as a small one: a text regex alone, a text regex with a flag
/// the signals raise, on prompts and on tool output, ASCII or not.
#[test]
fn text_regexes_on_big_texts_decide_as_on_small_ones() {
    let env = sandbox();
    std::fs::write(
        env.user_policy(),
        r#"
[policy]
name = "big-texts"
version = "1.0.0"

[[rule]]
id = "team.codename"
boundary = "prompt"
effect = "deny"
reason = "Codenames stay out of prompts."
when = { text_regex = '(?i)\b(project|codename)[-_ ]?(falcon|orion)\b' }

[[rule]]
id = "team.ticket-with-key"
boundary = "tool_output"
effect = "alert"
reason = "A ticket number next to a key."
when = { flag = "secret.detected", text_regex = '\b[A-Z]{2,5}-\d{3,6}\b' }

[[rule]]
id = "team.internal-host"
boundary = "tool_output"
effect = "alert"
reason = "An internal host name."
when = { text_regex = '(?i)[a-z0-9-]+\.atlas7\.corp\.example' }
"#,
    )
    .unwrap();
    let filler = |mark: &str| {
        let line = format!(
            "{mark}2026-11-23T10:15:02Z INFO request completed status=200 route=/api/v1/items\n"
        );
        line.repeat(80 * 1024 / line.len())
    };
    let prompt = |text: &str| prompt(&env, "big", text);
    for mark in ["", "✓ "] {
        let body = filler(mark);
        assert!(body.len() > 64 * 1024);
        assert!(!prompt(&body).contains("Codenames"));
        // The session's first event started its pin, and its audit line says so.
        let pin = if mark.is_empty() { "new" } else { "pinned" };
        let last = env.audit_lines().pop().unwrap();
        assert_eq!(last["context"]["policy_pin"], pin, "{last}");
        let hit = format!("{body}Status of Project-Falcon?\n{body}");
        assert!(prompt(&hit).contains("Codenames"), "mark {mark:?}");
    }
    let output = |text: &str| {
        env.hook(
            "claude",
            &serde_json::json!({
                "session_id": "big",
                "transcript_path": null,
                "cwd": env.p("proj").display().to_string(),
                "hook_event_name": "PostToolUse",
                "tool_name": "Bash",
                "tool_input": { "command": "make logs" },
                "tool_response": { "stdout": text, "stderr": "", "interrupted": false },
            }),
        );
        let last = env.audit_lines().pop().unwrap();
        last["rule_ids"].to_string()
    };
    let body = filler("");
    let fired = output(&body);
    assert!(!fired.contains("team."), "{fired}");
    let fired = output(&format!("{body}db-3.ATLAS7.corp.example:5432\n{body}"));
    assert!(fired.contains("team.internal-host"), "{fired}");
    assert!(!fired.contains("team.ticket-with-key"), "{fired}");
    // The ticket rule needs the secret flag too: a ticket alone does not fire it.
    let fired = output(&format!("{body}see ABC-1234\n{body}"));
    assert!(!fired.contains("team.ticket-with-key"), "{fired}");
    let key = "ghp_Xq3vN8rT2mW5kY7pL9sD4fH6jB1cZ0aE8uQw";
    let fired = output(&format!("{body}see ABC-1234 token {key}\n{body}"));
    assert!(fired.contains("team.ticket-with-key"), "{fired}");
}
