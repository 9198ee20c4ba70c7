//! In-process benchmarks of one hook call and its parts: pre-tool evaluation, post-tool
//! redaction at growing output sizes, policy loading, audit append.
//!
//! Whole-process figures (a fresh process per event, as a runtime runs the hook) come from
//! `scripts/bench.sh`; these say where the time inside the process goes.
//! Run: `cargo bench --bench hook` (add a filter: `cargo bench --bench hook -- pre_tool`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookwarden::engine as hook;
use hookwarden::event::RuntimeKind;
use hookwarden::policy::{self, eval, Layer, Scope};
use hookwarden::{audit, runtime, signals};
use serde_json::json;
use std::path::Path;

/// A project directory (with `.git`) for events to happen in, kept for the whole run.
fn project() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join(".git")).unwrap();
        std::fs::write(d.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        d
    })
    .path()
}

fn pre_tool(command: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "session_id": "96bd369a-d05f-4c32-9b51-09d5abe75f3e",
        "transcript_path": "/home/dev/.claude/projects/p/96bd369a.jsonl",
        "cwd": project().display().to_string(),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": command, "description": "bench" },
        "tool_use_id": "toolu_bench_0001"
    }))
    .unwrap()
}

/// Realistic tool output: build and test log lines, some config, an environment dump — with
/// a few secrets (a GitHub token, an AWS key id, a private key block) spread through it.
pub fn tool_output(size: usize) -> String {
    let lines = [
        "   Compiling serde_json v1.0.140",
        "   Compiling hookwarden v0.1.0 (/home/dev/src/hookwarden)",
        "test policy::eval::tests::strictest_effect_wins ... ok",
        "test runtime::codex::tests::apply_patch_paths ... ok",
        "warning: unused variable: `ctx` --> src/signals/paths.rs:42:9",
        "PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/dev LANG=C.UTF-8 TERM=xterm-256color",
        "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/items",
        "{\"id\": 4711, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"price\": 12.5, \"Active\": true}",
        "drwxr-xr-x  5 dev dev 4096 Nov 23 10:14 Cargo.lock  README.md  benches  src  tests",
        "Finished `test` profile [unoptimized + debuginfo] target(s) in 4.21s; All 128 tests passed",
    ];
    let secrets = [
        "export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPL3",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\nc2gtZWQyNTUxOQAAACBbenchbenchbenchbenchbenchbenchbenchbenchbenchAAAA\n-----END OPENSSH PRIVATE KEY-----",
    ];
    let mut out = String::with_capacity(size + 256);
    let mut i = 0usize;
    // One secret roughly every 32 KiB, and at least one in every size.
    let mut next_secret = size / 2;
    while out.len() < size {
        if out.len() >= next_secret {
            out.push_str(secrets[(next_secret / 7) % secrets.len()]);
            out.push('\n');
            next_secret += 32 * 1024;
        }
        out.push_str(lines[i % lines.len()]);
        out.push('\n');
        i += 1;
    }
    out.truncate(size);
    out
}

fn bench_pre_tool(c: &mut Criterion) {
    let mut g = c.benchmark_group("pre_tool");
    let commands = [
        ("short", "git status".to_string()),
        (
            "pipeline",
            "find . -name '*.rs' -not -path './target/*' | xargs grep -n 'unwrap()' | sort | uniq -c | sort -rn | head -50 && cargo fmt --check; git diff --stat HEAD~3..HEAD | tail -1".to_string(),
        ),
        (
            "nested_bash_c",
            "bash -c \"cd /srv/app && sh -c 'git pull --rebase && make build && ./scripts/deploy.sh --env staging'\"".to_string(),
        ),
        ("denied_rm", "rm -rf /".to_string()),
    ];
    // The whole call as the binary makes it (policy loaded from the embedded default, no
    // audit write).
    for (name, cmd) in &commands {
        let input = pre_tool(cmd);
        g.bench_with_input(BenchmarkId::new("handle", name), &input, |b, input| {
            b.iter(|| hook::handle(black_box(input), Some(RuntimeKind::Claude), false))
        });
    }
    // Evaluation only: a parsed event against an already compiled policy.
    let compiled = policy::compile(&[policy::default_layer().unwrap()]).unwrap();
    for (name, cmd) in &commands {
        let raw: serde_json::Value = serde_json::from_slice(&pre_tool(cmd)).unwrap();
        let ev = runtime::profile(RuntimeKind::Claude)
            .unwrap()
            .adapter
            .parse(&raw)
            .unwrap();
        let ctx = signals::Context::for_cwd(&ev.cwd);
        let env = eval::ProcessEnv::new(ctx.project_root.clone());
        g.bench_function(BenchmarkId::new("decide", name), |b| {
            b.iter(|| hook::decide(&compiled, black_box(&ev), &ctx, &env, None))
        });
    }
    g.finish();
}

fn bench_post_tool(c: &mut Criterion) {
    let mut g = c.benchmark_group("post_tool");
    for (label, size) in [
        ("1KB", 1024usize),
        ("100KB", 100 * 1024),
        ("1MB", 1024 * 1024),
        ("10MB", 10 * 1024 * 1024),
    ] {
        let text = tool_output(size);
        let input = common::post_tool(&text, project());
        g.throughput(Throughput::Bytes(size as u64));
        if size >= 1024 * 1024 {
            g.sample_size(10);
        } else {
            g.sample_size(50);
        }
        g.bench_with_input(BenchmarkId::new("redact_text", label), &text, |b, t| {
            b.iter(|| hookwarden::redact::redact_text(black_box(t)))
        });
        g.bench_with_input(BenchmarkId::new("handle", label), &input, |b, input| {
            b.iter(|| hook::handle(black_box(input), Some(RuntimeKind::Claude), false))
        });
    }
    g.finish();
}

/// A policy with `n` rules of the kinds users write: programs with argument patterns, path
/// classes, tools by glob, output patterns.
fn generated_policy(n: usize) -> String {
    let mut s = String::from(
        "[policy]\nname = \"generated\"\nversion = \"1.0.0\"\n\n[lists]\nhosts = [\"{,*.}example.com\", \"internal.corp\"]\n\n",
    );
    for i in 0..n {
        let body = match i % 4 {
            0 => format!(
                "boundary = \"tool_request\"\neffect = \"deny\"\nrisk = 70\nwhen = {{ program = [\"tool{i}\", \"tool{i}-cli\"], args_any = [\"--danger-{i}\", \"-x*\"] }}\n"
            ),
            1 => format!(
                "boundary = \"tool_request\"\neffect = \"ask\"\nrisk = 40\nwhen = {{ flag = \"file.write\", paths_any = [\"system\"], tool = \"Write*\" }}\nunless = {{ flag = \"file.write\", path_glob = [\"/srv/app{i}/**\"] }}\n"
            ),
            2 => format!(
                "boundary = \"tool_request\"\neffect = \"alert\"\nwhen = {{ program = \"curl\", subcommand = \"upload-{i}\" }}\n"
            ),
            _ => format!(
                "boundary = \"tool_output\"\neffect = \"alert\"\nwhen = {{ text_regex = \"(?i)internal-marker-{i}\" }}\n"
            ),
        };
        s.push_str(&format!(
            "[[rule]]\nid = \"gen.rule-{i}\"\ndescription = \"Generated rule {i}.\"\nreason = \"Rule {i} stopped this; do something else.\"\n{body}\n"
        ));
    }
    s
}

fn bench_policy_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("policy_load");
    g.bench_function("default_embedded", |b| {
        b.iter(|| policy::compile(&[policy::default_layer().unwrap()]).unwrap())
    });
    g.bench_function("default_from_toml", |b| {
        b.iter(|| {
            let l = policy::parse_layer(
                Scope::Default,
                "<embedded default>",
                policy::DEFAULT_POLICY.to_string(),
            )
            .unwrap();
            policy::compile(&[l]).unwrap()
        })
    });
    let text = generated_policy(500);
    // Validate once outside the timing so a model change fails loudly here.
    let check = policy::parse_layer(Scope::Project, "generated.toml", text.clone()).unwrap();
    assert_eq!(check.file.rules.len(), 500);
    g.sample_size(20);
    g.bench_function("rules_500_plus_default", |b| {
        b.iter(|| {
            let layers: Vec<Layer> = vec![
                policy::default_layer().unwrap(),
                policy::parse_layer(Scope::Project, "generated.toml", text.clone()).unwrap(),
            ];
            policy::compile(&layers).unwrap()
        })
    });
    g.finish();
}

fn bench_audit(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let out = hook::handle(&pre_tool("rm -rf /"), Some(RuntimeKind::Claude), false);
    let line = serde_json::to_string(&out.record.unwrap()).unwrap();
    let mut g = c.benchmark_group("audit");
    g.bench_function("append_line", |b| {
        b.iter(|| audit::append_line(&path, black_box(&line)).unwrap())
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_pre_tool,
    bench_post_tool,
    bench_policy_load,
    bench_audit
);
criterion_main!(benches);
