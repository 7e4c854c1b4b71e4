//! The planning case of the benchmark in a browser: `benches/plan_world.rs` at 50,000 × 50,000,
//! matching and the stock plan timed with `performance.now()` in the page's wasm. Prints one
//! `wasm-bench {json}` line per figure; run by `./build.sh bench` with `--nocapture` (see
//! docs/benchmarks.md), never by `./build.sh test`. Figures, not assertions.
#![cfg(target_arch = "wasm32")]

#[path = "../benches/plan_world.rs"]
mod plan_world;

use shoper_systim::matching::Matching;
use shoper_systim::plan::products::plan_products;
use shoper_systim::plan::stock::{plan_stock, QuantityInputs};
use shoper_systim::settings::Settings;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

const N: u64 = 50_000;
const RUNS: usize = 7;

fn property(of: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(of, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `performance.now()` (sub-millisecond where the browser allows), else `Date.now()`.
fn now_ms() -> f64 {
    let performance = property(&js_sys::global(), "performance");
    match property(&performance, "now").dyn_into::<js_sys::Function>() {
        Ok(now) => now.call0(&performance).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        Err(_) => js_sys::Date::now(),
    }
}

fn wasm_memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

#[wasm_bindgen_test]
fn planning_50k_by_50k() {
    let (shop, systim) = plan_world::world(N);
    let settings = Settings::default();
    let quantities = QuantityInputs::default();
    let memory_with_inputs = wasm_memory_bytes();
    let (mut plan_ms, mut product_ms) = (Vec::new(), Vec::new());
    let mut actions = 0;
    for _ in 0..RUNS {
        let started = now_ms();
        let m = Matching::new(&shop, &systim, settings.matching.normalize_codes);
        let plan = plan_stock(&m, &settings, &quantities, false);
        let planned = now_ms();
        let products = plan_products(&m, &settings, &quantities);
        product_ms.push(now_ms() - planned);
        plan_ms.push(planned - started);
        actions = plan.actions.len() + products.creations.len();
    }
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let (plan_ms, product_ms) = (sorted(plan_ms), sorted(product_ms));
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    let figures = serde_json::json!({
        "case": format!("planning {N} × {N} (wasm, headless browser)"),
        "group": "planning",
        "plan_ms": round(plan_ms[0]),
        "plan_median_ms": round(plan_ms[RUNS / 2]),
        "product_plan_ms": round(product_ms[0]),
        "actions": actions,
        "wasm_memory_with_inputs_bytes": memory_with_inputs,
        "wasm_memory_growth_bytes": wasm_memory_bytes() - memory_with_inputs,
        "runs": RUNS,
        "user_agent": property(&property(&js_sys::global(), "navigator"), "userAgent").as_string(),
    });
    web_sys::console::log_1(&format!("wasm-bench {figures}").into());
}
