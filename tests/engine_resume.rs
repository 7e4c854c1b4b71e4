#![cfg(not(target_arch = "wasm32"))]
//! Runs cut off anywhere and continued by a fresh engine on the same storage (a browser that
//! killed its background), the run lock, and a storage that refuses writes.

mod common;

use common::harness::*;
use common::oracle::shop_stock;
use common::world::World;
use serde_json::json;
use shoper_systim::engine::report::RunKind;
use shoper_systim::engine::RunError;
use shoper_systim::mem::MemStorage;

/// HTTP calls of a full `SendStock` run on the lean demo.
fn calls_of_a_full_run() -> u64 {
    let world = lean_demo_world_in(GENEROUS);
    run_ok(&engine_on(&world, MemStorage::new()), RunKind::SendStock);
    let t = world.traffic.borrow().clone();
    t.shoper_calls + t.systim_calls
}

/// A fresh lean demo, a `SendStock` run killed at call `calls` (served first when `commit`),
/// then a fresh engine on the same storage once the dead run's lock has gone stale.
fn killed_then_resumed(calls: u64, commit: bool) {
    // Generous: an order killed in flight is verified by its marker and sent once; without
    // `listOrders` it is held instead (an_order_killed_in_flight_is_never_sent_again_…).
    let world = lean_demo_world_in(GENEROUS);
    let store = MemStorage::new();
    let before = shop_stock(&world);
    let first = engine_on(&world, store.clone());
    let outcome = run_killed_after(&world, &first, request(RunKind::SendStock), calls, commit);
    assert!(outcome.is_none(), "the run ended before call {calls}");
    drop(first);
    assert_nothing_unsold(&world, &before);
    outlive_lock(&world);
    let second = engine_on(&world, store);
    run_ok(&second, RunKind::SendStock);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn a_run_killed_at_any_call_is_continued_without_a_duplicate_or_a_loss() {
    let total = calls_of_a_full_run();
    assert!(total > 20, "{total} calls");
    for calls in 0..total {
        for commit in [true, false] {
            killed_then_resumed(calls, commit);
        }
    }
}

#[test]
fn an_order_killed_in_flight_is_never_sent_again_when_its_import_cannot_be_verified() {
    let (world, engine) = setup();
    let store = engine.store.clone();
    assert!(run_killed_at(&world, &engine, request(RunKind::Orders), "act=addOrder", true));
    drop(engine);
    configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
    outlive_lock(&world);
    let fresh = engine_resumed(&world, store);
    run_ok(&fresh, RunKind::Orders);
    run_ok(&fresh, RunKind::Orders);
    assert_eq!(marker_count(&world, 1), 1, "the order whose fate is unknown was sent again");
}

#[test]
fn an_unverifiable_import_of_an_order_cancelled_since_stays_before_the_merchant() {
    let (world, engine) = setup();
    let store = engine.store.clone();
    assert!(run_killed_at(&world, &engine, request(RunKind::Orders), "act=addOrder", true));
    // The customer cancels; the account stops answering listOrders.
    world.shop_rest("PUT", "orders/1", Some(&json!({"status_id": 8})));
    configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
    outlive_lock(&world);
    let fresh = engine_resumed(&world, store);
    for _ in 0..2 {
        let report = run_ok(&fresh, RunKind::Orders);
        let unverifiable: Vec<&str> =
            report.sections[0].problems.iter().filter(|g| g.reason == "import_unverifiable").flat_map(|g| &g.items).map(|i| i.reference.as_str()).collect();
        assert_eq!(unverifiable, ["Zamówienie 1"], "the order in Systim for a cancelled shop order is no longer shown");
    }
}

#[test]
fn the_run_after_a_dead_one_says_where_it_died() {
    let world = lean_demo_world();
    let store = MemStorage::new();
    let engine = engine_on(&world, store.clone());
    assert!(run_killed_at(&world, &engine, request(RunKind::SendStock), "PUT", false));
    // A preview in between does not swallow the news.
    outlive_lock(&world);
    let fresh = engine_resumed(&world, store);
    run(&fresh, RunKind::SendStock, true);
    let report = run_ok(&fresh, RunKind::SendStock);
    let note = report.sections[0].notes.iter().find(|g| g.reason == "previous_run_interrupted").expect("the interruption is reported");
    assert!(note.items[0].detail_pl.contains("zapis stanów"), "{:?}", note.items);
}

#[test]
fn a_second_run_while_one_holds_the_lock_is_refused() {
    let (world, engine) = setup();
    let other_worker = engine_on(&world, engine.store.clone());
    let seen = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = seen.clone();
    world.before_call("act=addOrder", 1, move || {
        *slot.borrow_mut() = Some(try_run(&other_worker, request(RunKind::Orders)));
    });
    let report = run_ok(&engine, RunKind::Orders);
    let refused = seen.borrow_mut().take().expect("the second run was attempted");
    assert!(matches!(&refused, Err(RunError::Busy(holder)) if *holder == report.summary.run_id), "{refused:?}");
    assert_orders_settled(&world);
}

#[test]
fn a_dead_runs_lock_holds_off_other_runs_until_it_goes_stale() {
    let (world, engine) = setup();
    let store = engine.store.clone();
    assert!(run_killed_after(&world, &engine, request(RunKind::SendStock), 25, true).is_none());
    let fresh = engine_on(&world, store);
    assert!(matches!(try_run(&fresh, request(RunKind::SendStock)), Err(RunError::Busy(_))));
    outlive_lock(&world);
    let report = run_ok(&fresh, RunKind::SendStock);
    let reasons = all_reasons(&report);
    assert!(reasons.contains(&"previous_run_interrupted"), "{reasons:?}");
    assert_orders_settled(&world);
}

/// Every order of this shop in Systim has its ledger entry (intent or imported) and reserves
/// stock: nothing reached Systim behind the ledger's back.
fn assert_ledger_covers_systim(world: &common::InProcess, store: &MemStorage) {
    let reserving = store.raw(&format!("shop:{SHOP_HOST}:reserving")).unwrap_or_default();
    for (order_id, _) in common::oracle::systim_orders_by_marker(&world.state()) {
        let entry = store.raw(&format!("shop:{SHOP_HOST}:order:{order_id}")).unwrap_or_default();
        assert!(
            entry.contains("\"state\":\"intent\"") || entry.contains("\"state\":\"imported\""),
            "order {order_id} is in Systim but its ledger entry is {entry:?}"
        );
        let ids: Vec<u64> = serde_json::from_str(&reserving).unwrap_or_default();
        assert!(ids.contains(&order_id), "order {order_id} is in Systim but reserves no stock");
    }
}

#[test]
fn a_full_storage_ends_the_run_with_a_clear_error_and_nothing_half_written() {
    let mut failed_runs = 0;
    for room in (0..5_000).step_by(125) {
        let world = lean_demo_world();
        let store = MemStorage::new();
        let engine = engine_on(&world, store.clone());
        let before = shop_stock(&world);
        store.set_quota(Some(store.total_bytes() + room));
        let report = run(&engine, RunKind::SendStock, false);
        if let Some(error) = &report.error {
            failed_runs += 1;
            assert_eq!(error.code, "storage_quota", "room {room}: {error:?}");
            assert!(error.message_pl.contains("Brak miejsca"), "{}", error.message_pl);
        }
        assert_ledger_covers_systim(&world, &store);
        assert_nothing_unsold(&world, &before);
        store.set_quota(None);
        outlive_lock(&world);
        run_ok(&engine, RunKind::SendStock);
        assert_orders_settled(&world);
        assert_stock_as_demanded(&world, &before);
    }
    assert!(failed_runs > 10, "only {failed_runs} runs met a full storage");
}

#[test]
fn a_run_the_merchant_stops_ends_at_a_safe_point_and_the_next_run_finishes_the_work() {
    let world = demo_world();
    let engine = std::rc::Rc::new(engine_on(&world, MemStorage::new()));
    let before = shop_stock(&world);
    let stopper = engine.clone();
    world.before_call("act=addOrder", 3, move || assert!(stopper.cancel(), "the run is going"));
    let report = run(&engine, RunKind::SendStock, false);
    assert_eq!(report.summary.outcome, shoper_systim::engine::report::Outcome::Cancelled);
    assert_eq!(systim_orders(&world).len(), 3, "the import stopped after the order in flight");
    assert_eq!(shop_stock(&world), before, "a cancelled run went on to write stock");
    run_ok(&engine, RunKind::SendStock);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
}
