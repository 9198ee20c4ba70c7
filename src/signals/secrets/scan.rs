//! The scanner: finds every catalogue keyword in one pass, opens a bounded window around
//! each hit for its rule, runs that rule's regex (compiled on first use) in the window, and
//! keeps the candidates that pass the rule's value checks. Discord tokens, which have no
//! keyword, are found by shape.

use super::generic::{looks_like_code, name_start_before, run_generic};
use super::rules::{self, Check, RuleDef, RULES};
use super::values::{
    base64_credentials_ok, base64_pem_kind, char_classes, checksum_ok, entropy, entropy_at_least,
    is_placeholder, is_reference, jwt_ok, k8s_value_ok, named_password_ok, password_ok, pem_kind,
};
use crate::keywords::{Prefilter, Table};
use crate::signals::Finding;
use regex::bytes::CaptureLocations;
use regex::Regex;
use std::sync::OnceLock;

/// How many keywords the catalogue lists (with repeats across rules).
pub(super) const fn keyword_count(rules: &[RuleDef]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < rules.len() {
        n += rules[i].exact.len() + rules[i].folded.len();
        i += 1;
    }
    n
}

pub(super) const KEYWORD_COUNT: usize = keyword_count(rules::CATALOGUE);

/// Every catalogue keyword as `(keyword, ignore case, rule index)`.
pub(super) const fn keyword_list<const N: usize>(
    rules: &'static [RuleDef],
) -> [(&'static str, bool, usize); N] {
    let mut out = [("", false, 0); N];
    let mut n = 0;
    let mut i = 0;
    while i < rules.len() {
        let mut j = 0;
        while j < rules[i].exact.len() {
            out[n] = (rules[i].exact[j], false, i);
            n += 1;
            j += 1;
        }
        let mut j = 0;
        while j < rules[i].folded.len() {
            out[n] = (rules[i].folded[j], true, i);
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "keyword_list: N is not the number of keywords");
    out
}

/// Every catalogue keyword as `(keyword, ignore case, rule index)`.
pub(super) const KEYWORD_LIST: [(&str, bool, usize); KEYWORD_COUNT] =
    keyword_list(rules::CATALOGUE);

/// The catalogue's keywords, searchable as built by the compiler: a hit names its rule.
pub(super) static KEYWORDS: Table<KEYWORD_COUNT> = Table::build(KEYWORD_LIST);

/// Rule `i`'s regex, compiled on first use; an anchored rule's matches only where a search
/// starts (`\A`).
///
/// Compiled with ASCII classes, over bytes: secrets are ASCII, and a Unicode class (`(?i)k`
/// takes in the Kelvin sign, `\d` every script's digits, `.` and `[^"]` every character)
/// makes the regex compiler build UTF-8 automata that cost a fresh process up to a
/// millisecond per regex and some 100 page faults. On a text of ASCII only the two answer
/// alike. A pattern that could match half a character with ASCII classes (`.`, `[^"]`) keeps
/// its Unicode form, compiled only for a window that has non-ASCII bytes in it.
pub(super) fn rule_regex(i: usize) -> &'static RuleRegex {
    // A slot per rule in zeroed static memory, each regex boxed: a call touches only the
    // slots (and pages) of the rules it runs.
    static REGEXES: [OnceLock<Box<RuleRegex>>; rules::CATALOGUE.len()] =
        [const { OnceLock::new() }; rules::CATALOGUE.len()];
    REGEXES[i].get_or_init(|| {
        let r = &RULES[i];
        let pattern = if r.anchored {
            std::borrow::Cow::Owned(format!(r"\A(?:{})", r.pattern))
        } else {
            std::borrow::Cow::Borrowed(r.pattern)
        };
        Box::new(RuleRegex::new(pattern))
    })
}

/// A catalogue rule's regex in its two forms (see [`rule_regex`]), each compiled on first use.
pub(super) struct RuleRegex {
    pattern: std::borrow::Cow<'static, str>,
    /// Whether the ASCII form answers every text: with ASCII classes the pattern still
    /// matches only whole characters.
    any_text: bool,
    /// The pattern with ASCII classes, matched over bytes.
    ascii: OnceLock<Option<regex::bytes::Regex>>,
    /// The pattern as written, for a window with non-ASCII bytes when `any_text` is false.
    unicode: OnceLock<Option<Regex>>,
}

/// The form of a rule's regex that answers for a window.
pub(super) enum Form<'r> {
    Ascii(&'r regex::bytes::Regex),
    Unicode(&'r Regex),
}

impl RuleRegex {
    pub(super) fn new(pattern: std::borrow::Cow<'static, str>) -> RuleRegex {
        // Parsing is a small part of compiling; it tells whether ASCII classes keep the
        // pattern to whole characters (as a `&str` regex requires).
        let any_text = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(true)
            .build()
            .parse(&pattern)
            .is_ok();
        RuleRegex {
            pattern,
            any_text,
            ascii: OnceLock::new(),
            unicode: OnceLock::new(),
        }
    }

    /// The form that answers for `window`: the Unicode one only when the window has
    /// non-ASCII bytes and the ASCII one could split a character; `None` when the pattern
    /// does not compile.
    pub(super) fn for_window(&self, window: &str) -> Option<Form<'_>> {
        if self.any_text || window.is_ascii() {
            self.ascii
                .get_or_init(|| {
                    regex::bytes::RegexBuilder::new(&self.pattern)
                        .unicode(false)
                        .build()
                        .ok()
                })
                .as_ref()
                .map(Form::Ascii)
        } else {
            self.unicode
                .get_or_init(|| Regex::new(&self.pattern).ok())
                .as_ref()
                .map(Form::Unicode)
        }
    }
}

pub(super) fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(super) fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Every catalogue keyword in a compile-time prefilter (see [`Prefilter`]): a short text that
/// passes none of it is not searched.
pub(super) static KEYWORD_PREFILTER: Prefilter = Prefilter::build(&KEYWORD_LIST);

/// Texts up to this size go through [`KEYWORD_PREFILTER`] first; a longer one almost always
/// holds some keyword, and the prefilter would be one more pass over it.
pub(super) const PREFILTER_BELOW_BYTES: usize = 4096;

/// Whether `text` may hold a catalogue keyword.
pub(super) fn may_hold_keyword(text: &str) -> bool {
    text.len() >= PREFILTER_BELOW_BYTES || KEYWORD_PREFILTER.may_match(text.as_bytes())
}

/// One keyword hit: the rule and where its window lies.
pub(super) struct Window {
    rule: usize,
    start: usize,
    end: usize,
}

/// Scans `text`; returns the position from which the work cap stopped scanning, if it did.
pub(super) fn scan_into(text: &str, budget: usize, out: &mut Vec<Finding>) -> Option<usize> {
    let n = text.len();
    // Per rule, the window being grown; merged windows never overlap, so no text is searched
    // twice by the same rule.
    let mut open: Vec<Option<(usize, usize)>> = vec![None; RULES.len()];
    let mut windows: Vec<Window> = Vec::new();
    let mut generic_hits: Vec<usize> = Vec::new();
    let mut anchored_hits: Vec<(usize, usize)> = Vec::new();
    let mut add = |rule: usize, kw_start: usize, windows: &mut Vec<Window>| {
        let r = &RULES[rule];
        if r.check == Check::Generic {
            generic_hits.push(kw_start);
            return;
        }
        if r.anchored {
            anchored_hits.push((kw_start, rule));
            return;
        }
        let s = kw_start.saturating_sub(r.back);
        let e = (kw_start + r.fwd).min(n);
        match &mut open[rule] {
            Some((os, oe)) if s <= *oe => {
                *os = (*os).min(s);
                *oe = (*oe).max(e);
            }
            slot => {
                if let Some((os, oe)) = slot.take() {
                    windows.push(Window {
                        rule,
                        start: os,
                        end: oe,
                    });
                }
                *slot = Some((s, e));
            }
        }
    };
    if may_hold_keyword(text) {
        KEYWORDS.for_each(text.as_bytes(), |rule, start, end| {
            if RULES[rule].check != Check::K8sSecret || is_k8s_secret_kind(text, end) {
                add(rule, start, &mut windows);
            }
        });
    }
    for (rule, slot) in open.iter().enumerate() {
        if let Some((s, e)) = slot {
            windows.push(Window {
                rule,
                start: *s,
                end: *e,
            });
        }
    }
    windows.sort_by_key(|w| (w.start, w.rule));
    let mut spent = 0usize;
    for w in &windows {
        spent += w.end - w.start;
        if spent > budget {
            return Some(w.start);
        }
        let (s, e) = (floor_boundary(text, w.start), ceil_boundary(text, w.end));
        run_rule(text, w.rule, s, e, out);
    }
    // Two keywords of one rule can start at the same byte (`token` and `token:`).
    anchored_hits.sort_unstable();
    anchored_hits.dedup();
    let mut locs: Vec<(usize, CaptureLocations)> = Vec::new();
    for &(at, rule) in &anchored_hits {
        // A failed anchored match stops within a few bytes; a match costs its length.
        spent += 64;
        if spent > budget {
            return Some(at);
        }
        spent += run_anchored(text, rule, at, &mut locs, out);
    }
    scan_discord_tokens(text, out);
    generic_hits.sort_unstable();
    let mut last_name_start = usize::MAX;
    for kw in generic_hits {
        spent += 400;
        if spent > budget {
            return Some(kw);
        }
        let name_start = name_start_before(text, kw);
        if name_start == last_name_start {
            continue;
        }
        last_name_start = name_start;
        run_generic(text, name_start, out);
    }
    None
}

pub(super) fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Discord bot tokens have no keyword, only a shape: `<id>.<6>.<27-38>` where the id part is
/// the base64 of a decimal user id (24-26 characters, so it starts with `M`, `N` or `O`).
/// Found by looking at each `.` that opens a 6-character middle part: one byte test per dot
/// in ordinary text.
pub(super) fn scan_discord_tokens(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    // memchr: a string search for '.' paid a call per dot, a tenth of a clean scan.
    for d1 in memchr::memchr_iter(b'.', b) {
        let d2 = d1 + 7;
        if d2 >= b.len() || b[d2] != b'.' || !b[d1 + 1..d2].iter().all(|&c| is_token_byte(c)) {
            continue;
        }
        let mut e = d2 + 1;
        while e < b.len() && is_token_byte(b[e]) && e - d2 <= 39 {
            e += 1;
        }
        let last = e - d2 - 1;
        if !(27..=38).contains(&last) || (e < b.len() && is_token_byte(b[e])) {
            continue;
        }
        let mut s = d1;
        while s > 0 && d1 - s < 27 && is_token_byte(b[s - 1]) {
            s -= 1;
        }
        let run = d1 - s;
        if run > 26 {
            continue;
        }
        let Some(start) = (24..=26)
            .rev()
            .filter(|&n| n <= run)
            .map(|n| d1 - n)
            .find(|&st| matches!(b[st], b'M' | b'N' | b'O'))
        else {
            continue;
        };
        let value = &text[start..e];
        if is_placeholder(value) || entropy(value) < 4.0 || char_classes(&text[start..d1]) < 2 {
            continue;
        }
        out.push(finding("discord-bot-token", start, e, value));
    }
}

/// `kind: Secret` exactly (not `SecretStore`, `ExternalSecret`).
pub(super) fn is_k8s_secret_kind(text: &str, kw_end: usize) -> bool {
    let rest = &text.as_bytes()[kw_end..];
    let rest = match rest.first() {
        Some(b'\'') | Some(b'"') => &rest[1..],
        _ => rest,
    };
    matches!(
        rest.first(),
        None | Some(b'\n') | Some(b'\r') | Some(b' ') | Some(b'\t')
    )
}

/// The whole match and the secret in it: the first capture group that took part in the match
/// (a pattern may offer the value in several forms, `"..."` or `'...'` or bare), or the whole
/// match.
fn spans(
    len: usize,
    get: impl Fn(usize) -> Option<std::ops::Range<usize>>,
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let whole = get(0)?;
    let secret = (1..len).find_map(&get).unwrap_or_else(|| whole.clone());
    Some((whole, secret))
}

pub(super) fn run_rule(text: &str, rule: usize, s: usize, e: usize, out: &mut Vec<Finding>) {
    let rr = rule_regex(rule);
    let window = &text[s..e];
    match rr.for_window(window) {
        Some(Form::Ascii(re)) => {
            for caps in re.captures_iter(window.as_bytes()) {
                if let Some((whole, secret)) = spans(caps.len(), |i| caps.get(i).map(|m| m.range()))
                {
                    candidate(text, rule, s, whole, secret, out);
                }
            }
        }
        Some(Form::Unicode(re)) => {
            for caps in re.captures_iter(window) {
                if let Some((whole, secret)) = spans(caps.len(), |i| caps.get(i).map(|m| m.range()))
                {
                    candidate(text, rule, s, whole, secret, out);
                }
            }
        }
        None => {}
    }
}

/// Matches anchored rule `rule` at keyword start `at`; returns the length of the match.
/// `locs` keeps the capture slots of each rule run so far from one hit to the next (a few
/// rules per text: a list, not a slot for each of the catalogue's rules).
pub(super) fn run_anchored(
    text: &str,
    rule: usize,
    at: usize,
    locs: &mut Vec<(usize, CaptureLocations)>,
    out: &mut Vec<Finding>,
) -> usize {
    let rr = rule_regex(rule);
    let e = ceil_boundary(text, (at + RULES[rule].fwd).min(text.len()));
    let window = &text[at..e];
    let found = match rr.for_window(window) {
        Some(Form::Ascii(re)) => {
            let k = match locs.iter().position(|(r, _)| *r == rule) {
                Some(k) => k,
                None => {
                    locs.push((rule, re.capture_locations()));
                    locs.len() - 1
                }
            };
            let locs = &mut locs[k].1;
            if re.captures_read(locs, window.as_bytes()).is_none() {
                return 0;
            }
            spans(locs.len(), |i| locs.get(i).map(|(a, b)| a..b))
        }
        Some(Form::Unicode(re)) => {
            let Some(caps) = re.captures(window) else {
                return 0;
            };
            spans(caps.len(), |i| caps.get(i).map(|m| m.range()))
        }
        None => None,
    };
    let Some((whole, secret)) = found else {
        return 0;
    };
    let len = whole.end - whole.start;
    candidate(text, rule, at, whole, secret, out);
    len
}

/// Checks one match of rule `rule` in the text from `s` on (the whole match and the secret
/// in it, relative to `s`), and keeps it if it passes.
pub(super) fn candidate(
    text: &str,
    rule: usize,
    s: usize,
    whole: std::ops::Range<usize>,
    secret: std::ops::Range<usize>,
    out: &mut Vec<Finding>,
) {
    let r = &RULES[rule];
    let (start, end) = (s + secret.start, s + secret.end);
    // Spans found over bytes fall on characters' edges (see [`rule_regex`]); one that did not
    // would be no secret, and must not cut the text apart.
    let edges = [start, end, s + whole.start, s + whole.end];
    if !edges.iter().all(|&i| text.is_char_boundary(i)) {
        return;
    }
    // A Telegram token travels in its API URL as `/bot<token>/method`.
    let telegram_url = r.kind == "telegram-bot-token" && text[..start].ends_with("/bot");
    if r.edges && !clean_edges(text, start, end) && !telegram_url {
        return;
    }
    if let Check::Token(_) = r.check {
        if !token_edges(text, start, end) {
            return;
        }
    }
    // A name-anchored match must start at the name, not inside a longer word
    // (`rookTable` is not `okta`).
    let whole_start = s + whole.start;
    if matches!(r.check, Check::Assigned(_))
        && whole_start > 0
        && whole_start != start
        && text.as_bytes()[whole_start].is_ascii_alphanumeric()
        && text.as_bytes()[whole_start - 1].is_ascii_alphanumeric()
    {
        return;
    }
    let value = &text[start..end];
    // Already-redacted text holds markers, never secrets: redaction stays idempotent.
    let whole = &text[s + whole.start..s + whole.end];
    if whole.contains("[REDACTED:") || value.ends_with(']') && whole.contains("REDACTED") {
        return;
    }
    let Some(kind) = accept(r, value, text, start) else {
        return;
    };
    out.push(finding(kind, start, end, value));
}

pub(super) fn finding(kind: &str, start: usize, end: usize, value: &str) -> Finding {
    Finding {
        kind: kind.to_string(),
        start,
        end,
        hash: crate::signals::fingerprint::short_hash(value),
    }
}

/// The secret does not continue into a neighbouring letter or digit.
pub(super) fn clean_edges(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let before_ok = start == 0 || !b[start - 1].is_ascii_alphanumeric();
    let after_ok = end >= b.len() || !(b[end].is_ascii_alphanumeric());
    before_ok && after_ok
}

/// A prefixed token neither continues a dotted/underscored word before it nor stops short of
/// its own tail (`...-####`, a trailing `_`).
pub(super) fn token_edges(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let before_ok = start == 0 || !matches!(b[start - 1], b'.' | b'_' | b'-');
    let cut_short = matches!(b[end - 1], b'-' | b'_')
        && end < b.len()
        && matches!(b[end], b'#' | b'*' | b'<' | b'{' | b'[' | b'.');
    let tail_ok = !cut_short;
    // A `_`, or a `-` going on into more token, means the value is longer than the format.
    let continues = end + 1 < b.len() && b[end] == b'-' && b[end + 1].is_ascii_alphanumeric();
    let after_ok = (end >= b.len() || b[end] != b'_') && !continues;
    before_ok && tail_ok && after_ok
}

/// The kind to report for a candidate, or `None` when a check rejects it.
pub(super) fn accept(r: &RuleDef, value: &str, text: &str, start: usize) -> Option<&'static str> {
    match r.check {
        Check::Token(_) if checksum_ok(r.checksum, value) => Some(r.kind),
        Check::Token(min) => {
            (!is_placeholder(value) && entropy_at_least(value, min)).then_some(r.kind)
        }
        Check::Assigned(min) => {
            // `verify_token: jwt.exceptions.ExpiredSignatureError` names code, not a value.
            let code = looks_like_code(value) && !value.bytes().any(|b| b.is_ascii_digit());
            (!is_placeholder(value)
                && !is_reference(value)
                && !code
                && entropy_at_least(value, min))
            .then_some(r.kind)
        }
        Check::Password => password_ok(value).then_some(r.kind),
        Check::Jwt => jwt_ok(value).then_some(r.kind),
        Check::PemBlock => pem_kind(value),
        Check::K8sSecret => k8s_value_ok(value, text, start).then_some(r.kind),
        Check::KeyLike(min) => (!is_placeholder(value)
            && !is_reference(value)
            && entropy(value) >= min
            && char_classes(value) >= 3)
            .then_some(r.kind),
        Check::NamedPassword => {
            // `<input name="authenticity_token" value="...">`: a form's anti-forgery token is
            // no credential.
            let before = &text[floor_boundary(text, start.saturating_sub(80))..start];
            let lower = before.to_ascii_lowercase();
            let forgery = [
                "csrf",
                "xsrf",
                "authenticity",
                "antiforgery",
                "__requestverification",
            ]
            .iter()
            .any(|w| lower.contains(w));
            (!forgery && named_password_ok(value)).then_some(r.kind)
        }
        Check::Base64Pem => base64_pem_kind(value),
        Check::Base64Credentials => base64_credentials_ok(value).then_some(r.kind),
        Check::Generic => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::scan;
    use super::*;

    /// A token whose random part happens to spell a placeholder word is still a token.
    #[test]
    fn marker_inside_random_characters_is_no_placeholder() {
        let tok = "7395924743:AAyTOdOVwRLJjo_m_4RdlnD9F8f2XZDMwdW";
        let f = scan(&format!("curl https://api.telegram.org/bot{tok}/getMe"));
        assert!(f.iter().any(|x| x.kind == "telegram-bot-token"), "{f:?}");
        // A marker touching the token's own separator on one side and random characters on
        // the other.
        let tok = "kR2AYjsyXstODO.atlasv1.sswn0iXgZ3zBYozbkNh4ejy4Ynxo5yp75nOAIOHX9NqhnCmm00IGmuCqPpVaF3B7bmi";
        let f = scan(&format!(" token = \"{tok}\" "));
        assert!(f.iter().any(|x| x.kind == "terraform-cloud-token"), "{f:?}");
        let tok = "sk-ant-admin01-kd6BjFUyfRD1xXO7A_xXxX7VOw_I6UsCbPs8FnEVcTh0ocdowQnIUDcKbN_iAg2e39mmphBrT6eaHmjmn6UcDwxVnNEg8AA";
        let f = scan(&format!(" {tok} "));
        assert!(f.iter().any(|x| x.kind == "anthropic-admin-key"), "{f:?}");
        let f = scan(" token: ghp_heREBqidkvIp2Hze8q7vv30ZD0Rf2mFYREwr ");
        assert!(f.iter().any(|x| x.kind == "github-pat"), "{f:?}");
        for random in [
            "ab_todoXk3",
            "Xk3todo-ab",
            "A_xXxX7VOw",
            "k3XXXX9pQz",
            "ghp_heREBqidkvIp2Hze8q7",
        ] {
            assert!(!is_placeholder(random), "{random}");
        }
        for placeholder in [
            "AKIAIOSFODNN7EXAMPLE",
            "your-api-key-here",
            "sk_test_TODO",
            "TODO-put-key",
            "sk-xxxx1234abcd",
            "AKIAXXXXXXXXXXXXXXXX",
            "put_your_key_here",
            "your-api-token",
            "abcXXXXXXdef12",
            "xxxxxxxx",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
    }

    /// Random keys from a small alphabet have less entropy than long mixed ones; the floor
    /// follows the alphabet, and stand-ins of a repeated pattern stay out.
    #[test]
    fn small_alphabet_keys_meet_their_floor() {
        // 2.8 bits: an AWS key id of this entropy is drawn about once in three thousand.
        let f = scan(" aws_access_key_id = AKIADK2D2JSKAZ2AC2KC ");
        assert!(f.iter().any(|x| x.kind == "aws-access-key-id"), "{f:?}");
        let f = scan(" TWILIO_AUTH_TOKEN=18002212211e7e12a2d013ed9301e18d ");
        assert!(f.iter().any(|x| x.kind == "twilio-auth-token"), "{f:?}");
        for stand_in in [
            " aws_access_key_id = AKIAABABABABABABABAB ",
            " TWILIO_AUTH_TOKEN=deadbeefdeadbeefdeadbeefdeadbeef ",
        ] {
            assert!(scan(stand_in).is_empty(), "{stand_in}");
        }
        assert!(entropy_at_least("AKIADK2D2JSKAZ2AC2KC", 3.0));
        assert!(!entropy_at_least("AKIA2222222222222222", 3.0));
        assert!(!entropy_at_least("Ab1Ab1Ab1Ab1Ab1Ab1Ab", 3.0));
    }

    /// Markers spelled by chance in random characters, and a random value that begins with a
    /// short token prefix, leave the value a secret.
    #[test]
    fn chance_markers_and_prefixes_leave_a_secret() {
        for random in [
            "dWUKxfovefXMaet4x",
            "jauqtJFuXAgRRh1sOfIxMetXozIN",
            "AP0PQwaULOremFYS5",
        ] {
            assert!(!is_placeholder(random), "{random}");
        }
        for placeholder in ["sk_test_FIXME123", "dummy-key-1234", "LoremIpsumDolor"] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
        let f = scan(" client_secret: \"cioPhSKjs94xcVXuHVnn6WEO8F963RiH\" ");
        assert!(f.iter().any(|x| x.kind == "generic-secret"), "{f:?}");
        // The value starts at its first `=`: `==MxR…`, not `MxR…`.
        let f = scan(" DB_PASSWORD===MxR18UJP49dpta ");
        assert!(f.iter().any(|x| x.start == " DB_PASSWORD=".len()), "{f:?}");
    }

    /// A legacy Vault token has a dot and, now and then, no digit: it is still no code name.
    #[test]
    fn vault_token_without_digits_is_not_code() {
        let f = scan(" vault token: s.jQxdevvFTotSPEOJKhprheNh ");
        assert!(f.iter().any(|x| x.kind == "vault-token"), "{f:?}");
        assert!(looks_like_code("jwt.exceptions.ExpiredSignatureError"));
        assert!(looks_like_code("os.environ.get"));
        assert!(looks_like_code("document.getElementById"));
        assert!(looks_like_code("window.XMLHttpRequest"));
        assert!(looks_like_code("document.getElementsByClassName"));
        for token in [
            "s.GBJVNDKGeUKTTtqsKcUQGVFI",
            "s.tJOyeholzVQAPANDgcysfPSL",
            "s.KopxRMZjoyommMZjynzCBKQE",
        ] {
            assert!(!looks_like_code(token), "{token}");
        }
        assert!(looks_like_code("/srv/app/settings.py"));
        assert!(!looks_like_code(
            "/LZasjVQaJMMNmjlYKghXqNFowqpN+kij+IYzorvgfo="
        ));
    }

    /// The compile-time prefilter lets through every text that holds a catalogue keyword, in
    /// any case a folded keyword may take: a text it stopped would never be searched.
    #[test]
    fn prefilter_passes_every_keyword() {
        for r in RULES {
            let words = r.exact.iter().map(|w| (w.to_string(), false));
            let folded = r.folded.iter().map(|w| (w.to_string(), true));
            for (w, is_folded) in words.chain(folded) {
                let mut forms = vec![w.clone()];
                if is_folded {
                    forms.push(w.to_ascii_uppercase());
                    forms.push(w.to_ascii_lowercase());
                    // Alternating case, so no one casing of the keyword is special.
                    forms.push(
                        w.chars()
                            .enumerate()
                            .map(|(i, c)| {
                                if i % 2 == 0 {
                                    c.to_ascii_uppercase()
                                } else {
                                    c
                                }
                            })
                            .collect(),
                    );
                }
                for f in forms {
                    for text in [f.clone(), format!("x {f} y"), format!("{f}{f}")] {
                        assert!(may_hold_keyword(&text), "{:?} stopped {text:?}", r.kind);
                    }
                }
            }
        }
        assert!(!may_hold_keyword("git status --short"));
    }

    /// The keyword prefilter finds every occurrence of every keyword of the catalogue:
    /// a keyword it missed would be a rule never tried.
    #[test]
    fn keyword_prefilter_finds_every_keyword_occurrence() {
        let words: Vec<(&str, bool)> = KEYWORD_LIST.iter().map(|&(w, f, _)| (w, f)).collect();
        let mut texts: Vec<String> = vec![
            "git status".into(),
            "curl -u admin:hunter2 https://example.com".into(),
            "export GITHUB_TOKEN=ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo".into(),
            "PASSWORD=x password=y PassWord: z kind: Secret".into(),
            "ééé passwörd auth AUTHORIZATION: Bearer abc".into(),
        ];
        // Every keyword alone, upper-cased, doubled (overlaps) and inside other text.
        for (w, _) in &words {
            texts.push(w.to_string());
            texts.push(w.to_ascii_uppercase());
            texts.push(format!("{w}{w} x{w}y"));
        }
        texts.push(texts.join(" "));
        for t in &texts {
            // As `(rule, start, end)`: a hit must also name the keyword's rule.
            let mut expected: Vec<(usize, usize, usize)> = crate::testutil::occurrences(&words, t)
                .into_iter()
                .map(|(k, s, e)| (KEYWORD_LIST[k].2, s, e))
                .collect();
            expected.sort_unstable();
            let mut got = Vec::new();
            KEYWORDS.for_each(t.as_bytes(), |rule, s, e| got.push((rule, s, e)));
            got.sort_unstable();
            assert_eq!(got, expected, "{t:?}");
        }
    }
}
