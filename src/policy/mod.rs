//! Policy: model (what is written), load (where from, how scopes merge), compile, evaluation.
//!
//! Raw TOML -> [`model::PolicyFile`] (strict serde) -> [`compile`] -> [`CompiledPolicy`]
//! (scopes merged, rules checked and typed, indexed, version hashed) -> [`eval`]. The
//! compiled form is what the hook caches ([`cache`]) and what evaluation reads.

pub mod activation;
pub mod cache;
pub mod compiler;
pub mod eval;
pub mod gitleaks;
pub mod glob;
pub mod index;
pub mod lifecycle;
pub mod model;
pub mod pin;
pub mod regexes;
pub mod render;
pub mod schema;
pub mod store;
pub mod testing;
pub mod typed;
pub mod validate;

pub use compiler::{compile, Diagnostic};
pub use model::{PolicyFile, Rule};
pub use typed::CompiledRule;

use crate::signals::secrets::custom::{Detector, DetectorSpec, Detectors};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default policy, embedded at build time.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");

/// Where a policy layer comes from, most authoritative first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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
    /// Rules that cannot load: every problem found, each with its position.
    #[error("{}", render(.0))]
    Compile(Vec<Diagnostic>),
    #[error("{path}: cannot read policy file: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
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

/// The effective policy: typed rules, the index that selects them, and what the layers set.
/// Serializable for the hook's compiled-policy cache ([`cache`]), which leaves out `tests`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CompiledPolicy {
    pub rules: Vec<CompiledRule>,
    /// Which rules an event can meet: the one way evaluation selects rules.
    pub index: index::RuleIndex,
    /// Every regex of the rules; conditions hold ids into it.
    pub regexes: typed::RegexTable,
    /// Environment variables the rules read (all rules, also those a cache entry leaves out):
    /// the hook records their values (masked) with each decision so replay sees what the
    /// rules saw.
    pub env_names: Vec<String>,
    pub lists: BTreeMap<String, Vec<String>>,
    /// Team -> members, from the org policy (see `model::PolicyFile::teams`).
    pub teams: BTreeMap<String, Vec<String>>,
    /// Short content hash of every layer, in order: the identity of the merged policy (pins,
    /// caches).
    pub version: String,
    /// The policy version decisions record: each org, user and project layer as `policy
    /// history` shows it (`v2 sha256 3f799b4c7a1e`; a file that is no stored version shows its
    /// scope and hash). Empty when only the embedded default applies.
    #[serde(default)]
    pub label: String,
    /// name@version per layer, for display.
    pub layers: Vec<(String, String, String)>,
    #[serde(skip)]
    pub tests: Vec<(String, model::PolicyTest)>,
    /// Every rule an `[[exception]]` relaxes, with its reason, in the order written.
    pub relaxations: Vec<typed::Relaxation>,
    /// Problems found while merging (a shadowing attempt, ...), shown by `policy show` and `check`.
    pub warnings: Vec<String>,
    /// `[policy.escalation]` of the most authoritative layer that sets it.
    #[serde(with = "typed::json_text")]
    pub escalation: Option<model::EscalationSettings>,
    /// `[alerts]` of the most authoritative org or user layer that sets it.
    #[serde(with = "typed::json_text")]
    pub alerts: Option<model::AlertSettings>,
    /// `[approvals]` of the org policy: the only scope it is read from.
    #[serde(with = "typed::json_text")]
    pub approvals: Option<model::ApprovalSettings>,
    /// `[audit]` of the most authoritative org or user layer that sets it.
    #[serde(with = "typed::json_text")]
    pub audit: Option<model::AuditSettings>,
    /// The layers' `[[detector]]` entries, checked, with the layer each comes from.
    pub detectors: Vec<PolicyDetector>,
    /// The detectors compiled, on first use (see [`CompiledPolicy::compiled_detectors`]).
    #[serde(skip)]
    built: std::sync::OnceLock<Arc<Detectors>>,
}

/// One `[[detector]]` of a layer, as the compiler accepted it. Every field is always
/// serialized: the hook's cache format (postcard) has no field names to skip by.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolicyDetector {
    pub spec: DetectorSpec,
    pub scope: Scope,
    pub origin: String,
    /// `redact`, or the stricter effect of the rule made for it (`detector.<id>`).
    pub effect: crate::decision::Effect,
    pub description: String,
    /// The entropy floor as written (the spec holds it as the scanner computes it).
    pub entropy: Option<f64>,
}

impl CompiledPolicy {
    /// The policy's own detectors, compiled once per policy; empty (and free) when it
    /// declares none. A detector the compiler accepted always builds; one that does not (a
    /// damaged cache entry) is left out rather than failing the hook call.
    pub fn compiled_detectors(&self) -> Arc<Detectors> {
        self.built
            .get_or_init(|| {
                let built = self
                    .detectors
                    .iter()
                    .filter_map(|d| Detector::prepare(&d.spec).ok())
                    .collect();
                Arc::new(Detectors::from_detectors(built))
            })
            .clone()
    }

    /// Adds the findings of the policy's own detectors in `ev` to its `flags`; whether that
    /// raised a flag that was not raised before. Nothing to do, and nothing done, without
    /// detectors.
    pub fn add_detector_flags(
        &self,
        ev: &crate::event::Event,
        ctx: &crate::signals::Context,
        flags: &mut Vec<crate::signals::Flag>,
    ) -> bool {
        if self.detectors.is_empty() || ev.boundary == crate::event::Boundary::Other {
            return false;
        }
        let detectors = self.compiled_detectors();
        !crate::signals::secrets::add_policy_findings(ev, ctx, &detectors, flags).is_empty()
    }

    /// What redaction must find for this decision beside the catalogue: the policy's own
    /// detectors, and the `text_regex` of every redact rule that fired (named after the rule).
    /// `None` when there is nothing of the kind, which is the common case and costs nothing.
    pub fn redactors(&self, fired: &[crate::decision::Fire]) -> Option<Arc<Detectors>> {
        let rule_regexes: Vec<Detector> = fired
            .iter()
            .filter(|f| {
                f.effect == crate::decision::Effect::Redact
                    && f.mode == crate::decision::Mode::Enforce
            })
            .filter_map(|f| self.rules.iter().find(|r| r.id == f.rule_id))
            .flat_map(|r| r.when.text_regexes().map(move |id| (r, id)))
            .filter_map(|(r, id)| Detector::unguarded(&r.id, self.regexes.pattern(id)?).ok())
            .collect();
        if rule_regexes.is_empty() {
            return (!self.detectors.is_empty()).then(|| self.compiled_detectors());
        }
        let mut all: Vec<Detector> = self
            .detectors
            .iter()
            .filter_map(|d| Detector::prepare(&d.spec).ok())
            .collect();
        all.extend(rule_regexes);
        Some(Arc::new(Detectors::from_detectors(all)))
    }

    /// Keeps the rules whose `keep` is true, with an index of them.
    pub fn retain_rules(&mut self, keep: &[bool]) {
        let mut i = 0;
        self.rules.retain(|_| {
            let k = keep.get(i).copied().unwrap_or(false);
            i += 1;
            k
        });
        self.reindex();
    }

    /// Builds the rule index of the rules as they are.
    pub fn reindex(&mut self) {
        self.index = index::RuleIndex::build(self.rules.iter().map(|r| index::Entry {
            boundaries: &r.boundaries,
            when: &r.when,
            disabled: r.disabled,
        }));
    }
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
    if keeps_default(&layers) {
        layers.insert(0, default_layer()?);
    }
    Ok(layers)
}

/// Whether the embedded default sits under these layers. Scopes only add: only an org policy
/// can drop the default (`inherit_default = false`); a user or project policy saying so is
/// ignored (and `policy validate` says why), so what the agent's user can write never
/// removes a default rule.
pub fn keeps_default(layers: &[Layer]) -> bool {
    layers
        .iter()
        .filter(|l| l.scope == Scope::Org)
        .all(|l| l.file.policy.inherit_default)
}

/// Loads and compiles the effective policy for a cwd.
pub fn load_effective(cwd: &Path, project_root: &Path) -> Result<CompiledPolicy, PolicyError> {
    let loc = Locations::discover(cwd, project_root);
    compile(&load_layers(&loc)?)
}
