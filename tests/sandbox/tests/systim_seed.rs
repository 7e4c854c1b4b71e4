//! Seeding from the neutral catalogue: stable ids and the traps a real account has.

mod systim_support;

use serde_json::Value;
use systim_support::*;

fn products(st: &mut sandbox::systim::SystimState) -> Value {
    let t = login(st, T0);
    call(st, &t, "listProducts", &[], T0)["result"].clone()
}

#[test]
fn seeded_traps_are_present() {
    let mut st = demo();
    let p = products(&mut st);
    let by_code = |code: &str| p.as_object().unwrap().values().filter(|r| r["kod_produktu"] == code).cloned().collect::<Vec<_>>();
    assert_eq!(by_code("MLY-ZEL ").len(), 1, "trailing space kept");
    assert!(by_code("MLY-ZEL").is_empty());
    let miod = by_code("MIOD-LIP");
    assert_eq!(miod.len(), 2, "duplicated code");
    assert_ne!(miod[0]["id"], miod[1]["id"]);
    assert_eq!(by_code("CZEK-GORZ-70").len(), 1);
    let no_code = by_code("");
    assert!(no_code.iter().any(|r| r["nazwa"] == "Zestaw prezentowy Zima"));
    let free = &by_code("GRAT-KUB")[0];
    assert_eq!((free["cena_brutto"].as_str(), free["cena_netto"].as_str()), (Some("0.00"), Some("0.00")));
    let dostawa = &by_code("DOSTAWA")[0];
    assert_eq!((dostawa["rodzaj"].as_str(), dostawa["jednostka"].as_str(), dostawa["cena_brutto"].as_str()), (Some("1"), Some("usł."), Some("14.99")));
    assert_eq!(dostawa["id_kategorii"], "2", "Usługi");
    assert_eq!(by_code("ZUR-SUSZ")[0]["stawka_vat"], "2", "8 % in Systim");
    assert_eq!(by_code("VOUCH-50")[0]["stawka_vat"], "5", "zw in Systim");
    assert_eq!(by_code("HER-CZA-50")[0]["ilosc"], "-2.00");
}

#[test]
fn ids_are_stable_and_follow_item_order() {
    let sc = sandbox::catalogue::demo();
    let mut a = demo();
    let mut b = demo();
    assert_eq!(products(&mut a), products(&mut b));
    let systim_items: Vec<_> = sc.items.iter().filter_map(|i| i.systim.as_ref()).collect();
    let st = demo();
    let state = st.state_json();
    let seeded = state["products"].as_array().unwrap();
    assert_eq!(seeded.len(), systim_items.len());
    for (i, (rec, item)) in seeded.iter().zip(&systim_items).enumerate() {
        assert_eq!(rec["id"], i as u64 + 1);
        assert_eq!(rec["kod_produktu"], item.code.as_str());
        assert_eq!(rec["cena_brutto"], item.price_gross);
    }
    assert_eq!(seeded[5]["note"], "trailing space in Systim code");
}

#[test]
fn categories_come_from_items_after_the_fixed_two() {
    let st = demo();
    let state = st.state_json();
    let names: Vec<&str> = state["categories"].as_array().unwrap().iter().map(|c| c["nazwa"].as_str().unwrap()).collect();
    assert_eq!(&names[..4], ["Domyślna", "Usługi", "Kubki i filiżanki", "Herbaty"]);
    assert!(names.contains(&"Kubki i filizanki") && names.contains(&"Szkło"));
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
}

#[test]
fn empty_scenario_has_dictionaries_but_no_products() {
    let mut st = scenario("empty");
    let t = login(&mut st, T0);
    assert_eq!(code(&call(&mut st, &t, "listProducts", &[], T0)), 8);
    assert_eq!(code(&call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0)), 8);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0)), 0);
    assert_eq!(result_map(&call(&mut st, &t, "listCategories", &[], T0)).len(), 2);
}

#[test]
fn advanced_warehouse_scenarios_start_in_advanced_mode() {
    let mut sc = sandbox::catalogue::demo();
    sc.systim_advanced_warehouse = true;
    let st = sandbox::systim::SystimState::from_scenario(&sc);
    assert_eq!(st.state_json()["config"]["warehouse_mode"], "advanced");
    assert_eq!(demo().state_json()["config"]["warehouse_mode"], "simplified");
}

#[test]
fn state_json_reports_tokens_and_config() {
    let mut st = demo();
    login(&mut st, T0);
    let state = st.state_json();
    assert_eq!(state["tokens"], 1);
    assert_eq!(state["config"]["token_ttl_s"], 1800);
    assert_eq!(state["products"][0]["stock_milli"]["1"], 20_000);
    for key in ["products", "orders", "companies", "documents", "categories", "vat_rates", "stores", "config"] {
        assert!(state.get(key).is_some(), "{key}");
    }
}
