#![cfg(not(target_arch = "wasm32"))]
//! Updates keep data (issue #17): the stored data of a released version — captured by that
//! version from the in-process sandbox into `tests/fixtures/storage-<version>.json` — is read by
//! this version: every record read, every setting and ledger entry kept, nothing imported twice.
//!
//! Each release captures its own fixture before the version is bumped:
//! `CAPTURE_FIXTURE=1 cargo test --test migration capture_fixture` writes
//! `tests/fixtures/storage-<the crate's version>.json` (docs/release.md).

mod common;

use common::fixture::{Capture, Fixture, FIXTURES};
use common::harness::*;
use common::world::World;
use pollster::block_on;
use sandbox::systim::config::Profile;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Sender, SenderKind, AUTO_ALARM};
use shoper_systim::engine::badges::BadgeState;
use shoper_systim::engine::ledger::{Ledger, LedgerEntry, OrderState};
use shoper_systim::engine::report::{self, RunKind};
use shoper_systim::engine::store::ShopKeys;
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::Settings;
use std::collections::BTreeMap;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// The settings of the captured merchant: the demo's, with choices that differ from the defaults
/// (so that "every setting kept" can fail).
fn captured_settings<W: World>(world: &W) -> Settings {
    let mut s = demo_settings(world);
    s.interval_minutes = 5;
    s.stock.zero_brake_min_count = 7;
    s.products.create_inactive = true;
    s
}

/// A scripted life on the demo world: a preview, an import where the browser's resend doubles an
/// order, an answer lost on an account without `listOrders` (one order left unverifiable), a
/// stock push, a product preview. Leaves imported, doubled, held, waiting, skipped and
/// unverifiable orders, reports, history, the cursor, tokens, settings and the connection.
fn capture_life() -> Capture {
    let mut c = Capture::new(Profile::Generous);
    let engine = engine_with(&c.world, c.store.clone(), captured_settings(&c.world));
    // The options page: the connection checked (the account's methods probed and kept), then
    // auto-sync switched on.
    let page = Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://capture/options.html".into(), tab_id: None };
    let checks = block_on(engine.handle_message(&json!({"type": "testConnection"}), &page)).reply;
    assert_eq!(checks["ok"], true, "{checks}");
    let on = block_on(engine.handle_message(&json!({"type": "setAutoSync", "enabled": true}), &page)).reply;
    assert_eq!(on["ok"], true, "{on}");
    // 1. A preview, then the import; the browser resends the 6th addOrder (a copy in Systim).
    c.world.clock.advance(HOUR_MS);
    run(&engine, RunKind::Orders, true);
    c.note_systim();
    c.world.clock.advance(HOUR_MS);
    c.world.set_browser_like(true);
    let w = c.world.clone();
    c.world.after_call("act=addOrder", 5, move || inject(&w, "systim", "write_then_close", 1, "addOrder"));
    run(&engine, RunKind::Orders, false);
    c.world.set_browser_like(false);
    c.world.clear_hook();
    c.note_systim();
    // 2. Two new storefront orders on an account without listOrders; the first one's answer is
    //    lost after it was written: an intent, then (still no listOrders) unverifiable.
    c.world.clock.advance(HOUR_MS);
    c.place(json!({"lines": [{"code": "KAW-ETI-250", "quantity": 2}, {"code": "HER-AMP", "quantity": 1}], "shipping_cost": "14.99"}));
    c.place(json!({"lines": [{"code": "KUB-300", "quantity": 1}], "shipping_cost": "9.99"}));
    c.configure_systim(json!({"disabled_methods": ["listOrders"]}));
    inject(&c.world, "systim", "drop_after_commit", 1, "addOrder");
    run(&engine, RunKind::Orders, false);
    c.note_systim();
    c.world.clock.advance(HOUR_MS);
    run(&engine, RunKind::Orders, false);
    c.note_systim();
    // 3. A stock push (orders first), a product preview.
    c.world.clock.advance(HOUR_MS);
    run(&engine, RunKind::SendStock, false);
    c.note_systim();
    c.world.clock.advance(HOUR_MS);
    run(&engine, RunKind::SendProducts, true);
    c.note_systim();
    // 4. The alarm's automatic run.
    c.world.clock.advance(HOUR_MS);
    let (id, req) = block_on(engine.on_alarm(AUTO_ALARM)).expect("the alarm starts a run");
    block_on(engine.run_started(id, req));
    c.note_systim();
    c
}

/// The scripted life this version would capture is at least as rich as the last released
/// fixture: every kind of record and every ledger state the fixture holds, this version writes
/// too — so the next release's fixture tests as much. With `CAPTURE_FIXTURE=1` (a release, see
/// the top of this file) it is also written to `tests/fixtures/storage-<version>.json`.
#[test]
fn capture_fixture() {
    let capture = capture_life();
    let about = "storage.local of the extension after a scripted life on the in-process demo sandbox (tests/migration.rs: capture_life), and the sandbox events that life caused; written by `CAPTURE_FIXTURE=1 cargo test --test migration capture_fixture`. Never edited by hand.";
    let json = capture.into_json(about);
    let captured = Fixture { json: json.clone() };
    let released = Fixture::load(FIXTURE);
    let kinds = |fx: &Fixture| {
        fx.storage_map()
            .keys()
            .map(|k| k.split(':').filter(|part| part.parse::<u64>().is_err()).collect::<Vec<_>>().join(":"))
            .collect::<std::collections::BTreeSet<String>>()
    };
    let missing: Vec<String> = kinds(&released).difference(&kinds(&captured)).cloned().collect();
    assert!(missing.is_empty(), "this version's capture lacks records the released fixture has: {missing:?}");
    let states = |store: &MemStorage| ledger_states(store).values().map(|e| state_name(&e.state)).collect::<std::collections::BTreeSet<_>>();
    let lacking: Vec<&str> = states(&released.storage()).difference(&states(&captured.storage())).copied().collect();
    assert!(lacking.is_empty(), "this version's capture lacks ledger states the released fixture has: {lacking:?}");
    if std::env::var("CAPTURE_FIXTURE").as_deref() != Ok("1") {
        return;
    }
    std::fs::create_dir_all(FIXTURES).unwrap();
    let path = format!("{FIXTURES}/storage-{}.json", env!("CARGO_PKG_VERSION"));
    std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(&json).unwrap())).unwrap();
    eprintln!("wrote {path}");
}

// --- the next version on the fixture's data -------------------------------------------------

const FIXTURE: &str = "storage-0.1.0.json";
const SHOP: &str = "shop:127.0.0.1:18001";

/// The fixture's sandbox and storage, a day later, under a fresh engine of this version that has
/// just received `runtime.onInstalled` with reason "update".
fn updated() -> (Fixture, common::InProcess, MemStorage, TestEngine) {
    let fx = Fixture::load(FIXTURE);
    assert_eq!(fx.version(), "0.1.0");
    let world = fx.replay_world();
    world.clock.advance(DAY_MS);
    let store = fx.storage();
    let engine = engine_resumed(&world, store.clone());
    block_on(engine.on_installed("update"));
    (fx, world, store, engine)
}

fn add_order_calls(world: &common::InProcess) -> usize {
    world.sandbox.borrow().log.iter().filter(|e| e.act == "addOrder").count()
}

fn ledger_states(store: &MemStorage) -> BTreeMap<u64, LedgerEntry> {
    let prefix = format!("{SHOP}:order:");
    store
        .keys()
        .iter()
        .filter_map(|k| k.strip_prefix(&prefix)?.parse::<u64>().ok())
        .map(|id| (id, block_on(Ledger::new(store, ShopKeys::new(SHOP_HOST)).get(id)).unwrap().unwrap()))
        .collect()
}

#[test]
fn the_update_reads_every_record_of_0_1_0_and_keeps_every_setting_and_ledger_entry() {
    let (fx, world, store, engine) = updated();
    // The version is recorded; nothing else was rewritten (0.2.0 changes no record's shape).
    let schema: Value = serde_json::from_str(&store.raw("schema_version").unwrap()).unwrap();
    assert_eq!((schema["version"].as_u64(), schema["by"].as_str()), (Some(2), Some(env!("CARGO_PKG_VERSION"))));
    let before = fx.storage_map();
    for (key, value) in &before {
        assert_eq!(store.raw(key).as_deref(), Some(value.as_str()), "{key} changed or went");
    }
    let added: Vec<String> = store.keys().into_iter().filter(|k| !before.contains_key(k)).collect();
    assert_eq!(added, ["schema_version"]);
    // Every key is of a kind this version reads (a new kind in a later fixture needs a check here).
    for key in before.keys() {
        let known = ["connection", "settings", "tokens", "history", "auto:last_run_ms"].contains(&key.as_str())
            || key.starts_with("report:")
            || [":cursor", ":open", ":doubled", ":reserving"].iter().any(|s| key == &format!("{SHOP}{s}"))
            || key.starts_with(&format!("{SHOP}:order:"));
        assert!(known, "a record of an unknown kind in the fixture: {key}");
    }

    // Settings: every stored field kept, none reset, the new one at its default.
    let (settings, reset) = block_on(engine.settings_with_notes());
    assert!(reset.is_empty(), "settings reset: {reset:?}");
    let mut expected = captured_settings(&world);
    expected.auto_sync = true;
    assert_eq!(settings, expected);
    assert_eq!(settings.orders.ledger_days, 180);
    let stored = fx.record("settings");
    let now = serde_json::to_value(&settings).unwrap();
    for (group, fields) in stored.as_object().unwrap() {
        match fields.as_object() {
            Some(map) => map.iter().for_each(|(f, v)| assert_eq!(&now[group][f], v, "{group}.{f}")),
            None => assert_eq!(&now[group], fields, "{group}"),
        }
    }
    // The connection, configured as it was; the auto-sync alarm and the admin-panel script are
    // set up again by the update event.
    // (every field as stored; fields added since, such as the shop's other addresses, empty)
    let connection = serde_json::to_value(block_on(engine.connection())).unwrap();
    for (field, value) in connection.as_object().unwrap() {
        match fx.record("connection").get(field) {
            Some(stored) => assert_eq!(value, stored, "connection.{field}"),
            None => assert!(value.as_array().is_some_and(|a| a.is_empty()) || value == "", "a field added since 0.1.0 has a value: {field} = {value}"),
        }
    }
    assert!(fx.record("connection").as_object().unwrap().keys().all(|k| connection.get(k).is_some()), "a stored connection field was lost");
    let page = Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://x/options.html".into(), tab_id: None };
    let status = block_on(engine.handle_message(&json!({"type": "getStatus"}), &page)).reply;
    assert_eq!((status["configured"].as_bool(), status["autoSync"]["enabled"].as_bool()), (Some(true), Some(true)), "{status}");
    assert_eq!(status["autoSync"]["nextRunMs"], json!(fx.record("auto:last_run_ms").as_u64().unwrap() + 5 * 60_000));
    // History and every report.
    let history = block_on(report::history(&store));
    let ids: Vec<String> = fx.record("history").as_array().unwrap().iter().map(|r| r["runId"].as_str().unwrap().to_string()).collect();
    assert_eq!(history.iter().map(|r| r.run_id.clone()).collect::<Vec<_>>(), ids);
    for id in &ids {
        let report = block_on(report::find(&store, Some(id))).unwrap_or_else(|| panic!("report {id} unreadable"));
        assert_eq!(&report.summary.run_id, id);
        let shown = block_on(engine.handle_message(&json!({"type": "getReport", "runId": id}), &page)).reply;
        assert_eq!(shown["report"]["runId"], json!(id));
    }
    // Every ledger entry reads, as it was, and its badge says the same.
    let ledger = ledger_states(&store);
    assert_eq!(ledger.len(), 14);
    let kinds: Vec<&str> = ledger.values().map(|e| state_name(&e.state)).collect();
    for kind in ["imported", "skipped", "held", "waiting", "unverifiable"] {
        assert!(kinds.contains(&kind), "no {kind} entry in the fixture: {kinds:?}");
    }
    assert!(ledger.values().any(|e| matches!(&e.state, OrderState::Imported { copies, .. } if !copies.is_empty())), "no doubled entry");
    for (id, entry) in &ledger {
        let stored: LedgerEntry = serde_json::from_str(fx.json["storage"][format!("{SHOP}:order:{id}")].as_str().unwrap()).unwrap();
        assert_eq!(entry, &stored);
    }
    let badges = block_on(engine.order_badges(&ledger.keys().copied().collect::<Vec<_>>()));
    for (id, entry) in &ledger {
        let want = match &entry.state {
            OrderState::Imported { copies, .. } if !copies.is_empty() => BadgeState::Doubled,
            OrderState::Imported { .. } => BadgeState::Imported,
            OrderState::Skipped { .. } => BadgeState::NotImported,
            OrderState::Held { .. } | OrderState::Unverifiable { .. } => BadgeState::Held,
            OrderState::Waiting { .. } | OrderState::Intent { .. } => BadgeState::Pending,
        };
        assert_eq!(badges[&id.to_string()].state, want, "order {id}");
    }
}

fn state_name(state: &OrderState) -> &'static str {
    match state {
        OrderState::Intent { .. } => "intent",
        OrderState::Imported { .. } => "imported",
        OrderState::Held { .. } => "held",
        OrderState::Waiting { .. } => "waiting",
        OrderState::Skipped { .. } => "skipped",
        OrderState::Unverifiable { .. } => "unverifiable",
    }
}

/// New orders are imported once; nothing the fixture recorded is sent again — not even with
/// the account still without `listOrders` (so Systim's markers cannot stand in for the ledger).
#[test]
fn after_the_update_nothing_is_imported_twice_and_new_orders_once() {
    let (fx, world, store, engine) = updated();
    let before_markers: BTreeMap<u64, usize> = (1..=14).map(|id| (id, marker_count(&world, id))).collect();
    assert_eq!(before_markers[&10], 2, "the doubled order's two copies");
    let sent = add_order_calls(&world);
    let a = world.control("POST", "/orders", json!({"lines": [{"code": "KUB-300", "quantity": 1}], "shipping_cost": "9.99"}))["order_id"].as_u64().unwrap();
    let b = world.control("POST", "/orders", json!({"lines": [{"code": "HER-AMP", "quantity": 2}], "shipping_cost": "9.99"}))["order_id"].as_u64().unwrap();
    assert_eq!((a, b), (15, 16));
    let report = run(&engine, RunKind::Orders, false);
    assert!(report.error.is_none(), "{:?}", report.error);
    let held = problem_reasons(&report);
    assert!(held.contains(&"import_unverifiable") && held.contains(&"order_doubled"), "the merchant is still told: {held:?}");
    world.clock.advance(HOUR_MS);
    run_ok(&engine, RunKind::SendStock);
    world.clock.advance(HOUR_MS);
    run_ok(&engine, RunKind::Auto);
    assert_eq!(add_order_calls(&world) - sent, 2, "exactly the two new orders were sent");
    for (id, n) in before_markers {
        assert_eq!(marker_count(&world, id), n, "order {id} was sent again");
    }
    assert_eq!((marker_count(&world, a), marker_count(&world, b)), (1, 1));
    assert_eq!(fx.record(&format!("{SHOP}:cursor"))["last_order_id"], 14);
    assert_eq!(store.raw(&format!("{SHOP}:cursor")).unwrap(), r#"{"last_order_id":16}"#);
}

/// The account answers `listOrders` again: the import 0.1.0 could not verify is found in
/// Systim by its marker and recorded — not sent a second time.
#[test]
fn the_unverifiable_import_of_0_1_0_is_found_once_the_account_can_be_checked() {
    let (_fx, world, store, engine) = updated();
    let sent = add_order_calls(&world);
    configure_systim(&world, json!({"disabled_methods": []}));
    run_ok(&engine, RunKind::Orders);
    assert_eq!(add_order_calls(&world), sent, "nothing sent");
    assert_eq!(marker_count(&world, 13), 1);
    let entry = ledger_states(&store).remove(&13).unwrap();
    assert!(matches!(entry.state, OrderState::Imported { reconciled: true, .. }), "{entry:?}");
}

/// Data written by a newer version (the merchant went back to an older build) is not read: runs
/// refuse to start with a Polish message, and nothing is changed or sent.
#[test]
fn data_of_a_newer_version_stops_runs_and_is_left_as_it_is() {
    let (_fx, world, store, engine) = updated();
    block_on(shoper_systim::io::Storage::set(&store, "schema_version", r#"{"version":99,"by":"9.0.0","at_ms":1}"#)).unwrap();
    let before = store.dump();
    let sent = add_order_calls(&world);
    world.control("POST", "/orders", json!({"lines": [{"code": "KUB-300", "quantity": 1}], "shipping_cost": "9.99"}));
    let report = run(&engine, RunKind::Orders, false);
    let error = report.error.expect("refused");
    assert!(error.message_pl.contains("nowsza wersja rozszerzenia"), "{error:?}");
    assert_eq!(add_order_calls(&world), sent);
    for line in before.lines().filter(|l| !l.starts_with("history=") && !l.starts_with("report:")) {
        assert!(store.dump().contains(line), "changed: {line}");
    }
}
