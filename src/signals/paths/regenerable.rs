//! Regenerable artifacts: the dirs a project's tools rebuild on their own (`node_modules`,
//! `target`, `__pycache__`, ...), whose recursive deletion loses nothing.
//!
//! The shell signal asks [`is_regenerable`] about each target of a recursive deletion and
//! gives the ones that are the class `regenerable`; the default policy lets a deletion pass
//! when every target is scratch space or regenerable. A name in [`ARTIFACTS`] is not enough:
//!
//! - the path must lie inside the project as the file system resolves it (a `target` that is
//!   a link to the home dir is the home dir), below the project root, and be written without
//!   globs or variables;
//! - in a git repository, git must ignore it (the repository's `.gitignore` files, top-down as
//!   git reads them, then `.git/info/exclude` and the user's global excludes file, or its own
//!   `.gitignore` of `*`, as pytest, mypy and ruff write in their caches) and the
//!   index must list no tracked file under it: a `build/` holding one committed file is
//!   source. The `.gitignore` rules are read with the `ignore` crate's matcher; the index with
//!   the small reader in this file (the entry paths of index versions 2 to 4), because the
//!   answer needs only those paths, and running `git ls-files` would cost a process on the hook;
//! - outside git, only the names of dependency and tool caches count ([`Kind::Cache`]): a
//!   `build` or `dist` dir may be all there is of someone's work.
//!
//! Nothing here runs unless a recursive deletion names an artifact: other events pay nothing.

use super::disk;
use crate::signals::{Context, PathFact};
use std::path::{Component, Path, PathBuf};

/// What a name says about a dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A dependency or tool cache: rebuilt from the project's manifests, regenerable by name
    /// even outside git.
    Cache,
    /// A build output: regenerable only where git confirms it (ignored, nothing tracked).
    Output,
}

/// Dir names of regenerable artifacts, with what each is.
pub const ARTIFACTS: &[(&str, Kind)] = &[
    // JavaScript and TypeScript
    ("node_modules", Kind::Cache),
    (".next", Kind::Cache),
    (".nuxt", Kind::Cache),
    (".svelte-kit", Kind::Cache),
    (".angular", Kind::Cache),
    (".turbo", Kind::Cache),
    (".parcel-cache", Kind::Cache),
    (".vite", Kind::Cache),
    (".eslintcache", Kind::Cache),
    (".yarn-cache", Kind::Cache),
    // Python
    ("__pycache__", Kind::Cache),
    (".pytest_cache", Kind::Cache),
    (".mypy_cache", Kind::Cache),
    (".ruff_cache", Kind::Cache),
    (".hypothesis", Kind::Cache),
    (".tox", Kind::Cache),
    (".nox", Kind::Cache),
    (".venv", Kind::Cache),
    (".eggs", Kind::Cache),
    // JVM, Dart
    (".gradle", Kind::Cache),
    (".dart_tool", Kind::Cache),
    // Build outputs
    ("target", Kind::Output),
    ("dist", Kind::Output),
    ("build", Kind::Output),
    ("out", Kind::Output),
    ("coverage", Kind::Output),
    ("htmlcov", Kind::Output),
    ("venv", Kind::Output),
    (".build", Kind::Output),
    ("cmake-build-debug", Kind::Output),
    ("cmake-build-release", Kind::Output),
    ("_build", Kind::Output),
    ("bin", Kind::Output),
    ("obj", Kind::Output),
];

/// The kind of an artifact dir name.
pub fn kind_of(name: &str) -> Option<Kind> {
    ARTIFACTS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Whether the target of a recursive deletion is a regenerable artifact of the project.
pub fn is_regenerable(f: &PathFact, ctx: &Context) -> bool {
    if f.has("glob") || f.has("dynamic") || f.has("git_dir") || f.has("project_ancestor") {
        return false;
    }
    let lexical = PathBuf::from(&f.resolved);
    // Cheap first: an artifact name somewhere below the project root, as written.
    let Ok(rel) = lexical.strip_prefix(&ctx.project_root) else {
        return false;
    };
    if !names_artifact(rel) {
        return false;
    }
    let Some(root) = disk::locate(&ctx.project_root).filter(|d| d.exists) else {
        return false;
    };
    let root = root.real;
    let real = f.real.as_ref().map(PathBuf::from).unwrap_or(lexical);
    let Some(real) = disk::locate(&real).map(|d| d.real) else {
        return false;
    };
    let Ok(rel) = real.strip_prefix(&root) else {
        return false;
    };
    let Some(kind) = artifact_kind(rel) else {
        return false;
    };
    // A repository of its own inside the artifact is someone's work.
    if real.join(".git").exists() {
        return false;
    }
    match git_dir(&root) {
        Some(git) => {
            (ignored(&root, &git, rel) || ignores_itself(&real))
                && tracked_under(&git, rel) == Some(false)
        }
        None => kind == Kind::Cache,
    }
}

/// Whether a relative path below the project root names an artifact dir (itself or an
/// ancestor), and none of its components is `..` or `.git`.
fn names_artifact(rel: &Path) -> bool {
    artifact_kind(rel).is_some()
}

/// The kind of the outermost artifact dir on a relative path, if any; `None` for an empty
/// path or one with `..` or `.git`.
fn artifact_kind(rel: &Path) -> Option<Kind> {
    let mut found = None;
    for c in rel.components() {
        match c {
            Component::Normal(n) => {
                let n = n.to_string_lossy();
                if n == ".git" {
                    return None;
                }
                if found.is_none() {
                    found = kind_of(&n);
                }
            }
            _ => return None,
        }
    }
    found
}

/// The git dir of a repository whose work tree is `root`: `.git` itself, or where a `.git`
/// file (a worktree, a submodule) points.
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot = root.join(".git");
    let meta = std::fs::metadata(&dot).ok()?;
    if meta.is_dir() {
        return Some(dot);
    }
    let text = std::fs::read_to_string(&dot).ok()?;
    let to = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    Some(super::normalize(&root.join(to)))
}

/// Whether git ignores the dir `rel` (relative to the work tree `root`): it or one of its
/// ancestor dirs is excluded, each decided as git does, by the deepest `.gitignore` with a
/// matching pattern, then `info/exclude`, then the global excludes file. Git never looks into
/// an excluded dir, so a negation below it cannot re-include anything.
fn ignored(root: &Path, git: &Path, rel: &Path) -> bool {
    use ignore::gitignore::{Gitignore, GitignoreBuilder};
    use ignore::Match;
    // `info/exclude` patterns are relative to the work tree, not to the dir holding them.
    let mut b = GitignoreBuilder::new(root);
    let _ = b.add(git.join("info/exclude"));
    let exclude = b.build().unwrap_or_else(|_| Gitignore::empty());
    let (global, _) = GitignoreBuilder::new(root).build_global();
    // The `.gitignore` matchers of `root` and of each dir on the way down.
    let mut files = vec![Gitignore::new(root.join(".gitignore")).0];
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let is_ignored = files
            .iter()
            .rev()
            .chain([&exclude, &global])
            .find_map(|m| match m.matched(&at, true) {
                Match::None => None,
                Match::Ignore(_) => Some(true),
                Match::Whitelist(_) => Some(false),
            })
            .unwrap_or(false);
        if is_ignored {
            return true;
        }
        files.push(Gitignore::new(at.join(".gitignore")).0);
    }
    false
}

/// Whether a dir's own `.gitignore` ignores everything in it (`*`), as the caches of pytest,
/// mypy and ruff write on creation: git then shows none of its content.
fn ignores_itself(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(".gitignore"))
        .is_ok_and(|t| t.lines().any(|l| l.trim() == "*") && !t.lines().any(|l| l.starts_with('!')))
}

/// Whether the index lists a tracked path at or under `rel` (or `rel` lies inside a tracked
/// submodule); `None` when the index cannot be read.
fn tracked_under(git: &Path, rel: &Path) -> Option<bool> {
    let rel = rel.to_str()?;
    let data = match std::fs::read(git.join("index")) {
        Ok(d) => d,
        // A repository with nothing added yet has no index.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    let mut hit = false;
    index_paths(&data, |p| {
        let under = p == rel.as_bytes()
            || (p.starts_with(rel.as_bytes()) && p.get(rel.len()) == Some(&b'/'))
            || (rel.as_bytes().starts_with(p) && rel.as_bytes().get(p.len()) == Some(&b'/'));
        hit |= under;
        !hit
    })?;
    Some(hit)
}

/// Calls `each` with every entry path of a git index (versions 2, 3 and 4) until it returns
/// false. `None` when the data is not an index this reader understands, or when its entries
/// live in a shared index (split index), which it does not read.
fn index_paths(data: &[u8], mut each: impl FnMut(&[u8]) -> bool) -> Option<()> {
    let be32 = |at: usize| -> Option<u32> {
        let b = data.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if data.get(0..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(8)? as usize;
    let mut at = 12;
    let mut prev: Vec<u8> = Vec::new();
    let mut stopped = false;
    for _ in 0..count {
        // ctime, mtime, dev, ino, mode, uid, gid, size, object id (SHA-1), flags.
        let flags = u16::from_be_bytes([*data.get(at + 60)?, *data.get(at + 61)?]);
        let mut p = at + 62;
        if version >= 3 && flags & 0x4000 != 0 {
            p += 2;
        }
        let path: Vec<u8> = if version == 4 {
            let (strip, used) = varint(data.get(p..)?)?;
            p += used;
            let end = p + data.get(p..)?.iter().position(|&b| b == 0)?;
            let keep = prev.len().checked_sub(strip)?;
            let mut path = prev[..keep].to_vec();
            path.extend_from_slice(&data[p..end]);
            at = end + 1;
            path
        } else {
            let end = p + data.get(p..)?.iter().position(|&b| b == 0)?;
            let path = data[p..end].to_vec();
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            let len = end - at;
            at += (len + 8) & !7;
            path
        };
        if !stopped && !each(&path) {
            stopped = true;
        }
        prev = path;
    }
    // Extensions: a `link` extension means entries live in a shared index.
    while at + 8 <= data.len().saturating_sub(20) {
        let sig = data.get(at..at + 4)?;
        if sig == b"link" {
            return None;
        }
        at += 8 + be32(at + 4)? as usize;
    }
    Some(())
}

/// Git's offset varint (index v4 path prefixes): the value and the bytes it took.
fn varint(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut c = *b.first()?;
    let mut val = (c & 0x7f) as usize;
    while c & 0x80 != 0 {
        i += 1;
        c = *b.get(i)?;
        val = val.checked_add(1)?.checked_shl(7)? | (c & 0x7f) as usize;
    }
    Some((val, i + 1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn artifact_names_are_found_on_the_path_as_written() {
        assert_eq!(artifact_kind(Path::new("node_modules")), Some(Kind::Cache));
        assert_eq!(
            artifact_kind(Path::new("web/node_modules/left-pad")),
            Some(Kind::Cache)
        );
        assert_eq!(artifact_kind(Path::new("build/x")), Some(Kind::Output));
        assert_eq!(artifact_kind(Path::new("src")), None);
        assert_eq!(artifact_kind(Path::new("")), None);
        assert_eq!(artifact_kind(Path::new("node_modules/.git")), None);
    }

    #[test]
    fn varints_decode_as_git_writes_them() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x81, 0x00]), Some((256, 2)));
        assert_eq!(varint(&[0x80]), None);
    }

    #[test]
    fn an_index_that_is_not_one_reads_as_unknown() {
        assert!(index_paths(b"", |_| true).is_none());
        assert!(index_paths(b"DIRC\0\0\0\x09\0\0\0\0", |_| true).is_none());
        assert!(index_paths(b"DIRC\0\0\0\x02\0\0\0\x05", |_| true).is_none());
    }

    /// The reader lists the paths `git ls-files` lists, for every index version git writes.
    #[test]
    fn index_paths_match_git_ls_files() {
        let Ok(out) = std::process::Command::new("git").arg("--version").output() else {
            return;
        };
        if !out.status.success() {
            return;
        }
        for version in ["2", "3", "4"] {
            let dir = tempfile::tempdir().unwrap();
            let git = |args: &[&str]| {
                std::process::Command::new("git")
                    .args(args)
                    .current_dir(dir.path())
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("HOME", dir.path())
                    .output()
                    .unwrap()
            };
            git(&["init", "-q"]);
            for f in [
                "a.txt",
                "src/lib/x.rs",
                "src/lib/y.rs",
                "src/main.rs",
                "z/very/deep/f",
            ] {
                let p = dir.path().join(f);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, "x").unwrap();
            }
            git(&["add", "."]);
            if version == "3" {
                git(&["update-index", "--intent-to-add", "a.txt"]);
            }
            git(&["update-index", "--index-version", version]);
            let listed = git(&["ls-files"]).stdout;
            let want: Vec<&[u8]> = listed
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .collect();
            let data = std::fs::read(dir.path().join(".git/index")).unwrap();
            let mut got: Vec<Vec<u8>> = Vec::new();
            index_paths(&data, |p| {
                got.push(p.to_vec());
                true
            })
            .unwrap();
            assert_eq!(got, want, "index version {version}");
            let git_dir = dir.path().join(".git");
            assert_eq!(tracked_under(&git_dir, Path::new("src/lib")), Some(true));
            assert_eq!(tracked_under(&git_dir, Path::new("src/li")), Some(false));
            assert_eq!(tracked_under(&git_dir, Path::new("z/very")), Some(true));
            assert_eq!(tracked_under(&git_dir, Path::new("build")), Some(false));
        }
    }
}
