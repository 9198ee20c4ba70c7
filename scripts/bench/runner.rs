//! Whole-process benchmark runner: runs hook commands as a runtime does — a fresh process per
//! event, the payload written to its stdin through a pipe, its stdout read to the end — and
//! times each call from spawn to exit.
//!
//! Cases are run interleaved (one round = every case once, in an order that rotates each
//! round), so drift in machine load hits every case alike and the ratios stay fair.
//! Built by scripts/bench.sh with plain `rustc -O`: no dependencies, not part of the crate.
//!
//! Usage: runner SPEC ROUNDS WARMUP
//! SPEC is a tab-separated file, one case a line: `event<TAB>tool<TAB>payload<TAB>argv...`
//! (argv split on tabs; leading `env:KEY=VALUE` fields set variables for that case only, so
//! no wrapper process is timed). The case whose tool is `floor` is the reference of its event.
//! Prints one tab-separated line per case:
//! `event tool median_us p95_us min_us mean_us ratio_median exit answer`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

struct Case {
    event: String,
    tool: String,
    payload: Vec<u8>,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    samples: Vec<u128>,
    exit: i32,
    answer: String,
}

/// One call: spawn, feed stdin from a thread (a child may answer before reading it all),
/// read stdout to the end, wait. Returns (elapsed µs, exit code, stdout).
fn call(
    argv: &[String],
    env: &[(String, String)],
    payload: &[u8],
) -> std::io::Result<(u128, i32, Vec<u8>)> {
    let start = Instant::now();
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take();
    let mut out = Vec::new();
    std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(mut w) = stdin.take() {
                let _ = w.write_all(payload);
            }
        });
        if let Some(mut r) = child.stdout.take() {
            let _ = r.read_to_end(&mut out);
        }
    });
    let status = child.wait()?;
    let elapsed = start.elapsed().as_micros();
    Ok((elapsed, status.code().unwrap_or(-1), out))
}

fn percentile(sorted: &[u128], p: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// A short, one-line summary of an answer, so the report shows what each tool decided.
fn summarize(out: &[u8], exit: i32) -> String {
    let s = String::from_utf8_lossy(out);
    let s = s.trim();
    if s.contains("updatedToolOutput") || s.contains("[REDACTED") {
        return "redacted".into();
    }
    for key in ["\"permissionDecision\":\"", "\"decision\":\"", "\"decision\": \""] {
        if let Some(i) = s.find(key) {
            let rest = &s[i + key.len()..];
            let v: String = rest.chars().take_while(|c| *c != '"').collect();
            return v;
        }
    }
    if s.is_empty() || s == "{}" {
        return match exit {
            0 => "allow (no output)".into(),
            2 => "block (exit 2)".into(),
            _ => "(no output)".into(),
        };
    }
    let mut short: String = s.chars().take(24).collect();
    short = short.replace(['\t', '\n'], " ");
    short
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: runner SPEC ROUNDS WARMUP");
        std::process::exit(2);
    }
    let spec = std::fs::read_to_string(&args[1]).unwrap_or_default();
    let rounds: usize = args[2].parse().unwrap_or(100);
    let warmup: usize = args[3].parse().unwrap_or(5);
    let mut cases = Vec::new();
    for line in spec.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 {
            continue;
        }
        let payload = match std::fs::read(f[2]) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("runner: {}: {e}", f[2]);
                continue;
            }
        };
        let mut env = Vec::new();
        let mut argv = Vec::new();
        for a in &f[3..] {
            match a.strip_prefix("env:").and_then(|kv| kv.split_once('=')) {
                Some((k, v)) if argv.is_empty() => env.push((k.to_string(), v.to_string())),
                _ => argv.push(a.to_string()),
            }
        }
        if argv.is_empty() {
            continue;
        }
        cases.push(Case {
            event: f[0].into(),
            tool: f[1].into(),
            payload,
            argv,
            env,
            samples: Vec::with_capacity(rounds),
            exit: 0,
            answer: String::new(),
        });
    }
    // Warm-up rounds (page cache, dynamic loader) and the answer each tool gives.
    for _ in 0..warmup {
        for c in cases.iter_mut() {
            match call(&c.argv, &c.env, &c.payload) {
                Ok((_, code, out)) => {
                    c.exit = code;
                    c.answer = summarize(&out, code);
                }
                Err(e) => eprintln!("runner: {}: {e}", c.argv[0]),
            }
        }
    }
    let n = cases.len();
    for r in 0..rounds {
        for k in 0..n {
            let c = &mut cases[(k + r) % n];
            match call(&c.argv, &c.env, &c.payload) {
                Ok((us, _, _)) => c.samples.push(us),
                Err(e) => {
                    eprintln!("runner: {}: {e}", c.argv[0]);
                }
            }
        }
    }
    let mut floors = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for c in cases.iter_mut() {
        c.samples.sort_unstable();
        let med = percentile(&c.samples, 0.5);
        if c.tool == "floor" {
            floors.insert(c.event.clone(), med);
        }
        let mean = if c.samples.is_empty() {
            0
        } else {
            c.samples.iter().sum::<u128>() / c.samples.len() as u128
        };
        rows.push((c, med, mean));
    }
    for (c, med, mean) in rows {
        let floor = floors.get(&c.event).copied().unwrap_or(0);
        let ratio = if floor > 0 {
            med as f64 / floor as f64
        } else {
            0.0
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{:.2}\t{}\t{}",
            c.event,
            c.tool,
            med,
            percentile(&c.samples, 0.95),
            c.samples.first().copied().unwrap_or(0),
            mean,
            ratio,
            c.exit,
            c.answer
        );
    }
}
