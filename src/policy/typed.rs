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
use super::regexes::{self, Matcher};
use super::Scope;
use crate::decision::{Effect, Lineage, Mode};
use crate::event::{Boundary, RuntimeKind, ToolKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
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
    /// `[[exception]]`s of the org or user policy that relax it, most authoritative first.
    pub exceptions: Vec<CompiledException>,
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

/// An `[[exception]]` to a rule, checked and typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompiledException {
    pub scope: Scope,
    pub origin: String,
    pub reason: String,
    /// The rule's effect where the exception applies (`allow`: the rule does not fire).
    pub effect: Effect,
    /// Where it applies; `None`: always.
    pub when: Option<CompiledCondition>,
}

/// A default (or other) rule an exception disabled, gave another effect or excepted: what
/// `policy show` and `doctor` list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Relaxation {
    pub rule: String,
    /// The scope the rule comes from.
    pub rule_scope: Scope,
    /// `disabled`, `effect deny -> alert`, `excepted`, `excepted (effect alert)`.
    pub what: String,
    /// The exception's condition as written (inline TOML), when it has one.
    pub when: Option<String>,
    pub scope: Scope,
    /// `file:line` of the exception.
    pub at: String,
    pub reason: String,
    /// The exception as written, for `policy show --toml`. Not in the hook's cache.
    #[serde(skip)]
    pub source: Option<Box<model::Exception>>,
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

    /// The regexes it tests the boundary's text with.
    pub fn text_regexes(&self) -> impl Iterator<Item = RegexId> + '_ {
        self.event.iter().filter_map(|t| match t {
            EventTest::Text(id) => Some(*id),
            _ => None,
        })
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
    /// There is a path and every path matches one of the globs.
    PathGlobAll(Globs),
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

/// How a rule uses a regex: over the boundary's text (`text_regex`), or over one value
/// (`args_regex`, an input `regex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegexUse {
    Text,
    Value,
}

/// The two matchers of a table: text regexes, and value regexes.
const TEXT: usize = 0;
const VALUE: usize = 1;

/// Every regex the policy's rules use, once each, and the matchers that answer for them
/// ([`super::regexes`]): one for the text regexes, asked once per event which of them match
/// the boundary's text, and one for the value regexes, asked pattern by pattern.
///
/// Compile checks that each pattern parses. A table read from the hook's cache
/// ([`super::cache`]) loads its matchers from the artifacts stored beside the entry, when
/// first needed (most events need neither); one that cannot be read is built again and
/// rewritten. A table of a policy compiled in the process (a check, a replay, a test, a
/// cache that cannot be written) matches through literals and the regex crate, and builds
/// no DFA.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegexTable {
    entries: Vec<RegexEntry>,
    /// The regexes of each matcher, in its order ([`RegexTable::assign`]).
    slots: [Vec<RegexId>; 2],
    #[serde(skip)]
    matchers: Matchers,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RegexEntry {
    /// Empty when no rule of the policy uses it (a narrowed cache entry keeps none of those).
    pattern: String,
    /// Its index in the text and in the value matcher.
    slot: [Option<u32>; 2],
}

/// The matchers, built or loaded on first use.
#[derive(Default)]
struct Matchers {
    /// The artifact files (text, value) when the table comes from the cache.
    files: Option<[PathBuf; 2]>,
    built: [OnceLock<Option<Matcher>>; 2],
}

impl Clone for Matchers {
    /// A clone loads or builds its own matchers.
    fn clone(&self) -> Self {
        Matchers {
            files: self.files.clone(),
            built: Default::default(),
        }
    }
}

impl std::fmt::Debug for Matchers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matchers")
            .field("files", &self.files)
            .field("text_ready", &self.built[TEXT].get().is_some())
            .field("value_ready", &self.built[VALUE].get().is_some())
            .finish()
    }
}

/// Which text regexes of a table match one text.
#[derive(Debug, Clone, Default)]
pub struct TextHits(Vec<bool>);

/// A pattern that never matches: what a regex that parses but does not build (too big) becomes
/// in a matcher, as the regex crate would have matched nothing for it.
const NEVER: &str = r"[^\s\S]";

impl RegexTable {
    /// Adds `pattern` (once) and returns its id, or why it is no regex. The pattern is parsed
    /// (which finds every syntax error); the matchers are built later.
    pub fn add(&mut self, pattern: &str) -> Result<RegexId, String> {
        if let Some(i) = self.entries.iter().position(|e| e.pattern == pattern) {
            return Ok(RegexId(i as u32));
        }
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        self.entries.push(RegexEntry {
            pattern: pattern.to_string(),
            slot: [None, None],
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

    /// Lays out the matchers for `rules`: each regex they use gets its place in the text or
    /// the value matcher (or both); a regex no rule uses keeps no pattern. Any matcher built
    /// before is dropped.
    pub fn assign(&mut self, rules: &[CompiledRule]) {
        self.assign_uses(rules.iter().flat_map(|r| r.regexes()));
    }

    /// [`RegexTable::assign`] from the uses themselves.
    pub fn assign_uses(&mut self, uses: impl IntoIterator<Item = (RegexId, RegexUse)>) {
        for e in &mut self.entries {
            e.slot = [None, None];
        }
        self.slots = Default::default();
        self.matchers = Matchers::default();
        for (id, how) in uses {
            let k = match how {
                RegexUse::Text => TEXT,
                RegexUse::Value => VALUE,
            };
            let Some(e) = self.entries.get_mut(id.0 as usize) else {
                continue;
            };
            if e.slot[k].is_none() {
                e.slot[k] = Some(self.slots[k].len() as u32);
                self.slots[k].push(id);
            }
        }
        for e in &mut self.entries {
            if e.slot == [None, None] {
                e.pattern.clear();
            }
        }
    }

    fn patterns(&self, k: usize) -> Vec<&str> {
        self.slots[k]
            .iter()
            .map(|id| self.pattern(*id).unwrap_or(NEVER))
            .collect()
    }

    /// The artifacts of the two matchers (text, value), DFAs compiled: what the cache stores
    /// beside an entry. `None` for a matcher without patterns.
    pub fn artifacts(&self) -> [Option<Vec<u8>>; 2] {
        [TEXT, VALUE].map(|k| self.artifact(k))
    }

    fn artifact(&self, k: usize) -> Option<Vec<u8>> {
        let mut patterns = self.patterns(k);
        if patterns.is_empty() {
            return None;
        }
        loop {
            match regexes::RegexTable::build(&patterns) {
                Ok(t) => return Some(t.to_bytes()),
                Err(e) => {
                    let p = patterns.get_mut(e.index)?;
                    if *p == NEVER {
                        return None;
                    }
                    *p = NEVER;
                }
            }
        }
    }

    /// Matchers come from these artifact files (text, value), read when first needed; a
    /// missing or damaged one is built again and written there.
    pub fn load_from(&mut self, files: [PathBuf; 2]) {
        self.matchers = Matchers {
            files: Some(files),
            built: Default::default(),
        };
    }

    /// Matchers from artifacts already in memory (as [`RegexTable::artifacts`] made them).
    pub fn use_artifacts(&mut self, artifacts: &[Option<Vec<u8>>; 2]) {
        for k in [TEXT, VALUE] {
            if let Some(bytes) = &artifacts[k] {
                let m = Matcher::from_bytes(bytes).ok().filter(|m| self.fits(k, m));
                if m.is_some() {
                    let _ = self.matchers.built[k].set(m);
                }
            }
        }
    }

    /// Whether `m` holds the patterns of matcher `k`, in order.
    fn fits(&self, k: usize, m: &Matcher) -> bool {
        m.len() == self.slots[k].len()
            && self.slots[k].iter().enumerate().all(|(i, id)| {
                let p = m.pattern(i);
                p.is_some() && (p == self.pattern(*id) || p == Some(NEVER))
            })
    }

    fn matcher(&self, k: usize) -> Option<&Matcher> {
        self.matchers.built[k]
            .get_or_init(|| {
                if self.slots[k].is_empty() {
                    return None;
                }
                if let Some(file) = self.matchers.files.as_ref().map(|f| &f[k]) {
                    if let Ok(m) = Matcher::open(file) {
                        if self.fits(k, &m) {
                            return Some(m);
                        }
                    }
                    let bytes = self.artifact(k)?;
                    let _ = super::store::write_atomic(file, &bytes);
                    return Matcher::from_bytes(&bytes).ok();
                }
                let table = regexes::RegexTable::literals_only(&self.patterns(k));
                Matcher::from_bytes(&table.to_bytes()).ok()
            })
            .as_ref()
    }

    /// Whether any rule of the table tests the boundary text (`text_regex`).
    pub fn has_text(&self) -> bool {
        !self.slots[TEXT].is_empty()
    }

    /// Whether `other`'s text matcher has the same regexes in the same order: its
    /// [`RegexTable::text_hits`] then say the same of a text.
    pub fn same_text(&self, other: &RegexTable) -> bool {
        self.patterns(TEXT) == other.patterns(TEXT)
    }

    /// Which text regexes match `text`: one pass of the text matcher.
    pub fn text_hits(&self, text: &str) -> TextHits {
        let mut hits = vec![false; self.slots[TEXT].len()];
        if let Some(m) = self.matcher(TEXT) {
            for i in m.matches(text) {
                if let Some(h) = hits.get_mut(i) {
                    *h = true;
                }
            }
        }
        TextHits(hits)
    }

    /// Whether text regex `id` is among `hits` (of the event's text).
    pub fn text_is_match(&self, id: RegexId, hits: &TextHits) -> bool {
        match self.slot(id, TEXT) {
            Some(s) => hits.0.get(s).copied().unwrap_or(false),
            None => self.unassigned_match(id, None),
        }
    }

    /// Whether value regex `id` matches `value`. An id outside the table matches nothing.
    pub fn is_match(&self, id: RegexId, value: &str) -> bool {
        match self.slot(id, VALUE) {
            Some(s) => self.matcher(VALUE).is_some_and(|m| m.is_match(s, value)),
            None => self.unassigned_match(id, Some(value)),
        }
    }

    fn slot(&self, id: RegexId, k: usize) -> Option<usize> {
        self.entries.get(id.0 as usize)?.slot[k].map(|s| s as usize)
    }

    /// A regex of no matcher: only a table never laid out for its rules ([`RegexTable::assign`])
    /// has one. The regex crate answers (a text regex has no text here: it does not match).
    fn unassigned_match(&self, id: RegexId, value: Option<&str>) -> bool {
        let (Some(p), Some(v)) = (self.pattern(id), value) else {
            return false;
        };
        regex::Regex::new(p).is_ok_and(|re| re.is_match(v))
    }
}

impl CompiledRule {
    /// The regexes the rule's conditions use, and how.
    pub fn regexes(&self) -> Vec<(RegexId, RegexUse)> {
        let mut out = Vec::new();
        let exceptions = self.exceptions.iter().filter_map(|e| e.when.as_ref());
        for c in std::iter::once(&self.when)
            .chain(self.unless.as_ref())
            .chain(exceptions)
        {
            for t in &c.event {
                match t {
                    EventTest::Text(id) => out.push((*id, RegexUse::Text)),
                    EventTest::Input(InputTest {
                        regex: Some(id), ..
                    }) => out.push((*id, RegexUse::Value)),
                    _ => {}
                }
            }
            for check in c.flag.iter().flat_map(|f| &f.checks) {
                if let FlagCheck::ArgsRegex(id) = check {
                    out.push((*id, RegexUse::Value));
                }
            }
        }
        out
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

    const PATTERNS: [&str; 9] = [
        r"(?i)project-codename-42",
        r"internal-marker-7\b",
        r"(?i)(password|passwd)\s*=",
        r"\bDROP\s+TABLE\b",
        r"^deploy (prod|staging)$",
        r"[0-9]{3}-[0-9]{2}",
        r"(?i)ignore (all )?previous",
        r"a*b",
        r"(?i)\bkestrel\b",
    ];
    const TEXTS: [&str; 12] = [
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
        "é kestrel é; ékestrelé",
        "the \u{212a}estrel",
    ];

    /// A table of `PATTERNS`, every one used as a text and as a value regex.
    fn table() -> (RegexTable, Vec<RegexId>) {
        let mut table = RegexTable::default();
        let ids: Vec<RegexId> = PATTERNS.iter().map(|p| table.add(p).unwrap()).collect();
        table.assign_uses(
            ids.iter()
                .flat_map(|&id| [(id, RegexUse::Text), (id, RegexUse::Value)]),
        );
        (table, ids)
    }

    /// Text and value answers agree with the regex crate, pattern by pattern.
    fn agrees(table: &RegexTable, ids: &[RegexId]) {
        static REGEXES: OnceLock<Vec<Option<regex::Regex>>> = OnceLock::new();
        let regexes =
            REGEXES.get_or_init(|| PATTERNS.iter().map(|p| regex::Regex::new(p).ok()).collect());
        for t in TEXTS {
            let hits = table.text_hits(t);
            for ((p, &id), re) in PATTERNS.iter().zip(ids).zip(regexes) {
                let want = re.as_ref().is_some_and(|re| re.is_match(t));
                assert_eq!(table.text_is_match(id, &hits), want, "text {p} on {t:?}");
                assert_eq!(table.is_match(id, t), want, "value {p} on {t:?}");
            }
        }
    }

    /// Compiled in the process (literals and the regex crate), or from artifacts with DFAs,
    /// in memory or in files: the same answers as the regex crate.
    #[test]
    fn every_way_of_matching_agrees_with_the_regex_crate() {
        let (mut table, ids) = table();
        assert_eq!(
            table.add(PATTERNS[0]).unwrap(),
            ids[0],
            "a pattern is stored once"
        );
        assert!(RegexTable::default().add("(").is_err());
        assert!(!table.is_match(RegexId(99), "x"));
        agrees(&table, &ids);

        let artifacts = table.artifacts();
        assert!(artifacts.iter().all(|a| a.is_some()));
        let mut built = table.clone();
        built.use_artifacts(&artifacts);
        agrees(&built, &ids);

        let dir = tempfile::tempdir().unwrap();
        let files = ["t.rx", "v.rx"].map(|n| dir.path().join(n));
        for (f, a) in files.iter().zip(&artifacts) {
            std::fs::write(f, a.as_ref().unwrap()).unwrap();
        }
        let bytes = postcard::to_allocvec(&table).unwrap();
        let mut read: RegexTable = postcard::from_bytes(&bytes).unwrap();
        read.load_from(files.clone());
        agrees(&read, &ids);
    }

    /// A pattern that parses but is too big to build matches nothing, as with the regex crate
    /// alone; the other patterns of its matcher still answer.
    #[test]
    fn a_pattern_too_big_to_build_matches_nothing() {
        let mut table = RegexTable::default();
        let big = table.add(r"\w{5000}").unwrap();
        let small = table.add("kestrel").unwrap();
        table.assign_uses([(big, RegexUse::Value), (small, RegexUse::Value)]);
        let artifacts = table.artifacts();
        assert!(artifacts[0].is_none());
        let mut built = table.clone();
        built.use_artifacts(&artifacts);
        let text = "kestrel ".repeat(1000);
        assert!(!built.is_match(big, &text));
        assert!(built.is_match(small, &text));
    }

    /// A missing or damaged artifact is built again and written back.
    #[test]
    fn a_missing_or_damaged_artifact_is_rebuilt() {
        let (table, ids) = table();
        let dir = tempfile::tempdir().unwrap();
        let files = ["t.rx", "v.rx"].map(|n| dir.path().join(n));
        std::fs::write(&files[1], b"damaged").unwrap();
        let mut read = table.clone();
        read.load_from(files.clone());
        agrees(&read, &ids);
        for f in &files {
            let m = Matcher::open(f).unwrap();
            assert_eq!(m.len(), PATTERNS.len());
        }
        // Artifacts of other patterns are not used for this table.
        let mut other = RegexTable::default();
        let id = other.add("kestrel").unwrap();
        other.assign_uses([(id, RegexUse::Text), (id, RegexUse::Value)]);
        let mut misled = other.clone();
        misled.load_from(files.clone());
        assert!(misled.is_match(id, "a kestrel"));
        assert!(misled.text_is_match(id, &misled.text_hits("a kestrel")));
    }

    /// Laying out the matchers for some rules keeps only their regexes.
    #[test]
    fn assign_keeps_the_regexes_the_rules_use() {
        let (mut table, ids) = table();
        table.assign_uses([(ids[3], RegexUse::Value), (ids[1], RegexUse::Text)]);
        assert_eq!(table.pattern(ids[0]), Some(""));
        assert!(table.is_match(ids[3], "DROP TABLE x"));
        assert!(table.text_is_match(ids[1], &table.text_hits("internal-marker-7")));
        assert!(!table.text_is_match(ids[3], &table.text_hits("DROP TABLE x")));
        let artifacts = table.artifacts();
        let lens: Vec<usize> = artifacts
            .iter()
            .map(|a| Matcher::from_bytes(a.as_ref().unwrap()).unwrap().len())
            .collect();
        assert_eq!(lens, [1, 1]);
    }
}
