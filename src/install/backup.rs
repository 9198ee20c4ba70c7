//! Where install keeps what a config held before it changed it: in hookwarden's data dir,
//! never beside the config. A backup beside a project's config lands in the repository (and
//! gets committed, or read by tools that take every file of the directory); the data dir is
//! the user's, and the built-in guard denies agent writes to it, so the agent cannot plant a
//! "backup" that uninstall would put back.
//!
//! Layout: `<data dir>/backups/<key>/` per config, `<key>` the first 8 bytes of the SHA-256
//! of the config's canonical path (symlinks resolved, so a dotfiles link and its target share
//! one), in hex. In it, `path` records that canonical path (a slot whose `path` names another
//! file is not this config's) and `backup` holds the content, copied with its permissions
//! (settings can hold tokens). The directories are `0700`.
//!
//! Installs before this layout left `<file>.hookwarden.bak` beside the config; uninstall
//! still restores from there, and the next install moves it into the data dir.
//! Managed configs (`install --managed`) keep theirs beside the root-owned file.

use super::{io_err, read_opt, InstallError};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The backup beside a file: `<file>.hookwarden.bak` (managed configs, and installs before
/// backups moved to the data dir).
pub fn beside(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".hookwarden.bak");
    PathBuf::from(s)
}

/// A config's path with symlinks resolved: the file itself when it exists, else its
/// directory (when that exists) joined with its name, else the path as given.
pub fn canonical(config: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(config) {
        return p;
    }
    match (config.parent(), config.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| config.to_path_buf()),
        _ => config.to_path_buf(),
    }
}

/// The place in the data dir for one config's backup.
#[derive(Debug, Clone)]
pub struct Slot {
    dir: PathBuf,
    config: PathBuf,
}

impl Slot {
    /// The slot of `config` under `data_dir`.
    pub fn of(data_dir: &Path, config: &Path) -> Slot {
        use sha2::{Digest, Sha256};
        let config = canonical(config);
        let d = Sha256::digest(config.as_os_str().as_encoded_bytes());
        Slot {
            dir: data_dir.join("backups").join(crate::hex::hex(&d[..8])),
            config,
        }
    }

    /// The backup's content file.
    pub fn file(&self) -> PathBuf {
        self.dir.join("backup")
    }

    fn path_file(&self) -> PathBuf {
        self.dir.join("path")
    }

    fn recorded(&self) -> String {
        format!("{}\n", self.config.display())
    }

    /// The backup, when there is one and it is this config's.
    pub fn read(&self) -> Result<Option<String>, InstallError> {
        let path_file = self.path_file();
        match read_opt(&path_file)? {
            Some(p) if p == self.recorded() => read_opt(&self.file()),
            _ => Ok(None),
        }
    }

    /// Keeps a copy of `from` (the config, or an older backup of it) as this config's backup.
    pub fn store(&self, from: &Path) -> Result<PathBuf, InstallError> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| io_err(&self.dir, e))?;
        let path_file = self.path_file();
        std::fs::write(&path_file, self.recorded()).map_err(|e| io_err(&path_file, e))?;
        let file = self.file();
        // A copy keeps the file's permissions: settings can hold tokens.
        std::fs::copy(from, &file).map_err(|e| io_err(&file, e))?;
        Ok(file)
    }

    /// Deletes the backup (after it was restored, or when it no longer describes the config).
    pub fn discard(&self) {
        let _ = std::fs::remove_file(self.file());
        let _ = std::fs::remove_file(self.path_file());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Where a backup was found.
#[derive(Debug, Clone)]
pub enum Origin {
    /// In the data dir.
    Slot(Slot),
    /// Beside the config, from an older install.
    Beside(PathBuf),
}

/// A backup of a config, read.
#[derive(Debug, Clone)]
pub struct Backup {
    pub text: String,
    pub origin: Origin,
}

impl Backup {
    /// The file it is kept in.
    pub fn file(&self) -> PathBuf {
        match &self.origin {
            Origin::Slot(s) => s.file(),
            Origin::Beside(p) => p.clone(),
        }
    }

    /// Deletes it.
    pub fn discard(&self) {
        match &self.origin {
            Origin::Slot(s) => s.discard(),
            Origin::Beside(p) => {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Every backup of `config`: the one in the data dir first, then one an older install left
/// beside it.
pub fn find(slot: Option<&Slot>, config: &Path) -> Result<Vec<Backup>, InstallError> {
    let mut out = Vec::new();
    if let Some(s) = slot {
        if let Some(text) = s.read()? {
            out.push(Backup {
                text,
                origin: Origin::Slot(s.clone()),
            });
        }
    }
    let old = beside(config);
    if let Some(text) = read_opt(&old)? {
        out.push(Backup {
            text,
            origin: Origin::Beside(old),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn backups_of_different_files_are_kept_apart_and_record_their_path() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        let data = root.join("data");
        let a = root.join("a/.claude/settings.json");
        let b = root.join("b/.claude/settings.json");
        for (p, text) in [(&a, "A"), (&b, "B")] {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let (sa, sb) = (Slot::of(&data, &a), Slot::of(&data, &b));
        assert_ne!(sa.file(), sb.file());
        sa.store(&a).unwrap();
        sb.store(&b).unwrap();
        assert_eq!(sa.read().unwrap().as_deref(), Some("A"));
        assert_eq!(sb.read().unwrap().as_deref(), Some("B"));
        assert!(sa.file().starts_with(data.join("backups")));
        let recorded = std::fs::read_to_string(sa.file().with_file_name("path")).unwrap();
        assert_eq!(recorded, format!("{}\n", a.display()));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sa.file()), 0o600, "the config's permissions are kept");
        assert_eq!(mode(sa.file().parent().unwrap()), 0o700);

        // a slot whose recorded path is another file's is not this one's
        std::fs::write(
            sa.file().with_file_name("path"),
            format!("{}\n", b.display()),
        )
        .unwrap();
        assert_eq!(sa.read().unwrap(), None);

        // a link and its target share one slot
        let link = root.join("link.json");
        std::os::unix::fs::symlink(&b, &link).unwrap();
        assert_eq!(Slot::of(&data, &link).file(), sb.file());

        // the older layout is still found, after the data dir's
        std::fs::write(beside(&b), "old").unwrap();
        let found = find(Some(&sb), &b).unwrap();
        let texts: Vec<&str> = found.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["B", "old"]);
        sb.discard();
        assert!(!sb.file().parent().unwrap().exists());
    }
}
