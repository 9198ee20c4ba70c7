//! The policy language as written (TOML), parsed strictly: an unknown field is an error, never
//! silently ignored. `docs/policy.md` documents every field here.

use crate::decision::{Effect, Lineage, Mode};
use crate::state::{MAX_RATE, RETENTION};
use crate::time::parse_duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One policy file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default)]
    pub policy: PolicyMeta,
    /// Named lists (hosts, paths, ...) that conditions refer to by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<String>>,
    /// Team name -> member user names. Honoured in the org policy (and the embedded default)
    /// only: it is what a rule's `team` condition tests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub teams: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Inline tests: events with the effect they must get.
    #[serde(default, rename = "test", skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<PolicyTest>,
    /// The team's own secret formats: each finds its secrets beside the built-in catalogue,
    /// as kind `id` of `secret.detected`.
    #[serde(default, rename = "detector", skip_serializing_if = "Vec::is_empty")]
    pub detectors: Vec<DetectorDef>,
    /// Alert sinks (org and user scopes only): see the engine's alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertSettings>,
    /// Where approvals are decided (org scope only): see the engine's team approvals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<ApprovalSettings>,
    /// Rules of the default policy (or of this or a lower scope) relaxed, each with its reason.
    /// Org and user scopes only: a project policy can only add.
    #[serde(default, rename = "exception", skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
    /// Audit log rotation and retention (org and user scopes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditSettings>,
}

/// `[[exception]]`: one rule disabled, given another effect, or not firing where `when`
/// holds. The reason is required: it is the evidence `policy show`, `doctor` and the audit
/// record of every decision it changes carry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The id of the rule it relaxes.
    pub rule: String,
    /// Why this is safe: who decided, and on what evidence.
    pub reason: String,
    /// The rule never fires (no `when`, no `effect`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
    /// The effect the rule has instead (where `when` holds, or always); default `allow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// Where the exception applies; for flag conditions, the flags it covers: the rule keeps
    /// firing on the flags it does not cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Validated,
    #[default]
    Active,
    Deprecated,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default = "default_use_case")]
    pub use_case: String,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Org and user scopes only: `false` drops the embedded default rules.
    #[serde(default = "yes")]
    pub inherit_default: bool,
    /// Org scope only: `false` forbids `[[exception]]` in user policies.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub user_exceptions: bool,
    /// Free-form metadata (owner, team, ticket, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub metadata: BTreeMap<String, toml::Value>,
    /// Stop a session after repeated denials: see [`EscalationSettings`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationSettings>,
}

impl Default for PolicyMeta {
    fn default() -> Self {
        PolicyMeta {
            name: default_name(),
            use_case: default_use_case(),
            version: default_version(),
            status: Status::Active,
            mode: Mode::Enforce,
            description: String::new(),
            inherit_default: true,
            user_exceptions: true,
            metadata: BTreeMap::new(),
            escalation: None,
        }
    }
}

fn default_name() -> String {
    "unnamed".into()
}
fn default_use_case() -> String {
    "default".into()
}
fn default_version() -> String {
    "0".into()
}
fn yes() -> bool {
    true
}

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// By hand: serde's untagged derive buffers every value to try each variant in turn, and
/// rules hold hundreds of these (deserializing the cached policy is on every hook call). This
/// also names what was expected when neither fits.
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// Why the rule exists.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Boundaries it applies to; empty means every boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<OneOrMany>,
    pub effect: Effect,
    /// 0..=100.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub risk: u8,
    /// What the model is told: what was stopped and what to do instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Whether a lower scope may replace this rule by defining one with the same id.
    #[serde(default)]
    pub overridable: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub when: Condition,
    /// Exceptions: the rule does not fire where this matches (for flag conditions: that flag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
}

/// Match conditions. Every present field must hold (AND); list values are alternatives (OR).
///
/// Event conditions test the event. Flag conditions (`flag`, `program`, `args_*`, `paths_*`,
/// `path_glob`, `hosts_*`, `kinds`, `attrs`) must all hold for one and the same flag.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    // ---- event conditions
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<OneOrMany>,
    /// Globs over the tool name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_server: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_tool: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<OneOrMany>,
    /// Regex over the boundary's text (command, prompt, tool output, final response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_regex: Option<String>,
    /// Conditions over the tool input by JSON pointer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input: Vec<InputCondition>,
    /// Environment variables of the hook process, by glob (`AWS_PROFILE = "prod*"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, OneOrMany>,
    /// Globs over the current git branch of the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<OneOrMany>,

    // ---- flag conditions
    /// Flag names (alternatives). Implied `shell.exec` when `program`/`args_*` are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<OneOrMany>,
    /// Program names (basename) of a `shell.exec` flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<OneOrMany>,
    /// The first argument that is not an option (`git push` -> `push`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcommand: Option<OneOrMany>,
    /// Globs; at least one argument matches one of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_any: Option<Vec<String>>,
    /// Globs; each must match some argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_all: Option<Vec<String>>,
    /// Regex over the arguments joined by single spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_regex: Option<String>,
    /// Path classes: at least one path has one of these classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths_any: Option<Vec<String>>,
    /// Path classes: there is at least one path and every path has one of these classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths_all: Option<Vec<String>>,
    /// Path classes: no path has any of these classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths_none: Option<Vec<String>>,
    /// Globs over resolved paths (`**` crosses `/`); a name `@list` refers to a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_glob: Option<OneOrMany>,
    /// Globs over resolved paths: there is at least one path and every path matches one of
    /// them (what an exception for named directories wants: `rm -rf node_modules src` is not
    /// covered by `**/node_modules`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_glob_all: Option<OneOrMany>,
    /// Globs over hosts; `@list` refers to a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts_any: Option<OneOrMany>,
    /// There is a host matching none of these globs; `@list` refers to a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts_outside: Option<OneOrMany>,
    /// Globs over finding kinds (`github-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<OneOrMany>,
    /// Flag attributes: equal to the value, or (for list attributes) containing it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub attrs: BTreeMap<String, toml::Value>,
}

impl Condition {
    /// Whether the condition names any flag-level test.
    pub fn has_flag_conditions(&self) -> bool {
        self.flag.is_some()
            || self.program.is_some()
            || self.subcommand.is_some()
            || self.args_any.is_some()
            || self.args_all.is_some()
            || self.args_regex.is_some()
            || self.paths_any.is_some()
            || self.paths_all.is_some()
            || self.paths_none.is_some()
            || self.path_glob.is_some()
            || self.path_glob_all.is_some()
            || self.hosts_any.is_some()
            || self.hosts_outside.is_some()
            || self.kinds.is_some()
            || !self.attrs.is_empty()
    }

    pub fn has_event_conditions(&self) -> bool {
        self.tool_kind.is_some()
            || self.tool.is_some()
            || self.mcp_server.is_some()
            || self.mcp_tool.is_some()
            || self.runtime.is_some()
            || self.model.is_some()
            || self.text_regex.is_some()
            || !self.input.is_empty()
            || !self.env.is_empty()
            || self.branch.is_some()
            || self.user.is_some()
            || self.team.is_some()
            || self.session.is_some()
    }

    /// The flag names (globs) this condition considers: `flag`, or `shell.exec` implied by
    /// `program`, `subcommand` and `args_*`; empty for any flag.
    pub fn flag_names(&self) -> Vec<&str> {
        match &self.flag {
            Some(f) => f.as_slice().iter().map(|s| s.as_str()).collect(),
            None if self.program.is_some()
                || self.subcommand.is_some()
                || self.args_any.is_some()
                || self.args_all.is_some()
                || self.args_regex.is_some() =>
            {
                vec!["shell.exec"]
            }
            None => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputCondition {
    /// JSON pointer into the tool input (`/amount`, `/to/0`).
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub equals: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// When a rule applies. Absent fields do not restrict.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    /// IANA zone name or a fixed offset like `+02:00`; default UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Days the rule applies on: `mon`..`sun`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<String>>,
    /// Hours it applies in, `"18:00-08:00"` (may wrap midnight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<String>>,
    /// Globs over the git branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Vec<String>>,
    /// Environment variables, by glob.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, OneOrMany>,
    /// Not before / not after, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// "More than `max` matching actions per `window`": the rule fires only past the limit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max: u32,
    /// `30s`, `10m`, `1h`, `1d`.
    pub window: String,
    /// `session` (default), `repo` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

/// A secret format a policy declares (`[[detector]]`): found wherever the built-in detectors
/// look, reported as `secret.detected` of kind `id`, masked like a built-in kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectorDef {
    /// The finding kind: lowercase letters, digits, `-`, `_` and `.`.
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What the secret looks like (Rust regex syntax).
    pub regex: String,
    /// Words, one of which (any case) occurs wherever the secret does: the regex runs only on
    /// texts holding one.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy of the secret, in bits per byte (random tokens: 3 to 4.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
    /// The capture group holding the secret (default: the first group that matched, else
    /// the whole match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_group: Option<usize>,
    /// Regexes over the secret for values to leave alone (test keys, public examples).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// `redact` (the default: the policy's redaction rules mask it, as any secret) or a
    /// stricter effect, `ask` or `deny`, for every event that carries one.
    #[serde(default = "redact", skip_serializing_if = "is_redact")]
    pub effect: Effect,
    /// Lines that hold a secret this detector must find.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// Lines it must leave alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_examples: Vec<String>,
}

fn redact() -> Effect {
    Effect::Redact
}

fn is_redact(e: &Effect) -> bool {
    *e == Effect::Redact
}

/// An inline test: a small event and the effect it must get.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyTest {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Shell command (pre-tool, shell tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// File-read tool on this path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<String>,
    /// File-write tool on this path (with `content`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Tool output (post-tool) of the shell tool, or of `tool` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Tool name and raw input, for MCP and other tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub tool_input: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Identity and context the test runs with (default: none of them set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The cwd the event happens in; default `/home/dev/project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub expect: Effect,
    /// Rule ids that must be in the fire list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fires: Vec<String>,
    /// Rule ids that must not be.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_fires: Vec<String>,
}

/// `[alerts]` in an org or user policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Fire effects that raise an alert; default `["alert"]`. Add `deny`, `terminate`, ...
    #[serde(default = "default_on")]
    pub on: Vec<Effect>,
    /// JSONL file alerts are appended to; a relative path is under the data dir.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Program and arguments run once per alert with the alert JSON on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Send each alert to the local syslog (`/dev/log`, facility auth).
    #[serde(default)]
    pub syslog: bool,
    /// One alert per rule and session within this window; default `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_window: Option<String>,
}

fn default_on() -> Vec<Effect> {
    vec![Effect::Alert]
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            on: default_on(),
            file: None,
            command: None,
            syslog: false,
            dedup_window: None,
        }
    }
}

impl AlertSettings {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(w) = &self.dedup_window {
            if crate::time::parse_duration(w).is_none() {
                return Err(format!("alerts dedup_window `{w}` is not a duration"));
            }
        }
        if self.command.as_ref().is_some_and(|c| c.is_empty()) {
            return Err("alerts command is empty: give the program and its arguments".into());
        }
        Ok(())
    }

    pub fn dedup_secs(&self) -> i64 {
        self.dedup_window
            .as_deref()
            .and_then(crate::time::parse_duration)
            .unwrap_or(600)
    }

    pub fn has_sink(&self) -> bool {
        self.file.is_some() || self.command.is_some() || self.syslog
    }
}

/// `[approvals]` in the org policy: where approval requests go instead of the local state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSettings {
    /// The team approval service (`hookwarden-serve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceSettings>,
}

/// `[approvals.service]`: the team approval service and this machine's credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// Base URL, `http://HOST:PORT` (plain HTTP: the hook speaks to a local TLS tunnel or a
    /// service on a trusted network; see docs/team-approvals.md).
    pub url: String,
    /// Absolute path of the file holding this machine's credential (`hwm_...`).
    pub credential_file: String,
    /// Pending requests are denied on every runtime, also where the runtime could ask the
    /// person at the terminal (Claude), so only the team can let the action pass.
    #[serde(default)]
    pub strict: bool,
    /// Time budget for one exchange with the service, in milliseconds; default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl ServiceSettings {
    pub fn validate(&self) -> Result<(), String> {
        let rest = self.url.strip_prefix("http://").ok_or_else(|| {
            format!(
                "approvals service url `{}` must start with http:// (terminate TLS in a local tunnel or proxy)",
                self.url
            )
        })?;
        if rest.split('/').next().is_none_or(str::is_empty) {
            return Err(format!(
                "approvals service url `{}` names no host",
                self.url
            ));
        }
        if !std::path::Path::new(&self.credential_file).is_absolute() {
            return Err(format!(
                "approvals service credential_file `{}` must be an absolute path",
                self.credential_file
            ));
        }
        if self.timeout_ms.is_some_and(|t| !(50..=5000).contains(&t)) {
            return Err("approvals service timeout_ms must be between 50 and 5000".into());
        }
        Ok(())
    }
}

/// `[audit]`: the hook rotates the audit log by size and keeps a bounded number of rotated
/// files. Read from the org policy first, then the user policy; a project policy (which the
/// agent edits) cannot set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Rotate when the log reaches this many bytes: `audit.jsonl` becomes `audit.jsonl.1`.
    pub rotate_bytes: u64,
    /// Rotated files kept (`audit.jsonl.1` .. `audit.jsonl.<keep>`); older ones are removed.
    #[serde(default = "default_keep")]
    pub keep: u32,
    /// Rotated files older than this (`30d`) are removed at the next rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
}

/// The smallest `rotate_bytes`: one long audit line must fit many times over.
pub const MIN_ROTATE_BYTES: u64 = 64 * 1024;
/// The most rotated files kept.
pub const MAX_KEEP: u32 = 1000;

fn default_keep() -> u32 {
    10
}

impl AuditSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.rotate_bytes < MIN_ROTATE_BYTES {
            return Err(format!(
                "audit rotate_bytes {} is below the minimum {MIN_ROTATE_BYTES}",
                self.rotate_bytes
            ));
        }
        if self.keep == 0 || self.keep > MAX_KEEP {
            return Err(format!(
                "audit keep {} is out of range: keep 1 to {MAX_KEEP} rotated files",
                self.keep
            ));
        }
        if let Some(a) = &self.max_age {
            if crate::time::parse_duration(a).is_none() {
                return Err(format!("audit max_age `{a}` is not a duration (like 30d)"));
            }
        }
        Ok(())
    }

    /// `max_age` in seconds.
    pub fn max_age_secs(&self) -> Option<i64> {
        self.max_age
            .as_deref()
            .and_then(crate::time::parse_duration)
    }
}

/// `[policy.escalation]`: stop a session after repeated denials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationSettings {
    /// This many denials in one session within `window` stop the session.
    pub max_denials: u32,
    /// `10m`, `1h`, ...
    pub window: String,
    /// How long the session stays stopped (every later call is refused); default `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_for: Option<String>,
}

impl EscalationSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_denials == 0 {
            return Err("escalation max_denials must be at least 1".into());
        }
        if parse_duration(&self.window).is_none_or(|w| w > RETENTION) {
            return Err(format!(
                "escalation window `{}` is not a duration up to 7d (e.g. `10m`)",
                self.window
            ));
        }
        if let Some(b) = &self.block_for {
            if parse_duration(b).is_none() {
                return Err(format!("escalation block_for `{b}` is not a duration"));
            }
        }
        Ok(())
    }

    pub fn block_secs(&self) -> i64 {
        self.block_for
            .as_deref()
            .and_then(parse_duration)
            .unwrap_or(86_400)
    }
}

/// Checks a rate limit as written: a window, a known `per`, a countable `max`.
pub fn validate_rate_limit(rl: &crate::policy::model::RateLimit) -> Result<(), String> {
    match parse_duration(&rl.window) {
        Some(w) if w <= RETENTION => {}
        Some(_) => {
            return Err(format!(
                "rate_limit window `{}` is longer than 7d",
                rl.window
            ))
        }
        None => {
            return Err(format!(
                "rate_limit window `{}` is not a duration (e.g. `30s`, `10m`, `1h`, `1d`)",
                rl.window
            ))
        }
    }
    if rl.max > MAX_RATE {
        return Err(format!("rate_limit max {} is above {MAX_RATE}", rl.max));
    }
    match rl.per.as_deref() {
        None | Some("session" | "repo" | "user") => Ok(()),
        Some(other) => Err(format!(
            "rate_limit per `{other}`: expected `session`, `repo` or `user`"
        )),
    }
}
