//! Time to analyse shell commands: the per-call cost the shell signal adds to a hook.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hookwarden::signals::shell::analyze;
use hookwarden::signals::Context;

fn ctx() -> Context {
    Context::fixed("/home/dev/project", Some("/home/dev"))
}

fn bench(c: &mut Criterion) {
    let ctx = ctx();
    let cases = [
        (
            "typical",
            "git status && cargo test --all 2>&1 | tail -n 20",
        ),
        (
            "wrapped",
            "sudo -u deploy env X=1 bash -c 'cd /srv/app && rm -rf build && make'",
        ),
        (
            "pipeline",
            "find . -name '*.rs' -print0 | xargs -0 grep -n 'TODO' | sort | uniq -c | head",
        ),
        (
            "interpreter",
            "python3 -c \"import shutil, os; os.system('ls -la'); shutil.rmtree('/tmp/x')\"",
        ),
        (
            "heredoc",
            "psql \"$DATABASE_URL\" <<'SQL'\nSELECT count(*) FROM users;\nSQL",
        ),
    ];
    for (name, cmd) in cases {
        c.bench_function(&format!("shell_analysis/{name}"), |b| {
            b.iter(|| analyze(black_box(cmd), &ctx))
        });
    }
    let deep = format!("{}rm -rf /{}", "$(".repeat(5_000), ")".repeat(5_000));
    c.bench_function("shell_analysis/adversarial_deep_10k", |b| {
        b.iter(|| analyze(black_box(&deep), &ctx))
    });
    let long = "echo a; ".repeat(8_000);
    c.bench_function("shell_analysis/adversarial_64k_commands", |b| {
        b.iter(|| analyze(black_box(&long), &ctx))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
