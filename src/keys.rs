//! Keys that authenticate approval grants, and randomness from the OS for codes and nonces.
//!
//! A grant in the state store says "a person allowed this exact action". The hook only honours
//! one that carries a valid signature over the grant and the request it grants (see the
//! engine's approvals); everything else is tampering and is audited as such. Two modes:
//!
//! - **Personal** (the default): a 32-byte key from the OS random source, created `0600` in
//!   the data dir on first need (`approval.key`), and an HMAC-SHA256 over the grant. Honest
//!   limit: the agent runs as the same OS user and can read that file. The MAC stops grants
//!   written by hand or by scripts that do not know the scheme; the terminal nonce of
//!   `hookwarden approve` stops the agent's shell tool from approving its own request. Neither
//!   is an OS boundary against an agent that sets out to forge a grant with the key.
//! - **Managed**: an administrator creates an ed25519 key pair in the system dir
//!   (`/etc/hookwarden/approver.key`, root-only, and `approver.pub`, readable by all) with
//!   `sudo hookwarden approve --init-managed-key`. The hook then verifies grants with the public
//!   key and accepts nothing else; signing needs the private key, so approving needs
//!   `sudo hookwarden approve`. An HMAC would not do here: verifying it needs the secret. This
//!   is the OS boundary: an agent without root cannot produce a grant the hook accepts.
//!
//! Which of the two is in force is [`crate::managed::mode`], the one test of managed mode: the
//! key pair, an org policy or `managed.toml` in the system dir turn it on, and a managed
//! machine without the key pair verifies no grant (the personal key would be forgeable there).
//!
//! Nothing here is read on a hook call that needs no approval: the engine asks for a
//! [`Verifier`] only when a grant for the action exists.

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

type HmacSha256 = Hmac<Sha256>;

const HMAC_PREFIX: &str = "hmac-sha256:";
const ED25519_PREFIX: &str = "ed25519:";

/// Six-character codes and nonces a person can read out and type: no 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the OS random source failed: {0}")]
    Random(String),
    #[error("approval key {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("approval key {path} is damaged ({what}); remove it to create a new one (grants signed with it stop working)")]
    Damaged { path: String, what: String },
    #[error("approvals on this machine are signed with the managed key {path}, which only root can read: run `sudo hookwarden approve ...`")]
    ManagedNeedsRoot { path: String },
    #[error("this machine is managed, but it has no managed approver key {path}: no grant counts until an administrator runs `sudo hookwarden approve --init-managed-key`")]
    ManagedNoKey { path: String },
    #[error("the org directory is refused: {0}")]
    OrgRefused(String),
    #[error("the managed approver key {private} does not match {public}")]
    ManagedMismatch { private: String, public: String },
}

fn io_err(path: &Path, source: std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Fills `buf` from the OS random source.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), KeyError> {
    getrandom::fill(buf).map_err(|e| KeyError::Random(e.to_string()))
}

/// `n` characters of [`CODE_ALPHABET`], uniformly drawn from the OS random source.
pub fn random_code(n: usize) -> Result<String, KeyError> {
    let len = CODE_ALPHABET.len();
    // Bytes at or above the largest multiple of the alphabet size are redrawn: no bias.
    let limit = 256 - 256 % len;
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 32];
    while out.len() < n {
        random_bytes(&mut buf)?;
        for &b in &buf {
            if (b as usize) < limit && out.len() < n {
                out.push(CODE_ALPHABET[b as usize % len] as char);
            }
        }
    }
    Ok(out)
}

/// Bytes of a lowercase or uppercase hex string; `None` for anything else.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Opens a key file for reading without following a symlink.
fn read_key_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mut bytes = Vec::new();
    Read::take(&mut f, 4096).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn decode_hex32(path: &Path, bytes: &[u8]) -> Result<[u8; 32], KeyError> {
    let damaged = |what: &str| KeyError::Damaged {
        path: path.display().to_string(),
        what: what.to_string(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| damaged("not text"))?;
    let v = decode_hex(text.trim()).ok_or_else(|| damaged("not hex"))?;
    v.try_into().map_err(|_| damaged("not 32 bytes"))
}

/// Writes a new key file that did not exist: `0600`, never through a symlink, never over
/// another file.
fn create_key_file(path: &Path, contents: &str, mode: u32) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

/// A 32-byte per-install key kept hex-encoded in `path` (`0600`, never through a symlink),
/// created from the OS random source on first need. Two processes creating it at once end up
/// with the same key: the second reads the first one's file.
pub fn load_or_create_key(path: &Path) -> Result<[u8; 32], KeyError> {
    match read_key_file(path) {
        Ok(bytes) => return decode_hex32(path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(path, e)),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let mut key = [0u8; 32];
    random_bytes(&mut key)?;
    match create_key_file(path, &crate::hex::hex(&key), 0o600) {
        Ok(()) => Ok(key),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = read_key_file(path).map_err(|e| io_err(path, e))?;
            decode_hex32(path, &bytes)
        }
        Err(e) => Err(io_err(path, e)),
    }
}

/// Whether this machine uses managed approvals: managed mode ([`crate::managed::mode`]),
/// the same test that decides what the environment may change. A managed machine without
/// the key pair verifies no grant until an administrator creates it.
pub fn managed() -> bool {
    crate::managed::is_managed()
}

/// Signs grants: `hookwarden approve` holds one.
pub enum Signer {
    Personal([u8; 32]),
    Managed(Box<SigningKey>),
}

impl Signer {
    /// The signer for this machine: the managed private key when managed mode is on (only
    /// root can read it), else the personal key in `data_dir`, created on first need.
    pub fn load(data_dir: &Path) -> Result<Signer, KeyError> {
        if managed() {
            return load_managed_signer();
        }
        load_or_create_key(&crate::dirs::approval_key_path(data_dir)).map(Signer::Personal)
    }

    /// `scheme:hex` signature over `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        match self {
            Signer::Personal(key) => {
                format!("{HMAC_PREFIX}{}", crate::hex::hex(&hmac(key, message)))
            }
            Signer::Managed(k) => {
                let sig = k.sign(message);
                format!("{ED25519_PREFIX}{}", crate::hex::hex(&sig.to_bytes()))
            }
        }
    }

    pub fn is_managed(&self) -> bool {
        matches!(self, Signer::Managed(_))
    }
}

fn hmac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    // An HMAC accepts keys of any length; this cannot fail for 32 bytes.
    let mut m = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0u8; 32],
    };
    m.update(message);
    m.finalize().into_bytes().into()
}

fn load_managed_signer() -> Result<Signer, KeyError> {
    let (private, public) = crate::dirs::managed_key_paths();
    if let crate::managed::Mode::Broken(why) = crate::managed::mode() {
        return Err(KeyError::OrgRefused(why.clone()));
    }
    let bytes = match read_key_file(&private) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyError::ManagedNoKey {
                path: private.display().to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(KeyError::ManagedNeedsRoot {
                path: private.display().to_string(),
            })
        }
        Err(e) => return Err(io_err(&private, e)),
    };
    let key = SigningKey::from_bytes(&decode_hex32(&private, &bytes)?);
    let pub_bytes = read_key_file(&public).map_err(|e| io_err(&public, e))?;
    let expected = decode_hex32(&public, &pub_bytes)?;
    if key.verifying_key().to_bytes() != expected {
        return Err(KeyError::ManagedMismatch {
            private: private.display().to_string(),
            public: public.display().to_string(),
        });
    }
    Ok(Signer::Managed(Box::new(key)))
}

/// Creates the managed key pair in the system dir (run as root). Refuses to replace one.
pub fn init_managed() -> Result<(PathBuf, PathBuf), KeyError> {
    let (private, public) = crate::dirs::managed_key_paths();
    if let Some(dir) = private.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let mut seed = [0u8; 32];
    random_bytes(&mut seed)?;
    let key = SigningKey::from_bytes(&seed);
    create_key_file(&private, &crate::hex::hex(&seed), 0o600).map_err(|e| io_err(&private, e))?;
    create_key_file(
        &public,
        &crate::hex::hex(&key.verifying_key().to_bytes()),
        0o644,
    )
    .map_err(|e| io_err(&public, e))?;
    Ok((private, public))
}

/// Checks grant signatures: the hook holds one, loaded only when a grant is to be checked.
pub enum Verifier {
    Personal([u8; 32]),
    Managed(VerifyingKey),
    /// No key to verify with: every grant fails, with this reason.
    Unavailable(String),
}

impl Verifier {
    /// The verifier for this machine. Never creates a key: without one, no grant verifies.
    pub fn load(data_dir: Option<&Path>) -> Verifier {
        if let crate::managed::Mode::Broken(why) = crate::managed::mode() {
            return Verifier::Unavailable(format!("the org directory is refused: {why}"));
        }
        if managed() {
            let (_, public) = crate::dirs::managed_key_paths();
            return match read_key_file(&public)
                .map_err(|e| io_err(&public, e))
                .and_then(|b| decode_hex32(&public, &b))
                .and_then(|b| {
                    VerifyingKey::from_bytes(&b).map_err(|e| KeyError::Damaged {
                        path: public.display().to_string(),
                        what: e.to_string(),
                    })
                }) {
                Ok(k) => Verifier::Managed(k),
                Err(e) => Verifier::Unavailable(format!("managed mode, but {e}")),
            };
        }
        let Some(dir) = data_dir else {
            return Verifier::Unavailable("no data directory".into());
        };
        let path = crate::dirs::approval_key_path(dir);
        match read_key_file(&path) {
            Ok(b) => match decode_hex32(&path, &b) {
                Ok(k) => Verifier::Personal(k),
                Err(e) => Verifier::Unavailable(e.to_string()),
            },
            Err(e) => Verifier::Unavailable(format!(
                "no approval key at {} ({e}): no grant was ever signed here",
                path.display()
            )),
        }
    }

    /// Checks a `scheme:hex` signature; the error says why it does not hold.
    pub fn verify(&self, message: &[u8], signature: Option<&str>) -> Result<(), String> {
        let Some(sig) = signature else {
            return Err("the grant carries no signature".into());
        };
        match self {
            Verifier::Unavailable(why) => Err(why.clone()),
            Verifier::Personal(key) => {
                let Some(hex) = sig.strip_prefix(HMAC_PREFIX) else {
                    return Err("the grant is not signed with this install's key".into());
                };
                let Some(given) = decode_hex(hex) else {
                    return Err("the signature is not hex".into());
                };
                let Ok(mut m) = HmacSha256::new_from_slice(key) else {
                    return Err("the key is unusable".into());
                };
                m.update(message);
                // Constant-time comparison.
                m.verify_slice(&given)
                    .map_err(|_| "the signature does not match the grant".to_string())
            }
            Verifier::Managed(key) => {
                let Some(hex) = sig.strip_prefix(ED25519_PREFIX) else {
                    return Err(
                        "managed mode: the grant is not signed with the managed approver key"
                            .into(),
                    );
                };
                let bytes: [u8; 64] = decode_hex(hex)
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| "the signature is not 64 hex bytes".to_string())?;
                let sig = ed25519_dalek::Signature::from_bytes(&bytes);
                key.verify(message, &sig)
                    .map_err(|_| "the signature does not match the grant".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn codes_use_the_alphabet_and_differ() {
        let a = random_code(6).unwrap();
        let b = random_code(6).unwrap();
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert_ne!(a, b, "two draws of 31^6 colliding is one in 887 million");
    }

    #[test]
    fn personal_key_is_created_0600_and_signs_what_it_verifies() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Verifier::load(Some(dir.path())),
            Verifier::Unavailable(_)
        ));
        let s = Signer::load(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join("approval.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let sig = s.sign(b"grant");
        let v = Verifier::load(Some(dir.path()));
        assert!(v.verify(b"grant", Some(&sig)).is_ok());
        assert!(v.verify(b"grant2", Some(&sig)).is_err());
        assert!(v.verify(b"grant", None).is_err());
        // The same key is read back next time.
        let again = Signer::load(dir.path()).unwrap();
        assert_eq!(again.sign(b"grant"), sig);
    }

    #[test]
    fn a_symlinked_key_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("elsewhere"), "00".repeat(32)).unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("elsewhere"),
            dir.path().join("approval.key"),
        )
        .unwrap();
        assert!(Signer::load(dir.path()).is_err());
        assert!(matches!(
            Verifier::load(Some(dir.path())),
            Verifier::Unavailable(_)
        ));
    }

    #[test]
    fn hmac_and_ed25519_signatures_are_not_interchangeable() {
        let seed = [7u8; 32];
        let managed = Signer::Managed(Box::new(SigningKey::from_bytes(&seed)));
        let personal = Signer::Personal([9u8; 32]);
        let vm = Verifier::Managed(SigningKey::from_bytes(&seed).verifying_key());
        let vp = Verifier::Personal([9u8; 32]);
        assert!(vm.verify(b"m", Some(&managed.sign(b"m"))).is_ok());
        assert!(vm.verify(b"m", Some(&personal.sign(b"m"))).is_err());
        assert!(vp.verify(b"m", Some(&managed.sign(b"m"))).is_err());
        assert!(vp.verify(b"m", Some(&personal.sign(b"m"))).is_ok());
    }
}
