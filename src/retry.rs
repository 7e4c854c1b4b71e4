//! The retry policy: pure decisions on whether and when a request is tried again.
//!
//! Nothing here sleeps or reads a clock; callers pass `now_ms` and a jitter value in `0.0..1.0`
//! (from [`crate::io::Clock`]) and execute the returned delay themselves.
//!
//! What is retried (see `docs/errors.md` for the user-facing side):
//! - **Rate limited** (HTTP 429, Systim code 2) and **transient** (500/502/503/504, a timeout, a
//!   dropped or refused connection, a non-JSON Systim page): retried for idempotent requests —
//!   `Retry-After` obeyed (never earlier; when it asks for longer than
//!   [`RetryPolicy::max_wait_ms`] the call gives up instead), else exponential backoff (equal
//!   jitter after a rate limit, full jitter after a transient failure).
//! - **A creation is never repeated on the strength of a status alone** (Shoper `POST`, Systim
//!   `add*`): whatever answer it got that is not a clean success — a network error, a timeout, a
//!   5xx, a 429 or Systim's code 2 — the server may have acted, **even more than once**: the
//!   browser itself resends a request whose kept-alive connection closed before any byte of the
//!   answer (Chromium and Firefox do this for POST too), and the 429 may be the answer to that
//!   resend while the first copy was written. The client reports "outcome unknown" and the
//!   engine verifies (markers for orders, codes for products) before anything is sent again.
//!   A 503 with `Retry-After` counts as transient, not as rate limiting: a gateway may answer 503
//!   after forwarding the request, so it does not prove the server did nothing.
//! - **Permanent** (other 4xx, 501, a cancelled request): never.

use crate::io::NetError;

/// How one HTTP exchange ended, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Rejected by a rate limiter before the server acted. `retry_after_ms` is the server's hint.
    RateLimited {
        retry_after_ms: Option<u64>,
    },
    /// A server or network failure that may pass. The server may or may not have acted.
    Transient {
        retry_after_ms: Option<u64>,
    },
    /// Retrying cannot help.
    Permanent,
}

/// Whether sending the same request twice has the same effect as sending it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, absolute writes (`PUT` of a stock level), deletes.
    Idempotent,
    /// Creations: Shoper `POST`, Systim `add*`. Never repeated unless the failure proves the
    /// server did not act.
    NonIdempotent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so at most `max_retries + 1` requests).
    pub max_retries: u32,
    /// First backoff step for transient failures; doubles with each attempt.
    pub base_ms: u64,
    /// Cap of one transient backoff step.
    pub max_backoff_ms: u64,
    /// Wait after a rate limit without a usable `Retry-After`; doubles with each attempt.
    pub rate_limit_fallback_ms: u64,
    /// The longest single wait the client accepts; a longer `Retry-After` ends the retries.
    pub max_wait_ms: u64,
}

impl Default for RetryPolicy {
    /// Tuned for Shoper: the default bucket (10 calls, 2 per second) drains in 5 s.
    fn default() -> Self {
        RetryPolicy { max_retries: 5, base_ms: 1_000, max_backoff_ms: 30_000, rate_limit_fallback_ms: 5_000, max_wait_ms: 60_000 }
    }
}

impl RetryPolicy {
    /// Tuned for Systim: code 2 (throttled or IP-blocked) needs tens of seconds.
    pub fn systim() -> Self {
        RetryPolicy { max_retries: 3, base_ms: 2_000, max_backoff_ms: 30_000, rate_limit_fallback_ms: 30_000, max_wait_ms: 120_000 }
    }
}

/// Longest `Retry-After` taken at face value; anything later is clamped to this.
pub const RETRY_AFTER_CLAMP_MS: u64 = 3_600_000;

/// Classify an HTTP answer by its status and headers (`Retry-After`).
pub fn classify(status: u16, headers: &[(String, String)], now_ms: u64) -> Outcome {
    let retry_after_ms = || retry_after_header(headers).and_then(|v| parse_retry_after(v, now_ms));
    match status {
        200..=299 => Outcome::Success,
        429 => Outcome::RateLimited { retry_after_ms: retry_after_ms() },
        408 | 500 | 502 | 503 | 504 => Outcome::Transient { retry_after_ms: retry_after_ms() },
        _ => Outcome::Permanent,
    }
}

/// Classify a request that got no answer at all.
pub fn classify_net(err: &NetError) -> Outcome {
    match err {
        NetError::Timeout | NetError::Unreachable(_) => Outcome::Transient { retry_after_ms: None },
        NetError::Aborted | NetError::Redirected(_) => Outcome::Permanent,
    }
}

fn retry_after_header(headers: &[(String, String)]) -> Option<&str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("retry-after")).map(|(_, v)| v.as_str())
}

/// `Retry-After` as milliseconds from `now_ms`: delta-seconds (`"5"`) or an IMF-fixdate
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`). A date in the past gives 0; values are clamped to
/// [`RETRY_AFTER_CLAMP_MS`]. Anything else gives `None`.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    let ms = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        value.parse::<u64>().unwrap_or(u64::MAX).saturating_mul(1000)
    } else {
        parse_http_date_ms(value)?.saturating_sub(now_ms)
    };
    Some(ms.min(RETRY_AFTER_CLAMP_MS))
}

/// Parse an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix milliseconds.
pub fn parse_http_date_ms(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_weekday, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let day: u64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = month_number(month)?;
    let year: u64 = year.parse().ok().filter(|y| *y >= 1970 && *y < 10_000)?;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = crate::dates::days_from_civil(year as i64, month as i64, day as i64) as u64;
    Some(((days * 24 + h) * 60 + m) * 60_000 + s * 1000)
}

fn month_number(name: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name)).map(|i| i as u64 + 1)
}

/// May a request that ended with `outcome` (not a success, not permanent) be sent again without
/// risking a duplicate effect? Only an idempotent one: a creation's 429 may answer the browser's
/// own resend of a copy that was already written.
pub fn safe_to_repeat(idempotency: Idempotency, _outcome: &Outcome) -> bool {
    idempotency == Idempotency::Idempotent
}

/// How long to wait before retry number `attempt + 1` (`attempt` = retries already made), or
/// `None` when the request must not be retried (success, permanent failure, retries used up, or
/// a `Retry-After` longer than the policy accepts). Does not check idempotency: see
/// [`safe_to_repeat`].
pub fn next_delay_ms(policy: &RetryPolicy, attempt: u32, outcome: &Outcome, jitter01: f64) -> Option<u64> {
    if attempt >= policy.max_retries {
        return None;
    }
    let jitter01 = if jitter01.is_finite() { jitter01.clamp(0.0, 1.0) } else { 0.5 };
    match *outcome {
        Outcome::Success | Outcome::Permanent => None,
        Outcome::RateLimited { retry_after_ms: Some(ms) } | Outcome::Transient { retry_after_ms: Some(ms) } => (ms <= policy.max_wait_ms).then_some(ms),
        Outcome::RateLimited { retry_after_ms: None } => {
            // Equal jitter: at least half the step, so a throttled service really gets a rest.
            let step = doubled(policy.rate_limit_fallback_ms, attempt).min(policy.max_wait_ms);
            Some(step / 2 + scale(step - step / 2, jitter01))
        }
        Outcome::Transient { retry_after_ms: None } => {
            // Full jitter (AWS architecture blog): uniform in 0..=step.
            let step = doubled(policy.base_ms, attempt).min(policy.max_backoff_ms).min(policy.max_wait_ms);
            Some(scale(step, jitter01))
        }
    }
}

fn doubled(base: u64, attempt: u32) -> u64 {
    base.saturating_mul(1u64.checked_shl(attempt.min(63)).unwrap_or(u64::MAX))
}

fn scale(ms: u64, factor01: f64) -> u64 {
    (ms as f64 * factor01).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(retry_after: &str) -> Vec<(String, String)> {
        vec![("Retry-After".to_string(), retry_after.to_string())]
    }

    #[test]
    fn classify_covers_the_status_table() {
        let none = Vec::new();
        assert_eq!(classify(200, &none, 0), Outcome::Success);
        assert_eq!(classify(429, &none, 0), Outcome::RateLimited { retry_after_ms: None });
        assert_eq!(classify(429, &headers("3"), 0), Outcome::RateLimited { retry_after_ms: Some(3000) });
        assert_eq!(classify(503, &headers("2"), 0), Outcome::Transient { retry_after_ms: Some(2000) });
        assert_eq!(classify(500, &none, 0), Outcome::Transient { retry_after_ms: None });
        for status in [400, 401, 403, 404, 409, 501] {
            assert_eq!(classify(status, &none, 0), Outcome::Permanent, "{status}");
        }
    }

    #[test]
    fn network_errors_are_transient_but_cancellation_is_not() {
        assert_eq!(classify_net(&NetError::Timeout), Outcome::Transient { retry_after_ms: None });
        assert_eq!(classify_net(&NetError::Unreachable("reset".into())), Outcome::Transient { retry_after_ms: None });
        assert_eq!(classify_net(&NetError::Aborted), Outcome::Permanent);
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(parse_retry_after(" 7 ", 0), Some(7000));
        let now = parse_http_date_ms("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(now, 1_445_412_480_000);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(30_000));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(0), "past date");
        assert_eq!(parse_retry_after("99999999999999999999", 0), Some(RETRY_AFTER_CLAMP_MS));
        for bad in ["", "soon", "-1", "1.5", "Wed, 21 Oct 2015 07:28:00 CET", "Wed, 32 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn http_dates_match_known_epochs() {
        assert_eq!(parse_http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date_ms("Tue, 29 Feb 2000 12:00:00 GMT"), Some(951_825_600_000));
        assert_eq!(parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
    }

    #[test]
    fn retry_after_is_respected_and_capped_by_giving_up() {
        let p = RetryPolicy::default();
        assert_eq!(next_delay_ms(&p, 0, &Outcome::RateLimited { retry_after_ms: Some(4000) }, 0.0), Some(4000));
        assert_eq!(next_delay_ms(&p, 0, &Outcome::RateLimited { retry_after_ms: Some(p.max_wait_ms + 1) }, 0.0), None);
    }

    #[test]
    fn rate_limit_without_header_waits_at_least_half_the_fallback() {
        let p = RetryPolicy::systim();
        let o = Outcome::RateLimited { retry_after_ms: None };
        assert_eq!(next_delay_ms(&p, 0, &o, 0.0), Some(15_000));
        assert_eq!(next_delay_ms(&p, 0, &o, 1.0), Some(30_000));
        assert_eq!(next_delay_ms(&p, 1, &o, 1.0), Some(60_000));
        assert_eq!(next_delay_ms(&p, 3, &o, 1.0), None, "retries used up");
    }

    #[test]
    fn permanent_and_success_are_never_retried() {
        let p = RetryPolicy::default();
        assert_eq!(next_delay_ms(&p, 0, &Outcome::Permanent, 0.5), None);
        assert_eq!(next_delay_ms(&p, 0, &Outcome::Success, 0.5), None);
    }

    #[test]
    fn creations_are_never_repeated_on_a_status_alone() {
        let transient = Outcome::Transient { retry_after_ms: Some(1000) };
        let limited = Outcome::RateLimited { retry_after_ms: None };
        // A 429 to a creation may answer the browser's resend of a copy already written.
        assert!(!safe_to_repeat(Idempotency::NonIdempotent, &limited));
        assert!(!safe_to_repeat(Idempotency::NonIdempotent, &transient));
        assert!(safe_to_repeat(Idempotency::Idempotent, &transient));
        assert!(safe_to_repeat(Idempotency::Idempotent, &limited));
    }

    proptest! {
        #[test]
        fn transient_backoff_stays_within_the_exponential_envelope(attempt in 0u32..10, jitter in 0.0f64..1.0) {
            let p = RetryPolicy { max_retries: 20, ..RetryPolicy::default() };
            let d = next_delay_ms(&p, attempt, &Outcome::Transient { retry_after_ms: None }, jitter).unwrap();
            let cap = (p.base_ms << attempt).min(p.max_backoff_ms);
            prop_assert!(d <= cap);
        }

        #[test]
        fn delays_never_exceed_the_longest_accepted_wait(attempt in 0u32..64, jitter in -1.0f64..2.0, ra in proptest::option::of(0u64..200_000)) {
            let p = RetryPolicy { max_retries: 100, ..RetryPolicy::default() };
            for o in [Outcome::RateLimited { retry_after_ms: ra }, Outcome::Transient { retry_after_ms: ra }] {
                if let Some(d) = next_delay_ms(&p, attempt, &o, jitter) {
                    prop_assert!(d <= p.max_wait_ms);
                }
            }
        }
    }
}
