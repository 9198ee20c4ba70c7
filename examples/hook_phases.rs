//! Where one cold hook call spends its time: the steps of `hook::handle` run once, in a
//! fresh process, each timed on its own. Criterion benches measure warm repeated calls; a
//! hook runs once per process, so one-time costs (building pattern automata, parsing the
//! policy) are what a user pays and what this shows.
//!
//! Run: `cargo build --release --example hook_phases` then
//! `for i in $(seq 20); do target/release/examples/hook_phases < payload.json; done`
//! (one line per run, times in µs). `--runtime R` selects the adapter (default claude).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::engine::{self as hook, stateful};
use hookwarden::event::RuntimeKind;
use hookwarden::policy::{self, eval};
use hookwarden::{audit, runtime, signals};
use std::io::Read;
use std::time::Instant;

fn main() {
    let t0 = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let kind = args
        .iter()
        .position(|a| a == "--runtime")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| runtime::by_name(r))
        .map_or(RuntimeKind::Claude, |p| p.kind);
    let mut phases: Vec<(&str, u128)> = Vec::new();
    let mut last = Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<(&str, u128)>| {
        let now = Instant::now();
        phases.push((name, now.duration_since(last).as_micros()));
        last = now;
    };
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap();
    lap("read", &mut phases);
    let text = String::from_utf8_lossy(&input);
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    lap("json", &mut phases);
    let adapter = runtime::profile(kind).unwrap().adapter;
    let ev = adapter.parse_owned(raw).unwrap();
    lap("parse", &mut phases);
    let ctx = signals::Context::for_cwd(&ev.cwd);
    let env = stateful::StatefulEnv::new(
        eval::ProcessEnv::new(ctx.project_root.clone()),
        ctx.project_root.clone(),
    );
    lap("context", &mut phases);
    // Each signal on its own, in the order `signals::run` runs them.
    let mut flags = Vec::new();
    for signal in signals::all() {
        if signal.applies(&ev) {
            signal.inspect(&ev, &ctx, &mut flags);
            lap(signal.name(), &mut phases);
        }
    }
    let names = policy::index::raised(&flags);
    let (policy, _) = policy::pin::load_for_event(
        &ev.session_id,
        &ctx.cwd,
        &ctx.project_root,
        Some(ev.boundary),
        Some(&names),
    )
    .expect("policy loads");
    lap("policy", &mut phases);
    let d = eval::evaluate(&policy, &ev, &flags, &env);
    lap("evaluate", &mut phases);
    let d = stateful::after_decision(&policy, &ev, d, &env);
    lap("state", &mut phases);
    let answer = adapter.render(&ev, &d);
    lap("render", &mut phases);
    let record = hook::record_for(&ev, &d, &flags, &env);
    lap("record", &mut phases);
    let _ = audit::write(&record);
    lap("audit", &mut phases);
    let total = t0.elapsed().as_micros();
    // The parts of loading the default policy, measured after the call (warm allocator).
    let t = Instant::now();
    let layer = policy::default_layer().unwrap();
    let t_layer = t.elapsed().as_micros();
    let t = Instant::now();
    let _ = policy::compile(std::slice::from_ref(&layer)).unwrap();
    let t_compile = t.elapsed().as_micros();
    let t = Instant::now();
    let _ = policy::parse_layer(
        policy::Scope::Default,
        "<embedded default>",
        policy::DEFAULT_POLICY.to_string(),
    )
    .unwrap();
    let t_toml = t.elapsed().as_micros();
    let t = Instant::now();
    let _ = policy::pin::load_for_event(
        &ev.session_id,
        &ctx.cwd,
        &ctx.project_root,
        Some(ev.boundary),
        Some(&names),
    );
    phases.push(("[policy_again]", t.elapsed().as_micros()));
    phases.push(("[default_json]", t_layer));
    phases.push(("[compile]", t_compile));
    phases.push(("[default_toml]", t_toml));
    let mut line = String::new();
    for (name, us) in &phases {
        line.push_str(&format!("{name}={us} "));
    }
    println!(
        "{line}total={total} effect={:?} answer_bytes={}",
        d.effect,
        answer.stdout.len()
    );
}
