//! What the file system says about a path operand: where it really leads once symbolic links
//! are followed, whether it is a hard-linked file, and what a glob expands to.
//!
//! Every lookup is bounded: a path costs four system calls on Linux whatever its depth (open
//! with `O_PATH`, `fstat`, `readlink` of the descriptor, close) plus one per missing trailing
//! component; a glob reads at most [`MAX_DIRS`] directories and keeps [`MAX_MATCHES`] matches.
//! Nothing here runs for a command without path operands.

use std::path::{Component, Path, PathBuf};

/// A path as the file system resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDisk {
    /// The longest existing prefix with every symbolic link followed, then the rest as written.
    pub real: PathBuf,
    /// The whole path exists.
    pub exists: bool,
    /// It is a regular file.
    pub is_file: bool,
    /// Its link count (1 for a file with one name; 0 when it does not exist).
    pub nlink: u64,
}

/// Components a missing path may have below its existing prefix before the lookup gives up.
const MAX_MISSING: usize = 64;

/// Dangling symbolic links followed one after another before the lookup gives up.
const MAX_DANGLING: usize = 8;

/// Resolves an absolute path through the file system (`..` as the kernel reads it).
pub fn locate(abs: &Path) -> Option<OnDisk> {
    locate_within(abs, MAX_DANGLING)
}

fn locate_within(abs: &Path, dangling: usize) -> Option<OnDisk> {
    if !abs.is_absolute() {
        return None;
    }
    let mut cur = abs.to_path_buf();
    let mut missing: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Some((real, is_file, nlink)) = open_real(&cur) {
            let exists = missing.is_empty();
            let mut real = real;
            for c in missing.iter().rev() {
                real.push(c);
            }
            return Some(OnDisk {
                real: super::normalize(&real),
                exists,
                is_file: exists && is_file,
                nlink: if exists { nlink } else { 0 },
            });
        }
        if missing.is_empty() && dangling > 0 {
            // A dangling symbolic link still says where it leads.
            if let Ok(target) = std::fs::read_link(&cur) {
                let base = cur.parent().unwrap_or(Path::new("/"));
                let to = super::normalize(&base.join(target));
                if to != super::normalize(&cur) && !to.starts_with(&cur) {
                    return locate_within(&to, dangling - 1).map(|mut d| {
                        d.exists = false;
                        d.nlink = 0;
                        d.is_file = false;
                        d
                    });
                }
            }
        }
        let name = cur.file_name()?.to_os_string();
        missing.push(name);
        if missing.len() > MAX_MISSING {
            return None;
        }
        cur = cur.parent()?.to_path_buf();
    }
}

/// The real path, whether it is a regular file, and its link count, of an existing path.
#[cfg(target_os = "linux")]
fn open_real(p: &Path) -> Option<(PathBuf, bool, u64)> {
    use rustix::fs::{FileType, Mode, OFlags};
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStringExt;
    let fd = rustix::fs::open(p, OFlags::PATH | OFlags::CLOEXEC, Mode::empty()).ok()?;
    let st = rustix::fs::fstat(&fd).ok()?;
    let is_file = FileType::from_raw_mode(st.st_mode) == FileType::RegularFile;
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let real = match rustix::fs::readlink(link.as_str(), Vec::new()) {
        Ok(r) => PathBuf::from(std::ffi::OsString::from_vec(r.into_bytes())),
        // No /proc: the portable way, a system call per component.
        Err(_) => std::fs::canonicalize(p).ok()?,
    };
    // `nlink_t` is 32 bits on some architectures.
    #[allow(clippy::useless_conversion)]
    let nlink = u64::from(st.st_nlink);
    Some((real, is_file, nlink))
}

#[cfg(not(target_os = "linux"))]
fn open_real(p: &Path) -> Option<(PathBuf, bool, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(p).ok()?;
    let real = std::fs::canonicalize(p).ok()?;
    Some((real, meta.is_file(), meta.nlink()))
}

/// How many bytes of a hard-linked file are read to recognise a key or credentials in it.
const SNIFF_BYTES: usize = 1024;

/// The secret class the first bytes of a file show (a PEM private key, AWS credentials,
/// `NAME=value` secrets), read only for hard-linked files whose other names are unknown.
pub fn sniff(p: &Path) -> Option<&'static str> {
    use std::io::Read;
    let f = std::fs::File::open(p).ok()?;
    let mut buf = Vec::with_capacity(SNIFF_BYTES);
    f.take(SNIFF_BYTES as u64).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    if text.contains("PRIVATE KEY-----") || text.contains("PRIVATE KEY BLOCK-----") {
        return Some("private_key");
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("aws_secret_access_key") || lower.contains("aws_access_key_id") {
        return Some("cloud_credentials");
    }
    let env_secret = text.lines().any(|l| {
        let Some((name, value)) = l.trim_start_matches("export ").split_once('=') else {
            return false;
        };
        let name = name.trim().to_ascii_uppercase();
        !value.trim().is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && ["SECRET", "TOKEN", "PASSWORD", "API_KEY", "PRIVATE_KEY"]
                .iter()
                .any(|w| name.contains(w))
    });
    env_secret.then_some("env_file")
}

/// Directories a glob expansion may read.
pub const MAX_DIRS: usize = 64;
/// Matches a glob expansion keeps.
pub const MAX_MATCHES: usize = 256;
/// Directory entries a glob expansion may look at in all.
const MAX_ENTRIES: usize = 4096;

/// What a glob expands to on disk.
#[derive(Debug, Default)]
pub struct Expansion {
    pub matches: Vec<PathBuf>,
    /// Every directory the glob names could be read and no bound was hit.
    pub complete: bool,
}

/// Whether a path segment holds glob characters.
pub fn is_wild(seg: &str) -> bool {
    seg.contains(['*', '?', '['])
}

/// Options for matching one path segment the way the shell does: `*` does not match a
/// leading dot.
pub fn shell_match() -> glob::MatchOptions {
    glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    }
}

/// A pattern for one path segment (`**` is `*` outside `globstar`); `None` when the segment
/// is not a valid pattern, which the shell then passes on as written.
pub fn segment_pattern(seg: &str) -> Option<glob::Pattern> {
    let seg = seg.replace("**", "*");
    glob::Pattern::new(&seg).ok()
}

/// Expands an absolute, normalized glob against the file system, segment by segment, as the
/// shell would (no recursion beyond what the pattern says), within the bounds above.
pub fn expand(pattern: &Path) -> Expansion {
    let mut current: Vec<PathBuf> = vec![PathBuf::from("/")];
    let mut dirs = 0;
    let mut entries = 0;
    let mut complete = true;
    let segs: Vec<String> = pattern
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    let last_wild = segs.iter().rposition(|s| is_wild(s));
    for seg in &segs {
        let pat = if is_wild(seg) {
            segment_pattern(seg)
        } else {
            None
        };
        let Some(pat) = pat else {
            for c in &mut current {
                c.push(seg);
            }
            continue;
        };
        let mut next = Vec::new();
        for dir in &current {
            if dirs >= MAX_DIRS {
                complete = false;
                break;
            }
            dirs += 1;
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in rd.flatten() {
                entries += 1;
                if entries > MAX_ENTRIES || next.len() >= MAX_MATCHES {
                    complete = false;
                    break;
                }
                let name = e.file_name();
                let name = name.to_string_lossy();
                if pat.matches_with(&name, shell_match()) {
                    next.push(dir.join(name.as_ref()));
                }
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    // Literal trailing segments name entries that may not exist: the shell keeps only matches.
    if last_wild.is_some_and(|w| w + 1 < segs.len()) {
        current.retain(|p| p.symlink_metadata().is_ok());
    }
    current.sort();
    Expansion {
        matches: current,
        complete,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_symlink_leads_to_its_target_and_a_missing_tail_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::write(root.join("real/key"), "x").unwrap();
        symlink(root.join("real"), root.join("link")).unwrap();
        let got = locate(&root.join("link/key")).unwrap();
        assert_eq!(got.real, root.join("real/key"));
        assert!(got.exists && got.is_file);
        assert_eq!(got.nlink, 1);
        let got = locate(&root.join("link/new/file")).unwrap();
        assert_eq!(got.real, root.join("real/new/file"));
        assert!(!got.exists);
        // `..` after a link is the target's parent, as the kernel reads it.
        let got = locate(&root.join("link/../real/key")).unwrap();
        assert_eq!(got.real, root.join("real/key"));
    }

    #[test]
    fn a_dangling_link_still_says_where_it_leads() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        symlink(root.join("nowhere/id_rsa"), root.join("k")).unwrap();
        assert_eq!(
            locate(&root.join("k")).unwrap().real,
            root.join("nowhere/id_rsa")
        );
    }

    #[test]
    fn hard_links_are_counted_and_sniffed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::write(root.join("k"), "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n").unwrap();
        std::fs::hard_link(root.join("k"), root.join("notes.txt")).unwrap();
        let got = locate(&root.join("notes.txt")).unwrap();
        assert_eq!(got.nlink, 2);
        assert_eq!(sniff(&root.join("notes.txt")), Some("private_key"));
        std::fs::write(root.join("e"), "# app\nAPI_TOKEN=abc123\n").unwrap();
        assert_eq!(sniff(&root.join("e")), Some("env_file"));
        std::fs::write(root.join("p"), "{\"name\": \"x\"}\n").unwrap();
        assert_eq!(sniff(&root.join("p")), None);
    }

    #[test]
    fn globs_expand_like_the_shell() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        for f in [".env", ".env.example", "a.rs", "b.rs", "sub/c.rs"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let names = |pat: &str| -> Vec<String> {
            let e = expand(&root.join(pat));
            assert!(e.complete);
            e.matches
                .iter()
                .map(|m| m.strip_prefix(&root).unwrap().to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(names(".e*"), [".env", ".env.example"]);
        assert_eq!(names(".en?"), [".env"]);
        assert_eq!(names(".[e]nv"), [".env"]);
        assert_eq!(names("*.rs"), ["a.rs", "b.rs"]);
        // `*` does not match a leading dot.
        assert!(!names("*").contains(&".env".to_string()));
        assert_eq!(names("*/c.rs"), ["sub/c.rs"]);
        assert!(names("*/missing").is_empty());
    }
}
