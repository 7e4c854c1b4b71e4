#![cfg(not(target_arch = "wasm32"))]
//! Faults of both services during real runs: expired and killed tokens, missing permissions,
//! rate limits, server errors, wrong keys, refused fields, slow answers. After each, the
//! sandbox's state is what the rules demand — or untouched, with a clear error.

mod common;

use common::harness::*;
use common::oracle::shop_stock;
use serde_json::json;
use shoper_systim::engine::connection::Connection;
use shoper_systim::engine::report::{Outcome, Report, RunKind};

fn error_code(report: &Report) -> &str {
    report.error.as_ref().map(|e| e.code.as_str()).unwrap_or("")
}

/// A `SendStock` run that must end as if nothing had gone wrong.
fn assert_recovers(world: &common::InProcess, engine: &TestEngine) {
    let before = shop_stock(world);
    let report = run_ok(engine, RunKind::SendStock);
    assert!(matches!(report.summary.outcome, Outcome::Ok | Outcome::Partial), "{:?}", report.summary);
    assert_orders_settled(world);
    assert_stock_as_demanded(world, &before);
}

#[test]
fn a_shoper_token_expiring_mid_run_is_renewed_and_the_run_completes() {
    let (world, engine) = setup();
    let w = world.clone();
    world.before_call("/webapi/rest/bulk", 1, move || w.sandbox.borrow_mut().shoper.expire_tokens());
    assert_recovers(&world, &engine);
}

#[test]
fn a_systim_session_killed_mid_run_is_renewed_without_a_duplicate() {
    let (world, engine) = setup();
    let w = world.clone();
    world.before_call("act=addOrder", 3, move || w.sandbox.borrow_mut().systim.kill_tokens());
    assert_recovers(&world, &engine);
}

/// Every scope of every area the sandbox's shop knows but `missing`: a WebAPI user the merchant
/// set up without it.
fn scopes_without(missing: &str) -> serde_json::Value {
    let granted: Vec<String> =
        sandbox::shoper::AREAS.iter().flat_map(|a| ["read", "create", "edit", "delete"].map(|x| format!("{a}:{x}"))).filter(|s| s != missing).collect();
    json!({ "user_scopes": granted })
}

#[test]
fn a_missing_permission_stops_the_run_naming_it_and_changes_nothing() {
    let cases = [("orders:read", RunKind::SendStock, "Zamówienia: odczyt"), ("products:edit", RunKind::Stock, "Produkty: edycja")];
    for (missing, kind, named) in cases {
        let (world, engine) = setup();
        configure_shoper(&world, scopes_without(missing));
        let before = business_state(&world);
        let report = run(&engine, kind, false);
        assert_eq!(error_code(&report), "shoper_permission_missing", "{missing}: {:?}", report.error);
        assert!(report.error.as_ref().unwrap().message_pl.contains(named), "{:?}", report.error);
        assert_eq!(business_state(&world), before, "{missing}");
        configure_shoper(&world, json!({"user_scopes": ["*"]}));
        assert_recovers(&world, &engine);
    }
}

#[test]
fn a_burst_of_rate_limits_is_waited_out() {
    let (world, engine) = setup();
    inject(&world, "shoper", "http429", 3, "");
    inject(&world, "shoper", "http429", 2, "bulk");
    assert_recovers(&world, &engine);
    assert!(world.clock.slept_ms() > 0);
}

/// A 429 to `addOrder` may answer the browser's own resend of a copy already written: the
/// order is not sent again on its strength. The sends stop for the run (a note says why), the
/// order is looked up by its marker, and the next run sends what is provably absent — each
/// order once.
#[test]
fn a_rate_limited_import_is_looked_up_before_it_is_sent_again() {
    let (world, engine) = setup_generous();
    let before = shop_stock(&world);
    inject(&world, "systim", "http429", 2, "addOrder");
    let first = run_ok(&engine, RunKind::SendStock);
    assert!(all_reasons(&first).contains(&"systim_throttled_sends"), "{:?}", all_reasons(&first));
    let sends = || world.sandbox.borrow().log.iter().filter(|e| e.act == "addOrder").count();
    assert_eq!(sends(), 1, "the sends went on after Systim refused one");
    run_ok(&engine, RunKind::SendStock);
    assert_eq!(sends(), 2, "refused again: the sends stop again");
    run_ok(&engine, RunKind::SendStock);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
}

#[test]
fn stock_writes_refused_by_a_lasting_rate_limit_are_reported_and_made_by_the_next_run() {
    let (world, engine) = setup();
    let before = shop_stock(&world);
    let w = world.clone();
    world.before_call("PUT", 1, move || inject(&w, "shoper", "http429", 1_000, "bulk"));
    let report = run(&engine, RunKind::Stock, false);
    let reasons = problem_reasons(&report);
    assert!(reasons.contains(&"stock_write_failed"), "{reasons:?}");
    assert_eq!(shop_stock(&world), before);
    world.control("DELETE", "/faults", json!(null));
    assert_recovers(&world, &engine);
}

/// A fault: service, kind, how many calls, which (a path part, `bulk:<path part>` or a Systim `act`).
type Fault = (&'static str, &'static str, u32, &'static str);

/// A demo run under these faults ends as if nothing had gone wrong — and every fault was met
/// (a rule that matches no call would make the test pass without testing anything).
fn recovers_from(faults: &[Fault]) {
    let (world, engine) = setup_generous();
    let injected = |w: &common::InProcess| w.state()["faults"]["injected"].as_u64().unwrap();
    let before = injected(&world);
    for (service, kind, count, matching) in faults {
        inject(&world, service, kind, *count, matching);
    }
    assert_recovers(&world, &engine);
    let wanted: u64 = faults.iter().map(|f| u64::from(f.2)).sum();
    assert_eq!(injected(&world) - before, wanted, "every fault of {faults:?} must have fired during the run");
}

#[test]
fn server_errors_and_error_pages_on_reads_are_retried() {
    recovers_from(&[
        ("shoper", "http500", 2, "bulk:products"),
        ("shoper", "http503", 1, "bulk:orders"),
        ("shoper", "html_page", 1, "bulk:statuses"),
        ("systim", "http500", 1, "listProducts"),
        ("systim", "html_page", 2, "listPQuantities"),
        ("systim", "http503", 1, "listOrders"),
    ]);
}

#[test]
fn answers_slower_than_the_timeout_are_retried_for_reads() {
    recovers_from(&[("shoper", "slow", 1, "bulk:categories"), ("systim", "slow", 1, "listVatRates"), ("systim", "drop_after_commit", 1, "listOrders")]);
}

#[test]
fn a_throttling_systim_account_is_waited_out() {
    let (world, engine) = setup_generous();
    let before = shop_stock(&world);
    configure_systim(&world, json!({"throttle_per_minute": 4}));
    // Each run (a minute apart) sends until Systim says "enough"; what it refused is looked up
    // before it is sent again.
    for _ in 0..12 {
        run_ok(&engine, RunKind::SendStock);
        world.clock.advance(60_000);
    }
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &before);
    let refused = world.sandbox.borrow().log.iter().filter(|e| e.act == "addOrder" && e.status == 200).count();
    assert!(refused > systim_orders(&world).len(), "the imports were not throttled");
}

#[test]
fn a_wrong_key_on_either_side_stops_the_run_with_a_clear_error_and_changes_nothing() {
    type Tamper = fn(&mut Connection);
    let cases: [(Tamper, &str); 2] =
        [(|c| c.systim_key = "zly-klucz-api".into(), "systim_wrong_credentials"), (|c| c.shoper_password = "Zle!Haslo".into(), "shoper_auth_failed")];
    for (tamper, code) in cases {
        let (world, engine) = setup();
        let mut wrong = connection(&world);
        tamper(&mut wrong);
        pollster::block_on(engine.save_connection(wrong)).unwrap();
        let before = business_state(&world);
        let report = run(&engine, RunKind::SendStock, false);
        assert_eq!(error_code(&report), code);
        assert_eq!(business_state(&world), before);
        pollster::block_on(engine.save_connection(connection(&world))).unwrap();
        assert_recovers(&world, &engine);
    }
}

#[test]
fn orders_systim_refuses_field_by_field_are_held_with_the_field_and_imported_once_fixed() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.default_delivery_id = Some(99);
    let engine = engine_with(&world, shoper_systim::mem::MemStorage::new(), settings.clone());
    let report = run(&engine, RunKind::Orders, false);
    assert!(systim_orders(&world).is_empty());
    let refused: Vec<&str> =
        report.sections[0].problems.iter().filter(|g| g.reason == "systim_invalid_fields").flat_map(|g| &g.items).map(|i| i.detail_pl.as_str()).collect();
    assert_eq!(refused.len(), 11, "{:?}", report.sections[0].problems);
    assert!(refused.iter().all(|t| t.contains("id_dostawy")), "{refused:?}");
    settings.orders.default_delivery_id = Some(1);
    pollster::block_on(engine.save_settings(settings)).unwrap();
    assert_recovers(&world, &engine);
}
