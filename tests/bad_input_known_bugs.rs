#![allow(unexpected_cfgs)]
#![cfg(bad_input_known_bugs)]
//! Rows of `docs/bad-input.md` marked FAILS: each test asserts the correct behaviour, which the
//! code does not have yet, so they are kept out of the default run. Run them with
//!
//! ```sh
//! cargo rustc --profile test --test bad_input_known_bugs -- --cfg bad_input_known_bugs
//! "$(ls -t target/debug/deps/bad_input_known_bugs-* | grep -v '\.d$' | head -1)"
//! ```
//!
//! (or `RUSTFLAGS="--cfg bad_input_known_bugs" cargo test --test bad_input_known_bugs`, which
//! rebuilds every dependency). The binary also runs the passing rows of `tests/bad_input.rs`,
//! whose helpers it shares. When a bug is fixed, move its test into `tests/bad_input.rs` and
//! drop FAILS from its row.

#[path = "bad_input.rs"]
mod catalogue;

use catalogue::kit::*;
use catalogue::{nothing_changes, serves_page, systim_quantity_reads};
use serde_json::json;
use shoper_systim::engine::report::{Part, RunKind};

/// A Systim quantity that cannot be read drops the whole Systim product: in "Wyślij stany" its
/// orders are held as if the product were missing from Systim.
#[test]
fn orders_of_a_product_whose_stock_is_unreadable() {
    let case = demo();
    systim_quantity_reads(&case, "KAW-ETI-250", "brak");
    case.run(RunKind::SendStock);
    assert_eq!((case.in_systim(2), case.in_systim(3)), (1, 1), "orders with KAW-ETI-250 were held: {} / {}", case.ledger_state(2), case.ledger_state(3));
}

/// The stock report blames a missing product where the quantity was unreadable: it must say
/// `quantity_unreadable` („Nie udało się odczytać stanu w Systim — nic nie wysłano”).
#[test]
fn unreadable_stock_reported_as_unreadable() {
    let case = demo();
    systim_quantity_reads(&case, "KAW-ETI-250", "99999999999999999999");
    let report = case.run(RunKind::Stock);
    let blamed = listed(&report, Part::Stock, "not_in_systim", "KAW-ETI-250");
    assert!(blamed.is_none(), "KAW-ETI-250 is reported as missing from Systim: {:?}", blamed.map(|i| &i.detail_pl));
    shown(&report, Part::Stock, "quantity_unreadable", "KAW-ETI-250");
}

/// Settings saved by an older version with one value this version does not know (a renamed
/// choice) lose every other choice: the whole record silently falls back to the defaults —
/// start point, mappings, "stock push off" — and the next save overwrites it.
#[test]
fn settings_with_a_value_this_version_does_not_know() {
    let case = demo();
    let old = json!({
        "interval_minutes": 15,
        "orders": {"missing_product": "skip_line", "start": {"kind": "date", "value": "2026-11-01"}, "default_delivery_id": 1},
        "stock": {"enabled": false},
    });
    pollster::block_on(shoper_systim::io::Storage::set(&case.store.mem, "settings", &old.to_string())).unwrap();
    let settings = &case.ask(json!({"type": "getSettings"}))["settings"];
    assert_eq!(settings["interval_minutes"], 15, "{settings}");
    assert_eq!(settings["orders"]["start"]["value"], "2026-11-01", "{settings}");
    assert_eq!(settings["stock"]["enabled"], false, "{settings}");
    let before = case.shop_stock();
    case.run(RunKind::Auto);
    assert_eq!(case.shop_stock(), before, "stock was pushed although the merchant switched the stock push off");
}

/// A setting of the wrong type (`"interval_minutes": "15"`, as an older page sends it) is
/// refused with the field empty and serde's English text inside the Polish message.
#[test]
fn setting_of_the_wrong_type() {
    let case = demo();
    let mut settings = serde_json::to_value(demo_settings(&case.world)).unwrap();
    settings["interval_minutes"] = json!("15");
    let reply = nothing_changes(&case, || case.ask(json!({"type": "saveSettings", "settings": settings})));
    let field = &reply["error"]["fields"][0];
    assert_eq!(field["field"], "interval_minutes", "{reply}");
    let pl = field["message_pl"].as_str().unwrap();
    assert!(!pl.contains("invalid type") && !pl.contains("expected"), "English inside the Polish message: {pl}");
}

/// The fields missing from an address are listed as "ulica vs kod vs miejscowosc" (the
/// separator of a comparison) instead of a list.
#[test]
fn missing_address_fields_listed_as_a_list() {
    let case = demo();
    let report = case.run(RunKind::Orders);
    let item = group(&report, Part::Orders, "address_incomplete").items.iter().find(|i| i.reference == "Zamówienie 12").expect("order 12 is held");
    assert!(!item.detail_pl.contains(" vs "), "{}", item.detail_pl);
    for field in ["ulica", "kod", "miejscowosc"] {
        assert!(item.detail_pl.contains(field), "{}", item.detail_pl);
    }
}

/// A Systim account name with a typo on a server answering 404: the merchant is told it is
/// "usually a temporary failure on Systim's side — try again later", though retrying cannot help.
#[test]
fn unknown_systim_account_answering_404() {
    let case = demo();
    case.reconnect(|c| c.systim_account = "herbaciarnia-zielinska".into());
    serves_page(&case, "https://herbaciarnia-zielinska.systim.pl", 404, "<html><body><h1>Nie znaleziono konta</h1></body></html>");
    let report = nothing_changes(&case, || case.run(RunKind::SendStock));
    let message = &report.error.as_ref().expect("the run fails").message_pl;
    assert!(message.contains("nazwę konta") && !message.contains("chwilowa"), "{message}");
}

/// An account without the ASSUMED surface sends no product codes and no gross prices: every
/// order is held as "W Systim nie ma produktu o tym kodzie" and every product as "Cena brutto w
/// Systim nie jest większa od 0" instead of one message saying the account does not give codes.
#[test]
fn systim_account_without_product_codes() {
    let case = demo();
    configure_systim(&case.world, json!({"assumed_methods": false}));
    let report = case.run(RunKind::SendProducts);
    assert!(!reports(&report, Part::Orders, "not_in_systim"), "every order blamed on a missing product");
    assert!(!reports(&report, Part::Products, "systim_price_not_positive"), "an absent price reported as 0");
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.contains("kod_produktu"), "the report does not name the missing product codes");
}

/// A field ignored in a kept record (a missing `pl_PL` name, an EAN with a wrong check digit)
/// is listed under „Nieczytelne dane — te rekordy pominięto lub nie zmieniono”, though the
/// record was used and its stock written.
#[test]
fn kept_records_reported_as_skipped() {
    let case = scenario("multilang", |_| {});
    let report = case.run(RunKind::Stock);
    assert_eq!(case.stock_of("SITKO-EN"), 6_000);
    for g in groups(&report, Part::Stock, "unreadable_data") {
        if g.items.iter().any(|i| i.detail_pl.contains("translations.pl_PL")) {
            assert!(!g.title_pl.contains("pominięto lub nie zmieniono"), "{}", g.title_pl);
        }
    }
}

/// A full storage while saving the settings answers `storage_error`; a run answers
/// `storage_quota` for the same cause (docs/engine.md lists both; the UI keys on the code).
#[test]
fn full_storage_has_one_code() {
    let case = demo();
    case.store.mem.set_quota(Some(case.store.mem.total_bytes()));
    let mut settings = demo_settings(&case.world);
    settings.interval_minutes = 15;
    let reply = case.ask(json!({"type": "saveSettings", "settings": settings}));
    assert_eq!(reply["error"]["code"], "storage_quota", "{reply}");
}
