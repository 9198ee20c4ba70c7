//! The audit log: one JSON line per decision, appended under an exclusive file lock.
//!
//! Hooks of one runtime run in parallel processes; the lock makes every line whole and keeps
//! every line. Each record holds the decision and enough of the event to replay it under
//! another policy — with every secret masked first: no raw secret is ever written here.
//!
//! The log is a hash chain: every line starts with `"seq":N,"prev":"<sha256 of the previous
//! line>"`, and the head (last seq and the hash of the last line) is kept beside the state
//! (`<data dir>/audit-heads/`). `hookwarden audit verify` walks the chain and names the first
//! broken link: a line deleted, edited, reordered or cut off the end. Appending reads back only
//! the last line (O(1) in the file's size). The log is opened without following symlinks,
//! and no string field is longer than [`MAX_FIELD`]: longer ones keep their start and the
//! hash of the whole. Lines written before the chain existed still read; `verify` says where
//! the chain starts. Honest limit: the agent runs as the same user and could rewrite the whole
//! chain and its head; the chain catches edits made without recomputing it (a deleted line, a
//! `sed` edit, a truncation), not a deliberate rewrite.
//!
//! Rotation: with `[audit] rotate_bytes` set, the writer that takes the log past that size
//! renames it to `audit.jsonl.1` (older ones shift to `.2`, `.3`, ...; those beyond `keep` or
//! older than `max_age` are removed), still under the log's lock, and marks the renamed file
//! read-only: a writer that opened the old file and waited for its lock sees the mark in the
//! `fstat` it makes anyway, and reopens. The first line of the next file chains to the last
//! line of the previous one, so `seq` runs on across files. Removing files beyond retention
//! writes where the retained chain starts (beside the head), so `verify` can tell retention
//! from a removed file.

use crate::decision::Decision;
use crate::event::{Boundary, Event};
use fs2::FileExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// At most this much of a tool output, prompt or answer is kept (masked) for replay.
pub const KEPT_TEXT: usize = 4096;

/// The longest string field written whole; longer ones are cut (see [`cut_field`]).
pub const MAX_FIELD: usize = 4096;

/// The `prev` of the first line of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The event as recorded: masked and bounded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRecord {
    pub event_name: String,
    pub boundary: Boundary,
    #[serde(default)]
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<crate::event::Tool>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub tool_input: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Length of the boundary text before it was cut to [`KEPT_TEXT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditRecord {
    #[serde(flatten)]
    pub decision: Decision,
    pub event: EventRecord,
    /// Identity and context the decision was evaluated with (user, team, branch, ...).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub context: serde_json::Map<String, Value>,
    /// What a flag found, by kind and position and hash: never the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRecord {
    pub flag: String,
    pub kind: String,
    pub start: usize,
    pub end: usize,
    pub hash: String,
}

/// Masks every secret in a string.
pub fn mask(s: &str) -> String {
    crate::redact::redact_text(s).0
}

/// Masks a string that may be huge: a command of megabytes is masked only as far as it is
/// kept, and cut like any long field (with the hash of the whole original).
pub fn mask_bounded(s: &str) -> String {
    if s.len() <= MAX_FIELD {
        return mask(s);
    }
    let masked = mask(cut(s, MAX_FIELD * 2));
    let head = cut(&masked, MAX_FIELD);
    format!(
        "{head}…[cut {} bytes sha256:{}]",
        s.len().saturating_sub(head.len()),
        crate::hex::hex(&Sha256::digest(s.as_bytes()))
    )
}

/// A string field over [`MAX_FIELD`] bytes: its first part, then how much was cut and the
/// SHA-256 of the whole, so the original can still be matched. `None` when it fits.
pub fn cut_field(s: &str) -> Option<String> {
    if s.len() <= MAX_FIELD {
        return None;
    }
    let head = cut(s, MAX_FIELD);
    Some(format!(
        "{head}…[cut {} bytes sha256:{}]",
        s.len() - head.len(),
        crate::hex::hex(&Sha256::digest(s.as_bytes()))
    ))
}

/// Cuts every string leaf of a JSON value that is over [`MAX_FIELD`].
fn cut_long_strings(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(c) = cut_field(s) {
                *s = c;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(cut_long_strings),
        Value::Object(m) => m.values_mut().for_each(cut_long_strings),
        _ => {}
    }
}

/// Masks every string leaf of a JSON value.
pub fn mask_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(a) => Value::Array(a.iter().map(mask_value).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), mask_value(x))).collect())
        }
        other => other.clone(),
    }
}

/// Cuts a string to at most `max` bytes on a char boundary.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether a JSON value's text reaches `limit` bytes, counted until it does (a 10 MB Write's
/// content is not serialized just to learn that it is big). Counts string and key bytes and a
/// few for each value: an estimate, close enough for a bound.
fn json_exceeds(v: &Value, limit: usize) -> bool {
    fn size(v: &Value, left: &mut usize) -> bool {
        let n = match v {
            Value::String(s) => s.len() + 2,
            Value::Array(a) => {
                for x in a {
                    if size(x, left) {
                        return true;
                    }
                }
                a.len() + 2
            }
            Value::Object(m) => {
                for (k, x) in m {
                    if size(x, left) {
                        return true;
                    }
                    *left = left.saturating_sub(k.len() + 4);
                }
                2
            }
            _ => 8,
        };
        *left = left.saturating_sub(n);
        *left == 0
    }
    let mut left = limit;
    size(v, &mut left)
}

impl EventRecord {
    pub fn from_event(ev: &Event) -> EventRecord {
        let text = match ev.boundary {
            Boundary::ToolOutput => ev.output.as_deref(),
            Boundary::Prompt => ev.prompt.as_deref(),
            Boundary::FinalResponse => ev.response.as_deref(),
            _ => None,
        };
        // Mask before cutting so a secret straddling the cut is still found whole.
        let (text, text_len) = match text {
            Some(t) => {
                let head = cut(t, KEPT_TEXT * 2);
                let masked = mask(head);
                (Some(cut(&masked, KEPT_TEXT).to_string()), Some(t.len()))
            }
            None => (None, None),
        };
        // Big tool inputs (a 10 MB Write) are kept bounded too.
        let tool_input = if json_exceeds(&ev.tool_input, KEPT_TEXT * 4) {
            serde_json::json!({ "_truncated": true })
        } else {
            mask_value(&ev.tool_input)
        };
        EventRecord {
            event_name: ev.event_name.clone(),
            boundary: ev.boundary,
            cwd: ev.cwd.clone(),
            tool: ev.tool.clone(),
            tool_input,
            command: ev.command.as_deref().map(mask_bounded),
            paths: ev.paths.clone(),
            text,
            text_len,
            model: ev.model.clone(),
            turn_id: ev.turn_id.clone(),
            transcript_path: ev.transcript_path.clone(),
        }
    }
}

/// Appends one line to a JSONL file under an exclusive lock; creates the file and its
/// directory. Used for alert files; the audit log itself is written by [`append_chained`].
pub fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.lock_exclusive()?;
    // One write of the whole line, newline included, so even a reader without the lock
    // never sees half a record.
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    let res = f.write_all(buf.as_bytes()).and_then(|_| f.flush());
    let _ = FileExt::unlock(&f);
    res
}

/// The chain head of a log: the last line's seq and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// SHA-256 of a line's bytes (without its newline), hex.
pub fn line_hash(line: &[u8]) -> String {
    crate::hex::hex(&Sha256::digest(line))
}

/// The last line of an open file (without its newline), and whether the file ends in one.
/// Reads backwards from the end in blocks: the cost is the last line's length, not the file's.
fn last_line(f: &std::fs::File, len: u64) -> std::io::Result<(Vec<u8>, bool)> {
    const BLOCK: u64 = 8192;
    if len == 0 {
        return Ok((Vec::new(), true));
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    loop {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        f.read_exact_at(&mut block, start)?;
        block.extend_from_slice(&tail);
        tail = block;
        pos = start;
        let ends_in_newline = tail.last() == Some(&b'\n');
        let body = if ends_in_newline {
            &tail[..tail.len() - 1]
        } else {
            &tail[..]
        };
        if let Some(i) = memchr::memrchr(b'\n', body) {
            return Ok((body[i + 1..].to_vec(), ends_in_newline));
        }
        if pos == 0 {
            return Ok((body.to_vec(), ends_in_newline));
        }
    }
}

/// The `seq` a chained line starts with (`{"seq":N,`), without parsing the rest.
fn leading_seq(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// Writes the head in place (no rename: see the state store on why).
fn write_head(path: &Path, head: &Head) -> std::io::Result<()> {
    // Padded to a fixed width, so an overwrite always covers the previous head and the file
    // needs no truncation (JSON allows the trailing blanks).
    let mut bytes = serde_json::to_vec(head).map_err(std::io::Error::other)?;
    if bytes.len() < HEAD_WIDTH {
        bytes.resize(HEAD_WIDTH - 1, b' ');
        bytes.push(b'\n');
        return write_small(path, &bytes, false);
    }
    write_small(path, &bytes, true)
}

/// Writes a small file in place, creating its directory; `truncate` cuts what a longer
/// earlier content left beyond it.
fn write_small(path: &Path, bytes: &[u8], truncate: bool) -> std::io::Result<()> {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    };
    let mut f = match open() {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            open()?
        }
        Err(e) => return Err(e),
    };
    f.write_all(bytes)?;
    if truncate {
        f.set_len(bytes.len() as u64)?;
    }
    Ok(())
}

/// The size of a head file: more than any head's JSON.
const HEAD_WIDTH: usize = 128;

/// Reads a recorded chain head; `None` when there is none.
pub fn read_head(path: &Path) -> Option<Head> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// How the hook rotates its audit log: from the policy's `[audit]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Rotate once the log reaches this many bytes.
    pub max_bytes: u64,
    /// Rotated files kept.
    pub keep: u32,
    /// Rotated files older than this many seconds are removed at a rotation.
    pub max_age_secs: Option<i64>,
}

impl Rotation {
    pub fn from_settings(s: &crate::policy::model::AuditSettings) -> Rotation {
        Rotation {
            max_bytes: s.rotate_bytes,
            keep: s.keep.max(1),
            max_age_secs: s.max_age_secs(),
        }
    }
}

/// Appends one record (a JSON object's text) to the log as the next link of its chain, under
/// the log's exclusive lock, and records the new head at `head_path`.
pub fn append_chained(
    path: &Path,
    head_path: Option<&Path>,
    record: &str,
) -> std::io::Result<Head> {
    append_rotating(path, head_path, record, None)
}

/// [`append_chained`], rotating the log afterwards when it has reached `rotation.max_bytes`.
pub fn append_rotating(
    path: &Path,
    head_path: Option<&Path>,
    record: &str,
    rotation: Option<&Rotation>,
) -> std::io::Result<Head> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    loop {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?;
        f.lock_exclusive()?;
        let meta = match f.metadata() {
            Ok(m) => m,
            Err(e) => {
                let _ = FileExt::unlock(&f);
                return Err(e);
            }
        };
        // Renamed away by a rotation while this process waited for the lock: the log is a
        // new file now. Only when the mark is seen is the name looked up again (a log made
        // read-only by hand is still the log).
        if was_rotated(&meta) && !still_at(path, &meta) {
            let _ = FileExt::unlock(&f);
            continue;
        }
        let res = append_locked(&f, meta.len(), path, head_path, record, rotation);
        let _ = FileExt::unlock(&f);
        return res;
    }
}

/// Whether `path` still names the file `meta` describes.
fn still_at(path: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

/// Whether a log file carries the rotation mark (no owner write bit).
fn was_rotated(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o200 == 0
}

fn append_locked(
    mut f: &std::fs::File,
    len: u64,
    path: &Path,
    head_path: Option<&Path>,
    record: &str,
    rotation: Option<&Rotation>,
) -> std::io::Result<Head> {
    let (last, ends_in_newline) = last_line(f, len)?;
    let (seq, prev) = if last.is_empty() && ends_in_newline {
        // A new file: the chain runs on from the file the log was last rotated to.
        match previous_tail(path)? {
            Some(tail) => (leading_seq(&tail).map_or(1, |s| s + 1), line_hash(&tail)),
            None => (1, GENESIS.to_string()),
        }
    } else {
        (leading_seq(&last).map_or(1, |s| s + 1), line_hash(&last))
    };
    let body = record.strip_prefix('{').unwrap_or(record);
    let mut line = String::with_capacity(record.len() + 100);
    line.push_str(&format!("{{\"seq\":{seq},\"prev\":\"{prev}\""));
    if body != "}" {
        line.push(',');
    }
    line.push_str(body);
    let head = Head {
        seq,
        hash: line_hash(line.as_bytes()),
    };
    let mut buf = Vec::with_capacity(line.len() + 2);
    if !ends_in_newline {
        // A torn last line stays a line of its own; verify reports it.
        buf.push(b'\n');
    }
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    f.write_all(&buf)?;
    if let Some(h) = head_path {
        // The line is written; a head that cannot be updated shows up in `audit verify` as a
        // head behind the log, and must not send the line to the fallback log a second time.
        let _ = write_head(h, &head);
    }
    if let Some(r) = rotation {
        if len + buf.len() as u64 >= r.max_bytes {
            // The line is written and chained; a rotation that fails is tried again at the
            // next write.
            let _ = rotate(f, path, head_path, r);
        }
    }
    Ok(head)
}

/// The last line of the newest rotated file, if there is one.
fn previous_tail(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let prev = rotated_name(path, 1);
    let f = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&prev)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let (last, _) = last_line(&f, len)?;
    Ok((!last.is_empty()).then_some(last))
}

/// `audit.jsonl` -> `audit.jsonl.<n>`.
pub fn rotated_name(path: &Path, n: u32) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{n}"));
    path.with_file_name(name)
}

/// The rotated files of a log that exist, by number (`.1` is the newest).
pub fn rotated_files(path: &Path) -> Vec<(u32, PathBuf)> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let prefix = name.as_encoded_bytes();
    let mut out: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let n = e.file_name();
            let rest = n
                .as_encoded_bytes()
                .strip_prefix(prefix)?
                .strip_prefix(b".")?;
            if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) || rest[0] == b'0' {
                return None;
            }
            let k: u32 = std::str::from_utf8(rest).ok()?.parse().ok()?;
            Some((k, path.with_file_name(&n)))
        })
        .collect();
    out.sort();
    out
}

/// Every file of a log, oldest first: the rotated ones from the highest number down, then the
/// log itself (when it exists).
pub fn log_files(path: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = rotated_files(path)
        .into_iter()
        .rev()
        .map(|(_, p)| p)
        .collect();
    if std::fs::symlink_metadata(path).is_ok() {
        files.push(path.to_path_buf());
    }
    files
}

/// Where the retained chain starts after retention removed older files: the last removed
/// line's seq and hash. Kept beside the head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub removed_through: u64,
    pub hash: String,
    pub time: String,
}

/// `<head>.json` -> `<head>.retention.json`.
pub fn retention_path(head_path: &Path) -> PathBuf {
    head_path.with_extension("retention.json")
}

pub fn read_retention(head_path: &Path) -> Option<Retention> {
    let bytes = std::fs::read(retention_path(head_path)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Renames the locked log `f` (at `path`) to `.1`, shifting the older files and removing
/// those beyond retention. Runs under the log's lock, and under a lock on its directory so
/// two rotations never shift the same names at once.
fn rotate(
    f: &std::fs::File,
    path: &Path,
    head_path: Option<&Path>,
    r: &Rotation,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir_lock = std::fs::File::open(dir)?;
    dir_lock.lock_exclusive()?;
    let res = rotate_locked(f, path, head_path, r);
    let _ = FileExt::unlock(&dir_lock);
    res
}

fn rotate_locked(
    f: &std::fs::File,
    path: &Path,
    head_path: Option<&Path>,
    r: &Rotation,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let existing = rotated_files(path);
    let now = std::time::SystemTime::now();
    let too_old = |p: &Path| {
        r.max_age_secs.is_some_and(|max| {
            std::fs::symlink_metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age.as_secs() as i64 > max)
        })
    };
    // Files are removed from the oldest end only: the first one to go and every older one.
    let first_removed = existing
        .iter()
        .find(|(n, p)| *n >= r.keep || too_old(p))
        .map(|(n, _)| *n);
    if let Some(cut) = first_removed {
        if let Some(h) = head_path {
            // The newest removed file's last line is where the retained chain links on.
            if let Some((_, p)) = existing.iter().find(|(n, _)| *n == cut) {
                if let Ok(rf) = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(p)
                {
                    let len = rf.metadata()?.len();
                    let (last, _) = last_line(&rf, len)?;
                    if let Some(seq) = leading_seq(&last) {
                        let ret = Retention {
                            removed_through: seq,
                            hash: line_hash(&last),
                            time: crate::time::now_rfc3339(),
                        };
                        let bytes = serde_json::to_vec(&ret).map_err(std::io::Error::other)?;
                        write_small(&retention_path(h), &bytes, true)?;
                    }
                }
            }
        }
        for (_, p) in existing.iter().filter(|(n, _)| *n >= cut) {
            std::fs::remove_file(p)?;
        }
    }
    for (n, p) in existing.iter().rev() {
        if first_removed.is_some_and(|cut| *n >= cut) {
            continue;
        }
        std::fs::rename(p, rotated_name(path, n + 1))?;
    }
    std::fs::rename(path, rotated_name(path, 1))?;
    // The mark a waiting writer sees in its fstat: this file is no longer the log.
    let mode = f.metadata()?.permissions().mode();
    f.set_permissions(std::fs::Permissions::from_mode(mode & !0o222))
}

/// A record as one line of text: long strings cut (see [`MAX_FIELD`]).
pub fn encode(record: &AuditRecord) -> Result<String, String> {
    let line =
        serde_json::to_string(record).map_err(|e| format!("cannot encode audit record: {e}"))?;
    if line.len() <= MAX_FIELD {
        return Ok(line);
    }
    let mut v: Value =
        serde_json::from_str(&line).map_err(|e| format!("cannot encode audit record: {e}"))?;
    cut_long_strings(&mut v);
    Ok(v.to_string())
}

/// Writes a record to the audit log; if that fails, to a fallback file in the temp dir, so
/// the decision is never lost. Returns where it went.
pub fn write(record: &AuditRecord) -> Result<PathBuf, String> {
    write_rotating(record, None)
}

/// [`write`], rotating the log by `rotation` (the policy's `[audit]`). The fallback file is
/// never rotated.
pub fn write_rotating(
    record: &AuditRecord,
    rotation: Option<&Rotation>,
) -> Result<PathBuf, String> {
    let line = encode(record)?;
    let path = crate::dirs::audit_path();
    let head = crate::dirs::audit_head_path(&path);
    match append_rotating(&path, head.as_deref(), &line, rotation) {
        Ok(_) => Ok(path),
        Err(e) => {
            let fallback = std::env::temp_dir().join("hookwarden-audit-fallback.jsonl");
            let fhead = crate::dirs::audit_head_path(&fallback);
            append_chained(&fallback, fhead.as_deref(), &line)
                .map(|_| fallback.clone())
                .map_err(|e2| {
                    format!(
                        "cannot write audit log {}: {e}; fallback {}: {e2}",
                        path.display(),
                        fallback.display()
                    )
                })
        }
    }
}

/// The chain fields of a line.
#[derive(Deserialize)]
struct Link {
    seq: Option<u64>,
    prev: Option<String>,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub lines: usize,
    /// Lines before the chain started (written by an older version).
    pub unchained: usize,
    /// The line where the chain starts (1-based, counted across files), if any line is chained.
    pub chain_start: Option<usize>,
    /// The same place, as `line N` (`line N of FILE` for a rotated log).
    pub chain_start_at: Option<String>,
    /// The files walked, oldest first (empty for a log that was never rotated).
    pub files: Vec<String>,
    /// The seq the retained chain starts at, when older files were removed by retention.
    pub retained_from: Option<u64>,
    /// When retention last removed files.
    pub retention_time: Option<String>,
    pub last_seq: Option<u64>,
    /// The first broken link: where and what.
    pub broken: Option<String>,
    /// How the end of the log compares with the recorded head.
    pub head: HeadCheck,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HeadCheck {
    /// No head recorded: a cut at the very end cannot be detected.
    #[default]
    Missing,
    Matches,
    /// Lines were cut from the end, or the last line was edited.
    Broken(String),
    /// The head is behind the log (a write whose head update failed).
    Behind {
        head_seq: u64,
    },
}

/// Walks a log's chain; stops at the first broken link. `head` is the recorded chain head.
/// Only the file itself: see [`verify_rotated`] for a log with rotated files.
pub fn verify(path: &Path, head: Option<&Head>) -> std::io::Result<Verification> {
    verify_files(&[path.to_path_buf()], head, None)
}

/// Walks the chain of a log and its rotated files, oldest first, across the files: a file
/// removed from the middle shows as missing seqs. `retention` (see [`read_retention`]) says
/// where the retained chain may start after older files were removed by rotation.
pub fn verify_rotated(
    path: &Path,
    head: Option<&Head>,
    retention: Option<&Retention>,
) -> std::io::Result<Verification> {
    let files = log_files(path);
    if files.is_empty() {
        // Let the open below report the missing log.
        return verify_files(&[path.to_path_buf()], head, retention);
    }
    let mut v = verify_files(&files, head, retention)?;
    // A number missing among the rotated files: named even when the seqs happen to link.
    if v.broken.is_none() {
        let numbers: Vec<u32> = rotated_files(path).iter().map(|(n, _)| *n).collect();
        if let Some(missing) =
            (1..=numbers.last().copied().unwrap_or(0)).find(|n| !numbers.contains(n))
        {
            v.broken = Some(format!(
                "{} is missing between the rotated files",
                rotated_name(path, missing).display()
            ));
        }
    }
    Ok(v)
}

fn verify_files(
    files: &[PathBuf],
    head: Option<&Head>,
    retention: Option<&Retention>,
) -> std::io::Result<Verification> {
    let mut v = Verification::default();
    let mut prev_line: Option<Vec<u8>> = None;
    let mut prev_seq: Option<u64> = None;
    let mut prev_file: Option<String> = None;
    let many = files.len() > 1;
    let mut buf = Vec::new();
    for file in files {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(file)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if many {
            v.files.push(name.clone());
        }
        let at = |n: usize| {
            if many {
                format!("line {n} of {name}")
            } else {
                format!("line {n}")
            }
        };
        let mut r = std::io::BufReader::new(f);
        let mut n = 0;
        loop {
            buf.clear();
            if r.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            v.lines += 1;
            n += 1;
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let link = match serde_json::from_slice::<Link>(line) {
                Ok(l) => l,
                Err(_) => {
                    v.broken = Some(format!(
                        "{} is not a whole JSON record (edited, or cut mid-line)",
                        at(n)
                    ));
                    return Ok(v);
                }
            };
            match (link.seq, link.prev) {
                (None, None) => {
                    if let Some(start) = &v.chain_start_at {
                        v.broken = Some(format!(
                            "{} has no seq/prev although the chain started at {start}: it was inserted or rewritten",
                            at(n)
                        ));
                        return Ok(v);
                    }
                    v.unchained += 1;
                }
                (Some(seq), Some(prev)) => {
                    let expected = prev_line.as_deref().map_or(GENESIS.to_string(), line_hash);
                    match prev_seq {
                        None => {
                            v.chain_start = Some(v.lines);
                            v.chain_start_at = Some(at(n));
                            let retained = retention.filter(|r| {
                                seq == r.removed_through + 1
                                    && prev == r.hash
                                    && prev_line.is_none()
                            });
                            if let Some(r) = retained {
                                v.retained_from = Some(seq);
                                v.retention_time = Some(r.time.clone());
                                prev_seq = Some(seq);
                                v.last_seq = Some(seq);
                                prev_line = Some(line.to_vec());
                                continue;
                            }
                            if seq != 1 {
                                v.broken = Some(format!(
                                    "{} starts the chain at seq {seq}, not 1: the {} line(s) before it were removed",
                                    at(n),
                                    seq - 1
                                ));
                                return Ok(v);
                            }
                        }
                        Some(p) if seq != p + 1 => {
                            v.broken = Some(if seq > p + 1 && n == 1 {
                                format!(
                                    "{name} starts at seq {seq} but {} ends at seq {p}: {} line(s) are missing between them (a rotated file was removed, or lines were cut)",
                                    prev_file.as_deref().unwrap_or("the previous file"),
                                    seq - p - 1
                                )
                            } else if seq > p + 1 {
                                format!(
                                    "{} has seq {seq} after seq {p}: {} line(s) were deleted before it",
                                    at(n),
                                    seq - p - 1
                                )
                            } else {
                                format!(
                                    "{} has seq {seq} after seq {p}: lines were reordered or repeated",
                                    at(n)
                                )
                            });
                            return Ok(v);
                        }
                        Some(_) => {}
                    }
                    if prev != expected {
                        v.broken = Some(if v.lines == 1 {
                            format!("{} (seq {seq}) does not start a log: the lines before it were removed", at(n))
                        } else if n == 1 {
                            format!(
                                "{} (seq {seq}) does not match the hash of the last line of {}: that line was edited",
                                at(n),
                                prev_file.as_deref().unwrap_or("the previous file")
                            )
                        } else {
                            format!(
                                "{} (seq {seq}) does not match the hash of line {}: that line was edited",
                                at(n),
                                n - 1
                            )
                        });
                        return Ok(v);
                    }
                    prev_seq = Some(seq);
                    v.last_seq = Some(seq);
                }
                _ => {
                    v.broken = Some(format!(
                        "{} has only one of seq and prev: it was edited",
                        at(n)
                    ));
                    return Ok(v);
                }
            }
            prev_line = Some(line.to_vec());
        }
        prev_file = Some(name);
    }
    v.head = match (head, v.last_seq) {
        (None, _) => HeadCheck::Missing,
        (Some(h), None) => HeadCheck::Broken(format!(
            "the recorded head is seq {}, but the log holds no chained line: it was emptied or replaced",
            h.seq
        )),
        (Some(h), Some(last)) if last < h.seq => HeadCheck::Broken(format!(
            "the log ends at seq {last} but the recorded head is seq {}: {} line(s) were cut from the end",
            h.seq,
            h.seq - last
        )),
        (Some(h), Some(last)) if last == h.seq => {
            let last_hash = prev_line.as_deref().map(line_hash).unwrap_or_default();
            if last_hash == h.hash {
                HeadCheck::Matches
            } else {
                HeadCheck::Broken(format!(
                    "the last line (seq {last}) does not match the recorded head: it was edited"
                ))
            }
        }
        (Some(h), Some(_)) => HeadCheck::Behind { head_seq: h.seq },
    };
    Ok(v)
}

/// Reads every record of an audit log; lines that do not parse are skipped and counted.
pub fn read_all(path: &Path) -> std::io::Result<(Vec<AuditRecord>, usize)> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<AuditRecord>(line) {
            Ok(r) => out.push(r),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_last_line_is_read_back_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        let long = "y".repeat(20_000);
        std::fs::write(&p, format!("first\n{long}\n")).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let len = f.metadata().unwrap().len();
        assert_eq!(
            last_line(&f, len).unwrap(),
            (long.clone().into_bytes(), true)
        );
        std::fs::write(&p, format!("first\n{long}")).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let len = f.metadata().unwrap().len();
        assert_eq!(last_line(&f, len).unwrap(), (long.into_bytes(), false));
        std::fs::write(&p, "only\n").unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let len = f.metadata().unwrap().len();
        assert_eq!(last_line(&f, len).unwrap(), (b"only".to_vec(), true));
    }

    #[test]
    fn chained_appends_link_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        let h = dir.path().join("head");
        for i in 0..3 {
            let head = append_chained(&p, Some(&h), &format!("{{\"n\":{i}}}")).unwrap();
            assert_eq!(head.seq, i + 1);
        }
        append_chained(&p, Some(&h), "{}").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.lines().last().unwrap().ends_with("\"}"), "{text}");
        assert_eq!(
            leading_seq(text.lines().nth(2).unwrap().as_bytes()),
            Some(3)
        );
        let v = verify(&p, read_head(&h).as_ref()).unwrap();
        assert_eq!(v.broken, None);
        assert_eq!(v.head, HeadCheck::Matches);
        assert_eq!(v.last_seq, Some(4));
        // A torn last line stays its own line and is reported.
        std::fs::write(&p, &text[..text.len() - 3]).unwrap();
        append_chained(&p, Some(&h), "{\"n\":9}").unwrap();
        let v = verify(&p, read_head(&h).as_ref()).unwrap();
        assert!(v.broken.unwrap().contains("line 4"));
    }

    #[test]
    fn long_fields_keep_their_start_and_hash() {
        let s = "a".repeat(MAX_FIELD + 10);
        let c = cut_field(&s).unwrap();
        assert!(c.starts_with(&"a".repeat(MAX_FIELD)));
        assert!(c.contains("…[cut 10 bytes sha256:"));
        assert_eq!(cut_field("short"), None);
        let m = mask_bounded(&"b".repeat(3 * MAX_FIELD));
        assert!(m.len() < MAX_FIELD + 120, "{}", m.len());
    }

    fn rot(max_bytes: u64, keep: u32) -> Rotation {
        Rotation {
            max_bytes,
            keep,
            max_age_secs: None,
        }
    }

    fn record(i: usize) -> String {
        format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(200))
    }

    #[test]
    fn rotation_continues_the_chain_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let h = dir.path().join("head.json");
        let r = rot(2000, 10);
        for i in 0..30 {
            let head = append_rotating(&p, Some(&h), &record(i), Some(&r)).unwrap();
            assert_eq!(head.seq, i as u64 + 1);
        }
        let files = log_files(&p);
        assert!(files.len() >= 3, "{files:?}");
        // Rotated files are marked read-only; the live log is not.
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode();
        assert_eq!(mode(&rotated_name(&p, 1)) & 0o200, 0);
        assert_ne!(mode(&p) & 0o200, 0);
        let v = verify_rotated(&p, read_head(&h).as_ref(), None).unwrap();
        assert_eq!(v.broken, None, "{v:?}");
        assert_eq!(v.head, HeadCheck::Matches);
        assert_eq!((v.lines, v.last_seq), (30, Some(30)));
        // The live file on its own does not start at seq 1: its first line links to `.1`.
        assert!(verify(&p, None).unwrap().broken.is_some());
    }

    #[test]
    fn a_removed_middle_file_is_reported_and_retention_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let h = dir.path().join("head.json");
        let r = rot(2000, 3);
        for i in 0..60 {
            append_rotating(&p, Some(&h), &record(i), Some(&r)).unwrap();
        }
        // Only `keep` rotated files are left; verify says where the retained chain starts.
        let rotated = rotated_files(&p);
        assert_eq!(
            rotated.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let ret = read_retention(&h).unwrap();
        let v = verify_rotated(&p, read_head(&h).as_ref(), Some(&ret)).unwrap();
        assert_eq!(v.broken, None, "{v:?}");
        assert_eq!(v.retained_from, Some(ret.removed_through + 1));
        assert_eq!(v.last_seq, Some(60));
        // Without the retention record, the start is a removal.
        let v = verify_rotated(&p, read_head(&h).as_ref(), None).unwrap();
        assert!(v.broken.unwrap().contains("starts the chain at seq"));
        // A middle file removed by hand.
        std::fs::remove_file(rotated_name(&p, 2)).unwrap();
        let v = verify_rotated(&p, read_head(&h).as_ref(), Some(&ret)).unwrap();
        let b = v.broken.unwrap();
        assert!(
            b.contains("audit.jsonl.1 starts at seq")
                && b.contains("line(s) are missing between them"),
            "{b}"
        );
    }

    #[test]
    fn old_rotated_files_go_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let h = dir.path().join("head.json");
        for i in 0..20 {
            append_rotating(&p, Some(&h), &record(i), Some(&rot(2000, 10))).unwrap();
        }
        assert!(rotated_files(&p).len() >= 2);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        for (_, f) in rotated_files(&p) {
            let file = std::fs::File::open(&f).unwrap();
            file.set_modified(old).unwrap();
        }
        let r = Rotation {
            max_age_secs: Some(86_400),
            ..rot(2000, 10)
        };
        for i in 20..40 {
            append_rotating(&p, Some(&h), &record(i), Some(&r)).unwrap();
            if rotated_files(&p).len() == 1 {
                break;
            }
        }
        assert_eq!(rotated_files(&p).len(), 1);
        let ret = read_retention(&h).unwrap();
        let v = verify_rotated(&p, read_head(&h).as_ref(), Some(&ret)).unwrap();
        assert_eq!(v.broken, None, "{v:?}");
    }

    #[test]
    fn writers_racing_a_rotation_lose_and_double_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let h = dir.path().join("head.json");
        let r = rot(3000, 100);
        std::thread::scope(|s| {
            for t in 0..6 {
                let (p, h, r) = (&p, &h, &r);
                s.spawn(move || {
                    for i in 0..50 {
                        append_rotating(p, Some(h), &record(t * 1000 + i), Some(r)).unwrap();
                    }
                });
            }
        });
        let v = verify_rotated(&p, read_head(&h).as_ref(), None).unwrap();
        assert_eq!(v.broken, None, "{v:?}");
        assert_eq!(v.last_seq, Some(300));
        let mut seen = std::collections::BTreeSet::new();
        for f in log_files(&p) {
            for l in std::fs::read_to_string(f).unwrap().lines() {
                let v: Value = serde_json::from_str(l).unwrap();
                assert!(seen.insert(v["n"].as_u64().unwrap()), "doubled: {l}");
            }
        }
        assert_eq!(seen.len(), 300);
    }
}
