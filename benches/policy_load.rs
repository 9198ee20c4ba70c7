//! One hook call (`hook::handle`: parse, load policy, signals, evaluate, render) with the
//! embedded default policy against the same call with a 500-rule user policy, with and without
//! session pinning, plus the policy load+compile step alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use hookwarden::event::RuntimeKind;
use std::hint::black_box;

fn big_policy(n: usize) -> String {
    let mut s = String::from("[policy]\nname = \"big\"\nversion = \"1\"\n\n[lists]\nhosts = [\"example.com\", \"*.example.org\"]\n");
    for i in 0..n {
        let when = match i % 5 {
            0 => format!("{{ program = \"tool{i}\", args_any = [\"--danger{i}\"] }}"),
            1 => format!("{{ flag = \"file.read\", path_glob = \"/srv/data{i}/**\" }}"),
            2 => format!("{{ tool = \"mcp__pay{i}__*\", input = [{{ pointer = \"/amount\", gt = 10000 }}] }}"),
            3 => format!("{{ text_regex = \"secret-marker-{i}\\\\b\" }}"),
            _ => format!("{{ program = \"curl\", hosts_outside = \"@hosts\", args_any = [\"-X{i}\"] }}"),
        };
        s.push_str(&format!(
            "\n[[rule]]\nid = \"bench.r{i}\"\ndescription = \"rule {i}\"\nboundary = \"tool_request\"\neffect = \"deny\"\nrisk = 10\nwhen = {when}\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("proj");
    std::fs::create_dir_all(&cwd).unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, big_policy(500)).unwrap();
    // The bench is single-threaded; nothing else reads the environment meanwhile.
    std::env::set_var("HOOKWARDEN_CONFIG_DIR", dir.path().join("config"));
    std::env::set_var("HOOKWARDEN_DATA_DIR", dir.path().join("data"));
    std::env::set_var("HOOKWARDEN_ORG_POLICY", dir.path().join("none-org.toml"));
    let payload = |session: &str| {
        serde_json::json!({
            "session_id": session,
            "cwd": cwd.display().to_string(),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": { "command": "git push origin main && rm -rf ./build" },
        })
        .to_string()
        .into_bytes()
    };
    let unpinned = payload("");
    let pinned = payload("bench-session");

    let mut g = c.benchmark_group("hook_call");
    for (name, policy) in [
        ("default", dir.path().join("none-user.toml")),
        ("500_rules", big.clone()),
    ] {
        std::env::set_var("HOOKWARDEN_USER_POLICY", &policy);
        g.bench_function(format!("{name}/unpinned"), |b| {
            b.iter(|| {
                black_box(hookwarden::engine::handle(
                    black_box(&unpinned),
                    Some(RuntimeKind::Claude),
                    false,
                ))
            })
        });
        let session = format!("bench-{name}");
        let pinned = String::from_utf8(pinned.clone())
            .unwrap()
            .replace("bench-session", &session)
            .into_bytes();
        g.bench_function(format!("{name}/pinned"), |b| {
            b.iter(|| {
                black_box(hookwarden::engine::handle(
                    black_box(&pinned),
                    Some(RuntimeKind::Claude),
                    false,
                ))
            })
        });
        g.bench_function(format!("{name}/load_compile_only"), |b| {
            b.iter(|| black_box(hookwarden::policy::load_effective(&cwd, &cwd).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
