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

use super::{
    compile, layers_from_texts, read_layer_texts, CompiledPolicy, CompiledRule, Locations,
    PolicyError,
};
use crate::event::Boundary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bumped when the entry format changes.
const FORMAT: &str = "compiled-v4";

/// An entry is one header line — the policy without its rules, and an index of the rules:
/// what each needs and where its JSON lies in the rest of the file — then the rules' JSON one
/// after another. A call deserializes the header and only the rules its event can meet; the
/// others are not even tokenized (the JSON of skipped rules was most of a pre-tool call's
/// policy loading).
#[derive(Serialize, Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    policy: Cow<'a, CompiledPolicy>,
    #[serde(borrow)]
    rules: Vec<IndexEntry<'a>>,
}

/// Borrowed from the entry's bytes where the JSON allows it: the index is read on every call.
#[derive(Serialize, Deserialize)]
struct IndexEntry<'a> {
    /// Flag name patterns of which one must be raised; empty: the rule may match anyway.
    #[serde(borrow)]
    needs: Vec<Cow<'a, str>>,
    /// The rule's `program` globs (lists expanded): the flag that meets `needs` must also
    /// carry a program one of them matches. Absent when the rule tests no program.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    programs: Option<Vec<Cow<'a, str>>>,
    /// Byte range of the rule's JSON after the header line.
    at: usize,
    len: usize,
}

/// A flag the event raised, as the cache filters rules by it: its name and, for a command,
/// its program.
#[derive(Debug, Clone, Copy)]
pub struct Raised<'a> {
    pub name: &'a str,
    pub program: Option<&'a str>,
}

/// The raised flags of an event, for [`get`].
pub fn raised(flags: &[crate::signals::Flag]) -> Vec<Raised<'_>> {
    flags
        .iter()
        .map(|f| Raised {
            name: f.name.as_str(),
            program: f.attrs.get("program").and_then(|v| v.as_str()),
        })
        .collect()
}

/// The program globs a rule's flag must match (see `eval::Condition::flag_matches`), `@list`
/// references expanded as evaluation expands them; `None` when it tests no program, or when
/// the expansion is empty (the rule is then kept and left to evaluation).
fn programs<'a>(r: &'a CompiledRule, policy: &'a CompiledPolicy) -> Option<Vec<&'a str>> {
    let p = r.rule.when.program.as_ref()?;
    let out: Vec<&str> = p
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
    let mut index = Vec::with_capacity(policy.rules.len());
    for rule in &policy.rules {
        let at = body.len();
        serde_json::to_writer(&mut body, rule)?;
        index.push(IndexEntry {
            needs: needs(rule).into_iter().map(Cow::Borrowed).collect(),
            programs: programs(rule, policy).map(|p| p.into_iter().map(Cow::Borrowed).collect()),
            at,
            len: body.len() - at,
        });
    }
    // Compact JSON holds no raw newline, so the first one ends the header.
    let mut out = serde_json::to_vec(&Header {
        policy: Cow::Borrowed(&head),
        rules: index,
    })?;
    out.push(b'\n');
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads an entry, keeping only the rules whose needs `flags` meet (all with `None`). A
/// damaged entry (bad JSON, a range outside the file) reads as none.
fn decode(bytes: &[u8], flags: Option<&[Raised]>) -> Option<CompiledPolicy> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let (head, body) = (&bytes[..nl], &bytes[nl + 1..]);
    let header: Header = serde_json::from_slice(head).ok()?;
    let mut policy = header.policy.into_owned();
    for r in &header.rules {
        if !wanted(&r.needs, r.programs.as_deref(), flags) {
            continue;
        }
        let json = body.get(r.at..r.at.checked_add(r.len)?)?;
        policy.rules.push(serde_json::from_slice(json).ok()?);
    }
    Some(policy)
}

/// Whether a rule with these needs can match an event that raised `flags` (`None`: any).
/// Mirrors `eval::select`: one flag must have a needed name and, when the rule tests programs,
/// a program one of its globs matches.
fn wanted(needs: &[Cow<str>], programs: Option<&[Cow<str>]>, flags: Option<&[Raised]>) -> bool {
    let Some(raised) = flags else {
        return true;
    };
    needs.is_empty()
        || raised.iter().any(|f| {
            needs.iter().any(|n| super::glob::matches(n, f.name))
                && programs.map_or(true, |globs| {
                    f.program
                        .is_some_and(|p| globs.iter().any(|g| super::glob::matches(g, p)))
                })
        })
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
    let bytes = std::fs::read(entry_path(key, boundary)?).ok()?;
    decode(&bytes, flags)
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
        let exec = |program| Raised {
            name: "shell.exec",
            program,
        };
        let git = decode(&json, Some(&[exec(Some("git"))])).unwrap();
        let terraform = decode(&json, Some(&[exec(Some("terraform"))])).unwrap();
        let none = decode(&json, Some(&[])).unwrap();
        assert!(none.rules.len() < git.rules.len() && git.rules.len() < pre.rules.len());
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
        assert!(decode(b"{\"policy\": 1}", None).is_none());
    }

    /// Program globs and `@list` programs filter as evaluation matches; a list that does not
    /// exist keeps the rule (left to evaluation, which never matches it).
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
"#;
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::Project, "t.toml", text.to_string())
                .unwrap();
        let json = encode(&compile(&[layer]).unwrap()).unwrap();
        let ids = |program: &str| -> Vec<String> {
            let raised = [Raised {
                name: "shell.exec",
                program: Some(program),
            }];
            let p = decode(&json, Some(&raised)).unwrap();
            p.rules.iter().map(|r| r.rule.id.clone()).collect()
        };
        assert_eq!(ids("kubectl"), ["t.deploy", "t.unknown-list"]);
        assert_eq!(ids("helmfile"), ["t.deploy", "t.unknown-list"]);
        assert_eq!(ids("ls"), ["t.unknown-list"]);
    }
}
