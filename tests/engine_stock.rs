#![cfg(not(target_arch = "wasm32"))]
//! The stock push under the rules a merchant relies on: the mass-zero brake, unreadable
//! quantities, reservations of imported orders as they come and go.

mod common;

use common::harness::*;
use common::oracle::{expected_stock, shop_stock};
use common::world::World;
use serde_json::json;
use shoper_systim::engine::report::{Outcome, RunKind};
use shoper_systim::engine::RunRequest;

/// Set a Systim product's quantity in the main store, as a warehouse document would.
fn set_quantity(world: &common::InProcess, code: &str, quantity: &str) {
    let product_id = systim_product_id(world, code);
    world.control("POST", "/systim/stock", json!({"product_id": product_id, "store_id": 1, "quantity": quantity}));
}

/// Codes of the demo's regular products the stock rules apply to (`KAT-…`).
fn eligible_regular_codes(world: &common::InProcess) -> Vec<String> {
    let state = world.state();
    let eligible = expected_stock(world);
    common::oracle::shop_rows(world, &state).into_iter().filter(|r| r.code.starts_with("KAT-") && eligible.contains_key(&r.stock_id)).map(|r| r.code).collect()
}

#[test]
fn zeroing_a_large_share_of_the_shop_waits_for_confirmation() {
    let (world, engine) = setup();
    let codes = eligible_regular_codes(&world);
    for code in &codes[..codes.len() / 2] {
        set_quantity(&world, code, "0");
    }
    let before = shop_stock(&world);
    let report = run(&engine, RunKind::Stock, false);
    assert_eq!(report.summary.outcome, Outcome::Refused);
    assert_eq!(shop_stock(&world), before, "a refused push wrote something");
    let reasons = problem_reasons(&report);
    assert!(reasons.contains(&"mass_zero_brake"), "{reasons:?}");
    let confirmed = try_run(&engine, RunRequest { kind: RunKind::Stock, dry_run: false, confirm_zeroing: true }).unwrap();
    assert_ne!(confirmed.summary.outcome, Outcome::Refused);
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn quantities_systim_does_not_give_are_never_taken_for_zero() {
    let (world, engine) = setup();
    // An account in advanced warehouse mode gives quantities only per warehouse, and this one
    // does not answer that method.
    configure_systim(&world, json!({"warehouse_mode": "advanced", "disabled_methods": ["listPQuantities"]}));
    let before = shop_stock(&world);
    let report = run(&engine, RunKind::Stock, false);
    assert_ne!(report.summary.outcome, Outcome::Failed, "{:?}", report.error);
    assert_eq!(shop_stock(&world), before, "stock written without Systim's quantities");
}

#[test]
fn an_imported_order_stops_reserving_once_the_shop_has_sent_it() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    run_ok(&engine, RunKind::SendStock);
    assert_stock_as_demanded(&world, &before);
    let mug = stock_id_of(&world, "KUB-300");
    let reserved = shop_stock(&world)[&mug];
    // Order 1 (2 × KUB-300) is shipped: Systim's figure is what counts for it from now on.
    world.shop_rest("PUT", "orders/1", Some(&json!({"status_id": 7})));
    run_ok(&engine, RunKind::Stock);
    assert_stock_as_demanded(&world, &before);
    assert_eq!(shop_stock(&world)[&mug], reserved + 2_000, "the shipped order's 2 mugs still held back");
}

fn stock_id_of(world: &common::InProcess, code: &str) -> u64 {
    let state = world.state();
    common::oracle::shop_rows(world, &state).into_iter().find(|r| r.code == code).expect("row").stock_id
}

#[test]
fn an_order_placed_between_runs_is_imported_and_its_units_stay_sold() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    run_ok(&engine, RunKind::SendStock);
    let placed = world.control(
        "POST",
        "/orders",
        json!({"lines": [{"code": "KAW-ETI-250", "quantity": 2}, {"code": "HER-AMP", "quantity": 1}], "shipping_cost": "14.99"}),
    );
    let order_id = placed["order_id"].as_u64().unwrap();
    run_ok(&engine, RunKind::SendStock);
    assert_eq!(marker_count(&world, order_id), 1);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
}
