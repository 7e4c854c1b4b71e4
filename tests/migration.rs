#![cfg(not(target_arch = "wasm32"))]
//! Updates keep data (issue #17): the stored data of a released version — captured by that
//! version from the in-process sandbox into `tests/fixtures/storage-<version>.json` — is read by
//! this version: every record read, every setting and ledger entry kept, nothing imported twice.
//!
//! Each release captures its own fixture before the version is bumped:
//! `CAPTURE_FIXTURE=1 cargo test --test migration capture_fixture -- --ignored` writes
//! `tests/fixtures/storage-<the crate's version>.json` (docs/release.md).

mod common;

use common::fixture::{Capture, FIXTURES};
use common::harness::*;
use common::world::World;
use pollster::block_on;
use sandbox::systim::config::Profile;
use serde_json::json;
use shoper_systim::engine::api::{Sender, SenderKind, AUTO_ALARM};
use shoper_systim::engine::report::RunKind;
use shoper_systim::settings::Settings;

const HOUR_MS: u64 = 3_600_000;

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

/// Writes this version's fixture (run by hand for a release; see the top of this file).
#[test]
#[ignore]
fn capture_fixture() {
    if std::env::var("CAPTURE_FIXTURE").as_deref() != Ok("1") {
        eprintln!("set CAPTURE_FIXTURE=1 to write tests/fixtures/storage-{}.json", env!("CARGO_PKG_VERSION"));
        return;
    }
    let capture = capture_life();
    let about = "storage.local of the extension after a scripted life on the in-process demo sandbox (tests/migration.rs: capture_life), and the sandbox events that life caused; written by `CAPTURE_FIXTURE=1 cargo test --test migration capture_fixture -- --ignored`. Never edited by hand.";
    let json = capture.into_json(about);
    std::fs::create_dir_all(FIXTURES).unwrap();
    let path = format!("{FIXTURES}/storage-{}.json", env!("CARGO_PKG_VERSION"));
    std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(&json).unwrap())).unwrap();
    eprintln!("wrote {path}");
}
