#![cfg(not(target_arch = "wasm32"))]
//! Product creation: through `/bulk` at a few calls for many products, and under faults — a
//! creation whose answer was lost, a run cut off in the middle of creating, a refused product, a
//! second browser, categories created on the way — never a product (or category) twice.

mod common;

use common::harness::*;
use common::oracle::{codes_to_create, demanded, milli, shop_code_counts, shop_rows};
use common::world::World;
use common::{InProcess, SHOP_URL};
use pollster::block_on;
use sandbox::catalogue::{self, Scenario};
use sandbox::{Sandbox, Service};
use serde_json::{json, Value};
use shoper_systim::client::shoper::BulkOp;
use shoper_systim::client::{ShoperAuth, ShoperClient, ShoperConfig};
use shoper_systim::engine::report::{Part, Report, RunKind, Section};
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::{CategoryPolicy, Settings, WarehouseLink};
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

/// Drop the answer of every call that creates something (a category or a product) after the
/// shop has committed it, from the next one on.
fn lose_every_creation_answer(world: &InProcess) {
    let w = world.clone();
    world.before_call("\"translations\"", 1, move || {
        inject(&w, "shoper", "drop_after_commit", 1, "/webapi/rest/");
        lose_every_creation_answer(&w);
    });
}

/// Creations the shop committed without the engine hearing of it: plain `POST`s and the
/// `POST` operations of bulk calls whose answers were lost.
fn creations_lost(world: &InProcess) -> usize {
    let sandbox = world.sandbox.borrow();
    let lost = sandbox.log.iter().filter(|e| e.service == Service::Shoper && e.method == "POST" && !e.delivered);
    lost.map(|e| match e.body.as_ref().and_then(Value::as_array) {
        Some(ops) => ops.iter().filter(|op| op["method"] == "POST").count(),
        None => 1,
    })
    .sum()
}

#[test]
fn creations_whose_answers_were_lost_are_not_repeated() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.products.missing_category = CategoryPolicy::Create;
    let engine = engine_with(&world, shoper_systim::mem::MemStorage::new(), settings);
    let codes = shop_code_counts(&world);
    let categories = category_counts(&world);
    // From the first creation on, every call that creates (categories and products alike)
    // commits and loses its answer (the reading before has passed these paths already).
    lose_every_creation_answer(&world);
    run(&engine, RunKind::Products, false);
    let lost = creations_lost(&world);
    assert!(lost >= 6, "only {lost} creations lost their answers");
    world.clear_hook();
    world.control("DELETE", "/faults", serde_json::Value::Null);
    run_ok(&engine, RunKind::Products);
    run_ok(&engine, RunKind::Products);
    assert!(codes_to_create(&world).is_empty(), "{:?} still missing", codes_to_create(&world));
    assert_eq!(new_duplicates(&codes, &shop_code_counts(&world)), Vec::<String>::new());
    assert_eq!(new_duplicates(&categories, &category_counts(&world)), Vec::<String>::new());
}

#[test]
fn a_product_push_killed_at_any_call_creates_each_product_once() {
    let world = lean_demo_world_in(GENEROUS);
    let probe = engine_on(&world, shoper_systim::mem::MemStorage::new());
    run_ok(&probe, RunKind::SendProducts);
    let calls = world.sandbox.borrow().log.len() as u64;
    for at in 0..calls {
        for commit in [true, false] {
            let world = lean_demo_world_in(GENEROUS);
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

// ---------------------------------------------------------------------------------------------
// Many products in few calls.

/// `total` products, `missing` of them only in Systim (what a push creates), as the benchmark
/// builds its product push (every other product taken out of the shop; `total` well above
/// `2 × missing`, so that every category keeps a product in the shop).
fn shop_missing(total: usize, missing: usize, edit: impl FnOnce(&mut Scenario)) -> InProcess {
    let mut scenario = catalogue::big(total, 0);
    let already = scenario.items.iter().filter(|i| i.shop.is_none()).count();
    for item in scenario.items.iter_mut().skip(1).step_by(2).take(missing - already) {
        item.shop = None;
    }
    assert_eq!(scenario.items.iter().filter(|i| i.shop.is_none()).count(), missing);
    edit(&mut scenario);
    // The generous profile: Systim lists its categories, so each product has one (these tests
    // are about Shoper's side of the push; engine.rs pushes products in the strict profile).
    let world = InProcess::with_systim_profile(Sandbox::from_scenario(scenario), GENEROUS);
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    world
}

fn shoper_calls(world: &InProcess) -> usize {
    world.sandbox.borrow().log.iter().filter(|e| e.service == Service::Shoper).count()
}

/// Shoper calls of a real product run beyond what a preview of it reads (the preview after a
/// first one, so that both find the session token cached), and the report.
fn push_calls(world: &InProcess, engine: &TestEngine) -> (usize, Report) {
    run(engine, RunKind::Products, true);
    let before = shoper_calls(world);
    run(engine, RunKind::Products, true);
    let reads = shoper_calls(world) - before;
    let before = shoper_calls(world);
    let report = run_ok(engine, RunKind::Products);
    (shoper_calls(world) - before - reads, report)
}

fn products_section(report: &Report) -> &Section {
    report.sections.iter().find(|s| s.kind == Part::Products).expect("a products section")
}

/// References of the items of a section's groups with this reason (problems and notes).
fn refs(section: &Section, reason: &str) -> Vec<String> {
    section.problems.iter().chain(&section.notes).filter(|g| g.reason == reason).flat_map(|g| &g.items).map(|i| i.reference.clone()).collect()
}

fn each_once(world: &InProcess, codes: &[String]) {
    let counts = shop_code_counts(world);
    for code in codes {
        assert_eq!(counts.get(code), Some(&1), "{code} not in the shop exactly once");
    }
}

#[test]
fn sixty_new_products_cost_four_shoper_calls_and_each_is_created_once() {
    let world = shop_missing(200, 60, |_| {});
    let engine = engine_with(&world, MemStorage::new(), Settings::default());
    let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
    assert_eq!(missing.len(), 60);
    let products_before: usize = shop_code_counts(&world).values().sum();
    let (calls, report) = push_calls(&world, &engine);
    // A look-up of the first 24 codes; 24 creations with the look-up of the next 24; 24 more
    // with the look-up of the first 24 (after) and the last 12 (before); the last 12 with the
    // look-up of the 24 before them; the final look-up of all 60.
    assert!(calls <= 5, "{calls} Shoper calls for 60 products");
    let section = products_section(&report);
    assert_eq!((section.counts.done, section.counts.failed), (60, 0), "{:?}", section.problems);
    let mut done: Vec<String> = section.done.iter().map(|e| e.reference.clone()).collect();
    done.sort();
    assert_eq!(done, missing);
    each_once(&world, &missing);
    assert_eq!(shop_code_counts(&world).values().sum::<usize>(), products_before + 60);
    assert!(codes_to_create(&world).is_empty());
    let (calls, report) = push_calls(&world, &engine);
    assert_eq!((calls, products_section(&report).counts.done), (0, 0), "a second push did something");
}

#[test]
fn a_bulk_creation_whose_answer_was_lost_is_looked_up_in_the_next_call_and_not_repeated() {
    let world = shop_missing(200, 60, |_| {});
    let engine = engine_with(&world, MemStorage::new(), Settings::default());
    let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
    let products_before: usize = shop_code_counts(&world).values().sum();
    // The first call that creates products commits them and its answer never comes.
    let w = world.clone();
    world.before_call("\"translations\"", 1, move || inject(&w, "shoper", "drop_after_commit", 1, "/webapi/rest/bulk"));
    let report = run(&engine, RunKind::Products, false);
    assert!(creations_lost(&world) >= 24, "the answer of a creation call was not lost");
    // The next call looked the codes up: all 24 were there, none was created again.
    let section = products_section(&report);
    assert_eq!((section.counts.done, section.counts.failed), (60, 0), "{:?}", section.problems);
    each_once(&world, &missing);
    let report = run_ok(&engine, RunKind::Products);
    assert_eq!(products_section(&report).counts.done, 0);
    each_once(&world, &missing);
    assert_eq!(shop_code_counts(&world).values().sum::<usize>(), products_before + 60);
}

#[test]
fn a_product_the_shop_refuses_is_reported_by_its_code_while_the_other_24_are_created() {
    const CATEGORY: &str = "Wyprzedaż";
    let mut refused = String::new();
    let world = shop_missing(100, 25, |sc| {
        // One shop product keeps the category alive in the shop; one new product goes there.
        let kept = sc.items.iter_mut().find(|i| i.shop.is_some()).unwrap();
        kept.shop.as_mut().unwrap().category = CATEGORY.into();
        kept.systim.as_mut().unwrap().category = CATEGORY.into();
        let new = sc.items.iter_mut().filter(|i| i.shop.is_none()).nth(7).unwrap();
        new.systim.as_mut().unwrap().category = CATEGORY.into();
        refused = new.systim.as_ref().unwrap().code.clone();
    });
    let engine = engine_with(&world, MemStorage::new(), Settings::default());
    let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
    assert_eq!(missing.len(), 25);
    // The merchant deletes the category while the push runs: the shop refuses that product.
    let w = world.clone();
    world.before_call("\"translations\"", 1, move || {
        let categories = w.state()["shoper"]["categories"].as_array().unwrap().clone();
        let id = categories.iter().find(|c| c["translations"]["pl_PL"]["name"] == CATEGORY).unwrap()["category_id"].as_str().unwrap().to_string();
        w.shop_rest("DELETE", &format!("categories/{id}"), None);
    });
    let report = run(&engine, RunKind::Products, false);
    let section = products_section(&report);
    assert_eq!(refs(section, "product_create_failed"), vec![refused.clone()]);
    let why = &section.problems.iter().find(|g| g.reason == "product_create_failed").unwrap().items[0];
    assert!(why.detail_pl.contains("category_id") && why.detail_en.contains("category_id"), "{why:?}");
    assert_eq!((section.counts.done, section.counts.failed), (24, 1));
    let created: Vec<String> = missing.iter().filter(|c| **c != refused).cloned().collect();
    each_once(&world, &created);
    assert_eq!(shop_code_counts(&world).get(&refused), None);
}

#[test]
fn a_product_a_second_browser_created_meanwhile_is_found_by_the_look_up_and_not_created_again() {
    let world = shop_missing(200, 60, |_| {});
    let engine = engine_with(&world, MemStorage::new(), Settings::default());
    let preview = run(&engine, RunKind::Products, true);
    let planned: Vec<String> = products_section(&preview).done.iter().map(|e| e.reference.clone()).collect();
    // The 30th product is in the second batch: looked up in the call that creates the first.
    let other = planned[29].clone();
    let w = world.clone();
    let code = other.clone();
    world.before_call("\"translations\"", 1, move || {
        let category = w.state()["shoper"]["categories"][0]["category_id"].as_str().unwrap().to_string();
        let body = json!({"category_id": category, "code": code, "pkwiu": "", "stock": {"price": "10.00"}, "translations": {"pl_PL": {"name": "Z drugiej przeglądarki"}}});
        w.shop_rest("POST", "products", Some(&body));
    });
    let report = run_ok(&engine, RunKind::Products);
    let section = products_section(&report);
    assert_eq!(refs(section, "already_in_shop"), vec![other.clone()]);
    assert_eq!(section.counts.done, 59);
    each_once(&world, &planned);
}

#[test]
fn new_products_of_a_multi_warehouse_shop_get_their_stock_per_warehouse_in_bulk() {
    let world = InProcess::new("warehouses");
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    let mut settings = demo_settings(&world);
    settings.stock.warehouses =
        vec![WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(1) }, WarehouseLink { systim_stores: vec![2], shop_warehouse: Some(2) }];
    let engine = engine_with(&world, MemStorage::new(), settings);
    let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
    assert!(missing.len() >= 5, "{missing:?}");
    let (calls, report) = push_calls(&world, &engine);
    let section = products_section(&report);
    assert_eq!((section.counts.done as usize, section.counts.failed), (missing.len(), 0), "{:?}", section.problems);
    // Creations, row reads and stock writes share the bulk calls: never a call per product.
    assert!(calls <= (2 * missing.len()).div_ceil(25) + 3, "{calls} Shoper calls for {} products", missing.len());
    assert!(world.sandbox.borrow().log.iter().all(|e| !(e.method == "PUT" || e.path.ends_with("/products"))), "a plain write");
    each_once(&world, &missing);
    let state = world.state();
    let shop_code = |p: &Value| match p["kod_produktu"].as_str().unwrap_or("").trim() {
        "" => format!("SYSTIM-{}", p["id"]),
        code => code.to_string(),
    };
    let systim: BTreeMap<String, Value> = state["systim"]["products"].as_array().unwrap().iter().map(|p| (shop_code(p), p["stock_milli"].clone())).collect();
    let fractional: BTreeMap<String, bool> = shop_rows(&world, &state).into_iter().map(|r| (r.code, r.fractional)).collect();
    for product in state["shoper"]["products"].as_array().unwrap() {
        let row = &product["stocks"][0];
        let code = row["code"].as_str().unwrap();
        if !missing.iter().any(|m| m == code) {
            continue;
        }
        let per_store = |store: &str| systim.get(code).map(|s| s[store].as_i64().unwrap_or(0)).unwrap_or(0);
        for (warehouse, store) in [("1", "1"), ("2", "2")] {
            let want = demanded(per_store(store), fractional[code]);
            assert_eq!(milli(&row["warehouses"][warehouse]), want, "{code}: warehouse {warehouse}");
        }
    }
}

/// The sandbox answers what the push sends inside `/bulk` as the reference says Shoper does:
/// a created product's bare id, a refused one's error envelope, and `code IN […]` on
/// `product-stocks` (compared like MySQL's `_ci` collation) — in the order of the operations.
#[test]
fn the_sandbox_answers_product_creations_and_code_look_ups_inside_bulk_like_shoper() {
    let world = shop_missing(100, 1, |_| {});
    let info = world.info();
    let auth = ShoperAuth::WebApiUser {
        login: info["shoper_login"].as_str().unwrap().into(),
        password: shoper_systim::client::Secret::new(info["shoper_password"].as_str().unwrap()),
    };
    let mut shop = ShoperClient::new(&world, &world.clock, ShoperConfig::new(SHOP_URL, auth)).unwrap();
    let body = |code: &str, category: u64| json!({"category_id": category, "categories": [category], "code": code, "pkwiu": "", "tax_id": 1, "stock": {"price": "12.30", "stock": "4"}, "translations": {"pl_PL": {"name": "Nowy", "active": 1}}});
    let look_up = |codes: &[&str]| json!({"limit": 50, "page": 1, "filters": json!({"code": {"in": codes}}).to_string()});
    let ops = [
        BulkOp::post("new", "products", body("NOWY-1", 1)),
        BulkOp::post("refused", "products", body("NOWY-2", 999_999)),
        BulkOp::get("look-up", "product-stocks", look_up(&["nowy-1", "NOWY-2", "KAT-00002", "BRAK-1"])),
    ];
    let answers = block_on(shop.bulk(&ops)).unwrap();
    assert_eq!(answers.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["new", "refused", "look-up"]);
    assert_eq!(answers[0].status, 200);
    let id = answers[0].body.as_u64().expect("a bare id");
    assert_eq!(answers[1].status, 400);
    assert_eq!(answers[1].body["error"], "invalid_request", "{}", answers[1].body);
    assert!(answers[1].body["error_description"].as_str().unwrap().starts_with("Wartość pola 'category_id' jest niepoprawna"), "{}", answers[1].body);
    assert!(answers[1].clone().into_result(&ops[1]).is_err());
    let page = &answers[2].body;
    let mut found: Vec<(&str, String)> =
        page["list"].as_array().unwrap().iter().map(|r| (r["code"].as_str().unwrap(), r["product_id"].as_str().unwrap().to_string())).collect();
    found.sort();
    assert_eq!(found.len(), 2, "{page}");
    assert_eq!(found[1], ("NOWY-1", id.to_string()), "a product created earlier in the same call");
    assert_eq!(found[0].0, "KAT-00002");
    assert_eq!((page["count"].as_str(), page["pages"].as_u64()), (Some("2"), Some(1)));
}

/// The browser resends a creation `/bulk` whose kept-alive connection closed before any answer
/// byte (every product in it written twice), or the resend meets a 429: the next call's look-up
/// finds the copies, the newer ones are deleted, each product is in the shop once and the report
/// says what was repaired. Nothing is retried on the strength of the 429.
#[test]
fn creations_the_browser_resent_are_found_and_their_copies_deleted() {
    for kind in ["write_then_close", "write_then_close_then_429"] {
        let world = shop_missing(200, 60, |_| {});
        world.set_browser_like(true);
        let engine = engine_with(&world, MemStorage::new(), Settings::default());
        let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
        let products_before: usize = shop_code_counts(&world).values().sum();
        let w = world.clone();
        world.before_call("\"translations\"", 1, move || inject(&w, "shoper", kind, 1, "/webapi/rest/bulk"));
        let report = run(&engine, RunKind::Products, false);
        assert_eq!(world.traffic().resent, 1, "{kind}: the browser did not resend");
        let section = products_section(&report);
        assert_eq!((section.counts.done, section.counts.failed), (60, 0), "{kind}: {:?}", section.problems);
        each_once(&world, &missing);
        assert_eq!(shop_code_counts(&world).values().sum::<usize>(), products_before + 60, "{kind}");
        if kind == "write_then_close" {
            let repaired = refs(section, "product_copy_deleted");
            assert_eq!(repaired.len(), 24, "{kind}: every copy of the resent call named: {repaired:?}");
        }
        let again = run_ok(&engine, RunKind::Products);
        assert_eq!(products_section(&again).counts.done, 0);
        each_once(&world, &missing);
    }
}

/// The background dies right after a creation call the browser resent (no look-up after it in
/// this run): the codes were recorded before the call left, and the next run that reads the
/// catalogue deletes the copies.
#[test]
fn copies_left_by_a_run_that_died_after_creating_are_deleted_by_the_next() {
    let world = shop_missing(200, 60, |_| {});
    world.set_browser_like(true);
    let store = MemStorage::new();
    let engine = engine_with(&world, store.clone(), Settings::default());
    let missing: Vec<String> = codes_to_create(&world).into_iter().collect();
    // The first creation call is resent by the browser; the background dies at the call after
    // it, so no look-up of this run sees the copies.
    let w = world.clone();
    world.before_call("\"translations\"", 1, move || {
        inject(&w, "shoper", "write_then_close", 1, "/webapi/rest/bulk");
        w.kill_after(1, false);
    });
    assert!(drive(engine.run(request(RunKind::Products))).is_none(), "the run was not cut off");
    world.heal();
    world.clear_hook();
    outlive_lock(&world);
    let counts = shop_code_counts(&world);
    assert!(missing.iter().any(|c| counts.get(c) == Some(&2)), "no copies to repair: {counts:?}");
    let engine = engine_resumed(&world, store);
    let report = run_ok(&engine, RunKind::Stock);
    let stock = report.sections.iter().find(|s| s.kind == Part::Stock).unwrap();
    assert!(!refs(stock, "product_copy_deleted").is_empty(), "{:?}", stock.notes);
    for code in &missing {
        assert!(shop_code_counts(&world).get(code).copied().unwrap_or(0) <= 1, "{code} left twice");
    }
}
