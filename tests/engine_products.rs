#![cfg(not(target_arch = "wasm32"))]
//! Product creation under faults: a creation whose answer was lost, a run cut off in the middle
//! of creating, categories created on the way — never a product (or category) twice.

mod common;

use common::harness::*;
use common::oracle::{codes_to_create, shop_code_counts};
use shoper_systim::engine::report::RunKind;
use shoper_systim::settings::CategoryPolicy;
use std::collections::BTreeMap;

/// Codes the shop holds more than once now that it did not hold more than once `before`.
fn new_duplicates(before: &BTreeMap<String, usize>, after: &BTreeMap<String, usize>) -> Vec<String> {
    after.iter().filter(|(code, n)| **n > 1 && before.get(*code).copied().unwrap_or(0) < **n).map(|(code, _)| code.clone()).collect()
}

/// Category names of the shop, each with how often it occurs.
fn category_counts(world: &common::InProcess) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in world.state()["shoper"]["categories"].as_array().unwrap() {
        *out.entry(c["translations"]["pl_PL"]["name"].as_str().unwrap_or("").to_string()).or_default() += 1;
    }
    out
}

#[test]
fn creations_whose_answers_were_lost_are_not_repeated() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.products.missing_category = CategoryPolicy::Create;
    let engine = engine_with(&world, shoper_systim::mem::MemStorage::new(), settings);
    let codes = shop_code_counts(&world);
    let categories = category_counts(&world);
    // From the first creation on, every creation (categories and products alike) commits and
    // loses its answer (the reading before has passed these paths already).
    let w = world.clone();
    world.before_call("\"translations\"", 1, move || {
        inject(&w, "shoper", "drop_after_commit", 100, "/webapi/rest/products");
        inject(&w, "shoper", "drop_after_commit", 100, "/webapi/rest/categories");
    });
    run(&engine, RunKind::Products, false);
    let lost = world.sandbox.borrow().log.iter().filter(|e| e.method == "POST" && !e.delivered).count();
    assert!(lost >= 6, "only {lost} creations lost their answers");
    world.control("DELETE", "/faults", serde_json::Value::Null);
    run_ok(&engine, RunKind::Products);
    run_ok(&engine, RunKind::Products);
    assert!(codes_to_create(&world).is_empty(), "{:?} still missing", codes_to_create(&world));
    assert_eq!(new_duplicates(&codes, &shop_code_counts(&world)), Vec::<String>::new());
    assert_eq!(new_duplicates(&categories, &category_counts(&world)), Vec::<String>::new());
}

#[test]
fn a_product_push_killed_at_any_call_creates_each_product_once() {
    let world = lean_demo_world();
    let probe = engine_on(&world, shoper_systim::mem::MemStorage::new());
    run_ok(&probe, RunKind::SendProducts);
    let calls = world.sandbox.borrow().log.len() as u64;
    for at in 0..calls {
        for commit in [true, false] {
            let world = lean_demo_world();
            let store = shoper_systim::mem::MemStorage::new();
            let codes = shop_code_counts(&world);
            let first = engine_on(&world, store.clone());
            assert!(run_killed_after(&world, &first, request(RunKind::SendProducts), at, commit).is_none());
            outlive_lock(&world);
            run_ok(&engine_resumed(&world, store), RunKind::SendProducts);
            assert!(codes_to_create(&world).is_empty(), "cut at {at}: {:?} still missing", codes_to_create(&world));
            assert_eq!(new_duplicates(&codes, &shop_code_counts(&world)), Vec::<String>::new(), "cut at {at}");
            assert_orders_settled(&world);
        }
    }
}
