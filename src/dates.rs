//! Civil dates (proleptic Gregorian, UTC) and Unix time, by Howard Hinnant's algorithms — the one
//! place the product turns a `YYYY-MM-DD` into days and back (the orders' start date and
//! look-back, the HTTP dates of `Retry-After`).

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;

/// Days since 1970-01-01 of a date (negative before it); `month` 1–12, `day` 1–31.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` (UTC) of a Unix time in ms.
pub fn ymd(ms: u64) -> String {
    let (y, m, d) = civil_from_days((ms / DAY_MS) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Unix ms of midnight UTC of a `YYYY-MM-DD…` date (what follows the tenth character is ignored);
/// `None` for a malformed date or one before 1970.
pub fn date_ms(date: &str) -> Option<u64> {
    let mut parts = date.get(..10)?.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    u64::try_from(days_from_civil(y, m, d)).ok().map(|days| days * DAY_MS)
}

/// Unix ms of a Polish-time instant (`Europe/Warsaw`): UTC+1, and UTC+2 from the last Sunday of
/// March 01:00 UTC to the last Sunday of October 01:00 UTC (the EU rule since 1996).
pub fn warsaw_ms(utc_ms: u64) -> u64 {
    let (year, _, _) = civil_from_days((utc_ms / DAY_MS) as i64);
    let last_sunday = |month: i64| {
        let last = days_from_civil(year, month, 31);
        // 1970-01-01 was a Thursday: (days + 4) % 7 == 0 on Sundays
        last - (last + 4).rem_euclid(7)
    };
    let hour = 3_600_000u64;
    let (start, end) = (last_sunday(3) as u64 * DAY_MS + hour, last_sunday(10) as u64 * DAY_MS + hour);
    utc_ms + if (start..end).contains(&utc_ms) { 2 * hour } else { hour }
}

/// The Polish calendar day (`YYYY-MM-DD`) of a Unix time: the issue date of a document.
pub fn warsaw_ymd(utc_ms: u64) -> String {
    ymd(warsaw_ms(utc_ms))
}

/// `YYYY-MM-DD HH:MM:SS` in Polish time: how Shoper writes an order's dates.
pub fn warsaw_datetime(utc_ms: u64) -> String {
    let local = warsaw_ms(utc_ms);
    let secs = (local % DAY_MS) / 1000;
    format!("{} {:02}:{:02}:{:02}", ymd(local), secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn polish_time_follows_the_summer_change() {
        let at = |d: &str, h: u64| date_ms(d).unwrap() + h * 3_600_000;
        assert_eq!(warsaw_datetime(at("2026-12-05", 23)), "2026-12-06 00:00:00");
        assert_eq!(warsaw_ymd(at("2026-12-05", 22)), "2026-12-05");
        assert_eq!(warsaw_datetime(at("2026-07-01", 22)), "2026-07-02 00:00:00");
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC
        assert_eq!(warsaw_datetime(at("2026-03-29", 0)), "2026-03-29 01:00:00");
        assert_eq!(warsaw_datetime(at("2026-03-29", 1)), "2026-03-29 03:00:00");
        assert_eq!(warsaw_datetime(at("2026-10-25", 0)), "2026-10-25 02:00:00");
        assert_eq!(warsaw_datetime(at("2026-10-25", 1)), "2026-10-25 02:00:00");
    }

    use super::*;

    #[test]
    fn days_and_dates_go_both_ways() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in [-800_000, -1, 0, 59, 60, 11_016, 11_017, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(ymd(951_782_400_000), "2000-02-29");
        assert_eq!(date_ms("2000-02-29T10:00"), Some(951_782_400_000));
        assert_eq!(date_ms("2026-13-01"), None);
        assert_eq!(date_ms("1969-12-31"), None);
        assert_eq!(date_ms("2026-1"), None);
    }

    #[test]
    fn civil_dates_from_unix_ms() {
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(ymd(1_795_867_200_000), "2026-11-28");
        assert_eq!(ymd(951_782_400_000), "2000-02-29");
        assert_eq!(ymd(4_107_542_399_000), "2100-02-28");
    }

    #[test]
    fn dates_give_their_midnight_and_back() {
        for d in ["1970-01-01", "2000-02-29", "2026-11-28", "2026-03-01", "2100-02-28"] {
            assert_eq!(ymd(date_ms(d).unwrap()), d);
        }
        assert_eq!(date_ms("2026-11-28 14:30:00"), date_ms("2026-11-28"));
        assert_eq!(date_ms("2026-11-28").unwrap() - date_ms("2026-11-27").unwrap(), DAY_MS);
        for bad in ["", "2026-13-01", "2026-11", "dzisiaj", "1969-12-31"] {
            assert_eq!(date_ms(bad), None, "{bad}");
        }
    }
}
