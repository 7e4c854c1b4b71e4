//! The whole product against Systim as public code shows it (issue #12): the strict sandbox
//! profile, in which only the confirmed methods exist (`login`, `listProducts`, `listVatRates`,
//! `listPQuantities`, `listCompanies`, `addCompany`, `addProduct`, `addOrder`) and every assumed
//! one (`listCategories`, `listStores`, `listOrders`, `listDeliveryMethods`,
//! `listPaymentMethods`) is refused the way real Systim plausibly refuses an unknown `act`.
//! A run never fails because of an assumed method, reads only what it uses, and says what the
//! missing ones cost.

mod common;

use common::harness::*;
use common::oracle::{codes_to_create, id, shop_code_counts};
use common::world::World;
use common::InProcess;
use pollster::block_on;
use sandbox::systim::config::Profile;
use serde_json::json;
use shoper_systim::engine::check::CheckStatus;
use shoper_systim::engine::report::{Outcome, Part, Report, RunKind};
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::Settings;

/// Systim calls of `act` in the sandbox's log so far.
fn calls_of(world: &InProcess, act: &str) -> usize {
    world.sandbox.borrow().log.iter().filter(|e| e.act == act).count()
}

/// The demo settings as a new merchant has them before reading any report: the seed's rules on
/// (same category required) and no default category for new products.
fn fresh_merchant_settings(world: &InProcess) -> Settings {
    let mut s = demo_settings(world);
    let d = Settings::default();
    s.stock.require_same_category = d.stock.require_same_category;
    s.products.default_category_id = d.products.default_category_id;
    s
}

fn reasons(report: &Report, part: Part, notes: bool) -> Vec<String> {
    report.sections.iter().filter(|s| s.kind == part).flat_map(|s| if notes { &s.notes } else { &s.problems }).map(|g| g.reason.clone()).collect()
}

fn group_len(report: &Report, part: Part, reason: &str) -> usize {
    report.sections.iter().filter(|s| s.kind == part).flat_map(|s| &s.problems).filter(|g| g.reason == reason).map(|g| g.items.len()).sum()
}

#[test]
fn the_connection_test_names_each_missing_method_and_what_it_costs() {
    let world = demo_world_in(Profile::Strict);
    let engine = engine_on(&world, MemStorage::new());
    let checks = block_on(engine.test_connection(None));
    let status = |code: &str| checks.iter().find(|c| c.id == code).unwrap_or_else(|| panic!("no check {code}: {checks:?}")).clone();
    assert_eq!(status("systim_methods").status, CheckStatus::Ok, "the confirmed methods answer");
    for act in ["listOrders", "listCategories", "listStores", "listDeliveryMethods", "listPaymentMethods"] {
        let c = status(&format!("systim_method_{act}"));
        assert_eq!(c.status, CheckStatus::Warning, "{act}: {c:?}");
        assert!(c.message_pl.contains("bez "), "{act}: the Polish text says what is lost: {}", c.message_pl);
    }
}

#[test]
fn a_new_merchant_on_strict_systim_gets_orders_in_and_one_clear_reason_for_stock_and_products() {
    let world = demo_world_in(Profile::Strict);
    let engine = engine_with(&world, MemStorage::new(), fresh_merchant_settings(&world));
    let before = business_state(&world);
    let report = run(&engine, RunKind::SendProducts, false);
    assert_ne!(report.summary.outcome, Outcome::Failed, "{:?}", report.error);
    // Orders need no assumed method: every eligible one is in Systim, once.
    assert_orders_settled(&world);
    // The category rule cannot be checked: every matched pair is skipped for that one reason,
    // nothing is written, and the advice names the setting.
    assert_eq!(world.state()["shoper"]["products"], before["shop_products"], "stock or products written without the category rule checked");
    assert!(group_len(&report, Part::Stock, "category_unverifiable") > 10, "{:?}", reasons(&report, Part::Stock, false));
    assert!(!reasons(&report, Part::Stock, false).contains(&"category_differs".to_string()), "an unknown category reported as a different one");
    assert!(group_len(&report, Part::Products, "systim_categories_unknown") >= codes_to_create(&world).len());
    for part in [Part::Stock, Part::Products] {
        assert!(reasons(&report, part, true).contains(&"systim_method_unavailable".to_string()), "{part:?} does not say what it did without");
    }
    // Only what the run uses is read.
    assert_eq!((calls_of(&world, "listDeliveryMethods"), calls_of(&world, "listPaymentMethods")), (0, 0));
    assert_eq!(calls_of(&world, "listCategories"), 1, "the refused method is probed once");
    // The next run within a day does not ask again; a day later it does.
    run(&engine, RunKind::Stock, false);
    assert_eq!(calls_of(&world, "listCategories"), 1, "asked again within a day");
    world.clock().advance(86_400_000);
    run(&engine, RunKind::Stock, false);
    assert_eq!(calls_of(&world, "listCategories"), 2, "not probed again after a day");
}

#[test]
fn with_the_advised_settings_strict_systim_gets_stock_and_products_pushed() {
    let world = demo_world_in(Profile::Strict);
    let category = id(&world.state()["shoper"]["categories"][0]["category_id"]);
    // demo_settings are what the reports advise for such an account: the category rule off and
    // a category for new products.
    let settings = demo_settings(&world);
    assert!(!settings.stock.require_same_category && settings.products.default_category_id == Some(category));
    let engine = engine_with(&world, MemStorage::new(), settings);
    let stock_before = common::oracle::shop_stock(&world);
    let to_create = codes_to_create(&world);
    assert!(!to_create.is_empty());
    let report = run(&engine, RunKind::SendProducts, false);
    assert_ne!(report.summary.outcome, Outcome::Failed, "{:?}", report.error);
    assert_orders_settled(&world);
    assert_stock_as_demanded(&world, &stock_before);
    let counts = shop_code_counts(&world);
    let state = world.state();
    for code in &to_create {
        assert_eq!(counts.get(code), Some(&1), "{code} not created exactly once");
        let product = state["shoper"]["products"].as_array().unwrap().iter().find(|p| p["code"] == json!(code)).expect("created");
        assert_eq!(id(&product["category_id"]), category, "{code} not in the chosen category");
    }
}

/// Systim refuses `addOrder` for what the request is (code 16: the accounting month is closed;
/// code 10: not in this version of the program): the report shows Systim's own words and a
/// Polish fix, nothing is created, and once the merchant has fixed it the next run imports each
/// order once.
#[test]
fn codes_10_and_16_are_shown_with_systims_text_and_a_fix_and_nothing_is_lost() {
    for code in [16u32, 10] {
        let world = demo_world_in(Profile::Strict);
        let engine = engine_on(&world, MemStorage::new());
        configure_systim(&world, json!({"refuse": {"addOrder": code}}));
        let report = run(&engine, RunKind::Orders, false);
        assert_ne!(report.summary.outcome, Outcome::Ok, "code {code}: a refused import reported as fine");
        assert_eq!(systim_orders(&world).len(), 0, "code {code}: an order created although refused");
        let texts: Vec<String> = report
            .error
            .iter()
            .map(|e| e.message_pl.clone())
            .chain(report.sections.iter().flat_map(|s| &s.problems).flat_map(|g| g.items.iter().map(|i| i.detail_pl.clone()).chain([g.advice_pl.clone()])))
            .collect();
        let fix = if code == 16 { "Miesiąc" } else { "pakiecie" };
        assert!(texts.iter().any(|t| t.contains(fix)), "code {code}: no Polish fix in {texts:#?}");
        configure_systim(&world, json!({"refuse": {}}));
        run(&engine, RunKind::Orders, false);
        assert_orders_settled(&world);
    }
}

/// The `listCategories` entries of a report's `systim_method_unavailable` note.
fn method_note(report: &Report, act: &str) -> Vec<String> {
    report
        .sections
        .iter()
        .flat_map(|s| &s.notes)
        .filter(|g| g.reason == "systim_method_unavailable")
        .flat_map(|g| &g.items)
        .filter(|e| e.reference == act)
        .map(|e| e.detail_pl.clone())
        .collect()
}

#[test]
fn an_error_page_refuses_a_method_only_when_it_comes_again() {
    for status in [200, 500] {
        let world = demo_world_in(Profile::Strict);
        configure_systim(&world, json!({"unknown_method": "error_page", "error_page_status": status}));
        let engine = engine_on(&world, MemStorage::new());
        // First meeting: a bad moment of a server that has the method, or a refusal — not yet
        // believed; the run does without the categories this once and says so.
        let first = run_ok(&engine, RunKind::Stock);
        assert!(matches!(first.summary.outcome, Outcome::Ok | Outcome::Partial), "{status}: {:?}", first.error);
        let said = method_note(&first, "listCategories");
        assert_eq!(said.len(), 1, "{status}: {said:?}");
        assert!(!said[0].contains("nie ma tej metody"), "{status}: one error page is not yet a refusal: {}", said[0]);
        // The same page on the next run: the account has no such method, recorded for a day.
        let second = run_ok(&engine, RunKind::Stock);
        let said = method_note(&second, "listCategories");
        assert!(said.iter().any(|t| t.contains("nie ma tej metody")), "{status}: {said:?}");
        let calls = calls_of(&world, "listCategories");
        let third = run_ok(&engine, RunKind::Stock);
        assert_eq!(calls_of(&world, "listCategories"), calls, "{status}: not asked again within the day");
        assert!(method_note(&third, "listCategories").iter().any(|t| t.contains("nie ma tej metody")));
    }
}
