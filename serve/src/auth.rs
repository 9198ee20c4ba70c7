//! Who is calling: machines (hooks) and approvers (people), each with a random 256-bit token
//! that the database keeps only as a SHA-256 hash.
//!
//! The token's prefix says which kind it is (`hwm_` machine, `hwa_` approver), so a request
//! is looked up in one table only: a machine token never authenticates as an approver, and the
//! API that decides requests refuses machines outright. Browser sessions are another random
//! secret (cookie), with a per-session CSRF token every form carries.

use sha2::{Digest, Sha256};

pub const MACHINE_PREFIX: &str = "hwm_";
pub const APPROVER_PREFIX: &str = "hwa_";

/// A machine: its hooks file requests and read their own outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub id: String,
    pub name: String,
}

/// A person who decides requests for the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// The hash a token is stored and looked up by.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// A new token: the prefix and 32 random bytes from the OS, in hex.
pub fn new_token(prefix: &str) -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("the OS random source failed: {e}"))?;
    Ok(format!("{prefix}{}", hex(&b)))
}

/// An identifier of a stored row: unguessable, so a request id alone reveals nothing and
/// cannot be enumerated (the checks do not rely on that).
pub fn random_id(prefix: &str) -> Result<String, String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| format!("the OS random source failed: {e}"))?;
    let mut s = String::from(prefix);
    for x in b {
        s.push(ALPHABET[(x as usize) % ALPHABET.len()] as char);
    }
    Ok(s)
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer ...` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token(MACHINE_PREFIX).unwrap();
        let b = new_token(MACHINE_PREFIX).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&format!("{a}\n")), hash(&a));
    }

    #[test]
    fn bearer_headers() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
