//! Coverage: how much of a policy a runtime can enforce, rule by rule.
//!
//! A rule is only as strong as the runtime's hook protocol lets it be: Codex cannot ask,
//! Copilot has no prompt hook that can block, Windsurf and Kiro speak only exit codes. The
//! table below is the capability matrix of ../shared/docs/hook-protocols.md, with the way
//! hookwarden's adapter answers on each runtime; `policy compile` reads a compiled policy
//! against it and says, per rule and boundary, enforced / degraded (how) / not enforceable
//! (why).

use super::CompiledPolicy;
use crate::decision::Effect;
use crate::decision::Mode;
use crate::event::{Boundary, RuntimeKind};
use std::fmt;

/// What a runtime can do with one kind of answer.
#[derive(Debug, Clone, Copy)]
pub enum Cap {
    Yes(&'static str),
    /// Works, but not the way the rule says (the text says how).
    Partial(&'static str),
    No(&'static str),
}

/// A runtime's hook capabilities (the protocol matrix) and what it sends.
#[derive(Debug)]
pub struct Caps {
    pub name: &'static str,
    pub display: &'static str,
    /// `None`: hookwarden has no adapter for it (shown for comparison).
    pub kind: Option<RuntimeKind>,
    pub pre_deny: Cap,
    pub ask: Cap,
    pub post_replace: Cap,
    pub prompt_block: Cap,
    pub final_block: Cap,
    pub stop_session: Cap,
    /// `stop_session` at pre-tool, where the call must be blocked as well. Claude Code
    /// 2.1.197 ignores `continue:false` next to a deny (and runs the tool without one), so a
    /// runtime can stop sessions in general and still not while blocking a call.
    pub pre_stop: Cap,
    /// Whether its payloads carry the model name (for `model` conditions).
    pub sends_model: bool,
    /// Its tool names, for checking `tool` conditions (MCP tools by prefix).
    pub tools: &'static [&'static str],
    pub mcp_prefix: &'static str,
}

use Cap::{No, Partial, Yes};

static CAPS: &[Caps] = &[
    Caps {
        name: "claude",
        display: "Claude Code",
        kind: Some(RuntimeKind::Claude),
        pre_deny: Yes("PreToolUse permissionDecision deny; the reason reaches the model"),
        ask: Yes("PreToolUse permissionDecision ask (headless `-p` treats it as deny)"),
        post_replace: Yes("PostToolUse updatedToolOutput in the tool's own shape (updatedMCPToolOutput for MCP)"),
        prompt_block: Yes("UserPromptSubmit decision block erases the prompt"),
        final_block: Partial("Stop decision block = forced continuation: the agent must rewrite its answer, which was already shown"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Partial("Claude Code 2.1.197 ignores continue:false next to a deny; hookwarden denies every later call of the session"),
        sends_model: false,
        tools: &["Bash", "Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "LS", "WebFetch", "WebSearch", "Task", "Agent", "NotebookEdit", "NotebookRead", "TodoWrite"],
        mcp_prefix: "mcp__",
    },
    Caps {
        name: "codex",
        display: "Codex CLI",
        kind: Some(RuntimeKind::Codex),
        pre_deny: Yes("PreToolUse permissionDecision deny; the reason reaches the model"),
        ask: Partial("ask→deny with an approval code: Codex runs the tool on an ask answer, so hookwarden denies and says how to approve (`hookwarden approve <code>`, then retry)"),
        post_replace: Partial("redact via block reason: updatedToolOutput is unsupported, so the redacted output is sent as the PostToolUse block reason, which replaces what the model sees"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation: the reason becomes a new prompt; the answer was already shown"),
        stop_session: Partial("continue:false works after the tool ran; at pre-tool the call is denied and the session goes on"),
        pre_stop: Partial("continue:false works after the tool ran; at pre-tool the call is denied and the session goes on"),
        sends_model: true,
        tools: &["Bash", "apply_patch", "Write", "Edit"],
        mcp_prefix: "mcp__",
    },
    Caps {
        name: "gemini",
        display: "Gemini CLI",
        kind: Some(RuntimeKind::Gemini),
        pre_deny: Yes("BeforeTool decision deny; the reason reaches the model as a tool error"),
        ask: Partial("ask→deny with an approval code: headless Gemini hangs on ask, so hookwarden denies and says how to approve"),
        post_replace: Partial("redact via block reason: AfterTool cannot rewrite output, so the redacted output is sent as the deny reason, which replaces the result (the model sees it as a tool error)"),
        prompt_block: Yes("BeforeAgent deny discards the prompt"),
        final_block: Yes("AfterAgent deny rejects the response and retries with the reason"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
        sends_model: false,
        tools: &["run_shell_command", "read_file", "read_many_files", "write_file", "replace", "glob", "grep_search", "list_directory", "web_fetch", "google_web_search", "save_memory"],
        mcp_prefix: "mcp_",
    },
    Caps {
        name: "cursor",
        display: "Cursor",
        kind: Some(RuntimeKind::Cursor),
        pre_deny: Yes("preToolUse permission deny (installed with failClosed: a crashed hook blocks too)"),
        ask: Partial("ask→deny with an approval code: preToolUse has no ask"),
        post_replace: No("Cursor replaces only MCP tool output (updated_mcp_tool_output); built-in tools' output reaches the model unmasked (recorded)"),
        prompt_block: Yes("beforeSubmitPrompt continue:false"),
        final_block: No("afterAgentResponse only observes: the answer is recorded, not blocked"),
        stop_session: No("no hook answer ends a Cursor session: the action is only denied"),
        pre_stop: No("no hook answer ends a Cursor session: the action is only denied"),
        sends_model: true,
        tools: &["Shell", "Read", "Write", "Edit", "Grep", "Delete", "Task"],
        mcp_prefix: "MCP:",
    },
    Caps {
        name: "copilot",
        display: "GitHub Copilot CLI",
        kind: Some(RuntimeKind::Copilot),
        pre_deny: Yes("preToolUse permissionDecision deny, printed as JSON (exit 2 is only a warning there)"),
        ask: Yes("preToolUse permissionDecision ask (the cloud agent treats it as deny)"),
        post_replace: No("postToolUse cannot change the output the model sees (only through the SDK)"),
        prompt_block: No("Copilot has no prompt hook that can block (userPromptSubmitted's answer is ignored)"),
        final_block: Partial("agentStop decision block = forced continuation (another turn)"),
        stop_session: Partial("no session stop: the action is denied and the session goes on"),
        pre_stop: Partial("no session stop: the action is denied and the session goes on"),
        sends_model: false,
        tools: &["bash", "powershell", "view", "create", "edit", "glob", "grep", "web_fetch", "task"],
        mcp_prefix: "",
    },
    Caps {
        name: "qwen",
        display: "Qwen Code",
        kind: Some(RuntimeKind::Qwen),
        pre_deny: Yes("PreToolUse permissionDecision deny"),
        ask: Yes("PreToolUse permissionDecision ask (headless treats it as deny)"),
        post_replace: No("Qwen Code cannot replace tool output: the model sees it"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
        sends_model: false,
        tools: &["run_shell_command", "read_file", "read_many_files", "write_file", "edit", "glob", "grep_search", "list_directory", "web_fetch", "web_search"],
        mcp_prefix: "mcp__",
    },
    Caps {
        name: "factory",
        display: "Factory Droid",
        kind: Some(RuntimeKind::Factory),
        pre_deny: Yes("PreToolUse permissionDecision deny"),
        ask: Yes("PreToolUse permissionDecision ask"),
        post_replace: No("Factory Droid cannot replace tool output: the model sees it"),
        prompt_block: Yes("UserPromptSubmit decision block"),
        final_block: Partial("Stop decision block = forced continuation"),
        stop_session: Yes("continue:false stops the session"),
        pre_stop: Yes("continue:false stops the session"),
        sends_model: false,
        tools: &["Execute", "Read", "Create", "Edit", "MultiEdit", "ApplyPatch", "Glob", "Grep", "LS", "FetchUrl", "WebSearch", "Task"],
        mcp_prefix: "mcp__",
    },
    Caps {
        name: "windsurf",
        display: "Windsurf (no hookwarden adapter yet)",
        kind: None,
        pre_deny: Yes("exit 2 blocks pre-hooks with stderr"),
        ask: No("exit codes only: no ask and no way to carry an approval"),
        post_replace: No("exit codes only: output cannot be replaced"),
        prompt_block: Yes("exit 2 at pre_user_prompt"),
        final_block: No("post_cascade_response only observes"),
        stop_session: No("exit codes only"),
        pre_stop: No("exit codes only"),
        sends_model: false,
        tools: &["run_command", "read_code", "write_code", "mcp_tool_use"],
        mcp_prefix: "",
    },
    Caps {
        name: "kiro",
        display: "Kiro CLI (no hookwarden adapter yet)",
        kind: None,
        pre_deny: Yes("exit 2 blocks preToolUse"),
        ask: No("exit codes only: no ask"),
        post_replace: No("exit codes only: output cannot be replaced"),
        prompt_block: No("no prompt hook that can block"),
        final_block: No("no final-response hook"),
        stop_session: No("exit codes only"),
        pre_stop: No("exit codes only"),
        sends_model: false,
        tools: &["execute_bash", "fs_read", "fs_write", "use_aws"],
        mcp_prefix: "",
    },
];

pub fn all_caps() -> &'static [Caps] {
    CAPS
}

pub fn caps(name: &str) -> Option<&'static Caps> {
    let name = name.to_ascii_lowercase();
    let canonical = RuntimeKind::parse(&name)
        .map(|k| k.as_str().to_string())
        .unwrap_or(name);
    CAPS.iter().find(|c| c.name == canonical)
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
pub fn cover(policy: &CompiledPolicy, caps: &Caps) -> Report {
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    if caps.kind.is_none() {
        warnings.push(format!(
            "hookwarden has no adapter for {} yet: the table shows what its hook protocol would allow",
            caps.display
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
                let names = rt.as_slice();
                (!names.iter().any(|n| {
                    RuntimeKind::parse(n).map(|k| k.as_str()) == Some(caps.name) || n == caps.name
                }))
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
        if rule.when.model.is_some() && !caps.sends_model {
            warnings.push(format!(
                "rule `{}` tests `model`, which {} does not send: that condition never matches here",
                rule.id, caps.display
            ));
        }
        if rule.when.mcp_server.is_some() && caps.mcp_prefix == "MCP:" {
            warnings.push(format!(
                "rule `{}` tests `mcp_server`, but {} names MCP tools without their server: that condition never matches here",
                rule.id, caps.display
            ));
        }
        if let Some(tools) = &rule.when.tool {
            let known = tools.as_slice().iter().any(|g| {
                caps.tools.iter().any(|t| super::glob::matches(g, t))
                    || (!caps.mcp_prefix.is_empty() && g.starts_with(caps.mcp_prefix))
                    || g == "*"
            });
            if !known {
                warnings.push(format!(
                    "rule `{}` names tools [{}] that {} does not have (its tools: {}): use `tool_kind` to match across runtimes",
                    rule.id,
                    tools.as_slice().join(", "),
                    caps.display,
                    caps.tools.join(", ")
                ));
            }
        }
        if let Some(rl) = &rule.rate_limit {
            if rl.per.as_deref().unwrap_or("session") == "session" && caps.name == "cursor" {
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
        runtime: caps.name,
        lines,
        warnings,
    }
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
        for k in [
            RuntimeKind::Claude,
            RuntimeKind::Codex,
            RuntimeKind::Gemini,
            RuntimeKind::Cursor,
            RuntimeKind::Copilot,
            RuntimeKind::Qwen,
            RuntimeKind::Factory,
        ] {
            assert!(caps(k.as_str()).is_some(), "{k}");
        }
        assert_eq!(caps("droid").unwrap().name, "factory");
    }

    #[test]
    fn redaction_of_tool_output_differs_by_runtime() {
        let p = default_policy();
        let id = "secrets.redact-tool-output";
        assert_eq!(
            level_of(&cover(&p, caps("claude").unwrap()), id),
            Level::Enforced
        );
        assert_eq!(
            level_of(&cover(&p, caps("codex").unwrap()), id),
            Level::Degraded
        );
        assert_eq!(
            level_of(&cover(&p, caps("gemini").unwrap()), id),
            Level::Degraded
        );
        assert_eq!(
            level_of(&cover(&p, caps("copilot").unwrap()), id),
            Level::NotEnforceable
        );
    }

    #[test]
    fn ask_is_degraded_where_the_runtime_cannot_ask() {
        let c = caps("codex").unwrap();
        let (l, how) = assess(c, Boundary::ToolRequest, Effect::Ask);
        assert_eq!(l, Level::Degraded);
        assert!(how.contains("approval code"));
        assert_eq!(
            assess(caps("claude").unwrap(), Boundary::ToolRequest, Effect::Ask).0,
            Level::Enforced
        );
    }

    #[test]
    fn terminate_at_pre_tool_is_degraded_on_claude_but_stops_gemini() {
        // Seen in the real CLIs: Claude goes on after continue:false + deny, Gemini stops.
        let (l, how) = assess(
            caps("claude").unwrap(),
            Boundary::ToolRequest,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Degraded);
        assert!(how.contains("the session goes on"), "{how}");
        let (l, _) = assess(
            caps("claude").unwrap(),
            Boundary::ToolOutput,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Enforced);
        let (l, _) = assess(
            caps("gemini").unwrap(),
            Boundary::ToolRequest,
            Effect::Terminate,
        );
        assert_eq!(l, Level::Enforced);
    }

    #[test]
    fn copilot_cannot_block_prompts_and_final_answers_are_continuations() {
        let (l, why) = assess(caps("copilot").unwrap(), Boundary::Prompt, Effect::Deny);
        assert_eq!(l, Level::NotEnforceable);
        assert!(why.contains("prompt"));
        let (l, how) = assess(
            caps("claude").unwrap(),
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
        let r = cover(&p, caps("gemini").unwrap());
        assert!(r.warnings.iter().any(|w| w.contains("`model`")));
        assert!(r.warnings.iter().any(|w| w.contains("tool_kind")));
        let r = cover(&p, caps("codex").unwrap());
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
        let r = cover(&p, caps("copilot").unwrap());
        assert_eq!(level_of(&r, "x.audit"), Level::Inactive);
        assert_eq!(r.count(Level::NotEnforceable), 0);
    }
}
