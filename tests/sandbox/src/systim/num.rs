//! Exact numbers and dates as Systim reads and prints them: money in grosze (2 decimals),
//! quantities in thousandths (3 decimals), dates `YYYY-MM-DD` in Polish local time.
//! Nothing here panics or overflows, whatever the input.

/// Parse a plain decimal (`12`, `12.5`, `-0.75`, `.5`) into an integer scaled by `10^scale`.
/// `None` for anything else: a decimal comma, an exponent, more fractional digits than `scale`,
/// more than 15 integer digits, or no digits at all. `scale` is capped at 3.
pub fn parse_scaled(raw: &str, scale: u32) -> Option<i64> {
    let scale = scale.min(3);
    let text = raw.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits_only(int) || !digits_only(frac) {
        return None;
    }
    if int.len() > 15 || frac.len() > scale as usize {
        return None;
    }
    let mut value: i64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        value = value * 10 + i64::from(b - b'0');
    }
    value *= 10_i64.pow(scale - frac.len() as u32);
    Some(if negative { -value } else { value })
}

/// Money: `"30.00"`, `"-2.50"`.
pub fn money(grosze: i64) -> String {
    fixed(grosze, 2, false)
}

/// A quantity as Systim prints it: two decimals, three when the thousandths digit is used
/// (`"7.50"`, `"1.25"`, `"0.001"`, `"-2.00"`).
pub fn quantity(milli: i64) -> String {
    fixed(milli, 3, true)
}

fn fixed(value: i64, scale: u32, trim_last: bool) -> String {
    let unit = 10_u64.pow(scale);
    let abs = value.unsigned_abs();
    let sign = if value < 0 { "-" } else { "" };
    let frac = format!("{:0width$}", abs % unit, width = scale as usize);
    let frac = match frac.strip_suffix('0') {
        Some(short) if trim_last => short.to_string(),
        _ => frac,
    };
    format!("{sign}{}.{frac}", abs / unit)
}

/// `a * b / d`, rounded half away from zero (`d > 0`), saturating instead of overflowing.
pub fn mul_div_round(a: i64, b: i64, d: i64) -> i64 {
    let d = i128::from(d.max(1));
    let p = i128::from(a) * i128::from(b);
    let q = (p.abs() + d / 2) / d;
    let q = if p < 0 { -q } else { q };
    q.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// A strict `YYYY-MM-DD` date with a real calendar day.
pub fn valid_date(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| raw.get(r).and_then(|s| s.parse::<u32>().ok().filter(|_| s.bytes().all(|c| c.is_ascii_digit())));
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y as i64, m),
        _ => false,
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Day number of the last Sunday of a 31-day month.
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    last - (last + 4).rem_euclid(7)
}

/// Europe/Warsaw offset in seconds at a UTC instant: CEST from the last Sunday of March 01:00 UTC
/// to the last Sunday of October 01:00 UTC, CET otherwise.
fn warsaw_offset_s(utc_s: i64) -> i64 {
    let (year, _, _) = civil_from_days(utc_s.div_euclid(86_400));
    let start = last_sunday(year, 3) * 86_400 + 3_600;
    let end = last_sunday(year, 10) * 86_400 + 3_600;
    if (start..end).contains(&utc_s) {
        7_200
    } else {
        3_600
    }
}

/// The Polish calendar date at `now_ms` (ms since the Unix epoch): (year, `YYYY-MM-DD`).
pub fn warsaw_date(now_ms: u64) -> (i64, String) {
    let utc_s = (now_ms / 1_000) as i64;
    let (y, m, d) = civil_from_days((utc_s + warsaw_offset_s(utc_s)).div_euclid(86_400));
    (y, format!("{y:04}-{m:02}-{d:02}"))
}
