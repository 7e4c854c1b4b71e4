#![cfg(not(target_arch = "wasm32"))]
//! Orders with a discount on the whole order, through the engine against the in-process sandbox:
//! each kind the demo holds (percent, amount, free-shipping and 100 % codes, a customer's, group
//! and threshold discounts), both ways a shop may show a discount on its lines, and the setting
//! that holds them — asserted from the sandbox's state.

mod common;

use common::harness::*;
use common::oracle::{grosze, id, systim_orders_by_marker};
use serde_json::{json, Value};
use shoper_systim::engine::report::{Report, RunKind};
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::OrderDiscountPolicy;

/// The demo's discounted orders the default settings import, and the discount each spreads.
const SPREAD: [(u64, &str); 5] = [(5, "15,75 zł"), (13, "20,00 zł"), (15, "13,60 zł"), (16, "30,00 zł"), (17, "9,93 zł")];

fn shop_order(world: &impl common::world::World, order_id: u64) -> Value {
    world.state()["shoper"]["orders"].as_array().unwrap().iter().find(|o| id(&o["order_id"]) == order_id).unwrap().clone()
}

/// The Systim copy of a shop order (exactly one).
fn systim_copy(world: &impl common::world::World, order_id: u64) -> Value {
    let copies = systim_orders_by_marker(&world.state()).remove(&order_id).unwrap_or_default();
    assert_eq!(copies.len(), 1, "order {order_id} in Systim {} times", copies.len());
    copies[0].clone()
}

fn notes<'r>(report: &'r Report, reason: &str) -> Vec<&'r str> {
    report
        .sections
        .iter()
        .flat_map(|s| s.notes.iter().chain(&s.problems))
        .filter(|g| g.reason == reason)
        .flat_map(|g| &g.items)
        .map(|i| i.detail_pl.as_str())
        .collect()
}

#[test]
fn every_kind_of_discount_in_the_demo_arrives_with_the_shops_total() {
    let (world, engine) = setup();
    let report = run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
    for (order_id, amount) in SPREAD {
        let copy = systim_copy(&world, order_id);
        assert_eq!(id(&copy["suma_brutto_grosze"]) as i64, grosze(&shop_order(&world, order_id)["sum"]), "order {order_id}");
        let noted = notes(&report, "order_discount_spread");
        assert!(noted.iter().any(|t| t.contains(&format!("zamówienie {order_id};")) && t.contains(amount)), "order {order_id} ({amount}) not noted: {noted:?}");
    }
    // The free-shipping code: nothing to spread, no shipping line although the courier has a price.
    let free = systim_copy(&world, 14);
    assert_eq!(free["lines"].as_array().unwrap().len(), 1);
    assert_eq!(id(&free["suma_brutto_grosze"]), 4_580);
    // The 100 % code: the mug at 0,00 zł, the shipping as charged.
    let all = systim_copy(&world, 16);
    let prices: Vec<i64> = all["lines"].as_array().unwrap().iter().map(|l| grosze(&l["sent"]["cena"])).collect();
    assert_eq!(prices, [0, 1_499]);
    // Three books cannot be worth 179,70 zł − their share: the pack of tea at the same rate
    // carries the grosz (both lines at 5 %).
    let group = systim_copy(&world, 17);
    let lines: Vec<(i64, i64)> = group["lines"].as_array().unwrap().iter().map(|l| (id(&l["ilosc_milli"]) as i64, grosze(&l["sent"]["cena"]))).collect();
    assert_eq!(lines, [(3_000, 5_690), (1_000, 1_806)], "170,70 + 18,06 = 188,76 zł");
    assert!(notes(&report, "totals_mismatch").is_empty());
    // A second run changes nothing.
    let count = systim_orders(&world).len();
    run_ok(&engine, RunKind::Orders);
    assert_eq!(systim_orders(&world).len(), count);
}

#[test]
fn the_hold_setting_keeps_discounted_orders_out_and_says_why() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.order_discount = OrderDiscountPolicy::Hold;
    let engine = engine_with(&world, MemStorage::new(), settings.clone());
    let report = run_ok(&engine, RunKind::Orders);
    let held = notes(&report, "order_discount_held");
    assert_eq!(held.len(), SPREAD.len(), "{held:?}");
    for (order_id, _) in SPREAD {
        assert_eq!(marker_count(&world, order_id), 0, "order {order_id} imported although held");
    }
    assert_eq!(marker_count(&world, 14), 1, "a free-shipping code needs no spreading");
    assert_eq!(marker_count(&world, 1), 1);
    // Switched to spreading, the next run imports them.
    settings.orders.order_discount = OrderDiscountPolicy::Spread;
    pollster::block_on(engine.save_settings(settings)).unwrap();
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
}

/// Storefront orders with each discount, placed in a shop that writes discounts `knob`'s way.
fn imported_in(knob: &str) -> Vec<(u64, i64, i64)> {
    let (world, engine) = setup();
    configure_shoper(&world, json!({"order_discounts": knob}));
    let specs = [
        json!({"lines": [{"code": "KUB-300", "quantity": 2}, {"code": "HER-ZIE-100", "quantity": 3}, {"code": "PIE-CZA-KG", "quantity": "1.25"}], "shipping_cost": "14.99", "promo_code": "ZIMA10", "discount_client": "5"}),
        json!({"lines": [{"code": "HER-AMP", "quantity": 3}, {"code": "KUB-300", "quantity": 1}], "shipping_cost": "14.99", "promo_code": "RABAT20"}),
        json!({"lines": [{"code": "KSI-HERB", "quantity": 2}], "shipping_cost": "12.99", "discount_group": "7.5", "discount_levels": "2"}),
        json!({"lines": [{"code": "HER-ZIE-100", "quantity": 1}], "shipping_cost": "14.99", "promo_code": "LATO15"}),
    ];
    let placed: Vec<u64> = specs.iter().map(|s| world.control("POST", "/orders", s.clone())["order_id"].as_u64().unwrap()).collect();
    let report = run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
    assert!(notes(&report, "totals_mismatch").is_empty() && notes(&report, "order_discount_unspreadable").is_empty(), "{knob}");
    placed.iter().map(|&o| (o, grosze(&shop_order(&world, o)["sum"]), id(&systim_copy(&world, o)["suma_brutto_grosze"]) as i64)).collect()
}

#[test]
fn both_ways_of_showing_a_discount_on_the_lines_come_out_right() {
    for knob in ["sum_only", "in_line_prices", "line_discount_perc"] {
        for (order_id, shop, systim) in imported_in(knob) {
            assert_eq!(systim, shop, "{knob}: order {order_id}");
        }
    }
}
