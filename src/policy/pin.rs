//! Session pinning: a session keeps the policy that was in force at its first event until it
//! ends, even if a new version is deployed meanwhile.
//!
//! At a session's first event the effective layers' texts are stored, content-addressed, in
//! the store (`<store>/layersets/<sha256>.json`) and a small pin file
//! (`<data dir>/pins/<key>.json`) names that set. Later events of the session read the pin and
//! the set instead of discovering the policy files again: two small reads on the hot path.
//! The pin key covers the session id and the policy file locations, so the same session id
//! under another configuration is another session. Pins expire after [`PIN_TTL`] and are
//! removed at `SessionEnd`. `HOOKWARDEN_PIN=off` turns pinning off.
//!
//! Pins can be seen and cleared: a pin names its session, runtime, project and the version it
//! holds ([`list`]); `hookwarden policy pins --clear` and `policy deploy --now` remove pins
//! ([`clear`]), and the session's next event loads the policy files as they are then.

use super::{CompiledPolicy, Locations, PolicyError, Scope};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a pin holds without the session ending.
pub const PIN_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    /// Pinning off, or the event has no session id.
    Off,
    /// This event started the pin.
    New,
    /// Loaded from the session's pin.
    Pinned,
}

impl PinState {
    pub fn as_str(self) -> &'static str {
        match self {
            PinState::Off => "off",
            PinState::New => "new",
            PinState::Pinned => "pinned",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PinnedLayer {
    scope: String,
    origin: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct LayerSet {
    layers: Vec<PinnedLayer>,
}

#[derive(Serialize, Deserialize)]
struct Pin {
    set: String,
    version: String,
    created: String,
    /// What `policy pins` shows (absent in pins written by older versions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    session: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    runtime: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    project: String,
}

/// A pinned session, as `hookwarden policy pins` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinInfo {
    /// The session id; empty for a pin written before pins named their session.
    pub session: String,
    /// The policy version the session holds, as decisions name it.
    pub version: String,
    /// When the session was pinned.
    pub since: String,
    /// The runtime, when known.
    pub runtime: String,
    /// The project the session works in.
    pub project: String,
    pub file: PathBuf,
}

/// Every live pin (fresh, readable), oldest first.
pub fn list() -> Vec<PinInfo> {
    let Some(dir) = pins_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PinInfo> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && fresh(p))
        .filter_map(|p| {
            let pin: Pin = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some(PinInfo {
                session: pin.session,
                version: if pin.label.is_empty() {
                    pin.version
                } else {
                    pin.label
                },
                since: pin.created,
                runtime: pin.runtime,
                project: pin.project,
                file: p,
            })
        })
        .collect();
    out.sort_by(|a, b| a.since.cmp(&b.since).then(a.session.cmp(&b.session)));
    out
}

/// Removes the pins of `session` (every pin when `None`), under the pins lock; returns how
/// many went. The sessions' next events load the policy files as they are then.
pub fn clear(session: Option<&str>) -> std::io::Result<usize> {
    let Some(dir) = pins_dir() else {
        return Ok(0);
    };
    if !dir.is_dir() {
        return Ok(0);
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))?;
    lock.lock_exclusive()?;
    let mut n = 0;
    for p in list() {
        if session.is_some_and(|s| s != p.session) {
            continue;
        }
        if std::fs::remove_file(&p.file).is_ok() {
            n += 1;
        }
    }
    let _ = FileExt::unlock(&lock);
    Ok(n)
}

pub fn enabled() -> bool {
    !matches!(
        crate::managed::env_str("HOOKWARDEN_PIN").as_deref(),
        Some("off" | "0" | "false")
    )
}

fn pins_dir() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.join("pins"))
}

fn sets_dir() -> Option<PathBuf> {
    super::store::default_dir().map(|d| d.join("layersets"))
}

fn scope_from(s: &str) -> Scope {
    match s {
        "org" => Scope::Org,
        "user" => Scope::User,
        "project" => Scope::Project,
        "session" => Scope::Session,
        _ => Scope::Default,
    }
}

fn pin_path(session: &str, loc: &Locations) -> Option<PathBuf> {
    let mut key = String::from(session);
    for p in [&loc.org, &loc.user, &loc.project] {
        key.push('\0');
        if let Some(p) = p {
            key.push_str(&p.display().to_string());
        }
    }
    let hash = super::store::content_hash(&key);
    pins_dir().map(|d| d.join(format!("{}.json", &hash[..32])))
}

fn fresh(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| fresh_meta(&m))
}

/// Whether a pin with this metadata is younger than [`PIN_TTL`].
fn fresh_meta(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < PIN_TTL)
}

/// The layer set a fresh, well-formed pin names.
fn read_pin(pin_path: &Path) -> Option<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(pin_path).ok()?;
    if !fresh_meta(&f.metadata().ok()?) {
        return None;
    }
    // Through `take`, so the read asks the file for no size first (a pin is a few hundred bytes).
    let mut bytes = Vec::with_capacity(512);
    (&mut f).take(1 << 16).read_to_end(&mut bytes).ok()?;
    let pin: Pin = serde_json::from_slice(&bytes).ok()?;
    if pin.set.len() != 64 || !pin.set.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(pin.set)
}

/// The set of a session with no user or project policy: known without reading a file.
const EMPTY_SET: &[u8] = br#"{"layers":[]}"#;

/// The user and project layer texts a set holds, unparsed: a pinned call hashes them to find
/// its compiled cache entry and parses nothing.
fn read_set_texts(set: &str) -> Option<Vec<(Scope, String, String)>> {
    if set == super::store::content_hash(&String::from_utf8_lossy(EMPTY_SET)) {
        return Some(Vec::new());
    }
    let set_path = sets_dir()?.join(format!("{set}.json"));
    let bytes = std::fs::read(set_path).ok()?;
    // Content-addressed: a set that does not hash to its name is damaged, not used.
    if super::store::content_hash(&String::from_utf8_lossy(&bytes)) != set {
        return None;
    }
    let set: LayerSet = serde_json::from_slice(&bytes).ok()?;
    Some(
        set.layers
            .into_iter()
            .map(|l| (scope_from(&l.scope), l.origin, l.text))
            .filter(|(scope, _, _)| matches!(scope, Scope::User | Scope::Project))
            .collect(),
    )
}

/// The policy for an event of `session`: the session's pinned layers if it has a pin,
/// otherwise the policy files as they are now (and the session is pinned to them).
pub fn load_for_session(
    session: &str,
    cwd: &Path,
    project_root: &Path,
) -> Result<(CompiledPolicy, PinState), PolicyError> {
    load_for_event(session, cwd, project_root, None, None)
}

/// [`load_for_event_of`] without a runtime to name in a new pin.
pub fn load_for_event(
    session: &str,
    cwd: &Path,
    project_root: &Path,
    boundary: Option<crate::event::Boundary>,
    flags: Option<&[super::index::Raised]>,
) -> Result<(CompiledPolicy, PinState), PolicyError> {
    load_for_event_of(session, "", cwd, project_root, boundary, flags)
}

/// [`load_for_session`] for one event of `runtime` (named in a new pin): with `boundary`, the policy holds only the rules that
/// can match an event of that boundary; with `flags` (the flags the event raised, see
/// [`super::index::raised`]), a cached policy also leaves out rules that need other flags or
/// other programs. Compiled policies
/// come from [`super::cache`], keyed by the pinned layer set (or the files' contents when
/// nothing is pinned).
pub fn load_for_event_of(
    session: &str,
    runtime: &str,
    cwd: &Path,
    project_root: &Path,
    boundary: Option<crate::event::Boundary>,
    flags: Option<&[super::index::Raised]>,
) -> Result<(CompiledPolicy, PinState), PolicyError> {
    let loc = Locations::discover(cwd, project_root);
    if !enabled() || session.is_empty() {
        return Ok((
            super::cache::load_current(&loc, boundary, flags)?,
            PinState::Off,
        ));
    }
    let Some(pin) = pin_path(session, &loc) else {
        return Ok((
            super::cache::load_current(&loc, boundary, flags)?,
            PinState::Off,
        ));
    };
    if let Some(set) = read_pin(&pin) {
        // The pin keeps the user and project layers of the session's start; the default
        // and the org policy always come from their source, so a forged or stale pin
        // cannot drop an org or default rule, and an org deploy reaches running sessions.
        let org = org_texts(&loc)?;
        let pinned =
            super::cache::load_pinned(org, &set, boundary, flags, || read_set_texts(&set))?;
        if let Some(compiled) = pinned {
            return Ok((compiled, PinState::Pinned));
        }
    }
    // The session's first event: compiled through the cache like any other call, then pinned.
    let texts = super::read_layer_texts(&loc)?;
    let compiled = super::cache::load_texts(texts.clone(), boundary, flags)?;
    // Pinning is best effort: a read-only data dir must not break the hook.
    let owner = PinOwner {
        session,
        runtime,
        project: project_root,
    };
    let state = match write_pin(&pin, &texts, &compiled, &owner) {
        Ok(Some(existing)) => {
            // Another hook process of the same session pinned first: use its user and project
            // layers, over the default and org from source.
            let mut texts = org_texts(&loc)?;
            texts.extend(existing);
            return Ok((
                super::cache::load_texts(texts, boundary, flags)?,
                PinState::Pinned,
            ));
        }
        Ok(None) => PinState::New,
        Err(_) => PinState::Off,
    };
    Ok((compiled, state))
}

/// The org policy as it is now (no user or project layer).
fn org_texts(loc: &Locations) -> Result<Vec<(Scope, String, String)>, PolicyError> {
    let org_only = Locations {
        org: loc.org.clone(),
        user: None,
        project: None,
    };
    super::read_layer_texts(&org_only)
}

/// The layer set a session starting on `texts` is pinned to (only what a pin keeps: the
/// default and org layers always come from their source), as its file and its id.
fn layer_set(texts: &[(Scope, String, String)]) -> std::io::Result<(Vec<u8>, String)> {
    let set = LayerSet {
        layers: texts
            .iter()
            .filter(|(scope, _, _)| matches!(scope, Scope::User | Scope::Project))
            .map(|(scope, origin, text)| PinnedLayer {
                scope: scope.as_str().to_string(),
                origin: origin.clone(),
                text: text.clone(),
            })
            .collect(),
    };
    let set_json = serde_json::to_vec(&set).map_err(std::io::Error::other)?;
    let set_hash = super::store::content_hash(&String::from_utf8_lossy(&set_json));
    Ok((set_json, set_hash))
}

/// Writes the compiled-policy cache entries of every boundary for the policy files of `loc`
/// as they are now, under their texts' key and under the key of the layer set a session
/// starting now is pinned to: the hook calls that follow, pinned or not, compile nothing.
pub fn prewarm(loc: &Locations) -> Result<usize, PolicyError> {
    let texts = super::read_layer_texts(loc)?;
    let org: Vec<(Scope, String, String)> = texts
        .iter()
        .filter(|(scope, _, _)| *scope == Scope::Org)
        .cloned()
        .collect();
    let set = layer_set(&texts).ok().map(|(_, id)| id);
    let pinned_as = set.as_deref().map(|s| (org.as_slice(), s));
    super::cache::prewarm_texts(texts, pinned_as)
}

/// Stores the layer set and the pin under the pins lock. Returns the layers of a pin another
/// process wrote first, if any.
fn write_pin(
    pin: &Path,
    texts: &[(Scope, String, String)],
    compiled: &CompiledPolicy,
    owner: &PinOwner<'_>,
) -> std::io::Result<Option<Vec<(Scope, String, String)>>> {
    let Some(dir) = pin.parent() else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))?;
    lock.lock_exclusive()?;
    if let Some(existing) = read_pin(pin).and_then(|set| read_set_texts(&set)) {
        let _ = FileExt::unlock(&lock);
        return Ok(Some(existing));
    }
    let (set_json, set_hash) = layer_set(texts)?;
    if let Some(sets) = sets_dir() {
        let set_path = sets.join(format!("{set_hash}.json"));
        if !set_path.is_file() {
            super::store::write_atomic(&set_path, &set_json)?;
        }
    }
    let p = Pin {
        set: set_hash,
        version: compiled.version.clone(),
        created: crate::time::now_rfc3339(),
        session: owner.session.to_string(),
        runtime: owner.runtime.to_string(),
        label: compiled.label.clone(),
        project: owner.project.display().to_string(),
    };
    let pin_json = serde_json::to_vec(&p).map_err(std::io::Error::other)?;
    super::store::write_atomic(pin, &pin_json)?;
    expire_old(dir);
    let _ = FileExt::unlock(&lock);
    Ok(None)
}

/// Who a new pin is for: named in the pin for `policy pins`.
struct PinOwner<'a> {
    session: &'a str,
    runtime: &'a str,
    project: &'a Path,
}

/// Removes pins older than the TTL; runs only when a session starts.
fn expire_old(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") && !fresh(&p) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The session ended: its pin goes.
pub fn end(session: &str, cwd: &Path, project_root: &Path) {
    if session.is_empty() {
        return;
    }
    let loc = Locations::discover(cwd, project_root);
    if let Some(p) = pin_path(session, &loc) {
        let _ = std::fs::remove_file(p);
    }
}
