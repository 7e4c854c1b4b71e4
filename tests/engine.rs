#![cfg(not(target_arch = "wasm32"))]
//! The engine against the in-process sandbox (`demo` scenario): every run kind, asserted from
//! the sandbox's own state — not from the engine's report.

mod common;

use common::{InProcess, SHOP_URL, SYSTIM_URL};
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::report::{Outcome, Report, RunKind};
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::mem::{MemStorage, VirtualClock};
use shoper_systim::settings::{IdMapping, Settings, StartPoint};

type TestEngine = Engine<InProcess, MemStorage, VirtualClock>;

fn connection(world: &InProcess) -> Connection {
    let info = world.sandbox.borrow().info();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    Connection {
        shop_url: SHOP_URL.into(),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: s("shoper_login"),
        shoper_password: s("shoper_password"),
        shoper_token: String::new(),
        systim_account: SYSTIM_URL.into(),
        systim_login: s("systim_login"),
        systim_key: s("systim_key"),
    }
}

fn systim_product_id(world: &InProcess, code: &str) -> u64 {
    world.sandbox.borrow().systim.product_ids_by_code(code)[0]
}

fn demo_settings(world: &InProcess) -> Settings {
    let mut s = Settings::default();
    s.orders.start = StartPoint::Date("2026-11-01".into());
    s.orders.shipping_product_id = Some(systim_product_id(world, "DOSTAWA"));
    s.orders.default_delivery_id = Some(1);
    s.orders.default_payment_id = Some(1);
    s.orders.payment_mapping = vec![IdMapping { shop_id: 1, systim_id: 1 }];
    s
}

fn engine_on(world: &InProcess, store: MemStorage) -> TestEngine {
    let engine = Engine::new(world.clone(), store, world.clock.clone());
    block_on(async {
        engine.save_connection(connection(world)).await.expect("connection");
        engine.save_settings(demo_settings(world)).await.expect("settings");
    });
    engine
}

fn setup() -> (InProcess, TestEngine) {
    let world = InProcess::new("demo");
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    let engine = engine_on(&world, MemStorage::new());
    (world, engine)
}

fn run(engine: &TestEngine, kind: RunKind, dry_run: bool) -> Report {
    block_on(engine.run(RunRequest { kind, dry_run, confirm_zeroing: false })).expect("run starts")
}

fn systim_orders(world: &InProcess) -> Vec<Value> {
    world.state()["systim"]["orders"].as_array().cloned().unwrap_or_default()
}

fn marker_count(world: &InProcess, order_id: u64) -> usize {
    world.sandbox.borrow().systim.orders_with_marker(&format!("Shoper {order_id} @ 127.0.0.1:18001"))
}

fn shop_orders(world: &InProcess) -> Vec<Value> {
    world.state()["shoper"]["orders"].as_array().cloned().unwrap()
}

/// Storefront orders of the demo that the default settings import.
fn importable_storefront_ids(world: &InProcess) -> Vec<u64> {
    let state = world.state();
    let statuses = state["shoper"]["orders"].as_array().unwrap().clone();
    statuses
        .iter()
        .filter(|o| o["origin"] == "0" && o["status_id"] != "8")
        .map(|o| o["order_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_dry_run_of_orders_changes_nothing_and_lists_what_would_happen() {
    let (world, engine) = setup();
    let before = world.state();
    let report = run(&engine, RunKind::Orders, true);
    assert_eq!(report.summary.outcome == Outcome::Failed, false, "{:?}", report.error);
    let orders = &report.sections[0];
    assert!(orders.counts.done > 0, "{report:#?}");
    assert_eq!(systim_orders(&world).len(), 0);
    assert_eq!(world.state()["systim"]["orders"], before["systim"]["orders"]);
    let reasons: Vec<&str> = orders.problems.iter().chain(&orders.notes).map(|g| g.reason.as_str()).collect();
    assert!(reasons.contains(&"origin_not_selected"), "{reasons:?}");
}

#[test]
fn orders_are_imported_once_with_their_lines_and_a_second_run_adds_nothing() {
    let (world, engine) = setup();
    let report = run(&engine, RunKind::Orders, false);
    assert!(report.error.is_none(), "{:?}", report.error);
    let imported = systim_orders(&world).len();
    assert!(imported >= 5, "{report:#?}");
    // Every imported order is in Systim exactly once, with the marker of its shop order.
    for o in shop_orders(&world) {
        let id: u64 = o["order_id"].as_str().unwrap().parse().unwrap();
        let n = marker_count(&world, id);
        assert!(n <= 1, "order {id} imported {n} times");
        if o["origin"] != "0" {
            assert_eq!(n, 0, "order {id} of origin {} must not be imported", o["origin"]);
        }
    }
    let again = run(&engine, RunKind::Orders, false);
    assert!(again.error.is_none());
    assert_eq!(systim_orders(&world).len(), imported, "{again:#?}");
    let _ = importable_storefront_ids(&world);
}
