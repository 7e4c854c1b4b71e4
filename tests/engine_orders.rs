#![cfg(not(target_arch = "wasm32"))]
//! Exactly-once order import under faults: lost and refused `addOrder` answers, an account
//! without `listOrders`, two browsers on one shop. Asserted from the sandbox's state.

mod common;

use common::harness::*;
use common::oracle::shop_stock;
use serde_json::json;
use shoper_systim::engine::report::RunKind;
use common::world::World;
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::{MissingProductPolicy, StatusFilter};

/// The first demo order the engine imports (one line: 2 × KUB-300, shipping).
const FIRST: u64 = 1;

#[test]
fn a_lost_add_order_answer_is_reconciled_on_the_next_run_without_a_duplicate() {
    let (world, engine) = setup();
    inject(&world, "systim", "drop_after_commit", 1, "addOrder");
    run(&engine, RunKind::Orders, false);
    assert_eq!(marker_count(&world, FIRST), 1, "the order whose answer was lost is in Systim");
    run_ok(&engine, RunKind::Orders);
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
}

#[test]
fn an_answer_slower_than_the_timeout_is_not_taken_for_a_failure_to_send_again() {
    let (world, engine) = setup();
    inject(&world, "systim", "slow", 2, "addOrder");
    run(&engine, RunKind::Orders, false);
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
}

#[test]
fn an_import_refused_before_it_was_stored_is_sent_again_once_proven_absent() {
    let (world, engine) = setup();
    for kind in ["http500", "html_page", "http503"] {
        inject(&world, "systim", kind, 1, "addOrder");
    }
    run(&engine, RunKind::Orders, false);
    assert!(audit(&world).missing.len() >= 3, "three imports failed without reaching Systim");
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
}

#[test]
fn an_import_whose_answer_was_lost_reserves_its_stock_in_the_same_run_and_after() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    inject(&world, "systim", "drop_after_commit", 1, "addOrder");
    run(&engine, RunKind::SendStock, false);
    assert_nothing_unsold(&world, &before);
    run_ok(&engine, RunKind::SendStock);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn without_list_orders_an_unanswered_import_is_held_and_never_sent_again() {
    let (world, engine) = setup();
    inject(&world, "systim", "drop_after_commit", 1, "addOrder");
    run(&engine, RunKind::Orders, false);
    configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
    for _ in 0..3 {
        let report = run(&engine, RunKind::Orders, false);
        let held = problem_reasons(&report);
        assert!(held.contains(&"import_unverifiable"), "the merchant is not told: {held:?}");
    }
    assert_eq!(marker_count(&world, FIRST), 1, "an unverifiable import was sent again");
    assert_orders_settled(&world);
}

#[test]
fn a_second_browser_does_not_import_again_what_the_first_imported() {
    let (world, first) = setup();
    run_ok(&first, RunKind::Orders);
    let before = shop_stock(&world);
    let second = engine_on(&world, MemStorage::new());
    run_ok(&second, RunKind::SendStock);
    assert_orders_settled(&world);
    // The second browser's stock push knows those orders took stock.
    assert_nothing_unsold(&world, &before);
}

#[test]
fn a_browser_back_after_a_week_does_not_import_again_what_another_imported() {
    let (world, first) = setup();
    run_ok(&first, RunKind::Orders);
    world.clock.advance(7 * 86_400_000);
    let second = engine_on(&world, MemStorage::new());
    run_ok(&second, RunKind::Orders);
    assert_orders_settled(&world);
}

/// Systim cannot refuse a duplicate, so one gap stays: a second browser's `addOrder` landing
/// between the first browser's last marker check of an order and its `addOrder` (one round trip).
/// Anything earlier — here a whole run of the second browser after the first one read its orders
/// and checked the markers at its start — is caught by the check before each send.
#[test]
fn two_browsers_importing_at_the_same_moment_do_not_double_import() {
    let (world, first) = setup();
    let second = engine_on(&world, MemStorage::new());
    // The first `listOrders` is the check at the start of the sends.
    world.after_call("act=listOrders", 1, move || {
        run_ok(&second, RunKind::Orders);
    });
    run(&first, RunKind::Orders, false);
    run_ok(&first, RunKind::Orders);
    assert_orders_settled(&world);
}

#[test]
fn an_order_waiting_for_its_status_is_imported_once_it_gets_there() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.statuses = StatusFilter::Only(vec![2]);
    let engine = engine_with(&world, MemStorage::new(), settings);
    run_ok(&engine, RunKind::Orders);
    assert!(systim_orders(&world).is_empty(), "orders of an unselected status were imported");
    // The merchant accepts order 1; the cursor has long passed it.
    world.shop_rest("PUT", "orders/1", Some(&json!({"status_id": 2})));
    run_ok(&engine, RunKind::Orders);
    run_ok(&engine, RunKind::Orders);
    assert_eq!(marker_count(&world, 1), 1);
    assert_eq!(systim_orders(&world).len(), 1);
}

#[test]
fn a_product_created_in_systim_whose_answer_was_lost_is_not_created_twice() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.missing_product = MissingProductPolicy::CreateInSystim;
    let engine = engine_with(&world, MemStorage::new(), settings);
    inject(&world, "systim", "drop_after_commit", 1, "addProduct");
    run(&engine, RunKind::Orders, false);
    assert!(world.sandbox.borrow().log.iter().any(|e| e.act == "addProduct" && !e.delivered), "no creation lost its answer");
    run_ok(&engine, RunKind::Orders);
    run_ok(&engine, RunKind::Orders);
    assert_eq!(world.sandbox.borrow().systim.product_ids_by_code("TYLKO-SKLEP-ZAM").len(), 1, "the missing product was created twice");
    assert_eq!(marker_count(&world, 6), 1, "the order that needed it");
}
