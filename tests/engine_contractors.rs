#![cfg(not(target_arch = "wasm32"))]
//! Buyers matched by NIP (issue #13, item 5): a buyer whose NIP one Systim contractor has is
//! linked to it (`id_kontrahenta`), a new NIP's contractor is created once — also when the
//! `addCompany` answer is lost or the browser resent it — several contractors of one NIP are
//! reported and the order goes as before, private buyers stay as they were. Asserted from the
//! sandbox's state (which contractor each Systim order got, which contractors exist).

mod common;

use common::harness::*;
use common::world::World;
use serde_json::{json, Value};
use shoper_systim::engine::report::{Report, RunKind};
use shoper_systim::mem::MemStorage;

/// Demo contractors (`sandbox::systim::seed::CONTRACTORS`, ids from 1).
const HERBACIARNIA: u64 = 2; // 586-212-09-28, order 2's NIP spelled the same
const AKADEMIA: u64 = 6; // PL5252248481, order 10's 5252248481
const SEEDED: usize = 7;
/// Order 3's NIP, typed `PL 525 000 12 33`: no contractor has it yet.
const NEW_NIP: &str = "5250001233";

fn world_and_engine() -> (common::InProcess, TestEngine) {
    let world = lean_demo_world();
    let engine = engine_on(&world, MemStorage::new());
    (world, engine)
}

fn companies(world: &common::InProcess) -> Vec<Value> {
    world.systim_state()["companies"].as_array().cloned().unwrap_or_default()
}

/// Contractors whose NIP is `nip` in digits.
fn with_nip(world: &common::InProcess, nip: &str) -> Vec<u64> {
    let digits = |v: &Value| v.as_str().unwrap_or("").chars().filter(char::is_ascii_digit).collect::<String>();
    companies(world).iter().filter(|c| digits(&c["sent"]["nip"]) == nip).map(|c| c["id"].as_u64().unwrap()).collect()
}

/// The `id_kontrahenta` of each Systim order carrying the marker of shop order `id`.
fn linked(world: &common::InProcess, id: u64) -> Vec<Option<u64>> {
    let marker = format!("Shoper {id} @ ");
    let orders = systim_orders(world);
    let of = orders.iter().filter(|o| o["uwagi"].as_str().unwrap_or("").starts_with(&marker));
    of.map(|o| o["sent"]["id_kontrahenta"].as_str().map(|v| v.parse().unwrap())).collect()
}

/// Every note and problem entry of the orders section, as "reason: reference — detail".
fn lines(report: &Report) -> Vec<String> {
    let groups = report.sections.iter().flat_map(|s| s.problems.iter().chain(&s.notes));
    groups.flat_map(|g| g.items.iter().map(move |i| format!("{}: {} — {}", g.reason, i.reference, i.detail_pl))).collect()
}

fn has(report: &Report, reason: &str, reference: &str, detail: &str) -> bool {
    lines(report).iter().any(|l| l.starts_with(&format!("{reason}: {reference} — ")) && l.contains(detail))
}

#[test]
fn buyers_are_linked_by_nip_a_new_nip_is_created_once_and_private_buyers_stay_as_they_were() {
    let (world, engine) = world_and_engine();
    let report = run_ok(&engine, RunKind::Orders);
    // Same spelling, and `PL…` in Systim against plain digits in the shop.
    assert_eq!(linked(&world, 2), [Some(HERBACIARNIA)]);
    assert_eq!(linked(&world, 10), [Some(AKADEMIA)]);
    // `PL 525 000 12 33`: one contractor created, with the buyer's data, and the order linked to it.
    let created = with_nip(&world, NEW_NIP);
    assert_eq!(created.len(), 1, "{:?}", companies(&world));
    assert_eq!(linked(&world, 3), [Some(created[0])]);
    let sent = &companies(&world).into_iter().find(|c| c["id"] == created[0]).unwrap()["sent"];
    assert_eq!(
        (sent["nazwa"].as_str(), sent["nip"].as_str(), sent["kod"].as_str(), sent["miejscowosc"].as_str()),
        (Some("Kawiarnia \"Pod Lipą\" & Wspólnicy"), Some(NEW_NIP), Some("00-238"), Some("Warszawa"))
    );
    // Two contractors hold order 15's NIP: not guessed, the order goes as before, the report says why.
    assert_eq!(linked(&world, 15), [None]);
    assert!(has(&report, "contractor_ambiguous", "Zamówienie 15", "NIP 7792433421"), "{:#?}", lines(&report));
    // A private buyer: no contractor, no creation.
    assert_eq!(linked(&world, 1), [None]);
    assert_eq!(companies(&world).len(), SEEDED + 1);
    assert!(has(&report, "contractor_linked", "Zamówienie 2", "Herbaciarnia Zielińska"), "{:#?}", lines(&report));
    // A later run with a new order of that NIP links it to the same contractor, creating nothing.
    let again = world.control("POST", "/orders", json!({"lines": [{"code": "KUB-300", "quantity": 1}], "company": "Kawiarnia Pod Lipą", "nip": "525-000-12-33", "street": "ul. Długa 5", "postcode": "00-238", "city": "Warszawa"}));
    run_ok(&engine, RunKind::Orders);
    assert_eq!(linked(&world, again["order_id"].as_u64().unwrap()), [Some(created[0])]);
    assert_eq!(companies(&world).len(), SEEDED + 1);
    assert_orders_settled(&world);
}

#[test]
fn two_orders_of_one_new_nip_in_one_run_make_one_contractor() {
    let (world, engine) = world_and_engine();
    let spec = |email: &str| json!({"lines": [{"code": "KUB-300", "quantity": 1}], "email": email, "company": "Pracownia Ceramiki Nowak", "nip": "PL 676-000-00-03", "street": "ul. Garncarska 2", "postcode": "31-001", "city": "Kraków"});
    let a = world.control("POST", "/orders", spec("a@example.pl"))["order_id"].as_u64().unwrap();
    let b = world.control("POST", "/orders", spec("b@example.pl"))["order_id"].as_u64().unwrap();
    run_ok(&engine, RunKind::Orders);
    let created = with_nip(&world, "6760000003");
    assert_eq!(created.len(), 1);
    assert_eq!((linked(&world, a), linked(&world, b)), (vec![Some(created[0])], vec![Some(created[0])]));
    let sends = world.sandbox.borrow().log.iter().filter(|e| e.act == "addCompany").count();
    assert_eq!(sends, 2, "order 3's NIP and this one, each once");
}

#[test]
fn a_lost_add_company_answer_is_checked_by_nip_before_anything_is_sent_again() {
    let (world, engine) = world_and_engine();
    inject(&world, "systim", "drop_after_commit", 1, "addCompany");
    let report = run_ok(&engine, RunKind::Orders);
    // Created (the answer lost), found by the list read right after, used — not sent again.
    let created = with_nip(&world, NEW_NIP);
    assert_eq!(created.len(), 1, "{:?}", companies(&world));
    assert_eq!(linked(&world, 3), [Some(created[0])]);
    assert!(!problem_reasons(&report).contains(&"contractor_creation_unclear"), "{:?}", problem_reasons(&report));
    run_ok(&engine, RunKind::Orders);
    let sends = world.sandbox.borrow().log.iter().filter(|e| e.act == "addCompany").count();
    assert_eq!((sends, with_nip(&world, NEW_NIP).len()), (1, 1));
    assert_orders_settled(&world);
}

#[test]
fn orders_wait_for_a_contractor_whose_creation_could_not_be_checked() {
    let (world, engine) = world_and_engine();
    inject(&world, "systim", "drop_after_commit", 1, "addCompany");
    // The list read after the creation fails too (every retry): nothing tells whether it happened.
    let w = world.clone();
    world.after_call("act=addCompany", 1, move || inject(&w, "systim", "http503", 20, "listCompanies"));
    let first = run(&engine, RunKind::Orders, false);
    assert!(problem_reasons(&first).contains(&"contractor_creation_unclear"), "{:?}", problem_reasons(&first));
    assert_eq!(with_nip(&world, NEW_NIP).len(), 1);
    assert!(linked(&world, 3).is_empty(), "order 3 was sent before its contractor was checked");
    assert_eq!(linked(&world, 2), [Some(HERBACIARNIA)], "the other orders went");
    world.control("DELETE", "/faults", Value::Null);
    run_ok(&engine, RunKind::Orders);
    let created = with_nip(&world, NEW_NIP);
    assert_eq!(created.len(), 1, "the contractor was created again");
    assert_eq!(linked(&world, 3), [Some(created[0])]);
    let sends = world.sandbox.borrow().log.iter().filter(|e| e.act == "addCompany").count();
    assert_eq!(sends, 1);
    assert_orders_settled(&world);
}

#[test]
fn a_contractor_the_browser_created_twice_is_reported_and_the_oldest_used() {
    let world = lean_demo_world().browser_like(true);
    let engine = engine_on(&world, MemStorage::new());
    // Served, the connection closed before the answer, the browser resends: two contractors,
    // the answer (the resend's) names the newer one.
    inject(&world, "systim", "write_then_close", 1, "addCompany");
    let first = run_ok(&engine, RunKind::Orders);
    let copies = with_nip(&world, NEW_NIP);
    assert_eq!(copies.len(), 2, "the browser's resend did not happen: {:?}", companies(&world));
    // Found by the list read right after the creation: the order gets the oldest, the copy is named.
    assert_eq!(linked(&world, 3), [Some(copies[0])]);
    let doubled = format!("używany id {}, usuń id {}", copies[0], copies[1]);
    assert!(has(&first, "systim_contractor_doubled", &format!("NIP {NEW_NIP}"), &doubled), "{:#?}", lines(&first));
    let report = run_ok(&engine, RunKind::Orders);
    assert!(has(&report, "systim_contractor_doubled", &format!("NIP {NEW_NIP}"), &doubled), "reported until deleted: {:#?}", lines(&report));
    // Nothing created on top of them; a new order of that NIP gets the oldest.
    let again = world.control("POST", "/orders", json!({"lines": [{"code": "KUB-300", "quantity": 1}], "company": "Kawiarnia Pod Lipą", "nip": NEW_NIP, "street": "ul. Długa 5", "postcode": "00-238", "city": "Warszawa"}));
    run_ok(&engine, RunKind::Orders);
    assert_eq!(with_nip(&world, NEW_NIP).len(), 2);
    assert_eq!(linked(&world, again["order_id"].as_u64().unwrap()), [Some(copies[0])]);
    assert_orders_settled(&world);
}

/// The NIP is stored before `addCompany` leaves: a run that dies after the browser's resend made
/// two contractors (before any list was read again) leaves the next run knowing they are its own
/// — it uses the oldest and names the copy, instead of calling the buyer ambiguous.
#[test]
fn copies_made_by_a_run_that_died_after_sending_are_known_as_its_own_next_time() {
    let world = lean_demo_world().browser_like(true);
    let engine = engine_on(&world, MemStorage::new());
    let store = engine.store.clone();
    inject(&world, "systim", "write_then_close", 1, "addCompany");
    // The creation is served, its connection closes, the browser resends (served too); the
    // extension's background dies at the next call (the list read after the creation).
    let w = world.clone();
    world.before_call("act=listCompanies", 2, move || w.kill_after(0, false));
    assert!(drive(engine.run(request(RunKind::Orders))).is_none(), "the run was not killed");
    world.heal();
    world.clear_hook();
    drop(engine);
    let copies = with_nip(&world, NEW_NIP);
    assert_eq!(copies.len(), 2, "the browser's resend did not happen: {:?}", companies(&world));
    outlive_lock(&world);
    let fresh = engine_resumed(&world, store);
    let report = run_ok(&fresh, RunKind::Orders);
    assert_eq!(linked(&world, 3), [Some(copies[0])], "{:#?}", lines(&report));
    let doubled = format!("używany id {}, usuń id {}", copies[0], copies[1]);
    assert!(has(&report, "systim_contractor_doubled", &format!("NIP {NEW_NIP}"), &doubled), "{:#?}", lines(&report));
    assert_eq!(with_nip(&world, NEW_NIP).len(), 2, "created again");
    assert_orders_settled(&world);
}

#[test]
fn nip_spellings_meet_as_digits() {
    use shoper_systim::plan::contractors::{nip_key, nip_text};
    for raw in ["5862120928", "586-212-09-28", "PL5862120928", "pl 586 212 09 28", "PL-586-212-09-28", " 586.212.09.28 "] {
        assert_eq!(nip_key(raw).map(nip_text).as_deref(), Some("5862120928"), "{raw}");
    }
    for raw in ["", "DE123456789", "CZ5862120928", "58621209", "586212092812"] {
        assert_eq!(nip_key(raw), None, "{raw}");
    }
}

#[test]
fn the_preview_names_the_contractor_of_each_order_and_changes_nothing() {
    let (world, engine) = world_and_engine();
    let before = companies(&world);
    let preview = run(&engine, RunKind::Orders, true);
    assert!(has(&preview, "contractor_linked", "Zamówienie 2", &format!("id {HERBACIARNIA}, Herbaciarnia")), "{:#?}", lines(&preview));
    assert!(has(&preview, "contractor_created", "Zamówienie 3", &format!("NIP {NEW_NIP}")), "{:#?}", lines(&preview));
    assert!(has(&preview, "contractor_ambiguous", "Zamówienie 15", "NIP 7792433421"), "{:#?}", lines(&preview));
    assert!(!lines(&preview).iter().any(|l| l.contains("Zamówienie 1 —")), "a private buyer is not named");
    assert_eq!(companies(&world), before);
    assert!(systim_orders(&world).is_empty());
}

#[test]
fn with_the_setting_off_nothing_is_read_linked_or_created() {
    let world = lean_demo_world();
    let mut settings = demo_settings(&world);
    settings.orders.link_contractors = false;
    let engine = engine_with(&world, MemStorage::new(), settings);
    run_ok(&engine, RunKind::Orders);
    assert_eq!(linked(&world, 2), [None]);
    assert_eq!(companies(&world).len(), SEEDED);
    assert!(!world.sandbox.borrow().log.iter().any(|e| e.act == "listCompanies"));
}
