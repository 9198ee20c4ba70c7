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
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bumped when the entry format changes.
const FORMAT: &str = "compiled-v6";

/// An entry is three parts: a line with the policy without its rules (JSON); a line with the
/// index of the rules; then the rules' JSON one after another. A call reads the index and
/// deserializes only the rules its event can meet; the others are not even tokenized (the
/// JSON of skipped rules, then the index's own JSON strings, were most of a pre-tool call's
/// policy loading).
///
/// The index is plain text, one record per rule, split by ASCII separator bytes (which JSON
/// and the policy's names never hold: a glob that does would make its rule unfiltered):
/// `at US len US needs US programs US subcommands`, records ended by RS, list items split by
/// GS. `needs` are the flag names one of which must be raised; `programs` and `subcommands`
/// the globs the same flag's program and subcommand must match (empty: no such test); `at`
/// and `len` the byte range of the rule's JSON after the index line.
const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const GS: char = '\u{1d}';

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
    let mut index = String::new();
    for rule in &policy.rules {
        let at = body.len();
        serde_json::to_writer(&mut body, rule)?;
        let when = &rule.rule.when;
        let lists = [
            needs(rule),
            globs(when.program.as_ref(), policy).unwrap_or_default(),
            globs(when.subcommand.as_ref(), policy).unwrap_or_default(),
        ];
        index.push_str(&format!("{at}{US}{}", body.len() - at));
        if lists
            .iter()
            .flatten()
            .any(|g| g.contains(['\n', RS, US, GS]))
        {
            // Unfiltered, so always kept: evaluation decides.
            index.push_str(&format!("{US}{US}{US}{RS}"));
            continue;
        }
        for list in lists {
            index.push(US);
            index.push_str(&list.join(&GS.to_string()));
        }
        index.push(RS);
    }
    // Compact JSON holds no raw newline, so each line ends where its JSON does.
    let mut out = serde_json::to_vec(&head)?;
    out.push(b'\n');
    out.extend_from_slice(index.as_bytes());
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
        for i in memchr::memchr_iter(b'\n', &buf[searched..]) {
            if found < 2 {
                newlines[found] = searched + i;
                found += 1;
            }
        }
        searched = buf.len();
    }
    let [head_end, index_end] = newlines;
    let mut policy: CompiledPolicy = serde_json::from_slice(&buf[..head_end]).ok()?;
    let ranges = kept(&buf[head_end + 1..index_end], flags)?;
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

/// The byte ranges of the index's rules that `flags` can meet (all with `None`); `None` for
/// a damaged index. Mirrors `eval::select`: one flag must have a needed name and, when the
/// rule tests them, a program and a subcommand its globs match.
fn kept(index: &[u8], flags: Option<&[Raised]>) -> Option<Vec<(usize, usize)>> {
    // Flags are tracked as bits; an event with more flags than bits keeps every rule.
    let flags = flags.filter(|f| f.len() <= 64);
    // Split by byte search: the separators are ASCII, and `str::split` by char cost ~140
    // instructions a field.
    fn split(text: &str, sep: char) -> impl Iterator<Item = &str> {
        let sep = sep as u8;
        let mut rest = Some(text);
        std::iter::from_fn(move || {
            let r = rest?;
            match r.bytes().position(|b| b == sep) {
                Some(i) => {
                    rest = r.get(i + 1..);
                    r.get(..i)
                }
                None => rest.take(),
            }
        })
    }
    let index = std::str::from_utf8(index).ok()?;
    let mut out = Vec::new();
    let records = index.strip_suffix(RS).unwrap_or(index);
    if records.is_empty() {
        return Some(out);
    }
    for record in split(records, RS) {
        let mut fields = split(record, US);
        let mut next = || fields.next();
        let (at, len) = (next()?.parse().ok()?, next()?.parse().ok()?);
        let (needs, programs, subcommands) = (next()?, next()?, next()?);
        let keep = match flags {
            None => true,
            Some(_) if needs.is_empty() => true,
            Some(raised) => {
                // Bit i: raised flag i matches one of the list's globs. Only the flags still
                // in the running (`among`) are tested: the conditions are ANDed per flag.
                let bits = |list: &str,
                            value: for<'a> fn(&'a Raised<'a>) -> Option<&'a str>,
                            among: u64| {
                    if list.is_empty() {
                        return among;
                    }
                    let mut bits = 0u64;
                    for glob in split(list, GS) {
                        for (i, f) in raised.iter().enumerate() {
                            if among >> i & 1 == 1
                                && bits >> i & 1 == 0
                                && value(f).is_some_and(|v| super::glob::matches(glob, v))
                            {
                                bits |= 1 << i;
                            }
                        }
                        if bits == among {
                            break;
                        }
                    }
                    bits
                };
                let all = u64::MAX >> (64 - raised.len().max(1));
                let mut met = bits(needs, |f| Some(f.name), all);
                if met != 0 {
                    met = bits(programs, |f| f.program, met);
                }
                if met != 0 {
                    met = bits(subcommands, |f| f.subcommand, met);
                }
                met != 0
            }
        };
        if keep {
            out.push((at, len));
        }
    }
    Some(out)
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
    if crate::managed::env_str("HOOKWARDEN_POLICY_CACHE").as_deref() == Some("off") {
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
    let id = crate::hex::hex(&h.finalize()[..16]);
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
    let key = crate::hex::hex(&h.finalize());
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
        // A damaged index or a range outside the file reads as no entry.
        let text = String::from_utf8(json.clone()).unwrap();
        let (head, rest) = text.split_once('\n').unwrap();
        let (index, body) = rest.split_once('\n').unwrap();
        for bad in [
            "x\u{1f}9\u{1f}\u{1f}\u{1f}\u{1e}".to_string(),
            "0\u{1f}9\u{1e}".to_string(),
            format!("0\u{1f}{}\u{1f}\u{1f}\u{1f}\u{1e}", body.len() + 1),
        ] {
            let damaged = format!("{head}\n{bad}\n{body}");
            assert!(decode(damaged.as_bytes(), None).is_none(), "{bad:?}");
        }
        assert!(decode(format!("{head}\n{index}\n{body}").as_bytes(), None).is_some());
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
id = "t.odd-glob"
boundary = "tool_request"
effect = "ask"
when = { program = "odd\u001Dname" }

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
        // A glob holding an index separator leaves its rule unfiltered: always kept.
        assert_eq!(
            ids("kubectl", None),
            ["t.deploy", "t.unknown-list", "t.odd-glob"]
        );
        assert_eq!(
            ids("helmfile", None),
            ["t.deploy", "t.unknown-list", "t.odd-glob"]
        );
        assert_eq!(ids("ls", None), ["t.unknown-list", "t.odd-glob"]);
        assert_eq!(
            ids("helm", Some("upgrade")),
            ["t.deploy", "t.unknown-list", "t.odd-glob", "t.helm-install"]
        );
        assert_eq!(
            ids("helm", Some("list")),
            ["t.deploy", "t.unknown-list", "t.odd-glob"]
        );
    }
}
