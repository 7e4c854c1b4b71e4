#![cfg(not(target_arch = "wasm32"))]
//! Storage stays bounded (issue #17): ledger pruning keeps what exactly-once needs, and the
//! figures of docs/storage.md (storage per 1,000 orders).

mod common;

use common::harness::*;
use common::oracle::shop_stock;
use common::world::World;
use common::{InProcess, SHOP_URL};
use pollster::block_on;
use sandbox::{catalogue, Sandbox};
use serde_json::{json, Value};
use shoper_systim::engine::ledger::{Ledger, OrderState};
use shoper_systim::engine::prune;
use shoper_systim::engine::report::{Part, RunKind};
use shoper_systim::engine::store::ShopKeys;
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::{Settings, StartPoint};
use std::collections::BTreeMap;

const DAY_MS: u64 = 86_400_000;

fn add_order_calls(world: &InProcess) -> usize {
    world.sandbox.borrow().log.iter().filter(|e| e.act == "addOrder").count()
}

fn entry_state(engine: &TestEngine, id: u64) -> Option<OrderState> {
    block_on(Ledger::new(&engine.store, ShopKeys::new(SHOP_HOST)).get(id)).unwrap().map(|e| e.state)
}

/// Half a year after the import, settled entries are pruned. With the account unable to list
/// its orders (Systim's markers cannot stand in) and the start point moved back to the start of
/// the year, nothing pruned is imported again; the held order — read again by id — is imported
/// once its product exists; the orders still reserving stock keep their reservation.
#[test]
fn orders_pruned_after_the_setting_are_never_imported_again_and_held_ones_still_are() {
    let (world, engine) = setup();
    let before_stock = shop_stock(&world);
    run_ok(&engine, RunKind::Orders);
    // Orders 1, 2 and 3 were shipped: their lines stop reserving stock at the next stock push.
    for id in [1, 2, 3] {
        world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": 7})));
    }
    run_ok(&engine, RunKind::SendStock);
    let cursor_key = ShopKeys::new(SHOP_HOST).cursor();
    let cursor = engine.store.raw(&cursor_key).unwrap();
    let states: BTreeMap<u64, OrderState> = (1..=12).filter_map(|id| Some((id, entry_state(&engine, id)?))).collect();
    let imported: Vec<u64> = states.iter().filter(|(_, s)| matches!(s, OrderState::Imported { .. })).map(|(id, _)| *id).collect();
    assert_eq!(imported, [1, 2, 3, 5, 7, 10]);
    assert!(matches!(states[&6], OrderState::Held { .. }), "order 6 waits for a product missing in Systim");
    let markers: BTreeMap<u64, usize> = (1..=12).map(|id| (id, marker_count(&world, id))).collect();

    // Half a year and a day later, on an account without listOrders, with the start point moved
    // back: a new order comes in.
    world.clock.advance(181 * DAY_MS);
    configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
    let mut settings = block_on(engine.settings());
    settings.orders.start = StartPoint::Date("2026-01-01".into());
    block_on(engine.save_settings(settings)).unwrap();
    let new = world.control("POST", "/orders", json!({"lines": [{"code": "KUB-300", "quantity": 1}], "shipping_cost": "9.99"}))["order_id"].as_u64().unwrap();
    let sent = add_order_calls(&world);
    run_ok(&engine, RunKind::Orders);
    assert_eq!(add_order_calls(&world) - sent, 1, "only the new order was sent");

    // The run pruned: the shipped imports and the skipped orders; everything else stays.
    let pruned: Vec<u64> = (1..=12).filter(|id| states.contains_key(id) && entry_state(&engine, *id).is_none()).collect();
    assert_eq!(pruned, [1, 2, 3, 4, 8, 9], "pruned");
    for id in [5, 7] {
        assert!(matches!(entry_state(&engine, id), Some(OrderState::Imported { .. })), "order {id} still reserves stock");
    }
    assert!(matches!(entry_state(&engine, 6), Some(OrderState::Held { .. })));
    assert!(matches!(entry_state(&engine, 11), Some(OrderState::Waiting { .. })));
    assert!(matches!(entry_state(&engine, 12), Some(OrderState::Held { .. })));
    assert!(engine.store.raw(&cursor_key).unwrap() != cursor, "the cursor moved past the new order only");
    assert_eq!(engine.store.raw(&cursor_key).unwrap(), format!(r#"{{"last_order_id":{new}}}"#));
    let badges = block_on(engine.order_badges(&[1, 4, 5]));
    assert!(badges["1"].text_pl.contains("szczegóły usunięto"), "{:?}", badges["1"]);
    assert!(badges["4"].text_pl.contains("szczegóły usunięto"), "{:?}", badges["4"]);
    assert!(badges["5"].text_pl.starts_with("w Systim ✓"), "{:?}", badges["5"]);

    // More runs: nothing pruned comes back; the held order is imported once its product exists.
    world.control(
        "POST",
        "/systim/products",
        json!({"products": [{"code": "TYLKO-SKLEP-ZAM", "name": "Tylko w sklepie (zamówienie)", "price_gross": "10.00", "quantity": "5"}]}),
    );
    for _ in 0..3 {
        world.clock.advance(DAY_MS);
        run_ok(&engine, RunKind::SendStock);
    }
    for (id, n) in &markers {
        let want = if *id == 6 { 1 } else { *n };
        assert_eq!(marker_count(&world, *id), want, "order {id}");
    }
    assert_eq!(marker_count(&world, new), 1);
    assert!(matches!(entry_state(&engine, 6), Some(OrderState::Imported { .. })), "the held order was imported");
    // The shop never offers again what the open imported orders took.
    assert_nothing_unsold(&world, &before_stock);
}

/// Bytes as Chrome counts them against `storage.local`'s quota: each key plus the JSON text of
/// its value (our values are strings: quoted and escaped).
fn quota_bytes(key: &str, value: &str) -> usize {
    key.len() + serde_json::to_string(&Value::String(value.to_string())).unwrap().len()
}

#[derive(Default, Debug)]
struct Usage {
    ledger: usize,
    indexes: usize,
    reports: usize,
    other: usize,
}

fn usage(store: &MemStorage) -> Usage {
    let mut u = Usage::default();
    for key in store.keys() {
        let bytes = quota_bytes(&key, &store.raw(&key).unwrap());
        if key.contains(":order:") {
            u.ledger += bytes;
        } else if key.starts_with("shop:") {
            u.indexes += bytes;
        } else if key.starts_with("report:") || key == "history" {
            u.reports += bytes;
        } else {
            u.other += bytes;
        }
    }
    u
}

/// docs/storage.md's figures: 1,000 storefront orders (about three lines each) imported in two
/// runs of 500, then a stock push (every order still open: all reserve stock). Prints the
/// figures; asserts the bounds the document states.
#[test]
fn storage_per_thousand_orders_stays_within_the_documented_figures() {
    const ORDERS: usize = 1_000;
    let mut scenario = catalogue::big(400, ORDERS);
    let shipping = scenario.items.iter_mut().find_map(|i| if i.shop.is_none() { i.systim.as_mut() } else { None }).expect("a Systim-only product");
    shipping.kind = 1;
    let code = shipping.code.clone();
    let world = InProcess::with(Sandbox::from_scenario(scenario));
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    let mut settings = Settings::default();
    settings.orders.shipping_product_id = Some(world.sandbox.borrow().systim.product_ids_by_code(&code)[0]);
    settings.orders.start = StartPoint::OrderId(1);
    settings.orders.default_delivery_id = Some(1);
    settings.orders.default_payment_id = Some(1);
    let engine = engine_with(&world, MemStorage::new(), settings);
    let empty = usage(&engine.store);
    let mut imported = 0;
    let mut biggest_report = 0;
    for kind in [RunKind::Orders, RunKind::Orders, RunKind::SendStock] {
        let report = run_ok(&engine, kind);
        let done: usize = report.sections.iter().filter(|s| s.kind == Part::Orders).map(|s| s.counts.done as usize).sum();
        imported += done;
        let key = format!("report:{}", report.summary.run_id);
        let bytes = quota_bytes(&key, &engine.store.raw(&key).unwrap());
        eprintln!("  {kind:?} run: {done} orders imported, report {:.0} KB", bytes as f64 / 1024.0);
        biggest_report = biggest_report.max(bytes);
        world.clock.advance(60_000);
    }
    assert!(imported >= ORDERS * 9 / 10, "{imported} of {ORDERS} imported");
    let full = usage(&engine.store);
    let per_order_ledger = full.ledger as f64 / imported as f64;
    let per_order_indexes = (full.indexes - empty.indexes) as f64 / imported as f64;
    eprintln!(
        "storage per 1,000 orders ({imported} imported): ledger {:.0} KB ({per_order_ledger:.0} B/order), indexes {:.1} KB, \
         reports+history {:.0} KB (largest report {:.0} KB), other {:.1} KB; total {:.0} KB",
        full.ledger as f64 / 1024.0,
        per_order_indexes * 1000.0 / 1024.0,
        full.reports as f64 / 1024.0,
        biggest_report as f64 / 1024.0,
        full.other as f64 / 1024.0,
        (full.ledger + full.indexes + full.reports + full.other) as f64 / 1024.0,
    );
    // The bounds docs/storage.md states.
    assert!(per_order_ledger <= 260.0, "ledger {per_order_ledger:.0} B per order");
    assert!(per_order_indexes <= 8.0, "indexes {per_order_indexes:.1} B per order");
    assert!(biggest_report <= 200 * 1024, "a 500-order report takes {biggest_report} B");

    // Half a year later, with the orders shipped, a run prunes them all.
    for id in 1..=ORDERS as u64 {
        world.clock.advance(1_000); // the shop's rate limit
        world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": 7})));
    }
    world.clock.advance(181 * DAY_MS);
    run_ok(&engine, RunKind::SendStock);
    let after = usage(&engine.store);
    let left = block_on(prune::record(&engine.store, &ShopKeys::new(SHOP_HOST)));
    eprintln!("after pruning: ledger {:.1} KB, {} entries pruned", after.ledger as f64 / 1024.0, left.removed);
    assert!(after.ledger * 20 < full.ledger, "pruning left {} of {} bytes", after.ledger, full.ledger);
}

/// Sales documents (issue #16) are pruned with their orders, half a year after both settled; an
/// order pruned so that reaches the document's status again is never issued a second document.
/// A document still waiting for its WZ keeps its order's entry (the WZ reads the order's lines).
#[test]
fn documents_are_pruned_with_their_orders_and_never_issued_twice() {
    let world = lean_demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.link_contractors = true;
    settings.invoicing.enabled = true;
    settings.invoicing.trigger_statuses = vec![7];
    let engine = engine_with(&world, MemStorage::new(), settings);
    run_ok(&engine, RunKind::Orders);
    let imported: Vec<u64> = (1..=12).filter(|id| matches!(entry_state(&engine, *id), Some(OrderState::Imported { .. }))).collect();
    let shipped = &imported[..2];
    for id in shipped {
        world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": 7})));
    }
    run_ok(&engine, RunKind::Orders);
    // The stock push sees them shipped: they stop reserving stock.
    run_ok(&engine, RunKind::SendStock);
    let documents = |id: u64| world.sandbox.borrow().systim.invoices_with_marker(&format!("Shoper {id} @ {SHOP_HOST}"));
    for id in shipped {
        assert_eq!(documents(*id), 1, "order {id}");
        assert!(block_on(engine.issued_document(*id)).is_some());
    }
    let document_keys = |engine: &TestEngine| engine.store.keys().into_iter().filter(|k| k.contains(":document:")).count();
    assert_eq!(document_keys(&engine), 2);

    world.clock.advance(181 * DAY_MS);
    run_ok(&engine, RunKind::Orders);
    for id in shipped {
        assert!(entry_state(&engine, *id).is_none(), "order {id} pruned");
        assert!(block_on(engine.issued_document(*id)).is_none(), "its document's entry with it");
    }
    assert_eq!(document_keys(&engine), 0);
    assert_eq!(engine.store.raw(&format!("shop:{SHOP_HOST}:document_ids")).as_deref(), Some("[]"), "the old documents' ids forgotten");

    // The merchant moves the orders back and ships them again: their status changed after the feed.
    for status in [4, 7] {
        world.clock.advance(60_000);
        for id in shipped {
            world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": status})));
        }
    }
    for _ in 0..2 {
        world.clock.advance(60_000);
        let report = run_ok(&engine, RunKind::Orders);
        assert!(!all_reasons(&report).contains(&"invoice_order_not_imported"), "{:?}", all_reasons(&report));
    }
    for id in shipped {
        assert_eq!(documents(*id), 1, "order {id} was issued a second document");
    }
}
