//! The sales documents of imported orders (issue #16, `docs/invoicing.md`): one document per
//! order whatever fails, on a strict Systim account unless a test says otherwise.

mod common;

use common::harness::*;
use common::world::World;
use common::InProcess;
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::report::{Report, RunKind};
use shoper_systim::engine::resolve::Decision;
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

fn problem_items<'r>(report: &'r Report, reason: &str) -> Vec<&'r shoper_systim::engine::report::Entry> {
    report.sections.iter().flat_map(|s| s.problems.iter().chain(&s.notes)).filter(|g| g.reason == reason).flat_map(|g| &g.items).collect()
}

/// The first imported order, shipped, with `fault` armed for its `addSellInvoice`; the runs that
/// follow. Returns the order id and the reports.
fn ship_one_with(world: &InProcess, engine: &TestEngine, arm: impl Fn(&InProcess), runs: usize) -> (u64, Vec<Report>) {
    let id = imported(world)[0];
    ship(world, id);
    arm(world);
    let reports = (0..runs).map(|_| run(engine, RunKind::Orders, false)).collect();
    (id, reports)
}

#[test]
fn a_lost_answer_after_the_document_was_issued_is_found_not_issued_again() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    let (id, reports) = ship_one_with(&world, &engine, |w| inject(w, "systim", "drop_after_commit", 1, "addSellInvoice"), 3);
    assert!(world.sandbox.borrow().log.iter().any(|e| e.act == "addSellInvoice" && !e.delivered), "no answer was lost");
    assert_eq!(documents(&world, id), 1);
    // Found by the check after the sends, in the same run.
    let done = &section(&reports[0], "invoices").unwrap().done;
    assert!(done.iter().any(|e| e.detail_pl.starts_with("odnaleziony w Systim")), "{done:?}");
    let doc = block_on(engine.issued_document(id)).expect("recorded as issued");
    assert_eq!(doc.number, all_documents(&world)[0]["numer"].as_str().unwrap());
}

#[test]
fn a_document_the_browser_issued_twice_is_reported_and_never_issued_a_third_time() {
    let world = lean_demo_world().browser_like(true);
    let engine = started(&world, invoicing(&world));
    // The send goes on a reused connection (after the check before the sends).
    let (id, reports) = ship_one_with(&world, &engine, |w| inject(w, "systim", "write_then_close", 1, "addSellInvoice"), 3);
    assert!(world.sandbox.borrow().log.iter().any(|e| e.act == "addSellInvoice" && e.resend), "the browser did not resend");
    assert_eq!(documents(&world, id), 2, "the browser's resend made the copy");
    let copies = problem_items(&reports[0], "invoice_doubled");
    assert_eq!(copies.len(), 1, "{:?}", reports[0].sections);
    let doc = block_on(engine.issued_document(id)).unwrap();
    assert_eq!(doc.copies.len(), 1);
    assert!(copies[0].detail_pl.contains(&format!("usuń w Systim: id {}", doc.copies[0])), "{:?}", copies[0]);
    assert_eq!(documents(&world, id), 2, "a later run issued again");
}

#[test]
fn an_error_page_or_a_server_error_issues_nothing_and_the_next_run_issues_once() {
    for kind in ["html_page", "http500", "http503"] {
        let world = lean_demo_world();
        let engine = started(&world, invoicing(&world));
        let (id, reports) = ship_one_with(&world, &engine, |w| inject(w, "systim", kind, 20, "addSellInvoice"), 1);
        assert_eq!(documents(&world, id), 0, "{kind}");
        assert!(!problem_items(&reports[0], "invoice_outcome_unknown").is_empty(), "{kind}: {:?}", reports[0].sections);
        world.control("DELETE", "/faults", Value::Null);
        // The next run reads the day's list: the document is provably not there — sent again.
        run_ok(&engine, RunKind::Orders);
        run_ok(&engine, RunKind::Orders);
        assert_eq!(documents(&world, id), 1, "{kind}");
    }
}

#[test]
fn a_closed_month_or_the_plans_limit_holds_the_document_with_systims_reason() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    let month = shoper_systim::dates::warsaw_ymd(shoper_systim::io::Clock::now_ms(world.clock()))[..7].to_string();
    configure_systim(&world, json!({"closed_months": [month], "plan_refuses_kinds": [15]}));
    let ids = imported(&world);
    for id in &ids[..3] {
        ship(&world, *id);
    }
    let report = run_ok(&engine, RunKind::Orders);
    assert!(all_documents(&world).is_empty());
    let reasons = problem_reasons(&report);
    // Receipts meet the plan's limit first (code 6 "othr"), invoices the closed month (code 16).
    assert!(reasons.contains(&"invoice_plan_limit") || reasons.contains(&"invoice_month_closed"), "{reasons:?}");
    let closed = problem_items(&report, "invoice_month_closed");
    assert!(!closed.is_empty() && closed[0].detail_pl.contains("zamknięty"), "{closed:?}");
    let group = report.sections.iter().flat_map(|s| &s.problems).find(|g| g.reason == "invoice_month_closed").unwrap();
    assert!(group.advice_pl.contains("Otwórz"), "{}", group.advice_pl);
    // The merchant opens the month and changes the plan: the next run issues each once.
    configure_systim(&world, json!({"closed_months": [], "plan_refuses_kinds": []}));
    run_ok(&engine, RunKind::Orders);
    run_ok(&engine, RunKind::Orders);
    for id in &ids[..3] {
        assert_eq!(documents(&world, *id), 1, "order {id}");
    }
}

#[test]
fn result_code_102_is_issued_with_a_warning_and_never_retried() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    configure_systim(&world, json!({"invoice_result_code": 102}));
    let (id, reports) = ship_one_with(&world, &engine, |_| {}, 3);
    assert_eq!(documents(&world, id), 1);
    assert_eq!(problem_items(&reports[0], "invoice_accounting_failed").len(), 1, "{:?}", reports[0].sections);
    assert!(block_on(engine.issued_document(id)).unwrap().accounting_failed);
    assert!(problem_items(&reports[1], "invoice_accounting_failed").is_empty(), "reported once, when issued");
}

#[test]
fn an_empty_number_in_the_answer_is_read_back_from_the_list() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    configure_systim(&world, json!({"empty_invoice_number": true}));
    let (id, _) = ship_one_with(&world, &engine, |_| {}, 1);
    let number = all_documents(&world)[0]["numer"].as_str().unwrap().to_string();
    assert!(!number.is_empty());
    assert_eq!(block_on(engine.issued_document(id)).unwrap().number, number);
}

#[test]
fn a_run_killed_between_the_intent_and_the_answer_is_settled_by_the_next_run() {
    for commit in [true, false] {
        let world = lean_demo_world();
        let engine = started(&world, invoicing(&world));
        let id = imported(&world)[0];
        ship(&world, id);
        assert!(run_killed_at(&world, &engine, request(RunKind::Orders), "addSellInvoice", commit), "the run was not killed");
        assert_eq!(documents(&world, id), usize::from(commit));
        outlive_lock(&world);
        let engine = engine_resumed(&world, engine.store.clone());
        let report = run_ok(&engine, RunKind::Orders);
        run_ok(&engine, RunKind::Orders);
        assert_eq!(documents(&world, id), 1, "commit {commit}");
        let done = &section(&report, "invoices").unwrap().done;
        let word = if commit { "odnaleziony w Systim" } else { "wystawiono" };
        assert!(done.iter().any(|e| e.detail_pl.starts_with(word)), "commit {commit}: {done:?}");
    }
}

/// Two browsers on one shop: the first dies after its `addSellInvoice` reached Systim, the
/// second issues the same order's document meanwhile. Gives the first browser, restarted, and
/// the order (two documents alike in Systim).
fn two_documents_alike(world: &InProcess) -> (TestEngine, u64) {
    let first = started(world, invoicing(world));
    let second = started(world, invoicing(world));
    let id = imported(world)[0];
    ship(world, id);
    assert!(run_killed_at(world, &first, request(RunKind::Orders), "addSellInvoice", true));
    outlive_lock(world);
    let first = engine_resumed(world, first.store.clone());
    run_ok(&second, RunKind::Orders);
    (first, id)
}

/// Two browsers on one shop: the first dies after its `addSellInvoice` reached Systim, the
/// second issues the same order's document meanwhile. On a strict account the two documents
/// cannot be told apart (same day, same total, no marker in the rows): the first browser holds
/// the order for the merchant and never issues a third. Where the rows carry the marker, it
/// keeps the older and names the other as a copy.
#[test]
fn several_documents_alike_hold_the_order_unless_the_marker_tells_them_apart() {
    for generous in [false, true] {
        let world = if generous { lean_demo_world_in(GENEROUS) } else { lean_demo_world() };
        let (first, id) = two_documents_alike(&world);
        assert_eq!(documents(&world, id), 2);
        let report = run(&first, RunKind::Orders, false);
        run(&first, RunKind::Orders, false);
        assert_eq!(documents(&world, id), 2, "generous {generous}: issued a third time");
        if generous {
            assert_eq!(problem_items(&report, "invoice_doubled").len(), 1, "{:?}", report.sections);
            assert_eq!(block_on(first.issued_document(id)).unwrap().copies.len(), 1);
        } else {
            let held = problem_items(&report, "invoice_unverifiable");
            assert_eq!(held.len(), 1, "{:?}", report.sections);
            assert!(held[0].detail_pl.contains("jeden z dokumentów"), "{:?}", held[0]);
            assert!(block_on(first.issued_document(id)).is_none());
            // The merchant finds it in Systim: recorded as issued, never issued again.
            let number = all_documents(&world)[0]["numer"].as_str().unwrap().to_string();
            block_on(first.resolve_document(id, Decision::InSystim, &number)).expect("held for a decision");
            assert!(block_on(first.resolve_document(id, Decision::SendAgain, "")).is_err(), "decided once");
            let after = run_ok(&first, RunKind::Orders);
            assert!(problem_items(&after, "invoice_unverifiable").is_empty());
            assert_eq!(block_on(first.issued_document(id)).unwrap().number, number);
            assert_eq!(documents(&world, id), 2);
        }
    }
}

#[test]
fn the_write_back_sets_the_status_and_appends_the_numbers_once_keeping_the_merchants_note() {
    let world = lean_demo_world();
    let mut settings = invoicing(&world);
    let done_status = 8;
    settings.write_back.status_after_invoice = Some(done_status);
    settings.write_back.numbers_in_notes = true;
    let engine = started(&world, settings);
    let id = imported(&world)[0];
    let note = shop_order(&world, id)["notes_priv"].as_str().unwrap().to_string();
    assert!(note.contains("Systim: zamówienie"), "the import's line: {note:?}");
    world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": SENT, "notes_priv": format!("Zadzwonić przed wysyłką\n{note}")})));
    // The first write-back fails: the document stays issued, the write-back waits.
    inject(&world, "shoper", "http500", 8, &format!("orders/{id}"));
    run(&engine, RunKind::Orders, false);
    world.control("DELETE", "/faults", Value::Null);
    for _ in 0..3 {
        run_ok(&engine, RunKind::Orders);
    }
    assert_eq!(documents(&world, id), 1);
    let number = block_on(engine.issued_document(id)).unwrap().number;
    let order = shop_order(&world, id);
    assert_eq!(common::oracle::id(&order["status_id"]), done_status);
    let notes = order["notes_priv"].as_str().unwrap();
    assert_eq!(
        notes,
        format!("Zadzwonić przed wysyłką\n{note}\nSystim: paragon {number}").replace("paragon", if number.starts_with("FV") { "faktura" } else { "paragon" })
    );
}

#[test]
fn the_preview_lists_the_documents_with_their_totals_and_issues_nothing() {
    let world = lean_demo_world();
    let engine = started(&world, invoicing(&world));
    let ids = imported(&world);
    for id in &ids[..3] {
        ship(&world, *id);
    }
    let report = run(&engine, RunKind::Orders, true);
    assert!(all_documents(&world).is_empty(), "the preview issued a document");
    let docs = section(&report, "invoices").unwrap();
    assert_eq!(docs.done.len(), 3, "{docs:?}");
    for id in &ids[..3] {
        let sum = shop_order(&world, *id)["sum"].as_str().unwrap().replace('.', ",");
        assert!(docs.done.iter().any(|e| e.reference == format!("Zamówienie {id}") && e.detail_pl.contains(&sum)), "order {id} ({sum}): {docs:?}");
    }
    run_ok(&engine, RunKind::Orders);
    assert_eq!(all_documents(&world).len(), 3);
}

/// The feed reads its last position again on the next run: an order already issued is never
/// planned again — not even when its plan would now be refused (here: the payment mapping gone).
#[test]
fn an_issued_document_is_never_planned_again_whatever_its_order_now_says() {
    let world = lean_demo_world();
    let settings = invoicing(&world);
    let engine = started(&world, settings.clone());
    let id = imported(&world)[0];
    ship(&world, id);
    run_ok(&engine, RunKind::Orders);
    assert_eq!(documents(&world, id), 1);
    let mut changed = settings;
    changed.orders.payment_mapping.clear();
    changed.orders.default_payment_id = None;
    block_on(engine.save_settings(changed)).unwrap();
    for _ in 0..3 {
        run(&engine, RunKind::Orders, false);
    }
    assert_eq!(documents(&world, id), 1);
    assert!(block_on(engine.issued_document(id)).is_some(), "the issued document was overwritten");
}

/// "Wyślij ponownie" on a document held as unverifiable: the next run issues it once.
#[test]
fn a_document_the_merchant_sends_again_is_issued_once_more() {
    let world = lean_demo_world();
    let (first, id) = two_documents_alike(&world);
    run(&first, RunKind::Orders, false);
    assert!(block_on(first.resolve_document(id + 1000, Decision::SendAgain, "")).is_err(), "an order with no held document");
    block_on(first.resolve_document(id, Decision::SendAgain, "")).expect("held for a decision");
    for _ in 0..3 {
        run_ok(&first, RunKind::Orders);
    }
    assert_eq!(documents(&world, id), 3, "issued once more, as asked");
    assert!(block_on(first.issued_document(id)).is_some());
}

#[test]
fn the_feed_starts_when_the_merchant_switches_invoicing_on_not_at_the_next_run() {
    let world = lean_demo_world();
    let engine = engine_with(&world, MemStorage::new(), demo_settings(&world));
    run_ok(&engine, RunKind::Orders);
    let ids = imported(&world);
    // shipped while invoicing is off: the merchant may have issued it by hand
    ship(&world, ids[0]);
    world.clock.advance(60_000);
    block_on(engine.save_settings(invoicing(&world))).unwrap();
    world.clock.advance(60_000);
    // shipped after switching on, before any run: its document comes with the next run
    ship(&world, ids[1]);
    world.clock.advance(60_000);
    run_ok(&engine, RunKind::Orders);
    assert_eq!((documents(&world, ids[0]), documents(&world, ids[1])), (0, 1));
    // saved again with invoicing still on: the feed stays where it is
    world.clock.advance(60_000);
    ship(&world, ids[2]);
    world.clock.advance(60_000);
    block_on(engine.save_settings(invoicing(&world))).unwrap();
    run_ok(&engine, RunKind::Orders);
    assert_eq!(documents(&world, ids[2]), 1);
    // switched off, an order shipped, switched on again: none for the order shipped meanwhile
    let mut off = invoicing(&world);
    off.invoicing.enabled = false;
    block_on(engine.save_settings(off)).unwrap();
    world.clock.advance(60_000);
    ship(&world, ids[3]);
    world.clock.advance(60_000);
    block_on(engine.save_settings(invoicing(&world))).unwrap();
    run_ok(&engine, RunKind::Orders);
    assert_eq!((documents(&world, ids[2]), documents(&world, ids[3])), (1, 0));
    assert_eq!(all_documents(&world).len(), 2);
}

/// Shoper's "gotowe do wysłania": an **open** status — the order still reserves its goods when it
/// triggers the document, so a WZ that took them off Systim's stock shows in the stock push.
const READY: u64 = 6;

/// Invoicing on "gotowe do wysłania" with the WZ from Systim's first store, the stock push on.
fn with_wz(world: &InProcess) -> Settings {
    let mut s = invoicing(world);
    s.invoicing.trigger_statuses = vec![READY];
    s.invoicing.issue_wz = true;
    s.invoicing.wz_store_id = world.systim_state()["stores"][0]["id"].as_u64();
    s.stock.enabled = true;
    s
}

/// The WZs in Systim issued for this order's documents (`id_faktury` of a document carrying its
/// marker).
fn wzs(world: &InProcess, id: u64) -> Vec<Value> {
    let invoices: Vec<u64> = all_documents(world).iter().filter(|d| d["uwagi"] == marker(id)).filter_map(|d| d["id"].as_u64()).collect();
    common::oracle::wz_documents(&world.state()).into_iter().filter(|d| d["id_faktury"].as_u64().is_some_and(|i| invoices.contains(&i))).collect()
}

/// The admin panel's label of the order's document (with its WZ).
fn wz_badge(engine: &TestEngine, id: u64) -> String {
    block_on(engine.order_badges(&[id]))[&id.to_string()].document.as_ref().map(|d| d.text_pl.clone()).unwrap_or_default()
}

/// Systim's quantity of each product, thousandths (every store).
fn systim_quantities(world: &InProcess) -> std::collections::BTreeMap<u64, i64> {
    common::oracle::systim_products(&world.state()).into_iter().map(|p| (p.id, p.quantity)).collect()
}

/// An imported order with goods whose stock the shop shows (an eligible row), made ready to ship;
/// the shop's stock settled by a stock run first. Returns the order, its goods lines in Systim
/// (product, thousandths) and the shop's stock before.
fn ready_order_with_stock(world: &InProcess, engine: &TestEngine) -> (u64, Vec<(u64, i64)>, std::collections::BTreeMap<u64, i64>) {
    run_ok(engine, RunKind::Stock);
    let state = world.state();
    let eligible: Vec<u64> = common::oracle::eligible_pairs(world, &state).into_iter().map(|p| p.systim_id).collect();
    let shipping = systim_product_id(world, "DOSTAWA");
    let orders = common::oracle::systim_orders_by_marker(&state);
    let (id, lines) = imported(world)
        .into_iter()
        .find_map(|id| {
            let lines: Vec<(u64, i64)> =
                orders[&id].iter().flat_map(common::oracle::systim_lines).map(|(p, q, _)| (p, q)).filter(|(p, _)| *p != shipping).collect();
            lines.iter().any(|(p, _)| eligible.contains(p)).then_some((id, lines))
        })
        .expect("an imported order with a product the stock push covers");
    let before = common::oracle::shop_stock(world);
    world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": READY})));
    (id, lines, before)
}

/// The WZ of a document takes the order's goods off Systim's store once, and the order stops
/// reserving them — not in the run that issues it (its Systim quantities were read before the
/// WZ), from the next one on: no double subtraction, no goods offered twice.
#[test]
fn a_document_gets_one_wz_and_the_order_stops_reserving_what_it_took() {
    let world = lean_demo_world();
    let engine = started(&world, with_wz(&world));
    let (id, lines, before) = ready_order_with_stock(&world, &engine);
    let preview = run(&engine, RunKind::Auto, true);
    let planned = &section(&preview, "invoices").unwrap().done;
    assert!(planned.iter().any(|e| e.reference == format!("Zamówienie {id}") && e.detail_pl.contains("dokument i WZ")), "{planned:?}");
    assert!(common::oracle::wz_documents(&world.state()).is_empty(), "the preview issued a WZ");
    let quantities = systim_quantities(&world);
    let report = run_ok(&engine, RunKind::Auto);
    let issued = wzs(&world, id);
    assert_eq!(issued.len(), 1, "{:?}", report.sections);
    let store = with_wz(&world).invoicing.wz_store_id.unwrap();
    assert_eq!(issued[0]["id_magazynu"].as_u64(), Some(store));
    let mut taken: Vec<(u64, i64)> =
        issued[0]["lines"].as_array().unwrap().iter().map(|l| (common::oracle::id(&l["id_produktu"]), l["ilosc_milli"].as_i64().unwrap())).collect();
    taken.sort();
    let mut wanted = lines.clone();
    wanted.sort();
    assert_eq!(taken, wanted, "the WZ carries the order's goods (not its shipping)");
    let after = systim_quantities(&world);
    for (product, qty) in &lines {
        assert_eq!(after[product], quantities[product] - qty, "product {product}: Systim's stock after the WZ");
    }
    assert_eq!(problem_items(&report, "wz_issued").len(), 1, "{:?}", report.sections);
    assert!(wz_badge(&engine, id).ends_with("· WZ wystawiona"), "{}", wz_badge(&engine, id));
    // This run pushed Systim's old quantity less the reservation; the next ones its new quantity.
    assert_stock_as_demanded(&world, &before);
    for _ in 0..2 {
        run_ok(&engine, RunKind::Auto);
        assert_stock_as_demanded(&world, &before);
    }
    assert_eq!(wzs(&world, id).len(), 1, "a later run issued the WZ again");
}

/// A WZ sent without a clear answer is never sent again (no list of store documents to check
/// it): shown on every run, the order keeps reserving until the merchant says what Systim has.
#[test]
fn an_unclear_wz_is_held_for_the_merchant_and_never_sent_again() {
    for (fault, decision, made) in [("drop_after_commit", Decision::InSystim, 1), ("http500", Decision::SendAgain, 0)] {
        let world = lean_demo_world();
        let engine = started(&world, with_wz(&world));
        let (id, _, before) = ready_order_with_stock(&world, &engine);
        inject(&world, "systim", fault, 1, "addStoreDocument");
        let reports: Vec<Report> = (0..3).map(|_| run(&engine, RunKind::Auto, false)).collect();
        assert_eq!(wzs(&world, id).len(), made, "{fault}");
        let sends = world.sandbox.borrow().log.iter().filter(|e| e.act == "addStoreDocument").count();
        assert_eq!(sends, 1, "{fault}: the WZ was sent again");
        for r in &reports {
            assert_eq!(problem_items(r, "wz_unverifiable").len(), 1, "{fault}: {:?}", r.sections);
        }
        assert!(wz_badge(&engine, id).ends_with("· WZ: sprawdź w Systim"), "{fault}: {}", wz_badge(&engine, id));
        // Held, the order reserves: the shop may under-sell, never offer what was sold.
        assert_nothing_unsold(&world, &before);
        block_on(engine.resolve_document(id, decision, "")).expect("held for a decision");
        let report = run_ok(&engine, RunKind::Auto);
        run_ok(&engine, RunKind::Auto);
        assert!(problem_items(&report, "wz_unverifiable").is_empty(), "{fault}");
        assert_eq!(wzs(&world, id).len(), 1, "{fault}: exactly one WZ once decided");
        assert!(wz_badge(&engine, id).ends_with("· WZ wystawiona"), "{fault}: {}", wz_badge(&engine, id));
        assert_stock_as_demanded(&world, &before);
    }
}

/// A WZ Systim refuses clearly (here: a store it does not have) was not made: Systim's words are
/// shown, and it is tried again on every run until it goes through — once.
#[test]
fn a_refused_wz_is_shown_with_systims_words_and_tried_again_until_it_is_issued_once() {
    let world = lean_demo_world();
    let mut settings = with_wz(&world);
    settings.invoicing.wz_store_id = Some(999);
    let engine = started(&world, settings);
    let (id, _, before) = ready_order_with_stock(&world, &engine);
    for _ in 0..2 {
        let report = run(&engine, RunKind::Auto, false);
        let refused = problem_items(&report, "wz_refused");
        assert_eq!(refused.len(), 1, "{:?}", report.sections);
        assert!(refused[0].detail_pl.contains("id_magazynu"), "{:?}", refused[0]);
    }
    assert!(wzs(&world, id).is_empty());
    assert_eq!(world.sandbox.borrow().log.iter().filter(|e| e.act == "addStoreDocument").count(), 2, "tried on each run");
    block_on(engine.save_settings(with_wz(&world))).unwrap();
    for _ in 0..2 {
        run_ok(&engine, RunKind::Auto);
    }
    assert_eq!(wzs(&world, id).len(), 1);
    assert_stock_as_demanded(&world, &before);
}
