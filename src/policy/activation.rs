//! Activation: when a rule applies (time windows, days, branches, environment, validity).

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
        // 1970-01-01 was a Thursday.
        let weekday = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"]
            [days_since_epoch.rem_euclid(7) as usize];
        let minute_of_day = (local.rem_euclid(86_400) / 60) as u32;
        if let Some(days) = &act.days {
            if !days
                .iter()
                .any(|d| d.to_ascii_lowercase().starts_with(weekday))
            {
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
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

/// The zone's offset from UTC at `now`. Fixed offsets (`+02:00`, `UTC`) only in this version.
pub fn utc_offset_seconds(tz: &str, _now: i64) -> Option<i64> {
    let t = tz.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    Some(sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60))
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
