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
//! Entries live in `<data dir>/compiled/`. A missing, unreadable or damaged entry is
//! compiled again and rewritten; a cache that cannot be written is no error.

use super::{compile, layers_from_texts, read_layer_texts, CompiledPolicy, Locations, PolicyError};
use crate::event::Boundary;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bumped when the entry format changes.
const FORMAT: &str = "compiled-v1";

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

/// The cached policy for content `key` and a boundary, if there is a readable entry.
pub fn get(key: &str, boundary: Option<Boundary>) -> Option<CompiledPolicy> {
    let bytes = std::fs::read(entry_path(key, boundary)?).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Stores `policy` (compiled from content `key`) narrowed to `boundary`. Best effort.
pub fn put(key: &str, boundary: Option<Boundary>, policy: &CompiledPolicy) {
    let Some(path) = entry_path(key, boundary) else {
        return;
    };
    let narrowed = narrow(policy.clone(), boundary);
    if let Ok(json) = serde_json::to_vec(&narrowed) {
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
    if let Some(c) = get(&key, boundary) {
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
            let json = serde_json::to_vec(&narrow(fresh.clone(), boundary)).unwrap();
            let cached: CompiledPolicy = serde_json::from_slice(&json).unwrap();
            assert_eq!(cached.version, fresh.version);
            for (_, t) in &fresh.tests {
                let ev = testing::event_for(t);
                if boundary.is_some_and(|b| b != ev.boundary) {
                    continue;
                }
                let a = testing::decide(&fresh, &ev);
                let b = testing::decide(&cached, &ev);
                assert_eq!(a.rule_ids, b.rule_ids, "test {:?} at {boundary:?}", t.name);
                assert_eq!(a.effect, b.effect);
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
    }
}
