//! The policy's regexes, compiled when the policy is compiled and matched in the hook.
//!
//! A policy's `text_regex`, `args_regex` and input `regex` tests are patterns of the `regex`
//! crate. Compiling one costs 0.2-0.7 ms (Unicode classes and case folding make big
//! automata), and a hook call is a fresh process: a policy with 150 such patterns spent
//! 20-40 ms per prompt or tool output compiling them. This module moves that work to policy
//! compile time and leaves the hook call a file read and a pass over the text:
//!
//! - [`RegexTable::build`] (policy compile time, tens of ms) checks every pattern with the
//!   `regex` crate, extracts from its HIR a set of required literals one of which every match
//!   contains (inner and suffix literals too, see [`literals`]), and builds a small fully
//!   compiled DFA per pattern with `regex-automata`. [`RegexTable::to_bytes`] is the artifact
//!   the compiled-policy cache stores.
//! - [`Matcher::from_bytes`] / [`Matcher::open`] (hook time) read the artifact's index; a
//!   DFA is read and validated (`from_bytes`, no unsafe) only when a text needs it.
//! - [`Matcher::matches`] answers which patterns match a text: one pass finds the required
//!   literals present (a [`crate::keywords::DynTable`] of the artifact's literals: the
//!   signals' keyword search, set up in microseconds), then only the patterns whose literal
//!   occurs run their DFA; patterns without a literal run in combined DFAs, searched once for
//!   any match and, only if there is one, again for which. [`Matcher::is_match`] tests one
//!   pattern (a command line, an input field).
//!
//! The answer is the `regex` crate's `is_match`, pattern by pattern, whatever the text. What
//! a DFA cannot decide falls back to a `regex::Regex` compiled in the process for that one
//! pattern: a Unicode word boundary (`\b`) on a text with non-ASCII bytes (fully compiled
//! DFAs only know ASCII word boundaries), a DFA built over ASCII only (Unicode `\w` or `\d`
//! make a pattern's full DFA hundreds of KB, so such a DFA stops at the first non-ASCII
//! byte), or a pattern whose DFA would be too big or which can match the empty string.
//! [`BuildReport`] counts each kind. A pattern with a Unicode word boundary also keeps a DFA
//! of itself without its word boundaries (the relaxed DFA): every match of the pattern ends
//! where a match of the relaxed one ends, so on a non-ASCII text the relaxed DFA lists the
//! candidate ends in one pass and, when the pattern's matches are bounded in length, the
//! regex crate checks only a window before each (with the whole text as context for `\b`).
//!
//! One combined DFA for all patterns is not built: unanchored patterns like
//! `[a-z0-9-]+\.x\.corp` or `\w+` multiply each other's states (10 such patterns made a 2 MB
//! DFA, 150 made 27 MB in 18 s). Patterns with no usable literal are the exception: they
//! must run on every text, so they are grouped into combined DFAs as long as each stays small.

pub mod literals;

use crate::keywords::DynTable;
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::meta;
use regex_automata::{Input, MatchKind, PatternSet};
use regex_syntax::hir::{Hir, HirKind};
use std::fs::File;
use std::path::Path;
use std::sync::OnceLock;

/// First bytes of an artifact; the last byte is its format version.
const MAGIC: &[u8; 8] = b"HWREGEX\x02";
/// A per-pattern DFA kept only under this size; over it the pattern uses the ASCII-only DFA.
const FULL_DFA_LIMIT: usize = 48 << 10;
/// Over this size even the ASCII-only DFA is not kept (the `regex` crate answers).
const ASCII_DFA_LIMIT: usize = 256 << 10;
/// A relaxed DFA (see [`relaxed_dfa`]) is kept under this size: it is what spares a pattern
/// with a Unicode word boundary the regex crate on a non-ASCII text, and with a Unicode class
/// (`\d`, `\w`) it is often ten times its pattern's full DFA, which stops at non-ASCII bytes.
const RELAXED_DFA_LIMIT: usize = 128 << 10;
/// A combined DFA for patterns without literals is kept under this size.
const GROUP_DFA_LIMIT: usize = 256 << 10;

/// A pattern that the `regex` crate rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regex {index} ({pattern:?}) does not compile: {message}")]
pub struct PatternError {
    pub index: usize,
    pub pattern: String,
    pub message: String,
}

/// An artifact that cannot be read: it is compiled again from the patterns.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a regex artifact of this version")]
    Format,
    #[error("regex artifact unreadable: {0}")]
    Io(#[from] std::io::Error),
}

/// How the hook answers [`Matcher::matches`]; [`Strategy::Tiered`] is the default, the others
/// exist to compare against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Required literals select the patterns; their DFAs (or the regex crate) answer.
    #[default]
    Tiered,
    /// Every pattern runs its DFA (or the regex crate): no literal search.
    Dfas,
    /// Required literals select the patterns; the regex crate answers.
    LiteralsThenRegex,
    /// Every pattern compiled with the regex crate in the process.
    Regexes,
}

/// How each pattern of a table is answered, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildReport {
    pub patterns: usize,
    /// Patterns with a full DFA (it may still stop at a non-ASCII byte for a Unicode `\b`).
    pub full_dfa: usize,
    /// Patterns with a DFA over ASCII only (non-ASCII texts go to the regex crate).
    pub ascii_dfa: usize,
    /// Patterns the regex crate always answers (DFA too big, or an empty match possible).
    pub regex_only: usize,
    /// Patterns without a usable required literal: they run on every text.
    pub without_literal: usize,
    /// Patterns given more than once (compiled once).
    pub duplicates: usize,
    /// Combined DFAs over patterns without literals.
    pub groups: usize,
    /// Patterns with a Unicode word boundary that also have a DFA of the pattern without its
    /// word boundaries: on a non-ASCII text it rules out most texts before the regex crate.
    pub relaxed_dfa: usize,
    /// Distinct required literals the hook searches.
    pub literals: usize,
    pub dfa_bytes: usize,
    pub artifact_bytes: usize,
}

/// What a DFA in the artifact covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DfaKind {
    None = 0,
    Full = 1,
    Ascii = 2,
}

/// One pattern as the artifact describes it.
#[derive(Debug, Clone)]
struct Entry {
    pattern: String,
    kind: DfaKind,
    /// Index into the DFA sections.
    dfa: u32,
    /// Indices into the literal list; empty: the pattern runs on every text.
    literals: Vec<u32>,
    /// The DFA section of the pattern without its Unicode word boundaries, if any.
    relaxed: Option<u32>,
    /// The longest match in bytes, when the pattern bounds it.
    max_len: Option<u32>,
}

/// A combined DFA over patterns that run on every text.
#[derive(Debug, Clone)]
struct Group {
    dfa: u32,
    members: Vec<u32>,
}

/// The compiled table, as built at policy compile time.
#[derive(Debug, Clone, Default)]
pub struct RegexTable {
    entries: Vec<Entry>,
    literals: Vec<Vec<u8>>,
    groups: Vec<Group>,
    /// Serialized DFAs (little-endian), each aligned to 8 bytes within the body.
    dfas: Vec<Vec<u8>>,
    report: BuildReport,
}

fn dfa_config() -> dense::Config {
    dense::DFA::config()
        .start_kind(StartKind::Unanchored)
        .unicode_word_boundary(true)
}

fn build_dfa(patterns: &[&str], config: dense::Config, limit: usize) -> Option<Vec<u8>> {
    let dfa = dense::Builder::new()
        .configure(
            config
                .dfa_size_limit(Some(limit))
                .determinize_size_limit(Some(4 * limit)),
        )
        .build_many(patterns)
        .ok()?;
    let (bytes, pad) = dfa.to_bytes_little_endian();
    let body = bytes.get(pad..)?.to_vec();
    (body.len() <= limit).then_some(body)
}

/// `hir` with its Unicode word boundary assertions removed: it matches every text `hir`
/// matches (and more).
fn relax(hir: &Hir, depth: usize) -> Option<Hir> {
    use regex_syntax::hir::{Capture, Look, Repetition};
    if depth > 300 {
        return None;
    }
    Some(match hir.kind() {
        HirKind::Look(
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode,
        ) => Hir::empty(),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(relax(&c.sub, depth + 1)?),
        }),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(relax(&r.sub, depth + 1)?),
        }),
        HirKind::Concat(subs) => Hir::concat(
            subs.iter()
                .map(|s| relax(s, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        HirKind::Alternation(subs) => Hir::alternation(
            subs.iter()
                .map(|s| relax(s, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
    })
}

/// A full DFA of `hir` without its Unicode word boundaries, if it is small. It reports every
/// match (`MatchKind::All`): a leftmost-first DFA stops looking after its first match, and
/// [`Matcher::in_windows`] needs every end.
fn relaxed_dfa(hir: &Hir) -> Option<Vec<u8>> {
    let relaxed = relax(hir, 0)?;
    if relaxed.properties().minimum_len().unwrap_or(0) == 0 {
        return None;
    }
    let nfa = regex_automata::nfa::thompson::Compiler::new()
        .build_from_hir(&relaxed)
        .ok()?;
    let dfa = dense::Builder::new()
        .configure(
            dfa_config()
                .match_kind(MatchKind::All)
                .dfa_size_limit(Some(RELAXED_DFA_LIMIT))
                .determinize_size_limit(Some(4 * RELAXED_DFA_LIMIT)),
        )
        .build_from_nfa(&nfa)
        .ok()?;
    let (bytes, pad) = dfa.to_bytes_little_endian();
    let body = bytes.get(pad..)?.to_vec();
    (body.len() <= RELAXED_DFA_LIMIT).then_some(body)
}

fn ascii_only(config: dense::Config) -> dense::Config {
    (0x80..=0xffu8).fold(config, |c, b| c.quit(b, true))
}

impl RegexTable {
    /// Compiles `patterns`; index `i` of the table is `patterns[i]`. A pattern given twice is
    /// compiled once.
    pub fn build<S: AsRef<str>>(patterns: &[S]) -> Result<RegexTable, PatternError> {
        Self::build_with(patterns, true)
    }

    /// A table without DFAs, for a policy matched in the process that compiled it (a check,
    /// a replay, a test): the required literals still select the patterns, the regex crate
    /// answers for each one a text needs. Building it parses the patterns, nothing more; a
    /// pattern the regex crate rejects matches nothing.
    pub fn literals_only<S: AsRef<str>>(patterns: &[S]) -> RegexTable {
        // Without DFAs no pattern is checked, so none is rejected.
        Self::build_with(patterns, false).unwrap_or_default()
    }

    fn build_with<S: AsRef<str>>(patterns: &[S], dfas: bool) -> Result<RegexTable, PatternError> {
        let mut table = RegexTable::default();
        let mut lonely: Vec<usize> = Vec::new();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, p) in patterns.iter().enumerate() {
            let p = p.as_ref();
            if let Some(&first) = seen.get(p) {
                if let Some(e) = table.entries.get(first).cloned() {
                    table.report.duplicates += 1;
                    table.entries.push(e);
                    continue;
                }
            }
            seen.insert(p, index);
            if dfas {
                regex::Regex::new(p).map_err(|e| PatternError {
                    index,
                    pattern: p.to_string(),
                    message: e.to_string(),
                })?;
            }
            let hir = regex_syntax::ParserBuilder::new().build().parse(p).ok();
            let empty = hir
                .as_ref()
                .is_none_or(|h| h.properties().minimum_len().unwrap_or(0) == 0);
            let required = hir.as_ref().and_then(literals::required);
            let mut entry = Entry {
                pattern: p.to_string(),
                kind: DfaKind::None,
                dfa: 0,
                literals: Vec::new(),
                relaxed: None,
                max_len: hir
                    .as_ref()
                    .and_then(|h| h.properties().maximum_len())
                    .and_then(|n| u32::try_from(n).ok()),
            };
            if dfas && !empty {
                let full = build_dfa(&[p], dfa_config(), FULL_DFA_LIMIT);
                let (kind, bytes) = match full {
                    Some(b) => (DfaKind::Full, Some(b)),
                    None => (
                        DfaKind::Ascii,
                        build_dfa(&[p], ascii_only(dfa_config()), ASCII_DFA_LIMIT),
                    ),
                };
                if let Some(b) = bytes {
                    entry.kind = kind;
                    entry.dfa = table.dfas.len() as u32;
                    table.report.dfa_bytes += b.len();
                    table.dfas.push(b);
                }
            }
            let unicode_word = hir
                .as_ref()
                .is_some_and(|h| h.properties().look_set().contains_word_unicode());
            if dfas && !empty && unicode_word {
                if let Some(b) = hir.as_ref().and_then(relaxed_dfa) {
                    entry.relaxed = Some(table.dfas.len() as u32);
                    table.report.relaxed_dfa += 1;
                    table.report.dfa_bytes += b.len();
                    table.dfas.push(b);
                }
            }
            match entry.kind {
                DfaKind::Full => table.report.full_dfa += 1,
                DfaKind::Ascii => table.report.ascii_dfa += 1,
                DfaKind::None => table.report.regex_only += 1,
            }
            match required {
                Some(set) => {
                    for lit in set {
                        let id = match table.literals.iter().position(|l| *l == lit) {
                            Some(i) => i,
                            None => {
                                table.literals.push(lit);
                                table.literals.len() - 1
                            }
                        };
                        entry.literals.push(id as u32);
                    }
                }
                None => {
                    table.report.without_literal += 1;
                    if entry.kind != DfaKind::None {
                        lonely.push(index);
                    }
                }
            }
            table.entries.push(entry);
        }
        table.group(&lonely);
        table.report.patterns = table.entries.len();
        table.report.literals = table.literals.len();
        table.report.groups = table.groups.len();
        table.report.artifact_bytes = table.to_bytes().len();
        Ok(table)
    }

    /// Groups patterns without literals into combined DFAs (over ASCII: non-ASCII texts fall
    /// back to each member's own DFA), halving a group whose DFA would be too big.
    fn group(&mut self, members: &[usize]) {
        if members.len() < 2 {
            return;
        }
        let pats: Vec<&str> = members
            .iter()
            .filter_map(|&i| self.entries.get(i).map(|e| e.pattern.as_str()))
            .collect();
        let config = ascii_only(dfa_config()).match_kind(MatchKind::All);
        match build_dfa(&pats, config, GROUP_DFA_LIMIT) {
            Some(b) => {
                self.report.dfa_bytes += b.len();
                self.groups.push(Group {
                    dfa: self.dfas.len() as u32,
                    members: members.iter().map(|&i| i as u32).collect(),
                });
                self.dfas.push(b);
            }
            None => {
                let (a, b) = members.split_at(members.len() / 2);
                self.group(a);
                self.group(b);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn report(&self) -> BuildReport {
        self.report
    }

    /// The artifact: an index (patterns, literals, groups, DFA offsets) then the DFAs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(MAGIC);
        put(&mut h, 0); // index length, set below
        put(&mut h, self.literals.len() as u32);
        for l in &self.literals {
            put_bytes(&mut h, l);
        }
        put(&mut h, self.entries.len() as u32);
        for e in &self.entries {
            put_bytes(&mut h, e.pattern.as_bytes());
            put(&mut h, e.kind as u32);
            put(&mut h, e.dfa);
            put(&mut h, e.relaxed.unwrap_or(u32::MAX));
            put(&mut h, e.max_len.unwrap_or(u32::MAX));
            put(&mut h, e.literals.len() as u32);
            for &l in &e.literals {
                put(&mut h, l);
            }
        }
        put(&mut h, self.groups.len() as u32);
        for g in &self.groups {
            put(&mut h, g.dfa);
            put(&mut h, g.members.len() as u32);
            for &m in &g.members {
                put(&mut h, m);
            }
        }
        put(&mut h, self.dfas.len() as u32);
        let mut at = 0usize;
        for d in &self.dfas {
            put(&mut h, at as u32);
            put(&mut h, d.len() as u32);
            at += d.len().next_multiple_of(8);
        }
        h.resize(h.len().next_multiple_of(8), 0);
        let index_len = h.len() as u32;
        h[8..12].copy_from_slice(&index_len.to_le_bytes());
        for d in &self.dfas {
            h.extend_from_slice(d);
            h.resize(h.len().next_multiple_of(8), 0);
        }
        h
    }
}

fn put(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// Reads the artifact's index; every read is checked.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u32(&mut self) -> Result<u32, LoadError> {
        let b = self
            .buf
            .get(self.at..self.at + 4)
            .ok_or(LoadError::Format)?;
        self.at += 4;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn bytes(&mut self) -> Result<&[u8], LoadError> {
        let n = self.u32()? as usize;
        let b = self
            .buf
            .get(self.at..self.at + n)
            .ok_or(LoadError::Format)?;
        self.at += n;
        Ok(b)
    }

    fn u32s(&mut self) -> Result<Vec<u32>, LoadError> {
        let n = self.u32()? as usize;
        (0..n.min(self.buf.len() / 4)).map(|_| self.u32()).collect()
    }
}

/// Where the DFAs' bytes are: the whole artifact in memory, or a file read at need.
enum Body {
    Memory(Vec<u8>),
    File(File),
}

/// A literal as the scan holds it.
struct Literal {
    /// The patterns this literal lets through.
    patterns: Vec<u32>,
}

type Dfa = dense::DFA<Vec<u32>>;

/// The hook's side: answers for a table loaded from its artifact.
pub struct Matcher {
    entries: Vec<Entry>,
    literals: Vec<Literal>,
    /// The literals' search, case ignored; its indices are `literals`'.
    search: DynTable,
    groups: Vec<Group>,
    /// DFA sections: offset (after the index) and length.
    sections: Vec<(u32, u32)>,
    index_len: usize,
    body: Body,
    dfas: Vec<OnceLock<Option<Dfa>>>,
    regexes: Vec<OnceLock<Option<meta::Regex>>>,
    strategy: Strategy,
}

/// A copy of `bytes` starting at an 8-byte aligned address (a dense DFA's transition table
/// is read as `u32`s in place), and where it starts.
fn aligned(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut v = vec![0u8; bytes.len() + 7];
    let at = v.as_ptr().align_offset(8).min(7);
    v[at..at + bytes.len()].copy_from_slice(bytes);
    (v, at)
}

impl Matcher {
    /// Loads an artifact held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Matcher, LoadError> {
        let (index_len, m) = Self::index(bytes)?;
        let body = bytes.get(index_len..).ok_or(LoadError::Format)?.to_vec();
        m(Body::Memory(body))
    }

    /// Loads an artifact from a file: reads its index now and each DFA when first needed.
    pub fn open(path: &Path) -> Result<Matcher, LoadError> {
        use std::io::Read;
        let mut file = File::open(path)?;
        let mut head = [0u8; 12];
        file.read_exact(&mut head)?;
        if &head[..8] != MAGIC {
            return Err(LoadError::Format);
        }
        let index_len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
        let mut index = vec![0u8; index_len];
        index[..12].copy_from_slice(&head);
        file.read_exact(index.get_mut(12..).ok_or(LoadError::Format)?)?;
        let (_, m) = Self::index(&index)?;
        m(Body::File(file))
    }

    /// Parses the index; returns its length and a constructor taking the body.
    #[allow(clippy::type_complexity)]
    fn index(
        bytes: &[u8],
    ) -> Result<
        (
            usize,
            Box<dyn FnOnce(Body) -> Result<Matcher, LoadError> + '_>,
        ),
        LoadError,
    > {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(LoadError::Format);
        }
        let mut r = Reader { buf: bytes, at: 8 };
        let index_len = r.u32()? as usize;
        r.buf = bytes.get(..index_len).ok_or(LoadError::Format)?;
        let n_lit = r.u32()? as usize;
        let mut literals = Vec::with_capacity(n_lit.min(bytes.len()));
        let mut words = Vec::with_capacity(n_lit.min(bytes.len()));
        for _ in 0..n_lit {
            words.push((r.bytes()?.to_vec(), true));
            literals.push(Literal {
                patterns: Vec::new(),
            });
        }
        let n = r.u32()? as usize;
        let mut entries = Vec::with_capacity(n.min(bytes.len()));
        for i in 0..n {
            let pattern = String::from_utf8(r.bytes()?.to_vec()).map_err(|_| LoadError::Format)?;
            let kind = match r.u32()? {
                0 => DfaKind::None,
                1 => DfaKind::Full,
                2 => DfaKind::Ascii,
                _ => return Err(LoadError::Format),
            };
            let dfa = r.u32()?;
            let relaxed = Some(r.u32()?).filter(|&d| d != u32::MAX);
            let max_len = Some(r.u32()?).filter(|&d| d != u32::MAX);
            let lits = r.u32s()?;
            for &l in &lits {
                literals
                    .get_mut(l as usize)
                    .ok_or(LoadError::Format)?
                    .patterns
                    .push(i as u32);
            }
            entries.push(Entry {
                pattern,
                kind,
                dfa,
                literals: lits,
                relaxed,
                max_len,
            });
        }
        let n_groups = r.u32()? as usize;
        let mut groups = Vec::with_capacity(n_groups.min(bytes.len()));
        for _ in 0..n_groups {
            let dfa = r.u32()?;
            let members = r.u32s()?;
            groups.push(Group { dfa, members });
        }
        let n_dfa = r.u32()? as usize;
        let mut sections = Vec::with_capacity(n_dfa.min(bytes.len()));
        for _ in 0..n_dfa {
            sections.push((r.u32()?, r.u32()?));
        }
        let search = DynTable::new(words);
        let count = entries.len();
        Ok((
            index_len,
            Box::new(move |body| {
                Ok(Matcher {
                    entries,
                    literals,
                    search,
                    groups,
                    dfas: (0..sections.len()).map(|_| OnceLock::new()).collect(),
                    sections,
                    index_len,
                    body,
                    regexes: (0..count).map(|_| OnceLock::new()).collect(),
                    strategy: Strategy::Tiered,
                })
            }),
        ))
    }

    /// The same matcher answering with another strategy (for comparisons).
    pub fn with_strategy(mut self, strategy: Strategy) -> Matcher {
        self.strategy = strategy;
        self
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pattern at `index`.
    pub fn pattern(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(|e| e.pattern.as_str())
    }

    fn dfa(&self, section: u32) -> Option<&Dfa> {
        self.dfas
            .get(section as usize)?
            .get_or_init(|| {
                let &(at, len) = self.sections.get(section as usize)?;
                let (at, len) = (at as usize, len as usize);
                let (buf, start) = match &self.body {
                    Body::Memory(b) => aligned(b.get(at..at + len)?),
                    Body::File(f) => {
                        use std::os::unix::fs::FileExt;
                        let mut buf = vec![0u8; len + 7];
                        let start = buf.as_ptr().align_offset(8).min(7);
                        f.read_exact_at(
                            buf.get_mut(start..start + len)?,
                            (self.index_len + at) as u64,
                        )
                        .ok()?;
                        (buf, start)
                    }
                };
                let (dfa, _) = dense::DFA::from_bytes(buf.get(start..start + len)?).ok()?;
                Some(dfa.to_owned())
            })
            .as_ref()
    }

    /// The pattern compiled by the regex crate's engine (what `regex::Regex` wraps), which
    /// can search part of a text with the rest as context.
    fn regex(&self, index: usize) -> Option<&meta::Regex> {
        self.regexes
            .get(index)?
            .get_or_init(|| meta::Regex::new(&self.entries.get(index)?.pattern).ok())
            .as_ref()
    }

    /// Whether pattern `index` matches `text`, as `regex::Regex::is_match` says.
    pub fn is_match(&self, index: usize, text: &str) -> bool {
        let Some(e) = self.entries.get(index) else {
            return false;
        };
        let use_dfa = !matches!(
            self.strategy,
            Strategy::Regexes | Strategy::LiteralsThenRegex
        );
        if use_dfa && e.kind != DfaKind::None {
            if let Some(dfa) = self.dfa(e.dfa) {
                if let Ok(m) = dfa.try_search_fwd(&Input::new(text).earliest(true)) {
                    return m.is_some();
                }
            }
        }
        // Every match is a match of the pattern without its word boundaries, and ends where
        // one of those ends.
        if use_dfa {
            if let Some(dfa) = e.relaxed.and_then(|d| self.dfa(d)) {
                let answer = match e.max_len {
                    Some(max) => self.in_windows(index, dfa, text, max as usize),
                    None => dfa
                        .try_search_fwd(&Input::new(text).earliest(true))
                        .ok()
                        .and_then(|m| m.is_none().then_some(false)),
                };
                if let Some(answer) = answer {
                    return answer;
                }
            }
        }
        self.regex(index).is_some_and(|re| re.is_match(text))
    }

    /// Whether pattern `index`, whose matches are at most `max` bytes long, matches `text`,
    /// looking only before the ends of the matches of its relaxed DFA: `max` bytes before
    /// each (overlapping windows merged), in text order, stopping at the first window that
    /// holds a match. A window is asked of the pattern's own DFA (exact there, with the text
    /// around as context, unless non-ASCII bytes are near) and else of the regex crate.
    /// `None` when the relaxed DFA gives up.
    fn in_windows(&self, index: usize, relaxed: &Dfa, text: &str, max: usize) -> Option<bool> {
        let e = self.entries.get(index)?;
        let full = (e.kind != DfaKind::None).then(|| self.dfa(e.dfa)).flatten();
        let window_matches = |w: std::ops::Range<usize>| {
            let input = Input::new(text).range(w).earliest(true);
            if let Some(Ok(m)) = full.map(|d| d.try_search_fwd(&input)) {
                return m.is_some();
            }
            self.regex(index).is_some_and(|re| re.is_match(input))
        };
        let haystack = Input::new(text);
        let mut state = regex_automata::dfa::OverlappingState::start();
        let mut window: Option<std::ops::Range<usize>> = None;
        loop {
            relaxed
                .try_search_overlapping_fwd(&haystack, &mut state)
                .ok()?;
            let end = state.get_match().map(|m| m.offset());
            if let (Some(end), Some(w)) = (end, window.as_mut()) {
                if end.saturating_sub(max) <= w.end {
                    w.end = end;
                    continue;
                }
            }
            if let Some(w) = window.take() {
                if window_matches(w) {
                    return Some(true);
                }
            }
            match end {
                None => return Some(false),
                Some(end) => window = Some(end.saturating_sub(max)..end),
            }
        }
    }

    /// The indices of the patterns that match `text`, ascending.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        let n = self.entries.len();
        let prefilter = matches!(
            self.strategy,
            Strategy::Tiered | Strategy::LiteralsThenRegex
        );
        let mut candidate = vec![!prefilter; n];
        let mut decided = vec![false; n];
        let mut hit = vec![false; n];
        if prefilter {
            let present = self.search.present(text.as_bytes());
            for (l, lit) in self.literals.iter().enumerate() {
                if present[l] {
                    for &p in &lit.patterns {
                        candidate[p as usize] = true;
                    }
                }
            }
            for (i, e) in self.entries.iter().enumerate() {
                if e.literals.is_empty() {
                    candidate[i] = true;
                }
            }
            if self.strategy == Strategy::Tiered {
                for g in &self.groups {
                    let Some(dfa) = self.dfa(g.dfa) else { continue };
                    let mut set = PatternSet::new(dfa.pattern_len());
                    // Most texts hold no member: a plain search, which runs several times
                    // faster than one listing every match, says so; only a text it finds
                    // something in is searched again for which members match.
                    let any = dfa.try_search_fwd(&Input::new(text).earliest(true));
                    let listed = match any {
                        Ok(None) => true,
                        Ok(Some(_)) => dfa
                            .try_which_overlapping_matches(&Input::new(text), &mut set)
                            .is_ok(),
                        Err(_) => false,
                    };
                    if listed {
                        for &m in &g.members {
                            if let Some(d) = decided.get_mut(m as usize) {
                                *d = true;
                            }
                        }
                        for pid in set.iter() {
                            if let Some(&m) = g.members.get(pid.as_usize()) {
                                if let Some(h) = hit.get_mut(m as usize) {
                                    *h = true;
                                }
                            }
                        }
                    }
                }
            }
        }
        (0..n)
            .filter(|&i| {
                candidate[i]
                    && if decided[i] {
                        hit[i]
                    } else {
                        self.is_match(i, text)
                    }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
