//! What a draft is made from: the evaluation, the risk class, an org preset (effects per
//! control family, per risk class) and the use-case context (sensitive data, trusted hosts,
//! business exceptions, activation per family), gathered as [`DraftInput`]. Presets and
//! contexts are TOML files read strictly, like policies.

use crate::decision::{Effect, Mode};
use crate::evaluate::Evaluation;
use crate::policy::model::{Activation, Condition};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskClass {
    Low,
    Medium,
    High,
}

impl RiskClass {
    pub fn parse(s: &str) -> Option<RiskClass> {
        Some(match s.to_ascii_lowercase().as_str() {
            "low" => RiskClass::Low,
            "medium" | "med" => RiskClass::Medium,
            "high" => RiskClass::High,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::Low => "low",
            RiskClass::Medium => "medium",
            RiskClass::High => "high",
        }
    }
}

/// Control families: the unit presets and context address.
pub const FAMILIES: &[(&str, &str)] = &[
    (
        "secrets",
        "reading secret files, keys and files with credentials",
    ),
    ("secrets_write", "writing secret files"),
    ("secrets_output", "secrets in tool output"),
    ("sensitive_data", "the use case's sensitive data paths"),
    ("infra", "infrastructure apply/destroy commands"),
    ("infra_edit", "editing infrastructure code"),
    ("ci_cd", "editing CI/CD definitions"),
    ("migrations", "editing database migrations"),
    (
        "sensitive_code",
        "editing auth, payment code and production configs",
    ),
    (
        "external_comms",
        "MCP tools that post, send or change things other people see",
    ),
    ("data_store", "MCP data-store servers"),
    ("deploy_mcp", "MCP deployment/infra servers"),
    ("exec_mcp", "MCP servers that execute code or reach secrets"),
    ("egress", "network downloads and fetches to untrusted hosts"),
    ("egress_upload", "uploads to untrusted hosts"),
    ("git_push", "pushing to remotes"),
];

/// The strictness table: effect of each family per risk class.
pub(super) fn default_effect(family: &str, risk: RiskClass) -> Effect {
    use Effect::*;
    use RiskClass::*;
    let (l, m, h) = match family {
        "secrets" => (Deny, Deny, Deny),
        "secrets_write" => (Ask, Deny, Deny),
        "secrets_output" => (Redact, Redact, Redact),
        "sensitive_data" => (Ask, Deny, Deny),
        "infra" => (Alert, Ask, Deny),
        "infra_edit" => (Alert, Alert, Ask),
        "ci_cd" => (Alert, Ask, Ask),
        "migrations" => (Alert, Alert, Ask),
        "sensitive_code" => (Alert, Alert, Ask),
        "external_comms" => (Alert, Ask, Ask),
        "data_store" => (Alert, Ask, Ask),
        "deploy_mcp" => (Ask, Ask, Deny),
        "exec_mcp" => (Alert, Ask, Ask),
        "egress" => (Alert, Alert, Ask),
        "egress_upload" => (Alert, Ask, Deny),
        "git_push" => (Alert, Alert, Ask),
        _ => (Alert, Alert, Alert),
    };
    match risk {
        Low => l,
        Medium => m,
        High => h,
    }
}

/// An org preset: effects per family, for every risk class or for one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default)]
    pub preset: PresetMeta,
    /// Family -> effect, for every risk class.
    #[serde(default)]
    pub effects: BTreeMap<String, Effect>,
    /// `[risk.high] egress = "deny"`: per risk class, over `effects`.
    #[serde(default)]
    pub risk: BTreeMap<String, BTreeMap<String, Effect>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetMeta {
    #[serde(default)]
    pub name: String,
    /// Who approves `ask` effects.
    #[serde(default)]
    pub approver_role: Option<String>,
    /// `audit` starts the policy in record-only mode.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// A TOML input file that failed to load, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

fn load_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, InputError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| InputError::Io {
        path: p.clone(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|s| crate::policy::line_col(&text, s.start))
            .unwrap_or((1, 1));
        InputError::Invalid {
            path: format!("{p}:{line}:{col}"),
            message: e.message().to_string(),
        }
    })
}

fn check_families<'a>(
    path: &Path,
    names: impl Iterator<Item = &'a String>,
) -> Result<(), InputError> {
    for n in names {
        if !FAMILIES.iter().any(|(f, _)| f == n) {
            return Err(InputError::Invalid {
                path: path.display().to_string(),
                message: format!(
                    "unknown control family `{n}` (known: {})",
                    FAMILIES
                        .iter()
                        .map(|(f, _)| *f)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    Ok(())
}

impl Preset {
    pub fn load(path: &Path) -> Result<Preset, InputError> {
        let p: Preset = load_toml(path)?;
        check_families(path, p.effects.keys())?;
        for (class, m) in &p.risk {
            if RiskClass::parse(class).is_none() {
                return Err(InputError::Invalid {
                    path: path.display().to_string(),
                    message: format!("unknown risk class `{class}` (low, medium, high)"),
                });
            }
            check_families(path, m.keys())?;
        }
        Ok(p)
    }

    pub(super) fn effect(&self, family: &str, risk: RiskClass) -> Option<Effect> {
        self.risk
            .get(risk.as_str())
            .and_then(|m| m.get(family))
            .or_else(|| self.effects.get(family))
            .copied()
    }
}

/// The use-case context: what the agent is for and what it may touch.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCase {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// What the agent is expected to do; quoted in the draft for the reviewer.
    #[serde(default)]
    pub expected_behaviour: Vec<String>,
    #[serde(default)]
    pub sensitive_data: SensitiveData,
    #[serde(default)]
    pub trusted: Trusted,
    /// Business exceptions: an `unless` for one control.
    #[serde(default, rename = "exception")]
    pub exceptions: Vec<Exception>,
    /// Family -> when its controls apply.
    #[serde(default)]
    pub activation: BTreeMap<String, Activation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveData {
    /// Globs of paths holding sensitive data (`data/customers/**`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// What the data is (for the reviewer and the reason shown to the model).
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trusted {
    /// Hosts the agent may contact (`api.stripe.com`, `*.internal.example.com`).
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The control id (`draft.comms.github`) or family (`external_comms`) it applies to.
    pub control: String,
    pub reason: String,
    /// Where the control does not apply, in the policy's condition language.
    pub unless: Condition,
}

impl UseCase {
    pub fn load(path: &Path) -> Result<UseCase, InputError> {
        let u: UseCase = load_toml(path)?;
        check_families(path, u.activation.keys())?;
        for (i, e) in u.exceptions.iter().enumerate() {
            if e.reason.trim().is_empty() {
                return Err(InputError::Invalid {
                    path: path.display().to_string(),
                    message: format!("exception #{} for `{}` has no reason", i + 1, e.control),
                });
            }
        }
        Ok(u)
    }
}

pub struct DraftInput<'a> {
    pub evaluation: &'a Evaluation,
    pub evaluation_path: String,
    pub risk: RiskClass,
    pub preset: Option<&'a Preset>,
    pub context: Option<&'a UseCase>,
    pub context_path: Option<String>,
}
