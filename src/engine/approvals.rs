//! Approvals for runtimes that cannot ask a person themselves.
//!
//! Claude shows an `ask` to the user. Codex runs the tool on `ask` and Gemini hangs, so there
//! the hook denies with a short code; a person runs `hookwarden approve <code>` at a terminal
//! and the same action (same runtime, session, tool and normalized input) then passes while
//! the grant lasts. Only the asks of the rules that requested the approval are lifted: a deny
//! from any other rule still stands. Requests and grants live in the state store
//! ([`crate::state`]).
//!
//! A grant counts only if its signature verifies ([`crate::keys`]): it covers the grant and
//! the request it grants, so a grant written into the state file by hand, or one moved to
//! another action or stretched in time, is ignored, removed, and recorded as tampering (rule
//! [`TAMPER_RULE`], an alert-level fire on the decision, and a warning). The key is read only
//! when a grant for the action exists. Honest limits: the request itself is not signed (the
//! hook writes it as the agent's user), and `used_at` of a single-use grant is set by the
//! hook after signing, so an agent that edits the state file can replay a once-grant within
//! its hour for the same, already approved action.

use crate::decision::{self, Decision, Effect, Fire, Mode};
use crate::event::Event;
use crate::keys::{Signer, Verifier};
use crate::policy::CompiledPolicy;
use crate::state::{Approval, Grant, State, Status, Store};

use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// How long a person has to approve a request.
pub const REQUEST_TTL: i64 = 24 * 3600;
/// How long a `--once` grant waits for the retry.
pub const ONCE_TTL: i64 = 3600;
pub const APPROVAL_RULE: &str = "hookwarden.approval";
/// The rule id of a grant that failed verification.
pub const TAMPER_RULE: &str = "hookwarden.tamper";

/// Whether the runtime that sent this event shows an `ask` for it to a person: at this hook
/// event, for this kind of tool (Cursor asks only at shell and MCP execution, never at
/// `preToolUse`) and in the payload's permission mode (Claude in `bypassPermissions` shows
/// none), from the runtime's profile. Where it does not, the adapter denies with an approval
/// message, so the event needs an approval code.
pub fn runtime_can_ask(ev: &Event) -> bool {
    crate::runtime::profile(ev.runtime).is_some_and(|p| p.shows_ask(ev))
}

/// What exactly is approved: runtime, session, tool and its input with keys sorted.
pub fn action_hash(ev: &Event) -> String {
    let mut h = Sha256::new();
    h.update(b"hookwarden-action-v1\0");
    h.update(ev.runtime.as_str().as_bytes());
    h.update([0]);
    h.update(ev.session_id.as_bytes());
    h.update([0]);
    h.update(ev.tool_name().unwrap_or("").as_bytes());
    h.update([0]);
    // serde_json maps are sorted by key, so this is a canonical form of the input.
    h.update(ev.tool_input.to_string().as_bytes());
    let d = h.finalize();
    crate::hex::hex(&d[..16])
}

/// What the hook does with an action that needs approval.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// A person granted it: lift the asks of these rules.
    Granted(Box<Approval>),
    /// Waiting for a person: deny with this code.
    Pending(String),
}

/// A grant that did not verify: ignored and removed from the store.
#[derive(Debug, Clone)]
pub struct Tamper {
    pub code: String,
    /// Who the grant claimed approved it.
    pub claimed_by: String,
    pub why: String,
}

impl Tamper {
    pub fn message(&self) -> String {
        format!(
            "approval grant {} (claiming approval by {}) failed verification: {}. It was ignored and removed; it was not written by `hookwarden approve`.",
            self.code, self.claimed_by, self.why
        )
    }
}

/// The outcome of [`resolve`]: the resolution, and any forged grants met on the way.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub resolution: Resolution,
    pub tampered: Vec<Tamper>,
}

/// Checks grant signatures; loads the verifying key on first use only.
pub struct GrantCheck {
    data_dir: Option<PathBuf>,
    verifier: Option<Verifier>,
}

impl GrantCheck {
    pub fn new(data_dir: Option<PathBuf>) -> GrantCheck {
        GrantCheck {
            data_dir,
            verifier: None,
        }
    }

    /// A check with this verifier already loaded.
    pub fn with(verifier: Verifier) -> GrantCheck {
        GrantCheck {
            data_dir: None,
            verifier: Some(verifier),
        }
    }

    fn verify(&mut self, a: &Approval, g: &Grant) -> Result<(), String> {
        let dir = self.data_dir.as_deref();
        let v = self.verifier.get_or_insert_with(|| Verifier::load(dir));
        v.verify(&grant_message(a, g), g.sig.as_deref())
    }
}

/// The bytes a grant's signature covers: the request (what is approved, where, why) and the
/// grant (who, when, for how long, once or not). Each field is length-prefixed, so no two
/// different records give the same bytes.
pub fn grant_message(a: &Approval, g: &Grant) -> Vec<u8> {
    let mut m = Vec::with_capacity(512);
    let mut field = |b: &[u8]| {
        m.extend_from_slice(&(b.len() as u64).to_le_bytes());
        m.extend_from_slice(b);
    };
    field(b"hookwarden-grant-v1");
    field(a.code.as_bytes());
    field(a.action.as_bytes());
    field(a.session_id.as_bytes());
    field(a.runtime.as_str().as_bytes());
    field(a.tool.as_bytes());
    field(a.summary.as_bytes());
    field(&(a.rule_ids.len() as u64).to_le_bytes());
    for r in &a.rule_ids {
        field(r.as_bytes());
    }
    field(a.approver_role.as_deref().unwrap_or("\0none").as_bytes());
    field(&a.requested_at.to_le_bytes());
    field(&a.request_expires_at.to_le_bytes());
    field(g.by.as_bytes());
    field(&g.uid.map(i64::from).unwrap_or(-1).to_le_bytes());
    field(&[u8::from(g.via_sudo), u8::from(g.once)]);
    field(&g.at.to_le_bytes());
    field(&g.until.to_le_bytes());
    field(g.note.as_deref().unwrap_or("\0none").as_bytes());
    m
}

/// Finds a live, verified grant for the action (consuming a `--once` one), or the pending
/// request, or files a new request. Grants that do not verify are removed and reported.
pub fn resolve(
    s: &mut State,
    action: &str,
    ev: &Event,
    d: &Decision,
    now: i64,
    check: &mut GrantCheck,
) -> Resolved {
    let mut tampered = Vec::new();
    let mut granted = None;
    for a in s.approvals.values_mut().filter(|a| a.action == action) {
        if a.status(now) != Status::Granted {
            continue;
        }
        let Some(g) = a.grant.clone() else { continue };
        if let Err(why) = check.verify(a, &g) {
            tampered.push(Tamper {
                code: a.code.clone(),
                claimed_by: g.by.clone(),
                why,
            });
            continue;
        }
        if let Some(g) = &mut a.grant {
            g.uses += 1;
            if g.once {
                g.used_at = Some(now);
            }
        }
        granted = Some(Box::new(a.clone()));
        break;
    }
    for t in &tampered {
        s.approvals.remove(&t.code);
    }
    if let Some(a) = granted {
        return Resolved {
            resolution: Resolution::Granted(a),
            tampered,
        };
    }
    if let Some(a) = s
        .approvals
        .values()
        .find(|a| a.action == action && a.status(now) == Status::Pending)
    {
        return Resolved {
            resolution: Resolution::Pending(a.code.clone()),
            tampered,
        };
    }
    let code = new_code(s, action, now);
    let asks: Vec<&Fire> = d
        .fired
        .iter()
        .filter(|f| f.effect == Effect::Ask && f.mode == Mode::Enforce)
        .collect();
    let reason = asks
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    s.approvals.insert(
        code.clone(),
        Approval {
            code: code.clone(),
            action: action.to_string(),
            session_id: ev.session_id.clone(),
            runtime: ev.runtime,
            tool: ev.tool_name().unwrap_or("").to_string(),
            summary: summary(ev),
            rule_ids: asks.iter().map(|f| f.rule_id.clone()).collect(),
            approver_role: d.approver_role.clone(),
            reason: shorten(&crate::audit::mask(&reason), 600),
            risk: d.risk,
            requested_at: now,
            request_expires_at: now + REQUEST_TTL,
            grant: None,
        },
    );
    Resolved {
        resolution: Resolution::Pending(code),
        tampered,
    }
}

fn shorten(s: &str, max: usize) -> String {
    let cut = crate::audit::cut(s, max);
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

/// One line for a person: the command, or the tool input, masked and shortened.
pub fn summary(ev: &Event) -> String {
    let text = match &ev.command {
        Some(c) => crate::audit::cut(c, 4096).to_string(),
        None => {
            let t = ev.tool_input.to_string();
            crate::audit::cut(&t, 4096).to_string()
        }
    };
    shorten(&crate::audit::mask(&text), 160)
}

/// Six characters a person can read out and type, from the OS random source; unique among
/// the codes in the store.
fn new_code(s: &State, action: &str, now: i64) -> String {
    for _ in 0..50 {
        match crate::keys::random_code(6) {
            Ok(code) if !s.approvals.contains_key(&code) => return code,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    // The OS random source failed (it does not, short of a broken kernel): a code that is
    // unique but guessable is still better than failing the hook. Grants stay signed.
    let nanos = crate::time::now_nanos();
    let mut h = Sha256::new();
    h.update(action.as_bytes());
    h.update(now.to_le_bytes());
    h.update(nanos.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let alphabet = crate::keys::CODE_ALPHABET;
    h.finalize()
        .iter()
        .take(6)
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}

/// The fire that records forged grants on the decision: alert level, so the decision stays
/// what it was (the action still needs a person) and the alert sinks hear about it.
fn tamper_fire(tampered: &[Tamper]) -> Fire {
    Fire {
        rule_id: TAMPER_RULE.into(),
        effect: Effect::Alert,
        risk: 100,
        mode: Mode::Enforce,
        scope: "hookwarden".into(),
        reason: tampered
            .iter()
            .map(Tamper::message)
            .collect::<Vec<_>>()
            .join(" "),
        matched: Vec::new(),
        approver_role: None,
        lineage: None,
    }
}

/// Applies a resolution to the decision.
pub fn apply(policy: &CompiledPolicy, ev: &Event, d: Decision, r: Resolved) -> Decision {
    let mut fired = d.fired.clone();
    if !r.tampered.is_empty() {
        fired.push(tamper_fire(&r.tampered));
    }
    let code = match &r.resolution {
        Resolution::Pending(code) => code.clone(),
        Resolution::Granted(a) => {
            let Some(g) = &a.grant else { return d };
            for f in &mut fired {
                if f.effect == Effect::Ask && a.rule_ids.contains(&f.rule_id) {
                    // Kept in the record as what would have happened without the approval.
                    f.mode = Mode::Audit;
                }
            }
            let note = g
                .note
                .as_deref()
                .map(|n| format!("; note: {n}"))
                .unwrap_or_default();
            fired.push(Fire {
                rule_id: APPROVAL_RULE.into(),
                effect: Effect::Allow,
                risk: 0,
                mode: Mode::Enforce,
                scope: "hookwarden".into(),
                reason: format!(
                    "Approved by {} at {} with code {} ({}){note}.",
                    g.by,
                    crate::time::rfc3339(g.at, 0),
                    a.code,
                    if g.once {
                        "once".to_string()
                    } else {
                        format!("until {}", crate::time::rfc3339(g.until, 0))
                    }
                ),
                matched: Vec::new(),
                approver_role: a.approver_role.clone(),
                lineage: None,
            });
            a.code.clone()
        }
    };
    if fired.len() == d.fired.len() {
        let mut d = d;
        d.approval_code = Some(code);
        return d;
    }
    let mut out = crate::policy::eval::decide(policy, ev, fired, d.redactions.clone());
    out.errors = d.errors;
    out.decision_id = d.decision_id;
    out.approval_code = Some(code);
    out
}

/// What `hookwarden approve` was asked to grant.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub code: String,
    /// The approver's OS user name and uid.
    pub by: String,
    pub uid: Option<u32>,
    pub via_sudo: bool,
    /// `None`: once.
    pub for_secs: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(
        "no approval request has code {0}. Run `hookwarden approvals` to list pending requests."
    )]
    Unknown(String),
    #[error("approval code {code} expired at {at} (requests are valid for 24h). Retry the action in the agent to get a new code.")]
    Expired { code: String, at: String },
    #[error("approval code {code} was already used once at {at}. Retry the action in the agent to get a new code.")]
    Used { code: String, at: String },
    #[error("the approval with code {code} lapsed at {at}. Retry the action in the agent to get a new code.")]
    Lapsed { code: String, at: String },
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
}

/// Normalizes a code as a person types it.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Whether a request can be granted now; the error says why not.
pub fn grantable(a: &Approval, now: i64) -> Result<(), ApproveError> {
    let at = |t: i64| crate::time::rfc3339(t, 0);
    let code = a.code.clone();
    match a.status(now) {
        Status::Expired => Err(ApproveError::Expired {
            code,
            at: at(a.request_expires_at),
        }),
        Status::Used => {
            let used = a.grant.as_ref().and_then(|g| g.used_at).unwrap_or(now);
            Err(ApproveError::Used { code, at: at(used) })
        }
        Status::Lapsed => {
            let until = a.grant.as_ref().map(|g| g.until).unwrap_or(now);
            Err(ApproveError::Lapsed {
                code,
                at: at(until),
            })
        }
        Status::Pending | Status::Granted => Ok(()),
    }
}

/// Grants a pending request (or extends a live grant), signed by `signer`. `authorize` sees the
/// request under the lock and may refuse (approver roles). Returns the approval as granted.
pub fn grant(
    store: &Store,
    req: &GrantRequest,
    now: i64,
    signer: &Signer,
    authorize: &dyn Fn(&Approval) -> Result<(), String>,
    warnings: &mut Vec<String>,
) -> Result<Approval, ApproveError> {
    let code = normalize_code(&req.code);
    store.update(now, warnings, |s| {
        let Some(a) = s.approvals.get_mut(&code) else {
            return Err(ApproveError::Unknown(code.clone()));
        };
        grantable(a, now)?;
        authorize(a).map_err(ApproveError::Refused)?;
        let mut g = Grant {
            by: req.by.clone(),
            uid: req.uid,
            via_sudo: req.via_sudo,
            at: now,
            until: now + req.for_secs.unwrap_or(ONCE_TTL),
            once: req.for_secs.is_none(),
            note: req.note.clone(),
            uses: 0,
            used_at: None,
            sig: None,
        };
        g.sig = Some(signer.sign(&grant_message(a, &g)));
        a.grant = Some(g);
        Ok(a.clone())
    })?
}

/// The audit record of a grant: who approved what, when, for how long.
pub fn audit_record(a: &Approval) -> Option<crate::audit::AuditRecord> {
    let g = a.grant.as_ref()?;
    let scope = if g.once {
        "once".to_string()
    } else {
        format!("until {}", crate::time::rfc3339(g.until, 0))
    };
    let reason = format!(
        "{} approved code {} ({scope}) for {} in session {} ({}): {}",
        g.by, a.code, a.tool, a.session_id, a.runtime, a.summary
    );
    let fire = Fire {
        rule_id: APPROVAL_RULE.into(),
        effect: Effect::Allow,
        risk: 0,
        mode: Mode::Enforce,
        scope: "hookwarden".into(),
        reason: reason.clone(),
        matched: Vec::new(),
        approver_role: a.approver_role.clone(),
        lineage: None,
    };
    let decision = Decision {
        decision_id: decision::new_id("a"),
        action_id: None,
        effect: Effect::Allow,
        would_effect: Effect::Allow,
        rule_ids: vec![APPROVAL_RULE.into()],
        reasons: vec![format!("{APPROVAL_RULE}: {reason}")],
        risk: 0,
        approver_role: a.approver_role.clone(),
        redactions: Vec::new(),
        fired: vec![fire],
        policy_version: String::new(),
        timestamp: crate::time::rfc3339(g.at, 0),
        runtime: a.runtime,
        boundary: crate::event::Boundary::Other,
        session_id: a.session_id.clone(),
        errors: Vec::new(),
        approval_code: Some(a.code.clone()),
        exceptions: Vec::new(),
    };
    let mut context = serde_json::Map::new();
    context.insert("approved_by".into(), g.by.clone().into());
    if let Some(uid) = g.uid {
        context.insert("approved_uid".into(), uid.into());
    }
    if g.via_sudo {
        context.insert("via_sudo".into(), true.into());
    }
    context.insert(
        "approved_until".into(),
        crate::time::rfc3339(g.until, 0).into(),
    );
    context.insert("once".into(), g.once.into());
    context.insert("rules".into(), a.rule_ids.clone().into());
    if let Some(n) = &g.note {
        context.insert("note".into(), crate::audit::mask(n).into());
    }
    Some(crate::audit::AuditRecord {
        decision,
        event: crate::audit::EventRecord {
            event_name: "hookwarden approve".into(),
            boundary: crate::event::Boundary::Other,
            cwd: std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            tool: Some(crate::event::classify_tool(&a.tool)),
            tool_input: serde_json::json!({ "action": a.action, "summary": a.summary }),
            command: None,
            paths: Vec::new(),
            text: None,
            text_len: None,
            model: None,
            turn_id: None,
            transcript_path: None,
        },
        context,
        findings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::event::{Boundary, RuntimeKind};

    const KEY: [u8; 32] = [42u8; 32];

    fn check() -> GrantCheck {
        GrantCheck::with(Verifier::Personal(KEY))
    }

    fn signer() -> Signer {
        Signer::Personal(KEY)
    }

    fn anyone(_: &Approval) -> Result<(), String> {
        Ok(())
    }

    fn req(code: &str, by: &str, for_secs: Option<i64>, note: Option<&str>) -> GrantRequest {
        GrantRequest {
            code: code.into(),
            by: by.into(),
            uid: Some(1000),
            via_sudo: false,
            for_secs,
            note: note.map(String::from),
        }
    }

    fn res(store: &Store, e: &Event, t: i64, w: &mut Vec<String>) -> Resolved {
        let action = action_hash(e);
        store
            .update(t, w, |s| resolve(s, &action, e, &asked(), t, &mut check()))
            .unwrap()
    }

    fn ev(cmd: &str) -> Event {
        let mut e = Event::new(RuntimeKind::Codex, Boundary::ToolRequest, "PreToolUse");
        e.session_id = "s1".into();
        e.tool = Some(crate::event::classify_tool("Bash"));
        e.tool_input = serde_json::json!({ "command": cmd });
        e.command = Some(cmd.into());
        e
    }

    /// Asks for `e` at time 100 and returns the code it is given.
    fn pending_code(store: &Store, e: &Event, w: &mut Vec<String>) -> String {
        match res(store, e, 100, w).resolution {
            Resolution::Pending(code) => code,
            _ => panic!("expected pending"),
        }
    }

    fn asked() -> Decision {
        let policy = CompiledPolicy::default();
        let fire = Fire {
            rule_id: "deploy".into(),
            effect: Effect::Ask,
            risk: 50,
            mode: Mode::Enforce,
            scope: "user".into(),
            reason: "deploys need approval".into(),
            matched: Vec::new(),
            approver_role: Some("release-manager".into()),
            lineage: None,
        };
        crate::policy::eval::decide(&policy, &ev("make deploy"), vec![fire], Vec::new())
    }

    #[test]
    fn same_action_same_hash_other_input_other_hash() {
        assert_eq!(
            action_hash(&ev("make deploy")),
            action_hash(&ev("make deploy"))
        );
        assert_ne!(
            action_hash(&ev("make deploy")),
            action_hash(&ev("make deploy2"))
        );
        let mut other_session = ev("make deploy");
        other_session.session_id = "s2".into();
        assert_ne!(action_hash(&ev("make deploy")), action_hash(&other_session));
    }

    #[test]
    fn request_grant_once_then_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let d = asked();
        let mut w = Vec::new();
        let Resolution::Pending(code) = res(&store, &e, 100, &mut w).resolution else {
            panic!("expected pending")
        };
        // The request tells the person why and how risky.
        let st = store.read(&mut w).unwrap();
        assert_eq!(st.approvals[&code].reason, "deploys need approval");
        assert_eq!(st.approvals[&code].risk, 50);
        // A retry before approval gets the same code.
        let r2 = res(&store, &e, 101, &mut w).resolution;
        assert!(matches!(r2, Resolution::Pending(c) if c == code));
        let req = req(&code.to_lowercase(), "alice", None, Some("ticket 42"));
        grant(&store, &req, 110, &signer(), &anyone, &mut w).unwrap();
        let r3 = res(&store, &e, 120, &mut w);
        assert!(r3.tampered.is_empty());
        let Resolution::Granted(a) = r3.resolution.clone() else {
            panic!("expected granted")
        };
        let out = apply(&CompiledPolicy::default(), &e, d.clone(), r3);
        assert_eq!(out.effect, Effect::Allow);
        assert_eq!(out.would_effect, Effect::Ask);
        assert!(out.rule_ids.contains(&APPROVAL_RULE.to_string()));
        assert_eq!(a.grant.unwrap().by, "alice");
        // Once means once: the next identical call needs a new approval.
        let r4 = res(&store, &e, 130, &mut w).resolution;
        assert!(matches!(r4, Resolution::Pending(c) if c != code));
        let err = grant(&store, &req, 140, &signer(), &anyone, &mut w).unwrap_err();
        assert!(err.to_string().contains("already used"), "{err}");
    }

    #[test]
    fn expired_codes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let mut w = Vec::new();
        let code = pending_code(&store, &e, &mut w);
        let r = req(&code, "alice", Some(1800), None);
        let err = grant(
            &store,
            &r,
            100 + REQUEST_TTL + 1,
            &signer(),
            &anyone,
            &mut w,
        )
        .unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        let unknown = req("ZZZZZZ", "alice", Some(1800), None);
        assert!(matches!(
            grant(&store, &unknown, 100, &signer(), &anyone, &mut w),
            Err(ApproveError::Unknown(_))
        ));
        let refused = grant(&store, &r, 100, &signer(), &|_| Err("no".into()), &mut w);
        assert!(matches!(refused, Err(ApproveError::Refused(_))));
    }

    #[test]
    fn a_timed_grant_passes_repeatedly_until_it_lapses() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let mut w = Vec::new();
        let code = pending_code(&store, &e, &mut w);
        grant(
            &store,
            &req(&code, "bob", Some(1800), None),
            200,
            &signer(),
            &anyone,
            &mut w,
        )
        .unwrap();
        for t in [300, 400, 1999] {
            let r = res(&store, &e, t, &mut w).resolution;
            assert!(matches!(r, Resolution::Granted(_)), "at {t}");
        }
        let r = res(&store, &e, 2001, &mut w).resolution;
        assert!(matches!(r, Resolution::Pending(_)));
    }

    /// Grants forged in the state file, or changed after signing, are ignored, removed and
    /// reported; the action stays pending.
    #[test]
    fn forged_or_altered_grants_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let mut w = Vec::new();
        // Hand-written: no signature.
        let code = pending_code(&store, &e, &mut w);
        store
            .update(101, &mut w, |s| {
                s.approvals.get_mut(&code).unwrap().grant = Some(Grant {
                    by: "alice".into(),
                    uid: None,
                    via_sudo: false,
                    at: 101,
                    until: 5000,
                    once: false,
                    note: None,
                    uses: 0,
                    used_at: None,
                    sig: None,
                })
            })
            .unwrap();
        let r = res(&store, &e, 102, &mut w);
        assert!(matches!(&r.resolution, Resolution::Pending(c) if *c != code));
        assert_eq!(r.tampered.len(), 1);
        assert!(r.tampered[0].why.contains("no signature"));
        let out = apply(&CompiledPolicy::default(), &e, asked(), r);
        assert_eq!(out.effect, Effect::Ask);
        assert!(out.rule_ids.contains(&TAMPER_RULE.to_string()));
        assert!(out.approval_code.is_some());
        assert!(!store.read(&mut w).unwrap().approvals.contains_key(&code));

        // Signed, then stretched: the signature no longer matches.
        let code = pending_code(&store, &e, &mut w);
        grant(
            &store,
            &req(&code, "bob", None, None),
            110,
            &signer(),
            &anyone,
            &mut w,
        )
        .unwrap();
        store
            .update(111, &mut w, |s| {
                let g = s.approvals.get_mut(&code).unwrap().grant.as_mut().unwrap();
                g.once = false;
                g.until = 10_000;
            })
            .unwrap();
        let r = res(&store, &e, 112, &mut w);
        assert!(matches!(r.resolution, Resolution::Pending(_)));
        assert!(
            r.tampered[0].why.contains("does not match"),
            "{:?}",
            r.tampered
        );

        // Signed with another key.
        let code = pending_code(&store, &e, &mut w);
        grant(
            &store,
            &req(&code, "bob", None, None),
            120,
            &Signer::Personal([1; 32]),
            &anyone,
            &mut w,
        )
        .unwrap();
        let r = res(&store, &e, 121, &mut w);
        assert_eq!(r.tampered.len(), 1);
    }
}
