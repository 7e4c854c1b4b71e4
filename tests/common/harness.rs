//! Engines on a sandbox (in-process or a real server): the demo connection and settings, runs,
//! and a run that is "killed" part-way (its future dropped, as a browser drops a service worker).

use super::world::World;
use super::{InProcess, SHOP_URL};
use pollster::block_on;
use sandbox::Sandbox;
use serde_json::{json, Value};
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::report::{Outcome, Report, RunKind};
use shoper_systim::engine::{Engine, RunError, RunRequest};
use shoper_systim::mem::{MemStorage, VirtualClock};
use shoper_systim::settings::{IdMapping, Settings, StartPoint};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub type EngineOn<W> = Engine<W, MemStorage, VirtualClock>;
pub type TestEngine = EngineOn<InProcess>;

/// The host the import marker names for the in-process shop.
pub const SHOP_HOST: &str = "127.0.0.1:18001";

pub fn connection<W: World>(world: &W) -> Connection {
    let info = world.info();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    Connection {
        shop_url: world.shop_url(),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: s("shoper_login"),
        shoper_password: s("shoper_password"),
        shoper_token: String::new(),
        systim_account: world.systim_url(),
        systim_login: s("systim_login"),
        systim_key: s("systim_key"),
        shop_aliases: Vec::new(),
    }
}

pub fn systim_product_id<W: World>(world: &W, code: &str) -> u64 {
    let systim = world.systim_state();
    let product = systim["products"].as_array().into_iter().flatten().find(|p| p["kod_produktu"] == code);
    product.and_then(|p| p["id"].as_u64()).unwrap_or_else(|| panic!("no Systim product {code}"))
}

/// The settings a merchant of the demo shop would choose: import from 1 November, shipping as a
/// Systim service line, delivery and payment mapped.
pub fn demo_settings<W: World>(world: &W) -> Settings {
    let mut s = Settings::default();
    s.orders.start = StartPoint::Date("2026-11-01".into());
    s.orders.shipping_product_id = Some(systim_product_id(world, "DOSTAWA"));
    s.orders.default_delivery_id = Some(1);
    s.orders.default_payment_id = Some(1);
    s.orders.payment_mapping = vec![IdMapping { shop_id: 1, systim_id: 1 }];
    let state = world.state();
    if !super::oracle::categories_listed(&state) {
        // What the report advises for an account that lists no categories.
        s.stock.require_same_category = false;
        s.products.default_category_id = state["shoper"]["categories"].as_array().and_then(|c| c.first()).map(|c| super::oracle::id(&c["category_id"]));
    }
    s
}

/// An engine on `world` with its own storage, connected and configured with `settings`.
pub fn engine_with<W: World>(world: &W, store: MemStorage, settings: Settings) -> EngineOn<W> {
    let engine = engine_resumed(world, store);
    block_on(async {
        engine.save_connection(connection(world)).await.expect("connection");
        engine.save_settings(settings).await.expect("settings");
    });
    engine
}

/// A fresh engine on storage an earlier engine left (a restarted background): nothing is saved
/// into it first.
pub fn engine_resumed<W: World>(world: &W, store: MemStorage) -> EngineOn<W> {
    let engine = Engine::new(world.clone(), store, world.clock().clone());
    engine.set_dev_hosts(true); // the in-process sandbox is at loopback addresses
    engine
}

pub fn engine_on<W: World>(world: &W, store: MemStorage) -> EngineOn<W> {
    engine_with(world, store, demo_settings(world))
}

/// The demo world whose shop knows its in-process URL.
pub fn demo_world() -> InProcess {
    in_process(Sandbox::new("demo").expect("demo"))
}

/// The demo with its hand-made traps and orders but without the ~300 regular products: the
/// same cases at a tenth of the cost, for tests that repeat whole runs many times.
pub fn lean_demo_world() -> InProcess {
    in_process(Sandbox::from_scenario(lean_demo()))
}

/// [`lean_demo_world`] with its Systim account in `profile`.
pub fn lean_demo_world_in(profile: sandbox::systim::config::Profile) -> InProcess {
    let world = InProcess::with_systim_profile(Sandbox::from_scenario(lean_demo()), profile);
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    world
}

fn lean_demo() -> sandbox::catalogue::Scenario {
    let mut scenario = sandbox::catalogue::demo();
    let regular = |code: Option<&str>| code.is_some_and(|c| c.starts_with("KAT-"));
    let first_regular =
        scenario.items.iter().position(|it| regular(it.shop.as_ref().map(|p| p.code.as_str())) || regular(it.systim.as_ref().map(|p| p.code.as_str())));
    scenario.items.truncate(first_regular.expect("regular products"));
    scenario
}

/// The demo world with its Systim account in `profile`, whatever `SANDBOX_SYSTIM_PROFILE` says.
pub fn demo_world_in(profile: sandbox::systim::config::Profile) -> InProcess {
    let world = InProcess::with_systim_profile(Sandbox::new("demo").expect("demo"), profile);
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    world
}

fn in_process(sandbox: Sandbox) -> InProcess {
    let world = InProcess::with(sandbox);
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    world
}

pub fn setup() -> (InProcess, TestEngine) {
    let world = demo_world();
    let engine = engine_on(&world, MemStorage::new());
    (world, engine)
}

/// The generous profile: the Systim account answers the assumed methods too — `listOrders`
/// above all, which the marker checks of exactly-once need (docs/systim-surface.md). For the
/// tests of what those methods make possible.
pub const GENEROUS: sandbox::systim::config::Profile = sandbox::systim::config::Profile::Generous;

/// [`setup`] with the Systim account in the generous profile.
pub fn setup_generous() -> (InProcess, TestEngine) {
    let world = demo_world_in(GENEROUS);
    let engine = engine_on(&world, MemStorage::new());
    (world, engine)
}

pub fn request(kind: RunKind) -> RunRequest {
    RunRequest { kind, dry_run: false, confirm_zeroing: false }
}

pub fn try_run<W: World>(engine: &EngineOn<W>, req: RunRequest) -> Result<Report, RunError> {
    block_on(engine.run(req))
}

pub fn run<W: World>(engine: &EngineOn<W>, kind: RunKind, dry_run: bool) -> Report {
    try_run(engine, RunRequest { kind, dry_run, confirm_zeroing: false }).expect("run starts")
}

/// Reasons of the problem groups of a report (what needs the merchant).
pub fn problem_reasons(report: &Report) -> Vec<&str> {
    report.sections.iter().flat_map(|s| &s.problems).map(|g| g.reason.as_str()).collect()
}

/// Reasons of the problem groups and of the notes.
pub fn all_reasons(report: &Report) -> Vec<&str> {
    report.sections.iter().flat_map(|s| s.problems.iter().chain(&s.notes)).map(|g| g.reason.as_str()).collect()
}

/// A real run that must end without an error.
pub fn run_ok<W: World>(engine: &EngineOn<W>, kind: RunKind) -> Report {
    let report = run(engine, kind, false);
    assert!(report.error.is_none() && report.summary.outcome != Outcome::Failed, "{kind:?} failed: {:?}", report.error);
    report
}

/// Drive `fut` on this thread. Every future of the engine on a test world completes without
/// waiting (the virtual clock; blocking sockets), so `Pending` means the transport was cut off
/// ([`World::kill_after`]):
/// the future is dropped there, like a background killed mid-await, and `None` is returned.
pub fn drive<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// Run on an engine whose transport dies after `calls` more HTTP calls (the last one reaches the
/// sandbox when `commit_last`). `None` when the run was killed; the transport is healthy again
/// afterwards.
pub fn run_killed_after<W: World>(world: &W, engine: &EngineOn<W>, req: RunRequest, calls: u64, commit_last: bool) -> Option<Result<Report, RunError>> {
    world.kill_after(calls, commit_last);
    let out = drive(engine.run(req));
    world.heal();
    out
}

/// A run killed at the first call whose URL or body contains `matching` (that call served first
/// when `commit`). True when it was killed there.
pub fn run_killed_at<W: World>(world: &W, engine: &EngineOn<W>, req: RunRequest, matching: &str, commit: bool) -> bool {
    let w = world.clone();
    world.before_call(matching, 1, move || w.kill_after(0, commit));
    let killed = drive(engine.run(req)).is_none();
    world.heal();
    world.clear_hook();
    killed
}

pub fn systim_orders<W: World>(world: &W) -> Vec<Value> {
    world.systim_state()["orders"].as_array().cloned().unwrap_or_default()
}

pub fn shop_orders<W: World>(world: &W) -> Vec<Value> {
    world.state()["shoper"]["orders"].as_array().cloned().unwrap()
}

/// How many Systim orders carry the import marker of this shop order.
pub fn marker_count(world: &InProcess, order_id: u64) -> usize {
    world.sandbox.borrow().systim.orders_with_marker(&format!("Shoper {order_id} @ {SHOP_HOST}"))
}

pub fn configure_shoper<W: World>(world: &W, knobs: Value) {
    world.control("POST", "/shoper/config", knobs);
}

pub fn configure_systim<W: World>(world: &W, knobs: Value) {
    world.control("POST", "/systim/config", knobs);
}

/// Queue a fault for the next `count` calls to `service` matching a path part or Systim `act`.
pub fn inject<W: World>(world: &W, service: &str, kind: &str, count: u32, matching: &str) {
    world.control("POST", "/faults", json!({"rules": [{"service": service, "kind": kind, "count": count, "matching": matching}]}));
}

/// Let a dead run's lock go stale (the clock moves past the lock's lifetime).
pub fn outlive_lock<W: World>(world: &W) {
    world.clock().advance(shoper_systim::engine::lock::LOCK_STALE_MS + 1);
}

pub fn order_id(o: &Value) -> u64 {
    super::oracle::num(&o["order_id"]) as u64
}

/// What the merchant owns on both sides (catalogue, stock, orders) — not tokens, buckets or call
/// counters, which every call moves.
pub fn business_state<W: World>(world: &W) -> Value {
    let s = world.state();
    json!({
        "shop_products": s["shoper"]["products"],
        "shop_orders": s["shoper"]["orders"],
        "shop_categories": s["shoper"]["categories"],
        "systim_products": s["systim"]["products"],
        "systim_orders": s["systim"]["orders"],
        "systim_companies": s["systim"]["companies"],
    })
}

/// The start date of [`demo_settings`].
pub const START_DATE: &str = "2026-11-01";

/// Orders in Systim compared with what the shop demands.
pub fn audit<W: World>(world: &W) -> super::oracle::OrderAudit {
    super::oracle::audit_orders(&world.state(), START_DATE, systim_product_id(world, "DOSTAWA"))
}

/// Every eligible order is in Systim exactly once with the shop's lines; nothing else is.
pub fn assert_orders_settled<W: World>(world: &W) {
    let audit = audit(world);
    assert!(audit.is_clean(), "orders in Systim differ from the shop: {audit:?}");
}

/// Every eligible row carries the demanded value; every other row still has its value from
/// `before`.
pub fn assert_stock_as_demanded<W: World>(world: &W, before: &std::collections::BTreeMap<u64, i64>) {
    let state = world.state();
    let expected = super::oracle::expected_stock_in(world, &state);
    let now = super::oracle::shop_stock_in(world, &state);
    for (stock_id, value) in &now {
        match (expected.get(stock_id), before.get(stock_id)) {
            (Some(want), _) => assert_eq!(value, want, "stock row {stock_id}: {value} instead of the demanded {want}"),
            (None, Some(old)) => assert_eq!(value, old, "ineligible stock row {stock_id} changed from {old} to {value}"),
            (None, None) => {}
        }
    }
}

/// No row the engine changed since `before` offers more than Systim has minus what imported
/// open orders reserve (the shop must never sell again what an order already took).
pub fn assert_nothing_unsold<W: World>(world: &W, before: &std::collections::BTreeMap<u64, i64>) {
    let state = world.state();
    let expected = super::oracle::expected_stock_in(world, &state);
    let now = super::oracle::shop_stock_in(world, &state);
    for (stock_id, want) in &expected {
        let value = now[stock_id];
        if before.get(stock_id) != Some(&value) {
            assert!(value <= *want, "stock row {stock_id} was set to {value}, more than the {want} Systim has left after reservations");
        }
    }
}
