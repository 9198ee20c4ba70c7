//! Secret scanning and redaction in-process (issue 5's speed targets).
//!
//! - `secrets/typical_1MB`: 1 MB of typical tool output (build and test logs, JSON, YAML, env
//!   dumps, git log, source code — with the words `token`, `key`, `secret`, `password` in
//!   harmless places, and a secret every ~64 KB): `scan` alone, `scan` + `redact::apply`, and
//!   `redact_text` (secrets and personal data). Target: under 5 ms.
//! - `secrets/clean_100KB`: the same kind of output with no secret: `scan`, and the whole hook
//!   call on it next to the same call on a tiny output (the difference is what the output
//!   adds). Target: under 1 ms added.
//!
//! - `secrets/typical_1MB_policy_detectors`: the 1 MB text redacted with a team policy's 43
//!   detectors in force beside the catalogue.
//!
//! - `secrets/cpu_time/*`: the same work timed in CPU time, for a machine shared with other
//!   work (wall time there counts the wait for a core).
//!
//! `benches/hook.rs` measures the whole post-tool call at growing sizes on a log-only output;
//! this one is about the scanner on varied text. Run: `cargo bench --bench secrets`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookwarden::engine as hook;
use hookwarden::event::RuntimeKind;
use hookwarden::redact;
use hookwarden::signals::secrets;

const LINES: &[&str] = &[
    "   Compiling tokio v1.41.1",
    "test auth::token::tests::refresh_token_expires ... ok",
    "test api::keys::rotate_key_keeps_old_key_for_grace_period ... ok",
    "warning: unused variable: `secret_name` --> src/vault.rs:88:13",
    "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/tokens user_id=4711",
    "2026-11-23T10:15:02.514Z WARN token refresh skipped: cache hit key=session:96bd369a ttl=3600",
    "{\"id\": 4711, \"name\": \"widget\", \"api_key_name\": \"prod\", \"max_tokens\": 4096, \"price\": 12.5}",
    "{\"request_id\": \"0736f5ef-7e88-499a-80cc-90c85d2a5180\", \"status\": \"ok\", \"items\": [1, 2, 3]}",
    "  password_min_length: 12",
    "  secret_ref: vault:kv/payments#stripe",
    "  image: registry.example.org/payments@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00",
    "PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/dev LANG=C.UTF-8 TERM=xterm-256color SHLVL=1",
    "API_KEY=${API_KEY}",
    "commit 43fc912ef59a83054ea7f6706df4d53a7dea4d80",
    "Author: Dev Eloper <dev@users.noreply.github.com>",
    "    fix(auth): rotate the signing key when the token store is rebuilt",
    "    let token = store.get_token(&user).await?;",
    "    if key.is_empty() { return Err(Error::MissingKey); }",
    "def authenticate(username, password):",
    "    return hmac.compare_digest(stored_hash, hash_password(password))",
    "\"integrity\": \"sha512-3Dpl8yPLnRZ4ZaLhtOMzHpTt5M3p7+QtGvmEy8hp0lsS4ApBZE9j6zEN7ufo8phTbY0bPvuthV/ULIrMr1Fjg==\"",
    "drwxr-xr-x  5 dev dev 4096 Nov 23 10:14 Cargo.lock  README.md  benches  src  tests",
    "Finished `test` profile [unoptimized + debuginfo] target(s) in 4.21s; 128 passed; 0 failed",
    "  File \"/srv/app/auth.py\", line 42, in verify_token: jwt.exceptions.ExpiredSignatureError",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8rQ0n1v1q4Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5c dev@laptop",
    "10.0.3.7 - - [23/Nov/2026:10:15:02 +0000] \"GET /api/v1/orders/7d1f3c9a-52be-4b8e-9e0f-3a6c2d81b4f5?page=2 HTTP/1.1\" 200 5123 \"-\" \"okhttp/4.12.0\"",
    "{\"sha\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\", \"node_id\": \"C_kwDOAJy2KtoAKDlmY2ViMDJkMGFlNTk4ZTk1ZGM5NzBiNzQ3NjdmMTkzNzJkNjFhZjg\", \"tree\": {\"sha\": \"b4eecafa9be2f2006ce1b709d6857b07069b4608\"}}",
    "{\"name\": \"app-linux-x64.tar.gz\", \"size\": 48213377, \"digest\": \"sha256:3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a\", \"id\": 190233871}",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  dist/app-1.4.2.tar.gz",
];

const SECRETS: &[&str] = &[
    "export GITHUB_TOKEN=ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo",
    "aws_access_key_id = AKIAZ7QX3RTV5WMN2KPL",
    "DATABASE_URL=postgres://app:Tq7!vR2#pL9w@db.internal:5432/app",
    "  stripe_key: sk_live_51Hx9QzLkR4mT7vB2nW8pY3cD6fG0jK5sA1eU",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNzAwMDAwMDAwfQ.Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu7",
    "client_secret: \"Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA\"",
];

/// `size` bytes of typical tool output; with `secrets`, one secret about every 64 KB.
fn tool_output(size: usize, with_secrets: bool) -> String {
    let mut out = String::with_capacity(size + 256);
    let mut i = 0usize;
    let mut next = 1024;
    while out.len() < size {
        if with_secrets && out.len() >= next {
            out.push_str(SECRETS[(next / 1024) % SECRETS.len()]);
            out.push('\n');
            next += 64 * 1024;
        }
        // A varying stride so the mix is not periodic.
        out.push_str(LINES[(i * 7 + i / 13) % LINES.len()]);
        out.push('\n');
        i += 1;
    }
    let mut cut = size.min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    out
}

fn bench_typical(c: &mut Criterion) {
    let mut g = c.benchmark_group("secrets/typical_1MB");
    let text = tool_output(1 << 20, true);
    let found = secrets::scan(&text);
    assert!(
        found.len() >= 16,
        "the bench text holds secrets: {}",
        found.len()
    );
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("scan", |b| b.iter(|| secrets::scan(black_box(&text))));
    g.bench_function("scan_and_apply", |b| {
        b.iter(|| {
            let f = secrets::scan(black_box(&text));
            redact::apply(&text, &f)
        })
    });
    g.bench_function("redact_text_with_pii", |b| {
        b.iter(|| redact::redact_text(black_box(&text)))
    });
    g.finish();
}

fn bench_clean(c: &mut Criterion) {
    let mut g = c.benchmark_group("secrets/clean_100KB");
    let text = tool_output(100 * 1024, false);
    assert!(secrets::scan(&text).is_empty(), "the clean text is clean");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(50);
    g.bench_function("scan", |b| b.iter(|| secrets::scan(black_box(&text))));
    for (label, out) in [("tiny", "ok\n".to_string()), ("100KB", text.clone())] {
        let input = common::post_tool(&out, &std::env::temp_dir());
        g.bench_with_input(BenchmarkId::new("hook_handle", label), &input, |b, i| {
            b.iter(|| hook::handle(black_box(i), Some(RuntimeKind::Claude), false))
        });
    }
    g.finish();
}

/// A team policy's detectors: three of its own and forty imported ones, each gated by its
/// keywords (which the bench text does not hold, as most output does not).
fn team_detectors() -> secrets::custom::Detectors {
    let mut specs = vec![
        secrets::custom::DetectorSpec {
            id: "acme-token".into(),
            regex: "ACME-[0-9a-f]{32}".into(),
            keywords: vec!["ACME-".into()],
            ..Default::default()
        },
        secrets::custom::DetectorSpec {
            id: "acme-vault".into(),
            regex: r"acmevault:([A-Za-z0-9]{24})".into(),
            keywords: vec!["acmevault:".into()],
            entropy: Some(3.0),
            ..Default::default()
        },
        secrets::custom::DetectorSpec {
            id: "acme-session".into(),
            regex: r#"(?i)acme[_-]?session\s*[:=]\s*["']?([a-z0-9]{40})"#.into(),
            keywords: vec![
                "acme_session".into(),
                "acme-session".into(),
                "acmesession".into(),
            ],
            ..Default::default()
        },
    ];
    for i in 0..40 {
        specs.push(secrets::custom::DetectorSpec {
            id: format!("imported-{i}"),
            regex: format!(r"\bxq{i}_[A-Za-z0-9]{{30}}\b"),
            keywords: vec![format!("xq{i}_")],
            ..Default::default()
        });
    }
    secrets::custom::Detectors::new(&specs).unwrap()
}

/// The 1 MB text with the team's detectors in force: scanned and redacted as the hook's
/// answer does it (the catalogue, the policy's detectors, and the markers applied).
fn bench_policy_detectors(c: &mut Criterion) {
    let mut g = c.benchmark_group("secrets/typical_1MB_policy_detectors");
    let mut text = tool_output(1 << 20, true);
    text.push_str("deploy ACME-0123456789abcdef0123456789abcdef\n");
    let detectors = std::sync::Arc::new(team_detectors());
    let kinds: Vec<&str> = secrets::kinds()
        .into_iter()
        .chain(["acme-token", "acme-vault", "acme-session"])
        .collect();
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("scan_and_apply", |b| {
        b.iter(|| {
            redact::with_policy_detectors(detectors.clone(), || {
                let f = redact::scan_kinds(black_box(&text), &kinds);
                redact::apply(&text, &f)
            })
        })
    });
    g.finish();
}

/// CPU time the process has used (every thread, exited ones included), to the nanosecond:
/// unlike wall time, it does not count waiting for a core on a busy machine.
#[allow(unsafe_code)]
fn cpu_now() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration, and
    // CLOCK_PROCESS_CPUTIME_ID is a clock every Linux kernel provides.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// `f` run `iters` times, timed in CPU time.
fn cpu_time(iters: u64, f: &dyn Fn()) -> std::time::Duration {
    let t0 = cpu_now();
    for _ in 0..iters {
        f();
    }
    cpu_now().saturating_sub(t0)
}

/// The same work as the groups above, timed in CPU time ([`cpu_now`]): the figures to read
/// when other work shares the machine.
fn bench_cpu_time(c: &mut Criterion) {
    let mut g = c.benchmark_group("secrets/cpu_time");
    g.sample_size(20);
    g.measurement_time(std::time::Duration::from_secs(6));
    let typical = tool_output(1 << 20, true);
    g.bench_function("typical_1MB/scan_and_apply", |b| {
        b.iter_custom(|n| {
            cpu_time(n, &|| {
                let f = secrets::scan(black_box(&typical));
                black_box(redact::apply(&typical, &f));
            })
        })
    });
    let mut with_team = typical.clone();
    with_team.push_str("deploy ACME-0123456789abcdef0123456789abcdef\n");
    let detectors = std::sync::Arc::new(team_detectors());
    let kinds: Vec<&str> = secrets::kinds()
        .into_iter()
        .chain(["acme-token", "acme-vault", "acme-session"])
        .collect();
    g.bench_function("typical_1MB/policy_detectors_scan_and_apply", |b| {
        b.iter_custom(|n| {
            cpu_time(n, &|| {
                redact::with_policy_detectors(detectors.clone(), || {
                    let f = redact::scan_kinds(black_box(&with_team), &kinds);
                    black_box(redact::apply(&with_team, &f));
                })
            })
        })
    });
    let clean = tool_output(100 * 1024, false);
    g.bench_function("clean_100KB/scan", |b| {
        b.iter_custom(|n| {
            cpu_time(n, &|| {
                black_box(secrets::scan(black_box(&clean)));
            })
        })
    });
    for (label, out) in [("tiny", "ok\n".to_string()), ("100KB", clean.clone())] {
        let input = common::post_tool(&out, &std::env::temp_dir());
        g.bench_function(format!("clean_100KB/hook_handle/{label}"), |b| {
            b.iter_custom(|n| {
                cpu_time(n, &|| {
                    black_box(hook::handle(
                        black_box(&input),
                        Some(RuntimeKind::Claude),
                        false,
                    ));
                })
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_typical,
    bench_clean,
    bench_policy_detectors,
    bench_cpu_time
);
criterion_main!(benches);
