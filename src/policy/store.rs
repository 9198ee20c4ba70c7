//! The policy store: every version of every policy, kept locally, with one active version per
//! use case.
//!
//! Layout under the store dir (`<config dir>/store`, or `--store DIR` for a repo-managed one):
//! - `store.json`: the index (version records, the active version per use case, the scope each
//!   use case is fixed to, and the log of activations used by rollback);
//! - `versions/<sha256>.toml`: the exact text of every non-draft version, content-addressed and
//!   never rewritten;
//! - `drafts/<id>.toml`: editable drafts;
//! - `layersets/<sha256>.json`: the policy layers a session was pinned to (see `pin`);
//! - `.lock`: an fs2 lock; every change takes it without waiting, so of two concurrent
//!   changes one wins and the other is told.
//!
//! Deploying materializes the active version at the file the hook loads for its scope, written
//! atomically (temp file + rename), so the very next hook call uses it.

use super::Scope;
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a version is in its life: a draft may be edited or deleted; every other state is
/// immutable content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Active,
    /// Was active, replaced by another deploy or a rollback; can be reactivated by rollback.
    Inactive,
    Deprecated,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Active => "active",
            VersionStatus::Inactive => "inactive",
            VersionStatus::Deprecated => "deprecated",
        }
    }
}

/// One version of a policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRecord {
    /// `v1`, `v2`, ...: unique in the store.
    pub id: String,
    pub name: String,
    pub use_case: String,
    /// The `[policy] version` the file declares.
    pub declared_version: String,
    pub status: VersionStatus,
    /// Fixed at first activation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// SHA-256 of the text (for drafts: of the text when last recorded).
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub author: String,
    pub created: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<String>,
}

/// Where a use case's active version is materialized; fixed at first activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub scope: String,
    pub target: String,
}

/// One change of the active version, for history and rollback.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    pub time: String,
    pub action: String,
    pub use_case: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub author: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub format: u32,
    pub next_id: u64,
    pub versions: Vec<VersionRecord>,
    /// Use case -> active version id.
    pub active: BTreeMap<String, String>,
    pub placements: BTreeMap<String, Placement>,
    pub log: Vec<LogEntry>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            format: 1,
            next_id: 1,
            versions: Vec::new(),
            active: BTreeMap::new(),
            placements: BTreeMap::new(),
            log: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the policy store file {path} is corrupted ({detail}); nothing was changed. Restore it from a backup or `hookwarden policy export` output, or move it away to start an empty store")]
    Corrupt { path: String, detail: String },
    #[error("another hookwarden policy command is changing the store at {path} right now (it holds {path}/.lock); nothing was changed. Run `hookwarden policy history` and try again")]
    Busy { path: String },
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Full SHA-256 hex of a text.
pub fn content_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    crate::hex::hex(&d)
}

/// The default store: `<config dir>/store`.
pub fn default_dir() -> Option<PathBuf> {
    crate::dirs::config_dir().map(|d| d.join("store"))
}

/// Writes a file atomically: a temp file in the same directory, synced, then renamed over.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        crate::decision::new_id("w")
    ));
    let res = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// The file the hook loads for a scope (what `Locations::discover` reads).
pub fn scope_target(scope: Scope, project_dir: &Path) -> Option<PathBuf> {
    match scope {
        Scope::Org => Some(
            crate::managed::env("HOOKWARDEN_ORG_POLICY")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/etc/hookwarden/policy.toml")),
        ),
        Scope::User => crate::managed::env("HOOKWARDEN_USER_POLICY")
            .map(PathBuf::from)
            .or_else(|| crate::dirs::config_dir().map(|d| d.join("policy.toml"))),
        Scope::Project => Some(project_dir.join(".hookwarden").join("policy.toml")),
        Scope::Session | Scope::Default => None,
    }
}

pub fn parse_scope(s: &str) -> Option<Scope> {
    Some(match s {
        "org" => Scope::Org,
        "user" => Scope::User,
        "project" => Scope::Project,
        _ => return None,
    })
}

/// Who is making a change: `HOOKWARDEN_USER`, else `USER`, else `unknown`.
pub fn current_author() -> String {
    std::env::var("HOOKWARDEN_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

/// An open store. Reading needs no lock; changing goes through [`Store::change`].
pub struct Store {
    pub dir: PathBuf,
}

/// A store held for change: the lock is released when this is dropped.
pub struct Locked<'a> {
    pub store: &'a Store,
    pub index: Index,
    _lock: File,
}

impl Store {
    pub fn open(dir: PathBuf) -> Store {
        Store { dir }
    }

    pub fn index_path(&self) -> PathBuf {
        self.dir.join("store.json")
    }

    pub fn version_path(&self, hash: &str) -> PathBuf {
        self.dir.join("versions").join(format!("{hash}.toml"))
    }

    pub fn draft_path(&self, id: &str) -> PathBuf {
        self.dir.join("drafts").join(format!("{id}.toml"))
    }

    /// Reads the index; a missing store is an empty one.
    pub fn read_index(&self) -> Result<Index, StoreError> {
        let path = self.index_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(e) => return Err(io(&path)(e)),
        };
        let index: Index = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            path: path.display().to_string(),
            detail: format!("line {} column {}: {e}", e.line(), e.column()),
        })?;
        if index.format != 1 {
            return Err(StoreError::Corrupt {
                path: path.display().to_string(),
                detail: format!("unknown store format {}", index.format),
            });
        }
        Ok(index)
    }

    /// Takes the store lock without waiting and reads the index.
    pub fn lock(&self) -> Result<Locked<'_>, StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let lock_path = self.dir.join(".lock");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        if f.try_lock_exclusive().is_err() {
            return Err(StoreError::Busy {
                path: self.dir.display().to_string(),
            });
        }
        let index = self.read_index()?;
        Ok(Locked {
            store: self,
            index,
            _lock: f,
        })
    }

    /// The text of a version: the draft file for drafts, the content-addressed file otherwise
    /// (checked against its hash).
    pub fn text_of(&self, rec: &VersionRecord) -> Result<String, StoreError> {
        if rec.status == VersionStatus::Draft {
            let p = self.draft_path(&rec.id);
            return std::fs::read_to_string(&p).map_err(io(&p));
        }
        let p = self.version_path(&rec.hash);
        let text = std::fs::read_to_string(&p).map_err(io(&p))?;
        if content_hash(&text) != rec.hash {
            return Err(StoreError::Corrupt {
                path: p.display().to_string(),
                detail: format!("its content does not match the recorded hash of {}", rec.id),
            });
        }
        Ok(text)
    }
}

impl Index {
    pub fn get(&self, id: &str) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut VersionRecord> {
        self.versions.iter_mut().find(|v| v.id == id)
    }

    pub fn require(&self, id: &str) -> Result<&VersionRecord, StoreError> {
        self.get(id).ok_or_else(|| {
            StoreError::Refused(format!(
                "no version `{id}` in the store (see `hookwarden policy history`)"
            ))
        })
    }

    pub fn new_id(&mut self) -> String {
        let id = format!("v{}", self.next_id);
        self.next_id += 1;
        id
    }

    /// The id of the stored version whose text hashes to `hash`: the active one if several
    /// share the text, else the newest. Drafts are not versions yet.
    pub fn id_of_text(&self, hash: &str) -> Option<&str> {
        let same: Vec<&VersionRecord> = self
            .versions
            .iter()
            .filter(|v| v.hash == hash && v.status != VersionStatus::Draft)
            .collect();
        same.iter()
            .find(|v| v.status == VersionStatus::Active)
            .or(same.last())
            .map(|v| v.id.as_str())
    }

    /// The version active for a use case.
    pub fn active_for(&self, use_case: &str) -> Option<&VersionRecord> {
        self.active.get(use_case).and_then(|id| self.get(id))
    }
}

impl Locked<'_> {
    /// Writes the index atomically. Until this returns, the store is unchanged.
    pub fn commit(&self) -> Result<(), StoreError> {
        let path = self.store.index_path();
        let json = serde_json::to_string_pretty(&self.index)
            .map_err(|e| StoreError::Refused(format!("cannot encode the store index: {e}")))?;
        write_atomic(&path, json.as_bytes()).map_err(io(&path))
    }

    /// Stores an immutable version text (content-addressed: writing it twice is harmless).
    pub fn put_version_text(&self, text: &str) -> Result<String, StoreError> {
        let hash = content_hash(text);
        let p = self.store.version_path(&hash);
        if !p.is_file() {
            write_atomic(&p, text.as_bytes()).map_err(io(&p))?;
        }
        Ok(hash)
    }
}

/// The JSON form of `export` / `import`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: u32,
    pub exported: String,
    pub versions: Vec<ExportedVersion>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedVersion {
    pub record: VersionRecord,
    pub content: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn corrupted_index_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("store.json"), "{ not json").unwrap();
        let store = Store::open(dir.path().to_path_buf());
        let err = store.read_index().unwrap_err().to_string();
        assert!(err.contains("corrupted"), "{err}");
        assert!(err.contains("nothing was changed"), "{err}");
    }

    #[test]
    fn second_lock_is_refused_not_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().to_path_buf());
        let first = store.lock().unwrap();
        let second = store.lock();
        assert!(matches!(second, Err(StoreError::Busy { .. })));
        drop(first);
        assert!(store.lock().is_ok());
    }

    #[test]
    fn tampered_version_text_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().to_path_buf());
        let locked = store.lock().unwrap();
        let hash = locked.put_version_text("[policy]\nname = \"a\"\n").unwrap();
        std::fs::write(store.version_path(&hash), "[policy]\nname = \"b\"\n").unwrap();
        let rec = VersionRecord {
            id: "v1".into(),
            name: "a".into(),
            use_case: "default".into(),
            declared_version: "0".into(),
            status: VersionStatus::Active,
            scope: None,
            hash,
            parent: None,
            author: "t".into(),
            created: String::new(),
            message: String::new(),
            activated: None,
        };
        assert!(matches!(
            store.text_of(&rec),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
