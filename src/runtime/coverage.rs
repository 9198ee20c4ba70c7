//! Coverage: how much of a policy a runtime can enforce, rule by rule.
//!
//! A rule is only as strong as the runtime's hook protocol lets it be: Codex cannot ask,
//! Copilot has no prompt hook that can block, Windsurf and Kiro speak only exit codes. Each
//! runtime's capabilities, with the way hookwarden's adapter answers there, are in its
//! profile (`runtime/<name>.rs`); runtimes hookwarden has no adapter for are listed below for
//! comparison. `policy compile` reads a compiled policy against them and says, per rule and
//! boundary, enforced / degraded (how) / not enforceable (why).

use super::profile::{Cap, Caps};
use super::RuntimeProfile;
use crate::decision::Effect;
use crate::decision::Mode;
use crate::event::{Boundary, RuntimeKind, ToolKind};
use crate::policy::CompiledPolicy;
use std::fmt;

use Cap::{No, Partial, Yes};

/// A runtime whose hook protocol a policy is read against: one with a profile, or one
/// hookwarden has no adapter for yet (shown for comparison).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub display: &'static str,
    /// `None`: hookwarden has no adapter for it.
    pub kind: Option<RuntimeKind>,
    pub caps: &'static Caps,
    /// Whether its payloads carry the model name (for `model` conditions).
    pub sends_model: bool,
    /// Its tool names, for checking `tool` conditions (MCP tools by prefix).
    pub tools: &'static [(&'static str, ToolKind)],
    pub mcp_prefix: &'static str,
}

impl From<&'static RuntimeProfile> for Target {
    fn from(p: &'static RuntimeProfile) -> Target {
        Target {
            name: p.name(),
            display: p.display,
            kind: Some(p.kind),
            caps: &p.caps,
            sends_model: p.sends_model,
            tools: p.tools,
            mcp_prefix: p.mcp_prefix,
        }
    }
}

impl Target {
    pub fn tool_names(&self) -> impl Iterator<Item = &'static str> {
        self.tools.iter().map(|(n, _)| *n)
    }
}

/// A runtime hookwarden has no adapter for: its protocol, from the docs.
struct Comparison {
    name: &'static str,
    display: &'static str,
    caps: Caps,
    tools: &'static [(&'static str, ToolKind)],
}

static COMPARISON: &[Comparison] = &[
    Comparison {
        name: "windsurf",
        display: "Windsurf (no hookwarden adapter yet)",
        caps: Caps {
            pre_deny: Yes("exit 2 blocks pre-hooks with stderr"),
            ask: No("exit codes only: no ask and no way to carry an approval"),
            post_replace: No("exit codes only: output cannot be replaced"),
            prompt_block: Yes("exit 2 at pre_user_prompt"),
            final_block: No("post_cascade_response only observes"),
            stop_session: No("exit codes only"),
            pre_stop: No("exit codes only"),
        },
        tools: &[
            ("run_command", ToolKind::Shell),
            ("read_code", ToolKind::FileRead),
            ("write_code", ToolKind::FileWrite),
            ("mcp_tool_use", ToolKind::Mcp),
        ],
    },
    Comparison {
        name: "kiro",
        display: "Kiro CLI (no hookwarden adapter yet)",
        caps: Caps {
            pre_deny: Yes("exit 2 blocks preToolUse"),
            ask: No("exit codes only: no ask"),
            post_replace: No("exit codes only: output cannot be replaced"),
            prompt_block: No("no prompt hook that can block"),
            final_block: No("no final-response hook"),
            stop_session: No("exit codes only"),
            pre_stop: No("exit codes only"),
        },
        tools: &[
            ("execute_bash", ToolKind::Shell),
            ("fs_read", ToolKind::FileRead),
            ("fs_write", ToolKind::FileWrite),
            ("use_aws", ToolKind::Other),
        ],
    },
];

impl From<&'static Comparison> for Target {
    fn from(c: &'static Comparison) -> Target {
        Target {
            name: c.name,
            display: c.display,
            kind: None,
            caps: &c.caps,
            sends_model: false,
            tools: c.tools,
            mcp_prefix: "",
        }
    }
}

/// Every runtime coverage knows: hookwarden's runtimes, then the comparison-only ones.
pub fn targets() -> impl Iterator<Item = Target> {
    super::profiles()
        .iter()
        .map(|p| Target::from(*p))
        .chain(COMPARISON.iter().map(Target::from))
}

/// The runtime a user-typed name (aliases too) names.
pub fn target(name: &str) -> Option<Target> {
    if let Some(p) = super::by_name(name) {
        return Some(p.into());
    }
    COMPARISON
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .map(Target::from)
}

/// The names [`target`] knows, comma-separated.
pub fn target_names() -> String {
    targets().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Enforced,
    Degraded,
    NotEnforceable,
    /// Not in force on this runtime by the policy's own choice (audit mode, disabled, a
    /// `runtime` condition that excludes it).
    Inactive,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Enforced => "enforced",
            Level::Degraded => "degraded",
            Level::NotEnforceable => "not enforceable",
            Level::Inactive => "inactive",
        })
    }
}

/// One rule at one boundary.
#[derive(Debug, Clone)]
pub struct Line {
    pub rule_id: String,
    pub boundary: Boundary,
    pub effect: Effect,
    pub level: Level,
    pub how: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub runtime: &'static str,
    pub lines: Vec<Line>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn count(&self, level: Level) -> usize {
        self.lines.iter().filter(|l| l.level == level).count()
    }
}

fn from_cap(c: Cap) -> (Level, String) {
    match c {
        Yes(s) => (Level::Enforced, s.to_string()),
        Partial(s) => (Level::Degraded, s.to_string()),
        No(s) => (Level::NotEnforceable, s.to_string()),
    }
}

/// How an effect at a boundary fares on a runtime.
pub fn assess(caps: &Caps, boundary: Boundary, effect: Effect) -> (Level, String) {
    use Boundary::*;
    match (boundary, effect) {
        (_, Effect::Allow) => (Level::Enforced, "nothing to stop".into()),
        (Other, _) => (Level::Inactive, "boundary `other` is recorded only".into()),
        (_, Effect::Alert) => (
            Level::Enforced,
            "recorded in the audit log (and a notice to the model where the runtime takes one)"
                .into(),
        ),
        (ToolRequest, Effect::Deny) => from_cap(caps.pre_deny),
        (ToolRequest, Effect::Ask) => from_cap(caps.ask),
        (ToolRequest, Effect::Redact) => (
            Level::NotEnforceable,
            "tool input cannot be masked: the call runs unchanged (recorded); use deny".into(),
        ),
        (ToolOutput, Effect::Redact | Effect::Deny | Effect::Ask) => from_cap(caps.post_replace),
        (Prompt, Effect::Deny) => from_cap(caps.prompt_block),
        (Prompt, Effect::Ask | Effect::Redact) => match caps.prompt_block {
            Yes(s) => (
                Level::Degraded,
                format!("the prompt is blocked, not held for approval or masked ({s})"),
            ),
            other => from_cap(other),
        },
        (FinalResponse, Effect::Deny | Effect::Ask | Effect::Redact) => from_cap(caps.final_block),
        (ToolRequest, Effect::Terminate) => match (caps.pre_stop, caps.pre_deny) {
            (Yes(s), _) => (Level::Enforced, s.to_string()),
            (Partial(s) | No(s), Yes(_)) => (
                Level::Degraded,
                format!("the call is denied but the session goes on: {s}"),
            ),
            (_, other) => from_cap(other),
        },
        (ToolOutput | Prompt | FinalResponse, Effect::Terminate) => from_cap(caps.stop_session),
    }
}

/// The coverage of every rule of a compiled policy on a runtime.
pub fn cover(policy: &CompiledPolicy, target: &Target) -> Report {
    let caps = target.caps;
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    if target.kind.is_none() {
        warnings.push(format!(
            "hookwarden has no adapter for {} yet: the table shows what its hook protocol would allow",
            target.display
        ));
    }
    for r in &policy.rules {
        let Some(rule) = r.source.as_deref() else {
            continue;
        };
        let boundaries: Vec<Boundary> = if r.boundaries.is_empty() {
            vec![
                Boundary::Prompt,
                Boundary::ToolRequest,
                Boundary::ToolOutput,
                Boundary::FinalResponse,
            ]
        } else {
            r.boundaries.clone()
        };
        let inactive = if rule.disabled {
            Some("disabled".to_string())
        } else if r.mode == Mode::Audit {
            Some("audit mode: recorded, never enforced (by the policy's choice)".to_string())
        } else {
            rule.when.runtime.as_ref().and_then(|rt| {
                // Evaluation compares the canonical name, so coverage does too.
                let names = rt.as_slice();
                (!names.iter().any(|n| n == target.name))
                    .then(|| format!("applies only on {}", names.join(", ")))
            })
        };
        for b in boundaries {
            let (level, how) = match &inactive {
                Some(why) => (Level::Inactive, why.clone()),
                None => assess(caps, b, rule.effect),
            };
            lines.push(Line {
                rule_id: rule.id.clone(),
                boundary: b,
                effect: rule.effect,
                level,
                how,
            });
        }
        if inactive.is_some() {
            continue;
        }
        if rule.when.model.is_some() && !target.sends_model {
            warnings.push(format!(
                "rule `{}` tests `model`, which {} does not send: that condition never matches here",
                rule.id, target.display
            ));
        }
        if rule.when.mcp_server.is_some() && target.mcp_prefix == "MCP:" {
            warnings.push(format!(
                "rule `{}` tests `mcp_server`, but {} names MCP tools without their server: that condition never matches here",
                rule.id, target.display
            ));
        }
        if let Some(tools) = &rule.when.tool {
            let known = tools.as_slice().iter().any(|g| {
                target
                    .tool_names()
                    .any(|t| crate::policy::glob::matches(g, t))
                    || (!target.mcp_prefix.is_empty() && g.starts_with(target.mcp_prefix))
                    || g == "*"
            });
            if !known {
                warnings.push(format!(
                    "rule `{}` names tools [{}] that {} does not have (its tools: {}): use `tool_kind` to match across runtimes",
                    rule.id,
                    tools.as_slice().join(", "),
                    target.display,
                    target.tool_names().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if let Some(rl) = &rule.rate_limit {
            if rl.per.as_deref().unwrap_or("session") == "session"
                && target.kind == Some(RuntimeKind::Cursor)
            {
                warnings.push(format!(
                    "rule `{}` counts per session; Cursor's session is its conversation_id",
                    rule.id
                ));
            }
        }
    }
    for w in &policy.warnings {
        warnings.push(w.clone());
    }
    Report {
        runtime: target.name,
        lines,
        warnings,
    }
}

/// The coverage of a policy on every runtime hookwarden has an adapter for, as Markdown: a
/// summary (rules per level and runtime), then every rule at every boundary. What
/// `hookwarden policy coverage` prints and the README and docs/install.md hold between their
/// `coverage` markers (a test keeps them equal).
pub fn markdown(policy: &CompiledPolicy) -> String {
    let reports: Vec<Report> = targets()
        .filter(|t| t.kind.is_some())
        .map(|t| cover(policy, &t))
        .collect();
    let levels = [
        Level::Enforced,
        Level::Degraded,
        Level::NotEnforceable,
        Level::Inactive,
    ];
    let mut out = format!(
        "{} rules.\n\n| Runtime | {} |\n|---|{}\n",
        policy.rules.len(),
        levels.map(|l| l.to_string()).join(" | "),
        "---|".repeat(levels.len())
    );
    for r in &reports {
        let counts = levels.map(|l| r.count(l).to_string());
        out.push_str(&format!("| {} | {} |\n", r.runtime, counts.join(" | ")));
    }
    let names: Vec<&str> = reports.iter().map(|r| r.runtime).collect();
    out.push_str(&format!(
        "\n<details><summary>per rule and runtime</summary>\n\n| Rule | Boundary | Effect | {} |\n|---|---|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    ));
    // Every report has the same lines in the same order: one per rule and boundary.
    if let Some(first) = reports.first() {
        for (i, l) in first.lines.iter().enumerate() {
            let cells: Vec<String> = reports
                .iter()
                .map(|r| {
                    r.lines
                        .get(i)
                        .map(|x| x.level.to_string())
                        .unwrap_or_default()
                })
                .collect();
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                l.rule_id,
                l.boundary.as_str(),
                l.effect.as_str(),
                cells.join(" | ")
            ));
        }
    }
    out.push_str("\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn default_policy() -> CompiledPolicy {
        crate::policy::compile(&[crate::policy::default_layer().unwrap()]).unwrap()
    }

    fn level_of(r: &Report, id: &str) -> Level {
        r.lines.iter().find(|l| l.rule_id == id).unwrap().level
    }

    #[test]
    fn every_runtime_hookwarden_supports_has_caps() {
        for k in RuntimeKind::RUNTIMES {
            assert!(target(k.as_str()).is_some(), "{k}");
        }
        assert_eq!(target("droid").unwrap().name, "factory");
    }

    #[test]
    fn redaction_of_tool_output_differs_by_runtime() {
        let p = default_policy();
        let id = "secrets.redact-tool-output";
        assert_eq!(
            level_of(&cover(&p, &target("claude").unwrap()), id),
            Level::Enforced
        );
        assert_eq!(
            level_of(&cover(&p, &target("codex").unwrap()), id),
            Level::Degraded
        );
        assert_eq!(
            level_of(&cover(&p, &target("gemini").unwrap()), id),
            Level::Degraded
        );
        assert_eq!(
            level_of(&cover(&p, &target("copilot").unwrap()), id),
            Level::NotEnforceable
        );
    }

    #[test]
    fn ask_is_degraded_where_the_runtime_cannot_ask() {
        let c = target("codex").unwrap().caps;
        let (l, how) = assess(c, Boundary::ToolRequest, Effect::Ask);
        assert_eq!(l, Level::Degraded);
        assert!(how.contains("approval code"));
        assert_eq!(
            assess(
                target("claude").unwrap().caps,
                Boundary::ToolRequest,
                Effect::Ask
            )
            .0,
            Level::Enforced
        );
    }

    #[test]
    fn terminate_at_pre_tool_is_degraded_on_claude_but_stops_gemini() {
        // Seen in the real CLIs: Claude goes on after continue:false + deny, Gemini stops.
        let (l, how) = assess(
            target("claude").unwrap().caps,
            Boundary::ToolRequest,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Degraded);
        assert!(how.contains("the session goes on"), "{how}");
        let (l, _) = assess(
            target("claude").unwrap().caps,
            Boundary::ToolOutput,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Enforced);
        let (l, _) = assess(
            target("gemini").unwrap().caps,
            Boundary::ToolRequest,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Enforced);
    }

    #[test]
    fn copilot_cannot_block_prompts_and_final_answers_are_continuations() {
        let (l, why) = assess(
            target("copilot").unwrap().caps,
            Boundary::Prompt,
            Effect::Deny,
        );
        assert_eq!(l, Level::NotEnforceable);
        assert!(why.contains("prompt"));
        let (l, how) = assess(
            target("claude").unwrap().caps,
            Boundary::FinalResponse,
            Effect::Deny,
        );
        assert_eq!(l, Level::Degraded);
        assert!(how.contains("forced continuation"));
    }

    #[test]
    fn warns_about_conditions_a_runtime_cannot_satisfy() {
        let text = r#"
[[rule]]
id = "x.bash-only"
boundary = "tool_request"
effect = "deny"
when = { tool = "Bash", model = "gpt-*" }
"#;
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::Project, "t.toml", text.into())
                .unwrap();
        let p = crate::policy::compile(&[layer]).unwrap();
        let r = cover(&p, &target("gemini").unwrap());
        assert!(r.warnings.iter().any(|w| w.contains("`model`")));
        assert!(r.warnings.iter().any(|w| w.contains("tool_kind")));
        let r = cover(&p, &target("codex").unwrap());
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn audit_mode_rules_are_inactive_not_unenforceable() {
        let text = r#"
[[rule]]
id = "x.audit"
boundary = "prompt"
effect = "deny"
mode = "audit"
"#;
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::Project, "t.toml", text.into())
                .unwrap();
        let p = crate::policy::compile(&[layer]).unwrap();
        let r = cover(&p, &target("copilot").unwrap());
        assert_eq!(level_of(&r, "x.audit"), Level::Inactive);
        assert_eq!(r.count(Level::NotEnforceable), 0);
    }
}
