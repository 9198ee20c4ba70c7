//! Policy: model (what is written), load (where from, how scopes merge), evaluation.
//!
//! Raw TOML -> [`model::PolicyFile`] (strict serde) -> [`CompiledPolicy`] (scopes merged,
//! rules indexed, version hashed), built once per hook call and cheap to evaluate.

pub mod activation;
pub mod cache;
pub mod eval;
pub mod glob;
pub mod lifecycle;
pub mod model;
pub mod pin;
pub mod store;
pub mod testing;
pub mod validate;

pub use model::{PolicyFile, Rule};

use crate::decision::Mode;
use crate::event::Boundary;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The default policy, embedded at build time.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");

/// Where a policy layer comes from, most authoritative first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Org,
    User,
    Project,
    Session,
    /// The embedded default: the base every scope starts from.
    Default,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Org => "org",
            Scope::User => "user",
            Scope::Project => "project",
            Scope::Session => "session",
            Scope::Default => "default",
        }
    }

    /// Authority: higher may not be weakened by lower. The default sits with the org.
    fn rank(self) -> u8 {
        match self {
            Scope::Default | Scope::Org => 0,
            Scope::User => 1,
            Scope::Project => 2,
            Scope::Session => 3,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy error, with where it is and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}:{line}:{col}: {message}")]
    Parse {
        path: String,
        line: usize,
        col: usize,
        message: String,
        /// The offending source line, for display.
        snippet: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: cannot read policy file: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// One loaded layer.
#[derive(Debug, Clone)]
pub struct Layer {
    pub scope: Scope,
    /// File path, or `<embedded default>`.
    pub origin: String,
    pub text: String,
    pub file: PolicyFile,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CompiledRule {
    pub rule: Rule,
    pub scope: String,
    pub origin: String,
    /// Boundaries it applies to; empty = all.
    pub boundaries: Vec<Boundary>,
    /// The mode in force: the rule's own, or its policy's.
    pub mode: Mode,
}

/// Serializable for the hook's compiled-policy cache ([`cache`]), which leaves out `tests`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CompiledPolicy {
    pub rules: Vec<CompiledRule>,
    pub lists: BTreeMap<String, Vec<String>>,
    /// Team -> members, from the org policy (see `model::PolicyFile::teams`).
    pub teams: BTreeMap<String, Vec<String>>,
    /// Short content hash of every layer, in order: the policy version decisions record.
    pub version: String,
    /// name@version per layer, for display.
    pub layers: Vec<(String, String, String)>,
    #[serde(skip)]
    pub tests: Vec<(String, model::PolicyTest)>,
    /// Problems found while merging (a shadowing attempt, ...), shown by `policy show` and `check`.
    pub warnings: Vec<String>,
    /// `[policy.escalation]` of the most authoritative layer that sets it.
    pub escalation: Option<model::EscalationSettings>,
    /// `[alerts]` of the most authoritative org or user layer that sets it.
    pub alerts: Option<model::AlertSettings>,
}

/// Parses one policy text strictly, with file:line:col on error.
pub fn parse(text: &str, origin: &str) -> Result<PolicyFile, PolicyError> {
    toml::from_str::<PolicyFile>(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        let snippet = text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .to_string();
        PolicyError::Parse {
            path: origin.to_string(),
            line,
            col,
            message: e.message().to_string(),
            snippet,
        }
    })
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Finds the line of `id = "<rule id>"` in a policy text, for messages about a rule.
pub fn rule_line(text: &str, id: &str) -> usize {
    let needle = format!("\"{id}\"");
    text.lines()
        .position(|l| l.trim_start().starts_with("id") && l.contains(&needle))
        .map(|i| i + 1)
        .unwrap_or(1)
}

pub fn parse_layer(scope: Scope, origin: &str, text: String) -> Result<Layer, PolicyError> {
    let file = parse(&text, origin)?;
    Ok(Layer {
        scope,
        origin: origin.to_string(),
        text,
        file,
    })
}

/// [`DEFAULT_POLICY`] converted to JSON by build.rs: loads several times faster than the
/// TOML on every hook call. Empty when the conversion failed.
pub const DEFAULT_POLICY_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default_policy.json"));

pub fn default_layer() -> Result<Layer, PolicyError> {
    // The JSON is the same document; if it does not deserialize (or is missing), the TOML
    // path gives the error with its line and column.
    match serde_json::from_str::<PolicyFile>(DEFAULT_POLICY_JSON) {
        Ok(file) => Ok(Layer {
            scope: Scope::Default,
            origin: "<embedded default>".to_string(),
            text: DEFAULT_POLICY.to_string(),
            file,
        }),
        Err(_) => parse_layer(
            Scope::Default,
            "<embedded default>",
            DEFAULT_POLICY.to_string(),
        ),
    }
}

/// Where policy files are looked for.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub org: Option<PathBuf>,
    pub user: Option<PathBuf>,
    pub project: Option<PathBuf>,
}

impl Locations {
    /// Standard places: `HOOKWARDEN_ORG_POLICY` or `/etc/hookwarden/policy.toml`; the user
    /// config dir (`HOOKWARDEN_USER_POLICY` overrides); `.hookwarden/policy.toml` from the
    /// cwd up to the repo root.
    pub fn discover(cwd: &Path, project_root: &Path) -> Locations {
        let org = crate::managed::env("HOOKWARDEN_ORG_POLICY")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc/hookwarden/policy.toml"));
        let user = crate::managed::env("HOOKWARDEN_USER_POLICY")
            .map(PathBuf::from)
            .or_else(|| crate::dirs::config_dir().map(|d| d.join("policy.toml")));
        let mut project = None;
        let mut dir = Some(cwd);
        while let Some(d) = dir {
            let candidate = d.join(".hookwarden").join("policy.toml");
            if candidate.is_file() {
                project = Some(candidate);
                break;
            }
            if d == project_root {
                break;
            }
            dir = d.parent();
        }
        Locations {
            org: Some(org),
            user,
            project,
        }
    }
}

/// Reads every existing layer. A file that does not exist is no layer; one that cannot be
/// read or parsed is an error (the caller fails closed).
pub fn load_layers(loc: &Locations) -> Result<Vec<Layer>, PolicyError> {
    layers_from_texts(read_layer_texts(loc)?)
}

/// The text of every existing policy file, as `(scope, origin, text)`, unparsed.
pub fn read_layer_texts(loc: &Locations) -> Result<Vec<(Scope, String, String)>, PolicyError> {
    let mut texts = Vec::new();
    for (scope, path) in [
        (Scope::Org, &loc.org),
        (Scope::User, &loc.user),
        (Scope::Project, &loc.project),
    ] {
        let Some(path) = path else { continue };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(PolicyError::Io {
                    path: path.display().to_string(),
                    source: e,
                })
            }
        };
        texts.push((scope, path.display().to_string(), text));
    }
    Ok(texts)
}

/// Parses texts from [`read_layer_texts`] into layers, with the embedded default first unless
/// an org or user policy opts out of it.
pub fn layers_from_texts(texts: Vec<(Scope, String, String)>) -> Result<Vec<Layer>, PolicyError> {
    let mut layers = Vec::new();
    for (scope, origin, text) in texts {
        layers.push(parse_layer(scope, &origin, text)?);
    }
    let keep_default = layers
        .iter()
        .filter(|l| matches!(l.scope, Scope::Org | Scope::User))
        .all(|l| l.file.policy.inherit_default);
    if keep_default {
        layers.insert(0, default_layer()?);
    }
    Ok(layers)
}

/// Merges layers (most authoritative first) into one compiled policy.
///
/// A lower scope adds rules; a rule id already defined by a higher scope is replaced only if
/// that rule says `overridable = true`, otherwise the lower one is dropped with a warning.
pub fn compile(layers: &[Layer]) -> Result<CompiledPolicy, PolicyError> {
    let mut out = CompiledPolicy::default();
    let mut hasher = Sha256::new();
    let mut sorted: Vec<&Layer> = layers.iter().collect();
    sorted.sort_by_key(|l| l.scope.rank());
    for layer in sorted {
        hasher.update(layer.scope.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(layer.text.as_bytes());
        hasher.update([0]);
        let meta = &layer.file.policy;
        out.layers.push((
            layer.scope.as_str().to_string(),
            format!("{}@{}", meta.name, meta.version),
            layer.origin.clone(),
        ));
        if meta.status == model::Status::Deprecated {
            out.warnings.push(format!(
                "{}: policy {} is deprecated",
                layer.origin, meta.name
            ));
        }
        stateful_settings(layer, &mut out)?;
        for (name, items) in &layer.file.lists {
            match out.lists.get_mut(name) {
                // A lower scope cannot widen a higher scope's list (it may be an allowlist).
                Some(_) if layer.scope.rank() > 0 => out.warnings.push(format!(
                    "{}: list `{name}` is defined by a higher scope; this definition is ignored",
                    layer.origin
                )),
                Some(existing) => {
                    for i in items {
                        if !existing.contains(i) {
                            existing.push(i.clone());
                        }
                    }
                }
                None => {
                    out.lists.insert(name.clone(), items.clone());
                }
            }
        }
        for (team, members) in &layer.file.teams {
            if layer.scope.rank() > 0 {
                // Team membership is an org fact: a user or project file cannot join a team.
                out.warnings.push(format!(
                    "{}: [teams] is honoured only in the org policy; `{team}` is ignored",
                    layer.origin
                ));
                continue;
            }
            let entry = out.teams.entry(team.clone()).or_default();
            for m in members {
                if !entry.contains(m) {
                    entry.push(m.clone());
                }
            }
        }
        let mut seen_here = std::collections::HashSet::new();
        for rule in &layer.file.rules {
            if !seen_here.insert(rule.id.clone()) {
                return Err(PolicyError::Invalid {
                    path: format!("{}:{}", layer.origin, rule_line(&layer.text, &rule.id)),
                    message: format!("duplicate rule id `{}`", rule.id),
                });
            }
            let boundaries = match &rule.boundary {
                None => Vec::new(),
                Some(b) => {
                    let mut v = Vec::new();
                    for s in b.as_slice() {
                        v.push(Boundary::parse(s).ok_or_else(|| PolicyError::Invalid {
                            path: format!("{}:{}", layer.origin, rule_line(&layer.text, &rule.id)),
                            message: format!(
                                "rule `{}`: unknown boundary `{s}` (expected prompt, tool_request, tool_output, final_response)",
                                rule.id
                            ),
                        })?);
                    }
                    v
                }
            };
            validate_stateful(rule).map_err(|message| PolicyError::Invalid {
                path: format!("{}:{}", layer.origin, rule_line(&layer.text, &rule.id)),
                message: format!("rule `{}`: {message}", rule.id),
            })?;
            let mode = rule.mode.unwrap_or(meta.mode).max(meta.mode);
            let compiled = CompiledRule {
                rule: rule.clone(),
                scope: layer.scope.as_str().to_string(),
                origin: layer.origin.clone(),
                boundaries,
                mode,
            };
            if let Some(pos) = out.rules.iter().position(|r| r.rule.id == rule.id) {
                let existing = &out.rules[pos];
                if existing.rule.overridable || existing.scope == compiled.scope {
                    out.rules[pos] = compiled;
                } else {
                    out.warnings.push(format!(
                        "{}: rule `{}` is defined by the {} scope and is not overridable; this definition is ignored (give it another id to add a rule)",
                        layer.origin, rule.id, existing.scope
                    ));
                }
            } else {
                out.rules.push(compiled);
            }
        }
        for t in &layer.file.tests {
            out.tests.push((layer.origin.clone(), t.clone()));
        }
    }
    let digest = hasher.finalize();
    out.version = crate::hex::hex(&digest[..6]);
    Ok(out)
}

/// Escalation and alert settings of a layer (issue 7). Higher scopes win; a project policy
/// lives in the repository the agent edits, so it may not name alert sinks (a command sink
/// would run whatever the repo says).
fn stateful_settings(layer: &Layer, out: &mut CompiledPolicy) -> Result<(), PolicyError> {
    let invalid = |message: String| PolicyError::Invalid {
        path: layer.origin.clone(),
        message,
    };
    if let Some(esc) = &layer.file.policy.escalation {
        esc.validate().map_err(invalid)?;
        if out.escalation.is_none() {
            out.escalation = Some(esc.clone());
        }
    }
    if let Some(a) = &layer.file.alerts {
        a.validate().map_err(invalid)?;
        if matches!(layer.scope, Scope::Project | Scope::Session) {
            out.warnings.push(format!(
                "{}: [alerts] is only read from org and user policies; ignored here",
                layer.origin
            ));
        } else if out.alerts.is_none() {
            out.alerts = Some(a.clone());
        }
    }
    Ok(())
}

/// Rate limits and time windows as written must be usable (issue 7).
fn validate_stateful(rule: &Rule) -> Result<(), String> {
    if let Some(rl) = &rule.rate_limit {
        model::validate_rate_limit(rl)?;
    }
    if let Some(act) = &rule.activation {
        activation::validate(act)?;
    }
    Ok(())
}

/// Environment variables the policy's rules test (`env` conditions and activations): the hook
/// records their values (masked) with each decision so replay sees what the rule saw.
pub fn env_names(policy: &CompiledPolicy) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &policy.rules {
        let conds = std::iter::once(&r.rule.when).chain(r.rule.unless.as_ref());
        let keys = conds
            .flat_map(|c| c.env.keys())
            .chain(r.rule.activation.iter().flat_map(|a| a.env.keys()));
        for k in keys {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    names
}

/// Loads and compiles the effective policy for a cwd.
pub fn load_effective(cwd: &Path, project_root: &Path) -> Result<CompiledPolicy, PolicyError> {
    let loc = Locations::discover(cwd, project_root);
    compile(&load_layers(&loc)?)
}
