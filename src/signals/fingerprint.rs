//! The fingerprint a [`super::Finding`] carries instead of its value: a short keyed hash, so
//! two findings of the same secret can be correlated (in the audit log, in redaction markers)
//! while nobody who reads them can confirm a guess (an email address, a card number, a
//! common password) by hashing it: the key is this install's own.
//!
//! Text signals compute it when they report a finding; [`crate::redact`] prints it in markers.
//! The key is HMAC-SHA256's, 32 bytes from the OS random source, kept in the data dir as
//! `fingerprint.key` (`0600`) and read the first time a process fingerprints something, so a
//! hook call that finds nothing never touches it. Without a usable data dir the process draws
//! a key of its own: its fingerprints then correlate only among themselves.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Where the fingerprint key lives: `<data dir>/fingerprint.key`.
pub fn key_path() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.join("fingerprint.key"))
}

/// This install's fingerprint key, read or created on first use; `None` when neither the data
/// dir nor the OS random source can give one.
fn key() -> Option<&'static [u8; 32]> {
    static KEY: OnceLock<Option<[u8; 32]>> = OnceLock::new();
    KEY.get_or_init(|| {
        if let Some(k) = key_path().and_then(|p| crate::keys::load_or_create_key(&p).ok()) {
            return Some(k);
        }
        let mut k = [0u8; 32];
        crate::keys::random_bytes(&mut k).ok().map(|()| k)
    })
    .as_ref()
}

/// A short keyed hash of a value: eight hex digits, or nothing when no key can be had (a
/// marker without a fingerprint, never one anybody could recompute).
pub fn short_hash(value: &str) -> String {
    key().map_or_else(String::new, |k| keyed_hash(k, value))
}

/// HMAC-SHA256 of `value` under `key`, cut to four bytes, in hex.
pub fn keyed_hash(key: &[u8; 32], value: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    m.update(b"hookwarden-finding-v2:");
    m.update(value.as_bytes());
    crate::hex::hex(&m.finalize().into_bytes()[..4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// Repeats correlate; another install's key gives other fingerprints; and the public
    /// salted hash of the value (what anyone could compute to confirm a guess) is not it.
    #[test]
    fn fingerprints_correlate_but_cannot_confirm_a_guess() {
        let (a, b) = ([7u8; 32], [8u8; 32]);
        let v = "ops@example.org";
        assert_eq!(keyed_hash(&a, v), keyed_hash(&a, v));
        assert_ne!(keyed_hash(&a, v), keyed_hash(&b, v));
        assert_ne!(keyed_hash(&a, v), keyed_hash(&a, "ops@example.com"));
        assert_eq!(keyed_hash(&a, v).len(), 8);
        for salt in [
            &b"hookwarden-finding-v1:"[..],
            b"hookwarden-finding-v2:",
            b"",
        ] {
            let mut h = Sha256::new();
            h.update(salt);
            h.update(v.as_bytes());
            assert_ne!(crate::hex::hex(&h.finalize()[..4]), keyed_hash(&a, v));
        }
        assert_eq!(short_hash(v), short_hash(v));
    }
}
