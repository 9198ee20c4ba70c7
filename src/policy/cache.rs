//! The hook's compiled-policy cache: the effective policy, already parsed, merged and
//! compiled, stored as JSON per boundary, so a hook call reads one small file instead of
//! parsing every policy file (TOML parsing and compiling were most of a hook call's work).
//!
//! An entry is keyed by the content it was compiled from — a pinned session's layer set hash,
//! or a hash of the policy files' texts — and by the hookwarden binary (its size and mtime:
//! another build may compile differently or embed another default). So an entry is never
//! stale: a changed file is another key. Each entry holds only the rules that can match an
//! event of its boundary (plus every rule that reads environment variables, which the audit
//! record lists), so a pre-tool call does not even deserialize the output rules.
//!
//! Within an entry every rule is stored with the flag names it needs: a rule whose `when`
//! tests flags can only match when a flag of one of those names was raised, so when the
//! event's flags are known the other rules are skipped unparsed.
//!
//! Entries live in `<data dir>/compiled/`. A missing, unreadable or damaged entry is
//! compiled again and rewritten; a cache that cannot be written is no error.

use super::model::OneOrMany;
use super::{
    compile, layers_from_texts, read_layer_texts, CompiledPolicy, CompiledRule, Locations,
    PolicyError,
};
use crate::event::Boundary;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bumped when the entry format changes.
const FORMAT: &str = "compiled-v5";

/// An entry is three parts: a line with the policy without its rules; a line with the index
/// of the rules, one `[at, len, needs, programs, subcommands]` array per rule (what a flag
/// must carry for the rule to match, and where the rule's JSON lies in the rest of the
/// file); then the rules' JSON one after another. A call reads the index without building
/// it (see [`Index`]) and deserializes only the rules its event can meet; the others are not
/// even tokenized (the JSON of skipped rules, then the index's own strings, were most of a
/// pre-tool call's policy loading).
type IndexEntry<'a> = (
    usize,
    usize,
    Vec<&'a str>,
    Option<Vec<&'a str>>,
    Option<Vec<&'a str>>,
);

/// A flag the event raised, as the cache filters rules by it: its name and, for a command,
/// its program and subcommand.
#[derive(Debug, Clone, Copy)]
pub struct Raised<'a> {
    pub name: &'a str,
    pub program: Option<&'a str>,
    pub subcommand: Option<&'a str>,
}

/// The raised flags of an event, for [`get`].
pub fn raised(flags: &[crate::signals::Flag]) -> Vec<Raised<'_>> {
    flags
        .iter()
        .map(|f| Raised {
            name: f.name.as_str(),
            program: f.attrs.get("program").and_then(|v| v.as_str()),
            subcommand: super::eval::flag_subcommand(f),
        })
        .collect()
}

/// The globs of a rule's `program` or `subcommand` condition (see
/// `eval::Condition::flag_matches`), `@list` references expanded as evaluation expands them;
/// `None` when it tests neither, or when the expansion is empty (the rule is then kept and
/// left to evaluation).
fn globs<'a>(condition: Option<&'a OneOrMany>, policy: &'a CompiledPolicy) -> Option<Vec<&'a str>> {
    let out: Vec<&str> = condition?
        .as_slice()
        .iter()
        .flat_map(|g| super::eval::expand(g, policy))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// The flag names a rule needs raised to match (see `eval::select`), or none when it can
/// match without flags — or reads environment variables, which the audit record lists.
fn needs(r: &CompiledRule) -> Vec<&str> {
    let reads_env = !r.rule.when.env.is_empty()
        || r.rule.unless.as_ref().is_some_and(|u| !u.env.is_empty())
        || r.rule
            .activation
            .as_ref()
            .is_some_and(|a| !a.env.is_empty());
    if reads_env || !r.rule.when.has_flag_conditions() {
        return Vec::new();
    }
    r.rule.when.flag_names()
}

fn encode(policy: &CompiledPolicy) -> serde_json::Result<Vec<u8>> {
    let mut head = policy.clone();
    head.rules.clear();
    let mut body = Vec::new();
    let mut index: Vec<IndexEntry> = Vec::with_capacity(policy.rules.len());
    for rule in &policy.rules {
        let at = body.len();
        serde_json::to_writer(&mut body, rule)?;
        let when = &rule.rule.when;
        index.push((
            at,
            body.len() - at,
            needs(rule),
            globs(when.program.as_ref(), policy),
            globs(when.subcommand.as_ref(), policy),
        ));
    }
    // Compact JSON holds no raw newline, so each line ends where its JSON does.
    let mut out = serde_json::to_vec(&head)?;
    out.push(b'\n');
    serde_json::to_writer(&mut out, &index)?;
    out.push(b'\n');
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads an entry, keeping only the rules whose needs `flags` meet (all with `None`). A
/// damaged entry (bad JSON, a range outside the file) reads as none.
#[cfg(test)]
fn decode(bytes: &[u8], flags: Option<&[Raised]>) -> Option<CompiledPolicy> {
    read_entry(&mut std::io::Cursor::new(bytes), flags)
}

/// Reads an entry from `r` as [`decode`] does, reading only the header lines and the JSON of
/// the rules it keeps: every byte read lands in fresh memory the process pays a page fault
/// for, and most of an entry is rules an event cannot meet.
fn read_entry<R: Read + Seek>(r: &mut R, flags: Option<&[Raised]>) -> Option<CompiledPolicy> {
    const CHUNK: u64 = 8 * 1024;
    let mut buf = Vec::with_capacity(CHUNK as usize);
    let mut searched = 0;
    let mut newlines = [0usize; 2];
    let mut found = 0;
    while found < 2 {
        let n = r.by_ref().take(CHUNK).read_to_end(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        for (i, &b) in buf.iter().enumerate().skip(searched) {
            if b == b'\n' && found < 2 {
                newlines[found] = i;
                found += 1;
            }
        }
        searched = buf.len();
    }
    let [head_end, index_end] = newlines;
    let mut policy: CompiledPolicy = serde_json::from_slice(&buf[..head_end]).ok()?;
    // Flags are tracked as bits; an event with more flags than bits keeps every rule.
    let flags = flags.filter(|f| f.len() <= 64);
    let mut de = serde_json::Deserializer::from_slice(&buf[head_end + 1..index_end]);
    let ranges = Index { flags }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    let body = index_end + 1;
    // Rules close together are read in one go (ranges come in file order).
    let mut span = Vec::new();
    let mut i = 0;
    while i < ranges.len() {
        let start = ranges[i].0;
        let mut end = start.checked_add(ranges[i].1)?;
        let mut j = i + 1;
        while let Some(&(at, len)) = ranges.get(j) {
            if at < end || at - end > 4096 {
                break;
            }
            end = at.checked_add(len)?;
            j += 1;
        }
        let bytes = match buf.get(body + start..body + end) {
            Some(b) => b,
            None => {
                r.seek(SeekFrom::Start((body + start) as u64)).ok()?;
                span.clear();
                span.resize(end - start, 0);
                r.read_exact(&mut span).ok()?;
                &span[..]
            }
        };
        for &(at, len) in &ranges[i..j] {
            let json = bytes.get(at - start..at - start + len)?;
            policy.rules.push(serde_json::from_slice(json).ok()?);
        }
        i = j;
    }
    Some(policy)
}

/// Reads the index line straight from the JSON tokens, without building it: per rule, one
/// bit per raised flag for each condition, and the rule's byte range when one flag meets
/// them all. Mirrors `eval::select`: one flag must have a needed name and, when the rule
/// tests them, a program and a subcommand its globs match.
struct Index<'r, 'f> {
    /// `None`: keep every rule.
    flags: Option<&'r [Raised<'f>]>,
}

impl<'de> DeserializeSeed<'de> for Index<'_, '_> {
    type Value = Vec<(usize, usize)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Index<'_, '_> {
    type Value = Vec<(usize, usize)>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a rule index")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(range) = seq.next_element_seed(Entry { flags: self.flags })? {
            out.extend(range);
        }
        Ok(out)
    }
}

/// One index entry: its byte range if the rule is kept.
struct Entry<'r, 'f> {
    flags: Option<&'r [Raised<'f>]>,
}

impl<'de> DeserializeSeed<'de> for Entry<'_, '_> {
    type Value = Option<(usize, usize)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_, '_> {
    type Value = Option<(usize, usize)>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("[at, len, needs, programs, subcommands]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let flags = self.flags.unwrap_or(&[]);
        let mut field = |what: Test| {
            seq.next_element_seed(Bits { flags, what })?
                .ok_or_else(|| serde::de::Error::invalid_length(5, &self))
        };
        let [at, len] = [field(Test::Number)?, field(Test::Number)?];
        let [needs, programs, subcommands] = [
            field(Test::Name)?,
            field(Test::Program)?,
            field(Test::Subcommand)?,
        ];
        // The trailing element, if a later writer adds one, is not ours to read.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        let range = (at.unwrap_or(0) as usize, len.unwrap_or(0) as usize);
        let Some(needs) = needs else {
            return Ok(Some(range));
        };
        let all = u64::MAX;
        let met = needs & programs.unwrap_or(all) & subcommands.unwrap_or(all);
        Ok((self.flags.is_none() || met != 0).then_some(range))
    }
}

/// What an index element holds, and so what its strings are matched against.
#[derive(Clone, Copy)]
enum Test {
    Number,
    Name,
    Program,
    Subcommand,
}

/// One index element as bits: for a glob list, bit `i` set when raised flag `i` matches one
/// of the globs, `None` for null or an empty list (no condition); a number as itself.
struct Bits<'r, 'f> {
    flags: &'r [Raised<'f>],
    what: Test,
}

impl<'de> DeserializeSeed<'de> for Bits<'_, '_> {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.what {
            Test::Number => u64::deserialize(d).map(Some),
            _ => d.deserialize_option(self),
        }
    }
}

impl<'de> Visitor<'de> for Bits<'_, '_> {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of globs or null")
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bits = 0u64;
        let mut any = false;
        while let Some(b) = seq.next_element_seed(Glob {
            flags: self.flags,
            what: self.what,
        })? {
            bits |= b;
            any = true;
        }
        Ok(any.then_some(bits))
    }
}

/// One glob of an index list, as the bits of the raised flags it matches.
struct Glob<'r, 'f> {
    flags: &'r [Raised<'f>],
    what: Test,
}

impl<'de> DeserializeSeed<'de> for Glob<'_, '_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Glob<'_, '_> {
    type Value = u64;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a glob")
    }
    fn visit_str<E>(self, glob: &str) -> Result<Self::Value, E> {
        let mut bits = 0u64;
        for (i, f) in self.flags.iter().enumerate() {
            let value = match self.what {
                Test::Number => None,
                Test::Name => Some(f.name),
                Test::Program => f.program,
                Test::Subcommand => f.subcommand,
            };
            if value.is_some_and(|v| super::glob::matches(glob, v)) {
                bits |= 1 << i;
            }
        }
        Ok(bits)
    }
}

/// Identifies this binary: size and modification time of the executable. `None` (no cache)
/// when it cannot be read.
fn exe_id() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
        let mtime = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(format!(
            "{}-{}-{}.{}",
            env!("CARGO_PKG_VERSION"),
            meta.len(),
            mtime.as_secs(),
            mtime.subsec_nanos()
        ))
    })
    .as_deref()
}

fn dir() -> Option<PathBuf> {
    if std::env::var("HOOKWARDEN_POLICY_CACHE").as_deref() == Ok("off") {
        return None;
    }
    crate::dirs::data_dir().map(|d| d.join("compiled"))
}

fn boundary_name(b: Option<Boundary>) -> &'static str {
    match b {
        None => "all",
        Some(Boundary::Prompt) => "prompt",
        Some(Boundary::ToolRequest) => "tool_request",
        Some(Boundary::ToolOutput) => "tool_output",
        Some(Boundary::FinalResponse) => "final_response",
        Some(Boundary::Other) => "other",
    }
}

/// The entry file for content `key` (a hex hash) and a boundary.
fn entry_path(key: &str, boundary: Option<Boundary>) -> Option<PathBuf> {
    let exe = exe_id()?;
    let mut h = Sha256::new();
    for part in [FORMAT, exe, key] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let id: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    dir().map(|d| d.join(format!("{id}.{}.json", boundary_name(boundary))))
}

/// The cached policy for content `key` and a boundary, if there is a readable entry. With
/// `flags` (the names of the flags the event raised), rules that need other flags are left
/// out: they cannot match this event.
pub fn get(
    key: &str,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Option<CompiledPolicy> {
    let mut file = std::fs::File::open(entry_path(key, boundary)?).ok()?;
    read_entry(&mut file, flags)
}

/// Stores `policy` (compiled from content `key`) narrowed to `boundary`. Best effort.
pub fn put(key: &str, boundary: Option<Boundary>, policy: &CompiledPolicy) {
    let Some(path) = entry_path(key, boundary) else {
        return;
    };
    let narrowed = narrow(policy.clone(), boundary);
    if let Ok(json) = encode(&narrowed) {
        let _ = super::store::write_atomic(&path, &json);
    }
}

/// Keeps the rules that can match an event of `boundary` (all of them for `None`), and every
/// rule that reads environment variables: the audit record names those variables' values
/// whatever the boundary. Evaluation of an event of that boundary is unchanged: a rule of
/// another boundary never matches it.
pub fn narrow(mut policy: CompiledPolicy, boundary: Option<Boundary>) -> CompiledPolicy {
    if let Some(b) = boundary {
        policy.rules.retain(|r| {
            r.boundaries.is_empty()
                || r.boundaries.contains(&b)
                || !r.rule.when.env.is_empty()
                || r.rule.unless.as_ref().is_some_and(|u| !u.env.is_empty())
                || r.rule
                    .activation
                    .as_ref()
                    .is_some_and(|a| !a.env.is_empty())
        });
    }
    policy.tests.clear();
    policy
}

/// The effective policy from the policy files as they are now (no session pin), through the
/// cache: the files are read and hashed, never parsed when an entry exists.
pub fn load_current(
    loc: &Locations,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Result<CompiledPolicy, PolicyError> {
    let texts = read_layer_texts(loc)?;
    let mut h = Sha256::new();
    for (scope, origin, text) in &texts {
        for part in [scope.as_str(), origin.as_str(), text.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
    }
    let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if let Some(c) = get(&key, boundary, flags) {
        return Ok(c);
    }
    // Compiled from the very texts hashed, so the entry matches its key even if a file
    // changes meanwhile.
    let compiled = compile(&layers_from_texts(texts)?)?;
    put(&key, boundary, &compiled);
    Ok(narrow(compiled, boundary))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::policy::{default_layer, testing};

    fn default_policy() -> CompiledPolicy {
        compile(&[default_layer().unwrap()]).unwrap()
    }

    /// A policy that went through the cache decides every inline test of the default policy
    /// exactly as the freshly compiled one: same rules fired, same effect.
    #[test]
    fn cached_default_decides_like_the_compiled_one() {
        let fresh = default_policy();
        assert!(!fresh.tests.is_empty());
        for boundary in [
            None,
            Some(Boundary::Prompt),
            Some(Boundary::ToolRequest),
            Some(Boundary::ToolOutput),
            Some(Boundary::FinalResponse),
        ] {
            let json = encode(&narrow(fresh.clone(), boundary)).unwrap();
            let cached = decode(&json, None).unwrap();
            assert_eq!(cached.version, fresh.version);
            for (_, t) in &fresh.tests {
                let ev = testing::event_for(t);
                if boundary.is_some_and(|b| b != ev.boundary) {
                    continue;
                }
                // As the hook loads it: only the rules the event's flags can satisfy.
                let ctx = testing::context_for(&ev);
                let flags = crate::signals::run(&ev, &ctx);
                let for_event = decode(&json, Some(&raised(&flags))).unwrap();
                let a = testing::decide(&fresh, &ev);
                for policy in [&cached, &for_event] {
                    let b = testing::decide(policy, &ev);
                    assert_eq!(a.rule_ids, b.rule_ids, "test {:?} at {boundary:?}", t.name);
                    assert_eq!(a.effect, b.effect);
                }
            }
        }
    }

    #[test]
    fn narrowing_keeps_only_rules_of_the_boundary() {
        let fresh = default_policy();
        let pre = narrow(fresh.clone(), Some(Boundary::ToolRequest));
        assert!(pre.rules.len() < fresh.rules.len());
        assert!(pre.rules.iter().all(|r| r.boundaries.is_empty()
            || r.boundaries.contains(&Boundary::ToolRequest)
            || !r.rule.when.env.is_empty()));
        assert!(pre.tests.is_empty());
        // A plain `git status` raises no flag that the flag-testing rules need.
        let json = encode(&pre).unwrap();
        let exec = |program, subcommand| Raised {
            name: "shell.exec",
            program,
            subcommand,
        };
        let git = decode(&json, Some(&[exec(Some("git"), Some("push"))])).unwrap();
        let status = decode(&json, Some(&[exec(Some("git"), Some("status"))])).unwrap();
        let terraform = decode(&json, Some(&[exec(Some("terraform"), None)])).unwrap();
        let none = decode(&json, Some(&[])).unwrap();
        assert!(none.rules.len() < git.rules.len() && git.rules.len() < pre.rules.len());
        // No default rule tests `git status`: its git rules all name other subcommands.
        assert_eq!(status.rules.len(), none.rules.len());
        // Rules that test another program are left out; the program's own are kept.
        let ids = |p: &CompiledPolicy| -> Vec<String> {
            p.rules.iter().map(|r| r.rule.id.clone()).collect()
        };
        assert!(
            ids(&git).iter().any(|id| id.starts_with("git.")),
            "{:?}",
            ids(&git)
        );
        assert!(
            !ids(&terraform).iter().any(|id| id.starts_with("git.")),
            "{:?}",
            ids(&terraform)
        );
        assert!(
            ids(&git).contains(&"git.force-push".to_string()),
            "{:?}",
            ids(&git)
        );
        assert!(!ids(&git).contains(&"git.reset-hard".to_string()));
        assert!(decode(b"{\"policy\": 1}", None).is_none());
        assert!(decode(b"{}\n[[0, 9, [], null]]\n{}", None).is_none());
        // More flags than the index has bits for: every rule is kept.
        let many = vec![exec(Some("git"), Some("status")); 65];
        assert_eq!(
            decode(&json, Some(&many)).unwrap().rules.len(),
            pre.rules.len()
        );
    }

    /// Program and subcommand globs and `@list` references filter as evaluation matches; a
    /// list that does not exist keeps the rule (left to evaluation, which never matches it).
    #[test]
    fn program_filter_follows_lists_and_globs() {
        let text = r#"
[policy]
name = "t"
version = "1.0.0"

[lists]
deployers = ["kubectl", "helm*"]

[[rule]]
id = "t.deploy"
boundary = "tool_request"
effect = "ask"
when = { program = "@deployers" }

[[rule]]
id = "t.unknown-list"
boundary = "tool_request"
effect = "ask"
when = { program = "@nope" }

[[rule]]
id = "t.helm-install"
boundary = "tool_request"
effect = "ask"
when = { program = "helm", subcommand = ["install", "up*"] }
"#;
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::Project, "t.toml", text.to_string())
                .unwrap();
        let json = encode(&compile(&[layer]).unwrap()).unwrap();
        let ids = |program: &str, subcommand: Option<&str>| -> Vec<String> {
            let raised = [Raised {
                name: "shell.exec",
                program: Some(program),
                subcommand,
            }];
            let p = decode(&json, Some(&raised)).unwrap();
            p.rules.iter().map(|r| r.rule.id.clone()).collect()
        };
        assert_eq!(ids("kubectl", None), ["t.deploy", "t.unknown-list"]);
        assert_eq!(ids("helmfile", None), ["t.deploy", "t.unknown-list"]);
        assert_eq!(ids("ls", None), ["t.unknown-list"]);
        assert_eq!(
            ids("helm", Some("upgrade")),
            ["t.deploy", "t.unknown-list", "t.helm-install"]
        );
        assert_eq!(ids("helm", Some("list")), ["t.deploy", "t.unknown-list"]);
        assert_eq!(ids("helm", None), ["t.deploy", "t.unknown-list"]);
    }
}
