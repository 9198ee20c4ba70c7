//! The hook's compiled-policy cache: the effective policy, already parsed, merged and
//! compiled, so a hook call reads one small file instead of parsing every policy file (TOML
//! parsing and compiling were most of a hook call's work).
//!
//! An entry is keyed by the content it was compiled from — a pinned session's layer set hash,
//! or a hash of the policy files' texts — and by the hookwarden binary (its size and mtime:
//! another build may compile differently or embed another default). So an entry is never
//! stale: a changed file is another key. An entry holds the rules that can match an event of
//! its boundary.
//!
//! An entry is the compiled policy itself, the typed structures of [`super::typed`] in
//! postcard (a compact serde format), laid out so that a call reads the rule index before any
//! rule: a little-endian `u32` length, the head (the policy without its rules, with its
//! [`super::index::RuleIndex`], and the end offset of each rule), then the rules one after
//! another. The index says which rules the event's boundary and flags can meet
//! ([`super::index::RuleIndex::candidates`], the selection evaluation itself uses); only
//! those are read and deserialized. A pre-tool `git status` reads the head and no rule.
//!
//! Beside an entry lie the artifacts of its regex matchers ([`super::regexes`]), one file for
//! its rules' text regexes (`<entry>.text.rx`) and one for their value regexes (`args_regex`,
//! input `regex`: `<entry>.value.rx`), with the DFAs compiled: building them is most of
//! what a policy with many regexes costs to compile (a quarter of a second for 150 hard
//! patterns). They are read when an event first needs a regex, so a pre-tool `git status`
//! opens neither. [`prewarm_texts`] (through [`super::pin::prewarm`]) writes the entries of
//! every boundary ahead of the hook (`policy deploy`, `policy compile`), so no hook call pays
//! for them.
//!
//! Entries live in `<data dir>/compiled/`. A missing, unreadable or damaged entry or artifact
//! is compiled again and rewritten; a cache that cannot be written is no error.

use super::index::Raised;
use super::typed::CompiledRule;
use super::{compile, layers_from_texts, read_layer_texts, CompiledPolicy, Locations, PolicyError};
use crate::event::Boundary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Bumped when the entry format changes.
const FORMAT: &str = "compiled-v10";

/// What precedes the rules.
#[derive(Serialize, Deserialize)]
struct Head {
    /// The policy with no rules (its index still lists them by position).
    policy: CompiledPolicy,
    /// End of each rule's bytes, from the start of the rules.
    ends: Vec<u32>,
}

fn encode(mut policy: CompiledPolicy) -> Option<Vec<u8>> {
    let rules = std::mem::take(&mut policy.rules);
    let mut body = Vec::new();
    let mut ends = Vec::with_capacity(rules.len());
    for r in &rules {
        body = postcard::to_extend(r, body).ok()?;
        ends.push(u32::try_from(body.len()).ok()?);
    }
    let head = postcard::to_allocvec(&Head { policy, ends }).ok()?;
    let mut out = Vec::with_capacity(4 + head.len() + body.len());
    out.extend_from_slice(&u32::try_from(head.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&body);
    Some(out)
}

/// Reads an entry, keeping only the rules an event of `boundary` raising `flags` can meet
/// (all with `None`). A damaged entry reads as none.
#[cfg(test)]
fn decode(
    bytes: &[u8],
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Option<CompiledPolicy> {
    read_entry(&mut std::io::Cursor::new(bytes), boundary, flags)
}

/// Reads an entry from `r` as [`decode`] does, reading only the head and the bytes of the
/// rules it keeps: every byte read lands in fresh memory the process pays a page fault for,
/// and most of an entry is rules an event cannot meet.
fn read_entry<R: Read + Seek>(
    r: &mut R,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Option<CompiledPolicy> {
    const CHUNK: u64 = 8 * 1024;
    let mut buf = Vec::with_capacity(CHUNK as usize);
    r.by_ref().take(CHUNK).read_to_end(&mut buf).ok()?;
    let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
    let body = 4usize.checked_add(len)?;
    if buf.len() < body {
        let more = (body - buf.len()) as u64;
        r.by_ref().take(more).read_to_end(&mut buf).ok()?;
    }
    let Head { mut policy, ends } = postcard::from_bytes(buf.get(4..body)?).ok()?;
    let keep: Vec<bool> = match boundary {
        None => vec![true; ends.len()],
        Some(b) => {
            let mut keep = vec![false; ends.len()];
            for i in policy.index.candidates(b, flags) {
                *keep.get_mut(i as usize)? = true;
            }
            keep
        }
    };
    let start = |i: usize| if i == 0 { 0 } else { ends[i - 1] as usize };
    let wanted: Vec<usize> = (0..ends.len()).filter(|&i| keep[i]).collect();
    let mut rules = Vec::with_capacity(wanted.len());
    // Rules close together are read in one go (ranges come in file order).
    let mut span = Vec::new();
    let mut i = 0;
    while i < wanted.len() {
        let from = start(wanted[i]);
        let mut to = ends[wanted[i]] as usize;
        let mut j = i + 1;
        while let Some(&next) = wanted.get(j) {
            if start(next).saturating_sub(to) > 4096 {
                break;
            }
            to = ends[next] as usize;
            j += 1;
        }
        if from > to {
            return None;
        }
        let bytes = match buf.get(body + from..body + to) {
            Some(b) => b,
            None => {
                r.seek(SeekFrom::Start((body + from) as u64)).ok()?;
                span.clear();
                span.resize(to - from, 0);
                r.read_exact(&mut span).ok()?;
                &span[..]
            }
        };
        for &w in &wanted[i..j] {
            let (a, z) = (
                start(w).checked_sub(from)?,
                (ends[w] as usize).checked_sub(from)?,
            );
            let rule: CompiledRule = postcard::from_bytes(bytes.get(a..z)?).ok()?;
            rules.push(rule);
        }
        i = j;
    }
    // The loaded rules get an index of their own: the same selection, over fewer rules.
    policy.rules = rules;
    policy.reindex();
    Some(policy)
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
    dir().map(|d| d.join(format!("{id}.{}.bin", boundary_name(boundary))))
}

/// The regex artifacts (text, value) beside an entry.
fn artifact_paths(entry: &Path) -> [PathBuf; 2] {
    ["text.rx", "value.rx"].map(|ext| entry.with_extension(ext))
}

/// The cached policy for content `key` and a boundary, if there is a readable entry. With
/// `flags` (the flags the event raised), rules that need other flags are left out: they
/// cannot match this event.
pub fn get(
    key: &str,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Option<CompiledPolicy> {
    let path = entry_path(key, boundary)?;
    let mut file = std::fs::File::open(&path).ok()?;
    let mut policy = read_entry(&mut file, boundary, flags)?;
    policy.regexes.load_from(artifact_paths(&path));
    Some(policy)
}

/// Stores `policy` (compiled from content `key`) narrowed to `boundary`. Best effort.
pub fn put(key: &str, boundary: Option<Boundary>, policy: &CompiledPolicy) {
    let mut narrowed = narrow(policy.clone(), boundary);
    store(key, boundary, &mut narrowed);
}

/// Stores a policy already narrowed to `boundary`: its regex artifacts first, then the entry,
/// each file written atomically, so an entry present has its artifacts beside it. The policy
/// then matches with the matchers just built. Best effort.
fn store(key: &str, boundary: Option<Boundary>, policy: &mut CompiledPolicy) {
    let Some(path) = entry_path(key, boundary) else {
        return;
    };
    let artifacts = policy.regexes.artifacts();
    policy.regexes.use_artifacts(&artifacts);
    let written = artifact_paths(&path)
        .iter()
        .zip(&artifacts)
        .all(|(p, a)| match a {
            Some(a) => super::store::write_atomic(p, a).is_ok(),
            None => true,
        });
    if let (true, Some(bytes)) = (written, encode(policy.clone())) {
        let _ = super::store::write_atomic(&path, &bytes);
    }
}

/// The boundaries an entry is kept for: every one a hook event has.
const BOUNDARIES: [Boundary; 5] = [
    Boundary::Prompt,
    Boundary::ToolRequest,
    Boundary::ToolOutput,
    Boundary::FinalResponse,
    Boundary::Other,
];

/// A policy file's text as [`read_layer_texts`] reads it: its scope, where it came from, the text.
pub type LayerText = (super::Scope, String, String);

/// Compiles the policy of these texts and writes the cache entries of every boundary: the
/// hook calls that follow find them and compile nothing. With `pinned_as` (the org texts and
/// the layer set a session pins them to, see [`load_pinned`]), the entries are also written
/// under that set's key. Returns how many entries were written; `Ok(0)` when there is no
/// cache to write.
pub fn prewarm_texts(
    texts: Vec<LayerText>,
    pinned_as: Option<(&[LayerText], &str)>,
) -> Result<usize, PolicyError> {
    if dir().is_none() || exe_id().is_none() {
        return Ok(0);
    }
    let key = texts_key(&texts);
    let compiled = compile(&layers_from_texts(texts)?)?;
    let mut written = 0;
    for b in BOUNDARIES {
        let mut narrowed = narrow(compiled.clone(), Some(b));
        store(&key, Some(b), &mut narrowed);
        if let Some((org, set)) = pinned_as {
            copy_entry(&key, &pinned_key(org, set), Some(b));
        }
        written += usize::from(entry_path(&key, Some(b)).is_some_and(|p| p.is_file()));
    }
    Ok(written)
}

/// The key of a session pinned to layer set `set` under the org texts `org`. No policy file
/// has the marker's origin (a NUL is in no path), so no texts share it.
pub fn pinned_key(org: &[LayerText], set: &str) -> String {
    let mut parts = org.to_vec();
    parts.push((
        super::Scope::User,
        "\0pinned layer set".to_string(),
        set.to_string(),
    ));
    texts_key(&parts)
}

/// Copies the entry of `from` (and its regex artifacts) to `to`, artifacts first, each
/// written atomically: the same compiled policy under another key, without compiling or
/// building its automata again. Best effort; whether the copy is there.
fn copy_entry(from: &str, to: &str, boundary: Option<Boundary>) -> bool {
    let (Some(src), Some(dst)) = (entry_path(from, boundary), entry_path(to, boundary)) else {
        return false;
    };
    let Ok(entry) = std::fs::read(&src) else {
        return false;
    };
    for (a, b) in artifact_paths(&src).iter().zip(artifact_paths(&dst).iter()) {
        match std::fs::read(a) {
            Ok(bytes) => {
                if super::store::write_atomic(b, &bytes).is_err() {
                    return false;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return false,
        }
    }
    super::store::write_atomic(&dst, &entry).is_ok()
}

/// The compiled policy of the org texts `org` over the user and project layers of pinned
/// layer set `set`. A set is content-addressed (its id is the hash of its file, checked when
/// the file is read), so the entry is keyed by the org texts and the set's id: a call that
/// finds it neither reads the set nor hashes its texts, which for a big team policy were
/// most of a call. On a miss `pinned` reads the set (`Ok(None)` when it cannot: a damaged
/// set), and the entry of its texts, made by the session's first call or by `policy
/// compile`, is copied under the set's key (compiled first if there is none).
pub fn load_pinned(
    org: Vec<LayerText>,
    set: &str,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
    pinned: impl FnOnce() -> Option<Vec<LayerText>>,
) -> Result<Option<CompiledPolicy>, PolicyError> {
    let key = pinned_key(&org, set);
    if let Some(c) = get(&key, boundary, flags) {
        return Ok(Some(c));
    }
    let Some(layers) = pinned() else {
        return Ok(None);
    };
    let mut texts = org;
    texts.extend(layers);
    let full_key = texts_key(&texts);
    if copy_entry(&full_key, &key, boundary) {
        if let Some(c) = get(&key, boundary, flags) {
            return Ok(Some(c));
        }
    }
    let compiled = load_texts(texts, boundary, flags)?;
    copy_entry(&full_key, &key, boundary);
    Ok(Some(compiled))
}

/// The key of the policy files' texts as [`load_current`] reads them.
fn texts_key(texts: &[(super::Scope, String, String)]) -> String {
    let mut h = Sha256::new();
    for (scope, origin, text) in texts {
        for part in [scope.as_str(), origin.as_str(), text.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
    }
    crate::hex::hex(&h.finalize())
}

/// Keeps the rules that can match an event of `boundary` (all of them for `None`).
/// Evaluation of an event of that boundary is unchanged: a rule of another boundary never
/// matches it. The environment variables every rule reads stay listed (`env_names`).
pub fn narrow(mut policy: CompiledPolicy, boundary: Option<Boundary>) -> CompiledPolicy {
    if let Some(b) = boundary {
        let mut keep = vec![false; policy.rules.len()];
        for i in policy.index.candidates(b, None) {
            if let Some(k) = keep.get_mut(i as usize) {
                *k = true;
            }
        }
        policy.retain_rules(&keep);
    }
    // The entry's matchers hold the regexes of the rules it keeps, no others.
    policy.regexes.assign(&policy.rules);
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
    load_texts(read_layer_texts(loc)?, boundary, flags)
}

/// The compiled policy of these layer texts (the embedded default added as
/// [`layers_from_texts`] decides), from the cache when an entry for exactly these texts
/// exists.
pub fn load_texts(
    texts: Vec<(super::Scope, String, String)>,
    boundary: Option<Boundary>,
    flags: Option<&[Raised]>,
) -> Result<CompiledPolicy, PolicyError> {
    let key = texts_key(&texts);
    if let Some(c) = get(&key, boundary, flags) {
        return Ok(c);
    }
    // Compiled from the very texts hashed, so the entry matches its key even if a file
    // changes meanwhile.
    let compiled = compile(&layers_from_texts(texts)?)?;
    let mut narrowed = narrow(compiled, boundary);
    store(&key, boundary, &mut narrowed);
    Ok(narrowed)
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
            let bytes = encode(narrow(fresh.clone(), boundary)).unwrap();
            let cached = decode(&bytes, boundary, None).unwrap();
            assert_eq!(cached.version, fresh.version);
            assert_eq!(cached.env_names, fresh.env_names);
            for (_, t) in &fresh.tests {
                let ev = testing::event_for(t);
                if boundary.is_some_and(|b| b != ev.boundary) {
                    continue;
                }
                // As the hook loads it: only the rules the event's flags can satisfy.
                let ctx = testing::context_for(&ev);
                let flags = crate::signals::run(&ev, &ctx);
                let raised = super::super::index::raised(&flags);
                let for_event = decode(&bytes, boundary, Some(&raised)).unwrap();
                let a = testing::decide(&fresh, &ev);
                for policy in [&cached, &for_event] {
                    let b = testing::decide(policy, &ev);
                    assert_eq!(a.rule_ids, b.rule_ids, "test {:?} at {boundary:?}", t.name);
                    assert_eq!(a.effect, b.effect);
                }
            }
        }
    }

    /// A policy's own detectors survive the cache, and a cached entry read for an event whose
    /// built-in signals raised nothing still holds them (they decide which rules it needs).
    #[test]
    fn detectors_go_through_the_cache() {
        let text = "[[detector]]\nid = \"acme-vault\"\ndescription = \"\"\nregex = 'ACMEV-([0-9]{4})'\nkeywords = [\"ACMEV-\"]\neffect = \"deny\"\n\n[[detector]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nregex = 'ACME-[0-9a-f]{32}'\nkeywords = [\"ACME-\"]\nentropy = 3.5\n";
        let layer =
            crate::policy::parse_layer(crate::policy::Scope::Project, "t.toml", text.to_string())
                .unwrap();
        let fresh = compile(&[default_layer().unwrap(), layer]).unwrap();
        assert_eq!(fresh.detectors.len(), 2);
        let at = Some(Boundary::ToolRequest);
        let bytes = encode(narrow(fresh.clone(), at)).unwrap();
        let cached = decode(&bytes, at, Some(&[])).unwrap();
        assert_eq!(cached.detectors, fresh.detectors);
        assert!(!cached.rules.iter().any(|r| r.id == "detector.acme-vault"));
        let all = decode(&bytes, at, None).unwrap();
        assert!(all.rules.iter().any(|r| r.id == "detector.acme-vault"));
    }

    #[test]
    fn narrowing_keeps_only_rules_of_the_boundary() {
        let fresh = default_policy();
        let pre = narrow(fresh.clone(), Some(Boundary::ToolRequest));
        assert!(pre.rules.len() < fresh.rules.len());
        assert!(pre
            .rules
            .iter()
            .all(|r| r.applies_at(Boundary::ToolRequest)));
        assert!(pre.tests.is_empty());
        let bytes = encode(pre.clone()).unwrap();
        let at = Some(Boundary::ToolRequest);
        let exec = |program, subcommand| Raised {
            name: "shell.exec",
            program,
            subcommand,
        };
        let git = decode(&bytes, at, Some(&[exec(Some("git"), Some("push"))])).unwrap();
        let status = decode(&bytes, at, Some(&[exec(Some("git"), Some("status"))])).unwrap();
        let terraform = decode(&bytes, at, Some(&[exec(Some("terraform"), None)])).unwrap();
        let none = decode(&bytes, at, Some(&[])).unwrap();
        assert!(none.rules.len() < git.rules.len() && git.rules.len() < pre.rules.len());
        // No default rule tests `git status`: its git rules all name other subcommands.
        assert_eq!(status.rules.len(), none.rules.len());
        let ids =
            |p: &CompiledPolicy| -> Vec<String> { p.rules.iter().map(|r| r.id.clone()).collect() };
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
        // What was left out is what the index does not select: the loaded policy selects
        // the same rules.
        let raised = [exec(Some("git"), Some("push"))];
        let selected: Vec<String> = git
            .index
            .candidates(Boundary::ToolRequest, Some(&raised))
            .into_iter()
            .map(|i| git.rules[i as usize].id.clone())
            .collect();
        let from_all: Vec<String> = pre
            .index
            .candidates(Boundary::ToolRequest, Some(&raised))
            .into_iter()
            .map(|i| pre.rules[i as usize].id.clone())
            .collect();
        assert_eq!(selected, from_all);
        assert_eq!(selected, ids(&git));
        // Damaged entries read as none.
        assert!(decode(b"{\"policy\": 1}", None, None).is_none());
        assert!(decode(&bytes[..bytes.len() - 3], None, None).is_none());
        let mut bad_len = bytes.clone();
        bad_len[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&bad_len, None, None).is_none());
        assert!(decode(&bytes, None, None).is_some());
    }

    /// Program and subcommand globs and `@list` references select as evaluation matches.
    #[test]
    fn program_selection_follows_lists_and_globs() {
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
        let bytes = encode(compile(&[layer]).unwrap()).unwrap();
        let ids = |program: &str, subcommand: Option<&str>| -> Vec<String> {
            let raised = [Raised {
                name: "shell.exec",
                program: Some(program),
                subcommand,
            }];
            let p = decode(&bytes, Some(Boundary::ToolRequest), Some(&raised)).unwrap();
            p.rules.iter().map(|r| r.id.clone()).collect()
        };
        assert_eq!(ids("kubectl", None), ["t.deploy"]);
        assert_eq!(ids("helmfile", None), ["t.deploy"]);
        assert_eq!(ids("ls", None), Vec::<String>::new());
        assert_eq!(ids("odd\u{1d}name", None), ["t.odd-glob"]);
        assert_eq!(ids("helm", Some("upgrade")), ["t.deploy", "t.helm-install"]);
        assert_eq!(ids("helm", Some("list")), ["t.deploy"]);
    }
}
