//! One hook call, end to end: bytes in, answer out, one audit line written.
//!
//! `stdin -> adapter.parse -> Event -> signals -> flags -> policy -> Decision -> answer + audit`.
//! Every failure on the way maps to a documented answer: at pre-tool it fails closed.

pub mod alerts;
pub mod approvals;
pub mod guard;
pub mod stateful;
pub mod team;

use crate::audit::{self, AuditRecord, EventRecord, FindingRecord};
use crate::decision::{self, Decision, Effect, Fire, Mode};
use crate::event::{Boundary, Event, RuntimeKind};
use crate::policy::pin::PinState;
use crate::policy::typed::TextHits;
use crate::policy::{self, eval, CompiledPolicy};
use crate::runtime::{self, Answer};
use crate::signals::{self, Context, Flag};
use serde_json::Value;

/// Hook input larger than this is not parsed: the answer is the failure answer
/// (pre-tool: blocked; post-tool: output withheld where the runtime allows).
pub const MAX_INPUT: usize = 64 * 1024 * 1024;

/// The outcome of a hook call.
pub struct Outcome {
    pub answer: Answer,
    pub record: Option<AuditRecord>,
    /// How the audit log is rotated (the policy's `[audit]`), when the policy says.
    pub rotation: Option<audit::Rotation>,
    /// Warnings for stderr that do not change the answer.
    pub warnings: Vec<String>,
}

/// Handles one hook payload. `runtime` is the `--runtime` flag; `None` infers it.
pub fn handle(input: &[u8], runtime: Option<RuntimeKind>, oversized: bool) -> Outcome {
    // Before the payload is read there is no runtime to guess: failures get the answer
    // every runtime but Copilot blocks on (exit 2), Copilot's when it was named.
    let runtime_guess = runtime.unwrap_or(RuntimeKind::None);
    if oversized {
        let msg = format!(
            "hookwarden: hook input exceeds {} MiB; not inspected. The action is blocked (pre-tool) or its output withheld.",
            MAX_INPUT / (1024 * 1024)
        );
        return failure(runtime_guess, None, None, &msg, input);
    }
    if input.iter().all(|b| b.is_ascii_whitespace()) {
        return failure(
            runtime_guess,
            None,
            None,
            "hookwarden: empty hook input (expected one event JSON on stdin)",
            input,
        );
    }
    // Binary bytes in a tool output must not make the event unreadable. The strict check
    // first: it is many times faster than the lossy one on the valid text nearly all
    // payloads are.
    let text = match std::str::from_utf8(input) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(input),
    };
    let raw: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let msg =
                format!("hookwarden: hook input is not valid JSON ({e}); blocking to be safe");
            return failure(runtime_guess, None, None, &msg, input);
        }
    };
    let kind = match runtime {
        Some(k) => k,
        None => match runtime::infer(&raw) {
            Some(k) => k,
            None => {
                let msg = format!(
                    "hookwarden: cannot tell which runtime sent this hook event (no --runtime, and it looks like none of {}); blocking to be safe. Wire the hook with `hookwarden install --runtime <name>`",
                    runtime::known_names()
                );
                return failure(RuntimeKind::None, None, None, &msg, input);
            }
        },
    };
    let Some(profile) = runtime::profile(kind) else {
        let msg = format!(
            "hookwarden: `{kind}` is not a runtime that calls hooks (known: {}); blocking to be safe",
            runtime::known_names()
        );
        return failure(kind, None, None, &msg, input);
    };
    if let Some(looks) = runtime::mismatch(kind, &raw) {
        return mismatched(profile, looks, &raw, input);
    }
    let adapter = profile.adapter;
    let ev = match adapter.parse_owned(raw) {
        Ok(ev) => ev,
        Err(e) => {
            let msg = format!("hookwarden: cannot read the {kind} hook event: {e}");
            return failure(kind, None, None, &msg, input);
        }
    };
    let ctx = Context::for_cwd(&ev.cwd);
    // Rate limits count in the state store (issue 7); `check` and replay stay stateless.
    let env = stateful::StatefulEnv::new(
        eval::ProcessEnv::new(ctx.project_root.clone()),
        ctx.project_root.clone(),
    );
    // A session keeps the policy it started with (see `policy::pin`).
    let load = |raised: Option<&[policy::index::Raised]>| {
        policy::pin::load_for_event_of(
            &ev.session_id,
            kind.as_str(),
            &ctx.cwd,
            &ctx.project_root,
            Some(ev.boundary),
            raised,
        )
    };
    // Signals first: the policy is then loaded with only the rules this event's boundary and
    // flags can match (see `policy::index`). A big text gives the secret signal a thread of
    // its own; this one, done with the other signals, meanwhile runs the policy's text
    // matcher over the text, which needs the policy's regexes but no flags.
    let (mut flags, early) = if ev.boundary != Boundary::Other && signals::splits(&ev) {
        let (flags, early) = signals::run_beside(&ev, &ctx, || {
            let (p, state) = load(Some(&[])).ok()?;
            let hits = match ev.boundary_text() {
                Some(text) if p.regexes.has_text() => Some(p.regexes.text_hits(text)),
                _ => None,
            };
            Some((state, hits.map(|h| (h, p.regexes))))
        });
        (flags, early.flatten())
    } else {
        (run_signals(&ev, &ctx), None)
    };
    // The session's pin may have been started by the load beside the signals.
    let started_pin = matches!(early, Some((PinState::New, _)));
    let early = early.and_then(|(_, hits)| hits);
    let loaded = load(Some(&policy::index::raised(&flags)));
    let pin_state = loaded
        .as_ref()
        .map(|(_, s)| if started_pin { PinState::New } else { *s })
        .ok();
    let (mut policy, mut policy_error) = match loaded.map(|(p, _)| p) {
        Ok(p) => (p, None),
        Err(e) => {
            // Keep protecting other boundaries with the embedded default while the broken
            // file is fixed; pre-tool is denied below.
            let fallback = policy::default_layer()
                .and_then(|l| policy::compile(&[l]))
                .unwrap_or_default();
            (fallback, Some(e.to_string()))
        }
    };
    if let crate::managed::Mode::Broken(why) = crate::managed::mode() {
        policy_error = Some(format!("the org directory is refused: {why}"));
    }
    // The policy's own detectors run once it is known; a flag they raise that the catalogue
    // did not may need rules the event's policy was loaded without.
    if policy.add_detector_flags(&ev, &ctx, &mut flags) {
        let raised = policy::index::raised(&flags);
        if let Ok((p, _)) = policy::pin::load_for_event(
            &ev.session_id,
            &ctx.cwd,
            &ctx.project_root,
            Some(ev.boundary),
            Some(&raised),
        ) {
            policy = p;
        }
    }
    // Hits found beside the signals hold for the policy the event is decided by only if its
    // text regexes are the same ones, in the same order (a policy deployed in between is not).
    let text_hits =
        early.and_then(|(hits, table)| policy.regexes.same_text(&table).then_some(hits));
    let decision = decide_with_hits(
        &policy,
        &ev,
        &flags,
        &ctx,
        &env,
        policy_error.as_deref(),
        text_hits,
    );
    // What the policy adds to redaction (its detectors, its redact rules' regexes) is masked
    // in the answer, in alerts and in every field of the audit line alike.
    let redactors = policy.redactors(&decision.fired);
    let after = || {
        // Approvals, escalation and alerts (issue 7).
        let decision = stateful::after_decision(&policy, &ev, decision, &env);
        let answer = adapter.render(&ev, &decision);
        let mut record = record_for(&ev, &decision, &flags, &env);
        for name in &policy.env_names {
            let key = name.to_ascii_lowercase();
            if !record.context.contains_key(&key) {
                if let Ok(v) = std::env::var(name) {
                    record.context.insert(key, Value::String(audit::mask(&v)));
                }
            }
        }
        (answer, record)
    };
    let (answer, mut record) = match redactors {
        Some(r) => crate::redact::with_policy_detectors(r, after),
        None => after(),
    };
    if let Some(state) = pin_state {
        record
            .context
            .insert("policy_pin".into(), Value::String(state.as_str().into()));
    }
    if ev.event_name == "SessionEnd" {
        policy::pin::end(&ev.session_id, &ctx.cwd, &ctx.project_root);
    }
    let mut warnings = policy.warnings.clone();
    warnings.extend(env.take_warnings());
    Outcome {
        answer,
        record: Some(record),
        rotation: policy.audit.as_ref().map(audit::Rotation::from_settings),
        warnings,
    }
}

/// Evaluates an event: signals, policy, and what a broken policy file means.
pub fn decide(
    policy: &CompiledPolicy,
    ev: &Event,
    ctx: &Context,
    env: &dyn eval::EvalEnv,
    policy_error: Option<&str>,
) -> (Decision, Vec<Flag>) {
    let mut flags = run_signals(ev, ctx);
    policy.add_detector_flags(ev, ctx, &mut flags);
    let d = decide_with_flags(policy, ev, &flags, ctx, env, policy_error);
    (d, flags)
}

/// The flags of an event: none for events outside the four boundaries.
fn run_signals(ev: &Event, ctx: &Context) -> Vec<Flag> {
    if ev.boundary == Boundary::Other {
        Vec::new()
    } else {
        signals::run(ev, ctx)
    }
}

/// [`decide`] with the event's flags already raised.
pub fn decide_with_flags(
    policy: &CompiledPolicy,
    ev: &Event,
    flags: &[Flag],
    ctx: &Context,
    env: &dyn eval::EvalEnv,
    policy_error: Option<&str>,
) -> Decision {
    decide_with_hits(policy, ev, flags, ctx, env, policy_error, None)
}

/// [`decide_with_flags`] with the policy's text matcher already run over the boundary text.
fn decide_with_hits(
    policy: &CompiledPolicy,
    ev: &Event,
    flags: &[Flag],
    ctx: &Context,
    env: &dyn eval::EvalEnv,
    policy_error: Option<&str>,
    text_hits: Option<TextHits>,
) -> Decision {
    let mut d = eval::evaluate_with(policy, ev, flags, env, text_hits);
    // The built-in guard: outside every policy layer, so no scope, cache or pin can drop it.
    let guarded = guard::check(ev, flags, ctx);
    if !guarded.is_empty() {
        let mut fired = d.fired.clone();
        fired.extend(guarded);
        let errors = std::mem::take(&mut d.errors);
        let decision_id = std::mem::take(&mut d.decision_id);
        d = eval::decide(policy, ev, fired, d.redactions.clone());
        d.errors = errors;
        d.decision_id = decision_id;
    }
    if let Some(err) = policy_error {
        d.errors.push(format!("policy file is broken: {err}"));
        if ev.boundary == Boundary::ToolRequest {
            let fire = Fire {
                rule_id: "hookwarden.policy-broken".into(),
                effect: Effect::Deny,
                risk: 100,
                mode: Mode::Enforce,
                scope: "hookwarden".into(),
                reason: format!(
                    "The hookwarden policy cannot be loaded, so tool calls are blocked until it is fixed: {err}. Ask the user to fix the policy file (`hookwarden policy validate`)."
                ),
                matched: Vec::new(),
                approver_role: None,
                lineage: None,
            };
            let mut fired = d.fired.clone();
            fired.push(fire);
            let errors = d.errors.clone();
            d = eval::decide(policy, ev, fired, d.redactions.clone());
            d.errors = errors;
        }
    }
    d
}

/// The audit record for a decision.
pub fn record_for(
    ev: &Event,
    d: &Decision,
    flags: &[Flag],
    env: &dyn eval::EvalEnv,
) -> AuditRecord {
    let mut context = serde_json::Map::new();
    if let Some(u) = env.user() {
        context.insert("user".into(), Value::String(u));
    }
    if let Some(t) = env.team() {
        context.insert("team".into(), Value::String(t));
    }
    if let Some(b) = env.branch() {
        context.insert("branch".into(), Value::String(b));
    }
    for var in ["AWS_PROFILE", "KUBECONTEXT", "HOOKWARDEN_ENV"] {
        if let Some(v) = env.env_var(var) {
            context.insert(var.to_ascii_lowercase(), Value::String(v));
        }
    }
    let findings = flags
        .iter()
        .flat_map(|f| {
            f.findings.iter().map(move |x| FindingRecord {
                flag: f.name.clone(),
                kind: x.kind.clone(),
                start: x.start,
                end: x.end,
                hash: x.hash.clone(),
            })
        })
        .collect();
    let mut decision = d.clone();
    // Reasons quote commands; commands can carry secrets.
    decision.reasons = decision.reasons.iter().map(|r| audit::mask(r)).collect();
    for f in &mut decision.fired {
        f.matched = f.matched.iter().map(|m| audit::mask(m)).collect();
    }
    AuditRecord {
        decision,
        event: EventRecord::from_event(ev),
        context,
        findings,
    }
}

/// The answer when the payload is another runtime's than the one named: fail closed at the
/// boundary that runtime gives it, in that runtime's answer shape (it is the one that sent
/// it, and Copilot reads only a printed deny).
fn mismatched(
    named: &runtime::RuntimeProfile,
    looks: &'static runtime::RuntimeProfile,
    raw: &Value,
    input: &[u8],
) -> Outcome {
    let parsed = looks.adapter.parse(raw).ok();
    let event = raw
        .get("hook_event_name")
        .and_then(Value::as_str)
        .or(parsed.as_ref().map(|e| e.event_name.as_str()))
        .unwrap_or("<no event name>");
    let boundary = parsed.as_ref().map(|e| e.boundary);
    let outcome = match boundary {
        Some(Boundary::ToolRequest) | None => "blocking to be safe",
        Some(_) => "not checked",
    };
    let msg = format!(
        "hookwarden: this is a {} hook event (`{event}`), but the hook was called with `--runtime {}`; {outcome}. Wire it with `hookwarden install --runtime {}`",
        looks.display,
        named.name(),
        looks.name()
    );
    failure(looks.kind, boundary, parsed.as_ref(), &msg, input)
}

/// The answer and record when the event could not be evaluated at all.
fn failure(
    kind: RuntimeKind,
    boundary: Option<Boundary>,
    ev: Option<&Event>,
    message: &str,
    input: &[u8],
) -> Outcome {
    let answer = match runtime::profile(kind) {
        Some(p) => p.adapter.render_failure(boundary, message),
        None => runtime::default_failure(boundary, message),
    };
    let mut ev_for_log = ev
        .cloned()
        .unwrap_or_else(|| Event::new(kind, boundary.unwrap_or(Boundary::Other), "<unreadable>"));
    if ev.is_none() {
        ev_for_log.tool_input = serde_json::json!({
            "input_bytes": input.len(),
            "input_sha256_prefix": crate::signals::fingerprint::short_hash(&String::from_utf8_lossy(&input[..input.len().min(1 << 20)])),
        });
    }
    let effect = if answer.exit_code == 2 {
        Effect::Deny
    } else {
        Effect::Allow
    };
    let d = Decision {
        decision_id: decision::new_id("d"),
        action_id: None,
        effect,
        would_effect: effect,
        rule_ids: vec!["hookwarden.input-error".into()],
        reasons: vec![message.to_string()],
        risk: 0,
        approver_role: None,
        redactions: Vec::new(),
        fired: Vec::new(),
        policy_version: String::new(),
        timestamp: crate::time::now_rfc3339(),
        runtime: kind,
        boundary: ev_for_log.boundary,
        session_id: ev_for_log.session_id.clone(),
        errors: vec![message.to_string()],
        approval_code: None,
        exceptions: Vec::new(),
    };
    let record = AuditRecord {
        decision: d,
        event: EventRecord::from_event(&ev_for_log),
        context: serde_json::Map::new(),
        findings: Vec::new(),
    };
    Outcome {
        answer,
        record: Some(record),
        rotation: None,
        warnings: Vec::new(),
    }
}
