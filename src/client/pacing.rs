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
        let number = |name: &str| response.header(name).and_then(|v| finite_number(v.trim()));
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

/// A finite decimal number as `str::parse::<f64>` reads it (`3`, `2.5`, `-1`, `+.5`, `1e3`);
/// anything else, infinities and NaN included, is `None`. Written out because the standard
/// parser brings a 10 KB table of powers of five into the wasm for three integer headers.
/// Up to 15 significant digits and powers of ten up to 22 the result is the correctly rounded
/// one, as the standard parser's; beyond, it may differ from it in the last bits.
fn finite_number(text: &str) -> Option<f64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    let mut exp10: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (sign, e) = match e.as_bytes().first() {
                Some(b'-') => (-1, &e[1..]),
                Some(b'+') => (1, &e[1..]),
                _ => (1, e),
            };
            if e.is_empty() || !digits(e) {
                return None;
            }
            // Past ±10⁶ every mantissa ends as 0 or infinity alike.
            sign * e.bytes().fold(0i64, |n, b| (n * 10 + i64::from(b - b'0')).min(1_000_000))
        }
    };
    // At most 19 significant digits are kept; the rest only move the decimal point.
    let mut m: u64 = 0;
    for (i, b) in int.bytes().chain(frac.bytes()).enumerate() {
        let in_frac = i >= int.len();
        if m < 1_000_000_000_000_000_000 {
            m = m * 10 + u64::from(b - b'0');
            exp10 -= i64::from(in_frac);
        } else {
            exp10 += i64::from(!in_frac);
        }
    }
    const EXACT: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
        1e22,
    ];
    let value = if m == 0 {
        0.0
    } else if m < (1 << 53) && (-22..=22).contains(&exp10) {
        // Both operands exact: one correctly rounded operation.
        let p = EXACT[exp10.unsigned_abs() as usize];
        if exp10 < 0 { m as f64 / p } else { m as f64 * p }
    } else {
        let e = exp10.clamp(-1_000, 1_000) as i32;
        // Split so that 10^e itself neither overflows nor underflows for representable values.
        (m as f64 * 10f64.powi(e / 2)) * 10f64.powi(e - e / 2)
    };
    let value = if negative { -value } else { value };
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_numbers_read_as_the_standard_parser_reads_them() {
        for text in [
            "0", "3", "10", "2", "2.5", "0.5", ".5", "5.", "+3", "-1", "-0", "007", "1e3", "1E3", "1e+3", "2.5e-3", "-.25", "123456789012345",
            "0.1", "0.3", "9007199254740993", "1e22", "1e23", "1e-22", "12345678901234567890123", "1e400", "1e-400", "0e999999999999",
        ] {
            let want = text.parse::<f64>().ok().filter(|n| n.is_finite());
            let got = finite_number(text);
            match (want, got) {
                (Some(w), Some(g)) => assert!((w - g).abs() <= w.abs() * 1e-15, "{text}: {w} vs {g}"),
                (w, g) => assert_eq!(w, g, "{text}"),
            }
        }
        for text in ["", "+", "-", ".", "e3", "1e", "1e+", "1.2.3", "1_0", "0x10", "inf", "-infinity", "NaN", "3 ", " 3", "1,5", "١"] {
            assert_eq!(finite_number(text), None, "{text:?}");
            assert_eq!(text.parse::<f64>().ok().filter(|n| n.is_finite()), None, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn header_numbers_match_the_standard_parser(text in "[-+]?[0-9]{0,17}(\\.[0-9]{0,17})?([eE][-+]?[0-9]{1,3})?") {
            let want = text.parse::<f64>().ok().filter(|n| n.is_finite());
            let got = finite_number(&text);
            match (want, got) {
                // Exact where both operands are; within a few ulps elsewhere.
                (Some(w), Some(g)) => proptest::prop_assert!(w == g || (w - g).abs() <= w.abs() * 1e-14, "{} {} {}", text, w, g),
                // Only at the very ends of the range may one overflow where the other does not.
                (w, g) => proptest::prop_assert!(w == g || text.contains(['e', 'E']), "{} {:?} {:?}", text, w, g),
            }
        }

        #[test]
        fn short_header_numbers_are_exactly_the_standard_ones(int in "[0-9]{1,8}", frac in "[0-9]{0,6}", exp in -8i32..8) {
            let text = format!("{int}.{frac}e{exp}");
            proptest::prop_assert_eq!(finite_number(&text), text.parse::<f64>().ok());
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
