//! Decisions for adapter tests: one enforced rule `test.rule` with a fixed reason.

use crate::decision::Mode;
use crate::decision::{Decision, Effect, Fire};
use crate::event::{Boundary, RuntimeKind};

pub fn decision(effect: Effect, boundary: Boundary) -> Decision {
    Decision {
        decision_id: "d-test".into(),
        action_id: None,
        effect,
        would_effect: effect,
        rule_ids: vec!["test.rule".into()],
        reasons: vec!["blocked for the test".into()],
        risk: 50,
        approver_role: None,
        redactions: Vec::new(),
        fired: vec![Fire {
            rule_id: "test.rule".into(),
            effect,
            risk: 50,
            mode: Mode::Enforce,
            scope: "default".into(),
            reason: "blocked for the test".into(),
            matched: Vec::new(),
            approver_role: None,
            lineage: None,
        }],
        policy_version: "v".into(),
        timestamp: "2026-01-01T00:00:00.000Z".into(),
        runtime: RuntimeKind::None,
        boundary,
        session_id: "s".into(),
        errors: Vec::new(),
        approval_code: Some("ABC123".into()),
        exceptions: Vec::new(),
    }
}
