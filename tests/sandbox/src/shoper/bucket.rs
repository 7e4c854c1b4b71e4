//! Leaky-bucket rate limiting (reference §4): `level = max(0, level − bandwidth·Δt)`; a call is
//! refused with 429 when `level + 1 > limit`, else `level += cost`.

use super::config::RateLimit;
use super::error::ApiError;

#[derive(Clone, Debug, Default)]
pub struct Bucket {
    pub level: f64,
    last_ms: u64,
}

impl Bucket {
    fn leak(&mut self, now_ms: u64, bandwidth: f64) {
        let dt = now_ms.saturating_sub(self.last_ms) as f64 / 1000.0;
        self.level = (self.level - bandwidth * dt).max(0.0);
        self.last_ms = self.last_ms.max(now_ms);
    }

    /// Charges `cost` units, or answers the 429 (level unchanged).
    pub fn take(&mut self, now_ms: u64, rate: &RateLimit, cost: f64) -> Result<(), ApiError> {
        self.leak(now_ms, rate.bandwidth);
        if self.level + 1.0 > rate.limit {
            let wait = ((self.level + 1.0 - rate.limit) / rate.bandwidth).ceil().max(1.0);
            let mut err = ApiError::new(429, "temporarily_unavailable", "Too many requests");
            err.headers.push(("retry-after".into(), format!("{wait}")));
            return Err(err);
        }
        self.level += cost;
        Ok(())
    }

    /// `X-Shop-Api-Calls`, `X-Shop-Api-Limit`, `X-Shop-Api-Bandwidth`.
    pub fn headers(&self, rate: &RateLimit) -> Vec<(String, String)> {
        vec![
            ("x-shop-api-calls".into(), format!("{}", self.level.ceil())),
            ("x-shop-api-limit".into(), format!("{}", rate.limit)),
            ("x-shop-api-bandwidth".into(), format!("{}", rate.bandwidth)),
        ]
    }
}
