#![cfg(not(target_arch = "wasm32"))]
//! Exactly-once order import under faults: lost and refused `addOrder` answers, an account
//! without `listOrders`, two browsers on one shop. Asserted from the sandbox's state.

mod common;

use common::harness::*;
use common::oracle::shop_stock;
use common::world::World;
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::report::RunKind;
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
    let (world, engine) = setup_generous();
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
    configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
    inject(&world, "systim", "drop_after_commit", 1, "addOrder");
    let first = run(&engine, RunKind::Orders, false);
    assert!(problem_reasons(&first).contains(&"import_outcome_unknown"), "{:?}", problem_reasons(&first));
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
    let (world, first) = setup_generous();
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
    let (world, first) = setup_generous();
    run_ok(&first, RunKind::Orders);
    world.clock.advance(7 * 86_400_000);
    let second = engine_on(&world, MemStorage::new());
    run_ok(&second, RunKind::Orders);
    assert_orders_settled(&world);
}

/// A browser that starts importing while another one is at it: the other's copies show up
/// at the first check after a send and the sends stop; what the other imported is recorded,
/// nothing is in Systim twice, and the report says why the rest was left.
#[test]
fn a_browser_that_meets_another_importing_stops_sending_and_nothing_is_doubled() {
    let (world, first) = setup_generous();
    let second = engine_on(&world, MemStorage::new());
    world.after_call("act=addOrder", 1, move || {
        run_ok(&second, RunKind::Orders);
    });
    let report = run_ok(&first, RunKind::Orders);
    assert_orders_settled(&world);
    let sends = world.sandbox.borrow().log.iter().filter(|e| e.act == "addOrder").count();
    assert_eq!(sends, systim_orders(&world).len(), "an order was sent twice");
    // Nothing was left unsent here: the other browser had imported the rest.
    assert!(!all_reasons(&report).contains(&"order_doubled"), "{:?}", all_reasons(&report));
    run_ok(&first, RunKind::Orders);
    assert_orders_settled(&world);
}

/// Answers that take long (here every call a minute and more): another browser may import
/// between two sends, so the markers are checked again once a minute has passed, whatever
/// the count of sends.
#[test]
fn with_slow_answers_the_markers_are_checked_again_every_minute() {
    let mut world = demo_world_in(GENEROUS);
    world.latency_ms = 70_000;
    let first = engine_on(&world, MemStorage::new());
    let second = engine_on(&world, MemStorage::new());
    // After the first browser's second send (past the count-based checks after sends 1 and
    // before 4), the other browser imports everything.
    world.after_call("act=addOrder", 2, move || {
        run_ok(&second, RunKind::Orders);
    });
    let report = run_ok(&first, RunKind::Orders);
    assert_orders_settled(&world);
    assert!(!all_reasons(&report).contains(&"order_doubled"), "{:?}", all_reasons(&report));
}

/// Two browsers that both checked before either sent cannot see each other: one order can
/// reach Systim twice. The first check after the send finds the second copy: the sends stop
/// and the report names both copies for the merchant to delete one.
#[test]
fn two_browsers_checking_at_the_same_instant_double_at_most_one_order_and_say_which() {
    let (world, first) = setup_generous();
    let second = engine_on(&world, MemStorage::new());
    // The first `listOrders` is the check before the sends: the other browser runs right after.
    world.after_call("act=listOrders", 1, move || {
        run_ok(&second, RunKind::Orders);
    });
    let report = run(&first, RunKind::Orders, false);
    let doubled: Vec<u64> = (1..=20).filter(|id| marker_count(&world, *id) > 1).collect();
    assert_eq!(doubled, vec![FIRST], "more than the one order in flight was doubled");
    let group = report.sections.iter().flat_map(|s| &s.problems).find(|g| g.reason == "order_doubled").expect("the merchant is told");
    assert_eq!(group.items.len(), 1);
    assert!(group.items[0].detail_pl.starts_with("w Systim 2 razy — zostaw nr "), "{:?}", group.items[0]);
    assert!(group.items[0].detail_pl.contains(", usuń nr "), "{:?}", group.items[0]);
    // Later runs change nothing more.
    run_ok(&first, RunKind::Orders);
    assert_eq!((1..=20).filter(|id| marker_count(&world, *id) > 1).count(), 1);
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
    let world = demo_world_in(GENEROUS);
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

/// A product the browser's resend made twice, in a run that then died before it read Systim's
/// list again: the next run names the copy to delete (the code was recorded as the run's own
/// creation) and the order that needs the product waits, its code being ambiguous, instead of
/// going with a guessed product.
#[test]
fn a_product_the_browser_created_twice_before_the_run_died_is_named_next_time() {
    let world = demo_world_in(GENEROUS).browser_like(true);
    let mut settings = demo_settings(&world);
    settings.orders.missing_product = MissingProductPolicy::CreateInSystim;
    let engine = engine_with(&world, MemStorage::new(), settings.clone());
    let store = engine.store.clone();
    inject(&world, "systim", "write_then_close", 1, "addProduct");
    let w = world.clone();
    // The creation is served, its connection closes, the browser resends (served too); the
    // extension's background dies at the next call.
    world.before_call("act=addCompany", 1, move || w.kill_after(0, false));
    assert!(drive(engine.run(request(RunKind::Orders))).is_none(), "the run was not killed");
    world.heal();
    world.clear_hook();
    drop(engine);
    let copies = world.sandbox.borrow().systim.product_ids_by_code("TYLKO-SKLEP-ZAM");
    assert_eq!(copies.len(), 2, "the browser's resend did not happen");
    outlive_lock(&world);
    let fresh = engine_with(&world, store, settings);
    let report = run_ok(&fresh, RunKind::Orders);
    let named = report.sections.iter().flat_map(|s| &s.problems).filter(|g| g.reason == "systim_product_doubled").flat_map(|g| &g.items);
    assert!(named.clone().any(|i| i.reference == "TYLKO-SKLEP-ZAM"), "{:#?}", report.sections.iter().flat_map(|s| &s.problems).collect::<Vec<_>>());
    assert_eq!(world.sandbox.borrow().systim.product_ids_by_code("TYLKO-SKLEP-ZAM").len(), 2, "created again");
    // The order that needs it waits (two products with its code) until the merchant deletes the copy.
    let held = report.sections.iter().flat_map(|s| &s.problems).filter(|g| g.reason == "ambiguous_code").flat_map(|g| &g.items);
    assert!(held.clone().any(|i| i.reference == "Zamówienie 6"));
    assert_eq!(marker_count(&world, 6), 0);
}

/// `addOrder` answers only the new id; the marker checks during the sends read the orders'
/// Systim numbers, and the admin panel's badge shows the number the merchant knows.
#[test]
fn the_badge_of_an_order_imported_before_a_marker_check_shows_its_systim_number() {
    let (world, engine) = setup_generous();
    run_ok(&engine, RunKind::Orders);
    // The first import is followed by a check (after the 1st send).
    let copy =
        systim_orders(&world).into_iter().find(|o| o["uwagi"].as_str().is_some_and(|u| u.contains(&format!("Shoper {FIRST} @")))).expect("order 1 in Systim");
    let number = copy["numer"].as_str().expect("a Systim number").to_string();
    assert!(!number.is_empty());
    let badges = block_on(engine.order_badges(&[FIRST]));
    let text = &badges[&FIRST.to_string()].text_pl;
    assert_eq!(text, &format!("w Systim ✓ nr {number}"));
}

/// Without `listOrders` an import that got no clear answer cannot be checked: it is held for the
/// merchant, who finds its marker in Systim and says "it is there" — recorded as imported, never
/// sent again — or "send it again" — sent once by the next run.
#[test]
fn the_merchant_decides_on_an_import_that_cannot_be_checked() {
    use shoper_systim::engine::api::{Sender, SenderKind};
    let page = Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://x/options.html".into(), tab_id: None };
    for (fault, decision, copies_after) in [("drop_after_commit", "in_systim", 1), ("http500", "send_again", 1)] {
        let (world, engine) = setup();
        configure_systim(&world, json!({"disabled_methods": ["listOrders"]}));
        inject(&world, "systim", fault, 1, "addOrder");
        run(&engine, RunKind::Orders, false);
        let report = run(&engine, RunKind::Orders, false);
        let group = report.sections[0].problems.iter().find(|g| g.reason == "import_unverifiable").expect("held for a decision");
        assert!(group.items[0].detail_pl.contains(&format!("Shoper {FIRST} @ ")), "the marker to look for: {:?}", group.items[0]);
        let msg = json!({"type": "resolveOrder", "orderId": FIRST, "decision": decision, "systimNumber": "ZAM/7/2026"});
        let answer = block_on(engine.handle_message(&msg, &page)).reply;
        assert_eq!(answer["ok"], true, "{answer}");
        // Decided once: a second decision is refused.
        let again = block_on(engine.handle_message(&msg, &page)).reply;
        assert_eq!(again["error"]["code"], "not_awaiting_decision");
        for _ in 0..2 {
            let report = run_ok(&engine, RunKind::Orders);
            assert!(!problem_reasons(&report).contains(&"import_unverifiable"), "{decision}: {:?}", problem_reasons(&report));
        }
        assert_eq!(marker_count(&world, FIRST), copies_after, "{decision}");
        let badge = &block_on(engine.order_badges(&[FIRST]))[&FIRST.to_string()];
        assert!(badge.text_pl.starts_with("w Systim ✓"), "{decision}: {badge:?}");
        if decision == "in_systim" {
            assert_eq!(badge.text_pl, "w Systim ✓ nr ZAM/7/2026");
        }
    }
}

/// A content script may not take the decision.
#[test]
fn only_the_extensions_pages_may_decide_on_an_import() {
    use shoper_systim::engine::api::{Sender, SenderKind};
    let (world, engine) = setup();
    let script = Sender { kind: SenderKind::ContentScript, url: format!("{}/admin/orders", world.shop_url()), tab_id: Some(1) };
    let msg = json!({"type": "resolveOrder", "orderId": FIRST, "decision": "send_again"});
    assert_eq!(block_on(engine.handle_message(&msg, &script)).reply["error"]["code"], "forbidden");
}

/// The browser resends an `addOrder` whose kept-alive connection closed before any answer byte:
/// one send of ours, two orders in Systim, and the answer we get is the resend's — a clean id.
/// The check after the sends finds both copies: the order counts once, the report names the copy
/// to delete, the badge is red; once the merchant deletes it, the next run clears the problem.
#[test]
fn a_copy_made_by_the_browsers_resend_is_found_reported_and_cleared_once_deleted() {
    let (world, engine) = setup_generous();
    world.set_browser_like(true);
    // The sixth order sent: past the checks after the 1st and 4th sends (the next would follow
    // the 16th; the demo imports fewer) — only the check after the sends can see its copy in
    // this run.
    let w = world.clone();
    world.after_call("act=addOrder", 5, move || inject(&w, "systim", "write_then_close", 1, "addOrder"));
    let report = run(&engine, RunKind::Orders, false);
    let doubled: Vec<u64> = (1..=40).filter(|id| marker_count(&world, *id) > 1).collect();
    assert_eq!(doubled.len(), 1, "the browser's resend did not make one copy: {doubled:?}");
    let id = doubled[0];
    assert_eq!(world.traffic().resent, 1);
    let group = report.sections[0].problems.iter().find(|g| g.reason == "order_doubled").expect("the copy is reported in the run that made it");
    assert_eq!(group.items.len(), 1);
    assert_eq!(group.items[0].reference, format!("Zamówienie {id}"));
    let badge = &block_on(engine.order_badges(&[id]))[&id.to_string()];
    assert!(badge.text_pl.starts_with("w Systim 2 razy: zostaw nr "), "{badge:?}");
    // Counted once.
    let done = report.sections[0].done.iter().filter(|e| e.reference == format!("Zamówienie {id}")).count();
    assert_eq!(done, 1);
    // Every later report says it again until the copy is gone.
    let again = run(&engine, RunKind::Orders, false);
    assert!(problem_reasons(&again).contains(&"order_doubled"));
    // The merchant deletes the copy the report names (the newer one).
    let copies: Vec<Value> =
        systim_orders(&world).into_iter().filter(|o| o["uwagi"].as_str().is_some_and(|u| u.starts_with(&format!("Shoper {id} @")))).collect();
    let doomed = copies.iter().max_by_key(|o| o["id"].as_u64()).unwrap();
    assert!(group.items[0].detail_pl.ends_with(&format!("usuń nr {}", doomed["numer"].as_str().unwrap())), "{:?}", group.items[0]);
    world.control("DELETE", &format!("/systim/orders/{}", doomed["id"]), json!(null));
    let cleared = run_ok(&engine, RunKind::Orders);
    assert!(!problem_reasons(&cleared).contains(&"order_doubled"), "{:?}", problem_reasons(&cleared));
    assert!(all_reasons(&cleared).contains(&"order_copies_deleted"));
    let badge = &block_on(engine.order_badges(&[id]))[&id.to_string()];
    assert!(badge.text_pl.starts_with("w Systim ✓"), "{badge:?}");
    assert_orders_settled(&world);
}

/// The resend itself refused (a 429 or Systim's code 2 to the resend of a copy already written):
/// the order is not sent again on the strength of that refusal; the check after the sends finds
/// it, and nothing is in Systim twice.
#[test]
fn a_refused_resend_of_a_written_order_is_not_taken_for_a_failure_to_send() {
    for kind in ["write_then_close_then_429", "drop_after_commit_then_429"] {
        let (world, engine) = setup();
        world.set_browser_like(true);
        inject(&world, "systim", kind, 1, "addOrder");
        run(&engine, RunKind::Orders, false);
        assert_eq!(marker_count(&world, FIRST), 1, "{kind}");
        for _ in 0..2 {
            run_ok(&engine, RunKind::Orders);
        }
        assert_orders_settled(&world);
    }
}

/// A connection closed before the server read the request: the browser's resend is harmless.
#[test]
fn a_connection_closed_before_the_write_costs_nothing() {
    let (world, engine) = setup_generous();
    world.set_browser_like(true);
    inject(&world, "systim", "close_before_write", 3, "addOrder");
    inject(&world, "systim", "reset_mid_answer", 1, "addOrder");
    run(&engine, RunKind::Orders, false);
    run_ok(&engine, RunKind::Orders);
    assert_orders_settled(&world);
}
