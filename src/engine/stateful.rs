//! The stateful step of a hook call, after the policy decided: a session stopped by
//! escalation, approvals (local ones for runtimes that cannot ask, or the team approval
//! service the org names), denial counting and alert deduplication, all in at most one
//! transaction of the state store.

use crate::decision::{Decision, Effect, Fire, Mode};
use crate::event::{Boundary, Event};
use crate::policy::eval::EvalEnv;
use crate::policy::typed::RatePer;
use crate::policy::{CompiledPolicy, CompiledRule};
use crate::state::{key_hash, State, StateError, Store};
use crate::time::parse_duration;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::PathBuf;

/// The evaluation environment of a real hook call: the process environment plus the state
/// store for rate limits. `check` and replay use the stateless env and never count.
pub struct StatefulEnv<E: EvalEnv> {
    pub inner: E,
    pub project_root: PathBuf,
    store: Option<Store>,
    warnings: RefCell<Vec<String>>,
}

impl<E: EvalEnv> StatefulEnv<E> {
    pub fn new(inner: E, project_root: PathBuf) -> StatefulEnv<E> {
        StatefulEnv::with_store(inner, project_root, Store::open_default().ok())
    }

    pub fn with_store(inner: E, project_root: PathBuf, store: Option<Store>) -> StatefulEnv<E> {
        StatefulEnv {
            inner,
            project_root,
            store,
            warnings: RefCell::new(Vec::new()),
        }
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn warn(&self, w: String) {
        self.warnings.borrow_mut().push(w);
    }

    /// Warnings met so far (state recovered, store unavailable, sink failed), for stderr.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.borrow_mut())
    }

    /// Runs a transaction, collecting warnings; `None` (with a warning) when the store fails.
    pub fn transact<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let Some(store) = &self.store else {
            self.warn(StateError::NoDataDir.to_string());
            return None;
        };
        let mut w = Vec::new();
        let res = store.update(self.now(), &mut w, f);
        self.warnings.borrow_mut().extend(w);
        match res {
            Ok(r) => Some(r),
            Err(e) => {
                self.warn(e.to_string());
                None
            }
        }
    }
}

impl<E: EvalEnv> EvalEnv for StatefulEnv<E> {
    fn now(&self) -> i64 {
        self.inner.now()
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.inner.env_var(name)
    }
    fn branch(&self) -> Option<String> {
        self.inner.branch()
    }
    fn user(&self) -> Option<String> {
        self.inner.user()
    }
    fn team(&self) -> Option<String> {
        self.inner.team()
    }

    fn rate_exceeded(&self, rule: &CompiledRule, event: &Event) -> bool {
        let Some(rl) = &rule.rate_limit else {
            return false;
        };
        let window = rl.window_secs;
        let per = rl.per.as_str();
        let subject = match rl.per {
            RatePer::Repo => self.project_root.display().to_string(),
            RatePer::User => self.user().unwrap_or_default(),
            RatePer::Session => event.session_id.clone(),
        };
        let key = format!("{}|{per}|{}", rule.id, key_hash(&subject));
        let now = self.now();
        // Without state the limit cannot be counted; the rule applies (fail closed).
        self.transact(|s| s.count_rate(&key, now, window, rl.max))
            .unwrap_or(true)
    }
}

/// After evaluation: the stateful parts of a hook call, in one transaction at most.
///
/// - a session stopped by escalation gets the escalation decision for every event;
/// - an `ask` the runtime cannot show becomes a deny with an approval code, or passes when a
///   person granted that exact action;
/// - denials are counted; the one that reaches the policy's limit stops the session;
/// - alerts are deduplicated and sent to the configured sinks (after the lock is released).
pub fn after_decision<E: EvalEnv>(
    policy: &CompiledPolicy,
    ev: &Event,
    mut d: Decision,
    env: &StatefulEnv<E>,
) -> Decision {
    if ev.boundary == Boundary::Other {
        return d;
    }
    let now = env.now();
    let escalation = policy.escalation.as_ref();
    if let (Some(_), Some(store)) = (escalation, env.store()) {
        if !ev.session_id.is_empty() {
            if let Some(reason) = escalated(store, &ev.session_id, now) {
                return escalation_decision(policy, ev, d, reason);
            }
        }
    }
    // An org that names a team approval service sends every enforced ask there, on every
    // runtime; local approval codes are then not used.
    let team = super::team::service(policy)
        .filter(|_| d.effect == Effect::Ask && ev.boundary == Boundary::ToolRequest);
    let approval_needed = team.is_none()
        && d.effect == Effect::Ask
        && ev.boundary == Boundary::ToolRequest
        && !super::approvals::runtime_can_ask(ev);
    // What the agent keeps trying counts; withheld outputs and blocked prompts do not.
    let count_denial = escalation.is_some()
        && d.effect == Effect::Deny
        && ev.boundary == Boundary::ToolRequest
        && !ev.session_id.is_empty();
    let alert_settings = super::alerts::settings(policy);
    let alertable = alert_settings
        .as_ref()
        .map(|a| super::alerts::alertable(a, &d))
        .unwrap_or_default();
    if let Some(svc) = team {
        let action = super::approvals::action_hash(ev);
        let user = env.user().unwrap_or_default();
        let body = super::team::filing(ev, &d, &action, &env.project_root, &user);
        let consulted = super::team::consult(svc, &body);
        let can_ask = super::approvals::runtime_can_ask(ev);
        d = super::team::apply(policy, ev, d, svc, &body, consulted, can_ask);
    }
    if !approval_needed && !count_denial && alertable.is_empty() {
        return d;
    }
    let session_key = key_hash(&ev.session_id);
    let dedup = alert_settings
        .as_ref()
        .map(|a| a.dedup_secs())
        .unwrap_or(600);
    let action = approval_needed.then(|| super::approvals::action_hash(ev));
    let mut grants = super::approvals::GrantCheck::new(env.store().map(|s| s.dir().to_path_buf()));
    let outcome = env.transact(|s| {
        let approval = action
            .as_ref()
            .map(|a| super::approvals::resolve(s, a, ev, &d, now, &mut grants));
        let mut escalate = false;
        if let (true, Some(esc)) = (count_denial, escalation) {
            let window = parse_duration(&esc.window).unwrap_or(600);
            let v = s.denials.entry(session_key.clone()).or_default();
            v.retain(|t| *t > now - window);
            v.push(now);
            escalate = v.len() >= esc.max_denials as usize;
            if escalate {
                v.clear();
            }
        }
        let mut send = Vec::new();
        for rule_id in &alertable {
            let key = format!("{rule_id}|{session_key}");
            if s.alerts.get(&key).is_some_and(|t| *t > now - dedup) {
                continue;
            }
            s.alerts.insert(key, now);
            send.push(rule_id.clone());
        }
        (approval, escalate, send)
    });
    let (approval, escalate, send) = match outcome {
        Some(o) => o,
        // Without state: no code, no counting; alerts are still sent (undeduplicated).
        None => (None, false, alertable.clone()),
    };
    let mut tampered = false;
    if let Some(a) = approval {
        for t in &a.tampered {
            env.warn(t.message());
            tampered = true;
        }
        d = super::approvals::apply(policy, ev, d, a);
    }
    if escalate {
        if let (Some(esc), Some(store)) = (escalation, env.store()) {
            let reason = format!(
                "This session was stopped by hookwarden: {} actions were denied within {}. A person should review what the agent tried (`hookwarden approvals`, the audit log) and start a new session.",
                esc.max_denials, esc.window
            );
            if let Err(e) =
                mark_escalated(store, &ev.session_id, now, now + esc.block_secs(), &reason)
            {
                env.warn(format!("cannot record the stopped session: {e}"));
            }
            d = escalation_decision(policy, ev, d, reason);
        }
    }
    if let Some(a) = alert_settings {
        let mut send = send;
        if escalate && a.on.contains(&Effect::Terminate) {
            send.push(ESCALATION_RULE.to_string());
        }
        if tampered && a.on.contains(&Effect::Alert) {
            send.push(super::approvals::TAMPER_RULE.to_string());
        }
        for w in super::alerts::send(&a, ev, &d, &send, env) {
            env.warn(w);
        }
    }
    d
}

pub const ESCALATION_RULE: &str = "hookwarden.escalation";

#[derive(Serialize, Deserialize)]
struct Marker {
    session_id: String,
    at: i64,
    until: i64,
    reason: String,
}

/// The reason a session was stopped, while it stays stopped. A missing marker is one stat.
fn escalated(store: &Store, session: &str, now: i64) -> Option<String> {
    let bytes = std::fs::read(store.escalation_marker(session)).ok()?;
    let m: Marker = serde_json::from_slice(&bytes).ok()?;
    (m.session_id == session && now < m.until).then_some(m.reason)
}

fn mark_escalated(
    store: &Store,
    session: &str,
    now: i64,
    until: i64,
    reason: &str,
) -> std::io::Result<()> {
    let path = store.escalation_marker(session);
    let dir = store.dir().join("escalated");
    std::fs::create_dir_all(&dir)?;
    // Old markers go when a new one is written: bounded without a sweeper.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let stale = std::fs::read(e.path())
                .ok()
                .and_then(|b| serde_json::from_slice::<Marker>(&b).ok())
                .is_none_or(|m| m.until < now);
            if stale {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let m = Marker {
        session_id: session.to_string(),
        at: now,
        until,
        reason: reason.to_string(),
    };
    let tmp = dir.join(format!(".tmp-{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(&m).unwrap_or_default())?;
    std::fs::rename(tmp, path)
}

/// The decision for a stopped session: the fires that led here, plus the escalation.
fn escalation_decision(
    policy: &CompiledPolicy,
    ev: &Event,
    d: Decision,
    reason: String,
) -> Decision {
    let mut fired = d.fired.clone();
    fired.push(Fire {
        rule_id: ESCALATION_RULE.into(),
        effect: Effect::Terminate,
        risk: 100,
        mode: Mode::Enforce,
        scope: "hookwarden".into(),
        reason,
        matched: Vec::new(),
        approver_role: None,
        lineage: None,
    });
    let mut out = crate::policy::eval::decide(policy, ev, fired, d.redactions.clone());
    out.errors = d.errors;
    out.decision_id = d.decision_id;
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct FakeEnv {
        now: i64,
        user: &'static str,
    }
    impl EvalEnv for FakeEnv {
        fn now(&self) -> i64 {
            self.now
        }
        fn env_var(&self, _: &str) -> Option<String> {
            None
        }
        fn branch(&self) -> Option<String> {
            None
        }
        fn user(&self) -> Option<String> {
            Some(self.user.to_string())
        }
        fn team(&self) -> Option<String> {
            None
        }
    }

    fn limited_rule(per: &str) -> CompiledRule {
        let text = format!(
            "[[rule]]\nid = \"r\"\neffect = \"deny\"\nrate_limit = {{ max = 1, window = \"1h\", per = \"{per}\" }}\n"
        );
        let layer = crate::policy::parse_layer(crate::policy::Scope::User, "t", text).unwrap();
        crate::policy::compile(&[layer]).unwrap().rules.remove(0)
    }

    fn event(session: &str) -> Event {
        let mut e = Event::new(
            crate::event::RuntimeKind::Claude,
            Boundary::ToolRequest,
            "PreToolUse",
        );
        e.session_id = session.into();
        e
    }

    #[test]
    fn rate_limits_count_per_session_repo_or_user() {
        let dir = tempfile::tempdir().unwrap();
        let env = |root: &str, user: &'static str| {
            StatefulEnv::with_store(
                FakeEnv { now: 1000, user },
                PathBuf::from(root),
                Some(Store::new(dir.path())),
            )
        };
        let session = limited_rule("session");
        let a = env("/repo/a", "alice");
        assert!(!a.rate_exceeded(&session, &event("s1")));
        assert!(a.rate_exceeded(&session, &event("s1")));
        assert!(!a.rate_exceeded(&session, &event("s2")));

        let repo = limited_rule("repo");
        assert!(!env("/repo/a", "alice").rate_exceeded(&repo, &event("s1")));
        assert!(env("/repo/a", "bob").rate_exceeded(&repo, &event("s9")));
        assert!(!env("/repo/b", "alice").rate_exceeded(&repo, &event("s1")));

        let user = limited_rule("user");
        assert!(!env("/repo/a", "carol").rate_exceeded(&user, &event("s1")));
        assert!(env("/repo/b", "carol").rate_exceeded(&user, &event("s2")));
        assert!(!env("/repo/a", "dave").rate_exceeded(&user, &event("s1")));
    }

    #[test]
    fn without_a_store_the_limit_applies_with_a_warning() {
        let env = StatefulEnv::with_store(
            FakeEnv {
                now: 1000,
                user: "alice",
            },
            PathBuf::from("/repo"),
            None,
        );
        assert!(env.rate_exceeded(&limited_rule("session"), &event("s1")));
        assert_eq!(env.take_warnings().len(), 1);
    }
}
