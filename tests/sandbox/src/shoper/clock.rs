//! Shop-local naive datetimes (`Europe/Warsaw`, no zone on the wire) from the caller's clock.

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Unix seconds of the last Sunday of `month` at 01:00 UTC (EU summer-time switch).
fn eu_switch(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    let weekday = (last + 4).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Sunday
    (last - weekday) * 86_400 + 3_600
}

/// UTC offset of Europe/Warsaw in seconds at a unix time.
fn warsaw_offset(unix_s: i64) -> i64 {
    let (year, _, _) = civil_from_days(unix_s.div_euclid(86_400));
    if unix_s >= eu_switch(year, 3) && unix_s < eu_switch(year, 10) {
        7_200
    } else {
        3_600
    }
}

/// `YYYY-MM-DD HH:MM:SS` in shop-local time.
pub fn local_datetime(now_ms: u64) -> String {
    let utc = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX / 2);
    let local = utc + warsaw_offset(utc);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Whether a string looks like `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`.
pub fn is_naive_date(s: &str) -> bool {
    let shape = |pattern: &str| s.len() == pattern.len() && s.bytes().zip(pattern.bytes()).all(|(c, p)| if p == b'9' { c.is_ascii_digit() } else { c == p });
    shape("9999-99-99") || shape("9999-99-99 99:99:99")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warsaw_winter_and_summer() {
        // 2026-01-15 12:00:00 UTC → 13:00 CET
        assert_eq!(local_datetime(1_768_478_400_000), "2026-01-15 13:00:00");
        // 2026-07-01 12:00:00 UTC → 14:00 CEST
        assert_eq!(local_datetime(1_782_907_200_000), "2026-07-01 14:00:00");
        assert!(is_naive_date("2026-07-01 14:00:00"));
        assert!(is_naive_date("2026-07-01"));
        assert!(!is_naive_date("2026-7-1"));
    }
}
