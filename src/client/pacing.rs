//! A model of Shoper's leaky bucket, fed by the `X-Shop-Api-Calls` / `-Limit` / `-Bandwidth`
//! headers of every answer, so the client can wait just long enough before a call that the
//! bucket has room for it.
//!
//! The bucket holds at most `limit` units and leaks `bandwidth` units per second; a call that
//! would overflow it is answered 429. `Calls` reports the level including the call just made.
//! The model treats that level as measured when the answer arrived, which overestimates the
//! level slightly (the bucket leaked during the transfer): the error is on the safe side.

use crate::io::HttpResponse;

/// Shoper's documented defaults, used until the first answer says otherwise.
pub const DEFAULT_LIMIT: f64 = 10.0;
pub const DEFAULT_BANDWIDTH: f64 = 2.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Pacer {
    level: f64,
    observed_at_ms: u64,
    limit: f64,
    bandwidth: f64,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer { level: 0.0, observed_at_ms: 0, limit: DEFAULT_LIMIT, bandwidth: DEFAULT_BANDWIDTH }
    }
}

impl Pacer {
    pub fn new() -> Self {
        Pacer::default()
    }

    pub fn limit(&self) -> f64 {
        self.limit
    }

    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }

    /// The estimated bucket level at `now_ms`.
    pub fn level_at(&self, now_ms: u64) -> f64 {
        let elapsed_s = now_ms.saturating_sub(self.observed_at_ms) as f64 / 1000.0;
        (self.level - self.bandwidth * elapsed_s).max(0.0)
    }

    /// How long to wait at `now_ms` before a call costing `cost` units fits into the bucket.
    pub fn wait_ms(&self, cost: u32, now_ms: u64) -> u64 {
        let cost = f64::from(cost).min(self.limit);
        let excess = self.level_at(now_ms) + cost - self.limit;
        if excess <= 0.0 {
            0
        } else {
            // The tolerance keeps float noise (9.800000000000001) from adding a millisecond.
            (excess / self.bandwidth * 1000.0 - 1e-6).ceil() as u64
        }
    }

    /// Account for a call sent at `now_ms` (kept if the answer carries no headers).
    pub fn note_sent(&mut self, cost: u32, now_ms: u64) {
        self.level = self.level_at(now_ms) + f64::from(cost);
        self.observed_at_ms = now_ms;
    }

    /// Take the server's word from an answer received at `now_ms`.
    pub fn observe(&mut self, response: &HttpResponse, now_ms: u64) {
        let number = |name: &str| response.header(name).and_then(|v| header_integer(v.trim()));
        if let Some(limit) = number("x-shop-api-limit").filter(|l| *l >= 1.0) {
            self.limit = limit;
        }
        if let Some(bandwidth) = number("x-shop-api-bandwidth").filter(|b| *b > 0.0) {
            self.bandwidth = bandwidth;
        }
        if let Some(calls) = number("x-shop-api-calls").filter(|c| *c >= 0.0) {
            self.level = calls;
            self.observed_at_ms = now_ms;
        }
    }
}

/// A header's whole number: ASCII digits only, as Shoper sends these three (`10`, `2`, `3`);
/// a sign, a fraction, an exponent or more than nine digits make it unreadable (`None`), and the
/// model keeps what it had.
fn header_integer(text: &str) -> Option<f64> {
    (!text.is_empty() && text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.bytes().fold(0.0, |n, b| n * 10.0 + f64::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_numbers_are_whole_numbers_as_the_standard_parser_reads_them() {
        for text in ["0", "3", "10", "2", "007", "999999999"] {
            assert_eq!(header_integer(text), text.parse::<u32>().ok().map(f64::from), "{text}");
        }
        for text in ["", "+3", "-1", "2.5", "1e3", "5.", ".5", "1_0", "0x10", "NaN", "3 ", " 3", "1,5", "١", "1000000000"] {
            assert_eq!(header_integer(text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn header_numbers_match_the_standard_integer_parser(text in "[-+0-9.eE ]{0,11}") {
            // The standard parser also takes a leading `+`, which no header carries.
            let want = text.parse::<u32>().ok().filter(|_| !text.starts_with('+') && text.len() <= 9).map(f64::from);
            proptest::prop_assert_eq!(header_integer(&text), want);
        }
    }

    fn answer(calls: &str, limit: &str, bandwidth: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![
                ("x-shop-api-calls".into(), calls.into()),
                ("x-shop-api-limit".into(), limit.into()),
                ("x-shop-api-bandwidth".into(), bandwidth.into()),
            ],
            body: "{}".into(),
        }
    }

    #[test]
    fn a_full_bucket_waits_for_one_unit_to_leak() {
        let mut p = Pacer::new();
        p.observe(&answer("10", "10", "2"), 1_000);
        assert_eq!(p.wait_ms(1, 1_000), 500);
        assert_eq!(p.wait_ms(1, 1_200), 300);
        assert_eq!(p.wait_ms(1, 1_500), 0);
        assert_eq!(p.wait_ms(3, 1_000), 1_500);
    }

    #[test]
    fn room_in_the_bucket_means_no_wait() {
        let mut p = Pacer::new();
        assert_eq!(p.wait_ms(1, 0), 0);
        p.observe(&answer("9", "10", "10"), 0);
        assert_eq!(p.wait_ms(1, 0), 0);
        assert_eq!(p.wait_ms(2, 0), 100);
    }

    #[test]
    fn without_headers_the_model_counts_its_own_calls() {
        let mut p = Pacer::new();
        for _ in 0..10 {
            p.note_sent(1, 0);
        }
        assert_eq!(p.wait_ms(1, 0), 500);
    }

    #[test]
    fn absurd_headers_are_ignored_and_costs_are_capped_at_the_limit() {
        let mut p = Pacer::new();
        p.observe(&answer("x", "0", "-1"), 0);
        assert_eq!((p.limit(), p.bandwidth()), (DEFAULT_LIMIT, DEFAULT_BANDWIDTH));
        assert_eq!(p.wait_ms(50, 0), 0);
    }
}
