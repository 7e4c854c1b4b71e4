#![cfg(not(target_arch = "wasm32"))]
//! Pick lists and suggested mappings through the message protocol (`listChoices`,
//! `suggestMappings`): the shop's and Systim's lists by name, read with the stored keys and never
//! carrying one; an account without an assumed list gets Systim's standard payments by name; the
//! proposals pair Polish names and leave the settings untouched.

mod common;

use common::harness::*;
use common::world::World;
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Sender, SenderKind};
use shoper_systim::mem::MemStorage;

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/options.html".into(), tab_id: None }
}

fn ask<W: World>(engine: &EngineOn<W>, msg: Value) -> Value {
    block_on(engine.handle_message(&msg, &page())).reply
}

/// `{name: id}` of a list in an answer.
fn names(answer: &Value, kind: &str) -> Vec<(String, Value)> {
    answer["choices"][kind]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{kind}: {answer}"))
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_string(), i["id"].clone()))
        .collect()
}

fn has(list: &[(String, Value)], name: &str) -> Value {
    list.iter().find(|(n, _)| n == name).map(|(_, id)| id.clone()).unwrap_or_else(|| panic!("{name} not in {list:?}"))
}

#[test]
fn the_shops_lists_come_by_name_with_their_ids_and_no_key() {
    let world = demo_world();
    let engine = engine_on(&world, MemStorage::new());
    let kinds = ["shop_statuses", "shop_payments", "shop_shippings", "shop_currencies", "shop_languages", "shop_categories", "shop_warehouses"];
    let answer = ask(&engine, json!({"type": "listChoices", "kinds": kinds}));
    assert_eq!(answer["ok"], json!(true), "{answer}");
    let statuses = names(&answer, "shop_statuses");
    assert_eq!(has(&statuses, "anulowane"), json!(8));
    let cancelled = answer["choices"]["shop_statuses"]["items"].as_array().unwrap().iter().find(|i| i["name"] == "anulowane").unwrap();
    assert_eq!(cancelled["extra"], json!("4"), "a status comes with its type (4: not completed)");
    assert_eq!(has(&names(&answer, "shop_payments"), "Przelew tradycyjny"), json!(1));
    assert_eq!(has(&names(&answer, "shop_shippings"), "Paczkomat InPost 24/7"), json!(2));
    assert_eq!(has(&names(&answer, "shop_currencies"), "PLN"), json!(1));
    assert_eq!(has(&names(&answer, "shop_languages"), "pl_PL"), json!("pl_PL"));
    assert!(!names(&answer, "shop_categories").is_empty());
    let text = answer.to_string();
    for secret in connection(&world).secrets() {
        assert!(!text.contains(secret), "a key in the answer");
    }
}

#[test]
fn an_account_without_the_assumed_lists_gets_a_typed_id_and_the_standard_payments_by_name() {
    // the strict profile: Systim as public code shows it, no assumed list methods
    let world = demo_world_in(sandbox::systim::config::Profile::Strict);
    let engine = engine_on(&world, MemStorage::new());
    let answer = ask(&engine, json!({"type": "listChoices", "kinds": ["systim_payments", "systim_delivery", "systim_vat_rates"]}));
    assert_eq!(answer["ok"], json!(true), "{answer}");
    let payments = &answer["choices"]["systim_payments"];
    assert_eq!(payments["available"], json!(false));
    let standard: Vec<(u64, &str)> =
        payments["standard"].as_array().unwrap().iter().map(|i| (i["id"].as_u64().unwrap(), i["name"].as_str().unwrap())).collect();
    assert_eq!(standard, vec![(1, "przelew"), (2, "gotówka"), (3, "barter"), (4, "pobranie"), (5, "kompensata"), (6, "karta")]);
    assert_eq!(answer["choices"]["systim_delivery"]["available"], json!(false));
    assert!(!names(&answer, "systim_vat_rates").is_empty(), "VAT rates are a confirmed method");
    // payments proposed against the standard forms
    let proposals = ask(&engine, json!({"type": "suggestMappings", "mapping": "payment"}));
    let pairs: Vec<(String, u64)> =
        proposals["proposals"].as_array().unwrap().iter().map(|p| (p["shopName"].as_str().unwrap().to_string(), p["systimId"].as_u64().unwrap())).collect();
    assert!(pairs.contains(&("Płatności online PayU".to_string(), 1)), "{pairs:?}");
    assert!(!pairs.iter().any(|(name, _)| name.starts_with("PayPo")), "no proposal without a clear counterpart: {pairs:?}");
    assert!(pairs.contains(&("Płatność przy odbiorze (pobranie)".to_string(), 4)), "{pairs:?}");
}

#[test]
fn systim_lists_and_delivery_proposals_by_name_leave_the_settings_as_they_were() {
    let world = demo_world_in(GENEROUS);
    let engine = engine_on(&world, MemStorage::new());
    let answer = ask(&engine, json!({"type": "listChoices", "kinds": ["systim_stores", "systim_delivery", "systim_payments", "systim_categories"]}));
    assert_eq!(answer["ok"], json!(true), "{answer}");
    assert_eq!(has(&names(&answer, "systim_stores"), "Magazyn główny"), json!(1));
    assert_eq!(has(&names(&answer, "systim_delivery"), "Paczkomat InPost"), json!(3));
    assert_eq!(has(&names(&answer, "systim_payments"), "za pobraniem"), json!(4));
    assert!(names(&answer, "systim_categories").iter().any(|(n, _)| n == "Usługi"));

    let before = block_on(engine.settings());
    let proposals = ask(&engine, json!({"type": "suggestMappings", "mapping": "delivery"}));
    assert_eq!(proposals["ok"], json!(true), "{proposals}");
    let pairs: Vec<(String, String)> = proposals["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["shopName"].as_str().unwrap().to_string(), p["systimName"].as_str().unwrap().to_string()))
        .collect();
    for expected in [
        ("Paczkomat InPost 24/7", "Paczkomat InPost"),
        ("Kurier DPD", "Przesyłka kurierska"),
        ("Odbiór osobisty w sklepie", "Odbiór osobisty"),
        ("Poczta Polska — Pocztex", "Poczta Polska"),
    ] {
        assert!(pairs.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} in {pairs:?}");
    }
    assert_eq!(block_on(engine.settings()), before, "a proposal is never applied unseen");
}

#[test]
fn the_shipping_product_is_found_by_code_or_name_and_lists_are_kept_briefly() {
    let world = demo_world();
    let engine = engine_on(&world, MemStorage::new());
    let id = systim_product_id(&world, "DOSTAWA");
    let by_code = ask(&engine, json!({"type": "listChoices", "kinds": ["systim_products"], "query": "dosta"}));
    let found = &by_code["choices"]["systim_products"]["items"];
    assert!(found.as_array().unwrap().iter().any(|p| p["id"] == json!(id) && p["extra"] == "DOSTAWA"), "{by_code}");
    assert!(found.as_array().unwrap().len() <= 50);
    // the stored one is always answered, whatever the search
    let stored = ask(&engine, json!({"type": "listChoices", "kinds": ["systim_products"], "query": "zzz-nic", "ids": [id]}));
    assert_eq!(stored["choices"]["systim_products"]["items"][0]["id"], json!(id), "{stored}");

    // a list read once is reused; "Odśwież" reads it again
    let first = ask(&engine, json!({"type": "listChoices", "kinds": ["shop_shippings"]}));
    let calls = world.log().len();
    let again = ask(&engine, json!({"type": "listChoices", "kinds": ["shop_shippings"]}));
    assert_eq!(world.log().len(), calls, "served from storage");
    assert_eq!(again["choices"], first["choices"]);
    ask(&engine, json!({"type": "listChoices", "kinds": ["shop_shippings"], "refresh": true}));
    assert!(world.log().len() > calls, "Odśwież asks the shop again");
}

#[test]
fn unknown_lists_and_an_unset_connection_are_refused_clearly() {
    let world = demo_world();
    let engine = engine_on(&world, MemStorage::new());
    let bad = ask(&engine, json!({"type": "listChoices", "kinds": ["shop_secrets"]}));
    assert_eq!(bad["error"]["code"], json!("bad_message"));
    let fresh = engine_resumed(&world, MemStorage::new());
    let unset = ask(&fresh, json!({"type": "listChoices", "kinds": ["shop_payments"]}));
    assert_eq!(unset["error"]["code"], json!("not_configured"));
    assert!(unset["error"]["message_pl"].as_str().unwrap().contains("połączenie"));
}
