//! The fingerprint a [`super::Finding`] carries instead of its value: a short salted hash, so
//! two findings of the same secret can be correlated (in the audit log, in redaction markers)
//! without the value being recoverable.
//!
//! Text signals compute it when they report a finding; [`crate::redact`] prints it in markers.

use sha2::{Digest, Sha256};

/// A short salted hash of a value: eight hex digits.
pub fn short_hash(value: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hookwarden-finding-v1:");
    h.update(value.as_bytes());
    let d = h.finalize();
    crate::hex::hex(&d[..4])
}
