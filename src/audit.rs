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
fn last_line(f: &std::fs::File) -> std::io::Result<(Vec<u8>, bool)> {
    const BLOCK: u64 = 8192;
    let len = f.metadata()?.len();
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
    // Padded to a fixed width, so an overwrite always covers the previous head and the file
    // needs no truncation (JSON allows the trailing blanks).
    let mut bytes = serde_json::to_vec(head).map_err(std::io::Error::other)?;
    if bytes.len() < HEAD_WIDTH {
        bytes.resize(HEAD_WIDTH - 1, b' ');
        bytes.push(b'\n');
        f.write_all(&bytes)
    } else {
        f.write_all(&bytes)?;
        f.set_len(bytes.len() as u64)
    }
}

/// The size of a head file: more than any head's JSON.
const HEAD_WIDTH: usize = 128;

/// Reads a recorded chain head; `None` when there is none.
pub fn read_head(path: &Path) -> Option<Head> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Appends one record (a JSON object's text) to the log as the next link of its chain, under
/// the log's exclusive lock, and records the new head at `head_path`.
pub fn append_chained(
    path: &Path,
    head_path: Option<&Path>,
    record: &str,
) -> std::io::Result<Head> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.lock_exclusive()?;
    let res = append_locked(&f, head_path, record);
    let _ = FileExt::unlock(&f);
    res
}

fn append_locked(
    mut f: &std::fs::File,
    head_path: Option<&Path>,
    record: &str,
) -> std::io::Result<Head> {
    let (last, ends_in_newline) = last_line(f)?;
    let (seq, prev) = if last.is_empty() && ends_in_newline {
        (1, GENESIS.to_string())
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
    Ok(head)
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
    let line = encode(record)?;
    let path = crate::dirs::audit_path();
    let head = crate::dirs::audit_head_path(&path);
    match append_chained(&path, head.as_deref(), &line) {
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
    /// The line where the chain starts (1-based), if any line is chained.
    pub chain_start: Option<usize>,
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
pub fn verify(path: &Path, head: Option<&Head>) -> std::io::Result<Verification> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mut r = std::io::BufReader::new(f);
    let mut v = Verification::default();
    let mut prev_line: Option<Vec<u8>> = None;
    let mut prev_seq: Option<u64> = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        v.lines += 1;
        let n = v.lines;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let link = match serde_json::from_slice::<Link>(line) {
            Ok(l) => l,
            Err(_) => {
                v.broken = Some(format!(
                    "line {n} is not a whole JSON record (edited, or cut mid-line)"
                ));
                return Ok(v);
            }
        };
        match (link.seq, link.prev) {
            (None, None) => {
                if let Some(start) = v.chain_start {
                    v.broken = Some(format!(
                        "line {n} has no seq/prev although the chain started at line {start}: it was inserted or rewritten"
                    ));
                    return Ok(v);
                }
                v.unchained += 1;
            }
            (Some(seq), Some(prev)) => {
                let expected = prev_line.as_deref().map_or(GENESIS.to_string(), line_hash);
                match prev_seq {
                    None => {
                        v.chain_start = Some(n);
                        if seq != 1 {
                            v.broken = Some(format!(
                                "line {n} starts the chain at seq {seq}, not 1: the {} line(s) before it were removed",
                                seq - 1
                            ));
                            return Ok(v);
                        }
                    }
                    Some(p) if seq != p + 1 => {
                        v.broken = Some(if seq > p + 1 {
                            format!(
                                "line {n} has seq {seq} after seq {p}: {} line(s) were deleted before it",
                                seq - p - 1
                            )
                        } else {
                            format!("line {n} has seq {seq} after seq {p}: lines were reordered or repeated")
                        });
                        return Ok(v);
                    }
                    Some(_) => {}
                }
                if prev != expected {
                    v.broken = Some(if n == 1 {
                        format!("line 1 (seq {seq}) does not start a log: the lines before it were removed")
                    } else {
                        format!(
                            "line {n} (seq {seq}) does not match the hash of line {}: that line was edited",
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
                    "line {n} has only one of seq and prev: it was edited"
                ));
                return Ok(v);
            }
        }
        prev_line = Some(line.to_vec());
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
        assert_eq!(last_line(&f).unwrap(), (long.clone().into_bytes(), true));
        std::fs::write(&p, format!("first\n{long}")).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        assert_eq!(last_line(&f).unwrap(), (long.into_bytes(), false));
        std::fs::write(&p, "only\n").unwrap();
        let f = std::fs::File::open(&p).unwrap();
        assert_eq!(last_line(&f).unwrap(), (b"only".to_vec(), true));
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
}
