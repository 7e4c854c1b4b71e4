//! The floor: the fewest Shoper calls a piece of work needs, and the least time Shoper's leaky
//! bucket lets those calls take.
//!
//! Work is counted in rounds — requests that do not depend on each other's answers travel
//! together through `/bulk`, 25 operations to a call (see docs/benchmarks.md):
//! - reads known up front (dictionaries, the first page of every list): one round;
//! - the remaining pages of those lists (their count comes with page 1): a second round;
//! - `k` writes: `⌈k/25⌉` bulk calls;
//! - a keyset feed: one call per further page (each page starts after the last id of the one
//!   before);
//! - no `/auth`: the token of the previous run is reused (the sandbox does not charge `/auth`
//!   against the bucket either).
//!
//! `calls` counts HTTP requests: with a bulk call charged one unit (the default setting) that is
//! what the bucket sees. `page_calls` counts as if every read travelled alone while writes still
//! go 25 to a bulk call — the issue's `fixed reads + ⌈N/50⌉ + ⌈k/25⌉`.

pub const PAGE: u64 = 50;
pub const BULK: u64 = 25;

#[derive(Clone, Copy, Debug, Default)]
pub struct Floor {
    pub calls: u64,
    pub page_calls: u64,
}

fn pages(rows: u64) -> u64 {
    rows.div_ceil(PAGE).max(1)
}

impl Floor {
    /// `singletons` one-object reads and one list per entry of `lists` (its row count), read in
    /// two rounds.
    pub fn reads(singletons: u64, lists: &[u64]) -> Floor {
        let first = singletons + lists.len() as u64;
        let rest: u64 = lists.iter().map(|&rows| pages(rows) - 1).sum();
        Floor { calls: first.div_ceil(BULK) + rest.div_ceil(BULK), page_calls: singletons + lists.iter().map(|&r| pages(r)).sum::<u64>() }
    }

    /// `n` writes through `/bulk`.
    pub fn writes(n: u64) -> Floor {
        Floor { calls: n.div_ceil(BULK), page_calls: n.div_ceil(BULK) }
    }

    /// The pages after the first of a keyset feed of `rows` rows, one call each.
    pub fn keyset_rest(rows: u64) -> Floor {
        Floor { calls: pages(rows) - 1, page_calls: pages(rows) - 1 }
    }
}

impl std::ops::Add for Floor {
    type Output = Floor;
    fn add(self, o: Floor) -> Floor {
        Floor { calls: self.calls + o.calls, page_calls: self.page_calls + o.page_calls }
    }
}

/// The least time (ms) a bucket of `limit` leaking `bandwidth` units a second, empty at the start,
/// lets `units` one-unit calls take: the first `limit` go at once, then one per `1/bandwidth` s.
pub fn bucket_ms(units: u64, limit: f64, bandwidth: f64) -> u64 {
    let over = (units as f64 - limit).max(0.0);
    (over * 1000.0 / bandwidth).ceil() as u64
}
