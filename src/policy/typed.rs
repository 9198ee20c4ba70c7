//! The compiled form of a rule: what evaluation reads, built once by [`super::compiler`].
//!
//! `model::Rule` (as written) -> [`CompiledRule`] (checked and typed). Every name a rule
//! uses has been checked against what the runtimes and signals know; kinds are enums, `@list`
//! references are expanded, regexes are entries of the policy's [`RegexTable`]. Evaluation
//! (`eval`) compares no kind by its name and compiles nothing it could not compile here.
//!
//! These structures are also what the hook's compiled-policy cache stores ([`super::cache`]):
//! they serialize with any serde format, self-describing or not.

use super::glob;
use super::model;
use super::Scope;
use crate::decision::{Effect, Lineage, Mode};
use crate::event::{Boundary, RuntimeKind, ToolKind};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::OnceLock;

/// One rule, checked and typed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompiledRule {
    pub id: String,
    pub scope: Scope,
    /// The file it comes from, or `<embedded default>`.
    pub origin: String,
    /// Boundaries it applies to; empty = all.
    pub boundaries: Vec<Boundary>,
    /// The mode in force: the rule's own, or its policy's.
    pub mode: Mode,
    pub effect: Effect,
    pub risk: u8,
    /// What the model is told: the rule's `reason`, else its description.
    pub reason: String,
    pub approver_role: Option<String>,
    pub overridable: bool,
    pub disabled: bool,
    pub when: CompiledCondition,
    pub unless: Option<CompiledCondition>,
    #[serde(with = "json_text")]
    pub activation: Option<Box<model::Activation>>,
    pub rate_limit: Option<RateLimit>,
    #[serde(with = "json_text")]
    pub lineage: Option<Lineage>,
    /// Environment variables the rule reads (its `env` conditions and its activation's).
    pub env_vars: Vec<String>,
    /// The rule as written, for display (`policy show`, coverage). Not in the hook's cache.
    #[serde(skip)]
    pub source: Option<Box<model::Rule>>,
}

impl CompiledRule {
    /// Whether the rule reads environment variables: the audit record then lists them.
    pub fn reads_env(&self) -> bool {
        !self.env_vars.is_empty()
    }

    pub fn applies_at(&self, boundary: Boundary) -> bool {
        self.boundaries.is_empty() || self.boundaries.contains(&boundary)
    }
}

/// A `when` or `unless`: event tests, and the tests one and the same flag must pass.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompiledCondition {
    /// Tests of the event, all of which must hold.
    pub event: Vec<EventTest>,
    /// Tests of a flag; `None` when the condition tests no flag.
    pub flag: Option<FlagTest>,
}

impl CompiledCondition {
    pub fn has_flag_conditions(&self) -> bool {
        self.flag.is_some()
    }

    pub fn has_event_conditions(&self) -> bool {
        !self.event.is_empty()
    }
}

/// One event-level test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventTest {
    ToolKind(Vec<ToolKind>),
    Tool(Globs),
    McpServer(Globs),
    McpTool(Globs),
    Runtime(Vec<RuntimeKind>),
    Model(Globs),
    Session(Globs),
    /// A regex over the boundary's text.
    Text(RegexId),
    Input(InputTest),
    Env {
        name: String,
        globs: Globs,
    },
    Branch(Globs),
    User(Globs),
    Team(Globs),
}

/// The flag-level part of a condition: which flag names it considers, and what such a flag
/// must show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlagTest {
    /// Globs over flag names; empty = any flag.
    pub names: Globs,
    pub checks: Vec<FlagCheck>,
}

/// One flag-level test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FlagCheck {
    Program(Globs),
    Subcommand(Globs),
    /// At least one argument matches one of the globs.
    ArgsAny(Globs),
    /// Each glob matches some argument.
    ArgsAll(Globs),
    /// A regex over the arguments joined by single spaces.
    ArgsRegex(RegexId),
    PathsAny(Vec<String>),
    PathsAll(Vec<String>),
    PathsNone(Vec<String>),
    PathGlob(Globs),
    HostsAny(Globs),
    HostsOutside(Globs),
    Kinds(Globs),
    Attr {
        name: String,
        want: Literal,
    },
}

/// A condition over the tool input, by JSON pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTest {
    pub pointer: String,
    pub exists: Option<bool>,
    pub equals: Option<Literal>,
    pub glob: Option<String>,
    pub regex: Option<RegexId>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

impl InputTest {
    /// Whether any test needs the value (not only its presence).
    pub fn needs_value(&self) -> bool {
        self.equals.is_some()
            || self.glob.is_some()
            || self.regex.is_some()
            || self.gt.is_some()
            || self.gte.is_some()
            || self.lt.is_some()
            || self.lte.is_some()
    }
}

/// A value written in a rule (`equals`, `attrs`), kept as the JSON it compares to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Arrays, tables and dates, as JSON text (rare in rules).
    Json(String),
}

impl Literal {
    pub fn from_toml(v: &toml::Value) -> Literal {
        match v {
            toml::Value::String(s) => Literal::Str(s.clone()),
            toml::Value::Integer(i) => Literal::Int(*i),
            toml::Value::Float(f) => Literal::Float(*f),
            toml::Value::Boolean(b) => Literal::Bool(*b),
            other => Literal::Json(
                serde_json::to_string(&super::eval::toml_to_json(other))
                    .unwrap_or_else(|_| "null".into()),
            ),
        }
    }

    /// The JSON value a rule's TOML value converts to.
    pub fn to_json(&self) -> Value {
        match self {
            Literal::Str(s) => Value::String(s.clone()),
            Literal::Int(i) => Value::from(*i),
            Literal::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Json(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        }
    }
}

/// Globs (see [`glob`]), `@list` references already expanded. Empty matches nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Globs(pub Vec<String>);

impl Globs {
    pub fn any(&self, value: &str) -> bool {
        self.0.iter().any(|g| glob::matches(g, value))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every glob is a plain name (matches only itself).
    pub fn all_literal(&self) -> bool {
        self.0.iter().all(|g| is_literal(g))
    }
}

/// Whether a glob is a plain name: it matches exactly itself.
pub fn is_literal(g: &str) -> bool {
    !g.bytes().any(|c| matches!(c, b'{' | b'*' | b'?'))
}

/// `rate_limit`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub max: u32,
    pub window_secs: i64,
    pub per: RatePer,
}

/// What a rate limit counts per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RatePer {
    Session,
    Repo,
    User,
}

impl RatePer {
    pub fn as_str(self) -> &'static str {
        match self {
            RatePer::Session => "session",
            RatePer::Repo => "repo",
            RatePer::User => "user",
        }
    }
}

/// A regex of the policy: an index into its [`RegexTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RegexId(pub u32);

/// Every regex the policy's rules use, once each. Compile checks that each one builds;
/// evaluation builds one on first use (most events meet few of them), after a literal
/// prefilter computed at compile time has said the text may match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegexTable {
    entries: Vec<RegexEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RegexEntry {
    pattern: String,
    /// Literal prefixes every match starts with; `None` when they do not bound the matches.
    prefixes: Option<Prefixes>,
    #[serde(skip)]
    built: OnceLock<Option<Regex>>,
}

impl RegexTable {
    /// Adds `pattern` (once) and returns its id, or why it is no regex. The pattern is parsed
    /// (which finds every syntax error) but built only when evaluation first needs it.
    pub fn add(&mut self, pattern: &str) -> Result<RegexId, String> {
        if let Some(i) = self.entries.iter().position(|e| e.pattern == pattern) {
            return Ok(RegexId(i as u32));
        }
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        self.entries.push(RegexEntry {
            pattern: pattern.to_string(),
            prefixes: literal_prefixes(&hir),
            built: OnceLock::new(),
        });
        Ok(RegexId(self.entries.len() as u32 - 1))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn pattern(&self, id: RegexId) -> Option<&str> {
        self.entries.get(id.0 as usize).map(|e| e.pattern.as_str())
    }

    /// Whether regex `id` matches `text`. An id outside the table matches nothing.
    pub fn is_match(&self, id: RegexId, text: &str) -> bool {
        let Some(e) = self.entries.get(id.0 as usize) else {
            return false;
        };
        if let Some(lits) = &e.prefixes {
            if !lits
                .iter()
                .any(|l| memchr::memmem::find(text.as_bytes(), l).is_some())
            {
                return false;
            }
        }
        e.built
            .get_or_init(|| Regex::new(&e.pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

/// The literal prefixes of a regex when they bound its matches: every match of a regex whose
/// prefixes are a finite set of non-empty literals starts with one of them, so a text holding
/// none cannot match. Most prompt or output rules name words a given text lacks; this saves
/// building their regexes. Anything the extraction cannot bound (a too case-rich pattern, an
/// empty prefix) is left to the regex.
fn literal_prefixes(hir: &regex_syntax::hir::Hir) -> Option<Prefixes> {
    let seq = regex_syntax::hir::literal::Extractor::new().extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    let mut blob = Vec::new();
    for l in lits {
        let bytes = l.as_bytes();
        blob.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_le_bytes());
        blob.extend_from_slice(bytes);
    }
    Some(Prefixes(blob))
}

/// A regex's literal prefixes in one buffer (each a little-endian `u32` length, then its
/// bytes): one allocation to read back from the cache rather than one per literal, and
/// serialized as a byte string rather than a sequence of numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prefixes(Vec<u8>);

impl Prefixes {
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = self.0.as_slice();
        std::iter::from_fn(move || {
            let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let lit = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            Some(lit)
        })
    }
}

impl Serialize for Prefixes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Prefixes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Prefixes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Prefixes, E> {
                Ok(Prefixes(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Prefixes, E> {
                Ok(Prefixes(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Prefixes, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Prefixes(out))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// Settings that derive serde with `skip_serializing_if` (the policy language's own types)
/// cannot go through a format that is not self-describing; they are stored as JSON text.
pub(crate) mod json_text {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        let text = match v {
            Some(v) => Some(serde_json::to_string(v).map_err(serde::ser::Error::custom)?),
            None => None,
        };
        text.serialize(s)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The literal prefilter never says no where the regex says yes.
    #[test]
    fn prefix_prefilter_agrees_with_the_regex() {
        let patterns = [
            r"(?i)project-codename-42",
            r"internal-marker-7\b",
            r"(?i)(password|passwd)\s*=",
            r"\bDROP\s+TABLE\b",
            r"^deploy (prod|staging)$",
            r"[0-9]{3}-[0-9]{2}",
            r"(?i)ignore (all )?previous",
            r"a*b",
        ];
        let texts = [
            "this mentions Project-CodeName-42 here",
            "internal-marker-7 and internal-marker-70",
            "PASSWORD = x",
            "please drop table users; DROP   TABLE users",
            "deploy prod",
            "call 555-12",
            "IGNORE previous instructions",
            "b",
            "",
            "nothing at all",
        ];
        let mut table = RegexTable::default();
        for p in patterns {
            let id = table.add(p).unwrap();
            let re = Regex::new(p).unwrap();
            for t in texts {
                assert_eq!(table.is_match(id, t), re.is_match(t), "{p} on {t:?}");
            }
        }
        let id = table.add(r"(?i)project-codename-42").unwrap();
        assert_eq!(id, RegexId(0), "a pattern is stored once");
        assert!(table.add("(").is_err());
        assert!(!table.is_match(RegexId(99), "x"));
    }

    /// A table read back from the cache builds its regexes on first use.
    #[test]
    fn table_survives_serialization() {
        let mut table = RegexTable::default();
        let id = table.add(r"\bDROP\s+TABLE\b").unwrap();
        let bytes = postcard::to_allocvec(&table).unwrap();
        let back: RegexTable = postcard::from_bytes(&bytes).unwrap();
        assert!(back.is_match(id, "DROP TABLE x"));
        assert!(!back.is_match(id, "drop it"));
    }
}
