//! State that survives between hook calls: rate-limit counters, approval requests and grants,
//! denial counts for escalation, alert deduplication.
//!
//! Hooks run as separate, often parallel processes, so every change happens in one
//! transaction: take an exclusive `fs2` lock on `<data dir>/state.json`, read it, change
//! it, rewrite it in place, unlock. Every reader and writer holds the lock, so every change
//! counts and nobody reads half a file. A file that does not parse (a crash mid-write, a
//! hand edit, a full disk) is copied aside as `state.json.corrupt` and the hook starts from
//! empty state with a warning on stderr instead of failing.
//!
//! The store is only touched when the event needs it (a rate-limited rule matched, an
//! approval is needed, a denial is counted, an alert is sent); everything else stays
//! stateless. Every map is bounded: old entries expire and each map has a size cap.

use crate::event::RuntimeKind;
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Keys per map before the oldest are dropped.
pub const MAX_KEYS: usize = 4096;
/// Timestamps kept per rate-limit counter: a limit above this cannot be counted exactly,
/// so policy validation refuses it.
pub const MAX_RATE: u32 = 10_000;
/// How long finished approvals and alert marks are kept for listing.
pub const RETENTION: i64 = 7 * 86_400;

/// Everything the store holds. Unknown fields are tolerated so an older binary can read a
/// newer file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Rate-limit counter key -> timestamps of matching actions within the window.
    #[serde(default)]
    pub rates: BTreeMap<String, Vec<i64>>,
    /// Approval code -> request (and grant, once granted).
    #[serde(default)]
    pub approvals: BTreeMap<String, Approval>,
    /// Session key -> timestamps of denials within the escalation window.
    #[serde(default)]
    pub denials: BTreeMap<String, Vec<i64>>,
    /// `rule|session` key -> when an alert was last sent.
    #[serde(default)]
    pub alerts: BTreeMap<String, i64>,
}

impl State {
    /// Records one action for a counter and says whether it is past `max` within `window`.
    pub fn count_rate(&mut self, key: &str, now: i64, window: i64, max: u32) -> bool {
        let v = self.rates.entry(key.to_string()).or_default();
        v.retain(|t| *t > now - window);
        v.push(now);
        let keep = max.min(MAX_RATE) as usize + 1;
        if v.len() > keep {
            let cut = v.len() - keep;
            v.drain(..cut);
        }
        v.len() > max as usize
    }

    /// Drops what has expired and caps every map.
    pub fn prune(&mut self, now: i64) {
        // Rate windows are at most a week (validation); anything older is dead.
        self.rates
            .retain(|_, v| v.last().is_some_and(|t| *t > now - RETENTION));
        self.denials
            .retain(|_, v| v.last().is_some_and(|t| *t > now - RETENTION));
        self.alerts.retain(|_, t| *t > now - RETENTION);
        self.approvals
            .retain(|_, a| a.last_relevant() > now - RETENTION);
        cap_by(&mut self.rates, |v| v.last().copied().unwrap_or(0));
        cap_by(&mut self.denials, |v| v.last().copied().unwrap_or(0));
        cap_by(&mut self.alerts, |t| *t);
        cap_by(&mut self.approvals, |a| a.requested_at);
    }
}

fn cap_by<V>(map: &mut BTreeMap<String, V>, age: impl Fn(&V) -> i64) {
    if map.len() <= MAX_KEYS {
        return;
    }
    let mut ages: Vec<(i64, String)> = map.iter().map(|(k, v)| (age(v), k.clone())).collect();
    ages.sort();
    let excess = map.len() - MAX_KEYS;
    for (_, k) in ages.into_iter().take(excess) {
        map.remove(&k);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("no data directory for hookwarden state (set HOOKWARDEN_DATA_DIR)")]
    NoDataDir,
    #[error("state store {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The state file of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The store in the user's data dir (`HOOKWARDEN_DATA_DIR` overrides).
    pub fn open_default() -> Result<Store, StateError> {
        crate::dirs::data_dir()
            .map(Store::new)
            .ok_or(StateError::NoDataDir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    fn io(&self, source: std::io::Error) -> StateError {
        StateError::Io {
            path: self.path().display().to_string(),
            source,
        }
    }

    /// Opens the state file and takes its exclusive lock. The file is rewritten in place,
    /// never replaced, so every process locks the same inode.
    fn lock(&self) -> Result<std::fs::File, StateError> {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(self.path())
        };
        let f = match open() {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir).map_err(|e| self.io(e))?;
                open().map_err(|e| self.io(e))?
            }
            Err(e) => return Err(self.io(e)),
        };
        f.lock_exclusive().map_err(|e| self.io(e))?;
        Ok(f)
    }

    /// Reads the locked file; content that does not parse is copied aside and reported in
    /// `warnings`, and the transaction starts from empty state.
    fn load(&self, f: &mut std::fs::File, warnings: &mut Vec<String>) -> Result<State, StateError> {
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| self.io(e))?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(State::default());
        }
        match serde_json::from_slice::<State>(&bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                let aside = self.dir.join("state.json.corrupt");
                let _ = std::fs::write(&aside, &bytes);
                warnings.push(format!(
                    "state file {} was unreadable ({e}); starting from empty state (rate counts, pending approvals and denial counts are reset). The damaged copy is kept at {}",
                    self.path().display(),
                    aside.display()
                ));
                Ok(State::default())
            }
        }
    }

    /// Runs one transaction: lock, read, change, prune, write, unlock.
    pub fn update<R>(
        &self,
        now: i64,
        warnings: &mut Vec<String>,
        f: impl FnOnce(&mut State) -> R,
    ) -> Result<R, StateError> {
        let mut file = self.lock()?;
        let res = self.load(&mut file, warnings).and_then(|mut state| {
            let out = f(&mut state);
            state.prune(now);
            self.save(&mut file, &state).map(|_| out)
        });
        let _ = FileExt::unlock(&file);
        res
    }

    /// Reads the state under the lock without changing it.
    pub fn read(&self, warnings: &mut Vec<String>) -> Result<State, StateError> {
        let mut file = self.lock()?;
        let res = self.load(&mut file, warnings);
        let _ = FileExt::unlock(&file);
        res
    }

    /// Rewrites the file in place. Not write-to-temp-and-rename: on ext4 a rename over an
    /// existing file (and a truncation to zero) forces the data to disk, which costs
    /// milliseconds per hook call. Every reader holds the lock, so none sees a half-written
    /// file; a crash mid-write leaves one that `load` recovers from.
    fn save(&self, f: &mut std::fs::File, state: &State) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(state).map_err(|e| self.io(e.into()))?;
        f.seek(SeekFrom::Start(0)).map_err(|e| self.io(e))?;
        f.write_all(&bytes).map_err(|e| self.io(e))?;
        f.set_len(bytes.len() as u64).map_err(|e| self.io(e))
    }

    pub fn escalation_marker(&self, session: &str) -> PathBuf {
        self.dir.join("escalated").join(key_hash(session))
    }
}

/// An approval request, and its grant once a person approved it (see the engine's approvals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub code: String,
    /// Hash of runtime, session, tool and normalized input: what exactly is approved.
    pub action: String,
    pub session_id: String,
    pub runtime: RuntimeKind,
    pub tool: String,
    /// The command or input, secrets masked, cut short: what the person is approving.
    pub summary: String,
    /// The rules whose ask this approval lifts.
    pub rule_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_role: Option<String>,
    /// Why the rules asked (their reasons, secrets masked), shown to the person approving.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default)]
    pub risk: u8,
    pub requested_at: i64,
    pub request_expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<Grant>,
}

/// A person's grant. `sig` authenticates every field but `uses` and `used_at` (which the
/// hook updates) together with the request; the hook ignores a grant whose signature does
/// not verify (see [`crate::keys`] and the engine's approvals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    /// The approver's OS user name.
    pub by: String,
    /// The approver's uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Approved through `sudo` (managed mode).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub via_sudo: bool,
    pub at: i64,
    pub until: i64,
    /// Single use: consumed by the first retry.
    pub once: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub uses: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<i64>,
    /// `hmac-sha256:<hex>` (personal key) or `ed25519:<hex>` (managed key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    /// Nobody approved it in time.
    Expired,
    Granted,
    /// A `--once` grant that was used.
    Used,
    /// A grant whose time ran out.
    Lapsed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Expired => "expired",
            Status::Granted => "granted",
            Status::Used => "used",
            Status::Lapsed => "lapsed",
        }
    }
}

impl Approval {
    pub fn status(&self, now: i64) -> Status {
        match &self.grant {
            None if now < self.request_expires_at => Status::Pending,
            None => Status::Expired,
            Some(g) if g.once && g.used_at.is_some() => Status::Used,
            Some(g) if now < g.until => Status::Granted,
            Some(_) => Status::Lapsed,
        }
    }

    /// The last moment this entry matters; it is dropped a retention period later.
    pub fn last_relevant(&self) -> i64 {
        match &self.grant {
            None => self.request_expires_at,
            Some(g) => g.until.max(g.used_at.unwrap_or(0)),
        }
    }
}

/// A stable short key for a session, repo or user: keeps the state file small and free of
/// raw paths and ids.
pub fn key_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(s.as_bytes());
    crate::hex::hex(&d[..8])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rate_counts_past_the_limit_within_the_window() {
        let mut s = State::default();
        assert!(!s.count_rate("k", 100, 60, 2));
        assert!(!s.count_rate("k", 101, 60, 2));
        assert!(s.count_rate("k", 102, 60, 2));
        // The first two fall out of the window.
        assert!(!s.count_rate("k", 161, 60, 2));
        assert!(s.rates["k"].len() <= 3);
    }

    #[test]
    fn corrupt_file_is_recovered_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mut w = Vec::new();
        store
            .update(10, &mut w, |s| s.count_rate("k", 10, 60, 5))
            .unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        std::fs::write(store.path(), &text[..text.len() / 2]).unwrap();
        let exceeded = store
            .update(11, &mut w, |s| s.count_rate("k", 11, 60, 0))
            .unwrap();
        assert!(exceeded);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("unreadable"));
        assert!(dir.path().join("state.json.corrupt").exists());
        // The next transaction reads a whole file again.
        let mut w2 = Vec::new();
        let s = store.read(&mut w2).unwrap();
        assert!(w2.is_empty());
        assert_eq!(s.rates["k"], vec![11]);
    }

    #[test]
    fn maps_are_capped() {
        let mut s = State::default();
        for i in 0..(MAX_KEYS + 10) {
            s.alerts.insert(format!("k{i}"), 1000 + i as i64);
        }
        s.prune(2000);
        assert_eq!(s.alerts.len(), MAX_KEYS);
        assert!(!s.alerts.contains_key("k0"));
    }
}
