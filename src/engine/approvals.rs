//! Approvals for runtimes that cannot ask a person themselves.
//!
//! Claude shows an `ask` to the user. Codex runs the tool on `ask` and Gemini hangs, so there
//! the hook denies with a short code; a person runs `hookwarden approve <code>` and the same
//! action (same runtime, session, tool and normalized input) then passes while the grant
//! lasts. Only the asks of the rules that requested the approval are lifted: a deny from any
//! other rule still stands. Requests and grants live in the state store ([`crate::state`]).

use crate::decision::{self, Decision, Effect, Fire, Mode};
use crate::event::Event;
use crate::policy::CompiledPolicy;
use crate::state::{Approval, Grant, State, Status, Store};

use sha2::{Digest, Sha256};

/// How long a person has to approve a request.
pub const REQUEST_TTL: i64 = 24 * 3600;
/// How long a `--once` grant waits for the retry.
pub const ONCE_TTL: i64 = 3600;
pub const APPROVAL_RULE: &str = "hookwarden.approval";

/// Whether the runtime that sent this event shows an `ask` for it to a person: at this hook
/// event and for this kind of tool (Cursor asks only at shell and MCP execution, never at
/// `preToolUse`), from the runtime's profile. Where it cannot, the adapter denies with an
/// approval message, so the event needs an approval code.
pub fn runtime_can_ask(ev: &Event) -> bool {
    crate::runtime::profile(ev.runtime).is_some_and(|p| p.can_ask(&ev.event_name, ev.tool_kind()))
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

/// Finds a live grant for the action (consuming a `--once` one), or the pending request, or
/// files a new request.
pub fn resolve(s: &mut State, action: &str, ev: &Event, d: &Decision, now: i64) -> Resolution {
    for a in s.approvals.values_mut().filter(|a| a.action == action) {
        if a.status(now) != Status::Granted {
            continue;
        }
        if let Some(g) = &mut a.grant {
            g.uses += 1;
            if g.once {
                g.used_at = Some(now);
            }
        }
        return Resolution::Granted(Box::new(a.clone()));
    }
    if let Some(a) = s
        .approvals
        .values()
        .find(|a| a.action == action && a.status(now) == Status::Pending)
    {
        return Resolution::Pending(a.code.clone());
    }
    let code = new_code(s, action, now);
    let rule_ids = d
        .fired
        .iter()
        .filter(|f| f.effect == Effect::Ask && f.mode == Mode::Enforce)
        .map(|f| f.rule_id.clone())
        .collect();
    s.approvals.insert(
        code.clone(),
        Approval {
            code: code.clone(),
            action: action.to_string(),
            session_id: ev.session_id.clone(),
            runtime: ev.runtime,
            tool: ev.tool_name().unwrap_or("").to_string(),
            summary: summary(ev),
            rule_ids,
            approver_role: d.approver_role.clone(),
            requested_at: now,
            request_expires_at: now + REQUEST_TTL,
            grant: None,
        },
    );
    Resolution::Pending(code)
}

fn summary(ev: &Event) -> String {
    let text = match &ev.command {
        Some(c) => c.clone(),
        None => ev.tool_input.to_string(),
    };
    let masked = crate::audit::mask(&text);
    let cut = crate::audit::cut(&masked, 160);
    if cut.len() < masked.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

/// Six characters a person can read out and type: no 0/O, 1/I/L.
fn new_code(s: &State, action: &str, now: i64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut attempt: u32 = 0;
    loop {
        let mut h = Sha256::new();
        h.update(action.as_bytes());
        h.update(now.to_le_bytes());
        h.update(nanos.to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        h.update(attempt.to_le_bytes());
        let d = h.finalize();
        let code: String = d
            .iter()
            .take(6)
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect();
        if !s.approvals.contains_key(&code) || attempt > 50 {
            return code;
        }
        attempt += 1;
    }
}

/// Applies a resolution to the decision.
pub fn apply(policy: &CompiledPolicy, ev: &Event, mut d: Decision, r: Resolution) -> Decision {
    match r {
        Resolution::Pending(code) => {
            d.approval_code = Some(code);
            d
        }
        Resolution::Granted(a) => {
            let Some(g) = &a.grant else { return d };
            let mut fired = d.fired.clone();
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
            let mut out = crate::policy::eval::decide(policy, ev, fired, d.redactions.clone());
            out.errors = d.errors;
            out.decision_id = d.decision_id;
            out.approval_code = Some(a.code.clone());
            out
        }
    }
}

/// What `hookwarden approve` was asked to grant.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub code: String,
    pub by: String,
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
    #[error(transparent)]
    State(#[from] crate::state::StateError),
}

/// Grants a pending request (or extends a live grant). Returns the approval as granted.
pub fn grant(
    store: &Store,
    req: &GrantRequest,
    now: i64,
    warnings: &mut Vec<String>,
) -> Result<Approval, ApproveError> {
    let code = req.code.trim().to_ascii_uppercase();
    store.update(now, warnings, |s| {
        let Some(a) = s.approvals.get_mut(&code) else {
            return Err(ApproveError::Unknown(code.clone()));
        };
        let at = |t: i64| crate::time::rfc3339(t, 0);
        match a.status(now) {
            Status::Expired => {
                return Err(ApproveError::Expired {
                    code: code.clone(),
                    at: at(a.request_expires_at),
                })
            }
            Status::Used => {
                let used = a.grant.as_ref().and_then(|g| g.used_at).unwrap_or(now);
                return Err(ApproveError::Used {
                    code: code.clone(),
                    at: at(used),
                });
            }
            Status::Lapsed => {
                let until = a.grant.as_ref().map(|g| g.until).unwrap_or(now);
                return Err(ApproveError::Lapsed {
                    code: code.clone(),
                    at: at(until),
                });
            }
            Status::Pending | Status::Granted => {}
        }
        a.grant = Some(Grant {
            by: req.by.clone(),
            at: now,
            until: now + req.for_secs.unwrap_or(ONCE_TTL),
            once: req.for_secs.is_none(),
            note: req.note.clone(),
            uses: 0,
            used_at: None,
        });
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
    };
    let mut context = serde_json::Map::new();
    context.insert("approved_by".into(), g.by.clone().into());
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
        let action = action_hash(e);
        match store
            .update(100, w, |s| resolve(s, &action, e, &asked(), 100))
            .unwrap()
        {
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
        let action = action_hash(&e);
        let mut w = Vec::new();
        let r = store
            .update(100, &mut w, |s| resolve(s, &action, &e, &d, 100))
            .unwrap();
        let Resolution::Pending(code) = r else {
            panic!("expected pending")
        };
        // A retry before approval gets the same code.
        let r2 = store
            .update(101, &mut w, |s| resolve(s, &action, &e, &d, 101))
            .unwrap();
        assert!(matches!(r2, Resolution::Pending(c) if c == code));
        let req = GrantRequest {
            code: code.to_lowercase(),
            by: "alice".into(),
            for_secs: None,
            note: Some("ticket 42".into()),
        };
        grant(&store, &req, 110, &mut w).unwrap();
        let r3 = store
            .update(120, &mut w, |s| resolve(s, &action, &e, &d, 120))
            .unwrap();
        let Resolution::Granted(a) = r3.clone() else {
            panic!("expected granted")
        };
        let out = apply(&CompiledPolicy::default(), &e, d.clone(), r3);
        assert_eq!(out.effect, Effect::Allow);
        assert_eq!(out.would_effect, Effect::Ask);
        assert!(out.rule_ids.contains(&APPROVAL_RULE.to_string()));
        assert_eq!(a.grant.unwrap().by, "alice");
        // Once means once: the next identical call needs a new approval.
        let r4 = store
            .update(130, &mut w, |s| resolve(s, &action, &e, &d, 130))
            .unwrap();
        assert!(matches!(r4, Resolution::Pending(c) if c != code));
        let err = grant(&store, &req, 140, &mut w).unwrap_err();
        assert!(err.to_string().contains("already used"), "{err}");
    }

    #[test]
    fn expired_codes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let mut w = Vec::new();
        let code = pending_code(&store, &e, &mut w);
        let req = GrantRequest {
            code,
            by: "alice".into(),
            for_secs: Some(1800),
            note: None,
        };
        let err = grant(&store, &req, 100 + REQUEST_TTL + 1, &mut w).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        let unknown = GrantRequest {
            code: "ZZZZZZ".into(),
            ..req
        };
        assert!(matches!(
            grant(&store, &unknown, 100, &mut w),
            Err(ApproveError::Unknown(_))
        ));
    }

    #[test]
    fn a_timed_grant_passes_repeatedly_until_it_lapses() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let e = ev("make deploy");
        let mut w = Vec::new();
        let code = pending_code(&store, &e, &mut w);
        let action = action_hash(&e);
        let req = GrantRequest {
            code,
            by: "bob".into(),
            for_secs: Some(1800),
            note: None,
        };
        grant(&store, &req, 200, &mut w).unwrap();
        for t in [300, 400, 1999] {
            let r = store
                .update(t, &mut w, |s| resolve(s, &action, &e, &asked(), t))
                .unwrap();
            assert!(matches!(r, Resolution::Granted(_)), "at {t}");
        }
        let r = store
            .update(2001, &mut w, |s| resolve(s, &action, &e, &asked(), 2001))
            .unwrap();
        assert!(matches!(r, Resolution::Pending(_)));
    }
}
