//! Secret detection signal: finds credentials in the text a boundary carries.
//!
//! Pipeline: keyword prefilter ([`crate::keywords`]) -> per-kind regex (compiled on first use,
//! only for kinds whose keyword occurs) run on a bounded window around each keyword hit ->
//! value checks (placeholders, variable references, hashes, UUIDs, entropy). The catalogue is
//! in [`rules`].
//!
//! Raises `secret.detected` with one [`Finding`] per secret (kind, byte span, salted hash —
//! never the value) and attrs `kinds`, `count`. At the tool-request boundary it also raises
//! `secret.egress` when the secret travels with a network action (a `net.upload`/`net.download`
//! or egress-program `shell.exec` flag of the same command, a fetched URL, or a written line that
//! calls out), and `secret.write` when a file tool writes it. Redaction lives in [`crate::redact`].
//!
//! Bounds: text up to [`MAX_SCAN_BYTES`] is scanned whole, in time linear in its size (each
//! keyword hit costs one window of at most a few KB per rule, and the total window work is
//! capped). Anything beyond the bound, or beyond the work cap, is reported as one
//! `unscanned-output` finding covering the rest, so redaction withholds it rather than passing a
//! secret it did not look at.

pub mod rules;

use super::{Context, Finding, Flag, Signal};
use crate::event::{Boundary, Event, ToolKind};
use crate::keywords::{Prefilter, Table};
use regex::{CaptureLocations, Regex};
use rules::{Check, RuleDef, RULES};
use serde_json::Value;
use std::sync::OnceLock;

pub const FLAGS: &[&str] = &["secret.detected", "secret.egress", "secret.write"];

/// Text beyond this many bytes is not scanned: it is withheld as `unscanned-output`.
pub const MAX_SCAN_BYTES: usize = 16 * 1024 * 1024;

/// The finding kind that covers text that was not scanned.
pub const UNSCANNED: &str = "unscanned-output";

/// Longest span a single rule can match; the withheld tail starts this far before the cut so
/// a secret straddling it is never left half-visible.
const MAX_SPAN: usize = 17 * 1024;

/// Programs that send data over the network (or fetch with credentials).
const EGRESS_PROGRAMS: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "httpie",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "scp",
    "sftp",
    "rsync",
    "ftp",
    "ssh",
    "aws",
    "gsutil",
    "gcloud",
    "az",
    "gh",
    "git",
    "docker",
    "podman",
    "npm",
    "twine",
    "openssl",
    "mail",
    "sendmail",
    "mutt",
    "s3cmd",
    "rclone",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "iwr",
    "irm",
];

pub struct SecretSignal;

impl Signal for SecretSignal {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn applies(&self, event: &Event) -> bool {
        event.boundary_text().is_some_and(|t| !t.is_empty())
            || (event.boundary == Boundary::ToolRequest && !event.urls.is_empty())
    }

    fn inspect(&self, event: &Event, _ctx: &Context, out: &mut Vec<Flag>) {
        let text = event.boundary_text().unwrap_or("");
        let findings = scan(text);
        if !findings.is_empty() {
            out.push(detected_flag("secret.detected", &findings));
        }
        if event.boundary != Boundary::ToolRequest {
            return;
        }
        // Secrets in fetched URLs (`?token=...`) leave with the request.
        let url_findings: Vec<Finding> = event.urls.iter().flat_map(|u| scan(u)).collect();
        let mut egress_hosts: Vec<String> = Vec::new();
        let mut egress = false;
        if !url_findings.is_empty() {
            egress = true;
            egress_hosts.extend(event.urls.iter().filter_map(|u| url_host(u)));
        }
        let secret_findings: Vec<&Finding> =
            findings.iter().filter(|f| f.kind != UNSCANNED).collect();
        if !secret_findings.is_empty() {
            match event.tool_kind() {
                Some(ToolKind::Shell) => {
                    let (is_egress, hosts) = shell_egress(out, text);
                    egress |= is_egress;
                    egress_hosts.extend(hosts);
                }
                Some(k) if k.writes_files() => {
                    let (is_egress, hosts) = written_egress(text, &findings);
                    egress |= is_egress;
                    egress_hosts.extend(hosts);
                    let facts: Vec<super::PathFact> = event
                        .paths
                        .iter()
                        .map(|p| super::paths::fact(p, _ctx))
                        .collect();
                    let mut flag = detected_flag("secret.write", &findings).paths(facts);
                    flag.detail = format!("{} into {}", flag.detail, event.paths.join(" "));
                    out.push(flag);
                }
                _ => {}
            }
        }
        if egress {
            let mut all = findings.clone();
            all.extend(url_findings);
            egress_hosts.sort();
            egress_hosts.dedup();
            if egress_hosts.is_empty() {
                // Unknown destination: never on an allowlist.
                egress_hosts.push("<unknown>".to_string());
            }
            let mut flag = detected_flag("secret.egress", &all).hosts(egress_hosts.clone());
            flag.detail = format!("{} to {}", flag.detail, egress_hosts.join(", "));
            out.push(flag);
        }
    }
}

fn detected_flag(name: &str, findings: &[Finding]) -> Flag {
    let mut kinds: Vec<String> = findings.iter().map(|f| f.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    Flag::new(name)
        .detail(kinds.join(", "))
        .attr("kinds", kinds)
        .attr("count", findings.len())
        .findings(findings.to_vec())
}

/// Whether the command's own flags say it talks to the network, and to which hosts.
fn shell_egress(flags: &[Flag], command: &str) -> (bool, Vec<String>) {
    let mut egress = false;
    let mut hosts = Vec::new();
    for f in flags {
        match f.name.as_str() {
            "net.upload" | "net.download" | "net.connect" | "net.egress" => {
                egress = true;
                hosts.extend(f.hosts.iter().cloned());
            }
            "shell.exec" => {
                let program = f
                    .attrs
                    .get("program")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                if EGRESS_PROGRAMS.contains(&program) {
                    egress = true;
                    let args = f.attrs.get("args").and_then(|a| a.as_array());
                    for a in args.into_iter().flatten().filter_map(Value::as_str) {
                        hosts.extend(arg_host(a));
                    }
                }
            }
            _ => {}
        }
    }
    if egress && hosts.is_empty() {
        hosts.extend(command.split_whitespace().filter_map(arg_host));
    }
    (egress, hosts)
}

/// Written content that calls out with a secret on the same line (`curl -H "... <token>" url`).
fn written_egress(text: &str, findings: &[Finding]) -> (bool, Vec<String>) {
    let mut egress = false;
    let mut hosts = Vec::new();
    for f in findings {
        let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[f.end..].find('\n').map_or(text.len(), |i| f.end + i);
        let line = &text[line_start..line_end];
        let calls_out = line
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(|w| {
                EGRESS_PROGRAMS.contains(&w)
                    || matches!(w, "fetch" | "requests" | "urlopen" | "axios")
            });
        let line_hosts: Vec<String> = line
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '(' || c == ')')
            .filter_map(url_host)
            .collect();
        if calls_out && !line_hosts.is_empty() {
            egress = true;
            hosts.extend(line_hosts);
        }
    }
    (egress, hosts)
}

/// The host of a URL-like or `user@host:` argument.
fn arg_host(arg: &str) -> Option<String> {
    let arg = arg.trim_matches(|c| c == '"' || c == '\'');
    if arg.contains("://") {
        return url_host(arg);
    }
    // scp/rsync/ssh style `user@host:path` or `host:path`.
    if arg.starts_with('-') || arg.starts_with('/') || arg.starts_with('.') {
        return None;
    }
    let (head, _) = arg.split_once(':')?;
    let host = head.rsplit('@').next()?;
    let looks_like_host = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    looks_like_host.then(|| host.to_ascii_lowercase())
}

/// The host part of a URL.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

// ------------------------------------------------------------------------------------------
// The scanner
// ------------------------------------------------------------------------------------------

/// How many keywords the catalogue lists (with repeats across rules).
const fn keyword_count(rules: &[RuleDef]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < rules.len() {
        n += rules[i].exact.len() + rules[i].folded.len();
        i += 1;
    }
    n
}

const KEYWORD_COUNT: usize = keyword_count(rules::CATALOGUE);

/// Every catalogue keyword as `(keyword, ignore case, rule index)`.
const fn keyword_list<const N: usize>(
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
const KEYWORD_LIST: [(&str, bool, usize); KEYWORD_COUNT] = keyword_list(rules::CATALOGUE);

/// The catalogue's keywords, searchable as built by the compiler: a hit names its rule.
static KEYWORDS: Table<KEYWORD_COUNT> = Table::build(KEYWORD_LIST);

/// Rule `i`'s regex, compiled on first use; an anchored rule's matches only where a search
/// starts (`\A`).
fn rule_regex(i: usize) -> Option<&'static Regex> {
    static REGEXES: OnceLock<Vec<OnceLock<Option<Regex>>>> = OnceLock::new();
    REGEXES.get_or_init(|| RULES.iter().map(|_| OnceLock::new()).collect())[i]
        .get_or_init(|| {
            let r = &RULES[i];
            if r.anchored {
                Regex::new(&format!(r"\A(?:{})", r.pattern)).ok()
            } else {
                Regex::new(r.pattern).ok()
            }
        })
        .as_ref()
}

/// The kinds this scanner can report (every rule's kind, once).
pub fn kinds() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = RULES.iter().map(|r| r.kind).collect();
    v.extend(["openssh-private-key", "pgp-private-key", UNSCANNED]);
    v.sort();
    v.dedup();
    v
}

/// Finds secrets in `text`. Findings are sorted by start and may overlap.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if text.len() < 8 {
        return out;
    }
    let limit = floor_boundary(text, text.len().min(MAX_SCAN_BYTES));
    let head = &text[..limit];
    let budget = head.len().saturating_mul(8) + (4 << 20);
    let unscanned_from = scan_into(head, budget, &mut out);
    let withheld_from = match unscanned_from {
        Some(p) => Some(p),
        None if limit < text.len() => Some(limit.saturating_sub(MAX_SPAN)),
        None => None,
    };
    if let Some(from) = withheld_from {
        let from = floor_boundary(text, from);
        out.retain(|f| f.start < from);
        out.push(Finding {
            kind: UNSCANNED.to_string(),
            start: from,
            end: text.len(),
            hash: String::new(),
        });
    }
    out.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.kind == b.kind);
    drop_shadowed(&mut out);
    out
}

/// Generic findings fully inside a specific one add nothing but noise.
fn drop_shadowed(out: &mut Vec<Finding>) {
    const WEAK: &[&str] = &["generic-secret", "authorization-header", "url-credentials"];
    if out.len() < 2 {
        return;
    }
    let strong: Vec<(usize, usize)> = out
        .iter()
        .filter(|f| !WEAK.contains(&f.kind.as_str()))
        .map(|f| (f.start, f.end))
        .collect();
    out.retain(|f| {
        !WEAK.contains(&f.kind.as_str()) || !strong.iter().any(|&(s, e)| s <= f.start && f.end <= e)
    });
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Every catalogue keyword in a compile-time prefilter (see [`Prefilter`]): a short text that
/// passes none of it is not searched.
static KEYWORD_PREFILTER: Prefilter = Prefilter::build(&KEYWORD_LIST);

/// Texts up to this size go through [`KEYWORD_PREFILTER`] first; a longer one almost always
/// holds some keyword, and the prefilter would be one more pass over it.
const PREFILTER_BELOW_BYTES: usize = 4096;

/// Whether `text` may hold a catalogue keyword.
fn may_hold_keyword(text: &str) -> bool {
    text.len() >= PREFILTER_BELOW_BYTES || KEYWORD_PREFILTER.may_match(text.as_bytes())
}

/// One keyword hit: the rule and where its window lies.
struct Window {
    rule: usize,
    start: usize,
    end: usize,
}

/// Scans `text`; returns the position from which the work cap stopped scanning, if it did.
fn scan_into(text: &str, budget: usize, out: &mut Vec<Finding>) -> Option<usize> {
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
    let mut locs: Vec<Option<CaptureLocations>> = vec![None; RULES.len()];
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

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Discord bot tokens have no keyword, only a shape: `<id>.<6>.<27-38>` where the id part is
/// the base64 of a decimal user id (24-26 characters, so it starts with `M`, `N` or `O`).
/// Found by looking at each `.` that opens a 6-character middle part: one byte test per dot
/// in ordinary text.
fn scan_discord_tokens(text: &str, out: &mut Vec<Finding>) {
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
fn is_k8s_secret_kind(text: &str, kw_end: usize) -> bool {
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

fn secret_group<'t>(caps: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    caps.get(1).or_else(|| caps.get(0))
}

fn run_rule(text: &str, rule: usize, s: usize, e: usize, out: &mut Vec<Finding>) {
    let Some(re) = rule_regex(rule) else {
        return;
    };
    for caps in re.captures_iter(&text[s..e]) {
        let (Some(whole), Some(secret)) = (caps.get(0), secret_group(&caps)) else {
            continue;
        };
        candidate(text, rule, s, whole.range(), secret.range(), out);
    }
}

/// Matches anchored rule `rule` at keyword start `at`; returns the length of the match.
/// `locs` keeps each rule's capture slots from one hit to the next.
fn run_anchored(
    text: &str,
    rule: usize,
    at: usize,
    locs: &mut [Option<CaptureLocations>],
    out: &mut Vec<Finding>,
) -> usize {
    let (Some(re), Some(slot)) = (rule_regex(rule), locs.get_mut(rule)) else {
        return 0;
    };
    let locs = slot.get_or_insert_with(|| re.capture_locations());
    let e = ceil_boundary(text, (at + RULES[rule].fwd).min(text.len()));
    if re.captures_read(locs, &text[at..e]).is_none() {
        return 0;
    }
    let Some(whole) = locs.get(0) else {
        return 0;
    };
    let secret = locs.get(1).unwrap_or(whole);
    candidate(text, rule, at, whole.0..whole.1, secret.0..secret.1, out);
    whole.1 - whole.0
}

/// Checks one match of rule `rule` in the text from `s` on (the whole match and the secret
/// in it, relative to `s`), and keeps it if it passes.
fn candidate(
    text: &str,
    rule: usize,
    s: usize,
    whole: std::ops::Range<usize>,
    secret: std::ops::Range<usize>,
    out: &mut Vec<Finding>,
) {
    let r = &RULES[rule];
    let (start, end) = (s + secret.start, s + secret.end);
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

fn finding(kind: &str, start: usize, end: usize, value: &str) -> Finding {
    Finding {
        kind: kind.to_string(),
        start,
        end,
        hash: super::fingerprint::short_hash(value),
    }
}

/// The secret does not continue into a neighbouring letter or digit.
fn clean_edges(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let before_ok = start == 0 || !b[start - 1].is_ascii_alphanumeric();
    let after_ok = end >= b.len() || !(b[end].is_ascii_alphanumeric());
    before_ok && after_ok
}

/// A prefixed token neither continues a dotted/underscored word before it nor stops short of
/// its own tail (`...-####`, a trailing `_`).
fn token_edges(text: &str, start: usize, end: usize) -> bool {
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
fn accept(r: &RuleDef, value: &str, text: &str, start: usize) -> Option<&'static str> {
    match r.check {
        Check::Token(min) => (!is_placeholder(value) && entropy(value) >= min).then_some(r.kind),
        Check::Assigned(min) => {
            // `verify_token: jwt.exceptions.ExpiredSignatureError` names code, not a value.
            let code = looks_like_code(value) && !value.bytes().any(|b| b.is_ascii_digit());
            (!is_placeholder(value) && !is_reference(value) && !code && entropy(value) >= min)
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
        Check::Generic => None,
    }
}

// ------------------------------------------------------------------------------------------
// Generic: secret-like names with high-entropy values
// ------------------------------------------------------------------------------------------

/// Bytes of a secret's name: the generic search walks names byte by byte around every hit.
static NAME_BYTES: [bool; 256] = byte_table!(false, |b| b.is_ascii_alphanumeric()
    || matches!(b, b'_' | b'.' | b'-'));
/// Bytes that end a generic value.
static VALUE_ENDS: [bool; 256] = byte_table!(false, |b| b.is_ascii_whitespace()
    || matches!(
        b,
        b'"' | b'\'' | b'`' | b'<' | b'>' | b';' | b',' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
    ));

fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)]
}

fn name_start_before(text: &str, kw: usize) -> usize {
    let b = text.as_bytes();
    let mut i = kw;
    while i > 0 && kw - i < 60 && is_name_byte(b[i - 1]) {
        i -= 1;
    }
    i
}

/// The literal prefixes of prefixed-token rules.
fn token_prefixes() -> &'static [String] {
    static P: OnceLock<Vec<String>> = OnceLock::new();
    P.get_or_init(|| {
        RULES
            .iter()
            .filter(|r| matches!(r.check, Check::Token(_)) && r.back == 0)
            .flat_map(|r| {
                r.exact
                    .iter()
                    .filter(|w| w.len() >= 3)
                    .map(|w| w.to_string())
            })
            .chain(["xox".to_string()])
            .collect()
    })
}

fn run_generic(text: &str, name_start: usize, out: &mut Vec<Finding>) {
    let Some((name, start, stop)) = generic_spans(text, name_start) else {
        return;
    };
    let raw = &text[start..stop];
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

const STRONG_NAME_WORDS: &[&str] = &[
    "secret",
    "token",
    "passwd",
    "password",
    "passwort",
    "pwd",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "privatekey",
    "private_key",
    "accesskey",
    "access_key",
];

const NAME_REJECT_WORDS: &[&str] = &[
    "public",
    "csrf",
    "xsrf",
    "authenticity",
    "keyboard",
    "keyword",
    "monkey",
    "turkey",
    "hotkey",
    "keyframe",
    "keypress",
    "keycode",
    "keystroke",
    "tokenizer",
    "tokenize",
    "author",
    "keyspace",
    "keychain",
    "primarykey",
    "primary_key",
    "foreign",
    "sortkey",
    "sort_key",
    "partition",
    "cachekey",
    "cache_key",
    "idempotency",
    "pagetoken",
    "page_token",
    "nexttoken",
    "next_token",
    "continuation",
    "max_token",
    "maxtoken",
    "num_token",
    "token_count",
    "tokens_",
    "jsonwebtoken",
    "secretsmanager",
    "secret_manager",
    "secretmanager",
];

const NAME_REJECT_SUFFIXES: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "file",
    "filename",
    "path",
    "url",
    "uri",
    "type",
    "size",
    "length",
    "len",
    "count",
    "version",
    "field",
    "prefix",
    "suffix",
    "ref",
    "env",
    "var",
    "dir",
    "format",
    "mode",
    "header",
    "param",
    "policy",
    "endpoint",
    "enabled",
    "required",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "label",
    "desc",
    "description",
    "template",
    "store",
    "provider",
    "manager",
    "method",
    "algorithm",
    "alg",
    "kind",
    "index",
    "column",
    "pattern",
    "regex",
    "hint",
    "placeholder",
    "location",
    "host",
    "region",
    "user",
    "username",
    "login",
    "arn",
    "hash",
    "digest",
    "checksum",
    "sha",
    "md5",
    "fingerprint",
    "rotation",
    "policy",
    "source",
    "mount",
    "secrets_dir",
    "class",
    "bits",
    "strength",
    "lifetime",
    "usage",
    "tokens",
    "chars",
    "limit",
    "max",
    "min",
    "field_name",
    "selector",
    "event",
    "key_id",
    "keyid",
    "keys",
    "image",
    "names",
    "spec",
    "secrets",
];

const HASH_NAME_WORDS: &[&str] = &[
    "sha",
    "hash",
    "checksum",
    "digest",
    "md5",
    "commit",
    "srcrev",
    "etag",
    "integrity",
    "fingerprint",
    "revision",
];

/// What a name says about its value: `None` when it cannot name a secret, otherwise the
/// lowercased name and whether it is a strong (`token`, `password`) or a weak (`...key`,
/// `...auth`) secret name.
struct SecretName {
    bare: String,
    strong: bool,
    weak_suffix: bool,
}

/// `NAME_REJECT_WORDS` then `STRONG_NAME_WORDS`, one table built at compile time.
static NAME_WORDS: Table<{ NAME_REJECT_WORDS.len() + STRONG_NAME_WORDS.len() }> = Table::build(
    crate::keywords::list(&[NAME_REJECT_WORDS, STRONG_NAME_WORDS], false),
);

fn secret_name(name: &str) -> Option<SecretName> {
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
fn generic_spans(text: &str, name_start: usize) -> Option<(SecretName, usize, usize)> {
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
    match b.get(i) {
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
    if matches!(b.get(i), Some(b'r') | Some(b'b') | Some(b'f'))
        && matches!(b.get(i + 1), Some(b'"') | Some(b'\'') | Some(b'`'))
    {
        i += 2;
    } else if matches!(b.get(i), Some(b'"') | Some(b'\'') | Some(b'`')) {
        i += 1;
    }
    let value_start = i;
    let vlim = (name_start + 360).min(b.len());
    while i < vlim && !VALUE_ENDS[usize::from(b[i])] {
        i += 1;
    }
    let value_end = ceil_boundary(text, i);
    (value_end - value_start >= 6).then_some((name, value_start, value_end))
}

fn generic_ok(name: &SecretName, value: &str) -> bool {
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
    // A known token prefix: its own rule decides (and rejected it).
    if token_prefixes()
        .iter()
        .any(|p| value.starts_with(p.as_str()))
    {
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

/// `s.ends_with(end)` byte by byte: for the few-byte ends the name checks test, a call to
/// compare cost more than the comparison (these run for every generic keyword hit).
fn ends(s: &str, end: &str) -> bool {
    s.len() >= end.len() && s.bytes().rev().zip(end.bytes().rev()).all(|(a, b)| a == b)
}

/// A lowered camelCase name that ends in a word naming no secret (`secretName` as
/// `secretname`): that word.
fn camel_tail(name: &str) -> Option<&'static str> {
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

fn looks_like_words(v: &str) -> bool {
    // CamelCase identifiers: runs of a capital followed by lowercase letters.
    let caps = v.bytes().filter(|b| b.is_ascii_uppercase()).count();
    let lowers = v.bytes().filter(|b| b.is_ascii_lowercase()).count();
    caps * 4 <= lowers && v.as_bytes().first().is_some_and(|b| b.is_ascii_uppercase())
}

/// Letters in random case: at least 12 of them, a quarter to three quarters capitals, and
/// adjacent letters changing case at least 30% of the time (`jQxdevvFTotSPEOJ`, base64). Code
/// names capitalize word starts only (`ExpiredSignatureError`, `getElementById`: under a
/// quarter capitals).
fn case_flips_like_random(p: &str) -> bool {
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

/// 0 for a byte that is no ASCII letter, 1 for a lowercase one, 2 for a capital.
static LETTER_CASE: [u8; 256] = byte_table!(0u8, |b| if b.is_ascii_lowercase() {
    1
} else if b.is_ascii_uppercase() {
    2
} else {
    0
});

/// Code, paths, URLs and identifiers that sit where a value would.
fn looks_like_code(v: &str) -> bool {
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

// ------------------------------------------------------------------------------------------
// Value checks
// ------------------------------------------------------------------------------------------

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

fn char_classes(v: &str) -> u32 {
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

const PLACEHOLDER_MARKERS: &[&str] = &[
    "xxxx",
    "example",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpass",
    "${",
    "{{",
    "}}",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace_me",
    "replace-me",
    "replaceme",
    "****",
    "...",
    "####",
    "0000000000",
    "put_your",
    "enter_your",
    "here_",
    "_here",
    "-here",
    "todo",
    "fixme",
    "foobar",
    "notreal",
    "not_real",
    "not-a-real",
    "lorem",
];

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

/// Whether a placeholder marker stands in `v`. A four-letter marker must stand as a word:
/// touching the value's start or end or a non-alphanumeric byte on one side (`sk_test_TODO`);
/// in the middle of random characters (`…yTOdOV…` holds `todo`) it says nothing — a real
/// 40-character token holds some four-letter word about once in a few thousand, and must not
/// pass for a placeholder then. Longer markers (`…CYEXAMPLEKEY`) count anywhere.
fn has_marker<const N: usize>(markers: &Table<N>, v: &str) -> bool {
    let b = v.as_bytes();
    let mut found = false;
    markers.for_each(b, |_, s, e| {
        let word = e - s >= 5
            || !b[s..e].iter().all(u8::is_ascii_alphanumeric)
            || s == 0
            || e == b.len()
            || !b[s - 1].is_ascii_alphanumeric()
            || !b[e].is_ascii_alphanumeric();
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

const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "token",
    "test",
    "user",
    "username",
    "mypassword",
    "yourpassword",
    "your_password",
    "p@ssw0rd!",
    "xxx",
    "yyy",
    "foo",
    "bar",
    "none",
    "null",
    "empty",
    "redacted",
    "hidden",
    "masked",
    "****",
];

fn password_ok(v: &str) -> bool {
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

fn is_hex(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_uuid(v: &str) -> bool {
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

fn jwt_ok(v: &str) -> bool {
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

fn is_placeholder_jwt(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.contains("xxxx")
}

fn pem_kind(v: &str) -> Option<&'static str> {
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

fn k8s_value_ok(v: &str, text: &str, start: usize) -> bool {
    let trimmed = v.trim_end_matches('=');
    if v.len() % 4 != 0 || trimmed.len() < 8 {
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod keyword_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A token whose random part happens to spell a placeholder word is still a token.
    #[test]
    fn marker_inside_random_characters_is_no_placeholder() {
        let tok = "7395924743:AAyTOdOVwRLJjo_m_4RdlnD9F8f2XZDMwdW";
        let f = scan(&format!("curl https://api.telegram.org/bot{tok}/getMe"));
        assert!(f.iter().any(|x| x.kind == "telegram-bot-token"), "{f:?}");
        for placeholder in [
            "AKIAIOSFODNN7EXAMPLE",
            "your-api-key-here",
            "sk_test_TODO",
            "xxxxxxxx",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
    }

    /// A legacy Vault token has a dot and, now and then, no digit: it is still no code name.
    #[test]
    fn vault_token_without_digits_is_not_code() {
        let f = scan(" vault token: s.jQxdevvFTotSPEOJKhprheNh ");
        assert!(f.iter().any(|x| x.kind == "vault-token"), "{f:?}");
        assert!(looks_like_code("jwt.exceptions.ExpiredSignatureError"));
        assert!(looks_like_code("os.environ.get"));
        assert!(looks_like_code("document.getElementById"));
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
