#![cfg(not(target_arch = "wasm32"))]
//! "Eksportuj ustawienia" / "Importuj ustawienia" through the message protocol: a file from one
//! installation sets up another (with or without the keys), a bad file changes nothing, and the
//! keys leave only when asked for.

mod common;

use common::harness::*;
use common::world::World;
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Effect, Sender, SenderKind};
use shoper_systim::engine::report::RunKind;
use shoper_systim::io::Storage;
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::OrderDiscountPolicy;

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/options.html".into(), tab_id: None }
}

fn ask<W: World>(engine: &EngineOn<W>, msg: Value) -> (Value, Vec<Effect>) {
    let handled = block_on(engine.handle_message(&msg, &page()));
    (handled.reply, handled.effects)
}

/// Everything an installation keeps about its setup (storage keys `connection` and `settings`).
fn setup_of(store: &MemStorage) -> (Option<String>, Option<String>) {
    block_on(async { (store.get("connection").await.unwrap(), store.get("settings").await.unwrap()) })
}

#[test]
fn a_file_with_keys_sets_up_a_fresh_installation_that_then_imports_the_same_orders() {
    let world = demo_world();
    let mut settings = demo_settings(&world);
    settings.interval_minutes = 7;
    settings.orders.order_discount = OrderDiscountPolicy::Hold;
    let first = engine_with(&world, MemStorage::new(), settings.clone());
    let (file, _) = ask(&first, json!({"type": "exportSettings", "withKeys": true}));
    assert_eq!(file["ok"], json!(true), "{file}");
    assert!(file["filename"].as_str().unwrap().ends_with("-z-kluczami.json"), "{}", file["filename"]);
    let content = file["content"].as_str().unwrap();
    for secret in connection(&world).secrets() {
        assert!(content.contains(secret), "asked for the keys: they are in the file");
    }

    let second = engine_resumed(&world, MemStorage::new());
    let (answer, effects) = ask(&second, json!({"type": "importSettings", "content": content}));
    assert_eq!(answer["ok"], json!(true), "{answer}");
    assert_eq!((answer["connectionSaved"].clone(), answer["keysIncluded"].clone()), (json!(true), json!(true)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Alarm { .. } | Effect::ClearAlarm { .. })), "the standing effects follow: {effects:?}");
    let (conn, _) = ask(&second, json!({"type": "revealKeys"}));
    assert_eq!(conn["connection"], serde_json::to_value(connection(&world)).unwrap());
    assert_eq!(block_on(second.settings()), settings);
    // The imported setup works: the second installation runs as the first would.
    run_ok(&second, RunKind::Orders);
    assert!(!systim_orders(&world).is_empty());
}

#[test]
fn a_file_without_keys_carries_no_key_and_leaves_them_to_be_typed() {
    let world = demo_world();
    let first = engine_on(&world, MemStorage::new());
    let (file, _) = ask(&first, json!({"type": "exportSettings"}));
    let content = file["content"].as_str().unwrap();
    for secret in connection(&world).secrets() {
        assert!(!content.contains(secret), "a key in a file exported without keys");
    }
    // A fresh installation: the settings apply, the connection comes back for the form.
    let store = MemStorage::new();
    let fresh = engine_resumed(&world, store.clone());
    let (answer, _) = ask(&fresh, json!({"type": "importSettings", "content": content}));
    assert_eq!(answer["ok"], json!(true), "{answer}");
    assert_eq!((answer["connectionSaved"].clone(), answer["keysIncluded"].clone()), (json!(false), json!(false)));
    assert_eq!(answer["connection"]["shopUrl"], json!(world.shop_url()));
    assert_eq!(answer["connection"]["systimKey"], json!(""));
    assert_eq!(setup_of(&store).0, None, "no connection stored without its keys");
    assert_eq!(block_on(fresh.settings()), demo_settings(&world));
    // The same installation (its keys stored): the file updates the settings, the keys stay.
    let (again, _) = ask(&first, json!({"type": "importSettings", "content": content}));
    assert_eq!(again["connectionSaved"], json!(true), "{again}");
    assert_eq!(block_on(first.connection()), connection(&world));
}

#[test]
fn a_file_of_another_version_or_with_bad_values_changes_nothing() {
    let world = demo_world();
    let store = MemStorage::new();
    let engine = engine_with(&world, store.clone(), demo_settings(&world));
    let (file, _) = ask(&engine, json!({"type": "exportSettings", "withKeys": true}));
    let content = file["content"].as_str().unwrap().to_string();
    let before = setup_of(&store);
    let other_shop = content.replace(&world.shop_url(), "ftp://sklep.example.pl");
    let cases = [
        (content.replace("\"version\": 1", "\"version\": 2"), "settings_file_version", "nowszej wersji"),
        (content.replace("\"interval_minutes\": 1", "\"interval_minutes\": 0"), "settings_file_invalid", "interval_minutes"),
        (content.replace("\"missing_product\": \"hold\"", "\"missing_product\": \"skip\""), "settings_file_invalid", "orders.missing_product"),
        (other_shop, "settings_file_invalid", "connection.shopUrl"),
        ("{\"to\": \"nie ten plik\"}".to_string(), "settings_file_unreadable", "To nie jest plik ustawień"),
        ("PK\u{3}\u{4}binarne".to_string(), "settings_file_unreadable", "To nie jest plik ustawień"),
    ];
    for (bad, code, says) in cases {
        let (answer, effects) = ask(&engine, json!({"type": "importSettings", "content": bad}));
        assert_eq!(answer["error"]["code"], json!(code), "{answer}");
        let text = answer["error"]["message_pl"].as_str().unwrap();
        assert!(text.contains(says) && text.contains("Nic nie zmieniono"), "{text}");
        assert!(effects.is_empty());
        assert_eq!(setup_of(&store), before, "{code}: the stored setup changed");
    }
}
