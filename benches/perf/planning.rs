//! Planning alone: matching and the stock plan (and, for comparison, the product plan) of
//! 50,000 × 50,000 products, timed and with the memory it allocates on top of its inputs.

use crate::alloc;
use crate::plan_world::world;
use crate::report::Row;
use shoper_systim::matching::Matching;
use shoper_systim::plan::products::plan_products;
use shoper_systim::plan::stock::{plan_stock, QuantityInputs};
use shoper_systim::settings::Settings;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// The fastest and the median run: the fastest is the least disturbed by other work on a
/// shared machine.
fn best_and_median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

pub fn case(n: u64, rows: &mut Vec<Row>) {
    let before_inputs = alloc::current();
    let (shop, systim) = world(n);
    let inputs_bytes = alloc::current().saturating_sub(before_inputs);
    let settings = Settings::default();
    let quantities = QuantityInputs::default();
    let (mut matching_t, mut stock_t, mut total_t, mut products_t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut peak_bytes = 0;
    let mut summary = (0, 0, 0, 0);
    for _ in 0..RUNS {
        let baseline = alloc::reset_peak();
        let started = Instant::now();
        let m = Matching::new(&shop, &systim, settings.matching.normalize_codes);
        let matched_at = Instant::now();
        let plan = plan_stock(&m, &settings, &quantities, false);
        let planned_at = Instant::now();
        peak_bytes = alloc::peak().saturating_sub(baseline);
        let products = plan_products(&m, &settings, &quantities);
        products_t.push(planned_at.elapsed());
        matching_t.push(matched_at - started);
        stock_t.push(planned_at - matched_at);
        total_t.push(planned_at - started);
        let near = plan.tally.counts.skipped.values().sum::<u32>();
        summary = (plan.tally.counts.matched, plan.actions.len(), near, products.creations.len());
    }
    let (best, median) = best_and_median(total_t);
    eprintln!(
        "  plan {n} × {n}: {:.1} ms (best of {RUNS}; median {:.1}), peak {:.1} MB above inputs of {:.1} MB",
        ms(best),
        ms(median),
        peak_bytes as f64 / 1e6,
        inputs_bytes as f64 / 1e6
    );
    let mut row = Row::offline(format!("planning {n} × {n} (native)"), "planning");
    row.extra("plan_ms", ms(best))
        .extra("plan_median_ms", ms(median))
        .extra("matching_ms", ms(best_and_median(matching_t).0))
        .extra("stock_plan_ms", ms(best_and_median(stock_t).0))
        .extra("product_plan_ms", ms(best_and_median(products_t).0))
        .extra("peak_bytes", peak_bytes as u64)
        .extra("inputs_bytes", inputs_bytes as u64)
        .extra("matched", summary.0)
        .extra("stock_actions", summary.1 as u64)
        .extra("skipped", summary.2)
        .extra("to_create", summary.3 as u64)
        .extra("runs", RUNS as u64);
    rows.push(row);
}
