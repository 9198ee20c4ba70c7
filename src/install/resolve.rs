//! Finding the program a hook command names by a bare name (`hookwarden hook --runtime R`,
//! what install writes into a project's config) the way the runtime's shell will: the first
//! executable file of that name in a `PATH` directory.
//!
//! What a bare name does and does not guarantee: it runs on every machine that has
//! hookwarden on its `PATH`, so a config committed with the project protects every teammate
//! who installed it. It runs whatever `hookwarden` comes first on the `PATH` the runtime was
//! started with, so a program of that name in an earlier directory shadows the real one. The
//! built-in guard denies agent writes to `hookwarden` in every absolute `PATH` directory of
//! the hook call (and in `~/.local/bin`, `~/.cargo/bin`, `~/bin`, `/usr/local/bin`,
//! `/usr/bin`), existing or not; it cannot see a relative `PATH` entry (`.`, an empty one,
//! `node_modules/.bin`), which is resolved against the directory the hook runs in, nor a
//! directory a shell profile will add to the `PATH` of a later session. [`lookup`] reports
//! the relative entries that come first, for `doctor`.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where a bare program name resolves on a `PATH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The file that runs: the first executable file of that name in an absolute entry.
    pub found: Option<PathBuf>,
    /// Relative entries searched before it (all of them when nothing was found), as written
    /// (`""` is an empty entry: the current directory).
    pub relative_before: Vec<String>,
}

fn executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolves `name` on a `PATH` value. A relative entry is not resolved (it depends on the
/// directory the hook runs in): it is reported instead.
pub fn lookup(name: &str, path_var: Option<&OsStr>) -> Lookup {
    let mut out = Lookup::default();
    let Some(path_var) = path_var else {
        return out;
    };
    for dir in std::env::split_paths(path_var) {
        if !dir.is_absolute() {
            out.relative_before.push(dir.display().to_string());
            continue;
        }
        let candidate = dir.join(name);
        if executable(&candidate) {
            out.found = Some(candidate);
            return out;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_first_executable_in_an_absolute_entry_wins_and_relative_entries_are_reported() {
        let t = tempfile::tempdir().unwrap();
        let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
        for d in [&a, &b, &c] {
            std::fs::create_dir_all(d).unwrap();
        }
        // not executable: skipped, as a shell skips it
        std::fs::write(a.join("hookwarden"), "").unwrap();
        for d in [&b, &c] {
            std::fs::write(d.join("hookwarden"), "").unwrap();
            std::fs::set_permissions(d.join("hookwarden"), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let path = std::env::join_paths([&a, Path::new("."), &b, &c]).unwrap();
        let l = lookup("hookwarden", Some(&path));
        assert_eq!(l.found, Some(b.join("hookwarden")));
        assert_eq!(l.relative_before, ["."]);
        let none = lookup("hookwarden", Some(OsStr::new("/nonexistent::bin")));
        assert_eq!(none.found, None);
        assert_eq!(none.relative_before, ["", "bin"]);
        assert_eq!(lookup("hookwarden", None), Lookup::default());
    }
}
