#![cfg(not(target_arch = "wasm32"))]
//! The engine against the in-process sandbox (`demo` scenario): every run kind, asserted from
//! the sandbox's own state — not from the engine's report.

mod common;

use common::harness::*;
use common::oracle::{codes_to_create, shop_code_counts, shop_stock};
use shoper_systim::engine::report::{Outcome, RunKind};

const ALL_KINDS: [RunKind; 6] = [RunKind::Orders, RunKind::Stock, RunKind::Products, RunKind::SendStock, RunKind::SendProducts, RunKind::Auto];

/// The demo's storefront orders the default settings import (the rest: other origins, a
/// cancelled one, a product missing in Systim, an address without a street).
const IMPORTED_DEMO_ORDERS: u32 = 11;

#[test]
fn a_preview_of_any_kind_changes_nothing_on_either_side() {
    let (world, engine) = setup();
    let before = business_state(&world);
    for kind in ALL_KINDS {
        let report = run(&engine, kind, true);
        assert!(report.error.is_none(), "{kind:?}: {:?}", report.error);
        assert!(report.sections.iter().any(|s| s.counts.done > 0), "{kind:?} previews nothing: {report:#?}");
        assert_eq!(business_state(&world), before, "the preview of {kind:?} changed something");
    }
}

#[test]
fn an_orders_run_imports_each_eligible_storefront_order_once_with_the_shop_lines() {
    let (world, engine) = setup();
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
    assert_eq!(audit(&world).imported, IMPORTED_DEMO_ORDERS);
    // Admin-panel, Allegro and API orders stay out.
    for o in shop_orders(&world).iter().filter(|o| o["origin"] != "0") {
        assert_eq!(marker_count(&world, order_id(o)), 0, "order {} of origin {}", o["order_id"], o["origin"]);
    }
    let count = systim_orders(&world).len();
    run_ok(&engine, RunKind::Orders);
    assert_eq!(systim_orders(&world).len(), count, "a second run sent something again");
}

#[test]
fn a_stock_run_writes_what_the_rules_demand_and_leaves_ineligible_rows_alone() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    run_ok(&engine, RunKind::Stock);
    assert_stock_as_demanded(&world, &before);
    assert_ne!(shop_stock(&world), before, "the demo has stock to change");
}

#[test]
fn a_product_run_creates_each_missing_product_once_and_a_second_run_creates_nothing() {
    let (world, engine) = setup();
    let missing = codes_to_create(&world);
    assert!(missing.iter().any(|c| c.starts_with("SYSTIM-")) && missing.len() >= 5, "{missing:?}");
    let before = shop_code_counts(&world);
    run_ok(&engine, RunKind::Products);
    let after = shop_code_counts(&world);
    for code in &missing {
        assert_eq!(after.get(code), Some(&1), "{code} not in the shop exactly once");
    }
    let created: usize = after.values().sum::<usize>() - before.values().sum::<usize>();
    assert_eq!(created, missing.len(), "products created beyond the missing ones");
    assert!(codes_to_create(&world).is_empty());
    run_ok(&engine, RunKind::Products);
    assert_eq!(shop_code_counts(&world), after, "a second run created something");
}

#[test]
fn send_stock_imports_orders_and_pushes_stock_net_of_what_they_reserve() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    run_ok(&engine, RunKind::SendStock);
    assert_orders_settled(&world);
    assert_eq!(audit(&world).imported, IMPORTED_DEMO_ORDERS);
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn send_products_creates_products_imports_orders_and_pushes_stock() {
    let (world, engine) = setup();
    let missing = codes_to_create(&world);
    let before = shop_stock(&world);
    run_ok(&engine, RunKind::SendProducts);
    assert_orders_settled(&world);
    assert!(codes_to_create(&world).is_empty(), "{missing:?} still missing");
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn an_automatic_run_imports_and_pushes_stock_but_creates_no_products() {
    let (world, engine) = setup();
    let missing = codes_to_create(&world);
    let before = shop_stock(&world);
    let report = run_ok(&engine, RunKind::Auto);
    assert_ne!(report.summary.outcome, Outcome::Refused);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
    assert_eq!(codes_to_create(&world), missing, "an automatic run created products without auto_create");
}

/// "Wyślij stany" previewed shows the stock the real run writes: the real run imports the
/// orders first and pushes stock net of what they reserve, so the preview counts the orders
/// it would import too.
#[test]
fn a_send_stock_preview_shows_the_stock_the_real_run_writes() {
    let (_world, engine) = setup();
    let preview = run(&engine, RunKind::SendStock, true);
    let real = run_ok(&engine, RunKind::SendStock);
    let stock = |r: &shoper_systim::engine::report::Report| -> Vec<(String, String)> {
        let section = r.sections.iter().find(|s| s.kind == shoper_systim::engine::report::Part::Stock).expect("a stock section");
        let mut v: Vec<_> = section.done.iter().map(|e| (e.reference.clone(), e.detail_pl.clone())).collect();
        v.sort();
        v
    };
    let (previewed, written) = (stock(&preview), stock(&real));
    assert!(written.iter().any(|(_, d)| d.contains("zarezerwowane")), "the demo's imported orders reserve stock: {written:?}");
    assert_eq!(previewed, written);
}
