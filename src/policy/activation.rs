//! Activation: when a rule applies (time windows, days, branches, environment, validity).
//!
//! Time windows are evaluated in the rule's `timezone`: an IANA name such as `Europe/Berlin`
//! (with its daylight saving time, from the zone database built into hookwarden), a fixed offset
//! such as `+02:00`, or `UTC` (the default):
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
//! load time.
//!
//! `from` and `until` are RFC 3339 times (`2026-12-20T00:00:00Z`, `2026-12-20T00:00:00+01:00`)
//! or a local time in a zone (`2026-12-20T00:00[Europe/Berlin]`). A local time the clocks skip
//! when daylight saving time starts means the time after the jump (`02:30` on the spring night
//! in Berlin is `03:30`); one that happens twice when it ends means the first. A time without
//! offset or zone is UTC.

use super::eval::EvalEnv;
use super::glob;
use super::model::Activation;
use crate::time::{parse_rfc3339, zone};

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
        let tz = match act.timezone.as_deref().map(zone) {
            None => jiff::tz::TimeZone::UTC,
            Some(Some(tz)) => tz,
            // An unknown zone (refused at load) must not switch a restriction off.
            Some(None) => return true,
        };
        let Ok(now) = jiff::Timestamp::from_second(now) else {
            return true;
        };
        let local = tz.to_datetime(now);
        let weekday = local.weekday().to_monday_zero_offset() as usize;
        let minute_of_day = local.hour() as u32 * 60 + local.minute() as u32;
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
                    "activation {name} `{t}`: expected RFC 3339 like 2026-01-31T18:00:00Z or a zoned time like 2026-01-31T18:00[Europe/Berlin]"
                ));
            }
        }
    }
    if let Some(tz) = act.timezone.as_deref().filter(|tz| zone(tz).is_none()) {
        let hint = if tz.trim().starts_with(['+', '-']) {
            "a fixed offset looks like +02:00 or -05:30"
        } else {
            "unknown zone; expected an IANA name like Europe/Berlin or an offset like +02:00"
        };
        return Err(format!("activation timezone `{tz}`: {hint}"));
    }
    Ok(())
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

    /// The zone's offset from UTC at an RFC 3339 time, in seconds east.
    fn offset(name: &str, t: &str) -> Option<i32> {
        let t = jiff::Timestamp::from_second(parse_rfc3339(t).unwrap()).unwrap();
        zone(name).map(|z| z.to_offset(t).seconds())
    }

    #[test]
    fn office_hours_follow_berlin_summer_and_winter_time() {
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
        assert_eq!(offset("Europe/Berlin", "2026-03-29T00:59:59Z"), Some(3600));
        assert_eq!(offset("Europe/Berlin", "2026-03-29T01:00:00Z"), Some(7200));
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
        // Past the last listed transition, the zone's rule for the future decides.
        assert_eq!(offset("Europe/Berlin", "2045-07-01T12:00:00Z"), Some(7200));
        assert_eq!(offset("Europe/Berlin", "2045-12-01T12:00:00Z"), Some(3600));
    }

    #[test]
    fn daylight_saving_rules_in_the_future() {
        // Central Europe: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
        assert_eq!(offset("Europe/Berlin", "2030-03-31T00:59:59Z"), Some(3600));
        assert_eq!(offset("Europe/Berlin", "2030-03-31T01:00:00Z"), Some(7200));
        assert_eq!(offset("Europe/Berlin", "2030-10-27T00:59:59Z"), Some(7200));
        assert_eq!(offset("Europe/Berlin", "2030-10-27T01:00:00Z"), Some(3600));
        // New York: second Sunday of March, 02:00 local.
        let ny = "America/New_York";
        assert_eq!(offset(ny, "2030-03-10T06:59:59Z"), Some(-5 * 3600));
        assert_eq!(offset(ny, "2030-03-10T07:00:00Z"), Some(-4 * 3600));
        // Sydney: daylight time across the new year.
        assert_eq!(
            offset("Australia/Sydney", "2030-01-15T00:00:00Z"),
            Some(11 * 3600)
        );
        assert_eq!(
            offset("Australia/Sydney", "2030-07-15T00:00:00Z"),
            Some(10 * 3600)
        );
        assert_eq!(
            offset("Asia/Kolkata", "2030-07-15T00:00:00Z"),
            Some(5 * 3600 + 1800)
        );
    }

    #[test]
    fn validity_window_in_a_zone_across_the_dst_gap() {
        // From 02:30 Berlin time on the night the clocks skip 02:00-03:00: that is 03:30 CEST.
        let window = Activation {
            from: Some("2026-03-29T02:30[Europe/Berlin]".into()),
            until: Some("2026-10-25T02:30[Europe/Berlin]".into()),
            ..Activation::default()
        };
        assert!(validate(&window).is_ok());
        assert!(!active(&window, &at("2026-03-29T01:29:59Z")));
        assert!(active(&window, &at("2026-03-29T01:30:00Z")));
        // Until the first 02:30 of the night the clocks go back (CEST, 00:30 UTC).
        assert!(active(&window, &at("2026-10-25T00:30:00Z")));
        assert!(!active(&window, &at("2026-10-25T00:30:01Z")));
        // RFC 3339 with offsets keeps working.
        let fixed = Activation {
            from: Some("2026-03-29T03:30:00+02:00".into()),
            ..Activation::default()
        };
        assert!(!active(&fixed, &at("2026-03-29T01:29:59Z")));
        assert!(active(&fixed, &at("2026-03-29T01:30:00Z")));
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
        assert!(validate(&act("UTC", &[], &[])).is_ok());
        let until = |t: &str| Activation {
            until: Some(t.into()),
            ..Activation::default()
        };
        assert!(validate(&until("2026-01-31T18:00:00Z")).is_ok());
        assert!(validate(&until("2026-01-31T18:00[Europe/Berlin]")).is_ok());
        assert!(validate(&until("2026-01-31T18:00[Europe/Berln]")).is_err());
        assert!(validate(&until("2026-01-31T18:00:00+02:00[Europe/Berlin]")).is_err());
        assert!(validate(&until("31.01.2026 18:00")).is_err());
    }
}
