//! The sales documents of imported orders (issue #16, `docs/invoicing.md`): one document per
//! order whatever fails, on a strict Systim account unless a test says otherwise.

mod common;

use common::harness::*;
use common::world::World;
use common::InProcess;
use serde_json::{json, Value};
use shoper_systim::engine::report::{Report, RunKind};
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::Settings;

/// Shoper's "przesyłka wysłana": the status that triggers the document in these tests.
const SENT: u64 = 7;

fn invoicing(world: &InProcess) -> Settings {
    let mut s = demo_settings(world);
    s.orders.link_contractors = true;
    s.invoicing.enabled = true;
    s.invoicing.trigger_statuses = vec![SENT];
    s
}

/// An engine with invoicing on, after a first orders run (which imports the demo's orders and
/// starts the feed of triggered orders).
fn started(world: &InProcess, settings: Settings) -> TestEngine {
    let engine = engine_with(world, MemStorage::new(), settings);
    run_ok(&engine, RunKind::Orders);
    engine
}

/// Shop orders imported into Systim (by their marker), in id order.
fn imported(world: &InProcess) -> Vec<u64> {
    let mut ids: Vec<u64> = common::oracle::systim_orders_by_marker(&world.state()).into_keys().collect();
    ids.sort_unstable();
    ids
}

fn ship(world: &InProcess, id: u64) {
    world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": SENT})));
}

fn marker(id: u64) -> String {
    format!("Shoper {id} @ {SHOP_HOST}")
}

/// Documents in Systim carrying this order's marker.
fn documents(world: &InProcess, id: u64) -> usize {
    world.sandbox.borrow().systim.invoices_with_marker(&marker(id))
}

fn all_documents(world: &InProcess) -> Vec<Value> {
    world.systim_state()["invoices"].as_array().cloned().unwrap_or_default()
}

fn section<'r>(report: &'r Report, kind: &str) -> Option<&'r shoper_systim::engine::report::Section> {
    report.sections.iter().find(|s| serde_json::to_value(s.kind).unwrap() == kind)
}

fn shop_order(world: &InProcess, id: u64) -> Value {
    shop_orders(world).into_iter().find(|o| order_id(o) == id).unwrap()
}

#[test]
fn an_order_that_reaches_the_status_gets_one_document_with_the_shops_total() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    assert!(all_documents(&world).is_empty(), "no document for orders that were not shipped after invoicing was switched on");
    let ids = imported(&world);
    assert!(ids.len() >= 3, "{ids:?}");
    for id in &ids[..3] {
        ship(&world, *id);
    }
    let report = run_ok(&engine, RunKind::Orders);
    let docs = section(&report, "invoices").expect("the documents' section");
    eprintln!("{}", serde_json::to_string_pretty(docs).unwrap());
    for id in &ids[..3] {
        assert_eq!(documents(&world, *id), 1, "order {id}");
        let sum = common::oracle::grosze(&shop_order(&world, *id)["sum"]);
        let doc = all_documents(&world).into_iter().find(|d| d["uwagi"] == marker(*id)).unwrap();
        assert_eq!(doc["kwota_brutto_grosze"].as_i64().unwrap(), sum, "order {id}: {doc}");
    }
    assert_eq!(docs.counts.done, 3);
    for _ in 0..2 {
        run_ok(&engine, RunKind::Orders);
    }
    assert_eq!(all_documents(&world).len(), 3, "a later run issued again");
}
