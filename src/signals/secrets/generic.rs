//! The generic search: a secret-like name (`api_key`, `DB_PASSWORD`) assigned a value that
//! looks random. Runs for every generic keyword hit the scanner finds, so it parses names
//! and assignments by hand; the word lists it reads are in [`super::words`].

use super::rules::{Check, RULES};
use super::scan::{ceil_boundary, clean_edges, finding, rule_regex, Form};
use super::values::{char_classes, entropy, is_hex, is_placeholder, is_reference, is_uuid};
use super::words::{HASH_NAME_WORDS, NAME_REJECT_SUFFIXES, NAME_REJECT_WORDS, STRONG_NAME_WORDS};
use crate::keywords::Table;
use crate::signals::Finding;
use std::sync::OnceLock;

/// Bytes of a secret's name: the generic search walks names byte by byte around every hit.
pub(super) static NAME_BYTES: [bool; 256] = byte_table!(false, |b| b.is_ascii_alphanumeric()
    || matches!(b, b'_' | b'.' | b'-'));
/// Bytes that end a generic value.
pub(super) static VALUE_ENDS: [bool; 256] = byte_table!(false, |b| b.is_ascii_whitespace()
    || matches!(
        b,
        b'"' | b'\'' | b'`' | b'<' | b'>' | b';' | b',' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
    ));

pub(super) fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)]
}

pub(super) fn name_start_before(text: &str, kw: usize) -> usize {
    let b = text.as_bytes();
    let mut i = kw;
    while i > 0 && kw - i < 60 && is_name_byte(b[i - 1]) {
        i -= 1;
    }
    i
}

/// The literal prefixes of prefixed-token rules, each with its rule (`None`: a family's
/// common prefix, `xox`, that stands for itself).
pub(super) fn token_prefixes() -> &'static [(String, Option<usize>)] {
    static P: OnceLock<Vec<(String, Option<usize>)>> = OnceLock::new();
    P.get_or_init(|| {
        RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.check, Check::Token(_)) && r.back == 0)
            .flat_map(|(i, r)| {
                r.exact
                    .iter()
                    .filter(|w| w.len() >= 3)
                    .map(move |w| (w.to_string(), Some(i)))
            })
            .chain([("xox".to_string(), None)])
            .collect()
    })
}

/// Whether `value` is a prefixed token's to decide: it starts with the token's prefix, and
/// that prefix says so. A prefix of four characters or more, or with a separator (`dapi`,
/// `ghp_`, `sl.`), does: a value that bears it and breaks the token's format is a broken
/// example of that token (`dapi…defg5`), not a secret of another kind. A prefix of three
/// letters and digits (`cio`, `SCW`) begins one random value in a quarter million, so it
/// counts only when the value also has the token's shape: a random secret that happens to
/// begin with `cio` is the generic checks' to decide.
fn a_tokens_to_decide(value: &str) -> bool {
    token_prefixes().iter().any(|(p, rule)| {
        let telling = p.len() >= 4 || !p.bytes().all(|b| b.is_ascii_alphanumeric());
        value.starts_with(p.as_str())
            && (telling
                || match rule {
                    Some(i) => match rule_regex(*i).for_window(value) {
                        Some(Form::Ascii(r)) => r.is_match(value.as_bytes()),
                        Some(Form::Unicode(r)) => r.is_match(value),
                        None => true,
                    },
                    // Slack's family: `xoxb-`, `xoxp-`, `xoxe.xoxp-`.
                    None => matches!(value.as_bytes().get(4), Some(b'-' | b'.')),
                })
    })
}

pub(super) fn run_generic(text: &str, name_start: usize, out: &mut Vec<Finding>) {
    let Some((name, start, stop, literal)) = generic_spans(text, name_start) else {
        return;
    };
    let raw = &text[start..stop];
    // A password written out whole: a quoted literal, or an env-style `DB_PASSWORD=...`.
    // Passwords are chosen by people, so no entropy is asked of them.
    if literal && password_literal_ok(&name, raw) {
        out.push(finding("generic-secret", start, stop, raw));
        return;
    }
    // A value shown cut short (`ops_eyJzaWdu...`, `abc…`) is a display, not the secret.
    if raw.ends_with("..") || text[stop..].starts_with('\u{2026}') {
        return;
    }
    // Trailing punctuation belongs to the sentence, not the value; base64 padding stays.
    let trimmed = if raw.ends_with("==") {
        raw
    } else {
        raw.trim_end_matches(['.', ':', '!', '?', '=', '-', '\\'])
    };
    let stop = start + trimmed.len();
    if !clean_edges(text, start, stop) && stop < text.len() {
        let next = text.as_bytes()[stop];
        if next.is_ascii_alphanumeric() {
            return;
        }
    }
    if generic_ok(&name, &text[start..stop]) {
        out.push(finding("generic-secret", start, stop, &text[start..stop]));
    }
}

/// What a name says about its value: `None` when it cannot name a secret, otherwise the
/// lowercased name and whether it is a strong (`token`, `password`) or a weak (`...key`,
/// `...auth`) secret name.
pub(super) struct SecretName {
    bare: String,
    strong: bool,
    weak_suffix: bool,
}

/// `NAME_REJECT_WORDS` then `STRONG_NAME_WORDS`, one table built at compile time.
pub(super) static NAME_WORDS: Table<{ NAME_REJECT_WORDS.len() + STRONG_NAME_WORDS.len() }> =
    Table::build(crate::keywords::list(
        &[NAME_REJECT_WORDS, STRONG_NAME_WORDS],
        false,
    ));

pub(super) fn secret_name(name: &str) -> Option<SecretName> {
    let name = name.trim_matches(|c| c == '"' || c == '\'');
    // Most names are lowercase already; this runs for every generic keyword in the text.
    let lowered;
    let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        lowered = name.to_ascii_lowercase();
        lowered.as_str()
    } else {
        name
    };
    let bare = name.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    // One pass for both word lists: this runs for every generic keyword in the text.
    let (mut strong, mut rejected) = (false, false);
    NAME_WORDS.for_each(bare.as_bytes(), |k, _, _| {
        if k < NAME_REJECT_WORDS.len() {
            rejected = true;
        } else {
            strong = true;
        }
    });
    if rejected {
        return None;
    }
    let weak_suffix = ends(bare, "key") || ends(bare, "auth");
    if !strong && !weak_suffix {
        return None;
    }
    if bare == "key" || bare == "auth" || ends(bare, "secrets") {
        return None;
    }
    let last_word = bare.rsplit(['_', '.', '-']).next().unwrap_or(bare);
    if NAME_REJECT_SUFFIXES.contains(&last_word) {
        return None;
    }
    // camelCase suffixes: `credentialsId`, `secretName`.
    if let Some(tail) = camel_tail(name) {
        if NAME_REJECT_SUFFIXES.contains(&tail) {
            return None;
        }
    }
    Some(SecretName {
        bare: bare.to_string(),
        strong,
        weak_suffix,
    })
}

/// The name and value spans of a generic keyword hit, parsed by hand (it runs for every
/// keyword in the text, so no regex): a name that may hold a secret, an assignment (`=`,
/// `:=`, `?=`, `=>`, `:` but not `::`, or `", ` after a quoted name), an optional opening
/// quote (`"`, `'`, a backtick, with an `r`/`b`/`f` string prefix), and a value of at least
/// six characters up to whitespace, a quote or a bracket. Most keyword hits in code and logs
/// (`get_token(`, `auth::token`) stop at the first step that fails.
/// The last element is whether the value is a literal written out whole: a quoted string
/// closed right after it, or the value of an all-capitals name set with `=` (`.env`, shell).
pub(super) fn generic_spans(
    text: &str,
    name_start: usize,
) -> Option<(SecretName, usize, usize, bool)> {
    let b = text.as_bytes();
    let lim = (name_start + 110).min(b.len());
    let mut i = name_start;
    while i < lim && is_name_byte(b[i]) {
        i += 1;
    }
    let name_end = i;
    let quoted = matches!(b.get(i), Some(b'"') | Some(b'\''));
    if quoted {
        i += 1;
    }
    while matches!(b.get(i), Some(b' ') | Some(b'\t')) {
        i += 1;
    }
    let mut comparison = false;
    let set_with_equals = b.get(i) == Some(&b'=');
    // `DB_PASSWORD==x9...`, `DB_PASSWORD===x9...` (no blank on either side, no quote after)
    // is an env-style assignment of a value that starts with `=`, not a comparison.
    let after_equals = b[i.min(b.len())..].iter().position(|&c| c != b'=');
    let env_style = i == name_end
        && b.get(i + 1) == Some(&b'=')
        && after_equals
            .and_then(|k| b.get(i + k))
            .is_some_and(|c| !matches!(c, b' ' | b'\t' | b'"' | b'\'' | b'`'));
    match b.get(i) {
        Some(b'=') if env_style => i += 1,
        // `password == 'logmein'`, `pwd === "..."`: a comparison with a literal.
        Some(b'=') if b.get(i + 1) == Some(&b'=') => {
            comparison = true;
            i += if b.get(i + 2) == Some(&b'=') { 3 } else { 2 };
        }
        Some(b'!') if b.get(i + 1) == Some(&b'=') => {
            comparison = true;
            i += if b.get(i + 2) == Some(&b'=') { 3 } else { 2 };
        }
        Some(b'=') => i += if b.get(i + 1) == Some(&b'>') { 2 } else { 1 },
        Some(b':') | Some(b'?') => {
            if b.get(i + 1) == Some(&b':') && b[i] == b':' {
                return None;
            }
            let mut k = i;
            while k < i + 3 && matches!(b.get(k), Some(b':') | Some(b'?')) {
                k += 1;
            }
            i = if b.get(k) == Some(&b'=') {
                k + 1
            } else if b[i] == b':' {
                i + 1
            } else {
                return None;
            };
        }
        Some(b',') if quoted => i += 1,
        _ => return None,
    }
    let name = secret_name(&text[name_start..name_end])?;
    while matches!(b.get(i), Some(b' ') | Some(b'\t')) {
        i += 1;
    }
    let mut quote = None;
    if matches!(b.get(i), Some(b'r') | Some(b'b') | Some(b'f'))
        && matches!(b.get(i + 1), Some(b'"') | Some(b'\'') | Some(b'`'))
    {
        quote = b.get(i + 1).copied();
        i += 2;
    } else if matches!(b.get(i), Some(b'"') | Some(b'\'') | Some(b'`')) {
        quote = b.get(i).copied();
        i += 1;
    }
    if comparison && quote.is_none() {
        return None;
    }
    let value_start = i;
    let vlim = (name_start + 360).min(b.len());
    while i < vlim && !VALUE_ENDS[usize::from(b[i])] {
        i += 1;
    }
    let value_end = ceil_boundary(text, i);
    let closed = quote.is_some() && b.get(value_end).copied() == quote;
    let name_text = &text[name_start..name_end];
    let env_style = quote.is_none()
        && set_with_equals
        && !name_text.bytes().any(|c| c.is_ascii_lowercase())
        && matches!(
            b.get(value_end),
            None | Some(b'\n') | Some(b'\r') | Some(b' ') | Some(b'\t') | Some(b';')
        );
    // A short literal can be a password, never a token: only a password name lets it through.
    let literal = (closed || env_style) && is_password_name(&name.bare);
    let min = if literal { 4 } else { 6 };
    (value_end - value_start >= min).then_some((name, value_start, value_end, literal))
}

pub(super) fn generic_ok(name: &SecretName, value: &str) -> bool {
    let SecretName {
        ref bare,
        strong,
        weak_suffix,
    } = *name;
    let bare = bare.as_str();
    if looks_like_code(value) || is_reference(value) || is_placeholder(value) {
        return false;
    }
    if value.len() < 8 {
        return false;
    }
    // A known token: its own rule decides (and rejected it).
    if a_tokens_to_decide(value) {
        return false;
    }
    // A constant's name (`ACCESS_TOKEN`), or the name repeated as its own value.
    let upper_ident = value
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && value.bytes().any(|b| b == b'_');
    if upper_ident || value.eq_ignore_ascii_case(bare) {
        return false;
    }
    if HASH_NAME_WORDS.iter().any(|w| bare.contains(w)) && is_hex(value) {
        return false;
    }
    if [
        "sha1-", "sha256-", "sha384-", "sha512-", "sha256:", "sha1:", "md5:", "sha512:",
    ]
    .iter()
    .any(|p| {
        value
            .get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    }) {
        return false;
    }
    // UUIDs are mostly identifiers; only a random (version 4) one under a strong name can be
    // a token. Time- and name-based UUIDs carry almost no randomness.
    if is_uuid(value) && (!strong || value.as_bytes()[14] != b'4') {
        return false;
    }
    let classes = char_classes(value);
    let has_digit_or_symbol = value.bytes().any(|b| !b.is_ascii_alphabetic());
    if !has_digit_or_symbol {
        // Letters only: words and identifiers, unless long, mixed-case and random-looking.
        let mixed = value.bytes().any(|b| b.is_ascii_uppercase())
            && value.bytes().any(|b| b.is_ascii_lowercase());
        return mixed && value.len() >= 16 && entropy(value) >= 3.6 && !looks_like_words(value);
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let h = entropy(value);
    if weak_suffix && !strong {
        return value.len() >= 20 && h >= 3.5 && classes >= 2;
    }
    let password_name = ["pass", "pwd"].iter().any(|w| bare.contains(w));
    if value.len() < 12 {
        (classes >= 4 || (classes >= 3 && password_name)) && h >= 2.7
    } else if value.len() < 16 {
        classes >= 3 && h >= 2.9
    } else {
        h >= 3.0
    }
}

/// Whether a lowered name ends in a word for a password (`db_password`, `smtpPass`, `PWD`).
pub(super) fn is_password_name(bare: &str) -> bool {
    [
        "password",
        "passwd",
        "passwort",
        "pwd",
        "pass",
        "passphrase",
    ]
    .iter()
    .any(|w| ends(bare, w))
        && !["bypass", "compass", "surpass", "overpass", "underpass"]
            .iter()
            .any(|w| ends(bare, w))
}

/// A literal assigned to (or compared with) a name that ends in a password word: it is the
/// password, whatever its entropy, unless it is a placeholder, a reference, a describing word
/// or code.
pub(super) fn password_literal_ok(name: &SecretName, value: &str) -> bool {
    is_password_name(&name.bare)
        && !value.contains(char::is_whitespace)
        && super::values::named_password_ok(value)
        && !value.eq_ignore_ascii_case(&name.bare)
}

/// `s.ends_with(end)` byte by byte: for the few-byte ends the name checks test, a call to
/// compare cost more than the comparison (these run for every generic keyword hit).
pub(super) fn ends(s: &str, end: &str) -> bool {
    s.len() >= end.len() && s.bytes().rev().zip(end.bytes().rev()).all(|(a, b)| a == b)
}

/// A lowered camelCase name that ends in a word naming no secret (`secretName` as
/// `secretname`): that word.
pub(super) fn camel_tail(name: &str) -> Option<&'static str> {
    const HEADS: &[&str] = &[
        "secret",
        "secrets",
        "token",
        "key",
        "credentials",
        "credential",
        "password",
    ];
    [
        "id", "name", "file", "path", "url", "type", "size", "length", "version", "ref",
    ]
    .into_iter()
    .find(|s| {
        name.len() > s.len()
            && ends(name, s)
            && HEADS.iter().any(|h| ends(&name[..name.len() - s.len()], h))
    })
}

pub(super) fn looks_like_words(v: &str) -> bool {
    // CamelCase identifiers: runs of a capital followed by lowercase letters.
    let caps = v.bytes().filter(|b| b.is_ascii_uppercase()).count();
    let lowers = v.bytes().filter(|b| b.is_ascii_lowercase()).count();
    caps * 4 <= lowers && v.as_bytes().first().is_some_and(|b| b.is_ascii_uppercase())
}

/// Letters in random case: at least 12 of them, a quarter to three quarters capitals, and
/// adjacent letters changing case at least 30% of the time (`jQxdevvFTotSPEOJ`, base64). Code
/// names capitalize word starts only (`ExpiredSignatureError`, `getElementById`: under a
/// quarter capitals).
pub(super) fn case_flips_like_random(p: &str) -> bool {
    // Branch-free: 0 for a non-letter, 1 lowercase, 2 capital.
    let (mut letters, mut upper, mut pairs, mut flips) = (0usize, 0usize, 0usize, 0usize);
    let mut before = 0u8;
    for &b in p.as_bytes() {
        let c = LETTER_CASE[usize::from(b)];
        let both = usize::from(c != 0 && before != 0);
        letters += usize::from(c != 0);
        upper += usize::from(c == 2);
        pairs += both;
        flips += both & usize::from(c != before);
        before = c;
    }
    letters >= 12 && upper * 4 >= letters && upper * 4 <= letters * 3 && flips * 10 >= pairs * 3
}

/// A long name part with capitals and small letters, over a third of them capitals
/// (`GBJVNDKGeUKTTtqsKcUQGVFI`): code capitalizes word starts, and a name of 16 letters or
/// more has that many capitals only when made of short acronyms. A random part has about half,
/// so this catches what [`case_flips_like_random`] lets by when its letters happen to flip
/// case seldom.
fn capitals_like_random(p: &str) -> bool {
    let b = p.as_bytes();
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    upper + lower >= 16 && lower > 0 && upper * 3 > upper + lower
}

/// 0 for a byte that is no ASCII letter, 1 for a lowercase one, 2 for a capital.
pub(super) static LETTER_CASE: [u8; 256] = byte_table!(0u8, |b| if b.is_ascii_lowercase() {
    1
} else if b.is_ascii_uppercase() {
    2
} else {
    0
});

/// Code, paths, URLs and identifiers that sit where a value would.
pub(super) fn looks_like_code(v: &str) -> bool {
    // Random case is key material (a base64 key may start with `/`), never a code name.
    if case_flips_like_random(v) {
        return false;
    }
    // `://`, `::`, `->`, `()`, in one pass.
    let b = v.as_bytes();
    let marked = (1..b.len()).any(|i| match (b[i - 1], b[i]) {
        (b':', b':') | (b'-', b'>') | (b'(', b')') => true,
        (b':', b'/') => b.get(i + 1) == Some(&b'/'),
        _ => false,
    });
    if marked {
        return true;
    }
    // A Windows registry key or path: `SOFTWARE\Microsoft\Windows NT\CurrentVersion`.
    if v.contains('\\')
        && v.split('\\').filter(|p| !p.is_empty()).count() >= 2
        && v.split('\\').all(|p| {
            p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b' ' | b'_' | b'.' | b'-' | b'$'))
        })
    {
        return true;
    }
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || v.starts_with('\\')
        || (v.len() > 2 && v.as_bytes()[1] == b':' && v.as_bytes()[2] == b'\\')
    {
        return true;
    }
    // `os.environ.get`, `var.db_password`, `X25519.key_length`, `file.pem` — but not
    // `s.jQxdevvFTotSPEOJKhprheNh` (a Vault token): a part whose letters flip case as often
    // as random text does is no identifier.
    if v.contains('.')
        && v.split('.').all(|p| {
            p.as_bytes()
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'$')
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
                && !case_flips_like_random(p)
                && !capitals_like_random(p)
        })
    {
        return true;
    }
    // Version numbers and dates.
    let t = v.trim_start_matches(['v', 'V']);
    if t.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_' || b == b':')
    {
        return true;
    }
    // A file name with an extension.
    if let Some((_, ext)) = v.rsplit_once('.') {
        const EXTS: &[&str] = &[
            "pem",
            "key",
            "crt",
            "cer",
            "p12",
            "pfx",
            "json",
            "yaml",
            "yml",
            "txt",
            "env",
            "jks",
            "keystore",
            "keytab",
            "pub",
            "cfg",
            "conf",
            "ini",
            "toml",
            "xml",
            "properties",
            "js",
            "ts",
            "py",
            "rb",
            "go",
            "rs",
            "sh",
            "gpg",
            "asc",
            "der",
            "html",
            "md",
        ];
        if EXTS.iter().any(|e| e.eq_ignore_ascii_case(ext)) {
            return true;
        }
    }
    false
}
