//! What a rate-limited rule costs a hook call: the same in-process hook call (parse, policy
//! load, signals, evaluation, answer) against a policy whose matching rule has no rate
//! limit, and against one whose rule has one (one locked read-modify-write of the state file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use hookwarden::event::RuntimeKind;

const RULE: &str = r#"
[[rule]]
id = "echo-watch"
effect = "ask"
reason = "Too many echoes."
when = { program = "echo" }
"#;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.toml");
    let limited = dir.path().join("limited.toml");
    std::fs::write(&plain, RULE).unwrap();
    std::fs::write(
        &limited,
        format!("{RULE}rate_limit = {{ max = 50, window = \"1h\" }}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("project")).unwrap();
    // The bench is the only user of these variables in its process.
    std::env::set_var("HOOKWARDEN_DATA_DIR", dir.path().join("data"));
    std::env::set_var("HOOKWARDEN_ORG_POLICY", dir.path().join("no-org.toml"));
    std::env::set_var("HOOKWARDEN_CONFIG_DIR", dir.path().join("config"));
    let payload = serde_json::json!({
        "session_id": "bench",
        "cwd": dir.path().join("project"),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": "echo hello" },
    })
    .to_string();
    let mut g = c.benchmark_group("hook_call");
    std::env::set_var("HOOKWARDEN_USER_POLICY", &plain);
    g.bench_function("rule_without_rate_limit", |b| {
        b.iter(|| hookwarden::engine::handle(payload.as_bytes(), Some(RuntimeKind::Claude), false))
    });
    std::env::set_var("HOOKWARDEN_USER_POLICY", &limited);
    // Steady state: the counter is full (max + 1 timestamps), as in a busy session.
    for _ in 0..60 {
        hookwarden::engine::handle(payload.as_bytes(), Some(RuntimeKind::Claude), false);
    }
    g.bench_function("rule_with_rate_limit", |b| {
        b.iter(|| hookwarden::engine::handle(payload.as_bytes(), Some(RuntimeKind::Claude), false))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
