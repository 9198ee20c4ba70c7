//! Activation: when a rule applies (time windows, days, branches, environment, validity).
//!
//! Time windows are evaluated in the rule's `timezone` (an IANA name such as `Europe/Berlin`,
//! read from the system zone database, or a fixed offset such as `+02:00`; default UTC):
//!
//! ```toml
//! # Deploys ask for approval outside office hours: after 18:00 and before 08:00 ...
//! [[rule]]
//! id = "deploy-after-hours"
//! effect = "ask"
//! when = { program = "kubectl", subcommand = "apply" }
//! activation = { timezone = "Europe/Berlin", hours = ["18:00-08:00"] }
//! # ... and at weekends (a second rule: the fields of one activation must all hold).
//! [[rule]]
//! id = "deploy-weekend"
//! effect = "ask"
//! when = { program = "kubectl", subcommand = "apply" }
//! activation = { timezone = "Europe/Berlin", days = ["sat", "sun"] }
//! ```
//!
//! `hours = ["09:00-18:00"]` is active from 09:00 up to, not including, 18:00; a window whose
//! end is before its start wraps midnight; `24:00` ends a window at midnight. `days` takes
//! `mon`..`sun`, full names, and ranges such as `mon-fri`. An unknown zone name is refused at
//! load time; where no zone database exists, such a rule applies at all hours (a restriction
//! is never switched off by a missing file).

use super::eval::EvalEnv;
use super::glob;
use super::model::Activation;

/// Whether the rule is active now, in this environment.
pub fn active(act: &Activation, env: &dyn EvalEnv) -> bool {
    let now = env.now();
    if let Some(from) = &act.from {
        if parse_rfc3339(from).is_some_and(|t| now < t) {
            return false;
        }
    }
    if let Some(until) = &act.until {
        if parse_rfc3339(until).is_some_and(|t| now > t) {
            return false;
        }
    }
    if let Some(branches) = &act.branches {
        match env.branch() {
            Some(b) if branches.iter().any(|p| glob::matches(p, &b)) => {}
            _ => return false,
        }
    }
    for (name, pats) in &act.env {
        match env.env_var(name) {
            Some(v) if pats.as_slice().iter().any(|p| glob::matches(p, &v)) => {}
            _ => return false,
        }
    }
    if act.days.is_some() || act.hours.is_some() {
        let offset = act
            .timezone
            .as_deref()
            .map(|tz| utc_offset_seconds(tz, now))
            .unwrap_or(Some(0));
        let Some(offset) = offset else {
            // An unknown zone must not switch a restriction off.
            return true;
        };
        let local = now + offset;
        let days_since_epoch = local.div_euclid(86_400);
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        let weekday = (days_since_epoch + 3).rem_euclid(7) as usize;
        let minute_of_day = (local.rem_euclid(86_400) / 60) as u32;
        if let Some(days) = &act.days {
            if !days.iter().any(|d| day_matches(d, weekday)) {
                return false;
            }
        }
        if let Some(hours) = &act.hours {
            if !hours.iter().any(|h| in_window(h, minute_of_day)) {
                return false;
            }
        }
    }
    true
}

/// `"18:00-08:00"`: wraps midnight when the end is before the start.
fn in_window(spec: &str, minute: u32) -> bool {
    let Some((a, b)) = spec.split_once('-') else {
        return false;
    };
    let (Some(a), Some(b)) = (hhmm(a), hhmm(b)) else {
        return false;
    };
    if a <= b {
        minute >= a && minute < b
    } else {
        minute >= a || minute < b
    }
}

fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

/// The zone's offset from UTC at `now`, in seconds east: fixed offsets (`+02:00`, `UTC`) and
/// IANA names (`Europe/Berlin`), the latter read from the system's TZif files.
pub fn utc_offset_seconds(tz: &str, now: i64) -> Option<i64> {
    let t = tz.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") || t == "Etc/UTC" {
        return Some(0);
    }
    if t.starts_with('+') || t.starts_with('-') {
        return fixed_offset(t);
    }
    zone(t).map(|z| z.offset_at(now))
}

fn fixed_offset(t: &str) -> Option<i64> {
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` to seconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 19 {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let mo: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    let h: i64 = s.get(11..13)?.parse().ok()?;
    let mi: i64 = s.get(14..16)?.parse().ok()?;
    let se: i64 = s.get(17..19)?.parse().ok()?;
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = if rest.is_empty() || rest == "Z" || rest == "z" {
        0
    } else {
        utc_offset_seconds(rest, 0)?
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Monday = 0 .. Sunday = 6, from `mon`, `Monday`, `MON`.
fn weekday_index(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    let idx = WEEKDAYS.iter().position(|d| s.starts_with(d))?;
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][idx];
    (s.len() == 3 || s == full).then_some(idx)
}

/// Whether a `days` entry (`mon`, `monday`, `mon-fri`, `fri-mon`) covers a weekday.
fn day_matches(spec: &str, weekday: usize) -> bool {
    match spec.split_once('-') {
        Some((a, b)) => match (weekday_index(a), weekday_index(b)) {
            (Some(a), Some(b)) if a <= b => (a..=b).contains(&weekday),
            (Some(a), Some(b)) => weekday >= a || weekday <= b,
            _ => false,
        },
        None => weekday_index(spec) == Some(weekday),
    }
}

/// Checks an activation as written, so a typo cannot switch a rule off silently.
pub fn validate(act: &Activation) -> Result<(), String> {
    for d in act.days.iter().flatten() {
        let ok = match d.split_once('-') {
            Some((a, b)) => weekday_index(a).is_some() && weekday_index(b).is_some(),
            None => weekday_index(d).is_some(),
        };
        if !ok {
            return Err(format!(
                "activation day `{d}`: expected mon, tue, wed, thu, fri, sat, sun or a range like mon-fri"
            ));
        }
    }
    for h in act.hours.iter().flatten() {
        let ok = h
            .split_once('-')
            .is_some_and(|(a, b)| hhmm(a).is_some() && hhmm(b).is_some());
        if !ok {
            return Err(format!(
                "activation hours `{h}`: expected HH:MM-HH:MM, e.g. \"09:00-18:00\" or \"18:00-08:00\""
            ));
        }
    }
    for (name, t) in [("from", &act.from), ("until", &act.until)] {
        if let Some(t) = t {
            if parse_rfc3339(t).is_none() {
                return Err(format!(
                    "activation {name} `{t}`: expected RFC 3339, e.g. 2026-01-31T18:00:00Z"
                ));
            }
        }
    }
    if let Some(tz) = &act.timezone {
        let t = tz.trim();
        let fixed = t.starts_with('+') || t.starts_with('-');
        if fixed && fixed_offset(t).is_none() {
            return Err(format!(
                "activation timezone `{tz}`: a fixed offset looks like +02:00 or -05:30"
            ));
        }
        if !fixed && utc_offset_seconds(t, 0).is_none() {
            if !valid_zone_name(t) {
                return Err(format!(
                    "activation timezone `{tz}`: expected an IANA name like Europe/Berlin or an offset like +02:00"
                ));
            }
            // Without a zone database on this machine the name cannot be checked; the rule
            // then applies at all hours (see `active`).
            if zoneinfo_dir().is_dir() {
                return Err(format!(
                    "activation timezone `{tz}`: unknown zone (not in {})",
                    zoneinfo_dir().display()
                ));
            }
        }
    }
    Ok(())
}

// ---- IANA zones from the system's TZif files.
//
// Why not chrono-tz: it compiles the whole tz database into the binary (about a megabyte and a
// long build on small machines) and freezes the rules at build time, while the system copy is
// updated with the OS. The format is small and stable (RFC 8536): transitions, their offsets,
// and a POSIX TZ string for the times after the last transition.

/// A zone: UTC offsets by transition time, then a rule for the future.
#[derive(Debug, Clone)]
pub struct Zone {
    transitions: Vec<i64>,
    /// Offset (seconds east) in force from each transition.
    offsets: Vec<i64>,
    /// Offset before the first transition.
    initial: i64,
    rule: Option<PosixTz>,
}

impl Zone {
    pub fn offset_at(&self, t: i64) -> i64 {
        match self.transitions.binary_search(&t) {
            Ok(i) => self.after_transition(i, t),
            Err(0) => match (&self.rule, self.transitions.is_empty()) {
                (Some(r), true) => r.offset_at(t),
                _ => self.initial,
            },
            Err(i) => self.after_transition(i - 1, t),
        }
    }

    fn after_transition(&self, i: usize, t: i64) -> i64 {
        if i + 1 == self.transitions.len() {
            if let Some(r) = &self.rule {
                return r.offset_at(t);
            }
        }
        self.offsets.get(i).copied().unwrap_or(self.initial)
    }

    /// Parses a TZif file (versions 1 to 4).
    pub fn parse_tzif(b: &[u8]) -> Option<Zone> {
        if b.get(0..4)? != b"TZif" {
            return None;
        }
        let version = *b.get(4)?;
        let (v1_len, counts) = block_len(b, 0, 4)?;
        if version < b'2' {
            return Zone::parse_block(b, 0, 4, counts, None);
        }
        let start = 44 + v1_len;
        let (v2_len, counts2) = block_len(b, start, 8)?;
        let footer_start = start + 44 + v2_len;
        let rule = b
            .get(footer_start..)
            .and_then(|f| std::str::from_utf8(f).ok())
            .map(|f| f.trim_matches('\n'))
            .filter(|f| !f.is_empty())
            .and_then(PosixTz::parse);
        Zone::parse_block(b, start, 8, counts2, rule)
    }

    fn parse_block(
        b: &[u8],
        start: usize,
        time_size: usize,
        c: [usize; 6],
        rule: Option<PosixTz>,
    ) -> Option<Zone> {
        let [_isut, _isstd, _leap, timecnt, typecnt, _chars] = c;
        let mut p = start + 44;
        let mut transitions = Vec::with_capacity(timecnt);
        for _ in 0..timecnt {
            let raw = b.get(p..p + time_size)?;
            let t = if time_size == 8 {
                i64::from_be_bytes(raw.try_into().ok()?)
            } else {
                i64::from(i32::from_be_bytes(raw.try_into().ok()?))
            };
            transitions.push(t);
            p += time_size;
        }
        let idx = b.get(p..p + timecnt)?.to_vec();
        p += timecnt;
        let mut types = Vec::with_capacity(typecnt);
        for _ in 0..typecnt {
            let raw = b.get(p..p + 6)?;
            let off = i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
            types.push((i64::from(off), raw[4] != 0));
            p += 6;
        }
        let offsets = idx
            .iter()
            .map(|i| types.get(*i as usize).map(|t| t.0))
            .collect::<Option<Vec<i64>>>()?;
        // RFC 8536: before the first transition, the first standard-time type applies.
        let initial = types
            .iter()
            .find(|t| !t.1)
            .or(types.first())
            .map(|t| t.0)
            .or_else(|| rule.as_ref().map(|r| r.std))?;
        Some(Zone {
            transitions,
            offsets,
            initial,
            rule,
        })
    }
}

/// Length of a TZif data block (after its 44-byte header at `start`) and its counts.
fn block_len(b: &[u8], start: usize, time_size: usize) -> Option<(usize, [usize; 6])> {
    let mut c = [0usize; 6];
    for (i, slot) in c.iter_mut().enumerate() {
        let p = start + 20 + i * 4;
        *slot = u32::from_be_bytes(b.get(p..p + 4)?.try_into().ok()?) as usize;
    }
    let [isut, isstd, leap, timecnt, typecnt, chars] = c;
    let len =
        timecnt * time_size + timecnt + typecnt * 6 + chars + leap * (time_size + 4) + isstd + isut;
    Some((len, c))
}

/// A POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`): standard offset, and optionally a
/// daylight offset with the rules for when it starts and ends.
#[derive(Debug, Clone, PartialEq)]
pub struct PosixTz {
    /// Seconds east of UTC.
    std: i64,
    dst: Option<(i64, DateRule, i64, DateRule, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DateRule {
    /// Month, week (5 = last), weekday (0 = Sunday).
    M(u32, u32, u32),
    /// Day 1..=365, February 29 never counted.
    J(u32),
    /// Day 0..=365, February 29 counted.
    N(u32),
}

impl PosixTz {
    pub fn parse(s: &str) -> Option<PosixTz> {
        let mut p = Cursor {
            s: s.as_bytes(),
            i: 0,
        };
        p.name()?;
        // POSIX offsets count west; ours count east.
        let std = -p.offset()?;
        if p.done() {
            return Some(PosixTz { std, dst: None });
        }
        p.name()?;
        let dst_off = if p.peek() == Some(b',') {
            std + 3600
        } else {
            -p.offset()?
        };
        // No rule: the US rules are the POSIX default; TZif footers always give one.
        if !p.eat(b',') {
            return None;
        }
        let start = p.date_rule()?;
        let start_t = if p.eat(b'/') { p.offset()? } else { 7200 };
        if !p.eat(b',') {
            return None;
        }
        let end = p.date_rule()?;
        let end_t = if p.eat(b'/') { p.offset()? } else { 7200 };
        p.done().then_some(PosixTz {
            std,
            dst: Some((dst_off, start, start_t, end, end_t)),
        })
    }

    pub fn offset_at(&self, t: i64) -> i64 {
        let Some((dst, start, start_t, end, end_t)) = self.dst else {
            return self.std;
        };
        let (year, _, _) = crate::time::civil_from_days((t + self.std).div_euclid(86_400));
        // Start is given in standard local time, end in daylight local time.
        let s = rule_day(start, year) * 86_400 + start_t - self.std;
        let e = rule_day(end, year) * 86_400 + end_t - dst;
        let in_dst = if s < e {
            t >= s && t < e
        } else {
            // Southern hemisphere: daylight time spans the new year.
            !(t >= e && t < s)
        };
        if in_dst {
            dst
        } else {
            self.std
        }
    }
}

/// Days since the epoch of a rule's date in `year`.
fn rule_day(r: DateRule, year: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let jan1 = days_from_civil(year, 1, 1);
    match r {
        DateRule::J(n) => {
            let n = i64::from(n);
            jan1 + n - 1 + i64::from(leap && n >= 60)
        }
        DateRule::N(n) => jan1 + i64::from(n),
        DateRule::M(m, w, d) => {
            let first = days_from_civil(year, i64::from(m), 1);
            // 1970-01-01 was a Thursday (4 with Sunday = 0).
            let wd_first = (first + 4).rem_euclid(7);
            let mut day = first + (i64::from(d) - wd_first).rem_euclid(7) + (i64::from(w) - 1) * 7;
            let next_month = if m == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, i64::from(m) + 1, 1)
            };
            while day >= next_month {
                day -= 7;
            }
            day
        }
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.i += 1;
            }
            self.i += 1;
            return Some(());
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        (self.i - start >= 3).then_some(())
    }
    fn num(&mut self) -> Option<i64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    /// `[+-]hh[:mm[:ss]]` in seconds, sign as written.
    fn offset(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let mut secs = self.num()? * 3600;
        if self.eat(b':') {
            secs += self.num()? * 60;
            if self.eat(b':') {
                secs += self.num()?;
            }
        }
        Some(sign * secs)
    }
    fn date_rule(&mut self) -> Option<DateRule> {
        if self.eat(b'M') {
            let m = self.num()?;
            self.eat(b'.').then_some(())?;
            let w = self.num()?;
            self.eat(b'.').then_some(())?;
            let d = self.num()?;
            let ok = (1..=12).contains(&m) && (1..=5).contains(&w) && (0..=6).contains(&d);
            return ok.then_some(DateRule::M(m as u32, w as u32, d as u32));
        }
        if self.eat(b'J') {
            let n = self.num()?;
            return (1..=365).contains(&n).then_some(DateRule::J(n as u32));
        }
        let n = self.num()?;
        (0..=365).contains(&n).then_some(DateRule::N(n as u32))
    }
}

/// `TZDIR`, else `/usr/share/zoneinfo`.
fn zoneinfo_dir() -> std::path::PathBuf {
    std::env::var_os("TZDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/usr/share/zoneinfo"))
}

/// `Area/City` names only: a policy must not make the hook read arbitrary files.
fn valid_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 64
        && !name.starts_with('/')
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

/// A zone by IANA name, loaded once per process.
fn zone(name: &str) -> Option<std::sync::Arc<Zone>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Zone>>>>> = OnceLock::new();
    if !valid_zone_name(name) {
        return None;
    }
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().ok()?;
    map.entry(name.to_string())
        .or_insert_with(|| {
            let bytes = std::fs::read(zoneinfo_dir().join(name)).ok()?;
            Zone::parse_tzif(&bytes).map(Arc::new)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::CompiledRule;

    /// A clock and nothing else.
    struct Clock(i64);
    impl EvalEnv for Clock {
        fn now(&self) -> i64 {
            self.0
        }
        fn env_var(&self, _: &str) -> Option<String> {
            None
        }
        fn branch(&self) -> Option<String> {
            None
        }
        fn user(&self) -> Option<String> {
            None
        }
        fn team(&self) -> Option<String> {
            None
        }
        fn rate_exceeded(&self, _: &CompiledRule, _: &crate::event::Event) -> bool {
            false
        }
    }

    fn at(s: &str) -> Clock {
        Clock(parse_rfc3339(s).unwrap())
    }

    fn act(tz: &str, days: &[&str], hours: &[&str]) -> Activation {
        Activation {
            timezone: Some(tz.to_string()),
            days: (!days.is_empty()).then(|| days.iter().map(|s| s.to_string()).collect()),
            hours: (!hours.is_empty()).then(|| hours.iter().map(|s| s.to_string()).collect()),
            ..Activation::default()
        }
    }

    fn have_zoneinfo() -> bool {
        zone("Europe/Berlin").is_some()
    }

    #[test]
    fn office_hours_follow_berlin_summer_and_winter_time() {
        assert!(have_zoneinfo(), "these tests need the system zone database");
        let office = act("Europe/Berlin", &["mon-fri"], &["09:00-18:00"]);
        // Wednesday 1 July 2026, 07:30 UTC = 09:30 CEST: inside.
        assert!(active(&office, &at("2026-07-01T07:30:00Z")));
        // Thursday 15 January 2026, 07:30 UTC = 08:30 CET: before nine.
        assert!(!active(&office, &at("2026-01-15T07:30:00Z")));
        assert!(active(&office, &at("2026-01-15T08:00:00Z")));
        // 16:59 UTC in summer is 18:59 local: closed; in winter 17:59: open.
        assert!(!active(&office, &at("2026-07-01T16:59:00Z")));
        assert!(active(&office, &at("2026-01-15T16:59:00Z")));
        // Saturday.
        assert!(!active(&office, &at("2026-07-04T10:00:00Z")));
    }

    #[test]
    fn dst_switch_night_in_berlin() {
        let night = act("Europe/Berlin", &[], &["02:00-03:00"]);
        // 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC; 02:xx never
        // happens locally.
        assert!(!active(&night, &at("2026-03-29T00:59:59Z")));
        assert!(!active(&night, &at("2026-03-29T01:00:00Z")));
        // 2026-10-25: 02:00-03:00 happens twice (CEST then CET).
        assert!(active(&night, &at("2026-10-25T00:30:00Z")));
        assert!(active(&night, &at("2026-10-25T01:30:00Z")));
        assert!(!active(&night, &at("2026-10-25T02:00:00Z")));
        assert_eq!(
            utc_offset_seconds(
                "Europe/Berlin",
                parse_rfc3339("2026-03-29T00:59:59Z").unwrap()
            ),
            Some(3600)
        );
        assert_eq!(
            utc_offset_seconds(
                "Europe/Berlin",
                parse_rfc3339("2026-03-29T01:00:00Z").unwrap()
            ),
            Some(7200)
        );
    }

    #[test]
    fn day_boundary_depends_on_the_zone() {
        // Friday 23:30 UTC is already Saturday in Berlin and still Friday in New York.
        let weekend_berlin = act("Europe/Berlin", &["sat", "sun"], &[]);
        let weekend_ny = act("America/New_York", &["sat", "sun"], &[]);
        let weekend_utc = act("UTC", &["sat", "sun"], &[]);
        let t = at("2026-07-03T23:30:00Z");
        assert!(active(&weekend_berlin, &t));
        assert!(!active(&weekend_ny, &t));
        assert!(!active(&weekend_utc, &t));
        // Sunday 23:30 in New York is Monday 03:30 UTC.
        assert!(active(&weekend_ny, &at("2026-07-06T03:30:00Z")));
        assert!(!active(&weekend_utc, &at("2026-07-06T03:30:00Z")));
    }

    #[test]
    fn after_hours_window_wraps_midnight() {
        let after = act("+02:00", &[], &["18:00-08:00"]);
        assert!(active(&after, &at("2026-07-01T16:00:00Z"))); // 18:00 local
        assert!(!active(&after, &at("2026-07-01T15:59:00Z"))); // 17:59
        assert!(active(&after, &at("2026-07-01T22:30:00Z"))); // 00:30 next day
        assert!(!active(&after, &at("2026-07-02T06:00:00Z"))); // 08:00
        let until_midnight = act("UTC", &[], &["18:00-24:00"]);
        assert!(active(&until_midnight, &at("2026-07-01T23:59:00Z")));
        assert!(!active(&until_midnight, &at("2026-07-02T00:00:00Z")));
    }

    #[test]
    fn half_hour_zone_and_far_future() {
        // Kolkata is +05:30 without daylight time.
        let k = act("Asia/Kolkata", &[], &["09:00-09:30"]);
        assert!(active(&k, &at("2026-07-01T03:45:00Z")));
        assert!(!active(&k, &at("2026-07-01T04:00:00Z")));
        // Past the last transition in the file, the footer rule decides.
        assert_eq!(
            utc_offset_seconds(
                "Europe/Berlin",
                parse_rfc3339("2045-07-01T12:00:00Z").unwrap()
            ),
            Some(7200)
        );
        assert_eq!(
            utc_offset_seconds(
                "Europe/Berlin",
                parse_rfc3339("2045-12-01T12:00:00Z").unwrap()
            ),
            Some(3600)
        );
    }

    #[test]
    fn posix_rules_without_the_zone_database() {
        let cet = PosixTz::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let t = |s: &str| parse_rfc3339(s).unwrap();
        assert_eq!(cet.offset_at(t("2030-03-31T00:59:59Z")), 3600);
        assert_eq!(cet.offset_at(t("2030-03-31T01:00:00Z")), 7200);
        assert_eq!(cet.offset_at(t("2030-10-27T00:59:59Z")), 7200);
        assert_eq!(cet.offset_at(t("2030-10-27T01:00:00Z")), 3600);
        let ny = PosixTz::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(ny.offset_at(t("2030-03-10T06:59:59Z")), -5 * 3600);
        assert_eq!(ny.offset_at(t("2030-03-10T07:00:00Z")), -4 * 3600);
        // Sydney: daylight time across the new year.
        let syd = PosixTz::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(syd.offset_at(t("2030-01-15T00:00:00Z")), 11 * 3600);
        assert_eq!(syd.offset_at(t("2030-07-15T00:00:00Z")), 10 * 3600);
        let fixed = PosixTz::parse("<+0530>-5:30").unwrap();
        assert_eq!(fixed.offset_at(0), 5 * 3600 + 1800);
        assert!(PosixTz::parse("CET-1CEST,M13.5.0,M10.5.0").is_none());
    }

    #[test]
    fn typos_are_refused_not_ignored() {
        assert!(validate(&act("Europe/Berlin", &["mon-fri"], &["09:00-18:00"])).is_ok());
        assert!(validate(&act("Europe/Berlin", &["mondays"], &[])).is_err());
        assert!(validate(&act("Europe/Berlin", &[], &["9-18"])).is_err());
        assert!(validate(&act("Europe/Berlin", &[], &["09:00-24:30"])).is_err());
        assert!(validate(&act("Europe/Berln", &[], &[])).is_err());
        assert!(validate(&act("../../etc/passwd", &[], &[])).is_err());
        assert!(validate(&act("+25:00", &[], &[])).is_err());
        assert!(validate(&act("-05:30", &[], &[])).is_ok());
    }
}
