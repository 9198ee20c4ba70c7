//! The audit log's hash chain through the built binary: `hookwarden audit verify` passes on
//! an intact log and names the first deleted, edited, reordered or cut line; older logs
//! without the chain still read; huge fields are cut with their hash; a symlinked log is
//! not followed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sandbox as Env;
use serde_json::Value;

/// A log of `n` decisions written by the hook.
fn logged(n: usize) -> Env {
    let env = Env::new();
    for i in 0..n {
        let mut call = common::fixture("codex", "PreToolUse_Bash", &env.work());
        call["tool_input"]["command"] = Value::String(format!("echo step-{i}"));
        assert_eq!(env.hook("codex", &call).code, 0);
    }
    env
}

fn lines(env: &Env) -> Vec<String> {
    env.audit_text().lines().map(String::from).collect()
}

fn rewrite(env: &Env, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(env.audit_path(), text).unwrap();
}

fn verify(env: &Env) -> common::Run {
    env.run(&["audit", "verify"])
}

#[test]
fn an_intact_log_verifies_and_every_line_is_linked() {
    let env = logged(5);
    let r = verify(&env);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("OK: seq 1-5 intact"), "{}", r.stdout);
    let recs = env.audit_lines();
    for (i, rec) in recs.iter().enumerate() {
        assert_eq!(rec["seq"], i as u64 + 1);
    }
    assert_eq!(
        recs[0]["prev"],
        "0000000000000000000000000000000000000000000000000000000000000000"
    );
    // `audit` itself still reads chained lines.
    let show = env.run(&["audit", "--all"]);
    assert!(show.stdout.contains("echo step-4"), "{}", show.stdout);
    // --file names the log explicitly.
    let path = env.audit_path();
    let r = env.run(&["audit", "verify", "--file", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_deleted_line_is_reported() {
    let env = logged(5);
    let mut l = lines(&env);
    l.remove(2);
    rewrite(&env, &l);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("BROKEN: line 3 has seq 4 after seq 2: 1 line(s) were deleted"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_edited_line_is_reported() {
    let env = logged(5);
    let mut l = lines(&env);
    l[1] = l[1].replace("step-1", "step-X");
    rewrite(&env, &l);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "BROKEN: line 3 (seq 3) does not match the hash of line 2: that line was edited"
        ),
        "{}",
        r.stdout
    );
    // The last line, edited: caught by the recorded head.
    let env = logged(3);
    let mut l = lines(&env);
    l[2] = l[2].replace("step-2", "step-Y");
    rewrite(&env, &l);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("last line (seq 3)"), "{}", r.stdout);
}

#[test]
fn reordered_lines_are_reported() {
    let env = logged(4);
    let mut l = lines(&env);
    l.swap(1, 2);
    rewrite(&env, &l);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("BROKEN: line 2 has seq 3 after seq 1"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_truncated_log_is_reported() {
    let env = logged(5);
    let l = lines(&env);
    rewrite(&env, &l[..3]);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "the log ends at seq 3 but the recorded head is seq 5: 2 line(s) were cut from the end"
        ),
        "{}",
        r.stdout
    );
    // Cut mid-line.
    let text = env.audit_text();
    std::fs::write(env.audit_path(), &text[..text.len() - 40]).unwrap();
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("line 3 is not a whole JSON record"),
        "{}",
        r.stdout
    );
    // Lines removed from the start.
    let env = logged(3);
    let l = lines(&env);
    rewrite(&env, &l[1..]);
    let r = verify(&env);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("the 1 line(s) before it were removed"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_older_log_without_the_chain_still_reads() {
    let env = logged(2);
    let legacy: Vec<String> = env
        .audit_lines()
        .into_iter()
        .map(|mut v| {
            let m = v.as_object_mut().unwrap();
            m.remove("seq");
            m.remove("prev");
            v.to_string()
        })
        .collect();
    rewrite(&env, &legacy);
    // The next hook call starts the chain after them.
    let call = common::fixture("codex", "PreToolUse_Bash", &env.work());
    env.hook("codex", &call);
    let r = verify(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("lines 1-2 were written before the hash chain"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the chain starts at line 3"),
        "{}",
        r.stdout
    );
    assert_eq!(env.audit_lines()[2]["seq"], 1);
}

#[test]
fn a_huge_command_is_cut_with_its_hash() {
    let env = Env::new();
    let mut call = common::fixture("codex", "PreToolUse_Bash", &env.work());
    let big = format!("echo {}", "x".repeat(1_000_000));
    call["tool_input"]["command"] = Value::String(big);
    env.hook("codex", &call);
    let text = env.audit_text();
    assert!(text.len() < 64 * 1024, "audit line is {} bytes", text.len());
    assert!(text.contains("bytes sha256:"), "{}", &text[..2000]);
    assert_eq!(verify(&env).code, 0);
}

#[test]
fn a_symlinked_log_is_not_followed() {
    let env = Env::new();
    let target = env.path().join("elsewhere.jsonl");
    std::fs::write(&target, "").unwrap();
    std::os::unix::fs::symlink(&target, env.audit_path()).unwrap();
    let call = common::fixture("codex", "PreToolUse_Bash", &env.work());
    let r = env
        .cmd(&["hook", "--runtime", "codex"])
        .env("TMPDIR", env.path())
        .stdin(call.to_string().as_bytes())
        .run();
    assert_eq!(r.code, 0);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "",
        "not followed"
    );
    // The decision went to the fallback log instead.
    let fallback = env.path().join("hookwarden-audit-fallback.jsonl");
    assert!(std::fs::read_to_string(fallback)
        .unwrap()
        .contains("\"seq\":1"));
}

/// A user policy that rotates the log at the smallest size.
const ROTATING: &str = "[audit]\nrotate_bytes = 65_536\nkeep = 100\n";

#[test]
fn hook_processes_racing_rotations_lose_and_double_nothing() {
    let env = Env::new();
    std::fs::write(env.user_policy(), ROTATING).unwrap();
    let (workers, calls) = (4, 60);
    std::thread::scope(|s| {
        for w in 0..workers {
            let env = &env;
            s.spawn(move || {
                for i in 0..calls {
                    let mut call = common::fixture("codex", "PreToolUse_Bash", &env.work());
                    call["tool_input"]["command"] =
                        Value::String(format!("echo w{w}-{i} {}", "p".repeat(600)));
                    assert_eq!(env.hook("codex", &call).code, 0);
                }
            });
        }
    });
    let rotated: Vec<_> = (1..)
        .map(|n| env.path().join(format!("audit.jsonl.{n}")))
        .take_while(|p| p.exists())
        .collect();
    assert!(rotated.len() >= 2, "{} rotations", rotated.len());
    let mut commands = std::collections::BTreeSet::new();
    let mut seqs = Vec::new();
    for f in rotated.iter().rev().chain([&env.audit_path()]) {
        for l in std::fs::read_to_string(f).unwrap().lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            seqs.push(v["seq"].as_u64().unwrap());
            let cmd = v["event"]["command"].as_str().unwrap().to_string();
            assert!(commands.insert(cmd), "a decision was written twice");
        }
    }
    assert_eq!(commands.len(), workers * calls, "every decision is kept");
    assert_eq!(seqs, (1..=(workers * calls) as u64).collect::<Vec<_>>());
    let r = verify(&env);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("OK: seq 1-{} intact", workers * calls)),
        "{}",
        r.stdout
    );
    // A rotated file removed from the middle is named.
    std::fs::remove_file(&rotated[0]).unwrap();
    let r = verify(&env);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("audit.jsonl.1 is missing") || r.stdout.contains("are missing between"),
        "{}",
        r.stdout
    );
}
