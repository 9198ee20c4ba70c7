//! Value checks: what a candidate must pass to be reported — entropy, character classes,
//! not a placeholder, not a variable reference, a decodable JWT, a PEM body with key
//! material, a Kubernetes secret value. The placeholder lists are in [`super::words`].

use super::scan::floor_boundary;
use super::words::{PLACEHOLDER_MARKERS, PLACEHOLDER_PASSWORDS};
use crate::keywords::Table;

/// Shannon entropy in bits per byte.
pub fn entropy(s: &str) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether `v` has at least `min` bits of entropy per byte, the floor lowered for a value
/// drawn from a small alphabet. Shannon entropy of a short draw sits well under its
/// alphabet's: 32 random hex digits fall below 3.0 bits once in ten thousand draws, an AWS key
/// id (20 capitals and digits) about once in three thousand, and a floor of 3.0 turned such
/// real keys away. For a value of hex digits, or of capitals and digits, or of small letters
/// and digits, the floor is at most the entropy such a draw is expected to have less 1.3 bits,
/// under what a random value reaches once in a hundred thousand draws at every length we
/// measured (16 to 64), and still above repeated and short-period stand-ins (`deadbeef…`
/// 2.2 bits, `AKIA2222…` 1.0).
pub(super) fn entropy_at_least(v: &str, min: f32) -> bool {
    let h = entropy(v);
    if h >= min {
        return true;
    }
    let b = v.as_bytes();
    let hex = b.iter().all(u8::is_ascii_hexdigit)
        && (b.iter().all(|c| !c.is_ascii_uppercase()) || b.iter().all(|c| !c.is_ascii_lowercase()));
    let alphabet = if hex {
        16.0f32
    } else if b
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        || b.iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    {
        36.0
    } else {
        return false;
    };
    let n = b.len() as f32;
    let expected = alphabet.log2() - (alphabet - 1.0) / (2.0 * n * std::f32::consts::LN_2);
    h >= expected - 1.3
}

pub(super) fn char_classes(v: &str) -> u32 {
    let mut c = 0;
    if v.bytes().any(|b| b.is_ascii_lowercase()) {
        c += 1;
    }
    if v.bytes().any(|b| b.is_ascii_uppercase()) {
        c += 1;
    }
    if v.bytes().any(|b| b.is_ascii_digit()) {
        c += 1;
    }
    if v.bytes().any(|b| !b.is_ascii_alphanumeric()) {
        c += 1;
    }
    c
}

/// Placeholder and documentation values: `xxxx`, `your-key-here`, `<token>`, `${VAR}`,
/// `changeme`, `AKIAIOSFODNN7EXAMPLE`, long runs of one character or of the alphabet.
pub fn is_placeholder(v: &str) -> bool {
    static MARKERS: Table<{ PLACEHOLDER_MARKERS.len() }> =
        Table::build(crate::keywords::list(&[PLACEHOLDER_MARKERS], true));
    // `<token>`, `<your key>`: the one-byte markers, which a table cannot hold.
    if v.contains(['<', '>']) || has_marker(&MARKERS, v) {
        return true;
    }
    if v.len() >= 8 {
        let mut counts = [0u32; 256];
        for b in v.bytes() {
            counts[b as usize] += 1;
        }
        let max = counts.iter().copied().max().unwrap_or(0) as usize;
        if max * 2 > v.len() {
            return true;
        }
    }
    // Ascending runs (`abcdefghijklmnop`, `0123456789abcdef...`).
    let b = v.as_bytes();
    let mut run = 1;
    for i in 1..b.len() {
        if b[i] == b[i - 1].wrapping_add(1) && b[i].is_ascii_alphanumeric() {
            run += 1;
            if run >= 16 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// Whether a placeholder marker stands in `v`. A four-letter word marker must stand as a
/// word, bounded on both sides by the value's start or end or a byte that is not a letter or
/// digit (`sk_test_TODO`, `TODO-key`). Touching random characters on either side it says
/// nothing: a real token holds some four-letter word about once in a few thousand, and its
/// own separators (`…XstODO.atlasv1.…`, `…yTOdOV…`) must not make it a placeholder. A run of
/// one character in one case (`xxxx`, `XXXX`) counts when the run touches the value's edge or
/// a separator on either side, or is six or more long (`AKIAXXXX…`, `sk-xxxx1234`); a random
/// `…_xXxX7…` does not. A marker with a separator (`_here`, `your-`) counts when its letter
/// end ends a word (`key_here`, `your-key`), not inside random characters (`ghp_heREBq…`).
/// The longer markers (`…CYEXAMPLEKEY`) count anywhere when written in one case.
pub(super) fn has_marker<const N: usize>(markers: &Table<N>, v: &str) -> bool {
    let b = v.as_bytes();
    let bounded = |i: Option<usize>| {
        i.and_then(|i| b.get(i))
            .is_none_or(|c| !c.is_ascii_alphanumeric())
    };
    let mut found = false;
    markers.for_each(b, |_, s, e| {
        let m = &b[s..e];
        let alnum = |c: &u8| c.is_ascii_alphanumeric();
        let word = if !m.iter().all(alnum) {
            // A marker with a separator (`_here`, `your-`, `${`): its letter end, if it has
            // one, ends a word (`key_here`, but not `ghp_heREBq…`).
            (!m.first().is_some_and(alnum) || bounded(s.checked_sub(1)))
                && (!m.last().is_some_and(alnum) || bounded(Some(e)))
        } else if e - s >= 5 {
            // Written by a person, a long marker has one case (`DUMMY`, `fixme`, `Lorem`);
            // random mixed-case characters spell one now and then (`…fiXmE…`, `…LOrem…`),
            // which counts only as a word of its own.
            let upper = m.iter().filter(|c| c.is_ascii_uppercase()).count();
            let one_case =
                upper == 0 || upper == m.len() || (upper == 1 && m[0].is_ascii_uppercase());
            one_case || (bounded(s.checked_sub(1)) && bounded(Some(e)))
        } else if m.iter().all(|c| *c == m[0]) {
            let (mut l, mut r) = (s, e);
            while l > 0 && b[l - 1] == m[0] {
                l -= 1;
            }
            while b.get(r) == Some(&m[0]) {
                r += 1;
            }
            r - l >= 6 || bounded(l.checked_sub(1)) || bounded(Some(r))
        } else {
            bounded(s.checked_sub(1)) && bounded(Some(e))
        };
        found |= word;
    });
    found
}

/// A reference to a secret rather than the secret: `$VAR`, `${VAR}`, `%VAR%`, `{{ x }}`.
pub fn is_reference(v: &str) -> bool {
    v.starts_with('$')
        || (v.len() > 2 && v.starts_with('%') && v.ends_with('%'))
        || v.starts_with("{{")
        || v.starts_with('<')
        || v.starts_with('[')
        || v.contains("${")
        || v.contains("$(")
        || (v.len() > 2 && v.starts_with('{') && v.ends_with('}') && v[1..].starts_with('{'))
}

pub(super) fn password_ok(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if v.is_empty() || PLACEHOLDER_PASSWORDS.contains(&lower.as_str()) {
        return false;
    }
    if is_reference(v) || is_placeholder(v) {
        return false;
    }
    // One character repeated (`***`, `xxx`).
    let first = v.as_bytes()[0];
    !v.bytes().all(|b| b == first)
}

pub(super) fn is_hex(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Decodes base64 or base64url (padding optional); `None` on a bad character.
pub fn b64decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

pub(super) fn jwt_ok(v: &str) -> bool {
    let mut parts = v.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Some(header) = b64decode(h) else {
        return false;
    };
    let header = String::from_utf8_lossy(&header);
    let header = header.trim();
    let header_ok = header.starts_with('{')
        && header.ends_with('}')
        && (header.contains("\"alg\"") || header.contains("\"typ\""));
    let payload_ok = b64decode(p).is_some_and(|d| d.first() == Some(&b'{'));
    header_ok && payload_ok && !is_placeholder_jwt(v)
}

pub(super) fn is_placeholder_jwt(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.contains("xxxx")
}

pub(super) fn pem_kind(v: &str) -> Option<&'static str> {
    let header_end = v
        .find("-----")
        .and_then(|i| v[i + 5..].find("-----").map(|j| i + 10 + j))?;
    let body = &v[header_end.min(v.len())..];
    let body = body.split("-----END").next().unwrap_or(body);
    let material = body
        .replace("\\n", "\n")
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.bytes())
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .count();
    if material < 40 {
        return None;
    }
    let head = &v[..header_end.min(v.len())];
    Some(if head.contains("OPENSSH") {
        "openssh-private-key"
    } else if head.contains("PGP") {
        "pgp-private-key"
    } else {
        "private-key"
    })
}

pub(super) fn k8s_value_ok(v: &str, text: &str, start: usize) -> bool {
    let trimmed = v.trim_end_matches('=');
    if !v.len().is_multiple_of(4) || trimmed.len() < 8 {
        return false;
    }
    let Some(decoded) = b64decode(v) else {
        return false;
    };
    if decoded.len() < 6 || is_placeholder(v) {
        return false;
    }
    // The value sits in a `data:` map: a `data:` line precedes it nearby.
    let from = floor_boundary(text, start.saturating_sub(3000));
    text[from..start].contains("data:")
}

/// Words that describe a password rather than being one, as they stand where a value would
/// (`<password>required</password>`, `-Password string`).
const DESCRIPTIVE_VALUES: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "none",
    "null",
    "nil",
    "undefined",
    "required",
    "optional",
    "string",
    "str",
    "text",
    "bool",
    "boolean",
    "int",
    "integer",
    "number",
    "object",
    "secure",
    "securestring",
    "hidden",
    "masked",
    "default",
    "enabled",
    "disabled",
    "empty",
    "password",
    "passwd",
    "secret",
    "token",
    "value",
    "env",
    "prompt",
    "stdin",
    "file",
];

/// A literal that a name or an option calls a password: not a placeholder, not a reference,
/// not a describing word or a type name, not a short number, not code.
pub(super) fn named_password_ok(v: &str) -> bool {
    let v = v.trim();
    if v.len() < 4 || !password_ok(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if DESCRIPTIVE_VALUES.contains(&lower.as_str()) {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) && v.len() < 8 {
        return false;
    }
    // `@Value(...)`, `{pass}`.
    if v.starts_with('@') || v.starts_with('{') {
        return false;
    }
    !super::generic::looks_like_code(v)
}

/// The bytes of a base64 text, skipping line breaks.
fn b64decode_lines(v: &str) -> Option<Vec<u8>> {
    if !v.contains(['\n', '\r']) {
        return b64decode(v);
    }
    let joined: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    b64decode(&joined)
}

/// The kind of a base64-encoded PEM private key, when `v` is one.
pub(super) fn base64_pem_kind(v: &str) -> Option<&'static str> {
    let decoded = b64decode_lines(v)?;
    let head = String::from_utf8_lossy(&decoded[..decoded.len().min(80)]);
    if !head.starts_with("-----BEGIN") || !head.contains("PRIVATE KEY") || decoded.len() < 100 {
        return None;
    }
    Some(if head.contains("OPENSSH") {
        "openssh-private-key"
    } else {
        "private-key"
    })
}

/// Whether `v` is base64 of `user:password` with a real password.
pub(super) fn base64_credentials_ok(v: &str) -> bool {
    let Some(decoded) = b64decode(v) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (user, pass) = (&decoded[..colon], &decoded[colon + 1..]);
    if user.is_empty() || pass.is_empty() || !user.iter().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    // Random bytes are a password too; text goes through the password checks.
    match std::str::from_utf8(pass) {
        Ok(text) => password_ok(text),
        Err(_) => pass.len() >= 4,
    }
}

/// Whether `token` carries a valid checksum of the given scheme.
pub(super) fn checksum_ok(scheme: super::rules::Checksum, token: &str) -> bool {
    match scheme {
        super::rules::Checksum::None => false,
        super::rules::Checksum::Crc32Base62 => crc32_base62_ok(token),
    }
}

/// GitHub's and npm's token checksum: after the `xxx_` prefix, the last six characters are the
/// CRC32 of the characters before them, in base62 (digits, then capitals, then lowercase; the
/// other order is accepted too), zero-padded.
fn crc32_base62_ok(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() < 7 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    let crc = u64::from(crc32(random.as_bytes()));
    const UPPER_FIRST: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const LOWER_FIRST: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    [UPPER_FIRST, LOWER_FIRST]
        .iter()
        .any(|alphabet| base62(crc, alphabet).as_bytes() == check.as_bytes())
}

/// `n` in base62 over `alphabet`, zero-padded to six characters.
pub(super) fn base62(mut n: u64, alphabet: &[u8]) -> String {
    let mut out = [alphabet[0]; 6];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The CRC-32 (IEEE) of `data`.
pub(super) fn crc32(data: &[u8]) -> u32 {
    static TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    !data.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}
