//! Decisions: the outcome of evaluating an event, with everything that explains it.
//!
//! The runtime answer and the audit line are both renderings of a [`Decision`].

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Enforce,
    /// Record what the rule would do; the runtime is answered as if it had not fired.
    Audit,
}

/// Where a rule came from: what evidence, who reviewed it, which ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What happens to the action. Ordered from least to most restrictive, so the strictest
/// matching rule wins by `max()`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    #[default]
    Allow,
    /// Allowed, recorded as an alert.
    Alert,
    /// Allowed, with sensitive spans masked before the model sees them.
    Redact,
    /// Needs a person's approval.
    Ask,
    Deny,
    /// Deny, and stop the session where the runtime can.
    Terminate,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Alert => "alert",
            Effect::Redact => "redact",
            Effect::Ask => "ask",
            Effect::Deny => "deny",
            Effect::Terminate => "terminate",
        }
    }

    pub fn parse(s: &str) -> Option<Effect> {
        Some(match s {
            "allow" => Effect::Allow,
            "alert" => Effect::Alert,
            "redact" => Effect::Redact,
            "ask" => Effect::Ask,
            "deny" => Effect::Deny,
            "terminate" => Effect::Terminate,
            _ => return None,
        })
    }

    /// Effects that stop the action.
    pub fn blocks(self) -> bool {
        self >= Effect::Ask
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fire {
    pub rule_id: String,
    pub effect: Effect,
    pub risk: u8,
    /// `audit` when the rule (or its policy) is in audit-only mode: recorded, not enforced.
    pub mode: Mode,
    /// The scope the rule came from: `default`, `org`, `user`, `project`.
    pub scope: String,
    pub reason: String,
    /// The flags (their details) that made it match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
}

/// A masked span: where and what, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub kind: String,
    pub start: usize,
    pub end: usize,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    pub decision_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// The effect the runtime is given.
    pub effect: Effect,
    /// What enforcing every fired rule would give (differs from `effect` under audit mode).
    pub would_effect: Effect,
    pub rule_ids: Vec<String>,
    pub reasons: Vec<String>,
    pub risk: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_role: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<Redaction>,
    pub fired: Vec<Fire>,
    pub policy_version: String,
    pub timestamp: String,
    pub runtime: crate::event::RuntimeKind,
    pub boundary: crate::event::Boundary,
    pub session_id: String,
    /// Problems met while deciding (a broken policy file, an oversized input), for the log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// For an approval the runtime cannot ask for: the code a person grants it with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Rules that matched and were relaxed by an `[[exception]]`: the evidence of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Excepted>,
}

/// A rule that matched and that an exception relaxed: it did not fire (`effect` allow), or
/// fired with the exception's effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excepted {
    pub rule_id: String,
    /// The effect the rule has without the exception.
    pub rule_effect: Effect,
    /// The effect it had.
    pub effect: Effect,
    /// The scope whose policy holds the exception.
    pub scope: String,
    pub reason: String,
}

impl Decision {
    pub fn approval_code(&self) -> Option<&str> {
        self.approval_code.as_deref()
    }

    /// The message the model (or user) is shown: names each rule and says what to do instead.
    pub fn message(&self) -> String {
        let enforced: Vec<&Fire> = self
            .fired
            .iter()
            .filter(|f| f.mode == Mode::Enforce && f.effect == self.effect)
            .collect();
        let fires: Vec<&Fire> = if enforced.is_empty() {
            self.fired.iter().collect()
        } else {
            enforced
        };
        let mut parts = Vec::new();
        for f in fires {
            parts.push(format!("[hookwarden {}] {}", f.rule_id, f.reason.trim()));
        }
        for e in &self.errors {
            parts.push(format!("[hookwarden] {e}"));
        }
        if parts.is_empty() {
            return format!("hookwarden: {}", self.effect);
        }
        parts.join("\n")
    }
}

/// A decision id: time plus process id plus a counter, unique without a random source.
pub fn new_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = crate::time::now_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{:x}-{:x}-{n}", nanos, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictest_wins_by_order() {
        assert!(Effect::Terminate > Effect::Deny);
        assert!(Effect::Deny > Effect::Ask);
        assert!(Effect::Ask > Effect::Redact);
        assert!(Effect::Redact > Effect::Alert);
        assert!(Effect::Alert > Effect::Allow);
        let all = [Effect::Alert, Effect::Deny, Effect::Redact];
        assert_eq!(all.iter().copied().max(), Some(Effect::Deny));
    }
}
