//! Personal data signal: email addresses, phone numbers, US social security numbers, payment
//! card numbers (Luhn-checked) and IBANs (mod-97-checked) in the text a boundary carries.
//!
//! Raises `pii.detected` with one [`Finding`] per value (kind, span, salted hash) and attrs
//! `kinds`, `count`. The default policy alerts; a policy can redact (the findings are redactable
//! like secrets) or deny, e.g. "no PII in outbound communication" on MCP tool requests.
//!
//! Bound: the first [`MAX_PII_BYTES`] of a text are scanned; personal data beyond it is not
//! reported (PII rules alert by default; secrets, which are withheld past their own bound, are
//! scanned separately).

use super::{Context, Finding, Flag, Signal};
use crate::event::{Boundary, Event};
use regex::Regex;
use std::sync::OnceLock;

pub const FLAGS: &[&str] = &["pii.detected"];

/// Every kind this signal reports.
pub const KINDS: &[&str] = &["email", "phone-number", "us-ssn", "payment-card", "iban"];

pub const MAX_PII_BYTES: usize = 4 * 1024 * 1024;

pub struct PiiSignal;

impl Signal for PiiSignal {
    fn name(&self) -> &'static str {
        "pii"
    }

    fn applies(&self, event: &Event) -> bool {
        match event.boundary {
            Boundary::Prompt | Boundary::ToolOutput | Boundary::FinalResponse => {
                event.scan_texts().iter().any(|t| !t.is_empty())
            }
            // Outbound: what a shell command, a written file or an MCP/other tool sends.
            Boundary::ToolRequest => true,
            Boundary::Other => false,
        }
    }

    fn inspect(&self, event: &Event, _ctx: &Context, out: &mut Vec<Flag>) {
        let findings: Vec<Finding> = event.scan_texts().iter().flat_map(|t| scan(t)).collect();
        if findings.is_empty() {
            return;
        }
        let mut kinds: Vec<String> = findings.iter().map(|f| f.kind.clone()).collect();
        kinds.sort();
        kinds.dedup();
        out.push(
            Flag::new("pii.detected")
                .detail(kinds.join(", "))
                .attr("kinds", kinds)
                .attr("count", findings.len())
                .findings(findings),
        );
    }
}

/// The patterns, each compiled on first use: most texts (a short command, an output without
/// digits) need none of them, and compiling all five cost more than the rest of a hook call.
const EMAIL: usize = 0;
const PHONE: usize = 1;
const SSN: usize = 2;
const CARD: usize = 3;
const IBAN: usize = 4;
const PATTERNS: [&str; 5] = [
    r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}",
    r"(?:\+[1-9][0-9]{0,2}[ .\-]?)?(?:\([0-9]{3}\)[ .\-]?|[0-9]{3}[ .\-])[0-9]{3}[ .\-][0-9]{4}|\+[1-9][0-9]{7,14}|\+[1-9][0-9]{0,2}(?:[ .\-][0-9]{2,5}){3,4}",
    r"[0-9]{3}-[0-9]{2}-[0-9]{4}",
    r"[0-9]{4}(?:[ \-]?[0-9]{2,4}){2,4}[0-9]{0,3}",
    r"[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?",
];

fn pattern(i: usize) -> Option<&'static Regex> {
    static P: [OnceLock<Option<Regex>>; 5] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    P[i].get_or_init(|| Regex::new(PATTERNS[i]).ok()).as_ref()
}

/// The maximal runs of `member` bytes that hold one of the `seeds` positions, in order.
fn runs(
    bytes: &[u8],
    member: fn(u8) -> bool,
    seeds: impl Iterator<Item = usize>,
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for at in seeds {
        if out.last().is_some_and(|&(_, e)| at < e) {
            continue;
        }
        let mut s = at;
        while s > 0 && member(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at;
        while e < bytes.len() && member(bytes[e]) {
            e += 1;
        }
        out.push((s, e));
    }
    out
}

/// The matches of pattern `i` inside `runs`, at their offsets in `text`. Each pattern matches
/// only bytes of its run's class, so a match never crosses a run's end and searching the runs
/// finds exactly what searching the whole text would: without running a regex over the
/// stretches (most of a log) where none can match, or building it when no run qualifies.
fn run_matches(i: usize, text: &str, runs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if runs.is_empty() {
        return out;
    }
    let Some(re) = pattern(i) else {
        return out;
    };
    for &(s, e) in runs {
        out.extend(
            re.find_iter(&text[s..e])
                .map(|m| (s + m.start(), s + m.end())),
        );
    }
    out
}

fn email_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'@')
}

fn iban_byte(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' '
}

/// Byte classes for [`seeds`]: the low two bits say capital (1) or digit (2).
const CAPITAL: u8 = 1;
const DIGIT: u8 = 2;
const NUMBER: u8 = 4;
const CLASS: [u8; 256] = byte_table!(0u8, |b| if b.is_ascii_digit() {
    DIGIT | NUMBER
} else if b.is_ascii_uppercase() {
    CAPITAL
} else if matches!(b, b' ' | b'.' | b'-' | b'(' | b')' | b'+') {
    NUMBER
} else {
    0
});

/// Digits and what the phone, SSN and card patterns allow between them.
#[cfg(test)]
fn number_byte(c: u8) -> bool {
    CLASS[c as usize] & NUMBER != 0
}

/// Where each pattern can match: the text's `@`s, number runs and IBAN starts.
#[derive(Debug, Default, PartialEq)]
struct Seeds {
    /// Every `@`.
    ats: Vec<usize>,
    /// The runs of [`number_byte`]s holding at least 9 digits: `(start, end, digits)`.
    numbers: Vec<(usize, usize, usize)>,
    /// Where two capitals and two digits (an IBAN's start) begin.
    ibans: Vec<usize>,
}

fn seeds(bytes: &[u8]) -> Seeds {
    let mut out = Seeds {
        ats: memchr::memchr_iter(b'@', bytes).collect(),
        ..Seeds::default()
    };
    // Runs are found from their digits: the text between digits is skipped eight bytes at a
    // time (a per-byte state machine over all of it cost ~40 instructions a byte), and each
    // run is walked once. A run begins after a byte that is no number byte, so it reaches
    // back over the number bytes before its first digit.
    let mut from = 0;
    while let Some(first) = next_digit(bytes, from) {
        let mut start = first;
        while start > from && CLASS[bytes[start - 1] as usize] & NUMBER != 0 {
            start -= 1;
        }
        let (mut end, mut digits) = (first, 0);
        while let Some(&b) = bytes.get(end) {
            let c = CLASS[b as usize];
            if c & NUMBER == 0 {
                break;
            }
            if c & DIGIT != 0 {
                digits += 1;
                // Two capitals then two digits: the capitals end just before this digit.
                let class = |i: usize| bytes.get(i).map_or(0, |&b| CLASS[b as usize] & 3);
                if end >= 2
                    && class(end - 2) == CAPITAL
                    && class(end - 1) == CAPITAL
                    && class(end + 1) == DIGIT
                {
                    out.ibans.push(end - 2);
                }
            }
            end += 1;
        }
        if digits >= 9 {
            out.numbers.push((start, end, digits));
        }
        // `bytes[end]` is no number byte: the next run starts after it.
        from = end + 1;
    }
    out
}

/// The first ASCII digit at or after `from`, eight bytes per step.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Digits become the bytes below 10; the lowest byte flagged below 10 is exact (a
        // borrow only runs upward).
        let t = u64::from_le_bytes(word) ^ 0x3030_3030_3030_3030;
        let below_10 = t.wrapping_sub(0x0a0a_0a0a_0a0a_0a0a) & !t & 0x8080_8080_8080_8080;
        if below_10 != 0 {
            return Some(at + (below_10.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| at + p)
}

/// Finds personal data in `text`, sorted by start.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if text.len() < 6 {
        return out;
    }
    let mut end = text.len().min(MAX_PII_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let bytes = text.as_bytes();
    let seeds = seeds(bytes);
    let email_runs = runs(bytes, email_byte, seeds.ats.iter().copied());
    for (s, e) in run_matches(EMAIL, text, &email_runs) {
        if email_ok(&text[s..e]) && edges(text, s, e, b"@") {
            push(&mut out, "email", text, s, e);
        }
    }
    let numbers = &seeds.numbers;
    let with = |min_digits: usize, dashes: bool| -> Vec<(usize, usize)> {
        numbers
            .iter()
            .filter(|&&(s, e, d)| d >= min_digits && (!dashes || bytes[s..e].contains(&b'-')))
            .map(|&(s, e, _)| (s, e))
            .collect()
    };
    for (s, e) in run_matches(SSN, text, &with(9, true)) {
        if ssn_ok(&text[s..e]) && digit_edges(text, s, e) {
            push(&mut out, "us-ssn", text, s, e);
        }
    }
    for (s, e) in run_matches(CARD, text, &with(13, false)) {
        let e = s + text[s..e].trim_end_matches([' ', '-']).len();
        if card_ok(&text[s..e]) && digit_edges(text, s, e) {
            push(&mut out, "payment-card", text, s, e);
        }
    }
    for (s, e) in run_matches(PHONE, text, &with(10, false)) {
        if digit_edges(text, s, e)
            && !overlaps(&out, s, e)
            && phone_ok(&text[s..e])
            && !preceded_by_version_or_time(text, s)
        {
            push(&mut out, "phone-number", text, s, e);
        }
    }
    let iban_runs = runs(bytes, iban_byte, seeds.ibans.iter().copied());
    for (s, e) in run_matches(IBAN, text, &iban_runs) {
        if iban_ok(&text[s..e]) && edges(text, s, e, b"") {
            push(&mut out, "iban", text, s, e);
        }
    }
    out.sort_by_key(|f| (f.start, f.end));
    out
}

fn push(out: &mut Vec<Finding>, kind: &str, text: &str, start: usize, end: usize) {
    out.push(Finding {
        kind: kind.to_string(),
        start,
        end,
        hash: super::fingerprint::short_hash(&text[start..end]),
    });
}

fn overlaps(out: &[Finding], s: usize, e: usize) -> bool {
    out.iter().any(|f| f.start < e && s < f.end)
}

fn edges(text: &str, s: usize, e: usize, extra: &[u8]) -> bool {
    let b = text.as_bytes();
    let bad = |c: u8| c.is_ascii_alphanumeric() || extra.contains(&c);
    (s == 0 || !bad(b[s - 1])) && (e >= b.len() || !bad(b[e]))
}

/// Numbers are not part of a longer number, version or identifier.
fn digit_edges(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    let bad_before =
        |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'/' | b':' | b'+');
    let bad_after = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'/' | b':');
    let after_dot_digit = e + 1 < b.len() && b[e] == b'.' && b[e + 1].is_ascii_digit();
    (s == 0 || !bad_before(b[s - 1])) && (e >= b.len() || !bad_after(b[e])) && !after_dot_digit
}

fn preceded_by_version_or_time(text: &str, s: usize) -> bool {
    let head = &text[s.saturating_sub(12)..s];
    let lower = head.to_ascii_lowercase();
    lower.contains("version")
        || lower.contains("v=")
        || lower.contains("port")
        || lower.contains("pid")
}

const EMAIL_SKIP_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "users.noreply.github.com",
    "noreply.github.com",
    "localhost",
    "test.com",
    "email.com",
    "domain.com",
];
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "css", "json", "md", "txt", "html",
    "py", "rs", "go", "rb", "java", "lock", "toml", "yaml", "yml", "xml", "map", "mjs", "cjs",
];

fn email_ok(m: &str) -> bool {
    let lower = m.to_ascii_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return false;
    };
    let tld = domain.rsplit('.').next().unwrap_or("");
    if NOT_TLDS.contains(&tld) {
        return false;
    }
    if matches!(
        local,
        "git"
            | "noreply"
            | "no-reply"
            | "donotreply"
            | "user"
            | "you"
            | "name"
            | "username"
            | "email"
    ) || local.starts_with("noreply")
    {
        return false;
    }
    !EMAIL_SKIP_DOMAINS
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
}

fn ssn_ok(m: &str) -> bool {
    let parts: Vec<&str> = m.split('-').collect();
    let [area, group, serial] = parts.as_slice() else {
        return false;
    };
    let area_n: u32 = area.parse().unwrap_or(0);
    area_n != 0
        && area_n != 666
        && area_n < 900
        && *group != "00"
        && *serial != "0000"
        // Documented sample numbers.
        && m != "078-05-1120"
        && m != "123-45-6789"
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// The Luhn checksum of a card number holds.
pub fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = x as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn card_ok(s: &str) -> bool {
    // Separators, if any, are all the same character.
    let seps: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_digit()).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return false;
    }
    let d = digits(s);
    if !(13..=19).contains(&d.len()) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let prefix2 = d[0] * 10 + d[1];
    let prefix4 = prefix2 as u32 * 100 + (d[2] * 10 + d[3]) as u32;
    let known = d[0] == 4
        || (51..=55).contains(&prefix2)
        || (2221..=2720).contains(&prefix4)
        || prefix2 == 34
        || prefix2 == 37
        || prefix4 == 6011
        || prefix2 == 65
        || prefix2 == 35
        || prefix2 == 36
        || prefix2 == 38
        || prefix2 == 30
        || prefix2 == 62;
    known && luhn(&d)
}

fn phone_ok(m: &str) -> bool {
    let d = digits(m);
    (10..=15).contains(&d.len()) && !d.iter().all(|&x| x == d[0]) && !m.starts_with("000")
}

/// The mod-97 check of an IBAN holds (ISO 13616).
pub fn iban_ok(m: &str) -> bool {
    let s: String = m.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&s.len()) {
        return false;
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Searching the runs finds what searching the whole text finds, for every pattern.
    #[test]
    fn runs_find_what_the_whole_text_finds() {
        let pieces = [
            "call +1 (415) 555-0132 now",
            "ssn 078-05-1120",
            "4111 1111 1111 1111",
            "5500-0000-0000-0004",
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "a.b+c@example.co.uk",
            "x@y",
            "2026-11-23T10:15:02.331Z",
            "v1.2.3",
            " ",
            "\n",
            "-",
            "(",
            ")",
            "+",
            ".",
            "7",
            "42",
            "12345",
            "AB12",
            "é",
            "mail@",
            "@host.io",
            "ID 99 88",
        ];
        for text in crate::testutil::texts_from(&pieces, 400, 12, 0x9e37_79b9_7f4a_7c15) {
            let b = text.as_bytes();
            let whole = [(0, b.len())];
            let digits = b
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i);
            let ats = b
                .iter()
                .enumerate()
                .filter(|(_, &c)| c == b'@')
                .map(|(i, _)| i);
            let caps: Vec<usize> = (0..b.len().saturating_sub(3))
                .filter(|&i| {
                    b[i].is_ascii_uppercase()
                        && b[i + 1].is_ascii_uppercase()
                        && b[i + 2].is_ascii_digit()
                        && b[i + 3].is_ascii_digit()
                })
                .collect();
            let number_runs = runs(b, number_byte, digits);
            let counted: Vec<(usize, usize, usize)> = number_runs
                .iter()
                .map(|&(s, e)| (s, e, b[s..e].iter().filter(|c| c.is_ascii_digit()).count()))
                .filter(|r| r.2 >= 9)
                .collect();
            let seeds = seeds(b);
            assert_eq!(seeds.numbers, counted, "{text:?}");
            assert_eq!(seeds.ats, ats.clone().collect::<Vec<_>>(), "{text:?}");
            assert_eq!(seeds.ibans, caps, "{text:?}");
            assert_eq!(
                runs(b, iban_byte, seeds.ibans.iter().copied()),
                runs(b, iban_byte, caps.iter().copied()),
                "{text:?}"
            );
            for (i, r) in [
                (EMAIL, runs(b, email_byte, ats)),
                (PHONE, number_runs.clone()),
                (SSN, number_runs.clone()),
                (CARD, number_runs),
                (IBAN, runs(b, iban_byte, caps.into_iter())),
            ] {
                assert_eq!(
                    run_matches(i, &text, &r),
                    run_matches(i, &text, &whole),
                    "pattern {i} in {text:?}"
                );
            }
        }
    }

    fn kinds(t: &str) -> Vec<String> {
        scan(t).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn finds_each_kind() {
        assert_eq!(kinds("mail jane.doe@acme-corp.io now"), ["email"]);
        assert_eq!(kinds("call (415) 555-0134 today"), ["phone-number"]);
        assert_eq!(kinds("call +44 20 7946 0958"), ["phone-number"]);
        assert_eq!(kinds("ssn 219-09-9999."), ["us-ssn"]);
        assert_eq!(kinds("card 4111 1111 1111 1111 exp"), ["payment-card"]);
        assert_eq!(kinds("card 5555555555554444"), ["payment-card"]);
        assert_eq!(kinds("IBAN GB82 WEST 1234 5698 7654 32"), ["iban"]);
        assert_eq!(kinds("DE89370400440532013000"), ["iban"]);
    }

    #[test]
    fn look_alikes_are_not_pii() {
        for t in [
            "version 1.2.3-4",
            "4111 1111 1111 1112",
            "GB82 WEST 1234 5698 7654 33",
            "git@github.com:org/repo.git",
            "icon@2x.png",
            "build 2024-01-15 12:30:45",
            "took 1234567890 ns",
            "uuid 0736f5ef-7e88-499a-80cc-90c85d2a5180",
            "sha 43fc912ef59a83054ea7f6706df4d53a7dea4d80",
        ] {
            assert!(kinds(t).is_empty(), "{t}: {:?}", scan(t));
        }
    }
}
