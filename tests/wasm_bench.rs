//! Cases of the benchmark in a browser, timed with `performance.now()` in the page's wasm:
//!
//! - planning: `benches/plan_world.rs` at 50,000 × 50,000, matching and the stock plan;
//! - a stock run over 50,000 products (`Engine::run` against the sandbox's pure core, in the same
//!   page, on a virtual clock), as the native `stock N=50000 k=1%` case, best of 3 runs: the
//!   engine's own time (the sandbox's left out) and memory (a counting allocator, the sandbox's
//!   work of building answers left out, as natively). While the world is set up every call yields
//!   to the browser once (the test runner gives up on a page busy for 30 s); a measured run does
//!   not yield, so — as natively — the shop is read before Systim and each call's time is its own;
//! - Systim read alone (the native `Systim read` case), best of 3.
//!
//! The test build has serde_json's `preserve_order` on (the sandbox's feature), so its maps differ
//! from the shipped wasm's.
//!
//! Prints one `wasm-bench {json}` line per case; run by `./build.sh bench` with `--nocapture`
//! (see docs/benchmarks.md), never by `./build.sh test`. Figures, not assertions.
#![cfg(target_arch = "wasm32")]

#[path = "../benches/perf/alloc.rs"]
mod alloc;
#[path = "../benches/plan_world.rs"]
mod plan_world;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

use sandbox::{Request, Sandbox, Service};
use serde_json::json;
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::report::{Part, RunKind};
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::io::{Clock, Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::matching::Matching;
use shoper_systim::mem::{MemStorage, VirtualClock};
use shoper_systim::plan::products::plan_products;
use shoper_systim::plan::stock::{plan_stock, QuantityInputs};
use shoper_systim::settings::Settings;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
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

/// The merchant's texts, as the background hands them to `init_core` (src/texts.rs).
fn load_texts() {
    shoper_systim::texts::load(include_str!("../extension/_locales/pl/messages.json"), include_str!("../extension/_locales/en/messages.json")).expect("texts");
}

fn wasm_memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

#[wasm_bindgen_test]
fn planning_50k_by_50k() {
    load_texts();
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

const SHOP_URL: &str = "http://127.0.0.1:18001";
const SYSTIM_URL: &str = "http://127.0.0.1:18002";

/// The sandbox's pure core behind the engine's `Http`, in this page: the time and memory it
/// takes to build answers are kept apart from the engine's.
#[derive(Clone)]
struct Local {
    sandbox: Rc<RefCell<Sandbox>>,
    clock: VirtualClock,
    serving_ms: Rc<Cell<f64>>,
    received: Rc<Cell<u64>>,
    /// Let the browser run between calls (setting up, not while measuring: a call waiting
    /// would let the other side's reads run inside this call's time).
    yielding: Rc<Cell<bool>>,
}

impl Http for Local {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let (service, path) = match req.url.strip_prefix(SHOP_URL) {
            Some(rest) => (Service::Shoper, rest.to_string()),
            None => match req.url.strip_prefix(SYSTIM_URL) {
                Some(rest) => (Service::Systim, rest.to_string()),
                None => return Err(NetError::Unreachable(req.url)),
            },
        };
        if self.yielding.get() {
            // The page keeps answering the test runner (it gives up on a page busy for 30 s).
            yield_to_browser().await;
        }
        let started = now_ms();
        alloc::begin_outside();
        let mut sreq = Request::new(req.method.as_str(), if path.is_empty() { "/" } else { &path });
        for (k, v) in &req.headers {
            sreq = sreq.with_header(k, v);
        }
        if let Some(body) = &req.body {
            sreq = sreq.with_body(body.as_bytes().to_vec());
        }
        let resp = self.sandbox.borrow_mut().handle(service, &sreq, self.clock.now_ms());
        self.sandbox.borrow_mut().log.clear();
        let answer = HttpResponse { status: resp.status, headers: resp.headers.clone(), body: resp.body_text() };
        drop((sreq, resp));
        alloc::end_outside();
        self.serving_ms.set(self.serving_ms.get() + now_ms() - started);
        self.received.set(self.received.get() + answer.body.len() as u64);
        Ok(answer)
    }
}

/// Let the browser run its event loop once (a `setTimeout(0)`).
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Ok(set_timeout) = property(&js_sys::global(), "setTimeout").dyn_into::<js_sys::Function>() {
            let _ = set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from(0));
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A world of `n` products on the sandbox's pure core in this page, the engine connected to it.
fn local_world(n: usize) -> (Local, Connection) {
    let mut sandbox = Sandbox::from_scenario(sandbox::catalogue::big(n, 0));
    sandbox.shoper.configure(&json!({"shop_url": SHOP_URL, "rate_limit": {"enabled": false}})).expect("shop url");
    // The generous Systim profile, as the native benchmark (benches/perf/world.rs): strict Systim
    // lists no categories, so the category rule cannot be checked and the stock run writes nothing.
    sandbox.systim.configure(&json!({"profile": "generous"})).expect("systim profile");
    let info = sandbox.info();
    let local = Local {
        sandbox: Rc::new(RefCell::new(sandbox)),
        clock: VirtualClock::default(),
        serving_ms: Rc::default(),
        received: Rc::default(),
        yielding: Rc::new(Cell::new(true)),
    };
    let credential = |k: &str| info[k].as_str().unwrap_or_default().to_string();
    let connection = Connection {
        shop_url: SHOP_URL.into(),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: credential("shoper_login"),
        shoper_password: credential("shoper_password"),
        shoper_token: String::new(),
        systim_account: SYSTIM_URL.into(),
        systim_login: credential("systim_login"),
        systim_key: credential("systim_key"),
        shop_aliases: Default::default(),
    };
    (local, connection)
}

/// Systim read alone, as a stock run reads it (the native `Systim read` case): best of 3.
#[wasm_bindgen_test]
async fn systim_read_50k() {
    load_texts();
    let (local, connection) = local_world(STOCK_N);
    let mut session = shoper_systim::engine::session::Session::open(&local, &local.clock, &connection).expect("session");
    let settings = Settings::default();
    let (mut engine_ms, mut engine_peak, mut products) = (Vec::new(), 0, 0);
    for _ in 0..STOCK_RUNS {
        yield_to_browser().await;
        local.yielding.set(false);
        local.serving_ms.set(0.0);
        let baseline = alloc::reset_peak();
        let started = now_ms();
        let read = session.read_systim(&settings, true, 0).await.expect("Systim read");
        engine_ms.push(now_ms() - started - local.serving_ms.get());
        engine_peak = engine_peak.max(alloc::engine_peak().saturating_sub(baseline));
        products = read.snapshot.products.len();
    }
    engine_ms.sort_by(f64::total_cmp);
    let figures = serde_json::json!({
        "case": format!("Systim read N={STOCK_N} (wasm, headless browser)"),
        "group": "systim-wasm",
        "engine_ms": (engine_ms[0] * 100.0).round() / 100.0,
        "engine_median_ms": (engine_ms[STOCK_RUNS / 2] * 100.0).round() / 100.0,
        "engine_peak_bytes": engine_peak,
        "products": products,
        "runs": STOCK_RUNS,
    });
    web_sys::console::log_1(&format!("wasm-bench {figures}").into());
}

const STOCK_N: usize = 50_000;
const STOCK_RUNS: usize = 3;

#[wasm_bindgen_test]
async fn stock_50k() {
    load_texts();
    let (local, connection) = local_world(STOCK_N);
    let (sandbox, clock) = (local.sandbox.clone(), local.clock.clone());
    let engine = Engine::new(local.clone(), MemStorage::new(), clock.clone());
    engine.set_dev_hosts(true); // the in-memory shop is at a loopback address
    engine.save_connection(connection).await.expect("connection");
    engine.save_settings(Settings::default()).await.expect("settings");
    // The shop takes Systim's figures once; then, before each measured run, 1 % of the matched
    // products change in Systim.
    engine.run(RunRequest { kind: RunKind::Stock, dry_run: false, confirm_zeroing: true }).await.expect("first sync");
    let k = STOCK_N / 100;
    let matched: Vec<(u64, i64)> = {
        let sandbox = sandbox.borrow();
        let shop_codes: std::collections::HashSet<&str> = sandbox.scenario.items.iter().filter_map(|i| i.shop.as_ref()).map(|p| p.code.as_str()).collect();
        let state = sandbox.systim.state_json();
        let products = state["products"].as_array().into_iter().flatten();
        let matched = products.filter(|p| p["kod_produktu"].as_str().is_some_and(|c| shop_codes.contains(c)));
        matched.map(|p| (p["id"].as_u64().unwrap_or(0), p["stock_milli"]["1"].as_i64().unwrap_or(0))).collect()
    };
    let (mut engine_ms, mut real, mut engine_peak, mut peak, mut written, mut received) = (Vec::new(), Vec::new(), 0, 0, Vec::new(), 0);
    let memory_before = wasm_memory_bytes();
    for run in 1..=STOCK_RUNS {
        for (id, quantity) in matched.iter().step_by((matched.len() / k).max(1)).take(k) {
            sandbox.borrow_mut().systim.set_quantity(*id, 1, quantity + 1_000 * run as i64).expect("systim product");
        }
        clock.advance(60_000);
        yield_to_browser().await;
        local.yielding.set(false);
        local.serving_ms.set(0.0);
        local.received.set(0);
        let baseline = alloc::reset_peak();
        let started = now_ms();
        let report = engine.run(RunRequest { kind: RunKind::Stock, dry_run: false, confirm_zeroing: false }).await.expect("the run starts");
        let real_ms = now_ms() - started;
        assert!(report.error.is_none(), "{:?}", report.error);
        engine_ms.push(real_ms - local.serving_ms.get());
        real.push(real_ms);
        engine_peak = engine_peak.max(alloc::engine_peak().saturating_sub(baseline));
        peak = peak.max(alloc::peak().saturating_sub(baseline));
        received = local.received.get();
        let done = report.sections.iter().filter(|s| s.kind == Part::Stock).map(|s| s.counts.done).sum::<u32>();
        assert_eq!(done as usize, k, "run {run}: {done} written, {k} changed in Systim");
        written.push(done);
    }
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let (engine_ms, real) = (sorted(engine_ms), sorted(real));
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    let figures = serde_json::json!({
        "case": format!("stock N={STOCK_N} k=1% ({k}) (wasm, headless browser)"),
        "group": "stock-wasm",
        "engine_ms": round(engine_ms[0]),
        "engine_median_ms": round(engine_ms[STOCK_RUNS / 2]),
        "real_ms": round(real[0]),
        "engine_peak_bytes": engine_peak,
        "peak_bytes": peak,
        "wasm_memory_bytes": wasm_memory_bytes(),
        "wasm_memory_growth_bytes": wasm_memory_bytes() - memory_before,
        "received_bytes": received,
        "written": written,
        "runs": STOCK_RUNS,
        "user_agent": property(&property(&js_sys::global(), "navigator"), "userAgent").as_string(),
    });
    web_sys::console::log_1(&format!("wasm-bench {figures}").into());
}
