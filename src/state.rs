//! State that survives between hook calls: rate-limit counters, approval requests and grants,
//! denial counts for escalation, alert deduplication.
//!
//! Hooks run as separate, often parallel processes, so every change happens in one
//! transaction: take an exclusive `fs2` lock on `<data dir>/state.json`, read it, change
//! it, rewrite it in place, unlock. Every reader and writer holds the lock, so every change
//! counts and nobody reads half a file. A file that does not parse (a crash mid-write, a
//! hand edit, a full disk) is copied aside as `state.json.corrupt` and the hook starts from
//! empty state with a warning on stderr instead of failing.
//!
//! The store is only touched when the event needs it (a rate-limited rule matched, an
//! approval is needed, a denial is counted, an alert is sent); everything else stays
//! stateless. Every map is bounded: old entries expire and each map has a size cap.

use crate::approvals::Approval;
use crate::decision::{Decision, Effect, Fire};
use crate::event::{Boundary, Event};
use crate::policy::eval::EvalEnv;
use crate::policy::{CompiledPolicy, CompiledRule, Mode};
use crate::time::parse_duration;
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Keys per map before the oldest are dropped.
pub const MAX_KEYS: usize = 4096;
/// Timestamps kept per rate-limit counter: a limit above this cannot be counted exactly,
/// so policy validation refuses it.
pub const MAX_RATE: u32 = 10_000;
/// How long finished approvals and alert marks are kept for listing.
pub const RETENTION: i64 = 7 * 86_400;

/// Everything the store holds. Unknown fields are tolerated so an older binary can read a
/// newer file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Rate-limit counter key -> timestamps of matching actions within the window.
    #[serde(default)]
    pub rates: BTreeMap<String, Vec<i64>>,
    /// Approval code -> request (and grant, once granted).
    #[serde(default)]
    pub approvals: BTreeMap<String, Approval>,
    /// Session key -> timestamps of denials within the escalation window.
    #[serde(default)]
    pub denials: BTreeMap<String, Vec<i64>>,
    /// `rule|session` key -> when an alert was last sent.
    #[serde(default)]
    pub alerts: BTreeMap<String, i64>,
}

impl State {
    /// Records one action for a counter and says whether it is past `max` within `window`.
    pub fn count_rate(&mut self, key: &str, now: i64, window: i64, max: u32) -> bool {
        let v = self.rates.entry(key.to_string()).or_default();
        v.retain(|t| *t > now - window);
        v.push(now);
        let keep = max.min(MAX_RATE) as usize + 1;
        if v.len() > keep {
            let cut = v.len() - keep;
            v.drain(..cut);
        }
        v.len() > max as usize
    }

    /// Drops what has expired and caps every map.
    pub fn prune(&mut self, now: i64) {
        // Rate windows are at most a week (validation); anything older is dead.
        self.rates
            .retain(|_, v| v.last().is_some_and(|t| *t > now - RETENTION));
        self.denials
            .retain(|_, v| v.last().is_some_and(|t| *t > now - RETENTION));
        self.alerts.retain(|_, t| *t > now - RETENTION);
        self.approvals
            .retain(|_, a| a.last_relevant() > now - RETENTION);
        cap_by(&mut self.rates, |v| v.last().copied().unwrap_or(0));
        cap_by(&mut self.denials, |v| v.last().copied().unwrap_or(0));
        cap_by(&mut self.alerts, |t| *t);
        cap_by(&mut self.approvals, |a| a.requested_at);
    }
}

fn cap_by<V>(map: &mut BTreeMap<String, V>, age: impl Fn(&V) -> i64) {
    if map.len() <= MAX_KEYS {
        return;
    }
    let mut ages: Vec<(i64, String)> = map.iter().map(|(k, v)| (age(v), k.clone())).collect();
    ages.sort();
    let excess = map.len() - MAX_KEYS;
    for (_, k) in ages.into_iter().take(excess) {
        map.remove(&k);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("no data directory for hookwarden state (set HOOKWARDEN_DATA_DIR)")]
    NoDataDir,
    #[error("state store {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The state file of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The store in the user's data dir (`HOOKWARDEN_DATA_DIR` overrides).
    pub fn open_default() -> Result<Store, StateError> {
        crate::dirs::data_dir()
            .map(Store::new)
            .ok_or(StateError::NoDataDir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    fn io(&self, source: std::io::Error) -> StateError {
        StateError::Io {
            path: self.path().display().to_string(),
            source,
        }
    }

    /// Opens the state file and takes its exclusive lock. The file is rewritten in place,
    /// never replaced, so every process locks the same inode.
    fn lock(&self) -> Result<std::fs::File, StateError> {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(self.path())
        };
        let f = match open() {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir).map_err(|e| self.io(e))?;
                open().map_err(|e| self.io(e))?
            }
            Err(e) => return Err(self.io(e)),
        };
        f.lock_exclusive().map_err(|e| self.io(e))?;
        Ok(f)
    }

    /// Reads the locked file; content that does not parse is copied aside and reported in
    /// `warnings`, and the transaction starts from empty state.
    fn load(&self, f: &mut std::fs::File, warnings: &mut Vec<String>) -> Result<State, StateError> {
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| self.io(e))?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(State::default());
        }
        match serde_json::from_slice::<State>(&bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                let aside = self.dir.join("state.json.corrupt");
                let _ = std::fs::write(&aside, &bytes);
                warnings.push(format!(
                    "state file {} was unreadable ({e}); starting from empty state (rate counts, pending approvals and denial counts are reset). The damaged copy is kept at {}",
                    self.path().display(),
                    aside.display()
                ));
                Ok(State::default())
            }
        }
    }

    /// Runs one transaction: lock, read, change, prune, write, unlock.
    pub fn update<R>(
        &self,
        now: i64,
        warnings: &mut Vec<String>,
        f: impl FnOnce(&mut State) -> R,
    ) -> Result<R, StateError> {
        let mut file = self.lock()?;
        let res = self.load(&mut file, warnings).and_then(|mut state| {
            let out = f(&mut state);
            state.prune(now);
            self.save(&mut file, &state).map(|_| out)
        });
        let _ = FileExt::unlock(&file);
        res
    }

    /// Reads the state under the lock without changing it.
    pub fn read(&self, warnings: &mut Vec<String>) -> Result<State, StateError> {
        let mut file = self.lock()?;
        let res = self.load(&mut file, warnings);
        let _ = FileExt::unlock(&file);
        res
    }

    /// Rewrites the file in place. Not write-to-temp-and-rename: on ext4 a rename over an
    /// existing file (and a truncation to zero) forces the data to disk, which costs
    /// milliseconds per hook call. Every reader holds the lock, so none sees a half-written
    /// file; a crash mid-write leaves one that `load` recovers from.
    fn save(&self, f: &mut std::fs::File, state: &State) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(state).map_err(|e| self.io(e.into()))?;
        f.seek(SeekFrom::Start(0)).map_err(|e| self.io(e))?;
        f.write_all(&bytes).map_err(|e| self.io(e))?;
        f.set_len(bytes.len() as u64).map_err(|e| self.io(e))
    }

    fn escalation_marker(&self, session: &str) -> PathBuf {
        self.dir.join("escalated").join(key_hash(session))
    }
}

/// A stable short key for a session, repo or user: keeps the state file small and free of
/// raw paths and ids.
pub fn key_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(s.as_bytes());
    crate::hex::hex(&d[..8])
}

/// Checks a rate limit as written: a window, a known `per`, a countable `max`.
pub fn validate_rate_limit(rl: &crate::policy::model::RateLimit) -> Result<(), String> {
    match parse_duration(&rl.window) {
        Some(w) if w <= RETENTION => {}
        Some(_) => {
            return Err(format!(
                "rate_limit window `{}` is longer than 7d",
                rl.window
            ))
        }
        None => {
            return Err(format!(
                "rate_limit window `{}` is not a duration (e.g. `30s`, `10m`, `1h`, `1d`)",
                rl.window
            ))
        }
    }
    if rl.max > MAX_RATE {
        return Err(format!("rate_limit max {} is above {MAX_RATE}", rl.max));
    }
    match rl.per.as_deref() {
        None | Some("session" | "repo" | "user") => Ok(()),
        Some(other) => Err(format!(
            "rate_limit per `{other}`: expected `session`, `repo` or `user`"
        )),
    }
}

/// `[policy.escalation]`: stop a session after repeated denials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSettings {
    /// This many denials in one session within `window` stop the session.
    pub max_denials: u32,
    /// `10m`, `1h`, ...
    pub window: String,
    /// How long the session stays stopped (every later call is refused); default `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_for: Option<String>,
}

impl EscalationSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_denials == 0 {
            return Err("escalation max_denials must be at least 1".into());
        }
        if parse_duration(&self.window).map_or(true, |w| w > RETENTION) {
            return Err(format!(
                "escalation window `{}` is not a duration up to 7d (e.g. `10m`)",
                self.window
            ));
        }
        if let Some(b) = &self.block_for {
            if parse_duration(b).is_none() {
                return Err(format!("escalation block_for `{b}` is not a duration"));
            }
        }
        Ok(())
    }

    fn block_secs(&self) -> i64 {
        self.block_for
            .as_deref()
            .and_then(parse_duration)
            .unwrap_or(86_400)
    }
}

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
        let Some(rl) = &rule.rule.rate_limit else {
            return false;
        };
        let Some(window) = parse_duration(&rl.window) else {
            // Validation refuses this; if it gets here anyway the rule applies.
            return true;
        };
        let per = rl.per.as_deref().unwrap_or("session");
        let subject = match per {
            "repo" => self.project_root.display().to_string(),
            "user" => self.user().unwrap_or_default(),
            _ => event.session_id.clone(),
        };
        let key = format!("{}|{per}|{}", rule.rule.id, key_hash(&subject));
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
    let approval_needed = d.effect == Effect::Ask
        && ev.boundary == Boundary::ToolRequest
        && !crate::approvals::runtime_can_ask(ev.runtime);
    // What the agent keeps trying counts; withheld outputs and blocked prompts do not.
    let count_denial = escalation.is_some()
        && d.effect == Effect::Deny
        && ev.boundary == Boundary::ToolRequest
        && !ev.session_id.is_empty();
    let alert_settings = crate::alerts::settings(policy);
    let alertable = alert_settings
        .as_ref()
        .map(|a| crate::alerts::alertable(a, &d))
        .unwrap_or_default();
    if !approval_needed && !count_denial && alertable.is_empty() {
        return d;
    }
    let session_key = key_hash(&ev.session_id);
    let dedup = alert_settings
        .as_ref()
        .map(|a| a.dedup_secs())
        .unwrap_or(600);
    let action = approval_needed.then(|| crate::approvals::action_hash(ev));
    let outcome = env.transact(|s| {
        let approval = action
            .as_ref()
            .map(|a| crate::approvals::resolve(s, a, ev, &d, now));
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
    if let Some(a) = approval {
        d = crate::approvals::apply(policy, ev, d, a);
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
        for w in crate::alerts::send(&a, ev, &d, &send, env) {
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
                .map_or(true, |m| m.until < now);
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

    #[test]
    fn rate_counts_past_the_limit_within_the_window() {
        let mut s = State::default();
        assert!(!s.count_rate("k", 100, 60, 2));
        assert!(!s.count_rate("k", 101, 60, 2));
        assert!(s.count_rate("k", 102, 60, 2));
        // The first two fall out of the window.
        assert!(!s.count_rate("k", 161, 60, 2));
        assert!(s.rates["k"].len() <= 3);
    }

    #[test]
    fn corrupt_file_is_recovered_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mut w = Vec::new();
        store
            .update(10, &mut w, |s| s.count_rate("k", 10, 60, 5))
            .unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        std::fs::write(store.path(), &text[..text.len() / 2]).unwrap();
        let exceeded = store
            .update(11, &mut w, |s| s.count_rate("k", 11, 60, 0))
            .unwrap();
        assert!(exceeded);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("unreadable"));
        assert!(dir.path().join("state.json.corrupt").exists());
        // The next transaction reads a whole file again.
        let mut w2 = Vec::new();
        let s = store.read(&mut w2).unwrap();
        assert!(w2.is_empty());
        assert_eq!(s.rates["k"], vec![11]);
    }

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

    #[test]
    fn maps_are_capped() {
        let mut s = State::default();
        for i in 0..(MAX_KEYS + 10) {
            s.alerts.insert(format!("k{i}"), 1000 + i as i64);
        }
        s.prune(2000);
        assert_eq!(s.alerts.len(), MAX_KEYS);
        assert!(!s.alerts.contains_key("k0"));
    }
}
