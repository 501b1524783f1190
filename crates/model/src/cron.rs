//! Parses the five-field cron schedules CronJobs use and finds their next and last run times (the
//! sim runs CronJobs by it; the alerter sees a CronJob that missed its schedule by it).

use jiff::{Timestamp, ToSpan, civil::DateTime, tz::TimeZone};

/// A parsed schedule: the allowed minutes, hours, days of month, months and weekdays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    /// Cron's rule: when both day fields are restricted, a day matches if *either* matches.
    days_restricted: bool,
    weekdays_restricted: bool,
}

/// Why a schedule could not be parsed; the message says which field is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron schedule {schedule:?}: {reason}")]
pub struct InvalidSchedule {
    schedule: String,
    reason: String,
}

impl std::str::FromStr for Schedule {
    type Err = InvalidSchedule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| InvalidSchedule {
            schedule: s.to_string(),
            reason: reason.to_string(),
        };
        let expanded = match s.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        // A leading "TZ=..." or "CRON_TZ=..." is accepted and ignored: schedules are read in UTC.
        let fields: Vec<&str> = fields
            .into_iter()
            .filter(|f| !f.starts_with("TZ=") && !f.starts_with("CRON_TZ="))
            .collect();
        let [min, hour, dom, mon, dow] = fields.as_slice() else {
            return Err(err(
                "expected five fields: minute hour day-of-month month day-of-week",
            ));
        };
        Ok(Schedule {
            minutes: field(min, 0, 59, &[]).map_err(|e| err(&format!("minute: {e}")))?,
            hours: field(hour, 0, 23, &[]).map_err(|e| err(&format!("hour: {e}")))?,
            days: field(dom, 1, 31, &[]).map_err(|e| err(&format!("day of month: {e}")))?,
            months: field(mon, 1, 12, &MONTHS).map_err(|e| err(&format!("month: {e}")))?,
            weekdays: field(dow, 0, 7, &WEEKDAYS)
                .map(|mut w| {
                    // 7 is another name for Sunday.
                    w[0] |= w[7];
                    w
                })
                .map_err(|e| err(&format!("day of week: {e}")))?,
            days_restricted: !dom.starts_with('*') && *dom != "?",
            weekdays_restricted: !dow.starts_with('*') && *dow != "?",
        })
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Parses one field (`*`, `*/5`, `1-10/2`, `1,3,5`, `mon-fri`) into a table indexed by value.
fn field(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut allowed = vec![false; hi as usize + 1];
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            // Month names count from 1, weekday names from 0.
            return Ok(i as u32 + lo);
        }
        let n: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
        if n < lo || n > hi {
            return Err(format!("{n} is outside {lo}-{hi}"));
        }
        Ok(n)
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step {s:?}"))?,
            ),
            None => (part, 1),
        };
        let (start, end) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(r)?, hi),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        if start > end {
            return Err(format!("range {start}-{end} runs backwards"));
        }
        for v in (start..=end).step_by(step as usize) {
            allowed[v as usize] = true;
        }
    }
    Ok(allowed)
}

impl Schedule {
    fn date_matches(&self, t: DateTime) -> bool {
        let day_ok = self.days[t.day() as usize];
        let weekday_ok = self.weekdays[t.weekday().to_sunday_zero_offset() as usize];
        let date_ok = match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => day_ok || weekday_ok,
            _ => day_ok && weekday_ok,
        };
        self.months[t.month() as usize] && date_ok
    }

    /// The first scheduled time strictly after `after` (UTC), looking at most a year ahead.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let utc = TimeZone::UTC;
        let start = after.to_zoned(utc.clone()).datetime();
        let mut t = start
            .with()
            .second(0)
            .subsec_nanosecond(0)
            .build()
            .ok()?
            .checked_add(1.minute())
            .ok()?;
        // Skip whole days and hours that cannot match, so even a schedule that never fires
        // (`0 0 31 2 *`) costs a few thousand steps, not half a million.
        let limit = t.checked_add(366.days()).ok()?;
        while t < limit {
            if !self.date_matches(t) {
                t = t
                    .date()
                    .tomorrow()
                    .ok()?
                    .to_datetime(jiff::civil::Time::midnight());
            } else if !self.hours[t.hour() as usize] {
                t = t
                    .with()
                    .minute(0)
                    .build()
                    .ok()?
                    .checked_add(1.hour())
                    .ok()?;
            } else if self.minutes[t.minute() as usize] {
                return t.to_zoned(utc).ok().map(|z| z.timestamp());
            } else {
                t = t.checked_add(1.minute()).ok()?;
            }
        }
        None
    }

    /// The latest scheduled time in `(after, until]`, which is the run a CronJob controller
    /// starts when it wakes up (missed earlier runs are skipped, as with a small
    /// startingDeadlineSeconds).
    pub fn last_between(&self, after: Timestamp, until: Timestamp) -> Option<Timestamp> {
        let mut last = None;
        // Runs older than a day are not made up for; this also bounds the walk below.
        let mut t = until
            .checked_sub(24.hours())
            .map_or(after, |day_ago| day_ago.max(after));
        // Bounded: at most a day of minutes is walked in one call.
        for _ in 0..(24 * 60) {
            match self.next_after(t) {
                Some(n) if n <= until => {
                    last = Some(n);
                    t = n;
                }
                _ => break,
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn schedules_find_their_next_run_time() {
        let cases = [
            (
                "every minute",
                "* * * * *",
                "2026-11-27T17:05:30Z",
                "2026-11-27T17:06:00Z",
            ),
            (
                "every five minutes",
                "*/5 * * * *",
                "2026-11-27T17:05:00Z",
                "2026-11-27T17:10:00Z",
            ),
            (
                "hourly macro",
                "@hourly",
                "2026-11-27T17:05:00Z",
                "2026-11-27T18:00:00Z",
            ),
            (
                "at 2:30 daily",
                "30 2 * * *",
                "2026-11-27T17:05:00Z",
                "2026-11-28T02:30:00Z",
            ),
            (
                "weekdays by name",
                "0 9 * * mon-fri",
                "2026-11-27T17:05:00Z",
                "2026-11-30T09:00:00Z",
            ),
            (
                "a list of minutes",
                "15,45 * * * *",
                "2026-11-27T17:20:00Z",
                "2026-11-27T17:45:00Z",
            ),
            (
                "first of the month",
                "0 0 1 * *",
                "2026-11-27T17:05:00Z",
                "2026-12-01T00:00:00Z",
            ),
        ];
        for (case, schedule, after, want) in cases {
            let s: Schedule = schedule.parse().expect(case);
            assert_eq!(s.next_after(ts(after)), Some(ts(want)), "{case}");
        }
    }

    #[test]
    fn bad_schedules_are_rejected_with_the_field_named() {
        let cases = [
            ("* * * *", "five fields"),
            ("61 * * * *", "minute"),
            ("* * * 13 *", "month"),
            ("*/0 * * * *", "step"),
        ];
        for (schedule, want) in cases {
            let err = schedule
                .parse::<Schedule>()
                .expect_err(schedule)
                .to_string();
            assert!(err.contains(want), "{schedule}: {err}");
        }
    }

    #[test]
    fn a_schedule_that_never_fires_has_no_next_time() {
        let s: Schedule = "0 0 31 2 *".parse().expect("schedule");
        assert_eq!(s.next_after(ts("2026-11-27T17:00:00Z")), None);
        let leap_day: Schedule = "30 6 29 2 *".parse().expect("schedule");
        assert_eq!(
            leap_day.next_after(ts("2026-11-27T17:00:00Z")),
            None,
            "no 29 February within a year"
        );
        assert_eq!(
            leap_day.next_after(ts("2027-03-01T00:00:00Z")),
            Some(ts("2028-02-29T06:30:00Z"))
        );
    }

    #[test]
    fn the_controller_runs_only_the_latest_missed_time() {
        let s: Schedule = "*/10 * * * *".parse().expect("schedule");
        let got = s.last_between(ts("2026-11-27T17:00:00Z"), ts("2026-11-27T17:35:00Z"));
        assert_eq!(got, Some(ts("2026-11-27T17:30:00Z")));
        let none = s.last_between(ts("2026-11-27T17:00:00Z"), ts("2026-11-27T17:09:59Z"));
        assert_eq!(none, None);
    }
}
